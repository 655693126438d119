//! A word's meaning as the player asks for it: `lookup_word` over the native-messaging
//! pipes, answered with the offline dictionary's entries at once, then the model's note on
//! the word in its line (a fake Ollama behind), then `done`; the same word in the same line
//! again streams the kept note without a provider call. The dictionaries are the small
//! fixtures in tests/fixtures/dict, in the form the setup step writes.

mod support;

use std::path::Path;

use serde_json::{json, Value};
use support::fakes::ollama_error;
use support::{FakeModel, FakeOllama, Host};

const MODEL: &str = "llama3.2:latest";

/// A reading data folder holding only the fixture dictionaries (no analyser: words are
/// looked up as written).
fn fixture_data(dir: &Path) -> String {
    let dict = dir.join("reading/dict");
    std::fs::create_dir_all(&dict).unwrap();
    let src = support::host_dir().join("tests/fixtures/dict");
    for name in ["jmdict.tsv", "cedict.tsv"] {
        std::fs::copy(src.join(name), dict.join(name)).unwrap();
    }
    dir.join("reading").display().to_string()
}

fn start(fake_url: &str) -> (tempfile::TempDir, Host) {
    let dir = tempfile::tempdir().unwrap();
    let reading = fixture_data(dir.path());
    let mut host = Host::start_with_env(&dir.path().join("data"), &[("GLOSSA_READING_DATA", Some(&reading))]);
    host.put_settings(json!({"provider": "ollama", "ollama.url": fake_url, "ollama.subtitle_model": MODEL, "target_language": "en"}));
    (dir, host)
}

fn lookup(id: &str, word: &str, lang: &str, line: &str, offset: u32) -> Value {
    json!({"id": id, "type": "lookup_word", "word": word, "lang": lang, "to": "en", "line": line, "offset": offset,
           "translation": "The weather is nice today."})
}

fn note(events: &[Value]) -> String {
    events.iter().filter(|e| e["event"] == "delta").map(|e| e["text"].as_str().unwrap_or_default()).collect()
}

#[test]
fn entries_come_first_then_the_note_which_a_second_click_reads_from_the_cache() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fake = rt.block_on(FakeOllama::start(
        vec![FakeModel::text(MODEL)],
        vec![FakeOllama::reply(MODEL, &["Here 天気 is ", "the weather, ", "which is nice."])],
    ));
    let (_dir, mut host) = start(&fake.url);

    let events = host.request(lookup("w1", "天気", "ja", "今日はいい天気", 5));
    assert_eq!(events[0]["event"], "word_entries", "{events:?}\n{}", host.stderr());
    assert_eq!(events[0]["lemma"], "天気");
    assert_eq!(
        events[0]["entries"][0],
        json!({"headword": "天気", "reading": "てんき", "pos": ["noun (common) (futsuumeishi)"],
               "senses": ["weather; the elements", "fair weather; fine weather"], "senses_lang": "en", "source": "JMdict"})
    );
    assert!(events[1..].iter().all(|e| e["event"] != "word_entries"), "one entries event: {events:?}");
    assert_eq!(note(&events), "Here 天気 is the weather, which is nice.");
    assert_eq!(events.last().unwrap()["event"], "done", "{events:?}");
    assert_eq!(events.last().unwrap()["usage"]["provider_calls"], 1);

    let sent = fake.server.requests_to("/api/chat");
    assert_eq!(sent.len(), 1);
    let user = sent[0].json()["messages"][1]["content"].as_str().unwrap().to_owned();
    assert!(
        user.contains("Line: 今日はいい天気") && user.contains("Translation: The weather is nice today.") && user.contains("Word: 天気"),
        "{user}"
    );
    let system = sent[0].json()["messages"][0]["content"].as_str().unwrap().to_owned();
    assert!(system.contains("Japanese (ja) subtitle line") && system.contains("Say in English (en)"), "{system}");

    // the same word in the same line: the same entries and note, no second call
    let again = host.request(lookup("w2", "天気", "ja", "今日はいい天気", 5));
    assert_eq!(again[0]["entries"], events[0]["entries"]);
    assert_eq!(note(&again), "Here 天気 is the weather, which is nice.");
    assert_eq!(again.last().unwrap()["event"], "done", "{again:?}");
    assert_eq!(fake.server.requests_to("/api/chat").len(), 1, "the note came from the cache");
}

