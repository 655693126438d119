//! Whole-track subtitle translation, ahead of the viewer.
//!
//! A track is every cue of a caption track (a file read by `captions`, or lines a page
//! read off the player). The pipeline turns cues into
//! units (a cue, or a sentence merged from rolling ASR cues), serves what it can from the
//! cache, cuts the rest into batches on sentence boundaries, and translates them under
//! the playhead first, a bounded number at a time. Each batch's cues go back as soon as
//! they are ready; a line the model never answered properly keeps its original text,
//! marked untranslated.
//!
//! # Layout
//! - `captions/` — json3, srv3, WebVTT and SRT in and out.
//! - `rolling`   — YouTube's rolling ASR cues merged into sentences, and split back.
//! - `batch`     — units grouped into batches on sentence boundaries.
//! - `queue`     — which batch next: under the playhead, then forward.
//! - `prompt`    — what the model is asked.
//! - `call`      — one batch through the provider, with repair.
//! - `answer`    — reading and checking the model's `{id, text}` answer.
//! - `cache`     — translated lines in SQLite, shared by every host process.

pub mod answer;
pub mod batch;
pub mod cache;
pub mod call;
pub mod captions;
pub mod prompt;
pub mod queue;
pub mod rolling;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use futures::stream::{FuturesUnordered, Stream, StreamExt};
use futures::FutureExt;
use glossa_protocol::{Cue, ErrorCode, ErrorInfo, Timings, TranslatedCue, Usage};

use batch::{BatchSizes, Batch};
use cache::{CacheKey, CacheScope, TranslationCache};
use captions::CaptionTrack;
use call::{translate_lines, BatchAnswer, CallSetup};
use queue::{Playhead, Queue};
use crate::providers::{Provider, ProviderError};

/// Tracks longer than this are refused (a 3-hour film has ~3000 cues).
pub const MAX_TRACK_CUES: usize = 20_000;
pub const MAX_TRACK_TEXT_BYTES: usize = 4 * 1024 * 1024;

/// What a unit of the model's work is: a cue (manual tracks), or a sentence merged
/// from rolling ASR cues. `parts` say which cues its text came from, so a translation
/// can be put back on the cues' timings.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub text: String,
    pub start: f64,
    pub end: f64,
    pub parts: Vec<Part>,
}

/// The piece `text` of a unit's source came from cue number `cue` (index in the track).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub cue: usize,
    pub text: String,
}

impl Unit {
    /// A unit that is exactly one cue.
    pub fn single(cue: usize, text: String, start: f64, end: f64) -> Unit {
        Unit { parts: vec![Part { cue, text: text.clone() }], text, start, end }
    }
}

/// Tunables; the defaults suit a chat model answering at tens of tokens per second.
#[derive(Debug, Clone, Copy)]
pub struct TrackOptions {
    pub sizes: BatchSizes,
    /// Batches sent to the provider at once.
    pub max_in_flight: usize,
    /// Batches that ended this many seconds before the playhead are not translated.
    pub drop_behind_secs: f64,
    /// Follow-up calls for lines missing from an answer.
    pub repair_attempts: u32,
}

impl Default for TrackOptions {
    fn default() -> Self {
        TrackOptions { sizes: BatchSizes::default(), max_in_flight: 2, drop_behind_secs: 60.0, repair_attempts: 1 }
    }
}

impl TrackOptions {
    /// The defaults, with batches that fit `provider`'s context.
    pub fn for_provider(provider: &dyn Provider) -> Self {
        let defaults = TrackOptions::default();
        TrackOptions { sizes: defaults.sizes.fitted(provider.context_tokens()), ..defaults }
    }
}

/// Who translates, into what, with which cache.
pub struct TrackJob<'a> {
    pub provider: Arc<dyn Provider>,
    pub model: String,
    pub to: String,
    pub from: Option<String>,
    pub cache: Option<&'a TranslationCache<'a>>,
    pub options: TrackOptions,
}

/// The viewer seeked or changed speed (rate 0: paused).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlayheadUpdate {
    pub time: f64,
    pub rate: f64,
}

/// How a track went, for the `done` event and the benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TrackSummary {
    pub usage: Usage,
    pub ms: Timings,
    pub cues_sent: usize,
    pub untranslated: usize,
    /// Units left untranslated because the viewer was far past them.
    pub dropped_units: usize,
}

