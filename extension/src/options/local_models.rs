//! The built-in backend's models: the catalogue (download size, memory need, whether it
//! reads images) with a download button and a progress bar that can be stopped; the
//! installed files with "Use" and "Remove". All through the host (`list_local_models`,
//! `pull_model`, `remove_local_model`); the page never touches a file.

use std::cell::RefCell;

use glossa_protocol::{CatalogueModel, ErrorCode, EventBody, LocalModel, ProviderKind, RequestBody};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, HtmlElement, HtmlInputElement};

use super::{call, child, el, end_request, input, on, request, save, set_text, show, show_provider, SETTINGS};
use crate::chrome::{t, tr};

thread_local! {
    /// The download in progress: its request id and event handler, to stop it.
    static PULL: RefCell<Option<(String, js_sys::Function)>> = const { RefCell::new(None) };
}

pub(super) fn wire() {
    on(&el("pull-cancel"), "click", |_| {
        if let Some((id, handler)) = PULL.with_borrow_mut(Option::take) {
            end_request(&id, &handler);
        }
    });
}

pub(super) async fn load() {
    match request(RequestBody::ListLocalModels).await {
        Ok(events) => render_from(events),
        Err(f) => set_text("local-status", &format!("{} {}", f.message, f.hint)),
    }
}

fn render_from(events: Vec<EventBody>) {
    if let Some((models, catalogue)) = events.into_iter().find_map(|e| match e {
        EventBody::LocalModels { models, catalogue } => Some((models, catalogue)),
        _ => None,
    }) {
        render(&models, &catalogue);
    }
}

/// "3.3 GB", "851 MB", "470 KB": decimal units, as the model pages give sizes.
fn size(bytes: u64) -> String {
    let b = bytes as f64;
    match b {
        b if b >= 1e9 => format!("{:.1} GB", b / 1e9),
        b if b >= 1e6 => format!("{:.0} MB", b / 1e6),
        b => format!("{:.0} KB", b / 1e3),
    }
}

/// The model file the local backend is set to use for frames.
fn in_use() -> String {
    SETTINGS.with_borrow(|s| s.as_ref().map(|v| v.local.frame_model.clone()).unwrap_or_default())
}

/// A row's name: cut with an ellipsis when long, whole on hover.
fn name(row: &Element, text: &str) {
    let name = child(row, "span", "name", text);
    let _ = name.set_attribute("title", text);
}

fn button(row: &Element, glossa: &str, label: &str) -> Element {
    let b = child(row, "button", "", label);
    let _ = b.set_attribute("type", "button");
    let _ = b.set_attribute("data-glossa", glossa);
    b
}

fn render(models: &[LocalModel], catalogue: &[CatalogueModel]) {
    let using = in_use();
    let list = el("local-catalogue");
    list.set_text_content(None);
    for m in catalogue {
        let row = child(&list, "li", "model", "");
        let _ = row.set_attribute("data-glossa", "catalogue-model");
        let _ = row.set_attribute("data-id", &m.id);
        let head = child(&row, "div", "model-head", "");
        name(&head, &m.id);
        let action = if m.installed && m.model_file == using {
            child(&head, "span", "badge", &t("optInUse"))
        } else if m.installed {
            let b = button(&head, "use-local-model", &t("optUseThis"));
            let file = m.model_file.clone();
            on(&b, "click", move |_| spawn_local(use_model(file.clone())));
            b
        } else {
            let b = button(&head, "pull-model", &t("optDownload"));
            let id = m.id.clone();
            on(&b, "click", move |_| spawn_local(pull(id.clone())));
            b
        };
        let _ = action.set_attribute("data-installed", if m.installed { "true" } else { "false" });
        let mut facts = vec![tr("optDownloadSize", &[&size(m.size_bytes)]), tr("optMemoryNeed", &[&size(m.memory_bytes)])];
        if m.vision {
            facts.push(t("optReadsImages"));
        }
        let meta = child(&row, "p", "detail meta", &facts.join(" · "));
        let _ = meta.set_attribute("data-glossa", "catalogue-facts");
        let description = child(&row, "p", "detail description", &m.description);
        let _ = description.set_attribute("title", &m.description);
    }

    let list = el("local-installed");
    list.set_text_content(None);
    if models.is_empty() {
        child(&list, "li", "detail", &t("optNoLocalModels"));
    }
    for m in models {
        let row = child(&list, "li", "model", "");
        let _ = row.set_attribute("data-glossa", "installed-model");
        let _ = row.set_attribute("data-file", &m.file);
        let head = child(&row, "div", "model-head", "");
        name(&head, &m.file);
        let remove = button(&head, "remove-model", &t("optRemove"));
        let file = m.file.clone();
        on(&remove, "click", move |e| {
            // Two clicks: a model is gigabytes to download again.
            let Some(b) = e.current_target().and_then(|t| t.dyn_into::<Element>().ok()) else { return };
            if b.get_attribute("data-armed").is_none() {
                let _ = b.set_attribute("data-armed", "");
                b.set_text_content(Some(&t("optRemoveConfirm")));
                return;
            }
            spawn_local(remove_model(file.clone()));
        });
        let mut facts = vec![size(m.size_bytes)];
        if m.mmproj.is_some() {
            facts.push(t("optReadsImages"));
        }
        child(&row, "p", "detail meta", &facts.join(" · "));
    }
}

