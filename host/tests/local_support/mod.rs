//! Shared by the `local_*` tests: the test models, a real glossa-host process spoken to
//! over framed stdin/stdout, and a small HTTP file server that can cut connections.
#![allow(dead_code)]

#[path = "../support/cpu.rs"]
pub mod cpu;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

pub const SMOLLM2: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";
pub const TINY_TEXT: &str = "tiny-text.gguf";
pub const TINY_MMPROJ: &str = "tiny-mmproj.gguf";
/// The tiny text model that never ends its answer: a generation surely still running.
pub const TINY_ENDLESS: &str = "tiny-text-endless.gguf";
pub const FRAME: &str = "frame.jpg";

/// The folder with the test models; fails with the fix when they are not there.
pub fn test_models() -> PathBuf {
    let dir = std::env::var_os("GLOSSA_TEST_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root/.cache/glossa-dev/models"));
    for f in [SMOLLM2, TINY_TEXT, TINY_MMPROJ, TINY_ENDLESS, FRAME] {
        assert!(
            dir.join(f).is_file(),
            "test model {f} is missing in {}: run `bash tests/tools/fetch-models.sh` (or set GLOSSA_TEST_MODELS)",
            dir.display()
        );
    }
    dir
}

pub fn model(name: &str) -> String {
    test_models().join(name).display().to_string()
}

/// A glossa-host started the way Chrome starts it, with its own data dir.
pub struct Host {
    child: Child,
    stdin: ChildStdin,
    events: mpsc::Receiver<Value>,
    pub data_dir: tempfile::TempDir,
    pub stderr: Arc<Mutex<String>>,
}

