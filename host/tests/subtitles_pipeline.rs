//! The whole-track subtitle pipeline on the 10-minute fixtures (manual and rolling ASR,
//! json3 and VTT), through a fake model with realistic latency in simulated time: every
//! cue comes back exactly once under its own id, a misbehaving model is repaired or its
//! lines marked untranslated, seeks re-prioritise, and the SQLite cache (shared by two
//! stores on one file, as two host processes would) makes a re-watch free.

mod support;

use std::collections::HashMap;
use std::sync::Arc;

use futures::channel::mpsc;
use glossa_host::pipeline::subtitles::cache::TranslationCache;
use glossa_host::pipeline::subtitles::captions::{self, CaptionFormat, CaptionTrack};
use glossa_host::pipeline::subtitles::glossary::TrackGlossary;
use glossa_host::pipeline::subtitles::{
    translate_track, PlayheadUpdate, TrackJob, TrackOptions, TrackSink, TrackSummary, DEFAULT_WINDOW_SECS,
};
use glossa_host::providers::Billing;
use glossa_host::store::glossary::Glossary;
use glossa_host::store::Store;
use glossa_protocol::{TrackCost, TranslatedCue};
use support::fake_translator::{FakeTranslator, Misbehaviour};

const FIXTURES: [&str; 4] = ["manual.json3", "manual.vtt", "asr.json3", "asr.vtt"];

/// A caption track, and where the viewer starts watching it.
struct Watch {
    track: CaptionTrack,
    playhead: f64,
    rate: f64,
}

fn fixture(name: &str) -> Watch {
    let path = support::host_dir().join("tests/fixtures/captions").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let track = captions::parse(&text, CaptionFormat::from_path(&path).unwrap()).unwrap();
    Watch { track, playhead: 0.0, rate: 1.0 }
}

impl Watch {
    fn start(&self) -> PlayheadUpdate {
        PlayheadUpdate { time: self.playhead, rate: self.rate }
    }
}

struct Run {
    emitted: Vec<TranslatedCue>,
    summary: TrackSummary,
}

async fn run(request: &Watch, fake: Arc<FakeTranslator>, cache: Option<&TranslationCache>) -> Run {
    let (_tx, rx) = mpsc::unbounded::<PlayheadUpdate>();
    run_with(request, fake, cache, rx, |_| {}).await
}

async fn run_with(
    request: &Watch,
    fake: Arc<FakeTranslator>,
    cache: Option<&TranslationCache>,
    updates: mpsc::UnboundedReceiver<PlayheadUpdate>,
    mut on_emit: impl FnMut(&[TranslatedCue]) + Send,
) -> Run {
    let job = TrackJob {
        provider: fake,
        model: "fake-model".into(),
        to: "ja".into(),
        from: Some("en".into()),
        cache: cache.cloned(),
        glossary: None,
        options: TrackOptions::default(),
    };
    let mut emitted = Vec::new();
    let mut emit = |cues: Vec<TranslatedCue>| {
        on_emit(&cues);
        emitted.extend(cues);
    };
    let summary = translate_track(&job, &request.track, request.start(), updates, &mut emit).await.expect("track translated");
    Run { emitted, summary }
}

/// Every cue of the request exactly once, under its own id.
fn assert_each_cue_once(request: &Watch, emitted: &[TranslatedCue]) -> HashMap<String, TranslatedCue> {
    let mut by_id = HashMap::new();
    for cue in emitted {
        assert!(by_id.insert(cue.id.clone(), cue.clone()).is_none(), "cue {} sent twice", cue.id);
    }
    for cue in &request.track.cues {
        assert!(by_id.contains_key(&cue.id), "cue {} ({:?}) never sent", cue.id, cue.text);
    }
    assert_eq!(by_id.len(), request.track.cues.len(), "ids that are not in the track were sent");
    by_id
}

/// Manual tracks: each line's translation is its own line's (the fake's translations
/// name their source), or its original text marked untranslated.
fn assert_manual_lines(request: &Watch, emitted: &[TranslatedCue], untranslated_if: impl Fn(&str) -> bool) {
    let by_id = assert_each_cue_once(request, emitted);
    for cue in &request.track.cues {
        let got = &by_id[&cue.id];
        if untranslated_if(&cue.text) {
            assert!(got.untranslated, "{cue:?} → {got:?}");
            assert_eq!(got.text, cue.text);
        } else {
            assert!(!got.untranslated, "{cue:?} → {got:?}");
            assert_eq!(got.text, FakeTranslator::translation("ja", &cue.text), "cue {}", cue.id);
        }
    }
}

