//! Readings as a person meets them: `glossa-host reading` on the terminal, and the reading
//! that travels with each cue of a track when the user turned readings on for its language
//! (Korean here: rule-based, no dictionary to fetch).

mod support;

use std::process::Command;

use serde_json::{json, Value};
use support::host::Host;

fn glossa(args: &[&str], data: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_glossa-host"))
        .args(args)
        .env("GLOSSA_DATA_DIR", data)
        .env("GLOSSA_READING_DATA", data.join("no-reading-data"))
        .output()
        .unwrap()
}

#[test]
fn the_cli_prints_the_reading_and_json_words_that_make_up_the_line() {
    let data = tempfile::tempdir().unwrap();
    let out = glossa(&["reading", "같이 가요. 신라 종로", "--lang", "ko"], data.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim_end(), "gachi gayo. silla jongno");

    let out = glossa(&["reading", "Ещё чаю", "--lang", "ru", "--json"], data.path());
    assert!(out.status.success());
    let tokens: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let surfaces: String = tokens.iter().map(|t| t["surface"].as_str().unwrap()).collect();
    assert_eq!(surfaces, "Ещё чаю");
    assert_eq!(tokens[0], json!({"surface": "Ещё", "reading": "Yeshchyo"}));
}

#[test]
fn an_unsupported_language_or_missing_dictionary_is_a_clear_error() {
    let data = tempfile::tempdir().unwrap();
    let out = glossa(&["reading", "bonjour", "--lang", "fr"], data.path());
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("No reading for language \"fr\"; supported: ja, zh, ko, ru, uk, el."), "{stderr}");

    let out = glossa(&["reading", "今日", "--lang", "ja"], data.path());
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Japanese dictionary (IPADIC) for readings is not installed") && stderr.contains("fetch-reading-data.sh"),
        "{stderr}"
    );
}

/// A Korean track watched in Korean passes through untranslated (no provider), each cue with
/// its reading when `display.readings` names Korean, and without one when it does not.
#[test]
fn cues_carry_their_reading_when_the_user_asked_for_the_language() {
    let mut host = Host::start_in_temp_dir();
    let track = |id: &str| {
        json!({"id": id, "type": "translate_track", "track": "youtube:k:ko", "from": "ko", "to": "ko", "whole": true,
               "cues": [{"id": "1", "start": 0.0, "end": 2.0, "text": "감사합니다."}, {"id": "2", "start": 2.0, "end": 4.0, "text": "같이 가요."}]})
    };
    let cues_of = |events: &[Value]| -> Vec<Value> {
        events.iter().filter(|e| e["event"] == "cues").flat_map(|e| e["cues"].as_array().cloned().unwrap_or_default()).collect()
    };

    let off = cues_of(&host.request(track("off")));
    assert_eq!(off.len(), 2);
    assert!(off.iter().all(|c| c.get("reading").is_none()), "readings are off by default: {off:?}");

    host.put_settings(json!({"display.readings": "ja, KO"}));
    let on = cues_of(&host.request(track("on")));
    assert_eq!(on.len(), 2);
    assert_eq!(on[0]["reading"], json!([{"surface": "감사합니다", "reading": "gamsahamnida"}, {"surface": ".", "reading": ""}]));
    let second: String = on[1]["reading"].as_array().unwrap().iter().map(|t| t["surface"].as_str().unwrap()).collect();
    assert_eq!(second, "같이 가요.", "the reading's words make up the original line");
}
