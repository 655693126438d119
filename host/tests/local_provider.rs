//! The `local` provider with real llama.cpp: SmolLM2 streams a translation token by token,
//! a dropped request stops generating within a token, idle models unload, and bad files
//! give errors that name the file and the fix.

#![cfg(feature = "local")]

mod support;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use glossa_host::config::{Config, LocalConfig};
use glossa_host::providers::local::{Local, LocalRuntime};
use glossa_host::providers::{ChatRequest, Image, Provider, ProviderError};
use glossa_host::store::Store;
use support::{cpu, test_models, FRAME, SMOLLM2, TINY_MMPROJ, TINY_TEXT};

/// The built-in backend's config: one thread, a 2048 context, then `pairs`.
fn config(pairs: &[(&str, &str)]) -> LocalConfig {
    let store = Store::in_memory().unwrap();
    let mut values: BTreeMap<String, String> =
        BTreeMap::from([("local.threads".into(), "1".into()), ("local.context_size".into(), "2048".into())]);
    values.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    store.put_settings(&values).unwrap();
    Config::from_settings(&store.settings().unwrap()).local
}

/// One request through the layers every caller gets, to its end.
async fn chat(
    local: &Local,
    request: &ChatRequest,
    on_text: &mut (dyn FnMut(&str) + Send),
) -> Result<glossa_protocol::Usage, ProviderError> {
    glossa_host::providers::answer(local, request).forward(on_text).await.map(|(usage, _)| usage)
}

