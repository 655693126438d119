//! Each answer item checked against its own line, so a translation is never shown on a
//! line it was not written for:
//! - **alignment**: an item's `src` repeats the first words of the line it translates.
//!   When it is not the start of the line with the item's id, the model shifted, merged
//!   or split lines; that item is refused, and so is the one before it — the other side
//!   of the broken boundary (a merge swallowed this line into it, a split left the rest
//!   of it here). An item without `src` (a server that ignores the schema) is reported as
//!   unchecked, and judged by what its place still shows (see [`out_of_place`]): another
//!   line's source copied, its line's numbers in a neighbour's item instead of its own, or
//!   a length far from the answer's other items (a merge or a piece of a split). A `src` much
//!   shorter than the prompt asks for (less than half of the line's first 6 words, or of
//!   its first 12 characters in text without spaces) does not match either: "to min-jun"
//!   is the start of "to min-jun and his restaurant" too, so it cannot tell the two apart.
//! - **boundaries without an item**: the item before a missing id may have swallowed that
//!   line (a merge at the end of an answer), and the item before a made-up id with the
//!   same `src` left the rest of its line there (a split): both are asked again, and so is
//!   an item without `src` followed by a made-up one (the count is all there is to go by).
//!   A made-up id with another line's `src` is only ignored.
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
    // Items without `src`: what their place in the answer still shows.
    let unsourced_refusals: Vec<Option<Refusal>> = (0..verdicts.len())
        .map(|i| {
            let v = &verdicts[i];
            if v.text.is_none() || v.src_matched.is_some() || v.refused.is_some() {
                return None;
            }
            if out_of_place(&verdicts, lines, i) {
                Some(Refusal::Misaligned)
            } else if checked.invented_after_unsourced.contains(&lines[i].0) {
                Some(Refusal::Unconfirmed)
            } else {
                None
            }
        })
        .collect();
    for (v, refusal) in verdicts.iter_mut().zip(unsourced_refusals) {
        v.refused = v.refused.or(refusal);
    }
    for v in &mut verdicts {
        if v.refused.is_some() {
            v.text = None;
        }
    }
    verdicts
}

/// Normalised source lines shorter than this say too little about a translation's length.
const LENGTH_CHECKED_CHARS: usize = 16;

/// How far an item's length for its line (translation ÷ source) may be from the answer's
/// usual one: a merged item holds two lines, a split one part of one.
const LENGTH_FACTOR: f64 = 2.5;

/// Is the item at `i` (without `src`) for another line than its own? It copies another
/// line's source; or its line's numbers (which translations keep) are missing from it and
/// are in a neighbour's item instead, whose own line does not have them (a shift); or its
/// length for its line is far from the answer's usual (a merge or a split). Only what can
/// be told without `src`: a shifted answer of lines without numbers of similar length
/// passes (it is reported as unchecked).
fn out_of_place(verdicts: &[LineVerdict], lines: &[(String, &str)], i: usize) -> bool {
    let Some(text) = verdicts[i].text.as_deref() else { return false };
    let source = lines[i].1;
    let copies_another = lines.iter().enumerate().any(|(j, (_, other))| {
        j != i
            && !normalise(other).is_empty()
            && normalise(other) != normalise(source)
            && normalise(text) == normalise(other)
            && !stays_the_same(other)
    });
    if copies_another {
        return true;
    }
    // Numbers of line `from` that its own item lacks and item `to` has, while line `to` does not.
    let moved = |from: usize, to: usize| {
        let item_text = |k: usize| verdicts[k].text.as_deref().map(numbers).unwrap_or_default();
        let (from_item, to_item, to_source) = (item_text(from), item_text(to), numbers(lines[to].1));
        let missing: Vec<String> = numbers(lines[from].1).into_iter().filter(|n| !from_item.contains(n)).collect();
        !missing.is_empty() && missing.iter().all(|n| to_item.contains(n) && !to_source.contains(n))
    };
    let mut neighbours = [i.checked_sub(1), Some(i + 1)].into_iter().flatten().filter(|&j| j < lines.len());
    // This line's numbers went to a neighbour's item, or this item holds a neighbour's.
    if neighbours.any(|j| moved(i, j) || moved(j, i)) {
        return true;
    }
    let ratio = |text: &str, source: &str| {
        let source_len = normalise(source).len();
        (source_len >= LENGTH_CHECKED_CHARS).then(|| normalise(text).len() as f64 / source_len as f64)
    };
    let Some(own_ratio) = ratio(text, source) else { return false };
    let mut ratios: Vec<f64> = verdicts.iter().zip(lines).filter_map(|(v, (_, s))| ratio(v.text.as_deref()?, s)).collect();
    if ratios.len() < 4 {
        return false;
    }
    ratios.sort_by(f64::total_cmp);
    let usual = ratios[ratios.len() / 2];
    usual > 0.0 && (own_ratio > usual * LENGTH_FACTOR || own_ratio * LENGTH_FACTOR < usual)
}

