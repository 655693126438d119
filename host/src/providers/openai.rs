//! Any OpenAI-compatible server (llama-server, LM Studio, vLLM, llamafile, OpenAI):
//! `POST /v1/chat/completions` streamed as server-sent events ending `data: [DONE]`,
//! `GET /v1/models` for the list.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use glossa_protocol::text;
use glossa_protocol::{CheckReport, ErrorInfo, ModelInfo, ProviderKind, Usage};
use serde::{Deserialize, Serialize};

use super::http::{self, HttpClient, HttpFailure, RetryPolicy};
use super::url::Server;
use super::{check, decode, sse, Billing, ChatRequest, Delta, ImageBudget, ImageTokens, Provider, ProviderError, TokenStream};
use crate::config::{OpenAiConfig, Secret};

const KIND: ProviderKind = ProviderKind::Openai;

pub struct OpenAi {
    http: HttpClient,
    server: Server,
    api_key: Secret,
    resolved: Arc<ResolvedModels>,
    quirks: Arc<ModelQuirks>,
}

/// The model an empty model setting stands for, per server (the first it lists), learnt
/// once instead of with a `GET /v1/models` before every request.
#[derive(Debug, Default)]
pub struct ResolvedModels(Mutex<HashMap<String, String>>);

impl ResolvedModels {
    fn get(&self, base: &str) -> Option<String> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(base).cloned()
    }

    fn set(&self, base: &str, model: &str) {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(base.to_owned(), model.to_owned());
    }

    /// The settings changed: learn every server's model again.
    pub(super) fn clear(&self) {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }

    /// The server no longer has it (another model was loaded): learn again next time.
    fn forget(&self, base: &str) {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(base);
    }
}

/// What a model turned out to refuse, per server and model, learnt from a 400 and kept for
/// the host process so only its first request pays for the retry.
#[derive(Debug, Default)]
pub struct ModelQuirks(Mutex<HashMap<(String, String), Quirks>>);

/// How a request must be shaped for one model.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Quirks {
    /// A reasoning model: `max_completion_tokens` instead of `max_tokens`, and no
    /// `temperature` (only the default is accepted).
    reasoning: bool,
    /// The server refused the schema in strict mode (OpenAI refuses schemas outside its
    /// strict subset): send it with `strict: false`.
    loose_schema: bool,
    /// The server refuses `response_format: json_schema` even so: send the prompt alone.
    no_json_schema: bool,
    /// A reasoning model the server takes no `reasoning_effort` for.
    no_reasoning_effort: bool,
}

/// What a reasoning model may think for, on top of the answer's budget: it thinks first,
/// within `max_completion_tokens`, and a budget spent thinking is an empty answer. Only the
/// tokens used are billed.
const REASONING_ALLOWANCE: u32 = 4096;

/// `low`: translation needs little thought; accepted by the o-series and gpt-5 alike.
const REASONING_EFFORT: &str = "low";

impl ModelQuirks {
    fn get(&self, base: &str, model: &str) -> Quirks {
        let known = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&(base.to_owned(), model.to_owned())).copied();
        known.unwrap_or(Quirks { reasoning: is_reasoning_model(model), ..Quirks::default() })
    }

    fn set(&self, base: &str, model: &str, quirks: Quirks) {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert((base.to_owned(), model.to_owned()), quirks);
    }
}

/// OpenAI's reasoning models by name (`o1`, `o3-mini`, `o4-mini`, `gpt-5`, `gpt-5-mini`…,
/// also behind a router's `openai/` prefix); others are learnt from the server's 400.
fn is_reasoning_model(model: &str) -> bool {
    let name = model.rsplit('/').next().unwrap_or(model).to_ascii_lowercase();
    let mut chars = name.chars();
    name.starts_with("gpt-5") || (chars.next() == Some('o') && chars.next().is_some_and(|c| c.is_ascii_digit()))
}

