//! `glossa-host translate-image FILE --json` against a fake Anthropic API: the items the
//! model wrote, with their boxes, and the picture's tokens by Anthropic's formula; the
//! plain output stays one translation per line.

mod support;

use serde_json::Value;
use support::FakeAnthropic;

const KEY: &str = "sk-ant-test";

async fn glossa(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_glossa-host"));
    command.args(args).env("GLOSSA_DATA_DIR", data);
    command.output().await.expect("glossa-host runs")
}

#[tokio::test(flavor = "multi_thread")]
async fn translate_image_json_prints_items_with_boxes_and_image_tokens() {
    let answer = r#"{"items":[{"original":"EXIT","translation":"SORTIE","box":[0.1,0.2,0.3,0.1]},{"original":"Open","translation":"Ouvert","box":null}]}"#;
    let (a, b) = answer.split_at(40);
    let fake = FakeAnthropic::start(KEY, vec![FakeAnthropic::reply(&[a, b]), FakeAnthropic::reply(&[a, b])]).await;
    let data = tempfile::tempdir().unwrap();
    for (key, value) in [("provider", "anthropic"), ("anthropic.base_url", fake.url.as_str()), ("anthropic.api_key", KEY)] {
        assert!(glossa(data.path(), &["settings", "set", key, value]).await.status.success());
    }
    let frame = support::test_model(support::FRAME);
    let frame = frame.to_str().unwrap();

    let out = glossa(data.path(), &["translate-image", frame, "--to", "fr", "--json"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(printed["items"][0], serde_json::json!({"original": "EXIT", "translation": "SORTIE", "box": [0.1, 0.2, 0.3, 0.1]}));
    assert_eq!(printed["items"][1]["box"], Value::Null);
    assert_eq!(printed.get("text"), None, "no leftover text");
    // frame.jpg is 320×180: within Claude's budget, sent as it is, 320 × 180 / 750 tokens.
    assert_eq!(printed["usage"]["image_tokens"], 77);

    let out = glossa(data.path(), &["translate-image", frame, "--to", "fr", "--with-original"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim_end(), "EXIT\nSORTIE\nOpen\nOuvert");

    let sent = fake.server.requests_to("/v1/messages");
    let system = sent[0].json()["system"].to_string();
    assert!(system.contains("Skip logos, watermarks"), "{system}");
}
