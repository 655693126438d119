//! Russian and Ukrainian in Latin letters. Russian: BGN/PCGN without its diacritics
//! (ye where е starts a syllable, ' for ь, " for ъ); Ukrainian: the official national
//! system of 2010 (word-initial є ї й ю я as ye yi y yu ya, inside a word ie i i iu ia;
//! зг as zgh; ь and the apostrophe left out).

use super::greek::with_case;

pub fn russian(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    with_case(&chars, |i, c| {
        let after_vowel = i == 0 || lower(chars[i - 1]).is_some_and(|p| "аеёиоуыэюяъь".contains(p));
        let latin = match c {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' => "g",
            'д' => "d",
            'е' if after_vowel => "ye",
            'е' => "e",
            'ё' => "yo",
            'ж' => "zh",
            'з' => "z",
            'и' => "i",
            'й' => "y",
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ъ' => "\"",
            'ы' => "y",
            'ь' => "'",
            'э' => "e",
            'ю' => "yu",
            'я' => "ya",
            _ => return None,
        };
        Some((latin.to_owned(), 1))
    })
}

pub fn ukrainian(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    with_case(&chars, |i, c| {
        let first = i == 0;
        let after_z = i > 0 && lower(chars[i - 1]) == Some('з');
        let latin = match c {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' if after_z => "gh",
            'г' => "h",
            'ґ' => "g",
            'д' => "d",
            'е' => "e",
            'є' if first => "ye",
            'є' => "ie",
            'ж' => "zh",
            'з' => "z",
            'и' => "y",
            'і' => "i",
            'ї' if first => "yi",
            'ї' => "i",
            'й' if first => "y",
            'й' => "i",
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ь' | '\'' | '’' | 'ʼ' => "",
            'ю' if first => "yu",
            'ю' => "iu",
            'я' if first => "ya",
            'я' => "ia",
            _ => return None,
        };
        Some((latin.to_owned(), 1))
    })
}

fn lower(c: char) -> Option<char> {
    c.to_lowercase().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_words() {
        assert_eq!(russian("Щука"), "Shchuka");
        assert_eq!(russian("ещё"), "yeshchyo");
        assert_eq!(russian("съезд"), "s\"yezd");
        assert_eq!(russian("МОСКВА"), "MOSKVA");
        assert_eq!(russian("Ельцин"), "Yel'tsin");
    }

    #[test]
    fn ukrainian_words_follow_the_official_table() {
        assert_eq!(ukrainian("Згорани"), "Zghorany");
        assert_eq!(ukrainian("Юрій"), "Yurii");
        assert_eq!(ukrainian("Знам’янка"), "Znamianka");
        assert_eq!(ukrainian("Їжакевич"), "Yizhakevych");
        assert_eq!(ukrainian("Київ"), "Kyiv");
    }
}
