//! Korean: Revised Romanization (2000) with the sound changes it writes: liaison (the
//! final consonant read with the next vowel: 음악 eumak), palatalization (같이 gachi),
//! aspiration (좋고 joko, 축하 chuka), nasalization (합니다 hamnida, 백마 baengma, 종로
//! Jongno), ㄹ assimilation (신라 silla, 설날 seollal) and the reduction of double final
//! consonants (닭 dak, 읽어 ilgeo). Tensing is not written, as the standard says.
//!
//! Where the standard tells nouns from verbs, the syllables do it here, without a tagger:
//! ㅎ after ㄱ ㄷ ㅂ ㅈ makes an aspirate only in a form of 하다 or a passive/causative 히
//! (축하해요 chukahaeyo, 잡혀 japyeo); in a noun the h is written (입학 iphak, 백화점
//! baekhwajeom). The nouns ending in ㄺ read ㄱ before ㄱ (닭고기 dakgogi; the verb 맑게
//! keeps ㄹ: malge), and ㄴ+ㄹ is read ㄴㄴ where a Sino-Korean suffix follows a word
//! (신문로 sinmunno, 생산량 saengsannyang; 신라 silla at the start).

const INITIALS: [char; 19] =
    ['ㄱ', 'ㄲ', 'ㄴ', 'ㄷ', 'ㄸ', 'ㄹ', 'ㅁ', 'ㅂ', 'ㅃ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅉ', 'ㅊ', 'ㅋ', 'ㅌ', 'ㅍ', 'ㅎ'];
