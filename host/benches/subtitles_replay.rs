//! Replays the 10-minute caption fixtures in simulated time (tokio's paused clock) at 1×
//! and 2× through a latency-realistic fake model, and prints Glossa's whole-track
//! pipeline beside per-line translation on request (what other extensions do: one call
//! per caption when it appears), measured in the same run:
//! - share of cues whose translation was ready before the cue started (after the first 5 s),
//! - provider calls, tokens sent, and provider calls when the same video is watched again.
//!
//! `cargo bench -p glossa-host --bench subtitles_replay` (tests/bench.sh runs it).

#[path = "../tests/support/fake_translator.rs"]
mod fake_translator;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use fake_translator::{FakeTranslator, Misbehaviour};
use glossa_host::pipeline::subtitles::cache::TranslationCache;
use glossa_host::pipeline::subtitles::captions::{self, CaptionFormat, CaptionTrack};
use glossa_host::pipeline::subtitles::{translate_track, PlayheadUpdate, TrackJob, TrackOptions};
use glossa_host::providers::ChatRequest;
use glossa_host::store::Store;
use glossa_protocol::{Cue, TranslatedCue};
use tokio::time::Instant;

/// Cues starting in the first seconds cannot be ready for anyone; the goal ignores them.
const GRACE_SECS: f64 = 5.0;

#[derive(Debug, Default)]
struct Numbers {
    ready_share: f64,
    calls: u64,
    tokens_sent: u64,
    rewatch_calls: u64,
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
    let mut goals_met = true;
    for name in ["manual.json3", "asr.json3"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/captions").join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let track = captions::parse(&text, CaptionFormat::from_path(&path).unwrap()).unwrap();
        let cues = track.cues;
        let length = cues.last().map(|c| c.end).unwrap_or(0.0);
        println!(
            "\n{name}: {} cues over {:.0} s ({}), model: {} ms to first token, {} tokens/s",
            cues.len(),
            length,
            if track.auto_generated { "rolling auto-generated" } else { "manual" },
            FakeTranslator::realistic(Misbehaviour::None).first_token.as_millis(),
            FakeTranslator::realistic(Misbehaviour::None).tokens_per_sec
        );
        println!(
            "{:<6} {:<10} {:>22} {:>15} {:>12} {:>18}",
            "rate", "approach", "ready before start", "provider calls", "tokens sent", "calls on re-watch"
        );
        for rate in [1.0, 2.0] {
            let glossa = runtime.block_on(whole_track(&cues, track.auto_generated, rate));
            let per_line = runtime.block_on(per_line_on_request(&cues, rate));
            for (label, n) in [("glossa", &glossa), ("per-line", &per_line)] {
                println!(
                    "{:<6} {:<10} {:>21.1}% {:>15} {:>12} {:>18}",
                    format!("{rate}×"),
                    label,
                    n.ready_share * 100.0,
                    n.calls,
                    n.tokens_sent,
                    n.rewatch_calls
                );
            }
            println!(
                "{:<6} {:<10} {:>18.1} pts {:>14.3}× {:>11.3}× {:>18}",
                "",
                "glossa vs",
                (glossa.ready_share - per_line.ready_share) * 100.0,
                glossa.calls as f64 / per_line.calls as f64,
                glossa.tokens_sent as f64 / per_line.tokens_sent as f64,
                format!("{} vs {}", glossa.rewatch_calls, per_line.rewatch_calls)
            );
            let calls_goal = cues.len() as u64 / 15;
            let met = glossa.ready_share >= 0.99 && glossa.calls <= calls_goal && glossa.rewatch_calls == 0;
            goals_met &= met;
            println!(
                "       goals: ready ≥ 99 % after {GRACE_SECS} s, calls ≤ cues/15 = {calls_goal}, re-watch 0 calls → {}",
                if met { "met" } else { "NOT MET" }
            );
        }
    }
    if !goals_met {
        std::process::exit(1);
    }
}

