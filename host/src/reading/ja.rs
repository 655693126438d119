//! Japanese: furigana from IPADIC through vibrato (a MeCab-compatible Viterbi analyser).
//! The dictionary is compiled once from the IPADIC source the setup step fetched
//! (`ipadic/`: lex.csv, matrix.def, char.def, unk.def) into `ja-ipadic.dic`, which later
//! runs read directly.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::Path;

use vibrato::{Dictionary, SystemDictionaryBuilder, Tokenizer};

use super::{ReadingError, ReadingToken};

const COMPILED: &str = "ja-ipadic.dic";

/// Words IPADIC reads by a rarer reading first: 日本 as にっぽん, counters of people by
/// their Sino-Japanese reading (一人 いちにん).
const PREFERRED: &[(&str, &str)] =
    &[("日本", "にほん"), ("日本人", "にほんじん"), ("日本語", "にほんご"), ("一人", "ひとり"), ("二人", "ふたり"), ("四人", "よにん")];
const SOURCE: &str = "ipadic";

pub struct Reader {
    tokenizer: Tokenizer,
}

impl Reader {
    pub fn load(dir: &Path) -> Result<Reader, ReadingError> {
        let compiled = dir.join(COMPILED);
        let read = compiled.is_file().then(|| {
            File::open(&compiled).map_err(|e| e.to_string()).and_then(|f| Dictionary::read(BufReader::new(f)).map_err(|e| e.to_string()))
        });
        let dict = match read {
            Some(Ok(dict)) => dict,
            // compiled by another version of the analyser: build it again where the source is
            Some(Err(reason)) if !dir.join(SOURCE).join("lex.csv").is_file() => {
                return Err(ReadingError::DataUnreadable { what: "Japanese dictionary", path: compiled, reason });
            }
            _ => compile(dir)?,
        };
        Ok(Reader { tokenizer: Tokenizer::new(dict) })
    }

    pub fn read(&self, text: &str) -> Vec<ReadingToken> {
        let mut worker = self.tokenizer.new_worker();
        worker.reset_sentence(text);
        worker.tokenize();
        let mut tokens = Vec::with_capacity(worker.num_tokens());
        let mut end = 0;
        let mut i = 0;
        while i < worker.num_tokens() {
            let token = worker.token(i);
            let next = (i + 1 < worker.num_tokens()).then(|| worker.token(i + 1).surface());
            i += 1;
            // IPADIC cuts 一人 into 一 and 人: a preferred word over two tokens reads as one
            let pair = next.and_then(|n| {
                let joined = format!("{}{n}", token.surface());
                PREFERRED.iter().find(|(w, _)| *w == joined).map(|(_, r)| (joined, *r))
            });
            if let Some((joined, reading)) = pair {
                let start = token.range_byte().start;
                if start > end {
                    tokens.push(plain(&text[end..start]));
                }
                end = start + joined.len();
                tokens.push(word(&joined, reading));
                i += 1;
                continue;
            }
            let range = token.range_byte();
            if range.start > end {
                // vibrato leaves nothing out today; keep the line whole if it ever does
                tokens.push(plain(&text[end..range.start]));
            }
            end = range.end;
            let surface = &text[range];
            let reading = token.feature().split(',').nth(2).filter(|r| *r != "*").map(hiragana).map(|r| preferred(surface, r, next));
            match reading {
                Some(reading) if surface.chars().any(is_kanji) => tokens.push(word(surface, &reading)),
                _ => tokens.push(plain(surface)),
            }
        }
        if end < text.len() {
            tokens.push(plain(&text[end..]));
        }
        tokens
    }
}

impl Reader {
    /// The words of `text` as the analyser cuts them, each with its dictionary form
    /// (IPADIC's base form: 食べ → 食べる, 行き → 行く) and its surface's reading in hiragana.
    pub fn lemmas(&self, text: &str) -> Vec<super::Lemma> {
        let mut worker = self.tokenizer.new_worker();
        worker.reset_sentence(text);
        worker.tokenize();
        (0..worker.num_tokens())
            .map(|i| {
                let token = worker.token(i);
                let mut feature = token.feature().split(',').skip(1).map(|f| Some(f).filter(|f| *f != "*"));
                let base = feature.next().flatten().unwrap_or(token.surface()).to_owned();
                let reading = feature.next().flatten().map(hiragana).unwrap_or_default();
                super::Lemma { range: token.range_byte(), base, reading }
            })
            .collect()
    }
}

/// The reading a word takes here: [`PREFERRED`], and 何 as なん before d, t and n sounds
/// (何です, 何で, 何の) where IPADIC says なに.
fn preferred(surface: &str, reading: String, next: Option<&str>) -> String {
    if let Some((_, r)) = PREFERRED.iter().find(|(w, _)| *w == surface) {
        return (*r).to_owned();
    }
    if surface == "何" && next.and_then(|n| n.chars().next()).is_some_and(|c| "だでどとのなにぬねんた".contains(c)) {
        return "なん".to_owned();
    }
    reading
}

