//! `glossa-host burnin VIDEO --to LANG -o OUT.srt`: the subtitles burned into a local video's
//! picture, found by the same detector as the extension's burned-in mode, each line read
//! and translated once by the frame model, written as SRT or WebVTT with the times each
//! line was on screen. Readings are cached, so a second run makes no provider call.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};

use crate::app::App;
use crate::paths;
use crate::pipeline::burnin::video::{self, Region};
use crate::pipeline::burnin::{self, DEFAULT_FPS};
use crate::pipeline::subtitles::captions::{self, CaptionFormat};
use crate::resolve;
use crate::store::Store;

#[derive(clap::Args)]
pub struct BurninArgs {
    /// A video file ffmpeg can read.
    pub video: PathBuf,
    /// Target language code (e.g. en, ja); the `target_language` setting when absent.
    #[arg(long)]
    pub to: Option<String>,
    /// Source language code, when the model should not guess it.
    #[arg(long)]
    pub from: Option<String>,
    /// Where to write (.srt or .vtt); default: beside VIDEO as NAME.LANG.srt.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// The caption strip in pixels, `x,y,w,h`; found automatically when absent.
    #[arg(long)]
    pub region: Option<String>,
    /// Samples of the strip a second.
    #[arg(long, default_value_t = DEFAULT_FPS)]
    pub fps: f64,
    /// Write the recognised original above each translation.
    #[arg(long)]
    pub dual: bool,
}

pub fn run(args: BurninArgs, data_dir: &Path) -> anyhow::Result<()> {
    if !(0.5..=30.0).contains(&args.fps) {
        bail!("--fps must be between 0.5 and 30");
    }
    let store = Store::open(&paths::database(data_dir))?;
    for w in &store.warnings {
        eprintln!("warning: {w}");
    }
    let app = App::new(store, data_dir);
    let settings = super::block_on(app.config())?;
    let job = resolve::frame_model(&settings, &app.providers, args.to.as_deref(), args.from.as_deref(), args.dual);
    let output = args.output.clone().unwrap_or_else(|| default_output(&args.video, &job.to));
    let Some(out_format @ (CaptionFormat::Vtt | CaptionFormat::Srt)) = CaptionFormat::from_path(&output) else {
        bail!("{}: can only write .vtt or .srt files", output.display());
    };
    let info = video::probe(&args.video)?;
    let config = glossa_burnin::Config::default();
    let region = match &args.region {
        Some(text) => Region::parse(text)
            .and_then(|r| r.within(info.width, info.height))
            .with_context(|| format!("--region {text}: want x,y,w,h inside the {}x{} picture", info.width, info.height))?,
        None => {
            eprintln!("looking for the caption strip…");
            burnin::find_region(&args.video, info, &config)?.unwrap_or_else(|| {
                let (top, rows) = glossa_burnin::Band::DEFAULT.rows(info.height as usize);
                eprintln!("no changing text found; using the bottom of the picture (set it with --region)");
                Region { x: 0, y: top as u32, width: info.width, height: rows as u32 }
            })
        }
    };
    eprintln!("caption strip: --region {},{},{},{}", region.x, region.y, region.width, region.height);

    let bar = ProgressBar::new((info.duration * 1000.0) as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} watching [{bar:30}] {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let lines = burnin::detect_lines(&args.video, region, args.fps, config, &mut |time, found| {
        bar.set_position((time * 1000.0) as u64);
        bar.set_message(format!("{} / {} · {found} line{}", clock(time), clock(info.duration), if found == 1 { "" } else { "s" }));
    })?;
    bar.finish_and_clear();
    eprintln!("{} lines on screen ({} shown again)", lines.len(), lines.iter().filter(|l| l.repeat_of.is_some()).count());

    let digest = burnin::video_digest(&args.video).with_context(|| format!("cannot read {}", args.video.display()))?;
    let bar = ProgressBar::new(lines.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} reading [{bar:30}] {pos}/{len} lines {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let cache = app.cache();
    let result = super::block_on(burnin::read_lines(&job, &lines, &digest, Some(&cache), &mut |_| bar.inc(1)))?;
    bar.finish_and_clear();
    let (readings, summary) = result.map_err(|e| anyhow::anyhow!("{e}"))?;

    let cues = burnin::cues(&lines, &readings, args.dual);
    let written = captions::write(&cues, out_format).unwrap_or_default();
    write_atomically(&output, &written)?;
    let calls = summary.provider_calls;
    eprintln!(
        "{} cues in {} with {} · {} provider call{} ({} from the cache, {} repeats)",
        cues.len(),
        job.to,
        job.provider.kind().display_name(),
        calls,
        if calls == 1 { "" } else { "s" },
        summary.cached,
        summary.repeats,
    );
    println!("wrote {}", output.display());
    Ok(())
}

fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

fn default_output(video: &Path, to: &str) -> PathBuf {
    let stem = video.file_stem().and_then(|s| s.to_str()).unwrap_or("video");
    video.with_file_name(format!("{stem}.{to}.srt"))
}

fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let tmp = path.with_extension("glossa-partial");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
