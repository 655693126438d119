//! Routing between the extension's pages and the one connection to `glossa-host`.
//!
//! Many clients (a content script per YouTube tab, the options page) share one native
//! port. Each client numbers its own requests; the router gives every request a host-wide
//! id, sends host events back to the client that asked, cancels a client's work when it
//! goes away (tab closed or navigated), and fails everything in flight — with a message
//! a person can act on — when the host disappears. Pure logic, so it is unit-tested
//! natively; `background.rs` wires it to the browser.

use std::collections::HashMap;

use glossa_protocol::{
    ChunkAssembler, ErrorCode, ErrorInfo, Event, EventBody, Request, RequestBody, PROTOCOL_VERSION,
};
use serde_json::{json, Value};

/// A connected page: a tab's content script or an extension page.
pub type ClientId = u32;

/// What the router wants done.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    ToHost(Value),
    ToClient(ClientId, Value),
    /// The host refused us (e.g. too old): close the port so the next action reconnects.
    DropHost,
}

/// Localises the router's own messages (`chrome.i18n` in the browser).
pub type Texts<'a> = &'a dyn Fn(&str, &[&str]) -> String;

struct Route {
    client: ClientId,
    client_id: String,
    /// Unprivileged clients only see the display part of the settings.
    display_only: bool,
}

/// Request types a web page's content script may send; settings changes and provider
/// probing are for the extension's own pages only.
const TAB_REQUESTS: &[&str] =
    &["hello", "ping", "get_settings", "translate_frame", "translate_track", "playhead", "cancel"];

const HELLO_PREFIX: &str = "bg-hello-";

#[derive(Default)]
pub struct Router {
    next_id: u64,
    routes: HashMap<String, Route>,
    by_client: HashMap<(ClientId, String), String>,
    assembler: ChunkAssembler,
}

impl Router {
    /// The handshake to send first on a fresh native port.
    pub fn hello(&mut self, extension_version: &str) -> Value {
        self.next_id += 1;
        json!({
            "id": format!("{HELLO_PREFIX}{}", self.next_id),
            "type": "hello",
            "extension_version": extension_version,
            "protocol": PROTOCOL_VERSION,
        })
    }

    pub fn in_flight(&self) -> usize {
        self.routes.len()
    }

    /// A message from a client: `{kind:"request", id, body}` or `{kind:"cancel", id}`.
    pub fn from_client(&mut self, client: ClientId, privileged: bool, msg: &Value, t: Texts) -> Vec<Out> {
        let client_id = msg.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
        match msg.get("kind").and_then(Value::as_str) {
            Some("cancel") => self.cancel(client, &client_id),
            Some("request") if !client_id.is_empty() => {
                let body = msg.get("body").cloned().unwrap_or(Value::Null);
                self.request(client, privileged, client_id, body, t)
            }
            _ => Vec::new(),
        }
    }

    fn request(&mut self, client: ClientId, privileged: bool, client_id: String, body: Value, t: Texts) -> Vec<Out> {
        let kind = body.get("type").and_then(Value::as_str).unwrap_or_default().to_owned();
        if !privileged && !TAB_REQUESTS.contains(&kind.as_str()) {
            let info = ErrorInfo::new(ErrorCode::BadRequest, t("errNotAllowed", &[&kind]), t("errNotAllowedHint", &[]));
            return vec![to_client_error(client, &client_id, info)];
        }
        if self.by_client.contains_key(&(client, client_id.clone())) {
            let info = ErrorInfo::new(
                ErrorCode::DuplicateId,
                t("errBadRequest", &[&format!("request id {client_id} is already in flight")]),
                t("errBadRequestHint", &[]),
            );
            return vec![to_client_error(client, &client_id, info)];
        }
        let mut body: RequestBody = match serde_json::from_value(body) {
            Ok(b) => b,
            Err(e) => {
                let info = ErrorInfo::new(ErrorCode::BadRequest, t("errBadRequest", &[&e.to_string()]), t("errBadRequestHint", &[]));
                return vec![to_client_error(client, &client_id, info)];
            }
        };
        // Targets name the client's own ids; translate them, and never let a client touch
        // another client's requests.
        if let RequestBody::Cancel { target } | RequestBody::Playhead { target, .. } = &mut body {
            match self.by_client.get(&(client, target.clone())) {
                Some(host_id) => *target = host_id.clone(),
                None => {
                    // Nothing to act on (already finished): acknowledge quietly.
                    return vec![Out::ToClient(client, client_event(&client_id, &Event::new("", EventBody::done())))];
                }
            }
        }
        self.next_id += 1;
        let host_id = format!("r{}", self.next_id);
        let display_only = !privileged && matches!(body, RequestBody::GetSettings);
        self.routes.insert(host_id.clone(), Route { client, client_id: client_id.clone(), display_only });
        self.by_client.insert((client, client_id), host_id.clone());
        let request = Request { id: host_id, body };
        match serde_json::to_value(&request) {
            Ok(v) => vec![Out::ToHost(v)],
            Err(_) => Vec::new(),
        }
    }

