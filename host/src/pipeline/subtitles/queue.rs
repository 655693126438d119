//! Which batch to translate next: the one under the playhead first, then forward in
//! time. The extension only reports seeks and rate changes, so the playhead is projected
//! from the last report (`time + rate × elapsed`). Batches the viewer has left far behind
//! are dropped: translating them would only delay what is about to be seen. Batches
//! beyond the window ahead of the playhead wait until playback brings them within it;
//! within the window, a batch starts only when the playhead is about as far from its
//! first line as the batch is expected to take (the model's [`Pace`], measured as
//! batches answer, with a safety factor and margin): ready in time, and little paid for
//! lines a viewer who leaves never sees. The `subtitles_replay` bench weighs the two.

use std::time::Duration;

use tokio::time::Instant;

use super::batch::{ends_sentence, split_at_playhead, Batch, BatchSizes};
use super::Unit;

/// Where the viewer is, as last reported.
#[derive(Debug, Clone, Copy)]
pub struct Playhead {
    time: f64,
    /// Playback rate; 0 while paused.
    rate: f64,
    at: Instant,
}

impl Playhead {
    pub fn new(time: f64, rate: f64) -> Self {
        let sane = |x: f64, default: f64| if x.is_finite() && x >= 0.0 { x } else { default };
        Playhead { time: sane(time, 0.0), rate: sane(rate, 1.0).min(16.0), at: Instant::now() }
    }

    /// The projected position now, in track seconds.
    pub fn now(&self) -> f64 {
        self.time + self.rate * self.at.elapsed().as_secs_f64()
    }

    /// How far ahead of the playhead `secs` of playback reach: wider at faster playback
    /// (the same wall time ahead), never narrower while paused.
    fn reach(&self, secs: f64) -> f64 {
        secs * self.rate.max(1.0)
    }
}

pub struct Queue {
    pending: Vec<Batch>,
    playhead: Playhead,
    /// Batches that ended more than this many seconds before the playhead are dropped.
    drop_behind: f64,
    sizes: BatchSizes,
    dropped_units: usize,
    /// Seconds of playback ahead of the playhead a batch may start in to be translated.
    window: f64,
    pace: Pace,
    /// Batches that may run at once (how fast the model can keep up).
    parallel: usize,
}

/// How long the model takes for a batch: a fixed time to answer plus a time per line,
/// fitted to the batches that answered (the last few), guessed before any has.
#[derive(Debug, Clone, Default)]
pub struct Pace {
    /// (lines, wall seconds) of the latest batches, oldest first.
    seen: Vec<(f64, f64)>,
}

/// Before any batch answered: a slow local model's pace (3 s to answer, ~1 s a line).
const GUESS_FIXED_SECS: f64 = 3.0;
const GUESS_SECS_PER_LINE: f64 = 1.0;
/// Batches the fit remembers: the model's pace changes with load.
const PACE_MEMORY: usize = 6;
/// A batch starts when the playhead is this many times its expected duration from its
/// first line, plus the margin: room for a slower answer and a busy provider.
const LEAD_SAFETY: f64 = 1.5;
const LEAD_MARGIN_SECS: f64 = 2.0;
/// Within a window, a batch expected to take longer than this is cut shorter when the
/// model still keeps up with playback (with this much to spare): a slow model's long
/// batches need a long lead, paid for by a viewer who leaves.
const LONG_BATCH_SECS: f64 = 15.0;
const KEEP_UP_SPARE: f64 = 1.5;

impl Pace {
    /// A batch of `lines` answered after `secs` of wall time.
    pub fn answered(&mut self, lines: usize, secs: f64) {
        if secs.is_finite() && secs >= 0.0 && lines > 0 {
            if self.seen.len() == PACE_MEMORY {
                self.seen.remove(0);
            }
            self.seen.push((lines as f64, secs));
        }
    }

