//! The Anthropic provider: against a fake of Anthropic's cloud that follows the published
//! streaming format byte for byte (faults, retries, keys, redirects), and against a real
//! llama-server's Anthropic-format `/v1/messages`.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use glossa_host::providers::anthropic::Anthropic;
use glossa_host::providers::{AnswerFormat, Provider, ProviderError};
use glossa_protocol::ErrorCode;
use support::fakes::{anthropic_error_event, anthropic_text_delta, sse};
use support::{chat, config, cpu, fast_http, frame_image, text_request, FakeAnthropic, FakeServer, LlamaServer, Piece, Response, Split};

const KEY: &str = "sk-ant-api03-TESTKEY-abcdef";
const MODEL: &str = "claude-sonnet-4-5";

fn anthropic_at(url: &str, key: &str) -> Arc<dyn Provider> {
    let c = config(&[("anthropic.base_url", url), ("anthropic.api_key", key)]);
    Arc::new(Anthropic::new(fast_http(Duration::from_secs(30)), &c.anthropic))
}

async fn fake(messages: Vec<Response>) -> (FakeAnthropic, Arc<dyn Provider>) {
    let fake = FakeAnthropic::start(KEY, messages).await;
    let provider = anthropic_at(&fake.url, KEY);
    (fake, provider)
}

const PIECES: &[&str] = &["Hello", " 世界", "! ", "🙂"];

#[tokio::test]
async fn streams_every_event_type_whatever_the_byte_boundaries() {
    let (fake, provider) = fake(vec![FakeAnthropic::reply(PIECES)]).await;
    let outcome = chat(provider.as_ref(), &text_request(MODEL)).await;
    let usage = outcome.result.as_ref().expect("chat");
    assert_eq!(outcome.deltas, PIECES, "one delta per text_delta, ping ignored");
    assert_eq!((usage.input_tokens, usage.output_tokens), (25, PIECES.len() as u64));

    let body_len = {
        let r = FakeAnthropic::reply(PIECES);
        r.pieces.iter().map(|p| if let Piece::Data(d) = p { d.len() } else { 0 }).sum::<usize>()
    };
    for at in 1..body_len {
        fake.messages.set(vec![FakeAnthropic::reply(PIECES).split(Split::At(at))]);
        let outcome = chat(provider.as_ref(), &text_request(MODEL)).await;
        assert!(outcome.result.is_ok(), "split at {at}: {:?}", outcome.result);
        assert_eq!(outcome.text(), PIECES.concat(), "split at {at}");
    }
    fake.messages.set(vec![FakeAnthropic::reply(PIECES).split(Split::EveryByte)]);
    let outcome = chat(provider.as_ref(), &text_request(MODEL)).await;
    assert_eq!(outcome.text(), PIECES.concat());
    assert!(outcome.result.is_ok());
}

#[tokio::test]
async fn sends_key_version_cached_system_block_and_sniffed_image_type() {
    let (fake, provider) = fake(vec![FakeAnthropic::reply(&["ok"])]).await;
    let mut request = text_request(MODEL);
    request.image = Some(frame_image());
    // Long enough for Sonnet's 1024-token cache minimum.
    request.system = "Translate the text in the picture into French. ".repeat(100);
    let outcome = chat(provider.as_ref(), &request).await;
    assert_eq!(outcome.text(), "ok", "{:?}", outcome.result);
    let sent = &fake.server.requests_to("/v1/messages")[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.header("x-api-key"), Some(KEY));
    assert_eq!(sent.header("anthropic-version"), Some("2023-06-01"));
    let body = sent.json();
    assert_eq!(body["stream"], true);
    assert_eq!(body["model"], MODEL);
    assert_eq!(body["system"][0]["type"], "text");
    assert_eq!(body["system"][0]["cache_control"]["type"], "ephemeral");
    let image = &body["messages"][0]["content"][0];
    assert_eq!(image["type"], "image");
    assert_eq!(image["source"]["type"], "base64");
    assert_eq!(image["source"]["media_type"], "image/jpeg", "sniffed from frame.jpg's bytes");
    assert_eq!(image["source"]["data"], frame_image().base64());
}

