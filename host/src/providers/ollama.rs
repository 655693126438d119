//! Ollama's native API: `POST /api/chat` streamed as NDJSON (images as raw base64,
//! `think: false`), `GET /api/tags` for models, `POST /api/show` for capabilities,
//! `GET /api/version` for a health check.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use glossa_protocol::text;
use glossa_protocol::{CheckReport, ErrorCode, ErrorInfo, ModelInfo, ProviderKind, Usage};
use serde::{Deserialize, Serialize};

use super::http::{self, HttpClient, HttpFailure, RetryPolicy};
use super::url::Server;
use super::{check, decode, ndjson, ChatRequest, Delta, ImageBudget, Provider, ProviderError, TokenStream};
use crate::config::OllamaConfig;

const KIND: ProviderKind = ProviderKind::Ollama;

pub struct Ollama {
    http: HttpClient,
    server: Server,
    known: Arc<KnownModels>,
}

/// How long Ollama keeps a model loaded after a request: longer than the gaps between a
/// track's batches, so they do not reload it.
const KEEP_ALIVE: &str = "10m";

/// The smallest context Glossa asks for: Ollama's own default on small machines, and few
/// sizes overall, because a model is reloaded whenever `num_ctx` changes.
const MIN_CONTEXT: u32 = 4096;

/// What a picture costs in tokens, generously (gemma3 256, llava 576, tiled models more).
const IMAGE_TOKENS: u32 = 1536;

/// The chat template's tokens around the messages.
const TEMPLATE_TOKENS: u32 = 64;

/// Which server's model: the key of what [`KnownModels`] keeps.
type ModelKey = (String, String);

/// What Glossa learnt of each model per server, kept for the host process: what
/// `/api/show` said of it, and the largest context it was asked to run with.
#[derive(Debug, Default)]
pub struct KnownModels {
    shown: Mutex<HashMap<ModelKey, ShownModel>>,
    /// Ollama reloads a model whenever a request's `num_ctx` differs from the one it runs
    /// with, so a size once asked for is asked again: batches with a keyframe and batches
    /// without would otherwise reload it turn about.
    contexts: Mutex<HashMap<ModelKey, u32>>,
}

/// The facts Glossa uses from one `/api/show` answer.
#[derive(Debug, Clone, Copy)]
struct ShownModel {
    context_length: Option<u32>,
    image_budget: ImageBudget,
    /// Its capabilities list "vision".
    reads_images: bool,
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn key(base: &str, model: &str) -> ModelKey {
    (base.to_owned(), model.to_owned())
}

impl KnownModels {
    fn shown(&self, base: &str, model: &str) -> Option<ShownModel> {
        locked(&self.shown).get(&key(base, model)).copied()
    }

    fn set_shown(&self, base: &str, model: &str, shown: ShownModel) {
        locked(&self.shown).insert(key(base, model), shown);
    }

    /// The `num_ctx` to send when a request needs `size`: at least the largest sent before
    /// for this model, so it is not reloaded for a smaller one.
    fn context_to_ask(&self, base: &str, model: &str, size: u32) -> u32 {
        let mut contexts = locked(&self.contexts);
        let asked = contexts.entry(key(base, model)).or_insert(size);
        *asked = (*asked).max(size);
        *asked
    }
}

/// Tokens `request` needs: its prompt (on the high side: a guess too low is a prompt
/// Ollama cuts) and its answer budget. A model that reads images always has room for one:
/// a track's batches go with a keyframe or without, by timing, several at once, and sizes
/// that differ by the picture would reload the model as they arrive (the size asked only
/// grows, but two requests in flight can still arrive out of order).
fn context_need(request: &ChatRequest, model: Option<ShownModel>) -> u32 {
    let image = if request.image.is_some() || model.is_some_and(|m| m.reads_images) { IMAGE_TOKENS } else { 0 };
    let prompt = super::tokens_at_most(&request.system) + super::tokens_at_most(&request.user) + image + TEMPLATE_TOKENS;
    prompt.saturating_add(request.max_tokens)
}

/// The `num_ctx` for `request`: what it needs rounded up to a power of two (so a track's
/// batches share one size), at most the model's own context length.
fn context_size(request: &ChatRequest, model: Option<ShownModel>) -> u32 {
    let size = context_need(request, model).checked_next_power_of_two().unwrap_or(u32::MAX).max(MIN_CONTEXT);
    model.and_then(|m| m.context_length).map_or(size, |limit| size.min(limit))
}

impl Ollama {
    pub fn new(http: HttpClient, config: &OllamaConfig) -> Self {
        Ollama { http, server: Server::new(KIND, config.url.clone(), "api"), known: Arc::default() }
    }

