//! Readings: how a line is read aloud, written under it for a learner. Japanese furigana
//! (hiragana over kanji, from a morphological analyser), Chinese pinyin with tone marks
//! (word segmentation plus a phrase table), Korean Revised Romanization with its sound
//! changes, and Russian, Ukrainian and Greek in Latin letters. No model, no network.
//!
//! A reading is a list of [`ReadingToken`]s whose surfaces concatenate to the line: each
//! token is a word (or a kana tail, a space, a mark) the player can later make hoverable.
//! Japanese and Chinese need dictionaries ([`data_dir`]); they load on first use, so a
//! host that never shows a reading never holds them.

mod cyrillic;
mod greek;
mod ja;
mod ko;
mod zh;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use glossa_protocol::text::{self, Message, Text};

pub use glossa_protocol::ReadingToken;

/// The languages a reading exists for, as the CLI and the errors list them.
pub use glossa_protocol::READING_LANGUAGES as SUPPORTED;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Japanese,
    Chinese,
    Korean,
    Russian,
    Ukrainian,
    Greek,
}

impl Lang {
    /// The language of a BCP 47 tag (`ja`, `zh-CN`, `zh-Hant`, `ru-RU`…), if it has a reading.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        Some(match primary.as_str() {
            "ja" => Lang::Japanese,
            "zh" | "cmn" => Lang::Chinese,
            "ko" => Lang::Korean,
            "ru" => Lang::Russian,
            "uk" => Lang::Ukrainian,
            "el" => Lang::Greek,
            _ => return None,
        })
    }

    /// Every language with a reading.
    pub const ALL: [Lang; 6] = [Lang::Japanese, Lang::Chinese, Lang::Korean, Lang::Russian, Lang::Ukrainian, Lang::Greek];

    /// Its BCP 47 tag (the primary subtag only).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Japanese => "ja",
            Lang::Chinese => "zh",
            Lang::Korean => "ko",
            Lang::Russian => "ru",
            Lang::Ukrainian => "uk",
            Lang::Greek => "el",
        }
    }

    /// Ruby (the reading over each word) rather than a plain line of its own.
    pub fn is_ruby(self) -> bool {
        matches!(self, Lang::Japanese | Lang::Chinese)
    }
}

/// Why a line has no reading; each says it through the text table ([`text`]), so the
/// extension shows it in the browser's language and the CLI in English.
#[derive(Debug, Clone)]
pub enum ReadingError {
    Unsupported(String),
    DataMissing { what: Message<0>, dir: PathBuf },
    DataUnreadable { what: Message<0>, path: PathBuf, reason: String },
}

impl ReadingError {
    pub fn text(&self) -> Text {
        match self {
            ReadingError::Unsupported(lang) => text::ERR_READING_UNSUPPORTED.with([lang.as_str().into(), SUPPORTED.join(", ").into()]),
            ReadingError::DataMissing { what, dir } => {
                text::ERR_READING_DATA_MISSING.with([(*what).into(), dir.display().to_string().into()])
            }
            ReadingError::DataUnreadable { what, path, reason } => {
                text::ERR_READING_DATA_UNREADABLE.with([(*what).into(), path.display().to_string().into(), reason.as_str().into()])
            }
        }
    }

    /// What to do about it.
    pub fn hint_text(&self) -> Option<Text> {
        match self {
            ReadingError::DataMissing { dir, .. } => Some(text::HINT_READING_DATA.with([dir.display().to_string().into()])),
            ReadingError::Unsupported(_) | ReadingError::DataUnreadable { .. } => None,
        }
    }

    /// As the `error` event of a request that needed the reading.
    pub fn info(&self) -> glossa_protocol::ErrorInfo {
        let code = match self {
            ReadingError::Unsupported(_) => glossa_protocol::ErrorCode::BadRequest,
            ReadingError::DataMissing { .. } | ReadingError::DataUnreadable { .. } => glossa_protocol::ErrorCode::Storage,
        };
        glossa_protocol::ErrorInfo::localized(code, self.text(), self.hint_text())
    }
}