impl Quirks {
    /// The shape a 400 says this model needs, when it says one this shape does not have
    /// yet (OpenAI: `{"error": {"param": "max_tokens", "code": "unsupported_parameter"}}`).
    fn learn(self, failure: &http::StatusFailure, request: &ChatRequest) -> Option<Quirks> {
        if failure.status != reqwest::StatusCode::BAD_REQUEST {
            return None;
        }
        let error = http::error_fields(&failure.body)?;
        let message = error.message.to_ascii_lowercase();
        let param = error.param.as_deref().unwrap_or_default();
        let unsupported = matches!(error.code.as_deref(), Some("unsupported_parameter" | "unsupported_value"))
            || message.contains("unsupported parameter")
            || message.contains("unsupported value");
        if self.reasoning && !self.no_reasoning_effort && param == "reasoning_effort" {
            return Some(Quirks { no_reasoning_effort: true, ..self });
        }
        if !self.reasoning && unsupported && (param == "max_tokens" || param == "temperature" || message.contains("max_completion_tokens"))
        {
            return Some(Quirks { reasoning: true, ..self });
        }
        let schema_refused = param.starts_with("response_format") || message.contains("response_format") || message.contains("json_schema");
        if !self.loose_schema && request.answer_format.is_some() && schema_refused {
            return Some(Quirks { loose_schema: true, ..self });
        }
        if !self.no_json_schema && request.answer_format.is_some() && schema_refused {
            return Some(Quirks { no_json_schema: true, ..self });
        }
        None
    }
}

impl OpenAi {
    pub fn new(http: HttpClient, config: &OpenAiConfig) -> Self {
        OpenAi {
            http,
            server: Server::new(KIND, config.url.clone(), "v1"),
            api_key: config.api_key.clone(),
            resolved: Arc::default(),
            quirks: Arc::default(),
        }
    }

    /// Share what models were found to refuse with other instances, like
    /// [`OpenAi::with_resolved_models`].
    pub fn with_model_quirks(mut self, quirks: Arc<ModelQuirks>) -> Self {
        self.quirks = quirks;
        self
    }

    /// Share what empty model settings resolved to with other instances (providers are
    /// built per request; [`super::Providers`] keeps this across them).
    pub fn with_resolved_models(mut self, resolved: Arc<ResolvedModels>) -> Self {
        self.resolved = resolved;
        self
    }

    fn authorized(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        if self.api_key.is_empty() {
            request
        } else {
            request.bearer_auth(self.api_key.expose())
        }
    }

    async fn models(&self) -> Result<Vec<ModelInfo>, ProviderError> {
        let request = self.authorized(self.http.client.get(self.server.endpoint("models")?));
        let response = match self.http.send(KIND, &self.server.display(), request).await {
            Ok(r) => r,
            Err(HttpFailure::Provider(e)) => return Err(e),
            Err(HttpFailure::Status(s)) => return Err(s.into_error(KIND, !self.api_key.is_empty())),
        };
        let list: ModelList = http::json_body(response, KIND, self.http.timeouts.idle).await?;
        Ok(list.data.into_iter().map(ModelEntry::into_info).collect())
    }

    /// The model to use: the setting, or the first one the server lists when it is empty.
    async fn resolve_model(&self, model: &str) -> Result<String, ProviderError> {
        if !model.is_empty() {
            return Ok(model.to_owned());
        }
        if let Some(known) = self.resolved.get(&self.server.display()) {
            return Ok(known);
        }
        let models = self.models().await?;
        let first = models.into_iter().next().map(|m| m.name).ok_or_else(|| ProviderError::ModelMissing {
            provider: KIND,
            model: "(any)".into(),
            available: vec![],
            hint: text::HINT_SERVER_LISTS_NO_MODELS.text(),
        })?;
        self.resolved.set(&self.server.display(), &first);
        Ok(first)
    }

    async fn model_missing(&self, model: &str) -> ProviderError {
        let available: Vec<String> = self.models().await.map(|m| m.into_iter().map(|m| m.name).collect()).unwrap_or_default();
        let hint = if available.is_empty() {
            text::HINT_SERVER_HAS_NO_MODEL.with([model.into()])
        } else {
            text::HINT_SERVER_MODELS_AVAILABLE.with([model.into(), available.join(", ").into()])
        };
        ProviderError::ModelMissing { provider: KIND, model: model.to_owned(), available, hint }
    }

