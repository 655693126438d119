//! `glossa-host define WORD [--lang ja] [--line LINE]`: what the word-gloss panel shows for a
//! word — the offline dictionary's entries for its dictionary form, and, given the line it
//! is in, the configured model's note on its meaning there.

use std::io::Write;
use std::path::Path;

use glossa_protocol::DictEntry;

use crate::cli::block_on;
use crate::dictionary::{self, lookup, Dictionaries};
use crate::pipeline::word_note::{self, WordInLine};
use crate::reading::{self, Readers};
use crate::resolve;

#[derive(clap::Args)]
pub struct DefineArgs {
    /// The word, as written in the line or in its dictionary form (食べた, 食べる, 銀行).
    pub word: String,
    /// Its language: ja (JMdict) or zh (CC-CEDICT). Default: the one the line's (or the
    /// word's) script says, as for a live or burned-in line in the player; kanji alone read
    /// as Chinese, so give --lang ja for a Japanese word written in kanji only, with no line.
    #[arg(long)]
    pub lang: Option<String>,
    /// The line the word is in: its dictionary form is found there, and the configured model
    /// is asked what the word means in it (a provider call, kept in the cache).
    #[arg(long)]
    pub line: Option<String>,
    /// Where the word starts in the line, in characters (UTF-16 units), when it is there twice.
    #[arg(long)]
    pub offset: Option<u32>,
    /// The line's translation, which the model reads with it.
    #[arg(long, default_value = "")]
    pub translation: String,
    /// The language of the note (default: the target language setting).
    #[arg(long)]
    pub to: Option<String>,
    /// Only the dictionary: no note, no provider call, even with --line.
    #[arg(long)]
    pub no_note: bool,
    /// Print {"lemma", "entries", "note"} as JSON once everything is in.
    #[arg(long)]
    pub json: bool,
}

#[derive(serde::Serialize)]
struct Defined {
    lemma: String,
    entries: Vec<DictEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

pub fn run(args: DefineArgs, data_dir: &Path) -> anyhow::Result<()> {
    let dictionaries = Dictionaries::new(dictionary::data_dir(data_dir));
    let readers = Readers::new(reading::data_dir(data_dir));
    let line = args.line.as_deref().unwrap_or("");
    let lang = match &args.lang {
        Some(lang) => lang.clone(),
        None => reading::script_lang(reading::written_around(line, &args.word))
            .map(|l| l.tag().to_owned())
            .ok_or_else(|| anyhow::anyhow!("Cannot tell which language \"{}\" is in: give --lang (ja, zh, …).", args.word))?,
    };
    let found = lookup::look_up(&dictionaries, &readers, &lang, &args.word, line, args.offset)?;
    if !args.json {
        print_entries(&found);
    }
    let wants_note = args.line.is_some() && !args.no_note;
    let note = if wants_note { Some(note(&args, &lang, &found.lemma, data_dir)?) } else { None };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&Defined { lemma: found.lemma, entries: found.entries, note })?);
    }
    Ok(())
}

fn print_entries(found: &lookup::Found) {
    if found.entries.is_empty() {
        println!("{}: not in the dictionary", found.lemma);
    }
    for entry in &found.entries {
        let reading = if entry.reading.is_empty() { String::new() } else { format!(" 【{}】", entry.reading) };
        println!("{}{reading}  ({})", entry.headword, entry.source);
        if !entry.pos.is_empty() {
            println!("  {}", entry.pos.join(", "));
        }
        for (i, sense) in entry.senses.iter().enumerate() {
            println!("  {}. {sense}", i + 1);
        }
    }
}

/// The model's note on the word in its line, streamed to the terminal unless it is wanted
/// as JSON.
fn note(args: &DefineArgs, lang: &str, lemma: &str, data_dir: &Path) -> anyhow::Result<String> {
    let app = crate::cli::translate::open_app(data_dir)?;
    let job = resolve::text(&block_on(app.config())?, &app.providers, args.to.as_deref(), Some(lang));
    eprintln!("{} · {}", job.provider.kind().display_name(), job.model);
    let word = WordInLine { word: args.word.trim(), lemma, line: args.line.as_deref().unwrap_or(""), translation: &args.translation };
    let mut note = String::new();
    let mut stdout = std::io::stdout();
    if !args.json {
        print!("In this line: ");
    }
    let mut on_delta = |piece: &str| {
        note.push_str(piece);
        if !args.json {
            let _ = stdout.write_all(piece.as_bytes());
            let _ = stdout.flush();
        }
    };
    let cache = app.cache();
    let usage = block_on(word_note::explain(&job, &word, Some(&cache), &mut on_delta))?;
    if !args.json {
        println!();
    }
    let usage = usage.map_err(|e| anyhow::anyhow!("{e}"))?;
    if usage.is_none() {
        eprintln!("(from the cache)");
    }
    Ok(note.trim().to_owned())
}
