//! One struct per provider: what it is built from (server URL, key, models, timeouts, how
//! the built-in backend loads a model), read from the settings once.

use std::time::Duration;

use glossa_protocol::ProviderKind;
use url::Url;

use super::{Secret, Timeouts};
use crate::server_url;
use crate::store::Settings;

/// The model for each task. Empty: the provider's own choice (an OpenAI-compatible
/// server's first model).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Models {
    pub frame: String,
    pub subtitle: String,
}

impl Models {
    fn from_settings(settings: &Settings, kind: ProviderKind) -> Models {
        Models {
            frame: settings.get(&format!("{kind}.frame_model")).trim().to_owned(),
            subtitle: settings.get(&format!("{kind}.subtitle_model")).trim().to_owned(),
        }
    }
}

/// The server URL as saved, parsed; an unusable one keeps its error, which the provider
/// reports when it is used (the store refuses bad URLs, but an older database may hold one).
fn server(settings: &Settings, key: &str) -> Result<Url, String> {
    server_url::parse(settings.get(key))
}

/// The built-in llama.cpp backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalConfig {
    /// GGUF file names in the models folder, or absolute paths.
    pub models: Models,
    /// The vision projector; empty: the installed one that matches the frame model.
    pub mmproj: String,
    pub context_size: u32,
    /// 0: the machine's physical cores.
    pub threads: u32,
    pub gpu_layers: u32,
    /// A loaded model is unloaded after this long without work.
    pub idle_unload: Duration,
}

impl LocalConfig {
    pub fn from_settings(settings: &Settings) -> Self {
        LocalConfig {
            models: Models::from_settings(settings, ProviderKind::Local),
            mmproj: settings.get("local.mmproj").trim().to_owned(),
            context_size: settings.number("local.context_size"),
            threads: settings.number("local.threads"),
            gpu_layers: settings.number("local.gpu_layers"),
            idle_unload: Duration::from_secs(settings.number("local.idle_unload_secs")),
        }
    }
}

/// An Ollama server (no key: Ollama has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OllamaConfig {
    pub url: Result<Url, String>,
    pub models: Models,
    pub timeouts: Timeouts,
}

impl OllamaConfig {
    pub fn from_settings(settings: &Settings, timeouts: Timeouts) -> Self {
        OllamaConfig { url: server(settings, "ollama.url"), models: Models::from_settings(settings, ProviderKind::Ollama), timeouts }
    }
}

/// An OpenAI-compatible server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenAiConfig {
    pub url: Result<Url, String>,
    /// Empty for a local server that wants none.
    pub api_key: Secret,
    pub models: Models,
    pub timeouts: Timeouts,
}

impl OpenAiConfig {
    pub fn from_settings(settings: &Settings, timeouts: Timeouts) -> Self {
        OpenAiConfig {
            url: server(settings, "openai.base_url"),
            api_key: Secret::new(settings.get("openai.api_key")),
            models: Models::from_settings(settings, ProviderKind::Openai),
            timeouts,
        }
    }
}

/// Anthropic's API, or a server that speaks its Messages API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnthropicConfig {
    pub url: Result<Url, String>,
    pub api_key: Secret,
    pub models: Models,
    pub timeouts: Timeouts,
}

impl AnthropicConfig {
    pub fn from_settings(settings: &Settings, timeouts: Timeouts) -> Self {
        AnthropicConfig {
            url: server(settings, "anthropic.base_url"),
            api_key: Secret::new(settings.get("anthropic.api_key")),
            models: Models::from_settings(settings, ProviderKind::Anthropic),
            timeouts,
        }
    }
}

/// One provider's configuration: what `Providers::get` builds a provider from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderConfig {
    Local(LocalConfig),
    Ollama(OllamaConfig),
    Openai(OpenAiConfig),
    Anthropic(AnthropicConfig),
}

impl ProviderConfig {
    pub fn kind(&self) -> ProviderKind {
        match self {
            ProviderConfig::Local(_) => ProviderKind::Local,
            ProviderConfig::Ollama(_) => ProviderKind::Ollama,
            ProviderConfig::Openai(_) => ProviderKind::Openai,
            ProviderConfig::Anthropic(_) => ProviderKind::Anthropic,
        }
    }

    /// The server's address, when the provider has one and it is usable.
    pub fn url(&self) -> Option<&Url> {
        match self {
            ProviderConfig::Local(_) => None,
            ProviderConfig::Ollama(c) => c.url.as_ref().ok(),
            ProviderConfig::Openai(c) => c.url.as_ref().ok(),
            ProviderConfig::Anthropic(c) => c.url.as_ref().ok(),
        }
    }

    pub fn models(&self) -> &Models {
        match self {
            ProviderConfig::Local(c) => &c.models,
            ProviderConfig::Ollama(c) => &c.models,
            ProviderConfig::Openai(c) => &c.models,
            ProviderConfig::Anthropic(c) => &c.models,
        }
    }
}
