//! `glossa-host model pull|list|rm`: the GGUF files of the built-in backend.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::models::{self, catalogue, download};

#[derive(clap::Subcommand)]
pub enum Action {
    /// Download a model into the models folder. SOURCE is a catalogue id (a model and its
    /// vision projector, see `model list`), a https:// URL of a .gguf file, or a Hugging
    /// Face path `owner/repo/file.gguf`. An interrupted download resumes when run again.
    Pull {
        source: String,
        /// Expected sha256 of the file (64 hex digits); a mismatch deletes the download.
        #[arg(long)]
        sha256: Option<String>,
    },
    /// Installed models, then the recommended ones.
    List,
    /// Delete an installed model file (name as shown by `model list`).
    Rm { name: String },
}

pub fn run(action: Action, data_dir: &Path) -> anyhow::Result<()> {
    let dir = models::models_dir(data_dir);
    match action {
        Action::Pull { source, sha256 } => pull(&source, sha256.as_deref(), &dir),
        Action::List => {
            list(&dir);
            Ok(())
        }
        Action::Rm { name } => {
            let path = models::remove(&dir, &name).map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => {
                    anyhow::anyhow!("{name} is not installed in {}; see `glossa-host model list`", dir.display())
                }
                _ => anyhow::anyhow!("cannot remove {name}: {e}"),
            })?;
            println!("removed {}", path.display());
            Ok(())
        }
    }
}

fn pull(source: &str, sha256: Option<&str>, dir: &Path) -> anyhow::Result<()> {
    let targets = download::plan(source, sha256).map_err(|e| anyhow::anyhow!("{} {}", e, e.hint()))?;
    let bar = progress_bar();
    let names: Vec<&str> = targets.iter().map(|t| t.file_name.as_str()).collect();
    bar.set_message(names.join(" + "));
    let mut last_line = 0u64;
    let interactive = std::io::stderr().is_terminal();
    let mut on_progress = |p: download::Progress| {
        if let Some(total) = p.total {
            bar.set_length(total);
        }
        bar.set_position(p.done);
        // Without a terminal (logs, CI) the bar is hidden: print every 10 % instead.
        if !interactive {
            if let Some(total) = p.total.filter(|t| *t > 0) {
                let tenth = p.done * 10 / total;
                if tenth > last_line || p.done == total {
                    last_line = tenth;
                    eprintln!("{}: {}% ({} of {} bytes)", names.join(" + "), p.done * 100 / total, p.done, total);
                }
            }
        }
    };
    let client = download::client();
    let result = super::block_on(download::pull_all(&client, &targets, dir, &mut on_progress))?;
    bar.finish_and_clear();
    let paths = result.map_err(|e| anyhow::anyhow!("{} {}", e, e.hint()))?;
    for p in &paths {
        println!("installed {}", p.display());
    }
    if let Some(entry) = catalogue::by_id(source) {
        println!(
            "To use it for frames: glossa-host settings set local.frame_model {} (its projector {} is found automatically)",
            entry.model_file, entry.mmproj_local
        );
    }
    Ok(())
}

fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{msg}\n{wide_bar} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn list(dir: &Path) {
    let installed = models::list(dir);
    if installed.is_empty() {
        println!("No models in {}.", dir.display());
    } else {
        println!("Installed in {}:", dir.display());
        for m in &installed {
            let vision = m.mmproj.as_deref().map(|p| format!("  vision: {p}")).unwrap_or_default();
            println!("  {}  {:.2} GB{vision}", m.file, m.size_bytes as f64 / 1e9);
        }
    }
    println!("\nRecommended vision models (glossa-host model pull <id>; sizes approximate):");
    for e in catalogue::CATALOGUE {
        let have = installed.iter().any(|m| m.file == e.model_file);
        println!("  {:<14} {:>4.1} GB  {}{}", e.id, e.total_bytes() as f64 / 1e9, e.description, if have { "  [installed]" } else { "" });
    }
}
