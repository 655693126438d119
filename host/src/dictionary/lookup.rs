//! A clicked word to its dictionary entries: the word is found in its line (at the offset
//! the page gave), cut as the reading's analyser cuts the line, and looked up by its
//! dictionary form (食べた → 食べる, 行きました → 行く), then as written, then by its
//! longest beginning the dictionary knows. Entries read as the word reads in this line come
//! first (行 in 银行 is háng, not xíng).

use glossa_protocol::DictEntry;

use super::{DictLang, Dictionaries, DictionaryError, MAX_ENTRIES};
use crate::reading::{Lemma, Readers};

/// What the dictionary says of a word: the form looked up, and its entries (best first).
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub lemma: String,
    pub entries: Vec<DictEntry>,
}

/// The entries for `word` of `lang`, clicked in `line` at `offset` (UTF-16 code units, as
/// the page counts; without it, or when the word is not there, its first occurrence).
/// `line` may be empty: the word is then analysed alone.
pub fn look_up(
    dicts: &Dictionaries,
    readers: &Readers,
    lang: &str,
    word: &str,
    line: &str,
    offset: Option<u32>,
) -> Result<Found, DictionaryError> {
    let word = word.trim();
    let dict_lang = DictLang::from_tag(lang).ok_or_else(|| DictionaryError::Unsupported(lang.to_owned()))?;
    let dict = dicts.get(dict_lang)?;
    // Chinese words do not inflect: the word as clicked is its dictionary form, and the
    // analyser (jieba, the pinyin tables) loads only to tell entries apart by reading.
    let words = match dict_lang {
        DictLang::Japanese => analysed(readers, lang, word, line, offset),
        DictLang::Chinese => Vec::new(),
    };
    let (candidates, reading) = candidates(dict_lang, word, &words);
    let mut tried = Vec::new();
    for candidate in candidates.iter().chain(beginnings(word).iter()) {
        if candidate.is_empty() || tried.contains(candidate) {
            continue;
        }
        let mut entries = dict.entries(candidate)?;
        if !entries.is_empty() {
            let reading = match dict_lang {
                _ if candidate != word || entries.len() < 2 => None,
                DictLang::Japanese => reading.clone(),
                DictLang::Chinese => pinyin_here(readers, word, line, offset),
            };
            if let Some(reading) = reading {
                // stable: the dictionary's order stays among those read alike
                entries.sort_by_key(|e| !same_reading(e, &reading));
            }
            entries.truncate(MAX_ENTRIES);
            return Ok(Found { lemma: candidate.clone(), entries });
        }
        tried.push(candidate.clone());
    }
    let lemma = candidates.into_iter().next().unwrap_or_else(|| word.to_owned());
    Ok(Found { lemma, entries: Vec::new() })
}

/// The analyser's words that make up `word` where it stands in `line` (or in the word
/// alone); none when the language's analyser is not installed, or when it cut the line
/// otherwise than the page (行 clicked inside its 一行 is looked up as 行).
fn analysed(readers: &Readers, lang: &str, word: &str, line: &str, offset: Option<u32>) -> Vec<Lemma> {
    let Some(lang) = crate::reading::Lang::from_tag(lang) else { return Vec::new() };
    let (text, start) = match position(line, word, offset) {
        Some(start) => (line, start),
        None => (word, 0),
    };
    let end = start + word.len();
    match readers.lemmas(lang, text) {
        Ok(words) => {
            let overlapping: Vec<Lemma> = words.into_iter().filter(|w| w.range.start < end && w.range.end > start).collect();
            let inside = overlapping.iter().all(|w| w.range.start >= start && w.range.end <= end);
            if inside {
                overlapping
            } else {
                Vec::new()
            }
        }
        Err(e) => {
            tracing::debug!("word looked up without its dictionary form: {e}");
            Vec::new()
        }
    }
}

/// How a Chinese word reads where it was clicked: the syllables over its characters in the
/// line's reading (行 in 你真行 is xíng, in 银行 háng), also when the reading's
/// segmentation cut the line otherwise than the page.
fn pinyin_here(readers: &Readers, word: &str, line: &str, offset: Option<u32>) -> Option<String> {
    let (text, start) = match position(line, word, offset) {
        Some(start) => (line, start),
        None => (word, 0),
    };
    let end = start + word.len();
    let tokens = readers.read_lang(crate::reading::Lang::Chinese, text).ok()?;
    let mut at = 0;
    let mut syllables = Vec::new();
    for token in &tokens {
        let whole = [(token.surface.clone(), token.reading.clone())];
        let pieces = if token.ruby.is_empty() { &whole[..] } else { &token.ruby[..] };
        for (base, reading) in pieces {
            let range = at..at + base.len();
            at = range.end;
            if range.start >= start && range.end <= end {
                syllables.extend(reading.split_whitespace().map(str::to_owned));
            } else if range.start < end && range.end > start {
                return None;
            }
        }
    }
    (!syllables.is_empty()).then(|| syllables.join(" "))
}

/// Where `word` starts in `line` (bytes): at `offset` when it is there, else where it first is.
fn position(line: &str, word: &str, offset: Option<u32>) -> Option<usize> {
    if word.is_empty() {
        return None;
    }
    let at_offset = offset.and_then(|units| byte_of_utf16(line, units)).filter(|&b| line[b..].starts_with(word));
    at_offset.or_else(|| line.find(word))
}

