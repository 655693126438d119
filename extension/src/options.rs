//! The options page: provider choice, connection details, write-only API keys, models from
//! the host's live list, a connection test, target language and subtitle display. All of
//! it goes through the background to glossa-host; nothing is stored in the browser.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use glossa_protocol::{
    ErrorCode, ErrorInfo, EventBody, ModelInfo, ProviderKind, ProviderSettingsView, RequestBody, SettingsView, PROTOCOL_VERSION,
    READING_LANGUAGES,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlInputElement, HtmlSelectElement};

use crate::chrome::{self, t, tr};

mod first_run;
mod local_models;
mod study;

thread_local! {
    static SETTINGS: RefCell<Option<SettingsView>> = const { RefCell::new(None) };
    static MODELS: RefCell<HashMap<ProviderKind, Vec<ModelInfo>>> = RefCell::new(HashMap::new());
}

#[wasm_bindgen]
pub fn options_main() {
    apply_i18n();
    wasm_bindgen_futures::spawn_local(load());
}

fn doc() -> Document {
    web_sys::window().and_then(|w| w.document()).expect("the options page has a document")
}

fn el(glossa: &str) -> Element {
    doc()
        .query_selector(&format!("[data-glossa='{glossa}']"))
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("options.html lacks data-glossa={glossa}"))
}

fn input(glossa: &str) -> HtmlInputElement {
    el(glossa).unchecked_into()
}

fn select(glossa: &str) -> HtmlSelectElement {
    el(glossa).unchecked_into()
}

fn set_text(glossa: &str, text: &str) {
    el(glossa).set_text_content(Some(text));
}

fn show(glossa: &str, visible: bool) {
    let e = el(glossa);
    if visible {
        let _ = e.remove_attribute("hidden");
    } else {
        let _ = e.set_attribute("hidden", "");
    }
}

fn child(parent: &Element, tag: &str, class: &str, text: &str) -> Element {
    let e = doc().create_element(tag).expect("create element");
    if !class.is_empty() {
        e.set_class_name(class);
    }
    e.set_text_content(Some(text));
    let _ = parent.append_child(&e);
    e
}

fn apply_i18n() {
    let d = doc();
    if let Ok(list) = d.query_selector_all("[data-i18n]") {
        for i in 0..list.length() {
            if let Some(e) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                if let Some(key) = e.get_attribute("data-i18n") {
                    e.set_text_content(Some(&t(&key)));
                }
            }
        }
    }
    if let Ok(list) = d.query_selector_all("[data-i18n-placeholder]") {
        for i in 0..list.length() {
            if let Some(e) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                if let Some(key) = e.get_attribute("data-i18n-placeholder") {
                    let _ = e.set_attribute("placeholder", &t(&key));
                }
            }
        }
    }
    d.set_title(&t("optTitle"));
}

// ------------------------------------------------------------------ talking to the host

#[wasm_bindgen]
extern "C" {
    /// `glossa.request(body, onEvent)` from `content/port.js`: the one client of the
    /// background, the same the content script uses. Returns the request's id.
    #[wasm_bindgen(js_namespace = glossa, js_name = request)]
    fn client_request(body: &JsValue, on_event: &js_sys::Function) -> JsValue;
    /// `glossa.cancel(id)`: the background cancels the request at the host.
    #[wasm_bindgen(js_namespace = glossa, js_name = cancel)]
    fn client_cancel(id: &str);
}

/// What the page reads of an event it cannot parse whole (e.g. an error code newer than
/// this page): enough to end the request and show why.
#[derive(serde::Deserialize)]
struct EventHead {
    event: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    hint: String,
}

/// Send one request; resolves with every event it produced, the last being done/error.
async fn request(body: RequestBody) -> Result<Vec<EventBody>, ErrorInfo> {
    call(body, Box::new(|_| {}), |_, _| {}).await
}