/// Finals as the consonants they are made of (ㄳ = ㄱ + ㅅ).
const FINALS: [&[char]; 28] = [
    &[],
    &['ㄱ'],
    &['ㄲ'],
    &['ㄱ', 'ㅅ'],
    &['ㄴ'],
    &['ㄴ', 'ㅈ'],
    &['ㄴ', 'ㅎ'],
    &['ㄷ'],
    &['ㄹ'],
    &['ㄹ', 'ㄱ'],
    &['ㄹ', 'ㅁ'],
    &['ㄹ', 'ㅂ'],
    &['ㄹ', 'ㅅ'],
    &['ㄹ', 'ㅌ'],
    &['ㄹ', 'ㅍ'],
    &['ㄹ', 'ㅎ'],
    &['ㅁ'],
    &['ㅂ'],
    &['ㅂ', 'ㅅ'],
    &['ㅅ'],
    &['ㅆ'],
    &['ㅇ'],
    &['ㅈ'],
    &['ㅊ'],
    &['ㅋ'],
    &['ㅌ'],
    &['ㅍ'],
    &['ㅎ'],
];
const VOWELS: [&str; 21] =
    ["a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "eu", "ui", "i"];
const VOWEL_I: usize = 20;

/// Syllables that are a form of 하다 or a passive/causative 히 after a stem: ㅎ there
/// aspirates the consonant before it.
const VERB_H: &str = "하한할함합해했히힌힐혀혔";
/// The nouns whose ㄺ is read ㄱ even before ㄱ (verb stems keep ㄹ there: 맑게 malge).
const NOUNS_RK: &str = "닭흙칡삵";
/// Sino-Korean suffixes after which a word's final ㄴ does not turn ㄹ into ㄹㄹ but is
/// read ㄴㄴ (의견란, 생산량, 결단력, 신문로, 이원론, 입원료, 구근류, 상견례).
const SUFFIXES_NN: &str = "란량력로론료류례";

struct Syllable {
    ch: char,
    initial: char,
    vowel: usize,
    finals: Vec<char>,
}

fn syllable(c: char) -> Option<Syllable> {
    let n = (c as u32).checked_sub(0xAC00).filter(|n| *n < 11172)? as usize;
    Some(Syllable { ch: c, initial: INITIALS[n / 588], vowel: (n % 588) / 28, finals: FINALS[n % 28].to_vec() })
}

/// A word in Revised Romanization, lower case; what is not Hangul is kept as it is.
pub fn romanize_word(word: &str) -> String {
    let mut out = String::new();
    let mut run: Vec<Syllable> = Vec::new();
    for c in word.chars() {
        match syllable(c) {
            Some(s) => run.push(s),
            None => {
                out.push_str(&romanize_run(std::mem::take(&mut run)));
                out.push(c);
            }
        }
    }
    out.push_str(&romanize_run(run));
    out
}

fn romanize_run(mut run: Vec<Syllable>) -> String {
    for k in 0..run.len() {
        let (left, right) = run.split_at_mut(k + 1);
        let this = &mut left[k];
        match right.first_mut() {
            Some(next) => boundary(this, next, k == 0),
            None => {
                reduce(&mut this.finals, None);
                neutralize(&mut this.finals);
            }
        }
    }
    let mut out = String::new();
    let mut previous_final = None;
    for s in &run {
        out.push_str(match s.initial {
            'ㄹ' if previous_final == Some('ㄹ') => "l",
            c => initial(c),
        });
        out.push_str(VOWELS[s.vowel]);
        previous_final = s.finals.first().copied();
        out.push_str(previous_final.map(final_letters).unwrap_or(""));
    }
    out
}

/// The sound changes between one syllable's final and the next one's initial.
/// `first`: `this` is the run's first syllable.
fn boundary(this: &mut Syllable, next: &mut Syllable, first: bool) {
    if this.finals.is_empty() {
        return;
    }
    if next.initial == 'ㅇ' {
        // liaison: the last final consonant is read with the next vowel; ㅎ falls silent
        if this.finals == ['ㅇ'] {
            return;
        }
        let mut moved = this.finals.pop();
        if moved == Some('ㅎ') {
            moved = this.finals.pop();
        }
        if let Some(c) = moved {
            next.initial = if next.vowel == VOWEL_I { palatalized(c) } else { c };
        }
        return;
    }
    // aspiration: ㅎ with a plain stop on either side
    if this.finals.last() == Some(&'ㅎ') {
        this.finals.pop();
        match next.initial {
            'ㄱ' => next.initial = 'ㅋ',
            'ㄷ' => next.initial = 'ㅌ',
            'ㅈ' => next.initial = 'ㅊ',
            'ㄴ' if this.finals.is_empty() => this.finals.push('ㄴ'),
            _ => {}
        }
    } else if next.initial == 'ㅎ' && VERB_H.contains(next.ch) {
        let aspirated = match this.finals.last() {
            Some('ㄱ' | 'ㄲ') => Some('ㅋ'),
            Some('ㄷ' | 'ㅅ' | 'ㅆ') => Some(if next.vowel == VOWEL_I { 'ㅊ' } else { 'ㅌ' }),
            Some('ㅂ') => Some('ㅍ'),
            Some('ㅈ') => Some('ㅊ'),
            _ => None,
        };
        if let Some(c) = aspirated {
            this.finals.pop();
            next.initial = c;
        }
    }
    if this.finals.len() == 2 && (NOUNS_RK.contains(this.ch) || this.ch == '밟') {
        // 닭고기 dakgogi, 밟다 bapda: the second consonant is the one read
        this.finals.remove(0);
    }
    reduce(&mut this.finals, Some(next.initial));
    neutralize(&mut this.finals);
    let Some(&last) = this.finals.first() else { return };
    if last == 'ㄴ' && next.initial == 'ㄹ' && !first && SUFFIXES_NN.contains(next.ch) {
        next.initial = 'ㄴ';
        return;
    }
    // nasalization and ㄹ assimilation
    if next.initial == 'ㄹ' && matches!(last, 'ㅁ' | 'ㅇ' | 'ㄱ' | 'ㄷ' | 'ㅂ') {
        next.initial = 'ㄴ';
    }
    match (last, next.initial) {
        ('ㄱ', 'ㄴ' | 'ㅁ') => this.finals[0] = 'ㅇ',
        ('ㄷ', 'ㄴ' | 'ㅁ') => this.finals[0] = 'ㄴ',
        ('ㅂ', 'ㄴ' | 'ㅁ') => this.finals[0] = 'ㅁ',
        ('ㄴ', 'ㄹ') => this.finals[0] = 'ㄹ',
        ('ㄹ', 'ㄴ') => next.initial = 'ㄹ',
        _ => {}
    }
}

/// A double final read before a consonant (or at the end) keeps one of its two.
fn reduce(finals: &mut Vec<char>, next_initial: Option<char>) {
    if let [a, b] = finals[..] {
        let kept = match (a, b) {
            ('ㄹ', 'ㄱ') if next_initial == Some('ㄱ') => 'ㄹ',
            ('ㄹ', 'ㄱ' | 'ㅁ' | 'ㅍ') => b,
            ('ㅂ', 'ㅅ') => 'ㅂ',
            _ => a,
        };
        *finals = vec![kept];
    }
}

/// A final consonant is one of seven sounds: ㄱ ㄴ ㄷ ㄹ ㅁ ㅂ ㅇ.
fn neutralize(finals: &mut [char]) {
    if let Some(c) = finals.first_mut() {
        *c = match *c {
            'ㄲ' | 'ㅋ' => 'ㄱ',
            'ㅅ' | 'ㅆ' | 'ㅈ' | 'ㅊ' | 'ㅌ' | 'ㅎ' => 'ㄷ',
            'ㅍ' => 'ㅂ',
            c => c,
        };
    }
}

fn palatalized(c: char) -> char {
    match c {
        'ㄷ' => 'ㅈ',
        'ㅌ' => 'ㅊ',
        c => c,
    }
}

fn initial(c: char) -> &'static str {
    match c {
        'ㄱ' => "g",
        'ㄲ' => "kk",
        'ㄴ' => "n",
        'ㄷ' => "d",
        'ㄸ' => "tt",
        'ㄹ' => "r",
        'ㅁ' => "m",
        'ㅂ' => "b",
        'ㅃ' => "pp",
        'ㅅ' => "s",
        'ㅆ' => "ss",
        'ㅈ' => "j",
        'ㅉ' => "jj",
        'ㅊ' => "ch",
        'ㅋ' => "k",
        'ㅌ' => "t",
        'ㅍ' => "p",
        'ㅎ' => "h",
        _ => "",
    }
}

