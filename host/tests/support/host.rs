//! Drive a real `glossa-host` process over its pipes, exactly as a browser does, framing
//! messages with the host's own codec (`glossa_host::native::codec`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use glossa_host::native::codec::{encode_frame, read_frame};
use glossa_protocol::MAX_OUTBOUND_FRAME;
use serde_json::{json, Value};

pub const CHROME_ORIGIN: &str = "chrome-extension://lngjifcmcijmogopcegelklfdnfabnkn/";

/// Generous: the machine may be busy compiling; tests wait for events, not for time.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(60);

/// The unprivileged user (`nobody`) that `Host::start_unprivileged` runs as under root.
pub const NOBODY: u32 = 65534;

pub fn host_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_glossa-host"))
}

/// What the stdout reader saw.
enum Incoming {
    Event(Value),
    /// The host closed its stdout between frames.
    Closed,
    /// Something that is not a protocol frame of JSON within Chrome's size limit.
    Broken(String),
}

/// A glossa-host process, killed on drop. Its stderr (the log) goes to a file in its
/// data dir.
pub struct Host {
    child: Child,
    stdin: Option<ChildStdin>,
    events: Receiver<Incoming>,
    pub data_dir: PathBuf,
    stderr_path: PathBuf,
    /// The data dir when the host made its own ([`Host::start_in_temp_dir`]).
    _temp_dir: Option<tempfile::TempDir>,
}

impl Host {
    /// Start a host as Chrome would, with its data in `data_dir`.
    pub fn start(data_dir: &Path) -> Host {
        Self::start_with_args(data_dir, &[CHROME_ORIGIN])
    }

    /// Start a host as Chrome would, with its data in a fresh temporary dir that lives as
    /// long as the host.
    pub fn start_in_temp_dir() -> Host {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut host = Self::start(dir.path());
        host._temp_dir = Some(dir);
        host
    }

    /// Start a host as Chrome would, with these environment variables set or (value
    /// `None`) removed.
    pub fn start_with_env(data_dir: &Path, env: &[(&str, Option<&str>)]) -> Host {
        let mut command = Command::new(host_binary());
        for (name, value) in env {
            match value {
                Some(v) => command.env(name, v),
                None => command.env_remove(name),
            };
        }
        Self::spawn(command, data_dir, &[CHROME_ORIGIN])
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
            let incoming = match read_frame(&mut stdout, MAX_OUTBOUND_FRAME) {
                Ok(Some(body)) => match serde_json::from_slice(&body) {
                    Ok(value) => Incoming::Event(value),
                    Err(e) => Incoming::Broken(format!("stdout carried a non-JSON frame ({e}): {:?}", String::from_utf8_lossy(&body))),
                },
                Ok(None) => Incoming::Closed,
                Err(e) => Incoming::Broken(format!("the host broke the framing on stdout: {e}")),
            };
            let more = matches!(incoming, Incoming::Event(_));
            if tx.send(incoming).is_err() || !more {
                return;
            }
        });
        Host { child, stdin, events: rx, data_dir: data_dir.to_owned(), stderr_path, _temp_dir: None }
    }

    /// Write bytes as they are (malformed frames, partial frames).
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin closed");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    pub fn send(&mut self, message: Value) {
        let body = serde_json::to_vec(&message).unwrap();
        self.send_raw(&encode_frame(&body));
    }

    /// Next event, or None at EOF. Panics after EVENT_TIMEOUT.
    pub fn recv(&mut self) -> Option<Value> {
        self.recv_within(EVENT_TIMEOUT)
    }

    /// Next event, or None at EOF. Panics after `wait`, or when stdout carries anything
    /// but a protocol frame.
    pub fn recv_within(&mut self, wait: Duration) -> Option<Value> {
        match self.events.recv_timeout(wait) {
            Ok(Incoming::Event(value)) => Some(value),
            Ok(Incoming::Closed) | Err(RecvTimeoutError::Disconnected) => None,
            Ok(Incoming::Broken(why)) => panic!("{why}\nstderr:\n{}", self.stderr()),
            Err(RecvTimeoutError::Timeout) => panic!("no event from the host within {wait:?}\nstderr:\n{}", self.stderr()),
        }
    }

    /// The next event, failing the test (with the host's log) after `wait` or at EOF.
    pub fn next_event(&mut self, wait: Duration) -> Value {
        self.recv_within(wait).unwrap_or_else(|| panic!("the host closed its stdout\nstderr:\n{}", self.stderr()))
    }

    /// All events for `id` up to and including its terminal `done`/`error`.
    /// Events for other ids are returned in the second vector.
    pub fn collect(&mut self, id: &str) -> (Vec<Value>, Vec<Value>) {
        self.collect_within(id, EVENT_TIMEOUT)
    }

    /// [`Host::collect`], waiting up to `wait` for each event.
    pub fn collect_within(&mut self, id: &str, wait: Duration) -> (Vec<Value>, Vec<Value>) {
        let mut mine = Vec::new();
        let mut others = Vec::new();
        loop {
            let ev = self.recv_within(wait).unwrap_or_else(|| panic!("host closed before finishing {id}\nstderr:\n{}", self.stderr()));
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
        self.request_within(message, EVENT_TIMEOUT)
    }

    /// [`Host::request`], waiting up to `wait` for each event.
    pub fn request_within(&mut self, message: Value, wait: Duration) -> Vec<Value> {
        let id = message["id"].as_str().expect("request needs an id").to_owned();
        self.send(message);
        self.collect_within(&id, wait).0
    }

    pub fn put_settings(&mut self, values: Value) {
        let id = format!("settings-{}", rand_suffix());
        let events = self.request(json!({"id": id, "type": "put_settings", "values": values}));
        let last = events.last().unwrap();
        assert_eq!(last["event"], "done", "put_settings failed: {events:?}");
    }

    /// Fail clearly if this binary lacks the `local` feature (a target dir's `glossa-host`
    /// can be replaced by a `--no-default-features` build).
    pub fn require_local(&mut self) {
        let events = self.request(json!({"id": "check-local", "type": "check_provider", "provider": "local"}));
        let report = events.iter().find(|e| e["event"] == "check").expect("a check report");
        assert!(
            report["reachable"] == true,
            "{} has no built-in backend (built with --no-default-features?); run `cargo build -p glossa-host`: {report}",
            host_binary().display()
        );
    }

    /// The host answers a ping and is still running.
    pub fn assert_serving(&mut self) {
        let id = format!("ping-{}", rand_suffix());
        let events = self.request_within(json!({"id": id, "type": "ping"}), Duration::from_secs(30));
        assert_eq!(events.iter().map(|e| e["event"].as_str().unwrap()).collect::<Vec<_>>(), ["pong", "done"]);
        assert!(self.child.try_wait().unwrap().is_none(), "the host exited; stderr:\n{}", self.stderr());
    }

    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// What the host wrote to stderr so far: its log.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
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

/// The terminal event of `events`, asserted to be an error.
pub fn error_of(events: &[Value]) -> &Value {
    let last = events.last().expect("events");
    assert_eq!(last["event"], "error", "expected an error, got {events:?}");
    last
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
