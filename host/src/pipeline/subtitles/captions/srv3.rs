//! YouTube's `fmt=srv3` timed text: json3's model in XML.
//!
//! ```text
//! <timedtext format="3"><body>
//!   <p t="1200" d="2800">It was the best of times,</p>          a manual caption
//!   <p t="2399" d="6801" w="1"><s ac="0">hey</s><s t="201"> in</s></p>   ASR words
//!   <p t="4430" d="4770" w="1" a="1">\n</p>                      a line break (no text)
//! </body></timedtext>
//! ```
//!
//! `<p t d a>` is a json3 event (`tStartMs`, `dDurationMs`, `aAppend`) and `<s t>` a seg
//! (`tOffsetMs`), so both formats give the same cues. Read by hand: only `<p>` and `<s>`
//! matter, and errors name the line.

use super::json3::{timed_text_cues, TimedEvent};
use super::{excerpt, CaptionError, CaptionTrack};

pub fn parse_srv3(text: &str) -> Result<CaptionTrack, CaptionError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if !text.contains("<timedtext") {
        let first = text.lines().next().unwrap_or("");
        return Err(CaptionError::new(1, format!("not YouTube srv3 timed text (no `<timedtext>`), found `{}`", excerpt(first))));
    }
    let mut events = Vec::new();
    let mut reader = Reader { text, at: 0 };
    while let Some(tag) = reader.next_tag()? {
        if tag.name != "p" || tag.closing {
            continue;
        }
        let start_ms = tag.number("t")?.unwrap_or(0);
        let duration_ms = tag.number("d")?.unwrap_or(0);
        let appends = tag.attr("a").is_some();
        let mut segs = Vec::new();
        if !tag.self_closing {
            segs = reader.paragraph(&tag)?;
        }
        events.push(TimedEvent { start_ms, duration_ms, appends, segs });
    }
    Ok(timed_text_cues(events))
}

struct Reader<'a> {
    text: &'a str,
    at: usize,
}

struct Tag<'a> {
    name: &'a str,
    attrs: &'a str,
    closing: bool,
    self_closing: bool,
    /// Where the tag starts (its `<`).
    start: usize,
    /// The text before it, to count its line only when an error needs it.
    before: &'a str,
}

impl Tag<'_> {
    fn line(&self) -> usize {
        self.before.matches('\n').count() + 1
    }

    /// An attribute's value, entities decoded.
    fn attr(&self, name: &str) -> Option<String> {
        let mut rest = self.attrs;
        loop {
            rest = rest.trim_start();
            let eq = rest.find('=')?;
            let key = rest[..eq].trim();
            let after = rest[eq + 1..].trim_start();
            let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
            let close = after[1..].find(quote)?;
            if key == name {
                return Some(decode_xml(&after[1..1 + close]));
            }
            rest = &after[close + 2..];
        }
    }

    fn number(&self, name: &str) -> Result<Option<u64>, CaptionError> {
        match self.attr(name) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| CaptionError::new(self.line(), format!("`{name}=\"{v}\"` is not a time in milliseconds"))),
        }
    }
}

impl<'a> Reader<'a> {
    fn line_at(&self, at: usize) -> usize {
        self.text[..at].matches('\n').count() + 1
    }

    /// The next tag after the cursor (comments, declarations and text skipped).
    fn next_tag(&mut self) -> Result<Option<Tag<'a>>, CaptionError> {
        loop {
            let Some(open) = self.text[self.at..].find('<').map(|i| self.at + i) else { return Ok(None) };
            let rest = &self.text[open..];
            let end_marker = if rest.starts_with("<!--") {
                "-->"
            } else if rest.starts_with("<?") {
                "?>"
            } else {
                ">"
            };
            let close = rest
                .find(end_marker)
                .ok_or_else(|| CaptionError::new(self.line_at(open), format!("`{}` is never closed", excerpt(rest))))?;
            self.at = open + close + end_marker.len();
            if end_marker != ">" || rest.starts_with("<!") {
                continue;
            }
            let inside = &rest[1..close];
            let closing = inside.starts_with('/');
            let inside = inside.trim_start_matches('/');
            let self_closing = inside.ends_with('/');
            let inside = inside.trim_end_matches('/');
            let name_end = inside.find(|c: char| c.is_whitespace()).unwrap_or(inside.len());
            return Ok(Some(Tag {
                name: &inside[..name_end],
                attrs: &inside[name_end..],
                closing,
                self_closing,
                start: open,
                before: &self.text[..open],
            }));
        }
    }

    /// The text of a `<p>` up to its `</p>`: text outside `<s>` is a seg without an offset,
    /// each `<s t>` a seg with one; other markup inside (`<br/>` aside) is dropped.
    fn paragraph(&mut self, p: &Tag) -> Result<Vec<(String, Option<u64>)>, CaptionError> {
        let mut segs: Vec<(String, Option<u64>)> = Vec::new();
        let mut current: Option<(String, Option<u64>)> = None;
        loop {
            let text_start = self.at;
            let Some(tag) = self.next_tag()? else {
                return Err(CaptionError::new(p.line(), "a `<p>` is never closed with `</p>`"));
            };
            let piece = decode_xml(&self.text[text_start..tag.start.max(text_start)]);
            match &mut current {
                Some((text, _)) => text.push_str(&piece),
                None if !piece.is_empty() => segs.push((piece, None)),
                None => {}
            }
            match (tag.name, tag.closing) {
                ("p", true) => {
                    segs.extend(current.take());
                    return Ok(segs);
                }
                ("s", false) => {
                    segs.extend(current.take());
                    let offset = tag.number("t")?;
                    if tag.self_closing {
                        continue;
                    }
                    current = Some((String::new(), offset));
                }
                ("s", true) => segs.extend(current.take()),
                ("br", _) => match &mut current {
                    Some((text, _)) => text.push('\n'),
                    None => segs.push(("\n".into(), None)),
                },
                _ => {}
            }
        }
    }
}

