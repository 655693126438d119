//! Subtitle translation, ahead of the viewer.
//!
//! A track is every cue of a caption track (a file read by `captions`, or lines a page
//! read off the player). The pipeline turns cues into
//! units (a cue, or a sentence merged from rolling ASR cues), serves what it can from the
//! cache, cuts the rest into batches on sentence boundaries, and translates them under
//! the playhead first, a bounded number at a time, within a window ahead of the playhead
//! that playback moves on (the whole track when asked, or when the provider costs nothing
//! and serves no one else). For providers paid per token it reports the tokens used and an
//! estimate for the rest. Each batch's cues go back as soon as
//! they are ready; a line the model never answered properly keeps its original text,
//! marked untranslated. A track already in the target language goes back as it is.
//!
//! # Layout
//! - `captions/`  — json3, srv3, WebVTT and SRT in and out.
//! - `plan`       — a track's units (cues, or merged ASR sentences) and what the cache has.
//! - `rolling`    — YouTube's rolling ASR cues merged into sentences, and split back.
//! - `batch`      — units grouped into batches on sentence boundaries.
//! - `queue`      — which batch next: under the playhead, then forward.
//! - `scheduler`  — when batches run: a few at a time, re-prioritised as the playhead moves.
//! - `prompt`     — what the model is asked.
//! - `call`       — one batch through the provider, with repair.
//! - `cost`       — tokens used, and the estimate for the untranslated rest.
//! - `answer`     — reading the model's `{id, src, text}` answer, and its terms.
//! - `check`      — each item against its own line: alignment (`src`) and echoes.
//! - `assembler`  — translated units back onto cues, each cue handed over once complete.
//! - `glossary`   — the track's names and terms, learnt from answers, sent with batches.
//! - `keyframe`   — a frame of the video near a batch's lines, shown to a model that reads images.
//! - `cache`      — translated lines in SQLite, shared by every host process.

pub mod answer;
pub mod assembler;
pub mod batch;
pub mod cache;
pub mod call;
pub mod captions;
pub mod check;
pub mod cost;
pub mod glossary;
pub mod keyframe;
pub mod plan;
pub mod prompt;
pub mod queue;
pub mod rolling;
pub mod scheduler;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures::stream::{Stream, StreamExt};
use glossa_protocol::text;
use glossa_protocol::{ErrorCode, ErrorInfo, Timings, TrackCost, TranslatedCue, Usage};

use super::language::nothing_to_translate;
use crate::providers::{Billing, Provider};
use assembler::{Assembler, Delivery};
use batch::BatchSizes;
use cache::{CacheScope, TranslationCache};
use call::{CallSetup, LineChecks};
use captions::CaptionTrack;
use cost::Meter;
use glossary::{Terms, TrackGlossary};
use keyframe::Keyframes;
use plan::Plan;
use prompt::Surroundings;
use queue::{Playhead, Queue};
use scheduler::Scheduler;

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
    /// Only batches starting this many seconds of playback ahead of the playhead are
    /// translated (widened by the playback rate); playback moves the window on. Within
    /// it, a batch starts only as far ahead as the model's measured pace says it takes
    /// (with room to spare, see `queue`), so a viewer who leaves has paid for little unseen.
    pub window_secs: f64,
    /// Report tokens used and the estimate for the rest ([`TrackSink::cost`]).
    pub report_cost: bool,
}

/// How far ahead a track is translated at most, by default: ten minutes of playback.
pub const DEFAULT_WINDOW_SECS: f64 = 600.0;

impl Default for TrackOptions {
    fn default() -> Self {
        TrackOptions {
            sizes: BatchSizes::default(),
            max_in_flight: 2,
            drop_behind_secs: 60.0,
            repair_attempts: 1,
            window_secs: DEFAULT_WINDOW_SECS,
            report_cost: false,
        }
    }
}

impl TrackOptions {
    /// The defaults, with batches that fit `provider`'s context, the whole track at once
    /// when the provider is built in, and costs reported when it is paid per token.
    pub fn for_provider(provider: &dyn Provider) -> Self {
        let defaults = TrackOptions::default();
        let options = TrackOptions {
            sizes: defaults.sizes.fitted(provider.context_tokens()),
            report_cost: provider.billing() == Billing::PerToken,
            ..defaults
        };
        match provider.billing() {
            Billing::BuiltIn => options.whole_track(),
            Billing::PerToken | Billing::OwnServer => options,
        }
    }

    /// Every line, however far from the playhead (the user asked for the whole track).
    pub fn whole_track(self) -> Self {
        TrackOptions { window_secs: f64::INFINITY, drop_behind_secs: f64::INFINITY, ..self }
    }
}

