//! Greek in Latin letters after ELOT 743 (the Greek state's system, as ISO 843 and the
//! UN use it): αυ/ευ/ηυ as av/ev/iv (af/ef/if before a voiceless consonant), ου ou, μπ and
//! ντ b and d at the start of a word (mp, nt inside), γγ ng, γκ gk, γξ nx, γχ nch; the
//! stressed vowel keeps its accent (á é í ó ý).

pub fn transliterate(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let letters: Vec<(char, bool, bool)> = chars.iter().map(|&c| parts(c)).collect();
    with_case(&chars, |i, _| {
        let (c, accent, _) = letters[i];
        let next = letters.get(i + 1).copied();
        let start = i == 0;
        let voiceless_after = |k: usize| letters.get(k).is_none_or(|(c, ..)| "θκξπσςτφχψ".contains(*c));
        let (latin, taken): (&str, usize) = match (c, next) {
            ('α' | 'ε' | 'η', Some(('υ', _, false))) => {
                let v = if voiceless_after(i + 2) { "f" } else { "v" };
                let vowel = match c {
                    'α' => "a",
                    'ε' => "e",
                    _ => "i",
                };
                let accent = accent || next.is_some_and(|n| n.1);
                return Some((format!("{}{v}", stressed(vowel, accent)), 2));
            }
            ('ο', Some(('υ', next_accent, false))) => return Some((format!("o{}", stressed("u", next_accent || accent)), 2)),
            ('μ', Some(('π', ..))) => (if start { "b" } else { "mp" }, 2),
            ('ν', Some(('τ', ..))) => (if start { "d" } else { "nt" }, 2),
            ('γ', Some(('γ', ..))) => ("ng", 2),
            ('γ', Some(('κ', ..))) => ("gk", 2),
            ('γ', Some(('ξ', ..))) => ("nx", 2),
            ('γ', Some(('χ', ..))) => ("nch", 2),
            _ => (
                match c {
                    'α' => "a",
                    'β' => "v",
                    'γ' => "g",
                    'δ' => "d",
                    'ε' => "e",
                    'ζ' => "z",
                    'η' => "i",
                    'θ' => "th",
                    'ι' => "i",
                    'κ' => "k",
                    'λ' => "l",
                    'μ' => "m",
                    'ν' => "n",
                    'ξ' => "x",
                    'ο' => "o",
                    'π' => "p",
                    'ρ' => "r",
                    'σ' | 'ς' => "s",
                    'τ' => "t",
                    'υ' => "y",
                    'φ' => "f",
                    'χ' => "ch",
                    'ψ' => "ps",
                    'ω' => "o",
                    _ => return None,
                },
                1,
            ),
        };
        Some((stressed(latin, accent), taken))
    })
}

/// A Greek letter as (lower-case base letter, stressed, diaeresis).
fn parts(c: char) -> (char, bool, bool) {
    let lower = c.to_lowercase().next().unwrap_or(c);
    match lower {
        'ά' => ('α', true, false),
        'έ' => ('ε', true, false),
        'ή' => ('η', true, false),
        'ί' => ('ι', true, false),
        'ό' => ('ο', true, false),
        'ύ' => ('υ', true, false),
        'ώ' => ('ω', true, false),
        'ϊ' => ('ι', false, true),
        'ϋ' => ('υ', false, true),
        'ΐ' => ('ι', true, true),
        'ΰ' => ('υ', true, true),
        c => (c, false, false),
    }
}

/// The first vowel of `latin` with an acute accent when the Greek vowel was stressed.
fn stressed(latin: &str, accent: bool) -> String {
    if !accent {
        return latin.to_owned();
    }
    let mut done = false;
    latin
        .chars()
        .map(|c| {
            let marked = match c {
                'a' => 'á',
                'e' => 'é',
                'i' => 'í',
                'o' => 'ó',
                'u' => 'ú',
                'y' => 'ý',
                c => c,
            };
            if done || marked == c {
                c
            } else {
                done = true;
                marked
            }
        })
        .collect()
}

/// Transliterates a word letter by letter (`latin(i, lower-case letter)` gives the Latin
/// for the letters from `i` on and how many it took; `None` keeps the letter as it is)
/// and gives the result the word's case: Capitalized, or ALL CAPS when the word is.
pub fn with_case(chars: &[char], mut latin: impl FnMut(usize, char) -> Option<(String, usize)>) -> String {
    let letters = chars.iter().filter(|c| c.is_alphabetic()).count();
    let all_caps = letters > 1 && chars.iter().filter(|c| c.is_alphabetic()).all(|c| c.is_uppercase());
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let lower = c.to_lowercase().next().unwrap_or(c);
        match latin(i, lower) {
            Some((text, taken)) => {
                if all_caps {
                    out.push_str(&text.to_uppercase());
                } else if c.is_uppercase() {
                    let mut t = text.chars();
                    out.extend(t.next().map(|f| f.to_uppercase().collect::<String>()));
                    out.extend(t);
                } else {
                    out.push_str(&text);
                }
                i += taken.max(1);
            }
            None => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::transliterate as el;

    #[test]
    fn greek_words_after_elot_743() {
        assert_eq!(el("Αθήνα"), "Athína");
        assert_eq!(el("ευχαριστώ"), "efcharistó");
        assert_eq!(el("Ευρώπη"), "Evrópi");
        assert_eq!(el("μπαμπάς"), "bampás");
        assert_eq!(el("ντομάτα"), "domáta");
        assert_eq!(el("άγγελος"), "ángelos");
        assert_eq!(el("ουρανός"), "ouranós");
        assert_eq!(el("Ψυχή"), "Psychí");
    }
}
