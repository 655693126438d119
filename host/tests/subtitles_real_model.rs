//! The subtitle pipeline end to end against a real model: SmolLM2-135M on a real
//! llama-server, reached through the OpenAI-compatible provider. SmolLM2 translates
//! badly, so these tests assert what must hold whatever the model writes: every cue
//! comes back exactly once under its own id, translated or shown in the original and
//! marked untranslated; a second host process (or CLI run) on the same database makes
//! no provider call. Also `glossa-host translate-subs` as a person runs it.

mod support;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Command;

use glossa_host::pipeline::subtitles::batch::BatchSizes;
use glossa_host::pipeline::subtitles::cache::TranslationCache;
use glossa_host::pipeline::subtitles::captions::{self, CaptionFormat, CaptionTrack};
use glossa_host::pipeline::subtitles::{translate_track, PlayheadUpdate, TrackJob, TrackOptions};
use glossa_host::providers::Providers;
use glossa_host::store::Store;
use glossa_protocol::{Cue, ProviderKind, TranslatedCue};
use serde_json::{json, Value};
use support::{config, cpu, LlamaServer};

fn fixture_cues(name: &str, n: usize) -> (Vec<Cue>, bool) {
    let path = support::host_dir().join("tests/fixtures/captions").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let track = captions::parse(&text, CaptionFormat::from_path(&path).unwrap()).unwrap();
    (track.cues.into_iter().take(n).collect(), track.auto_generated)
}

