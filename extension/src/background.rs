//! The background: owns the native port to `glossa-host`, (re)connects it on demand and
//! feeds the [`Router`] with messages from pages and from the host.

use std::cell::RefCell;
use std::collections::HashMap;

use glossa_protocol::{BackgroundMessage, ClientMessage, Event};
use serde_json::json;
use wasm_bindgen::prelude::*;

use crate::burnin::{BurninDetectors, Sample};
use crate::capture_pacing::{CapturePacing, WINDOW_MS};
use crate::chrome::{self, Port};
use crate::routing::{host_lost_error, ClientId, Out, Router};

struct Client {
    port: Port,
    window_id: Option<i32>,
}

#[derive(Default)]
struct Background {
    router: Router,
    native: Option<Port>,
    /// Bumped per native port, so a late disconnect of an old port is ignored.
    generation: u32,
    clients: HashMap<ClientId, Client>,
    next_client: ClientId,
    capture_pacing: CapturePacing,
    burnin: BurninDetectors,
}

thread_local! {
    static BG: RefCell<Background> = RefCell::new(Background::default());
}

fn texts(name: &str, subs: &[&str]) -> String {
    chrome::tr(name, subs)
}

/// The page a new user meets: the options page, which looks for the providers they already
/// have (`first-run` makes it look at once).
pub const FIRST_RUN_PAGE: &str = "options/options.html?first-run";

/// `runtime.onInstalled`: on a fresh install (not an update or a browser update), open
/// the options page once, so the first thing a user sees is a model that works.
#[wasm_bindgen]
pub fn bg_on_installed(reason: String) {
    if reason != "install" {
        return;
    }
    wasm_bindgen_futures::spawn_local(async {
        let url = chrome::get_url(FIRST_RUN_PAGE);
        if let Err(e) = chrome::create_tab(&chrome::to_js(&json!({ "url": url }))).await {
            web_sys::console::warn_1(&format!("Glossa: could not open the options page: {}", js_error_text(&e)).into());
        }
    });
}

/// A page connected (`runtime.connect`); `early` holds messages that came before wasm was ready.
#[wasm_bindgen]
pub fn bg_on_connect(port: Port, early: js_sys::Array) {
    let sender = port.sender();
    let tab = chrome::get(&sender, "tab");
    let window_id = chrome::get(&tab, "windowId").as_f64().map(|v| v as i32);
    // Only the extension's own pages (options) are privileged; a content script runs in a
    // web page's tab and its sender URL is the page's.
    let url = chrome::get(&sender, "url").as_string().unwrap_or_default();
    let privileged = url.starts_with(&chrome::get_url(""));
    let id = BG.with_borrow_mut(|bg| {
        bg.next_client += 1;
        let id = bg.next_client;
        bg.clients.insert(id, Client { port: port.clone(), window_id });
        id
    });
    chrome::listen(&port.on_message(), move |msg| on_client_message(id, privileged, msg));
    chrome::listen(&port.on_disconnect(), move |_| {
        let out = BG.with_borrow_mut(|bg| {
            bg.clients.remove(&id);
            bg.burnin.gone(id);
            bg.router.client_gone(id)
        });
        apply(out);
    });
    for msg in early.iter() {
        on_client_message(id, privileged, msg);
    }
}

fn on_client_message(client: ClientId, privileged: bool, msg: JsValue) {
    let Some(msg) = chrome::stringify(&msg).and_then(|json| serde_json::from_str::<ClientMessage>(&json).ok()) else {
        return;
    };
    if let ClientMessage::CaptureVisible { id } = msg {
        capture_visible(client, id);
        return;
    }
    if let ClientMessage::BurninSample { id, time, width, height, gray, region, search } = msg {
        let started = now_ms();
        let sample = Sample { time, width, height, gray: &gray, region, search };
        let (answer, port) =
            BG.with_borrow_mut(|bg| (bg.burnin.sample(client, &id, sample), bg.clients.get(&client).map(|c| c.port.clone())));
        let detect_ms = Some(now_ms() - started);
        if let Some(port) = port {
            let message = BackgroundMessage::<Event>::Burnin { id, lines: answer.lines, band: answer.band, detect_ms };
            let _ = port.post_message(&chrome::to_js(&message));
        }
        return;
    }
    let out = BG.with_borrow_mut(|bg| bg.router.from_client(client, privileged, msg, &texts));
    apply(out);
}

/// The worker's high-resolution clock (performance.now), else the date's: for the burned-in figures.
fn now_ms() -> f64 {
    let global = js_sys::global();
    js_sys::Reflect::get(&global, &"performance".into())
        .ok()
        .and_then(|performance| {
            let now = js_sys::Reflect::get(&performance, &"now".into()).ok()?;
            now.dyn_ref::<js_sys::Function>()?.call0(&performance).ok()?.as_f64()
        })
        .unwrap_or_else(js_sys::Date::now)
}

