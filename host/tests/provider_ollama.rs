//! The Ollama provider against a fake Ollama that speaks its wire format byte for byte:
//! streaming split at every byte, the request it sends, model list and check, and every
//! error a user can meet, each with its hint.

mod support;

use std::sync::Arc;
use std::time::Duration;

use glossa_host::providers::ollama::Ollama;
use glossa_host::providers::{AnswerFormat, Provider, ProviderError, Providers};
use glossa_protocol::ErrorCode;
use glossa_protocol::ProviderKind;
use serde_json::{json, Value};
use support::fakes::{ollama_done, ollama_error, ollama_line, ollama_prompt_tokens};
use support::{chat, config, fast_http, frame_image, text_request, FakeModel, FakeOllama, Piece, Response, Split};

const MODEL: &str = "gemma3:12b";

fn ollama_at(url: &str, idle: Duration) -> Arc<dyn Provider> {
    Arc::new(Ollama::new(fast_http(idle), &config(&[("ollama.url", url)]).ollama))
}

async fn fake(chat: Vec<Response>) -> (FakeOllama, Arc<dyn Provider>) {
    let fake = FakeOllama::start(vec![FakeModel::vision(MODEL), FakeModel::text("llama3.2:latest")], chat).await;
    let provider = ollama_at(&fake.url, Duration::from_secs(30));
    (fake, provider)
}

const PIECES: &[&str] = &["Bon", "jour ", "日本語", " — ", "🙂\n", "fin"];

#[tokio::test]
async fn streams_the_same_text_whatever_the_byte_boundaries() {
    let (fake, provider) = fake(vec![FakeOllama::reply(MODEL, PIECES)]).await;
    let whole = chat(provider.as_ref(), &text_request(MODEL)).await;
    let usage = whole.result.as_ref().expect("chat");
    assert_eq!(whole.text(), PIECES.concat());
    assert_eq!(whole.deltas.len(), PIECES.len(), "one delta per NDJSON line: {:?}", whole.deltas);
    assert_eq!((usage.input_tokens, usage.output_tokens), (26, PIECES.len() as u64));

    // Every split point of the body, then one write per byte (multi-byte characters cut
    // inside themselves every time).
    let body_len: usize = PIECES.iter().map(|p| ollama_line(MODEL, p).len()).sum::<usize>() + ollama_done(MODEL, 6).len();
    for at in 1..body_len {
        fake.chat.set(vec![FakeOllama::reply(MODEL, PIECES).split(Split::At(at))]);
        let outcome = chat(provider.as_ref(), &text_request(MODEL)).await;
        assert!(outcome.result.is_ok(), "split at {at}: {:?}", outcome.result);
        assert_eq!(outcome.text(), PIECES.concat(), "split at {at}");
    }
    fake.chat.set(vec![FakeOllama::reply(MODEL, PIECES).split(Split::EveryByte)]);
    let outcome = chat(provider.as_ref(), &text_request(MODEL)).await;
    assert_eq!(outcome.text(), PIECES.concat());
    assert_eq!(outcome.result.unwrap().output_tokens, 6);
}

#[tokio::test]
async fn sends_raw_base64_images_and_disables_thinking() {
    let (fake, provider) = fake(vec![FakeOllama::reply(MODEL, &["ok"])]).await;
    let mut request = text_request(MODEL);
    request.image = Some(frame_image());
    let outcome = chat(provider.as_ref(), &request).await;
    assert_eq!(outcome.text(), "ok", "{:?}", outcome.result);
    let sent = fake.server.requests_to("/api/chat");
    assert_eq!(sent.len(), 1);
    let body = sent[0].json();
    assert_eq!(body["model"], MODEL);
    assert_eq!(body["stream"], true);
    assert_eq!(body["think"], false);
    assert_eq!(body["messages"][0]["role"], "system");
    let image = body["messages"][1]["images"][0].as_str().expect("an image");
    assert!(!image.starts_with("data:"), "Ollama takes raw base64");
    assert_eq!(image, frame_image().base64());
    // The vision check asked /api/show first.
    assert_eq!(fake.server.requests_to("/api/show")[0].json()["model"], MODEL);
}