    /// (fixed seconds, seconds per line): a least-squares line through what was seen when
    /// batches of different sizes answered, else the guess scaled to match them.
    fn fit(&self) -> (f64, f64) {
        let n = self.seen.len() as f64;
        if self.seen.is_empty() {
            return (GUESS_FIXED_SECS, GUESS_SECS_PER_LINE);
        }
        let mean_lines = self.seen.iter().map(|s| s.0).sum::<f64>() / n;
        let mean_secs = self.seen.iter().map(|s| s.1).sum::<f64>() / n;
        let spread: f64 = self.seen.iter().map(|s| (s.0 - mean_lines).powi(2)).sum();
        if spread > 0.0 {
            let per_line = self.seen.iter().map(|s| (s.0 - mean_lines) * (s.1 - mean_secs)).sum::<f64>() / spread;
            let fixed = mean_secs - per_line * mean_lines;
            if per_line >= 0.0 && fixed >= 0.0 {
                return (fixed, per_line);
            }
        }
        let scale = mean_secs / (GUESS_FIXED_SECS + GUESS_SECS_PER_LINE * mean_lines);
        (GUESS_FIXED_SECS * scale, GUESS_SECS_PER_LINE * scale)
    }

    /// Some batch has answered: the pace is the model's, not the guess.
    pub fn measured(&self) -> bool {
        !self.seen.is_empty()
    }

    /// Wall seconds a batch of `lines` is expected to take.
    pub fn expected(&self, lines: usize) -> f64 {
        let (fixed, per_line) = self.fit();
        fixed + per_line * lines as f64
    }

    /// Wall seconds before the first line of a batch of `lines` over `span` seconds of
    /// video is shown that the batch should start, its lines coming back one by one as the
    /// answer streams (see `call`): line k is back after about fixed + per line × (k + 1)
    /// (times `safety`, plus `margin`) and shown k/lines × span of video, at `rate`, after
    /// the first. The latest of these; the fit is linear, so the first or the last.
    fn streamed_lead(&self, lines: usize, span: f64, rate: f64, safety: f64, margin: f64) -> f64 {
        let (fixed, per_line) = self.fit();
        let n = lines.max(1) as f64;
        let lead = |k: f64| (fixed + per_line * (k + 1.0)) * safety + margin - k / n * span.max(0.0) / rate.max(1.0);
        lead(0.0).max(lead(n - 1.0))
    }

    /// [`Self::streamed_lead`] with room for a slower answer and a busy provider.
    fn lead(&self, lines: usize, span: f64, rate: f64) -> f64 {
        self.streamed_lead(lines, span, rate, LEAD_SAFETY, LEAD_MARGIN_SECS)
    }
}

impl Queue {
    pub fn new(batches: Vec<Batch>, playhead: Playhead, drop_behind: f64, sizes: BatchSizes) -> Self {
        Queue {
            pending: batches,
            playhead,
            drop_behind,
            sizes,
            dropped_units: 0,
            window: f64::INFINITY,
            pace: Pace::default(),
            parallel: 1,
        }
    }

    /// `parallel` batches may run at once.
    pub fn with_parallel(self, parallel: usize) -> Self {
        Queue { parallel: parallel.max(1), ..self }
    }

    /// `batch`, or its first lines when it would take long and shorter batches keep up with
    /// playback (the rest goes back to the queue).
    fn shortened(&mut self, batch: Batch, units: &[Unit]) -> Batch {
        let n = batch.units.len();
        if self.window == f64::INFINITY || n < 2 || self.pace.expected(n) <= LONG_BATCH_SECS {
            return batch;
        }
        let Some(k) = (1..n).rev().find(|&k| self.pace.expected(k) <= LONG_BATCH_SECS) else { return batch };
        if !self.keeps_up(&batch, k) {
            return batch;
        }
        // At a sentence end in the back half, if there is one.
        let cut = (k.div_ceil(2)..=k).rev().find(|&j| ends_sentence(&units[batch.units[j - 1]].text)).unwrap_or(k);
        self.pending.push(Batch::new(batch.units[cut..].to_vec(), units));
        Batch::new(batch.units[..cut].to_vec(), units)
    }

    /// Whether batches of `k` lines keep up with playback over `batch`'s lines (with
    /// [`KEEP_UP_SPARE`] to spare): the lines per wall second playback needs there, against
    /// what such batches answer, as many at once as may run.
    fn keeps_up(&self, batch: &Batch, k: usize) -> bool {
        let need = batch.units.len() as f64 / (batch.end - batch.start).max(1.0) * self.playhead.rate.max(1.0);
        let pace = (self.parallel * k) as f64 / self.pace.expected(k);
        pace >= need * KEEP_UP_SPARE
    }

