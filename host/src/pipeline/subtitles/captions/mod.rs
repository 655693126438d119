//! Caption files in and out: YouTube's json3 and srv3, WebVTT and SRT. Parsers turn a file
//! into [`Cue`]s (seconds, plain text); a file that cannot be read gets an error naming the
//! line, so a person can open it and fix it. The one reader for the browser (which sends
//! the file the page fetched) and `translate-subs`: the same file gives the same cue ids
//! and text, hence the same cache entries.
//!
//! Hand-written rather than a crate: the formats are small, YouTube's variants (json3
//! rolling ASR windows, VTT with `<c>` word timings) need special care, and errors must
//! carry line numbers.

mod json3;
mod srt;
mod srv3;
mod vtt;

use glossa_protocol::text;
use glossa_protocol::{Cue, ErrorCode, ErrorInfo, TrackRequest, TrackSource, TranslatedCue};

pub use glossa_protocol::CaptionFormat;
pub use json3::parse_json3;
pub use srt::{parse_srt, write_srt};
pub use srv3::parse_srv3;
pub use vtt::{parse_vtt, write_vtt};

/// Caption files larger than this are refused before reading (a 3-hour json3 track with
/// word timings is a few MiB).
pub const MAX_CAPTION_FILE_BYTES: usize = 16 * 1024 * 1024;

/// A parsed caption file.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptionTrack {
    pub cues: Vec<Cue>,
    /// Auto-generated (ASR) captions whose lines roll over from cue to cue.
    pub auto_generated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct CaptionError {
    /// 1-based line of the file where reading failed.
    pub line: usize,
    pub message: String,
}

impl CaptionError {
    pub fn new(line: usize, message: impl Into<String>) -> Self {
        CaptionError { line, message: message.into() }
    }
}

/// The source cues with their translations in place (the original where none came back);
/// blank ones left out. A rolling ASR track's cues overlap (two lines at a time) and each
/// shows whole sentences, so there a sentence becomes one cue, from the first cue showing
/// it until the next sentence's: nothing is on screen twice.
pub fn translated(source: &[Cue], translations: impl IntoIterator<Item = TranslatedCue>, rolling: bool) -> Vec<Cue> {
    let mut by_id: std::collections::HashMap<String, String> = translations.into_iter().map(|t| (t.id, t.text)).collect();
    let cues = source.iter().filter_map(|c| {
        let text = by_id.remove(&c.id).unwrap_or_else(|| c.text.clone());
        (!text.trim().is_empty()).then(|| Cue { text, ..c.clone() })
    });
    if !rolling {
        return cues.collect();
    }
    let mut merged: Vec<Cue> = Vec::new();
    for cue in cues {
        match merged.last_mut() {
            Some(last) if last.text == cue.text => last.end = last.end.max(cue.end),
            Some(last) => {
                last.end = last.end.min(cue.start);
                merged.push(cue);
            }
            None => merged.push(cue),
        }
    }
    merged
}

/// Whether `cues` roll like an auto-generated track's: at least half of them overlap the
/// next (for cues that come without the file they were read from, e.g. from the extension).
pub fn rolls(cues: &[Cue]) -> bool {
    let overlapping = cues.windows(2).filter(|w| w[1].start < w[0].end).count();
    cues.len() > 2 && overlapping * 2 >= cues.len() - 1
}

/// `cues` written as `format`; `None` for the formats Glossa only reads.
pub fn write(cues: &[Cue], format: CaptionFormat) -> Option<String> {
    match format {
        CaptionFormat::Srt => Some(write_srt(cues)),
        CaptionFormat::Vtt => Some(write_vtt(cues)),
        CaptionFormat::Json3 | CaptionFormat::Srv3 => None,
    }
}

/// Parse `text` as `format`.
pub fn parse(text: &str, format: CaptionFormat) -> Result<CaptionTrack, CaptionError> {
    match format {
        CaptionFormat::Vtt => parse_vtt(text),
        CaptionFormat::Srt => parse_srt(text),
        CaptionFormat::Json3 => parse_json3(text),
        CaptionFormat::Srv3 => parse_srv3(text),
    }
}

