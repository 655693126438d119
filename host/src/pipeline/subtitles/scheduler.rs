//! When each batch runs: at most a few at a time, the next one chosen by the [`Queue`]
//! (under the playhead first) each time one finishes, with the viewer's playhead
//! reports taken as they come so a seek re-prioritises what starts next. Batches beyond
//! the queue's window start when the projected playhead brings them within it.
//!
//! For a whole track ([`Scheduler::one_at_a_time`]), where every batch could start at
//! once, batches run one after another from the playhead: each is sent with the names and
//! terms the ones before it learnt and their translations, so a name is spelled one way
//! across the track instead of once per batch that started beside it (a name often first
//! appears in the second batch, so letting only the first go alone is not enough). A whole
//! track is asked for to be read later or by the built-in model, which runs one answer at
//! a time anyway. Within a window, batches start by the model's pace, mostly after the one
//! before answered, so they wait for nothing (the replay bench's readiness drops when they do).

use std::future::Future;

use futures::future::{join, ready, Join, Ready};
use futures::stream::{FuturesUnordered, Stream, StreamExt};
use futures::FutureExt;
use tokio::time::Instant;

use super::batch::Batch;
use super::queue::{Playhead, Queue};
use super::{PlayheadUpdate, Unit};

/// Runs the batches of a [`Queue`] through `start` (which gives back its batch with the
/// result) and yields them as they finish.
pub struct Scheduler<'u, S, F, Fut: Future> {
    units: &'u [Unit],
    queue: Queue,
    playhead: S,
    /// The playhead reports have not ended.
    updates_open: bool,
    max_in_flight: usize,
    /// Nothing starts beside a running batch (a whole track: see the module's comment).
    one_at_a_time: bool,
    start: F,
    /// Each running batch with when it started and its lines, so the queue learns the model's pace.
    in_flight: FuturesUnordered<Join<Ready<(Instant, usize)>, Fut>>,
}