#[test]
fn chinese_finds_traditional_headwords_and_a_language_without_a_dictionary_still_gets_its_note() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fake = rt.block_on(FakeOllama::start(
        vec![FakeModel::text(MODEL)],
        vec![FakeOllama::reply(MODEL, &["A bank."]), FakeOllama::reply(MODEL, &["Weather, here."])],
    ));
    let (_dir, mut host) = start(&fake.url);

    let events = host.request(lookup("z1", "銀行", "zh-Hant", "我在銀行工作", 2));
    assert_eq!(events[0]["lemma"], "銀行", "{events:?}");
    assert_eq!(events[0]["entries"][0]["headword"], "銀行");
    assert_eq!(events[0]["entries"][0]["reading"], "yín háng");
    assert_eq!(events[0]["entries"][0]["source"], "CC-CEDICT");
    assert_eq!(note(&events), "A bank.");

    let events = host.request(lookup("f1", "temps", "fr", "Il fait beau temps", 13));
    assert_eq!(events[0], json!({"id": "f1", "event": "word_entries", "lemma": "temps", "entries": [], "lang": "fr"}));
    assert_eq!(note(&events), "Weather, here.");
    assert_eq!(events.last().unwrap()["event"], "done");
}

#[test]
fn a_provider_error_after_the_entries_leaves_them_and_is_not_cached() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fake = rt.block_on(FakeOllama::start(
        vec![FakeModel::text(MODEL)],
        vec![ollama_error(404, &format!("model \"{MODEL}\" not found, try pulling it first")), FakeOllama::reply(MODEL, &["Weather."])],
    ));
    let (_dir, mut host) = start(&fake.url);

    let events = host.request(lookup("e1", "天気", "ja", "今日はいい天気", 5));
    assert_eq!(events[0]["event"], "word_entries", "{events:?}");
    assert_eq!(events[0]["entries"][0]["headword"], "天気");
    let last = events.last().unwrap();
    assert_eq!(last["event"], "error", "{events:?}");
    assert!(last["message"].as_str().unwrap_or_default().contains(MODEL), "{last}");

    let events = host.request(lookup("e2", "天気", "ja", "今日はいい天気", 5));
    assert_eq!(note(&events), "Weather.", "asked again after the error: {events:?}");
    assert_eq!(events.last().unwrap()["event"], "done");
}

#[test]
fn a_line_without_a_language_is_looked_up_in_the_one_its_script_says_or_with_none_named() {
    // A live stream's caption line or a burned-in line: the page knows no language (`lang` empty).
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fake = rt.block_on(FakeOllama::start(
        vec![FakeModel::text(MODEL)],
        vec![
            FakeOllama::reply(MODEL, &["The weather."]),
            FakeOllama::reply(MODEL, &["A bank."]),
            FakeOllama::reply(MODEL, &["Weather, here."]),
        ],
    ));
    let (_dir, mut host) = start(&fake.url);

    let events = host.request(lookup("s1", "天気", "", "今日はいい天気", 5));
    assert_eq!(events[0]["event"], "word_entries", "{events:?}\n{}", host.stderr());
    assert_eq!(events[0]["entries"][0]["headword"], "天気", "{events:?}");
    assert_eq!(events[0]["entries"][0]["reading"], "てんき");
    assert_eq!(events[0]["entries"][0]["source"], "JMdict");
    assert_eq!(events[0]["lang"], "ja", "kana: Japanese, the language looked up in");
    assert_eq!(note(&events), "The weather.");
    assert_eq!(events.last().unwrap()["event"], "done", "{events:?}");
    let sent = fake.server.requests_to("/api/chat");
    let system = sent[0].json()["messages"][0]["content"].as_str().unwrap().to_owned();
    assert!(system.contains("Japanese (ja) subtitle line"), "the model is told the language: {system}");

    // Han alone: Chinese, CC-CEDICT.
    let events = host.request(lookup("s2", "银行", "", "我在银行工作", 2));
    assert_eq!((events[0]["lang"].as_str(), events[0]["entries"][0]["source"].as_str()), (Some("zh"), Some("CC-CEDICT")), "{events:?}");

    // Latin letters, which many languages share: no language named, so no dictionary, and
    // the model reads the language from the line (no source language is set here).
    let events = host.request(lookup("s3", "weather", "", "nice weather today", 5));
    assert_eq!(events[0], json!({"id": "s3", "event": "word_entries", "lemma": "weather", "entries": [], "lang": ""}), "{events:?}");
    assert_eq!(note(&events), "Weather, here.");
    let sent = fake.server.requests_to("/api/chat");
    let system = sent.last().unwrap().json()["messages"][0]["content"].as_str().unwrap().to_owned();
    assert!(system.contains("understand a subtitle line"), "no language is named: {system}");

    // No letter at all: a clear error, in the text table, and no provider call.
    let calls = fake.server.requests_to("/api/chat").len();
    let events = host.request(lookup("s4", "123", "", "123 !!", 0));
    assert_eq!(events.len(), 1, "{events:?}");
    let error = &events[0];
    assert_eq!((error["event"].as_str(), error["code"].as_str()), (Some("error"), Some("bad_request")), "{error}");
    assert_eq!(error["message_text"]["key"], "errWordLangUnknown", "{error}");
    assert_eq!(error["message"], "Glossa cannot tell which language this line is in.");
    assert_eq!(error["hint"], "Click a word written in letters.", "{error}");
    assert_eq!(fake.server.requests_to("/api/chat").len(), calls);
}

