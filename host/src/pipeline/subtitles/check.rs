//! Each answer item checked against its own line, so a translation is never shown on a
//! line it was not written for:
//! - **alignment**: an item's `src` repeats the first words of the line it translates.
//!   When it is not the start of the line with the item's id, the model shifted, merged
//!   or split lines; that item is refused, and so is the one before it — the other side
//!   of the broken boundary (a merge swallowed this line into it, a split left the rest
//!   of it here). An item without `src` (a server that ignores the schema) is not refused
//!   for it: there is nothing to check, and it is reported as unchecked.
//! - **echo**: a translation that is its source again, while the languages differ, is
//!   refused — unless the line is only a name, a number or an interjection, which stay
//!   the same in every language.

use super::answer::Checked;

/// Why an item was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Its `src` is not the start of its line, or the next item's `src` is not (see the module).
    Misaligned,
    /// It repeats its source.
    Echo,
}

/// What became of one line asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineVerdict {
    /// The translation, when it passed.
    pub text: Option<String>,
    /// Whether the item's `src` matched its line; `None`: no item, or one without `src`.
    pub src_matched: Option<bool>,
    pub refused: Option<Refusal>,
}

/// Judge `checked` (the items of one answer) for `lines`, given as (id, source text) in
/// the order they were asked. One verdict per line, in that order; a line with no item
/// gets neither text nor refusal.
pub fn verify(checked: &Checked, lines: &[(String, &str)]) -> Vec<LineVerdict> {
    let mut verdicts: Vec<LineVerdict> = lines
        .iter()
        .map(|(id, source)| {
            let Some(text) = checked.translated.get(id) else {
                return LineVerdict { text: None, src_matched: None, refused: None };
            };
            let src_matched = checked.sources.get(id).map(|src| src_matches(src, source));
            let refused = if src_matched == Some(false) {
                Some(Refusal::Misaligned)
            } else if is_echo(text, source) {
                Some(Refusal::Echo)
            } else {
                None
            };
            LineVerdict { text: Some(text.clone()), src_matched, refused }
        })
        .collect();
    // The item before a misaligned one is the other side of the broken boundary.
    for i in 1..verdicts.len() {
        if verdicts[i].src_matched == Some(false) && verdicts[i - 1].text.is_some() {
            verdicts[i - 1].refused = Some(Refusal::Misaligned);
        }
    }
    for v in &mut verdicts {
        if v.refused.is_some() {
            v.text = None;
        }
    }
    verdicts
}

/// Text reduced to what a model copies reliably: lower case letters and digits, no
/// punctuation, no spaces (so word boundaries and scripts without spaces compare alike).
fn normalise(text: &str) -> Vec<char> {
    text.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// Does `src` repeat the start of `line`? On normalised text: `src` must be the line's
/// beginning, allowing one slip (a changed, missing or extra character) per six characters,
/// two at most (none in a src of a few characters: a word of Japanese is one or two).
/// An empty `src` says nothing and matches. A `src` much longer than the line (the next
/// line's words too: a merge) does not.
pub fn src_matches(src: &str, line: &str) -> bool {
    let (src, line) = (normalise(src), normalise(line));
    if src.is_empty() {
        return true;
    }
    let slips = (src.len() / 6).min(2);
    if line.starts_with(&src) {
        return true;
    }
    // The line's prefix of about src's length (a dropped or added character shifts it).
    let shortest = src.len().saturating_sub(slips);
    (shortest..=src.len() + slips).filter(|&n| n <= line.len() && n > 0).any(|n| edit_distance(&src, &line[..n]) <= slips)
}

/// Levenshtein distance (the inputs are a dozen characters or so).
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != cb)).min(row[j] + 1).min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// A translation that repeats its source (normalised) when the source has something to
/// translate: not only a name, a number or an interjection.
pub fn is_echo(text: &str, source: &str) -> bool {
    let (t, s) = (normalise(text), normalise(source));
    !s.is_empty() && t == s && !stays_the_same(source)
}

