//! Reading the model's answer: `{"lines": [{id, src, text}], "terms": [...]}` as the
//! schema asks, or a bare array of `{id, text}` (many servers ignore schemas), wherever it
//! is in the reply (code fences, prose around it, raw newlines inside strings, a truncated
//! tail), then checking it against the ids that were asked for. Anything doubtful counts
//! as missing and is asked for again; nothing is ever assigned to a line it was not given
//! for. Each item is then checked against its own line in `check`.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

/// One `{id, src, text}` the model wrote (`src`: the first words of the line it
/// translates, when the model gave them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerItem {
    pub id: String,
    pub src: Option<String>,
    pub text: String,
}

/// A name or term the model says it rendered a certain way (the answer's `"terms"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub source: String,
    pub target: String,
}

/// How many `[` / `{` positions are tried before giving up (bounds work on hostile input).
const MAX_CANDIDATES: usize = 64;

/// Replies are bounded by `max_tokens` (a few tens of KiB); anything past this is noise
/// and would only make the search below slower.
const MAX_REPLY_BYTES: usize = 256 * 1024;

/// Every `{id, text}` that can be read from `reply`, in order.
pub fn parse_answer(reply: &str) -> Vec<AnswerItem> {
    let mut end = reply.len().min(MAX_REPLY_BYTES);
    while !reply.is_char_boundary(end) {
        end -= 1;
    }
    let reply = escape_controls_in_strings(&reply[..end]);
    // The whole array, when there is one.
    for (tried, (pos, _)) in reply.match_indices('[').enumerate() {
        if tried >= MAX_CANDIDATES {
            break;
        }
        if let Some(Ok(Value::Array(values))) = serde_json::Deserializer::from_str(&reply[pos..]).into_iter::<Value>().next() {
            let items: Vec<AnswerItem> = values.iter().filter_map(item).collect();
            if !items.is_empty() {
                return items;
            }
        }
    }
    // Otherwise every object that parses on its own: a truncated array, missing commas,
    // one object per line, or a wrapper like {"translations": [...]}.
    let mut items = Vec::new();
    let mut from = 0;
    let mut tried = 0;
    while let Some(offset) = reply[from..].find('{') {
        tried += 1;
        if tried > MAX_CANDIDATES * 16 {
            break;
        }
        let pos = from + offset;
        let mut stream = serde_json::Deserializer::from_str(&reply[pos..]).into_iter::<Value>();
        match stream.next() {
            Some(Ok(value)) => {
                collect_items(&value, &mut items);
                from = pos + stream.byte_offset().max(1);
            }
            _ => from = pos + 1,
        }
    }
    items
}

fn collect_items(value: &Value, items: &mut Vec<AnswerItem>) {
    if let Some(it) = item(value) {
        items.push(it);
        return;
    }
    if let Value::Object(map) = value {
        for v in map.values() {
            if let Value::Array(values) = v {
                items.extend(values.iter().filter_map(item));
            }
        }
        // {"1": "…", "2": "…"}
        if items.is_empty() && !map.is_empty() && map.values().all(Value::is_string) {
            items.extend(map.iter().map(|(k, v)| AnswerItem { id: k.clone(), src: None, text: v.as_str().unwrap_or_default().to_owned() }));
        }
    }
}

