//! What the model is asked for a batch of caption lines. Changing the wording changes
//! answers, so it bumps [`SUBTITLE_PROMPT_VERSION`], which is part of every cache key.

use serde::Serialize;

pub const SUBTITLE_PROMPT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Line<'a> {
    id: &'a str,
    text: &'a str,
}

pub fn system_prompt(to: &str, from: Option<&str>) -> String {
    let from = from.filter(|f| !f.is_empty()).map(|f| format!(" from the language with the code `{f}`")).unwrap_or_default();
    format!(
        "You translate video subtitles{from} into the language with the code `{to}`. You get the lines \
         of a subtitle track as a JSON array of objects {{\"id\", \"text\"}}. Translate every line's text, \
         using the lines around it to understand the sentence, but keep each translation on its own line's \
         id: never merge, split, skip or reorder lines. Keep names and numbers. Answer with only a JSON \
         array of objects {{\"id\": \"…\", \"text\": \"…\"}}, one per line, with exactly the ids you were given."
    )
}

/// The user message: context lines (already shown, not to translate) and the lines to
/// translate with their ids.
pub fn user_prompt(context: &[&str], lines: &[(String, &str)], repair: bool) -> String {
    let mut out = String::new();
    if !context.is_empty() {
        out.push_str("Previous lines, for context only (do not translate):\n");
        for c in context {
            out.push_str(&c.replace('\n', " "));
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str(if repair {
        "Your previous answer missed these lines. Translate exactly these, and answer with a JSON array of {\"id\", \"text\"}:\n"
    } else {
        "Translate these lines:\n"
    });
    let lines: Vec<Line> = lines.iter().map(|(id, text)| Line { id, text }).collect();
    out.push_str(&serde_json::to_string(&lines).unwrap_or_default());
    out
}

/// The output budget: ~16 tokens of JSON per line plus room for a translation longer
/// than its source (0.8 token per source character covers Japanese from English). A
/// model that rambles stops here; whatever it left out is asked again.
pub fn max_tokens(lines: &[(String, &str)]) -> u32 {
    let chars: usize = lines.iter().map(|(_, t)| t.chars().count()).sum();
    (64 + lines.len() * 16 + chars * 4 / 5).min(8192) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_go_as_json_with_their_ids() {
        let p = user_prompt(&["Earlier \"line\"."], &[("1".into(), "Hi \"you\""), ("2".into(), "Bye")], false);
        assert!(p.contains("Earlier \"line\"."));
        assert!(p.ends_with(r#"[{"id":"1","text":"Hi \"you\""},{"id":"2","text":"Bye"}]"#), "{p}");
        assert!(system_prompt("ja", Some("en")).contains("`ja`"));
    }
}
