//! Chinese: pinyin with tone marks. jieba cuts the line into words (its dictionary ships
//! in the crate); each word is read from the phrase tables when it has an entry (银行 yín
//! háng, 长大 zhǎng dà): first Glossa's own small table of neutral tones (`zh_neutral.tsv`:
//! 朋友 péng you, which pypinyin gives full tones), then pypinyin's. A word without an entry
//! is cut again into the longest phrases it contains; a character left alone is read as
//! its word class says (jieba's tag: the particles 得 地 过 着 are de de guo zhe) or by its
//! most frequent reading.

use std::collections::HashMap;
use std::path::Path;

use jieba_rs::Jieba;

use super::{ReadingError, ReadingToken};

/// The longest phrase in the table worth looking for inside a word.
const MAX_PHRASE_CHARS: usize = 8;

/// Neutral tones the standard dictionaries write and pypinyin does not; small, kept here.
const NEUTRAL_TONES: &str = include_str!("zh_neutral.tsv");

/// Characters outside any phrase whose most frequent reading is not pypinyin's first one.
const ALONE: &[(char, &str)] = &[('长', "cháng"), ('还', "hái"), ('都', "dōu"), ('为', "wèi"), ('给', "gěi"), ('谁', "shéi")];

/// Characters that take the erhua suffix 儿 (一点儿, 这儿): it is then written r.
const ERHUA_BEFORE: &str = "点会边块这那哪些玩事味空劲伴法样";

/// Measure words whose reading differs from the same character elsewhere (三只猫 sān zhī).
const MEASURES: &[(char, &str)] = &[('只', "zhī"), ('种', "zhǒng"), ('行', "háng"), ('条', "tiáo")];

pub struct Reader {
    jieba: Jieba,
    phrases: HashMap<String, String>,
    chars: HashMap<char, String>,
}

impl Reader {
    pub fn load(dir: &Path) -> Result<Reader, ReadingError> {
        let read = |name: &str| {
            let path = dir.join("zh").join(name);
            if !path.is_file() {
                return Err(ReadingError::DataMissing { what: "Chinese pinyin table", dir: dir.to_owned() });
            }
            std::fs::read_to_string(&path).map_err(|e| ReadingError::DataUnreadable {
                what: "Chinese pinyin table",
                path,
                reason: e.to_string(),
            })
        };
        let mut phrases: HashMap<String, String> =
            read("phrases.tsv")?.lines().filter_map(|l| l.split_once('\t')).map(|(w, p)| (w.to_owned(), p.to_owned())).collect();
        for (w, p) in NEUTRAL_TONES.lines().filter(|l| !l.starts_with('#')).filter_map(|l| l.split_once('\t')) {
            phrases.insert(w.to_owned(), p.to_owned());
        }
        let chars = read("chars.tsv")?
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .filter_map(|(c, p)| Some((c.chars().next()?, p.split(',').next()?.to_owned())))
            .collect();
        Ok(Reader { jieba: Jieba::new(), phrases, chars })
    }

    pub fn read(&self, text: &str) -> Vec<ReadingToken> {
        let words = self.jieba.tag(text, true);
        let mut tokens: Vec<ReadingToken> = Vec::with_capacity(words.len());
        for (i, w) in words.iter().enumerate() {
            let alone = single(w.word);
            let after_number = i > 0 && words[i - 1].word.chars().last().is_some_and(is_numeral);
            let reading = match alone {
                Some(c) if after_number => MEASURES.iter().find(|m| m.0 == c).map(|m| m.1.to_owned()),
                Some(_) => particle(w.tag).map(str::to_owned),
                None => None,
            }
            .unwrap_or_else(|| self.word(w.word));
            tokens.push(ReadingToken { surface: w.word.to_owned(), ruby: ruby(w.word, &reading), reading });
        }
        tokens
    }

    /// The syllables of a word's characters, one per hanzi, separated by spaces; the erhua
    /// suffix 儿 as r (the table writes it as a light er).
    fn word(&self, word: &str) -> String {
        let syllables = self.syllables(word);
        if !word.contains('儿') {
            return syllables;
        }
        let chars: Vec<char> = word.chars().filter(|&c| is_hanzi(c)).collect();
        let mut out: Vec<&str> = syllables.split(' ').collect();
        for i in 1..chars.len().min(out.len()) {
            if chars[i] == '儿' && (out[i] == "er" || (out[i] == "ér" && ERHUA_BEFORE.contains(chars[i - 1]))) {
                out[i] = "r";
            }
        }
        out.join(" ")
    }

    fn syllables(&self, word: &str) -> String {
        if let Some(p) = self.phrases.get(word) {
            return p.clone();
        }
        let chars: Vec<char> = word.chars().collect();
        let mut syllables: Vec<&str> = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let longest = (2..=MAX_PHRASE_CHARS.min(chars.len() - i)).rev().find_map(|n| {
                let piece: String = chars[i..i + n].iter().collect();
                self.phrases.get(&piece).map(|p| (n, p))
            });
            match longest {
                Some((n, p)) => {
                    syllables.extend(p.split(' '));
                    i += n;
                }
                None => {
                    let c = chars[i];
                    // a verb and its particle as one word (看过, 说得): the particle is light
                    let particle = i == 1 && chars.len() == 2 && matches!(c, '过' | '着' | '了' | '得');
                    let after_number = i > 0 && is_numeral(chars[i - 1]);
                    let reading = match c {
                        '过' if particle => Some("guo"),
                        '着' if particle => Some("zhe"),
                        '了' if particle => Some("le"),
                        '得' if particle => Some("de"),
                        _ if after_number => MEASURES.iter().find(|m| m.0 == c).map(|m| m.1),
                        _ => None,
                    }
                    .or_else(|| ALONE.iter().find(|a| a.0 == c).map(|a| a.1));
                    if let Some(p) = reading.or_else(|| self.chars.get(&c).filter(|_| is_hanzi(c)).map(String::as_str)) {
                        syllables.push(p);
                    }
                    i += 1;
                }
            }
        }
        syllables.join(" ")
    }
}

/// A syllable over each hanzi of the word, the other characters bare; none when the
/// syllables do not match the hanzi one for one.
fn ruby(word: &str, reading: &str) -> Vec<(String, String)> {
    let mut syllables = reading.split_whitespace();
    let hanzi = word.chars().filter(|&c| is_hanzi(c)).count();
    if hanzi == 0 || hanzi != reading.split_whitespace().count() {
        return Vec::new();
    }
    word.chars().map(|c| (c.to_string(), if is_hanzi(c) { syllables.next().unwrap_or("").to_owned() } else { String::new() })).collect()
}

/// The one character of a one-character word.
fn single(word: &str) -> Option<char> {
    let mut chars = word.chars();
    chars.next().filter(|_| chars.next().is_none())
}

/// The structural and aspect particles, by jieba's word class.
fn particle(tag: &str) -> Option<&'static str> {
    match tag {
        "ud" | "uv" => Some("de"),
        "ug" => Some("guo"),
        "uz" => Some("zhe"),
        "ul" => Some("le"),
        _ => None,
    }
}

fn is_numeral(c: char) -> bool {
    c.is_ascii_digit() || "一二三四五六七八九十两几百千万多半每".contains(c)
}

pub fn is_hanzi(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FFFF}' | '〇')
}
