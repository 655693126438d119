//! WebVTT (<https://www.w3.org/TR/webvtt1/>), including YouTube's auto-generated flavour
//! whose cues carry per-word `<00:00:01.500><c> word</c>` timings.

use glossa_protocol::Cue;

use super::{cue_blocks, excerpt, has_inline_timestamps, parse_timestamp, plain_text, CaptionError, CaptionTrack};

pub fn parse_vtt(text: &str) -> Result<CaptionTrack, CaptionError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let header = lines.first().copied().unwrap_or("");
    let signature_ok = header.strip_prefix("WEBVTT").is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']));
    if !signature_ok {
        return Err(CaptionError::new(1, format!("a WebVTT file starts with `WEBVTT`, found `{}`", excerpt(header))));
    }
    let mut i = 1;
    // Header lines (`Kind: captions`, `Language: en`) run to the first blank line.
    while i < lines.len() && !lines[i].trim().is_empty() {
        if lines[i].contains("-->") {
            return Err(CaptionError::new(i + 1, "a blank line is missing between the `WEBVTT` header and the first cue"));
        }
        i += 1;
    }
    let mut cues = Vec::new();
    let mut rolling = false;
    while i < lines.len() {
        if lines[i].trim().is_empty() {
            i += 1;
            continue;
        }
        let block_start = i;
        // Only an empty line ends a block: YouTube's ASR cues have lines of one space.
        while i < lines.len() && !lines[i].is_empty() {
            i += 1;
        }
        let block = &lines[block_start..i];
        let first = block[0].trim_start();
        if ["NOTE", "STYLE", "REGION"].iter().any(|k| first.strip_prefix(k).is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t']))) {
            continue;
        }
        let timing_at = if block[0].contains("-->") {
            0
        } else if block.len() > 1 && block[1].contains("-->") {
            1
        } else {
            return Err(CaptionError::new(
                block_start + 1,
                format!("expected a cue timing like `00:00:01.000 --> 00:00:04.000`, found `{}`", excerpt(block[0])),
            ));
        };
        let timing_line = block_start + timing_at + 1;
        let (start, end) = parse_timing(block[timing_at], timing_line)?;
        let payload = &block[timing_at + 1..];
        if let Some(k) = payload.iter().position(|l| l.contains("-->")) {
            return Err(CaptionError::new(timing_line + 1 + k, "a cue timing inside a cue's text: is the blank line before it missing?"));
        }
        rolling |= payload.iter().any(|l| has_inline_timestamps(l));
        let text = payload.iter().map(|l| plain_text(l).trim().to_owned()).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n");
        if text.is_empty() {
            continue;
        }
        cues.push(Cue { id: (cues.len() + 1).to_string(), start, end, text });
    }
    Ok(CaptionTrack { cues, auto_generated: rolling })
}

fn parse_timing(line: &str, line_no: usize) -> Result<(f64, f64), CaptionError> {
    let bad = |what: &str| {
        CaptionError::new(line_no, format!("{what} in `{}`; timings look like `00:00:01.000 --> 00:00:04.000`", excerpt(line)))
    };
    let (left, right) = line.split_once("-->").ok_or_else(|| bad("no `-->`"))?;
    let start = parse_timestamp(left, &['.']).ok_or_else(|| bad("the start time is not valid"))?;
    let end_token = right.split_whitespace().next().unwrap_or("");
    let end = parse_timestamp(end_token, &['.']).ok_or_else(|| bad("the end time is not valid"))?;
    if end < start {
        return Err(bad("the cue ends before it starts"));
    }
    Ok((start, end))
}

/// A WebVTT file with `cues` (ids renumbered from 1, text escaped).
pub fn write_vtt(cues: &[Cue]) -> String {
    let escape = |text: &str| text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    std::iter::once("WEBVTT\n".to_owned()).chain(cue_blocks(cues, '.', escape).map(|block| format!("\n{block}"))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cues_with_ids_settings_notes_and_markup() {
        let vtt = "\u{feff}WEBVTT - a talk\nKind: captions\nLanguage: en\n\nNOTE made by hand\nstill the note\n\nSTYLE\n::cue { color: red }\n\nintro\n00:00:01.000 --> 00:00:04.500 align:start position:0%\n<v Ann>Hello <i>there</i>,\nfriends &amp; others.\n\n00:05.000 --> 00:07.250\r\nSecond.\r\n";
        let track = parse_vtt(vtt).unwrap();
        assert!(!track.auto_generated);
        assert_eq!(track.cues.len(), 2);
        assert_eq!(track.cues[0].text, "Hello there,\nfriends & others.");
        assert_eq!((track.cues[0].start, track.cues[0].end), (1.0, 4.5));
        assert_eq!(track.cues[1].text, "Second.");
        assert_eq!((track.cues[1].start, track.cues[1].end), (5.0, 7.25));
        assert_eq!(track.cues[1].id, "2");
    }

    #[test]
    fn youtube_auto_vtt_is_detected_as_rolling() {
        let vtt = "WEBVTT\nKind: captions\nLanguage: en\n\n00:00:00.160 --> 00:00:02.710 align:start position:0%\n \nhey<00:00:00.400><c> in</c><00:00:00.520><c> today's</c>\n\n00:00:02.710 --> 00:00:02.720 align:start position:0%\nhey in today's\n \n";
        let track = parse_vtt(vtt).unwrap();
        assert!(track.auto_generated);
        assert_eq!(track.cues[0].text, "hey in today's");
        assert_eq!(track.cues[1].text, "hey in today's");
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse_vtt("WEBVT\n\n00:00:01.000 --> 00:00:02.000\nx\n").unwrap_err();
        assert_eq!(err.line, 1);
        let err = parse_vtt("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:00:03.000 -> 00:00:04.000\nbad arrow\n").unwrap_err();
        assert_eq!(err.line, 6, "{err}");
        let err = parse_vtt("WEBVTT\n\nid\n00:00:01.000 --> 00:00:0x.000\nx\n").unwrap_err();
        assert_eq!(err.line, 4, "{err}");
        assert!(err.to_string().contains("end time"), "{err}");
        let err = parse_vtt("WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nx\n").unwrap_err();
        assert!(err.to_string().contains("line 3: the cue ends before it starts"), "{err}");
        let err = parse_vtt("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nx\n00:00:03.000 --> 00:00:04.000\ny\n").unwrap_err();
        assert_eq!(err.line, 5, "{err}");
    }

    #[test]
    fn writes_what_it_reads() {
        let cues = vec![
            Cue { id: "a".into(), start: 1.0, end: 2.5, text: "A < B & C".into() },
            Cue { id: "b".into(), start: 61.0, end: 3661.001, text: "two\nlines".into() },
        ];
        let vtt = write_vtt(&cues);
        assert!(vtt.contains("00:01:01.000 --> 01:01:01.001\ntwo\nlines\n"), "{vtt}");
        let back = parse_vtt(&vtt).unwrap().cues;
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].text, "A < B & C");
        assert_eq!(back[1].end, 3661.001);
    }
}
