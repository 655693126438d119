//! Readings for a 2-hour track (1,500 cues, a line every 4.8 s) in each language: the time
//! to read every cue once the dictionary is loaded (goal ≤ 200 ms), as a ratio to
//! serializing the same cues as `cues` events (the work the host does for every cue anyway,
//! measured in the same run); the load time; and the memory: a real host process idle
//! (goal < 20 MB: the dictionaries load on first use), then after a Japanese and a Chinese
//! track passed through it with readings on, and the installed size of the data (≤ 60 MB).
//!
//! Needs the reading data (tests/tools/fetch-reading-data.sh). `cargo bench --bench readings`.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::time::Instant;

use glossa_host::reading::Readers;
use glossa_protocol::{ChunkAssembler, TranslatedCue, PROTOCOL_VERSION};
use serde_json::json;
use support::host::Host;

const CUES: usize = 1_500;
const GOAL_MS: f64 = 200.0;
const RUNS: usize = 5;

fn data_dir() -> PathBuf {
    std::env::var_os("GLOSSA_READING_DATA").map(PathBuf::from).unwrap_or_else(|| {
        let cache = std::env::var_os("GLOSSA_CACHE")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/glossa-dev"));
        cache.join("reading")
    })
}

/// The reference table's sentences, repeated to a 2-hour track.
fn track(file: &str) -> Vec<String> {
    let path = support::host_dir().join("../tests/fixtures/readings").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let lines: Vec<String> = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').next().unwrap_or(l).replace(['{', '}'], "").split('|').next().unwrap_or("").to_owned())
        .collect();
    // ja.txt marks words as {kanji|reading}: keep the kanji
    let lines: Vec<String> = if file == "ja.txt" { lines_without_readings(&text) } else { lines };
    lines.iter().cycle().take(CUES).cloned().collect()
}

fn lines_without_readings(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut out = String::new();
            let mut skip = false;
            for c in l.chars() {
                match c {
                    '{' => {}
                    '|' => skip = true,
                    '}' => skip = false,
                    c if !skip => out.push(c),
                    _ => {}
                }
            }
            out
        })
        .collect()
}

/// Events as sent, the ones over a frame's size put together from their chunks.
fn whole_events(events: Vec<serde_json::Value>) -> Vec<serde_json::Value> {
    let mut assembler = ChunkAssembler::default();
    let mut whole = Vec::new();
    for raw in events {
        if raw["event"] != "chunk" {
            whole.push(raw);
            continue;
        }
        let (Some(id), Some(seq), Some(last), Some(data)) =
            (raw["id"].as_str(), raw["seq"].as_u64(), raw["last"].as_bool(), raw["data"].as_str())
        else {
            continue;
        };
        if let Ok(Some(json)) = assembler.push(id, seq as u32, last, data) {
            whole.extend(serde_json::from_str::<serde_json::Value>(&json).ok());
        }
    }
    whole
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[v.len() / 2]
}

fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .unwrap_or(0.0)
        / 1024.0
}

fn size_mib(path: &Path) -> f64 {
    let Ok(meta) = std::fs::metadata(path) else { return 0.0 };
    if meta.is_file() {
        return meta.len() as f64 / 1_048_576.0;
    }
    std::fs::read_dir(path).map(|d| d.flatten().map(|e| size_mib(&e.path())).sum()).unwrap_or(0.0)
}

fn main() {
    let dir = data_dir();
    assert!(dir.join("zh").is_dir(), "no reading data in {}: run tests/tools/fetch-reading-data.sh", dir.display());
    println!("readings for a 2-hour track ({CUES} cues), median of {RUNS} runs; goal ≤ {GOAL_MS} ms");
    println!("{:<4} {:>10} {:>12} {:>14} {:>8}", "lang", "load ms", "read ms", "serialize ms", "ratio");
    let readers = Readers::new(dir.clone());
    let mut worst: f64 = 0.0;
    for (lang, file) in [("ja", "ja.txt"), ("zh", "zh.tsv"), ("ko", "ko.tsv"), ("ru", "ru.tsv"), ("uk", "uk.tsv"), ("el", "el.tsv")] {
        let cues = track(file);
        let t = Instant::now();
        readers.read(lang, "一").expect("reading");
        let load = t.elapsed().as_secs_f64() * 1000.0;
        let read = median(
            (0..RUNS)
                .map(|_| {
                    let t = Instant::now();
                    let n: usize = cues.iter().map(|c| readers.read(lang, c).expect("reading").len()).sum();
                    assert!(n >= CUES);
                    t.elapsed().as_secs_f64() * 1000.0
                })
                .collect(),
        );
        let events: Vec<TranslatedCue> = cues
            .iter()
            .enumerate()
            .map(|(i, c)| TranslatedCue { id: i.to_string(), text: c.clone(), untranslated: false, reading: None, host_words: false })
            .collect();
        let serialize = median(
            (0..RUNS)
                .map(|_| {
                    let t = Instant::now();
                    let bytes: usize = events.chunks(20).map(|b| serde_json::to_vec(b).map(|v| v.len()).unwrap_or(0)).sum();
                    assert!(bytes > 0);
                    t.elapsed().as_secs_f64() * 1000.0
                })
                .collect(),
        );
        worst = worst.max(read);
        println!("{lang:<4} {load:>10.1} {read:>12.1} {serialize:>14.2} {:>7.1}x", read / serialize.max(1e-6));
    }
    println!(
        "slowest language: {worst:.1} ms for the whole track ({})",
        if worst <= GOAL_MS { "within the goal" } else { "OVER the goal" }
    );

    // A real host: idle, then after a track in each dictionary language with readings on.
    // The tracks are in the target language, so they pass through untranslated: no provider.
    let home = tempfile::tempdir().expect("temp dir");
    let mut host = Host::start_with_env(home.path(), &[("GLOSSA_READING_DATA", Some(dir.to_str().unwrap_or_default()))]);
    host.request(json!({"id": "h", "type": "hello", "extension_version": "bench", "protocol": PROTOCOL_VERSION}));
    let idle = rss_mib(host.pid());
    println!("host memory: idle {idle:.1} MiB (goal < 20 MiB: no dictionary loaded)");
    host.put_settings(json!({"display.readings": "ja,zh"}));
    for (lang, file) in [("ja", "ja.txt"), ("zh", "zh.tsv")] {
        let cues: Vec<_> = track(file)
            .into_iter()
            .enumerate()
            .map(|(i, text)| json!({"id": i.to_string(), "start": i as f64 * 4.8, "end": i as f64 * 4.8 + 4.0, "text": text}))
            .collect();
        let t = Instant::now();
        let events = host
            .request(json!({"id": lang, "type": "translate_track", "track": lang, "cues": cues, "from": lang, "to": lang, "whole": true}));
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let with_reading = whole_events(events)
            .iter()
            .filter(|e| e["event"] == "cues")
            .flat_map(|e| e["cues"].as_array().cloned().unwrap_or_default())
            .filter(|c| c["reading"].is_array())
            .count();
        assert_eq!(with_reading, CUES, "every cue of the {lang} track came with its reading; host log:\n{}", host.stderr());
        println!(
            "host memory after a {lang} track with readings: {:.1} MiB ({ms:.0} ms for the track, dictionary load included)",
            rss_mib(host.pid())
        );
    }
    let installed = size_mib(&dir.join("ja-ipadic.dic")) + size_mib(&dir.join("zh"));
    println!("installed reading data (ja-ipadic.dic + zh/): {installed:.1} MiB (goal ≤ 60 MiB; the IPADIC source it is built from is not installed)");
}
