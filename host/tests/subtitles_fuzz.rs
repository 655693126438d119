//! Property tests for everything in the subtitle path that reads untrusted text: caption
//! files (json3, srv3, WebVTT, SRT) and the model's `{id, text}` answers. Never a panic, never
//! a cue out of thin air, and what the writers write reads back the same.
//!
//! The default run is short; `PROPTEST_CASES=1000000 cargo test --release -p glossa-host
//! --test subtitles_fuzz` (tests/fuzz.sh) is the long one.

use glossa_host::pipeline::subtitles::answer::{check, parse_answer};
use glossa_host::pipeline::subtitles::captions::{parse_json3, parse_srt, parse_srv3, parse_vtt, write_srt, write_vtt};
use glossa_protocol::Cue;
use proptest::prelude::*;

/// Text that looks enough like caption files and model answers to reach deep branches.
fn caption_like() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "WEBVTT",
        "\n",
        "\r\n",
        "\n\n",
        " ",
        "-->",
        "00:00:01.000",
        "00:01.500",
        "00:00:02,000",
        "1",
        "NOTE",
        "STYLE",
        "<c>",
        "</c>",
        "<00:00:01.200>",
        "&amp;",
        "&lt;",
        "{\\an8}",
        "text",
        "é",
        "日本",
        "{",
        "}",
        "[",
        "]",
        "\"",
        ":",
        ",",
        "\"events\"",
        "\"tStartMs\"",
        "\"dDurationMs\"",
        "\"segs\"",
        "\"utf8\"",
        "\"aAppend\"",
        "\"id\"",
        "\"text\"",
        "\\",
        "\u{feff}",
        "99999999999999999999",
        "-1",
        "\t",
        "<timedtext format=\"3\">",
        "<body>",
        "<p t=\"1200\" d=\"800\">",
        "<p t=\"x\">",
        "<p a=\"1\"/>",
        "</p>",
        "<s t=\"20\">",
        "<s>",
        "</s>",
        "<br/>",
        "&#233;",
        "&#x1F642;",
        "<!--",
        "<?xml version=\"1.0\" ?>",
        "<",
        ">",
    ]);
    prop::collection::vec(pieces, 0..64).prop_map(|v| v.concat())
}

fn line_text() -> impl Strategy<Value = String> {
    // Printable text, possibly two lines, as a caption author would write it; angle
    // brackets only as text (SRT cannot escape a literal tag like `<b>`).
    ("[a-zA-Z0-9 ,.!?'&éü日本語-]{1,40}(\n[a-zA-Z0-9 ,.!?'&-]{1,40})?", any::<bool>())
        .prop_map(|(s, angles)| if angles { format!("{s} <3 & x > y") } else { s })
        .prop_map(|s| s.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n"))
        .prop_filter("not blank", |s| !s.trim().is_empty())
}

fn cues() -> impl Strategy<Value = Vec<Cue>> {
    prop::collection::vec((0u64..5000, 1u64..8000, line_text()), 1..30).prop_map(|v| {
        let mut t = 0;
        v.into_iter()
            .enumerate()
            .map(|(i, (gap, dur, text))| {
                t += gap;
                let cue = Cue { id: (i + 1).to_string(), start: t as f64 / 1000.0, end: (t + dur) as f64 / 1000.0, text };
                t += dur;
                cue
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn caption_parsers_never_panic(input in caption_like()) {
        for parsed in [parse_vtt(&input), parse_srt(&input), parse_json3(&input), parse_srv3(&input)] {
            match parsed {
                Ok(track) => for cue in track.cues {
                    prop_assert!(!cue.text.trim().is_empty());
                    prop_assert!(cue.end >= cue.start);
                },
                Err(e) => prop_assert!(e.line >= 1 && e.line <= input.lines().count().max(1) + 1, "{e} for {input:?}"),
            }
        }
    }

    #[test]
    fn caption_parsers_never_panic_on_any_string(input in any::<String>()) {
        let _ = parse_vtt(&input);
        let _ = parse_srt(&input);
        let _ = parse_json3(&input);
        let _ = parse_srv3(&input);
    }

    #[test]
    fn written_files_read_back_the_same(cues in cues()) {
        for (written, parsed) in [(write_vtt(&cues), parse_vtt(&write_vtt(&cues))), (write_srt(&cues), parse_srt(&write_srt(&cues)))] {
            let back = parsed.map_err(|e| TestCaseError::fail(format!("{e}\n{written}")))?.cues;
            prop_assert_eq!(back.len(), cues.len(), "{}", written);
            for (a, b) in cues.iter().zip(&back) {
                prop_assert_eq!(&a.text, &b.text);
                prop_assert!((a.start - b.start).abs() < 0.0005 && (a.end - b.end).abs() < 0.0005);
            }
        }
    }

    #[test]
    fn answers_never_panic_and_never_invent(input in caption_like(), n in 1usize..12) {
        let expected: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
        let checked = check(parse_answer(&input), &expected);
        prop_assert_eq!(checked.translated.len() + checked.missing.len(), n);
        for id in checked.translated.keys() {
            prop_assert!(expected.contains(id));
        }
    }

    #[test]
    fn a_proper_answer_is_read_whatever_surrounds_it(
        texts in prop::collection::vec(line_text(), 1..10),
        before in "[a-zA-Z .:\n`]{0,40}",
        after in "[a-zA-Z .:\n`]{0,40}",
    ) {
        let items: Vec<serde_json::Value> =
            texts.iter().enumerate().map(|(i, t)| serde_json::json!({"id": (i + 1).to_string(), "text": t})).collect();
        let reply = format!("{before}```json\n{}\n```{after}", serde_json::to_string_pretty(&items).unwrap());
        let expected: Vec<String> = (1..=texts.len()).map(|i| i.to_string()).collect();
        let checked = check(parse_answer(&reply), &expected);
        prop_assert!(checked.missing.is_empty(), "{:?} in {}", checked.missing, reply);
        for (i, t) in texts.iter().enumerate() {
            prop_assert_eq!(&checked.translated[&(i + 1).to_string()], t.trim());
        }
    }
}
