//! Japanese: furigana from IPADIC through vibrato (a MeCab-compatible Viterbi analyser).
//! The dictionary is compiled once from the IPADIC source the setup step fetched
//! (`ipadic/`: lex.csv, matrix.def, char.def, unk.def) into `ja-ipadic.dic`, which later
//! runs read directly.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::Path;

use vibrato::{Dictionary, SystemDictionaryBuilder, Tokenizer};

use glossa_protocol::text;

use super::{ReadingError, ReadingToken};

const COMPILED: &str = "ja-ipadic.dic";

/// Words IPADIC reads by a rarer reading first: 日本 as にっぽん, counters of people by
/// their Sino-Japanese reading (一人 いちにん).
const PREFERRED: &[(&str, &str)] = &[
    ("日本", "にほん"),
    ("日本人", "にほんじん"),
    ("日本語", "にほんご"),
    ("一人", "ひとり"),
    ("二人", "ふたり"),
    ("四人", "よにん"),
    ("明後日", "あさって"),
    // う only in compounds, which IPADIC has as words of their own (雨量, 梅雨)
    ("雨", "あめ"),
];
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
                return Err(ReadingError::DataUnreadable { what: text::TERM_JAPANESE_DICTIONARY, path: compiled, reason });
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
        ten_minutes(&mut tokens);
        in_context(&mut tokens);
        days(&mut tokens);
        native_numbers(&mut tokens);
        counters(&mut tokens);
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

/// Kanji read otherwise in a set phrase than IPADIC reads them alone: (what comes before,
/// the kanji, IPADIC's reading of it, the phrase's). お腹が空く すく, 絵を描く かく.
const IN_CONTEXT: &[(&str, char, &str, &str)] = &[("腹が", '空', "あ", "す"), ("絵を", '描', "えが", "か")];

fn in_context(tokens: &mut [ReadingToken]) {
    for i in 1..tokens.len() {
        let before: String = tokens[i.saturating_sub(3)..i].iter().map(|t| t.surface.as_str()).collect();
        let t = &tokens[i];
        let found =
            IN_CONTEXT.iter().find(|(b, k, from, _)| before.ends_with(b) && t.surface.starts_with(*k) && t.reading.starts_with(from));
        if let Some((_, _, from, to)) = found {
            let reading = format!("{to}{}", &t.reading[from.len()..]);
            let surface = t.surface.clone();
            tokens[i] = word(&surface, &reading);
        }
    }
}

/// Days of the month and ages read the native way, which IPADIC leaves to a number and 日
/// (三日 みっか, 二十日 はつか, 二十歳 はたち); 一日 is ついたち after a month, else いちにち.
const DAYS: &[(&str, &str)] = &[
    ("二", "ふつか"),
    ("三", "みっか"),
    ("四", "よっか"),
    ("五", "いつか"),
    ("六", "むいか"),
    ("七", "なのか"),
    ("八", "ようか"),
    ("九", "ここのか"),
    ("十", "とおか"),
    ("十四", "じゅうよっか"),
    ("二十", "はつか"),
    ("二十四", "にじゅうよっか"),
];

fn days(tokens: &mut Vec<ReadingToken>) {
    let mut i = 1;
    while i < tokens.len() {
        let suffix = tokens[i].surface.as_str();
        if suffix != "日" && suffix != "日間" && suffix != "歳" {
            i += 1;
            continue;
        }
        let mut j = i;
        while j > 0 && tokens[j - 1].surface.chars().all(|c| "一二三四五六七八九十".contains(c)) {
            j -= 1;
        }
        let number: String = tokens[j..i].iter().map(|t| t.surface.as_str()).collect();
        let reading = match (suffix, number.as_str()) {
            ("歳", "二十") => Some("はたち"),
            ("日", "一") => {
                let before: String = tokens[j.saturating_sub(2)..j].iter().map(|t| t.surface.as_str()).collect();
                Some(if before.ends_with('月') || before.ends_with("月の") { "ついたち" } else { "いちにち" })
            }
            ("日" | "日間", n) => DAYS.iter().find(|(d, _)| *d == n).map(|(_, r)| *r),
            _ => None,
        };
        match reading {
            Some(reading) if j < i => {
                let surface = format!("{number}{suffix}");
                let reading = if suffix == "日間" { format!("{reading}かん") } else { reading.to_owned() };
                tokens.splice(j..=i, [word(&surface, &reading)]);
                i = j + 1;
            }
            _ => i += 1,
        }
    }
}

