//! The OpenAI-compatible provider against a real llama-server: streaming, usage, model
//! list, check, images through `--mmproj`, and the errors a user meets.

mod support;

use glossa_host::providers::{AnswerFormat, Provider, ProviderError, Providers};
use glossa_protocol::{ErrorCode, ProviderKind};
use std::time::Duration;

use glossa_host::providers::openai::OpenAi;
use serde_json::{json, Value};
use support::{
    chat, config, cpu, frame_image, text_request, FakeOpenAi, FakeOpenAiModel, FakeServer, LlamaServer, Response, SchemaSupport,
};

fn openai(url: &str, extra: &[(&str, &str)]) -> std::sync::Arc<dyn Provider> {
    let mut pairs = vec![("openai.base_url", url)];
    pairs.extend_from_slice(extra);
    let c = config(&pairs);
    Providers::new(std::path::Path::new("/nonexistent")).get(&c.provider(Some(ProviderKind::Openai)))
}

#[tokio::test]
async fn streams_text_with_usage_from_llama_server_and_lists_its_model() {
    if cpu::skip_without_llama_cpu() {
        return;
    }
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
    if cpu::skip_without_llama_cpu() {
        return;
    }
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

/// An OpenAI-style server with two models that wants `Bearer sk-good-key-123456`.
async fn fake_openai() -> FakeServer {
    FakeServer::start(|req| {
        if req.header("authorization") != Some("Bearer sk-good-key-123456") {
            return Response::json(401, &json!({"error": {
                "message": "Incorrect API key provided: sk-bad-k***3456. You can find your API key at https://platform.openai.com/account/api-keys.",
                "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}));
        }
        match req.path.as_str() {
            "/v1/models" => Response::json(200, &json!({"object": "list", "data": [
                {"id": "qwen2.5-7b-instruct", "object": "model", "created": 1_700_000_000, "owned_by": "organization_owner"},
                {"id": "gemma-3-12b-it", "object": "model", "created": 1_700_000_000, "owned_by": "organization_owner"}]})),
            _ => {
                let model = req.json()["model"].as_str().unwrap_or_default().to_owned();
                Response::json(404, &json!({"error": {
                    "message": format!("The model `{model}` does not exist or you do not have access to it."),
                    "type": "invalid_request_error", "param": null, "code": "model_not_found"}}))
            }
        }
    })
    .await
}

#[tokio::test]
async fn wrong_key_names_the_provider_without_echoing_it() {
    let server = fake_openai().await;
    let provider = openai(&server.url, &[("openai.api_key", "sk-bad-key-993456")]);
    let outcome = chat(provider.as_ref(), &text_request("gpt-x")).await;
    let info = outcome.error().info();
    assert_eq!(info.code, ErrorCode::AuthFailed);
    assert_eq!(info.message, "OpenAI-compatible server rejected the API key (HTTP 401).");
    assert!(info.hint.contains("Check the OpenAI-compatible server API key"), "{info:?}");
    assert!(!format!("{info:?}").contains("sk-bad"), "{info:?}");
    assert_eq!(server.requests()[0].header("authorization"), Some("Bearer sk-bad-key-993456"));

    // No key: no Authorization header at all, and the hint says to set one.
    let provider = openai(&server.url, &[]);
    let info = provider.list_models().await.unwrap_err().info();
    assert_eq!(info.hint, "Set your OpenAI-compatible server API key in Glossa's options.");
    assert_eq!(server.requests().last().unwrap().header("authorization"), None);
}

#[tokio::test]
async fn missing_model_lists_what_the_server_has() {
    let server = fake_openai().await;
    let provider = openai(&server.url, &[("openai.api_key", "sk-good-key-123456")]);
    let outcome = chat(provider.as_ref(), &text_request("gpt-x")).await;
    let info = outcome.error().info();
    assert_eq!(info.code, ErrorCode::ModelMissing);
    assert!(info.message.contains("gpt-x"), "{info:?}");
    assert_eq!(info.hint, "The server has no model gpt-x; available: qwen2.5-7b-instruct, gemma-3-12b-it. Choose one in Glossa's options.");
    let report = provider.check("gpt-x", "qwen2.5-7b-instruct").await;
    assert!(report.reachable);
    assert_eq!((report.frame_model_present, report.subtitle_model_present), (Some(false), Some(true)));
    assert_eq!(report.problems.len(), 1, "{report:?}");
}

#[tokio::test]
async fn connect_timeout_says_which_timeout() {
    let blackhole = support::full_backlog().await;
    let c = config(&[("openai.base_url", blackhole.url.as_str())]);
    let provider = OpenAi::new(support::fast_http_with(Duration::from_millis(500), Duration::from_secs(30)), &c.openai);
    let outcome = chat(&provider, &text_request("m")).await;
    let info = outcome.error().info();
    assert_eq!(info.code, ErrorCode::ConnectTimeout, "{info:?}");
    assert!(info.message.starts_with(&format!("Connecting to OpenAI-compatible server at {} timed out", blackhole.url)), "{info:?}");
}

#[tokio::test]
async fn server_that_never_answers_hits_the_idle_timeout() {
    let silent = FakeServer::start(|_| Response::stream(200, "text/event-stream", vec![support::Piece::Stall])).await;
    let c = config(&[("openai.base_url", silent.url.as_str())]);
    let provider = OpenAi::new(support::fast_http(Duration::from_millis(300)), &c.openai);
    let outcome = chat(&provider, &text_request("m")).await;
    assert_eq!(outcome.error().info().code, ErrorCode::IdleTimeout);
    assert!(silent.wait_client_closed().await);
}

/// An OpenAI-style server whose first listed model can be switched, streaming "Bonjour"
/// for the model it lists first and 404 for any other.
async fn fake_switching_openai(switched: std::sync::Arc<std::sync::atomic::AtomicBool>) -> FakeServer {
    use std::sync::atomic::Ordering;
    FakeServer::start(move |req| {
        let loaded = if switched.load(Ordering::SeqCst) { "second-model" } else { "first-model" };
        match req.path.as_str() {
            "/v1/models" => Response::json(200, &json!({"object": "list", "data": [{"id": loaded, "object": "model"}]})),
            _ if req.json()["model"] == loaded => {
                let chunk = |delta: Value| format!("data: {}\n\n", json!({"choices": [{"index": 0, "delta": delta}]})).into_bytes();
                let usage = format!("data: {}\n\n", json!({"choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 2}}));
                Response::stream(200, "text/event-stream", vec![
                    support::Piece::Data(chunk(json!({"role": "assistant", "content": "Bon"}))),
                    support::Piece::Data(chunk(json!({"content": "jour"}))),
                    support::Piece::Data(usage.into_bytes()),
                    support::Piece::Data(b"data: [DONE]\n\n".to_vec()),
                ])
            }
            _ => Response::json(404, &json!({"error": {"message": format!("The model `{}` does not exist.", req.json()["model"].as_str().unwrap_or("")), "type": "invalid_request_error"}})),
        }
    })
    .await
}

#[tokio::test]
async fn an_empty_model_setting_is_resolved_once_per_server_and_again_when_it_goes() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let switched = std::sync::Arc::new(AtomicBool::new(false));
    let server = fake_switching_openai(switched.clone()).await;
    let providers = Providers::new(std::path::Path::new("/nonexistent"));
    let openai = config(&[("openai.base_url", server.url.as_str())]).provider(Some(ProviderKind::Openai));
    for _ in 0..3 {
        // A provider per request, as the host builds them.
        let provider = providers.get(&openai);
        let outcome = chat(provider.as_ref(), &text_request("")).await;
        assert_eq!(outcome.text(), "Bonjour", "{:?}", outcome.result);
        assert_eq!(outcome.result.as_ref().map(|u| u.output_tokens).ok(), Some(2));
    }
    assert_eq!(server.requests_to("/v1/models").len(), 1, "one model lookup for several calls");
    let asked: Vec<Value> = server.requests_to("/v1/chat/completions").iter().map(|r| r.json()["model"].clone()).collect();
    assert_eq!(asked, vec![json!("first-model"); 3]);

    // Another model is loaded into the server: the call that finds the old one gone
    // fails (it may have been the user's choice), the next one learns the new one.
    switched.store(true, Ordering::SeqCst);
    let provider = providers.get(&openai);
    assert_eq!(chat(provider.as_ref(), &text_request("")).await.error().info().code, ErrorCode::ModelMissing);
    let outcome = chat(provider.as_ref(), &text_request("")).await;
    assert_eq!(outcome.text(), "Bonjour", "{:?}", outcome.result);
    assert_eq!(server.requests_to("/v1/chat/completions").last().unwrap().json()["model"], "second-model");
}

/// A subtitle-like answer shape, ready for OpenAI's strict mode.
fn lines_format() -> AnswerFormat {
    AnswerFormat {
        name: "subtitle_lines".into(),
        schema: json!({
            "type": "object",
            "properties": {"lines": {"type": "array", "items": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "text": {"type": "string"}},
                "required": ["id", "text"],
                "additionalProperties": false
            }}},
            "required": ["lines"],
            "additionalProperties": false
        }),
    }
}

const LINES_ANSWER: &[&str] = &["{\"lines\":[{\"id\":\"1\",", "\"text\":\"Bonjour\"}]}"];

fn providers_for(url: &str) -> (Providers, glossa_host::config::ProviderConfig) {
    let providers = Providers::new(std::path::Path::new("/nonexistent"));
    (providers, config(&[("openai.base_url", url)]).provider(Some(ProviderKind::Openai)))
}

#[tokio::test]
async fn an_answer_format_is_sent_as_a_strict_json_schema() {
    let fake = FakeOpenAi::start(vec![FakeOpenAiModel::chat("gpt-4.1-mini")], vec![FakeOpenAi::reply(LINES_ANSWER)]).await;
    let provider = openai(&fake.url, &[]);
    let mut request = text_request("gpt-4.1-mini");
    request.answer_format = Some(lines_format());
    let outcome = chat(provider.as_ref(), &request).await;
    assert_eq!(outcome.text(), LINES_ANSWER.concat(), "{:?}", outcome.result);
    let sent = fake.server.requests_to("/v1/chat/completions");
    assert_eq!(sent.len(), 1);
    let format = &sent[0].json()["response_format"];
    assert_eq!(format["type"], "json_schema");
    assert_eq!(format["json_schema"]["name"], "subtitle_lines");
    assert_eq!(format["json_schema"]["strict"], true);
    assert_eq!(format["json_schema"]["schema"], lines_format().schema);

    // Without a format, none is sent.
    chat(provider.as_ref(), &text_request("gpt-4.1-mini")).await.result.expect("plain chat");
    assert!(fake.server.requests_to("/v1/chat/completions")[1].json().get("response_format").is_none());
}

#[tokio::test]
async fn a_refused_json_schema_is_dropped_once_and_remembered_for_the_model() {
    let fake = FakeOpenAi::start(
        vec![FakeOpenAiModel::chat("old-server-model").schemas(SchemaSupport::Refused), FakeOpenAiModel::chat("gpt-4.1-mini")],
        vec![FakeOpenAi::reply(LINES_ANSWER)],
    )
    .await;
    let (providers, openai) = providers_for(&fake.url);
    let mut request = text_request("old-server-model");
    request.answer_format = Some(lines_format());
    for _ in 0..2 {
        let outcome = chat(providers.get(&openai).as_ref(), &request).await;
        assert_eq!(outcome.text(), LINES_ANSWER.concat(), "{:?}", outcome.result);
    }
    let strict: Vec<Value> = fake
        .server
        .requests_to("/v1/chat/completions")
        .iter()
        .map(|r| r.json()["response_format"]["json_schema"]["strict"].clone())
        .collect();
    assert_eq!(strict, vec![json!(true), json!(false), Value::Null, Value::Null], "strict, loose, then never with a schema");

    // Another model on the same server still gets its schema.
    request.model = "gpt-4.1-mini".into();
    chat(providers.get(&openai).as_ref(), &request).await.result.expect("chat");
    assert!(fake.server.requests_to("/v1/chat/completions").last().unwrap().json().get("response_format").is_some());
}

#[tokio::test]
async fn a_schema_strict_mode_refuses_is_sent_loose() {
    let fake = FakeOpenAi::start(vec![FakeOpenAiModel::chat("gpt-4.1-mini")], vec![FakeOpenAi::reply(LINES_ANSWER)]).await;
    let provider = openai(&fake.url, &[]);
    let mut request = text_request("gpt-4.1-mini");
    let mut loose = lines_format();
    loose.schema["additionalProperties"] = json!(true);
    request.answer_format = Some(loose.clone());
    let outcome = chat(provider.as_ref(), &request).await;
    assert_eq!(outcome.text(), LINES_ANSWER.concat(), "{:?}", outcome.result);
    let sent = fake.server.requests_to("/v1/chat/completions");
    assert_eq!(sent.len(), 2);
    let format = &sent[1].json()["response_format"]["json_schema"];
    assert_eq!((format["strict"].clone(), format["schema"].clone()), (json!(false), loose.schema), "the schema is kept, not strict");
}

#[tokio::test]
async fn known_reasoning_models_get_max_completion_tokens_and_no_temperature() {
    let fake = FakeOpenAi::start(
        vec![FakeOpenAiModel::reasoning("o4-mini"), FakeOpenAiModel::reasoning("gpt-5-mini")],
        vec![FakeOpenAi::reply(&["Bon", "jour"])],
    )
    .await;
    let provider = openai(&fake.url, &[]);
    for model in ["o4-mini", "gpt-5-mini"] {
        let outcome = chat(provider.as_ref(), &text_request(model)).await;
        assert_eq!(outcome.text(), "Bonjour", "{model}: {:?}", outcome.result);
    }
    let sent = fake.server.requests_to("/v1/chat/completions");
    assert_eq!(sent.len(), 2, "no request was refused");
    for request in sent {
        let body = request.json();
        assert!(body["max_completion_tokens"].as_u64().is_some_and(|n| n >= 16), "{body}");
        assert!(body.get("max_tokens").is_none() && body.get("temperature").is_none(), "{body}");
    }
}

#[tokio::test]
async fn a_model_the_server_calls_a_reasoning_model_is_asked_again_the_compatible_way_and_remembered() {
    let fake = FakeOpenAi::start(vec![FakeOpenAiModel::reasoning("acme-thinker-2")], vec![FakeOpenAi::reply(&["Bon", "jour"])]).await;
    let (providers, openai) = providers_for(&fake.url);
    for _ in 0..2 {
        let outcome = chat(providers.get(&openai).as_ref(), &text_request("acme-thinker-2")).await;
        assert_eq!(outcome.text(), "Bonjour", "{:?}", outcome.result);
    }
    let sent: Vec<Value> = fake.server.requests_to("/v1/chat/completions").iter().map(support::Request::json).collect();
    assert_eq!(sent.len(), 3, "one refusal, then the compatible request for both calls: {sent:?}");
    assert_eq!(sent[0]["max_tokens"], 16);
    for body in &sent[1..] {
        assert!(body["max_completion_tokens"].as_u64().is_some_and(|n| n >= 16), "{body}");
        assert!(body.get("max_tokens").is_none() && body.get("temperature").is_none(), "{body}");
    }
}

#[tokio::test]
async fn other_bad_requests_are_reported_not_retried() {
    let fake = FakeOpenAi::start(
        vec![FakeOpenAiModel::chat("gpt-4.1-mini")],
        vec![FakeOpenAi::bad_request("This model's maximum context length is 128000 tokens.", "messages", Some("context_length_exceeded"))],
    )
    .await;
    let provider = openai(&fake.url, &[]);
    let outcome = chat(provider.as_ref(), &text_request("gpt-4.1-mini")).await;
    let info = outcome.error().info();
    assert!(info.message.contains("maximum context length"), "{info:?}");
    assert_eq!(fake.server.requests_to("/v1/chat/completions").len(), 1);
}

#[tokio::test]
async fn llama_server_holds_even_a_tiny_model_to_the_json_schema() {
    if cpu::skip_without_llama_cpu() {
        return;
    }
    let server = LlamaServer::start_text();
    let provider = openai(&server.url, &[]);
    let mut request = text_request("");
    request.max_tokens = 200;
    request.answer_format = Some(AnswerFormat {
        name: "greeting".into(),
        schema: json!({
            "type": "object",
            "properties": {"greeting": {"type": "string", "maxLength": 16}},
            "required": ["greeting"],
            "additionalProperties": false
        }),
    });
    let outcome = chat(provider.as_ref(), &request).await;
    outcome.result.as_ref().unwrap_or_else(|e| panic!("chat failed: {e}\n{}", server.logs()));
    let answer: Value = serde_json::from_str(&outcome.text()).unwrap_or_else(|e| panic!("{e}: {:?}", outcome.text()));
    assert!(answer["greeting"].is_string(), "{answer}");
}

/// A llama-server started with its own answer cap (`-n`, as the browser tests and many
/// users start it) stops a schema-held answer there and then fails to parse it: after the
/// text has streamed it sends an error event. The bytes below are what llama-server
/// (b11434, the tiny gemma3-type pair, `-n 48`) sent. That text is the answer as far as it
/// went, as with a plain answer cut by length; the call is not reported as failed.
#[tokio::test]
async fn a_schema_answer_llama_server_cut_at_its_own_cap_ends_as_an_answer() {
    let server = FakeServer::start(|req| match req.path.as_str() {
        "/v1/models" => Response::json(200, &json!({"object": "list", "data": [{"id": "tiny", "object": "model"}]})),
        _ => {
            let chunk = |content: &str| {
                format!("data: {}\n\n", json!({"choices": [{"finish_reason": null, "index": 0, "delta": {"content": content}}], "object": "chat.completion.chunk"}))
                    .into_bytes()
            };
            let error = json!({"error": {"code": 500, "message": "The model produced output that does not match the expected peg-native format", "type": "server_error"}});
            Response::stream(200, "text/event-stream", vec![
                support::Piece::Data(chunk("{\"items\": [\"")),
                support::Piece::Data(chunk("Ƴ")),
                support::Piece::Data(format!("data: {error}\n\n").into_bytes()),
            ])
        }
    })
    .await;
    let provider = openai(&server.url, &[]);
    let mut request = text_request("tiny");
    request.answer_format = Some(AnswerFormat {
        name: "items".into(),
        schema: json!({"type": "object", "properties": {"items": {"type": "array", "items": {"type": "string"}}}, "required": ["items"]}),
    });
    let outcome = chat(provider.as_ref(), &request).await;
    outcome.result.as_ref().unwrap_or_else(|e| panic!("a cut answer is an answer, not an error: {e}"));
    assert_eq!(outcome.text(), "{\"items\": [\"Ƴ", "the text so far is kept");

    // The same event before any text is an error the user sees.
    let failing = FakeServer::start(|_| {
        let error = json!({"error": {"code": 500, "message": "The model produced output that does not match the expected peg-native format", "type": "server_error"}});
        Response::stream(200, "text/event-stream", vec![support::Piece::Data(format!("data: {error}\n\n").into_bytes())])
    })
    .await;
    let outcome = chat(openai(&failing.url, &[]).as_ref(), &text_request("tiny")).await;
    assert!(outcome.result.is_err(), "{:?}", outcome.result);
}

/// A provider whose model names come from a real OpenAI provider (its empty-setting
/// resolution) and whose answers come from the fake translator: a subtitle track through it
/// shows which model name the translation cache keys on.
struct NamedByOpenAi {
    names: std::sync::Arc<dyn Provider>,
    answers: std::sync::Arc<support::fake_translator::FakeTranslator>,
}

#[async_trait::async_trait]
impl Provider for NamedByOpenAi {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Openai
    }
    async fn model_name(&self, model: &str) -> Result<String, ProviderError> {
        self.names.model_name(model).await
    }
    async fn stream(&self, request: &glossa_host::providers::ChatRequest) -> Result<glossa_host::providers::TokenStream, ProviderError> {
        self.answers.stream(request).await
    }
    async fn list_models(&self) -> Result<Vec<glossa_protocol::ModelInfo>, ProviderError> {
        self.names.list_models().await
    }
    async fn check(&self, frame_model: &str, subtitle_model: &str) -> glossa_protocol::CheckReport {
        self.names.check(frame_model, subtitle_model).await
    }
}

#[tokio::test]
async fn cached_lines_are_kept_under_the_model_an_empty_setting_resolved_to() {
    use glossa_host::pipeline::subtitles::cache::TranslationCache;
    use glossa_host::pipeline::subtitles::{captions, translate_track, PlayheadUpdate, TrackJob, TrackOptions};
    use support::fake_translator::{FakeTranslator, Misbehaviour};
    let server = fake_switching_openai(std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false))).await;
    let (providers, openai) = providers_for(&server.url);
    let store = glossa_host::store::Store::in_memory().expect("store");
    let cache = TranslationCache::new(&store, 64 << 20);
    let path = support::host_dir().join("tests/fixtures/captions/manual.vtt");
    let mut track = captions::parse(&std::fs::read_to_string(&path).unwrap(), captions::CaptionFormat::from_path(&path).unwrap()).unwrap();
    track.cues.truncate(12);
    let translate = |model: &str| {
        let answers = std::sync::Arc::new(FakeTranslator::new(Duration::ZERO, 1e6, Misbehaviour::None));
        let job = TrackJob {
            provider: std::sync::Arc::new(NamedByOpenAi { names: providers.get(&openai), answers: answers.clone() }),
            model: model.into(),
            to: "ja".into(),
            from: Some("en".into()),
            cache: Some(cache.clone()),
            options: TrackOptions::default(),
            glossary: None,
        };
        let track = track.clone();
        async move {
            let mut sink = |_: Vec<glossa_protocol::TranslatedCue>| {};
            let start = PlayheadUpdate { time: 0.0, rate: 1.0 };
            translate_track(&job, &track, start, futures::stream::empty(), &mut sink).await.expect("track translated");
            answers.calls()
        }
    };
    assert!(translate("").await > 0, "the first viewing asks the model");
    // The same model named explicitly: every line is already there.
    assert_eq!(translate("first-model").await, 0, "lines cached under the empty name, not the model's");
    assert_eq!(server.requests_to("/v1/models").len(), 1, "one lookup per host process");
}

#[tokio::test]
async fn an_empty_model_setting_is_looked_up_again_when_the_settings_change() {
    let server = fake_switching_openai(std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false))).await;
    let providers = Providers::new(std::path::Path::new("/nonexistent"));
    let before = config(&[("openai.base_url", server.url.as_str())]).provider(Some(ProviderKind::Openai));
    let after = config(&[("openai.base_url", server.url.as_str()), ("openai.frame_model", "")]).provider(Some(ProviderKind::Openai));
    let changed = config(&[("openai.base_url", server.url.as_str()), ("timeouts.connect_secs", "7")]).provider(Some(ProviderKind::Openai));
    for settings in [&before, &after, &before] {
        assert_eq!(providers.get(settings).model_name("").await.expect("resolved"), "first-model");
    }
    assert_eq!(server.requests_to("/v1/models").len(), 1, "the same settings: one lookup");
    assert_eq!(providers.get(&changed).model_name("").await.expect("resolved"), "first-model");
    assert_eq!(server.requests_to("/v1/models").len(), 2, "new settings: the server is asked again");
}

