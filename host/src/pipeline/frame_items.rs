//! Reading a frame answer as it streams: the items of `{"items":[{original, translation,
//! box}, …]}` (or a bare array of them), each handed on as soon as its object closes, or
//! — when the model ignored the format and wrote prose — the text as it comes.

use glossa_protocol::FrameItem;

/// What the reader makes of the answer so far.
#[derive(Debug, Clone, PartialEq)]
pub enum FramePiece {
    /// One piece of text read on the picture, whole.
    Item(FrameItem),
    /// Answer text from a model that did not answer in JSON, passed on as it streams.
    Text(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Only blanks (or a code fence) so far: JSON or prose is not known yet.
    Undecided,
    Json,
    Text,
}

/// An incremental reader of one answer. Feed it every delta with [`push`](Self::push),
/// then call [`finish`](Self::finish) once.
#[derive(Debug)]
pub struct ItemReader {
    mode: Mode,
    /// The answer's text so far (JSON mode and undecided only).
    text: String,
    /// How far `text` has been scanned.
    scanned: usize,
    /// Open `{`/`[` (as bytes), outermost first.
    open: Vec<u8>,
    in_string: bool,
    escaped: bool,
    /// Index in `open` of the array that holds the items, once it opened.
    items_level: Option<usize>,
    /// Where the item being read starts in `text`.
    item_start: Option<usize>,
    items: usize,
}

impl Default for ItemReader {
    fn default() -> Self {
        ItemReader {
            mode: Mode::Undecided,
            text: String::new(),
            scanned: 0,
            open: Vec::new(),
            in_string: false,
            escaped: false,
            items_level: None,
            item_start: None,
            items: 0,
        }
    }
}

impl ItemReader {
    /// Read the next piece of the answer; returns what it completes.
    pub fn push(&mut self, delta: &str) -> Vec<FramePiece> {
        match self.mode {
            Mode::Text => return vec![FramePiece::Text(delta.to_owned())],
            Mode::Json => self.text.push_str(delta),
            Mode::Undecided => {
                self.text.push_str(delta);
                match json_start(&self.text) {
                    None => return Vec::new(),
                    Some(Some(start)) => {
                        self.mode = Mode::Json;
                        self.scanned = start;
                    }
                    Some(None) => {
                        self.mode = Mode::Text;
                        return vec![FramePiece::Text(std::mem::take(&mut self.text))];
                    }
                }
            }
        }
        self.scan()
    }

    /// The answer ended: whatever is left. A JSON answer that gave no item at all and is
    /// not an empty list (a single object, or JSON cut short) is shown as text rather than lost.
    pub fn finish(&mut self) -> Vec<FramePiece> {
        match self.mode {
            Mode::Text => Vec::new(),
            Mode::Undecided if self.text.trim().is_empty() => Vec::new(),
            Mode::Undecided => vec![FramePiece::Text(std::mem::take(&mut self.text))],
            Mode::Json => {
                // The answer's token budget ran out inside an item: what it holds so far.
                if let Some(item) = self.cut_off_item() {
                    self.items += 1;
                    return vec![FramePiece::Item(item)];
                }
                if self.items > 0 {
                    return Vec::new();
                }
                let body = strip_fence(&self.text);
                if let Ok(value) = serde_json::from_str::<serde_json::Value>(body) {
                    let list = value.get("items").unwrap_or(&value);
                    if list.as_array().is_some_and(Vec::is_empty) {
                        return Vec::new();
                    }
                    if let Some(item) = item_of(&value) {
                        self.items += 1;
                        return vec![FramePiece::Item(item)];
                    }
                } else if self.items_level.is_some() {
                    // A list of items cut off where nothing can be read: never shown as raw JSON.
                    return Vec::new();
                }
                vec![FramePiece::Text(std::mem::take(&mut self.text))]
            }
        }
    }

    /// The item the answer stopped inside, closed where it stopped: its string ended, a key
    /// left without a value given none, its brackets closed. `None` when the answer is
    /// not inside an item, or what it holds there has no text.
    fn cut_off_item(&self) -> Option<FrameItem> {
        let start = self.item_start?;
        let item_level = self.items_level? + 1;
        let mut partial = self.text[start..].to_owned();
        if self.in_string {
            if self.escaped {
                partial.pop(); // a lone backslash would escape the closing quote
            }
            partial.push('"');
        }
        let partial = partial.trim_end().trim_end_matches(',');
        let closers: String = self.open.get(item_level..)?.iter().rev().map(|&b| if b == b'{' { '}' } else { ']' }).collect();
        // After a key or a colon the value is missing: try the piece as it is, then with one.
        ["", "null", ":null"].iter().find_map(|value| {
            let value = serde_json::from_str::<serde_json::Value>(&format!("{partial}{value}{closers}")).ok()?;
            item_of(&value)
        })
    }

