//! Routing between the extension's pages and the one connection to `glossa-host`.
//!
//! Many clients (a content script per YouTube tab, the options page) share one native
//! port. Each client numbers its own requests; the router gives every request a host-wide
//! id, sends host events back to the client that asked, cancels a client's work when it
//! goes away (tab closed or navigated), and fails everything in flight — with a message
//! a person can act on — when the host disappears. Pure logic, so it is unit-tested
//! natively; `background.rs` wires it to the browser.
//!
//! The router is a pass-through: it reads a request's `type` (and, for `cancel` and
//! `playhead`, the `target` it rewrites) and an event's `id` and `event`, and forwards the
//! rest as the raw JSON it came as. The envelope is [`ClientMessage`] /
//! [`BackgroundMessage`] in the protocol crate.

use std::collections::HashMap;

use glossa_protocol::{
    request_with_id, BackgroundMessage, ChunkAssembler, ClientMessage, ClientRequestId, ErrorCode, ErrorInfo, Event, EventBody, Request,
    RequestBody, PROTOCOL_VERSION,
};
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;

/// A connected page: a tab's content script or an extension page.
pub type ClientId = u32;

/// What the router wants done; messages are JSON text.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    ToHost(String),
    ToClient(ClientId, String),
    /// The host refused us (e.g. too old): close the port so the next action reconnects.
    DropHost,
}

/// Localises the router's own messages (`chrome.i18n` in the browser).
pub type Texts<'a> = &'a dyn Fn(&str, &[&str]) -> String;

struct Route {
    client: ClientId,
    client_id: ClientRequestId,
    /// Unprivileged clients only see the display part of the settings.
    display_only: bool,
}

/// Request types a web page's content script may send; settings changes and provider
/// probing are for the extension's own pages only.
const TAB_REQUESTS: &[&str] = &[
    "hello",
    "ping",
    "get_settings",
    "translate_frame",
    "translate_track",
    "playhead",
    "write_captions",
    "cancel",
    "translate_burnin_line",
    "save_study_card",
    "capture_size",
    "lookup_word",
    "line_words",
];

const HELLO_PREFIX: &str = "bg-hello-";

/// What the router reads of a request body.
#[derive(Deserialize)]
struct BodyHead {
    #[serde(rename = "type")]
    kind: String,
    /// Only the router names requests to the host.
    #[serde(default)]
    id: Option<IgnoredAny>,
}

/// What the router reads of a host event.
#[derive(Deserialize)]
struct EventHead {
    id: String,
    event: String,
}

/// The part of the settings a tab may see: no keys, URLs or model names. The source
/// language picks the caption track to translate; the provider kind says whether
/// Glossa's subtitles start on; `subtitles` whether a frame goes with a track request.
#[derive(Deserialize, serde::Serialize)]
struct DisplaySettings {
    id: String,
    event: String,
    #[serde(default)]
    target_language: serde_json::Value,
    #[serde(default)]
    source_language: serde_json::Value,
    #[serde(default)]
    provider: serde_json::Value,
    #[serde(default)]
    display: serde_json::Value,
    #[serde(default)]
    subtitles: serde_json::Value,
}

#[derive(Default)]
pub struct Router {
    next_id: u64,
    routes: HashMap<String, Route>,
    by_client: HashMap<(ClientId, ClientRequestId), String>,
    assembler: ChunkAssembler,
}

impl Router {
    /// The handshake to send first on a fresh native port.
    pub fn hello(&mut self, extension_version: &str) -> String {
        self.next_id += 1;
        let body = RequestBody::Hello { extension_version: extension_version.to_owned(), protocol: PROTOCOL_VERSION };
        to_json(&Request { id: format!("{HELLO_PREFIX}{}", self.next_id), body })
    }

    pub fn in_flight(&self) -> usize {
        self.routes.len()
    }

    /// A message from a client. Screenshots are the background's own business.
    pub fn from_client(&mut self, client: ClientId, privileged: bool, msg: ClientMessage, t: Texts) -> Vec<Out> {
        match msg {
            ClientMessage::Cancel { id } => self.cancel(client, &id),
            ClientMessage::Request { id, body } if !id.is_empty() => self.request(client, privileged, id, &body, t),
            ClientMessage::Request { .. } | ClientMessage::CaptureVisible { .. } | ClientMessage::BurninSample { .. } => Vec::new(),
        }
    }

