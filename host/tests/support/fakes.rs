//! Ollama and Anthropic as fakes on [`FakeServer`], following the published wire formats
//! (Ollama's docs/api.md; Anthropic's "Streaming Messages" and "Errors" pages).
//!
//! Each fake serves a [`Script`] for its chat endpoint (one [`Response`] per request, the
//! last repeating), so a test can script "429 then success". Builders make the exact
//! bodies; `Response::split`/`latency`/`then(Piece::Stall)` shape how they travel.

use serde_json::{json, Value};

use super::{FakeServer, Piece, Request, Response, Script};

/// A model a fake Ollama has installed.
#[derive(Debug, Clone)]
pub struct FakeModel {
    pub name: String,
    pub vision: bool,
    /// What `/api/show` reports as `model_info["gemma3.context_length"]`.
    pub context_length: u64,
    /// What `/api/show` reports as `model_info["gemma3.vision.image_size"]` (Ollama's own
    /// engine: the vision encoder is in the model; gemma3's is 896).
    pub image_size: Option<u64>,
    /// What `/api/show` reports as `projector_info["clip.vision.image_size"]` (a model with a
    /// separate llama.cpp projector, such as llava's 336).
    pub projector_image_size: Option<u64>,
}

impl FakeModel {
    pub fn vision(name: &str) -> FakeModel {
        FakeModel { name: name.into(), vision: true, context_length: 131_072, image_size: Some(896), projector_image_size: None }
    }

    pub fn text(name: &str) -> FakeModel {
        FakeModel { name: name.into(), vision: false, context_length: 131_072, image_size: None, projector_image_size: None }
    }

    /// A vision model read through a separate projector of `image_size` (llava 1.5: 336).
    pub fn with_projector(name: &str, image_size: u64) -> FakeModel {
        FakeModel { image_size: None, projector_image_size: Some(image_size), ..FakeModel::vision(name) }
    }

    pub fn context_length(mut self, tokens: u64) -> FakeModel {
        self.context_length = tokens;
        self
    }
}

// ---------------------------------------------------------------------------------------
// Ollama

pub struct FakeOllama {
    pub server: FakeServer,
    pub url: String,
    pub chat: Script,
}

impl FakeOllama {
    /// An Ollama with `models` installed, answering `/api/chat` from `chat` (for models
    /// it has; others get Ollama's 404).
    pub async fn start(models: Vec<FakeModel>, chat: Vec<Response>) -> FakeOllama {
        let script = Script::new(chat);
        let handler_script = script.clone();
        let server = FakeServer::start(move |req| ollama_route(req, &models, &handler_script)).await;
        FakeOllama { url: server.url.clone(), server, chat: script }
    }

    /// A streamed `/api/chat` answer: one NDJSON line per piece, then the `done` line.
    pub fn reply(model: &str, pieces: &[&str]) -> Response {
        let mut steps: Vec<Piece> = pieces.iter().map(|p| Piece::Data(ollama_line(model, p))).collect();
        steps.push(Piece::Data(ollama_done(model, pieces.len() as u64)));
        Response::stream(200, "application/x-ndjson", steps)
    }

    /// A long answer: `n` pieces `"w0 "`, `"w1 "`… then `done`.
    pub fn reply_tokens(model: &str, n: usize) -> Response {
        let pieces: Vec<String> = (0..n).map(|i| format!("w{i} ")).collect();
        let refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
        Self::reply(model, &refs)
    }

    /// Like [`FakeOllama::reply`] without the final `done: true` line.
    pub fn reply_unfinished(model: &str, pieces: &[&str]) -> Response {
        Response::stream(200, "application/x-ndjson", pieces.iter().map(|p| Piece::Data(ollama_line(model, p))).collect())
    }
}

/// `{"model":…,"created_at":…,"message":{"role":"assistant","content":…},"done":false}\n`
pub fn ollama_line(model: &str, content: &str) -> Vec<u8> {
    let line = json!({
        "model": model,
        "created_at": "2026-11-28T09:00:00.000000000Z",
        "message": {"role": "assistant", "content": content},
        "done": false
    });
    format!("{line}\n").into_bytes()
}

