//! Typed configuration: the store's string settings, read once per request into one
//! struct per provider plus the languages, so nothing above this layer reads a setting by
//! key. Providers are built from their own struct ([`OllamaConfig`], …) and never see the
//! store; defaults come from the protocol's [`default_value`] table, and nowhere else.
//!
//! The step after this one (`crate::resolve`) turns a `Config` and a request into the
//! job that runs.

mod provider;
mod secret;

use std::time::Duration;

use glossa_protocol::{default_value, ProviderKind, TimeoutSettings};

pub use provider::{AnthropicConfig, LocalConfig, Models, OllamaConfig, OpenAiConfig, ProviderConfig};
pub use secret::Secret;

use crate::store::Settings;

/// Everything the host runs with, typed.
#[derive(Debug, Clone)]
pub struct Config {
    /// The provider the user chose.
    pub provider: ProviderKind,
    pub target_language: String,
    /// `None`: the model detects it.
    pub source_language: Option<String>,
    pub local: LocalConfig,
    pub ollama: OllamaConfig,
    pub openai: OpenAiConfig,
    pub anthropic: AnthropicConfig,
}

/// Which language a job translates into, and from (`None`: the model detects it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Languages {
    pub to: String,
    pub from: Option<String>,
}

/// How long to wait for a server: to connect, for an answer to start, and for its next piece.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    /// For the response headers and the first piece of the body: a local model reads the
    /// whole prompt before it writes anything, which on a slow machine takes minutes.
    pub first_token: Duration,
    /// Between two pieces of a body, once it has started.
    pub idle: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        TimeoutSettings::default().into()
    }
}

impl From<TimeoutSettings> for Timeouts {
    fn from(t: TimeoutSettings) -> Self {
        Timeouts {
            connect: Duration::from_secs(t.connect_secs),
            first_token: Duration::from_secs(t.first_token_secs),
            idle: Duration::from_secs(t.idle_secs),
        }
    }
}

impl Config {
    /// Read `settings` (defaults already filled in by the store) into typed parts.
    pub fn from_settings(settings: &Settings) -> Config {
        let timeouts = timeouts(settings);
        Config {
            provider: settings.provider(),
            target_language: given(settings.get("target_language")).unwrap_or_else(|| default_value("target_language").to_owned()),
            source_language: given(settings.get("source_language")),
            local: LocalConfig::from_settings(settings),
            ollama: OllamaConfig::from_settings(settings, timeouts),
            openai: OpenAiConfig::from_settings(settings, timeouts),
            anthropic: AnthropicConfig::from_settings(settings, timeouts),
        }
    }

    /// The configuration of provider `kind`, or of the chosen one when `None`.
    pub fn provider(&self, kind: Option<ProviderKind>) -> ProviderConfig {
        match kind.unwrap_or(self.provider) {
            ProviderKind::Local => ProviderConfig::Local(self.local.clone()),
            ProviderKind::Ollama => ProviderConfig::Ollama(self.ollama.clone()),
            ProviderKind::Openai => ProviderConfig::Openai(self.openai.clone()),
            ProviderKind::Anthropic => ProviderConfig::Anthropic(self.anthropic.clone()),
        }
    }

    /// The config of settings `pairs` over the defaults, saved as the options page would.
    #[cfg(test)]
    pub(crate) fn of(pairs: &[(&str, &str)]) -> Config {
        let store = crate::store::Store::in_memory().unwrap();
        store.put_settings(&pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()).unwrap();
        Config::from_settings(&store.settings().unwrap())
    }

    /// The languages a request names, else the settings' (a blank value names none).
    pub fn languages(&self, to: Option<&str>, from: Option<&str>) -> Languages {
        Languages {
            to: to.and_then(given).unwrap_or_else(|| self.target_language.clone()),
            from: from.and_then(given).or_else(|| self.source_language.clone()),
        }
    }
}

