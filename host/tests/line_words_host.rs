//! A subtitle line's words as the player asks for them when it has no reading tokens
//! (readings off): `line_words` over the native-messaging pipes, answered with the host's
//! analyser's cut (vibrato for Japanese, jieba for Chinese) — the cut the dictionary
//! lookup uses — whose surfaces make up the line, then `done`. Without the reading data,
//! an error the page keeps its own cut on.
//!
//! Needs the reading data: `tests/tools/fetch-reading-data.sh` (run-all.sh runs it and sets
//! GLOSSA_READING_DATA).

mod support;

use std::path::PathBuf;

use serde_json::{json, Value};
use support::Host;

fn reading_data() -> PathBuf {
    let dir = std::env::var_os("GLOSSA_READING_DATA").map(PathBuf::from).unwrap_or_else(|| {
        let cache = std::env::var_os("GLOSSA_CACHE")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/glossa-dev"));
        cache.join("reading")
    });
    assert!(
        dir.join("ipadic").is_dir() && dir.join("zh").is_dir(),
        "no reading data in {}: run tests/tools/fetch-reading-data.sh",
        dir.display()
    );
    dir
}

fn line_words(id: &str, lang: &str, text: &str) -> Value {
    json!({"id": id, "type": "line_words", "lang": lang, "text": text})
}

/// The `line_words` event's words, after checking the request ended with `done`.
fn words_of(events: &[Value]) -> Vec<String> {
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0]["event"], "line_words", "{events:?}");
    assert_eq!(events[1]["event"], "done", "{events:?}");
    events[0]["words"].as_array().unwrap().iter().map(|w| w.as_str().unwrap().to_owned()).collect()
}

#[test]
fn a_japanese_or_chinese_line_is_cut_by_the_hosts_analyser() {
    let dir = tempfile::tempdir().unwrap();
    let reading = reading_data().display().to_string();
    let mut host = Host::start_with_env(dir.path(), &[("GLOSSA_READING_DATA", Some(&reading))]);

    // Japanese: vibrato's words, the ones a click looks up (Firefox's segmenter cuts はい|い).
    let events = host.request(line_words("j1", "ja", "今日はいい天気ですね"));
    assert_eq!(words_of(&events), ["今日", "は", "いい", "天気", "です", "ね"], "{}", host.stderr());
    assert_eq!(events[0]["lang"], "ja");

    // Chinese: jieba's words.
    let events = host.request(line_words("z1", "zh-CN", "我在银行工作。"));
    assert_eq!(words_of(&events), ["我", "在", "银行", "工作", "。"]);
    assert_eq!(events[0]["lang"], "zh-CN");

    // No language named (a live stream's caption DOM, a burned-in line): the script says it.
    let events = host.request(line_words("j2", "", "明日学校に行きます。"));
    let words = words_of(&events);
    assert_eq!(events[0]["lang"], "ja", "kana: Japanese");
    assert_eq!(words.concat(), "明日学校に行きます。", "the words make up the line");
    assert!(words.contains(&"学校".to_owned()) && words.contains(&"行き".to_owned()), "{words:?}");
    let events = host.request(line_words("z2", "", "今天天气很好"));
    assert_eq!(events[0]["lang"], "zh", "Han alone: Chinese");
    assert_eq!(words_of(&events).concat(), "今天天气很好");

    // Spaces and marks stay pieces of the line.
    let text = "「はい」 そうです！";
    assert_eq!(words_of(&host.request(line_words("j3", "ja", text))).concat(), text);
}

#[test]
fn without_the_reading_data_or_a_language_the_answer_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let none = dir.path().join("no-reading-data").display().to_string();
    let mut host = Host::start_with_env(&dir.path().join("data"), &[("GLOSSA_READING_DATA", Some(&none))]);

    let events = host.request(line_words("m1", "ja", "今日はいい天気ですね"));
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["event"], "error", "{events:?}");
    assert!(events[0]["message"].as_str().unwrap_or_default().contains("no-reading-data"), "says where the data is missing: {}", events[0]);

    // A line whose script says no language, with none named.
    let events = host.request(line_words("m2", "", "123 !!"));
    assert_eq!((events[0]["event"].as_str(), events[0]["code"].as_str()), (Some("error"), Some("bad_request")), "{events:?}");
}
