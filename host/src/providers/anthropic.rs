//! Anthropic's Messages API (and anything that speaks it, e.g. llama-server's
//! `/v1/messages`): `POST /v1/messages` streamed as server-sent events, `GET /v1/models`.

use async_trait::async_trait;
use glossa_protocol::text;
use glossa_protocol::{CheckReport, ErrorCode, ErrorInfo, ModelInfo, ProviderKind, Usage};
use serde::{Deserialize, Serialize};

use super::http::{self, HttpClient, HttpFailure, RetryPolicy};
use super::url::Server;
use super::{check, decode, sse, Billing, ChatRequest, Delta, ImageBudget, ImageTokens, Provider, ProviderError, TokenStream};
use crate::config::{AnthropicConfig, Secret};

const KIND: ProviderKind = ProviderKind::Anthropic;
const API_VERSION: &str = "2023-06-01";

pub struct Anthropic {
    http: HttpClient,
    server: Server,
    api_key: Secret,
}

impl Anthropic {
    pub fn new(http: HttpClient, config: &AnthropicConfig) -> Self {
        Anthropic { http, server: Server::new(KIND, config.url.clone(), "v1"), api_key: config.api_key.clone() }
    }

    /// The key goes only in this request's headers, to this provider's own URL; the
    /// client follows no redirects.
    fn headers(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let request = request.header("anthropic-version", API_VERSION);
        if self.api_key.is_empty() {
            request
        } else {
            request.header("x-api-key", self.api_key.expose())
        }
    }

    fn status_error(&self, failure: http::StatusFailure, model: &str) -> ProviderError {
        if failure.status == reqwest::StatusCode::NOT_FOUND && failure.api_message().is_some_and(|m| m.contains("model")) {
            return ProviderError::ModelMissing {
                provider: KIND,
                model: model.to_owned(),
                available: vec![],
                hint: text::HINT_ANTHROPIC_NO_MODEL.with([model.into()]),
            };
        }
        failure.into_error(KIND, !self.api_key.is_empty())
    }

    /// `POST /v1/messages`, read as the answer's stream.
    async fn open(&self, request: &ChatRequest) -> Result<TokenStream, ProviderError> {
        let post = self.headers(self.http.client.post(self.server.endpoint("messages")?)).json(&MessagesBody::new(request));
        let response = match self.http.send(KIND, &self.server.display(), post).await {
            Ok(r) => r,
            Err(HttpFailure::Provider(e)) => return Err(e),
            Err(HttpFailure::Status(s)) => return Err(self.status_error(s, &request.model)),
        };
        http::reject_html(&response, KIND)?;
        let events = sse::events(http::body_chunks(response, KIND, self.http.timeouts), KIND);
        let mut usage = Usage::default();
        Ok(decode::token_stream(events, KIND, move |event: sse::Event| {
            let parsed: StreamEvent = serde_json::from_str(&event.data).map_err(|e| ProviderError::BadResponse {
                provider: KIND,
                detail: format!("event `{}` cannot be read ({e}): {}", event.event, http::truncate(&event.data, 120)),
            })?;
            Ok(match parsed {
                StreamEvent::MessageStart { message } => {
                    let u = message.usage;
                    usage.input_tokens = u.input_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens;
                    usage.output_tokens = u.output_tokens;
                    usage.cache_read_input_tokens = Some(u.cache_read_input_tokens).filter(|&n| n > 0);
                    usage.cache_creation_input_tokens = Some(u.cache_creation_input_tokens).filter(|&n| n > 0);
                    vec![]
                }
                StreamEvent::ContentBlockDelta { delta: BlockDelta::TextDelta { text } } => vec![Delta::Text(text)],
                // The answer-format tool's input, as JSON text like the other providers'.
                StreamEvent::ContentBlockDelta { delta: BlockDelta::InputJsonDelta { partial_json } } => vec![Delta::Text(partial_json)],
                StreamEvent::MessageDelta { usage: Some(u) } => {
                    usage.output_tokens = u.output_tokens;
                    vec![]
                }
                StreamEvent::MessageStop => vec![Delta::Done(usage)],
                StreamEvent::Error { error } => {
                    return Err(match error.kind.as_str() {
                        "overloaded_error" => ProviderError::Overloaded { provider: KIND, retries: 0, retry_after: None },
                        "rate_limit_error" => ProviderError::RateLimited { provider: KIND, status: 429, retries: 0, retry_after: None },
                        _ => ProviderError::Api { provider: KIND, status: None, message: error.message },
                    })
                }
                // ping, content_block_start/stop, thinking and other deltas, new event types.
                _ => vec![],
            })
        }))
    }

