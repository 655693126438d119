//! `translate-text` and `translate-subs` when the source is already in the target language:
//! the text comes back as it is and the provider is never asked (here it is unreachable,
//! so any call would fail the command).

use std::process::{Command, Output};

fn glossa(data: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_glossa-host")).args(args).env("GLOSSA_DATA_DIR", data).output().unwrap()
}

fn data_dir_with_unreachable_provider() -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    for (key, value) in [("provider", "ollama"), ("ollama.url", "http://127.0.0.1:9"), ("target_language", "en")] {
        let out = glossa(data.path(), &["settings", "set", key, value]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    data
}

#[test]
fn translate_text_into_its_own_language_prints_it_unchanged() {
    let data = data_dir_with_unreachable_provider();
    let out = glossa(data.path(), &["translate-text", "Mind the gap, please.", "--from", "en-GB", "--to", "en"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim_end(), "Mind the gap, please.");

    // Another language still goes to the provider (which is not there).
    let out = glossa(data.path(), &["translate-text", "Mind the gap, please.", "--from", "de", "--to", "en"]);
    assert!(!out.status.success());
}

#[test]
fn translate_subs_into_the_tracks_own_language_writes_it_unchanged() {
    let data = data_dir_with_unreachable_provider();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("talk.srt");
    std::fs::write(&input, "1\n00:00:01,000 --> 00:00:02,500\nMind the gap,\nplease.\n\n2\n00:00:03,000 --> 00:00:04,000\nThe end.\n\n")
        .unwrap();
    let output = dir.path().join("talk.en.srt");
    let report = dir.path().join("report.json");
    let out = glossa(
        data.path(),
        &["translate-subs", input.to_str().unwrap(), "--from", "en", "-o", output.to_str().unwrap(), "--report", report.to_str().unwrap()],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("with 0 provider calls"), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(report["calls"], 0);
    assert_eq!(report["lines"][1]["source"], "The end.");
    assert_eq!(report["lines"][1]["text"], "The end.");
    assert_eq!(report["lines"][1]["checks"], serde_json::json!({"src_matched": null, "echo_refused": 0, "asked": 0}));
    let written = std::fs::read_to_string(&output).unwrap();
    assert!(written.contains("00:00:01,000 --> 00:00:02,500\nMind the gap,\nplease.\n"), "{written}");
    assert!(written.contains("00:00:03,000 --> 00:00:04,000\nThe end.\n"), "{written}");
}
