//! SubRip (`.srt`): numbered blocks, `00:00:01,000 --> 00:00:04,000`, text lines.

use glossa_protocol::Cue;

use super::{cue_blocks, excerpt, parse_timestamp, plain_text, CaptionError, CaptionTrack};

pub fn parse_srt(text: &str) -> Result<CaptionTrack, CaptionError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let mut cues = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim().is_empty() {
            i += 1;
            continue;
        }
        let block_start = i;
        while i < lines.len() && !lines[i].trim().is_empty() {
            i += 1;
        }
        let block = &lines[block_start..i];
        let first = block[0].trim();
        let timing_at = if first.contains("-->") {
            0
        } else if first.bytes().all(|b| b.is_ascii_digit()) {
            if block.len() < 2 || !block[1].contains("-->") {
                return Err(CaptionError::new(
                    block_start + 2,
                    format!(
                        "cue {first} has no timing line like `00:00:01,000 --> 00:00:04,000`{}",
                        block.get(1).map(|l| format!(", found `{}`", excerpt(l))).unwrap_or_default()
                    ),
                ));
            }
            1
        } else {
            return Err(CaptionError::new(
                block_start + 1,
                format!("expected a cue number or a timing line, found `{}`", excerpt(block[0])),
            ));
        };
        let line_no = block_start + timing_at + 1;
        let line = block[timing_at];
        let bad = |what: &str| {
            CaptionError::new(line_no, format!("{what} in `{}`; timings look like `00:00:01,000 --> 00:00:04,000`", excerpt(line)))
        };
        let (left, right) = line.split_once("-->").ok_or_else(|| bad("no `-->`"))?;
        let start = parse_timestamp(left, &[',', '.']).ok_or_else(|| bad("the start time is not valid"))?;
        let end = right
            .split_whitespace()
            .next()
            .and_then(|t| parse_timestamp(t, &[',', '.']))
            .ok_or_else(|| bad("the end time is not valid"))?;
        if end < start {
            return Err(bad("the cue ends before it starts"));
        }
        let text = block[timing_at + 1..]
            .iter()
            .map(|l| strip_ass_overrides(&plain_text(l)).trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        if !text.is_empty() {
            cues.push(Cue { id: (cues.len() + 1).to_string(), start, end, text });
        }
    }
    Ok(CaptionTrack { cues, auto_generated: false })
}

/// `{\an8}` and similar positioning codes some SRT files carry.
fn strip_ass_overrides(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find("{\\") {
        out.push_str(&rest[..open]);
        match rest[open..].find('}') {
            Some(close) => rest = &rest[open + close + 1..],
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// An SRT file with `cues`, numbered from 1.
pub fn write_srt(cues: &[Cue]) -> String {
    cue_blocks(cues, ',', str::to_owned).map(|block| block + "\n").collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_numbered_blocks() {
        let srt = "1\r\n00:00:01,000 --> 00:00:04,000\r\n<i>Hello</i>\r\nthere\r\n\r\n2\r\n00:00:05,500 --> 00:00:06,000 X1:10\r\n{\\an8}Up top\r\n";
        let t = parse_srt(srt).unwrap();
        assert_eq!(t.cues.len(), 2);
        assert_eq!(t.cues[0].text, "Hello\nthere");
        assert_eq!(t.cues[1].text, "Up top");
        assert_eq!((t.cues[1].start, t.cues[1].end), (5.5, 6.0));
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse_srt("1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03,000 --> 00:00:04\nbad\n").unwrap_err();
        assert_eq!(err.line, 6, "{err}");
        let err = parse_srt("1\n00:00:01,000 --> 00:00:02,000\nok\n\nhello\n").unwrap_err();
        assert_eq!(err.line, 5, "{err}");
        let err = parse_srt("7\nno timing here\n").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        assert!(err.to_string().contains("cue 7"), "{err}");
    }

    #[test]
    fn writes_what_it_reads() {
        let cues = vec![Cue { id: "x".into(), start: 0.5, end: 2.0, text: "Ça va?".into() }];
        let srt = write_srt(&cues);
        assert_eq!(srt, "1\n00:00:00,500 --> 00:00:02,000\nÇa va?\n\n");
        assert_eq!(parse_srt(&srt).unwrap().cues[0].text, "Ça va?");
    }
}
