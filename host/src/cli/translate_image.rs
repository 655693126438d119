//! `glossa-host translate-image FILE [--to LANG]`: the frame pipeline from a terminal —
//! the same prompt and provider the extension's button uses, streamed to stdout.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use base64::Engine;
use glossa_protocol::FrameRequest;

use crate::app::App;
use crate::paths;
use crate::pipeline;
use crate::store::Store;

pub fn run(file: &Path, to: Option<String>, with_original: bool, data_dir: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let request = FrameRequest {
        image: base64::engine::general_purpose::STANDARD.encode(bytes),
        to,
        from: None,
        with_original,
    };
    let app = App::new(Store::open(&paths::database(data_dir))?, data_dir);
    let (provider, settings) = app.provider(None);
    let model = settings.frame_model(provider.kind()).to_owned();
    eprintln!("{} · {model}", provider.kind().display_name());
    let mut stdout = std::io::stdout();
    let mut on_delta = |text: &str| {
        let _ = stdout.write_all(text.as_bytes());
        let _ = stdout.flush();
    };
    let result = crate::cli::block_on(pipeline::frame::translate(
        provider.as_ref(),
        &model,
        &request,
        settings.target_language(),
        &mut on_delta,
    ))?;
    println!();
    let (usage, ms) = result.map_err(|e| anyhow::anyhow!("{e}"))?;
    eprintln!(
        "{} tokens in, {} out; first text after {} ms, done in {} ms",
        usage.input_tokens,
        usage.output_tokens,
        ms.first_token.map_or("-".into(), |t| t.to_string()),
        ms.total
    );
    Ok(())
}