/// [`request`], showing each event to `each` as it comes; `started` gets the request's id
/// and the event handler (to end the request from the page: see [`end_request`]).
async fn call(
    body: RequestBody,
    mut each: Box<dyn FnMut(&EventBody)>,
    started: impl FnOnce(String, js_sys::Function),
) -> Result<Vec<EventBody>, ErrorInfo> {
    let events: Rc<RefCell<Vec<EventBody>>> = Rc::default();
    let resolve: Rc<RefCell<Option<js_sys::Function>>> = Rc::default();
    let finished = js_sys::Promise::new(&mut |res, _reject| *resolve.borrow_mut() = Some(res));
    let on_event = {
        let (events, resolve) = (events.clone(), resolve.clone());
        Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            let Some(json) = chrome::stringify(&event) else { return };
            let Ok(head) = serde_json::from_str::<EventHead>(&json) else { return };
            match serde_json::from_str::<EventBody>(&json) {
                Ok(body) => {
                    each(&body);
                    events.borrow_mut().push(body);
                }
                Err(_) if head.event == "error" => {
                    events.borrow_mut().push(EventBody::Error(ErrorInfo::new(ErrorCode::Internal, head.message, head.hint)));
                }
                Err(_) => {}
            }
            if matches!(head.event.as_str(), "done" | "error") {
                if let Some(resolve) = resolve.borrow_mut().take() {
                    let _ = resolve.call0(&JsValue::NULL);
                }
            }
        })
    };
    let handler: &js_sys::Function = on_event.as_ref().unchecked_ref();
    let id = client_request(&chrome::to_js(&body), handler).as_string().unwrap_or_default();
    started(id, handler.clone());
    let _ = wasm_bindgen_futures::JsFuture::from(finished).await;
    // The last event has been handled: the callback is not called again.
    drop(on_event);
    let events = std::mem::take(&mut *events.borrow_mut());
    match events.last() {
        Some(EventBody::Error(info)) => Err(info.clone()),
        _ => Ok(events),
    }
}

/// Stop request `id` (started by [`call`], which handed out its `handler`): the host
/// stops its work, and the waiting page gets a `cancelled` error.
fn end_request(id: &str, handler: &js_sys::Function) {
    client_cancel(id);
    let cancelled = EventBody::Error(ErrorInfo::new(ErrorCode::Cancelled, t("optCancelled"), ""));
    let _ = handler.call1(&JsValue::NULL, &chrome::to_js(&cancelled));
}

// ------------------------------------------------------------------ page flow

async fn load() {
    let version = chrome::get(&chrome::get_manifest(), "version").as_string().unwrap_or_default();
    match request(RequestBody::Hello { extension_version: version, protocol: PROTOCOL_VERSION }).await {
        Err(f) => return host_problem(&f),
        Ok(events) => {
            let host_version = events
                .into_iter()
                .find_map(|e| match e {
                    EventBody::Hello { host_version, .. } => Some(host_version),
                    _ => None,
                })
                .unwrap_or_default();
            set_text("host-status", &tr("optHostVersion", &[&host_version]));
        }
    }
    match request(RequestBody::GetSettings).await {
        Err(f) => return host_problem(&f),
        Ok(events) => match settings_of(events) {
            Some(view) => fill(view),
            None => return,
        },
    }
    wire();
    first_run::wire();
    local_models::wire();
    study::wire();
    show("settings-form", true);
    wasm_bindgen_futures::spawn_local(local_models::load());
    load_models(selected_provider()).await;
}

/// The settings an answer carries.
fn settings_of(events: Vec<EventBody>) -> Option<SettingsView> {
    events.into_iter().find_map(|e| match e {
        EventBody::Settings(view) => Some(view),
        _ => None,
    })
}

fn host_problem(f: &ErrorInfo) {
    let missing = f.code == ErrorCode::HostUnavailable;
    set_text("host-problem-title", &t(if missing { "optHostMissingTitle" } else { "optHostOldTitle" }));
    set_text("host-problem-body", &t(if missing { "optHostMissingBody" } else { "optHostOldBody" }));
    set_text("host-install-command", "glossa-host install");
    let (message, hint) = chrome::error_text(f);
    set_text("host-problem-detail", &format!("{message} {hint}"));
    show("host-missing", true);
    show("settings-form", false);
}