/// The last line of a stream, with Ollama's statistics.
pub fn ollama_done(model: &str, eval_count: u64) -> Vec<u8> {
    let line = json!({
        "model": model,
        "created_at": "2026-11-28T09:00:01.000000000Z",
        "message": {"role": "assistant", "content": ""},
        "done_reason": "stop",
        "done": true,
        "total_duration": 4_883_583_458u64,
        "load_duration": 1_334_875u64,
        "prompt_eval_count": 26,
        "prompt_eval_duration": 342_546_000u64,
        "eval_count": eval_count,
        "eval_duration": 4_535_599_000u64
    });
    format!("{line}\n").into_bytes()
}

/// The context Ollama gives a request without `options.num_ctx` (2048 before 0.6.x, 4096
/// on small machines since): the smaller, so a test sees the cut.
pub const OLLAMA_DEFAULT_CONTEXT: u64 = 2048;

/// Tokens the fake counts for a chat request's prompt: a quarter of each message's
/// characters plus 4 for its template, 256 per image. (Text requests the tests send count
/// 26, the `prompt_eval_count` the scripted `done` lines carry.)
pub fn ollama_prompt_tokens(body: &Value) -> u64 {
    let messages = body["messages"].as_array().cloned().unwrap_or_default();
    messages
        .iter()
        .map(|m| {
            let chars = m["content"].as_str().unwrap_or_default().chars().count() as u64;
            let images = m["images"].as_array().map_or(0, Vec::len) as u64;
            chars.div_ceil(4) + 4 + 256 * images
        })
        .sum()
}

/// `response` with its `done` line's `prompt_eval_count` set to `tokens`.
fn with_prompt_eval_count(mut response: Response, tokens: u64) -> Response {
    for piece in &mut response.pieces {
        if let Piece::Data(data) = piece {
            let text = String::from_utf8_lossy(data);
            if text.contains("\"prompt_eval_count\":26") {
                *data = text.replace("\"prompt_eval_count\":26", &format!("\"prompt_eval_count\":{tokens}")).into_bytes();
            }
        }
    }
    response
}

/// Ollama's error body: `{"error":"…"}`.
pub fn ollama_error(status: u16, message: &str) -> Response {
    Response::json(status, &json!({"error": message}))
}

