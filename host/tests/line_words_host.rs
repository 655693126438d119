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

/// Which lines the page asks `line_words` for is the host's to say, with each cue: those in
/// Japanese or Chinese (the page's language, else the line's script), not Korean or German.
/// Tracks already in the target language pass through, so no provider is needed.
#[test]
fn each_cue_says_whether_its_words_are_the_hosts() {
    let mut host = Host::start_in_temp_dir();
    let track = |host: &mut Host, id: &str, from: Option<&str>, to: &str, texts: &[&str]| -> Vec<(String, bool)> {
        let cues: Vec<Value> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| json!({"id": i.to_string(), "start": i as f64, "end": i as f64 + 1.0, "text": t}))
            .collect();
        let mut request =
            json!({"id": id, "type": "translate_track", "track": format!("youtube:{id}:x"), "to": to, "whole": true, "cues": cues});
        if let Some(from) = from {
            request["from"] = json!(from);
        }
        let events = host.request(request);
        assert_eq!(events.last().unwrap()["event"], "done", "{events:?}");
        events
            .iter()
            .filter(|e| e["event"] == "cues")
            .flat_map(|e| e["cues"].as_array().cloned().unwrap_or_default())
            .map(|c| (c["text"].as_str().unwrap().to_owned(), c.get("host_words") == Some(&json!(true))))
            .collect()
    };
    let said = |texts: &[&str], cut: bool| texts.iter().map(|t| (t.to_string(), cut)).collect::<Vec<_>>();

    assert_eq!(track(&mut host, "ja", Some("ja"), "ja", &["今日はいい天気ですね", "はい"]), said(&["今日はいい天気ですね", "はい"], true));
    assert_eq!(track(&mut host, "zh", Some("zh-CN"), "zh-CN", &["我在银行工作。"]), said(&["我在银行工作。"], true));
    assert_eq!(track(&mut host, "ko", Some("ko"), "ko", &["같이 가요."]), said(&["같이 가요."], false), "Korean: cut at spaces by both");
    assert_eq!(track(&mut host, "de", Some("de"), "de", &["Der Zug fährt um neun."]), said(&["Der Zug fährt um neun."], false));

    // No language named by the page (a live stream's caption DOM): each line's script says.
    host.put_settings(json!({"source_language": "ja", "target_language": "ja"}));
    let texts = ["明日学校に行きます。", "今天下雨", "같이 가요.", "See you."];
    assert_eq!(
        track(&mut host, "dom", None, "ja", &texts),
        vec![(texts[0].into(), true), (texts[1].into(), true), (texts[2].into(), false), (texts[3].into(), false)]
    );
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
