//! Offline dictionaries for a word's meaning: JMdict (Japanese) and CC-CEDICT (Chinese),
//! with English glosses. The setup step (`tests/tools/fetch-dictionaries.sh`) writes each
//! as a plain text file, one entry a line, seven tab-separated fields:
//!
//! ```text
//! written forms | …   ranks of those | …   readings | …   ranks of those | …   parts of speech | …   senses | …   flags
//! 食べる|喰べる        25|100                たべる                25                  Ichidan verb|…     to eat|…
//! ```
//!
//! A rank is lower for a more common form (JMdict's frequency bands); a reading may end in
//! `@form,form` when it belongs to those written forms only; the flag `kana` marks a word
//! usually written in kana. The first lookup compiles the file into an indexed SQLite file
//! beside it (`jmdict.sqlite`), which later lookups open and read a few rows of: a host
//! that never looks a word up never opens it, and one that does holds SQLite's page cache,
//! not the dictionary.

pub mod lookup;

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use glossa_protocol::DictEntry;
use rusqlite::{params, Connection, OpenFlags};

/// The languages a dictionary exists for, as the CLI and its errors list them.
pub const SUPPORTED: &[&str] = &["ja", "zh"];

/// At most this many entries for a word, and senses per entry: a panel, not a page.
pub const MAX_ENTRIES: usize = 5;
pub const MAX_SENSES: usize = 6;

/// Changes whenever the compiled file's tables do: an older file is compiled again.
const FORMAT_VERSION: i32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DictLang {
    Japanese,
    Chinese,
}

impl DictLang {
    /// The language of a BCP 47 tag, if a dictionary exists for it.
    pub fn from_tag(tag: &str) -> Option<DictLang> {
        match crate::reading::Lang::from_tag(tag)? {
            crate::reading::Lang::Japanese => Some(DictLang::Japanese),
            crate::reading::Lang::Chinese => Some(DictLang::Chinese),
            _ => None,
        }
    }

