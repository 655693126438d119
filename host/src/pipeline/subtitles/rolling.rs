//! YouTube's auto-generated (ASR) captions roll: a cue repeats the line before it and
//! adds a few words, and sentences run across cues. Translating cue by cue would
//! translate half-sentences, twice. So the new words of each cue are joined into
//! sentences (at punctuation, or every ~20 words when the recogniser gave none), the
//! sentences are translated, and each cue shows whole translated sentences: the ones
//! that start in it, else the one still being spoken ([`shown_units`]), so a translated
//! sentence stays on screen for the span of the cues it came from.

use glossa_protocol::Cue;

use super::{batch::ends_sentence, Part, Unit};

/// Without punctuation, a sentence is cut at the end of the cue that reaches this many words…
const SOFT_WORDS: usize = 20;
/// …and mid-cue at this many.
const HARD_WORDS: usize = 40;

/// The words a cue adds to the one before it (a rolled-over line is not new).
fn new_words<'a>(previous: Option<&'a Cue>, cue: &'a Cue) -> Vec<&'a str> {
    let words: Vec<&str> = cue.text.split_whitespace().collect();
    let Some(prev) = previous else { return words };
    let whole: Vec<&str> = prev.text.split_whitespace().collect();
    let last_line: Vec<&str> = prev.text.lines().last().unwrap_or("").split_whitespace().collect();
    for repeated in [whole, last_line] {
        if !repeated.is_empty() && words.len() >= repeated.len() && words[..repeated.len()] == repeated[..] {
            return words[repeated.len()..].to_vec();
        }
    }
    words
}

/// Sentences made from rolling `cues`, each knowing the cues its words came from.
pub fn merge(cues: &[Cue]) -> Vec<Unit> {
    let mut units = Vec::new();
    let mut words: Vec<(usize, &str)> = Vec::new();
    let flush = |words: &mut Vec<(usize, &str)>, units: &mut Vec<Unit>| {
        if words.is_empty() {
            return;
        }
        let mut parts: Vec<Part> = Vec::new();
        for &(cue, word) in words.iter() {
            match parts.last_mut() {
                Some(p) if p.cue == cue => {
                    p.text.push(' ');
                    p.text.push_str(word);
                }
                _ => parts.push(Part { cue, text: word.to_owned() }),
            }
        }
        let text = words.iter().map(|(_, w)| *w).collect::<Vec<_>>().join(" ");
        let start = cues[parts[0].cue].start;
        let end = parts.iter().map(|p| cues[p.cue].end).fold(start, f64::max);
        units.push(Unit { text, start, end, parts });
        words.clear();
    };
    for (i, cue) in cues.iter().enumerate() {
        let previous = i.checked_sub(1).map(|p| &cues[p]);
        for word in new_words(previous, cue) {
            words.push((i, word));
            if ends_sentence(word) || words.len() >= HARD_WORDS {
                flush(&mut words, &mut units);
            }
        }
        if words.len() >= SOFT_WORDS {
            flush(&mut words, &mut units);
        }
    }
    flush(&mut words, &mut units);
    units
}

/// The units each cue shows, whole and in order: the units that start in it; a cue where
/// none starts shows the unit still being spoken (the last one its words, or the words
/// before it, belong to). A blank cue shows nothing. Manual tracks (a unit per cue) show
/// each cue's own unit.
pub fn shown_units(cues: &[Cue], units: &[Unit]) -> Vec<Vec<usize>> {
    let mut starting = vec![Vec::new(); cues.len()];
    let mut last_in = vec![None; cues.len()];
    for (u, unit) in units.iter().enumerate() {
        if let Some(first) = unit.parts.first() {
            starting[first.cue].push(u);
        }
        for part in &unit.parts {
            last_in[part.cue] = Some(u);
        }
    }
    let mut speaking = None;
    let mut shown = Vec::with_capacity(cues.len());
    for (c, cue) in cues.iter().enumerate() {
        shown.push(if !starting[c].is_empty() {
            std::mem::take(&mut starting[c])
        } else if cue.text.trim().is_empty() {
            Vec::new()
        } else {
            last_in[c].or(speaking).into_iter().collect()
        });
        speaking = last_in[c].or(speaking);
    }
    shown
}

