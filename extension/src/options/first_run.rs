//! "What do you already have?": the host looks for an Ollama, OpenAI-compatible servers
//! and an Anthropic key (`detect_providers`); each finding gets a "Use this" button that
//! saves it as the provider. Opened by the background after install with `?first-run`,
//! when the page looks at once; later, on request.

use std::collections::BTreeMap;

use glossa_protocol::{DetectedProvider, EventBody, ModelInfo, RequestBody};
use wasm_bindgen_futures::spawn_local;

use super::{child, el, fill, load_models, on, request, set_text, settings_of, show, show_provider, url_setting};
use crate::chrome::{t, tr};

pub(super) fn wire() {
    on(&el("detect-providers"), "click", |_| spawn_local(detect()));
    let first_run = super::doc().url().is_ok_and(|u| u.contains("?first-run"));
    if first_run {
        show("first-run-welcome", true);
        spawn_local(detect());
    }
}

async fn detect() {
    let section = el("detect-section");
    let _ = section.set_attribute("data-state", "detecting");
    set_text("detect-status", &t("optDetecting"));
    el("detected-list").set_text_content(None);
    let found = match request(RequestBody::DetectProviders).await {
        Ok(events) => events.into_iter().find_map(|e| match e {
            EventBody::Detected { found } => Some(found),
            _ => None,
        }),
        Err(f) => {
            set_text("detect-status", &format!("{} {}", tr("optDetectFailed", &[&f.message]), f.hint));
            let _ = section.set_attribute("data-state", "error");
            return;
        }
    };
    let found = found.unwrap_or_default();
    set_text("detect-status", &t(if found.is_empty() { "optDetectNone" } else { "optDetectFound" }));
    for finding in found {
        render(finding);
    }
    let _ = section.set_attribute("data-state", "done");
}

/// The model to use for frames and subtitles alike: the first that reads images, else the first.
fn chosen_model(models: &[ModelInfo]) -> Option<&str> {
    models.iter().find(|m| m.vision == Some(true)).or(models.first()).map(|m| m.name.as_str())
}

fn render(finding: DetectedProvider) {
    let item = child(&el("detected-list"), "li", "finding", "");
    let _ = item.set_attribute("data-glossa", "detected-provider");
    let _ = item.set_attribute("data-provider", finding.provider.as_str());
    let head = child(&item, "div", "finding-head", "");
    let name = child(&head, "span", "name", &finding.detail);
    let _ = name.set_attribute("title", &finding.detail);
    if let Some(preview) = &finding.key_preview {
        let key = child(&head, "span", "key-status", &tr("optKeyFound", &[preview]));
        let _ = key.set_attribute("data-glossa", "detected-key");
    }
    let button = child(&head, "button", "", &t("optUseThis"));
    let _ = button.set_attribute("type", "button");
    let _ = button.set_attribute("data-glossa", "use-detected");
    if !finding.models.is_empty() {
        let list = child(&item, "ul", "finding-models", "");
        for m in &finding.models {
            let row = child(&list, "li", "", "");
            let _ = row.set_attribute("data-glossa", "detected-model");
            let name = child(&row, "span", "name", &m.name);
            let _ = name.set_attribute("title", &m.name);
            if m.vision == Some(true) {
                child(&row, "span", "badge", &t("optReadsImages"));
            }
        }
    }
    if let Some(model) = chosen_model(&finding.models) {
        let will = child(&item, "p", "detail", &tr("optWillUse", &[model]));
        let _ = will.set_attribute("data-glossa", "detected-choice");
        let _ = will.set_attribute("title", model);
    }
    let outcome = child(&item, "p", "detail", "");
    let _ = outcome.set_attribute("data-glossa", "detected-outcome");
    on(&button, "click", move |_| spawn_local(use_finding(finding.clone(), outcome.clone())));
}

/// Save `finding` as the provider: its address, one model for both tasks, and (for a key
/// found in the host's environment) that key, which the host copies without the page seeing it.
async fn use_finding(finding: DetectedProvider, outcome: web_sys::Element) {
    let kind = finding.provider;
    if finding.key_preview.is_some() {
        if let Err(f) = request(RequestBody::UseEnvKey { provider: kind }).await {
            outcome.set_text_content(Some(&format!("{} {}", f.message, f.hint)));
            return;
        }
    }
    let mut values = BTreeMap::new();
    values.insert("provider".to_owned(), kind.to_string());
    if !finding.url.is_empty() {
        values.insert(url_setting(kind), finding.url.clone());
    }
    if let Some(model) = chosen_model(&finding.models) {
        values.insert(format!("{kind}.frame_model"), model.to_owned());
        values.insert(format!("{kind}.subtitle_model"), model.to_owned());
    }
    match request(RequestBody::PutSettings { values }).await {
        Ok(events) => {
            if let Some(view) = settings_of(events) {
                fill(view);
            }
            show_provider(kind);
            outcome.set_text_content(Some(&tr("optUsing", &[&finding.detail])));
            let _ = outcome.set_attribute("data-state", "used");
            load_models(kind).await;
        }
        Err(f) => {
            outcome.set_text_content(Some(&format!("{} {}", tr("optSaveFailed", &[&f.message]), f.hint)));
            let _ = outcome.set_attribute("data-state", "error");
        }
    }
}