fn ollama_route(req: &Request, models: &[FakeModel], chat: &Script) -> Response {
    let find = |name: &str| models.iter().find(|m| m.name == name || format!("{name}:latest") == m.name);
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/api/version") => Response::json(200, &json!({"version": "0.12.3"})),
        ("GET", "/api/tags") => Response::json(
            200,
            &json!({"models": models.iter().map(|m| json!({
                "name": m.name,
                "model": m.name,
                "modified_at": "2026-10-01T12:00:00.000000000Z",
                "size": 8_149_190_253u64,
                "digest": "a2af6cc3eb7fa8be8504abaf9b04e88f17a119ec3f04a3addf55f92841195f5a",
                "details": {
                    "parent_model": "",
                    "format": "gguf",
                    "family": "gemma3",
                    "families": ["gemma3"],
                    "parameter_size": "12.2B",
                    "quantization_level": "Q4_K_M"
                }
            })).collect::<Vec<_>>()}),
        ),
        ("POST", "/api/show") => {
            let name = req.json()["model"].as_str().unwrap_or_default().to_owned();
            match find(&name) {
                None => ollama_error(404, &format!("model '{name}' not found")),
                Some(m) => {
                    let mut caps = vec!["completion"];
                    if m.vision {
                        caps.push("vision");
                    }
                    let mut info = json!({"general.architecture": "gemma3", "gemma3.context_length": m.context_length, "gemma3.embedding_length": 3840});
                    if let Some(size) = m.image_size {
                        info["gemma3.vision.image_size"] = json!(size);
                        info["gemma3.vision.patch_size"] = json!(14);
                    }
                    let mut shown = json!({
                        "modelfile": "# Modelfile generated by \"ollama show\"",
                        "parameters": "stop \"<end_of_turn>\"",
                        "template": "{{- range $i, $_ := .Messages }}…",
                        "details": {"parent_model": "", "format": "gguf", "family": "gemma3", "families": ["gemma3"], "parameter_size": "12.2B", "quantization_level": "Q4_K_M"},
                        "model_info": info,
                        "capabilities": caps,
                        "modified_at": "2026-10-01T12:00:00.000000000Z"
                    });
                    if let Some(size) = m.projector_image_size {
                        shown["projector_info"] = json!({
                            "general.architecture": "clip", "clip.has_vision_encoder": true, "clip.projector_type": "mlp",
                            "clip.vision.image_size": size, "clip.vision.patch_size": 14,
                        });
                    }
                    Response::json(200, &shown)
                }
            }
        }
        ("POST", "/api/chat") => {
            let body = req.json();
            let name = body["model"].as_str().unwrap_or_default().to_owned();
            let Some(model) = find(&name) else {
                return ollama_error(404, &format!("model \"{name}\" not found, try pulling it first"));
            };
            let format = &body["format"];
            if !(format.is_null() || *format == "json" || format.is_object()) {
                return ollama_error(400, "invalid JSON schema in format");
            }
            let has_images = body["messages"].as_array().is_some_and(|ms| ms.iter().any(|m| m["images"].is_array()));
            if has_images && !model.vision {
                return ollama_error(500, "this model is missing data required for image input");
            }
            // Like Ollama, a prompt longer than the context is cut silently to fit: the
            // model reads (and `prompt_eval_count` counts) only what is left.
            let context = body["options"]["num_ctx"].as_u64().unwrap_or(OLLAMA_DEFAULT_CONTEXT).min(model.context_length);
            let read = ollama_prompt_tokens(&body).min(context);
            with_prompt_eval_count(chat.next().unwrap_or_else(|| FakeOllama::reply(&name, &["(no script)"])), read)
        }
        _ => Response::full(404, "text/plain; charset=utf-8", "404 page not found"),
    }
}

// ---------------------------------------------------------------------------------------
// Anthropic

pub struct FakeAnthropic {
    pub server: FakeServer,
    pub url: String,
    pub messages: Script,
}

/// The prompt cache the fake keeps: prefixes it has seen marked, by text.
#[derive(Clone, Default)]
struct PromptCache(std::sync::Arc<std::sync::Mutex<std::collections::HashSet<String>>>);

/// The shortest prefix Anthropic caches per model (its prompt caching page).
fn anthropic_min_cacheable(model: &str) -> u64 {
    if model.contains("haiku-4") || model.contains("opus-4-5") || model.contains("opus-4-6") {
        4096
    } else if model.contains("haiku") {
        2048
    } else {
        1024
    }
}

/// The fake's tokens for a text: a quarter of its characters.
fn anthropic_tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4)
}

