//! A real llama.cpp `llama-server` on a loopback port the server picks itself.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::models::{test_model, SMOLLM2, TINY_MMPROJ, TINY_TEXT};

/// `$GLOSSA_LLAMA_SERVER` (set by tests/run-all.sh).
pub fn llama_server_binary() -> PathBuf {
    let path = std::env::var_os("GLOSSA_LLAMA_SERVER").map(PathBuf::from).unwrap_or_else(|| {
        panic!("GLOSSA_LLAMA_SERVER is not set: run `export GLOSSA_LLAMA_SERVER=$(bash tests/tools/build-llama-server.sh)` (tests/run-all.sh does it)")
    });
    assert!(path.is_file(), "GLOSSA_LLAMA_SERVER={} does not exist: run `bash tests/tools/build-llama-server.sh`", path.display());
    path
}

/// A running llama-server, killed on drop.
pub struct LlamaServer {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    pub port: u16,
    child: Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl LlamaServer {
    /// SmolLM2-135M (text), one thread, 2048 context.
    pub fn start_text() -> LlamaServer {
        let model = test_model(SMOLLM2);
        Self::start(&["-m".as_ref(), model.as_os_str()])
    }

    /// The tiny generated gemma3-type model with its mmproj: reads images (output is noise).
    pub fn start_vision() -> LlamaServer {
        let model = test_model(TINY_TEXT);
        let mmproj = test_model(TINY_MMPROJ);
        Self::start(&["-m".as_ref(), model.as_os_str(), "--mmproj".as_ref(), mmproj.as_os_str()])
    }

    /// Start with `args` (model flags) on a port the server picks itself (`--port 0`,
    /// read back from its log: no race for a "free" port), and wait for `/health`.
    pub fn start(args: &[&std::ffi::OsStr]) -> LlamaServer {
        let binary = llama_server_binary();
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("llama-server.log");
        let child = Command::new(&binary)
            .args(args)
            .args(["-t", "1", "-c", "2048", "--host", "127.0.0.1", "--port", "0", "--no-webui"])
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).expect("log file"))
            .stderr(std::fs::File::create(dir.path().join("llama-server.err")).expect("log file"))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let mut server = LlamaServer { url: String::new(), port: 0, child, log, _dir: dir };
        server.wait_healthy();
        server
    }

    fn wait_healthy(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("llama-server exited ({status}) before it was ready:\n{}", self.logs());
            }
            if self.port == 0 {
                let logs = self.logs();
                if let Some(rest) = logs.split("listening on http://127.0.0.1:").nth(1) {
                    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    self.port = digits.parse().unwrap_or(0);
                    self.url = format!("http://127.0.0.1:{}", self.port);
                }
            } else if let Some((200, _)) = http_get(self.port, "/health") {
                return;
            }
            assert!(Instant::now() < deadline, "llama-server not healthy after 180 s:\n{}", self.logs());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn logs(&self) -> String {
        let dir = self.log.parent().unwrap_or(Path::new("."));
        let out = std::fs::read_to_string(&self.log).unwrap_or_default();
        let err = std::fs::read_to_string(dir.join("llama-server.err")).unwrap_or_default();
        format!("{out}{err}")
    }
}

impl Drop for LlamaServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// A minimal blocking GET for health checks: `(status, body)`.
pub fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    Some((status, body))
}