    /// Share what was learnt of the models with other instances (providers are built per
    /// request; [`super::Providers`] keeps it across).
    pub fn with_known_models(mut self, known: Arc<KnownModels>) -> Self {
        self.known = known;
        self
    }

    /// What `/api/show` says of `model`, asked once; `None` when Ollama did not answer (then
    /// asked again next time; a missing model is reported by the chat itself).
    async fn shown(&self, model: &str) -> Option<ShownModel> {
        let base = self.server.display();
        if let Some(known) = self.known.shown(&base, model) {
            return Some(known);
        }
        let request = self.http.client.post(self.server.endpoint("show").ok()?).json(&ShowRequest { model });
        let show: Show = match self.send(request).await {
            Ok(r) => http::json_body(r, KIND, self.http.timeouts.idle).await.ok()?,
            Err(_) => return None,
        };
        let shown = ShownModel {
            context_length: show.context_length(),
            image_budget: show.image_budget(),
            reads_images: show.capabilities.iter().any(|c| c == "vision"),
        };
        self.known.set_shown(&base, model, shown);
        Some(shown)
    }

    /// The model's context length; `None` when Ollama does not say (the request then goes
    /// uncapped).
    async fn context_length(&self, model: &str) -> Option<u32> {
        self.shown(model).await?.context_length
    }