    fn request(&mut self, client: ClientId, privileged: bool, client_id: String, body: &RawValue, t: Texts) -> Vec<Out> {
        let bad_request = |detail: &str| ErrorInfo::new(ErrorCode::BadRequest, t("errBadRequest", &[detail]), t("errBadRequestHint", &[]));
        let head: BodyHead = match serde_json::from_str(body.get()) {
            Ok(h) => h,
            Err(e) => return vec![to_client_error(client, &client_id, bad_request(&e.to_string()))],
        };
        if head.id.is_some() {
            return vec![to_client_error(client, &client_id, bad_request("a request body carries no `id`"))];
        }
        if !privileged && !TAB_REQUESTS.contains(&head.kind.as_str()) {
            let info = ErrorInfo::new(ErrorCode::BadRequest, t("errNotAllowed", &[&head.kind]), t("errNotAllowedHint", &[]));
            return vec![to_client_error(client, &client_id, info)];
        }
        if self.by_client.contains_key(&(client, client_id.clone())) {
            let mut info = bad_request(&format!("request id {client_id} is already in flight"));
            info.code = ErrorCode::DuplicateId;
            return vec![to_client_error(client, &client_id, info)];
        }
        let host_id = format!("r{}", self.next_id + 1);
        let message = match head.kind.as_str() {
            // Targets name the client's own ids; translate them, and never let a client
            // touch another client's requests.
            "cancel" | "playhead" => {
                let mut body: RequestBody = match serde_json::from_str(body.get()) {
                    Ok(b) => b,
                    Err(e) => return vec![to_client_error(client, &client_id, bad_request(&e.to_string()))],
                };
                if let RequestBody::Cancel { target } | RequestBody::Playhead { target, .. } = &mut body {
                    match self.by_client.get(&(client, target.clone())) {
                        Some(id) => *target = id.clone(),
                        // Nothing to act on (already finished): acknowledge quietly.
                        None => return vec![to_client(client, &client_id, Event::new("", EventBody::done()))],
                    }
                }
                to_json(&Request { id: host_id.clone(), body })
            }
            _ => match request_with_id(&host_id, body) {
                Some(m) => m,
                None => return vec![to_client_error(client, &client_id, bad_request("the body is not a JSON object"))],
            },
        };
        self.next_id += 1;
        let display_only = !privileged && head.kind == "get_settings";
        self.routes.insert(host_id.clone(), Route { client, client_id: client_id.clone(), display_only });
        self.by_client.insert((client, client_id), host_id);
        vec![Out::ToHost(message)]
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

    fn cancel_request(&mut self, target: String) -> String {
        self.next_id += 1;
        // The answer to a cancel has no route, so it is dropped on arrival.
        to_json(&Request { id: format!("bg-cancel-{}", self.next_id), body: RequestBody::Cancel { target } })
    }

    /// The client went away (tab closed, navigated, options page closed): stop its work.
    pub fn client_gone(&mut self, client: ClientId) -> Vec<Out> {
        let mut mine: Vec<String> = self.routes.iter().filter(|(_, r)| r.client == client).map(|(id, _)| id.clone()).collect();
        mine.sort();
        let mut out = Vec::new();
        for host_id in mine {
            if let Some(route) = self.routes.remove(&host_id) {
                self.by_client.remove(&(route.client, route.client_id));
            }
            out.push(Out::ToHost(self.cancel_request(host_id)));
        }
        out
    }

    /// One message from the host, as JSON text. Events this extension does not know (a
    /// newer host) pass on like the rest: only `id` and `event` are read.
    pub fn from_host(&mut self, json: String, t: Texts) -> Vec<Out> {
        let Ok(head) = serde_json::from_str::<EventHead>(&json) else { return Vec::new() };
        if head.event == "chunk" {
            let Ok(Event { id, body: EventBody::Chunk { seq, last, data } }) = serde_json::from_str(&json) else {
                return Vec::new();
            };
            return match self.assembler.push(&id, seq, last, &data) {
                Ok(Some(joined)) => self.from_host(joined, t),
                Ok(None) | Err(_) => Vec::new(),
            };
        }
        if head.id.starts_with(HELLO_PREFIX) {
            return self.hello_answer(&head, &json, t);
        }
        self.deliver(head, json)
    }

    fn deliver(&mut self, head: EventHead, mut json: String) -> Vec<Out> {
        let Some(route) = self.routes.get(&head.id) else { return Vec::new() };
        let (client, client_id) = (route.client, route.client_id.clone());
        if route.display_only && head.event == "settings" {
            let Ok(display) = serde_json::from_str::<DisplaySettings>(&json) else { return Vec::new() };
            json = to_json(&display);
        }
        if matches!(head.event.as_str(), "done" | "error") {
            self.finish(&head.id);
        }
        match RawValue::from_string(json) {
            Ok(body) => vec![Out::ToClient(client, to_json(&BackgroundMessage::Event { id: client_id, body }))],
            Err(_) => Vec::new(),
        }
    }

    fn finish(&mut self, host_id: &str) {
        if let Some(route) = self.routes.remove(host_id) {
            self.by_client.remove(&(route.client, route.client_id));
        }
    }

    fn hello_answer(&mut self, head: &EventHead, json: &str, t: Texts) -> Vec<Out> {
        if head.event != "error" {
            return Vec::new();
        }
        let Ok(Event { body: EventBody::Error(mut info), .. }) = serde_json::from_str(json) else { return Vec::new() };
        if info.code == ErrorCode::UnknownType {
            // A host from before the handshake existed.
            info.hint = t("errHostForbiddenHint", &[]);
        }
        let mut out = self.fail_all(info);
        out.push(Out::DropHost);
        out
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

/// Data types with derived `Serialize` and string keys cannot fail to serialise.
fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// An event the router itself answers with (its `id` is empty: it never came from the host).
fn to_client(client: ClientId, client_id: &str, event: Event) -> Out {
    Out::ToClient(client, to_json(&BackgroundMessage::Event { id: client_id.to_owned(), body: event }))
}

fn to_client_error(client: ClientId, client_id: &str, info: ErrorInfo) -> Out {
    to_client(client, client_id, Event::new("", EventBody::Error(info)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn t(name: &str, subs: &[&str]) -> String {
        format!("{name}({})", subs.join(","))
    }

    fn req(id: &str, body: Value) -> ClientMessage {
        ClientMessage::Request { id: id.into(), body: RawValue::from_string(body.to_string()).unwrap() }
    }

    fn cancel(id: &str) -> ClientMessage {
        ClientMessage::Cancel { id: id.into() }
    }

    /// The host message in `out`, parsed.
    fn to_host(out: &Out) -> Value {
        match out {
            Out::ToHost(s) => serde_json::from_str(s).unwrap(),
            o => panic!("expected a host message, got {o:?}"),
        }
    }

    /// The client and the `{id, body}` of the event message in `out`.
    fn to_client_event(out: &Out) -> (ClientId, Value) {
        match out {
            Out::ToClient(c, s) => {
                let v: Value = serde_json::from_str(s).unwrap();
                (*c, v["event"].clone())
            }
            o => panic!("expected a client message, got {o:?}"),
        }
    }

    fn host_id(out: &[Out]) -> String {
        to_host(&out[0])["id"].as_str().unwrap().to_owned()
    }

    #[test]
    fn events_go_back_to_the_client_that_asked_under_its_own_id() {
        let mut r = Router::default();
        let a = r.from_client(1, false, req("f1", json!({"type":"translate_frame","image":"AA"})), &t);
        let b = r.from_client(2, false, req("f1", json!({"type":"translate_frame","image":"BB"})), &t);
        let (ha, hb) = (host_id(&a), host_id(&b));
        assert_ne!(ha, hb);
        let event = format!(r#"{{"id":"{hb}","event":"delta","text":"hi"}}"#);
        let out = r.from_host(event.clone(), &t);
        // The event goes on byte for byte, under the client's id.
        assert_eq!(out, vec![Out::ToClient(2, format!(r#"{{"event":{{"id":"f1","body":{event}}}}}"#))]);
        let out = r.from_host(json!({"id": ha, "event":"done"}).to_string(), &t);
        let (client, ev) = to_client_event(&out[0]);
        assert_eq!((client, ev["id"].as_str(), ev["body"]["event"].as_str()), (1, Some("f1"), Some("done")));
        assert_eq!(r.in_flight(), 1);
        assert!(r.from_host(json!({"id": ha, "event":"delta","text":"late"}).to_string(), &t).is_empty());
    }

    #[test]
    fn bodies_pass_through_unread_with_the_host_id_in_front() {
        let mut r = Router::default();
        // A body field this extension has never heard of still reaches the host as sent.
        let body = r#"{"type":"translate_track","track":"x","captions":{"format":"json3","text":"{\"events\":[]}"},"future":[1,2.50]}"#;
        let out = r.from_client(1, false, ClientMessage::Request { id: "t".into(), body: RawValue::from_string(body.into()).unwrap() }, &t);
        let Out::ToHost(sent) = &out[0] else { panic!() };
        assert_eq!(sent, &format!(r#"{{"id":"{}",{}"#, host_id(&out), &body[1..]));
        // A body that names its own id, or is no object, is refused.
        for bad in [json!({"type":"ping","id":"r1"}), json!(["ping"])] {
            let out = r.from_client(1, false, req("x", bad), &t);
            let (_, ev) = to_client_event(&out[0]);
            assert_eq!(ev["body"]["code"], "bad_request", "{ev}");
        }
    }

    #[test]
    fn pages_cannot_change_settings_or_probe_providers() {
        let mut r = Router::default();
        for body in [
            json!({"type":"put_settings","values":{"provider":"openai"}}),
            json!({"type":"list_models"}),
            json!({"type":"detect_providers"}),
            json!({"type":"use_env_key","provider":"anthropic"}),
            json!({"type":"remove_local_model","file":"m.gguf"}),
            json!({"type":"pull_model","source":"gemma-3-4b"}),
            // A web page never reads the study cards out.
            json!({"type":"export_study_cards"}),
        ] {
            let out = r.from_client(1, false, req("x", body), &t);
            assert_eq!(out.len(), 1);
            let (client, ev) = to_client_event(&out[0]);
            assert_eq!((client, ev["body"]["event"].as_str()), (1, Some("error")));
        }
        let out = r.from_client(9, true, req("x", json!({"type":"list_models"})), &t);
        assert!(matches!(&out[..], [Out::ToHost(_)]));
        // Burned-in mode's lines are a tab's business.
        let line = json!({"type":"translate_burnin_line","image":"AA","video":"youtube:x","at":1.0});
        assert!(matches!(&r.from_client(1, false, req("b", line), &t)[..], [Out::ToHost(_)]));
        // So is saving the line shown as a study card.
        let card = json!({"type":"save_study_card","sentence":"s","video":"x","at":1.0});
        assert!(matches!(&r.from_client(1, false, req("s", card), &t)[..], [Out::ToHost(_)]));
        // And a word of the line shown: what it means, and the line's words as the host cuts them.
        let lookup = json!({"type":"lookup_word","word":"天気","lang":"ja","to":"en","line":"今日はいい天気","offset":5});
        assert!(matches!(&r.from_client(1, false, req("w", lookup), &t)[..], [Out::ToHost(_)]));
        let words = json!({"type":"line_words","lang":"","text":"今日はいい天気ですね"});
        let out = r.from_client(1, false, req("l", words), &t);
        assert!(matches!(&out[..], [Out::ToHost(_)]), "{out:?}");
        assert_eq!(to_host(&out[0])["text"], "今日はいい天気ですね");
    }

    #[test]
    fn tabs_see_only_display_settings() {
        let mut r = Router::default();
        let out = r.from_client(1, false, req("s", json!({"type":"get_settings"})), &t);
        let id = host_id(&out);
        let out = r.from_host(
            json!({"id": id, "event":"settings","provider":"openai","target_language":"ja","source_language":"ko",
                   "openai":{"url":"http://x","frame_model":"m","subtitle_model":"m","api_key":{"set":true,"preview":"…abcdef"}},
                   "display":{"font_size":100,"position":"bottom","dual":false,"pause_on_frame":true},
                   "subtitles":{"video_context":false}})
            .to_string(),
            &t,
        );
        let (client, ev) = to_client_event(&out[0]);
        assert_eq!(client, 1);
        assert_eq!(ev["body"]["display"]["pause_on_frame"], true);
        assert_eq!(ev["body"]["target_language"], "ja");
        // What picks the caption track and starts the subtitles: the source language and the provider kind.
        assert_eq!(ev["body"]["source_language"], "ko");
        assert_eq!(ev["body"]["provider"], "openai");
        // Whether the page sends a frame with a track request (keyframe.js).
        assert_eq!(ev["body"]["subtitles"]["video_context"], false);
        assert!(ev["body"].get("openai").is_none());
        assert!(!format!("{out:?}").contains("abcdef"));
    }

    #[test]
    fn cancel_and_playhead_targets_are_translated_and_scoped_to_the_client() {
        let mut r = Router::default();
        let out = r.from_client(1, false, req("t1", json!({"type":"translate_track","track":"x","cues":[]})), &t);
        let track = host_id(&out);
        let out = r.from_client(1, false, req("p1", json!({"type":"playhead","target":"t1","time":3.0})), &t);
        assert_eq!(to_host(&out[0])["target"], track.as_str());
        // Client 2 cannot aim at client 1's request.
        let out = r.from_client(2, false, req("p1", json!({"type":"playhead","target":"t1","time":3.0})), &t);
        let (client, ev) = to_client_event(&out[0]);
        assert_eq!((client, ev["body"]["event"].as_str()), (2, Some("done")));
        let out = r.from_client(1, false, cancel("t1"), &t);
        let v = to_host(&out[0]);
        assert_eq!((v["type"].as_str(), v["target"].as_str()), (Some("cancel"), Some(track.as_str())));
    }

    #[test]
    fn a_cancelled_request_leaves_nothing_behind() {
        let mut r = Router::default();
        let track = host_id(&r.from_client(1, false, req("t1", json!({"type":"translate_track","track":"x","cues":[]})), &t));
        assert_eq!(r.in_flight(), 1);
        r.from_client(1, false, cancel("t1"), &t);
        // The host never sends `done` for a cancelled request; the route is gone already.
        assert_eq!(r.in_flight(), 0);
        assert!(r.from_host(json!({"id": track, "event":"cues","cues":[]}).to_string(), &t).is_empty(), "late events are dropped");
        // The client's id can be used again.
        let out = r.from_client(1, false, req("t1", json!({"type":"ping"})), &t);
        assert!(matches!(&out[..], [Out::ToHost(_)]));
    }

    #[test]
    fn a_closed_tab_cancels_its_work() {
        let mut r = Router::default();
        let id = host_id(&r.from_client(3, false, req("f", json!({"type":"translate_frame","image":"A"})), &t));
        let out = r.client_gone(3);
        assert_eq!(out.len(), 1);
        let v = to_host(&out[0]);
        assert_eq!((v["type"].as_str(), v["target"].as_str()), (Some("cancel"), Some(id.as_str())));
        assert_eq!(r.in_flight(), 0);
    }

    #[test]
    fn losing_the_host_fails_everything_in_flight_with_a_hint() {
        let mut r = Router::default();
        r.from_client(1, false, req("a", json!({"type":"translate_frame","image":"A"})), &t);
        r.from_client(2, true, req("b", json!({"type":"get_settings"})), &t);
        let info = host_lost_error(Some("Specified native messaging host not found."), &t);
        assert_eq!(info.hint, "errHostMissingHint()");
        let out = r.fail_all(info);
        assert_eq!(out.len(), 2);
        for o in &out {
            assert_eq!(to_client_event(o).1["body"]["code"], "host_unavailable");
        }
        let exited = host_lost_error(Some("Native host has exited."), &t);
        assert_eq!(exited.message, "errHostExited(Native host has exited.)");
    }

    #[test]
    fn chunked_events_are_joined_before_routing() {
        let mut r = Router::default();
        let id = host_id(&r.from_client(1, true, req("m", json!({"type":"list_models"})), &t));
        let big = Event::new(id.clone(), EventBody::Delta { text: "x".repeat(600_000) });
        let frames = glossa_protocol::encode_event(&big).unwrap();
        assert!(frames.len() > 1);
        let mut outs = Vec::new();
        for f in frames {
            outs.extend(r.from_host(f, &t));
        }
        assert_eq!(outs.len(), 1);
        let (client, ev) = to_client_event(&outs[0]);
        assert_eq!(client, 1);
        assert_eq!(ev["body"]["text"].as_str().unwrap().len(), 600_000);
    }

    #[test]
    fn a_refused_hello_fails_waiting_work_and_drops_the_port() {
        let mut r = Router::default();
        let hello: Value = serde_json::from_str(&r.hello("0.1.0")).unwrap();
        assert_eq!((hello["type"].as_str(), hello["protocol"].as_u64()), (Some("hello"), Some(u64::from(PROTOCOL_VERSION))));
        r.from_client(1, false, req("a", json!({"type":"translate_frame","image":"A"})), &t);
        let out = r.from_host(
            json!({"id": hello["id"], "event":"error","code":"version_mismatch","message":"old","hint":"update"}).to_string(),
            &t,
        );
        let (client, ev) = to_client_event(&out[0]);
        assert_eq!((client, ev["body"]["code"].as_str()), (1, Some("version_mismatch")));
        assert_eq!(out.last(), Some(&Out::DropHost));
    }
}
