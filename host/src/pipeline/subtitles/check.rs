//! Each answer item checked against its own line, so a translation is never shown on a
//! line it was not written for:
//! - **alignment**: an item's `src` repeats the first words of the line it translates.
//!   When it is not the start of the line with the item's id, the model shifted, merged
//!   or split lines; that item is refused, and so is the one before it — the other side
//!   of the broken boundary (a merge swallowed this line into it, a split left the rest
//!   of it here). An item without `src` (a server that ignores the schema) is not refused
//!   for it: there is nothing to check, and it is reported as unchecked. A `src` much
//!   shorter than the prompt asks for (less than half of the line's first 6 words, or of
//!   its first 12 characters in text without spaces) does not match either: "to min-jun"
//!   is the start of "to min-jun and his restaurant" too, so it cannot tell the two apart.
//! - **boundaries without an item**: the item before a missing id may have swallowed that
//!   line (a merge at the end of an answer), and the item before a made-up id with the
//!   same `src` left the rest of its line there (a split): both are asked again. A made-up
//!   id without `src`, or with another line's, is only ignored.
//! - **echo**: a translation that is its source again, while the languages differ, is
//!   refused — unless the line is only a name, a number or an interjection, which stay
//!   the same in every language.

use super::answer::Checked;

/// Why an item was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Its `src` is not the start of its line, or the next item's `src` is not (see the module).
    Misaligned,
    /// The next id is missing or made up, so the item may hold more or less than its line:
    /// asked again like a missing line (not held against it, the fault may be the next one's).
    Unconfirmed,
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
    // The item before a misaligned one is the other side of the broken boundary; the item
    // before a missing one may have swallowed it, the one before a made-up one may have
    // left half its line there.
    for i in 0..verdicts.len() {
        if verdicts[i].text.is_none() {
            continue;
        }
        let next = verdicts.get(i + 1);
        if next.is_some_and(|n| n.src_matched == Some(false)) {
            verdicts[i].refused = Some(Refusal::Misaligned);
        } else if verdicts[i].refused.is_none() && (next.is_some_and(|n| n.text.is_none()) || split_onto_invented(checked, &lines[i])) {
            verdicts[i].refused = Some(Refusal::Unconfirmed);
        }
    }
    for v in &mut verdicts {
        if v.refused.is_some() {
            v.text = None;
        }
    }
    verdicts
}

/// Did a made-up item right after this line's item repeat this line's start (the rest of
/// a line split across its own id and a made-up one)?
fn split_onto_invented(checked: &Checked, (id, line): &(String, &str)) -> bool {
    checked.invented_after.iter().any(|(after, src)| after == id && !normalise(src).is_empty() && src_matches(src, line))
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
/// line's words too: a merge) does not, nor one much shorter than asked for ([`long_enough`]).
pub fn src_matches(src: &str, line: &str) -> bool {
    if normalise(src).is_empty() {
        return true;
    }
    if !long_enough(src, line) {
        return false;
    }
    let (src, line) = (normalise(src), normalise(line));
    let slips = (src.len() / 6).min(2);
    if line.starts_with(&src) {
        return true;
    }
    // The line's prefix of about src's length (a dropped or added character shifts it).
    let shortest = src.len().saturating_sub(slips);
    (shortest..=src.len() + slips).filter(|&n| n <= line.len() && n > 0).any(|n| edit_distance(&src, &line[..n]) <= slips)
}

/// Words the prompt asks `src` to repeat in text with spaces; characters in text without.
const SRC_WORDS: usize = 6;
const SRC_CHARS: usize = 12;

/// Is `src` at least half of what the prompt asked it to repeat of `line`: its first 6
/// words, or its first 12 characters in text without spaces (normalised)? A shorter one
/// may be the start of several lines, so it cannot show which line an item belongs to.
fn long_enough(src: &str, line: &str) -> bool {
    let line_words = line.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).count();
    let (have, asked) = if line_words > 1 {
        (src.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).count(), line_words.min(SRC_WORDS))
    } else {
        (normalise(src).len(), normalise(line).len().min(SRC_CHARS))
    };
    2 * have >= asked
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

/// Common English words that a line may start with a capital (a sentence start), so a
/// capital does not make them a name: "Hello!" echoed is an echo, "Takeshi!" is not.
/// (English: the language most tracks that are echoed back are in.)
const COMMON_WORDS: &[&str] = &[
    "hello",
    "hi",
    "yes",
    "yeah",
    "no",
    "nope",
    "thanks",
    "thank",
    "you",
    "please",
    "sorry",
    "goodbye",
    "welcome",
    "good",
    "morning",
    "night",
    "evening",
    "afternoon",
    "great",
    "sure",
    "right",
    "really",
    "wait",
    "stop",
    "help",
    "come",
    "go",
    "look",
    "listen",
    "run",
    "excuse",
    "me",
    "what",
    "why",
    "how",
    "who",
    "where",
    "when",
    "cheers",
    "congratulations",
    "exactly",
    "maybe",
    "never",
    "always",
    "again",
    "now",
    "here",
    "there",
    "i",
    "we",
    "they",
    "he",
    "she",
    "it",
    "the",
    "a",
    "an",
    "and",
    "but",
    "so",
    "my",
    "your",
    "this",
    "that",
    "is",
    "are",
    "was",
    "not",
    "all",
    "everyone",
    "guys",
    "friends",
    "everybody",
    "cut",
    "action",
];