/// Chinese and Japanese are written without spaces between words.
pub(super) fn is_unspaced_script(text: &str) -> bool {
    !text.contains(char::is_whitespace)
        && text.chars().any(|c| matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cue(i: usize, start: f64, text: &str) -> Cue {
        Cue { id: i.to_string(), start, end: start + 3.0, text: text.into() }
    }

    #[test]
    fn vtt_style_repeats_are_dropped_and_sentences_joined() {
        let cues = vec![
            cue(1, 0.0, "so today we are going"),
            cue(2, 2.0, "so today we are going"),
            cue(3, 2.1, "so today we are going\nto look at rivers. They"),
            cue(4, 4.0, "to look at rivers. They\nflow downhill."),
        ];
        let units = merge(&cues);
        let texts: Vec<&str> = units.iter().map(|u| u.text.as_str()).collect();
        assert_eq!(texts, ["so today we are going to look at rivers.", "They flow downhill."]);
        assert_eq!(units[0].parts.iter().map(|p| p.cue).collect::<Vec<_>>(), [0, 2]);
        assert_eq!(units[1].parts.iter().map(|p| (p.cue, p.text.as_str())).collect::<Vec<_>>(), [(2, "They"), (3, "flow downhill.")]);
        assert_eq!((units[0].start, units[0].end), (0.0, 5.1));
    }

    #[test]
    fn unpunctuated_speech_is_cut_at_cue_ends() {
        let cues: Vec<Cue> =
            (0..10).map(|i| cue(i, i as f64 * 2.0, &(0..7).map(|w| format!("w{i}x{w}")).collect::<Vec<_>>().join(" "))).collect();
        let units = merge(&cues);
        // 7 words a cue: cut after the cue that reaches 20 words (3 cues = 21 words).
        assert_eq!(units.iter().map(|u| u.text.split_whitespace().count()).collect::<Vec<_>>(), [21, 21, 21, 7]);
        assert_eq!(units.iter().map(|u| u.parts.len()).sum::<usize>(), 10);
    }

    #[test]
    fn each_cue_shows_the_sentences_starting_in_it_or_the_one_still_spoken() {
        // A line per cue, sentences across them; cue 3 repeats cue 2 (WebVTT ASR does).
        let cues = vec![
            cue(1, 0.0, "welcome back."),
            cue(2, 2.0, "so today we are going. to look"),
            cue(3, 4.0, "at rivers and how they"),
            cue(4, 6.0, "at rivers and how they"),
            cue(5, 6.1, " "),
            cue(6, 9.0, "flow. Right"),
        ];
        let units = merge(&cues);
        let texts: Vec<&str> = units.iter().map(|u| u.text.as_str()).collect();
        assert_eq!(texts, ["welcome back.", "so today we are going.", "to look at rivers and how they flow.", "Right"]);
        let shown = shown_units(&cues, &units);
        // Cue 2 starts two sentences; cue 3 and the repeating cue 4 go on with the second;
        // the blank cue shows nothing; cue 6 starts "Right" (the sentence it ends was shown).
        assert_eq!(shown, vec![vec![0], vec![1, 2], vec![2], vec![2], vec![], vec![3]]);
        // Every sentence is shown, on the cue it starts in.
        for (u, unit) in units.iter().enumerate() {
            assert!(shown[unit.parts[0].cue].contains(&u), "unit {u}");
        }
    }

    #[test]
    fn a_manual_cue_shows_its_own_line() {
        let cues = vec![cue(1, 0.0, "One."), cue(2, 2.0, ""), cue(3, 4.0, "Two.")];
        let units = vec![Unit::single(0, "One.".into(), 0.0, 3.0), Unit::single(2, "Two.".into(), 4.0, 7.0)];
        assert_eq!(shown_units(&cues, &units), vec![vec![0], vec![], vec![1]]);
    }
}