fn fill(view: SettingsView) {
    let d = doc();
    if let Ok(Some(radio)) = d.query_selector(&format!("[data-glossa='provider-{}']", view.provider)) {
        radio.unchecked_ref::<HtmlInputElement>().set_checked(true);
    }
    input("local-frame-model").set_value(&view.local.frame_model);
    input("local-mmproj").set_value(&view.local.mmproj);
    input("local-subtitle-model").set_value(&view.local.subtitle_model);
    let lang = select("target-language");
    if !has_option(&lang, &view.target_language) {
        add_option(&lang, &view.target_language, &view.target_language);
    }
    lang.set_value(&view.target_language);
    input("display-font-size").set_value(&view.display.font_size.to_string());
    select("display-position").set_value(&view.display.position);
    input("display-dual").set_checked(view.display.dual);
    input("display-pause-on-frame").set_checked(view.display.pause_on_frame);
    input("subtitles-video-context").set_checked(view.subtitles.video_context);
    for code in READING_LANGUAGES {
        input(&format!("display-reading-{code}")).set_checked(view.display.readings.split(',').any(|c| c == *code));
    }
    input("timeout-connect").set_value(&view.timeouts.connect_secs.to_string());
    input("timeout-first-token").set_value(&view.timeouts.first_token_secs.to_string());
    input("timeout-idle").set_value(&view.timeouts.idle_secs.to_string());
    let warnings = el("settings-warnings");
    warnings.set_text_content(None);
    for w in chrome::warnings_text(&view.warnings, &view.warning_texts) {
        child(&warnings, "li", "", &tr("optWarnings", &[&w]));
    }
    SETTINGS.with_borrow_mut(|s| *s = Some(view));
    show_provider(selected_provider());
}

fn provider_view(view: &SettingsView, kind: ProviderKind) -> Option<&ProviderSettingsView> {
    match kind {
        ProviderKind::Local => None,
        ProviderKind::Ollama => Some(&view.ollama),
        ProviderKind::Openai => Some(&view.openai),
        ProviderKind::Anthropic => Some(&view.anthropic),
    }
}

fn selected_provider() -> ProviderKind {
    doc()
        .query_selector("input[name=provider]:checked")
        .ok()
        .flatten()
        .and_then(|e| e.unchecked_into::<HtmlInputElement>().value().parse().ok())
        .unwrap_or(ProviderKind::Local)
}

/// Show the section of `kind` with its saved values.
fn show_provider(kind: ProviderKind) {
    let local = kind == ProviderKind::Local;
    show("section-local", local);
    show("section-remote", !local);
    if local {
        return;
    }
    SETTINGS.with_borrow(|s| {
        let Some(view) = s.as_ref() else { return };
        let Some(p) = provider_view(view, kind) else { return };
        input("provider-url").set_value(p.url.as_deref().unwrap_or_default());
        show("api-key-row", p.api_key.is_some());
        input("api-key").set_value("");
        let status = match &p.api_key {
            Some(k) if k.set => tr("optKeySet", &[&k.preview]),
            _ => t("optKeyNotSet"),
        };
        set_text("api-key-status", &status);
    });
    fill_models(kind);
}

fn has_option(sel: &HtmlSelectElement, value: &str) -> bool {
    (0..sel.length()).any(|i| sel.item(i).and_then(|o| o.get_attribute("value")).as_deref() == Some(value))
}

fn add_option(sel: &HtmlSelectElement, value: &str, label: &str) {
    let o = child(sel, "option", "", label);
    let _ = o.set_attribute("value", value);
}

