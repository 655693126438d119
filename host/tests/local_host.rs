//! The built-in backend through the real host process, as the extension uses it: a frame
//! translated by the tiny vision pair (mtmd), a subtitle track by SmolLM2, a cancel in the
//! middle of generation, and broken model files — each answered with events while the host keeps serving, and
//! nothing but protocol frames on stdout.

mod support;

use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};
use support::{cpu, error_of, model, Host, FRAME, SMOLLM2, TINY_ENDLESS, TINY_MMPROJ, TINY_TEXT};

const WAIT: Duration = Duration::from_secs(120);

fn frame_base64() -> String {
    base64::engine::general_purpose::STANDARD.encode(std::fs::read(model(FRAME)).unwrap())
}

fn tiny_vision_host(text_model: &str) -> Host {
    let mut host = Host::start_in_temp_dir();
    host.require_local();
    host.put_settings(json!({
        "provider": "local",
        "local.frame_model": model(text_model),
        "local.mmproj": model(TINY_MMPROJ),
        "local.threads": "1",
        "local.context_size": "2048",
    }));
    host
}

fn kinds(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["event"].as_str().unwrap_or("?")).collect()
}

#[test]
fn a_frame_is_translated_by_the_tiny_vision_model() {
    if cpu::skip_without_llama_cpu() {
        return;
    }
    let mut host = tiny_vision_host(TINY_TEXT);
    let events = host.request_within(json!({"id": "f1", "type": "translate_frame", "image": frame_base64(), "to": "ja"}), WAIT);
    // The model is noise held to the items schema by a grammar: whatever items it wrote
    // were read as items (often none); never shown as raw JSON, as a model that ignored
    // the format would be.
    let deltas: Vec<&str> = events.iter().filter(|e| e["event"] == "delta").filter_map(|e| e["text"].as_str()).collect();
    assert!(deltas.iter().all(|t| !t.trim_start().starts_with('{')), "{deltas:?} {:?}", kinds(&events));
    let done = events.last().unwrap();
    assert_eq!(done["event"], "done", "{events:?}");
    // The picture became tokens on top of the prompt; the answer streamed with timings.
    assert!(done["usage"]["input_tokens"].as_u64().unwrap() > 16, "{done}");
    assert!(done["usage"]["output_tokens"].as_u64().unwrap() >= 1, "{done}");
    assert!(done["ms"]["first_token"].is_u64() && done["ms"]["total"].is_u64(), "{done}");
    assert!(done["ms"]["first_token"].as_u64() <= done["ms"]["total"].as_u64());

    // llama.cpp's own log lines went to the log (stderr), not into the protocol.
    let log = host.stderr();
    assert!(log.contains("llama.cpp::") || log.contains("clip"), "no llama.cpp log lines in:\n{log}");
    host.assert_serving();
}

/// A word's note in a line (`lookup_word`): plain text from the subtitle model, streamed.
fn word_note(id: &str, word: &str, line: &str) -> Value {
    json!({"id": id, "type": "lookup_word", "word": word, "lang": "fr", "to": "en", "line": line, "offset": 0, "translation": ""})
}

#[test]
fn cancel_stops_a_generation_and_the_host_serves_the_next_request() {
    if cpu::skip_without_llama_cpu() {
        return;
    }
    // This model never ends its answer by itself: a word's note (plain text, 200 tokens)
    // is surely still being written when the cancel arrives. (Not a frame: its answer is
    // held to the items schema by a grammar, which closes it whatever the model scores.)
    let mut host = tiny_vision_host(TINY_ENDLESS);
    host.put_settings(json!({"local.subtitle_model": model(TINY_ENDLESS)}));
    // Warm the model so the cancelled request is generating, not loading.
    let warm = host.request_within(word_note("warm", "chat", "Le chat dort."), WAIT);
    assert_eq!(warm.last().unwrap()["event"], "done", "{warm:?}");
    assert_eq!(warm.last().unwrap()["usage"]["output_tokens"], 200, "{warm:?}");

    host.send(word_note("f2", "chien", "Le chien court."));
    let first = loop {
        let ev = host.next_event(WAIT);
        if ev["id"] == "f2" && ev["event"] != "word_entries" {
            break ev;
        }
    };
    assert_eq!(first["event"], "delta", "{first}");
    let sent = Instant::now();
    host.send(json!({"id": "c2", "type": "cancel", "target": "f2"}));
    let mut seen = Vec::new();
    let mut cancel_done = false;
    let terminal = loop {
        let ev = host.next_event(WAIT);
        if ev["id"] == "c2" {
            assert_eq!(ev["event"], "done");
            cancel_done = true;
            continue;
        }
        if ev["id"] == "f2" {
            if ev["event"] == "delta" {
                seen.push(ev);
                continue;
            }
            break ev;
        }
    };
    assert_eq!(terminal["event"], "error", "the request ended with {terminal} instead of being cancelled");
    assert_eq!(terminal["code"], "cancelled");
    assert!(sent.elapsed() < Duration::from_secs(10), "cancel took {:?}", sent.elapsed());
    if !cancel_done {
        let ev = host.next_event(WAIT);
        assert_eq!((ev["id"].as_str(), ev["event"].as_str()), (Some("c2"), Some("done")));
    }
    // The model thread is free: the next note is written in full, and nothing more
    // arrives for the cancelled request.
    host.send(word_note("f3", "oiseau", "L'oiseau chante."));
    loop {
        let ev = host.next_event(WAIT);
        assert_ne!(ev["id"], "f2", "an event after the cancel: {ev}");
        if ev["id"] == "f3" && ev["event"] != "delta" && ev["event"] != "word_entries" {
            assert_eq!(ev["event"], "done", "{ev}");
            assert_eq!(ev["usage"]["output_tokens"], 200, "{ev}");
            break;
        }
    }
    host.assert_serving();
}