impl PromptCache {
    /// `(input, cache_creation, cache_read)` tokens for a request, as the API reports
    /// them: a prefix (tools, then system blocks) up to a `cache_control` mark is written
    /// on first use if it is at least the model's minimum, and read after that.
    fn usage(&self, body: &Value) -> (u64, u64, u64) {
        let mut prefix = body["tools"].as_array().map(|t| Value::Array(t.clone()).to_string()).unwrap_or_default();
        let mut marked = None;
        for block in body["system"].as_array().cloned().unwrap_or_default() {
            prefix.push_str(block["text"].as_str().unwrap_or_default());
            if block.get("cache_control").is_some() {
                marked = Some(prefix.clone());
            }
        }
        let rest: u64 = body["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|m| m["content"].as_array().cloned().unwrap_or_default())
            .map(|c| if c["type"] == "image" { 1600 } else { anthropic_tokens(c["text"].as_str().unwrap_or_default()) })
            .sum::<u64>()
            + 7; // the role markers (so the tests' short text request counts 25)
        let whole = anthropic_tokens(&prefix) + rest;
        match marked {
            Some(marked) if anthropic_tokens(&marked) >= anthropic_min_cacheable(body["model"].as_str().unwrap_or_default()) => {
                let cached = anthropic_tokens(&marked);
                if self.0.lock().unwrap().insert(marked) {
                    (whole - cached, cached, 0)
                } else {
                    (whole - cached, 0, cached)
                }
            }
            _ => (whole, 0, 0),
        }
    }
}

/// `response` with its `message_start` usage replaced.
fn with_start_usage(mut response: Response, (input, creation, read): (u64, u64, u64)) -> Response {
    for piece in &mut response.pieces {
        let Piece::Data(data) = piece else { continue };
        let text = String::from_utf8_lossy(data).into_owned();
        let Some(json) = text.strip_prefix("event: message_start\ndata: ") else { continue };
        let Ok(mut event) = serde_json::from_str::<Value>(json.trim()) else { continue };
        let usage = &mut event["message"]["usage"];
        usage["input_tokens"] = json!(input);
        usage["cache_creation_input_tokens"] = json!(creation);
        usage["cache_read_input_tokens"] = json!(read);
        *data = sse("message_start", &event);
    }
    response
}

pub const ANTHROPIC_MODEL: &str = "claude-sonnet-4-5-20250929";

impl FakeAnthropic {
    /// Anthropic's API accepting only `key`, answering `/v1/messages` from `messages`.
    pub async fn start(key: &str, messages: Vec<Response>) -> FakeAnthropic {
        let script = Script::new(messages);
        let handler_script = script.clone();
        let key = key.to_owned();
        let cache = PromptCache::default();
        let server = FakeServer::start(move |req| anthropic_route(req, &key, &handler_script, &cache)).await;
        FakeAnthropic { url: server.url.clone(), server, messages: script }
    }

    /// A complete streamed message whose text deltas are `pieces`.
    pub fn reply(pieces: &[&str]) -> Response {
        let mut r = Self::stream_head();
        for p in pieces {
            r = r.then(Piece::Data(anthropic_text_delta(p)));
        }
        Self::stream_tail(r, pieces.len() as u64)
    }

    /// A long answer: `n` text deltas `"w0 "`, `"w1 "`… then the end of the message.
    pub fn reply_tokens(n: usize) -> Response {
        let pieces: Vec<String> = (0..n).map(|i| format!("w{i} ")).collect();
        let refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
        Self::reply(&refs)
    }

    /// `message_start`, `content_block_start` and a `ping`: what comes before any text.
    pub fn stream_head() -> Response {
        Response::stream(
            200,
            "text/event-stream; charset=utf-8",
            vec![
                Piece::Data(sse(
                    "message_start",
                    &json!({"type": "message_start", "message": {
                        "id": "msg_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant",
                        "content": [], "model": ANTHROPIC_MODEL, "stop_reason": null, "stop_sequence": null,
                        "usage": {"input_tokens": 25, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": 1}
                    }}),
                )),
                Piece::Data(sse(
                    "content_block_start",
                    &json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
                )),
                Piece::Data(sse("ping", &json!({"type": "ping"}))),
            ],
        )
        .header("Cache-Control", "no-cache")
        .header("request-id", "req_018EeWyXxfu5pfWkrYcMdjWG")
    }

    /// `content_block_stop`, `message_delta` (usage) and `message_stop`.
    pub fn stream_tail(r: Response, output_tokens: u64) -> Response {
        r.then(Piece::Data(sse("content_block_stop", &json!({"type": "content_block_stop", "index": 0}))))
            .then(Piece::Data(sse(
                "message_delta",
                &json!({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null}, "usage": {"output_tokens": output_tokens}}),
            )))
            .then(Piece::Data(sse("message_stop", &json!({"type": "message_stop"}))))
    }

