//! `glossa-host translate-image FILE` and `translate-text TEXT`: the frame pipeline and
//! plain text translation from a terminal, with the configured provider, streamed to stdout.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use glossa_protocol::{ErrorInfo, FrameItem, Timings, Usage};

use crate::app::App;
use crate::cli::block_on;
use crate::paths;
use crate::pipeline;
use crate::pipeline::frame::{Frame, FrameJob};
use crate::pipeline::frame_items::FramePiece;
use crate::providers::Image;
use crate::resolve;
use crate::store::Store;

pub fn image(file: &Path, to: Option<String>, with_original: bool, json: bool, data_dir: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let image = Image::from_bytes(bytes).with_context(|| format!("{}: not a JPEG, PNG, WebP or GIF image", file.display()))?;
    let frame = Frame { image, to, from: None, with_original, title: None };
    let app = open_app(data_dir)?;
    let job = resolve::frame(&block_on(app.config())?, &app.providers, &frame);
    eprintln!("{} · {}", job.provider.kind().display_name(), job.model);
    if json {
        return image_json(&job, &frame);
    }
    stream_to_stdout(|on_delta| Box::pin(async move { pipeline::frame::translate(&job, &frame.image, on_delta).await }))
}

/// What `translate-image --json` prints: one JSON object, once the answer is complete.
#[derive(Debug, Default, serde::Serialize)]
pub struct ImageResult {
    pub items: Vec<FrameItem>,
    /// The model's own text, when it did not answer in items.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub text: String,
    pub usage: Usage,
    pub ms: Timings,
}

fn image_json(job: &FrameJob, frame: &Frame) -> anyhow::Result<()> {
    let mut result = ImageResult::default();
    let mut on_piece = |piece: FramePiece| match piece {
        FramePiece::Item(item) => result.items.push(item),
        FramePiece::Text(text) => result.text.push_str(&text),
    };
    let (usage, ms) =
        block_on(pipeline::frame::read(job, &frame.image, frame.title.as_deref(), &mut on_piece))?.map_err(|e| anyhow::anyhow!("{e}"))?;
    (result.usage, result.ms) = (usage, ms);
    println!("{}", serde_json::to_string_pretty(&result)?);
    Ok(())
}

pub fn text(text: &str, to: Option<String>, from: Option<String>, data_dir: &Path) -> anyhow::Result<()> {
    let app = open_app(data_dir)?;
    let job = resolve::text(&block_on(app.config())?, &app.providers, to.as_deref(), from.as_deref());
    eprintln!("{} · {}", job.provider.kind().display_name(), job.model);
    let text = text.to_owned();
    stream_to_stdout(|on_delta| Box::pin(async move { pipeline::text::translate(&job, &text, on_delta).await }))
}

pub(crate) fn open_app(data_dir: &Path) -> anyhow::Result<App> {
    let store = Store::open(&paths::database(data_dir))?;
    for w in &store.warnings {
        eprintln!("warning: {w}");
    }
    Ok(App::new(store, data_dir))
}

type Translation<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(Usage, Timings), ErrorInfo>> + 'a>>;

/// Run a streamed translation, printing text as it arrives and a summary on stderr.
fn stream_to_stdout(run: impl for<'a> FnOnce(&'a mut (dyn FnMut(&str) + Send)) -> Translation<'a>) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout();
    let mut on_delta = |piece: &str| {
        let _ = stdout.write_all(piece.as_bytes());
        let _ = stdout.flush();
    };
    let result = block_on(run(&mut on_delta))?;
    println!();
    let (usage, ms) = result.map_err(|e| anyhow::anyhow!("{e}"))?;
    // Anthropic bills prompt-cache reads at a tenth: worth showing.
    let cached = usage.cache_read_input_tokens.map_or(String::new(), |n| format!(" ({n} read from the prompt cache)"));
    eprintln!(
        "{} tokens in{cached}, {} out; first text after {} ms, done in {} ms",
        usage.input_tokens,
        usage.output_tokens,
        ms.first_token.map_or("-".into(), |t| t.to_string()),
        ms.total
    );
    Ok(())
}
