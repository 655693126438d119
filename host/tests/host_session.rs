//! The built host, started as Chrome starts it, driven over its pipes.

mod support;

use std::time::Duration;

use glossa_host::native::codec::encode_frame;
use serde_json::json;
use support::{silent_server, Host};

const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0];

fn jpeg_b64() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(JPEG)
}

#[test]
fn hello_reports_versions_and_a_stale_extension_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = Host::start(dir.path());
    let ev = host.request(json!({"id":"h1","type":"hello","extension_version":"0.1.0","protocol":glossa_protocol::PROTOCOL_VERSION}));
    assert_eq!(ev[0]["event"], "hello");
    assert_eq!(ev[0]["compatible"], true);
    assert!(ev[0]["host_version"].as_str().unwrap().starts_with("0."));
    assert_eq!(ev[1]["event"], "done");

    let ev = host.request(json!({"id":"h2","type":"hello","extension_version":"9.0.0","protocol":99}));
    assert_eq!(ev[0]["compatible"], false);
    assert_eq!(ev[1]["event"], "error");
    assert_eq!(ev[1]["code"], "version_mismatch");
    assert!(ev[1]["hint"].as_str().unwrap().contains("glossa-host install"));
}

#[test]
fn settings_round_trip_and_keys_never_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "sk-ant-api03-TOPSECRETVALUE-xyz789";
    let mut all_output = String::new();
    {
        let mut host = Host::start(dir.path());
        let ev = host.request(json!({"id":"s1","type":"put_settings","values":{
            "provider":"anthropic","anthropic.api_key":secret,"target_language":"ja"}}));
        all_output.push_str(&format!("{ev:?}"));
        let view = &ev[0];
        assert_eq!(view["event"], "settings");
        assert_eq!(view["provider"], "anthropic");
        assert_eq!(view["target_language"], "ja");
        assert_eq!(view["anthropic"]["api_key"]["set"], true);
        assert_eq!(view["anthropic"]["api_key"]["preview"], "…xyz789");

        let ev = host.request(json!({"id":"s2","type":"get_settings"}));
        all_output.push_str(&format!("{ev:?}"));
        assert_eq!(ev[0]["anthropic"]["api_key"]["preview"], "…xyz789");
        assert_eq!(ev[0]["openai"]["api_key"]["set"], false);

        let ev = host.request(json!({"id":"s3","type":"put_settings","values":{"ollama.url":"file:///etc/passwd"}}));
        assert_eq!(ev[0]["event"], "error");
        assert_eq!(ev[0]["code"], "invalid_setting");
        assert!(ev[0]["message"].as_str().unwrap().contains("ollama.url"));
        all_output.push_str(&host.stderr());
    }
    // A new process sees the saved settings.
    let mut host = Host::start(dir.path());
    let ev = host.request(json!({"id":"s4","type":"get_settings"}));
    assert_eq!(ev[0]["provider"], "anthropic");
    drop(host);

    assert!(!all_output.contains("TOPSECRETVALUE"), "the key came back over the protocol or into stderr");
    let outside_db: String = support::files_below(dir.path())
        .into_iter()
        .filter(|p| !p.to_string_lossy().contains("glossa.sqlite"))
        .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned())
        .collect();
    assert!(outside_db.contains("settings changed"), "the log file should record the change");
    assert!(!outside_db.contains("TOPSECRETVALUE"), "the key leaked into a log file");
}

#[test]
fn requests_run_concurrently_and_cancel_stops_only_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = Host::start(dir.path());
    host.put_settings(json!({"provider":"ollama","ollama.url": silent_server()}));

    host.send(json!({"id":"a","type":"translate_frame","image":jpeg_b64()}));
    host.send(json!({"id":"b","type":"translate_frame","image":jpeg_b64()}));
    // Both are stuck on the silent server; the host still answers.
    let ev = host.request(json!({"id":"p","type":"ping"}));
    assert_eq!(ev[0]["event"], "pong");

    host.send(json!({"id":"c1","type":"cancel","target":"a"}));
    let (a, others) = host.collect("a");
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0]["event"], "error");
    assert_eq!(a[0]["code"], "cancelled");
    assert!(others.iter().all(|e| e["id"] != "b"), "b must still be running: {others:?}");
    let (c1, _) = host.collect("c1");
    assert_eq!(c1[0]["event"], "done");

    // b is still in flight: cancel it too, and nothing more arrives for a.
    host.send(json!({"id":"c2","type":"cancel","target":"b"}));
    let (b, others) = host.collect("b");
    assert_eq!(b[0]["code"], "cancelled");
    assert!(others.iter().all(|e| e["id"] != "a"));
    let ev = host.request(json!({"id":"p2","type":"ping"}));
    assert_eq!(ev[0]["event"], "pong");
}