    /// A message whose one block is a `tool_use` of `tool`, its input streamed as
    /// `input_json_delta` pieces (the first one empty, as the API sends it), ending with
    /// `stop_reason: "tool_use"`: what a forced `tool_choice` gets.
    pub fn tool_reply(tool: &str, json_pieces: &[&str]) -> Response {
        let head = Self::stream_head();
        let mut r = Response { pieces: head.pieces[..1].to_vec(), ..head }
            .then(Piece::Data(sse(
                "content_block_start",
                &json!({"type": "content_block_start", "index": 0, "content_block": {"type": "tool_use", "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "name": tool, "input": {}}}),
            )))
            .then(Piece::Data(sse("ping", &json!({"type": "ping"}))));
        for piece in std::iter::once(&"").chain(json_pieces) {
            r = r.then(Piece::Data(sse(
                "content_block_delta",
                &json!({"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": piece}}),
            )));
        }
        r.then(Piece::Data(sse("content_block_stop", &json!({"type": "content_block_stop", "index": 0}))))
            .then(Piece::Data(sse(
                "message_delta",
                &json!({"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": null}, "usage": {"output_tokens": json_pieces.len()}}),
            )))
            .then(Piece::Data(sse("message_stop", &json!({"type": "message_stop"}))))
    }

    /// An HTTP error in Anthropic's shape (`overloaded_error` is 529, `rate_limit_error` 429…).
    pub fn error(status: u16, kind: &str, message: &str) -> Response {
        Response::json(status, &json!({"type": "error", "error": {"type": kind, "message": message}}))
            .header("request-id", "req_011CSHoEeqs5C35K2UUqR7Fy")
    }
}

/// `event: NAME\ndata: JSON\n\n`
pub fn sse(event: &str, data: &Value) -> Vec<u8> {
    format!("event: {event}\ndata: {data}\n\n").into_bytes()
}

pub fn anthropic_text_delta(text: &str) -> Vec<u8> {
    sse("content_block_delta", &json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}}))
}

/// A mid-stream `error` event, e.g. `("overloaded_error", "Overloaded")`.
pub fn anthropic_error_event(kind: &str, message: &str) -> Vec<u8> {
    sse("error", &json!({"type": "error", "error": {"type": kind, "message": message}}))
}

/// What the Messages API refuses in `tools` and `tool_choice`.
fn anthropic_tools_problem(body: &Value) -> Option<String> {
    let tools = body["tools"].as_array().cloned().unwrap_or_default();
    for (i, tool) in tools.iter().enumerate() {
        if tool["input_schema"]["type"] != "object" {
            return Some(format!("tools.{i}.custom.input_schema.type: Input should be 'object'"));
        }
        if !tool["name"].as_str().is_some_and(|n| !n.is_empty() && n.len() <= 64) {
            return Some(format!("tools.{i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$'"));
        }
    }
    let choice = &body["tool_choice"];
    if choice["type"] == "tool" && !tools.iter().any(|t| t["name"] == choice["name"]) {
        return Some(format!("tool_choice: tool '{}' not found in tools", choice["name"].as_str().unwrap_or_default()));
    }
    None
}

fn anthropic_route(req: &Request, key: &str, messages: &Script, cache: &PromptCache) -> Response {
    let authorized = req.header("x-api-key") == Some(key);
    match (req.method.as_str(), req.path.as_str()) {
        (_, "/v1/messages" | "/v1/models") if !authorized => FakeAnthropic::error(401, "authentication_error", "invalid x-api-key"),
        (_, "/v1/messages" | "/v1/models") if req.header("anthropic-version").is_none() => {
            FakeAnthropic::error(400, "invalid_request_error", "anthropic-version: header is required")
        }
        ("GET", "/v1/models") => Response::json(
            200,
            &json!({
                "data": [
                    {"type": "model", "id": "claude-sonnet-4-5-20250929", "display_name": "Claude Sonnet 4.5", "created_at": "2025-09-29T00:00:00Z"},
                    {"type": "model", "id": "claude-haiku-4-5-20251001", "display_name": "Claude Haiku 4.5", "created_at": "2025-10-01T00:00:00Z"}
                ],
                "has_more": false,
                "first_id": "claude-sonnet-4-5-20250929",
                "last_id": "claude-haiku-4-5-20251001"
            }),
        ),
        ("POST", "/v1/messages") => match anthropic_tools_problem(&req.json()) {
            Some(problem) => FakeAnthropic::error(400, "invalid_request_error", &problem),
            None => with_start_usage(messages.next().unwrap_or_else(|| FakeAnthropic::reply(&["(no script)"])), cache.usage(&req.json())),
        },
        _ => FakeAnthropic::error(404, "not_found_error", "Not found"),
    }
}