fn final_letters(c: char) -> &'static str {
    match c {
        'ㄱ' => "k",
        'ㄴ' => "n",
        'ㄷ' => "t",
        'ㄹ' => "l",
        'ㅁ' => "m",
        'ㅂ' => "p",
        'ㅇ' => "ng",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::romanize_word as rr;

    #[test]
    fn the_standards_own_examples() {
        for (hangul, latin) in [
            ("백마", "baengma"),
            ("종로", "jongno"),
            ("왕십리", "wangsimni"),
            ("별내", "byeollae"),
            ("신라", "silla"),
            ("해돋이", "haedoji"),
            ("같이", "gachi"),
            ("굳히다", "guchida"),
            ("좋고", "joko"),
            ("놓다", "nota"),
            ("잡혀", "japyeo"),
            ("낳지", "nachi"),
            ("구미", "gumi"),
            ("한밭", "hanbat"),
            ("울산", "ulsan"),
            ("닭", "dak"),
            ("읽어", "ilgeo"),
            ("않아", "ana"),
            ("합니다", "hamnida"),
            ("감사합니다", "gamsahamnida"),
            ("한국어", "hangugeo"),
            ("묵호", "mukho"),
            ("집현전", "jiphyeonjeon"),
            ("입학", "iphak"),
            ("닭고기", "dakgogi"),
            ("맑게", "malge"),
            ("밟지", "bapji"),
            ("신문로", "sinmunno"),
            ("생산량", "saengsannyang"),
            ("대관령", "daegwallyeong"),
            ("난로", "nallo"),
        ] {
            assert_eq!(rr(hangul), latin, "{hangul}");
        }
    }
}