/// The byte index of the character `units` UTF-16 code units into `s`.
fn byte_of_utf16(s: &str, units: u32) -> Option<usize> {
    let mut counted = 0u32;
    for (i, c) in s.char_indices() {
        if counted == units {
            return Some(i);
        }
        counted += c.len_utf16() as u32;
    }
    (counted == units).then_some(s.len())
}

/// The forms to look up, in order, and (Japanese) how the word reads here when that can
/// tell entries apart. One word of the analyser: its dictionary form first (行き in 行きました is 行く,
/// not the noun 行き); several: the word as clicked first (食べ物), then the first one's
/// dictionary form (食べた: 食べ + た → 食べる).
fn candidates(lang: DictLang, word: &str, words: &[Lemma]) -> (Vec<String>, Option<String>) {
    match words {
        [one] => {
            // an inflected word's reading is not its dictionary form's
            let reading = (lang == DictLang::Japanese && one.base == word).then(|| one.reading.clone());
            (vec![one.base.clone(), word.to_owned()], reading.filter(|r| !r.is_empty()))
        }
        [first, ..] => (vec![word.to_owned(), first.base.clone()], None),
        [] => (vec![word.to_owned()], None),
    }
}

/// The word's beginnings, longest first (银行卡里 → 银行卡, 银行卡, 银行, 银): for a word the
/// page cut longer than any entry.
fn beginnings(word: &str) -> Vec<String> {
    let mut ends: Vec<usize> = word.char_indices().map(|(i, _)| i).filter(|&i| i > 0).collect();
    ends.reverse();
    ends.into_iter().map(|end| word[..end].to_owned()).collect()
}

/// Whether the entry is read as `reading` (kana, or pinyin with its syllables spaced or not).
fn same_reading(entry: &DictEntry, reading: &str) -> bool {
    let read = if entry.reading.is_empty() { &entry.headword } else { &entry.reading };
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect::<String>();
    squeeze(read) == squeeze(reading)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::dictionary::tests::fixture;

    fn no_readers() -> Readers {
        Readers::new(PathBuf::from("/nonexistent"))
    }

    #[test]
    fn utf16_offsets_find_the_clicked_occurrence() {
        // 𠮷 is two UTF-16 units: the second 行 starts at unit 4, byte 8
        let line = "行𠮷 行";
        assert_eq!(byte_of_utf16(line, 4), Some(8));
        assert_eq!(position(line, "行", Some(4)), Some(8));
        assert_eq!(position(line, "行", Some(1)), Some(0), "an offset that misses the word falls back to its first occurrence");
        assert_eq!(byte_of_utf16(line, 2), None, "inside a surrogate pair");
        assert_eq!(position(line, "走", None), None);
    }

    #[test]
    fn a_word_the_dictionary_lacks_is_looked_up_by_its_longest_known_beginning() {
        let (_dir, dicts) = fixture();
        let found = look_up(&dicts, &no_readers(), "zh-CN", "银行里", "", None).unwrap();
        assert_eq!(found.lemma, "银行");
        assert_eq!(found.entries[0].senses[0], "bank");
        let found = look_up(&dicts, &no_readers(), "zh-TW", "銀行", "我在銀行工作", Some(2)).unwrap();
        assert_eq!((found.lemma.as_str(), found.entries[0].reading.as_str()), ("銀行", "yín háng"));
    }

    #[test]
    fn without_the_analyser_japanese_is_looked_up_as_written() {
        let (_dir, dicts) = fixture();
        let found = look_up(&dicts, &no_readers(), "ja", "天気", "今日はいい天気", None).unwrap();
        assert_eq!((found.lemma.as_str(), found.entries[0].reading.as_str()), ("天気", "てんき"));
        let found = look_up(&dicts, &no_readers(), "ja", "ぴよ", "", None).unwrap();
        assert_eq!(found, Found { lemma: "ぴよ".into(), entries: Vec::new() });
    }

    #[test]
    fn the_dictionary_form_comes_first_for_one_analysed_word_and_the_word_for_several() {
        let lemma = |start, end, base: &str| Lemma { range: start..end, base: base.into(), reading: String::new() };
        let (forms, _) = candidates(DictLang::Japanese, "行き", &[lemma(0, 6, "行く")]);
        assert_eq!(forms, ["行く", "行き"]);
        let (forms, _) = candidates(DictLang::Japanese, "食べた", &[lemma(0, 6, "食べる"), lemma(6, 9, "た")]);
        assert_eq!(forms, ["食べた", "食べる"]);
        assert_eq!(beginnings("银行卡"), ["银行", "银"]);
    }

    #[test]
    fn entries_read_as_the_word_reads_here_come_first() {
        let entry = |reading: &str| DictEntry {
            headword: "行".into(),
            reading: reading.into(),
            pos: Vec::new(),
            senses: Vec::new(),
            senses_lang: "en".into(),
            source: "CC-CEDICT".into(),
        };
        assert!(same_reading(&entry("yín háng"), "yínháng"));
        assert!(!same_reading(&entry("xíng"), "háng"));
    }

    #[test]
    fn a_language_without_a_dictionary_names_those_with_one() {
        let (_dir, dicts) = fixture();
        let err = look_up(&dicts, &no_readers(), "fr", "mot", "", None).unwrap_err().to_string();
        assert!(err.contains("dictionaries exist for: ja, zh"), "{err}");
    }
}
