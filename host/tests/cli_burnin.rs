//! `glossa-host burnin` on the rendered Japanese test video (tests/tools/render-burnin-videos.py)
//! against a fake Ollama: one cue per burned-in line, timed within ±0.3 s, each new line read
//! once (a repeated line costs no call, the busy scene's text-free strip none),
//! `--dual` writes the original above, and a second run is served from the cache.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use support::{FakeModel, FakeOllama};

const MODEL: &str = "gemma3:12b";

fn videos() -> PathBuf {
    let root = support::host_dir().join("..");
    let cache = std::env::var("GLOSSA_CACHE").map_or_else(|_| root.join("target/glossa-cache"), PathBuf::from);
    let dir = cache.join("burnin-v2");
    let status = Command::new("python3").arg(root.join("tests/tools/render-burnin-videos.py")).arg(&dir).status().expect("python3");
    assert!(status.success(), "rendering the test videos failed");
    dir
}

fn glossa(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_glossa-host")).args(args).env("GLOSSA_DATA_DIR", data).output().unwrap()
}

fn answer(text: &str) -> String {
    serde_json::json!({ "text": text, "translation": if text.is_empty() { String::new() } else { format!("EN {text}") } }).to_string()
}

/// (start, end, text) per cue of an SRT file.
fn srt_cues(srt: &str) -> Vec<(f64, f64, String)> {
    let time = |t: &str| {
        let (hms, ms) = t.trim().split_once(',').unwrap();
        let p: Vec<f64> = hms.split(':').map(|x| x.parse().unwrap()).collect();
        p[0] * 3600.0 + p[1] * 60.0 + p[2] + ms.parse::<f64>().unwrap() / 1000.0
    };
    srt.split("\n\n")
        .filter(|b| !b.trim().is_empty())
        .map(|block| {
            let mut lines = block.trim().lines().skip(1);
            let (a, b) = lines.next().unwrap().split_once(" --> ").unwrap();
            (time(a), time(b), lines.collect::<Vec<_>>().join("\n"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn burned_in_lines_become_timed_cues_read_once() {
    let dir = tokio::task::spawn_blocking(videos).await.unwrap();
    let truth: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("burnin-ja.json")).unwrap()).unwrap();
    let lines: Vec<(f64, f64, String)> = truth["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["start"].as_f64().unwrap(), l["end"].as_f64().unwrap(), l["text"].as_str().unwrap().to_owned()))
        .collect();
    // The lines in the order they are first shown, each read once; the busy scene's strip
    // without text (before its first line and after its last) is not a line, so not read.
    let mut reads: Vec<String> = Vec::new();
    for (_, _, text) in &lines {
        if !reads.contains(text) {
            reads.push(text.clone());
        }
    }
    let replies = reads.iter().map(|t| FakeOllama::reply(MODEL, &[&answer(t)])).collect();
    let fake = FakeOllama::start(vec![FakeModel::vision(MODEL)], replies).await;

    let data = tempfile::tempdir().unwrap();
    for (key, value) in [("provider", "ollama"), ("ollama.url", fake.url.as_str()), ("ollama.frame_model", MODEL)] {
        let out = glossa(data.path(), &["settings", "set", key, value]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let out_dir = tempfile::tempdir().unwrap();
    let srt = out_dir.path().join("ja.en.srt");
    let video = dir.join("burnin-ja.webm");
    let run = |extra: &'static [&'static str]| {
        let (data, video, srt) = (data.path().to_owned(), video.clone(), srt.clone());
        tokio::task::spawn_blocking(move || {
            let mut args = vec!["burnin", video.to_str().unwrap(), "--to", "en", "-o", srt.to_str().unwrap()];
            args.extend(extra);
            glossa(&data, &args)
        })
    };

    let out = run(&[]).await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(fake.server.requests_to("/api/chat").len(), reads.len(), "one call per new strip: {stderr}");
    let cues = srt_cues(&std::fs::read_to_string(&srt).unwrap());
    assert_eq!(cues.len(), lines.len(), "{cues:?}");
    for ((start, end, text), (cs, ce, ctext)) in lines.iter().zip(&cues) {
        assert_eq!(*ctext, format!("EN {text}"));
        assert!((cs - start).abs() <= 0.3 && (ce - end).abs() <= 0.3, "{text}: {start}–{end} written as {cs}–{ce}");
    }
    let request = &fake.server.requests_to("/api/chat")[0].json();
    assert!(request["messages"].to_string().contains("images"), "the strip's picture is sent: {request}");

    // Again, with the original above: every reading comes from the cache.
    let out = run(&["--dual"]).await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("0 provider calls"), "{stderr}");
    assert_eq!(fake.server.requests_to("/api/chat").len(), reads.len());
    let cues = srt_cues(&std::fs::read_to_string(&srt).unwrap());
    assert_eq!(cues[0].2, format!("{}\nEN {}", lines[0].2, lines[0].2));
}

#[test]
fn a_missing_video_and_a_bad_region_are_explained() {
    let data = tempfile::tempdir().unwrap();
    let out = glossa(data.path(), &["burnin", "/nonexistent/video.webm", "--to", "en", "-o", "/tmp/x.srt"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ffprobe cannot read /nonexistent/video.webm"));
    let out = glossa(data.path(), &["burnin", "/nonexistent/video.webm", "--to", "en", "-o", "/tmp/x.txt"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("can only write .vtt or .srt"));
}