/// Sounds every language writes alike (lower case, repeated or not: "ha ha", "hmm").
const INTERJECTIONS: &[&str] = &[
    "ah", "aah", "aha", "oh", "ooh", "uh", "um", "umm", "hm", "hmm", "mm", "mmm", "mhm", "ha", "haha", "hahaha", "heh", "hehe", "wow",
    "whoa", "ow", "ouch", "ugh", "eh", "huh", "yay", "shh", "psst", "ok", "okay", "hey", "bye",
];

/// A line that is right when kept as it is: no letters at all (numbers, symbols, ♪), only
/// interjections, or up to three capitalised words (a name: "Takeshi!", "New York").
pub fn stays_the_same(line: &str) -> bool {
    let words: Vec<String> = line
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(str::to_owned)
        .collect();
    if !line.chars().any(char::is_alphabetic) {
        return true;
    }
    let interjection = |w: &String| INTERJECTIONS.contains(&w.to_lowercase().as_str());
    let capitalised = |w: &String| w.chars().next().is_some_and(char::is_uppercase);
    words.iter().all(interjection) || (words.len() <= 3 && words.iter().all(capitalised))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::subtitles::answer::{check, parse_answer};

    #[test]
    fn a_src_matches_the_start_of_its_line_with_small_slips() {
        let line = "Welcome back to the channel, everyone!";
        for src in ["Welcome back to the", "welcome back", "WELCOME BACK TO THE CHANNEL", "Welcome bak to the", "Welcome back, to", ""] {
            assert!(src_matches(src, line), "{src:?}");
        }
        for src in ["Today we are going", "back to the channel", "Welcome back to the channel, everyone! Today we"] {
            assert!(!src_matches(src, line), "{src:?}");
        }
        assert!(src_matches("今日はいい天", "今日はいい天気ですね。"));
        assert!(!src_matches("明日は", "今日はいい天気ですね。"));
    }

    #[test]
    fn echoes_are_refused_unless_the_line_stays_the_same() {
        assert!(is_echo("Good morning, everyone.", "Good morning, everyone."));
        assert!(is_echo("good morning everyone", "Good morning, everyone."));
        for line in ["Takeshi!", "New York.", "1998", "♪ ♪", "Oh! Ha ha.", "Hmm...", "[ 42 ]"] {
            assert!(!is_echo(line, line), "{line}");
        }
        assert!(!is_echo("おはようございます。", "Good morning."));
    }

    fn lines<'a>(texts: &[&'a str]) -> Vec<(String, &'a str)> {
        texts.iter().enumerate().map(|(i, t)| ((i + 1).to_string(), *t)).collect()
    }

    fn kept(verdicts: &[LineVerdict]) -> Vec<bool> {
        verdicts.iter().map(|v| v.text.is_some()).collect()
    }

    #[test]
    fn a_merge_refuses_both_sides_of_the_broken_boundary() {
        let asked = lines(&["It was late", "and we were tired.", "So we left.", "The end."]);
        // Lines 2 and 3 merged into item 2; items 3.. shifted.
        let reply = r#"{"lines":[{"id":"1","src":"It was late","text":"Il était tard"},
            {"id":"2","src":"and we were","text":"et nous étions fatigués. Alors nous partîmes."},
            {"id":"3","src":"The end.","text":"Fin."}]}"#;
        let v = verify(&check(parse_answer(reply), &["1", "2", "3", "4"].map(String::from)), &asked);
        assert_eq!(kept(&v), [true, false, false, false]);
        assert_eq!(v[2].refused, Some(Refusal::Misaligned));
        assert_eq!(v[1].refused, Some(Refusal::Misaligned), "the merged item");
        assert_eq!((v[1].src_matched, v[2].src_matched, v[3].src_matched), (Some(true), Some(false), None));
    }

    #[test]
    fn items_without_src_are_taken_unchecked_and_echoes_refused() {
        let asked = lines(&["Good morning.", "Takeshi!"]);
        let reply = r#"[{"id":"1","text":"Good morning."},{"id":"2","text":"Takeshi!"}]"#;
        let v = verify(&check(parse_answer(reply), &["1", "2"].map(String::from)), &asked);
        assert_eq!(v[0].refused, Some(Refusal::Echo));
        assert_eq!(v[1], LineVerdict { text: Some("Takeshi!".into()), src_matched: None, refused: None });
    }
}