/// Where a track's results go as they are ready.
pub trait TrackSink: Send {
    /// Translated cues; each cue comes at most once.
    fn cues(&mut self, cues: Vec<TranslatedCue>);
    /// Tokens used so far and the estimate for the rest (when [`TrackOptions::report_cost`]).
    fn cost(&mut self, _cost: TrackCost) {}
    /// The lines (units) just done, each with how its answers were judged (for reports).
    fn lines(&mut self, _lines: Vec<LineReport>) {}
}

/// One line (unit) of a track as it ended: its translation (`None`: untranslated) and how
/// its answers were judged (all zero and `None` for a line served from the cache).
#[derive(Debug, Clone, PartialEq)]
pub struct LineReport {
    /// The unit's index in the track's units.
    pub index: usize,
    pub source: String,
    pub text: Option<String>,
    pub checks: LineChecks,
}

/// A closure taking the cues is a sink that ignores costs.
impl<F: FnMut(Vec<TranslatedCue>) + Send> TrackSink for F {
    fn cues(&mut self, cues: Vec<TranslatedCue>) {
        self(cues);
    }
}

/// Who translates, into what, with which cache (built by `crate::resolve`).
pub struct TrackJob {
    pub provider: Arc<dyn Provider>,
    pub model: String,
    pub to: String,
    pub from: Option<String>,
    pub cache: Option<TranslationCache>,
    /// Where the track's glossary is kept; `None`: it lives only while the track runs.
    pub glossary: Option<TrackGlossary>,
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

/// Translate a track, handing each group of cues to `sink` as soon as they are ready.
/// Every cue is handed over at most once (exactly once unless the viewer left it far
/// behind); work starts under `start` and `playhead` updates re-prioritise it and move
/// its window on while it runs. It ends once every line within reach is done: with a
/// window, that is when playback has brought the last line within it (a paused viewer
/// keeps it waiting; the caller cancels by dropping it).
pub async fn translate_track<S>(
    job: &TrackJob,
    track: &CaptionTrack,
    start: PlayheadUpdate,
    playhead: S,
    sink: &mut dyn TrackSink,
) -> Result<TrackSummary, ErrorInfo>
where
    S: Stream<Item = PlayheadUpdate> + Unpin + Send,
{
    translate_track_seeing(job, track, start, playhead, None, sink).await
}

/// [`translate_track`], each batch shown the freshest of `keyframes` taken near its lines
/// (see `keyframe`); `None`: no pictures.
pub async fn translate_track_seeing<S>(
    job: &TrackJob,
    track: &CaptionTrack,
    start: PlayheadUpdate,
    playhead: S,
    keyframes: Option<&Keyframes>,
    sink: &mut dyn TrackSink,
) -> Result<TrackSummary, ErrorInfo>
where
    S: Stream<Item = PlayheadUpdate> + Unpin + Send,
{
    let started = Instant::now();
    check_track(track)?;
    if nothing_to_translate(job.from.as_deref(), &job.to) {
        return Ok(pass_through(track, sink, started));
    }
    let scope = CacheScope {
        provider: job.provider.kind(),
        // The real name: an empty setting stands for whichever model the server has.
        model: job.provider.model_name(&job.model).await.map_err(ErrorInfo::from)?,
        from: job.from.clone().unwrap_or_default(),
        to: job.to.clone(),
    };
    // Fitted again to what the server says of this model (the options only knew the provider).
    let sizes = job.options.sizes.fitted(job.provider.context_tokens_for(&scope.model).await);
    let terms = Terms::load(job.glossary.clone()).await;
    let plan =
        Plan::with_edited_terms(&track.cues, track.auto_generated, &scope, sizes.context_units, job.cache.as_ref(), terms.edited()).await;
    let mut assembler = Assembler::new(&track.cues, &plan.units);
    let mut delivery = Delivery::new(sink, started);
    let mut usage = Usage { cached: Some(plan.cached_cues(&track.cues)).filter(|&n| n > 0), ..Usage::default() };
    let todo = plan.todo();
    let batches = batch::plan_from(&plan.units, &todo, &sizes, start.time);
    let system = prompt::system_prompt(&job.to, job.from.as_deref(), track.auto_generated);
    let mut meter = job.options.report_cost.then(|| {
        // The lines before a batch (with translations) and after it: three times the
        // context's lines, of the track's average length.
        let line_tokens = todo.iter().map(|&u| cost::source_tokens(&plan.units[u].text)).sum::<u64>() / todo.len().max(1) as u64;
        Meter::new(&plan.units, &todo, batches.len(), &system).with_per_call(3 * sizes.context_units as u64 * (line_tokens + 2))
    });

    // What the cache already has goes out at once, with what the rest would cost.
    delivery.send(assembler.from_cache(&plan));
    delivery.lines(plan.hits().map(|(u, text)| report(&plan.units, u, Some(text), LineChecks::default())).collect());
    if let Some(meter) = &meter {
        delivery.cost(meter.cost());
    }

    let setup = Arc::new(CallSetup {
        provider: job.provider.clone(),
        model: job.model.clone(),
        system,
        one_line_system: prompt::one_line_system_prompt(&job.to, job.from.as_deref()),
        repair_attempts: job.options.repair_attempts,
        context_units: sizes.context_units,
    });
    let queue = Queue::new(batches, Playhead::new(start.time, start.rate), job.options.drop_behind_secs, sizes)
        .with_window(job.options.window_secs)
        .with_parallel(job.options.max_in_flight);
    // Each unit's translation once known (the cache's, then the answers'), for the lines
    // sent before a batch.
    let known = Mutex::new(plan.cached.clone());
    // Lines taken while their batch's answer streams in, handed over at once.
    let (taken, mut taken_lines) = futures::channel::mpsc::unbounded::<(usize, String)>();
    let start_batch = |batch: batch::Batch| {
        let mut around = surroundings(&plan.units, &batch, sizes.context_units, &known, &terms);
        let (first, last) = (&plan.units[batch.units[0]], &plan.units[batch.units[batch.units.len() - 1]]);
        around.picture = keyframes.and_then(|k| k.near(first.start, last.end));
        call::batch_call(setup.clone(), &plan.units, batch, around, taken.clone())
    };
    let mut scheduler = Scheduler::new(&plan.units, queue, playhead, job.options.max_in_flight, start_batch);
    if job.options.window_secs.is_infinite() {
        scheduler = scheduler.one_at_a_time(); // each batch knows the names before it
    }
    let mut calls = 0;
    loop {
        // A line first, whenever one is waiting (the scheduler's `next` loses nothing when
        // it is dropped half-way: its batches run on in it).
        let finished = tokio::select! {
            biased;
            Some((u, text)) = taken_lines.next() => {
                delivery.send(assembler.taken(&plan, u, &text));
                known.lock().unwrap_or_else(std::sync::PoisonError::into_inner)[u] = Some(text);
                continue;
            }
            finished = scheduler.next() => finished,
        };
        let Some((batch, answer)) = finished else { break };
        let answer = answer.map_err(|e| e.info())?;
        calls += answer.calls;
        usage.add_tokens(&answer.usage);
        let (ready, fresh) = assembler.answered(&plan, &batch.units, &answer.texts);
        {
            let mut known = known.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            for (&u, text) in batch.units.iter().zip(&answer.texts) {
                known[u] = text.clone();
            }
        }
        let lines: Vec<&str> = batch.units.iter().map(|&u| plan.units[u].text.as_str()).collect();
        terms.learn(&answer.terms, &lines).await;
        delivery.lines(
            batch
                .units
                .iter()
                .zip(&answer.texts)
                .zip(&answer.checks)
                .map(|((&u, t), &c)| report(&plan.units, u, t.as_deref(), c))
                .collect(),
        );
        if let Some(cache) = &job.cache {
            if let Err(e) = cache.put_many(fresh).await {
                tracing::warn!("cannot store translations in the cache: {e}");
            }
        }
        delivery.send(ready);
        if let Some(meter) = &mut meter {
            meter.answered(&plan.units, &batch.units, answer.usage);
            delivery.cost(meter.cost());
        }
    }
    usage.provider_calls = Some(calls);
    Ok(TrackSummary {
        usage,
        ms: Timings { first_token: delivery.first, total: started.elapsed().as_millis() as u64 },
        cues_sent: delivery.cues_sent,
        untranslated: delivery.untranslated,
        dropped_units: scheduler.dropped_units(),
    })
}

fn report(units: &[Unit], u: usize, text: Option<&str>, checks: LineChecks) -> LineReport {
    LineReport { index: u, source: units[u].text.clone(), text: text.map(str::to_owned), checks }
}

/// Characters of context lines a batch is sent with on each side (at least one line):
/// enough for a manual track's few short lines around it, one sentence of merged
/// auto-generated cues, whose lines are long. Every call pays for its context again.
const CONTEXT_CHARS: usize = 160;

/// What `batch` is sent with: lines before it, lines after it (up to `context` each, within
/// [`CONTEXT_CHARS`]), and the glossary's terms that occur in them. When the line just
/// before is already translated (the batch before answered), it goes alone with its
/// translation: batches end on sentence ends and the names before are in the glossary, so
/// more lines would be paid for in every call for little; otherwise the lines go without
/// translations where unknown.
fn surroundings(units: &[Unit], batch: &batch::Batch, context: usize, known: &Mutex<Vec<Option<String>>>, terms: &Terms) -> Surroundings {
    let first = batch.units[0];
    let last = batch.units[batch.units.len() - 1];
    let known = known.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let within = |lines: &mut dyn Iterator<Item = usize>| {
        let mut chars = 0;
        lines
            .take(context)
            .take_while(|&u| {
                let fits = chars < CONTEXT_CHARS;
                chars += units[u].text.chars().count();
                fits
            })
            .count()
    };
    let answered = first > 0 && known[first - 1].is_some();
    let before = first - if answered { 1.min(context) } else { within(&mut (0..first).rev()) };
    let after = last + 1 + within(&mut (last + 1..units.len()));
    let texts: Vec<&str> = (before..after).map(|u| units[u].text.as_str()).collect();
    Surroundings {
        before: (before..first).map(|u| (units[u].text.clone(), known[u].clone())).collect(),
        after: units[last + 1..after].iter().map(|u| u.text.clone()).collect(),
        glossary: terms.for_batch(&texts),
        picture: None,
    }
}

/// A track already in the target language: every cue as it is, at once, with no provider
/// call and nothing written to the cache (there is no translation to keep).
fn pass_through(track: &CaptionTrack, sink: &mut dyn TrackSink, started: Instant) -> TrackSummary {
    let mut delivery = Delivery::new(sink, started);
    delivery.send(
        track
            .cues
            .iter()
            .map(|c| TranslatedCue { id: c.id.clone(), text: c.text.clone(), untranslated: false, reading: None, host_words: false })
            .collect(),
    );
    let units = plan::units(&track.cues, track.auto_generated);
    delivery.lines((0..units.len()).map(|u| report(&units, u, Some(&units[u].text), LineChecks::default())).collect());
    TrackSummary {
        usage: Usage { provider_calls: Some(0), ..Usage::default() },
        ms: Timings { first_token: delivery.first, total: started.elapsed().as_millis() as u64 },
        cues_sent: delivery.cues_sent,
        untranslated: 0,
        dropped_units: 0,
    }
}

fn check_track(track: &CaptionTrack) -> Result<(), ErrorInfo> {
    let bytes: usize = track.cues.iter().map(|c| c.text.len() + c.id.len()).sum();
    if track.cues.len() > MAX_TRACK_CUES || bytes > MAX_TRACK_TEXT_BYTES {
        return Err(ErrorInfo::localized(
            ErrorCode::TooLarge,
            text::ERR_TRACK_TOO_LARGE.with([
                track.cues.len().into(),
                (bytes / 1024).into(),
                MAX_TRACK_CUES.into(),
                (MAX_TRACK_TEXT_BYTES / 1024).into(),
            ]),
            Some(text::HINT_SHORTER_TRACK.text()),
        ));
    }
    let mut seen = HashSet::new();
    if let Some(dup) = track.cues.iter().find(|c| !seen.insert(c.id.as_str())) {
        return Err(ErrorInfo::localized(
            ErrorCode::BadRequest,
            text::ERR_DUPLICATE_CUE.with([dup.id.as_str().into()]),
            Some(text::HINT_DUPLICATE_CUE.text()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(texts: &[&str]) -> Vec<Unit> {
        texts.iter().enumerate().map(|(i, t)| Unit::single(i, (*t).to_owned(), i as f64 * 3.0, i as f64 * 3.0 + 3.0)).collect()
    }

    #[tokio::test]
    async fn a_batch_after_one_that_answered_goes_with_only_the_line_before_it_translated() {
        let units = lines(&["One.", "Two.", "Three.", "Four.", "Five.", "Six.", "Seven.", "Eight.", "Nine."]);
        let terms = Terms::load(None).await;
        let batch = batch::Batch::new(vec![4, 5], &units);
        let mut known = vec![None; units.len()];
        // The batch before still runs: three lines before, none translated.
        let around = surroundings(&units, &batch, 3, &Mutex::new(known.clone()), &terms);
        assert_eq!(around.before, vec![("Two.".into(), None), ("Three.".into(), None), ("Four.".into(), None)]);
        assert_eq!(around.after, vec!["Seven.", "Eight.", "Nine."]);
        // It answered: the line just before, with its translation, is enough.
        known[1..4].iter_mut().for_each(|t| *t = Some("訳".to_owned()));
        let around = surroundings(&units, &batch, 3, &Mutex::new(known), &terms);
        assert_eq!(around.before, vec![("Four.".into(), Some("訳".into()))]);
    }

    #[tokio::test]
    async fn long_lines_around_a_batch_go_one_at_a_time() {
        // Sentences merged from auto-generated cues: each as long as the context's budget.
        let long = "word ".repeat(CONTEXT_CHARS / 5);
        let texts: Vec<&str> = std::iter::repeat_n(long.as_str(), 9).collect();
        let units = lines(&texts);
        let terms = Terms::load(None).await;
        let around = surroundings(&units, &batch::Batch::new(vec![4], &units), 3, &Mutex::new(vec![None; 9]), &terms);
        assert_eq!((around.before.len(), around.after.len()), (1, 1));
    }
}