/// Fill both model dropdowns from the host's list, keeping the saved choice visible and
/// warning when it is no longer there.
fn fill_models(kind: ProviderKind) {
    let models = MODELS.with_borrow(|m| m.get(&kind).cloned());
    let saved = SETTINGS
        .with_borrow(|s| s.as_ref().and_then(|v| provider_view(v, kind)).map(|p| (p.frame_model.clone(), p.subtitle_model.clone())));
    let (saved_frame, saved_subs) = saved.unwrap_or_default();
    let list = models.clone().unwrap_or_default();
    let mut missing = Vec::new();
    for (glossa, saved) in [("frame-model", &saved_frame), ("subtitle-model", &saved_subs)] {
        let sel = select(glossa);
        sel.set_text_content(None);
        for m in &list {
            let tag = match m.vision {
                Some(true) => format!(" — {}", t("optVisionYes")),
                Some(false) => format!(" — {}", t("optVisionNo")),
                None => String::new(),
            };
            add_option(&sel, &m.name, &format!("{}{tag}", m.name));
        }
        if !saved.is_empty() && !list.iter().any(|m| &m.name == saved) {
            add_option(&sel, saved, saved);
            if models.is_some() && !missing.contains(saved) {
                missing.push(saved.clone());
            }
        }
        sel.set_value(saved);
        // Long names are cut by the field; the whole name shows on hover.
        sel.set_title(&sel.value());
    }
    let vision: Vec<&str> = list.iter().filter(|m| m.vision == Some(true)).map(|m| m.name.as_str()).collect();
    set_text("vision-models", &if vision.is_empty() { String::new() } else { format!("{}: {}", t("optVisionYes"), vision.join(", ")) });
    let warn = el("model-missing");
    warn.set_text_content(None);
    for m in &missing {
        let p = child(&warn, "p", "", &tr("optModelMissing", &[m]));
        let _ = p.set_attribute("data-glossa", "model-missing-message");
        let hint = if kind == ProviderKind::Ollama { tr("optModelMissingHintOllama", &[m]) } else { tr("optModelMissingHintOther", &[m]) };
        let h = child(&warn, "p", "hint", &hint);
        let _ = h.set_attribute("data-glossa", "model-missing-hint");
    }
    show("model-missing", !missing.is_empty());
}

async fn load_models(kind: ProviderKind) {
    if kind == ProviderKind::Local {
        return;
    }
    set_text("models-status", &t("optModelsLoading"));
    match request(RequestBody::ListModels { provider: Some(kind) }).await {
        Ok(events) => {
            let models: Vec<ModelInfo> = events
                .into_iter()
                .find_map(|e| match e {
                    EventBody::Models { models, .. } => Some(models),
                    _ => None,
                })
                .unwrap_or_default();
            MODELS.with_borrow_mut(|m| m.insert(kind, models));
            set_text("models-status", "");
        }
        Err(f) => {
            MODELS.with_borrow_mut(|m| m.remove(&kind));
            let (message, hint) = chrome::error_text(&f);
            set_text("models-status", &format!("{} {hint}", tr("optModelsError", &[&message])));
        }
    }
    if selected_provider() == kind {
        fill_models(kind);
    }
}

fn on<F: FnMut(web_sys::Event) + 'static>(target: &Element, event: &str, f: F) {
    let closure = Closure::<dyn FnMut(web_sys::Event)>::new(f);
    let _ = target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
    closure.forget();
}

fn wire() {
    for kind in ProviderKind::ALL {
        on(&el(&format!("provider-{kind}")), "change", move |_| {
            show_provider(kind);
            wasm_bindgen_futures::spawn_local(load_models(kind));
        });
    }
    for glossa in ["frame-model", "subtitle-model"] {
        on(&el(glossa), "change", move |_| select(glossa).set_title(&select(glossa).value()));
    }
    on(&el("refresh-models"), "click", |_| wasm_bindgen_futures::spawn_local(load_models(selected_provider())));
    on(&el("settings-form"), "submit", |e| {
        e.prevent_default();
        wasm_bindgen_futures::spawn_local(async {
            save().await;
        });
    });
    on(&el("test-connection"), "click", |_| {
        wasm_bindgen_futures::spawn_local(async {
            if save().await {
                test_connection().await;
            }
        });
    });
}

