//! Provider failures, each with what happened and what the user can do about it.

use std::time::Duration;

use glossa_protocol::text::{self, Arg, Text};
use glossa_protocol::{ErrorCode, ErrorInfo, ProviderKind};

/// Each variant's sentence is [`ProviderError::text`] (a `_locales` key with arguments, in
/// English here), its advice [`ProviderError::hint_text`].
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.text())]
pub enum ProviderError {
    Unreachable {
        provider: ProviderKind,
        url: String,
        cause: Option<String>,
    },
    ModelMissing {
        provider: ProviderKind,
        model: String,
        available: Vec<String>,
        hint: Text,
    },
    NoVision {
        model: String,
        vision_models: Vec<String>,
    },
    Auth {
        provider: ProviderKind,
        status: u16,
        key_set: bool,
    },
    RateLimited {
        provider: ProviderKind,
        status: u16,
        retries: u32,
        retry_after: Option<Duration>,
    },
    Overloaded {
        provider: ProviderKind,
        retries: u32,
        retry_after: Option<Duration>,
    },
    ConnectTimeout {
        provider: ProviderKind,
        url: String,
        after: Duration,
    },
    IdleTimeout {
        provider: ProviderKind,
        after: Duration,
    },
    FirstTokenTimeout {
        provider: ProviderKind,
        after: Duration,
    },
    StreamIncomplete {
        provider: ProviderKind,
    },
    BadResponse {
        provider: ProviderKind,
        detail: String,
    },
    Api {
        provider: ProviderKind,
        status: Option<u16>,
        message: String,
    },
    BadModelFile {
        path: String,
        reason: String,
        hint: String,
    },
    /// The built-in backend failed for a reason other than its files.
    Local {
        message: String,
        hint: String,
    },
    /// A provider compiled out of this build.
    NotBuiltIn {
        provider: ProviderKind,
    },
    /// The provider's URL setting cannot be used.
    BadUrl {
        provider: ProviderKind,
        detail: String,
    },
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
            ProviderError::Local { .. } | ProviderError::NotBuiltIn { .. } | ProviderError::BadUrl { .. } | ProviderError::Other(_) => {
                ErrorCode::ProviderError
            }
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

    /// What happened.
    pub fn text(&self) -> Text {
        let name = |p: &ProviderKind| Arg::from(p.name());
        let secs = |d: &Duration| Arg::from(d.as_secs());
        match self {
            ProviderError::Unreachable { provider, url, .. } => text::ERR_UNREACHABLE.with([name(provider), url.as_str().into()]),
            // Ollama installs models; the other servers serve what they were given.
            ProviderError::ModelMissing { provider: ProviderKind::Ollama, model, .. } => {
                text::ERR_MODEL_NOT_INSTALLED.with([model.as_str().into()])
            }
            ProviderError::ModelMissing { model, .. } => text::ERR_MODEL_NOT_AVAILABLE.with([model.as_str().into()]),
            ProviderError::NoVision { model, .. } => text::ERR_NO_VISION.with([model.as_str().into()]),
            ProviderError::Auth { provider, status, .. } => text::ERR_AUTH.with([name(provider), (*status).into()]),
            ProviderError::RateLimited { provider, status, .. } => text::ERR_RATE_LIMITED.with([name(provider), (*status).into()]),
            ProviderError::Overloaded { provider, .. } => text::ERR_OVERLOADED.with([name(provider)]),
            ProviderError::ConnectTimeout { provider, url, after } => {
                text::ERR_CONNECT_TIMEOUT.with([name(provider), url.as_str().into(), secs(after)])
            }
            ProviderError::IdleTimeout { provider, after } => text::ERR_IDLE_TIMEOUT.with([name(provider), secs(after)]),
            ProviderError::FirstTokenTimeout { provider, after } => text::ERR_FIRST_TOKEN_TIMEOUT.with([name(provider), secs(after)]),
            ProviderError::StreamIncomplete { provider } => text::ERR_STREAM_INCOMPLETE.with([name(provider)]),
            ProviderError::BadResponse { provider, detail } => text::ERR_BAD_RESPONSE.with([name(provider), detail.as_str().into()]),
            ProviderError::Api { provider, message, .. } => text::ERR_PROVIDER_REPORTED.with([name(provider), message.as_str().into()]),
            ProviderError::BadModelFile { path, reason, .. } => {
                text::ERR_BAD_MODEL_FILE.with([path.as_str().into(), reason.as_str().into()])
            }
            ProviderError::NotBuiltIn { provider } => text::ERR_NOT_BUILT_IN.with([name(provider)]),
            ProviderError::BadUrl { provider, detail } => text::ERR_BAD_URL.with([name(provider), detail.as_str().into()]),
            ProviderError::Local { message, .. } | ProviderError::Other(message) => message.as_str().into(),
        }
    }

