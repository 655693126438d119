//! Provider failures, each with what happened and what the user can do about it.

use std::time::Duration;

use glossa_protocol::{ErrorCode, ErrorInfo, ProviderKind};

#[derive(Debug, Clone, thiserror::Error)]
pub enum ProviderError {
    #[error("Cannot connect to {} at {url}.", .provider.display_name())]
    Unreachable { provider: ProviderKind, url: String, hint: String },
    #[error("Model {model} is not {}.", if *.provider == ProviderKind::Ollama { "installed" } else { "available" })]
    ModelMissing { provider: ProviderKind, model: String, available: Vec<String>, hint: String },
    #[error("Model {model} cannot read images.")]
    NoVision { model: String, vision_models: Vec<String> },
    #[error("{} rejected the API key (HTTP {status}).", .provider.display_name())]
    Auth { provider: ProviderKind, status: u16, key_set: bool },
    #[error("{} is rate limiting requests (HTTP {status}).", .provider.display_name())]
    RateLimited { provider: ProviderKind, status: u16, retries: u32, retry_after: Option<Duration> },
    #[error("{} is overloaded.", .provider.display_name())]
    Overloaded { provider: ProviderKind, retries: u32, retry_after: Option<Duration> },
    #[error("Connecting to {} at {url} timed out after {}s.", .provider.display_name(), .after.as_secs())]
    ConnectTimeout { provider: ProviderKind, url: String, after: Duration },
    #[error("{} stopped sending for {}s.", .provider.display_name(), .after.as_secs())]
    IdleTimeout { provider: ProviderKind, after: Duration },
    #[error("{} did not start answering within {}s.", .provider.display_name(), .after.as_secs())]
    FirstTokenTimeout { provider: ProviderKind, after: Duration },
    #[error("The answer from {} ended before it was complete.", .provider.display_name())]
    StreamIncomplete { provider: ProviderKind },
    #[error("{} sent a reply that is not its API's format: {detail}", .provider.display_name())]
    BadResponse { provider: ProviderKind, detail: String },
    #[error("{} reported an error: {message}", .provider.display_name())]
    Api { provider: ProviderKind, status: Option<u16>, message: String },
    #[error("The model file {path} cannot be used: {reason}.")]
    BadModelFile { path: String, reason: String, hint: String },
    /// The built-in backend failed for a reason other than its files.
    #[error("{message}")]
    Local { message: String, hint: String },
    #[error("{0}")]
    Other(String),
}