    fn model_missing(model: &str, available: Vec<String>) -> ProviderError {
        ProviderError::ModelMissing {
            provider: KIND,
            model: model.to_owned(),
            available,
            hint: text::HINT_OLLAMA_PULL.with([model.into()]),
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<reqwest::Response, HttpFailure> {
        self.http.send(KIND, &self.server.display(), request).await
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<T, ProviderError> {
        match self.send(request).await {
            Ok(r) => http::json_body(r, KIND, self.http.timeouts.idle).await,
            Err(HttpFailure::Provider(e)) => Err(e),
            Err(HttpFailure::Status(s)) => Err(s.into_error(KIND, false)),
        }
    }

    async fn tags(&self) -> Result<Vec<TagEntry>, ProviderError> {
        let tags: Tags = self.get_json(self.http.client.get(self.server.endpoint("tags")?)).await?;
        Ok(tags.models)
    }

    /// `Ok(None)` when the model is not installed.
    async fn capabilities(&self, model: &str) -> Result<Option<Vec<String>>, ProviderError> {
        let request = self.http.client.post(self.server.endpoint("show")?).json(&ShowRequest { model });
        match self.send(request).await {
            Ok(r) => Ok(Some(http::json_body::<Show>(r, KIND, self.http.timeouts.idle).await?.capabilities)),
            Err(HttpFailure::Status(s)) if s.status == reqwest::StatusCode::NOT_FOUND => Ok(None),
            Err(HttpFailure::Status(s)) => Err(s.into_error(KIND, false)),
            Err(HttpFailure::Provider(e)) => Err(e),
        }
    }

    async fn installed_names(&self) -> Vec<String> {
        self.tags().await.map(|t| t.into_iter().map(|m| m.name).collect()).unwrap_or_default()
    }

    async fn vision_models(&self) -> Vec<String> {
        self.list_models().await.map(|m| m.into_iter().filter(|m| m.vision == Some(true)).map(|m| m.name).collect()).unwrap_or_default()
    }

    /// A picture for a model that cannot see it would be silently ignored by some Ollama
    /// versions: ask first.
    async fn ensure_vision(&self, model: &str) -> Result<(), ProviderError> {
        match self.capabilities(model).await? {
            None => Err(Self::model_missing(model, self.installed_names().await)),
            Some(caps) if caps.iter().any(|c| c == "vision") => Ok(()),
            Some(_) => Err(ProviderError::NoVision { model: model.to_owned(), vision_models: self.vision_models().await }),
        }
    }

    /// `POST /api/chat`, read as the answer's stream.
    async fn open(&self, request: &ChatRequest) -> Result<TokenStream, ProviderError> {
        let model = self.shown(&request.model).await;
        let model_limit = model.and_then(|m| m.context_length);
        let asked = self.known.context_to_ask(&self.server.display(), &request.model, context_size(request, model));
        // A size asked before the model's own length was known still stays within it.
        let num_ctx = model_limit.map_or(asked, |limit| asked.min(limit));
        if model_limit.is_some_and(|limit| context_need(request, model) > limit) {
            tracing::warn!(model = request.model, num_ctx, "the prompt may not fit the model's context: Ollama will cut its start");
        }
        let post = self.http.client.post(self.server.endpoint("chat")?).json(&ChatBody::new(request, num_ctx));
        let response = match self.send(post).await {
            Ok(r) => r,
            Err(HttpFailure::Provider(e)) => return Err(e),
            Err(HttpFailure::Status(s)) => {
                let message = s.api_message().unwrap_or_default();
                if s.status == reqwest::StatusCode::NOT_FOUND && message.contains("not found") {
                    return Err(Self::model_missing(&request.model, self.installed_names().await));
                }
                if request.image.is_some() && message.contains("image") {
                    return Err(ProviderError::NoVision { model: request.model.clone(), vision_models: self.vision_models().await });
                }
                return Err(s.into_error(KIND, false));
            }
        };
        http::reject_html(&response, KIND)?;
        let lines = ndjson::lines(http::body_chunks(response, KIND, self.http.timeouts), KIND);
        Ok(decode::token_stream(lines, KIND, |line: String| {
            let part: ChatLine = serde_json::from_str(&line).map_err(|e| ProviderError::BadResponse {
                provider: KIND,
                detail: format!("a line is not a chat message ({e}): {}", http::truncate(&line, 120)),
            })?;
            if let Some(error) = part.error {
                return Err(ProviderError::Api { provider: KIND, status: None, message: error });
            }
            let mut deltas: Vec<Delta> = part.message.map(|m| Delta::Text(m.content)).into_iter().collect();
            if part.done {
                deltas.push(Delta::Done(Usage {
                    input_tokens: part.prompt_eval_count,
                    output_tokens: part.eval_count,
                    ..Usage::default()
                }));
            }
            Ok(deltas)
        }))
    }
}

#[async_trait]
impl Provider for Ollama {
    fn kind(&self) -> ProviderKind {
        KIND
    }

    async fn stream(&self, request: &ChatRequest) -> Result<TokenStream, ProviderError> {
        if request.image.is_some() {
            self.ensure_vision(&request.model).await?;
        }
        self.open(request).await
    }

    fn retry_policy(&self) -> RetryPolicy {
        self.http.retry
    }

    async fn list_models(&self) -> Result<Vec<ModelInfo>, ProviderError> {
        let tags = self.tags().await?;
        // A few /api/show calls at a time: users with hundreds of models must not open
        // hundreds of connections to their Ollama at once.
        use futures::StreamExt;
        let names: Vec<String> = tags.iter().map(|t| t.name.clone()).collect();
        let capabilities: Vec<_> =
            futures::stream::iter(names).map(|name| async move { self.capabilities(&name).await }).buffered(4).collect().await;
        Ok(tags
            .into_iter()
            .zip(capabilities)
            .map(|(tag, caps)| ModelInfo {
                vision: caps.ok().flatten().map(|c| c.iter().any(|c| c == "vision")),
                name: tag.name,
                size_bytes: tag.size,
            })
            .collect())
    }

    /// The model's own context length: `num_ctx` is capped by it ([`context_size`]), so a
    /// batch that needs more would be cut at its front.
    async fn context_tokens_for(&self, model: &str) -> Option<u32> {
        self.context_length(model).await
    }

    /// From the one /api/show per model the context and picture size come from.
    async fn reads_images(&self, model: &str) -> bool {
        self.shown(model).await.is_some_and(|m| m.reads_images)
    }

    async fn image_budget(&self, model: &str) -> ImageBudget {
        self.shown(model).await.map_or(ImageBudget::DEFAULT, |shown| shown.image_budget)
    }

    async fn check(&self, frame_model: &str, subtitle_model: &str) -> CheckReport {
        let base = self.server.display();
        let mut report = CheckReport::new(KIND, text::CHECK_AT.with([KIND.name().into(), base.as_str().into()]));
        if let Some(warning) = self.server.cleartext_warning(false) {
            report.warn(warning);
        }
        let version: Result<Version, ProviderError> = match self.server.endpoint("version") {
            Ok(e) => self.get_json(self.http.client.get(e)).await,
            Err(e) => Err(e),
        };
        match version {
            Ok(v) => report.set_detail(text::CHECK_OLLAMA_VERSION.with([v.version.into(), base.as_str().into()])),
            Err(e) => {
                report.problems.push(e.info());
                return report;
            }
        }
        report.reachable = true;
        let models = match self.list_models().await {
            Ok(m) => m,
            Err(e) => {
                report.problems.push(e.info());
                return report;
            }
        };
        let find = |name: &str| models.iter().position(|m| m.name == name || m.name == format!("{name}:latest"));
        let missing = |model: &str| Self::model_missing(model, vec![]).info();
        check::check_models(&mut report, &models, (frame_model, subtitle_model), find, missing);
        if models.is_empty() {
            report.problems.push(ErrorInfo::localized(
                ErrorCode::ModelMissing,
                text::ERR_OLLAMA_NO_MODELS,
                Some(text::HINT_OLLAMA_PULL.with([frame_model.into()])),
            ));
        }
        report
    }
}

// ---- wire types ----

#[derive(Serialize)]
struct ChatBody<'a> {
    model: &'a str,
    messages: Vec<Message<'a>>,
    stream: bool,
    /// Thinking models would otherwise stream their reasoning first.
    think: bool,
    options: Options,
    keep_alive: &'static str,
    /// A JSON schema the answer must follow (Ollama's structured outputs).
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<&'a serde_json::Value>,
}

#[derive(Serialize)]
struct Message<'a> {
    role: &'static str,
    content: &'a str,
    /// Raw base64, no `data:` prefix.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    images: Vec<&'a str>,
}

#[derive(Serialize)]
struct Options {
    temperature: f32,
    num_predict: u32,
    /// Ollama cuts a prompt longer than its context (2048 or 4096 by default) silently.
    num_ctx: u32,
}

impl<'a> ChatBody<'a> {
    fn new(request: &'a ChatRequest, num_ctx: u32) -> Self {
        let mut messages = Vec::with_capacity(2);
        if !request.system.is_empty() {
            messages.push(Message { role: "system", content: &request.system, images: vec![] });
        }
        let images = request.image.iter().map(super::image::Image::base64).collect();
        messages.push(Message { role: "user", content: &request.user, images });
        ChatBody {
            model: &request.model,
            messages,
            stream: true,
            think: false,
            options: Options { temperature: request.temperature, num_predict: request.max_tokens, num_ctx },
            keep_alive: KEEP_ALIVE,
            format: request.answer_format.as_ref().map(|f| &f.schema),
        }
    }
}

#[derive(Deserialize)]
struct ChatLine {
    #[serde(default)]
    message: Option<LineMessage>,
    #[serde(default)]
    done: bool,
    #[serde(default)]
    prompt_eval_count: u64,
    #[serde(default)]
    eval_count: u64,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
struct LineMessage {
    #[serde(default)]
    content: String,
}

#[derive(Serialize)]
struct ShowRequest<'a> {
    model: &'a str,
}

#[derive(Deserialize)]
struct Show {
    #[serde(default)]
    capabilities: Vec<String>,
    #[serde(default)]
    model_info: HashMap<String, serde_json::Value>,
    /// A separate projector's GGUF keys (`clip.*`), for models that have one.
    #[serde(default)]
    projector_info: HashMap<String, serde_json::Value>,
}

impl Show {
    /// `model_info["<general.architecture>.context_length"]`.
    fn context_length(&self) -> Option<u32> {
        let arch = self.model_info.get("general.architecture")?.as_str()?;
        let length = self.model_info.get(&format!("{arch}.context_length"))?.as_u64()?;
        u32::try_from(length).ok().filter(|&l| l > 0)
    }

