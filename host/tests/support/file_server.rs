//! A one-file HTTP server for model downloads: honours `Range`, and can cut the first
//! response (a dropped connection mid-download).

use std::sync::{Arc, Mutex};

/// Serves one [`Serve`] on 127.0.0.1, for as long as the test's runtime lives.
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

async fn answer(mut socket: tokio::net::TcpStream, serve: Arc<Serve>, seen: Arc<Mutex<Vec<Option<String>>>>, cut: Option<usize>) {
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
    let range = head.lines().find(|l| l.to_ascii_lowercase().starts_with("range:")).map(|l| l["range:".len()..].trim().to_owned());
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