fn set_pull_buttons_enabled(enabled: bool) {
    // Not the Stop button, which sits in the row being downloaded.
    if let Ok(buttons) = el("local-catalogue").query_selector_all("[data-glossa='pull-model'], [data-glossa='use-local-model']") {
        for i in 0..buttons.length() {
            if let Some(b) = buttons.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                if enabled {
                    let _ = b.remove_attribute("disabled");
                } else {
                    let _ = b.set_attribute("disabled", "");
                }
            }
        }
    }
}

/// Download catalogue model `id`, showing its progress; the cancel button stops it.
async fn pull(id: String) {
    set_pull_buttons_enabled(false);
    set_text("local-status", "");
    let panel = el("pull-progress");
    let _ = panel.set_attribute("data-state", "pulling");
    let _ = panel.set_attribute("data-id", &id);
    let bar: HtmlElement = el("pull-bar").unchecked_into();
    let _ = bar.remove_attribute("value");
    set_text("pull-text", &tr("optPullStarting", &[&id]));
    // The bar goes into the row of the model it downloads, and back when it is done.
    let row = el("local-catalogue").query_selector(&format!("[data-glossa='catalogue-model'][data-id='{id}']")).ok().flatten();
    if let Some(row) = &row {
        let _ = row.append_child(&panel);
    }
    show("pull-progress", true);
    let on_progress = {
        let (bar, panel) = (bar.clone(), panel.clone());
        move |event: &EventBody| {
            let EventBody::Progress { done, total } = event else { return };
            let _ = panel.set_attribute("data-done", &done.to_string());
            match total {
                Some(total) if *total > 0 => {
                    let _ = bar.set_attribute("max", &total.to_string());
                    let _ = bar.set_attribute("value", &done.to_string());
                    let percent = (*done as f64 * 100.0 / *total as f64).floor();
                    set_text("pull-text", &tr("optPullProgress", &[&size(*done), &size(*total), &percent.to_string()]));
                }
                _ => set_text("pull-text", &size(*done)),
            }
        }
    };
    let result = call(RequestBody::PullModel { source: id.clone(), sha256: None }, Box::new(on_progress), |request_id, handler| {
        PULL.with_borrow_mut(|p| *p = Some((request_id, handler)));
    })
    .await;
    PULL.with_borrow_mut(|p| *p = None);
    show("pull-progress", false);
    let status = el("local-status");
    if let Some(parent) = status.parent_node() {
        let _ = parent.insert_before(&panel, Some(&status));
    }
    match result {
        Ok(_) => {
            set_text("local-status", &tr("optPullDone", &[&id]));
            let _ = status.set_attribute("data-state", "pulled");
        }
        Err(f) if f.code == ErrorCode::Cancelled => {
            set_text("local-status", &t("optPullStopped"));
            let _ = status.set_attribute("data-state", "cancelled");
        }
        Err(f) => {
            set_text("local-status", &format!("{} {}", f.message, f.hint));
            let _ = status.set_attribute("data-state", "error");
        }
    }
    let _ = panel.set_attribute("data-state", "idle");
    set_pull_buttons_enabled(true);
    load().await;
}

async fn remove_model(file: String) {
    match request(RequestBody::RemoveLocalModel { file: file.clone() }).await {
        Ok(events) => {
            set_text("local-status", &tr("optRemoved", &[&file]));
            let _ = el("local-status").set_attribute("data-state", "removed");
            render_from(events);
        }
        Err(f) => {
            set_text("local-status", &format!("{} {}", f.message, f.hint));
            let _ = el("local-status").set_attribute("data-state", "error");
        }
    }
}

/// Use an installed catalogue model for frames and subtitles (its projector is found
/// beside it), and save.
async fn use_model(file: String) {
    if let Ok(Some(radio)) = super::doc().query_selector("[data-glossa='provider-local']") {
        radio.unchecked_ref::<HtmlInputElement>().set_checked(true);
    }
    show_provider(ProviderKind::Local);
    input("local-frame-model").set_value(&file);
    input("local-subtitle-model").set_value(&file);
    input("local-mmproj").set_value("");
    if save().await {
        load().await;
    }
}