/// A line that is right when kept as it is: no letters at all (numbers, symbols, ♪), only
/// interjections, or up to three capitalised words that are not common words (a name:
/// "Takeshi!", "New York"; not "Hello!", "Thank You").
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
    let capitalised = |w: &String| w.chars().next().is_some_and(char::is_uppercase) && !COMMON_WORDS.contains(&w.to_lowercase().as_str());
    words.iter().all(interjection) || (words.len() <= 3 && words.iter().all(capitalised))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::subtitles::answer::{check, parse_answer};

    #[test]
    fn a_src_matches_the_start_of_its_line_with_small_slips() {
        let line = "Welcome back to the channel, everyone!";
        for src in ["Welcome back to the", "welcome back to", "WELCOME BACK TO THE CHANNEL", "Welcome bak to the", "Welcome back, to", ""] {
            assert!(src_matches(src, line), "{src:?}");
        }
        for src in ["Today we are going", "back to the channel", "Welcome back to the channel, everyone! Today we"] {
            assert!(!src_matches(src, line), "{src:?}");
        }
        assert!(src_matches("今日はいい天", "今日はいい天気ですね。"));
        assert!(!src_matches("明日は", "今日はいい天気ですね。"));
    }

    #[test]
    fn a_src_much_shorter_than_asked_for_does_not_match() {
        // The start of the next line ("to min-jun"), landed on a longer one (a shift).
        assert!(!src_matches("to min-jun", "to min-jun and his restaurant"));
        assert!(src_matches("to min-jun and his", "to min-jun and his restaurant"));
        assert!(src_matches("to min-jun", "to min-jun"));
        assert!(!src_matches("welcome back", "Welcome back to the channel, everyone!"));
        assert!(src_matches("Good morning, everyone", "Good morning, everyone, and welcome back to the show!"));
        assert!(!src_matches("今日", "今日はいい天気ですね。"));
        assert!(src_matches("今日は", "今日は。"));
    }

    #[test]
    fn echoes_are_refused_unless_the_line_stays_the_same() {
        assert!(is_echo("Good morning, everyone.", "Good morning, everyone."));
        assert!(is_echo("good morning everyone", "Good morning, everyone."));
        for line in ["Takeshi!", "New York.", "1998", "♪ ♪", "Oh! Ha ha.", "Hmm...", "[ 42 ]"] {
            assert!(!is_echo(line, line), "{line}");
        }
        assert!(!is_echo("おはようございます。", "Good morning."));
        // Capitalised common words are not a name.
        for line in ["Hello!", "Thank You.", "Good Morning!", "Yes!"] {
            assert!(is_echo(line, line), "{line}");
        }
        assert!(!is_echo("Min-jun!", "Min-jun!"));
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
    fn the_item_before_a_missing_or_made_up_id_is_refused() {
        let asked = lines(&["It was late", "and we were tired.", "So we left.", "The end."]);
        // Item 4 swallowed by item 3 at the end of the answer: id 4 missing.
        let merged = r#"{"lines":[{"id":"1","src":"It was late","text":"Il était tard"},
            {"id":"2","src":"and we were","text":"et nous étions fatigués."},
            {"id":"3","src":"So we left.","text":"Alors nous partîmes. Fin."}]}"#;
        let v = verify(&check(parse_answer(merged), &["1", "2", "3", "4"].map(String::from)), &asked);
        assert_eq!(kept(&v), [true, true, false, false]);
        assert_eq!(v[2].refused, Some(Refusal::Unconfirmed));
        // Line 4 split across its own id and a made-up one with the same src.
        let split = r#"{"lines":[{"id":"1","src":"It was late","text":"Il était tard"},
            {"id":"2","src":"and we were","text":"et nous étions fatigués."},
            {"id":"3","src":"So we left.","text":"Alors nous partîmes."},
            {"id":"4","src":"The end.","text":"La"},{"id":"5","src":"The end.","text":"fin."}]}"#;
        let v = verify(&check(parse_answer(split), &["1", "2", "3", "4"].map(String::from)), &asked);
        assert_eq!(kept(&v), [true, true, true, false]);
        assert_eq!(v[3].refused, Some(Refusal::Unconfirmed));
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