/// Counters before which 四, 七 and 九 take another reading: 四時 よじ, 九時 くじ, 七時
/// しちじ, 四月 しがつ, 九月 くがつ, 四年 よねん.
const NATIVE_NUMBERS: &[(&str, char, &str)] = &[
    ("時", '四', "よ"),
    ("時", '七', "しち"),
    ("時", '九', "く"),
    ("月", '四', "し"),
    ("月", '七', "しち"),
    ("月", '九', "く"),
    ("年", '四', "よ"),
];

fn native_numbers(tokens: &mut [ReadingToken]) {
    for i in 1..tokens.len() {
        let (before, after) = tokens.split_at_mut(i);
        let number = &mut before[i - 1];
        let Some(digit) = number.surface.chars().last() else { continue };
        let Some((_, _, reading)) = NATIVE_NUMBERS.iter().find(|(c, d, _)| after[0].surface.starts_with(c) && *d == digit) else {
            continue;
        };
        // the digit's own reading, whatever IPADIC gave it (四: し or よん), is the number's tail
        let tail = ["よん", "し", "なな", "しち", "きゅう", "く"].iter().find(|t| number.reading.ends_with(*t));
        if let Some(tail) = tail {
            let stem = &number.reading[..number.reading.len() - tail.len()];
            let surface = number.surface.clone();
            *number = word(&surface, &format!("{stem}{reading}"));
        }
    }
}

/// 十分 is じゅうぶん (enough) unless the line counts time: ten minutes (じゅっぷん)
/// before 後, 前, 間, ほど… or after あと, 約, an hour (八時十分) or a verb's て (歩いて十分).
fn ten_minutes(tokens: &mut [ReadingToken]) {
    const BEFORE: &[&str] =
        &["後", "前", "間", "ほど", "くらい", "ぐらい", "おき", "以内", "以上", "遅", "待", "経", "たっ", "かか", "ごと"];
    const AFTER: &[&str] = &["あと", "約", "毎", "残り", "時", "て"];
    for i in 0..tokens.len() {
        if tokens[i].surface != "十分" {
            continue;
        }
        let next = tokens.get(i + 1).map(|t| t.surface.as_str()).unwrap_or("");
        let previous = i.checked_sub(1).map(|p| tokens[p].surface.as_str()).unwrap_or("");
        if BEFORE.iter().any(|b| next.starts_with(b)) || AFTER.iter().any(|a| previous.ends_with(a)) {
            tokens[i] = word("十分", "じゅっぷん");
        }
    }
}

/// Counters after a number, and what they do to its sound. `after_n`: the voiced or
/// half-voiced initial a h-row counter takes after ん (三本 さんぼん, 三分 さんぷん); for the
/// other rows, whether it is voiced after ん (三階 さんがい, 三足 さんぞく).
struct Counter {
    surface: &'static str,
    after_n: Option<char>,
}

const COUNTERS: &[Counter] = &[
    Counter { surface: "本", after_n: Some('b') },
    Counter { surface: "匹", after_n: Some('b') },
    Counter { surface: "杯", after_n: Some('b') },
    Counter { surface: "百", after_n: Some('b') },
    Counter { surface: "分", after_n: Some('p') },
    Counter { surface: "泊", after_n: Some('p') },
    Counter { surface: "発", after_n: Some('p') },
    Counter { surface: "歩", after_n: Some('p') },
    Counter { surface: "階", after_n: Some('g') },
    Counter { surface: "軒", after_n: Some('g') },
    Counter { surface: "足", after_n: Some('z') },
    Counter { surface: "千", after_n: Some('z') },
    Counter { surface: "回", after_n: None },
    Counter { surface: "個", after_n: None },
    Counter { surface: "冊", after_n: None },
    Counter { surface: "歳", after_n: None },
    Counter { surface: "才", after_n: None },
    Counter { surface: "頭", after_n: None },
    Counter { surface: "通", after_n: None },
    Counter { surface: "点", after_n: None },
    Counter { surface: "曲", after_n: None },
    Counter { surface: "件", after_n: None },
    Counter { surface: "週", after_n: None },
];