impl<'u, S, F, Fut> Scheduler<'u, S, F, Fut>
where
    S: Stream<Item = PlayheadUpdate> + Unpin,
    F: FnMut(Batch) -> Fut,
    Fut: Future,
{
    pub fn new(units: &'u [Unit], queue: Queue, playhead: S, max_in_flight: usize, start: F) -> Self {
        Scheduler {
            units,
            queue,
            playhead,
            updates_open: true,
            max_in_flight: max_in_flight.max(1),
            one_at_a_time: false,
            start,
            in_flight: FuturesUnordered::new(),
        }
    }

    /// Each batch runs alone, the next once it finished.
    pub fn one_at_a_time(self) -> Self {
        Scheduler { one_at_a_time: true, ..self }
    }

    /// The next batch to finish, with its result; `None` once every batch has run (or
    /// was dropped, far behind the playhead), or when the rest waits beyond the window of
    /// a paused playhead that can no longer move. Dropping the scheduler drops the batches
    /// still running.
    pub async fn next(&mut self) -> Option<Fut::Output> {
        let Scheduler { units, queue, playhead, updates_open, max_in_flight, one_at_a_time, start, in_flight } = self;
        loop {
            // Take every playhead report already waiting before choosing what to start.
            while *updates_open {
                match playhead.next().now_or_never() {
                    Some(Some(PlayheadUpdate { time, rate })) => queue.set_playhead(Playhead::new(time, rate)),
                    Some(None) => *updates_open = false,
                    None => break,
                }
            }
            let at_once = if *one_at_a_time { 1 } else { *max_in_flight };
            while in_flight.len() < at_once {
                match queue.next(units) {
                    Some(batch) => in_flight.push(join(ready((Instant::now(), batch.units.len())), start(batch))),
                    None => break,
                }
            }
            let wake = queue.next_in_window();
            if in_flight.is_empty() && (queue.is_empty() || (wake.is_none() && !*updates_open)) {
                return None;
            }
            tokio::select! {
                biased;
                update = playhead.next(), if *updates_open => match update {
                    Some(PlayheadUpdate { time, rate }) => {
                        tracing::debug!(time, rate, "playhead moved");
                        queue.set_playhead(Playhead::new(time, rate));
                    }
                    None => *updates_open = false,
                },
                Some(((started, lines), finished)) = in_flight.next() => {
                    queue.batch_took(lines, started.elapsed().as_secs_f64());
                    return Some(finished);
                }
                // Playback brought a waiting batch within the window: start it.
                () = tokio::time::sleep(wake.unwrap_or_default()), if wake.is_some() => {}
                else => return None,
            }
        }
    }

    /// Units dropped so far because the viewer was far past them.
    pub fn dropped_units(&self) -> usize {
        self.queue.dropped_units()
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;
    use std::time::Duration;

    use super::*;
    use crate::pipeline::subtitles::batch::plan;
    use crate::pipeline::subtitles::queue::tests::{sizes, track};

    fn queue(units: &[Unit], drop_behind: f64) -> Queue {
        let all: Vec<usize> = (0..units.len()).collect();
        Queue::new(plan(units, &all, &sizes()), Playhead::new(0.0, 1.0), drop_behind, sizes())
    }

    /// A batch that takes a second, counting how many run at once.
    fn timed(running: Rc<Cell<usize>>, most: Rc<Cell<usize>>) -> impl FnMut(Batch) -> std::pin::Pin<Box<dyn Future<Output = Batch>>> {
        move |batch| {
            let (running, most) = (running.clone(), most.clone());
            Box::pin(async move {
                running.set(running.get() + 1);
                most.set(most.get().max(running.get()));
                tokio::time::sleep(Duration::from_secs(1)).await;
                running.set(running.get() - 1);
                batch
            })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn every_batch_runs_once_a_bounded_number_at_a_time() {
        let units = track(60);
        let (running, most) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        let mut scheduler = Scheduler::new(&units, queue(&units, 60.0), futures::stream::pending(), 2, timed(running, most.clone()));
        let mut seen = Vec::new();
        while let Some(batch) = scheduler.next().await {
            seen.extend(batch.units);
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..60).collect::<Vec<_>>());
        assert_eq!(most.get(), 2);
        assert_eq!(scheduler.dropped_units(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_whole_track_runs_one_batch_at_a_time() {
        let units = track(60);
        let all: Vec<usize> = (0..units.len()).collect();
        let whole = Queue::new(plan(&units, &all, &sizes()), Playhead::new(0.0, 1.0), f64::INFINITY, sizes()).with_window(f64::INFINITY);
        let started = Rc::new(std::cell::RefCell::new(Vec::new()));
        let log = started.clone();
        let begun = tokio::time::Instant::now();
        let start = move |batch: Batch| {
            log.borrow_mut().push((batch.units[0], begun.elapsed().as_secs()));
            async move {
                tokio::time::sleep(Duration::from_secs(1)).await;
                batch
            }
        };
        let mut scheduler = Scheduler::new(&units, whole, futures::stream::pending(), 4, start).one_at_a_time();
        assert_eq!(scheduler.next().await.expect("the first batch").units[0], 0);
        assert_eq!(*started.borrow(), vec![(0, 0)], "nothing beside the first batch");
        while scheduler.next().await.is_some() {}
        let times: Vec<u64> = started.borrow().iter().map(|&(_, s)| s).collect();
        assert!(times.len() > 2, "{times:?}");
        assert!(times.windows(2).all(|w| w[1] == w[0] + 1), "each batch starts once the one before answered: {times:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_seek_while_batches_run_decides_what_starts_next() {
        let units = track(60);
        let (tx, rx) = futures::channel::mpsc::unbounded();
        let started = Rc::new(std::cell::RefCell::new(Vec::new()));
        let log = started.clone();
        let start = move |batch: Batch| {
            log.borrow_mut().push(batch.units[0]);
            async move {
                tokio::time::sleep(Duration::from_secs(1)).await;
                batch
            }
        };
        let mut scheduler = Scheduler::new(&units, queue(&units, 600.0), rx, 1, start);
        scheduler.next().await.expect("the head batch");
        // Seek to 100 s (line 33) between two batches: its head starts next.
        tx.unbounded_send(PlayheadUpdate { time: 100.0, rate: 1.0 }).unwrap();
        assert_eq!(scheduler.next().await.expect("a batch").units, vec![33, 34]);
        assert_eq!(*started.borrow(), vec![0, 33]);
        // A seek back while a batch runs is taken as soon as it comes: what starts after it
        // is under the new playhead.
        let sent = tx.clone();
        let seek = async move {
            tokio::time::sleep(Duration::from_millis(500)).await;
            sent.unbounded_send(PlayheadUpdate { time: 0.0, rate: 0.0 }).unwrap();
        };
        let (_, finished) = futures::join!(seek, scheduler.next());
        assert_eq!(finished.expect("a batch").units[0], 35);
        scheduler.next().await.expect("a batch");
        assert_eq!(started.borrow()[3], 2, "back at the start: {:?}", started.borrow());
        drop(tx); // the viewer left: the work goes on to the end
        let mut rest = 0;
        while scheduler.next().await.is_some() {
            rest += 1;
        }
        assert!(rest > 0);
    }

    #[tokio::test(start_paused = true)]
    async fn batches_far_behind_a_moving_playhead_are_dropped() {
        let units = track(60);
        let (tx, rx) = futures::channel::mpsc::unbounded();
        tx.unbounded_send(PlayheadUpdate { time: 170.0, rate: 1.0 }).unwrap();
        let start = |batch: Batch| async move { batch };
        let mut scheduler = Scheduler::new(&units, queue(&units, 30.0), rx, 2, start);
        let mut seen = Vec::new();
        while let Some(batch) = scheduler.next().await {
            seen.extend(batch.units);
        }
        assert!(!seen.contains(&0), "{seen:?}");
        assert_eq!(seen.len() + scheduler.dropped_units(), 60);
    }
}