#[tokio::test]
async fn connection_refused_says_to_start_ollama() {
    let port = support::free_port();
    let provider = ollama_at(&format!("http://127.0.0.1:{port}"), Duration::from_secs(5));
    let outcome = chat(provider.as_ref(), &text_request(MODEL)).await;
    let info = outcome.error().info();
    assert_eq!(info.code, ErrorCode::ProviderUnreachable);
    assert_eq!(info.message, format!("Cannot connect to Ollama at http://127.0.0.1:{port}."));
    assert_eq!(info.hint, "Make sure it's running (`ollama serve`).");
    let report = provider.check(MODEL, MODEL).await;
    assert!(!report.reachable);
    assert_eq!(report.problems[0].hint, "Make sure it's running (`ollama serve`).");
    assert!(matches!(provider.list_models().await, Err(ProviderError::Unreachable { .. })));
}

#[tokio::test]
async fn missing_model_says_how_to_pull_it() {
    let fake = FakeOllama::start(vec![FakeModel::text("llama3.2:latest")], vec![]).await;
    let provider = ollama_at(&fake.url, Duration::from_secs(30));
    let outcome = chat(provider.as_ref(), &text_request(MODEL)).await;
    let err = outcome.error();
    let info = err.info();
    assert_eq!(info.code, ErrorCode::ModelMissing);
    assert_eq!(info.message, "Model gemma3:12b is not installed.");
    assert_eq!(info.hint, "Run: `ollama pull gemma3:12b`");
    assert!(matches!(err, ProviderError::ModelMissing { available, .. } if available == &["llama3.2:latest"]));

    // The same for a frame (checked through /api/show before sending the picture).
    let mut request = text_request(MODEL);
    request.image = Some(frame_image());
    assert_eq!(chat(provider.as_ref(), &request).await.error().info().hint, "Run: `ollama pull gemma3:12b`");
    assert!(fake.server.requests_to("/api/chat").len() == 1, "the picture was not sent to a missing model");
}

#[tokio::test]
async fn frame_to_a_text_model_names_the_vision_models_installed() {
    let fake = FakeOllama::start(
        vec![FakeModel::text("llama3.2:latest"), FakeModel::vision("llava:7b"), FakeModel::vision(MODEL)],
        vec![FakeOllama::reply("llama3.2:latest", &["never"])],
    )
    .await;
    let provider = ollama_at(&fake.url, Duration::from_secs(30));
    let mut request = text_request("llama3.2:latest");
    request.image = Some(frame_image());
    let outcome = chat(provider.as_ref(), &request).await;
    let err = outcome.error();
    assert!(
        matches!(err, ProviderError::NoVision { model, vision_models } if model == "llama3.2:latest" && vision_models == &["llava:7b", MODEL]),
        "{err:?}"
    );
    let info = err.info();
    assert_eq!(info.code, ErrorCode::NoVision);
    assert!(info.hint.contains("llava:7b, gemma3:12b"), "{info:?}");
    assert!(fake.server.requests_to("/api/chat").is_empty(), "the picture was not sent");
    assert!(outcome.deltas.is_empty());
}

#[tokio::test]
async fn lists_models_with_vision_and_checks_the_setup() {
    let (_fake, provider) = fake(vec![]).await;
    let models = provider.list_models().await.expect("models");
    let summary: Vec<(String, Option<bool>)> = models.iter().map(|m| (m.name.clone(), m.vision)).collect();
    assert_eq!(summary, vec![(MODEL.to_owned(), Some(true)), ("llama3.2:latest".to_owned(), Some(false))]);
    assert_eq!(models[0].size_bytes, Some(8_149_190_253));

    let report = provider.check(MODEL, "llama3.2").await;
    assert!(report.reachable);
    assert!(report.detail.contains("Ollama 0.12.3"), "{report:?}");
    assert_eq!(
        (report.frame_model_present, report.subtitle_model_present, report.frame_model_vision),
        (Some(true), Some(true), Some(true))
    );
    assert!(report.problems.is_empty(), "{report:?}");

    let report = provider.check("llama3.2:latest", "qwen3:8b").await;
    assert_eq!(report.frame_model_vision, Some(false));
    assert_eq!(report.subtitle_model_present, Some(false));
    let codes: Vec<ErrorCode> = report.problems.iter().map(|p| p.code).collect();
    assert_eq!(codes, vec![ErrorCode::ModelMissing, ErrorCode::NoVision], "{report:?}");
    assert_eq!(report.problems[0].hint, "Run: `ollama pull qwen3:8b`");
}