    /// A batch of `lines` answered after `secs` of wall time: the lead follows the model's pace.
    pub fn batch_took(&mut self, lines: usize, secs: f64) {
        self.pace.answered(lines, secs);
    }

    /// Translate only batches starting within `window` seconds ahead of the playhead.
    pub fn with_window(self, window: f64) -> Self {
        Queue { window, ..self }
    }

    /// How far ahead of the playhead at `t` `batch` may start now, in track seconds: as far
    /// ahead as it must start to be ready in time at the model's pace, never beyond the window.
    fn horizon(&self, t: f64, batch: &Batch) -> f64 {
        if self.window == f64::INFINITY {
            return f64::INFINITY; // the whole track: no lead to keep
        }
        let lead = self.pace.lead(batch.units.len(), batch.end - batch.start, self.playhead.rate);
        t + self.playhead.reach(self.window.min(lead))
    }

    /// How long until playback brings the next batch waiting beyond the window within it;
    /// `None` when none waits, or while paused (only a playhead report can move it then).
    pub fn next_in_window(&self) -> Option<Duration> {
        let t = self.playhead.now();
        let early = self.pending.iter().map(|b| b.start - self.horizon(t, b)).filter(|&e| e > 0.0).min_by(f64::total_cmp)?;
        // At least a millisecond: a wait that rounds to nothing would not move the clock.
        (self.playhead.rate > 0.0).then(|| Duration::from_secs_f64(early / self.playhead.rate).max(Duration::from_millis(1)))
    }

    pub fn set_playhead(&mut self, playhead: Playhead) {
        self.playhead = playhead;
    }

    pub fn playhead(&self) -> f64 {
        self.playhead.now()
    }