#[tokio::test(start_paused = true)]
async fn every_cue_of_every_fixture_comes_back_exactly_once() {
    for name in FIXTURES {
        let request = fixture(name);
        let fake = Arc::new(FakeTranslator::realistic(Misbehaviour::None));
        let Run { emitted, summary } = run(&request, fake.clone(), None).await;
        let by_id = assert_each_cue_once(&request, &emitted);
        assert_eq!(summary.untranslated, 0, "{name}");
        let calls = summary.usage.provider_calls.unwrap();
        assert_eq!(calls, fake.calls());
        assert!(calls as usize <= request.track.cues.len() / 15, "{name}: {calls} calls for {} cues", request.track.cues.len());
        if request.track.auto_generated {
            // Rolling ASR: each cue shows whole translated sentences, the ones that start in
            // it or else the one still being spoken, so a sentence stays up over the cues it
            // came from; in cue order they read as the translated sentences, each shown, none
            // cut, and no cue with words shows nothing.
            let units = glossa_host::pipeline::subtitles::rolling::merge(&request.track.cues);
            let translations: Vec<String> = units.iter().map(|u| FakeTranslator::translation("ja", &u.text)).collect();
            let mut next = 0; // the first sentence no cue has shown yet
            for c in &request.track.cues {
                let text = by_id[&c.id].text.as_str();
                assert!(!text.is_empty(), "{name}: cue {} ({:?}) shows nothing", c.id, c.text);
                if next > 0 && text == translations[next - 1] {
                    continue; // the sentence still being spoken
                }
                let mut rest = text;
                while !rest.is_empty() {
                    assert!(
                        next < translations.len() && rest.starts_with(&translations[next]),
                        "{name}: cue {} shows {text:?}, expected sentence {next} next",
                        c.id
                    );
                    rest = rest[translations[next].len()..].trim_start();
                    next += 1;
                }
            }
            assert_eq!(next, translations.len(), "{name}: every sentence shown");
        } else {
            assert_manual_lines(&request, &emitted, |_| false);
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_misbehaving_model_is_repaired_or_its_lines_marked_untranslated() {
    let request = fixture("manual.json3");
    let well_behaved = Arc::new(FakeTranslator::realistic(Misbehaviour::None));
    let baseline = run(&request, well_behaved.clone(), None).await;
    let batches = baseline.summary.usage.provider_calls.unwrap();
    let lines_sent = well_behaved.log().iter().map(|c| c.lines.len()).sum::<usize>();
    for misbehaviour in [Misbehaviour::Reorder, Misbehaviour::Invent, Misbehaviour::Chatty] {
        let fake = Arc::new(FakeTranslator::realistic(misbehaviour));
        let Run { emitted, summary } = run(&request, fake.clone(), None).await;
        assert_manual_lines(&request, &emitted, |_| false);
        assert_eq!(summary.usage.provider_calls, Some(batches), "{misbehaviour:?} needed no repair");
    }
    for misbehaviour in [Misbehaviour::DropSome, Misbehaviour::Malformed, Misbehaviour::CutMidway] {
        let fake = Arc::new(FakeTranslator::realistic(misbehaviour));
        let Run { emitted, summary } = run(&request, fake.clone(), None).await;
        assert_manual_lines(&request, &emitted, |_| false);
        let repairs = fake.log().iter().filter(|c| c.repair).count() as u64;
        assert!(repairs > 0, "{misbehaviour:?}");
        // Every other call is a batch, each line in one (a slower model's batches are cut
        // shorter, so there may be more of them): no line was asked on its own.
        let firsts: Vec<_> = fake.log().into_iter().filter(|c| !c.repair).collect();
        assert_eq!(firsts.iter().map(|c| c.lines.len()).sum::<usize>(), lines_sent, "{misbehaviour:?}");
        assert_eq!(summary.usage.provider_calls, Some(firsts.len() as u64 + repairs), "{misbehaviour:?}");
        // A repair asks only for what was missing.
        for call in fake.log().iter().filter(|c| c.repair) {
            assert!(call.lines.len() < 20, "{misbehaviour:?} re-asked for {} lines", call.lines.len());
        }
    }
    // Lines the model never answers, not even asked on their own, keep their text, marked
    // untranslated — never a neighbour's translation.
    let fake = Arc::new(FakeTranslator::realistic(Misbehaviour::Stubborn));
    let Run { emitted, summary } = run(&request, fake.clone(), None).await;
    assert_manual_lines(&request, &emitted, |t| t.contains("rivers"));
    let stubborn = request.track.cues.iter().filter(|c| c.text.contains("rivers")).count();
    assert!(stubborn >= 3);
    assert_eq!(summary.untranslated, stubborn);
    let asked_alone = fake.log().iter().filter(|c| !c.repair && c.lines.len() == 1 && c.lines[0].contains("rivers")).count();
    assert_eq!(asked_alone, stubborn, "each stubborn line was asked once on its own");
}

#[tokio::test(start_paused = true)]
async fn a_model_that_cannot_write_json_still_translates_line_by_line() {
    let request = fixture("manual.json3");
    let fake = Arc::new(FakeTranslator::realistic(Misbehaviour::ProseOnly));
    let Run { emitted, summary } = run(&request, fake.clone(), None).await;
    assert_manual_lines(&request, &emitted, |_| false);
    assert_eq!(summary.untranslated, 0);
    // Each batch asked as JSON, repaired once, then its lines one by one. (How many batches
    // depends on the pace: a model this slow to answer gets shorter batches.)
    let units = request.track.cues.len() as u64;
    let log = fake.log();
    let repairs = log.iter().filter(|c| c.repair).count() as u64;
    let batches = log.iter().filter(|c| !c.repair).count() as u64 - units;
    assert_eq!(repairs, batches, "{log:?}");
    assert_eq!(summary.usage.provider_calls, Some(batches * 2 + units), "{units} lines");
}

#[tokio::test(start_paused = true)]
async fn a_seek_translates_the_batch_under_the_new_playhead_next() {
    let request = fixture("manual.vtt");
    let fake = Arc::new(FakeTranslator::realistic(Misbehaviour::None));
    let (tx, rx) = mpsc::unbounded();
    let mut seeked_at = None;
    let clock = fake.clone();
    let Run { emitted, summary } = run_with(&request, fake.clone(), None, rx, |_| {
        if seeked_at.is_none() {
            seeked_at = Some(clock.elapsed());
            tx.unbounded_send(PlayheadUpdate { time: 400.0, rate: 1.0 }).unwrap();
        }
    })
    .await;
    let seeked_at = seeked_at.unwrap();
    let first_after = fake.log().into_iter().find(|c| c.started >= seeked_at).expect("calls after the seek");
    let under_playhead = request.track.cues.iter().find(|c| c.end > 400.0).unwrap();
    assert_eq!(first_after.lines[0], under_playhead.text, "the call after the seek starts at the playhead");
    // What the viewer jumped over was dropped once it was a minute behind; the rest arrives once.
    assert!(summary.dropped_units > 0);
    assert_eq!(emitted.len() + summary.dropped_units, request.track.cues.len());
    let by_id: HashMap<&str, &TranslatedCue> = emitted.iter().map(|c| (c.id.as_str(), c)).collect();
    assert_eq!(by_id.len(), emitted.len(), "a cue was sent twice");
    for cue in request.track.cues.iter().filter(|c| c.start >= 400.0) {
        assert_eq!(by_id[cue.id.as_str()].text, FakeTranslator::translation("ja", &cue.text));
    }
}

#[tokio::test(start_paused = true)]
async fn batches_far_behind_the_viewer_are_dropped_and_never_sent_twice() {
    let mut request = fixture("manual.json3");
    request.playhead = 420.0;
    let fake = Arc::new(FakeTranslator::realistic(Misbehaviour::None));
    let Run { emitted, summary } = run(&request, fake.clone(), None).await;
    assert!(summary.dropped_units > 50, "{summary:?}");
    let mut seen = std::collections::HashSet::new();
    for c in &emitted {
        assert!(seen.insert(c.id.clone()), "cue {} sent twice", c.id);
    }
    // Everything from a minute before the playhead on came back.
    for cue in request.track.cues.iter().filter(|c| c.start >= 360.0) {
        assert!(seen.contains(&cue.id), "cue at {}s missing", cue.start);
    }
    assert_eq!(emitted.len() + summary.dropped_units, request.track.cues.len());
}

#[tokio::test(start_paused = true)]
async fn a_rewatch_from_another_process_costs_no_provider_call() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("glossa.sqlite");
    // Two stores on one file: what two host processes (two tabs) do.
    let first_process = Store::open(&db).unwrap();
    let second_process = Store::open(&db).unwrap();
    for name in ["manual.json3", "asr.json3"] {
        let request = fixture(name);
        let first_cache = TranslationCache::new(&first_process, 64 << 20);
        let fake = Arc::new(FakeTranslator::realistic(Misbehaviour::None));
        let first = run(&request, fake.clone(), Some(&first_cache)).await;
        assert!(fake.calls() > 0);
        assert_eq!(first.summary.usage.cached, None);

        let second_cache = TranslationCache::new(&second_process, 64 << 20);
        let fake = Arc::new(FakeTranslator::realistic(Misbehaviour::None));
        let again = run(&request, fake.clone(), Some(&second_cache)).await;
        assert_eq!(fake.calls(), 0, "{name}: a re-watch called the provider");
        assert_eq!(again.summary.usage.provider_calls, Some(0));
        assert_eq!(again.summary.usage.cached, Some(request.track.cues.len() as u64), "{name}: counted in cues");
        let sorted = |mut v: Vec<TranslatedCue>| {
            v.sort_by(|a, b| a.id.cmp(&b.id));
            v
        };
        assert_eq!(sorted(again.emitted), sorted(first.emitted), "{name}: the cache gave other lines");
    }
}

#[tokio::test(start_paused = true)]
async fn a_read_only_database_still_serves_its_cache_and_new_lines_still_arrive() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("glossa.sqlite");
    let watched = fixture("manual.json3");
    {
        let store = Store::open(&db).unwrap();
        let cache = TranslationCache::new(&store, 64 << 20);
        run(&watched, Arc::new(FakeTranslator::realistic(Misbehaviour::None)), Some(&cache)).await;
    }
    let read_only = Store::open_read_only(&db).unwrap();
    let cache = TranslationCache::new(&read_only, 64 << 20);
    let fake = Arc::new(FakeTranslator::realistic(Misbehaviour::None));
    let again = run(&watched, fake.clone(), Some(&cache)).await;
    assert_eq!(fake.calls(), 0, "the re-watch is served from the read-only cache");
    assert_each_cue_once(&watched, &again.emitted);

    // A track never seen: translated as usual; the cache just cannot keep it.
    let new_track = fixture("asr.json3");
    let fake = Arc::new(FakeTranslator::realistic(Misbehaviour::None));
    let fresh = run(&new_track, fake.clone(), Some(&cache)).await;
    assert!(fake.calls() > 0);
    assert_each_cue_once(&new_track, &fresh.emitted);
    assert_eq!(fresh.summary.untranslated, 0);
}

#[tokio::test(start_paused = true)]
async fn a_small_cache_evicts_and_pays_again_only_for_what_it_lost() {
    let store = Store::in_memory().unwrap();
    let request = fixture("manual.json3");
    // Room for about half the track's translations.
    let cache = TranslationCache::new(&store, 6_000);
    run(&request, Arc::new(FakeTranslator::realistic(Misbehaviour::None)), Some(&cache)).await;
    let (entries, bytes) = cache.size().unwrap();
    assert!(bytes <= 6_000 && entries > 20, "{entries} entries, {bytes} bytes");
    let fake = Arc::new(FakeTranslator::realistic(Misbehaviour::None));
    let again = run(&request, fake.clone(), Some(&cache)).await;
    assert!(fake.calls() > 0, "evicted lines must be translated again");
    assert_eq!(again.summary.usage.cached, Some(entries));
    assert_manual_lines(&request, &again.emitted, |_| false);
}

#[tokio::test(start_paused = true)]
async fn an_unreachable_provider_is_an_error_the_user_can_act_on() {
    let request = fixture("manual.vtt");
    let job = TrackJob {
        provider: Arc::new(FakeTranslator::realistic(Misbehaviour::Unreachable)),
        model: "m".into(),
        to: "ja".into(),
        from: None,
        cache: None,
        glossary: None,
        options: TrackOptions::default(),
    };
    let mut emitted = 0;
    let mut emit = |cues: Vec<TranslatedCue>| emitted += cues.len();
    let (_tx, rx) = mpsc::unbounded::<PlayheadUpdate>();
    let err = translate_track(&job, &request.track, request.start(), rx, &mut emit).await.unwrap_err();
    assert_eq!(err.code, glossa_protocol::ErrorCode::ProviderUnreachable);
    assert!(err.hint.contains("ollama serve"), "{err:?}");
    assert_eq!(emitted, 0);
}

#[tokio::test(start_paused = true)]
async fn a_track_already_in_the_target_language_comes_back_as_it_is_with_no_call() {
    let store = Store::in_memory().unwrap();
    let cache = TranslationCache::new(&store, 64 << 20);
    for name in FIXTURES {
        let request = fixture(name);
        let fake = Arc::new(FakeTranslator::realistic(Misbehaviour::None));
        // An English track (as YouTube names it, with a region) watched with target `en`.
        let job = TrackJob {
            provider: fake.clone(),
            model: "fake-model".into(),
            to: "en".into(),
            from: Some("en-US".into()),
            cache: Some(cache.clone()),
            glossary: None,
            options: TrackOptions::default(),
        };
        let mut emitted = Vec::new();
        let mut emit = |cues: Vec<TranslatedCue>| emitted.extend(cues);
        let (_tx, rx) = mpsc::unbounded::<PlayheadUpdate>();
        let summary = translate_track(&job, &request.track, request.start(), rx, &mut emit).await.expect("track passed through");
        let by_id = assert_each_cue_once(&request, &emitted);
        for cue in &request.track.cues {
            assert_eq!(
                by_id[&cue.id],
                TranslatedCue { id: cue.id.clone(), text: cue.text.clone(), untranslated: false, reading: None, host_words: false },
                "{name}"
            );
        }
        assert_eq!(fake.calls(), 0, "{name}: the provider was called");
        assert_eq!(summary.usage.provider_calls, Some(0), "{name}");
        assert_eq!((summary.usage.input_tokens, summary.usage.output_tokens, summary.usage.cached), (0, 0, None), "{name}");
        assert_eq!((summary.cues_sent, summary.untranslated, summary.dropped_units), (request.track.cues.len(), 0, 0), "{name}");
    }
    assert_eq!(cache.size().unwrap(), (0, 0), "nothing was written to the cache");
}

#[tokio::test(start_paused = true)]
async fn a_track_in_another_script_of_the_target_language_is_translated() {
    let request = fixture("manual.vtt");
    let fake = Arc::new(FakeTranslator::realistic(Misbehaviour::None));
    let job = TrackJob {
        provider: fake.clone(),
        model: "fake-model".into(),
        to: "zh-TW".into(),
        from: Some("zh-CN".into()),
        cache: None,
        glossary: None,
        options: TrackOptions::default(),
    };
    let mut emitted = Vec::new();
    let mut emit = |cues: Vec<TranslatedCue>| emitted.extend(cues);
    let (_tx, rx) = mpsc::unbounded::<PlayheadUpdate>();
    let summary = translate_track(&job, &request.track, request.start(), rx, &mut emit).await.expect("track translated");
    assert_each_cue_once(&request, &emitted);
    assert!(fake.calls() > 0);
    assert_eq!(summary.usage.provider_calls, Some(fake.calls()));
}

/// Runs `request` with `options` until it ends or `leave_after` (simulated wall time)
/// passes, `on_time` moving the viewer meanwhile; what was emitted, and the summary when
/// the request ended by itself.
async fn watch_until(
    request: &Watch,
    fake: Arc<FakeTranslator>,
    options: TrackOptions,
    leave_after: std::time::Duration,
    viewer: impl std::future::Future<Output = ()>,
    updates: mpsc::UnboundedReceiver<PlayheadUpdate>,
    sink: &mut dyn TrackSink,
) -> Option<TrackSummary> {
    let job = TrackJob {
        provider: fake,
        model: "fake-model".into(),
        to: "ja".into(),
        from: Some("en".into()),
        cache: None,
        glossary: None,
        options,
    };
    let work = tokio::time::timeout(leave_after, translate_track(&job, &request.track, request.start(), updates, sink));
    let (ended, ()) = futures::join!(work, viewer);
    ended.ok().map(|r| r.expect("track translated"))
}

/// Emitted cues, shared with the test while the request runs.
#[derive(Clone, Default)]
struct Collected(Arc<std::sync::Mutex<Vec<TranslatedCue>>>, Arc<std::sync::Mutex<Vec<TrackCost>>>);

impl TrackSink for Collected {
    fn cues(&mut self, cues: Vec<TranslatedCue>) {
        self.0.lock().unwrap().extend(cues);
    }
    fn cost(&mut self, cost: TrackCost) {
        self.1.lock().unwrap().push(cost);
    }
}

impl Collected {
    fn starts(&self, request: &Watch) -> Vec<f64> {
        let ids: std::collections::HashSet<String> = self.0.lock().unwrap().iter().map(|c| c.id.clone()).collect();
        request.track.cues.iter().filter(|c| ids.contains(&c.id)).map(|c| c.start).collect()
    }
}

#[tokio::test(start_paused = true)]
async fn a_request_translates_only_its_window_and_extends_it_as_the_playhead_moves() {
    let mut request = fixture("manual.json3");
    request.rate = 0.0; // paused at the start
    let fake = Arc::new(FakeTranslator::realistic(Misbehaviour::None));
    let options = TrackOptions { window_secs: 30.0, ..TrackOptions::default() };
    let (tx, rx) = mpsc::unbounded();
    let mut collected = Collected::default();
    let seen = collected.clone();
    let (request_ref, seen_ref) = (&request, &seen);
    let viewer = async move {
        tokio::time::sleep(std::time::Duration::from_secs(120)).await;
        // Two minutes paused: only what starts within 30 s was asked for.
        let starts = seen_ref.starts(request_ref);
        assert!(starts.iter().any(|&s| s < 10.0), "the first lines are there: {starts:?}");
        assert!(starts.iter().all(|&s| s < 120.0), "nothing far ahead: {starts:?}");
        // Play on from 5 minutes in.
        tx.unbounded_send(PlayheadUpdate { time: 300.0, rate: 1.0 }).unwrap();
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    };
    let ended = watch_until(&request, fake.clone(), options, std::time::Duration::from_secs(181), viewer, rx, &mut collected).await;
    assert!(ended.is_none(), "a window request stays open while the rest waits for playback");
    let starts = collected.starts(&request);
    for cue in request.track.cues.iter().filter(|c| (300.0..360.0).contains(&c.start)) {
        assert!(starts.contains(&cue.start), "cue {} at {} s, watched after the move, was not translated", cue.id, cue.start);
    }
    assert!(!starts.iter().any(|&s| (100.0..190.0).contains(&s)), "lines jumped over were translated: {starts:?}");
    assert!(starts.iter().all(|&s| s < 480.0), "nothing far beyond the playhead: {starts:?}");
}

#[tokio::test(start_paused = true)]
async fn whole_translates_every_line_at_once_even_for_a_paused_viewer() {
    let mut request = fixture("manual.json3");
    request.rate = 0.0;
    let fake = Arc::new(FakeTranslator::realistic(Misbehaviour::None));
    let (_tx, rx) = mpsc::unbounded();
    let mut collected = Collected::default();
    let hour = std::time::Duration::from_secs(3600);
    let summary = watch_until(&request, fake, TrackOptions::default().whole_track(), hour, async {}, rx, &mut collected).await;
    assert!(summary.is_some(), "the request ends once every line is done");
    assert_manual_lines(&request, &collected.0.lock().unwrap(), |_| false);
}

#[tokio::test(start_paused = true)]
async fn the_built_in_provider_translates_the_whole_track_and_paid_ones_a_window_with_costs() {
    let mut built_in = FakeTranslator::realistic(Misbehaviour::None);
    built_in.billing = Billing::BuiltIn;
    let options = TrackOptions::for_provider(&built_in);
    assert_eq!((options.window_secs, options.report_cost), (f64::INFINITY, false));
    let mut request = fixture("manual.json3");
    request.rate = 0.0;
    let (_tx, rx) = mpsc::unbounded();
    let mut collected = Collected::default();
    let hour = std::time::Duration::from_secs(3600);
    let summary = watch_until(&request, Arc::new(built_in), options, hour, async {}, rx, &mut collected).await;
    assert!(summary.is_some());
    assert_eq!(collected.0.lock().unwrap().len(), request.track.cues.len());
    assert!(collected.1.lock().unwrap().is_empty(), "no cost events for a free provider");

    let mut paid = FakeTranslator::realistic(Misbehaviour::None);
    paid.billing = Billing::PerToken;
    let options = TrackOptions::for_provider(&paid);
    assert_eq!((options.window_secs, options.report_cost), (DEFAULT_WINDOW_SECS, true));
    let own = FakeTranslator::realistic(Misbehaviour::None);
    assert_eq!(TrackOptions::for_provider(&own).window_secs, DEFAULT_WINDOW_SECS);
}

#[tokio::test(start_paused = true)]
async fn a_paid_provider_reports_tokens_used_and_a_fair_estimate_for_the_rest() {
    let request = fixture("manual.json3");
    let mut paid = FakeTranslator::realistic(Misbehaviour::None);
    paid.billing = Billing::PerToken;
    let options = TrackOptions::for_provider(&paid).whole_track();
    let (_tx, rx) = mpsc::unbounded();
    let mut collected = Collected::default();
    let hour = std::time::Duration::from_secs(3600);
    let summary = watch_until(&request, Arc::new(paid), options, hour, async {}, rx, &mut collected).await.expect("done");
    let costs = collected.1.lock().unwrap().clone();
    let units = request.track.cues.len() as u64;
    assert_eq!((costs[0].used, costs[0].rest_units), (glossa_protocol::Usage::default(), units), "before the first batch: all of it");
    assert!(costs[0].rest.input_tokens > 0 && costs[0].rest.output_tokens > 0);
    let last = costs.last().unwrap();
    assert_eq!((last.used.input_tokens, last.used.output_tokens), (summary.usage.input_tokens, summary.usage.output_tokens));
    assert_eq!((last.rest_units, last.rest.input_tokens), (0, 0));
    // Once a few batches have answered, the estimate for the rest is within a fifth of what it cost.
    for early in &costs[3..costs.len() - 1] {
        let estimated = (early.rest.input_tokens + early.rest.output_tokens) as f64;
        let actual = ((last.used.input_tokens + last.used.output_tokens) - (early.used.input_tokens + early.used.output_tokens)) as f64;
        assert!((estimated / actual - 1.0).abs() < 0.2, "estimated {estimated} for a rest that cost {actual}: {costs:?}");
    }
}

/// 40 numbered lines of 3 s, the second and the 34th naming Takeshi.
fn numbered_track() -> CaptionTrack {
    let cues: Vec<glossa_protocol::Cue> = (0..40)
        .map(|i| glossa_protocol::Cue {
            id: format!("c{i}"),
            start: f64::from(i) * 3.0,
            end: f64::from(i) * 3.0 + 3.0,
            text: if i == 1 || i == 33 { "Then Takeshi said hello.".into() } else { format!("This is line number {i}.") },
        })
        .collect();
    CaptionTrack { cues, auto_generated: false }
}

#[tokio::test(start_paused = true)]
async fn each_line_is_handed_over_as_its_item_streams_in_not_with_its_whole_batch() {
    let track = numbered_track();
    let fake = Arc::new(FakeTranslator::realistic(Misbehaviour::None));
    let options = TrackOptions { max_in_flight: 1, ..TrackOptions::default().whole_track() };
    let job =
        TrackJob { provider: fake.clone(), model: "fake-model".into(), to: "ja".into(), from: None, cache: None, glossary: None, options };
    let started = tokio::time::Instant::now();
    let mut ready_at: HashMap<String, std::time::Duration> = HashMap::new();
    let mut emit = |cues: Vec<TranslatedCue>| {
        for cue in cues {
            assert!(!cue.untranslated, "{cue:?}");
            ready_at.insert(cue.id, started.elapsed());
        }
    };
    translate_track(&job, &track, PlayheadUpdate { time: 0.0, rate: 0.0 }, futures::stream::empty(), &mut emit).await.expect("translated");
    assert_eq!(ready_at.len(), 40);
    // The largest batch's lines came back one after another while its answer streamed.
    let log = fake.log();
    let largest = log.iter().max_by_key(|c| c.lines.len()).expect("calls");
    assert!(largest.lines.len() >= 8, "{:?}", largest.lines);
    let times: Vec<std::time::Duration> =
        largest.lines.iter().map(|l| track.cues.iter().find(|c| c.text == *l).map(|c| ready_at[&c.id]).expect("a cue")).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    let spread = *times.last().unwrap() - times[0];
    assert!(spread > std::time::Duration::from_secs(1), "the first line came {spread:?} before the last: {times:?}");
}

#[tokio::test(start_paused = true)]
async fn names_and_translations_carry_from_one_batch_to_the_next() {
    // A name in the second line and again near the end, batches one at a time.
    let track = numbered_track();
    let fake = Arc::new(FakeTranslator::realistic(Misbehaviour::None));
    let store = Store::in_memory().unwrap();
    let glossary = TrackGlossary { glossary: Glossary::new(&store), key: "file:talk.srt→ja".into() };
    let options = TrackOptions { max_in_flight: 1, ..TrackOptions::default().whole_track() };
    let job = TrackJob {
        provider: fake.clone(),
        model: "fake-model".into(),
        to: "ja".into(),
        from: Some("en".into()),
        cache: None,
        glossary: Some(glossary),
        options,
    };
    let mut emit = |_: Vec<TranslatedCue>| {};
    let start = PlayheadUpdate { time: 0.0, rate: 0.0 };
    translate_track(&job, &track, start, futures::stream::empty(), &mut emit).await.expect("translated");
    let log = fake.log();
    let first = log.iter().position(|c| c.lines.iter().any(|l| l.contains("Takeshi"))).expect("a call with the name");
    let later = log.iter().rposition(|c| c.lines.iter().any(|l| l.contains("Takeshi"))).expect("the later call");
    assert!(first < later);
    assert!(!log[first].user.contains("Glossary"), "{}", log[first].user);
    assert!(
        log[later].user.contains("Glossary of this video (render these names and terms the same way):\nTakeshi → [ja] Takeshi\n"),
        "{}",
        log[later].user
    );
    // The batch before had answered: its last lines go with their translations.
    let previous = &log[later - 1].lines;
    let last_before = previous.last().expect("lines");
    assert!(log[later].user.contains(&format!("{last_before} → [ja] {last_before}\n")), "{}", log[later].user);
    // …and the lines after it go as context only.
    assert!(log[first].user.contains("Following lines (context only, do not translate):\n"), "{}", log[first].user);
    // Stored for the next viewing.
    assert_eq!(Glossary::new(&store).list("file:talk.srt→ja").unwrap()[0].target, "[ja] Takeshi");
}

#[tokio::test(start_paused = true)]
async fn a_whole_track_runs_its_batches_in_turn_so_each_knows_the_names_before_it() {
    // A name every fifth line, and one that first appears later in the track, every batch
    // free to start as soon as it may (a whole-track run).
    let mut track = numbered_track();
    let later_name = track.cues.len() / 4;
    for (i, cue) in track.cues.iter_mut().enumerate() {
        if i % 5 == 1 {
            cue.text = format!("Then Takeshi said hello {i} times.");
        } else if i >= later_name && i % 7 == 0 {
            cue.text = format!("And Hiroshi waved {i} times.");
        }
    }
    let fake = Arc::new(FakeTranslator::realistic(Misbehaviour::None));
    let options = TrackOptions { max_in_flight: 8, ..TrackOptions::default().whole_track() };
    let job = TrackJob {
        provider: fake.clone(),
        model: "fake-model".into(),
        to: "ja".into(),
        from: Some("en".into()),
        cache: None,
        glossary: None,
        options,
    };
    let mut emit = |_: Vec<TranslatedCue>| {};
    let start = PlayheadUpdate { time: 0.0, rate: 0.0 };
    translate_track(&job, &track, start, futures::stream::empty(), &mut emit).await.expect("translated");
    let log = fake.log();
    assert!(log.len() > 2, "{} calls", log.len());
    assert!(log[0].lines.iter().any(|l| l.contains("Takeshi")) && !log[0].user.contains("Glossary"), "{}", log[0].user);
    for call in &log[1..] {
        assert!(call.user.contains("\nTakeshi → [ja] Takeshi\n"), "every batch after the first knows the name: {}", call.user);
    }
    // The batch right after the first goes with the first one's translations.
    let last_before = log[0].lines.last().expect("lines");
    assert!(log[1].user.contains(&format!("{last_before} → [ja] {last_before}\n")), "{}", log[1].user);
    // A name first met in a later batch is known to every batch after that one.
    let met = log.iter().position(|call| call.lines.iter().any(|l| l.contains("Hiroshi"))).expect("Hiroshi asked for");
    assert!(met > 0 && met + 1 < log.len(), "Hiroshi first met in call {met} of {}", log.len());
    for call in &log[met + 1..] {
        if call.lines.iter().any(|l| l.contains("Hiroshi")) {
            assert!(call.user.contains("\nHiroshi → [ja] Hiroshi\n"), "a later batch knows the later name: {}", call.user);
        }
    }
}