/// The keys the form writes, with their values.
fn form_values() -> BTreeMap<String, String> {
    let kind = selected_provider();
    let mut v = BTreeMap::new();
    v.insert("provider".into(), kind.to_string());
    v.insert("target_language".into(), select("target-language").value());
    v.insert("display.font_size".into(), input("display-font-size").value());
    v.insert("display.position".into(), select("display-position").value());
    v.insert("display.dual".into(), input("display-dual").checked().to_string());
    v.insert("display.pause_on_frame".into(), input("display-pause-on-frame").checked().to_string());
    v.insert("subtitles.video_context".into(), input("subtitles-video-context").checked().to_string());
    let readings: Vec<&str> =
        READING_LANGUAGES.iter().copied().filter(|code| input(&format!("display-reading-{code}")).checked()).collect();
    v.insert("display.readings".into(), readings.join(","));
    for (glossa, key) in [("timeout-connect", "connect_secs"), ("timeout-first-token", "first_token_secs"), ("timeout-idle", "idle_secs")] {
        v.insert(format!("timeouts.{key}"), input(glossa).value().trim().to_owned());
    }
    if kind == ProviderKind::Local {
        for (glossa, key) in
            [("local-frame-model", "local.frame_model"), ("local-mmproj", "local.mmproj"), ("local-subtitle-model", "local.subtitle_model")]
        {
            v.insert(key.into(), input(glossa).value().trim().to_owned());
        }
        return v;
    }
    v.insert(url_setting(kind), input("provider-url").value().trim().to_owned());
    for (glossa, key) in [("frame-model", "frame_model"), ("subtitle-model", "subtitle_model")] {
        let value = select(glossa).value();
        if !value.is_empty() {
            v.insert(format!("{kind}.{key}"), value);
        }
    }
    let key = input("api-key").value();
    if !key.trim().is_empty() && kind != ProviderKind::Ollama {
        v.insert(format!("{kind}.api_key"), key.trim().to_owned());
    }
    v
}

/// The setting holding a server provider's address.
fn url_setting(kind: ProviderKind) -> String {
    let key = if kind == ProviderKind::Ollama { "url" } else { "base_url" };
    format!("{kind}.{key}")
}

async fn save() -> bool {
    let values = form_values();
    set_text("save-status", "");
    match request(RequestBody::PutSettings { values }).await {
        Ok(events) => {
            if let Some(view) = settings_of(events) {
                fill(view);
            }
            set_text("save-status", &t("optSaved"));
            let _ = el("save-status").set_attribute("data-state", "saved");
            true
        }
        Err(f) => {
            let (message, hint) = chrome::error_text(&f);
            set_text("save-status", &format!("{} {hint}", tr("optSaveFailed", &[&message])));
            let _ = el("save-status").set_attribute("data-state", "error");
            false
        }
    }
}

async fn test_connection() {
    let kind = selected_provider();
    let out = el("test-result");
    out.set_text_content(None);
    let _ = out.set_attribute("data-state", "testing");
    child(&out, "p", "", &t("optTesting"));
    let result = request(RequestBody::CheckProvider { provider: Some(kind) }).await;
    out.set_text_content(None);
    let report = result.map(|events| {
        events.into_iter().find_map(|e| match e {
            EventBody::Check(report) => Some(report),
            _ => None,
        })
    });
    match report {
        Ok(report) => match report {
            Some(report) => {
                let detail = chrome::said(report.detail_text.as_deref(), &report.detail);
                let (class, text) =
                    if report.reachable { ("ok", tr("optTestOk", &[&detail])) } else { ("fail", tr("optTestFail", &[&detail])) };
                child(&out, "p", class, &text);
                for p in &report.problems {
                    let (message, hint) = chrome::error_text(p);
                    let item = child(&out, "p", "problem", &message);
                    let _ = item.set_attribute("data-glossa", "test-problem");
                    if !hint.is_empty() {
                        child(&out, "p", "hint", &hint);
                    }
                }
                for w in chrome::warnings_text(&report.warnings, &report.warning_texts) {
                    child(&out, "p", "warning", &w);
                }
                let _ = out.set_attribute("data-state", if report.reachable && report.problems.is_empty() { "ok" } else { "problem" });
            }
            None => {
                let _ = out.set_attribute("data-state", "problem");
            }
        },
        Err(f) => {
            let (message, hint) = chrome::error_text(&f);
            child(&out, "p", "fail", &tr("optTestFail", &[&message]));
            child(&out, "p", "hint", &hint);
            let _ = out.set_attribute("data-state", "problem");
        }
    }
}
