//! `translate_burnin_line` through the real `glossa-host` process, as the extension's
//! burned-in mode sends it: a strip's picture read once by the frame model, its text and
//! translation answered as one `burnin_line` event, and the same video's line at the same
//! time served from the cache (a re-watch or a seek back costs no call).

mod support;

use base64::Engine;
use glossa_host::pipeline::burnin::StripPicture;
use serde_json::{json, Value};
use support::{FakeModel, FakeOllama, Host};

fn strip_b64() -> String {
    let png = StripPicture { width: 8, height: 2, rgb: vec![250; 8 * 2 * 3] }.png();
    base64::engine::general_purpose::STANDARD.encode(png)
}

fn line_event(events: &[Value]) -> &Value {
    events.iter().find(|e| e["event"] == "burnin_line").unwrap_or_else(|| panic!("no burnin_line in {events:?}"))
}

#[test]
fn a_burned_in_line_is_read_once_and_then_cached() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fake = rt.block_on(FakeOllama::start(
        vec![FakeModel::vision("gemma3:12b")],
        vec![
            FakeOllama::reply("gemma3:12b", &["{\"text\": \"今日は\", ", "\"translation\": \"Hello\"}"]),
            FakeOllama::reply("gemma3:12b", &["{\"text\": \"\", \"translation\": \"\"}"]),
        ],
    ));
    let dir = tempfile::tempdir().unwrap();
    let mut host = Host::start(dir.path());
    host.put_settings(json!({"provider": "ollama", "ollama.url": fake.url, "target_language": "en"}));

    let line =
        |id: &str, at: f64| json!({"id": id, "type": "translate_burnin_line", "image": strip_b64(), "video": "youtube:abc", "at": at});
    let events = host.request(line("b1", 12.5));
    assert_eq!(events.last().unwrap()["event"], "done", "{events:?}\n{}", host.stderr());
    assert_eq!(line_event(&events)["text"], "今日は");
    assert_eq!(line_event(&events)["translation"], "Hello");
    assert_eq!(line_event(&events).get("cached"), None);
    assert_eq!(line_event(&events)["host_words"], true, "kana: the page asks the host for its words");
    let sent = fake.server.requests_to("/api/chat");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].json()["messages"][1]["images"][0], strip_b64());

    // The same line again (a seek back): from the cache, no call.
    let events = host.request(line("b2", 12.5));
    assert_eq!(line_event(&events)["translation"], "Hello");
    assert_eq!(line_event(&events)["cached"], true);
    assert_eq!(fake.server.requests_to("/api/chat").len(), 1);

    // The same line as a re-watch in the browser measures it, a sample's phase away: cached too.
    for (id, at) in [("b2a", 12.71), ("b2b", 12.28)] {
        let events = host.request(line(id, at));
        assert_eq!(line_event(&events)["cached"], true, "{at}: {events:?}");
    }
    assert_eq!(fake.server.requests_to("/api/chat").len(), 1);

    // Another time is another line; a strip with no text reads as empty.
    let events = host.request(line("b3", 20.0));
    assert_eq!(line_event(&events)["text"], "");
    assert_eq!(fake.server.requests_to("/api/chat").len(), 2);

    // Not a picture: the frame pipeline's error.
    let events = host.request(json!({"id": "b4", "type": "translate_burnin_line", "image": "***", "video": "youtube:abc", "at": 1.0}));
    assert_eq!(events.last().unwrap()["code"], "bad_image", "{events:?}");
}

/// A burned-in line carries its reading, as a track's cue does, when the user turned readings
/// on for the language its text is in (the page does not know it: the script tells), and
/// none when they did not.
#[test]
fn a_burned_in_line_carries_its_reading_when_readings_are_on_for_its_language() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let reply = || FakeOllama::reply("gemma3:12b", &["{\"text\": \"같이 가요.\", \"translation\": \"Let's go together.\"}"]);
    let fake = rt.block_on(FakeOllama::start(vec![FakeModel::vision("gemma3:12b")], vec![reply(), reply()]));
    let dir = tempfile::tempdir().unwrap();
    let mut host = Host::start(dir.path());
    host.put_settings(json!({"provider": "ollama", "ollama.url": fake.url, "target_language": "en", "display.readings": "ja,ko"}));
    let line = |id: &str, video: &str| json!({"id": id, "type": "translate_burnin_line", "image": strip_b64(), "video": video, "at": 3.0});

    let events = host.request(line("r1", "youtube:ko1"));
    let event = line_event(&events);
    assert_eq!(event["text"], "같이 가요.");
    let tokens = event["reading"].as_array().unwrap_or_else(|| panic!("no reading in {event}"));
    let surfaces: String = tokens.iter().map(|t| t["surface"].as_str().unwrap()).collect();
    assert_eq!(surfaces, "같이 가요.", "the reading's words make up the line");
    let read: Vec<&str> = tokens.iter().filter_map(|t| t["reading"].as_str()).filter(|r| !r.is_empty()).collect();
    assert_eq!(read, ["gachi", "gayo"]);
    assert_eq!(event.get("host_words"), None, "Korean: the browser cuts it at spaces, as the host");

    host.put_settings(json!({"display.readings": "ja"}));
    let events = host.request(line("r2", "youtube:ko2"));
    assert_eq!(line_event(&events)["text"], "같이 가요.");
    assert_eq!(line_event(&events).get("reading"), None, "Korean readings are off");
}
