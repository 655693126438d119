//! What a provider's server URL says about safety: plain http to another machine.

use url::Url;

/// True for loopback hosts, where plain http is harmless.
pub fn is_local(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// A warning to show when a key would travel in clear text to another machine.
pub fn cleartext_warning(url: &Url, has_key: bool) -> Option<String> {
    (url.scheme() == "http" && !is_local(url)).then(|| {
        format!(
            "{url} uses plain http to another machine{}: use https if you can.",
            if has_key { ", so your API key travels unencrypted" } else { "" }
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server_url::parse;

    #[test]
    fn warns_about_cleartext_to_remote_hosts() {
        assert!(cleartext_warning(&parse("http://127.0.0.1:8080").unwrap(), true).is_none());
        assert!(cleartext_warning(&parse("https://gpu-box:8000").unwrap(), true).is_none());
        let w = cleartext_warning(&parse("http://gpu-box:8000").unwrap(), true).unwrap();
        assert!(w.contains("API key"));
    }
}