    fn scan(&mut self) -> Vec<FramePiece> {
        let mut found = Vec::new();
        let bytes = self.text.as_bytes();
        let mut i = self.scanned;
        while i < bytes.len() {
            let b = bytes[i];
            if self.in_string {
                match (self.escaped, b) {
                    (true, _) => self.escaped = false,
                    (false, b'\\') => self.escaped = true,
                    (false, b'"') => self.in_string = false,
                    _ => {}
                }
            } else {
                match b {
                    b'"' => self.in_string = true,
                    b'[' | b'{' => {
                        // The items' array: the outermost one, or the first inside the
                        // top-level object (`{"items":[…]}`).
                        if b == b'[' && self.items_level.is_none() && self.open.len() <= 1 {
                            self.items_level = Some(self.open.len());
                        } else if b == b'{' && self.items_level.is_some_and(|l| l + 1 == self.open.len()) {
                            self.item_start = Some(i);
                        }
                        self.open.push(b);
                    }
                    b']' | b'}' => {
                        self.open.pop();
                        if b == b'}' && self.items_level.is_some_and(|l| l + 1 == self.open.len()) {
                            if let Some(start) = self.item_start.take() {
                                let item = serde_json::from_str::<serde_json::Value>(&self.text[start..=i]).ok().and_then(|v| item_of(&v));
                                if let Some(item) = item {
                                    self.items += 1;
                                    found.push(FramePiece::Item(item));
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            i += 1;
        }
        self.scanned = i;
        found
    }
}

/// Where the JSON starts: `None` while only blanks or a code fence's opening were seen,
/// `Some(None)` when the answer is prose.
fn json_start(text: &str) -> Option<Option<usize>> {
    let trimmed = text.trim_start();
    let offset = text.len() - trimmed.len();
    if trimmed.is_empty() {
        return None;
    }
    if let Some(fenced) = trimmed.strip_prefix("```") {
        // ```json\n{…: the JSON starts after the fence's line.
        let line_end = fenced.find('\n')?;
        let after = &fenced[line_end + 1..];
        let rest = after.trim_start();
        if rest.is_empty() {
            return None;
        }
        let start = offset + 3 + line_end + 1 + (after.len() - rest.len());
        return Some(rest.starts_with(['{', '[']).then_some(start));
    }
    if "```".starts_with(trimmed) {
        return None;
    }
    Some(trimmed.starts_with(['{', '[']).then_some(offset))
}

fn strip_fence(text: &str) -> &str {
    let t = text.trim();
    match t.strip_prefix("```") {
        Some(rest) => {
            let body = rest.split_once('\n').map_or("", |(_, b)| b);
            body.trim_end().strip_suffix("```").unwrap_or(body)
        }
        None => t,
    }
}

/// An item as the model wrote it; `None` when it holds no text.
fn item_of(value: &serde_json::Value) -> Option<FrameItem> {
    let text = |key: &str| value.get(key).and_then(|v| v.as_str()).map(str::trim).unwrap_or("").to_owned();
    let original = text("original");
    let translation = text("translation");
    if original.is_empty() && translation.is_empty() {
        return None;
    }
    Some(FrameItem { original, translation, region: value.get("box").and_then(region_of) })
}

/// `[x, y, w, h]` in fractions of the picture, kept inside it; anything else (pixels, a
/// corner pair past the edge, an empty area) is no region: the item still shows in the list.
fn region_of(value: &serde_json::Value) -> Option<[f64; 4]> {
    let numbers: Vec<f64> = value.as_array()?.iter().filter_map(serde_json::Value::as_f64).collect();
    let [x, y, w, h] = <[f64; 4]>::try_from(numbers).ok()?;
    const SLACK: f64 = 0.02;
    let inside = |v: f64| v.is_finite() && (-SLACK..=1.0 + SLACK).contains(&v);
    if ![x, y, w, h].into_iter().all(inside) || x + w > 1.0 + SLACK || y + h > 1.0 + SLACK {
        return None;
    }
    let (x, y) = (x.clamp(0.0, 1.0), y.clamp(0.0, 1.0));
    let (w, h) = (w.min(1.0 - x), h.min(1.0 - y));
    (w > 0.0 && h > 0.0).then_some([x, y, w, h])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read(pieces: &[&str]) -> Vec<Vec<FramePiece>> {
        let mut reader = ItemReader::default();
        let mut out: Vec<_> = pieces.iter().map(|p| reader.push(p)).collect();
        out.push(reader.finish());
        out
    }

    fn item(original: &str, translation: &str, region: Option<[f64; 4]>) -> FramePiece {
        FramePiece::Item(FrameItem { original: original.into(), translation: translation.into(), region })
    }

    #[test]
    fn an_answer_cut_off_inside_an_item_shows_what_the_item_holds_never_raw_json() {
        // The answer's token budget ran out in the second item's translation.
        let out = read(&["{\"items\": [{\"original\": \"Exit\", \"translation\": \"出口\"}, {\"box\": [62], \"original\": \"Platform 3\", \"translation\"\n:\n\"3番"]);
        assert_eq!(out, vec![vec![item("Exit", "出口", None)], vec![item("Platform 3", "3番", None)]]);
        // Cut after a key, after a colon, after an escape, or inside the first item.
        for cut in [
            "{\"items\": [{\"original\": \"Platform 3\", \"transl",
            "{\"items\": [{\"original\": \"Platform 3\", \"translation\": ",
            "{\"items\": [{\"original\": \"Platform 3\",",
        ] {
            assert_eq!(read(&[cut]), vec![vec![], vec![item("Platform 3", "", None)]], "{cut}");
        }
        assert_eq!(read(&["[{\"original\": \"Platform 3\\"]), vec![vec![], vec![item("Platform 3", "", None)]]);
        // Cut where nothing of an item can be read: nothing shown, not the JSON.
        assert_eq!(read(&["{\"items\": [{\"box\": [0.1, 0."]), vec![vec![], vec![]]);
        assert_eq!(read(&["{\"items\": [{\"orig"]), vec![vec![], vec![]]);
    }

    #[test]
    fn each_item_arrives_when_its_object_closes() {
        let out = read(&[
            " {\"items\": [{\"original\": \"Open 9am\", \"trans",
            "lation\": \"午前9時開店\", \"box\": [0.1, 0.2, 0.5, 0.1]}",
            ", {\"original\": \"Exit {B}\", \"translation\": \"出口\\\"B\\\"]\", \"box\": null}",
            "]}",
        ]);
        assert_eq!(out[0], vec![]);
        assert_eq!(out[1], vec![item("Open 9am", "午前9時開店", Some([0.1, 0.2, 0.5, 0.1]))]);
        assert_eq!(out[2], vec![item("Exit {B}", "出口\"B\"]", None)]);
        assert_eq!(out[3], vec![]);
        assert_eq!(out[4], vec![]);
    }

    #[test]
    fn a_bare_array_and_a_code_fence_are_items_too() {
        let flat = |out: Vec<Vec<FramePiece>>| out.into_iter().flatten().collect::<Vec<_>>();
        assert_eq!(flat(read(&["[{\"original\":\"a\",\"translation\":\"b\",\"box\":null}]"])), vec![item("a", "b", None)]);
        assert_eq!(
            flat(read(&["``", "`json\n", "{\"items\":[{\"original\":\"a\",\"translation\":\"b\"}]}\n```"])),
            vec![item("a", "b", None)]
        );
        assert_eq!(flat(read(&["{\"items\": []}"])), vec![], "nothing to read is nothing shown");
        assert_eq!(flat(read(&["{\"original\":\"a\",\"translation\":\"b\"}"])), vec![item("a", "b", None)], "one object alone");
    }

    #[test]
    fn prose_streams_as_text() {
        let out = read(&["\n", "Open ", "9am\n午前9時"]);
        assert_eq!(out, vec![vec![], vec![FramePiece::Text("\nOpen ".into())], vec![FramePiece::Text("9am\n午前9時".into())], vec![]]);
    }

    #[test]
    fn broken_json_without_items_is_shown_as_text_at_the_end() {
        let out = read(&["{\"trans", "lation\": \"x"]);
        assert_eq!(out.concat(), vec![FramePiece::Text("{\"translation\": \"x".into())]);
    }

    #[test]
    fn regions_outside_the_picture_are_dropped_not_the_items() {
        let region = |v: serde_json::Value| region_of(&v);
        assert_eq!(region(serde_json::json!([0.1, 0.2, 0.3, 0.4])), Some([0.1, 0.2, 0.3, 0.4]));
        assert_eq!(region(serde_json::json!([120, 40, 300, 50])), None, "pixels");
        assert_eq!(region(serde_json::json!([0.5, 0.5, 0.0, 0.1])), None, "empty");
        assert_eq!(region(serde_json::json!([0.1, 0.2, 0.3])), None);
        assert_eq!(region(serde_json::json!("0.1,0.2")), None);
        let edge = region(serde_json::json!([0.9, -0.01, 0.11, 0.2])).unwrap();
        assert!((edge[0] + edge[2] - 1.0).abs() < 1e-9 && edge[1] == 0.0, "{edge:?}");
    }

    proptest! {
        #[test]
        fn any_split_gives_the_same_items(cut in 0usize..120) {
            let answer = "{\"items\":[{\"original\":\"Ä [x]\",\"translation\":\"é {y}\",\"box\":[0,0,1,1]},{\"original\":\"b\",\"translation\":\"c\",\"box\":null}]}";
            let cut = (0..=cut.min(answer.len())).rev().find(|&c| answer.is_char_boundary(c)).unwrap_or(0);
            let split: Vec<_> = read(&[&answer[..cut], &answer[cut..]]).into_iter().flatten().collect();
            prop_assert_eq!(split, vec![item("Ä [x]", "é {y}", Some([0.0, 0.0, 1.0, 1.0])), item("b", "c", None)]);
        }

        #[test]
        fn never_panics(text in "\\PC{0,60}", cut in 0usize..60) {
            let cut = (0..=cut.min(text.len())).rev().find(|&c| text.is_char_boundary(c)).unwrap_or(0);
            let _ = read(&[&text[..cut], &text[cut..]]);
        }
    }
}