#[test]
fn bad_messages_get_errors_and_the_host_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = Host::start(dir.path());
    let not_json = b"this is not json";
    host.send_raw(&encode_frame(not_json));
    let ev = host.recv().unwrap();
    assert_eq!(ev["event"], "error");
    assert_eq!(ev["code"], "bad_json");

    let ev = host.request(json!({"id":"x","type":"teleport"}));
    assert_eq!(ev[0]["code"], "unknown_type");
    assert!(ev[0]["hint"].as_str().unwrap().contains("update"));

    let ev = host.request(json!({"id":"y","type":"cancel"}));
    assert_eq!(ev[0]["code"], "bad_request");

    let ev = host.request(json!({"id":"z","type":"translate_frame","image":"PGh0bWw+"}));
    assert_eq!(ev[0]["code"], "bad_image");

    host.send(json!({"id":"d","type":"ping"}));
    let ev = host.request(json!({"id":"d","type":"ping"}));
    // Either the duplicate is refused or the first finished already; both end properly.
    assert!(matches!(ev.last().unwrap()["event"].as_str(), Some("done" | "error")));
    let ev = host.request(json!({"id":"ok","type":"ping"}));
    assert_eq!(ev[0]["event"], "pong");
}

#[test]
fn oversize_frame_ends_the_session_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = Host::start(dir.path());
    host.send_raw(&(64u32 * 1024 * 1024 + 1).to_ne_bytes());
    assert!(host.recv().is_none(), "no reply expected after an oversize header");
    let status = host.wait_exit(Duration::from_secs(10));
    assert!(status.success(), "{status:?}");
    assert!(host.stderr().contains("exceeds"), "log should say why: {}", host.stderr());
}

#[test]
fn truncated_frame_at_eof_ends_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = Host::start(dir.path());
    let mut partial = 100u32.to_ne_bytes().to_vec();
    partial.extend_from_slice(b"{\"id\":\"1\"");
    host.send_raw(&partial);
    host.close_stdin();
    host.wait_exit(Duration::from_secs(10));
    assert!(host.stderr().contains("stream ended inside a frame"), "{}", host.stderr());
}

#[test]
fn eof_ends_the_process_and_cancels_work_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = Host::start(dir.path());
    host.put_settings(json!({"provider":"ollama","ollama.url": silent_server()}));
    host.send(json!({"id":"busy","type":"translate_frame","image":jpeg_b64()}));
    let ev = host.request(json!({"id":"p","type":"ping"}));
    assert_eq!(ev[0]["event"], "pong");
    host.close_stdin();
    let status = host.wait_exit(Duration::from_secs(5));
    assert!(status.success());
}

#[test]
fn a_caller_that_is_not_glossa_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = Host::start_with_args(dir.path(), &["chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/"]);
    assert!(host.recv().is_none());
    let status = host.wait_exit(Duration::from_secs(10));
    assert!(!status.success());
}

#[test]
fn firefox_launch_is_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("dev.glossa.host.json");
    std::fs::write(&manifest, "{}").unwrap();
    let mut host = Host::start_with_args(dir.path(), &[manifest.to_str().unwrap(), "glossa@glossa.dev"]);
    let ev = host.request(json!({"id":"1","type":"ping"}));
    assert_eq!(ev[0]["event"], "pong");
}

#[test]
fn a_huge_picture_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = Host::start(dir.path());
    // 45 MiB of picture: the frame (60 MiB of base64) is within the 64 MiB frame limit.
    let mut bytes = JPEG.to_vec();
    bytes.resize(45 * 1024 * 1024, 0);
    let image = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(&bytes)
    };
    let ev = host.request(json!({"id":"big","type":"translate_frame","image": image}));
    assert_eq!(ev[0]["event"], "error");
    assert_eq!(ev[0]["code"], "too_large");
    assert!(ev[0]["hint"].as_str().unwrap().contains("smaller"));
    let ev = host.request(json!({"id":"next","type":"ping"}));
    assert_eq!(ev[0]["event"], "pong");
}