#[tokio::test]
async fn thinking_output_is_stripped_from_what_the_user_sees() {
    let (_fake, provider) =
        fake(vec![FakeOllama::reply(MODEL, &["<thi", "nk>The sign says", " hello</th", "ink>\n\n", "Bonjour"]).split(Split::EveryByte)])
            .await;
    let request = support::frame_request("fr");
    let mut shown = Vec::new();
    let mut on_delta = |t: &str| shown.push(t.to_owned());
    let job = support::frame_job(provider.clone(), MODEL, "fr");
    let frame = glossa_host::pipeline::frame::Frame::from_request(request).unwrap();
    let (usage, _ms) = glossa_host::pipeline::frame::translate(&job, &frame.image, &mut on_delta).await.expect("frame");
    assert_eq!(shown.concat(), "Bonjour");
    assert_eq!(usage.output_tokens, 5);
}

#[tokio::test]
async fn error_line_after_text_keeps_the_text() {
    let reply = Response::stream(
        200,
        "application/x-ndjson",
        vec![
            Piece::Data(ollama_line(MODEL, "Bon")),
            Piece::Data(b"{\"error\":\"an error was encountered while running the model: unexpected EOF\"}\n".to_vec()),
        ],
    );
    let (fake, provider) = fake(vec![reply]).await;
    let outcome = chat(provider.as_ref(), &text_request(MODEL)).await;
    assert_eq!(outcome.text(), "Bon");
    let info = outcome.error().info();
    assert_eq!(info.code, ErrorCode::ProviderError);
    assert!(info.message.contains("unexpected EOF"), "{info:?}");
    assert_eq!(fake.server.requests_to("/api/chat").len(), 1, "no retry after text was shown");
}

#[tokio::test]
async fn connection_cut_mid_stream_is_incomplete_with_text_kept() {
    let reply = FakeOllama::reply_unfinished(MODEL, &["Bon", "jour"]).then(Piece::Cut);
    let (_fake, provider) = fake(vec![reply]).await;
    let outcome = chat(provider.as_ref(), &text_request(MODEL)).await;
    assert_eq!(outcome.text(), "Bonjour");
    let info = outcome.error().info();
    assert_eq!(info.code, ErrorCode::StreamIncomplete);
    assert_eq!(info.hint, "The text so far is kept; try again.");
}

#[tokio::test]
async fn stream_without_done_line_is_incomplete() {
    let (_fake, provider) = fake(vec![FakeOllama::reply_unfinished(MODEL, &["Bon", "jour"])]).await;
    let outcome = chat(provider.as_ref(), &text_request(MODEL)).await;
    assert_eq!(outcome.text(), "Bonjour");
    assert_eq!(outcome.error().info().code, ErrorCode::StreamIncomplete);
}

#[tokio::test]
async fn invalid_utf8_is_a_bad_response_not_a_panic() {
    let reply = FakeOllama::reply_unfinished(MODEL, &["ok"])
        .then(Piece::Data(b"{\"message\":{\"content\":\"\xff\xfe\"},\"done\":false}\n".to_vec()));
    let (_fake, provider) = fake(vec![reply]).await;
    let outcome = chat(provider.as_ref(), &text_request(MODEL)).await;
    assert_eq!(outcome.text(), "ok");
    let info = outcome.error().info();
    assert_eq!(info.code, ErrorCode::BadResponse);
    assert!(info.message.contains("UTF-8"), "{info:?}");
}

