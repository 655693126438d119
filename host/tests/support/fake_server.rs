//! A raw-TCP HTTP/1.1 server whose every byte is under the test's control (split points,
//! pauses, stalls, cut connections), recording requests and noticing when the client
//! hangs up; and two peers that never answer at all.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use super::PATIENCE;

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Without the query string.
    pub path: String,
    pub query: String,
    /// Names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// How the body is cut into writes. Each piece goes out as its own HTTP chunk (chunked
/// transfer encoding), so the client's reader sees at least those boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// As the pieces were scripted.
    AsScripted,
    /// One byte per write.
    EveryByte,
    /// The whole body in two writes, cut after this many bytes.
    At(usize),
}

/// One step of a streamed body.
#[derive(Debug, Clone)]
pub enum Piece {
    Data(Vec<u8>),
    Pause(Duration),
    /// Stop sending but keep the connection open until the client closes it.
    Stall,
    /// Drop the connection without finishing the body.
    Cut,
}

/// A scripted answer.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// `Some`: sent with `content-length`; `None`: `pieces` are streamed chunked.
    pub fixed_body: Option<Vec<u8>>,
    pub pieces: Vec<Piece>,
    pub split: Split,
    /// Pause before each write of the body.
    pub latency: Duration,
}

impl Response {
    /// A complete body with `content-length`.
    pub fn full(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            fixed_body: Some(body.into()),
            pieces: vec![],
            split: Split::AsScripted,
            latency: Duration::ZERO,
        }
    }

    pub fn json(status: u16, value: &Value) -> Response {
        Response::full(status, "application/json; charset=utf-8", value.to_string())
    }

    /// A chunked stream of `pieces`.
    pub fn stream(status: u16, content_type: &str, pieces: Vec<Piece>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            fixed_body: None,
            pieces,
            split: Split::AsScripted,
            latency: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn split(mut self, split: Split) -> Response {
        self.split = split;
        self
    }

    pub fn latency(mut self, latency: Duration) -> Response {
        self.latency = latency;
        self
    }

    /// Append a step to a streamed body.
    pub fn then(mut self, piece: Piece) -> Response {
        self.pieces.push(piece);
        self
    }
}

/// Turns a request into a scripted response.
pub type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

#[derive(Default)]
struct Shared {
    requests: Mutex<Vec<Request>>,
    client_closed: AtomicUsize,
    closed_notify: Notify,
    connections: AtomicUsize,
    open: AtomicUsize,
}

/// The fake server; stops accepting when dropped.
pub struct FakeServer {
    pub url: String,
    pub port: u16,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeServer {
    /// Listen on a free loopback port; every request goes through `handler`.
    pub async fn start(handler: impl Fn(&Request) -> Response + Send + Sync + 'static) -> FakeServer {
        let handler: Handler = Arc::new(handler);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let shared = Arc::new(Shared::default());
        let task = tokio::spawn({
            let shared = shared.clone();
            async move {
                loop {
                    let Ok((socket, _)) = listener.accept().await else { return };
                    shared.connections.fetch_add(1, Ordering::SeqCst);
                    shared.open.fetch_add(1, Ordering::SeqCst);
                    let shared = shared.clone();
                    let handler = handler.clone();
                    tokio::spawn(async move {
                        let hung_up = serve_connection(socket, handler, &shared).await;
                        // Closed before it is reported, so a waiter sees both.
                        shared.open.fetch_sub(1, Ordering::SeqCst);
                        if hung_up {
                            shared.client_closed.fetch_add(1, Ordering::SeqCst);
                            shared.closed_notify.notify_waiters();
                        }
                    });
                }
            }
        });
        FakeServer { url: format!("http://127.0.0.1:{port}"), port, shared, task }
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.requests.lock().unwrap().clone()
    }

    pub fn requests_to(&self, path: &str) -> Vec<Request> {
        self.requests().into_iter().filter(|r| r.path == path).collect()
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Connections still open (streaming, stalled or idle keep-alive). After a cancel
    /// storm, streaming ones must go; idle keep-alive ones may stay in the client's pool.
    pub fn open_connections(&self) -> usize {
        self.shared.open.load(Ordering::SeqCst)
    }

    /// How many times a client hung up while the server was still streaming or stalled.
    pub fn client_closed(&self) -> usize {
        self.shared.client_closed.load(Ordering::SeqCst)
    }

    /// Wait (up to [`PATIENCE`]) until a client hung up on an unfinished response.
    pub async fn wait_client_closed(&self) -> bool {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let notified = self.shared.closed_notify.notified();
            if self.client_closed() > 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.client_closed() > 0;
            }
        }
    }
}

/// Serve requests until the connection ends; true when the client hung up on an
/// unfinished (streaming or stalled) response.
async fn serve_connection(mut socket: TcpStream, handler: Handler, shared: &Shared) -> bool {
    let _ = socket.set_nodelay(true);
    let mut buf = Vec::new();
    loop {
        let Some(request) = read_request(&mut socket, &mut buf).await else { return false };
        shared.requests.lock().unwrap().push(request.clone());
        let response = handler(&request);
        match write_response(&mut socket, &response).await {
            Ok(Ending::KeepAlive) => continue,
            Ok(Ending::Close) => return false,
            Ok(Ending::Stalled) => {
                // Hold on until the client goes away.
                let mut sink = [0u8; 1024];
                loop {
                    match socket.read(&mut sink).await {
                        Ok(0) | Err(_) => return true,
                        Ok(_) => {}
                    }
                }
            }
            // The client hung up while we were writing.
            Err(_) => return true,
        }
    }
}