impl std::fmt::Display for ReadingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.hint_text() {
            Some(hint) => write!(f, "{} {}", self.text(), hint),
            None => write!(f, "{}", self.text()),
        }
    }
}

impl std::error::Error for ReadingError {}

/// Where the dictionaries live: `GLOSSA_READING_DATA`, else `<data dir>/reading`.
pub fn data_dir(glossa_data_dir: &Path) -> PathBuf {
    match std::env::var_os("GLOSSA_READING_DATA").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => glossa_data_dir.join("reading"),
    }
}

/// A word of a line as the analyser cut it, for a dictionary: where it is (bytes), its
/// dictionary form, and how its surface is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lemma {
    pub range: std::ops::Range<usize>,
    pub base: String,
    pub reading: String,
}

/// Every language's reader, each loaded the first time it is asked for (and kept: a
/// failed load is kept too, so a missing dictionary is reported, not re-read, per line).
pub struct Readers {
    dir: PathBuf,
    ja: OnceLock<Result<ja::Reader, ReadingError>>,
    zh: OnceLock<Result<zh::Reader, ReadingError>>,
}

impl Readers {
    pub fn new(reading_data_dir: PathBuf) -> Self {
        Readers { dir: reading_data_dir, ja: OnceLock::new(), zh: OnceLock::new() }
    }

    /// The reading of `text` in the language `tag`.
    pub fn read(&self, tag: &str, text: &str) -> Result<Vec<ReadingToken>, ReadingError> {
        let lang = Lang::from_tag(tag).ok_or_else(|| ReadingError::Unsupported(tag.to_owned()))?;
        self.read_lang(lang, text)
    }

    pub fn read_lang(&self, lang: Lang, text: &str) -> Result<Vec<ReadingToken>, ReadingError> {
        Ok(match lang {
            Lang::Japanese => loaded(&self.ja, || ja::Reader::load(&self.dir))?.read(text),
            Lang::Chinese => loaded(&self.zh, || zh::Reader::load(&self.dir))?.read(text),
            Lang::Korean => words(text, ko::romanize_word),
            Lang::Russian => words(text, cyrillic::russian),
            Lang::Ukrainian => words(text, cyrillic::ukrainian),
            Lang::Greek => words(text, greek::transliterate),
        })
    }

    /// The words of `text` with their dictionary forms: Japanese from the analyser
    /// (食べた: 食べ → 食べる, た); the other languages as their reading cuts them, each word
    /// its own dictionary form.
    pub fn lemmas(&self, lang: Lang, text: &str) -> Result<Vec<Lemma>, ReadingError> {
        if lang == Lang::Japanese {
            return Ok(loaded(&self.ja, || ja::Reader::load(&self.dir))?.lemmas(text));
        }
        let mut at = 0;
        let tokens = self.read_lang(lang, text)?;
        Ok(tokens
            .into_iter()
            .map(|t| {
                let range = at..at + t.surface.len();
                at = range.end;
                Lemma { range, base: t.surface, reading: t.reading }
            })
            .collect())
    }

    /// A line's words for the player to make clickable: the surfaces of its reading, so the
    /// words are the same whether the user shows readings or not (Japanese: the analyser's
    /// words with a few joined, 一人, 三日; Chinese: jieba's). They concatenate to `text`.
    pub fn words(&self, lang: Lang, text: &str) -> Result<Vec<String>, ReadingError> {
        Ok(self.read_lang(lang, text)?.into_iter().map(|t| t.surface).collect())
    }
}

/// A reader from its cell, loading it on first use. A failed load is kept (the cell is
/// shared between threads) and given again as it was.
fn loaded<T>(cell: &OnceLock<Result<T, ReadingError>>, load: impl FnOnce() -> Result<T, ReadingError>) -> Result<&T, ReadingError> {
    cell.get_or_init(load).as_ref().map_err(Clone::clone)
}

/// The readings a track's cues carry to the player: the original line of each cue read in
/// the track's language, when the user turned readings on for it (`display.readings`).
pub struct CueReadings<'r> {
    readers: &'r Readers,
    lang: Lang,
    originals: std::collections::HashMap<String, String>,
}