/// A value that says something: trimmed, and `None` when blank.
fn given(value: &str) -> Option<String> {
    Some(value.trim()).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// The `timeouts.*` settings; a zero or unreadable value counts as its default.
fn timeouts(settings: &Settings) -> Timeouts {
    let defaults = TimeoutSettings::default();
    let secs = |key: &str, default: u64| match settings.number::<u64>(key) {
        0 => default,
        n => n,
    };
    TimeoutSettings {
        connect_secs: secs("timeouts.connect_secs", defaults.connect_secs),
        first_token_secs: secs("timeouts.first_token_secs", defaults.first_token_secs),
        idle_secs: secs("timeouts.idle_secs", defaults.idle_secs),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn an_empty_database_resolves_to_the_defaults() {
        let c = Config::from_settings(&Settings::default());
        assert_eq!(c.provider, ProviderKind::Local);
        assert_eq!(c.target_language, "en");
        assert_eq!(c.source_language, None);
        assert_eq!(c.ollama.url.as_ref().unwrap().as_str(), "http://localhost:11434/");
        assert_eq!(c.ollama.models, Models { frame: "gemma3:12b".into(), subtitle: "gemma3:12b".into() });
        assert_eq!(c.anthropic.url.as_ref().unwrap().as_str(), "https://api.anthropic.com/");
        assert!(c.openai.api_key.is_empty());
        assert_eq!(c.openai.models, Models::default(), "empty: the server's first model");
        assert_eq!(c.local.context_size, 4096);
        assert_eq!(c.local.idle_unload, Duration::from_secs(600));
        let t = Timeouts { connect: Duration::from_secs(10), first_token: Duration::from_secs(300), idle: Duration::from_secs(60) };
        assert_eq!(c.ollama.timeouts, t);
        assert_eq!(Timeouts::default(), t);
    }

    #[test]
    fn settings_reach_their_providers_config() {
        let c = Config::of(&[
            ("provider", "anthropic"),
            ("anthropic.base_url", "http://127.0.0.1:9/"),
            ("anthropic.api_key", "sk-ant-123"),
            ("openai.frame_model", "qwen-vl"),
            ("local.mmproj", " mm.gguf "),
            ("local.threads", "3"),
            ("timeouts.idle_secs", "7"),
        ]);
        let chosen = c.provider(None);
        assert_eq!(chosen.kind(), ProviderKind::Anthropic);
        assert_eq!(chosen.models().subtitle, "claude-haiku-4-5");
        assert_eq!(c.anthropic.api_key.expose(), "sk-ant-123");
        assert_eq!(c.anthropic.url.as_ref().unwrap().as_str(), "http://127.0.0.1:9/");
        assert_eq!(c.provider(Some(ProviderKind::Openai)).models().frame, "qwen-vl");
        assert_eq!(c.local.mmproj, "mm.gguf");
        assert_eq!(c.local.threads, 3);
        assert_eq!(c.openai.timeouts.idle, Duration::from_secs(7));
        assert_eq!(c.ollama.timeouts.connect, Duration::from_secs(10));
    }

    #[test]
    fn a_bad_stored_url_is_kept_as_its_error() {
        // The store refuses it on save; an older database may still hold one.
        let store = Store::in_memory().unwrap();
        store.conn().execute("INSERT INTO settings (key, value, updated_at) VALUES ('ollama.url', 'ftp://x', 1)", []).unwrap();
        let c = Config::from_settings(&store.settings().unwrap());
        assert!(c.ollama.url.unwrap_err().contains("ftp"));
    }

    #[test]
    fn the_request_language_wins_over_the_setting() {
        let c = Config::of(&[("target_language", "ja"), ("source_language", "en")]);
        assert_eq!(c.languages(None, None), Languages { to: "ja".into(), from: Some("en".into()) });
        assert_eq!(c.languages(Some("de"), Some("fr")), Languages { to: "de".into(), from: Some("fr".into()) });
        assert_eq!(c.languages(Some("  "), Some("")), Languages { to: "ja".into(), from: Some("en".into()) }, "blank names none");
        assert_eq!(c.languages(Some(" ko "), None).to, "ko");
        let detect = Config::of(&[]);
        assert_eq!(detect.languages(None, None), Languages { to: "en".into(), from: None });
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let c = Config::of(&[("openai.api_key", "sk-proj-VERYSECRET-1"), ("anthropic.api_key", "sk-ant-VERYSECRET-2")]);
        let shown = format!("{c:?} {:?} {:?}", c.provider(Some(ProviderKind::Openai)), c.provider(Some(ProviderKind::Anthropic)));
        assert!(!shown.contains("VERYSECRET"), "{shown}");
        assert!(shown.contains("Secret(set)"), "{shown}");
    }
}
