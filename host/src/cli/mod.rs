//! The command line: `glossa-host <command>`. Each command lives in its own file.

pub mod burnin;
pub mod cache;
pub mod define;
pub mod doctor;
pub mod glossary;
pub mod install;
pub mod model;
pub mod reading;
pub mod settings;
pub mod study;
pub mod subs;
pub mod translate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::{logging, paths};

#[derive(Parser)]
#[command(name = "glossa-host", version, about = "Glossa's native host: translates what is on a video for the Glossa browser extension.")]
#[command(after_help = "Browsers start glossa-host themselves once `glossa-host install` has registered it.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Register this binary with the browsers (native-messaging host manifests).
    Install {
        #[arg(long, value_enum, default_value = "all")]
        browser: install::Browser,
        /// Also allow this extension id (e.g. a development build); repeatable.
        #[arg(long = "extension-id")]
        extension_ids: Vec<String>,
        /// Write the manifest into this directory instead (e.g. `<profile>/NativeMessagingHosts`).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Remove the manifests `install` wrote.
    Uninstall {
        #[arg(long, value_enum, default_value = "all")]
        browser: install::Browser,
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Check the installation, the database and the provider; print the fix for each problem.
    Doctor,
    /// Read or change settings (the same ones as the options page).
    Settings {
        #[command(subcommand)]
        action: settings::Action,
    },
    /// Translate a caption file (.vtt, .srt, .json3) with the configured provider.
    TranslateSubs(subs::TranslateSubsArgs),
    /// The subtitle translation cache.
    Cache {
        #[command(subcommand)]
        action: cache::Action,
    },
    /// The names and terms each track's subtitles keep to.
    Glossary {
        #[command(subcommand)]
        action: glossary::Action,
    },
    /// Translate the text in a picture with the configured provider (as the frame button does).
    TranslateImage {
        file: PathBuf,
        /// Target language (default: the `target_language` setting).
        #[arg(long)]
        to: Option<String>,
        /// Print the original text as well.
        #[arg(long)]
        with_original: bool,
        /// Print the result as JSON: the items read (original, translation, box), or the
        /// model's text when it did not answer in items, with usage and timings.
        #[arg(long)]
        json: bool,
    },
    /// Translate a passage of text with the configured provider's subtitle (text) model.
    TranslateText {
        text: String,
        /// Target language (default: the `target_language` setting).
        #[arg(long)]
        to: Option<String>,
        /// Source language, when the model should not guess it.
        #[arg(long)]
        from: Option<String>,
    },
    /// Translate the subtitles burned into a video's picture (decoded with ffmpeg) into an SRT/VTT file.
    Burnin(burnin::BurninArgs),
    /// Download, list and remove models for the built-in backend (provider `local`).
    Model {
        #[command(subcommand)]
        action: model::Action,
    },
    /// How a line is read: furigana (ja), pinyin (zh), romanization (ko), Latin letters (ru, uk, el).
    Reading {
        text: String,
        /// The line's language: ja, zh, ko, ru, uk or el.
        #[arg(long)]
        lang: String,
        /// Print the words with their readings as JSON: [{"surface","reading"}].
        #[arg(long)]
        json: bool,
    },
    /// A word's meaning: its dictionary entries (JMdict for ja, CC-CEDICT for zh) and, with
    /// --line, the configured model's note on what it means in that line.
    Define(define::DefineArgs),
    /// The lines and words saved while watching; their export for Anki.
    Study {
        #[command(subcommand)]
        action: study::Action,
    },
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let _guard = logging::init(None, "warn");
    let data_dir = paths::data_dir();
    let result = match cli.command {
        Command::Install { browser, extension_ids, dir } => {
            let opts = install::InstallOptions { browser, extension_ids, dir, home: None, exe: None };
            install::install(&opts, &data_dir)
                .map(|files| {
                    for f in files {
                        println!("wrote {}", f.display());
                    }
                    println!("Glossa's host is registered. Reload the extension if it is already open.");
                })
                .map_err(anyhow::Error::from)
        }
        Command::Uninstall { browser, dir } => install::uninstall(browser, dir.as_deref(), None)
            .map(|files| {
                if files.is_empty() {
                    println!("nothing to remove");
                }
                for f in files {
                    println!("removed {}", f.display());
                }
            })
            .map_err(anyhow::Error::from),
        Command::Doctor => doctor::run(&data_dir),
        Command::Settings { action } => settings::run(action, &data_dir),
        Command::TranslateSubs(args) => subs::run(args, &data_dir),
        Command::Cache { action } => cache::run(action, &data_dir),
        Command::Glossary { action } => glossary::run(action, &data_dir),
        Command::TranslateImage { file, to, with_original, json } => translate::image(&file, to, with_original, json, &data_dir),
        Command::TranslateText { text, to, from } => translate::text(&text, to, from, &data_dir),
        Command::Model { action } => model::run(action, &data_dir),
        Command::Burnin(args) => burnin::run(args, &data_dir),
        Command::Reading { text, lang, json } => reading::run(&text, &lang, json, &data_dir),
        Command::Study { action } => study::run(action, &data_dir),
        Command::Define(args) => define::run(args, &data_dir),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("glossa-host: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// A current-thread runtime for the async parts of CLI commands.
pub fn block_on<F: std::future::Future>(f: F) -> anyhow::Result<F::Output> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(f))
}
