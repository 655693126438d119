//! 50 concurrent requests from several tabs through one host, half of them cancelled at
//! random points: every request ends exactly once, nothing arrives for a request after
//! its end, and the host's memory returns to its baseline.

mod support;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde_json::{json, Value};
use support::{FakeModel, FakeOllama, Host, Piece};

const TABS: usize = 5;
const PER_TAB: usize = 10;
const ROUNDS: usize = 3;

/// Small deterministic generator, so a failure can be replayed.
struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()).unwrap_or(0)
}

fn jpeg_b64() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0])
}

/// Run one storm; returns (done, cancelled, other errors).
fn storm(host: &mut Host, round: usize, rng: &mut XorShift) -> (usize, usize, usize) {
    let mut ids = Vec::new();
    for r in 0..PER_TAB {
        for tab in 0..TABS {
            let id = format!("r{round}-tab{tab}-{r}");
            host.send(json!({"id": id, "type":"translate_frame","image": jpeg_b64()}));
            ids.push(id);
        }
    }
    // Cancel half of them, at random points while they stream.
    let mut to_cancel: Vec<&String> = ids.iter().filter(|_| rng.next().is_multiple_of(2)).collect();
    let mut cancels = HashMap::new();
    let mut events: Vec<Value> = Vec::new();
    while let Some(target) = to_cancel.pop() {
        std::thread::sleep(Duration::from_millis(rng.next() % 25));
        let cid = format!("cancel-{target}");
        host.send(json!({"id": cid, "type":"cancel","target": target}));
        cancels.insert(cid, target.clone());
    }

    let mut open: HashSet<String> = ids.iter().cloned().chain(cancels.keys().cloned()).collect();
    let mut ended: HashMap<String, Value> = HashMap::new();
    while !open.is_empty() {
        let ev = host.recv().expect("host exited during the storm");
        let id = ev["id"].as_str().unwrap_or_default().to_owned();
        assert!(!ended.contains_key(&id), "event after the end of {id}: {ev}\nended with {}", ended[&id]);
        if matches!(ev["event"].as_str(), Some("done" | "error")) {
            open.remove(&id);
            ended.insert(id, ev.clone());
        }
        events.push(ev);
    }
    // A cancelled request's end comes before its cancel's acknowledgement.
    for (cid, target) in &cancels {
        let ack = events.iter().position(|e| e["id"] == cid.as_str()).unwrap();
        let end = events.iter().position(|e| e["id"] == target.as_str() && matches!(e["event"].as_str(), Some("done" | "error"))).unwrap();
        assert!(end < ack, "{target} ended after its cancel was acknowledged");
        assert_eq!(ended[cid]["event"], "done");
    }
    let mut counts = (0, 0, 0);
    for id in &ids {
        match (ended[id]["event"].as_str(), ended[id]["code"].as_str()) {
            (Some("done"), _) => counts.0 += 1,
            (_, Some("cancelled")) => counts.1 += 1,
            _ => {
                eprintln!("unexpected end: {}", ended[id]);
                counts.2 += 1;
            }
        }
    }
    counts
}

#[test]
fn cancel_storm_ends_every_request_once_and_memory_returns_to_baseline() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let pieces: Vec<String> = (0..30).map(|i| format!("word{i} ")).collect();
    let piece_refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
    let mut reply = FakeOllama::reply("gemma3:12b", &piece_refs);
    // ~10 ms between pieces: a request streams for about 300 ms.
    reply.pieces = reply.pieces.into_iter().flat_map(|p| [Piece::Pause(Duration::from_millis(10)), p]).collect();
    let fake = rt.block_on(FakeOllama::start(vec![FakeModel::vision("gemma3:12b")], vec![reply]));

    let dir = tempfile::tempdir().unwrap();
    let mut host = Host::start(dir.path());
    host.put_settings(json!({"provider":"ollama","ollama.url": fake.url}));
    let pid = host.pid();
    let mut rng = XorShift(0x9E3779B97F4A7C15);

    // Warm up (connection pool, allocator arenas) before taking the baseline.
    storm(&mut host, 0, &mut rng);
    let baseline = rss_kib(pid);
    let mut totals = (0, 0, 0);
    for round in 1..=ROUNDS {
        let (d, c, e) = storm(&mut host, round, &mut rng);
        totals = (totals.0 + d, totals.1 + c, totals.2 + e);
    }
    let after = rss_kib(pid);
    println!(
        "load: {} requests in {ROUNDS} rounds from {TABS} tabs: {} done, {} cancelled, {} other errors; RSS baseline {} KiB, after {} KiB",
        ROUNDS * TABS * PER_TAB,
        totals.0,
        totals.1,
        totals.2,
        baseline,
        after
    );
    assert_eq!(totals.2, 0, "no request may fail other than by cancellation");
    assert!(totals.1 > 0 && totals.0 > 0);
    assert!(after <= baseline + 16 * 1024, "memory grew from {baseline} KiB to {after} KiB");

    // And the host still serves.
    let ev = host.request(json!({"id":"after","type":"ping"}));
    assert_eq!(ev[0]["event"], "pong");
    drop(fake);
}
