//! What glossa-host adds to a frame translation: time to first token and total time for
//! the same request through the host (driven over its pipes, as the browser does) and as
//! a direct streamed HTTP call to the same llama-server, interleaved in one run.
//! Goal: the host adds < 2 ms at p50.
//!
//! The runs alternate so warm caches favour neither. The tiny random vision model's answers
//! need not have the same length on both paths (the request's `max_tokens` overrides the
//! server's `-n`, and sampling differs between CPUs), so the comparison is per streamed
//! token and to the first token; the totals are compared only when the lengths agree.

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use futures::StreamExt;
use glossa_host::native::codec::{encode_frame, read_frame};
use glossa_protocol::MAX_OUTBOUND_FRAME;
use serde_json::{json, Value};

const ROUNDS: usize = 40;
const WARMUP: usize = 3;

struct Sample {
    first_token: Duration,
    total: Duration,
    output_tokens: u64,
}

fn read_event(r: &mut impl Read) -> Value {
    let body = read_frame(r, MAX_OUTBOUND_FRAME).expect("a frame").expect("host closed its stdout");
    serde_json::from_slice(&body).expect("event JSON")
}

/// The host's pipes read on this thread: unlike `support::Host` (a reader thread, debug
/// logs), nothing but the host itself is in the measured path.
struct HostPipe {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: std::io::BufReader<std::process::ChildStdout>,
}

impl HostPipe {
    fn request(&mut self, message: &Value) -> Value {
        self.stdin.write_all(&encode_frame(message.to_string().as_bytes())).unwrap();
        self.stdin.flush().unwrap();
        loop {
            let ev = read_event(&mut self.stdout);
            if ev["id"] == message["id"] && (ev["event"] == "done" || ev["event"] == "error") {
                return ev;
            }
        }
    }

    fn translate(&mut self, id: usize, image_b64: &str) -> Sample {
        let msg = json!({"id": format!("f{id}"), "type": "translate_frame", "image": image_b64, "to": "fr"});
        let started = Instant::now();
        self.stdin.write_all(&encode_frame(msg.to_string().as_bytes())).unwrap();
        self.stdin.flush().unwrap();
        let mut first_token = None;
        loop {
            let ev = read_event(&mut self.stdout);
            match ev["event"].as_str() {
                Some("delta") => {
                    first_token.get_or_insert_with(|| started.elapsed());
                }
                Some("done") => {
                    let total = started.elapsed();
                    let output_tokens = ev["usage"]["output_tokens"].as_u64().unwrap_or(0);
                    return Sample { first_token: first_token.unwrap_or(total), total, output_tokens };
                }
                Some("error") => panic!("host error: {ev}"),
                _ => {}
            }
        }
    }
}

/// The body the host's OpenAI-compatible provider sends for this frame.
fn direct_body(model: &str, image_b64: &str) -> Value {
    let system = glossa_host::pipeline::frame::system_prompt("fr", None, None);
    json!({
        "model": model,
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": [
                {"type": "image_url", "image_url": {"url": format!("data:image/jpeg;base64,{image_b64}")}},
                {"type": "text", "text": "Translate the text in this picture into `fr`."}
            ]}
        ],
        "stream": true,
        "stream_options": {"include_usage": true},
        "max_tokens": 1024,
        "temperature": 0.2
    })
}

async fn direct(client: &reqwest::Client, url: &str, body: &Value) -> Sample {
    let started = Instant::now();
    let response = client.post(format!("{url}/v1/chat/completions")).json(body).send().await.expect("direct request");
    assert!(response.status().is_success(), "direct: HTTP {}", response.status());
    let mut events = eventsource_stream::Eventsource::eventsource(response.bytes_stream());
    let mut first_token = None;
    let mut output_tokens = 0;
    while let Some(event) = events.next().await {
        let event = event.expect("direct stream");
        if event.data == "[DONE]" {
            let total = started.elapsed();
            return Sample { first_token: first_token.unwrap_or(total), total, output_tokens };
        }
        let chunk: Value = serde_json::from_str(&event.data).expect("chunk");
        if let Some(n) = chunk["usage"]["completion_tokens"].as_u64() {
            output_tokens = n;
        }
        if chunk["choices"][0]["delta"]["content"].as_str().is_some_and(|t| !t.is_empty()) {
            first_token.get_or_insert_with(|| started.elapsed());
        }
    }
    panic!("direct stream ended without [DONE]");
}

