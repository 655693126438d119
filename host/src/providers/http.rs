//! The HTTP side every remote provider shares: send with timeouts, turn statuses into
//! [`ProviderError`]s, and read a streamed body with an idle timeout between chunks.
//! (Retries are not here: [`super::layers`] retries every provider the same way.)

use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use glossa_protocol::ProviderKind;
use reqwest::header::{HeaderMap, CONTENT_TYPE};
use reqwest::{RequestBuilder, Response, StatusCode};

use super::ProviderError;
pub use crate::config::Timeouts;

/// Retries for 429, 529 and 5xx, only while nothing has been shown to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_retries: u32,
    /// First wait when the server does not say how long; doubled each time.
    pub backoff: Duration,
    /// A `retry-after` longer than this is not waited for: the error is reported at once.
    pub max_wait: Duration,
}

impl RetryPolicy {
    /// For a provider whose failures a retry cannot help (the built-in backend).
    pub const NONE: RetryPolicy = RetryPolicy { max_retries: 0, backoff: Duration::ZERO, max_wait: Duration::ZERO };
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_retries: 2, backoff: Duration::from_millis(500), max_wait: Duration::from_secs(20) }
    }
}

/// The shared client plus the settings that shape each call.
#[derive(Clone)]
pub struct HttpClient {
    pub client: reqwest::Client,
    pub timeouts: Timeouts,
    pub retry: RetryPolicy,
}

/// A reqwest client that never follows redirects: reqwest would carry custom headers
/// such as `x-api-key` to whatever host a redirect names.
pub fn build_client(connect_timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder().connect_timeout(connect_timeout).redirect(reqwest::redirect::Policy::none()).build().unwrap_or_default()
}

impl HttpClient {
    pub fn new(timeouts: Timeouts) -> Self {
        HttpClient { client: build_client(timeouts.connect), timeouts, retry: RetryPolicy::default() }
    }

    /// Send `request` and return the response if its status is a success. `base` names the
    /// server in errors (never a URL with a key in it: keys travel in headers only).
    pub async fn send(&self, provider: ProviderKind, base: &str, request: RequestBuilder) -> Result<Response, HttpFailure> {
        let response = match tokio::time::timeout(self.timeouts.first_token + self.timeouts.connect, request.send()).await {
            Err(_) => return Err(HttpFailure::Provider(ProviderError::FirstTokenTimeout { provider, after: self.timeouts.first_token })),
            Ok(Err(e)) => return Err(HttpFailure::Provider(self.transport_error(provider, base, &e))),
            Ok(Ok(r)) => r,
        };
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let retry_after = retry_after(response.headers());
        let location = response.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let content_type = content_type(response.headers());
        // Error bodies are small; a stalled one must not hang the request.
        let body = match tokio::time::timeout(self.timeouts.idle, response.bytes()).await {
            Ok(Ok(b)) => String::from_utf8_lossy(&b[..b.len().min(64 * 1024)]).into_owned(),
            _ => String::new(),
        };
        Err(HttpFailure::Status(StatusFailure { status, retry_after, location, content_type, body }))
    }

    /// Map a reqwest error that happened before any response.
    pub fn transport_error(&self, provider: ProviderKind, base: &str, e: &reqwest::Error) -> ProviderError {
        if e.is_timeout() {
            ProviderError::ConnectTimeout { provider, url: base.to_owned(), after: self.timeouts.connect }
        } else if e.is_connect() {
            ProviderError::Unreachable { provider, url: base.to_owned(), cause: None }
        } else {
            ProviderError::Unreachable { provider, url: base.to_owned(), cause: Some(error_chain(e)) }
        }
    }
}

/// A request that got no usable response.
#[derive(Debug)]
pub enum HttpFailure {
    Provider(ProviderError),
    Status(StatusFailure),
}