/// The sound changes between a number and its counter, which IPADIC reads apart: 一本
/// いっぽん, 六杯 ろっぱい, 八百 はっぴゃく, 十回 じゅっかい (the number's last mora
/// doubles before k, s, t and h, h turning p), 三本 さんぼん, 三階 さんがい, 何分 なんぷん.
fn counters(tokens: &mut [ReadingToken]) {
    for i in 1..tokens.len() {
        let Some(counter) = COUNTERS.iter().find(|c| c.surface == tokens[i].surface) else { continue };
        let number = &tokens[i - 1];
        if !number.surface.chars().last().is_some_and(|c| "一二三四五六七八九十百千万何".contains(c)) {
            continue;
        }
        let mut number_reading = number.reading.clone();
        if number.surface == "何" {
            number_reading = "なん".to_owned();
        }
        // minutes, not a fraction (三分の一 さんぶんのいち)
        let fraction = tokens.get(i + 1).is_some_and(|t| t.surface == "の");
        let reading = match tokens[i].surface.as_str() {
            "分" if !fraction => "ふん".to_owned(),
            _ => tokens[i].reading.clone(),
        };
        let Some(first) = reading.chars().next() else { continue };
        let rest: String = reading.chars().skip(1).collect();
        let row = row_of(first);
        let geminates = ["いち", "ろく", "はち", "じゅう", "ひゃく"].iter().find(|n| number_reading.ends_with(*n));
        let changed = match (geminates, row) {
            // 六 and 八 keep their vowel before s and t in most counters: 六冊 ろくさつ
            (Some(n), Some(r)) if !(matches!(*n, "ろく") && matches!(r, 's' | 't')) => {
                let stem = &number_reading[..number_reading.len() - n.len()];
                let doubled: String = n.chars().take(n.chars().count() - 1).chain(['っ']).collect();
                let initial = if r == 'h' { shift(first, 'p') } else { first };
                Some((format!("{stem}{doubled}"), format!("{initial}{rest}")))
            }
            _ if number_reading.ends_with('ん') => {
                let voiced = match (counter.after_n, row) {
                    (Some(v), Some('h')) if number_reading.ends_with("よん") => (v == 'p').then_some('p'),
                    (Some(v), Some(_)) if !number_reading.ends_with("よん") => Some(v),
                    _ => None,
                };
                voiced.map(|v| (number_reading.clone(), format!("{}{rest}", shift(first, v))))
            }
            _ => None,
        };
        if let Some((n, c)) = changed {
            let number_surface = tokens[i - 1].surface.clone();
            tokens[i - 1] = word(&number_surface, &n);
            let counter_surface = tokens[i].surface.clone();
            tokens[i] = word(&counter_surface, &c);
        } else {
            if number.surface == "何" && number.reading != "なん" {
                let surface = number.surface.clone();
                tokens[i - 1] = word(&surface, "なん");
            }
            if reading != tokens[i].reading {
                let counter_surface = tokens[i].surface.clone();
                tokens[i] = word(&counter_surface, &reading);
            }
        }
    }
}

/// The consonant row of a kana: k, s, t or h (the rows counters change in).
fn row_of(c: char) -> Option<char> {
    let rows = [('k', "かきくけこ"), ('s', "さしすせそ"), ('t', "たちつてと"), ('h', "はひふへほ")];
    rows.iter().find(|(_, kana)| kana.contains(c)).map(|(r, _)| *r)
}

/// A kana moved to the voiced (b, g, z, d) or half-voiced (p) form of its row.
fn shift(c: char, to: char) -> char {
    let offset = match to {
        'p' => 2,
        'b' | 'g' | 'z' | 'd' => 1,
        _ => 0,
    };
    // the h row is laid out は ば ぱ; the k, s, t rows か が
    if row_of(c).is_some() && (offset == 1 || row_of(c) == Some('h')) {
        char::from_u32(c as u32 + offset).unwrap_or(c)
    } else {
        c
    }
}

/// The reading a word takes here: [`PREFERRED`], and 何 as なん before d, t and n sounds
/// (何です, 何で, 何の) where IPADIC says なに (but 何に: なにに).
fn preferred(surface: &str, reading: String, next: Option<&str>) -> String {
    if let Some((_, r)) = PREFERRED.iter().find(|(w, _)| *w == surface) {
        return (*r).to_owned();
    }
    if surface == "何" && next.and_then(|n| n.chars().next()).is_some_and(|c| "だでどとのなぬねんた".contains(c)) {
        return "なん".to_owned();
    }
    reading
}

/// Builds the dictionary from the IPADIC source and keeps the result beside it (best
/// effort: a read-only folder only costs the build again next time).
fn compile(dir: &Path) -> Result<Dictionary, ReadingError> {
    let src = dir.join(SOURCE);
    if !src.join("lex.csv").is_file() {
        return Err(ReadingError::DataMissing { what: text::TERM_JAPANESE_DICTIONARY, dir: dir.to_owned() });
    }
    let open = |name: &str| {
        File::open(src.join(name)).map(BufReader::new).map_err(|e| ReadingError::DataUnreadable {
            what: text::TERM_JAPANESE_DICTIONARY,
            path: src.join(name),
            reason: e.to_string(),
        })
    };
    let dict = SystemDictionaryBuilder::from_readers(open("lex.csv")?, open("matrix.def")?, open("char.def")?, open("unk.def")?)
        .map_err(|e| ReadingError::DataUnreadable { what: text::TERM_JAPANESE_DICTIONARY, path: src.clone(), reason: e.to_string() })?;
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
