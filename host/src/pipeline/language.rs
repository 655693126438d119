//! Language codes as the user sets them (`ja`, `zh-CN`) and as prompts should say them:
//! models, small ones especially, follow "into Japanese" better than "into `ja`".

/// "Japanese (ja)" for known codes; the code itself otherwise (it may already be a name).
pub fn describe(code: &str) -> String {
    let lower = code.trim().to_ascii_lowercase().replace('_', "-");
    let name = match lower.as_str() {
        "en" => "English",
        "ja" => "Japanese",
        "zh" | "zh-cn" | "zh-hans" => "Simplified Chinese",
        "zh-tw" | "zh-hk" | "zh-hant" => "Traditional Chinese",
        "ko" => "Korean",
        "fr" => "French",
        "de" => "German",
        "es" => "Spanish",
        "pt" | "pt-br" | "pt-pt" => "Portuguese",
        "it" => "Italian",
        "nl" => "Dutch",
        "ru" => "Russian",
        "uk" => "Ukrainian",
        "pl" => "Polish",
        "tr" => "Turkish",
        "ar" => "Arabic",
        "hi" => "Hindi",
        "id" => "Indonesian",
        "vi" => "Vietnamese",
        "th" => "Thai",
        "sv" => "Swedish",
        _ => return code.trim().to_owned(),
    };
    format!("{name} ({})", code.trim())
}

/// Whether a job from `from` into `to` has nothing to translate: its source language is
/// known and is the target language. Every pipeline asks this once, before any provider.
pub fn nothing_to_translate(from: Option<&str>, to: &str) -> bool {
    from.is_some_and(|from| same_language(from, to))
}

/// Whether text in `a` is already text in `b`: the same language written the same way.
/// A region that only changes spelling is folded (`en`, `en-US` and `en_GB` are one
/// language here), a script is not (`zh-Hans` vs `zh-Hant`, `sr-Cyrl` vs `sr-Latn`), nor a
/// region that implies one (`zh-CN` vs `zh-TW`). Unsure means different: translating a
/// track costs calls, passing it through in the wrong script is wrong.
pub fn same_language(a: &str, b: &str) -> bool {
    match (Tag::parse(a), Tag::parse(b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// A language tag reduced to what decides the writing: the language and its script.
#[derive(Debug, PartialEq, Eq)]
struct Tag {
    language: String,
    /// Written, implied by the region, or the language's usual one; `None` when unknown.
    script: Option<String>,
}

impl Tag {
    fn parse(code: &str) -> Option<Tag> {
        let lower = code.trim().to_ascii_lowercase().replace('_', "-");
        let mut subtags = lower.split('-');
        let language = subtags.next().filter(|l| (2..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_lowercase()))?;
        // YouTube still uses the withdrawn ISO 639-1 codes for these.
        let language = match language {
            "iw" => "he",
            "in" => "id",
            "ji" => "yi",
            "jw" => "jv",
            other => other,
        };
        let (mut script, mut region) = (None, None);
        for subtag in subtags {
            match subtag.len() {
                4 if script.is_none() && region.is_none() => script = Some(subtag.to_owned()),
                2 | 3 if region.is_none() => region = Some(subtag),
                _ => {} // variants and extensions do not change the script
            }
        }
        let script = script.or_else(|| implied_script(language, region).map(str::to_owned));
        Some(Tag { language: language.to_owned(), script })
    }
}

/// The script a language is written in when its tag names none: by region where the
/// region decides it, else the language's usual one, for the languages written in more
/// than one script.
fn implied_script(language: &str, region: Option<&str>) -> Option<&'static str> {
    Some(match (language, region) {
        ("zh", Some("tw" | "hk" | "mo")) => "hant",
        ("zh", _) => "hans",
        ("sr", _) => "cyrl",
        ("pa", Some("pk")) => "arab",
        ("pa", _) => "guru",
        ("uz", Some("af")) => "arab",
        ("uz", _) => "latn",
        ("az", Some("ir")) => "arab",
        ("az", _) => "latn",
        ("mn", Some("cn")) => "mong",
        ("mn", _) => "cyrl",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_that_only_changes_spelling_is_the_same_language() {
        for (a, b) in [("en", "en"), ("en", "en-US"), ("en-GB", "en_us"), (" EN ", "en-gb"), ("pt-BR", "pt-PT"), ("es-419", "es")] {
            assert!(same_language(a, b), "{a} vs {b}");
            assert!(same_language(b, a), "{b} vs {a}");
        }
    }

    #[test]
    fn a_script_or_a_region_that_implies_one_is_not_folded() {
        for (a, b) in [
            ("zh-Hans", "zh-Hant"),
            ("zh-CN", "zh-TW"),
            ("zh-CN", "zh-HK"),
            ("zh", "zh-TW"),
            ("zh-Hans", "zh-TW"),
            ("sr-Cyrl", "sr-Latn"),
            ("sr", "sr-Latn"),
            ("pa", "pa-PK"),
            ("en", "ja"),
            ("en", "eng-x"),
        ] {
            assert!(!same_language(a, b), "{a} vs {b}");
            assert!(!same_language(b, a), "{b} vs {a}");
        }
    }

    #[test]
    fn a_region_agrees_with_the_script_it_implies() {
        for (a, b) in
            [("zh-CN", "zh-Hans"), ("zh-TW", "zh-Hant"), ("zh-Hant-HK", "zh-TW"), ("zh", "zh-CN"), ("zh-SG", "zh-Hans-CN"), ("sr", "sr-RS")]
        {
            assert!(same_language(a, b), "{a} vs {b}");
        }
    }

    #[test]
    fn an_unknown_source_is_always_translated() {
        assert!(nothing_to_translate(Some("en-US"), "en"));
        assert!(!nothing_to_translate(None, "en"));
        assert!(!nothing_to_translate(Some("de"), "en"));
    }

    #[test]
    fn youtubes_old_codes_are_their_languages() {
        assert!(same_language("iw", "he"));
        assert!(same_language("in", "id-ID"));
    }

    #[test]
    fn what_is_not_a_language_code_is_never_the_same() {
        for (a, b) in [("", ""), (" ", "en"), ("Japanese", "Japanese"), ("e", "e"), ("en", "")] {
            assert!(!same_language(a, b), "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn names_known_codes_and_keeps_the_rest() {
        assert_eq!(describe("ja"), "Japanese (ja)");
        assert_eq!(describe("zh_CN"), "Simplified Chinese (zh_CN)");
        assert_eq!(describe("Klingon"), "Klingon");
    }
}