/// Translate a whole track, calling `emit` with each group of cues as soon as they are
/// ready. Every cue is emitted at most once (exactly once unless the viewer left it far
/// behind); work starts under `start` and `playhead` updates re-prioritise it while it runs.
pub async fn translate_track<S>(
    job: &TrackJob<'_>,
    track: &CaptionTrack,
    start: PlayheadUpdate,
    mut playhead: S,
    emit: &mut (dyn FnMut(Vec<TranslatedCue>) + Send),
) -> Result<TrackSummary, ErrorInfo>
where
    S: Stream<Item = PlayheadUpdate> + Unpin + Send,
{
    let started = Instant::now();
    check_track(track)?;
    let units = if track.auto_generated {
        rolling::merge(&track.cues)
    } else {
        track
            .cues
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.text.trim().is_empty())
            .map(|(i, c)| Unit::single(i, c.text.trim().to_owned(), c.start, c.end))
            .collect()
    };
    let sizes = job.options.sizes;
    let scope = CacheScope {
        provider: job.provider.kind(),
        model: job.model.clone(),
        from: job.from.clone().unwrap_or_default(),
        to: job.to.clone(),
    };
    let keys: Vec<CacheKey> =
        (0..units.len()).map(|u| scope.key(&batch::context(&units, u, sizes.context_units), &units[u].text)).collect();

    let mut summary = TrackSummary::default();
    let mut first_emit: Option<u64> = None;
    let mut assembler = Assembler::new(&track.cues, &units);
    let mut send = |cues: Vec<TranslatedCue>, summary: &mut TrackSummary| {
        if cues.is_empty() {
            return;
        }
        first_emit.get_or_insert_with(|| started.elapsed().as_millis() as u64);
        summary.cues_sent += cues.len();
        summary.untranslated += cues.iter().filter(|c| c.untranslated).count();
        emit(cues);
    };

    // What the cache already has goes out at once.
    let cached = match job.cache {
        Some(cache) => cache.get_many(&keys).unwrap_or_else(|e| {
            tracing::warn!("translation cache unreadable, translating everything: {e}");
            vec![None; keys.len()]
        }),
        None => vec![None; keys.len()],
    };
    let mut ready = assembler.empty_cues();
    let mut todo = Vec::new();
    // Counted in cues, as the user sees them (a unit may be a sentence over several cues);
    // a cue with any part still to translate does not count.
    let mut from_cache = vec![false; track.cues.len()];
    for (u, hit) in cached.into_iter().enumerate() {
        match hit {
            Some(text) => {
                units[u].parts.iter().for_each(|p| from_cache[p.cue] = true);
                ready.extend(assembler.resolve(u, &units[u], Some(&text)));
            }
            None => todo.push(u),
        }
    }
    todo.iter().flat_map(|&u| &units[u].parts).for_each(|p| from_cache[p.cue] = false);
    let cached_cues = from_cache.iter().filter(|&&c| c).count() as u64;
    if cached_cues > 0 {
        summary.usage.cached = Some(cached_cues);
    }
    send(ready, &mut summary);

    let system = prompt::system_prompt(&job.to, job.from.as_deref());
    let one_line_system = prompt::one_line_system_prompt(&job.to, job.from.as_deref());
    let mut queue = Queue::new(
        batch::plan(&units, &todo, &sizes),
        Playhead::new(start.time, start.rate),
        job.options.drop_behind_secs,
        sizes,
    );
    let run = |batch: Batch| {
        let provider = job.provider.clone();
        let model = job.model.clone();
        let system = system.clone();
        let one_line_system = one_line_system.clone();
        let context: Vec<String> =
            batch::context(&units, batch.units[0], sizes.context_units).into_iter().map(str::to_owned).collect();
        let lines: Vec<String> = batch.units.iter().map(|&u| units[u].text.clone()).collect();
        let repair_attempts = job.options.repair_attempts;
        async move {
            let setup = CallSetup {
                provider: provider.as_ref(),
                model: &model,
                system: &system,
                one_line_system: &one_line_system,
                repair_attempts,
            };
            let context: Vec<&str> = context.iter().map(String::as_str).collect();
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            let answer: Result<BatchAnswer, ProviderError> = translate_lines(&setup, &context, &lines).await;
            (batch, answer)
        }
    };
    let mut in_flight = FuturesUnordered::new();
    let mut updates_open = true;
    let mut calls = 0;
    loop {
        // Take every playhead report already waiting before choosing what to start.
        while updates_open {
            match playhead.next().now_or_never() {
                Some(Some(PlayheadUpdate { time, rate })) => queue.set_playhead(Playhead::new(time, rate)),
                Some(None) => updates_open = false,
                None => break,
            }
        }
        while in_flight.len() < job.options.max_in_flight.max(1) {
            match queue.next(&units) {
                Some(batch) => in_flight.push(run(batch)),
                None => break,
            }
        }
        if in_flight.is_empty() {
            break;
        }
        tokio::select! {
            biased;
            update = playhead.next(), if updates_open => match update {
                Some(PlayheadUpdate { time, rate }) => {
                    tracing::debug!(time, rate, "playhead moved");
                    queue.set_playhead(Playhead::new(time, rate));
                }
                None => updates_open = false,
            },
            Some((batch, answer)) = in_flight.next() => {
                let answer = answer.map_err(|e| e.info())?;
                calls += answer.calls;
                summary.usage.input_tokens += answer.usage.input_tokens;
                summary.usage.output_tokens += answer.usage.output_tokens;
                let mut fresh: Vec<(CacheKey, String)> = Vec::new();
                let mut ready = Vec::new();
                for (&u, text) in batch.units.iter().zip(&answer.texts) {
                    if let Some(text) = text {
                        fresh.push((keys[u], text.clone()));
                    }
                    ready.extend(assembler.resolve(u, &units[u], text.as_deref()));
                }
                if let Some(cache) = job.cache {
                    if let Err(e) = cache.put_many(&fresh) {
                        tracing::warn!("cannot store translations in the cache: {e}");
                    }
                }
                send(ready, &mut summary);
            }
        }
    }
    summary.usage.provider_calls = Some(calls);
    summary.dropped_units = queue.dropped_units();
    summary.ms = Timings { first_token: first_emit, total: started.elapsed().as_millis() as u64 };
    Ok(summary)
}