#[tokio::test]
async fn overloaded_mid_stream_keeps_the_text_and_is_not_retried() {
    let reply = FakeAnthropic::stream_head()
        .then(Piece::Data(anthropic_text_delta("Bon")))
        .then(Piece::Data(anthropic_text_delta("jour")))
        .then(Piece::Data(anthropic_error_event("overloaded_error", "Overloaded")));
    let (fake, provider) = fake(vec![reply]).await;
    let outcome = chat(provider.as_ref(), &text_request(MODEL)).await;
    assert_eq!(outcome.text(), "Bonjour", "partial text stays");
    let err = outcome.error();
    assert!(matches!(err, ProviderError::Overloaded { retries: 0, .. }), "{err:?}");
    let info = err.info();
    assert_eq!(info.code, ErrorCode::Overloaded);
    assert_eq!(info.message, "Anthropic is overloaded.");
    assert_eq!(info.hint, "Try again in a minute.");
    assert_eq!(fake.server.requests_to("/v1/messages").len(), 1, "never retried after text was shown");
}

#[tokio::test]
async fn rate_limit_before_the_first_token_waits_for_retry_after_then_succeeds() {
    let limited = FakeAnthropic::error(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit")
        .header("retry-after", "1");
    let (fake, provider) = fake(vec![limited, FakeAnthropic::reply(&["ok"])]).await;
    let started = Instant::now();
    let outcome = chat(provider.as_ref(), &text_request(MODEL)).await;
    assert_eq!(outcome.text(), "ok", "{:?}", outcome.result);
    assert!(outcome.result.is_ok());
    assert_eq!(fake.server.requests_to("/v1/messages").len(), 2);
    assert!(started.elapsed() >= Duration::from_secs(1), "retry-after was honoured");
}

#[tokio::test]
async fn overload_that_persists_reports_the_retries_tried() {
    let (fake, provider) = fake(vec![FakeAnthropic::error(529, "overloaded_error", "Overloaded")]).await;
    let outcome = chat(provider.as_ref(), &text_request(MODEL)).await;
    let err = outcome.error();
    assert!(matches!(err, ProviderError::Overloaded { retries: 2, .. }), "{err:?}");
    assert_eq!(err.info().hint, "Tried 2 more times; try again in a minute.");
    assert_eq!(fake.server.requests_to("/v1/messages").len(), 3);

    fake.messages.set(vec![FakeAnthropic::error(429, "rate_limit_error", "slow down").header("retry-after", "3600")]);
    let err = chat(provider.as_ref(), &text_request(MODEL)).await.result.unwrap_err();
    assert!(matches!(err, ProviderError::RateLimited { retries: 0, .. }), "a wait of an hour is reported, not slept: {err:?}");
    assert_eq!(err.info().hint, "Wait a moment and try again (the server asked to wait 3600s).");
}

#[tokio::test]
async fn wrong_or_missing_key_names_anthropic_and_never_echoes_the_key() {
    let fake = FakeAnthropic::start(KEY, vec![]).await;
    let wrong = "sk-ant-api03-WRONGKEY-999999";
    let outcome = chat(anthropic_at(&fake.url, wrong).as_ref(), &text_request(MODEL)).await;
    let info = outcome.error().info();
    assert_eq!(info.code, ErrorCode::AuthFailed);
    assert_eq!(info.message, "Anthropic rejected the API key (HTTP 401).");
    assert!(info.hint.contains("Check the Anthropic API key"), "{info:?}");
    let shown = format!("{info:?}");
    assert!(!shown.contains("WRONGKEY") && !shown.contains("999999"), "{shown}");

    let outcome = chat(anthropic_at(&fake.url, "").as_ref(), &text_request(MODEL)).await;
    assert_eq!(outcome.error().info().hint, "Set your Anthropic API key in Glossa's options.");
    assert!(fake.server.requests_to("/v1/messages").iter().all(|r| r.header("x-api-key") != Some("")));
}

#[tokio::test]
async fn a_redirect_to_another_host_never_carries_the_key() {
    let elsewhere = FakeServer::start(|_| FakeAnthropic::reply(&["stolen"])).await;
    let location = format!("{}/v1/messages", elsewhere.url.replace("127.0.0.1", "localhost"));
    let (fake, provider) = fake(vec![Response::full(307, "text/plain", "").header("Location", &location)]).await;
    let outcome = chat(provider.as_ref(), &text_request(MODEL)).await;
    let info = outcome.error().info();
    assert_eq!(info.code, ErrorCode::BadResponse);
    assert!(info.message.contains("redirect"), "{info:?}");
    assert!(outcome.deltas.is_empty());
    assert_eq!(fake.server.requests_to("/v1/messages").len(), 1);
    assert!(elsewhere.requests().is_empty(), "nothing, and so no key, reached the other host");

    // Listing models: the same.
    let redirecting = FakeServer::start(move |_| Response::full(301, "text/plain", "").header("Location", &location)).await;
    let err = anthropic_at(&redirecting.url, KEY).list_models().await.unwrap_err();
    assert_eq!(err.info().code, ErrorCode::BadResponse);
    assert!(elsewhere.requests().is_empty());
}

#[tokio::test]
async fn unknown_model_says_so() {
    let (_fake, provider) = fake(vec![FakeAnthropic::error(404, "not_found_error", "model: claude-sonnet-9")]).await;
    let outcome = chat(provider.as_ref(), &text_request("claude-sonnet-9")).await;
    let info = outcome.error().info();
    assert_eq!(info.code, ErrorCode::ModelMissing);
    assert!(info.message.contains("claude-sonnet-9"), "{info:?}");
    assert!(info.hint.contains("claude-haiku-4-5"), "{info:?}");
}

#[tokio::test]
async fn lists_models_and_checks_aliases() {
    let (_fake, provider) = fake(vec![]).await;
    let models = provider.list_models().await.expect("models");
    assert_eq!(models.len(), 2);
    assert!(models.iter().all(|m| m.vision == Some(true)));
    let report = provider.check("claude-sonnet-4-5", "claude-haiku-4-5").await;
    assert!(report.reachable && report.problems.is_empty(), "{report:?}");
    assert_eq!((report.frame_model_present, report.subtitle_model_present), (Some(true), Some(true)));
    let report = provider.check("claude-sonnet-4-5", "claude-2").await;
    assert_eq!(report.subtitle_model_present, Some(false));
    assert_eq!(report.problems[0].code, ErrorCode::ModelMissing);
}

#[tokio::test]
async fn thinking_blocks_and_think_tags_never_reach_the_user() {
    let thinking = FakeAnthropic::stream_head()
        .then(Piece::Data(sse("content_block_start", &serde_json::json!({"type": "content_block_start", "index": 1, "content_block": {"type": "thinking", "thinking": ""}}))))
        .then(Piece::Data(sse("content_block_delta", &serde_json::json!({"type": "content_block_delta", "index": 1, "delta": {"type": "thinking_delta", "thinking": "The sign reads..."}}))))
        .then(Piece::Data(sse("content_block_delta", &serde_json::json!({"type": "content_block_delta", "index": 1, "delta": {"type": "signature_delta", "signature": "EqQBCgIYAhIM"}}))))
        .then(Piece::Data(anthropic_text_delta("<think>hmm</think>")))
        .then(Piece::Data(anthropic_text_delta("Bonjour")));
    let reply = FakeAnthropic::stream_tail(thinking, 3).split(Split::EveryByte);
    let (_fake, provider) = fake(vec![reply]).await;
    let mut shown = Vec::new();
    let mut on_delta = |t: &str| shown.push(t.to_owned());
    let request = support::frame_request("fr");
    let job = support::frame_job(provider.clone(), MODEL, "fr");
    let frame = glossa_host::pipeline::frame::Frame::from_request(request).unwrap();
    let result = glossa_host::pipeline::frame::translate(&job, &frame.image, &mut on_delta).await;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(shown.concat(), "Bonjour");
}

#[tokio::test]
async fn stream_cut_before_message_stop_is_incomplete() {
    let reply = FakeAnthropic::stream_head().then(Piece::Data(anthropic_text_delta("Bon"))).then(Piece::Cut);
    let (_fake, provider) = fake(vec![reply]).await;
    let outcome = chat(provider.as_ref(), &text_request(MODEL)).await;
    assert_eq!(outcome.text(), "Bon");
    assert_eq!(outcome.error().info().code, ErrorCode::StreamIncomplete);
}

#[tokio::test]
async fn cancel_closes_the_http_connection() {
    let reply = FakeAnthropic::stream_head().then(Piece::Data(anthropic_text_delta("Bon"))).then(Piece::Stall);
    let (fake, provider) = fake(vec![reply]).await;
    let seen = support::chat_then_cancel(provider, text_request(MODEL)).await;
    assert_eq!(seen, vec!["Bon"]);
    assert!(fake.server.wait_client_closed().await, "the server saw the connection close");
}

#[tokio::test]
async fn speaks_to_llama_servers_anthropic_endpoint() {
    if cpu::skip_without_llama_cpu() {
        return;
    }
    let server = LlamaServer::start_text();
    // llama-server takes any key; the model name is ignored by a single-model server.
    let provider = anthropic_at(&server.url, "local-key");
    let outcome = chat(provider.as_ref(), &text_request("SmolLM2")).await;
    let usage = outcome.result.as_ref().unwrap_or_else(|e| panic!("{e}\n{}", server.logs()));
    assert!(outcome.deltas.len() >= 2, "{:?}", outcome.deltas);
    assert!(usage.input_tokens > 0 && usage.output_tokens > 0, "{usage:?}");
    assert!(usage.output_tokens <= 16);
}

#[tokio::test]
async fn an_answer_format_is_a_forced_tool_whose_input_streams_as_the_answer_text() {
    let json = ["{\"lines\": [{\"id\": \"1\", ", "\"text\": \"Bonjour ", "世界\"}]}"];
    let (fake, provider) = fake(vec![FakeAnthropic::tool_reply("subtitle_lines", &json).split(Split::EveryByte)]).await;
    let schema = serde_json::json!({
        "type": "object",
        "properties": {"lines": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}, "text": {"type": "string"}}}}},
        "required": ["lines"]
    });
    let mut request = text_request(MODEL);
    request.answer_format = Some(AnswerFormat { name: "subtitle_lines".into(), schema: schema.clone() });
    let outcome = chat(provider.as_ref(), &request).await;
    assert_eq!(outcome.text(), json.concat(), "{:?}", outcome.result);
    let answer: serde_json::Value = serde_json::from_str(&outcome.text()).expect("the answer is JSON");
    assert_eq!(answer["lines"][0]["text"], "Bonjour 世界");
    assert_eq!(outcome.result.expect("usage").output_tokens, 3);

    let body = fake.server.requests_to("/v1/messages")[0].json();
    assert_eq!(body["tools"][0]["name"], "subtitle_lines");
    assert_eq!(body["tools"][0]["input_schema"], schema);
    assert_eq!(body["tool_choice"], serde_json::json!({"type": "tool", "name": "subtitle_lines"}));

    // Without a format, no tool.
    fake.messages.set(vec![FakeAnthropic::reply(&["ok"])]);
    chat(provider.as_ref(), &text_request(MODEL)).await.result.expect("plain chat");
    let body = fake.server.requests_to("/v1/messages")[1].json();
    assert!(body.get("tools").is_none() && body.get("tool_choice").is_none(), "{body}");
}