#[tokio::test]
async fn a_proxy_html_page_is_described_not_parsed() {
    let page = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";
    let (fake, provider) = fake(vec![Response::full(502, "text/html", page)]).await;
    let outcome = chat(provider.as_ref(), &text_request(MODEL)).await;
    let info = outcome.error().info();
    assert_eq!(info.code, ErrorCode::BadResponse, "{info:?}");
    assert!(info.message.contains("HTML page titled \"502 Bad Gateway\""), "{info:?}");
    assert!(info.hint.contains("not a web page or proxy"), "{info:?}");
    assert_eq!(fake.server.requests_to("/api/chat").len(), 1, "502 without an API error is not retried");

    // A captive portal answering 200 with HTML.
    fake.chat.set(vec![Response::full(200, "text/html; charset=utf-8", "<html><title>Sign in</title></html>")]);
    assert_eq!(chat(provider.as_ref(), &text_request(MODEL)).await.error().info().code, ErrorCode::BadResponse);
}

#[tokio::test]
async fn a_stall_past_the_idle_timeout_ends_with_text_kept() {
    let fake =
        FakeOllama::start(vec![FakeModel::vision(MODEL)], vec![FakeOllama::reply_unfinished(MODEL, &["Bon"]).then(Piece::Stall)]).await;
    let provider = ollama_at(&fake.url, Duration::from_millis(300));
    let outcome = chat(provider.as_ref(), &text_request(MODEL)).await;
    assert_eq!(outcome.text(), "Bon");
    let info = outcome.error().info();
    assert_eq!(info.code, ErrorCode::IdleTimeout);
    assert!(info.message.contains("stopped sending"), "{info:?}");
    assert!(fake.server.wait_client_closed().await, "the stalled connection was closed");
}

/// Ollama reading a long prompt says nothing until its first token.
fn slow_start_http(first_token: Duration, idle: Duration) -> glossa_host::providers::http::HttpClient {
    support::fast_http_timeouts(glossa_host::providers::http::Timeouts { connect: Duration::from_secs(5), first_token, idle })
}

#[tokio::test]
async fn a_first_token_slower_than_the_idle_timeout_is_waited_for() {
    let answer = Response::stream(
        200,
        "application/x-ndjson",
        vec![
            Piece::Pause(Duration::from_millis(900)),
            Piece::Data(ollama_line(MODEL, "Bon")),
            Piece::Data(ollama_line(MODEL, "jour")),
            Piece::Data(ollama_done(MODEL, 2)),
        ],
    );
    let fake = FakeOllama::start(vec![FakeModel::vision(MODEL)], vec![answer]).await;
    let provider =
        Ollama::new(slow_start_http(Duration::from_secs(20), Duration::from_millis(300)), &config(&[("ollama.url", &fake.url)]).ollama);
    let outcome = chat(&provider, &text_request(MODEL)).await;
    assert!(outcome.result.is_ok(), "{:?}", outcome.result);
    assert_eq!(outcome.text(), "Bonjour");
}

#[tokio::test]
async fn no_first_token_in_time_says_which_setting_to_raise() {
    let fake =
        FakeOllama::start(vec![FakeModel::vision(MODEL)], vec![Response::stream(200, "application/x-ndjson", vec![Piece::Stall])]).await;
    let provider =
        Ollama::new(slow_start_http(Duration::from_millis(400), Duration::from_secs(20)), &config(&[("ollama.url", &fake.url)]).ollama);
    let info = chat(&provider, &text_request(MODEL)).await.error().info();
    assert_eq!(info.code, ErrorCode::IdleTimeout);
    assert!(info.message.contains("did not start answering"), "{info:?}");
    assert!(info.hint.contains("timeouts.first_token_secs"), "{info:?}");
    assert!(fake.server.wait_client_closed().await);
}