#[test]
fn a_corrupt_database_is_kept_aside_and_the_user_is_told() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("glossa.sqlite"), b"this is no database".repeat(500)).unwrap();
    let mut host = Host::start(dir.path());
    let ev = host.request(json!({"id":"g","type":"get_settings"}));
    assert_eq!(ev[0]["provider"], "local", "defaults are used");
    let warning = ev[0]["warnings"][0].as_str().expect("a warning for the user");
    assert!(warning.contains("damaged") && warning.contains("corrupt-"), "{warning}");
    let kept = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().contains("corrupt-"))
        .expect("the damaged file is kept");
    assert_eq!(std::fs::read(kept.path()).unwrap(), b"this is no database".repeat(500));
    // Settings work again.
    host.put_settings(json!({"target_language":"de"}));
}

#[test]
fn a_database_busy_in_another_process_never_loses_settings() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut host = Host::start(dir.path());
        host.put_settings(json!({"target_language":"ko"}));
    }
    // Another process holds a write transaction for longer than the host waits.
    let db = dir.path().join("glossa.sqlite");
    let writer = rusqlite::Connection::open(&db).unwrap();
    writer.execute_batch("BEGIN IMMEDIATE; UPDATE settings SET value=value;").unwrap();
    let mut host = Host::start(dir.path());
    let ev = host.request(json!({"id":"g","type":"get_settings"}));
    assert_eq!(ev[0]["target_language"], "ko", "reads are not blocked by a writer (WAL)");
    let ev = host.request(json!({"id":"p","type":"put_settings","values":{"target_language":"ja"}}));
    assert_eq!(ev[0]["code"], "storage", "{ev:?}");
    assert!(ev[0]["hint"].as_str().unwrap().contains("doctor"));
    writer.execute_batch("COMMIT").unwrap();
    drop(writer);
    host.put_settings(json!({"target_language":"ja"}));
    let ev = host.request(json!({"id":"g2","type":"get_settings"}));
    assert_eq!(ev[0]["target_language"], "ja");
}

#[test]
fn an_exclusively_locked_database_falls_back_to_defaults_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut host = Host::start(dir.path());
        host.put_settings(json!({"target_language":"ko"}));
    }
    let db = dir.path().join("glossa.sqlite");
    let locker = rusqlite::Connection::open(&db).unwrap();
    locker.execute_batch("PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; UPDATE settings SET value=value;").unwrap();
    let mut host = Host::start(dir.path());
    let ev = host.request(json!({"id":"g","type":"get_settings"}));
    assert_eq!(ev[0]["event"], "settings");
    assert_eq!(ev[0]["target_language"], "en", "defaults while the database cannot be read");
    let warnings = ev[0]["warnings"].to_string();
    assert!(warnings.contains("doctor") || warnings.contains("defaults"), "{warnings}");
    drop(locker);
}

#[test]
fn write_captions_puts_the_translations_on_their_cues_as_srt_or_vtt() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = Host::start(dir.path());
    let cues = json!([
        {"id":"1","start":1.2,"end":3.5,"text":"Hello."},
        {"id":"2","start":4.0,"end":6.0,"text":"Not answered."},
        {"id":"3","start":6.0,"end":7.0,"text":" "}
    ]);
    let translations = json!([{"id":"1","text":"Bonjour."}]);
    let ev = host.request(json!({"id":"w1","type":"write_captions","format":"srt","cues":cues,"translations":translations}));
    assert_eq!((ev[0]["event"].as_str(), ev[0]["format"].as_str()), (Some("captions"), Some("srt")));
    assert_eq!(ev[0]["text"], "1\n00:00:01,200 --> 00:00:03,500\nBonjour.\n\n2\n00:00:04,000 --> 00:00:06,000\nNot answered.\n\n");
    assert_eq!(ev[1]["event"], "done");
    let ev = host.request(json!({"id":"w2","type":"write_captions","format":"vtt","cues":cues,"translations":translations}));
    assert!(ev[0]["text"].as_str().unwrap().starts_with("WEBVTT\n\n1\n00:00:01.200 --> 00:00:03.500\nBonjour.\n"), "{}", ev[0]["text"]);
    let ev = host.request(json!({"id":"w3","type":"write_captions","format":"json3","cues":cues}));
    assert_eq!((ev[0]["event"].as_str(), ev[0]["code"].as_str()), (Some("error"), Some("bad_request")));
}