#[test]
fn broken_model_files_get_clear_errors_and_the_host_keeps_serving() {
    if cpu::skip_without_llama_cpu() {
        return;
    }
    let mut host = Host::start_in_temp_dir();
    host.require_local();
    let models_dir = host.data_dir.join("models");
    std::fs::create_dir_all(&models_dir).unwrap();
    let text = std::fs::read(model(TINY_TEXT)).unwrap();
    std::fs::write(models_dir.join("cut.gguf"), &text[..text.len() - 1000]).unwrap();
    std::fs::write(models_dir.join("page.gguf"), b"<!DOCTYPE html><title>404</title>").unwrap();

    // Truncated (an interrupted copy): named, with the fix.
    host.put_settings(json!({"local.frame_model": "cut.gguf", "local.mmproj": model(TINY_MMPROJ), "local.threads": "1"}));
    let events = host.request_within(json!({"id": "b1", "type": "translate_frame", "image": frame_base64()}), WAIT);
    let err = error_of(&events);
    assert_eq!(err["code"], "bad_model_file");
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("cut.gguf") && message.contains("truncated"), "{err}");
    assert!(err["hint"].as_str().unwrap().contains("glossa-host model pull"), "{err}");
    host.assert_serving();

    // Not a GGUF file at all.
    host.put_settings(json!({"local.frame_model": "page.gguf"}));
    let err = error_of(&host.request_within(json!({"id": "b2", "type": "translate_frame", "image": frame_base64()}), WAIT)).clone();
    assert_eq!(err["code"], "bad_model_file");
    assert!(err["message"].as_str().unwrap().contains("not a GGUF model file"), "{err}");
    host.assert_serving();

    // A projector made for another model.
    host.put_settings(json!({"local.frame_model": model(SMOLLM2)}));
    let err = error_of(&host.request_within(json!({"id": "b3", "type": "translate_frame", "image": frame_base64()}), WAIT)).clone();
    assert_eq!(err["code"], "bad_model_file");
    assert!(err["message"].as_str().unwrap().contains("does not belong to"), "{err}");
    host.assert_serving();

    // Not installed at all.
    host.put_settings(json!({"local.frame_model": "gemma-3-4b-it-Q4_K_M.gguf"}));
    let err = error_of(&host.request_within(json!({"id": "b4", "type": "translate_frame", "image": frame_base64()}), WAIT)).clone();
    assert_eq!(err["code"], "model_missing");
    assert!(err["hint"].as_str().unwrap().contains("glossa-host model pull gemma-3-4b"), "{err}");

    // And the good pair still works in the same process.
    host.put_settings(json!({"local.frame_model": model(TINY_TEXT)}));
    let ok = host.request_within(json!({"id": "g1", "type": "translate_frame", "image": frame_base64()}), WAIT);
    assert_eq!(ok.last().unwrap()["event"], "done", "{ok:?}");
}

#[test]
fn a_subtitle_track_is_translated_by_smollm2_in_process() {
    if cpu::skip_without_llama_cpu() {
        return;
    }
    let mut host = Host::start_in_temp_dir();
    host.require_local();
    host.put_settings(json!({
        "provider": "local",
        "local.subtitle_model": model(SMOLLM2),
        "local.threads": "1",
        "local.context_size": "4096",
    }));
    let lines = ["Good morning.", "Where is the station?", "I am very tired today.", "See you tomorrow."];
    let cues: Vec<Value> = lines
        .iter()
        .enumerate()
        .map(|(i, text)| json!({"id": format!("c{i}"), "start": i as f64 * 2.0, "end": i as f64 * 2.0 + 1.8, "text": text}))
        .collect();
    let events = host.request_within(
        json!({"id": "t1", "type": "translate_track", "track": "test:local:en", "cues": cues, "to": "fr"}),
        Duration::from_secs(600),
    );
    let done = events.last().unwrap();
    assert_eq!(done["event"], "done", "{events:?}");
    assert!(done["usage"]["provider_calls"].as_u64().unwrap() >= 1, "{done}");
    assert!(done["usage"]["output_tokens"].as_u64().unwrap() >= 1, "{done}");
    // Every cue comes back exactly once (translated, or marked untranslated: SmolLM2-135M
    // translates poorly; the pipeline, not the words, is under test).
    let mut ids: Vec<String> = events
        .iter()
        .filter(|e| e["event"] == "cues")
        .flat_map(|e| e["cues"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()))
        .collect();
    ids.sort();
    assert_eq!(ids, ["c0", "c1", "c2", "c3"], "{events:?}");
    host.assert_serving();
}
