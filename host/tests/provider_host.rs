//! Providers through the real `glossa-host` process, as the browser drives it: framed
//! stdin/stdout, settings via `put_settings`, a fake Ollama / Anthropic behind.

mod support;

use base64::Engine;
use serde_json::{json, Value};
use support::fakes::anthropic_text_delta;
use support::{FakeAnthropic, FakeModel, FakeOllama, Host, Piece, Split};

fn frame_b64() -> String {
    base64::engine::general_purpose::STANDARD.encode(std::fs::read(support::test_model("frame.jpg")).expect("frame.jpg"))
}

fn texts(events: &[Value]) -> String {
    events.iter().filter(|e| e["event"] == "delta").map(|e| e["text"].as_str().unwrap_or_default()).collect()
}

#[test]
fn translate_frame_streams_from_ollama_and_lists_its_models() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fake = rt.block_on(FakeOllama::start(
        vec![FakeModel::vision("gemma3:12b"), FakeModel::text("llama3.2:latest")],
        vec![FakeOllama::reply("gemma3:12b", &["<think>reading</think>", "Bonjour ", "le monde"]).split(Split::EveryByte)],
    ));
    let dir = tempfile::tempdir().unwrap();
    let mut host = Host::start(dir.path());
    host.put_settings(json!({"provider": "ollama", "ollama.url": fake.url, "target_language": "fr"}));

    let events = host.request(json!({"id": "f1", "type": "translate_frame", "image": frame_b64()}));
    let last = events.last().unwrap();
    assert_eq!(last["event"], "done", "{events:?}\n{}", host.stderr());
    assert_eq!(texts(&events), "Bonjour le monde", "think block stripped, text streamed");
    assert!(events.iter().filter(|e| e["event"] == "delta").count() >= 2, "streamed in pieces: {events:?}");
    assert_eq!(last["usage"]["output_tokens"], 3);
    let sent = fake.server.requests_to("/api/chat");
    assert_eq!(sent[0].json()["model"], "gemma3:12b");
    assert_eq!(sent[0].json()["messages"][1]["images"][0], frame_b64());

    let events = host.request(json!({"id": "m1", "type": "list_models", "provider": "ollama"}));
    assert_eq!(events[0]["event"], "models", "{events:?}");
    assert_eq!(events[0]["provider"], "ollama");
    assert_eq!(
        events[0]["models"],
        json!([{"name": "gemma3:12b", "vision": true, "size_bytes": 8_149_190_253u64}, {"name": "llama3.2:latest", "vision": false, "size_bytes": 8_149_190_253u64}])
    );
    assert_eq!(events.last().unwrap()["event"], "done");

    let events = host.request(json!({"id": "c1", "type": "check_provider"}));
    assert_eq!(events[0]["event"], "check", "{events:?}");
    assert_eq!(events[0]["reachable"], true);
    assert_eq!(events[0]["frame_model_vision"], true);

    // The page captures a 1080p picture at the frame model's own size (gemma3: 896 px).
    let events = host.request(json!({"id": "s1", "type": "capture_size", "width": 1920, "height": 1080}));
    assert_eq!(events[0], json!({"id": "s1", "event": "capture_size", "width": 896, "height": 504}), "{events:?}");
    assert_eq!(events.last().unwrap()["event"], "done");
}

#[test]
fn errors_reach_the_user_with_hints_and_the_host_keeps_serving() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fake = rt.block_on(FakeOllama::start(vec![FakeModel::text("llama3.2:latest")], vec![]));
    let dir = tempfile::tempdir().unwrap();
    let mut host = Host::start(dir.path());

    // Nothing listens on this port.
    let port = support::free_port();
    host.put_settings(json!({"provider": "ollama", "ollama.url": format!("http://127.0.0.1:{port}")}));
    let events = host.request(json!({"id": "e1", "type": "translate_frame", "image": frame_b64()}));
    let error = events.last().unwrap();
    assert_eq!(error["event"], "error");
    assert_eq!(error["code"], "provider_unreachable");
    assert_eq!(error["message"], format!("Cannot connect to Ollama at http://127.0.0.1:{port}."));
    assert_eq!(error["hint"], "Make sure it's running (`ollama serve`).");

    // The model is not installed.
    host.put_settings(json!({"ollama.url": fake.url}));
    let events = host.request(json!({"id": "e2", "type": "translate_frame", "image": frame_b64()}));
    let error = events.last().unwrap();
    assert_eq!(error["code"], "model_missing", "{error}");
    assert_eq!(error["hint"], "Run: `ollama pull gemma3:12b`");

    // A text model for frames.
    host.put_settings(json!({"ollama.frame_model": "llama3.2:latest"}));
    let events = host.request(json!({"id": "e3", "type": "translate_frame", "image": frame_b64()}));
    assert_eq!(events.last().unwrap()["code"], "no_vision");

    let events = host.request(json!({"id": "p", "type": "ping"}));
    assert_eq!(events[0]["event"], "pong");
}

