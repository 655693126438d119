//! Video context for subtitle batches (#15): a frame the page sends with a track request
//! reaches the subtitle model's request only when `subtitles.video_context` is on and the
//! model reads images, with a sentence saying the picture is context only. Through the
//! real `glossa-host` process, a fake Ollama behind.

mod support;

use base64::Engine;
use serde_json::{json, Value};
use support::{FakeModel, FakeOllama, Host};

const CAPTIONS: &str = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nHello there.\n\n00:00:03.500 --> 00:00:06.000\nShe is my sister.\n";
const ANSWER: &str =
    r#"{"lines":[{"id":"1","src":"Hello there.","text":"Bonjour."},{"id":"2","src":"She is my","text":"C'est ma sœur."}],"terms":[]}"#;
const VISION: &str = "gemma3:12b";
const TEXT_ONLY: &str = "llama3.2:latest";

/// A picture as the host sniffs it (JPEG magic), standing for the page's keyframe.
fn keyframe_b64() -> String {
    base64::engine::general_purpose::STANDARD.encode(b"\xFF\xD8\xFF\xE0\x00\x10JFIF a keyframe")
}

/// A track request with a keyframe taken just before its first line, as the page sends it.
fn track_request(id: &str, track: &str) -> Value {
    json!({
        "id": id, "type": "translate_track", "track": track, "from": "en", "to": "fr", "playhead": 0.5,
        "captions": {"format": "vtt", "text": CAPTIONS},
        "keyframe": {"image": keyframe_b64(), "at": 0.5},
    })
}

/// The track's `track` event and the chat requests the fake received, for `model` with the
/// setting as given (`None`: its default).
fn translate(model: &str, video_context: Option<&str>) -> (Value, Vec<Value>) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fake = rt.block_on(FakeOllama::start(
        vec![FakeModel::vision(VISION), FakeModel::text(TEXT_ONLY)],
        vec![FakeOllama::reply(VISION, &[ANSWER])],
    ));
    let dir = tempfile::tempdir().unwrap();
    let mut host = Host::start(dir.path());
    let mut settings = json!({"provider": "ollama", "ollama.url": fake.url, "ollama.subtitle_model": model, "target_language": "fr"});
    if let Some(on) = video_context {
        settings["subtitles.video_context"] = json!(on);
    }
    host.put_settings(settings);
    let events = host.request(track_request("t1", &format!("youtube:v-{model}:en:standard")));
    assert_eq!(events.last().unwrap()["event"], "done", "{events:?}\n{}", host.stderr());
    let translated: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "cues")
        .flat_map(|e| e["cues"].as_array().unwrap())
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    assert_eq!(translated, ["Bonjour.", "C'est ma sœur."], "{events:?}");
    let track = events.iter().find(|e| e["event"] == "track").cloned().expect("a track event");
    (track, fake.server.requests_to("/api/chat").iter().map(support::fake_server::Request::json).collect())
}

fn user_message(chat: &Value) -> &Value {
    chat["messages"].as_array().unwrap().iter().find(|m| m["role"] == "user").expect("a user message")
}

#[test]
fn a_vision_model_sees_the_keyframe_with_the_batch_by_default() {
    let (track, chats) = translate(VISION, None);
    assert_eq!(track["keyframes"], 384, "the page is asked for keyframes of 384 px: {track}");
    assert_eq!(chats.len(), 1, "{chats:?}");
    let user = user_message(&chats[0]);
    assert_eq!(user["images"], json!([keyframe_b64()]), "the keyframe goes with the batch");
    let text = user["content"].as_str().unwrap();
    assert!(
        text.starts_with("The picture is a frame of this video shown around these lines. It is context only"),
        "the model is told what the picture is for: {text}"
    );
    assert!(text.contains("translate the lines, do not describe or translate the picture"), "{text}");
}

#[test]
fn a_model_that_reads_no_images_never_receives_one() {
    let (track, chats) = translate(TEXT_ONLY, Some("true"));
    assert_eq!(track.get("keyframes"), None, "no keyframes asked for: {track}");
    assert!(!chats.is_empty());
    for chat in &chats {
        assert_eq!(user_message(chat).get("images"), None, "{chat}");
        assert!(!user_message(chat)["content"].as_str().unwrap().contains("picture"), "{chat}");
    }
}

#[test]
fn with_the_setting_off_no_picture_is_sent() {
    let (track, chats) = translate(VISION, Some("false"));
    assert_eq!(track.get("keyframes"), None, "{track}");
    assert!(!chats.is_empty());
    for chat in &chats {
        assert_eq!(user_message(chat).get("images"), None, "{chat}");
        assert!(!user_message(chat)["content"].as_str().unwrap().contains("picture"), "{chat}");
    }
}
