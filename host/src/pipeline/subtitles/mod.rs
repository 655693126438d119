//! Whole-track subtitle translation, ahead of the viewer.
//!
//! # Layout
//! - `captions/` — json3, WebVTT and SRT in and out.
//! - `rolling`   — YouTube's rolling ASR cues merged into sentences, and split back.
//! - `batch`     — units grouped into batches on sentence boundaries.
//! - `prompt`    — what the model is asked.
//! - `answer`    — reading and checking the model's `{id, text}` answer.

pub mod answer;
pub mod batch;
pub mod captions;
pub mod prompt;

/// What the model translates as one line: a cue (manual tracks), or a sentence merged
/// from rolling ASR cues. `parts` say which cues its text came from, and how much of it
/// each holds, so a translation can be put back on the cues' timings.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub text: String,
    pub start: f64,
    pub end: f64,
    pub parts: Vec<Part>,
}

/// `chars` of a unit's source text came from cue number `cue` (index in the track).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    pub cue: usize,
    pub chars: usize,
}

impl Unit {
    /// A unit that is exactly one cue.
    pub fn single(cue: usize, text: String, start: f64, end: f64) -> Unit {
        let chars = text.chars().count();
        Unit { text, start, end, parts: vec![Part { cue, chars }] }
    }
}
