//! The CLI keeps English: an error the extension shows in the user's language (a
//! `_locales` key with arguments) prints its English sentence and hint on the terminal,
//! whatever language the terminal's locale names.

use std::process::Command;

#[test]
fn an_unreachable_provider_is_reported_in_english_in_a_japanese_terminal() {
    let data = tempfile::tempdir().unwrap();
    // A port nothing listens on: bound, then let go.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let glossa = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_glossa-host"))
            .args(args)
            .env("GLOSSA_DATA_DIR", data.path())
            .env("LANG", "ja_JP.UTF-8")
            .env("LANGUAGE", "ja")
            .output()
            .unwrap()
    };
    for (key, value) in [("provider", "ollama"), ("ollama.url", url.as_str())] {
        let out = glossa(&["settings", "set", key, value]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }

    let out = glossa(&["translate-text", "Hello", "--to", "ja"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("Cannot connect to Ollama at {url}.")), "{stderr}");
    assert!(stderr.contains("Make sure it's running (`ollama serve`)."), "{stderr}");
    for key in ["errUnreachable", "hintUnreachableOllama", "providerOllama", "$PROVIDER$"] {
        assert!(!stderr.contains(key), "the key {key} leaked into the terminal: {stderr}");
    }
}