/// The numbers written in digits in `text`, in order.
fn numbers(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_digit()).filter(|n| !n.is_empty()).map(str::to_owned).collect()
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
/// (English: the language most tracks that are echoed back are in; the other languages
/// written with capitals are in [`SHORT_LINE_WORDS`].)
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

/// The words a short line of its own is made of (greetings, thanks, yes and no, calls,
/// questions, titles) in the other languages written with capitals that tracks come in
/// (those of the quality harness: Spanish, French, German, Russian; and Portuguese, Italian),
/// so that "Danke!", "¡Gracias!" or "Да." echoed is an echo. Only these: a line of a few
/// capitalised words is otherwise taken for a name, and German capitalises every noun, so
/// its usual short-line nouns are here too. (Scripts without capitals never look like names.)
/// Per language (its code), the words separated by spaces.
const SHORT_LINE_WORDS: &[(&str, &str)] = &[
    ("es", "hola gracias sí por favor perdón lo siento adiós buenos buenas días tardes noches claro vale bien bueno vamos mira oye espera ayuda qué quién dónde cuándo cómo nada exacto genial perfecto señor señora bienvenido bienvenidos cuidado venga dios mío"),
    ("fr", "bonjour bonsoir salut merci oui non pardon désolé désolée excusez moi au revoir sûr d'accord allez attends regarde écoute aide quoi qui où quand comment pourquoi voilà parfait exactement monsieur madame bienvenue bonne nuit journée attention mon dieu"),
    ("de", "hallo danke bitte ja nein tschüss entschuldigung guten morgen tag abend gute nacht willkommen genau richtig klar natürlich prima toll achtung vorsicht hilfe warte komm schau hör was wer wo wann wie warum gott mein meine herr frau alles gut ach schön super servus moin los stopp ruhe prost glückwunsch"),
    ("ru", "да нет привет спасибо пожалуйста извините простите конечно хорошо ладно здравствуйте пока стоп помогите смотри слушай давай что кто где когда почему как вот ну боже отлично точно внимание доброе добрый утро день вечер ночи мой"),
    ("pt it", "olá obrigado obrigada sim não desculpa tchau bom boa dia ciao grazie prego scusa buongiorno buonasera arrivederci bene certo aiuto basta allora senhor signore"),
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
    let common = |w: &str| COMMON_WORDS.contains(&w) || SHORT_LINE_WORDS.iter().any(|(_, words)| words.split(' ').any(|c| c == w));
    let capitalised = |w: &String| w.chars().next().is_some_and(char::is_uppercase) && !common(&w.to_lowercase());
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
    fn short_common_lines_of_the_harness_languages_are_not_names() {
        // Echoed, these are echoes: they have a translation.
        for line in [
            "Danke!",
            "Guten Morgen!",
            "Ja.",
            "¡Gracias!",
            "Buenos días.",
            "Merci !",
            "Bonjour !",
            "Да.",
            "Спасибо!",
            "Привет!",
            "Obrigado!",
        ] {
            assert!(is_echo(line, line), "{line}");
        }
        // The harness's names (and their renderings) stay the same.
        for line in ["Haruka!", "Sergej!", "Min-jun!", "Харука!", "Сергей.", "¡Haruka!", "Blue Lantern"] {
            assert!(!is_echo(line, line), "{line}");
        }
    }

    #[test]
    fn items_without_src_are_judged_by_their_place() {
        let asked = lines(&[
            "The train leaves at 9 tonight.",
            "We should arrive around 11 then.",
            "Then we take a taxi to the hotel.",
            "The hotel is next to the old river.",
            "Breakfast is served from seven on.",
        ]);
        let ids = ["1", "2", "3", "4", "5"].map(String::from);
        // A good answer without src: every line kept.
        let good = r#"[{"id":"1","text":"Le train part à 9 h ce soir."},{"id":"2","text":"Nous devrions arriver vers 11 h."},
            {"id":"3","text":"Ensuite nous prenons un taxi pour l'hôtel."},{"id":"4","text":"L'hôtel est à côté du vieux fleuve."},
            {"id":"5","text":"Le petit-déjeuner est servi dès sept heures."}]"#;
        let v = verify(&check(parse_answer(good), &ids), &asked);
        assert_eq!(kept(&v), [true; 5]);
        assert!(v.iter().all(|v| v.src_matched.is_none()), "reported as unchecked");
        // Shifted from line 1 on: line 2's number is in item 1, not in item 2.
        let shifted = r#"[{"id":"1","text":"Nous devrions arriver vers 11 h."},{"id":"2","text":"Ensuite nous prenons un taxi pour l'hôtel."},
            {"id":"3","text":"L'hôtel est à côté du vieux fleuve."},{"id":"4","text":"Le petit-déjeuner est servi dès sept heures."}]"#;
        let v = verify(&check(parse_answer(shifted), &ids), &asked);
        assert_eq!(v[1].refused, Some(Refusal::Misaligned), "line 2's number is in item 1: {v:?}");
        assert_eq!(v[0].refused, Some(Refusal::Misaligned), "item 1 holds line 2's number");
        assert_eq!(v[3].refused, Some(Refusal::Unconfirmed), "the item before the missing id");
        assert!(v[1].text.is_none());
        // Lines 2 and 3 merged into item 2 (twice as long as the others), the rest shifted.
        let merged = r#"[{"id":"1","text":"Le train part à 9 h ce soir."},
            {"id":"2","text":"Nous devrions arriver vers 11 h. Ensuite nous prenons un taxi pour l'hôtel. L'hôtel est à côté du vieux fleuve."},
            {"id":"3","text":"Le petit-déjeuner est servi dès sept heures."},{"id":"4","text":"Bon voyage et à demain matin."},
            {"id":"5","text":"Le petit-déjeuner est servi dès sept heures."}]"#;
        let v = verify(&check(parse_answer(merged), &ids), &asked);
        assert_eq!(v[1].refused, Some(Refusal::Misaligned), "{v:?}");
        // Another line's source copied: not this line's.
        let copied = r#"[{"id":"1","text":"Le train part à 9 h ce soir."},{"id":"2","text":"Then we take a taxi to the hotel."},
            {"id":"3","text":"Ensuite nous prenons un taxi pour l'hôtel."}]"#;
        let v = verify(&check(parse_answer(copied), &ids[..3]), &asked[..3]);
        assert_eq!(kept(&v), [true, false, true]);
        assert_eq!(v[1].refused, Some(Refusal::Misaligned));
        // A made-up id without src after an item: that item may be half its line.
        let split = r#"[{"id":"1","text":"Le train part"},{"id":"9","text":"à 9 h ce soir."},{"id":"2","text":"Nous devrions arriver vers 11 h."}]"#;
        let v = verify(&check(parse_answer(split), &ids[..2]), &asked[..2]);
        assert_eq!((v[0].refused, v[1].refused), (Some(Refusal::Unconfirmed), None));
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
