//! What the model is asked for a batch of caption lines. Changing the wording changes
//! answers, so it bumps [`SUBTITLE_PROMPT_VERSION`], which is part of every cache key.

use serde::Serialize;

pub const SUBTITLE_PROMPT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Line<'a> {
    id: &'a str,
    text: &'a str,
}

/// " from the language with the code `xx`", or nothing when the source is detected.
fn from_clause(from: Option<&str>) -> String {
    from.filter(|f| !f.is_empty()).map(|f| format!(" from the language with the code `{f}`")).unwrap_or_default()
}

/// The lines already shown before a batch, one per line, so the model gets the sentence.
fn context_lines(context: &[&str]) -> String {
    let mut out = String::new();
    if !context.is_empty() {
        out.push_str("Previous lines, for context only (do not translate):\n");
        for c in context {
            out.push_str(&c.replace('\n', " "));
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

pub fn system_prompt(to: &str, from: Option<&str>) -> String {
    let from = from_clause(from);
    format!(
        "You translate video subtitles{from} into the language with the code `{to}`. You get the lines \
         of a subtitle track as a JSON array of objects {{\"id\", \"text\"}}. Translate every line's text, \
         using the lines around it to understand the sentence, but keep each translation on its own line's \
         id: never merge, split, skip or reorder lines. Keep names and numbers. Answer with only a JSON \
         array of objects {{\"id\": \"…\", \"text\": \"…\"}}, one per line, with exactly the ids you were given."
    )
}

/// The last resort for a line the model left out of its JSON answers (weak models often
/// cannot keep to a format): that line alone, answered in plain text, so there is no id
/// to get wrong.
pub fn one_line_system_prompt(to: &str, from: Option<&str>) -> String {
    let from = from_clause(from);
    format!(
        "You translate one line of video subtitles{from} into the language with the code `{to}`. \
         Answer with only the translation of that line: no quotes, no notes, no other lines."
    )
}

pub fn one_line_user_prompt(context: &[&str], line: &str) -> String {
    let mut out = context_lines(context);
    out.push_str("Translate this line:\n");
    out.push_str(line);
    out
}

/// The translation in a plain answer to [`one_line_user_prompt`]: as many of its first
/// lines as the caption line has rows, without wrapping quotes. `None` for an answer that
/// is no translation of one line: empty, an attempt at JSON, or far longer than the line
/// (a model rambling on).
pub fn one_line_answer(reply: &str, line: &str) -> Option<String> {
    let rows = line.lines().count().max(1);
    let quotes: &[char] = &['"', '\'', '`', '“', '”', '«', '»', '「', '」'];
    let mut kept = Vec::with_capacity(rows);
    for row in reply.lines().map(str::trim).filter(|l| !l.is_empty()).take(rows) {
        let json_or_fence = ["[", "{"].contains(&row)
            || ["[{", "{\"", "```"].iter().any(|p| row.starts_with(p))
            || serde_json::from_str::<serde_json::Value>(row).is_ok_and(|v| v.is_array() || v.is_object());
        if json_or_fence {
            return None;
        }
        kept.push(row.trim_matches(quotes).trim());
    }
    let text = kept.join("\n");
    let too_long = text.chars().count() > line.chars().count() * 4 + 40;
    (!text.trim().is_empty() && !too_long).then_some(text)
}

/// The user message: context lines (already shown, not to translate) and the lines to
/// translate with their ids.
pub fn user_prompt(context: &[&str], lines: &[(String, &str)], repair: bool) -> String {
    let mut out = context_lines(context);
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

    #[test]
    fn a_plain_one_line_answer_is_taken_and_junk_is_not() {
        assert_eq!(one_line_answer("  « Bonjour à tous »\n", "Hello everyone").as_deref(), Some("Bonjour à tous"));
        assert_eq!(one_line_answer("\n\"Salut\"\nNote: informal.", "Hi").as_deref(), Some("Salut"));
        assert_eq!(one_line_answer("   \n ", "Hi"), None);
        assert_eq!(one_line_answer(r#"[{"id":"1","text":"Salut"}]"#, "Hi"), None);
        assert_eq!(one_line_answer("[\n  {\"id\": \"1\"", "Hi"), None);
        assert_eq!(one_line_answer("```json\n[]", "Hi"), None);
        assert_eq!(one_line_answer("[fr] Salut", "Hi").as_deref(), Some("[fr] Salut"));
        assert_eq!(one_line_answer(&"bla ".repeat(30), "Hi"), None);
        assert!(one_line_user_prompt(&["Before", "and\nafter."], "two\nrows").ends_with("and after.\n\nTranslate this line:\ntwo\nrows"));
        assert_eq!(one_line_answer("deux\n\n« rangs »\nNote: literal.", "two\nrows").as_deref(), Some("deux\nrangs"));
        assert!(one_line_system_prompt("fr", None).contains("`fr`"));
    }
}