    /// The picture size the model's vision encoder reads: `model_info["<arch>.vision.image_size"]`
    /// when Ollama's own engine runs it (gemma3: 896), else the separate projector's
    /// `projector_info["clip.vision.image_size"]` (llava: 336); the default when neither says.
    fn image_budget(&self) -> ImageBudget {
        let size = |info: &HashMap<String, serde_json::Value>, key: &str| info.get(key)?.as_u64().and_then(|s| u32::try_from(s).ok());
        let arch = self.model_info.get("general.architecture").and_then(|a| a.as_str());
        if let Some(arch) = arch {
            if let Some(image_size) = size(&self.model_info, &format!("{arch}.vision.image_size")) {
                return ImageBudget::for_projector(image_size, Some(arch));
            }
        }
        if let Some(image_size) = size(&self.projector_info, "clip.vision.image_size") {
            let projector = self.projector_info.get("clip.projector_type").and_then(|t| t.as_str());
            return ImageBudget::for_projector(image_size, projector);
        }
        ImageBudget::DEFAULT
    }
}

#[derive(Deserialize)]
struct Tags {
    #[serde(default)]
    models: Vec<TagEntry>,
}

#[derive(Deserialize)]
struct TagEntry {
    name: String,
    #[serde(default)]
    size: Option<u64>,
}

#[derive(Deserialize)]
struct Version {
    version: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::Image;