/// Share of cues starting after the grace period whose translation was ready (in video
/// time) before they started.
fn ready_share(cues: &[Cue], ready_at_video_time: &HashMap<String, f64>) -> f64 {
    let judged: Vec<&Cue> = cues.iter().filter(|c| c.start >= GRACE_SECS).collect();
    let ready = judged.iter().filter(|c| ready_at_video_time.get(&c.id).is_some_and(|t| *t <= c.start)).count();
    if std::env::var_os("GLOSSA_BENCH_VERBOSE").is_some() {
        for c in judged.iter().filter(|c| !ready_at_video_time.get(&c.id).is_some_and(|t| *t <= c.start)) {
            eprintln!("late: cue {} starts {:.1}s, ready {:?}", c.id, c.start, ready_at_video_time.get(&c.id));
        }
    }
    ready as f64 / judged.len().max(1) as f64
}

/// Glossa: the whole track is sent when the video starts; the pipeline works ahead of
/// the playhead. The cache is fresh for the first viewing, then the video is watched again.
async fn whole_track(cues: &[Cue], auto_generated: bool, rate: f64) -> Numbers {
    let store = Store::in_memory().unwrap();
    let cache = TranslationCache::new(&store, 64 << 20);
    let track = CaptionTrack { cues: cues.to_vec(), auto_generated };
    let start = PlayheadUpdate { time: 0.0, rate };
    let run = |fake: Arc<FakeTranslator>| {
        let track = &track;
        let cache = &cache;
        async move {
            let job = TrackJob {
                provider: fake,
                model: "fake".into(),
                to: "ja".into(),
                from: Some("en".into()),
                cache: Some(cache.clone()),
                options: TrackOptions::default(),
            };
            let started = Instant::now();
            let mut ready: HashMap<String, f64> = HashMap::new();
            let mut emit = |batch: Vec<TranslatedCue>| {
                let video_time = started.elapsed().as_secs_f64() * rate;
                for cue in batch {
                    ready.insert(cue.id, video_time);
                }
            };
            translate_track(&job, track, start, futures::stream::empty(), &mut emit).await.unwrap();
            ready
        }
    };
    let fake = Arc::new(FakeTranslator::realistic(Misbehaviour::None));
    let ready = run(fake.clone()).await;
    let again = Arc::new(FakeTranslator::realistic(Misbehaviour::None));
    run(again.clone()).await;
    Numbers { ready_share: ready_share(cues, &ready), calls: fake.calls(), tokens_sent: fake.prompt_tokens(), rewatch_calls: again.calls() }
}

/// The peers' approach: when a caption appears, ask for its translation alone.
async fn per_line_on_request(cues: &[Cue], rate: f64) -> Numbers {
    async fn watch(cues: &[Cue], rate: f64, fake: Arc<FakeTranslator>) -> HashMap<String, f64> {
        let started = Instant::now();
        let requests = cues.iter().map(|cue| {
            let fake = fake.clone();
            async move {
                tokio::time::sleep_until(started + Duration::from_secs_f64(cue.start / rate)).await;
                let request = ChatRequest {
                    model: "fake".into(),
                    system: "You translate subtitles into the language with the code `ja`. Answer with the translation only.".into(),
                    user: cue.text.replace('\n', " "),
                    image: None,
                    max_tokens: 256,
                    temperature: 0.2,
                };
                let mut sink = |_: &str| {};
                glossa_host::providers::answer(fake.as_ref(), &request).forward(&mut sink).await.unwrap();
                (cue.id.clone(), started.elapsed().as_secs_f64() * rate)
            }
        });
        futures::future::join_all(requests).await.into_iter().collect()
    }
    let fake = Arc::new(FakeTranslator::realistic(Misbehaviour::None));
    let ready = watch(cues, rate, fake.clone()).await;
    let again = Arc::new(FakeTranslator::realistic(Misbehaviour::None));
    watch(cues, rate, again.clone()).await;
    Numbers { ready_share: ready_share(cues, &ready), calls: fake.calls(), tokens_sent: fake.prompt_tokens(), rewatch_calls: again.calls() }
}
