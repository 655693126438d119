//! The translation backends, behind one [`Provider`] trait.
//!
//! A provider is a streaming chat endpoint: it takes a [`ChatRequest`] (system prompt,
//! user text, optional picture, model) and streams text back. It knows nothing about
//! frames or subtitles — the prompts live in `pipeline/` — and nothing outside this
//! folder knows which provider it is talking to.
//!
//! Cancellation is by drop: the session aborts a request's task, which drops the
//! provider's future, which closes its HTTP connection or stops local generation.

pub mod anthropic;
pub mod error;
pub mod http;
pub mod image;
#[cfg(feature = "local")]
pub mod local;
pub mod ndjson;
pub mod ollama;
pub mod openai;
pub mod sse;
pub mod url;

use std::sync::Arc;

use async_trait::async_trait;
use glossa_protocol::{CheckReport, ModelInfo, ProviderKind, Usage};

pub use error::ProviderError;
pub use image::{Image, ImageError, MediaType};

use crate::store::Settings;

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
}

/// Receives the answer piece by piece, as the provider streams it.
pub type DeltaSink<'a> = &'a mut (dyn FnMut(&str) + Send);

#[async_trait]
pub trait Provider: Send + Sync {
    fn kind(&self) -> ProviderKind;

    /// Run one request, calling `on_delta` with each piece of text as it arrives.
    /// On error, text already passed to `on_delta` stays valid (it has been shown).
    async fn chat(&self, request: &ChatRequest, on_delta: DeltaSink<'_>) -> Result<Usage, ProviderError>;

    /// Models the provider can use, with vision capability when it can tell.
    async fn list_models(&self) -> Result<Vec<ModelInfo>, ProviderError>;

    /// Reachability and model presence, each problem with its fix.
    async fn check(&self, frame_model: &str, subtitle_model: &str) -> CheckReport;

    /// Tokens one request (prompt and answer together) may use, when the provider knows a
    /// small limit, such as the built-in backend's context. Callers that batch work (the
    /// subtitle pipeline) size their batches to fit. `None`: large enough not to matter.
    fn context_tokens(&self) -> Option<u32> {
        None
    }
}

/// Long-lived state the providers share across requests: one HTTP client (connection
/// reuse), and the local backend's warm model.
pub struct Providers {
    /// Rebuilt only when the connect timeout setting changes. Redirects stay disabled:
    /// a key must only reach its own provider's host.
    http: std::sync::Mutex<Option<http::HttpClient>>,
    #[cfg(feature = "local")]
    local: Arc<local::LocalRuntime>,
}

impl Providers {
    pub fn new(data_dir: &std::path::Path) -> Self {
        let _ = data_dir;
        Providers {
            http: std::sync::Mutex::new(None),
            #[cfg(feature = "local")]
            local: Arc::new(local::LocalRuntime::new(data_dir.join("models"))),
        }
    }

    /// The shared client, with the timeouts `settings` ask for.
    pub fn http(&self, settings: &Settings) -> http::HttpClient {
        let timeouts = http::Timeouts::from_settings(settings);
        let mut cached = self.http.lock().unwrap_or_else(|p| p.into_inner());
        match cached.as_mut() {
            Some(client) if client.timeouts.connect == timeouts.connect => client.timeouts = timeouts,
            _ => *cached = Some(http::HttpClient::new(timeouts)),
        }
        cached.clone().unwrap_or_else(|| http::HttpClient::new(timeouts))
    }

    /// The provider `kind`, configured from `settings`.
    pub fn get(&self, kind: ProviderKind, settings: &Settings) -> Arc<dyn Provider> {
        match kind {
            ProviderKind::Ollama => Arc::new(ollama::Ollama::new(self.http(settings), settings)),
            ProviderKind::Openai => Arc::new(openai::OpenAi::new(self.http(settings), settings)),
            ProviderKind::Anthropic => Arc::new(anthropic::Anthropic::new(self.http(settings), settings)),
            #[cfg(feature = "local")]
            ProviderKind::Local => Arc::new(local::Local::new(self.local.clone(), settings)),
            #[cfg(not(feature = "local"))]
            ProviderKind::Local => Arc::new(error::Unavailable(kind)),
        }
    }

    #[cfg(feature = "local")]
    pub fn local_runtime(&self) -> &Arc<local::LocalRuntime> {
        &self.local
    }
}
