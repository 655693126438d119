//! The few WebExtension APIs the wasm uses (`chrome.*`, which Firefox also provides).

use glossa_protocol::{Arg, ErrorInfo, Text};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// A `runtime.Port`: to the native host, a content script or the options page.
    #[derive(Clone)]
    pub type Port;
    #[wasm_bindgen(method, catch, js_name = postMessage)]
    pub fn post_message(this: &Port, msg: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(method, getter, js_name = onMessage)]
    pub fn on_message(this: &Port) -> EventHook;
    #[wasm_bindgen(method, getter, js_name = onDisconnect)]
    pub fn on_disconnect(this: &Port) -> EventHook;
    #[wasm_bindgen(method, getter)]
    pub fn sender(this: &Port) -> JsValue;
    /// Firefox reports why a port closed here; Chromium uses `runtime.lastError`.
    #[wasm_bindgen(method, getter)]
    pub fn error(this: &Port) -> JsValue;

    pub type EventHook;
    #[wasm_bindgen(method, js_name = addListener)]
    pub fn add_listener(this: &EventHook, f: &js_sys::Function);

    #[wasm_bindgen(catch, js_namespace = ["chrome", "runtime"], js_name = connectNative)]
    pub fn connect_native(name: &str) -> Result<Port, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "runtime"], js_name = connect)]
    pub fn connect(info: &JsValue) -> Result<Port, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "runtime"], js_name = getURL)]
    pub fn get_url(path: &str) -> String;
    #[wasm_bindgen(js_namespace = ["chrome", "runtime"], js_name = getManifest)]
    pub fn get_manifest() -> JsValue;

    #[wasm_bindgen(js_namespace = ["chrome", "i18n"], js_name = getMessage)]
    fn get_message(name: &str, substitutions: &JsValue) -> String;

    /// Open a tab (`{url}`); extension pages need no permission.
    #[wasm_bindgen(catch, js_namespace = ["chrome", "tabs"], js_name = create)]
    pub async fn create_tab(properties: &JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(catch, js_namespace = ["chrome", "tabs"], js_name = captureVisibleTab)]
    pub async fn capture_visible_tab(window_id: i32, options: &JsValue) -> Result<JsValue, JsValue>;

    /// The global `setTimeout` (service workers and Firefox background pages both have it).
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(f: &js_sys::Function, ms: i32) -> JsValue;
}

/// Wait `ms` milliseconds without blocking the background.
pub async fn sleep(ms: i32) {
    let done = js_sys::Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(done).await;
}

/// A localised string (`_locales/*/messages.json`), falling back to its name so a missing
/// message is visible rather than blank.
pub fn t(name: &str) -> String {
    tr(name, &[])
}

pub fn tr(name: &str, subs: &[&str]) -> String {
    let arr = js_sys::Array::new();
    for s in subs {
        arr.push(&JsValue::from_str(s));
    }
    let s = get_message(name, &arr);
    if s.is_empty() {
        name.to_owned()
    } else {
        s
    }
}

/// A sentence the host sent as a `_locales` key with arguments, in the UI language;
/// `None` when this extension does not know the key (or a term among its arguments).
pub fn text(sentence: &Text) -> Option<String> {
    let arr = js_sys::Array::new();
    for arg in &sentence.args {
        let arg = match arg {
            Arg::Plain(s) => s.clone(),
            Arg::Text(t) => text(t)?,
        };
        arr.push(&JsValue::from_str(&arg));
    }
    Some(get_message(&sentence.key, &arr)).filter(|s| !s.is_empty())
}

/// An error's message and hint for the user: its `_locales` text, else the host's English
/// (a newer host's new key, or an error the extension itself already wrote localised).
pub fn error_text(e: &ErrorInfo) -> (String, String) {
    (said(e.message_text.as_deref(), &e.message), said(e.hint_text.as_deref(), &e.hint))
}

/// A host's warnings in the UI language; its English ones when it sent no texts (an older
/// host) or not one for each.
pub fn warnings_text(english: &[String], texts: &[Text]) -> Vec<String> {
    if texts.len() != english.len() {
        return english.to_vec();
    }
    english.iter().zip(texts).map(|(e, t)| said(Some(t), e)).collect()
}

/// A host sentence in the UI language, else its English.
pub fn said(sentence: Option<&Text>, english: &str) -> String {
    sentence.and_then(text).unwrap_or_else(|| english.to_owned())
}

/// Why the last `runtime` call failed (Chromium), if it did.
pub fn last_error() -> Option<String> {
    let chrome = js_sys::Reflect::get(&js_sys::global(), &"chrome".into()).ok()?;
    let runtime = js_sys::Reflect::get(&chrome, &"runtime".into()).ok()?;
    let err = js_sys::Reflect::get(&runtime, &"lastError".into()).ok()?;
    if err.is_undefined() || err.is_null() {
        return None;
    }
    js_sys::Reflect::get(&err, &"message".into()).ok()?.as_string()
}

pub fn get(v: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// JS value → JSON text (`JSON.stringify`, which keeps integers exact).
pub fn stringify(v: &JsValue) -> Option<String> {
    js_sys::JSON::stringify(v).ok()?.as_string()
}

/// JSON text → JS value.
pub fn parse(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap_or(JsValue::NULL)
}

/// A serialisable value as a JS value (through its JSON).
pub fn to_js<T: serde::Serialize>(value: &T) -> JsValue {
    serde_json::to_string(value).map(|s| parse(&s)).unwrap_or(JsValue::NULL)
}

/// Attach a listener for the port's lifetime (ports live as long as their page; the
/// closure is small, so it is leaked rather than tracked).
pub fn listen<F: FnMut(JsValue) + 'static>(hook: &EventHook, f: F) {
    let closure = Closure::<dyn FnMut(JsValue)>::new(f);
    hook.add_listener(closure.as_ref().unchecked_ref());
    closure.forget();
}