/// The track a request names: its caption file read, or the cues it carries as they are.
pub fn track_of(request: &TrackRequest) -> Result<CaptionTrack, ErrorInfo> {
    match &request.source {
        TrackSource::Cues(cues) => Ok(CaptionTrack { cues: cues.clone(), auto_generated: request.auto_generated }),
        TrackSource::Captions(file) => {
            if file.text.len() > MAX_CAPTION_FILE_BYTES {
                return Err(ErrorInfo::localized(
                    ErrorCode::TooLarge,
                    text::ERR_CAPTION_FILE_TOO_LARGE.with([(file.text.len() >> 20).into(), (MAX_CAPTION_FILE_BYTES >> 20).into()]),
                    Some(text::HINT_SHORTER_TRACK.text()),
                ));
            }
            parse(&file.text, file.format).map_err(|e| {
                ErrorInfo::localized(
                    ErrorCode::BadRequest,
                    text::ERR_CAPTIONS_UNREADABLE.with([request.track.as_str().into(), e.to_string().into()]),
                    Some(text::HINT_CAPTION_FORMAT.text()),
                )
            })
        }
    }
}

/// `HH:MM:SS.mmm` / `MM:SS.mmm` (VTT) or `HH:MM:SS,mmm` (SRT) → seconds.
fn parse_timestamp(s: &str, decimal: &[char]) -> Option<f64> {
    let s = s.trim();
    let (clock, frac) = s.rsplit_once(|c| decimal.contains(&c))?;
    if frac.len() != 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = clock.split(':').collect();
    let (h, m, sec) = match parts.as_slice() {
        [h, m, s] => (*h, *m, *s),
        [m, s] => ("0", *m, *s),
        _ => return None,
    };
    let digits = |p: &str| !p.is_empty() && p.len() <= 6 && p.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || !digits(m) || !digits(sec) || m.len() != 2 || sec.len() != 2 {
        return None;
    }
    let (h, m, sec): (u64, u64, u64) = (h.parse().ok()?, m.parse().ok()?, sec.parse().ok()?);
    if m > 59 || sec > 59 {
        return None;
    }
    let ms: u64 = frac.parse().ok()?;
    Some((h * 3600 + m * 60 + sec) as f64 + ms as f64 / 1000.0)
}

