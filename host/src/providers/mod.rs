//! The translation backends, behind one [`Provider`] trait.
//!
//! A provider is a streaming chat endpoint: it takes a [`ChatRequest`] (system prompt,
//! user text, optional picture, model) and answers with a [`TokenStream`]. It knows
//! nothing about frames or subtitles — the prompts live in `pipeline/` — and nothing
//! outside this folder knows which provider it is talking to. Callers do not read a
//! provider's stream raw: [`layers::answer`] wraps it, once, in the policy every call
//! shares (retry before the first token, `<think>` filtering, timing).
//!
//! Each provider is built from its own config struct (`crate::config`), never from the
//! store's settings.
//!
//! Cancellation is by drop: the session aborts a request's task, which drops the
//! stream, which closes its HTTP connection or stops local generation.

pub mod anthropic;
pub mod check;
pub mod decode;
pub mod error;
pub mod http;
pub mod image;
pub mod layers;
#[cfg(feature = "local")]
pub mod local;
pub mod ndjson;
pub mod ollama;
pub mod openai;
#[cfg(test)]
pub mod scripted;
pub mod sse;
pub mod think;
pub mod url;

use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use futures::Stream;
use glossa_protocol::{CheckReport, ModelInfo, ProviderKind, Usage};

pub use error::ProviderError;
pub use http::RetryPolicy;
pub use image::{Image, ImageBudget, ImageError, ImageTokens, MediaType};
pub use layers::{answer, Answer};

use crate::config::{ProviderConfig, Timeouts};

/// One model call.
#[derive(Debug, Clone)]
pub struct ChatRequest {
    pub model: String,
    pub system: String,
    pub user: String,
    /// A picture to read (frame translations).
    pub image: Option<Image>,
    pub max_tokens: u32,
    pub temperature: f32,
    /// The shape the answer must have, for providers that can enforce one; `None`: free text.
    pub answer_format: Option<AnswerFormat>,
}

/// A JSON shape for the answer. Providers that can hold a model to a schema send it
/// (OpenAI `response_format: json_schema`, Ollama `format`, Anthropic a tool's input
/// schema); the others ignore it. Either way the caller reads the answer as JSON text and
/// accepts it wrapped in the schema's object or bare, since many servers ignore schemas.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerFormat {
    /// A short identifier (`subtitle_lines`, `frame_items`): OpenAI's schema name,
    /// Anthropic's tool name.
    pub name: String,
    /// A JSON Schema whose top level is an object (Anthropic's tool input must be one).
    pub schema: serde_json::Value,
}

/// One item of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delta {
    /// The next piece of the answer's text (never empty).
    Text(String),
    /// The answer is complete, with what it cost: the last item of a stream that went well.
    Done(Usage),
}

/// An answer as it is written: [`Delta::Text`] pieces, then one [`Delta::Done`]; or an
/// error, which ends it (text before the error stays valid: it may have been shown).
/// Dropping the stream cancels the request.
pub type TokenStream = Pin<Box<dyn Stream<Item = Result<Delta, ProviderError>> + Send>>;

#[async_trait]
pub trait Provider: Send + Sync {
    fn kind(&self) -> ProviderKind;

    /// Start one request: failures before the answer starts (connection, status, model)
    /// are the `Err`, the rest come through the stream. Read it through [`answer`].
    async fn stream(&self, request: &ChatRequest) -> Result<TokenStream, ProviderError>;

    /// How [`answer`] retries this provider's rate limits and overloads.
    fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy::NONE
    }

    /// The model `model` stands for, under the name the server knows it by: itself, or what
    /// an empty setting resolves to (an OpenAI-compatible server's first model), so caches
    /// of answers are kept per real model.
    async fn model_name(&self, model: &str) -> Result<String, ProviderError> {
        Ok(model.to_owned())
    }

    /// Models the provider can use, with vision capability when it can tell.
    async fn list_models(&self) -> Result<Vec<ModelInfo>, ProviderError>;

    /// Whether `model` reads pictures, as far as the provider can tell without sending one
    /// (`false` when it cannot tell: a picture sent to a model that cannot see it may fail
    /// the call). By default: what [`Provider::list_models`] says of it.
    async fn reads_images(&self, model: &str) -> bool {
        self.list_models().await.is_ok_and(|models| models.iter().any(|m| m.name == model && m.vision == Some(true)))
    }

    /// Reachability and model presence, each problem with its fix.
    async fn check(&self, frame_model: &str, subtitle_model: &str) -> CheckReport;

    /// Tokens one request (prompt and answer together) may use, when the provider knows a
    /// small limit, such as the built-in backend's context. Callers that batch work (the
    /// subtitle pipeline) size their batches to fit. `None`: large enough not to matter.
    fn context_tokens(&self) -> Option<u32> {
        None
    }

    /// [`Self::context_tokens`] for requests to `model`, including what only the server can
    /// say of that model when asked (Ollama's `/api/show` context length): a track's batches
    /// are sized to it before the first one is sent.
    async fn context_tokens_for(&self, model: &str) -> Option<u32> {
        let _ = model;
        self.context_tokens()
    }

    /// How large a picture `model` reads as it is (a larger one is scaled down before it is
    /// sent) and what a picture costs in tokens, by the provider's documented formula.
    async fn image_budget(&self, model: &str) -> ImageBudget {
        let _ = model;
        ImageBudget::DEFAULT
    }

    /// Who pays for this provider's work, which decides how far ahead of the viewer the
    /// subtitle pipeline translates and whether the user is shown tokens.
    fn billing(&self) -> Billing {
        Billing::OwnServer
    }
}

