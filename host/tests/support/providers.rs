//! Driving providers directly, without a host process: config from settings pairs,
//! requests, and a chat run through the layers every caller gets.

use std::time::Duration;

use glossa_host::config::Config;
use glossa_host::providers::{ChatRequest, Image, Provider, ProviderError};
use glossa_host::store::Store;
use glossa_protocol::Usage;

use super::models::{test_model, FRAME};
use super::PATIENCE;

/// The config of settings `pairs` on top of the defaults (validated like the options page).
pub fn config(pairs: &[(&str, &str)]) -> Config {
    let store = Store::in_memory().expect("in-memory store");
    let values = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    store.put_settings(&values).unwrap_or_else(|e| panic!("settings {pairs:?} rejected: {e}"));
    Config::from_settings(&store.settings().expect("settings"))
}

/// A short text request.
pub fn text_request(model: &str) -> ChatRequest {
    ChatRequest {
        model: model.into(),
        system: "You translate into French. Answer with the translation only.".into(),
        user: "Good morning".into(),
        image: None,
        max_tokens: 16,
        temperature: 0.0,
        answer_format: None,
    }
}

/// The JPEG frame from the test models folder.
pub fn frame_image() -> Image {
    let bytes = std::fs::read(test_model(FRAME)).expect("frame.jpg");
    Image::from_bytes(bytes).expect("frame.jpg is a picture")
}

/// What a chat produced: every delta in order, and the outcome.
pub struct ChatOutcome {
    pub deltas: Vec<String>,
    pub result: Result<Usage, ProviderError>,
}

impl ChatOutcome {
    pub fn text(&self) -> String {
        self.deltas.concat()
    }

    pub fn error(&self) -> &ProviderError {
        self.result.as_ref().err().unwrap_or_else(|| panic!("expected an error, got success with {:?}", self.text()))
    }
}

/// Run one chat to its end (bounded by [`PATIENCE`]), through the provider layers every
/// caller gets (retry, think filter, timing).
pub async fn chat(provider: &dyn Provider, request: &ChatRequest) -> ChatOutcome {
    let mut deltas = Vec::new();
    let mut on_delta = |t: &str| deltas.push(t.to_owned());
    let result = tokio::time::timeout(PATIENCE, glossa_host::providers::answer(provider, request).forward(&mut on_delta))
        .await
        .unwrap_or_else(|_| panic!("chat did not finish within {PATIENCE:?}"));
    ChatOutcome { deltas, result: result.map(|(usage, _)| usage) }
}

/// An HTTP client with short timeouts and fast retries, for fault tests.
pub fn fast_http(idle: Duration) -> glossa_host::providers::http::HttpClient {
    fast_http_with(Duration::from_secs(5), idle)
}

pub fn fast_http_with(connect: Duration, idle: Duration) -> glossa_host::providers::http::HttpClient {
    fast_http_timeouts(glossa_host::providers::http::Timeouts { connect, first_token: idle, idle })
}

pub fn fast_http_timeouts(timeouts: glossa_host::providers::http::Timeouts) -> glossa_host::providers::http::HttpClient {
    use glossa_host::providers::http::{build_client, HttpClient, RetryPolicy};
    HttpClient {
        client: build_client(timeouts.connect),
        timeouts,
        retry: RetryPolicy { max_retries: 2, backoff: Duration::from_millis(20), max_wait: Duration::from_secs(20) },
    }
}

/// A frame job as `resolve::frame` builds it: `provider` and `model`, into `to`.
pub fn frame_job(provider: std::sync::Arc<dyn Provider>, model: &str, to: &str) -> glossa_host::pipeline::frame::FrameJob {
    glossa_host::pipeline::frame::FrameJob { provider, model: model.into(), to: to.into(), from: None, with_original: false }
}

/// A frame request as the extension sends it, with frame.jpg.
pub fn frame_request(to: &str) -> glossa_protocol::FrameRequest {
    use base64::Engine;
    let bytes = std::fs::read(test_model(FRAME)).expect("frame.jpg");
    glossa_protocol::FrameRequest {
        image: base64::engine::general_purpose::STANDARD.encode(bytes),
        to: Some(to.into()),
        from: None,
        with_original: false,
        items: false,
        title: None,
    }
}

/// Start a chat in a task, wait for its first delta, then drop it (what a cancel does):
/// returns the deltas seen.
pub async fn chat_then_cancel(provider: std::sync::Arc<dyn Provider>, request: ChatRequest) -> Vec<String> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let task = tokio::spawn(async move {
        let mut on_delta = |t: &str| {
            let _ = tx.send(t.to_owned());
        };
        glossa_host::providers::answer(provider.as_ref(), &request).forward(&mut on_delta).await
    });
    let first = tokio::time::timeout(PATIENCE, rx.recv()).await.expect("a first delta").expect("a first delta");
    task.abort();
    let _ = task.await;
    let mut seen = vec![first];
    while let Ok(more) = rx.try_recv() {
        seen.push(more);
    }
    seen
}