#[test]
fn cancel_reaches_the_provider_connection() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fake = rt.block_on(FakeOllama::start(
        vec![FakeModel::vision("gemma3:12b")],
        vec![FakeOllama::reply_unfinished("gemma3:12b", &["Bon"]).then(Piece::Stall)],
    ));
    let dir = tempfile::tempdir().unwrap();
    let mut host = Host::start(dir.path());
    host.put_settings(json!({"provider": "ollama", "ollama.url": fake.url}));

    host.send(json!({"id": "f", "type": "translate_frame", "image": frame_b64()}));
    let first = host.recv().expect("an event");
    assert_eq!((first["id"].as_str(), first["event"].as_str(), first["text"].as_str()), (Some("f"), Some("delta"), Some("Bon")));
    assert_eq!(fake.server.client_closed(), 0, "still streaming");
    host.send(json!({"id": "c", "type": "cancel", "target": "f"}));
    let (events, _) = host.collect("f");
    assert_eq!(events.last().unwrap()["code"], "cancelled");
    assert!(rt.block_on(fake.server.wait_client_closed()), "the fake Ollama saw its connection closed");
}

#[test]
fn anthropic_key_never_appears_in_protocol_output_or_logs() {
    let key = "sk-ant-api03-NEVERSHOWN-k3y9z8";
    let rt = tokio::runtime::Runtime::new().unwrap();
    let reply = FakeAnthropic::stream_tail(FakeAnthropic::stream_head().then(Piece::Data(anthropic_text_delta("Hallo"))), 1);
    let fake = rt.block_on(FakeAnthropic::start(key, vec![reply]));
    let dir = tempfile::tempdir().unwrap();
    let mut host = Host::start(dir.path());
    host.put_settings(json!({"provider": "anthropic", "anthropic.base_url": fake.url, "anthropic.api_key": key}));

    let mut all = Vec::new();
    let events = host.request(json!({"id": "a1", "type": "translate_frame", "image": frame_b64(), "to": "de"}));
    assert_eq!(texts(&events), "Hallo", "{events:?}");
    all.extend(events);
    all.extend(host.request(json!({"id": "a2", "type": "list_models", "provider": "anthropic"})));
    all.extend(host.request(json!({"id": "a3", "type": "check_provider"})));
    all.extend(host.request(json!({"id": "a4", "type": "get_settings"})));
    // A wrong key: the error names Anthropic and does not echo the key.
    host.put_settings(json!({"anthropic.api_key": "sk-ant-api03-WRONGWRONG-000000"}));
    let events = host.request(json!({"id": "a5", "type": "translate_frame", "image": frame_b64()}));
    assert_eq!(events.last().unwrap()["code"], "auth_failed");
    all.extend(events);

    assert_eq!(fake.server.requests_to("/v1/messages")[0].header("x-api-key"), Some(key), "the key went to its provider");
    let output = serde_json::to_string(&all).unwrap();
    for secret in [key, "NEVERSHOWN", "WRONGWRONG"] {
        assert!(!output.contains(secret), "{secret} leaked into protocol output: {output}");
        assert!(!host.stderr().contains(secret), "{secret} leaked into the log");
    }
    // Log files (the database holds the key by design, nothing else may).
    drop(host);
    let logs: Vec<_> = support::files_below(dir.path()).into_iter().filter(|p| p.to_string_lossy().contains("glossa-host.log")).collect();
    for log in &logs {
        let text = String::from_utf8_lossy(&std::fs::read(log).unwrap_or_default()).into_owned();
        assert!(!text.contains("NEVERSHOWN") && !text.contains("WRONGWRONG"), "key in {}", log.display());
    }
}