#[tokio::test]
async fn cancel_closes_the_http_connection() {
    let (fake, provider) = fake(vec![FakeOllama::reply_unfinished(MODEL, &["Bon"]).then(Piece::Stall)]).await;
    let seen = support::chat_then_cancel(provider, text_request(MODEL)).await;
    assert_eq!(seen, vec!["Bon"]);
    assert!(fake.server.wait_client_closed().await, "Ollama saw the connection close when the request was dropped");
    assert_eq!(fake.server.open_connections(), 0, "nothing left open on the server");
}

#[tokio::test]
async fn a_long_slow_answer_streams_every_piece_in_order() {
    let (_fake, provider) = fake(vec![FakeOllama::reply_tokens(MODEL, 300).latency(Duration::from_millis(1))]).await;
    let outcome = chat(provider.as_ref(), &text_request(MODEL)).await;
    assert_eq!(outcome.deltas.len(), 300);
    assert_eq!(outcome.text(), (0..300).map(|i| format!("w{i} ")).collect::<String>());
    assert_eq!(outcome.result.expect("chat").output_tokens, 300);
}

#[tokio::test]
async fn server_errors_are_retried_before_the_first_token() {
    let (fake, provider) = fake(vec![
        ollama_error(503, "server busy, please try again.  maximum pending requests exceeded"),
        FakeOllama::reply(MODEL, &["ok"]),
    ])
    .await;
    let outcome = chat(provider.as_ref(), &text_request(MODEL)).await;
    assert_eq!(outcome.text(), "ok", "{:?}", outcome.result);
    assert_eq!(fake.server.requests_to("/api/chat").len(), 2);
}

#[tokio::test]
async fn an_answer_format_is_sent_as_the_format_schema() {
    let json = ["{\"lines\":[", "{\"id\":\"1\",\"text\":\"Bonjour\"}", "]}"];
    let (fake, provider) = fake(vec![FakeOllama::reply(MODEL, &json)]).await;
    let schema = serde_json::json!({"type": "object", "properties": {"lines": {"type": "array"}}, "required": ["lines"]});
    let mut request = text_request(MODEL);
    request.answer_format = Some(AnswerFormat { name: "subtitle_lines".into(), schema: schema.clone() });
    let outcome = chat(provider.as_ref(), &request).await;
    assert_eq!(outcome.text(), json.concat(), "{:?}", outcome.result);
    assert_eq!(fake.server.requests_to("/api/chat")[0].json()["format"], schema);

    chat(provider.as_ref(), &text_request(MODEL)).await.result.expect("plain chat");
    assert!(fake.server.requests_to("/api/chat")[1].json().get("format").is_none());
}

#[tokio::test]
async fn a_long_prompt_reaches_the_model_whole_and_the_model_stays_loaded() {
    let (fake, provider) = fake(vec![FakeOllama::reply(MODEL, &["ok"])]).await;
    let mut request = text_request(MODEL);
    // About 3 400 of the fake's tokens: past Ollama's default context.
    request.user = "The quick brown fox jumps over the lazy dog. ".repeat(300);
    request.max_tokens = 1000;
    let outcome = chat(provider.as_ref(), &request).await;
    let body = fake.server.requests_to("/api/chat")[0].json();
    let prompt_tokens = ollama_prompt_tokens(&body);
    assert!(prompt_tokens > support::fakes::OLLAMA_DEFAULT_CONTEXT, "{prompt_tokens}");
    assert_eq!(outcome.result.expect("chat").input_tokens, prompt_tokens, "Ollama read the whole prompt");
    let num_ctx = body["options"]["num_ctx"].as_u64().expect("num_ctx");
    assert!(num_ctx >= prompt_tokens + 1000, "room for the prompt and the answer: {num_ctx}");
    assert_eq!(body["keep_alive"], "10m", "a track's next batch finds the model loaded");
}