    /// What to do about it, when there is something to say.
    pub fn hint_text(&self) -> Option<Text> {
        let plain = |s: &String| (!s.is_empty()).then(|| Text::from(s.as_str()));
        let retried = |retries: u32, once: text::Message<0>, more: text::Message<1>| match retries {
            1 => once.text(),
            n => more.with([n.into()]),
        };
        Some(match self {
            ProviderError::Unreachable { provider, cause, .. } => {
                let hint = match provider {
                    ProviderKind::Ollama => text::HINT_UNREACHABLE_OLLAMA,
                    ProviderKind::Anthropic => text::HINT_UNREACHABLE_ANTHROPIC,
                    ProviderKind::Local | ProviderKind::Openai => text::HINT_UNREACHABLE_SERVER,
                };
                match cause {
                    Some(cause) => text::HINT_WITH_CAUSE.with([hint.into(), cause.as_str().into()]),
                    None => hint.text(),
                }
            }
            ProviderError::ModelMissing { hint, .. } => hint.clone(),
            ProviderError::BadModelFile { hint, .. } | ProviderError::Local { hint, .. } => return plain(hint),
            ProviderError::NoVision { vision_models, .. } if vision_models.is_empty() => text::HINT_NO_VISION_NONE.text(),
            ProviderError::NoVision { vision_models, .. } => text::HINT_NO_VISION_INSTALLED.with([vision_models.join(", ").into()]),
            ProviderError::Auth { provider, key_set: false, .. } => text::HINT_SET_API_KEY.with([provider.name().into()]),
            ProviderError::Auth { provider, .. } => text::HINT_CHECK_API_KEY.with([provider.name().into()]),
            ProviderError::RateLimited { retries: 0, retry_after: None, .. } => text::HINT_WAIT_RETRY.text(),
            ProviderError::RateLimited { retries: 0, retry_after: Some(d), .. } => text::HINT_WAIT_RETRY_ASKED.with([d.as_secs().into()]),
            ProviderError::RateLimited { retries, retry_after: None, .. } => {
                retried(*retries, text::HINT_RETRIED_ONCE_WAIT, text::HINT_RETRIED_WAIT)
            }
            ProviderError::RateLimited { retries: 1, retry_after: Some(d), .. } => {
                text::HINT_RETRIED_ONCE_WAIT_ASKED.with([d.as_secs().into()])
            }
            ProviderError::RateLimited { retries, retry_after: Some(d), .. } => {
                text::HINT_RETRIED_WAIT_ASKED.with([(*retries).into(), d.as_secs().into()])
            }
            ProviderError::Overloaded { retries: 0, .. } => text::HINT_TRY_IN_A_MINUTE.text(),
            ProviderError::Overloaded { retries, .. } => retried(*retries, text::HINT_RETRIED_ONCE_MINUTE, text::HINT_RETRIED_MINUTE),
            ProviderError::ConnectTimeout { .. } => text::HINT_CHECK_URL_SERVER_UP.text(),
            ProviderError::IdleTimeout { .. } => text::HINT_MODEL_TOO_SLOW.text(),
            ProviderError::FirstTokenTimeout { after, .. } => text::HINT_FIRST_TOKEN_TIMEOUT.with([(after.as_secs() * 2).max(600).into()]),
            ProviderError::StreamIncomplete { .. } => text::HINT_TEXT_KEPT.text(),
            ProviderError::BadResponse { .. } => text::HINT_CHECK_API_URL.text(),
            ProviderError::Api { .. } | ProviderError::NotBuiltIn { .. } | ProviderError::BadUrl { .. } | ProviderError::Other(_) => {
                return None
            }
        })
    }

    /// What to do about it, in English.
    pub fn hint(&self) -> String {
        self.hint_text().map(|t| t.english()).unwrap_or_default()
    }

    pub fn info(&self) -> ErrorInfo {
        ErrorInfo::localized(self.code(), self.text(), self.hint_text())
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
        let mut report = glossa_protocol::CheckReport::new(self.0, text::CHECK_NOT_BUILT_IN);
        report.problems.push(self.error().info());
        report
    }
}

impl Unavailable {
    fn error(&self) -> ProviderError {
        ProviderError::NotBuiltIn { provider: self.0 }
    }
}