impl<'r> CueReadings<'r> {
    /// Readings for this track, if `wanted` (the setting: language codes, comma-separated)
    /// names the track's source language, or when nobody told it, the language its lines
    /// are written in (the caption DOM of a live stream: [`line_lang`]).
    pub fn wanted(readers: &'r Readers, source: Option<&str>, wanted: &str, cues: &[glossa_protocol::Cue]) -> Option<Self> {
        let sample: String = cues.iter().take(20).map(|c| c.text.as_str()).collect::<Vec<_>>().join("\n");
        let lang = line_lang(source, wanted, &sample)?;
        let originals = cues.iter().map(|c| (c.id.clone(), c.text.clone())).collect();
        Some(CueReadings { readers, lang, originals })
    }

    /// Puts each cue's reading beside its translation. A reading that cannot be made (a
    /// dictionary not installed) leaves the cue without one and is logged once per batch.
    pub fn attach(&self, cues: &mut [glossa_protocol::TranslatedCue]) {
        for cue in cues {
            let Some(original) = self.originals.get(&cue.id) else { continue };
            match self.readers.read_lang(self.lang, original) {
                Ok(tokens) => cue.reading = Some(tokens),
                Err(e) => {
                    tracing::warn!("no reading for {:?}: {e}", self.lang);
                    return;
                }
            }
        }
    }
}

/// The languages `wanted` (the `display.readings` setting: codes, comma-separated) names.
fn wanted_langs(wanted: &str) -> Vec<Lang> {
    wanted.split(',').filter_map(|w| Lang::from_tag(w.trim())).collect()
}

/// The language to read `text` in, if the user wants readings for it: `source` when the
/// page knows the line's language, else the one its script says among the wanted ones
/// (kana Japanese, Hangul Korean, Han alone Chinese unless only Japanese is wanted,
/// Cyrillic Ukrainian when it has і ї є ґ and Ukrainian is wanted, Greek Greek).
pub fn line_lang(source: Option<&str>, wanted: &str, text: &str) -> Option<Lang> {
    let wanted = wanted_langs(wanted);
    let lang = match source.filter(|s| !s.trim().is_empty()) {
        Some(tag) => Lang::from_tag(tag)?,
        None => by_script(text, &wanted)?,
    };
    wanted.contains(&lang).then_some(lang)
}

/// The language `text`'s script says among every language with a reading, whatever the
/// readings turned on: kana Japanese, Hangul Korean, Han alone Chinese, Cyrillic Russian (or
/// Ukrainian with і ї є ґ), Greek Greek. For a word looked up in a line no page named a
/// language for (a live stream's caption DOM, a burned-in line).
pub fn script_lang(text: &str) -> Option<Lang> {
    by_script(text, &Lang::ALL)
}

/// Whether the player shows `text` as the host's words ([`Readers::words`]) rather than its
/// browser's word segmentation: when the line's language — `source`, the page's, or when it
/// named none the one the script says, as for a lookup ([`script_lang`]) — is Japanese or
/// Chinese, which a browser cuts otherwise than the analyser (Firefox: 今日|はい|い|天気), so
/// a click would look up another word. Korean and the rest are cut at spaces by both.
pub fn cut_by_host(source: &str, text: &str) -> bool {
    let lang = if source.trim().is_empty() { script_lang(text) } else { Lang::from_tag(source) };
    matches!(lang, Some(Lang::Japanese | Lang::Chinese)) && !text.trim().is_empty()
}

/// What a word to look up is written in: its line, or the word alone when no line came.
/// The text [`script_lang`] reads a lookup's language from.
pub fn written_around<'a>(line: &'a str, word: &'a str) -> &'a str {
    if line.trim().is_empty() {
        word
    } else {
        line
    }
}