// ---------------------------------------------------------------------------------------
// OpenAI (chat completions), as OpenAI's API reference and error pages describe it, with
// the ways other OpenAI-compatible servers differ as model options.

/// How a fake OpenAI-compatible model takes `response_format: {"type": "json_schema"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaSupport {
    /// OpenAI: with `strict: true` every object must list all its properties in
    /// `required` and set `additionalProperties: false`, else 400 (`param: "response_format"`).
    Strict,
    /// llama-server, vLLM, LM Studio: any schema becomes a grammar.
    Grammar,
    /// A server or model without it: 400 naming `response_format`.
    Refused,
}

/// A model a fake OpenAI-compatible server serves.
#[derive(Debug, Clone)]
pub struct FakeOpenAiModel {
    pub id: String,
    /// Refuses `max_tokens` (400 `unsupported_parameter`) and a `temperature` other than 1
    /// (400 `unsupported_value`), as OpenAI's o-series and gpt-5 do, and reasons before it
    /// answers: [`reasoning_tokens`] of `max_completion_tokens` go to that first, and an
    /// answer that no longer fits comes back empty with `finish_reason: "length"`.
    pub reasoning: bool,
    pub schemas: SchemaSupport,
}

impl FakeOpenAiModel {
    pub fn chat(id: &str) -> FakeOpenAiModel {
        FakeOpenAiModel { id: id.into(), reasoning: false, schemas: SchemaSupport::Strict }
    }

    pub fn reasoning(id: &str) -> FakeOpenAiModel {
        FakeOpenAiModel { id: id.into(), reasoning: true, schemas: SchemaSupport::Strict }
    }

    pub fn schemas(mut self, schemas: SchemaSupport) -> FakeOpenAiModel {
        self.schemas = schemas;
        self
    }
}

pub struct FakeOpenAi {
    pub server: FakeServer,
    pub url: String,
    pub chat: Script,
}

impl FakeOpenAi {
    /// An OpenAI-compatible server (no key) serving `models`, answering accepted
    /// `/v1/chat/completions` requests from `chat`.
    pub async fn start(models: Vec<FakeOpenAiModel>, chat: Vec<Response>) -> FakeOpenAi {
        let script = Script::new(chat);
        let handler_script = script.clone();
        let cache = OpenAiPromptCache::default();
        let server = FakeServer::start(move |req| openai_route(req, &models, &handler_script, &cache)).await;
        FakeOpenAi { url: server.url.clone(), server, chat: script }
    }

    /// A streamed answer: one chunk per piece, the usage chunk (`stream_options.include_usage`),
    /// then `data: [DONE]`.
    pub fn reply(pieces: &[&str]) -> Response {
        let chunk = |delta: Value| {
            let chunk = json!({"id": "chatcmpl-C9", "object": "chat.completion.chunk", "created": 1_764_000_000, "model": "m",
                "choices": [{"index": 0, "delta": delta, "finish_reason": null}]});
            Piece::Data(format!("data: {chunk}\n\n").into_bytes())
        };
        let mut steps = vec![chunk(json!({"role": "assistant", "content": ""}))];
        steps.extend(pieces.iter().map(|p| chunk(json!({"content": p}))));
        let usage = json!({"id": "chatcmpl-C9", "object": "chat.completion.chunk", "created": 1_764_000_000, "model": "m",
            "choices": [], "usage": {"prompt_tokens": 19, "completion_tokens": pieces.len(), "total_tokens": 19 + pieces.len()}});
        steps.push(Piece::Data(format!("data: {usage}\n\n").into_bytes()));
        steps.push(Piece::Data(b"data: [DONE]\n\n".to_vec()));
        Response::stream(200, "text/event-stream; charset=utf-8", steps)
    }