#[tokio::test]
async fn a_reasoning_model_has_room_to_think_before_its_answer() {
    // The answer is 16 tokens; the model thinks first, within max_completion_tokens.
    let fake = FakeOpenAi::start(vec![FakeOpenAiModel::reasoning("o4-mini")], vec![FakeOpenAi::reply(&["Bon", "jour"])]).await;
    let provider = openai(&fake.url, &[]);
    let outcome = chat(provider.as_ref(), &text_request("o4-mini")).await;
    assert_eq!(outcome.text(), "Bonjour", "{:?}", outcome.result);
    let body = fake.server.requests_to("/v1/chat/completions")[0].json();
    assert_eq!(body["reasoning_effort"], "low", "{body}");
}

#[tokio::test]
async fn a_server_that_refuses_reasoning_effort_is_asked_again_without_it() {
    // A model OpenAI-compatible routers call "o3" but that takes no reasoning_effort.
    let fake = FakeOpenAi::start(vec![FakeOpenAiModel::chat("o3")], vec![FakeOpenAi::reply(&["Bon", "jour"])]).await;
    let (providers, openai) = providers_for(&fake.url);
    for _ in 0..2 {
        let outcome = chat(providers.get(&openai).as_ref(), &text_request("o3")).await;
        assert_eq!(outcome.text(), "Bonjour", "{:?}", outcome.result);
    }
    let efforts: Vec<bool> =
        fake.server.requests_to("/v1/chat/completions").iter().map(|r| r.json().get("reasoning_effort").is_some()).collect();
    assert_eq!(efforts, vec![true, false, false]);
}

#[tokio::test]
async fn tokens_read_from_openais_prompt_cache_are_reported() {
    let fake = FakeOpenAi::start(vec![FakeOpenAiModel::chat("gpt-4.1-mini")], vec![FakeOpenAi::reply(&["Bon", "jour"])]).await;
    let provider = openai(&fake.url, &[]);
    let mut request = text_request("gpt-4.1-mini");
    request.system = "Glossary: Kenji = Kenji; Mount Fuji = le mont Fuji. ".repeat(120);
    let first = chat(provider.as_ref(), &request).await.result.expect("first");
    request.user = "Good evening".into();
    let second = chat(provider.as_ref(), &request).await.result.expect("second");
    assert_eq!(first.cache_read_input_tokens, None, "{first:?}");
    let cached = second.cache_read_input_tokens.expect("the second prompt starts like the first");
    assert!(cached >= 1024 && cached < second.input_tokens, "{second:?}");
    assert_eq!(first.input_tokens, second.input_tokens, "input_tokens counts the whole prompt either way");
}