/// Seconds → `HH:MM:SS{sep}mmm`.
fn format_timestamp(seconds: f64, sep: char) -> String {
    let total_ms = (seconds.max(0.0) * 1000.0).round() as u64;
    let (h, rest) = (total_ms / 3_600_000, total_ms % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let (s, ms) = (rest / 1000, rest % 1000);
    format!("{h:02}:{m:02}:{s:02}{sep}{ms:03}")
}

/// The block SRT and WebVTT share for each cue: its number (from 1), its times with
/// `decimal` before the milliseconds, and its text (`escape`d, blank lines dropped, since a
/// blank line would end the block).
fn cue_blocks<'a>(cues: &'a [Cue], decimal: char, escape: impl Fn(&str) -> String + 'a) -> impl Iterator<Item = String> + 'a {
    cues.iter().enumerate().map(move |(n, cue)| {
        let text = escape(&cue.text);
        let text = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n");
        format!("{}\n{} --> {}\n{text}\n", n + 1, format_timestamp(cue.start, decimal), format_timestamp(cue.end, decimal))
    })
}

/// Drop markup (`<i>`, `<c.colorE5E5E5>`, `<00:00:01.500>`) and decode the few entities
/// caption files use, leaving the text a person reads. A `<` that does not open a known
/// tag (`a < b`, `<3`) is text.
fn plain_text(payload: &str) -> String {
    let mut out = String::with_capacity(payload.len());
    let mut rest = payload;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('>') {
            Some(close) if is_tag(&after[..close]) => rest = &after[close + 1..],
            _ => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    decode_entities(&out)
}

/// `i`, `/i`, `c.colorE5E5E5`, `v Ann`, `font color="red"`, `00:00:01.500`…
fn is_tag(inside: &str) -> bool {
    let name = inside.strip_prefix('/').unwrap_or(inside);
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return name.bytes().all(|b| b.is_ascii_digit() || b == b':' || b == b'.');
    }
    let word: String = name.chars().take_while(char::is_ascii_alphabetic).collect();
    let known = ["b", "i", "u", "c", "v", "lang", "ruby", "rt", "font", "span", "s"];
    known.contains(&word.to_ascii_lowercase().as_str()) && name[word.len()..].chars().next().is_none_or(|c| matches!(c, ' ' | '.' | '\t'))
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&lrm;", "\u{200e}")
        .replace("&rlm;", "\u{200f}")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The start of a line, short enough to quote in an error.
fn excerpt(line: &str) -> String {
    let line = line.trim();
    match line.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_owned(),
    }
}

fn has_inline_timestamps(payload: &str) -> bool {
    payload.match_indices('<').any(|(i, _)| payload[i + 1..].chars().next().is_some_and(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cue(id: &str, start: f64, end: f64, text: &str) -> Cue {
        Cue { id: id.into(), start, end, text: text.into() }
    }

    fn done(id: &str, text: &str) -> TranslatedCue {
        TranslatedCue { id: id.into(), text: text.into(), untranslated: false, reading: None, host_words: false }
    }

    #[test]
    fn a_rolling_track_is_written_a_sentence_a_cue_without_overlaps() {
        // Lines overlap as in YouTube's json3; lines 1–2 show sentence A, line 3 sentence B.
        let source = [cue("1", 1.0, 5.0, "it was"), cue("2", 3.0, 7.0, "late we"), cue("3", 5.0, 9.0, "left"), cue("4", 9.0, 9.5, " ")];
        let translated_cues = vec![done("1", "A."), done("2", "A."), done("3", "B."), done("4", "")];
        assert!(rolls(&source), "most lines overlap the next");
        assert_eq!(translated(&source, translated_cues.clone(), true), vec![cue("1", 1.0, 5.0, "A."), cue("3", 5.0, 9.0, "B.")]);
        // A manual track keeps its cues as they are (blank ones left out).
        assert_eq!(translated(&source, translated_cues, false).len(), 3);
        assert!(!rolls(&[cue("1", 1.0, 2.0, "a"), cue("2", 2.0, 3.0, "b"), cue("3", 3.5, 4.0, "c")]));
    }

    #[test]
    fn timestamps_round_trip() {
        assert_eq!(parse_timestamp("00:01:02.345", &['.']), Some(62.345));
        assert_eq!(parse_timestamp("01:02.345", &['.']), Some(62.345));
        assert_eq!(parse_timestamp("10:00:00,001", &[',']), Some(36000.001));
        assert_eq!(parse_timestamp("00:61:00.000", &['.']), None);
        assert_eq!(parse_timestamp("00:01:02", &['.']), None);
        assert_eq!(parse_timestamp("aa:01:02.000", &['.']), None);
        assert_eq!(parse_timestamp("1:2.300", &['.']), None);
        assert_eq!(format_timestamp(62.345, '.'), "00:01:02.345");
        assert_eq!(format_timestamp(3600.0 + 0.0005, ','), "01:00:00,001");
    }

    #[test]
    fn a_request_track_is_its_file_read_or_its_cues() {
        let request = |source| TrackRequest {
            track: "youtube:v:en:standard".into(),
            source,
            from: None,
            to: None,
            auto_generated: true,
            playhead: 0.0,
            rate: 1.0,
            whole: false,
            keyframe: None,
        };
        let json3 = r#"{"events":[{"tStartMs":0,"dDurationMs":1000,"segs":[{"utf8":"  Hi  "}]}]}"#;
        let file = |format, text: &str| TrackSource::Captions(glossa_protocol::CaptionFile { format, text: text.into() });
        let track = track_of(&request(file(CaptionFormat::Json3, json3))).unwrap();
        assert_eq!(track, parse_json3(json3).unwrap(), "the same reader as translate-subs");
        assert!(!track.auto_generated, "a file says itself whether it rolls");
        let err = track_of(&request(file(CaptionFormat::Vtt, "<html>"))).unwrap_err();
        assert_eq!(err.code, ErrorCode::BadRequest);
        assert!(err.message.contains("line 1"), "{err}");
        let big = "x".repeat(MAX_CAPTION_FILE_BYTES + 1);
        assert_eq!(track_of(&request(file(CaptionFormat::Json3, &big))).unwrap_err().code, ErrorCode::TooLarge);
        let cue = Cue { id: "d1".into(), start: 1.0, end: 2.0, text: "live".into() };
        let track = track_of(&request(TrackSource::Cues(vec![cue.clone()]))).unwrap();
        assert_eq!((track.cues, track.auto_generated), (vec![cue], true));
    }

    #[test]
    fn markup_is_removed_and_entities_decoded() {
        assert_eq!(plain_text("<i>so</i><00:00:01.200><c> we</c> &amp; you &lt;3"), "so we & you <3");
        assert_eq!(plain_text("<v Ann>a <3 and b > c, <c.yellow>x</c> <font color=\"red\">y</font> <>"), "a <3 and b > c, x y <>");
        assert!(has_inline_timestamps("a<00:00:01.200><c> b</c>"));
        assert!(!has_inline_timestamps("<i>a</i>"));
    }
}