fn pct(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    values[((values.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let model = support::test_model(support::TINY_TEXT);
    let mmproj = support::test_model(support::TINY_MMPROJ);
    let server = support::LlamaServer::start(&[
        "-m".as_ref(),
        model.as_os_str(),
        "--mmproj".as_ref(),
        mmproj.as_os_str(),
        "-n".as_ref(),
        "16".as_ref(),
        "--seed".as_ref(),
        "42".as_ref(),
    ]);
    let image_b64 = base64::engine::general_purpose::STANDARD.encode(std::fs::read(support::test_model(support::FRAME)).unwrap());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = reqwest::Client::new();
    let listed: Value = rt.block_on(async { client.get(format!("{}/v1/models", server.url)).send().await.unwrap().json().await.unwrap() });
    let model_id = listed["data"][0]["id"].as_str().expect("a model id").to_owned();
    let body = direct_body(&model_id, &image_b64);

    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(support::host_binary())
        .arg(support::CHROME_ORIGIN)
        .env("GLOSSA_DATA_DIR", data.path())
        .env("GLOSSA_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start glossa-host");
    let (stdin, stdout) = (child.stdin.take().unwrap(), child.stdout.take().unwrap());
    let mut host = HostPipe { child, stdin, stdout: std::io::BufReader::new(stdout) };
    let done = host.request(&json!({"id": "s", "type": "put_settings", "values": {
        "provider": "openai", "openai.base_url": server.url, "openai.frame_model": model_id
    }}));
    assert_eq!(done["event"], "done", "{done}");

    let (mut via_host, mut via_http) = (Vec::new(), Vec::new());
    for i in 0..WARMUP + ROUNDS {
        let h = host.translate(i, &image_b64);
        let d = rt.block_on(direct(&client, &server.url, &body));
        if i >= WARMUP {
            via_host.push(h);
            via_http.push(d);
        }
    }
    drop(host.stdin);
    let _ = host.child.wait();

    let tokens = |s: &[Sample]| s.iter().map(|s| s.output_tokens).sum::<u64>() as f64 / s.len() as f64;
    let (host_tokens, http_tokens) = (tokens(&via_host), tokens(&via_http));
    println!("frame translation through glossa-host vs a direct HTTP call, same llama-server, {ROUNDS} interleaved rounds");
    println!("  answer length: host {host_tokens:.1} tokens, direct {http_tokens:.1} tokens (mean)");
    let first_token = (|s: &Sample| s.first_token.as_secs_f64() * 1e3) as fn(&Sample) -> f64;
    compare("first token", "ms", &via_host, &via_http, first_token);
    compare("per token", "ms", &via_host, &via_http, per_token_ms);
    if host_tokens == http_tokens {
        compare("total", "ms", &via_host, &via_http, |s| s.total.as_secs_f64() * 1e3);
    } else {
        println!("  total        not compared: the answers differ in length (compare per token)");
    }
}

/// Time between the first and the last token, per token after the first (what streaming
/// a longer answer costs, whatever its length).
fn per_token_ms(s: &Sample) -> f64 {
    (s.total - s.first_token).as_secs_f64() * 1e3 / s.output_tokens.saturating_sub(1).max(1) as f64
}

fn compare(label: &str, unit: &str, via_host: &[Sample], via_http: &[Sample], pick: fn(&Sample) -> f64) {
    let (mut h, mut d): (Vec<f64>, Vec<f64>) = (via_host.iter().map(pick).collect(), via_http.iter().map(pick).collect());
    let mut diff: Vec<f64> = h.iter().zip(&d).map(|(a, b)| a - b).collect();
    let (h50, h99, d50, d99) = (pct(&mut h, 0.5), pct(&mut h, 0.99), pct(&mut d, 0.5), pct(&mut d, 0.99));
    println!("  {label:<12} direct p50 {d50:8.3} {unit}  p99 {d99:8.3} {unit} | host p50 {h50:8.3} {unit}  p99 {h99:8.3} {unit}");
    println!(
        "  {label:<12} host adds p50 {:.3} {unit} (paired p50 {:.3} {unit}), ratio {:.3}x{}",
        h50 - d50,
        pct(&mut diff, 0.5),
        h50 / d50,
        if label == "first token" { "; goal < 2 ms" } else { "" }
    );
}