fn subtitle_request(user: &str, max_tokens: u32) -> ChatRequest {
    ChatRequest {
        model: SMOLLM2.into(),
        system: "You translate subtitles into French. Answer with the translation only.".into(),
        user: user.into(),
        image: None,
        max_tokens,
        temperature: 0.0,
        answer_format: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn smollm2_streams_a_translation_token_by_token() {
    if cpu::skip_without_llama_cpu() {
        return;
    }
    let runtime = Arc::new(LocalRuntime::new(test_models()));
    let local = Local::new(runtime.clone(), &config(&[]));
    let mut deltas: Vec<(Instant, String)> = Vec::new();
    let usage = chat(&local, &subtitle_request("Good morning, everyone. Welcome to the show.", 40), &mut |t: &str| {
        deltas.push((Instant::now(), t.to_owned()));
    })
    .await
    .expect("generation");
    let text: String = deltas.iter().map(|(_, t)| t.as_str()).collect();
    assert!(deltas.len() >= 5, "expected a stream of pieces, got {deltas:?}");
    assert!(!text.trim().is_empty());
    assert!(usage.input_tokens > 20, "{usage:?}");
    assert!(usage.output_tokens as usize >= deltas.len(), "{usage:?} for {} deltas", deltas.len());
    // Pieces arrive as they are sampled, not all at the end.
    let spread = deltas.last().unwrap().0 - deltas[0].0;
    assert!(spread >= Duration::from_millis(20), "all {} pieces arrived within {spread:?}", deltas.len());

    // Same prompt, greedy: the warm model answers the same, without reloading.
    let mut again = String::new();
    chat(&local, &subtitle_request("Good morning, everyone. Welcome to the show.", 40), &mut |t: &str| again.push_str(t)).await.unwrap();
    assert_eq!(again, text);
    assert_eq!(runtime.loaded_models().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_format_holds_the_model_to_its_schema() {
    if cpu::skip_without_llama_cpu() {
        return;
    }
    let runtime = Arc::new(LocalRuntime::new(test_models()));
    let local = Local::new(runtime, &config(&[]));
    // Asked for the translation only, SmolLM2 answers plain text; the schema's grammar
    // makes it answer the object the caller parses.
    let mut request = subtitle_request("Good morning, everyone. Welcome to the show.", 80);
    request.answer_format = Some(glossa_host::providers::AnswerFormat {
        name: "subtitle_line".into(),
        schema: serde_json::json!({
            "type": "object",
            "properties": { "id": { "type": "integer" }, "text": { "type": "string", "maxLength": 60 } },
            "required": ["id", "text"],
            "additionalProperties": false
        }),
    });
    let mut text = String::new();
    chat(&local, &request, &mut |t: &str| text.push_str(t)).await.expect("generation");
    let answer: serde_json::Value = serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {text:?}"));
    assert!(answer["id"].is_i64(), "{answer}");
    assert!(answer["text"].as_str().is_some_and(|t| !t.trim().is_empty()), "{answer}");
}

#[tokio::test(flavor = "multi_thread")]
async fn dropping_the_request_stops_generation_within_a_token() {
    if cpu::skip_without_llama_cpu() {
        return;
    }
    let runtime = Arc::new(LocalRuntime::new(test_models()));
    let local = Local::new(runtime.clone(), &config(&[("local.context_size", "4096")]));
    let pieces = Arc::new(AtomicUsize::new(0));
    let counter = pieces.clone();
    let long = subtitle_request("Count from 1 to 2000, one number per line.", 4000);
    {
        let mut on_delta = |_: &str| {
            counter.fetch_add(1, Ordering::Relaxed);
        };
        let chat = chat(&local, &long, &mut on_delta);
        tokio::select! {
            result = chat => panic!("the long generation ended before the cancel: {result:?}"),
            _ = async { while pieces.load(Ordering::Relaxed) < 5 { tokio::time::sleep(Duration::from_millis(2)).await } } => {}
        }
        // `chat` is dropped here: the request is cancelled.
    }
    let at_cancel = runtime.tokens_sampled();

    // The model thread is free again: the next request runs and finishes.
    let mut next = String::new();
    let usage =
        tokio::time::timeout(Duration::from_secs(120), chat(&local, &subtitle_request("Thank you.", 8), &mut |t: &str| next.push_str(t)))
            .await
            .expect("the next request was not served")
            .unwrap();
    let after = runtime.tokens_sampled();
    // At most one more token of the cancelled answer, plus the new answer's own (and its
    // end-of-generation token).
    let extra = after - at_cancel - usage.output_tokens;
    assert!(extra <= 2, "the cancelled generation went on for {extra} tokens");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_model_is_unloaded() {
    if cpu::skip_without_llama_cpu() {
        return;
    }
    let runtime = Arc::new(LocalRuntime::new(test_models()));
    let local = Local::new(runtime.clone(), &config(&[("local.idle_unload_secs", "1")]));
    chat(&local, &subtitle_request("Yes.", 2), &mut |_: &str| {}).await.unwrap();
    assert_eq!(runtime.loaded_models().len(), 1);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !runtime.loaded_models().is_empty() {
        assert!(Instant::now() < deadline, "the model was not unloaded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // And it loads again on demand.
    chat(&local, &subtitle_request("No.", 2), &mut |_: &str| {}).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_picture_goes_through_mtmd() {
    if cpu::skip_without_llama_cpu() {
        return;
    }
    let models = test_models();
    let runtime = Arc::new(LocalRuntime::new(models.clone()));
    let local = Local::new(runtime, &config(&[("local.mmproj", TINY_MMPROJ)]));
    let image = Image::from_bytes(std::fs::read(models.join(FRAME)).unwrap()).unwrap();
    let request = ChatRequest {
        model: TINY_TEXT.into(),
        system: "Read the text.".into(),
        user: "Translate the text in this picture.".into(),
        image: Some(image),
        max_tokens: 12,
        temperature: 0.0,
        answer_format: None,
    };
    let mut pieces = 0;
    let usage = chat(&local, &request, &mut |_: &str| pieces += 1).await.expect("vision generation");
    // The tiny projector turns the picture into 16 tokens on top of the text.
    assert!(usage.input_tokens >= 16 + 10, "{usage:?}");
    assert!(usage.output_tokens > 0 && pieces > 0, "{usage:?}");
}

/// A valid GGUF header (architecture llama) without a single tensor.
fn hollow_gguf() -> Vec<u8> {
    let mut b = b"GGUF".to_vec();
    b.extend_from_slice(&3u32.to_le_bytes());
    b.extend_from_slice(&0u64.to_le_bytes());
    b.extend_from_slice(&1u64.to_le_bytes());
    let key = "general.architecture";
    b.extend_from_slice(&(key.len() as u64).to_le_bytes());
    b.extend_from_slice(key.as_bytes());
    b.extend_from_slice(&8u32.to_le_bytes());
    b.extend_from_slice(&5u64.to_le_bytes());
    b.extend_from_slice(b"llama");
    b
}

/// A GGUF that says it is a gemma3 vision projector, without hyperparameters or tensors.
fn hollow_projector() -> Vec<u8> {
    let mut b = b"GGUF".to_vec();
    b.extend_from_slice(&3u32.to_le_bytes());
    b.extend_from_slice(&0u64.to_le_bytes());
    b.extend_from_slice(&3u64.to_le_bytes());
    let string = |b: &mut Vec<u8>, s: &str| {
        b.extend_from_slice(&(s.len() as u64).to_le_bytes());
        b.extend_from_slice(s.as_bytes());
    };
    string(&mut b, "general.architecture");
    b.extend_from_slice(&8u32.to_le_bytes());
    string(&mut b, "clip");
    string(&mut b, "clip.has_vision_encoder");
    b.extend_from_slice(&7u32.to_le_bytes());
    b.push(1);
    string(&mut b, "clip.projector_type");
    b.extend_from_slice(&8u32.to_le_bytes());
    string(&mut b, "gemma3");
    b
}

async fn error_for(local: &Local, model: &str, image: bool) -> ProviderError {
    let image = image.then(|| Image::from_bytes(std::fs::read(test_models().join(FRAME)).unwrap()).unwrap());
    let request = ChatRequest {
        model: model.into(),
        system: String::new(),
        user: "Hello".into(),
        image,
        max_tokens: 4,
        temperature: 0.0,
        answer_format: None,
    };
    chat(local, &request, &mut |_: &str| {}).await.expect_err("should fail")
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_model_files_are_named_with_the_fix() {
    if cpu::skip_without_llama_cpu() {
        return;
    }
    let models = test_models();
    let dir = tempfile::tempdir().unwrap();
    let smol = std::fs::read(models.join(SMOLLM2)).unwrap();
    std::fs::write(dir.path().join("truncated.gguf"), &smol[..smol.len() / 2]).unwrap();
    std::fs::write(dir.path().join("page.gguf"), b"<html><body>Sign in to download</body></html>").unwrap();
    std::fs::write(dir.path().join("gemma-3-4b-it-Q4_K_M.gguf"), &smol[..1000]).unwrap();
    std::fs::write(dir.path().join("hollow.gguf"), hollow_gguf()).unwrap();
    let runtime = Arc::new(LocalRuntime::new(dir.path().to_owned()));
    let local = Local::new(runtime.clone(), &config(&[]));

    let e = error_for(&local, "truncated.gguf", false).await;
    let info = e.info();
    assert_eq!(info.code, glossa_protocol::ErrorCode::BadModelFile);
    assert!(info.message.contains("truncated.gguf") && info.message.contains("truncated"), "{info:?}");
    assert!(info.hint.contains("glossa-host model pull"), "{info:?}");

    let info = error_for(&local, "page.gguf", false).await.info();
    assert!(info.message.contains("page.gguf") && info.message.contains("not a GGUF model file"), "{info:?}");

    // A well-formed header with no weights behind it: llama.cpp refuses it, the host lives.
    let info = error_for(&local, "hollow.gguf", false).await.info();
    assert_eq!(info.code, glossa_protocol::ErrorCode::BadModelFile, "{info:?}");
    assert!(info.message.contains("hollow.gguf") && info.message.contains("llama.cpp cannot load it"), "{info:?}");

    // A catalogue model gets its exact pull command.
    let info = error_for(&local, "gemma-3-4b-it-Q4_K_M.gguf", false).await.info();
    assert!(info.hint.contains("glossa-host model pull gemma-3-4b"), "{info:?}");

    let info = error_for(&local, "nothing-here.gguf", false).await.info();
    assert_eq!(info.code, glossa_protocol::ErrorCode::ModelMissing);
    assert!(info.message.contains("nothing-here.gguf"), "{info:?}");

    // A projector that belongs to another model: the widths are named.
    let real = Arc::new(LocalRuntime::new(models.clone()));
    let mismatched = Local::new(real.clone(), &config(&[("local.mmproj", TINY_MMPROJ)]));
    let info = error_for(&mismatched, SMOLLM2, true).await.info();
    assert_eq!(info.code, glossa_protocol::ErrorCode::BadModelFile, "{info:?}");
    assert!(info.message.contains(TINY_MMPROJ) && info.message.contains("64") && info.message.contains("576"), "{info:?}");
    assert!(info.hint.contains("local.mmproj"), "{info:?}");

    // A projector header with nothing behind it: refused, named, no crash.
    let hollow_mmproj = dir.path().join("mmproj-hollow.gguf");
    std::fs::write(&hollow_mmproj, hollow_projector()).unwrap();
    let with_hollow = Local::new(real.clone(), &config(&[("local.mmproj", hollow_mmproj.to_str().unwrap())]));
    let info = error_for(&with_hollow, TINY_TEXT, true).await.info();
    assert_eq!(info.code, glossa_protocol::ErrorCode::BadModelFile, "{info:?}");
    assert!(info.message.contains("mmproj-hollow.gguf"), "{info:?}");

    // A text model without a projector cannot read pictures.
    let plain = Local::new(real.clone(), &config(&[]));
    let info = error_for(&plain, SMOLLM2, true).await.info();
    assert_eq!(info.code, glossa_protocol::ErrorCode::NoVision, "{info:?}");

    // After all that, the same runtime still generates.
    chat(&plain, &subtitle_request("Hello.", 3), &mut |_: &str| {}).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn list_and_check_describe_the_models_folder() {
    if cpu::skip_without_llama_cpu() {
        return;
    }
    let models = test_models();
    let runtime = Arc::new(LocalRuntime::new(models.clone()));
    let local = Local::new(runtime, &config(&[("local.frame_model", TINY_TEXT), ("local.subtitle_model", SMOLLM2), ("local.mmproj", "")]));
    let listed = local.list_models().await.unwrap();
    let tiny = listed.iter().find(|m| m.name == TINY_TEXT).expect("tiny model listed");
    assert_eq!(tiny.vision, Some(true), "the tiny model's projector is found by its width");
    let smol = listed.iter().find(|m| m.name == SMOLLM2).unwrap();
    assert_eq!(smol.vision, Some(false));
    assert!(!listed.iter().any(|m| m.name == TINY_MMPROJ), "projectors are not chat models");

    let report = local.check(TINY_TEXT, SMOLLM2).await;
    assert!(report.reachable);
    assert_eq!(report.frame_model_present, Some(true));
    assert_eq!(report.subtitle_model_present, Some(true));
    assert_eq!(report.frame_model_vision, Some(true), "{report:?}");
    assert!(report.problems.is_empty(), "{report:?}");

    let report = local.check("missing.gguf", SMOLLM2).await;
    assert_eq!(report.frame_model_present, Some(false));
    assert_eq!(report.problems.len(), 1, "{report:?}");
}