fn apply(out: Vec<Out>) {
    for o in out {
        match o {
            Out::ToHost(json) => send_to_host(&json),
            Out::ToClient(client, json) => {
                let port = BG.with_borrow(|bg| bg.clients.get(&client).map(|c| c.port.clone()));
                if let Some(port) = port {
                    let _ = port.post_message(&chrome::parse(&json));
                }
            }
            Out::DropHost => {
                let native = BG.with_borrow_mut(|bg| {
                    bg.generation += 1;
                    bg.native.take()
                });
                if let Some(p) = native {
                    disconnect(&p);
                }
            }
        }
    }
}

fn disconnect(port: &Port) {
    if let Ok(f) = js_sys::Reflect::get(port, &"disconnect".into()) {
        if let Some(f) = f.dyn_ref::<js_sys::Function>() {
            let _ = f.call0(port);
        }
    }
}

fn send_to_host(json: &str) {
    let port = match BG.with_borrow(|bg| bg.native.clone()) {
        Some(p) => p,
        None => match open_native() {
            Some(p) => p,
            None => return,
        },
    };
    if let Err(e) = port.post_message(&chrome::parse(json)) {
        host_lost(Some(format!("{e:?}")));
    }
}

/// Connect to the host and say hello. A missing host shows up as an immediate disconnect.
fn open_native() -> Option<Port> {
    let port = match chrome::connect_native(glossa_protocol::HOST_NAME) {
        Ok(p) => p,
        Err(e) => {
            host_lost(Some(js_error_text(&e)));
            return None;
        }
    };
    let generation = BG.with_borrow_mut(|bg| {
        bg.generation += 1;
        bg.native = Some(port.clone());
        bg.generation
    });
    chrome::listen(&port.on_message(), |msg| {
        let Some(json) = chrome::stringify(&msg) else { return };
        let out = BG.with_borrow_mut(|bg| bg.router.from_host(json, &texts));
        apply(out);
    });
    let port_for_error = port.clone();
    chrome::listen(&port.on_disconnect(), move |_| {
        let current = BG.with_borrow(|bg| bg.generation == generation);
        if !current {
            return;
        }
        let firefox_error = chrome::get(&port_for_error.error(), "message").as_string();
        host_lost(chrome::last_error().or(firefox_error));
    });
    let version = chrome::get(&chrome::get_manifest(), "version").as_string().unwrap_or_default();
    let hello = BG.with_borrow_mut(|bg| bg.router.hello(&version));
    let _ = port.post_message(&chrome::parse(&hello));
    Some(port)
}

fn host_lost(browser_error: Option<String>) {
    web_sys::console::warn_1(&format!("Glossa: lost glossa-host: {browser_error:?}").into());
    let out = BG.with_borrow_mut(|bg| {
        bg.native = None;
        bg.generation += 1;
        let info = host_lost_error(browser_error.as_deref(), &texts);
        bg.router.fail_all(info)
    });
    apply(out);
}

fn js_error_text(e: &JsValue) -> String {
    chrome::get(e, "message").as_string().unwrap_or_else(|| format!("{e:?}"))
}

/// Chromium's error for a third tab screenshot within a second. Screenshots are paced
/// ([`CapturePacing`]) so it should not happen; after the worker restarted (and forgot
/// its last screenshots) it still can: then wait a window and try again.
const CAPTURE_QUOTA_ERROR: &str = "MAX_CAPTURE_VISIBLE_TAB_CALLS_PER_SECOND";
const CAPTURE_ATTEMPTS: u32 = 3;

/// The page could not read the video's pixels (DRM or cross-origin): take a screenshot of
/// the visible tab instead; the content script crops it to the video.
fn capture_visible(client: ClientId, id: String) {
    let Some((port, window_id)) = BG.with_borrow(|bg| bg.clients.get(&client).and_then(|c| Some((c.port.clone(), c.window_id?)))) else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        let options = chrome::to_js(&json!({"format": "jpeg", "quality": 92}));
        let mut attempt = 1;
        let reply = loop {
            let now = js_sys::Date::now();
            let at = BG.with_borrow_mut(|bg| bg.capture_pacing.book(now));
            if at > now {
                chrome::sleep((at - now).ceil() as i32).await;
            }
            match chrome::capture_visible_tab(window_id, &options).await {
                Ok(url) => break BackgroundMessage::<Event>::Captured { id, data_url: url.as_string(), error: None },
                Err(e) => {
                    let error = js_error_text(&e);
                    if attempt < CAPTURE_ATTEMPTS && error.contains(CAPTURE_QUOTA_ERROR) {
                        attempt += 1;
                        chrome::sleep(WINDOW_MS as i32).await;
                        continue;
                    }
                    break BackgroundMessage::Captured { id, data_url: None, error: Some(error) };
                }
            }
        };
        let _ = port.post_message(&chrome::to_js(&reply));
    });
}