    /// The client no longer wants request `client_id` (its panel closed, the video changed).
    /// The route goes now: a cancelled request never ends with `done` (the host closes its
    /// events), so a kept route would stay forever — one per video watched in a tab.
    fn cancel(&mut self, client: ClientId, client_id: &str) -> Vec<Out> {
        match self.by_client.get(&(client, client_id.to_owned())).cloned() {
            Some(host_id) => {
                self.finish(&host_id);
                vec![Out::ToHost(self.cancel_request(host_id))]
            }
            None => Vec::new(),
        }
    }

    fn cancel_request(&mut self, target: String) -> Value {
        self.next_id += 1;
        // The answer to a cancel has no route, so it is dropped on arrival.
        json!({"id": format!("bg-cancel-{}", self.next_id), "type": "cancel", "target": target})
    }

    /// The client went away (tab closed, navigated, options page closed): stop its work.
    pub fn client_gone(&mut self, client: ClientId) -> Vec<Out> {
        let mine: Vec<String> =
            self.routes.iter().filter(|(_, r)| r.client == client).map(|(id, _)| id.clone()).collect();
        let mut out = Vec::new();
        for host_id in mine {
            if let Some(route) = self.routes.remove(&host_id) {
                self.by_client.remove(&(route.client, route.client_id));
            }
            out.push(Out::ToHost(self.cancel_request(host_id)));
        }
        out
    }

    /// One message from the host.
    pub fn from_host(&mut self, msg: Value, t: Texts) -> Vec<Out> {
        let event: Event = match serde_json::from_value::<Event>(msg.clone()) {
            Ok(e) => match self.assembler.push(e) {
                Ok(Some(e)) => e,
                Ok(None) => return Vec::new(),
                Err(_) => return Vec::new(),
            },
            // An event this extension does not know (a newer host): pass it on untyped.
            Err(_) => return self.route_raw(msg),
        };
        if event.id.starts_with(HELLO_PREFIX) {
            return self.hello_answer(event, t);
        }
        let value = client_event("", &event);
        self.deliver(&event.id, value)
    }

    /// Events this extension does not know (a newer host) pass on untyped.
    fn route_raw(&mut self, msg: Value) -> Vec<Out> {
        let Some(id) = msg.get("id").and_then(Value::as_str).map(str::to_owned) else { return Vec::new() };
        let mut ev = msg;
        if let Some(o) = ev.as_object_mut() {
            o.remove("id");
        }
        self.deliver(&id, json!({"kind": "event", "id": "", "event": ev}))
    }

    fn deliver(&mut self, host_id: &str, mut value: Value) -> Vec<Out> {
        let Some(route) = self.routes.get(host_id) else { return Vec::new() };
        let client = route.client;
        value["id"] = Value::String(route.client_id.clone());
        let ev = &mut value["event"];
        if route.display_only && ev.get("event").and_then(Value::as_str) == Some("settings") {
            *ev = json!({
                "event": "settings",
                "target_language": ev.get("target_language").cloned().unwrap_or(Value::Null),
                "display": ev.get("display").cloned().unwrap_or(Value::Null),
            });
        }
        if matches!(ev.get("event").and_then(Value::as_str), Some("done" | "error")) {
            self.finish(host_id);
        }
        vec![Out::ToClient(client, value)]
    }

    fn finish(&mut self, host_id: &str) {
        if let Some(route) = self.routes.remove(host_id) {
            self.by_client.remove(&(route.client, route.client_id));
        }
    }

    fn hello_answer(&mut self, event: Event, t: Texts) -> Vec<Out> {
        match event.body {
            EventBody::Error(mut info) => {
                if info.code == ErrorCode::UnknownType {
                    // A host from before the handshake existed.
                    info.hint = t("errHostForbiddenHint", &[]);
                }
                let mut out = self.fail_all(info);
                out.push(Out::DropHost);
                out
            }
            _ => Vec::new(),
        }
    }

    /// The native port closed: everything in flight fails with `info`.
    pub fn fail_all(&mut self, info: ErrorInfo) -> Vec<Out> {
        let mut routes: Vec<(String, Route)> = self.routes.drain().collect();
        routes.sort_by(|a, b| a.0.cmp(&b.0));
        self.by_client.clear();
        self.assembler = ChunkAssembler::default();
        routes.into_iter().map(|(_, r)| to_client_error(r.client, &r.client_id, info.clone())).collect()
    }
}