/// A non-success status with what came with it.
#[derive(Debug)]
pub struct StatusFailure {
    pub status: StatusCode,
    pub retry_after: Option<Duration>,
    pub location: Option<String>,
    pub content_type: String,
    pub body: String,
}

impl StatusFailure {
    /// The API's own error message, from the JSON shapes OpenAI, Anthropic (`{"error":
    /// {"message"}}`) and Ollama (`{"error": "..."}`) use.
    pub fn api_message(&self) -> Option<String> {
        error_message(&self.body)
    }

    /// The common mapping; providers handle their own special cases (404 model) first.
    pub fn into_error(self, provider: ProviderKind, key_set: bool) -> ProviderError {
        let status = self.status.as_u16();
        match status {
            401 | 403 => ProviderError::Auth { provider, status, key_set },
            429 => ProviderError::RateLimited { provider, status, retries: 0, retry_after: self.retry_after },
            529 => ProviderError::Overloaded { provider, retries: 0, retry_after: self.retry_after },
            300..=399 => ProviderError::BadResponse {
                provider,
                detail: format!(
                    "HTTP {status} redirect to {}; Glossa does not follow redirects so your key stays with this server. Set the URL to the final address",
                    self.location.as_deref().unwrap_or("another address")
                ),
            },
            _ => match self.api_message() {
                Some(message) => ProviderError::Api { provider, status: Some(status), message },
                None => ProviderError::BadResponse { provider, detail: describe_body(status, &self.content_type, &self.body) },
            },
        }
    }
}

/// The message inside an API error body, if the body is one.
pub fn error_message(body: &str) -> Option<String> {
    error_fields(body).map(|e| e.message)
}

/// An API error body's fields: OpenAI's `{"error": {"message", "type", "param", "code"}}`,
/// Anthropic's `{"error": {"type", "message"}}`, Ollama's `{"error": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiErrorFields {
    pub message: String,
    /// The request field it is about (OpenAI).
    pub param: Option<String>,
    /// A machine-readable reason such as `unsupported_parameter` (OpenAI).
    pub code: Option<String>,
}

pub fn error_fields(body: &str) -> Option<ApiErrorFields> {
    let value: serde_json::Value = serde_json::from_str(body.trim()).ok()?;
    let error = value.get("error")?;
    let field = |name: &str| error.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    match error {
        serde_json::Value::String(s) => Some(ApiErrorFields { message: s.clone(), param: None, code: None }),
        serde_json::Value::Object(_) => Some(ApiErrorFields { message: field("message")?, param: field("param"), code: field("code") }),
        _ => None,
    }
}

/// A short description of a body that is not the API's JSON (e.g. a proxy's HTML page).
pub fn describe_body(status: u16, content_type: &str, body: &str) -> String {
    let what = if content_type.contains("html") || body.trim_start().starts_with('<') {
        let title = body
            .find("<title>")
            .and_then(|start| body[start + 7..].find("</title>").map(|end| body[start + 7..start + 7 + end].trim().to_owned()))
            .filter(|t| !t.is_empty());
        match title {
            Some(t) => format!("an HTML page titled \"{}\"", truncate(&t, 80)),
            None => "an HTML page".to_owned(),
        }
    } else if body.trim().is_empty() {
        "an empty body".to_owned()
    } else {
        format!("\"{}\"", truncate(body.trim(), 120))
    };
    format!("HTTP {status} with {what}")
}

pub fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

pub fn content_type(headers: &HeaderMap) -> String {
    headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase()
}

/// `retry-after-ms` (OpenAI, Anthropic) or `retry-after` in seconds. An HTTP date is
/// ignored: the backoff applies instead.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(ms) = get("retry-after-ms").and_then(|v| v.parse::<f64>().ok()).filter(|v| v.is_finite() && *v >= 0.0) {
        return Some(Duration::from_millis(ms as u64));
    }
    get("retry-after").and_then(|v| v.parse::<f64>().ok()).filter(|v| v.is_finite() && *v >= 0.0).map(Duration::from_secs_f64)
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(": ")
}