fn item(value: &Value) -> Option<AnswerItem> {
    let obj = value.as_object()?;
    let id = match obj.get("id")? {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let text = ["text", "translation", "t"].iter().find_map(|k| obj.get(*k)?.as_str())?;
    let src = obj.get("src").and_then(Value::as_str).map(str::to_owned);
    Some(AnswerItem { id, src, text: text.to_owned() })
}

/// The `"terms"` of an answer object, wherever it is in the reply: `{source, target}`
/// pairs, both non-empty. A reply without them (or cut before them) has none.
pub fn parse_terms(reply: &str) -> Vec<Term> {
    let Some(at) = reply.find("\"terms\"") else { return Vec::new() };
    let Some(open) = reply[at..].find('[').map(|o| at + o) else { return Vec::new() };
    let Some(Ok(Value::Array(values))) = serde_json::Deserializer::from_str(&reply[open..]).into_iter::<Value>().next() else {
        return Vec::new();
    };
    values
        .iter()
        .filter_map(|v| {
            let (source, target) = (v.get("source")?.as_str()?.trim(), v.get("target")?.as_str()?.trim());
            (!source.is_empty() && !target.is_empty()).then(|| Term { source: source.to_owned(), target: target.to_owned() })
        })
        .collect()
}

/// Items read from a reply while it streams in: each `{…}` object, as soon as it closes,
/// that is an item. Scanning starts at the first `{` or `[` (quotes in prose before the
/// JSON would confuse it) and keeps track of strings, so braces inside text do not count.
/// What it misses (JSON it cannot follow) the whole reply's [`parse_answer`] still reads.
#[derive(Debug, Default)]
pub struct ItemReader {
    reply: String,
    scanned: usize,
    started: bool,
    in_string: bool,
    escaped: bool,
    /// Where each object still open begins.
    opens: Vec<usize>,
}

impl ItemReader {
    /// The next piece of the reply; the items it completed.
    pub fn push(&mut self, piece: &str) -> Vec<AnswerItem> {
        self.reply.push_str(piece);
        let mut items = Vec::new();
        // Byte by byte: every byte looked at is ASCII, which never occurs inside a UTF-8
        // sequence, so each slice below is on character boundaries.
        let end = self.reply.len().min(MAX_REPLY_BYTES);
        while self.scanned < end {
            let at = self.scanned;
            let byte = self.reply.as_bytes()[at];
            self.scanned += 1;
            if !self.started {
                self.started = byte == b'{' || byte == b'[';
                if !self.started {
                    continue;
                }
            }
            if self.in_string {
                match byte {
                    _ if self.escaped => self.escaped = false,
                    b'\\' => self.escaped = true,
                    b'"' => self.in_string = false,
                    _ => {}
                }
                continue;
            }
            match byte {
                b'"' => self.in_string = true,
                b'{' => self.opens.push(at),
                b'}' => {
                    if let Some(open) = self.opens.pop() {
                        let object = escape_controls_in_strings(&self.reply[open..=at]);
                        if let Ok(value) = serde_json::from_str::<Value>(&object) {
                            items.extend(item(&value));
                        }
                    }
                }
                _ => {}
            }
        }
        items
    }
}

/// Models often put raw newlines or tabs inside JSON strings; JSON forbids them.
fn escape_controls_in_strings(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in s.chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            } else if c == '\n' {
                out.push_str("\\n");
                continue;
            } else if c == '\r' {
                continue;
            } else if c == '\t' {
                out.push_str("\\t");
                continue;
            } else if (c as u32) < 0x20 {
                continue;
            }
        } else if c == '"' {
            in_string = true;
        }
        out.push(c);
    }
    out
}

/// The answer checked against the ids asked for.
#[derive(Debug, Default, PartialEq)]
pub struct Checked {
    /// id → translation, for ids asked for that were answered once, non-empty.
    pub translated: BTreeMap<String, String>,
    /// id → the `src` its item gave, for translated ids whose item had one.
    pub sources: BTreeMap<String, String>,
    /// Asked for but not usable: absent, empty, or answered twice differently.
    pub missing: Vec<String>,
    /// Ids the model made up.
    pub invented: usize,
    /// For each made-up item with a `src` right after an item asked for: (that item's id,
    /// the made-up item's `src`). When the `src` is its line's too, the made-up item may
    /// hold the rest of that line (a split).
    pub invented_after: Vec<(String, String)>,
    /// Items asked for that a made-up item without `src` follows: with nothing to compare,
    /// the count alone says a line may have been split there.
    pub invented_after_unsourced: Vec<String>,
}