    /// Units dropped so far because the viewer was far past them.
    pub fn dropped_units(&self) -> usize {
        self.dropped_units
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// The batch to start now, or None when nothing is left within the window.
    pub fn next(&mut self, units: &[Unit]) -> Option<Batch> {
        let t = self.playhead.now();
        let before = self.pending.len();
        let drop_behind = self.drop_behind;
        let mut dropped = 0;
        self.pending.retain(|b| {
            let keep = b.end >= t - drop_behind;
            if !keep {
                dropped += b.units.len();
            }
            keep
        });
        if self.pending.len() != before {
            tracing::debug!(dropped, playhead = t, "dropped subtitle batches behind the playhead");
        }
        self.dropped_units += dropped;

        // The batch under the playhead — or the next one, when it starts too soon to be
        // translated whole in time — is cut so a short head is translated first; the rest
        // is queued. When even a short head would come back after its lines are gone
        // (fast playback, a slow model), work starts where the playhead will be instead:
        // the lines before are late anyway.
        let head_secs = self.playhead.rate * self.pace.expected(self.sizes.head_units);
        let aim = if self.pace.measured() && head_secs > self.sizes.head_secs { t + head_secs } else { t };
        let under = self.pending.iter().position(|b| b.contains_time(aim));
        let ahead = self
            .pending
            .iter()
            .enumerate()
            .filter(|(_, b)| b.start >= aim && b.start <= self.horizon(t, b))
            .min_by(|(_, a), (_, b)| a.start.total_cmp(&b.start))
            .map(|(i, _)| i);
        let too_soon = |b: &Batch| {
            let need = self.pace.streamed_lead(b.units.len(), b.end - b.start, self.playhead.rate, 1.0, 0.0);
            b.start - aim < self.sizes.head_secs.min(self.playhead.reach(need))
        };
        if let Some(i) = under.or(ahead.filter(|&i| too_soon(&self.pending[i]))) {
            let batch = self.pending.swap_remove(i);
            let (behind, head, rest) = split_at_playhead(&batch, units, aim, &self.sizes);
            // A line or two before the aim are not worth a call of their own (each call pays
            // the whole prompt): while the model keeps up with playback, they go first in the
            // head when, streamed, all of it still comes back in time with the room a batch
            // starts with. A model falling behind is kept to the lines it can still make.
            let (behind, head) = match behind {
                Some(b) if b.units.len() * 2 <= self.sizes.head_units && self.keeps_up(&batch, b.units.len() + head.units.len()) => {
                    let merged = Batch::new([b.units.clone(), head.units.clone()].concat(), units);
                    let need = self.pace.lead(merged.units.len(), merged.end - merged.start, self.playhead.rate);
                    if merged.start - t >= self.playhead.reach(need) {
                        (None, merged)
                    } else {
                        (Some(b), head)
                    }
                }
                behind => (behind, head),
            };
            self.pending.extend(behind);
            self.pending.extend(rest);
            return Some(head);
        }
        // Then the nearest ahead, then the nearest behind.
        let behind = || {
            self.pending.iter().enumerate().filter(|(_, b)| b.start < aim).max_by(|(_, a), (_, b)| a.end.total_cmp(&b.end)).map(|(i, _)| i)
        };
        let pick = ahead.or_else(behind)?;
        let batch = self.pending.swap_remove(pick);
        Some(if ahead.is_some() { self.shortened(batch, units) } else { batch })
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::pipeline::subtitles::batch::plan;

    /// `n` lines of 3 s each.
    pub(in crate::pipeline::subtitles) fn track(n: usize) -> Vec<Unit> {
        (0..n).map(|i| Unit::single(i, format!("line {i}."), i as f64 * 3.0, i as f64 * 3.0 + 3.0)).collect()
    }

    /// Batches of 10 lines, heads of 2.
    pub(in crate::pipeline::subtitles) fn sizes() -> BatchSizes {
        BatchSizes { min_units: 10, max_units: 10, head_units: 2, head_secs: 5.0, ..BatchSizes::default() }
    }

    #[tokio::test(start_paused = true)]
    async fn playhead_batch_first_then_forward_and_seeks_reprioritise() {
        let units = track(60); // 3 s per line, batches of 10 lines = 30 s
        let all: Vec<usize> = (0..60).collect();
        let mut q = Queue::new(plan(&units, &all, &sizes()), Playhead::new(0.0, 1.0), 60.0, sizes());
        assert_eq!(q.next(&units).unwrap().units, vec![0, 1]);
        assert_eq!(q.next(&units).unwrap().units, (2..10).collect::<Vec<_>>());
        assert_eq!(q.next(&units).unwrap().units, (10..20).collect::<Vec<_>>());
        // Seek to 100 s (line 33): its batch is split there, the head goes next.
        q.set_playhead(Playhead::new(100.0, 1.0));
        assert_eq!(q.next(&units).unwrap().units, vec![33, 34]);
        assert_eq!(q.next(&units).unwrap().units, (35..40).collect::<Vec<_>>());
        assert_eq!(q.next(&units).unwrap().units, (40..50).collect::<Vec<_>>());
        assert_eq!(q.next(&units).unwrap().units, (50..60).collect::<Vec<_>>());
        // Then what is behind but close: lines 30–32, then 20–29.
        assert_eq!(q.next(&units).unwrap().units, vec![30, 31, 32]);
        assert_eq!(q.next(&units).unwrap().units, (20..30).collect::<Vec<_>>());
        assert!(q.next(&units).is_none());
        assert_eq!(q.dropped_units(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn far_behind_is_dropped_and_time_moves_the_playhead() {
        let units = track(60);
        let all: Vec<usize> = (0..60).collect();
        let mut q = Queue::new(plan(&units, &all, &sizes()), Playhead::new(0.0, 2.0), 30.0, sizes());
        // 50 s of wall time at 2× is 100 s of video.
        tokio::time::advance(std::time::Duration::from_secs(50)).await;
        assert!((q.playhead() - 100.0).abs() < 1e-6);
        assert_eq!(q.next(&units).unwrap().units, vec![33, 34]);
        // Lines 0–19 (batches ending at 30 s and 60 s) are more than 30 s behind: dropped.
        assert_eq!(q.dropped_units(), 20);
        assert_eq!(q.next(&units).unwrap().units, (35..40).collect::<Vec<_>>());
    }

    #[tokio::test(start_paused = true)]
    async fn a_window_holds_batches_until_playback_brings_them_within_it() {
        let units = track(60); // batches of 10 lines = 30 s
        let all: Vec<usize> = (0..60).collect();
        let mut q = Queue::new(plan(&units, &all, &sizes()), Playhead::new(0.0, 1.0), 60.0, sizes()).with_window(2.0);
        // A fast model (0.5 s to answer, 0.25 s a line) would start a batch ~3 s before its
        // first line; the window allows 2.
        q.batch_took(2, 1.0);
        q.batch_took(10, 3.0);
        assert_eq!(q.next(&units).unwrap().units, vec![0, 1]);
        assert!(q.next(&units).is_none(), "line 2 starts at 6 s, beyond 0 + 2 s");
        assert!(!q.is_empty());
        assert_eq!(q.next_in_window(), Some(Duration::from_secs(4)));
        tokio::time::advance(Duration::from_secs(4)).await;
        assert_eq!(q.next(&units).unwrap().units, (2..10).collect::<Vec<_>>());
        assert_eq!(q.next_in_window(), Some(Duration::from_secs(24)), "line 10 at 30 s");
        tokio::time::advance(Duration::from_secs(24)).await;
        assert_eq!(q.next(&units).unwrap().units, (10..20).collect::<Vec<_>>());
        // At 2× the window reaches twice as far: 4 s of video from 28 s.
        q.set_playhead(Playhead::new(28.0, 2.0));
        assert!(q.next(&units).is_none());
        assert_eq!(q.next_in_window(), Some(Duration::from_secs(14)), "batch 20–29 starts at 60 s, the window ends at 32 s");
        // Paused: only a playhead report can bring it in.
        q.set_playhead(Playhead::new(28.0, 0.0));
        assert_eq!(q.next_in_window(), None);
        q.set_playhead(Playhead::new(58.0, 0.0));
        assert_eq!(q.next(&units).unwrap().units, (20..30).collect::<Vec<_>>());
    }

    #[test]
    fn the_pace_is_fitted_to_the_batches_that_answered() {
        let mut pace = Pace::default();
        assert_eq!(pace.expected(10), 13.0, "the guess: a slow local model");
        // One answer: the guess scaled to it.
        pace.answered(10, 3.0);
        assert!((pace.expected(10) - 3.0).abs() < 1e-9);
        // Answers of different sizes: their fixed and per-line times.
        pace.answered(2, 1.0);
        pace.answered(18, 5.0);
        assert!((pace.expected(0) - 0.5).abs() < 1e-9, "{}", pace.expected(0));
        assert!((pace.expected(40) - 10.5).abs() < 1e-9, "{}", pace.expected(40));
        // Only the latest answers count: the model got slower.
        for _ in 0..PACE_MEMORY {
            pace.answered(4, 8.0);
            pace.answered(8, 12.0);
        }
        assert!((pace.expected(8) - 12.0).abs() < 1e-9);
    }

    #[tokio::test(start_paused = true)]
    async fn within_the_window_a_batch_starts_as_far_ahead_as_it_is_expected_to_take() {
        let units = track(60);
        let all: Vec<usize> = (0..60).collect();
        let mut q = Queue::new(plan(&units, &all, &sizes()), Playhead::new(0.0, 1.0), 60.0, sizes()).with_window(600.0);
        assert_eq!(q.next(&units).unwrap().units, vec![0, 1]);
        // A fast model: half a second to answer and a quarter of a second a line.
        q.batch_took(2, 1.0);
        q.batch_took(10, 3.0);
        // Lines 2–9 start at 6 s, one every 3 s; their answer streams, a line back every
        // quarter of a second after half a second: the first line is what needs the lead,
        // 0.75 s with the safety factor and margin: 3.125 s.
        assert!(q.next(&units).is_none(), "line 2 at 6 s need not start yet");
        let wait = q.next_in_window().unwrap();
        assert!(wait > Duration::from_millis(2865) && wait < Duration::from_millis(2885), "{wait:?}");
        tokio::time::advance(wait).await;
        assert_eq!(q.next(&units).unwrap().units, (2..10).collect::<Vec<_>>());
        // Lines 10–19 at 30 s: they start at 26.875 s.
        assert!(q.next(&units).is_none(), "line 10 at 30 s is further ahead than the model needs");
        let wait = q.next_in_window().unwrap();
        assert!(wait > Duration::from_millis(23_990) && wait < Duration::from_millis(24_010), "{wait:?}");
        // At 2× the same wall time reaches twice as far: from 10 s, they start at 23.75 s.
        q.set_playhead(Playhead::new(10.0, 2.0));
        let wait = q.next_in_window().unwrap();
        assert!(wait > Duration::from_millis(6865) && wait < Duration::from_millis(6885), "{wait:?}");
        // A slow model (3 s to answer, a second a line), ten lines: the last one is back after
        // 13 s (21.5 s with the safety factor and margin). Shown 27 s after the first, it
        // needs no more lead than the first line's 8 s; shown 9 s after it, 12.5 s.
        let mut slow = Pace::default();
        slow.answered(2, 5.0);
        slow.answered(10, 13.0);
        assert!((slow.lead(10, 30.0, 1.0) - 8.0).abs() < 1e-9);
        assert!((slow.lead(10, 10.0, 1.0) - (13.0 * 1.5 + 2.0 - 9.0)).abs() < 1e-9, "lines a second apart");
        let mut whole = Queue::new(plan(&units, &all, &sizes()), Playhead::new(0.0, 0.0), 60.0, sizes());
        whole.batch_took(2, 1.0);
        let mut n = 0;
        while whole.next(&units).is_some() {
            n += 1;
        }
        assert_eq!(n, 7, "without a window, everything: a head, its rest and five batches");
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_models_long_batch_is_cut_shorter_while_shorter_ones_keep_up() {
        let units = track(60);
        for (rate, parallel, lines) in [(1.0, 2, 2..14), (2.0, 1, 2..20)] {
            let mut q = Queue::new(vec![], Playhead::new(0.0, rate), 60.0, sizes()).with_window(600.0).with_parallel(parallel);
            // 3 s to answer and a second a line: lines 2–19 would take 21 s.
            q.batch_took(2, 5.0);
            q.batch_took(10, 13.0);
            // At 1×, two batches of 12 lines at a time (15 s each) keep up with a line every
            // 3 s; at 2× one at a time would not, and the batch stays whole.
            let batch = q.shortened(Batch::new((2..20).collect(), &units), &units);
            assert_eq!(batch.units, lines.collect::<Vec<_>>(), "at {rate}×");
            assert_eq!(q.pending.iter().map(|b| b.units.len()).sum::<usize>(), 18 - batch.units.len());
        }
    }

    #[tokio::test(start_paused = true)]
    async fn when_a_head_would_come_back_too_late_work_starts_where_the_playhead_will_be() {
        let units = track(60);
        let all: Vec<usize> = (0..60).collect();
        let mut q = Queue::new(plan(&units, &all, &sizes()), Playhead::new(0.0, 4.0), 60.0, sizes()).with_window(600.0);
        assert_eq!(q.next(&units).unwrap().units, vec![0, 1], "nothing measured yet: under the playhead");
        // A head of two lines takes 5 s: 20 s of video at 4×, longer than a head's 5 s.
        q.batch_took(2, 5.0);
        q.batch_took(10, 13.0);
        assert_eq!(q.next(&units).unwrap().units, vec![6, 7], "line 6 is on screen at 20 s");
        // The lines skipped are translated once nothing ahead is due.
        let mut rest = Vec::new();
        while let Some(b) = q.next(&units) {
            rest.extend(b.units);
        }
        assert!((2..6).all(|u| rest.contains(&u)), "{rest:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_line_or_two_before_where_work_starts_go_first_in_its_head_not_in_a_call_of_their_own() {
        let units = track(60);
        let all: Vec<usize> = (0..60).collect();
        let mut q = Queue::new(plan(&units, &all, &sizes()), Playhead::new(0.0, 1.0), 60.0, sizes()).with_window(600.0);
        assert_eq!(q.next(&units).unwrap().units, vec![0, 1]);
        // A second to answer and 1.5 s a line: a head of 6 lines takes 10 s, more than a
        // head's 5 s of video, so work starts where the playhead will be then, in line 3
        // (9–12 s). Line 2 before it (6–9 s) is not shown yet, and the head with it in front
        // streams back in time with room to spare (its first line after 2.5 s, 5.75 s with
        // the safety factor and margin): it goes first in that head, not alone in a call.
        q.batch_took(2, 4.0);
        q.batch_took(10, 16.0);
        q.sizes = BatchSizes { head_units: 6, ..sizes() };
        assert_eq!(q.next(&units).unwrap().units, vec![2, 3, 4]);
        assert!(q.pending.iter().all(|b| b.units.len() > 1), "no lone line left behind: {:?}", q.pending);
    }
}