/// A response body as a stream of chunks that fails with
/// [`ProviderError::FirstTokenTimeout`] when nothing comes at all,
/// [`ProviderError::IdleTimeout`] when the server goes quiet after that, and
/// [`ProviderError::StreamIncomplete`] when the connection breaks.
pub fn body_chunks(
    response: Response,
    provider: ProviderKind,
    timeouts: Timeouts,
) -> impl Stream<Item = Result<Bytes, ProviderError>> + Send + Unpin {
    let body = response.bytes_stream();
    // The state: the body, and whether a piece of it has come yet.
    Box::pin(futures::stream::unfold(Some((Box::pin(body), false)), move |state| async move {
        let (mut body, started) = state?;
        let wait = if started { timeouts.idle } else { timeouts.first_token };
        match tokio::time::timeout(wait, body.next()).await {
            Err(_) if started => Some((Err(ProviderError::IdleTimeout { provider, after: wait }), None)),
            Err(_) => Some((Err(ProviderError::FirstTokenTimeout { provider, after: wait }), None)),
            Ok(None) => None,
            Ok(Some(Ok(chunk))) => Some((Ok(chunk), Some((body, true)))),
            Ok(Some(Err(e))) => {
                tracing::debug!(%provider, "body broke: {}", error_chain(&e));
                Some((Err(ProviderError::StreamIncomplete { provider }), None))
            }
        }
    }))
}

/// Refuse a 200 response that is a web page (a captive portal or proxy) rather than the
/// stream the API sends.
pub fn reject_html(response: &Response, provider: ProviderKind) -> Result<(), ProviderError> {
    let content_type = content_type(response.headers());
    if content_type.contains("text/html") {
        return Err(ProviderError::BadResponse {
            provider,
            detail: format!("HTTP {} with an HTML page instead of a stream", response.status().as_u16()),
        });
    }
    Ok(())
}

/// Read a small JSON answer (model lists, versions) with the idle timeout.
pub async fn json_body<T: serde::de::DeserializeOwned>(
    response: Response,
    provider: ProviderKind,
    idle: Duration,
) -> Result<T, ProviderError> {
    let status = response.status().as_u16();
    let content_type = content_type(response.headers());
    let bytes = match tokio::time::timeout(idle, response.bytes()).await {
        Err(_) => return Err(ProviderError::IdleTimeout { provider, after: idle }),
        Ok(Err(_)) => return Err(ProviderError::StreamIncomplete { provider }),
        Ok(Ok(b)) => b,
    };
    serde_json::from_slice(&bytes).map_err(|e| {
        let body = String::from_utf8_lossy(&bytes);
        let detail = if content_type.contains("json") {
            format!("{} ({e})", describe_body(status, &content_type, &body))
        } else {
            describe_body(status, &content_type, &body)
        };
        ProviderError::BadResponse { provider, detail }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_error_messages_of_each_api() {
        assert_eq!(
            error_message(r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#).as_deref(),
            Some("Overloaded")
        );
        assert_eq!(
            error_message(r#"{"error":"model \"x\" not found, try pulling it first"}"#).as_deref(),
            Some("model \"x\" not found, try pulling it first")
        );
        assert_eq!(error_message("<html>Bad gateway</html>"), None);
    }

    #[test]
    fn describes_html_pages_by_title() {
        let d = describe_body(502, "text/html", "<html><head><title>502 Bad Gateway</title></head></html>");
        assert_eq!(d, "HTTP 502 with an HTML page titled \"502 Bad Gateway\"");
        assert_eq!(describe_body(500, "", ""), "HTTP 500 with an empty body");
    }

    #[test]
    fn honours_retry_after_headers() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "2".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert("retry-after-ms", "150".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_millis(150)));
        let mut h = HeaderMap::new();
        h.insert("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }
}
