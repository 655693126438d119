//! A settings database the user cannot write (a read-only file, or a read-only folder):
//! the host still starts, uses the saved settings, says plainly why nothing is saved and
//! what to do, and keeps serving. The host runs as an unprivileged user, so file modes
//! apply even when the tests run as root.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use serde_json::json;
use support::{Host, NOBODY};

/// A data dir holding a database with `target_language = ko`, owned by the user the
/// unprivileged host runs as; its parent is reachable by that user.
fn data_dir_with_saved_settings(root: &Path) -> std::path::PathBuf {
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
    let data = root.join("data");
    let mut host = Host::start(&data);
    host.put_settings(json!({"target_language":"ko"}));
    host.close_stdin();
    host.wait_exit(Duration::from_secs(30));
    if std::fs::metadata("/proc/self").map(|m| std::os::unix::fs::MetadataExt::uid(&m)).unwrap_or(0) == 0 {
        for entry in support::tree(&data) {
            std::os::unix::fs::chown(&entry, Some(NOBODY), Some(NOBODY)).unwrap();
        }
    }
    data
}

fn saved_settings_are_used_and_saving_says_why_not(data: &Path, bin_dir: &Path) {
    let mut host = Host::start_unprivileged(data, bin_dir);
    let ev = host.request(json!({"id":"g","type":"get_settings"}));
    assert_eq!(ev[0]["event"], "settings", "{ev:?}\n{}", host.stderr());
    assert_eq!(ev[0]["target_language"], "ko", "the saved settings, not defaults");
    let warnings = ev[0]["warnings"].to_string();
    assert!(warnings.contains("read-only") && warnings.contains("chmod u+w"), "{warnings}");
    assert!(warnings.contains(&data.join("glossa.sqlite").display().to_string()), "the warning names the file: {warnings}");

    let ev = host.request(json!({"id":"p","type":"put_settings","values":{"target_language":"ja"}}));
    assert_eq!(ev[0]["event"], "error", "{ev:?}");
    assert_eq!(ev[0]["code"], "storage");
    assert!(ev[0]["message"].as_str().unwrap().contains("read-only"), "{ev:?}");
    assert!(ev[0]["hint"].as_str().unwrap().contains("chmod u+w"), "{ev:?}");

    let ev = host.request(json!({"id":"g2","type":"get_settings"}));
    assert_eq!(ev[0]["target_language"], "ko", "nothing half-saved");
    let ev = host.request(json!({"id":"ping","type":"ping"}));
    assert_eq!(ev[0]["event"], "pong", "the host keeps serving");
}

#[test]
fn a_read_only_database_file_keeps_the_saved_settings() {
    let root = tempfile::tempdir().unwrap();
    let data = data_dir_with_saved_settings(root.path());
    let db = data.join("glossa.sqlite");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o400)).unwrap();
    saved_settings_are_used_and_saving_says_why_not(&data, root.path());
    assert_eq!(std::fs::metadata(&db).unwrap().permissions().mode() & 0o777, 0o400, "the host did not change the modes");
}

#[test]
fn a_read_only_data_folder_keeps_the_saved_settings() {
    let root = tempfile::tempdir().unwrap();
    let data = data_dir_with_saved_settings(root.path());
    // `chmod -R a-w`: the log file too, so the host logs to stderr only, and starts.
    let tree = support::tree(&data);
    assert!(tree.iter().any(|p| p.starts_with(data.join("logs")) && p.is_file()), "a log file exists");
    let folders: Vec<_> = tree.iter().filter(|p| p.is_dir()).collect();
    for path in &tree {
        let mode = if path.is_dir() { 0o555 } else { 0o444 };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    saved_settings_are_used_and_saving_says_why_not(&data, root.path());
    // Let the temp dir be removed.
    for folder in folders {
        std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}