async fn read_request(socket: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Request> {
    let head_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
        let mut chunk = [0u8; 8192];
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_owned();
    let target = first.next()?;
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let (path, query) = (path.to_owned(), query.to_owned());
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned())).collect();
    let length: usize = headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let body_start = head_end + 4;
    while buf.len() < body_start + length {
        let mut chunk = [0u8; 65536];
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[body_start..body_start + length].to_vec();
    buf.drain(..body_start + length);
    Some(Request { method, path, query, headers, body })
}

enum Ending {
    KeepAlive,
    Close,
    Stalled,
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        529 => "Site Overloaded",
        _ => "Status",
    }
}

async fn write_response(socket: &mut TcpStream, response: &Response) -> std::io::Result<Ending> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", response.status, reason(response.status));
    for (n, v) in &response.headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("Date: Sat, 28 Nov 2026 09:00:00 GMT\r\n");
    if let Some(body) = &response.fixed_body {
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        socket.write_all(head.as_bytes()).await?;
        for piece in split_bytes(body, response.split) {
            pause(response.latency).await;
            socket.write_all(piece).await?;
            socket.flush().await?;
        }
        return Ok(Ending::KeepAlive);
    }
    head.push_str("Transfer-Encoding: chunked\r\n\r\n");
    socket.write_all(head.as_bytes()).await?;
    socket.flush().await?;
    // The split applies to the data as a whole, across scripted pieces.
    let mut steps: Vec<Piece> = Vec::new();
    match response.split {
        Split::AsScripted => steps = response.pieces.clone(),
        split => {
            let mut data = Vec::new();
            for piece in &response.pieces {
                match piece {
                    Piece::Data(d) => data.extend_from_slice(d),
                    other => {
                        steps.extend(split_bytes(&data, split).into_iter().map(|p| Piece::Data(p.to_vec())));
                        data.clear();
                        steps.push(other.clone());
                    }
                }
            }
            steps.extend(split_bytes(&data, split).into_iter().map(|p| Piece::Data(p.to_vec())));
        }
    }
    for step in steps {
        match step {
            Piece::Data(d) if d.is_empty() => {}
            Piece::Data(d) => {
                pause(response.latency).await;
                let mut chunk = format!("{:x}\r\n", d.len()).into_bytes();
                chunk.extend_from_slice(&d);
                chunk.extend_from_slice(b"\r\n");
                socket.write_all(&chunk).await?;
                socket.flush().await?;
            }
            Piece::Pause(d) => tokio::time::sleep(d).await,
            Piece::Stall => return Ok(Ending::Stalled),
            Piece::Cut => {
                let _ = socket.shutdown().await;
                return Ok(Ending::Close);
            }
        }
    }
    socket.write_all(b"0\r\n\r\n").await?;
    socket.flush().await?;
    Ok(Ending::KeepAlive)
}

async fn pause(d: Duration) {
    if !d.is_zero() {
        tokio::time::sleep(d).await;
    }
}

fn split_bytes(data: &[u8], split: Split) -> Vec<&[u8]> {
    match split {
        Split::AsScripted => vec![data],
        Split::EveryByte => data.chunks(1).collect(),
        Split::At(n) => {
            let n = n.min(data.len());
            vec![&data[..n], &data[n..]]
        }
    }
}

/// A queue of scripted responses for one route: each request takes the next one; the
/// last one repeats.
#[derive(Clone, Default)]
pub struct Script(Arc<Mutex<VecDeque<Response>>>);

impl Script {
    pub fn new(responses: Vec<Response>) -> Script {
        Script(Arc::new(Mutex::new(responses.into())))
    }

    /// Replace what the next requests get.
    pub fn set(&self, responses: Vec<Response>) {
        *self.0.lock().unwrap() = responses.into();
    }

    pub fn next(&self) -> Option<Response> {
        let mut q = self.0.lock().unwrap();
        if q.len() > 1 {
            q.pop_front()
        } else {
            q.front().cloned()
        }
    }
}

/// A JSON error body in the shape each API uses.
pub fn anthropic_error(kind: &str, message: &str) -> Value {
    json!({"type": "error", "error": {"type": kind, "message": message}})
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

/// A loopback port whose accept queue is full: a new connection neither succeeds nor
/// fails, so the client's connect timeout is what ends it.
pub struct FullBacklog {
    pub url: String,
    _listener: TcpListener,
    _held: std::net::TcpStream,
}

pub async fn full_backlog() -> FullBacklog {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.bind("127.0.0.1:0".parse().expect("addr")).expect("bind");
    let listener = socket.listen(0).expect("listen");
    let addr = listener.local_addr().expect("addr");
    // With a backlog of 0 the kernel queues one connection; this one fills it.
    let held = std::net::TcpStream::connect(addr).expect("fill the accept queue");
    FullBacklog { url: format!("http://{addr}"), _listener: listener, _held: held }
}
