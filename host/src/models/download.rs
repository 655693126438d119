//! Downloading a model into the models folder, shared by `glossa-host model pull` and the
//! options page (`pull_model`).
//!
//! Bytes go to `<file>.part`; an interrupted transfer resumes from there with an HTTP
//! `Range` request, in the same run (a cut connection) or the next one. Only a complete
//! file whose checksum (when known) matches and whose GGUF header is whole is renamed to
//! its final name, so a half-written model is never used. A write error (disk full)
//! deletes the partial file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::StreamExt;
use glossa_protocol::text::{self, Text};
use glossa_protocol::{ErrorCode, ErrorInfo};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::catalogue::{self, hf_url};
use super::gguf;

/// Attempts in a row that make no progress before giving up.
const MAX_STALLED_ATTEMPTS: u32 = 4;
/// A connection that sends nothing for this long is dropped and resumed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
#[error("{}", self.text())]
pub enum DownloadError {
    BadSource(String),
    Network { url: String, detail: String },
    Http { url: String, status: u16 },
    ChecksumMismatch { file: String, expected: String, actual: String },
    NotAModel { file: String, reason: String },
    Io { path: String, detail: String },
    Busy { file: String },
}

impl DownloadError {
    /// What happened.
    pub fn text(&self) -> Text {
        match self {
            DownloadError::BadSource(source) => text::ERR_DOWNLOAD_BAD_SOURCE.with([source.as_str().into()]),
            DownloadError::Network { url, detail } => text::ERR_DOWNLOAD_NETWORK.with([url.as_str().into(), detail.as_str().into()]),
            DownloadError::Http { url, status } => text::ERR_DOWNLOAD_HTTP.with([(*status).into(), url.as_str().into()]),
            DownloadError::ChecksumMismatch { file, expected, actual } => {
                text::ERR_CHECKSUM.with([file.as_str().into(), expected.as_str().into(), actual.as_str().into()])
            }
            DownloadError::NotAModel { file, reason } => text::ERR_NOT_A_MODEL.with([file.as_str().into(), reason.as_str().into()]),
            DownloadError::Io { path, detail } => text::ERR_DOWNLOAD_IO.with([path.as_str().into(), detail.as_str().into()]),
            DownloadError::Busy { file } => text::ERR_DOWNLOAD_BUSY.with([file.as_str().into()]),
        }
    }

    /// What to do about it.
    pub fn hint_text(&self) -> Text {
        match self {
            DownloadError::BadSource(_) => {
                text::HINT_DOWNLOAD_BAD_SOURCE.with([catalogue::CATALOGUE.iter().map(|e| e.id).collect::<Vec<_>>().join(", ").into()])
            }
            DownloadError::Network { .. } => text::HINT_DOWNLOAD_NETWORK.text(),
            DownloadError::Http { status: 404, .. } => text::HINT_DOWNLOAD_NOT_FOUND.text(),
            DownloadError::Http { status: 401 | 403, .. } => text::HINT_DOWNLOAD_LOGIN.text(),
            DownloadError::Http { .. } => text::HINT_TRY_LATER.text(),
            DownloadError::ChecksumMismatch { .. } => text::HINT_CHECKSUM.text(),
            DownloadError::NotAModel { .. } => text::HINT_NOT_A_MODEL.text(),
            DownloadError::Io { .. } => text::HINT_DISK_SPACE.text(),
            DownloadError::Busy { .. } => text::HINT_DOWNLOAD_BUSY.text(),
        }
    }

    pub fn hint(&self) -> String {
        self.hint_text().english()
    }

    pub fn info(&self) -> ErrorInfo {
        ErrorInfo::localized(ErrorCode::Download, self.text(), Some(self.hint_text()))
    }
}

/// One file to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullTarget {
    pub url: String,
    /// Its name in the models folder.
    pub file_name: String,
    /// Lower-case hex.
    pub sha256: Option<String>,
    pub approx_bytes: Option<u64>,
}