fn by_script(text: &str, wanted: &[Lang]) -> Option<Lang> {
    let has = |f: fn(char) -> bool| text.chars().any(f);
    if has(|c| matches!(c, '\u{3040}'..='\u{30FF}')) {
        return Some(Lang::Japanese);
    }
    if has(|c| matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')) {
        return Some(Lang::Korean);
    }
    if has(ja::is_kanji) {
        let only_japanese = wanted.contains(&Lang::Japanese) && !wanted.contains(&Lang::Chinese);
        return Some(if only_japanese { Lang::Japanese } else { Lang::Chinese });
    }
    if has(|c| matches!(c, '\u{0400}'..='\u{04FF}')) {
        let ukrainian = has(|c| "іїєґІЇЄҐ".contains(c)) && wanted.contains(&Lang::Ukrainian);
        return Some(if ukrainian || !wanted.contains(&Lang::Russian) && wanted.contains(&Lang::Ukrainian) {
            Lang::Ukrainian
        } else {
            Lang::Russian
        });
    }
    if has(|c| matches!(c, '\u{0370}'..='\u{03FF}' | '\u{1F00}'..='\u{1FFF}')) {
        return Some(Lang::Greek);
    }
    None
}

/// The reading of one line (a burned-in line), if the user wants readings for its
/// language; a reading that cannot be made is logged and left out.
pub fn for_line(readers: &Readers, source: Option<&str>, wanted: &str, text: &str) -> Option<Vec<ReadingToken>> {
    let lang = line_lang(source, wanted, text)?;
    readers.read_lang(lang, text).map_err(|e| tracing::warn!("no reading for {lang:?}: {e}")).ok()
}

/// The line as the reading shows it: each token's reading, or its surface where it
/// needs none (spaces, marks, kana); words in Latin letters that meet (pinyin) get a space.
pub fn line(tokens: &[ReadingToken]) -> String {
    let mut out = String::new();
    for t in tokens {
        let text = if t.reading.is_empty() { t.surface.as_str() } else { t.reading.as_str() };
        let meet = out.chars().last().is_some_and(|c| c.is_alphabetic() && !is_cjk(c))
            && text.chars().next().is_some_and(|c| c.is_alphabetic() && !is_cjk(c));
        if meet && !t.reading.is_empty() {
            out.push(' ');
        }
        out.push_str(text);
    }
    out
}

fn is_cjk(c: char) -> bool {
    ja::is_kanji(c) || matches!(c, '\u{3040}'..='\u{30FF}' | '\u{AC00}'..='\u{D7A3}')
}

/// Alphabetic languages: one token per run of letters (a word, read by `word`), and the
/// spaces and marks between words as tokens without a reading.
fn words(text: &str, word: fn(&str) -> String) -> Vec<ReadingToken> {
    let mut tokens = Vec::new();
    let mut start = 0;
    let mut in_word = false;
    for (i, c) in text.char_indices() {
        let letter = is_word_char(c);
        if i > start && letter != in_word {
            tokens.push(token(&text[start..i], in_word, word));
            start = i;
        }
        in_word = letter;
    }
    if start < text.len() {
        tokens.push(token(&text[start..], in_word, word));
    }
    tokens
}