#[tokio::test]
async fn the_context_stays_within_the_models_own_which_is_asked_once() {
    let fake =
        FakeOllama::start(vec![FakeModel::text("smollm2:135m").context_length(8192)], vec![FakeOllama::reply("smollm2:135m", &["ok"])])
            .await;
    let providers = Providers::new(std::path::Path::new("/nonexistent"));
    let ollama = config(&[("ollama.url", fake.url.as_str())]).provider(Some(ProviderKind::Ollama));
    let mut request = text_request("smollm2:135m");
    request.user = "word ".repeat(20_000);
    for _ in 0..2 {
        chat(providers.get(&ollama).as_ref(), &request).await.result.expect("chat");
    }
    let sizes: Vec<Value> = fake.server.requests_to("/api/chat").iter().map(|r| r.json()["options"]["num_ctx"].clone()).collect();
    assert_eq!(sizes, vec![json!(8192); 2], "capped by /api/show's gemma3.context_length");
    assert_eq!(fake.server.requests_to("/api/show").len(), 1, "the model's context is asked once per host process");
}

/// Ollama reloads a model whenever a request's `num_ctx` differs from the one it is loaded
/// with: seconds lost per batch when a track's batches alternate between sizes.
#[tokio::test]
async fn the_context_only_grows_so_the_model_is_not_reloaded() {
    let text_model = "llama3.2:latest";
    let fake =
        FakeOllama::start(vec![FakeModel::vision(MODEL), FakeModel::text(text_model)], vec![FakeOllama::reply(MODEL, &["ok"])]).await;
    let providers = Providers::new(std::path::Path::new("/nonexistent"));
    let ollama = config(&[("ollama.url", fake.url.as_str())]).provider(Some(ProviderKind::Ollama));
    let sizes = |from: usize| -> Vec<Value> {
        fake.server.requests_to("/api/chat")[from..].iter().map(|r| r.json()["options"]["num_ctx"].clone()).collect()
    };
    let long = "The quick brown fox jumps over the lazy dog. ".repeat(250);

    // Short prompts share one size, whatever their length; a long one needs more, and the
    // short ones after it keep that size.
    let mut request = text_request(text_model);
    request.max_tokens = 1000;
    for user in ["Good morning", "Good morning, and welcome to the show.", &long, "Good morning"] {
        request.user = user.into();
        chat(providers.get(&ollama).as_ref(), &request).await.result.expect("chat");
    }
    assert_eq!(sizes(0), [json!(4096), json!(4096), json!(8192), json!(8192)]);

    // A model that reads images: a track's batch with its keyframe and the batches without
    // one ask the same size.
    let mut request = text_request(MODEL);
    request.user = "The quick brown fox jumps over the lazy dog. ".repeat(100);
    request.max_tokens = 1000;
    for image in [None, Some(frame_image()), None] {
        request.image = image;
        chat(providers.get(&ollama).as_ref(), &request).await.result.expect("chat");
    }
    assert_eq!(sizes(4), vec![json!(8192); 3]);
}

#[tokio::test]
async fn pictures_are_sized_to_the_models_own_image_size_asked_once_with_its_context() {
    let models = vec![FakeModel::vision(MODEL), FakeModel::with_projector("llava:7b", 336), FakeModel::text("llama3.2:latest")];
    let fake = FakeOllama::start(models, vec![FakeOllama::reply(MODEL, &["ok"])]).await;
    let providers = Providers::new(std::path::Path::new("/nonexistent"));
    let ollama = config(&[("ollama.url", fake.url.as_str())]).provider(Some(ProviderKind::Ollama));
    // gemma3's encoder reads 896 px squares (model_info), llava's projector 336 (projector_info).
    assert_eq!(providers.get(&ollama).image_budget(MODEL).await.fit(1920, 1080), (896, 504));
    assert_eq!(providers.get(&ollama).image_budget("llava:7b").await.fit(1920, 1080), (336, 189));
    // A model that says nothing keeps the default.
    assert_eq!(providers.get(&ollama).image_budget("llama3.2:latest").await.fit(1920, 1080), (1536, 864));
    // The context length comes from the same answer: one /api/show per model per host process.
    chat(providers.get(&ollama).as_ref(), &text_request(MODEL)).await.result.expect("chat");
    providers.get(&ollama).image_budget(MODEL).await;
    let shown = fake.server.requests_to("/api/show").iter().filter(|r| r.json()["model"] == MODEL).count();
    assert_eq!(shown, 1, "gemma3 is asked about once");
}