    async fn models(&self) -> Result<Vec<ModelInfo>, ProviderError> {
        let request = self.headers(self.http.client.get(self.server.endpoint("models")?)).query(&[("limit", "1000")]);
        let response = match self.http.send(KIND, &self.server.display(), request).await {
            Ok(r) => r,
            Err(HttpFailure::Provider(e)) => return Err(e),
            Err(HttpFailure::Status(s)) => return Err(s.into_error(KIND, !self.api_key.is_empty())),
        };
        let list: ModelList = http::json_body(response, KIND, self.http.timeouts.idle).await?;
        // Every current Claude model reads images.
        Ok(list.data.into_iter().map(|m| ModelInfo { name: m.id, vision: Some(true), size_bytes: None }).collect())
    }
}

/// `claude-sonnet-4-5` is an alias of the dated `claude-sonnet-4-5-20250929`.
fn names_model(listed: &str, wanted: &str) -> bool {
    listed == wanted
        || listed.strip_prefix(wanted).is_some_and(|rest| rest.starts_with('-') && rest[1..].chars().all(|c| c.is_ascii_digit()))
}

#[async_trait]
impl Provider for Anthropic {
    fn kind(&self) -> ProviderKind {
        KIND
    }

    fn billing(&self) -> Billing {
        Billing::PerToken
    }

    /// Every Claude model reads images.
    async fn reads_images(&self, _model: &str) -> bool {
        true
    }

    /// Anthropic's vision guide: pictures over 1568 px on the long edge or about 1.15
    /// megapixels are scaled down by the API; a picture costs width × height / 750 tokens.
    async fn image_budget(&self, _model: &str) -> ImageBudget {
        ImageBudget { long_edge: 1568, short_edge: None, pixels: Some(1_150_000), tokens: ImageTokens::PerPixels(750) }
    }

    async fn stream(&self, request: &ChatRequest) -> Result<TokenStream, ProviderError> {
        self.open(request).await
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
        if self.api_key.is_empty() && base == glossa_protocol::DEFAULT_ANTHROPIC_URL {
            report.problems.push(ProviderError::Auth { provider: KIND, status: 401, key_set: false }.info());
        }
        let models = match self.models().await {
            Ok(m) => m,
            Err(e) => {
                let info = e.info();
                if !report.problems.contains(&info) {
                    report.problems.push(info);
                }
                report.reachable = matches!(e, ProviderError::Auth { .. });
                return report;
            }
        };
        report.reachable = true;
        report.set_detail(text::CHECK_ANTHROPIC_MODELS.with([base.as_str().into(), models.len().into()]));
        let names: Vec<&str> = models.iter().map(|m| m.name.as_str()).collect();
        // Every Claude model reads images: the frame model's vision is its presence.
        let find = |wanted: &str| models.iter().position(|m| names_model(&m.name, wanted));
        let missing = |wanted: &str| {
            ErrorInfo::localized(
                ErrorCode::ModelMissing,
                text::ERR_ANTHROPIC_NO_MODEL.with([wanted.into()]),
                Some(text::HINT_AVAILABLE_CHOOSE.with([names.join(", ").into()])),
            )
        };
        check::check_models(&mut report, &models, (frame_model, subtitle_model), find, missing);
        report
    }
}

// ---- wire types (Messages API) ----

#[derive(Serialize)]
struct MessagesBody<'a> {
    model: &'a str,
    max_tokens: u32,
    temperature: f32,
    stream: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    system: Vec<SystemBlock<'a>>,
    messages: [UserMessage<'a>; 1],
    /// An answer format is a tool whose input is the answer: the model must call it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tools: Vec<Tool<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_choice: Option<ToolChoice<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    name: &'a str,
    description: &'static str,
    input_schema: &'a serde_json::Value,
}

/// `{"type": "tool", "name": …}`: this tool, no text before it.
#[derive(Serialize)]
struct ToolChoice<'a> {
    r#type: &'static str,
    name: &'a str,
}

#[derive(Serialize)]
struct SystemBlock<'a> {
    r#type: &'static str,
    text: &'a str,
    /// The system prompt is the stable part of every request (instructions, glossary, track
    /// context): Anthropic caches the prefix up to here (tools, then system) when it is
    /// long enough for the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    cache_control: Option<CacheControl>,
}

/// The shortest prefix Anthropic caches for `model`, in tokens (its prompt caching page);
/// a shorter one is sent uncached whatever it is marked.
fn min_cacheable_tokens(model: &str) -> u32 {
    let m = model.to_ascii_lowercase();
    if m.contains("haiku-4") || m.contains("opus-4-5") || m.contains("opus-4-6") {
        4096
    } else if m.contains("haiku") {
        2048
    } else {
        1024
    }
}

#[derive(Serialize)]
struct CacheControl {
    r#type: &'static str,
}