/// `glossa-host define` with the fixture dictionaries (data under `dir`).
fn define(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_glossa-host"))
        .args(args)
        .env("GLOSSA_DATA_DIR", dir.join("data"))
        .env("GLOSSA_READING_DATA", dir.join("reading"))
        .output()
        .unwrap()
}

#[test]
fn define_prints_the_entries_and_with_a_line_the_note_which_it_asks_for_once() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fake = rt.block_on(FakeOllama::start(vec![FakeModel::text(MODEL)], vec![FakeOllama::reply(MODEL, &["Weather: ", "fine today."])]));
    let dir = tempfile::tempdir().unwrap();
    fixture_data(dir.path());

    let out = define(dir.path(), &["define", "天気", "--lang", "ja"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "天気 【てんき】  (JMdict)\n  noun (common) (futsuumeishi)\n  1. weather; the elements\n  2. fair weather; fine weather\n"
    );

    for (key, value) in [("provider", "ollama"), ("ollama.url", fake.url.as_str()), ("ollama.subtitle_model", MODEL)] {
        assert!(define(dir.path(), &["settings", "set", key, value]).status.success());
    }
    let with_note = ["define", "天気", "--lang", "ja", "--line", "今日はいい天気", "--to", "en", "--json"];
    let out = define(dir.path(), &with_note);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let found: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((found["lemma"].as_str(), found["note"].as_str()), (Some("天気"), Some("Weather: fine today.")), "{found}");
    assert_eq!(found["entries"][0]["reading"], "てんき");

    let out = define(dir.path(), &with_note);
    let again: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(again["note"], "Weather: fine today.");
    assert!(String::from_utf8_lossy(&out.stderr).contains("(from the cache)"));
    assert_eq!(fake.server.requests_to("/api/chat").len(), 1, "the second note came from the cache");

    let out = define(dir.path(), &["define", "天気", "--lang", "ja", "--line", "今日はいい天気", "--no-note"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("In this line"));
    assert_eq!(fake.server.requests_to("/api/chat").len(), 1, "--no-note: no call");

    // Without --lang, the line's script says Japanese (kana): the same entry, and the same
    // note from the cache.
    let out = define(dir.path(), &["define", "天気", "--line", "今日はいい天気", "--to", "en", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let found: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((found["entries"][0]["source"].as_str(), found["note"].as_str()), (Some("JMdict"), Some("Weather: fine today.")), "{found}");
    assert_eq!(fake.server.requests_to("/api/chat").len(), 1, "the note came from the cache");
    let out = define(dir.path(), &["define", "123"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Cannot tell which language \"123\" is in: give --lang"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn define_names_the_languages_with_a_dictionary_and_how_to_fetch_a_missing_one() {
    let dir = tempfile::tempdir().unwrap();
    fixture_data(dir.path());
    let out = define(dir.path(), &["define", "temps", "--lang", "fr"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no dictionary for language \"fr\"; dictionaries exist for: ja, zh"), "{stderr}");

    let empty = tempfile::tempdir().unwrap();
    let out = define(empty.path(), &["define", "天気", "--lang", "ja"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("JMdict dictionary is not installed") && stderr.contains("fetch-dictionaries.sh"), "{stderr}");
}
