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

use glossa_protocol::text;

use super::{ReadingError, ReadingToken};

/// The longest phrase in the table worth looking for inside a word.
const MAX_PHRASE_CHARS: usize = 8;

/// Neutral tones the standard dictionaries write and pypinyin does not; small, kept here.
const NEUTRAL_TONES: &str = include_str!("zh_neutral.tsv");

/// Words pypinyin reads by an older reading than today's dictionaries (中肯 zhòngkěn).
const PHRASES: &[(&str, &str)] = &[("中肯", "zhòng kěn")];

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
                return Err(ReadingError::DataMissing { what: text::TERM_CHINESE_PINYIN_TABLE, dir: dir.to_owned() });
            }
            std::fs::read_to_string(&path).map_err(|e| ReadingError::DataUnreadable {
                what: text::TERM_CHINESE_PINYIN_TABLE,
                path,
                reason: e.to_string(),
            })
        };
        let mut phrases: HashMap<String, String> =
            read("phrases.tsv")?.lines().filter_map(|l| l.split_once('\t')).map(|(w, p)| (w.to_owned(), p.to_owned())).collect();
        for (w, p) in PHRASES {
            phrases.insert((*w).to_owned(), (*p).to_owned());
        }
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
        let mut start = 0;
        for (i, w) in words.iter().enumerate() {
            // jieba's words are the line cut in pieces: what is before and after this one
            let before = text.get(..start).unwrap_or("");
            start += w.word.len();
            let after = text.get(start..).unwrap_or("");
            let alone = single(w.word);
            let after_number = i > 0 && words[i - 1].word.chars().last().is_some_and(is_numeral);
            let previous = i.checked_sub(1).map(|p| words[p].word).unwrap_or("");
            let reading = match alone {
                Some(c) if after_number => MEASURES.iter().find(|m| m.0 == c).map(|m| m.1.to_owned()),
                Some(c) => polyphone(c, w.tag, before, after).or_else(|| particle(w.tag)).map(str::to_owned),
                None => None,
            }
            .unwrap_or_else(|| in_line(w.word, &self.word(w.word, before, after), previous, before, after));
            tokens.push(ReadingToken { surface: w.word.to_owned(), ruby: ruby(w.word, &reading), reading });
        }
        tokens
    }

    /// The syllables of a word's characters, one per hanzi, separated by spaces; the erhua
    /// suffix 儿 as r (the table writes it as a light er).
    fn word(&self, word: &str, before: &str, after: &str) -> String {
        let syllables = self.syllables(word, before, after);
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

    /// `before` and `after`: the line around the word, for the polyphones read alone.
    fn syllables(&self, word: &str, before: &str, after: &str) -> String {
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
                        _ => {
                            let inner_before: String = chars[..i].iter().collect();
                            let inner_after: String = chars[i + 1..].iter().collect();
                            polyphone(c, "", &format!("{before}{inner_before}"), &format!("{inner_after}{after}"))
                        }
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

/// A polyphone read alone (a word of its own, or a character of a word no table knows),
/// by the line `before` and `after` it: 中了 zhòng, 长得 after a person zhǎng, 背着 bēi,
/// 调小 tiáo, 还 at a clause's end or before what is given back huán, 干 dry (太干了,
/// 没干。, 干站着) gān, 得 after a person: 得了 dé, else must děi; 着 as a result (找着…了)
/// zháo; 照张相 xiàng; 数 and 种 as verbs (数到, 种了) shǔ, zhòng.
fn polyphone(c: char, tag: &str, before: &str, after: &str) -> Option<&'static str> {
    let next_char = after.chars().next();
    let next_in = |set: &str| next_char.is_some_and(|n| set.contains(n));
    let previous_in = |set: &str| before.chars().last().is_some_and(|p| set.contains(p));
    let clause_end = next_char.is_none_or(|n| !is_hanzi(n)) || next_in("了呢吗啦");
    let person = previous_in(PERSON);
    Some(match c {
        '中' if next_in("了") => "zhòng",
        '长' if next_in("得") && person => "zhǎng",
        '背' if next_in("着") => "bēi",
        '调' if next_in("小大高低好整快慢") => "tiáo",
        '还' if next_char.is_none_or(|n| !is_hanzi(n)) || next_in("钱书债款") => "huán",
        '干' if next_in("站坐等瞪") || (clause_end && previous_in("太很真没不点")) => "gān",
        '得' if person && next_in("了") => "dé",
        '得' if (person || previous_in("还也都就总只")) && !next_in("到") => "děi",
        // 着 as the result of a search (找着钥匙了, 睡着了): zháo
        '着' if previous_in("找买借见碰猜摸睡") && after.split(|n: char| !is_hanzi(n)).next().is_some_and(|c| c.ends_with('了')) => {
            "zháo"
        }
        '相' if before.ends_with("照张") || before.ends_with("照个") => "xiàng",
        '数' if tag == "v" || next_in("到一着过") => "shǔ",
        '种' if tag == "v" || next_in("了着过") => "zhòng",
        _ => return None,
    })
}

/// The last character of a person (我, 他们, 孩子): what may grow (长得) or must (得).
const PERSON: &str = "我你他她它们子家";

/// Verbs whose 得 is a full dé of their own (获得, 取得, 值得…): not the particle.
const FULL_DE: &str = "获取赢心所难值懂记觉晓舍免使显";

/// A word the tables read one way that this line reads another: a verb with the particle
/// 得 before how it went (说得对, 做得到: the tables read 说得 shuō dé, 得到 dé dào),
/// 背着 carried bēi, 长得 after a person zhǎng, and 一行 after 这 or 那 as a trade (háng).
fn in_line(word: &str, reading: &str, previous: &str, before: &str, after: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let next_char = after.chars().next();
    let mut syllables: Vec<&str> = reading.split(' ').collect();
    if chars.len() < 2 || syllables.len() != chars.len() {
        return reading.to_owned();
    }
    let how_it_went = |c: Option<char>| c.is_some_and(|n| "很真太非不对好快慢到起像特挺更最那这".contains(n));
    match (chars[0], chars[1]) {
        (first, '得') if !FULL_DE.contains(first) && how_it_went(chars.get(2).copied().or(next_char)) => syllables[1] = "de",
        ('得', '到') if single(previous).is_some_and(|p| VERBS_BEFORE_DE.contains(p)) => syllables[0] = "de",
        ('背', '着') => syllables[0] = "bēi",
        ('长', '得') if before.chars().last().is_some_and(|p| PERSON.contains(p)) => syllables[0] = "zhǎng",
        ('一', '行') if before.chars().last().is_some_and(|p| "这那哪".contains(p)) => syllables[1] = "háng",
        _ => {}
    }
    syllables.join(" ")
}

/// Verbs that take 得到 as "can … it" (做得到, 买得到): the 得 is the light particle.
const VERBS_BEFORE_DE: &str = "做办找买看听想拿吃见借学猜写说跑";

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
