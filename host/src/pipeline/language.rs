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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_known_codes_and_keeps_the_rest() {
        assert_eq!(describe("ja"), "Japanese (ja)");
        assert_eq!(describe("zh_CN"), "Simplified Chinese (zh_CN)");
        assert_eq!(describe("Klingon"), "Klingon");
    }
}