/// XML's five entities and numeric character references.
fn decode_xml(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let decoded = after.find(';').filter(|&semi| semi <= 10).and_then(|semi| {
            let name = &after[..semi];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => {
                    let number = name.strip_prefix('#')?;
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => number.parse().ok()?,
                    };
                    char::from_u32(code)
                }
            }?;
            Some((c, semi))
        });
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::super::parse_json3;
    use super::*;

    #[test]
    fn manual_captions_read_like_their_json3() {
        let srv3 = "<?xml version=\"1.0\" encoding=\"utf-8\" ?><timedtext format=\"3\">\n<head><pen id=\"1\"/></head>\n<body>\n\
            <p t=\"1200\" d=\"2800\">It was the best of times,\nit was</p>\n\
            <p t=\"4000\" d=\"3000\">the &lt;worst&gt; of times &amp; caf&#233; &#x1F642;</p>\n\
            <p t=\"7000\" d=\"1000\"></p><p t=\"8000\" d=\"500\"/>\n</body></timedtext>";
        let json3 = r#"{"events":[
            {"tStartMs":1200,"dDurationMs":2800,"segs":[{"utf8":"It was the best of times,\nit was"}]},
            {"tStartMs":4000,"dDurationMs":3000,"segs":[{"utf8":"the <worst> of times & café 🙂"}]},
            {"tStartMs":7000,"dDurationMs":1000}]}"#;
        let t = parse_srv3(srv3).unwrap();
        assert_eq!(t, parse_json3(json3).unwrap());
        assert_eq!(t.cues[1].text, "the <worst> of times & café 🙂");
        assert_eq!((t.cues[1].id.as_str(), t.cues[1].start, t.cues[1].end), ("2", 4.0, 7.0));
    }

    #[test]
    fn asr_words_and_line_breaks_read_like_their_json3() {
        let srv3 = r#"<timedtext format="3"><body><w t="0" id="1" wp="1"/>
<p t="2399" d="6801" w="1"><s ac="0">hey</s><s t="201" ac="0"> in</s></p>
<p t="4430" d="4770" w="1" a="1">
</p>
<p t="4440" d="6239" w="1"><s>you</s><s t="319"> finally</s></p>
</body></timedtext>"#;
        let json3 = r#"{"events":[
            {"tStartMs":0,"dDurationMs":600000,"id":1,"wpWinPosId":1,"wsWinStyleId":1},
            {"tStartMs":2399,"dDurationMs":6801,"wWinId":1,"segs":[{"utf8":"hey","acAsrConf":0},{"utf8":" in","tOffsetMs":201,"acAsrConf":0}]},
            {"tStartMs":4430,"dDurationMs":4770,"wWinId":1,"aAppend":1,"segs":[{"utf8":"\n"}]},
            {"tStartMs":4440,"dDurationMs":6239,"wWinId":1,"segs":[{"utf8":"you"},{"utf8":" finally","tOffsetMs":319}]}]}"#;
        let t = parse_srv3(srv3).unwrap();
        assert!(t.auto_generated);
        assert_eq!(t, parse_json3(json3).unwrap());
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(parse_srv3("{\"events\":[]}").unwrap_err().line, 1);
        let err = parse_srv3("<timedtext><body>\n<p t=\"1\" d=\"2\">ok</p>\n<p t=\"soon\">x</p></body></timedtext>").unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        assert!(err.to_string().contains("soon"), "{err}");
        let err = parse_srv3("<timedtext><body>\n\n<p t=\"1\">never closed").unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        assert_eq!(parse_srv3("<timedtext><body><p t=\"1\"").unwrap_err().line, 1);
    }

    #[test]
    fn stray_ampersands_stay_text() {
        assert_eq!(decode_xml("a & b &bogus; &#xZZ; &amp;"), "a & b &bogus; &#xZZ; &");
    }
}
