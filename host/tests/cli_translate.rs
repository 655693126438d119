//! `glossa-host translate-text` on the built-in local backend (the default provider), as
//! the README's main job runs it: text streams to stdout, the summary goes to stderr.

mod support;

use std::process::Command;

#[test]
fn translate_text_streams_a_translation_from_the_local_model() {
    if support::cpu::skip_without_llama_cpu() {
        return;
    }
    let model = support::test_model(support::SMOLLM2);
    let data = tempfile::tempdir().unwrap();
    let glossa =
        |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_glossa-host")).args(args).env("GLOSSA_DATA_DIR", data.path()).output().unwrap();
    let out = glossa(&["settings", "set", "local.subtitle_model", model.to_str().unwrap()]);
    assert!(out.status.success());
    glossa(&["settings", "set", "local.threads", "1"]);

    let out = glossa(&["translate-text", "Hello everyone, welcome to the channel.", "--to", "fr"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).trim().is_empty(), "no translation printed");
    assert!(stderr.contains("Built-in local model"), "{stderr}");
    assert!(stderr.contains("tokens in"), "{stderr}");

    // A model that is not there: a clear error naming it, not a crash.
    glossa(&["settings", "set", "local.subtitle_model", "missing-model.gguf"]);
    let out = glossa(&["translate-text", "Hello", "--to", "fr"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("missing-model.gguf"), "{stderr}");
}
