//! `glossa-host install` into a temporary HOME writes manifests a browser accepts.

mod support;

use std::process::Command;

use serde_json::Value;

fn run(home: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(support::host_binary()).args(args).env("HOME", home).env("GLOSSA_DATA_DIR", home.join("data")).output().unwrap()
}

fn read_json(path: std::path::PathBuf) -> Value {
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

#[test]
fn install_writes_a_manifest_per_browser_and_uninstall_removes_them() {
    let home = tempfile::tempdir().unwrap();
    let out = run(home.path(), &["install"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed = String::from_utf8_lossy(&out.stdout);

    let exe = support::host_binary().canonicalize().unwrap();
    let chromium_dirs = [
        ".config/google-chrome/NativeMessagingHosts",
        ".config/chromium/NativeMessagingHosts",
        ".config/microsoft-edge/NativeMessagingHosts",
        ".config/BraveSoftware/Brave-Browser/NativeMessagingHosts",
    ];
    for dir in chromium_dirs {
        let path = home.path().join(dir).join("dev.glossa.host.json");
        assert!(printed.contains(&path.display().to_string()), "install should print {}", path.display());
        let m = read_json(path);
        assert_eq!(m["name"], "dev.glossa.host");
        assert_eq!(m["type"], "stdio");
        assert_eq!(m["path"], exe.to_str().unwrap());
        assert!(std::path::Path::new(m["path"].as_str().unwrap()).is_absolute());
        assert_eq!(m["allowed_origins"], serde_json::json!(["chrome-extension://lngjifcmcijmogopcegelklfdnfabnkn/"]));
        // Chrome rejects unknown keys in some versions; the manifest has exactly these.
        let keys: Vec<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 5, "{keys:?}");
    }
    let ff = read_json(home.path().join(".mozilla/native-messaging-hosts/dev.glossa.host.json"));
    assert_eq!(ff["allowed_extensions"], serde_json::json!(["glossa@glossa.dev"]));
    assert!(ff.get("allowed_origins").is_none());

    let out = run(home.path(), &["uninstall"]);
    assert!(out.status.success());
    assert!(!home.path().join(".config/chromium/NativeMessagingHosts/dev.glossa.host.json").exists());
    assert!(!home.path().join(".mozilla/native-messaging-hosts/dev.glossa.host.json").exists());
}

#[test]
fn extra_extension_ids_are_allowed_and_bad_ids_refused() {
    let home = tempfile::tempdir().unwrap();
    let dev_id = "abcdefghijklmnopabcdefghijklmnop";
    let out = run(home.path(), &["install", "--browser", "chromium", "--extension-id", dev_id]);
    assert!(out.status.success());
    let m = read_json(home.path().join(".config/chromium/NativeMessagingHosts/dev.glossa.host.json"));
    assert_eq!(m["allowed_origins"][1], format!("chrome-extension://{dev_id}/"));

    // The host itself accepts that id now.
    let mut host = support::Host::start_with_args(&home.path().join("data"), &[&format!("chrome-extension://{dev_id}/")]);
    let ev = host.request(serde_json::json!({"id":"1","type":"ping"}));
    assert_eq!(ev[0]["event"], "pong");

    let out = run(home.path(), &["install", "--extension-id", "../../etc"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an extension id"));
}

#[test]
fn install_into_a_profile_directory() {
    let home = tempfile::tempdir().unwrap();
    let profile = home.path().join("profile/NativeMessagingHosts");
    let out = run(home.path(), &["install", "--browser", "chromium", "--dir", profile.to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(read_json(profile.join("dev.glossa.host.json"))["name"], "dev.glossa.host");
}

#[test]
fn settings_cli_shows_key_previews_only() {
    let home = tempfile::tempdir().unwrap();
    let out = run(home.path(), &["settings", "set", "openai.api_key", "sk-proj-HIDDENHIDDEN-abc123"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(home.path(), &["settings", "get"]);
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("openai.api_key = …abc123 (set)"), "{printed}");
    assert!(!printed.contains("HIDDEN"));
    let out = run(home.path(), &["settings", "set", "provider", "bard"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("local, ollama, openai, anthropic"));
}