/// A system prompt of about `tokens` of the fake's tokens (a quarter of its characters).
fn long_system(tokens: usize) -> String {
    let line = "Glossary: Kenji = Kenji; Mount Fuji = le mont Fuji. ";
    line.repeat(tokens * 4 / line.len() + 1)
}

#[tokio::test]
async fn a_long_stable_prefix_is_cached_and_its_tokens_reported() {
    let (fake, provider) = fake(vec![FakeAnthropic::reply(&["ok"])]).await;
    let mut request = text_request(MODEL);
    request.system = long_system(1500);
    let first = chat(provider.as_ref(), &request).await.result.expect("first chat");
    let second = chat(provider.as_ref(), &request).await.result.expect("second chat");
    let sent = fake.server.requests_to("/v1/messages");
    assert_eq!(sent[0].json()["system"][0]["cache_control"], serde_json::json!({"type": "ephemeral"}));
    let prefix = first.cache_creation_input_tokens.expect("the first request writes the cache");
    assert!(prefix >= 1024, "{first:?}");
    assert_eq!(first.cache_read_input_tokens, None, "{first:?}");
    assert_eq!(second.cache_read_input_tokens, Some(prefix), "the second reads it: {second:?}");
    assert_eq!(second.cache_creation_input_tokens, None, "{second:?}");
    assert_eq!(first.input_tokens, second.input_tokens, "input_tokens counts the whole prompt either way");
    assert!(second.input_tokens > prefix);

    // The done event carries them to the extension; old messages without them still parse.
    let json = serde_json::to_value(second).unwrap();
    assert_eq!(json["cache_read_input_tokens"], prefix);
    let old: glossa_protocol::Usage = serde_json::from_str(r#"{"input_tokens":5,"output_tokens":2}"#).unwrap();
    assert_eq!(old.cache_read_input_tokens, None);
}

#[tokio::test]
async fn a_prefix_too_short_for_the_model_is_not_marked() {
    let (fake, provider) = fake(vec![FakeAnthropic::reply(&["ok"])]).await;
    let mut request = text_request(MODEL);
    chat(provider.as_ref(), &request).await.result.expect("short system");
    // Long enough for Sonnet, not for Haiku 4.5 (4096).
    request.model = "claude-haiku-4-5".into();
    request.system = long_system(1500);
    let usage = chat(provider.as_ref(), &request).await.result.expect("haiku");
    let sent = fake.server.requests_to("/v1/messages");
    for body in sent.iter().map(support::Request::json) {
        assert!(body["system"][0].get("cache_control").is_none(), "{}", body["system"][0]["text"].as_str().unwrap_or_default().len());
    }
    assert_eq!((usage.cache_read_input_tokens, usage.cache_creation_input_tokens), (None, None));
}
