//! Answers larger than Chrome's 1 MiB message limit arrive whole, as chunks.

mod support;

use glossa_protocol::{ChunkAssembler, Event, EventBody};
use serde_json::json;
use support::{FakeServer, Host, Response};

#[test]
fn a_model_list_above_one_mebibyte_arrives_in_chunks_and_reassembles() {
    const MODELS: usize = 6000;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(FakeServer::start(|req| {
        if req.path == "/v1/models" {
            let data: Vec<_> = (0..MODELS)
                .map(|i| json!({"id": format!("org/model-{i:05}-{}", "x".repeat(200)), "object": "model", "owned_by": "test"}))
                .collect();
            Response::json(200, &json!({"object": "list", "data": data}))
        } else {
            Response::full(404, "text/plain", "not found")
        }
    }));

    let dir = tempfile::tempdir().unwrap();
    let mut host = Host::start(dir.path());
    host.put_settings(json!({"provider": "openai", "openai.base_url": server.url}));
    // Host::recv asserts every frame stays below 1 MiB.
    let events = host.request(json!({"id": "m", "type": "list_models"}));
    let chunks = events.iter().filter(|e| e["event"] == "chunk").count();
    assert!(chunks >= 5, "a ~1.3 MB answer should come in several chunks, got {chunks}");
    assert_eq!(events.last().unwrap()["event"], "done");

    let mut assembler = ChunkAssembler::default();
    let mut models = None;
    for raw in events {
        let event: Event = serde_json::from_value(raw).unwrap();
        let EventBody::Chunk { seq, last, data } = event.body else { continue };
        if let Some(json) = assembler.push(&event.id, seq, last, &data).unwrap() {
            if let Event { body: EventBody::Models { models: m, .. }, .. } = serde_json::from_str(&json).unwrap() {
                models = Some(m);
            }
        }
    }
    let models = models.expect("the model list reassembles");
    assert_eq!(models.len(), MODELS);
    assert!(models[MODELS - 1].name.starts_with("org/model-05999-"));
}