/// Keep what was asked for, once; report the rest.
pub fn check(items: Vec<AnswerItem>, expected: &[String]) -> Checked {
    let wanted: HashSet<&str> = expected.iter().map(String::as_str).collect();
    let mut translated: BTreeMap<String, String> = BTreeMap::new();
    let mut sources: BTreeMap<String, String> = BTreeMap::new();
    let mut conflicting: HashSet<String> = HashSet::new();
    let mut invented = 0;
    let mut invented_after = Vec::new();
    let mut invented_after_unsourced = Vec::new();
    let mut previous_wanted: Option<String> = None;
    for AnswerItem { id, src, text } in items {
        if !wanted.contains(id.as_str()) {
            invented += 1;
            match (previous_wanted.take(), src) {
                (Some(previous), Some(src)) => invented_after.push((previous, src)),
                (Some(previous), None) => invented_after_unsourced.push(previous),
                (None, _) => {}
            }
            continue;
        }
        previous_wanted = Some(id.clone());
        let text = text.trim().to_owned();
        match translated.get(&id) {
            Some(previous) if *previous != text => {
                conflicting.insert(id);
            }
            Some(_) => {}
            None => {
                if let Some(src) = src {
                    sources.insert(id.clone(), src);
                }
                translated.insert(id, text);
            }
        }
    }
    translated.retain(|id, text| !text.is_empty() && !conflicting.contains(id));
    sources.retain(|id, _| translated.contains_key(id));
    let missing = expected.iter().filter(|id| !translated.contains_key(*id)).cloned().collect();
    Checked { translated, sources, missing, invented, invented_after, invented_after_unsourced }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (1..=n).map(|i| i.to_string()).collect()
    }

    fn texts(c: &Checked) -> Vec<(&str, &str)> {
        c.translated.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    #[test]
    fn plain_fenced_and_wordy_answers() {
        let plain = r#"[{"id":"1","text":"Hallo"},{"id":"2","text":"Welt"}]"#;
        let fenced = format!("Sure! Here is the translation:\n```json\n{plain}\n```\nHope this helps [1].");
        for reply in [plain.to_owned(), fenced] {
            let c = check(parse_answer(&reply), &ids(2));
            assert_eq!(texts(&c), [("1", "Hallo"), ("2", "Welt")], "{reply}");
            assert!(c.missing.is_empty());
        }
    }

    #[test]
    fn numbers_as_ids_raw_newlines_and_other_keys() {
        let reply = "[{\"id\": 1, \"translation\": \"zwei\nZeilen\"}, {\"id\": \"2\", \"text\": \"b\"}]";
        let c = check(parse_answer(reply), &ids(2));
        assert_eq!(texts(&c), [("1", "zwei\nZeilen"), ("2", "b")]);
    }

    #[test]
    fn reordered_invented_duplicate_and_empty_ids() {
        let reply = r#"[{"id":"3","text":"c"},{"id":"1","text":"a"},{"id":"9","text":"made up"},
            {"id":"2","text":"b"},{"id":"2","text":"B!"},{"id":"4","text":"  "},{"id":"1","text":"a"}]"#;
        let c = check(parse_answer(reply), &ids(5));
        assert_eq!(texts(&c), [("1", "a"), ("3", "c")]);
        assert_eq!(c.missing, ["2", "4", "5"]);
        assert_eq!(c.invented, 1);
        assert!(c.invented_after.is_empty(), "a made-up item without src says nothing");
        let split = r#"[{"id":"1","src":"a","text":"a"},{"id":"7","src":"a","text":"b"},{"id":"2","src":"b","text":"b"}]"#;
        assert_eq!(check(parse_answer(split), &ids(2)).invented_after, [("1".to_owned(), "a".to_owned())]);
    }

    #[test]
    fn truncated_and_malformed_arrays_keep_whole_objects() {
        let truncated = r#"[{"id":"1","text":"a"},{"id":"2","text":"b"},{"id":"3","te"#;
        let c = check(parse_answer(truncated), &ids(3));
        assert_eq!(texts(&c), [("1", "a"), ("2", "b")]);
        assert_eq!(c.missing, ["3"]);
        let no_commas = "{\"id\":\"1\",\"text\":\"a\"}\n{\"id\":\"2\",\"text\":\"b\"}";
        assert_eq!(check(parse_answer(no_commas), &ids(2)).missing.len(), 0);
        let wrapped = r#"{"translations":[{"id":"1","text":"a"}]}"#;
        assert_eq!(texts(&check(parse_answer(wrapped), &ids(1))), [("1", "a")]);
        let map = r#"{"1":"a","2":"b"}"#;
        assert_eq!(texts(&check(parse_answer(map), &ids(2))), [("1", "a"), ("2", "b")]);
    }

    #[test]
    fn the_schemas_object_with_src_and_terms() {
        let reply = r#"{"lines":[{"id":"1","src":"Hello Takeshi","text":"こんにちは、タケシ"}],
            "terms":[{"source":"Takeshi","target":"タケシ"},{"source":"","target":"x"}]}"#;
        let c = check(parse_answer(reply), &ids(1));
        assert_eq!(texts(&c), [("1", "こんにちは、タケシ")]);
        assert_eq!(c.sources["1"], "Hello Takeshi");
        assert_eq!(parse_terms(reply), [Term { source: "Takeshi".into(), target: "タケシ".into() }]);
        assert!(parse_terms(r#"{"lines":[], "terms":[{"source":"a""#).is_empty(), "cut off");
    }

    #[test]
    fn items_are_read_as_each_closes_whatever_the_pieces() {
        let reply = "Sure, \"here\":\n```json\n{\"lines\": [{\"id\": \"1\", \"src\": \"Hi {you}\", \"text\": \"Salut \\\"toi\\\" }\"},\n{\"id\":2,\"text\":\"deux\nlignes\"}], \"terms\": [{\"source\": \"a\", \"target\": \"b\"}]}\n```";
        for size in [1, 3, 7, 1000] {
            let mut reader = ItemReader::default();
            let mut seen = Vec::new();
            let chars: Vec<char> = reply.chars().collect();
            for (n, piece) in chars.chunks(size).enumerate() {
                for item in reader.push(&piece.iter().collect::<String>()) {
                    seen.push((n, item));
                }
            }
            let items: Vec<&AnswerItem> = seen.iter().map(|(_, i)| i).collect();
            assert_eq!(items.len(), 2, "pieces of {size}");
            assert_eq!((items[0].id.as_str(), items[0].src.as_deref(), items[0].text.as_str()), ("1", Some("Hi {you}"), "Salut \"toi\" }"));
            assert_eq!((items[1].id.as_str(), items[1].text.as_str()), ("2", "deux\nlignes"));
            if size == 1 {
                // The first item as soon as its object closed, long before the reply ends.
                assert!(seen[0].0 < reply.find("\"id\":2").unwrap(), "{seen:?}");
            }
        }
    }

    #[test]
    fn nonsense_gives_nothing() {
        for reply in ["", "I cannot translate this.", "[[[[", "{{{{", "[1, 2, 3]", "<think>[{\"id\":1}]"] {
            let c = check(parse_answer(reply), &ids(2));
            assert!(c.translated.is_empty(), "{reply}");
            assert_eq!(c.missing, ["1", "2"]);
        }
    }
}