    /// `POST /v1/chat/completions`; a 400 that names a parameter this model refuses is
    /// answered by asking again without it (each retry drops one more thing, so at most
    /// twice), and the model's shape is remembered.
    async fn send_chat(&self, request: &ChatRequest, model: &str) -> Result<reqwest::Response, HttpFailure> {
        let base = self.server.display();
        let mut quirks = self.quirks.get(&base, model);
        loop {
            let body = ChatBody::new(request, model, quirks);
            let endpoint = self.server.endpoint("chat/completions").map_err(HttpFailure::Provider)?;
            let post = self.authorized(self.http.client.post(endpoint)).json(&body);
            match self.http.send(KIND, &base, post).await {
                Err(HttpFailure::Status(s)) => match quirks.learn(&s, request) {
                    Some(learnt) => {
                        tracing::info!(
                            model,
                            ?learnt,
                            "the server refused a parameter ({}); asking again without it",
                            s.api_message().unwrap_or_default()
                        );
                        quirks = learnt;
                        self.quirks.set(&base, model, quirks);
                    }
                    None => return Err(HttpFailure::Status(s)),
                },
                other => return other,
            }
        }
    }

    /// `POST /v1/chat/completions`, read as the answer's stream.
    async fn open(&self, request: &ChatRequest, model: &str) -> Result<TokenStream, ProviderError> {
        let response = match self.send_chat(request, model).await {
            Ok(r) => r,
            Err(HttpFailure::Provider(e)) => return Err(e),
            Err(HttpFailure::Status(s)) => {
                let missing = s.status == reqwest::StatusCode::NOT_FOUND
                    || s.api_message().is_some_and(|m| m.contains("model") && (m.contains("not found") || m.contains("does not exist")));
                if missing {
                    if request.model.is_empty() {
                        self.resolved.forget(&self.server.display());
                    }
                    return Err(self.model_missing(model).await);
                }
                if s.status.is_client_error() && request.image.is_some() {
                    if let Some(message) = s.api_message().filter(|m| mentions_images(m)) {
                        tracing::debug!("image refused: {message}");
                        return Err(ProviderError::NoVision { model: model.to_owned(), vision_models: self.vision_models().await });
                    }
                }
                return Err(s.into_error(KIND, !self.api_key.is_empty()));
            }
        };
        http::reject_html(&response, KIND)?;
        let events = sse::events(http::body_chunks(response, KIND, self.http.timeouts), KIND);
        let mut usage = Usage::default();
        let mut streamed = false;
        Ok(decode::token_stream(events, KIND, move |event: sse::Event| {
            let data = event.data.trim();
            if data == "[DONE]" {
                return Ok(vec![Delta::Done(usage)]);
            }
            let chunk: Chunk = serde_json::from_str(data).map_err(|e| ProviderError::BadResponse {
                provider: KIND,
                detail: format!("an event is not a chat chunk ({e}): {}", http::truncate(data, 120)),
            })?;
            if let Some(error) = chunk.error {
                let message = error.message.unwrap_or_else(|| "unknown error".into());
                if streamed && is_cut_answer_parse_failure(&message) {
                    tracing::warn!("the server cut the answer short (its own length limit): {message}");
                    return Ok(vec![Delta::Done(usage)]);
                }
                return Err(ProviderError::Api { provider: KIND, status: None, message });
            }
            if let Some(u) = chunk.usage {
                usage.input_tokens = u.prompt_tokens;
                usage.output_tokens = u.completion_tokens;
                usage.cache_read_input_tokens = u.prompt_tokens_details.map(|d| d.cached_tokens).filter(|&n| n > 0);
            }
            let pieces: Vec<Delta> = chunk
                .choices
                .into_iter()
                .filter_map(|c| c.delta.and_then(|d| d.content))
                .filter(|t| !t.is_empty())
                .map(Delta::Text)
                .collect();
            streamed |= !pieces.is_empty();
            Ok(pieces)
        }))
    }

    async fn vision_models(&self) -> Vec<String> {
        self.models().await.map(|m| m.into_iter().filter(|m| m.vision == Some(true)).map(|m| m.name).collect()).unwrap_or_default()
    }
}

/// llama-server parses an answer held to a schema once it ends; one its own length limit
/// (`-n`) cut short fails that parse, and the server reports it as an error after the text
/// has streamed. That text is the answer as far as it went, like an answer cut by
/// `finish_reason: "length"`.
fn is_cut_answer_parse_failure(message: &str) -> bool {
    message.contains("does not match the expected") && message.contains("format")
}

fn mentions_images(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("image") || m.contains("vision") || m.contains("multimodal") || m.contains("mmproj")
}

#[async_trait]
impl Provider for OpenAi {
    fn kind(&self) -> ProviderKind {
        KIND
    }

