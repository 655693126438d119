//! The shape of a server URL setting: parsed, http or https, a host, no credentials.
//!
//! Below both the store (which refuses a bad URL when it is saved) and the config layer
//! (which parses the saved one for the providers), so neither imports the other's side.

use url::Url;

/// Parse `raw` as a provider's server URL, or say why it cannot be one.
pub fn parse(raw: &str) -> Result<Url, String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_http_and_https_only() {
        assert!(parse("http://localhost:11434").is_ok());
        assert!(parse("https://api.anthropic.com").is_ok());
        assert!(parse("file:///etc/passwd").is_err());
        assert!(parse("javascript:alert(1)").is_err());
        assert!(parse("http://user:pw@host").is_err());
        assert!(parse("not a url").is_err());
    }
}