/// What `source` means: a catalogue id (model + mmproj), a URL, or `owner/repo/path.gguf`
/// on Hugging Face.
pub fn plan(source: &str, sha256: Option<&str>) -> Result<Vec<PullTarget>, DownloadError> {
    let source = source.trim();
    let bad = || DownloadError::BadSource(source.to_owned());
    let sha256 = match sha256.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) => Some(s.to_ascii_lowercase()),
        Some(s) => return Err(DownloadError::BadSource(format!("--sha256 {s} (expected 64 hex digits)"))),
        None => None,
    };
    if let Some(entry) = catalogue::by_id(source) {
        if sha256.is_some() {
            return Err(DownloadError::BadSource(format!("{source} with --sha256 (a catalogue id names two files)")));
        }
        return Ok(vec![
            PullTarget { url: entry.model_url(), file_name: entry.model_file.into(), sha256: None, approx_bytes: Some(entry.model_bytes) },
            PullTarget {
                url: entry.mmproj_url(),
                file_name: entry.mmproj_local.into(),
                sha256: None,
                approx_bytes: Some(entry.mmproj_bytes),
            },
        ]);
    }
    let url = if source.contains("://") {
        let url = url::Url::parse(source).map_err(|_| bad())?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad());
        }
        url
    } else {
        let parts: Vec<&str> = source.trim_matches('/').split('/').collect();
        if parts.len() < 3 || parts.iter().any(|p| p.is_empty() || *p == "..") {
            return Err(bad());
        }
        url::Url::parse(&hf_url(&format!("{}/{}", parts[0], parts[1]), &parts[2..].join("/"))).map_err(|_| bad())?
    };
    let file_name = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .map(percent_decode)
        .filter(|n| !n.is_empty() && !n.starts_with('.') && !n.contains(['/', '\\']))
        .ok_or_else(bad)?;
    if !file_name.to_ascii_lowercase().ends_with(".gguf") {
        return Err(DownloadError::BadSource(format!("{source} (not a .gguf file)")));
    }
    let approx_bytes = catalogue::CATALOGUE.iter().find_map(|e| match () {
        _ if e.model_file == file_name => Some(e.model_bytes),
        _ if e.mmproj_file == file_name => Some(e.mmproj_bytes),
        _ => None,
    });
    Ok(vec![PullTarget { url: url.to_string(), file_name, sha256, approx_bytes }])
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

/// Progress of one file: bytes on disk so far, and the full size once the server said it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: u64,
    pub total: Option<u64>,
}