    /// The same API serves OpenAI's paid models and free local servers: the URL tells.
    fn billing(&self) -> Billing {
        if self.server.is_own_network() {
            Billing::OwnServer
        } else {
            Billing::PerToken
        }
    }

    /// OpenAI's vision guide (detail `high`/`auto`): a picture is fitted into 2048 × 2048,
    /// then its short side scaled to 768 px, and costs 85 tokens plus 170 per 512-px tile.
    /// Servers that only speak the API (llama-server, vLLM, LM Studio) read no more than
    /// that either with the usual vision encoders.
    async fn image_budget(&self, _model: &str) -> ImageBudget {
        ImageBudget {
            long_edge: 2048,
            short_edge: Some(768),
            pixels: None,
            tokens: ImageTokens::Tiles { base: 85, per_tile: 170, tile: 512 },
        }
    }

    async fn stream(&self, request: &ChatRequest) -> Result<TokenStream, ProviderError> {
        let model = self.resolve_model(&request.model).await?;
        self.open(request, &model).await
    }

    async fn model_name(&self, model: &str) -> Result<String, ProviderError> {
        self.resolve_model(model).await
    }

    fn retry_policy(&self) -> RetryPolicy {
        self.http.retry
    }

    async fn list_models(&self) -> Result<Vec<ModelInfo>, ProviderError> {
        self.models().await
    }

    async fn check(&self, frame_model: &str, subtitle_model: &str) -> CheckReport {
        let base = self.server.display();
        let mut report = CheckReport::new(KIND, text::CHECK_AT.with([KIND.name().into(), base.as_str().into()]));
        if let Some(warning) = self.server.cleartext_warning(!self.api_key.is_empty()) {
            report.warn(warning);
        }
        let models = match self.models().await {
            Ok(m) => m,
            Err(e) => {
                report.problems.push(e.info());
                return report;
            }
        };
        report.reachable = true;
        let names: Vec<&str> = models.iter().map(|m| m.name.as_str()).collect();
        let serving = if names.is_empty() { text::NO_MODELS.into() } else { names.join(", ").into() };
        report.set_detail(text::CHECK_SERVING.with([KIND.name().into(), base.as_str().into(), serving]));
        // An empty setting means "the server's first model".
        let find =
            |wanted: &str| if wanted.is_empty() { (!models.is_empty()).then_some(0) } else { models.iter().position(|m| m.name == wanted) };
        let missing = |wanted: &str| {
            let model = if wanted.is_empty() { text::FIRST_LISTED.into() } else { wanted.into() };
            let available = if names.is_empty() { text::NONE.into() } else { names.join(", ").into() };
            ErrorInfo::localized(
                glossa_protocol::ErrorCode::ModelMissing,
                text::ERR_SERVER_NO_MODEL.with([model]),
                Some(text::HINT_AVAILABLE_CHOOSE.with([available])),
            )
        };
        check::check_models(&mut report, &models, (frame_model, subtitle_model), find, missing);
        report
    }
}

// ---- wire types (OpenAI chat completions) ----

#[derive(Serialize)]
struct ChatBody<'a> {
    model: &'a str,
    messages: Vec<Message<'a>>,
    stream: bool,
    stream_options: StreamOptions,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
    /// What reasoning models take instead of `max_tokens`.
    #[serde(skip_serializing_if = "Option::is_none")]
    max_completion_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_effort: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_format: Option<ResponseFormat<'a>>,
}

/// `{"type": "json_schema", "json_schema": {"name", "schema", "strict": true}}`. Strict:
/// OpenAI then holds the model to the schema exactly (and refuses a schema that is not
/// strict-ready, which [`Quirks::learn`] turns into a retry with `strict: false`, then one
/// without a schema if that is refused too); llama-server,
/// vLLM and LM Studio compile the schema into a grammar either way.
#[derive(Serialize)]
struct ResponseFormat<'a> {
    r#type: &'static str,
    json_schema: JsonSchema<'a>,
}

#[derive(Serialize)]
struct JsonSchema<'a> {
    name: &'a str,
    schema: &'a serde_json::Value,
    strict: bool,
}

#[derive(Serialize)]
struct StreamOptions {
    include_usage: bool,
}

