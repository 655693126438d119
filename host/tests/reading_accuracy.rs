//! Readings against the reference tables in tests/fixtures/readings (written by hand,
//! polyphones and sound changes included): prints the share of words read right per
//! language and the misses, and holds each language to its floor.
//!
//! Needs the reading data: `tests/tools/fetch-reading-data.sh` (run-all.sh runs it and sets
//! GLOSSA_READING_DATA).

use std::path::PathBuf;

use glossa_host::reading::{line, Readers, ReadingToken};

/// The goal for Japanese and Chinese; the alphabetic languages are rule-based and
/// are held to the same.
const GOAL: f64 = 98.0;

fn readers() -> Readers {
    let dir = std::env::var_os("GLOSSA_READING_DATA").map(PathBuf::from).unwrap_or_else(|| {
        let cache = std::env::var_os("GLOSSA_CACHE")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/glossa-dev"));
        cache.join("reading")
    });
    assert!(dir.join("zh").is_dir(), "no reading data in {}: run tests/tools/fetch-reading-data.sh", dir.display());
    Readers::new(dir)
}

fn table(name: &str) -> Vec<String> {
    // At run time: a binary built from another checkout sharing the target directory (CI's clone) is fresh for cargo, and `env!` names that checkout.
    let path = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), std::path::PathBuf::from)
        .join("../tests/fixtures/readings")
        .join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

struct Score {
    right: usize,
    total: usize,
    misses: Vec<String>,
}

impl Score {
    fn new() -> Self {
        Score { right: 0, total: 0, misses: Vec::new() }
    }

    fn percent(&self) -> f64 {
        100.0 * self.right as f64 / self.total.max(1) as f64
    }

    fn report(&self, lang: &str) {
        println!("readings {lang}: {:.1} % of {} words right", self.percent(), self.total);
        for m in &self.misses {
            println!("  {lang} miss: {m}");
        }
    }
}

/// (start, end, reading) in characters.
type Span = (usize, usize, String);

fn hira(c: char) -> char {
    match c {
        '\u{30A1}'..='\u{30F6}' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
        _ => c,
    }
}

/// The reading of chars[range] when `spans` say how their words are read.
fn read_range(chars: &[char], from: usize, to: usize, spans: &[Span]) -> String {
    let mut out = String::new();
    let mut pos = from;
    while pos < to {
        match spans.iter().find(|s| s.0 == pos) {
            Some(s) => {
                out.push_str(&s.2);
                pos = s.1;
            }
            None => {
                out.push(hira(chars[pos]));
                pos += 1;
            }
        }
    }
    out
}

fn token_spans(tokens: &[ReadingToken]) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut pos = 0;
    for t in tokens {
        let n = t.surface.chars().count();
        if !t.reading.is_empty() {
            spans.push((pos, pos + n, t.reading.clone()));
        }
        pos += n;
    }
    spans
}

#[test]
fn readings_match_the_reference_tables() {
    let readers = readers();
    let mut failed = Vec::new();
    let mut check = |lang: &str, score: Score| {
        score.report(lang);
        if score.percent() < GOAL {
            failed.push(format!("{lang} {:.1} % < {GOAL} %", score.percent()));
        }
    };
    check("ja", japanese(&readers));
    check("zh", chinese(&readers));
    for (lang, file) in [("ko", "ko.tsv"), ("ru", "ru.tsv"), ("uk", "uk.tsv"), ("el", "el.tsv")] {
        check(lang, word_by_word(&readers, lang, file));
    }
    assert!(failed.is_empty(), "below the goal: {failed:?}");
}