#[derive(Serialize)]
struct UserMessage<'a> {
    role: &'static str,
    content: Vec<ContentBlock<'a>>,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ContentBlock<'a> {
    Image { source: ImageSource<'a> },
    Text { text: &'a str },
}

#[derive(Serialize)]
struct ImageSource<'a> {
    r#type: &'static str,
    media_type: &'static str,
    data: &'a str,
}

impl<'a> MessagesBody<'a> {
    fn new(request: &'a ChatRequest) -> Self {
        let mut content = Vec::with_capacity(2);
        if let Some(image) = &request.image {
            content.push(ContentBlock::Image {
                source: ImageSource { r#type: "base64", media_type: image.media_type.mime(), data: image.base64() },
            });
        }
        content.push(ContentBlock::Text { text: &request.user });
        let system = if request.system.is_empty() {
            vec![]
        } else {
            let schema = request.answer_format.as_ref().map_or(0, |f| super::tokens_at_most(&f.schema.to_string()));
            // On the high side: marking a prefix that is a little short costs nothing.
            let cacheable = super::tokens_at_most(&request.system) + schema >= min_cacheable_tokens(&request.model);
            let cache_control = cacheable.then_some(CacheControl { r#type: "ephemeral" });
            vec![SystemBlock { r#type: "text", text: &request.system, cache_control }]
        };
        let format = request.answer_format.as_ref();
        MessagesBody {
            model: &request.model,
            max_tokens: request.max_tokens,
            temperature: request.temperature,
            stream: true,
            system,
            messages: [UserMessage { role: "user", content }],
            tools: format
                .map(|f| Tool { name: &f.name, description: "Give your answer, in this shape.", input_schema: &f.schema })
                .into_iter()
                .collect(),
            tool_choice: format.map(|f| ToolChoice { r#type: "tool", name: &f.name }),
        }
    }
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum StreamEvent {
    MessageStart {
        message: StartMessage,
    },
    ContentBlockDelta {
        delta: BlockDelta,
    },
    MessageDelta {
        #[serde(default)]
        usage: Option<DeltaUsage>,
    },
    MessageStop,
    Error {
        error: ApiError,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct StartMessage {
    #[serde(default)]
    usage: StartUsage,
}

#[derive(Deserialize, Default)]
struct StartUsage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    cache_creation_input_tokens: u64,
    #[serde(default)]
    cache_read_input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
}

#[derive(Deserialize)]
struct DeltaUsage {
    #[serde(default)]
    output_tokens: u64,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum BlockDelta {
    TextDelta {
        text: String,
    },
    InputJsonDelta {
        partial_json: String,
    },
    /// thinking_delta, signature_delta…: not shown.
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct ApiError {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
struct ModelList {
    #[serde(default)]
    data: Vec<ModelEntry>,
}

#[derive(Deserialize)]
struct ModelEntry {
    id: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::Image;

    #[test]
    fn only_a_prefix_long_enough_for_the_model_is_marked_for_caching() {
        let request = |model: &str, system: String| ChatRequest {
            model: model.into(),
            system,
            user: "read".into(),
            image: None,
            max_tokens: 100,
            temperature: 0.2,
            answer_format: None,
        };
        let marked = |model: &str, chars: usize| {
            let json = serde_json::to_value(MessagesBody::new(&request(model, "x".repeat(chars)))).unwrap();
            json["system"][0].get("cache_control").is_some()
        };
        assert!(!marked("claude-sonnet-4-5", 1000));
        assert!(marked("claude-sonnet-4-5", 4000));
        assert!(!marked("claude-3-5-haiku-latest", 4000));
        assert!(marked("claude-3-5-haiku-latest", 8000));
        assert!(!marked("claude-haiku-4-5", 8000));
        assert!(marked("claude-haiku-4-5", 16_000));
    }

    #[test]
    fn body_has_cached_system_block_and_sniffed_image_type() {
        let request = ChatRequest {
            model: "claude-sonnet-4-5".into(),
            system: "Translate what the picture says. ".repeat(200),
            user: "read".into(),
            image: Image::from_bytes(b"RIFF\0\0\0\0WEBPVP8 ".to_vec()),
            max_tokens: 100,
            temperature: 0.2,
            answer_format: None,
        };
        let json = serde_json::to_value(MessagesBody::new(&request)).unwrap();
        assert_eq!(json["stream"], true);
        assert_eq!(json["system"][0]["cache_control"]["type"], "ephemeral");
        assert_eq!(json["messages"][0]["content"][0]["type"], "image");
        assert_eq!(json["messages"][0]["content"][0]["source"]["media_type"], "image/webp");
        assert_eq!(json["messages"][0]["content"][1]["text"], "read");
    }

    #[test]
    fn aliases_match_dated_model_ids() {
        assert!(names_model("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"));
        assert!(names_model("claude-sonnet-4-5", "claude-sonnet-4-5"));
        assert!(!names_model("claude-sonnet-4-5-20250929", "claude-sonnet-4"));
    }
}
