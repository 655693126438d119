//! `glossa-host translate-subs FILE.vtt|FILE.srt|FILE.json3 --to LANG [-o OUT]`: a caption
//! file through exactly the pipeline the extension uses (batches, repair, cache), with a
//! progress bar, written as WebVTT or SRT.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use glossa_protocol::{Cue, TranslatedCue};
use indicatif::{ProgressBar, ProgressStyle};

use crate::app::App;
use crate::paths;
use crate::pipeline::subtitles::captions::{self, CaptionFormat};
use crate::pipeline::subtitles::{translate_track, PlayheadUpdate};
use crate::resolve;
use crate::store::Store;

#[derive(clap::Args)]
pub struct TranslateSubsArgs {
    /// A WebVTT (.vtt), SubRip (.srt) or YouTube json3 (.json3) caption file.
    pub file: PathBuf,
    /// Target language code (e.g. ja, de, zh-CN); the `target_language` setting when absent.
    #[arg(long)]
    pub to: Option<String>,
    /// Source language code, when the model should not guess it.
    #[arg(long)]
    pub from: Option<String>,
    /// Where to write (.vtt or .srt); default: beside FILE as NAME.LANG.vtt (or .srt).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

pub fn run(args: TranslateSubsArgs, data_dir: &Path) -> anyhow::Result<()> {
    let format = CaptionFormat::from_path(&args.file)
        .with_context(|| format!("{}: unknown caption format; use a .vtt, .srt or .json3 file", args.file.display()))?;
    let text = std::fs::read_to_string(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    let track = captions::parse(&text, format).map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
    if track.cues.is_empty() {
        bail!("{} has no captions to translate", args.file.display());
    }

    let store = Store::open(&paths::database(data_dir))?;
    for w in &store.warnings {
        eprintln!("warning: {w}");
    }
    let app = App::new(store, data_dir);
    let config = super::block_on(app.config())?;
    let mut job = resolve::track(&config, &app.providers, args.to.as_deref(), args.from.as_deref(), Some(app.cache()));
    // No viewer: nothing is ever behind the playhead, and it does not move.
    job.options.drop_behind_secs = f64::INFINITY;
    let kind = job.provider.kind();
    let to = job.to.clone();
    let output = match &args.output {
        Some(o) => o.clone(),
        None => default_output(&args.file, &to, format),
    };
    let Some(out_format @ (CaptionFormat::Vtt | CaptionFormat::Srt)) = CaptionFormat::from_path(&output) else {
        bail!("{}: can only write .vtt or .srt files", output.display());
    };

    let bar = ProgressBar::new(track.cues.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} translating [{bar:30}] {pos}/{len} cues {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(format!("with {}", kind.display_name()));
    let mut translated: Vec<TranslatedCue> = Vec::with_capacity(track.cues.len());
    let mut emit = |cues: Vec<TranslatedCue>| {
        bar.inc(cues.len() as u64);
        translated.extend(cues);
    };
    let summary =
        super::block_on(translate_track(&job, &track, PlayheadUpdate { time: 0.0, rate: 0.0 }, futures::stream::empty(), &mut emit))?;
    bar.finish_and_clear();
    let summary = summary.map_err(|e| anyhow::anyhow!("{e}"))?;

    let cues = merge(&track.cues, translated, track.auto_generated);
    let written = match out_format {
        CaptionFormat::Srt => captions::write_srt(&cues),
        _ => captions::write_vtt(&cues),
    };
    write_atomically(&output, &written)?;
    let calls = summary.usage.provider_calls.unwrap_or(0);
    eprintln!(
        "{} cues translated into {to} with {calls} provider call{} ({} from the cache{})",
        cues.len(),
        if calls == 1 { "" } else { "s" },
        summary.usage.cached.unwrap_or(0),
        if summary.untranslated > 0 { format!(", {} left in the original", summary.untranslated) } else { String::new() },
    );
    println!("wrote {}", output.display());
    Ok(())
}

/// The source cues with their translations (the original where none came back); blank
/// ones left out. A rolling ASR track's cues overlap (two lines at a time) and each shows
/// whole sentences, so there a sentence becomes one cue, from the first cue showing it
/// until the next sentence's: nothing is on screen twice.
fn merge(source: &[Cue], translated: Vec<TranslatedCue>, rolling: bool) -> Vec<Cue> {
    let mut by_id: std::collections::HashMap<String, String> = translated.into_iter().map(|t| (t.id, t.text)).collect();
    let cues = source.iter().filter_map(|c| {
        let text = by_id.remove(&c.id).unwrap_or_else(|| c.text.clone());
        (!text.trim().is_empty()).then(|| Cue { text, ..c.clone() })
    });
    if !rolling {
        return cues.collect();
    }
    let mut merged: Vec<Cue> = Vec::new();
    for cue in cues {
        match merged.last_mut() {
            Some(last) if last.text == cue.text => last.end = last.end.max(cue.end),
            Some(last) => {
                last.end = last.end.min(cue.start);
                merged.push(cue);
            }
            None => merged.push(cue),
        }
    }
    merged
}

fn default_output(input: &Path, to: &str, format: CaptionFormat) -> PathBuf {
    let stem = input.file_stem().and_then(|s| s.to_str()).unwrap_or("captions");
    let ext = if format == CaptionFormat::Srt { "srt" } else { "vtt" };
    input.with_file_name(format!("{stem}.{to}.{ext}"))
}

fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let tmp = path.with_extension("glossa-partial");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cue(id: &str, start: f64, end: f64, text: &str) -> Cue {
        Cue { id: id.into(), start, end, text: text.into() }
    }

    fn done(id: &str, text: &str) -> TranslatedCue {
        TranslatedCue { id: id.into(), text: text.into(), untranslated: false }
    }

    #[test]
    fn a_rolling_track_is_written_a_sentence_a_cue_without_overlaps() {
        // Lines overlap as in YouTube's json3; lines 1–2 show sentence A, line 3 sentence B.
        let source = [cue("1", 1.0, 5.0, "it was"), cue("2", 3.0, 7.0, "late we"), cue("3", 5.0, 9.0, "left"), cue("4", 9.0, 9.5, " ")];
        let translated = vec![done("1", "A."), done("2", "A."), done("3", "B."), done("4", "")];
        assert_eq!(merge(&source, translated.clone(), true), vec![cue("1", 1.0, 5.0, "A."), cue("3", 5.0, 9.0, "B.")]);
        // A manual track keeps its cues as they are (blank ones left out).
        assert_eq!(merge(&source, translated, false).len(), 3);
    }
}