impl ProviderError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ProviderError::Unreachable { .. } => ErrorCode::ProviderUnreachable,
            ProviderError::ModelMissing { .. } => ErrorCode::ModelMissing,
            ProviderError::NoVision { .. } => ErrorCode::NoVision,
            ProviderError::Auth { .. } => ErrorCode::AuthFailed,
            ProviderError::RateLimited { .. } => ErrorCode::RateLimited,
            ProviderError::Overloaded { .. } => ErrorCode::Overloaded,
            ProviderError::ConnectTimeout { .. } => ErrorCode::ConnectTimeout,
            ProviderError::IdleTimeout { .. } | ProviderError::FirstTokenTimeout { .. } => ErrorCode::IdleTimeout,
            ProviderError::StreamIncomplete { .. } => ErrorCode::StreamIncomplete,
            ProviderError::BadResponse { .. } => ErrorCode::BadResponse,
            ProviderError::Api { .. } => ErrorCode::ProviderError,
            ProviderError::BadModelFile { .. } => ErrorCode::BadModelFile,
            ProviderError::Local { .. } => ErrorCode::ProviderError,
            ProviderError::Other(_) => ErrorCode::ProviderError,
        }
    }

    /// A failure that trying again soon may cure: rate limits, overloads, server errors.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ProviderError::RateLimited { .. } | ProviderError::Overloaded { .. } | ProviderError::Api { status: Some(500..=599), .. }
        )
    }

    /// How long the server asked to wait before trying again.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ProviderError::RateLimited { retry_after, .. } | ProviderError::Overloaded { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The same failure, saying how many times it was tried again.
    pub fn with_retries(self, count: u32) -> ProviderError {
        match self {
            ProviderError::RateLimited { provider, status, retry_after, .. } => {
                ProviderError::RateLimited { provider, status, retries: count, retry_after }
            }
            ProviderError::Overloaded { provider, retry_after, .. } => ProviderError::Overloaded { provider, retries: count, retry_after },
            other => other,
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            ProviderError::Unreachable { hint, .. } | ProviderError::ModelMissing { hint, .. } => hint.clone(),
            ProviderError::BadModelFile { hint, .. } | ProviderError::Local { hint, .. } => hint.clone(),
            ProviderError::NoVision { vision_models, .. } if vision_models.is_empty() => {
                "Choose a vision model for frames (built-in: `glossa-host model pull gemma-3-4b`; Ollama: `ollama pull gemma3:12b`).".into()
            }
            ProviderError::NoVision { vision_models, .. } => {
                format!("Choose a model that reads images for frames; installed: {}.", vision_models.join(", "))
            }
            ProviderError::Auth { provider, key_set: false, .. } => {
                format!("Set your {} API key in Glossa's options.", provider.display_name())
            }
            ProviderError::Auth { provider, .. } => {
                format!("Check the {} API key in Glossa's options; it was refused.", provider.display_name())
            }
            ProviderError::RateLimited { retries, retry_after, .. } => {
                let asked = retry_after.map(|d| format!(" (the server asked to wait {}s)", d.as_secs())).unwrap_or_default();
                match retries {
                    0 => format!("Wait a moment and try again{asked}."),
                    n => format!("Tried {n} more time{}{asked}; wait a moment and try again.", if *n == 1 { "" } else { "s" }),
                }
            }
            ProviderError::Overloaded { retries: 0, .. } => "Try again in a minute.".into(),
            ProviderError::Overloaded { retries, .. } => {
                format!("Tried {retries} more time{}; try again in a minute.", if *retries == 1 { "" } else { "s" })
            }
            ProviderError::ConnectTimeout { .. } => "Check the URL in Glossa's options and that the server is up.".into(),
            ProviderError::IdleTimeout { .. } => {
                "The model may be overloaded or too large for this machine; try again or choose a smaller model.".into()
            }
            ProviderError::FirstTokenTimeout { after, .. } => format!(
                "The model may still be loading, or the request is long for this machine: try again, allow it longer (`glossa-host settings set timeouts.first_token_secs {}`), or choose a smaller model.",
                (after.as_secs() * 2).max(600)
            ),
            ProviderError::StreamIncomplete { .. } => "The text so far is kept; try again.".into(),
            ProviderError::BadResponse { .. } => {
                "Check the URL points at the API itself, not a web page or proxy.".into()
            }
            ProviderError::Api { .. } | ProviderError::Other(_) => String::new(),
        }
    }

    pub fn info(&self) -> ErrorInfo {
        ErrorInfo::new(self.code(), self.to_string(), self.hint())
    }
}

impl From<ProviderError> for ErrorInfo {
    fn from(e: ProviderError) -> Self {
        e.info()
    }
}

/// A provider compiled out of this build.
pub struct Unavailable(pub ProviderKind);

#[async_trait::async_trait]
impl super::Provider for Unavailable {
    fn kind(&self) -> ProviderKind {
        self.0
    }
    async fn stream(&self, _: &super::ChatRequest) -> Result<super::TokenStream, ProviderError> {
        Err(self.error())
    }
    async fn list_models(&self) -> Result<Vec<glossa_protocol::ModelInfo>, ProviderError> {
        Err(self.error())
    }
    async fn check(&self, _: &str, _: &str) -> glossa_protocol::CheckReport {
        let mut report = glossa_protocol::CheckReport::new(self.0, "not built into this host");
        report.problems.push(self.error().info());
        report
    }
}

impl Unavailable {
    fn error(&self) -> ProviderError {
        ProviderError::Other(format!(
            "This glossa-host was built without the {} provider; rebuild with `--features local` or choose another provider.",
            self.0.display_name()
        ))
    }
}