/// Japanese: each {kanji|reading} of the table is a word. The analyser may cut words
/// elsewhere: a word is right when the smallest stretch holding it and every word of
/// either side overlapping it reads the same both ways.
fn japanese(readers: &Readers) -> Score {
    let mut score = Score::new();
    for row in table("ja.txt") {
        let mut text = Vec::new();
        let mut want: Vec<Span> = Vec::new();
        let mut it = row.chars();
        while let Some(c) = it.next() {
            if c == '{' {
                let word: Vec<char> = it.by_ref().take_while(|&c| c != '|').collect();
                let reading: String = it.by_ref().take_while(|&c| c != '}').collect();
                want.push((text.len(), text.len() + word.len(), reading));
                text.extend(word);
            } else {
                text.push(c);
            }
        }
        let line: String = text.iter().collect();
        let tokens = readers.read("ja", &line).expect("Japanese reading");
        assert_eq!(tokens.iter().map(|t| t.surface.as_str()).collect::<String>(), line, "surfaces make up the line");
        let got = token_spans(&tokens);
        for w in &want {
            let (mut from, mut to) = (w.0, w.1);
            loop {
                let (f, t) =
                    want.iter().chain(&got).filter(|s| s.0 < to && s.1 > from).fold((from, to), |(f, t), s| (f.min(s.0), t.max(s.1)));
                if (f, t) == (from, to) {
                    break;
                }
                (from, to) = (f, t);
            }
            score.total += 1;
            let expected = read_range(&text, from, to, &want);
            let read = read_range(&text, from, to, &got);
            if expected == read {
                score.right += 1;
            } else {
                let word: String = text[w.0..w.1].iter().collect();
                score.misses.push(format!("{word} in {line}: want {expected}, got {read}"));
            }
        }
    }
    score
}

/// Chinese: one syllable per hanzi. 一 and 不 are right in their own tone or in the tone
/// they change to before another syllable (both are how pinyin is written).
fn chinese(readers: &Readers) -> Score {
    let mut score = Score::new();
    for row in table("zh.tsv") {
        let (line, pinyin) = row.split_once('\t').expect("sentence<TAB>pinyin");
        let want: Vec<&str> = pinyin.split_whitespace().collect();
        let tokens = readers.read("zh", line).expect("Chinese reading");
        assert_eq!(tokens.iter().map(|t| t.surface.as_str()).collect::<String>(), line, "surfaces make up the line");
        let mut got: Vec<(char, String)> = Vec::new();
        for t in &tokens {
            let hanzi: Vec<char> = t.surface.chars().filter(|&c| is_hanzi(c)).collect();
            let syllables: Vec<&str> = t.reading.split_whitespace().collect();
            for (i, c) in hanzi.iter().enumerate() {
                let s = if syllables.len() == hanzi.len() { syllables[i].to_owned() } else { "?".to_owned() };
                got.push((*c, s));
            }
        }
        assert_eq!(got.len(), want.len(), "one syllable per hanzi in the table: {line}");
        for ((c, g), w) in got.iter().zip(&want) {
            score.total += 1;
            let same = g == w
                || (*c == '一' && ["yī", "yí", "yì"].contains(&g.as_str()) && ["yī", "yí", "yì"].contains(w))
                || (*c == '不' && ["bù", "bú", "bu"].contains(&g.as_str()) && ["bù", "bú", "bu"].contains(w));
            if same {
                score.right += 1;
            } else {
                score.misses.push(format!("{c} in {line}: want {w}, got {g}"));
            }
        }
    }
    score
}

fn is_hanzi(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// Korean, Russian, Ukrainian, Greek: the line in Latin letters, word by word.
fn word_by_word(readers: &Readers, lang: &str, file: &str) -> Score {
    let mut score = Score::new();
    for row in table(file) {
        let (text, expected) = row.split_once('\t').expect("sentence<TAB>reading");
        let tokens = readers.read(lang, text).expect("reading");
        assert_eq!(tokens.iter().map(|t| t.surface.as_str()).collect::<String>(), text, "surfaces make up the line");
        let got = line(&tokens);
        let want: Vec<&str> = expected.split_whitespace().collect();
        let read: Vec<&str> = got.split_whitespace().collect();
        for (i, w) in want.iter().enumerate() {
            score.total += 1;
            match read.get(i) {
                Some(r) if r == w => score.right += 1,
                r => score.misses.push(format!("{text}: want {w}, got {}", r.unwrap_or(&"nothing"))),
            }
        }
    }
    score
}