/// Why the native port closed, for a person, from the browser's error text.
pub fn host_lost_error(browser_error: Option<&str>, t: Texts) -> ErrorInfo {
    let err = browser_error.unwrap_or("");
    let lower = err.to_ascii_lowercase();
    let (message, hint) = if lower.contains("not found") || lower.contains("no such native application") {
        (t("errHostMissing", &[]), t("errHostMissingHint", &[]))
    } else if lower.contains("forbidden") || lower.contains("not allowed") {
        (t("errHostForbidden", &[]), t("errHostForbiddenHint", &[]))
    } else {
        let detail = if err.is_empty() { "the connection closed" } else { err };
        (t("errHostExited", &[detail]), t("errHostExitedHint", &[]))
    };
    ErrorInfo::new(ErrorCode::HostUnavailable, message, hint)
}

fn client_event(client_id: &str, event: &Event) -> Value {
    let mut ev = serde_json::to_value(event).unwrap_or(Value::Null);
    if let Some(o) = ev.as_object_mut() {
        o.remove("id");
    }
    json!({"kind": "event", "id": client_id, "event": ev})
}

fn to_client_error(client: ClientId, client_id: &str, info: ErrorInfo) -> Out {
    Out::ToClient(client, client_event(client_id, &Event::new("", EventBody::Error(info))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str, subs: &[&str]) -> String {
        format!("{name}({})", subs.join(","))
    }

    fn host_id(out: &[Out]) -> String {
        match &out[0] {
            Out::ToHost(v) => v["id"].as_str().unwrap().to_owned(),
            o => panic!("expected a host message, got {o:?}"),
        }
    }

    #[test]
    fn events_go_back_to_the_client_that_asked_under_its_own_id() {
        let mut r = Router::default();
        let a = r.from_client(1, false, &json!({"kind":"request","id":"f1","body":{"type":"translate_frame","image":"AA"}}), &t);
        let b = r.from_client(2, false, &json!({"kind":"request","id":"f1","body":{"type":"translate_frame","image":"BB"}}), &t);
        let (ha, hb) = (host_id(&a), host_id(&b));
        assert_ne!(ha, hb);
        let out = r.from_host(json!({"id": hb, "event":"delta","text":"hi"}), &t);
        assert_eq!(out, vec![Out::ToClient(2, json!({"kind":"event","id":"f1","event":{"event":"delta","text":"hi"}}))]);
        let out = r.from_host(json!({"id": ha, "event":"done"}), &t);
        assert!(matches!(&out[0], Out::ToClient(1, v) if v["event"]["event"] == "done"));
        assert_eq!(r.in_flight(), 1);
        assert!(r.from_host(json!({"id": ha, "event":"delta","text":"late"}), &t).is_empty());
    }

    #[test]
    fn pages_cannot_change_settings_or_probe_providers() {
        let mut r = Router::default();
        for body in [json!({"type":"put_settings","values":{"provider":"openai"}}), json!({"type":"list_models"})] {
            let out = r.from_client(1, false, &json!({"kind":"request","id":"x","body":body}), &t);
            assert!(matches!(&out[..], [Out::ToClient(1, v)] if v["event"]["event"] == "error"), "{out:?}");
        }
        let out = r.from_client(9, true, &json!({"kind":"request","id":"x","body":{"type":"list_models"}}), &t);
        assert!(matches!(&out[..], [Out::ToHost(_)]));
    }

    #[test]
    fn tabs_see_only_display_settings() {
        let mut r = Router::default();
        let out = r.from_client(1, false, &json!({"kind":"request","id":"s","body":{"type":"get_settings"}}), &t);
        let id = host_id(&out);
        let out = r.from_host(
            json!({"id": id, "event":"settings","provider":"openai","target_language":"ja","source_language":"",
                   "openai":{"url":"http://x","frame_model":"m","subtitle_model":"m","api_key":{"set":true,"preview":"…abcdef"}},
                   "display":{"font_size":100,"position":"bottom","dual":false,"pause_on_frame":true}}),
            &t,
        );
        let Out::ToClient(1, v) = &out[0] else { panic!() };
        assert_eq!(v["event"]["display"]["pause_on_frame"], true);
        assert!(v["event"].get("openai").is_none());
        assert!(!v.to_string().contains("abcdef"));
    }

    #[test]
    fn cancel_and_playhead_targets_are_translated_and_scoped_to_the_client() {
        let mut r = Router::default();
        let out = r.from_client(1, false, &json!({"kind":"request","id":"t1","body":{"type":"translate_track","track":"x","cues":[]}}), &t);
        let track = host_id(&out);
        let out = r.from_client(1, false, &json!({"kind":"request","id":"p1","body":{"type":"playhead","target":"t1","time":3.0}}), &t);
        let Out::ToHost(v) = &out[0] else { panic!() };
        assert_eq!(v["target"], track.as_str());
        // Client 2 cannot aim at client 1's request.
        let out = r.from_client(2, false, &json!({"kind":"request","id":"p1","body":{"type":"playhead","target":"t1","time":3.0}}), &t);
        assert!(matches!(&out[0], Out::ToClient(2, v) if v["event"]["event"] == "done"));
        let out = r.from_client(1, false, &json!({"kind":"cancel","id":"t1"}), &t);
        let Out::ToHost(v) = &out[0] else { panic!() };
        assert_eq!((v["type"].as_str(), v["target"].as_str()), (Some("cancel"), Some(track.as_str())));
    }

    #[test]
    fn a_cancelled_request_leaves_nothing_behind() {
        let mut r = Router::default();
        let track = host_id(&r.from_client(1, false, &json!({"kind":"request","id":"t1","body":{"type":"translate_track","track":"x","cues":[]}}), &t));
        assert_eq!(r.in_flight(), 1);
        r.from_client(1, false, &json!({"kind":"cancel","id":"t1"}), &t);
        // The host never sends `done` for a cancelled request; the route is gone already.
        assert_eq!(r.in_flight(), 0);
        assert!(r.from_host(json!({"id": track, "event":"cues","cues":[]}), &t).is_empty(), "late events are dropped");
        // The client's id can be used again.
        let out = r.from_client(1, false, &json!({"kind":"request","id":"t1","body":{"type":"ping"}}), &t);
        assert!(matches!(&out[..], [Out::ToHost(_)]));
    }

    #[test]
    fn a_closed_tab_cancels_its_work() {
        let mut r = Router::default();
        let id = host_id(&r.from_client(3, false, &json!({"kind":"request","id":"f","body":{"type":"translate_frame","image":"A"}}), &t));
        let out = r.client_gone(3);
        assert!(matches!(&out[..], [Out::ToHost(v)] if v["type"] == "cancel" && v["target"] == id.as_str()));
        assert_eq!(r.in_flight(), 0);
    }

    #[test]
    fn losing_the_host_fails_everything_in_flight_with_a_hint() {
        let mut r = Router::default();
        r.from_client(1, false, &json!({"kind":"request","id":"a","body":{"type":"translate_frame","image":"A"}}), &t);
        r.from_client(2, true, &json!({"kind":"request","id":"b","body":{"type":"get_settings"}}), &t);
        let info = host_lost_error(Some("Specified native messaging host not found."), &t);
        assert_eq!(info.hint, "errHostMissingHint()");
        let out = r.fail_all(info);
        assert_eq!(out.len(), 2);
        for o in out {
            let Out::ToClient(_, v) = o else { panic!() };
            assert_eq!(v["event"]["code"], "host_unavailable");
        }
        let exited = host_lost_error(Some("Native host has exited."), &t);
        assert_eq!(exited.message, "errHostExited(Native host has exited.)");
    }

    #[test]
    fn chunked_events_are_joined_before_routing() {
        let mut r = Router::default();
        let id = host_id(&r.from_client(1, true, &json!({"kind":"request","id":"m","body":{"type":"list_models"}}), &t));
        let big = Event::new(id.clone(), EventBody::Delta { text: "x".repeat(600_000) });
        let parts = glossa_protocol::split_into_chunks(&big);
        assert!(parts.len() > 1);
        let mut outs = Vec::new();
        for p in parts {
            outs.extend(r.from_host(serde_json::to_value(p).unwrap(), &t));
        }
        assert_eq!(outs.len(), 1);
        let Out::ToClient(1, v) = &outs[0] else { panic!() };
        assert_eq!(v["event"]["text"].as_str().unwrap().len(), 600_000);
    }

    #[test]
    fn a_refused_hello_fails_waiting_work_and_drops_the_port() {
        let mut r = Router::default();
        let hello = r.hello("0.1.0");
        r.from_client(1, false, &json!({"kind":"request","id":"a","body":{"type":"translate_frame","image":"A"}}), &t);
        let out = r.from_host(json!({"id": hello["id"], "event":"error","code":"version_mismatch","message":"old","hint":"update"}), &t);
        assert!(matches!(&out[0], Out::ToClient(1, v) if v["event"]["code"] == "version_mismatch"));
        assert_eq!(out.last(), Some(&Out::DropHost));
    }
}