/// Tokens `text` may take, on the high side for any tokenizer: a token is about four
/// characters of Latin-script text (three are counted) and one or two of CJK (one and a
/// half are counted).
fn tokens_at_most(text: &str) -> u32 {
    let (ascii, other) = text.chars().fold((0u32, 0u32), |(a, o), c| if c.is_ascii() { (a + 1, o) } else { (a, o + 1) });
    ascii.div_ceil(3).saturating_add(other.saturating_mul(3).div_ceil(2))
}

/// What a provider's tokens cost the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Billing {
    /// A hosted API paid per token: translate only a window ahead of the viewer and show
    /// the tokens used and an estimate for the rest.
    PerToken,
    /// A server the user runs (Ollama, llama-server on this machine or the LAN): free, but
    /// it shares the machine, so subtitles are still translated a window ahead.
    OwnServer,
    /// The model inside glossa-host: nothing to pay and nothing else waiting on it, so a
    /// track is translated whole as soon as it loads.
    BuiltIn,
}

/// Long-lived state the providers share across requests: one HTTP client (connection
/// reuse), and the local backend's warm model.
pub struct Providers {
    /// Rebuilt only when the connect timeout setting changes. Redirects stay disabled:
    /// a key must only reach its own provider's host.
    http: std::sync::Mutex<Option<http::HttpClient>>,
    /// Providers are built per request; what an empty OpenAI model setting resolved to
    /// outlives them here.
    openai_models: Arc<openai::ResolvedModels>,
    /// The OpenAI-compatible settings those were learnt under: new settings, new lookup.
    openai_settings: std::sync::Mutex<Option<crate::config::OpenAiConfig>>,
    /// Which parameters each OpenAI-compatible model refused, likewise.
    openai_quirks: Arc<openai::ModelQuirks>,
    /// Each Ollama model's context length, likewise.
    ollama_known: Arc<ollama::KnownModels>,
    #[cfg(feature = "local")]
    local: Arc<local::LocalRuntime>,
}

impl Providers {
    pub fn new(data_dir: &std::path::Path) -> Self {
        let _ = data_dir;
        Providers {
            http: std::sync::Mutex::new(None),
            openai_models: Arc::default(),
            openai_settings: std::sync::Mutex::new(None),
            openai_quirks: Arc::default(),
            ollama_known: Arc::default(),
            #[cfg(feature = "local")]
            local: Arc::new(local::LocalRuntime::new(data_dir.join("models"))),
        }
    }

    /// The shared client, with `timeouts`.
    pub fn http(&self, timeouts: Timeouts) -> http::HttpClient {
        let mut cached = self.http.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match cached.as_mut() {
            Some(client) if client.timeouts.connect == timeouts.connect => client.timeouts = timeouts,
            _ => *cached = Some(http::HttpClient::new(timeouts)),
        }
        cached.clone().unwrap_or_else(|| http::HttpClient::new(timeouts))
    }

    /// The provider `config` describes.
    pub fn get(&self, config: &ProviderConfig) -> Arc<dyn Provider> {
        match config {
            ProviderConfig::Ollama(c) => {
                Arc::new(ollama::Ollama::new(self.http(c.timeouts), c).with_known_models(self.ollama_known.clone()))
            }
            ProviderConfig::Openai(c) => {
                let mut seen = self.openai_settings.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if seen.as_ref() != Some(c) {
                    self.openai_models.clear();
                    *seen = Some(c.clone());
                }
                Arc::new(
                    openai::OpenAi::new(self.http(c.timeouts), c)
                        .with_resolved_models(self.openai_models.clone())
                        .with_model_quirks(self.openai_quirks.clone()),
                )
            }
            ProviderConfig::Anthropic(c) => Arc::new(anthropic::Anthropic::new(self.http(c.timeouts), c)),
            #[cfg(feature = "local")]
            ProviderConfig::Local(c) => Arc::new(local::Local::new(self.local.clone(), c)),
            #[cfg(not(feature = "local"))]
            ProviderConfig::Local(_) => Arc::new(error::Unavailable(ProviderKind::Local)),
        }
    }

    #[cfg(feature = "local")]
    pub fn local_runtime(&self) -> &Arc<local::LocalRuntime> {
        &self.local
    }
}