    /// The file name (without extension) and the name the credit line shows.
    fn source(self) -> (&'static str, &'static str) {
        match self {
            DictLang::Japanese => ("jmdict", "JMdict"),
            DictLang::Chinese => ("cedict", "CC-CEDICT"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DictionaryError {
    #[error("no dictionary for language {0:?}; dictionaries exist for: {list}", list = SUPPORTED.join(", "))]
    Unsupported(String),
    #[error("the {name} dictionary is not installed (looked for {path}); run tests/tools/fetch-dictionaries.sh (or host/setup.sh) and point GLOSSA_READING_DATA at the folder holding its dict/")]
    Missing { name: &'static str, path: PathBuf },
    #[error("cannot read the {name} dictionary at {path}: {reason}")]
    Unreadable { name: &'static str, path: PathBuf, reason: String },
    #[error("{0}")]
    NotLoaded(String),
}

/// Where the dictionaries live: `dict/` in the reading data folder (`GLOSSA_READING_DATA`,
/// else `<data dir>/reading`), which the setup step fills with both.
pub fn data_dir(glossa_data_dir: &Path) -> PathBuf {
    crate::reading::data_dir(glossa_data_dir).join("dict")
}

/// Both dictionaries, each opened the first time it is asked for (a failed open is kept
/// as its message, so a missing file is reported, not searched for, on every click).
pub struct Dictionaries {
    dir: PathBuf,
    ja: OnceLock<Result<Dictionary, String>>,
    zh: OnceLock<Result<Dictionary, String>>,
}

impl Dictionaries {
    pub fn new(dict_dir: PathBuf) -> Self {
        Dictionaries { dir: dict_dir, ja: OnceLock::new(), zh: OnceLock::new() }
    }

    pub fn get(&self, lang: DictLang) -> Result<&Dictionary, DictionaryError> {
        let cell = match lang {
            DictLang::Japanese => &self.ja,
            DictLang::Chinese => &self.zh,
        };
        cell.get_or_init(|| Dictionary::open(&self.dir, lang).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|m| DictionaryError::NotLoaded(m.clone()))
    }
}

/// One compiled dictionary (SQLite, read-only).
pub struct Dictionary {
    conn: Mutex<Connection>,
    lang: DictLang,
    source: &'static str,
}

/// An entry as the compiled file keeps it, before it is cut to the form looked up.
struct Row {
    written: String,
    readings: String,
    pos: String,
    senses: String,
    kana: bool,
}

impl Dictionary {
    /// Opens `<dir>/<name>.sqlite`, compiling it from `<dir>/<name>.tsv` first when it is
    /// missing, older than the text, or was compiled by another version.
    pub fn open(dir: &Path, lang: DictLang) -> Result<Dictionary, DictionaryError> {
        let (file, source) = lang.source();
        let compiled = dir.join(format!("{file}.sqlite"));
        let text = dir.join(format!("{file}.tsv"));
        let unreadable = |path: &Path, e: &dyn std::fmt::Display| DictionaryError::Unreadable {
            name: source,
            path: path.to_owned(),
            reason: e.to_string(),
        };
        let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        // a text form fetched again (a newer release) is compiled again too
        let stale = modified(&text).zip(modified(&compiled)).is_some_and(|(text, compiled)| text > compiled);
        let current = !stale && compiled.is_file() && read_only(&compiled).is_ok_and(|c| version(&c) == FORMAT_VERSION);
        if !current {
            if !text.is_file() {
                return Err(DictionaryError::Missing { name: source, path: if compiled.is_file() { compiled } else { text } });
            }
            compile(&text, &compiled, lang).map_err(|e| unreadable(&text, &e))?;
        }
        let conn = read_only(&compiled).map_err(|e| unreadable(&compiled, &e))?;
        Ok(Dictionary { conn: Mutex::new(conn), lang, source })
    }

    /// The entries written or read as `key` (a few more than [`MAX_ENTRIES`]), most common
    /// first, each shown as the form looked up (its written form, or the reading when the word is usually kana).
    pub fn entries(&self, key: &str) -> Result<Vec<DictEntry>, DictionaryError> {
        let conn = self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let rows = (|| -> rusqlite::Result<Vec<Row>> {
            let mut select = conn.prepare_cached(
                "SELECT e.written, e.readings, e.pos, e.senses, e.kana FROM form f JOIN entry e ON e.id = f.entry
                 WHERE f.key = ?1 ORDER BY f.rank, f.entry LIMIT ?2",
            )?;
            // more than are shown: the caller may reorder them by how the word reads
            let rows = select.query_map(params![key, 3 * MAX_ENTRIES as i64], |r| {
                Ok(Row { written: r.get(0)?, readings: r.get(1)?, pos: r.get(2)?, senses: r.get(3)?, kana: r.get(4)? })
            })?;
            rows.collect()
        })()
        .map_err(|e| DictionaryError::Unreadable { name: self.source, path: PathBuf::new(), reason: e.to_string() })?;
        Ok(rows.into_iter().map(|row| self.entry(key, row)).collect())
    }

    /// Whether any entry is written or read as `key`.
    pub fn contains(&self, key: &str) -> bool {
        let conn = self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        conn.prepare_cached("SELECT 1 FROM form WHERE key = ?1 LIMIT 1").and_then(|mut s| s.exists([key])).unwrap_or(false)
    }

    pub fn lang(&self) -> DictLang {
        self.lang
    }

    fn entry(&self, key: &str, row: Row) -> DictEntry {
        let written: Vec<&str> = row.written.split('|').filter(|w| !w.is_empty()).collect();
        // (reading, the written forms it belongs to: all when none are named)
        let readings: Vec<(&str, Vec<&str>)> = row
            .readings
            .split('|')
            .map(|r| match r.split_once('@') {
                Some((r, only)) => (r, only.split(',').collect()),
                None => (r, Vec::new()),
            })
            .collect();
        let reads = |form: &str| readings.iter().find(|(_, only)| only.is_empty() || only.contains(&form)).map(|(r, _)| *r);
        let (headword, reading) = if written.contains(&key) {
            (key, reads(key).unwrap_or(""))
        } else if row.kana || written.is_empty() {
            (key, "")
        } else {
            // found by its reading: shown as it is usually written
            let form = written.iter().find(|w| readings.iter().any(|(r, only)| *r == key && (only.is_empty() || only.contains(w))));
            (form.copied().unwrap_or(written[0]), key)
        };
        let reading = if reading == headword { "" } else { reading };
        DictEntry {
            headword: headword.to_owned(),
            reading: reading.to_owned(),
            pos: row.pos.split('|').filter(|p| !p.is_empty()).map(str::to_owned).collect(),
            senses: row.senses.split('|').filter(|s| !s.is_empty()).take(MAX_SENSES).map(str::to_owned).collect(),
            senses_lang: "en".to_owned(),
            source: self.source.to_owned(),
        }
    }
}

fn read_only(path: &Path) -> rusqlite::Result<Connection> {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
}

fn version(conn: &Connection) -> i32 {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap_or(0)
}

/// Builds the indexed file from the text form (keys: the written forms, and for Japanese
/// the readings too), in a file of its own renamed into place, so
/// hosts compiling at the same time each finish with a whole file.
fn compile(text: &Path, compiled: &Path, lang: DictLang) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let started = std::time::Instant::now();
    let tmp = compiled.with_extension(format!("sqlite.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let built = (|| -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let mut conn = Connection::open(&tmp)?;
        conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA page_size = 4096;
             CREATE TABLE entry (id INTEGER PRIMARY KEY, written TEXT NOT NULL, readings TEXT NOT NULL,
                                 pos TEXT NOT NULL, senses TEXT NOT NULL, kana INTEGER NOT NULL);
             CREATE TABLE form (key TEXT NOT NULL, rank INTEGER NOT NULL, entry INTEGER NOT NULL,
                                PRIMARY KEY (key, rank, entry)) WITHOUT ROWID;",
        )?;
        let tx = conn.transaction()?;
        {
            let mut put_entry =
                tx.prepare("INSERT INTO entry (id, written, readings, pos, senses, kana) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
            let mut put_form = tx.prepare("INSERT OR IGNORE INTO form (key, rank, entry) VALUES (?1, ?2, ?3)")?;
            let reader = std::io::BufReader::new(std::fs::File::open(text)?);
            for (id, line) in reader.lines().enumerate() {
                let line = line?;
                let f: Vec<&str> = line.split('\t').collect();
                let [written, written_ranks, readings, reading_ranks, pos, senses, flags] = f[..] else { continue };
                let id = id as i64 + 1;
                put_entry.execute(params![id, written, readings, pos, senses, flags == "kana"])?;
                let rank = |r: &str| r.parse::<i64>().unwrap_or(100);
                // A word written in kana in a line is most likely one usually written so:
                // する is 為る (to do) before 擦る (to rub), however common both are.
                let kana_only = flags == "kana" || written.is_empty();
                let read_penalty = if kana_only { 0 } else { 50 };
                let forms = written.split('|').zip(written_ranks.split('|')).map(|(k, r)| (k, rank(r)));
                let reads = readings
                    .split('|')
                    .map(|r| r.split_once('@').map_or(r, |(r, _)| r))
                    .zip(reading_ranks.split('|'))
                    .map(|(k, r)| (k, rank(r) + read_penalty))
                    // words are looked up as written; only kana is also a way to write Japanese
                    .filter(|_| lang == DictLang::Japanese);
                for (key, rank) in forms.chain(reads).filter(|(k, _)| !k.is_empty()) {
                    put_form.execute(params![key, rank, id])?;
                }
            }
        }
        tx.commit()?;
        conn.execute_batch(&format!("PRAGMA user_version = {FORMAT_VERSION}; VACUUM;"))?;
        Ok(())
    })();
    match built.and_then(|()| std::fs::rename(&tmp, compiled).map_err(Into::into)) {
        Ok(()) => {
            tracing::info!(file = %compiled.display(), ms = started.elapsed().as_millis() as u64, "dictionary compiled");
            Ok(())
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A few entries in the fetched files' form (host/tests/fixtures/dict), copied to a
    /// scratch folder so the compiled file lands there.
    pub(crate) fn fixture() -> (tempfile::TempDir, Dictionaries) {
        let dir = tempfile::tempdir().unwrap();
        // At run time: a binary built from another checkout sharing the target directory (CI's clone) is fresh for cargo, and `env!` names that checkout.
        let src = std::env::var_os("CARGO_MANIFEST_DIR")
            .map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), std::path::PathBuf::from)
            .join("tests/fixtures/dict");
        for name in ["jmdict.tsv", "cedict.tsv"] {
            std::fs::copy(src.join(name), dir.path().join(name)).unwrap();
        }
        let dicts = Dictionaries::new(dir.path().to_owned());
        (dir, dicts)
    }

    #[test]
    fn a_word_is_found_by_its_written_form_and_its_reading_most_common_first() {
        let (_dir, dicts) = fixture();
        let ja = dicts.get(DictLang::Japanese).unwrap();
        let eat = ja.entries("食べる").unwrap();
        assert_eq!(eat.len(), 1);
        assert_eq!((eat[0].headword.as_str(), eat[0].reading.as_str()), ("食べる", "たべる"));
        assert_eq!(eat[0].pos, ["Ichidan verb", "transitive verb"]);
        assert_eq!(eat[0].senses[0], "to eat");
        assert_eq!((eat[0].senses_lang.as_str(), eat[0].source.as_str()), ("en", "JMdict"));

        // する: the common verb (usually kana, shown as kana) before the rarer 擦る
        let suru = ja.entries("する").unwrap();
        assert_eq!(suru.iter().map(|e| e.headword.as_str()).collect::<Vec<_>>(), ["する", "擦る"]);
        assert_eq!(suru[0].reading, "", "a kana headword is its own reading");
        assert_eq!(suru[1].reading, "する");
        assert!(ja.contains("喰べる") && !ja.contains("食べた"));
    }

    #[test]
    fn a_reading_for_some_written_forms_only_is_shown_with_those() {
        let (_dir, dicts) = fixture();
        let ja = dicts.get(DictLang::Japanese).unwrap();
        // 一滴|一雫: いってき belongs to 一滴 only, ひとしずく to both
        assert_eq!(ja.entries("一滴").unwrap()[0].reading, "いってき");
        assert_eq!(ja.entries("一雫").unwrap()[0].reading, "ひとしずく");
        assert_eq!(ja.entries("いってき").unwrap()[0].headword, "一滴");
    }

    #[test]
    fn chinese_headwords_match_simplified_and_traditional() {
        let (_dir, dicts) = fixture();
        let zh = dicts.get(DictLang::Chinese).unwrap();
        let simplified = zh.entries("银行").unwrap();
        let traditional = zh.entries("銀行").unwrap();
        assert_eq!(simplified[0].reading, "yín háng");
        assert_eq!(simplified[0].senses, traditional[0].senses);
        assert_eq!(traditional[0].headword, "銀行");
        assert_eq!(simplified[0].source, "CC-CEDICT");
    }

    #[test]
    fn a_missing_dictionary_says_how_to_fetch_it_and_a_language_without_one_lists_those_with() {
        let dicts = Dictionaries::new(PathBuf::from("/nonexistent/dict"));
        let err = dicts.get(DictLang::Japanese).err().unwrap().to_string();
        assert!(err.contains("JMdict dictionary is not installed") && err.contains("fetch-dictionaries.sh"), "{err}");
        assert_eq!(
            DictionaryError::Unsupported("fr".into()).to_string(),
            "no dictionary for language \"fr\"; dictionaries exist for: ja, zh"
        );
    }

    #[test]
    fn an_older_compiled_file_is_compiled_again() {
        let (dir, dicts) = fixture();
        assert!(dicts.get(DictLang::Chinese).is_ok());
        let compiled = dir.path().join("cedict.sqlite");
        Connection::open(&compiled).unwrap().execute_batch("PRAGMA user_version = 0; DELETE FROM form;").unwrap();
        let again = Dictionaries::new(dir.path().to_owned());
        assert!(again.get(DictLang::Chinese).unwrap().contains("银行"));
    }
}
