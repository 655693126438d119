//! Provider URLs from settings: parsed, http/https only, no credentials inside.

use url::Url;

pub fn validate(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw.trim()).map_err(|e| format!("`{raw}` is not a valid URL ({e})"))?;
    match url.scheme() {
        "http" | "https" => {}
        other => return Err(format!("only http and https URLs are allowed, not `{other}:`")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("put credentials in the API key setting, not in the URL".into());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{raw}` has no host"));
    }
    Ok(url)
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

    #[test]
    fn accepts_http_and_https_only() {
        assert!(validate("http://localhost:11434").is_ok());
        assert!(validate("https://api.anthropic.com").is_ok());
        assert!(validate("file:///etc/passwd").is_err());
        assert!(validate("javascript:alert(1)").is_err());
        assert!(validate("http://user:pw@host").is_err());
        assert!(validate("not a url").is_err());
    }

    #[test]
    fn warns_about_cleartext_to_remote_hosts() {
        assert!(cleartext_warning(&validate("http://127.0.0.1:8080").unwrap(), true).is_none());
        assert!(cleartext_warning(&validate("https://gpu-box:8000").unwrap(), true).is_none());
        let w = cleartext_warning(&validate("http://gpu-box:8000").unwrap(), true).unwrap();
        assert!(w.contains("API key"));
    }
}
