//! YouTube's `fmt=json3` timed text: `{"events":[{"tStartMs","dDurationMs","segs":[{"utf8"}]}]}`.
//!
//! Manual tracks have one event per caption. Auto-generated (ASR) tracks have a window
//! event without `segs`, then word events (`segs` with `tOffsetMs`) that roll up a
//! two-line window, and `aAppend` events holding just `"\n"`; those carry no text.
//! srv3 (`srv3.rs`) is the same model in XML; both end in [`timed_text_cues`].

use glossa_protocol::Cue;
use serde::Deserialize;

use super::{CaptionError, CaptionTrack};

#[derive(Deserialize)]
struct Timedtext {
    #[serde(default)]
    events: Vec<Event>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    t_start_ms: u64,
    #[serde(default)]
    d_duration_ms: u64,
    #[serde(default)]
    segs: Vec<Seg>,
    #[serde(default)]
    a_append: Option<u8>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Seg {
    #[serde(default)]
    utf8: String,
    #[serde(default)]
    t_offset_ms: Option<u64>,
}

pub fn parse_json3(text: &str) -> Result<CaptionTrack, CaptionError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let timedtext: Timedtext =
        serde_json::from_str(text).map_err(|e| CaptionError::new(e.line().max(1), format!("not YouTube json3 timed text: {e}")))?;
    let events = timedtext.events.into_iter().map(|e| TimedEvent {
        start_ms: e.t_start_ms,
        duration_ms: e.d_duration_ms,
        appends: e.a_append.is_some(),
        segs: e.segs.into_iter().map(|s| (s.utf8, s.t_offset_ms)).collect(),
    });
    Ok(timed_text_cues(events))
}

/// One event of YouTube's timed text (a json3 event, a srv3 `<p>`).
pub(super) struct TimedEvent {
    pub start_ms: u64,
    pub duration_ms: u64,
    /// `aAppend` / `a="1"`: a line break added to a rolling ASR window.
    pub appends: bool,
    /// Text pieces with their offset from the event's start (ASR word timings).
    pub segs: Vec<(String, Option<u64>)>,
}

/// Cues from timed-text events, whichever format they came in: blank lines dropped,
/// each line trimmed, ids counted from 1 over the cues kept.
pub(super) fn timed_text_cues(events: impl IntoIterator<Item = TimedEvent>) -> CaptionTrack {
    let mut rolling = false;
    let mut cues = Vec::new();
    for event in events {
        rolling |= event.appends || event.segs.iter().any(|(_, offset)| offset.is_some());
        let text: String = event.segs.iter().map(|(text, _)| text.as_str()).collect();
        let text = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n");
        if text.is_empty() {
            continue;
        }
        let start = event.start_ms as f64 / 1000.0;
        let end = event.start_ms.saturating_add(event.duration_ms) as f64 / 1000.0;
        cues.push(Cue { id: (cues.len() + 1).to_string(), start, end, text });
    }
    CaptionTrack { cues, auto_generated: rolling }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_events_become_cues() {
        let json = r#"{"wireMagic":"pb3","pens":[{}],"events":[
            {"tStartMs":1200,"dDurationMs":2800,"segs":[{"utf8":"It was the best of times,\nit was"}]},
            {"tStartMs":4000,"dDurationMs":3000,"segs":[{"utf8":"the worst of times."}]}]}"#;
        let t = parse_json3(json).unwrap();
        assert!(!t.auto_generated);
        assert_eq!(t.cues[0].text, "It was the best of times,\nit was");
        assert_eq!((t.cues[0].start, t.cues[0].end), (1.2, 4.0));
        assert_eq!(t.cues[1].id, "2");
    }

    #[test]
    fn asr_windows_and_newline_events_are_understood() {
        let json = r#"{"events":[
            {"tStartMs":0,"dDurationMs":600000,"id":1,"wpWinPosId":1,"wsWinStyleId":1},
            {"tStartMs":2399,"dDurationMs":6801,"wWinId":1,"segs":[{"utf8":"hey","acAsrConf":0},{"utf8":" in","tOffsetMs":201,"acAsrConf":0}]},
            {"tStartMs":4430,"dDurationMs":4770,"wWinId":1,"aAppend":1,"segs":[{"utf8":"\n"}]},
            {"tStartMs":4440,"dDurationMs":6239,"wWinId":1,"segs":[{"utf8":"you"},{"utf8":" finally","tOffsetMs":319}]}]}"#;
        let t = parse_json3(json).unwrap();
        assert!(t.auto_generated);
        assert_eq!(t.cues.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(), ["hey in", "you finally"]);
    }

    #[test]
    fn asr_lines_keep_their_overlapping_spans_and_line_breaks_are_no_cues() {
        // As YouTube serves auto-generated json3: a line lasts until the line after next
        // starts, and the "\n" that rolls the window lasts until the line above it ends.
        let json = r#"{"events":[
            {"tStartMs":0,"dDurationMs":9000,"id":1,"wpWinPosId":1,"wsWinStyleId":1},
            {"tStartMs":1000,"dDurationMs":4000,"wWinId":1,"segs":[{"utf8":"good","acAsrConf":0},{"utf8":" evening","tOffsetMs":400,"acAsrConf":0}]},
            {"tStartMs":2990,"dDurationMs":2010,"wWinId":1,"aAppend":1,"segs":[{"utf8":"\n"}]},
            {"tStartMs":3000,"dDurationMs":4000,"wWinId":1,"segs":[{"utf8":"and"},{"utf8":" welcome","tOffsetMs":300}]},
            {"tStartMs":4990,"dDurationMs":2010,"wWinId":1,"aAppend":1,"segs":[{"utf8":"\n"}]},
            {"tStartMs":5000,"dDurationMs":4000,"wWinId":1,"segs":[{"utf8":"to the station"}]}]}"#;
        let t = parse_json3(json).unwrap();
        assert!(t.auto_generated);
        let cues: Vec<(&str, f64, f64)> = t.cues.iter().map(|c| (c.text.as_str(), c.start, c.end)).collect();
        assert_eq!(cues, [("good evening", 1.0, 5.0), ("and welcome", 3.0, 7.0), ("to the station", 5.0, 9.0)]);
        assert_eq!(t.cues.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["1", "2", "3"]);
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse_json3("{\"events\":[\n{\"tStartMs\":1},\n{\"dDurationMs\":5}\n]}").unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        assert!(err.to_string().contains("tStartMs"), "{err}");
        assert_eq!(parse_json3("<html>").unwrap_err().line, 1);
    }
}