    #[test]
    fn body_has_raw_base64_images_and_no_thinking() {
        let request = ChatRequest {
            model: "gemma3:12b".into(),
            system: "sys".into(),
            user: "read".into(),
            image: Image::from_bytes(vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2]),
            max_tokens: 64,
            temperature: 0.2,
            answer_format: None,
        };
        let json = serde_json::to_value(ChatBody::new(&request, 8192)).unwrap();
        assert_eq!(json["think"], false);
        assert_eq!(json["stream"], true);
        assert_eq!(json["options"]["num_predict"], 64);
        let image = json["messages"][1]["images"][0].as_str().unwrap();
        assert!(!image.starts_with("data:"), "{image}");
        assert_eq!(image, request.image.as_ref().unwrap().base64());
        assert!(json["messages"][0].get("images").is_none());
        assert_eq!((json["options"]["num_ctx"].as_u64(), json["keep_alive"].as_str()), (Some(8192), Some("10m")));
    }

    #[test]
    fn the_context_fits_the_prompt_and_answer_in_few_sizes_within_the_model() {
        let request = |user: String, max_tokens| ChatRequest {
            model: "m".into(),
            system: "Translate.".into(),
            user,
            image: None,
            max_tokens,
            temperature: 0.2,
            answer_format: None,
        };
        assert_eq!(context_size(&request("short".into(), 100), None), MIN_CONTEXT);
        // 12 000 ASCII characters: at most 4 000 tokens, plus 1 000 to answer.
        assert_eq!(context_size(&request("a".repeat(12_000), 1000), None), 8192);
        let model = |context_length, reads_images| {
            Some(ShownModel { context_length: Some(context_length), image_budget: ImageBudget::DEFAULT, reads_images })
        };
        assert_eq!(context_size(&request("a".repeat(12_000), 1000), model(6000, false)), 6000);
        assert_eq!(context_size(&request("a".repeat(12_000), 1000), model(2048, false)), 2048);
        // CJK takes more tokens per character.
        assert!(context_size(&request("日本語".repeat(2000), 100), None) >= 8192);
        // A model that reads images has room for one whether this request sends one or not,
        // so a track's batches with a keyframe and without ask one size.
        let batch = request("a".repeat(6_000), 1000);
        assert_eq!(context_size(&batch, model(32_768, false)), 4096);
        assert_eq!(context_size(&batch, model(32_768, true)), 8192);
        let with_keyframe = ChatRequest { image: Image::from_bytes(vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2]), ..batch.clone() };
        assert_eq!(context_size(&with_keyframe, model(32_768, true)), 8192);
    }
}
