//! The OpenAI-compatible provider against a real llama-server: streaming, usage, model
//! list, check, images through `--mmproj`, and the errors a user meets.

mod support;

use glossa_host::providers::{Provider, Providers, ProviderError};
use glossa_protocol::{ErrorCode, ProviderKind};
use support::{chat, frame_image, settings, text_request, LlamaServer};

fn openai(url: &str, extra: &[(&str, &str)]) -> std::sync::Arc<dyn Provider> {
    let mut pairs = vec![("openai.base_url", url)];
    pairs.extend_from_slice(extra);
    let s = settings(&pairs);
    Providers::new(std::path::Path::new("/nonexistent")).get(ProviderKind::Openai, &s)
}

#[tokio::test]
async fn streams_text_with_usage_from_llama_server_and_lists_its_model() {
    let server = LlamaServer::start_text();
    let provider = openai(&server.url, &[]);

    let models = provider.list_models().await.expect("model list");
    assert_eq!(models.len(), 1, "{models:?}");
    assert!(models[0].name.ends_with("SmolLM2-135M-Instruct.Q4_1.gguf"), "{models:?}");
    assert_eq!(models[0].vision, Some(false));

    // Empty model setting: the server's first model is used.
    let outcome = chat(provider.as_ref(), &text_request("")).await;
    let usage = outcome.result.as_ref().unwrap_or_else(|e| panic!("chat failed: {e}\n{}", server.logs()));
    assert!(outcome.deltas.len() >= 2, "expected a stream of several deltas, got {:?}", outcome.deltas);
    assert!(!outcome.text().trim().is_empty());
    assert!(usage.input_tokens > 0 && usage.output_tokens > 0, "{usage:?}");
    assert!(usage.output_tokens <= 16, "max_tokens is respected: {usage:?}");

    let report = provider.check("", "").await;
    assert!(report.reachable, "{report:?}");
    assert_eq!(report.frame_model_present, Some(true));
    assert_eq!(report.frame_model_vision, Some(false), "SmolLM2 without mmproj reads no images");
    assert!(report.problems.iter().any(|p| p.code == ErrorCode::NoVision), "{report:?}");
    assert!(report.warnings.is_empty(), "loopback http needs no warning: {report:?}");
}

#[tokio::test]
async fn reads_an_image_through_mmproj() {
    let server = LlamaServer::start_vision();
    let provider = openai(&server.url, &[]);
    let models = provider.list_models().await.expect("model list");
    assert_eq!(models[0].vision, Some(true), "{models:?}");

    let mut request = text_request("");
    request.user = "What text is in this picture?".into();
    request.image = Some(frame_image());
    let outcome = chat(provider.as_ref(), &request).await;
    let usage = outcome.result.as_ref().unwrap_or_else(|e| panic!("image chat failed: {e}\n{}", server.logs()));
    // The tiny random model writes noise: the pipeline is what is checked. The image
    // tokens make the prompt far longer than the text alone.
    assert!(usage.input_tokens > 30, "{usage:?}");
    assert!(usage.output_tokens > 0, "{usage:?}");
    assert!(!outcome.deltas.is_empty());
}

#[tokio::test]
async fn unreachable_server_says_where_and_what_to_do() {
    let port = support::free_port();
    let provider = openai(&format!("http://127.0.0.1:{port}"), &[]);
    let outcome = chat(provider.as_ref(), &text_request("any")).await;
    let err = outcome.error();
    assert!(matches!(err, ProviderError::Unreachable { .. }), "{err:?}");
    let info = err.info();
    assert_eq!(info.code, ErrorCode::ProviderUnreachable);
    assert!(info.message.contains(&format!("127.0.0.1:{port}")), "{info:?}");
    assert!(info.hint.contains("running"), "{info:?}");
    let report = provider.check("any", "any").await;
    assert!(!report.reachable);
    assert_eq!(report.problems[0].code, ErrorCode::ProviderUnreachable);
}

#[tokio::test]
async fn cleartext_to_a_remote_host_is_warned_about() {
    // Nothing listens there; the warning comes from the URL alone.
    let provider = openai("http://192.0.2.1:9", &[("openai.api_key", "sk-test-secret-000111"), ("timeouts.connect_secs", "1")]);
    let report = provider.check("m", "m").await;
    assert!(report.warnings.iter().any(|w| w.contains("API key travels unencrypted")), "{report:?}");
    assert!(!format!("{report:?}").contains("sk-test-secret"), "the key must never appear: {report:?}");
}
