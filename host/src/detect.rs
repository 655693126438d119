//! First run: which providers the user already has — an Ollama, OpenAI-compatible servers
//! on their usual ports, an Anthropic key in the host's environment — so the options page
//! can offer each with one click. Servers are asked for their models through the same
//! [`Provider`](crate::providers::Provider) the translations use, all at once, each with
//! a short timeout; nothing found is not an error.
//!
//! Where to look can be changed (for tests, or a server on another port) with
//! comma-separated base URLs in [`OLLAMA_URLS_ENV`] and [`OPENAI_URLS_ENV`]; an empty
//! value looks nowhere.

use std::time::Duration;

use glossa_protocol::{DetectedProvider, KeyStatus, ProviderKind};
use url::Url;

use crate::config::{Models, OllamaConfig, OpenAiConfig, ProviderConfig, Secret, Timeouts};
use crate::providers::Providers;

/// Ollama's default address.
pub const OLLAMA_URLS: &[&str] = &["http://localhost:11434"];
/// llama-server, LM Studio, vLLM.
pub const OPENAI_URLS: &[&str] = &["http://localhost:8080", "http://localhost:1234", "http://localhost:8000"];
pub const OLLAMA_URLS_ENV: &str = "GLOSSA_DETECT_OLLAMA";
pub const OPENAI_URLS_ENV: &str = "GLOSSA_DETECT_OPENAI";

/// A server that has not answered by then is not counted (a first-run page must not wait).
const PROBE_TIMEOUT: Duration = Duration::from_secs(4);
const PROBE_TIMEOUTS: Timeouts =
    Timeouts { connect: Duration::from_secs(1), first_token: Duration::from_secs(2), idle: Duration::from_secs(2) };

/// The environment variable holding `kind`'s API key, for providers whose tools agree on one.
pub fn key_env(kind: ProviderKind) -> Option<&'static str> {
    match kind {
        ProviderKind::Anthropic => Some("ANTHROPIC_API_KEY"),
        ProviderKind::Local | ProviderKind::Ollama | ProviderKind::Openai => None,
    }
}

/// The key for `kind` in the host's environment, when one is set.
pub fn key_from_env(kind: ProviderKind) -> Option<Secret> {
    let value = std::env::var(key_env(kind)?).ok()?;
    Some(value.trim()).filter(|v| !v.is_empty()).map(Secret::new)
}

/// Where to look.
#[derive(Debug, Clone)]
pub struct Candidates {
    pub servers: Vec<ProviderConfig>,
    /// Providers with a key in the environment.
    pub keys: Vec<(ProviderKind, Secret)>,
}

impl Candidates {
    /// The usual places, or those the environment names.
    pub fn from_env() -> Self {
        let urls = |var: &str, defaults: &[&str]| match std::env::var(var) {
            Ok(list) => parse_urls(&list),
            Err(_) => parse_urls(&defaults.join(",")),
        };
        let ollama = urls(OLLAMA_URLS_ENV, OLLAMA_URLS)
            .into_iter()
            .map(|url| ProviderConfig::Ollama(OllamaConfig { url: Ok(url), models: Models::default(), timeouts: PROBE_TIMEOUTS }));
        let openai = urls(OPENAI_URLS_ENV, OPENAI_URLS).into_iter().map(|url| {
            ProviderConfig::Openai(OpenAiConfig {
                url: Ok(url),
                api_key: Secret::default(),
                models: Models::default(),
                timeouts: PROBE_TIMEOUTS,
            })
        });
        let keys = ProviderKind::ALL.into_iter().filter_map(|kind| Some((kind, key_from_env(kind)?))).collect();
        Candidates { servers: ollama.chain(openai).collect(), keys }
    }
}

fn parse_urls(list: &str) -> Vec<Url> {
    list.split(',').map(str::trim).filter(|s| !s.is_empty()).filter_map(|s| crate::server_url::parse(s).ok()).collect()
}

/// The server's address as its provider setting takes it.
fn setting_url(config: &ProviderConfig) -> String {
    config.url().map(|u| u.as_str().trim_end_matches('/').to_owned()).unwrap_or_default()
}

/// Ask every candidate at once; the servers that answered with their models, then the keys.
pub async fn detect(providers: &Providers, candidates: &Candidates) -> Vec<DetectedProvider> {
    let probes = candidates.servers.iter().map(|config| async move {
        let provider = providers.get(config);
        let models = tokio::time::timeout(PROBE_TIMEOUT, provider.list_models()).await;
        let url = setting_url(config);
        match models {
            Ok(Ok(models)) => Some(DetectedProvider {
                provider: config.kind(),
                detail: format!("{} at {url}", config.kind().display_name()),
                url,
                models,
                key_preview: None,
            }),
            Ok(Err(e)) => {
                tracing::debug!(%url, "no {} there: {e}", config.kind());
                None
            }
            Err(_) => {
                tracing::debug!(%url, "no answer from a {} within {PROBE_TIMEOUT:?}", config.kind());
                None
            }
        }
    });
    let mut found: Vec<DetectedProvider> = futures::future::join_all(probes).await.into_iter().flatten().collect();
    for (kind, key) in &candidates.keys {
        found.push(DetectedProvider {
            provider: *kind,
            url: String::new(),
            detail: format!("{} key in {}", kind.display_name(), key_env(*kind).unwrap_or_default()),
            models: Vec::new(),
            key_preview: Some(KeyStatus::of(key.expose()).preview),
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_lists_skip_blanks_and_garbage() {
        let urls = parse_urls(" http://127.0.0.1:9 ,, not a url, http://localhost:1234/v1");
        assert_eq!(urls.iter().map(Url::as_str).collect::<Vec<_>>(), ["http://127.0.0.1:9/", "http://localhost:1234/v1"]);
        assert!(parse_urls("").is_empty());
    }
}