/// An HTTP client for downloads: unlike the providers' client it follows redirects (model
/// hubs redirect to their CDN) and carries no credentials.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(20))
        .redirect(reqwest::redirect::Policy::limited(10))
        .user_agent(concat!("glossa-host/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

/// Fetch `target` into `models_dir`, resuming a `.part` file left by an earlier attempt.
/// Returns the final path. Already-installed files are verified and kept.
pub async fn fetch(
    client: &reqwest::Client,
    target: &PullTarget,
    models_dir: &Path,
    on_progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<PathBuf, DownloadError> {
    let final_path = models_dir.join(&target.file_name);
    let part_path = models_dir.join(format!("{}.part", target.file_name));
    let io_err = |path: &Path, e: std::io::Error| DownloadError::Io { path: path.display().to_string(), detail: e.to_string() };
    tokio::fs::create_dir_all(models_dir).await.map_err(|e| io_err(models_dir, e))?;
    let _lock = DownloadLock::acquire(models_dir, &target.file_name)?;

    let expected = target.sha256.clone();
    let installed = blocking(final_path.clone(), move |p| {
        let summary = gguf::inspect(&p).ok()?;
        match expected {
            Some(sha) if sha256_file(&p).ok()? != sha => None,
            _ => Some(summary.file_size),
        }
    })
    .await;
    if let Ok(Some(size)) = installed {
        tracing::info!(file = %target.file_name, "already installed");
        on_progress(Progress { done: size, total: Some(size) });
        return Ok(final_path);
    }

    let mut total: Option<u64> = None;
    let mut stalled = 0;
    loop {
        let have = tokio::fs::metadata(&part_path).await.map(|m| m.len()).unwrap_or(0);
        if total.is_some_and(|t| have >= t) {
            break;
        }
        match transfer(client, target, &part_path, have, &mut total, on_progress).await {
            Ok(Transfer::Complete) => break,
            Ok(Transfer::Cut(detail)) | Err(TransferError::Network(detail)) => {
                let now = tokio::fs::metadata(&part_path).await.map(|m| m.len()).unwrap_or(0);
                stalled = if now > have { 0 } else { stalled + 1 };
                if stalled >= MAX_STALLED_ATTEMPTS {
                    return Err(DownloadError::Network { url: target.url.clone(), detail });
                }
                tracing::warn!(file = %target.file_name, at = now, "download interrupted ({detail}); resuming");
                tokio::time::sleep(Duration::from_millis(250 * u64::from(stalled + 1))).await;
            }
            Err(TransferError::Fatal(e)) => {
                if matches!(e, DownloadError::Io { .. }) {
                    let _ = tokio::fs::remove_file(&part_path).await;
                }
                return Err(e);
            }
        }
    }

    // Verify before the file gets its real name.
    let expected_sha = target.sha256.clone();
    let check_path = part_path.clone();
    let file = target.file_name.clone();
    let verdict = blocking(check_path, move |p| {
        if let Some(expected) = expected_sha {
            let actual = sha256_file(&p).map_err(|e| DownloadError::Io { path: p.display().to_string(), detail: e.to_string() })?;
            if actual != expected {
                return Err(DownloadError::ChecksumMismatch { file: file.clone(), expected, actual });
            }
        }
        gguf::inspect(&p).map_err(|e| DownloadError::NotAModel { file, reason: e.to_string() })?;
        Ok(())
    })
    .await
    .and_then(|r| r);
    if let Err(e) = verdict {
        let _ = tokio::fs::remove_file(&part_path).await;
        return Err(e);
    }
    tokio::fs::rename(&part_path, &final_path).await.map_err(|e| io_err(&final_path, e))?;
    tracing::info!(file = %target.file_name, "model downloaded");
    Ok(final_path)
}

/// Fetch every target in turn (a catalogue id is a model and its mmproj), reporting
/// progress over all of them: `total` is known once every file's size is known or estimated.
pub async fn pull_all(
    client: &reqwest::Client,
    targets: &[PullTarget],
    models_dir: &Path,
    on_progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Vec<PathBuf>, DownloadError> {
    let mut sizes: Vec<Option<u64>> = targets.iter().map(|t| t.approx_bytes).collect();
    let mut finished = 0u64;
    let mut paths = Vec::with_capacity(targets.len());
    for (i, target) in targets.iter().enumerate() {
        let mut forward = |p: Progress| {
            if p.total.is_some() {
                sizes[i] = p.total;
            }
            let total = sizes.iter().try_fold(0u64, |sum, s| s.map(|s| sum + s));
            on_progress(Progress { done: finished + p.done, total });
        };
        let path = fetch(client, target, models_dir, &mut forward).await?;
        finished += std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        sizes[i] = Some(std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0));
        paths.push(path);
    }
    Ok(paths)
}

/// One download of a file at a time, across processes: two writers appending to the same
/// `.part` would interleave their bytes. The lock file goes away with the download.
struct DownloadLock {
    path: PathBuf,
    _file: std::fs::File,
}

impl DownloadLock {
    fn acquire(models_dir: &Path, file_name: &str) -> Result<Self, DownloadError> {
        let path = models_dir.join(format!("{file_name}.lock"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| DownloadError::Io { path: path.display().to_string(), detail: e.to_string() })?;
        // An advisory lock (flock on Unix), released when the file closes.
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(DownloadError::Busy { file: file_name.to_owned() }),
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(DownloadError::Io { path: path.display().to_string(), detail: e.to_string() })
            }
        }
        Ok(DownloadLock { path, _file: file })
    }
}

impl Drop for DownloadLock {
    fn drop(&mut self) {
        // Still holding the lock: a waiting process fails fast instead of taking a stale file.
        let _ = std::fs::remove_file(&self.path);
    }
}

enum Transfer {
    Complete,
    /// The connection ended early; resume.
    Cut(String),
}

enum TransferError {
    Network(String),
    Fatal(DownloadError),
}

/// One HTTP request, appending to the part file from byte `have`.
async fn transfer(
    client: &reqwest::Client,
    target: &PullTarget,
    part_path: &Path,
    have: u64,
    total: &mut Option<u64>,
    on_progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Transfer, TransferError> {
    let mut request = client.get(&target.url);
    if have > 0 {
        request = request.header(reqwest::header::RANGE, format!("bytes={have}-"));
    }
    let response = request.send().await.map_err(|e| TransferError::Network(describe(&e)))?;
    let status = response.status();
    let fatal_io =
        |e: std::io::Error| TransferError::Fatal(DownloadError::Io { path: part_path.display().to_string(), detail: e.to_string() });
    let mut start = have;
    match status.as_u16() {
        206 => {
            *total = content_range_total(response.headers()).or(*total);
        }
        200 => {
            // No resume support (or a fresh start): begin again from byte 0.
            start = 0;
            *total = response.content_length();
        }
        416 if have > 0 => {
            // Nothing past `have`: the part file already holds everything.
            *total = Some(have);
            return Ok(Transfer::Complete);
        }
        code => {
            return Err(TransferError::Fatal(DownloadError::Http { url: target.url.clone(), status: code }));
        }
    }
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(start > 0)
        .truncate(start == 0)
        .open(part_path)
        .await
        .map_err(fatal_io)?;
    let mut done = start;
    on_progress(Progress { done, total: *total });
    let mut body = response.bytes_stream();
    loop {
        let Ok(next) = tokio::time::timeout(IDLE_TIMEOUT, body.next()).await else {
            file.flush().await.map_err(fatal_io)?;
            return Ok(Transfer::Cut(format!("no data for {}s", IDLE_TIMEOUT.as_secs())));
        };
        match next {
            Some(Ok(bytes)) => {
                file.write_all(&bytes).await.map_err(fatal_io)?;
                done += bytes.len() as u64;
                on_progress(Progress { done, total: *total });
            }
            Some(Err(e)) => {
                file.flush().await.map_err(fatal_io)?;
                return Ok(Transfer::Cut(describe(&e)));
            }
            None => break,
        }
    }
    file.flush().await.map_err(fatal_io)?;
    file.sync_all().await.map_err(fatal_io)?;
    match *total {
        Some(t) if done < t => Ok(Transfer::Cut(format!("the connection closed at {done} of {t} bytes"))),
        _ => {
            *total = Some(done);
            Ok(Transfer::Complete)
        }
    }
}

/// `Content-Range: bytes 100-999/1000` → 1000.
fn content_range_total(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    let value = headers.get(reqwest::header::CONTENT_RANGE)?.to_str().ok()?;
    value.rsplit('/').next()?.trim().parse().ok()
}

fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    Ok(hex::encode(hasher.finalize()))
}

/// Run a file check off the async runtime.
async fn blocking<T: Send + 'static>(path: PathBuf, f: impl FnOnce(PathBuf) -> T + Send + 'static) -> Result<T, DownloadError> {
    let shown = path.display().to_string();
    tokio::task::spawn_blocking(move || f(path))
        .await
        .map_err(|e| DownloadError::Io { path: shown, detail: format!("the file check failed: {e}") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_expand_to_urls() {
        let t = plan("ggml-org/gemma-3-4b-it-GGUF/gemma-3-4b-it-Q4_K_M.gguf", None).unwrap();
        assert_eq!(t[0].url, "https://huggingface.co/ggml-org/gemma-3-4b-it-GGUF/resolve/main/gemma-3-4b-it-Q4_K_M.gguf");
        assert_eq!(t[0].file_name, "gemma-3-4b-it-Q4_K_M.gguf");
        assert!(t[0].approx_bytes.is_some());

        let t = plan("http://127.0.0.1:9/m/My%20Model.gguf?download=1", Some(&"AB".repeat(32))).unwrap();
        assert_eq!(t[0].file_name, "My Model.gguf");
        assert_eq!(t[0].sha256.as_deref(), Some("ab".repeat(32).as_str()));

        let t = plan("gemma-3-4b", None).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[1].file_name, "mmproj-gemma-3-4b-it-f16.gguf");
        assert!(t[1].url.ends_with("/mmproj-model-f16.gguf"));
    }

    #[test]
    fn one_download_of_a_file_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let held = DownloadLock::acquire(dir.path(), "m.gguf").unwrap();
        assert!(matches!(DownloadLock::acquire(dir.path(), "m.gguf"), Err(DownloadError::Busy { .. })));
        assert!(DownloadLock::acquire(dir.path(), "other.gguf").is_ok());
        drop(held);
        assert!(!dir.path().join("m.gguf.lock").exists());
        assert!(DownloadLock::acquire(dir.path(), "m.gguf").is_ok());
    }

    #[test]
    fn bad_sources_say_what_works() {
        for bad in ["", "gemma", "a/b", "ftp://x/y.gguf", "https://x/", "https://x/readme.md", "a/../b.gguf", "a/b/.."] {
            let e = plan(bad, None).unwrap_err();
            assert!(matches!(e, DownloadError::BadSource(_)), "{bad}: {e:?}");
            assert!(e.hint().contains("gemma-3-4b"), "{}", e.hint());
        }
        assert!(plan("https://x/y.gguf", Some("123")).is_err());
    }
}