impl Host {
    pub fn start() -> Host {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_glossa-host"))
            .arg("chrome-extension://lngjifcmcijmogopcegelklfdnfabnkn/")
            .env("GLOSSA_DATA_DIR", data_dir.path())
            .env("GLOSSA_LOG", "info")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start glossa-host");
        let stdin = child.stdin.take().expect("stdin");
        let mut stdout = child.stdout.take().expect("stdout");
        let mut stderr_pipe = child.stderr.take().expect("stderr");
        let (tx, events) = mpsc::channel();
        std::thread::spawn(move || loop {
            let mut len = [0u8; 4];
            if stdout.read_exact(&mut len).is_err() {
                return;
            }
            let mut buf = vec![0u8; u32::from_ne_bytes(len) as usize];
            if stdout.read_exact(&mut buf).is_err() {
                return;
            }
            let value: Value = serde_json::from_slice(&buf)
                .unwrap_or_else(|e| panic!("stdout carried a non-JSON frame ({e}): {:?}", String::from_utf8_lossy(&buf)));
            if tx.send(value).is_err() {
                return;
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr_pipe.read(&mut buf) {
                if n == 0 {
                    return;
                }
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Host { child, stdin, events, data_dir, stderr }
    }

    pub fn send(&mut self, message: Value) {
        let bytes = serde_json::to_vec(&message).unwrap();
        self.stdin.write_all(&(bytes.len() as u32).to_ne_bytes()).unwrap();
        self.stdin.write_all(&bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    /// The next event, failing the test (with the host's log) after `wait`.
    pub fn next_event(&mut self, wait: Duration) -> Value {
        match self.events.recv_timeout(wait) {
            Ok(v) => v,
            Err(e) => panic!("no event from the host within {wait:?} ({e}); host log:\n{}", self.log()),
        }
    }

    /// Events for request `id` up to and including its terminal event; other ids are kept
    /// out of the result.
    pub fn collect(&mut self, id: &str, wait: Duration) -> Vec<Value> {
        let mut out = Vec::new();
        loop {
            let ev = self.next_event(wait);
            if ev["id"] != id {
                continue;
            }
            let terminal = ev["event"] == "done" || ev["event"] == "error";
            out.push(ev);
            if terminal {
                return out;
            }
        }
    }

    /// Send a request and wait for its terminal event.
    pub fn request(&mut self, message: Value, wait: Duration) -> Vec<Value> {
        let id = message["id"].as_str().expect("id").to_owned();
        self.send(message);
        self.collect(&id, wait)
    }

    /// Fail clearly if this binary lacks the `local` feature (the shared target dir's
    /// `glossa-host` can be replaced by a `--no-default-features` build).
    pub fn require_local(&mut self) {
        let events = self.request(json!({"id": "check-local", "type": "check_provider", "provider": "local"}), Duration::from_secs(60));
        let report = events.iter().find(|e| e["event"] == "check").expect("a check report");
        assert!(
            report["reachable"] == true,
            "{} has no built-in backend (built with --no-default-features?); run `cargo build -p glossa-host`: {report}",
            env!("CARGO_BIN_EXE_glossa-host")
        );
    }

    pub fn put_settings(&mut self, values: Value) {
        let events = self.request(json!({"id": "settings", "type": "put_settings", "values": values}), Duration::from_secs(30));
        assert_eq!(events.last().unwrap()["event"], "done", "{events:?}");
    }

    pub fn assert_serving(&mut self) {
        let id = format!("ping-{}", rand_id());
        let events = self.request(json!({"id": id, "type": "ping"}), Duration::from_secs(30));
        assert_eq!(events.iter().map(|e| e["event"].as_str().unwrap()).collect::<Vec<_>>(), ["pong", "done"]);
        assert!(self.child.try_wait().unwrap().is_none(), "the host exited; log:\n{}", self.log());
    }

    pub fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rand_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

pub fn error_of(events: &[Value]) -> &Value {
    let last = events.last().expect("events");
    assert_eq!(last["event"], "error", "expected an error, got {events:?}");
    last
}

/// A one-file HTTP server on 127.0.0.1 that honours `Range`, and can cut the first
/// response after some bytes (a dropped connection mid-download).
pub struct FileServer {
    pub url: String,
    /// The `Range` header of every request (`None` when absent).
    pub ranges: Arc<Mutex<Vec<Option<String>>>>,
}

pub struct Serve {
    pub path: &'static str,
    pub body: Vec<u8>,
    pub content_type: &'static str,
    /// Close the first response after this many body bytes.
    pub cut_first_after: Option<usize>,
    /// Ignore `Range` and always answer 200 with the whole body.
    pub ignore_range: bool,
}

impl FileServer {
    pub async fn start(serve: Serve) -> FileServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}{}", listener.local_addr().unwrap(), serve.path);
        let ranges: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
        let seen = ranges.clone();
        let serve = Arc::new(serve);
        tokio::spawn(async move {
            let mut first = true;
            loop {
                let Ok((socket, _)) = listener.accept().await else { return };
                let cut = if first { serve.cut_first_after } else { None };
                first = false;
                tokio::spawn(answer(socket, serve.clone(), seen.clone(), cut));
            }
        });
        FileServer { url, ranges }
    }
}

async fn answer(
    mut socket: tokio::net::TcpStream,
    serve: Arc<Serve>,
    seen: Arc<Mutex<Vec<Option<String>>>>,
    cut: Option<usize>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if socket.read(&mut byte).await.unwrap_or(0) == 0 {
            return;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_string();
    let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
    let range = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("range:"))
        .map(|l| l["range:".len()..].trim().to_owned());
    seen.lock().unwrap().push(range.clone());
    if path.split('?').next() != Some(serve.path) {
        let _ = socket.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
        return;
    }
    let total = serve.body.len();
    let start = match (&range, serve.ignore_range) {
        (Some(r), false) => r.trim_start_matches("bytes=").split('-').next().and_then(|s| s.parse().ok()).unwrap_or(0),
        _ => 0,
    };
    let header = if start > 0 {
        format!(
            "HTTP/1.1 206 Partial Content\r\ncontent-type: {}\r\ncontent-length: {}\r\ncontent-range: bytes {start}-{}/{total}\r\nconnection: close\r\n\r\n",
            serve.content_type,
            total - start,
            total - 1
        )
    } else {
        format!("HTTP/1.1 200 OK\r\ncontent-type: {}\r\ncontent-length: {total}\r\nconnection: close\r\n\r\n", serve.content_type)
    };
    let _ = socket.write_all(header.as_bytes()).await;
    let end = cut.map(|c| (start + c).min(total)).unwrap_or(total);
    // Small writes, so the client sees the body arrive in many pieces.
    for piece in serve.body[start..end].chunks(16 * 1024) {
        if socket.write_all(piece).await.is_err() {
            return;
        }
    }
    let _ = socket.flush().await;
    let _ = socket.shutdown().await;
}
