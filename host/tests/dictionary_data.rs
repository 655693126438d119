//! `glossa-host define` against the real dictionaries (JMdict, CC-CEDICT) and the real
//! Japanese analyser: dictionary forms of inflected words, common entries first, both
//! Chinese scripts; and the installed size the compiled files take.
//!
//! Needs the data: `tests/tools/fetch-reading-data.sh` (which fetches the dictionaries too;
//! run-all.sh runs it and sets GLOSSA_READING_DATA). Without it the tests say so and pass.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

/// The reading data folder with its dictionaries, or `None` (and why) when not fetched.
fn data() -> Option<PathBuf> {
    let dir = std::env::var_os("GLOSSA_READING_DATA").map(PathBuf::from).unwrap_or_else(|| {
        let cache = std::env::var_os("GLOSSA_CACHE")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/glossa-dev"));
        cache.join("reading")
    });
    let fetched = dir.join("dict/jmdict.tsv").is_file() && dir.join("dict/cedict.tsv").is_file() && dir.join("ipadic").is_dir();
    if !fetched {
        eprintln!("SKIPPED: no dictionaries in {}/dict: run tests/tools/fetch-reading-data.sh", dir.display());
    }
    fetched.then_some(dir)
}

fn define(reading: &std::path::Path, args: &[&str]) -> Value {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_glossa-host"))
        .arg("define")
        .args(args)
        .arg("--json")
        .env("GLOSSA_DATA_DIR", home.path())
        .env("GLOSSA_READING_DATA", reading)
        .output()
        .unwrap();
    assert!(out.status.success(), "define {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn first(found: &Value) -> (&str, &str, &str) {
    let e = &found["entries"][0];
    (e["headword"].as_str().unwrap_or(""), e["reading"].as_str().unwrap_or(""), e["senses"][0].as_str().unwrap_or(""))
}

#[test]
fn japanese_words_are_looked_up_by_their_dictionary_form() {
    let Some(dir) = data() else { return };
    let eaten = define(&dir, &["食べた", "--lang", "ja"]);
    assert_eq!(eaten["lemma"], "食べる", "{eaten}");
    assert_eq!(first(&eaten), ("食べる", "たべる", "to eat"));
    assert_eq!(eaten["entries"][0]["source"], "JMdict");
    assert!(eaten["entries"][0]["pos"].as_array().unwrap().iter().any(|p| p == "Ichidan verb"), "{eaten}");

    // 行き in 行きました is the verb 行く, not the noun 行き
    let went = define(&dir, &["行き", "--lang", "ja", "--line", "昨日東京に行きました", "--offset", "5", "--no-note"]);
    assert_eq!(went["lemma"], "行く", "{went}");
    assert_eq!(first(&went).0, "行く");
    assert!(went.get("note").is_none(), "--no-note: {went}");
    let went = define(&dir, &["行きました", "--lang", "ja"]);
    assert_eq!(went["lemma"], "行く", "{went}");

    // する: the verb "to do" (written in kana) before the other verbs read する
    let doing = define(&dir, &["する", "--lang", "ja", "--line", "勉強する", "--no-note"]);
    let (headword, reading, sense) = first(&doing);
    assert_eq!((headword, reading), ("する", ""), "{doing}");
    assert!(sense.starts_with("to do"), "{doing}");
    assert!(doing["entries"].as_array().unwrap().len() <= 5);

    // a compound the analyser cuts in two is looked up whole
    let food = define(&dir, &["食べ物", "--lang", "ja"]);
    assert_eq!(food["lemma"], "食べ物");
    assert!(first(&food).2.contains("food"), "{food}");
}

#[test]
fn chinese_headwords_match_both_scripts_and_the_longest_known_beginning() {
    let Some(dir) = data() else { return };
    let bank = define(&dir, &["银行", "--lang", "zh"]);
    assert_eq!(first(&bank), ("银行", "yín háng", "bank"));
    assert_eq!(bank["entries"][0]["source"], "CC-CEDICT");
    let bank = define(&dir, &["銀行", "--lang", "zh-TW"]);
    assert_eq!(first(&bank), ("銀行", "yín háng", "bank"));
    let card = define(&dir, &["银行卡里", "--lang", "zh"]);
    assert_eq!(card["lemma"], "银行卡", "{card}");

    // 行 alone reads xíng here: that entry first, though CC-CEDICT lists háng (row) first
    let able = define(&dir, &["行", "--lang", "zh", "--line", "你真行", "--offset", "2", "--no-note"]);
    assert_eq!(first(&able).1, "xíng", "{able}");
    // …and háng inside 银行, though the reading cut the line as one word there
    let bank = define(&dir, &["行", "--lang", "zh", "--line", "我去银行", "--offset", "3", "--no-note"]);
    assert_eq!(first(&bank).1, "háng", "{bank}");
    let plain = define(&dir, &["行", "--lang", "zh"]);
    assert_eq!(plain["entries"].as_array().map(Vec::len), Some(2), "{plain}");
}

#[test]
fn the_compiled_dictionaries_fit_the_installed_size_budget() {
    let Some(dir) = data() else { return };
    define(&dir, &["天気", "--lang", "ja"]);
    define(&dir, &["天气", "--lang", "zh"]);
    let size = |name: &str| std::fs::metadata(dir.join("dict").join(name)).map(|m| m.len()).unwrap_or(0);
    let (ja, zh) = (size("jmdict.sqlite"), size("cedict.sqlite"));
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!(
        "installed dictionaries: jmdict.sqlite {:.1} MiB + cedict.sqlite {:.1} MiB = {:.1} MiB (budget 60 MB)",
        mib(ja),
        mib(zh),
        mib(ja + zh)
    );
    assert!(ja > 0 && zh > 0);
    assert!(ja + zh <= 60_000_000, "the dictionaries take {:.1} MiB installed", mib(ja + zh));
}
