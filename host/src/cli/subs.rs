//! `glossa-host translate-subs FILE.vtt|FILE.srt|FILE.json3 --to LANG [-o OUT]`: a caption
//! file through exactly the pipeline the extension uses (batches, repair, cache), with a
//! progress bar, written as WebVTT or SRT.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use glossa_protocol::TranslatedCue;
use indicatif::{ProgressBar, ProgressStyle};

use crate::app::App;
use crate::paths;
use crate::pipeline::subtitles::captions::{self, CaptionFormat};
use crate::pipeline::subtitles::glossary::TrackGlossary;
use crate::pipeline::subtitles::{translate_track, LineReport, PlayheadUpdate, TrackSink, TrackSummary};
use crate::resolve;
use crate::store::glossary::{glossary_key, Glossary};
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
    /// Also write a JSON report: calls, token usage, and each line with its translation
    /// (null when untranslated) and how its answers were checked.
    #[arg(long, value_name = "OUT.json")]
    pub report: Option<PathBuf>,
}

/// The cues for the file, the lines for the report, and the progress bar.
struct Collect<'b> {
    bar: &'b ProgressBar,
    cues: Vec<TranslatedCue>,
    lines: Vec<LineReport>,
}

impl TrackSink for Collect<'_> {
    fn cues(&mut self, cues: Vec<TranslatedCue>) {
        self.bar.inc(cues.len() as u64);
        self.cues.extend(cues);
    }

    fn lines(&mut self, lines: Vec<LineReport>) {
        self.lines.extend(lines);
    }
}

/// `--report`: `{"calls", "usage", "lines": [{"index", "source", "text", "checks"}]}`, the
/// lines in track order (the `quality` harness reads it; keep the names).
fn report_json(summary: &TrackSummary, mut lines: Vec<LineReport>) -> serde_json::Value {
    lines.sort_by_key(|l| l.index);
    serde_json::json!({
        "calls": summary.usage.provider_calls.unwrap_or(0),
        "usage": summary.usage,
        "lines": lines.iter().map(|l| serde_json::json!({
            "index": l.index,
            "source": l.source,
            "text": l.text,
            "checks": l.checks,
        })).collect::<Vec<_>>(),
    })
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
    // No viewer: the whole file, nothing ever behind the playhead.
    job.options = job.options.whole_track();
    // A file's glossary is kept under its name: translating it again (or its next episode
    // under the same name) renders names the same way; `glossa-host glossary` edits it.
    let name = args.file.file_name().map_or_else(|| args.file.display().to_string(), |n| n.to_string_lossy().into_owned());
    job.glossary = Some(TrackGlossary { glossary: Glossary::new(&app.store), key: glossary_key(&format!("file:{name}"), &job.to) });
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
    let mut collect = Collect { bar: &bar, cues: Vec::with_capacity(track.cues.len()), lines: Vec::new() };
    let summary =
        super::block_on(translate_track(&job, &track, PlayheadUpdate { time: 0.0, rate: 0.0 }, futures::stream::empty(), &mut collect))?;
    bar.finish_and_clear();
    let summary = summary.map_err(|e| anyhow::anyhow!("{e}"))?;
    let Collect { cues: translated, lines, .. } = collect;
    if let Some(path) = &args.report {
        let json = serde_json::to_string_pretty(&report_json(&summary, lines)).unwrap_or_default();
        write_atomically(path, &json)?;
    }

    let cues = captions::translated(&track.cues, translated, track.auto_generated);
    let written = captions::write(&cues, out_format).unwrap_or_default();
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
    use crate::pipeline::subtitles::call::LineChecks;

    #[test]
    fn the_report_names_its_fields_as_the_quality_harness_reads_them() {
        let summary = TrackSummary {
            usage: glossa_protocol::Usage {
                input_tokens: 10,
                output_tokens: 5,
                provider_calls: Some(2),
                cached: None,
                ..Default::default()
            },
            ..TrackSummary::default()
        };
        let checks = LineChecks { src_matched: Some(false), echo_refused: 1, asked: 2 };
        let lines = vec![
            LineReport { index: 1, source: "Bye.".into(), text: None, checks },
            LineReport { index: 0, source: "Hi.".into(), text: Some("Salut.".into()), checks: LineChecks::default() },
        ];
        let json = report_json(&summary, lines);
        assert_eq!(json["calls"], 2);
        assert_eq!(json["usage"]["input_tokens"], 10);
        assert_eq!(
            json["lines"][0],
            serde_json::json!({"index": 0, "source": "Hi.", "text": "Salut.", "checks": {"src_matched": null, "echo_refused": 0, "asked": 0}})
        );
        assert_eq!(json["lines"][1]["text"], serde_json::Value::Null);
        assert_eq!(json["lines"][1]["checks"], serde_json::json!({"src_matched": false, "echo_refused": 1, "asked": 2}));
    }
}