    /// OpenAI's 400 body: `{"error": {"message", "type": "invalid_request_error", "param", "code"}}`.
    pub fn bad_request(message: &str, param: &str, code: Option<&str>) -> Response {
        Response::json(400, &json!({"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}}))
    }
}

/// Tokens a fake reasoning model thinks for at a `reasoning_effort` (`medium` unless
/// given), within `max_completion_tokens`; an unknown effort is a 400, as OpenAI's.
pub fn reasoning_tokens(effort: Option<&str>) -> Option<u64> {
    match effort.unwrap_or("medium") {
        "minimal" | "none" => Some(0),
        "low" => Some(400),
        "medium" => Some(2000),
        "high" => Some(8000),
        _ => None,
    }
}

/// A reasoning model's whole budget spent on thinking: no text, `finish_reason: "length"`.
fn openai_reply_cut_by_reasoning(budget: u64) -> Response {
    let chunk = |choices: Value, usage: Value| {
        let chunk = json!({"id": "chatcmpl-C9", "object": "chat.completion.chunk", "created": 1_764_000_000, "model": "m", "choices": choices, "usage": usage});
        Piece::Data(format!("data: {chunk}\n\n").into_bytes())
    };
    Response::stream(
        200,
        "text/event-stream; charset=utf-8",
        vec![
            chunk(json!([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": null}]), Value::Null),
            chunk(json!([{"index": 0, "delta": {}, "finish_reason": "length"}]), Value::Null),
            chunk(
                json!([]),
                json!({"prompt_tokens": 19, "completion_tokens": budget, "total_tokens": 19 + budget,
            "completion_tokens_details": {"reasoning_tokens": budget}}),
            ),
            Piece::Data(b"data: [DONE]\n\n".to_vec()),
        ],
    )
}

/// Why OpenAI's strict mode refuses `schema`, if it does.
fn strict_schema_problem(schema: &Value) -> Option<&'static str> {
    if schema["type"] == "object" {
        if schema["additionalProperties"] != json!(false) {
            return Some("'additionalProperties' is required to be supplied and to be false.");
        }
        let properties = schema["properties"].as_object().map(|p| p.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
        let required: Vec<&str> = schema["required"].as_array().map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        if properties.iter().any(|p| !required.contains(&p.as_str())) {
            return Some("'required' is required to be supplied and to be an array including every key in properties.");
        }
    }
    let children = schema["properties"].as_object().into_iter().flat_map(|p| p.values()).chain(schema.get("items"));
    children.filter_map(strict_schema_problem).next()
}

/// OpenAI's automatic prompt caching: a prompt of 1024 tokens or more whose start was
/// sent before is partly read from the cache, in steps of 128 tokens, reported as
/// `usage.prompt_tokens_details.cached_tokens` (of `prompt_tokens`).
#[derive(Clone, Default)]
struct OpenAiPromptCache(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl OpenAiPromptCache {
    /// `(prompt_tokens, cached_tokens)` for a request, the fake's tokens being a quarter of
    /// the characters plus 4 per message.
    fn usage(&self, body: &Value) -> (u64, u64) {
        let messages = body["messages"].as_array().cloned().unwrap_or_default();
        let text: String = messages
            .iter()
            .map(|m| match &m["content"] {
                Value::String(s) => s.clone(),
                parts => parts.as_array().into_iter().flatten().filter_map(|p| p["text"].as_str()).collect(),
            })
            .collect();
        let tokens = (text.chars().count() as u64).div_ceil(4) + 4 * messages.len() as u64;
        let mut seen = self.0.lock().unwrap();
        let common = seen.iter().map(|s| s.chars().zip(text.chars()).take_while(|(a, b)| a == b).count() as u64).max().unwrap_or(0);
        seen.push(text);
        let prefix = common / 4;
        let cached = if tokens >= 1024 && prefix >= 1024 { prefix / 128 * 128 } else { 0 };
        (tokens, cached)
    }
}

/// `response` with its usage chunk's `prompt_tokens` and `prompt_tokens_details` set.
fn with_prompt_usage(mut response: Response, (tokens, cached): (u64, u64)) -> Response {
    for piece in &mut response.pieces {
        let Piece::Data(data) = piece else { continue };
        let text = String::from_utf8_lossy(data).into_owned();
        let Some(json) = text.strip_prefix("data: ") else { continue };
        let Ok(mut chunk) = serde_json::from_str::<Value>(json.trim()) else { continue };
        if !chunk["usage"].is_object() {
            continue;
        }
        let completion = chunk["usage"]["completion_tokens"].as_u64().unwrap_or(0);
        chunk["usage"]["prompt_tokens"] = json!(tokens);
        chunk["usage"]["total_tokens"] = json!(tokens + completion);
        chunk["usage"]["prompt_tokens_details"] = json!({"cached_tokens": cached, "audio_tokens": 0});
        *data = format!("data: {chunk}\n\n").into_bytes();
    }
    response
}

fn openai_route(req: &Request, models: &[FakeOpenAiModel], chat: &Script, cache: &OpenAiPromptCache) -> Response {
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/v1/models") => Response::json(
            200,
            &json!({"object": "list", "data": models.iter().map(|m| json!({"id": m.id, "object": "model", "created": 1_700_000_000, "owned_by": "system"})).collect::<Vec<_>>()}),
        ),
        ("POST", "/v1/chat/completions") => {
            let body = req.json();
            let name = body["model"].as_str().unwrap_or_default();
            let Some(model) = models.iter().find(|m| m.id == name) else {
                return Response::json(
                    404,
                    &json!({"error": {
                    "message": format!("The model `{name}` does not exist or you do not have access to it."),
                    "type": "invalid_request_error", "param": null, "code": "model_not_found"}}),
                );
            };
            if model.reasoning && body.get("max_tokens").is_some() {
                return FakeOpenAi::bad_request(
                    "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
                    "max_tokens",
                    Some("unsupported_parameter"),
                );
            }
            if model.reasoning && body.get("temperature").is_some_and(|t| t.as_f64() != Some(1.0)) {
                return FakeOpenAi::bad_request(
                    &format!(
                        "Unsupported value: 'temperature' does not support {} with this model. Only the default (1) value is supported.",
                        body["temperature"]
                    ),
                    "temperature",
                    Some("unsupported_value"),
                );
            }
            let effort = body["reasoning_effort"].as_str();
            let thinking = if model.reasoning { reasoning_tokens(effort) } else { Some(0) };
            let Some(thinking) = thinking.filter(|_| model.reasoning || effort.is_none()) else {
                return FakeOpenAi::bad_request(
                    "Unsupported parameter: 'reasoning_effort' is not supported with this model.",
                    "reasoning_effort",
                    Some("unsupported_parameter"),
                );
            };
            if model.reasoning && body["max_completion_tokens"].as_u64().is_some_and(|budget| budget < thinking + 16) {
                return openai_reply_cut_by_reasoning(body["max_completion_tokens"].as_u64().unwrap_or(0));
            }
            let format = &body["response_format"];
            if format["type"] == "json_schema" {
                match model.schemas {
                    SchemaSupport::Refused => {
                        return FakeOpenAi::bad_request(
                            "Invalid value: 'json_schema'. Supported values are: 'json_object' and 'text'.",
                            "response_format.type",
                            Some("invalid_value"),
                        )
                    }
                    SchemaSupport::Strict if format["json_schema"]["strict"] == true => {
                        if let Some(problem) = strict_schema_problem(&format["json_schema"]["schema"]) {
                            let name = format["json_schema"]["name"].as_str().unwrap_or_default();
                            return FakeOpenAi::bad_request(
                                &format!("Invalid schema for response_format '{name}': In context=(), {problem}"),
                                "response_format",
                                None,
                            );
                        }
                    }
                    _ => {}
                }
            }
            with_prompt_usage(chat.next().unwrap_or_else(|| FakeOpenAi::reply(&["(no script)"])), cache.usage(&body))
        }
        _ => Response::json(404, &json!({"error": {"message": "Not found", "type": "invalid_request_error", "param": null, "code": null}})),
    }
}