#[derive(Serialize)]
struct Message<'a> {
    role: &'static str,
    content: Content<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Content<'a> {
    Text(&'a str),
    Parts(Vec<Part<'a>>),
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Part<'a> {
    Text { text: &'a str },
    ImageUrl { image_url: ImageUrl },
}

#[derive(Serialize)]
struct ImageUrl {
    url: String,
}

impl<'a> ChatBody<'a> {
    fn new(request: &'a ChatRequest, model: &'a str, quirks: Quirks) -> Self {
        let user = match &request.image {
            None => Content::Text(&request.user),
            Some(image) => Content::Parts(vec![
                Part::ImageUrl { image_url: ImageUrl { url: format!("data:{};base64,{}", image.media_type.mime(), image.base64()) } },
                Part::Text { text: &request.user },
            ]),
        };
        let mut messages = Vec::with_capacity(2);
        if !request.system.is_empty() {
            messages.push(Message { role: "system", content: Content::Text(&request.system) });
        }
        messages.push(Message { role: "user", content: user });
        ChatBody {
            model,
            messages,
            stream: true,
            stream_options: StreamOptions { include_usage: true },
            max_tokens: (!quirks.reasoning).then_some(request.max_tokens),
            max_completion_tokens: quirks.reasoning.then(|| request.max_tokens.saturating_add(REASONING_ALLOWANCE)),
            reasoning_effort: (quirks.reasoning && !quirks.no_reasoning_effort).then_some(REASONING_EFFORT),
            temperature: (!quirks.reasoning).then_some(request.temperature),
            response_format: request.answer_format.as_ref().filter(|_| !quirks.no_json_schema).map(|format| ResponseFormat {
                r#type: "json_schema",
                json_schema: JsonSchema { name: &format.name, schema: &format.schema, strict: !quirks.loose_schema },
            }),
        }
    }
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<ChunkUsage>,
    #[serde(default)]
    error: Option<ChunkError>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Option<ChunkDelta>,
}

#[derive(Deserialize)]
struct ChunkDelta {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize)]
struct ChunkUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
    /// OpenAI caches long prompts' starts by itself (llama-server reports its KV cache
    /// reuse the same way).
    #[serde(default)]
    prompt_tokens_details: Option<PromptTokensDetails>,
}

#[derive(Deserialize)]
struct PromptTokensDetails {
    #[serde(default)]
    cached_tokens: u64,
}

#[derive(Deserialize)]
struct ChunkError {
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
struct ModelList {
    #[serde(default)]
    data: Vec<ModelEntry>,
}

#[derive(Deserialize)]
struct ModelEntry {
    id: String,
    /// llama-server and OpenRouter say what a model takes in.
    #[serde(default)]
    architecture: Option<Architecture>,
}

#[derive(Deserialize)]
struct Architecture {
    #[serde(default)]
    input_modalities: Vec<String>,
}

impl ModelEntry {
    fn into_info(self) -> ModelInfo {
        let vision = self.architecture.map(|a| a.input_modalities.iter().any(|m| m == "image"));
        ModelInfo { name: self.id, vision, size_bytes: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::Image;

    #[test]
    fn request_body_has_data_url_images_and_no_nulls() {
        let request = ChatRequest {
            model: "m".into(),
            system: "sys".into(),
            user: "read this".into(),
            image: Image::from_bytes(b"\x89PNG\r\n\x1a\nxx".to_vec()),
            max_tokens: 10,
            temperature: 0.2,
            answer_format: None,
        };
        let json = serde_json::to_value(ChatBody::new(&request, "m", Quirks::default())).unwrap();
        assert_eq!(json["stream"], true);
        assert_eq!(json["messages"][0]["role"], "system");
        let url = json["messages"][1]["content"][0]["image_url"]["url"].as_str().unwrap();
        assert!(url.starts_with("data:image/png;base64,"), "{url}");
        assert_eq!(json["messages"][1]["content"][1]["type"], "text");
        assert!(!json.to_string().contains("null"));
        assert_eq!(json["max_tokens"], 10);
        assert!(json.get("max_completion_tokens").is_none() && json.get("response_format").is_none());
    }

    #[test]
    fn reasoning_models_are_known_by_name() {
        for model in ["o1", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini", "openai/o3", "GPT-5.1"] {
            assert!(is_reasoning_model(model), "{model}");
        }
        for model in ["gpt-4o", "gpt-4.1-mini", "qwen2.5-7b-instruct", "olmo-2", ""] {
            assert!(!is_reasoning_model(model), "{model}");
        }
    }
}
