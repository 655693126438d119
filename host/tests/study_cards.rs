//! Study cards as a learner keeps them: a line saved from the player (the extension's
//! `save_study_card`), then exported for Anki from the options page (`export_study_cards`)
//! and from the terminal (`glossa-host study export`), the same file both ways.

mod support;

use std::process::Command;

use base64::Engine as _;
use serde_json::{json, Value};
use support::host::Host;

const JPEG: [u8; 8] = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 0x4A, 0x46];

fn glossa(args: &[&str], data: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_glossa-host"))
        .args(args)
        .env("GLOSSA_DATA_DIR", data)
        .env("GLOSSA_READING_DATA", data.join("no-reading-data"))
        .output()
        .unwrap()
}

fn only(events: &[Value], kind: &str) -> Value {
    let found: Vec<&Value> = events.iter().filter(|e| e["event"] == kind).collect();
    assert_eq!(found.len(), 1, "one {kind} event: {events:?}");
    found[0].clone()
}

#[test]
fn a_saved_line_exports_as_an_anki_row_with_its_picture_and_link() {
    let data = tempfile::tempdir().unwrap();
    let mut host = Host::start_with_env(data.path(), &[("GLOSSA_READING_DATA", Some(&data.path().join("none").display().to_string()))]);
    let picture = base64::engine::general_purpose::STANDARD.encode(JPEG);
    let saved = host.request(json!({"id": "s1", "type": "save_study_card", "sentence": "같이 가요.", "translation": "Let's go\ttogether.",
        "lang": "ko", "video": "vid_123-x", "at": 42.7, "picture": picture}));
    assert_eq!(only(&saved, "study_saved")["cards"], 1, "{saved:?}");

    let bad =
        host.request(json!({"id": "s2", "type": "save_study_card", "sentence": "x", "video": "v", "at": 1.0, "picture": "not base64!"}));
    assert_eq!(only(&bad, "error")["code"], "bad_image");

    let exported = only(&host.request(json!({"id": "e1", "type": "export_study_cards"})), "study_export");
    assert_eq!((exported["cards"].as_u64(), exported["pictures"].as_u64()), (Some(1), Some(1)));
    let tsv = exported["tsv"].as_str().unwrap();
    let lines: Vec<&str> = tsv.lines().collect();
    assert_eq!(lines[..3], ["#separator:tab", "#html:true", "#columns:Word\tReading\tMeaning\tSentence\tTranslation\tPicture\tLink"]);
    let row: Vec<&str> = lines[3].split('\t').collect();
    assert_eq!(row.len(), 7, "{row:?}");
    assert_eq!(row[0], "같이 가요.");
    assert_eq!(row[1], "gachi gayo.", "the host read the Korean line itself");
    assert_eq!(row[4], "Let's go together.");
    assert_eq!(row[5], "<img src=\"glossa-vid_123-x-42700.jpg\">");
    assert!(row[6].contains("href=\"https://www.youtube.com/watch?v=vid_123-x&amp;t=42s\""), "{}", row[6]);
    let dir = std::path::PathBuf::from(exported["pictures_dir"].as_str().unwrap());
    assert_eq!(std::fs::read(dir.join("glossa-vid_123-x-42700.jpg")).unwrap(), JPEG);
    drop(host);

    // The terminal lists the card and writes the same file, pictures beside it.
    let list = glossa(&["study", "list"], data.path());
    assert!(list.status.success(), "{}", String::from_utf8_lossy(&list.stderr));
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(list.contains("https://www.youtube.com/watch?v=vid_123-x&t=42s\t같이 가요.\tLet's go together."), "{list}");
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("cards.tsv");
    let export = glossa(&["study", "export", "-o", out.to_str().unwrap()], data.path());
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
    let said = String::from_utf8_lossy(&export.stdout);
    assert!(said.contains("wrote 1 card to") && said.contains("collection.media"), "{said}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), tsv);
    assert_eq!(std::fs::read(out_dir.path().join("glossa-vid_123-x-42700.jpg")).unwrap(), JPEG);
}
