//! A provider's server: its configured URL, the endpoints under it, and what the URL says
//! about safety (plain http to another machine).

use glossa_protocol::text::{self, Text};
use glossa_protocol::ProviderKind;
use url::Url;

use super::ProviderError;

/// The server a provider talks to, as configured: its URL, or why the setting is unusable
/// (kept, not refused early, so the error reaches the user where the provider is used).
#[derive(Debug, Clone)]
pub struct Server {
    kind: ProviderKind,
    url: Result<Url, String>,
    /// The path segment every endpoint sits under (`v1`, `api`).
    api_root: &'static str,
}

impl Server {
    pub fn new(kind: ProviderKind, url: Result<Url, String>, api_root: &'static str) -> Self {
        Server { kind, url, api_root }
    }

    /// The URL, or the error that names the setting to correct.
    pub fn url(&self) -> Result<&Url, ProviderError> {
        self.url.as_ref().map_err(|e| ProviderError::BadUrl { provider: self.kind, detail: e.clone() })
    }

    /// The URL as people write it (no trailing slash); empty when unusable.
    pub fn display(&self) -> String {
        self.url.as_ref().map(|u| u.as_str().trim_end_matches('/').to_owned()).unwrap_or_default()
    }

    /// `{url}/{api_root}/{path}`, accepting a URL that already ends in the API root
    /// (`http://host:8080/v1`).
    pub fn endpoint(&self, path: &str) -> Result<String, ProviderError> {
        let base = self.url()?.as_str().trim_end_matches('/');
        let base = base.strip_suffix(&format!("/{}", self.api_root)).unwrap_or(base);
        Ok(format!("{base}/{}/{path}", self.api_root))
    }

    /// Is the server on this machine or the local network (a server the user runs, not a
    /// paid API)? An unusable URL is not: nothing is known about it.
    pub fn is_own_network(&self) -> bool {
        self.url.as_ref().is_ok_and(is_own_network)
    }

    /// [`cleartext_warning`] for this server, when its URL is usable.
    pub fn cleartext_warning(&self, has_key: bool) -> Option<Text> {
        self.url.as_ref().ok().and_then(|u| cleartext_warning(u, has_key))
    }
}

/// True for loopback hosts, where plain http is harmless.
pub fn is_local(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// True for loopback, private-network and `.local` hosts: servers the user runs.
pub fn is_own_network(url: &Url) -> bool {
    is_local(url)
        || match url.host() {
            // A bare name (`gpu-box`) only resolves on the local network.
            Some(url::Host::Domain(d)) => !d.contains('.') || d.ends_with(".local") || d.ends_with(".lan"),
            Some(url::Host::Ipv4(ip)) => ip.is_private() || ip.is_link_local(),
            Some(url::Host::Ipv6(ip)) => (ip.segments()[0] & 0xfe00) == 0xfc00, // unique local
            None => false,
        }
}

/// A warning to show when a key would travel in clear text to another machine.
pub fn cleartext_warning(url: &Url, has_key: bool) -> Option<Text> {
    let warning = if has_key { text::WARN_CLEARTEXT_KEY } else { text::WARN_CLEARTEXT };
    (url.scheme() == "http" && !is_local(url)).then(|| warning.with([url.as_str().into()]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server_url::parse;

    #[test]
    fn endpoints_sit_under_the_api_root_written_or_not() {
        let server = |url: &str| Server::new(ProviderKind::Openai, parse(url), "v1");
        assert_eq!(server("http://127.0.0.1:8080").endpoint("models").unwrap(), "http://127.0.0.1:8080/v1/models");
        assert_eq!(server("http://127.0.0.1:8080/v1/").endpoint("models").unwrap(), "http://127.0.0.1:8080/v1/models");
        assert_eq!(server("https://gpu-box/proxy/v1").display(), "https://gpu-box/proxy/v1");
        let ollama = Server::new(ProviderKind::Ollama, parse("http://localhost:11434/"), "api");
        assert_eq!(ollama.endpoint("chat").unwrap(), "http://localhost:11434/api/chat");
        let broken = Server::new(ProviderKind::Ollama, Err("no scheme".into()), "api");
        let message = broken.endpoint("chat").unwrap_err().to_string();
        assert!(message.contains("The Ollama URL is not usable: no scheme"), "{message}");
        assert_eq!(broken.display(), "");
    }

    #[test]
    fn warns_about_cleartext_to_remote_hosts() {
        assert!(cleartext_warning(&parse("http://127.0.0.1:8080").unwrap(), true).is_none());
        assert!(cleartext_warning(&parse("https://gpu-box:8000").unwrap(), true).is_none());
        let w = cleartext_warning(&parse("http://gpu-box:8000").unwrap(), true).unwrap();
        assert!(w.english().contains("API key"));
    }

    #[test]
    fn servers_the_user_runs_are_told_from_paid_apis() {
        for own in
            ["http://localhost:8080", "http://127.0.0.1:1234", "http://192.168.1.20:8000", "http://gpu-box:8000", "http://studio.local"]
        {
            assert!(is_own_network(&parse(own).unwrap()), "{own}");
        }
        for paid in ["https://api.openai.com", "https://openrouter.ai/api", "http://8.8.8.8"] {
            assert!(!is_own_network(&parse(paid).unwrap()), "{paid}");
        }
    }
}
