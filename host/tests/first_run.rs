//! The options page's first run, through a real host process: finding the providers the
//! user already has (`detect_providers`, against a fake Ollama and a fake OpenAI-compatible
//! server, and an Anthropic key in the environment that never comes back whole), and the
//! built-in backend's models — pulled from a mirror (`GLOSSA_MODEL_MIRROR`) instead of
//! Hugging Face, listed with the catalogue, and removed.

mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::{error_of, test_models, FakeModel, FakeOllama, FakeServer, FileServer, Host, Response, Serve, TINY_TEXT};

const KEY: &str = "sk-ant-api03-FIRSTRUN-SECRET-a1b2c3";

/// A llama-server-like OpenAI-compatible server: only its model list matters here.
async fn fake_openai(models: &[&str]) -> FakeServer {
    let data: Vec<Value> = models.iter().map(|m| json!({"id": m, "object": "model", "owned_by": "llamacpp"})).collect();
    FakeServer::start(move |req| match req.path.as_str() {
        "/v1/models" => Response::json(200, &json!({"object": "list", "data": data})),
        _ => Response::full(404, "text/plain", "not found"),
    })
    .await
}

fn found_of(events: &[Value]) -> Vec<Value> {
    let detected = events.iter().find(|e| e["event"] == "detected").unwrap_or_else(|| panic!("no detected event: {events:?}"));
    detected["found"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn detection_finds_ollama_with_its_vision_models_a_server_and_a_key() {
    let ollama = FakeOllama::start(vec![FakeModel::vision("gemma3:4b"), FakeModel::text("llama3.2:3b")], vec![]).await;
    let openai = fake_openai(&["Qwen2.5-VL-3B-Instruct-Q4_K_M.gguf"]).await;
    // Nothing listens on a port of the silent list; a closed port is no finding either.
    let nothing = "http://127.0.0.1:9";
    let ollama_urls = format!("{},{nothing}", ollama.url);
    let openai_urls = format!("{nothing},{}", openai.url);
    let (events, key_events, settings) = tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().unwrap();
        let mut host = Host::start_with_env(
            dir.path(),
            &[("GLOSSA_DETECT_OLLAMA", Some(&ollama_urls)), ("GLOSSA_DETECT_OPENAI", Some(&openai_urls)), ("ANTHROPIC_API_KEY", Some(KEY))],
        );
        let started = std::time::Instant::now();
        let events = host.request_within(json!({"id": "d1", "type": "detect_providers"}), Duration::from_secs(30));
        assert!(started.elapsed() < Duration::from_secs(10), "detection is quick: {:?}", started.elapsed());
        let key_events = host.request(json!({"id": "k1", "type": "use_env_key", "provider": "anthropic"}));
        let settings = host.request(json!({"id": "s1", "type": "get_settings"}));
        (events, key_events, settings)
    })
    .await
    .unwrap();
    assert_eq!(events.last().unwrap()["event"], "done", "{events:?}");
    let found = found_of(&events);
    let kinds: Vec<&str> = found.iter().map(|f| f["provider"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["ollama", "openai", "anthropic"], "{found:?}");

    assert_eq!(found[0]["url"], ollama.url.trim_end_matches('/'));
    let models: Vec<(&str, bool)> =
        found[0]["models"].as_array().unwrap().iter().map(|m| (m["name"].as_str().unwrap(), m["vision"] == true)).collect();
    assert_eq!(models, [("gemma3:4b", true), ("llama3.2:3b", false)]);
    assert_eq!(found[1]["url"], openai.url.trim_end_matches('/'));
    assert_eq!(found[1]["models"][0]["name"], "Qwen2.5-VL-3B-Instruct-Q4_K_M.gguf");

    // The key is shown as its last six characters only, and saved without the page sending it.
    assert_eq!(found[2]["key_preview"], "…a1b2c3");
    for e in events.iter().chain(&key_events).chain(&settings) {
        assert!(!e.to_string().contains("SECRET"), "the key came back: {e}");
    }
    assert_eq!(key_events.last().unwrap()["event"], "done", "{key_events:?}");
    assert_eq!(settings[0]["anthropic"]["api_key"]["preview"], "…a1b2c3");
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_running_finds_nothing_and_no_key_cannot_be_used() {
    let events = tokio::task::spawn_blocking(|| {
        let dir = tempfile::tempdir().unwrap();
        let mut host = Host::start_with_env(
            dir.path(),
            &[("GLOSSA_DETECT_OLLAMA", Some("http://127.0.0.1:9")), ("GLOSSA_DETECT_OPENAI", Some("")), ("ANTHROPIC_API_KEY", None)],
        );
        let found = host.request(json!({"id": "d1", "type": "detect_providers"}));
        let key = host.request(json!({"id": "k1", "type": "use_env_key", "provider": "anthropic"}));
        host.assert_serving();
        (found, key)
    })
    .await
    .unwrap();
    assert!(found_of(&events.0).is_empty(), "{:?}", events.0);
    assert_eq!(error_of(&events.1)["code"], "invalid_setting");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_catalogue_model_is_pulled_from_the_mirror_listed_and_removed() {
    let body = std::fs::read(test_models().join(TINY_TEXT)).unwrap();
    // The mirror serves Hugging Face's layout; both files of the smallest entry are the tiny model.
    let model = FileServer::start(Serve {
        path: "/hf/ggml-org/SmolVLM2-2.2B-Instruct-GGUF/resolve/main/SmolVLM2-2.2B-Instruct-Q4_K_M.gguf",
        body: body.clone(),
        content_type: "application/octet-stream",
        cut_first_after: None,
        ignore_range: false,
    })
    .await;
    let mirror = model.url.split("/hf/").next().unwrap().to_owned() + "/hf";
    let (pulled, listed, removed, outside) = tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().unwrap();
        let mut host = Host::start_with_env(dir.path(), &[("GLOSSA_MODEL_MIRROR", Some(&mirror)), ("HF_ENDPOINT", None)]);
        // Only the model file is on the mirror: the pull fails on the projector with the
        // mirror's address in the message, after the model arrived.
        let pulled = host.request_within(json!({"id": "p1", "type": "pull_model", "source": "smolvlm2-2.2b"}), Duration::from_secs(120));
        let listed = host.request(json!({"id": "l1", "type": "list_local_models"}));
        std::fs::write(dir.path().join("keep.gguf"), b"x").unwrap();
        let outside = host.request(json!({"id": "r0", "type": "remove_local_model", "file": "../keep.gguf"}));
        let removed = host.request(json!({"id": "r1", "type": "remove_local_model", "file": "SmolVLM2-2.2B-Instruct-Q4_K_M.gguf"}));
        assert!(dir.path().join("keep.gguf").exists(), "nothing outside the models folder is removed");
        host.assert_serving();
        (pulled, listed, removed, outside)
    })
    .await
    .unwrap();
    assert!(pulled.iter().any(|e| e["event"] == "progress"), "{pulled:?}");
    let err = error_of(&pulled);
    assert!(err["message"].as_str().unwrap().contains("/hf/ggml-org/SmolVLM2-2.2B-Instruct-GGUF/resolve/main/mmproj"), "{err}");
    assert!(!err.to_string().contains("huggingface.co"), "{err}");

    let local = &listed[0];
    assert_eq!(local["event"], "local_models");
    assert_eq!(local["models"][0]["file"], "SmolVLM2-2.2B-Instruct-Q4_K_M.gguf");
    let catalogue = local["catalogue"].as_array().unwrap();
    let smol = catalogue.iter().find(|c| c["id"] == "smolvlm2-2.2b").unwrap();
    assert_eq!((smol["vision"].as_bool(), smol["installed"].as_bool()), (Some(true), Some(false)), "the projector is missing");
    assert!(catalogue.iter().all(|c| c["size_bytes"].as_u64() > Some(0) && c["memory_bytes"].as_u64() > c["size_bytes"].as_u64()));

    assert_eq!(error_of(&outside)["code"], "bad_request");
    assert_eq!(removed[0]["event"], "local_models", "{removed:?}");
    assert!(removed[0]["models"].as_array().unwrap().is_empty(), "{removed:?}");
}