fn token(surface: &str, is_word: bool, word: fn(&str) -> String) -> ReadingToken {
    let reading = if is_word { word(surface) } else { String::new() };
    ReadingToken { surface: surface.to_owned(), reading, ruby: Vec::new() }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '\'' || c == '’' || c == 'ʼ' || c == '\u{301}'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unsupported_language_names_the_supported_ones() {
        let readers = Readers::new(PathBuf::from("/nonexistent"));
        let err = readers.read("fr", "bonjour").unwrap_err().to_string();
        assert!(err.contains("\"fr\"") && err.contains("ja, zh, ko, ru, uk, el"), "{err}");
    }

    #[test]
    fn words_keep_every_character_of_the_line() {
        let tokens = words("Привет, мир!", cyrillic::russian);
        let surfaces: String = tokens.iter().map(|t| t.surface.as_str()).collect();
        assert_eq!(surfaces, "Привет, мир!");
        assert_eq!(line(&tokens), "Privet, mir!");
    }

    #[test]
    fn pinyin_words_are_spaced_and_kana_are_not() {
        let t = |surface: &str, reading: &str| ReadingToken { surface: surface.into(), reading: reading.into(), ruby: Vec::new() };
        assert_eq!(line(&[t("我", "wǒ"), t("在", "zài"), t("银行", "yín háng"), t("。", "")]), "wǒ zài yín háng。");
        assert_eq!(line(&[t("今日", "きょう"), t("は", ""), t("天気", "てんき")]), "きょうはてんき");
    }

    #[test]
    fn a_line_of_unknown_language_is_read_in_the_wanted_language_its_script_says() {
        let all = "ja,zh,ko,ru,uk,el";
        assert_eq!(line_lang(None, all, "今日は雨です"), Some(Lang::Japanese));
        assert_eq!(line_lang(None, all, "今天下雨"), Some(Lang::Chinese));
        assert_eq!(line_lang(None, "ja", "今日雨"), Some(Lang::Japanese));
        assert_eq!(line_lang(None, all, "같이 가요"), Some(Lang::Korean));
        assert_eq!(line_lang(None, all, "Привет"), Some(Lang::Russian));
        assert_eq!(line_lang(None, all, "Привіт"), Some(Lang::Ukrainian));
        assert_eq!(line_lang(None, all, "Καλημέρα"), Some(Lang::Greek));
        assert_eq!(line_lang(None, "ja", "같이 가요"), None, "not wanted");
        assert_eq!(line_lang(None, all, "hello"), None);
        assert_eq!(line_lang(Some("en"), all, "今天下雨"), None, "the page's word wins");
        assert_eq!(line_lang(Some("ko"), "ko", "abc"), Some(Lang::Korean));
    }

    #[test]
    fn a_lines_script_says_its_language_whatever_the_readings_turned_on() {
        assert_eq!(script_lang("今日は雨です"), Some(Lang::Japanese));
        assert_eq!(script_lang("今天下雨"), Some(Lang::Chinese));
        assert_eq!(script_lang("같이 가요"), Some(Lang::Korean));
        assert_eq!(script_lang("Привет"), Some(Lang::Russian));
        assert_eq!(script_lang("Привіт"), Some(Lang::Ukrainian));
        assert_eq!(script_lang("Καλημέρα"), Some(Lang::Greek));
        assert_eq!(script_lang("123 !!"), None);
        assert_eq!(script_lang("hello"), None);
        for lang in Lang::ALL {
            assert_eq!(Lang::from_tag(lang.tag()), Some(lang));
        }
    }

    #[test]
    fn only_japanese_and_chinese_lines_are_cut_by_the_host_by_the_pages_language_else_their_script() {
        assert!(cut_by_host("ja", "今日はいい天気ですね"));
        assert!(cut_by_host("zh-Hant", "今天天氣很好"));
        assert!(cut_by_host("cmn", "今天下雨"));
        assert!(!cut_by_host("ko", "같이 가요"), "Korean: cut at spaces by both");
        assert!(!cut_by_host("de", "Der Zug fährt um neun."));
        assert!(!cut_by_host("en", "今日は"), "the page's word wins");
        assert!(!cut_by_host("ja", " "), "nothing to cut");
        // No language named (a live stream's caption DOM, a burned-in line): the script says.
        assert!(cut_by_host("", "今日はいい天気ですね"), "kana: Japanese");
        assert!(cut_by_host("", "今天下雨"), "Han alone: Chinese");
        assert!(!cut_by_host("", "같이 가요"));
        assert!(!cut_by_host("", "Привет"));
        assert!(!cut_by_host("", "Willkommen am Bahnhof."));
        assert!(!cut_by_host("", "123 !!"));
    }

    #[test]
    fn tags_with_regions_and_scripts_find_their_language() {
        assert_eq!(Lang::from_tag("zh-Hant-TW"), Some(Lang::Chinese));
        assert_eq!(Lang::from_tag("ja_JP"), Some(Lang::Japanese));
        assert_eq!(Lang::from_tag("en"), None);
    }
}