/// Builds the dictionary from the IPADIC source and keeps the result beside it (best
/// effort: a read-only folder only costs the build again next time).
fn compile(dir: &Path) -> Result<Dictionary, ReadingError> {
    let src = dir.join(SOURCE);
    if !src.join("lex.csv").is_file() {
        return Err(ReadingError::DataMissing { what: "Japanese dictionary (IPADIC)", dir: dir.to_owned() });
    }
    let open = |name: &str| {
        File::open(src.join(name)).map(BufReader::new).map_err(|e| ReadingError::DataUnreadable {
            what: "Japanese dictionary",
            path: src.join(name),
            reason: e.to_string(),
        })
    };
    let dict = SystemDictionaryBuilder::from_readers(open("lex.csv")?, open("matrix.def")?, open("char.def")?, open("unk.def")?)
        .map_err(|e| ReadingError::DataUnreadable { what: "Japanese dictionary", path: src.clone(), reason: e.to_string() })?;
    let tmp = dir.join(format!("{COMPILED}.{}.tmp", std::process::id()));
    let written = File::create(&tmp)
        .map_err(|e| e.to_string())
        .and_then(|f| dict.write(BufWriter::new(f)).map_err(|e| e.to_string()))
        .and_then(|_| std::fs::rename(&tmp, dir.join(COMPILED)).map_err(|e| e.to_string()));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        tracing::warn!("cannot keep the compiled Japanese dictionary in {}: {e}", dir.display());
    }
    Ok(dict)
}

fn plain(surface: &str) -> ReadingToken {
    ReadingToken { surface: surface.to_owned(), reading: String::new(), ruby: Vec::new() }
}

/// A word with kanji: its reading, and the ruby over its kanji only.
fn word(surface: &str, reading: &str) -> ReadingToken {
    ReadingToken { surface: surface.to_owned(), reading: reading.to_owned(), ruby: furigana(surface, reading) }
}

/// A word with kanji and its reading, cut so the reading sits over the kanji only: 食べる
/// (たべる) → 食 (た) + べる. Kana inside the word anchor the cut (取り扱い → 取 り 扱 い);
/// a word whose kana do not match its reading stays whole.
fn furigana(surface: &str, reading: &str) -> Vec<(String, String)> {
    let mut runs: Vec<(bool, String)> = Vec::new();
    for c in surface.chars() {
        let kanji = !is_kana(c);
        match runs.last_mut() {
            Some((k, run)) if *k == kanji => run.push(c),
            _ => runs.push((kanji, c.to_string())),
        }
    }
    let reading: Vec<char> = reading.chars().collect();
    let mut lengths = Vec::new();
    if !fit(&runs, &reading, &mut lengths) {
        return vec![(surface.to_owned(), reading.iter().collect())];
    }
    let mut pos = 0;
    let mut kanji_runs = lengths.into_iter();
    runs.into_iter()
        .map(|(kanji, run)| {
            if kanji {
                let n = kanji_runs.next().unwrap_or(0);
                let r: String = reading[pos..pos + n].iter().collect();
                pos += n;
                (run, r)
            } else {
                pos += run.chars().count();
                (run, String::new())
            }
        })
        .collect()
}

/// Matches runs (kanji: one reading character or more; kana: themselves) against the
/// reading, noting how many reading characters each kanji run takes.
fn fit(runs: &[(bool, String)], reading: &[char], lengths: &mut Vec<usize>) -> bool {
    let Some(((kanji, run), rest)) = runs.split_first() else {
        return reading.is_empty();
    };
    if !kanji {
        let kana: Vec<char> = run.chars().map(hira).collect();
        return reading.starts_with(&kana) && fit(rest, &reading[kana.len()..], lengths);
    }
    for n in 1..=reading.len() {
        lengths.push(n);
        if fit(rest, &reading[n..], lengths) {
            return true;
        }
        lengths.pop();
    }
    false
}

pub fn is_kanji(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FFFF}' | '々' | '〆' | 'ヶ' | 'ヵ')
}

/// Kana and the long-vowel mark: written as they are read, never under ruby.
fn is_kana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | 'ー' | 'ゝ' | 'ゞ' | 'ヽ' | 'ヾ')
}

fn hira(c: char) -> char {
    match c {
        '\u{30A1}'..='\u{30F6}' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
        _ => c,
    }
}

/// Katakana → hiragana (IPADIC writes readings in katakana).
pub fn hiragana(s: &str) -> String {
    s.chars().map(hira).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(parts: &[(String, String)]) -> Vec<(&str, &str)> {
        parts.iter().map(|(b, r)| (b.as_str(), r.as_str())).collect()
    }

    #[test]
    fn the_reading_sits_over_the_kanji_and_not_the_kana() {
        assert_eq!(pairs(&furigana("食べる", "たべる")), [("食", "た"), ("べる", "")]);
        assert_eq!(pairs(&furigana("取り扱い", "とりあつかい")), [("取", "と"), ("り", ""), ("扱", "あつか"), ("い", "")]);
        assert_eq!(pairs(&furigana("お茶", "おちゃ")), [("お", ""), ("茶", "ちゃ")]);
        assert_eq!(pairs(&furigana("今日", "きょう")), [("今日", "きょう")]);
    }

    #[test]
    fn a_reading_that_does_not_fit_the_kana_stays_whole() {
        assert_eq!(pairs(&furigana("行く", "いった")), [("行く", "いった")]);
    }
}