/// Each cue once, under its own id; untranslated ones keep their own words.
fn assert_pipeline_invariants(cues: &[Cue], emitted: &[TranslatedCue], auto_generated: bool) {
    let mut by_id: HashMap<&str, &TranslatedCue> = HashMap::new();
    for c in emitted {
        assert!(by_id.insert(c.id.as_str(), c).is_none(), "cue {} sent twice", c.id);
    }
    assert_eq!(by_id.len(), cues.len(), "sent {} cues for a track of {}", by_id.len(), cues.len());
    for cue in cues {
        let got = by_id.get(cue.id.as_str()).unwrap_or_else(|| panic!("cue {} never sent", cue.id));
        if got.untranslated && !auto_generated {
            assert_eq!(got.text, cue.text, "an untranslated line shows its original");
        }
        if !auto_generated {
            assert!(!got.text.trim().is_empty(), "cue {} came back empty: {got:?}", cue.id);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smollm2_on_llama_server_gives_every_cue_exactly_once_and_a_rewatch_is_free() {
    if cpu::skip_without_llama_cpu() {
        return;
    }
    let server = LlamaServer::start_text();
    let config = config(&[("provider", "openai"), ("openai.base_url", &server.url)]);
    let models = tempfile::tempdir().unwrap();
    let provider = Providers::new(models.path()).get(&config.provider(Some(ProviderKind::Openai)));
    let db = tempfile::tempdir().unwrap();
    let first_process = Store::open(&db.path().join("glossa.sqlite")).unwrap();
    let second_process = Store::open(&db.path().join("glossa.sqlite")).unwrap();
    // Small batches: a 135M model with a 2048-token context on one CPU thread. The whole
    // track (as for a viewer who asked for it): a paused viewer's window holds the lines
    // further on until they play.
    let options = TrackOptions {
        sizes: BatchSizes { min_units: 5, target_chars: 300, max_units: 8, max_chars: 500, head_units: 3, ..BatchSizes::default() },
        max_in_flight: 1,
        ..TrackOptions::default()
    }
    .whole_track();
    for (name, n) in [("manual.vtt", 8), ("asr.json3", 12)] {
        let (cues, auto_generated) = fixture_cues(name, n);
        let track = CaptionTrack { cues: cues.clone(), auto_generated };
        // A paused viewer: the slow model must not see its lines fall behind and dropped.
        let start = PlayheadUpdate { time: 0.0, rate: 0.0 };
        let mut runs = Vec::new();
        for store in [&first_process, &second_process] {
            let cache = TranslationCache::new(store, 64 << 20);
            let job = TrackJob {
                provider: provider.clone(),
                model: String::new(), // the server's only model
                to: "fr".into(),
                from: Some("en".into()),
                cache: Some(cache),
                glossary: None,
                options,
            };
            let mut emitted = Vec::new();
            let mut emit = |cues: Vec<TranslatedCue>| emitted.extend(cues);
            let summary = translate_track(&job, &track, start, futures::stream::empty(), &mut emit)
                .await
                .unwrap_or_else(|e| panic!("{name}: {e}\n{}", server.logs()));
            assert_pipeline_invariants(&cues, &emitted, auto_generated);
            runs.push((summary, emitted));
        }
        let (first, second) = (&runs[0], &runs[1]);
        assert!(first.0.usage.provider_calls.unwrap() >= 1, "{name}: {:?}", first.0);
        assert!(first.0.usage.output_tokens > 0, "{name}: {:?}", first.0);
        eprintln!("{name}: first run {:?}\nsecond run {:?}", first.0, second.0);
        // What was translated the first time comes from the cache; only lines the model
        // never answered are asked for again.
        if first.0.untranslated == 0 {
            assert_eq!(second.0.usage.provider_calls, Some(0), "{name}: the re-watch called the model");
        } else if first.0.untranslated < cues.len() {
            assert!(second.0.usage.cached.unwrap_or(0) > 0, "{name}: nothing came from the cache: {:?}", second.0);
        }
        let translated_first: HashSet<&str> = first.1.iter().filter(|c| !c.untranslated).map(|c| c.id.as_str()).collect();
        let translated_second: HashSet<&str> = second.1.iter().filter(|c| !c.untranslated).map(|c| c.id.as_str()).collect();
        assert!(translated_first.is_subset(&translated_second), "{name}: a cached line was lost");
    }
}

/// Like `Host::collect`, for a request that may stay quiet for minutes on a loaded
/// machine (a slow model between batches): pings keep events coming, so only the overall
/// deadline can fail the test, not one quiet minute.
fn collect_patiently(host: &mut support::Host, id: &str) -> (Vec<Value>, Vec<Value>) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(900);
    let (mut mine, mut others) = (Vec::new(), Vec::new());
    let mut pings = 0;
    let mut waiting_for_pong = false;
    loop {
        assert!(std::time::Instant::now() < deadline, "{id} did not finish in 15 minutes\n{}", host.stderr());
        if !waiting_for_pong {
            pings += 1;
            host.send(json!({"id": format!("keepalive-{pings}"), "type": "ping"}));
            waiting_for_pong = true;
        }
        let event = host.recv().unwrap_or_else(|| panic!("host closed before finishing {id}\n{}", host.stderr()));
        if event["id"] == id {
            let terminal = matches!(event["event"].as_str(), Some("done" | "error"));
            mine.push(event);
            if terminal {
                return (mine, others);
            }
        } else if event["id"].as_str().is_some_and(|i| i.starts_with("keepalive-")) {
            if event["event"] == "done" {
                waiting_for_pong = false;
                std::thread::sleep(std::time::Duration::from_millis(500));
            }
        } else {
            others.push(event);
        }
    }
}

fn events_of(kind: &str, events: &[Value]) -> Vec<Value> {
    events.iter().filter(|e| e["event"] == kind).cloned().collect()
}

#[test]
fn translate_track_over_the_native_pipe_then_another_host_process_rewatches_for_free() {
    if cpu::skip_without_llama_cpu() {
        return;
    }
    let server = LlamaServer::start_text();
    let data = tempfile::tempdir().unwrap();
    // Few lines: each answer must come within the event timeout on a loaded machine.
    let (cues, _) = fixture_cues("manual.json3", 5);
    let request = json!({
        "id": "track-1", "type": "translate_track", "track": "youtube:abc:en:manual",
        "cues": cues, "from": "en", "to": "fr", "playhead": 0.0, "rate": 1.0
    });
    let mut totals = Vec::new();
    for process in 0..2 {
        let mut host = support::Host::start(data.path());
        host.put_settings(json!({"provider": "openai", "openai.base_url": server.url}));
        host.send(request.clone());
        // The viewer seeks and pauses while it runs: acknowledged, and the track still
        // completes (paused, so a slow machine cannot leave lines a minute behind).
        host.send(json!({"id": "seek-1", "type": "playhead", "target": "track-1", "time": 12.0, "rate": 0.0}));
        let (events, others) = collect_patiently(&mut host, "track-1");
        let seek: Vec<&Value> = others.iter().filter(|e| e["id"] == "seek-1").collect();
        assert!(seek.is_empty() || seek.iter().all(|e| e["event"] == "done" || e["code"] == "bad_request"), "{seek:?}");
        let last = events.last().unwrap();
        assert_eq!(last["event"], "done", "process {process}: {last}\n{}\n{}", host.stderr(), server.logs());
        let sent: Vec<TranslatedCue> = events_of("cues", &events)
            .iter()
            .flat_map(|e| serde_json::from_value::<Vec<TranslatedCue>>(e["cues"].clone()).unwrap())
            .collect();
        assert_pipeline_invariants(&cues, &sent, false);
        totals.push((last["usage"]["provider_calls"].as_u64(), last["usage"]["cached"].as_u64(), sent));
    }
    assert!(totals[0].0.unwrap() >= 1, "{:?}", totals[0]);
    let untranslated_first = totals[0].2.iter().filter(|c| c.untranslated).count() as u64;
    if untranslated_first == 0 {
        assert_eq!(totals[1].0, Some(0), "a second host process on the same database called the model again");
        assert_eq!(totals[1].1, Some(cues.len() as u64));
    }
}

fn glossa(data_dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_glossa-host")).args(args).env("GLOSSA_DATA_DIR", data_dir).output().expect("run glossa-host")
}

#[test]
fn translate_subs_writes_a_translated_file_and_a_second_run_is_free() {
    if cpu::skip_without_llama_cpu() {
        return;
    }
    let server = LlamaServer::start_text();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for (k, v) in [("provider", "openai"), ("openai.base_url", server.url.as_str())] {
        let out = glossa(&data, &["settings", "set", k, v]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let (cues, _) = fixture_cues("manual.vtt", 8);
    let input = dir.path().join("talk.vtt");
    std::fs::write(&input, captions::write_vtt(&cues)).unwrap();
    let output = dir.path().join("talk.fr.srt");
    let mut stderrs = Vec::new();
    for _ in 0..2 {
        let out = glossa(&data, &["translate-subs", input.to_str().unwrap(), "--to", "fr", "-o", output.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{stderr}\n{}", server.logs());
        assert!(String::from_utf8_lossy(&out.stdout).contains("wrote"), "{out:?}");
        let written = captions::parse_srt(&std::fs::read_to_string(&output).unwrap()).unwrap().cues;
        assert_eq!(written.len(), cues.len(), "{stderr}");
        for (a, b) in cues.iter().zip(&written) {
            assert_eq!((a.start, a.end), (b.start, b.end), "timings are kept");
            assert!(!b.text.trim().is_empty());
        }
        stderrs.push(stderr);
    }
    assert!(stderrs[0].contains("8 cues translated into fr"), "{}", stderrs[0]);
    if !stderrs[0].contains("left in the original") {
        assert!(stderrs[1].contains("with 0 provider calls (8 from the cache"), "{}", stderrs[1]);
    }
    // The cache can be emptied; the next run pays again.
    let out = glossa(&data, &["cache", "clear"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("removed"), "{out:?}");
}

#[test]
fn translate_subs_names_the_line_of_a_malformed_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.vtt");
    std::fs::write(&bad, "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nfine\n\n00:00:03.000 --> 00:00:0x.000\nbroken\n").unwrap();
    let out = glossa(&dir.path().join("data"), &["translate-subs", bad.to_str().unwrap(), "--to", "fr"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.vtt: line 6:"), "{stderr}");
    assert!(stderr.contains("00:00:01.000 --> 00:00:04.000"), "the error shows what a timing looks like: {stderr}");
    let srt = dir.path().join("bad.srt");
    std::fs::write(&srt, "1\n00:00:01,000 --> 00:00:02,000\nok\n\ntwo\n00:00:03,000 --> 00:00:04,000\nx\n").unwrap();
    let out = glossa(&dir.path().join("data"), &["translate-subs", srt.to_str().unwrap(), "--to", "fr"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.srt: line 5:"), "{out:?}");
    // Nothing was translated, nothing cached.
    let out = glossa(&dir.path().join("data"), &["cache", "info"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("0 cached translations"), "{out:?}");
    let other = dir.path().join("notes.txt");
    std::fs::write(&other, "hello").unwrap();
    let out = glossa(&dir.path().join("data"), &["translate-subs", other.to_str().unwrap(), "--to", "fr"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("use a .vtt, .srt or .json3 file"), "{out:?}");
}
