//! Drive a real `glossa-host` process over its pipes, exactly as a browser does.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use serde_json::{json, Value};

pub const CHROME_ORIGIN: &str = "chrome-extension://lngjifcmcijmogopcegelklfdnfabnkn/";

/// Generous: the machine may be busy compiling; tests wait for events, not for time.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(60);

/// The unprivileged user (`nobody`) that `Host::start_unprivileged` runs as under root.
pub const NOBODY: u32 = 65534;

pub fn host_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_glossa-host"))
}

pub struct Host {
    pub child: Child,
    stdin: Option<ChildStdin>,
    events: Receiver<Option<Value>>,
    pub data_dir: PathBuf,
    stderr_path: PathBuf,
}

impl Host {
    /// Start a host as Chrome would, with its data in `data_dir`.
    pub fn start(data_dir: &Path) -> Host {
        Self::start_with_args(data_dir, &[CHROME_ORIGIN])
    }

    pub fn start_with_args(data_dir: &Path, args: &[&str]) -> Host {
        Self::spawn(Command::new(host_binary()), data_dir, args)
    }

    /// Start a host as an unprivileged user, so that file modes apply even when the tests
    /// run as root (for whom every file is writable). As root, the binary is hard-linked
    /// into `bin_dir` (which that user can reach) and runs as `nobody` (65534).
    #[cfg(unix)]
    pub fn start_unprivileged(data_dir: &Path, bin_dir: &Path) -> Host {
        use std::os::unix::fs::MetadataExt;
        use std::os::unix::process::CommandExt;
        if std::fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(0) != 0 {
            return Self::start(data_dir);
        }
        let linked = bin_dir.join("glossa-host");
        if !linked.exists() && std::fs::hard_link(host_binary(), &linked).is_err() {
            std::fs::copy(host_binary(), &linked).unwrap();
        }
        let mut command = Command::new(linked);
        command.uid(NOBODY).gid(NOBODY);
        Self::spawn(command, data_dir, &[CHROME_ORIGIN])
    }

    fn spawn(mut command: Command, data_dir: &Path, args: &[&str]) -> Host {
        std::fs::create_dir_all(data_dir).unwrap();
        let stderr_path = data_dir.join(format!("stderr-{}.log", rand_suffix()));
        let mut child = command
            .args(args)
            .env("GLOSSA_DATA_DIR", data_dir)
            .env("GLOSSA_LOG", "debug")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr_path).unwrap())
            .spawn()
            .expect("start glossa-host");
        let mut stdout = child.stdout.take().unwrap();
        let stdin = child.stdin.take();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || loop {
            let mut len = [0u8; 4];
            if stdout.read_exact(&mut len).is_err() {
                let _ = tx.send(None);
                return;
            }
            let len = u32::from_ne_bytes(len) as usize;
            assert!(len < 1024 * 1024, "host sent a frame of {len} bytes, above Chrome's 1 MiB limit");
            let mut buf = vec![0u8; len];
            stdout.read_exact(&mut buf).expect("truncated frame from host");
            let v: Value = serde_json::from_slice(&buf).expect("host sent invalid JSON");
            if tx.send(Some(v)).is_err() {
                return;
            }
        });
        Host { child, stdin, events: rx, data_dir: data_dir.to_owned(), stderr_path }
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin closed");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    pub fn send(&mut self, message: Value) {
        let body = serde_json::to_vec(&message).unwrap();
        let mut frame = (body.len() as u32).to_ne_bytes().to_vec();
        frame.extend_from_slice(&body);
        self.send_raw(&frame);
    }

    /// Next event, or None at EOF. Panics after EVENT_TIMEOUT.
    pub fn recv(&mut self) -> Option<Value> {
        match self.events.recv_timeout(EVENT_TIMEOUT) {
            Ok(v) => v,
            Err(RecvTimeoutError::Timeout) => panic!("no event from the host within {EVENT_TIMEOUT:?}\nstderr:\n{}", self.stderr()),
            Err(RecvTimeoutError::Disconnected) => None,
        }
    }

    /// All events for `id` up to and including its terminal `done`/`error`.
    /// Events for other ids are returned in the second vector.
    pub fn collect(&mut self, id: &str) -> (Vec<Value>, Vec<Value>) {
        let mut mine = Vec::new();
        let mut others = Vec::new();
        loop {
            let ev = self.recv().unwrap_or_else(|| panic!("host closed before finishing {id}\nstderr:\n{}", self.stderr()));
            let terminal = matches!(ev["event"].as_str(), Some("done" | "error"));
            if ev["id"] == id {
                mine.push(ev);
                if terminal {
                    return (mine, others);
                }
            } else {
                others.push(ev);
            }
        }
    }

    /// Send a request and return its events through the terminal one.
    pub fn request(&mut self, message: Value) -> Vec<Value> {
        let id = message["id"].as_str().expect("request needs an id").to_owned();
        self.send(message);
        self.collect(&id).0
    }

    pub fn put_settings(&mut self, values: Value) {
        let id = format!("settings-{}", rand_suffix());
        let events = self.request(json!({"id": id, "type": "put_settings", "values": values}));
        let last = events.last().unwrap();
        assert_eq!(last["event"], "done", "put_settings failed: {last}");
    }

    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// Wait for the process to exit; panics if it takes longer than `within`.
    pub fn wait_exit(&mut self, within: Duration) -> std::process::ExitStatus {
        let start = std::time::Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(start.elapsed() < within, "host still running {within:?} after EOF");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!("{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// A loopback TCP server that accepts connections and never answers: requests to it stay
/// in flight until cancelled. Returns its base URL.
pub fn silent_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    format!("http://{addr}")
}

/// Every folder and file below `dir`, `dir` included.
pub fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut all = vec![dir.to_owned()];
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            all.extend(tree(&path));
        } else {
            all.push(path);
        }
    }
    all
}

/// Every file below `dir`.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    tree(dir).into_iter().filter(|p| p.is_file()).collect()
}
