//! `glossa-host model pull` and the `pull_model` request against a local HTTP server:
//! progress, resuming after a cut connection, checksum and format checks, and nothing
//! half-written left in the models folder.

mod support;

use std::path::Path;
use std::time::Duration;

use serde_json::json;
use sha2::{Digest, Sha256};
use support::{error_of, test_models, FileServer, Host, Serve, TINY_TEXT};

fn tiny_model_bytes() -> Vec<u8> {
    std::fs::read(test_models().join(TINY_TEXT)).unwrap()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn models_dir_files(data_dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(data_dir.join("models"))
        .map(|d| d.filter_map(std::result::Result::ok).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

async fn cli(data_dir: &Path, args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_glossa-host"))
        .args(args)
        .env("GLOSSA_DATA_DIR", data_dir)
        .output()
        .await
        .expect("run glossa-host")
}

#[tokio::test(flavor = "multi_thread")]
async fn pull_resumes_after_a_cut_connection_and_verifies_the_checksum() {
    let body = tiny_model_bytes();
    let cut_at = 100_000;
    let server = FileServer::start(Serve {
        path: "/models/tiny-text.gguf",
        body: body.clone(),
        content_type: "application/octet-stream",
        cut_first_after: Some(cut_at),
        ignore_range: false,
    })
    .await;
    let data_dir = tempfile::tempdir().unwrap();
    let out = cli(data_dir.path(), &["model", "pull", &server.url, "--sha256", &sha256_hex(&body)]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "pull failed:\n{stderr}\n{stdout}");

    // The second request asked for the rest, from exactly where the cut left off.
    let ranges = server.ranges.lock().unwrap().clone();
    assert_eq!(ranges, [None, Some(format!("bytes={cut_at}-"))], "requests: {ranges:?}");
    // Progress was shown while downloading, ending at 100 %.
    assert!(stderr.contains("tiny-text.gguf: 100%"), "no progress lines:\n{stderr}");
    assert!(stderr.lines().filter(|l| l.contains('%')).count() >= 2, "{stderr}");
    assert!(stdout.contains("installed"), "{stdout}");

    // The installed file is the served one, and nothing partial is left.
    assert_eq!(std::fs::read(data_dir.path().join("models").join(TINY_TEXT)).unwrap(), body);
    assert_eq!(models_dir_files(data_dir.path()), [TINY_TEXT]);

    // `model list` shows it; `model rm` removes it.
    let list = cli(data_dir.path(), &["model", "list"]).await;
    assert!(String::from_utf8_lossy(&list.stdout).contains(TINY_TEXT));
    assert!(String::from_utf8_lossy(&list.stdout).contains("gemma-3-4b"), "catalogue not listed");
    let rm = cli(data_dir.path(), &["model", "rm", TINY_TEXT]).await;
    assert!(rm.status.success(), "{}", String::from_utf8_lossy(&rm.stderr));
    assert!(models_dir_files(data_dir.path()).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_checksum_mismatch_is_rejected_and_leaves_nothing() {
    let body = tiny_model_bytes();
    let server = FileServer::start(Serve {
        path: "/tiny-text.gguf",
        body,
        content_type: "application/octet-stream",
        cut_first_after: None,
        ignore_range: false,
    })
    .await;
    let data_dir = tempfile::tempdir().unwrap();
    let wrong = "0".repeat(64);
    let out = cli(data_dir.path(), &["model", "pull", &server.url, "--sha256", &wrong]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("does not match its checksum"), "{stderr}");
    assert!(stderr.contains(&wrong), "the expected hash is named: {stderr}");
    assert!(stderr.contains("was deleted"), "{stderr}");
    assert!(models_dir_files(data_dir.path()).is_empty(), "left behind: {:?}", models_dir_files(data_dir.path()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_web_page_instead_of_a_model_is_rejected() {
    let server = FileServer::start(Serve {
        path: "/model.gguf",
        body: b"<!DOCTYPE html><html><body>Please log in</body></html>".to_vec(),
        content_type: "text/html",
        cut_first_after: None,
        ignore_range: false,
    })
    .await;
    let data_dir = tempfile::tempdir().unwrap();
    let out = cli(data_dir.path(), &["model", "pull", &server.url]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("is not a usable model") && stderr.contains("not a GGUF model file"), "{stderr}");
    assert!(models_dir_files(data_dir.path()).is_empty());

    let missing = cli(data_dir.path(), &["model", "pull", &format!("{}-nope.gguf", server.url)]).await;
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("HTTP 404") && stderr.contains("Check the repository and file name"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_without_range_support_restarts_the_file() {
    let body = tiny_model_bytes();
    let server = FileServer::start(Serve {
        path: "/tiny-text.gguf",
        body: body.clone(),
        content_type: "application/octet-stream",
        cut_first_after: Some(50_000),
        ignore_range: true,
    })
    .await;
    let data_dir = tempfile::tempdir().unwrap();
    let out = cli(data_dir.path(), &["model", "pull", &server.url]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read(data_dir.path().join("models").join(TINY_TEXT)).unwrap(), body);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_options_page_pulls_through_the_host_with_progress() {
    let body = tiny_model_bytes();
    let server = FileServer::start(Serve {
        path: "/tiny-text.gguf",
        body: body.clone(),
        content_type: "application/octet-stream",
        cut_first_after: Some(200_000),
        ignore_range: false,
    })
    .await;
    let url = server.url.clone();
    let sha = sha256_hex(&body);
    let events = tokio::task::spawn_blocking(move || {
        let mut host = Host::start_in_temp_dir();
        let pulled = host.request_within(json!({"id": "p1", "type": "pull_model", "source": url, "sha256": sha}), Duration::from_secs(120));
        let listed = host.request_within(json!({"id": "l1", "type": "list_local_models"}), Duration::from_secs(30));
        let bad = host.request_within(json!({"id": "p2", "type": "pull_model", "source": "not a model"}), Duration::from_secs(30));
        host.assert_serving();
        (pulled, listed, bad)
    })
    .await
    .unwrap();
    let (pulled, listed, bad) = events;
    let progress: Vec<&serde_json::Value> = pulled.iter().filter(|e| e["event"] == "progress").collect();
    assert!(!progress.is_empty(), "{pulled:?}");
    let last = progress.last().unwrap();
    assert_eq!(last["done"], body.len() as u64);
    assert_eq!(last["total"], body.len() as u64);
    assert!(progress.windows(2).all(|w| w[0]["done"].as_u64() <= w[1]["done"].as_u64()), "{progress:?}");
    assert_eq!(pulled.last().unwrap()["event"], "done", "{pulled:?}");

    assert_eq!(listed[0]["event"], "local_models");
    let files: Vec<&str> = listed[0]["models"].as_array().unwrap().iter().map(|m| m["file"].as_str().unwrap()).collect();
    assert_eq!(files, [TINY_TEXT]);
    assert_eq!(listed[0]["models"][0]["size_bytes"], body.len() as u64);

    let err = error_of(&bad);
    assert_eq!(err["code"], "download");
    assert!(err["hint"].as_str().unwrap().contains("gemma-3-4b"), "{err}");
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_fails_cleanly_and_leaves_nothing() {
    let server = FileServer::start(Serve {
        path: "/tiny-text.gguf",
        body: tiny_model_bytes(),
        content_type: "application/octet-stream",
        cut_first_after: None,
        ignore_range: false,
    })
    .await;
    let data_dir = tempfile::tempdir().unwrap();
    let models = data_dir.path().join("models");
    std::fs::create_dir_all(&models).unwrap();
    // Every write to /dev/full fails with ENOSPC, as on a full disk.
    std::os::unix::fs::symlink("/dev/full", models.join("tiny-text.gguf.part")).unwrap();
    let out = cli(data_dir.path(), &["model", "pull", &server.url]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(stderr.contains("Free some disk space"), "{stderr}");
    assert!(models_dir_files(data_dir.path()).is_empty(), "left behind: {:?}", models_dir_files(data_dir.path()));
}