fn check_track(track: &CaptionTrack) -> Result<(), ErrorInfo> {
    let bytes: usize = track.cues.iter().map(|c| c.text.len() + c.id.len()).sum();
    if track.cues.len() > MAX_TRACK_CUES || bytes > MAX_TRACK_TEXT_BYTES {
        return Err(ErrorInfo::new(
            ErrorCode::TooLarge,
            format!("The caption track has {} cues ({} KiB of text); the limit is {MAX_TRACK_CUES} cues and {} KiB.", track.cues.len(), bytes / 1024, MAX_TRACK_TEXT_BYTES / 1024),
            "Translate a shorter track, or split the file.",
        ));
    }
    let mut seen = HashSet::new();
    if let Some(dup) = track.cues.iter().find(|c| !seen.insert(c.id.as_str())) {
        return Err(ErrorInfo::new(
            ErrorCode::BadRequest,
            format!("Two cues of the track have the id `{}`.", dup.id),
            "Every cue needs its own id so its translation can be matched to it; this is a bug in the caller.",
        ));
    }
    Ok(())
}

/// Collects translated pieces per cue and hands a cue over once every unit it is part
/// of has been translated (or given up on).
struct Assembler<'c> {
    cues: &'c [Cue],
    /// (unit index, text, untranslated) per cue.
    pieces: Vec<Vec<(usize, String, bool)>>,
    pending: Vec<usize>,
}

impl<'c> Assembler<'c> {
    fn new(cues: &'c [Cue], units: &[Unit]) -> Self {
        let mut pending = vec![0; cues.len()];
        for part in units.iter().flat_map(|u| &u.parts) {
            pending[part.cue] += 1;
        }
        Assembler { cues, pieces: vec![Vec::new(); cues.len()], pending }
    }

    /// Cues with nothing to translate (blank, or only words rolled over from before).
    fn empty_cues(&self) -> Vec<TranslatedCue> {
        (0..self.cues.len())
            .filter(|&c| self.pending[c] == 0)
            .map(|c| TranslatedCue { id: self.cues[c].id.clone(), text: String::new(), untranslated: false })
            .collect()
    }

    /// Unit `u` is done (`None`: it failed); returns the cues that are now complete.
    fn resolve(&mut self, u: usize, unit: &Unit, translation: Option<&str>) -> Vec<TranslatedCue> {
        let pieces: Vec<(String, bool)> = match translation {
            Some(t) => rolling::split_back(unit, t).into_iter().map(|p| (p, false)).collect(),
            None => unit.parts.iter().map(|p| (p.text.clone(), true)).collect(),
        };
        let mut ready = Vec::new();
        for (part, (text, untranslated)) in unit.parts.iter().zip(pieces) {
            let c = part.cue;
            self.pieces[c].push((u, text, untranslated));
            self.pending[c] = self.pending[c].saturating_sub(1);
            if self.pending[c] == 0 {
                ready.push(self.finish(c));
            }
        }
        ready
    }

    fn finish(&mut self, c: usize) -> TranslatedCue {
        let mut pieces = std::mem::take(&mut self.pieces[c]);
        pieces.sort_by_key(|(u, _, _)| *u);
        let untranslated = pieces.iter().any(|(_, _, bad)| *bad);
        let texts: Vec<&str> = pieces.iter().map(|(_, t, _)| t.trim()).filter(|t| !t.is_empty()).collect();
        let joiner = if texts.iter().all(|t| rolling::is_unspaced_script(t)) { "" } else { " " };
        TranslatedCue { id: self.cues[c].id.clone(), text: texts.join(joiner), untranslated }
    }
}
