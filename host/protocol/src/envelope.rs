//! The line between the extension's pages and its background: a content script in a
//! YouTube tab (`extension/content/port.js`, plain JS — YouTube's CSP forbids wasm there)
//! and the options page (which uses the same `port.js`) talk to the background
//! (`extension/src/routing.rs`), which owns the one connection to glossa-host.
//!
//! Each page numbers its own requests. The background gives each a host-wide id, passes
//! the body through unread, and sends the host's events back under the page's id:
//!
//! ```text
//! page → background  {"request":{"id":"c1","body":{"type":"translate_frame","image":"…"}}}
//! page ← background  {"event":{"id":"c1","body":{"id":"r7","event":"delta","text":"Open "}}}
//! page ← background  {"event":{"id":"c1","body":{"id":"r7","event":"done"}}}
//! page → background  {"cancel":{"id":"c2"}}
//! page → background  {"capture_visible":{"id":"v3"}}
//! page ← background  {"captured":{"id":"v3","data_url":"data:image/jpeg;base64,…"}}
//! page → background  {"burnin_sample":{"id":"b4","time":12.25,"width":256,"height":20,"gray":"…"}}
//! page ← background  {"burnin":{"id":"b4","lines":[{"kind":"appeared","line":0,"at":12.0,"seen_at":12.25}]}}
//! ```
//!
//! A request's `body` is a [`RequestBody`](crate::RequestBody) as JSON; an event's `body`
//! is an [`Event`](crate::Event) as the host sent it — its own `id` is the background's
//! and means nothing to the page. Every request ends with one `done` or `error` event
//! unless the page cancels it. Externally tagged (`{"request":{…}}`) so the background can
//! keep bodies as [`RawValue`] (serde cannot buffer those through an internal tag).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// A page's own number for one of its requests (or screenshots).
pub type ClientRequestId = String;

/// A message from a page to the background. The background reads `Body` as raw JSON;
/// pages and tests use [`RequestBody`](crate::RequestBody).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientMessage<Body = Box<RawValue>> {
    /// Send `body` to glossa-host; its events come back as [`BackgroundMessage::Event`]
    /// with this `id`.
    Request { id: ClientRequestId, body: Body },
    /// The page no longer wants request `id` (its panel closed, the video changed).
    Cancel { id: ClientRequestId },
    /// Screenshot the visible tab: the frame-capture fallback when the page cannot read
    /// the video's pixels. Answered with [`BackgroundMessage::Captured`].
    CaptureVisible { id: ClientRequestId },
    /// One sample of the video's caption strip in burned-in subtitle mode, taken at `time`
    /// seconds of the video: `width × height` luma bytes, base64. Answered with
    /// [`BackgroundMessage::Burnin`] (the lines that appeared or left, usually none). A
    /// new `id` starts a new detection (another video, a seek). `region`: the rows of the
    /// picture the sample shows (the usual band at the bottom when absent); `search`: the
    /// page does not know the strip yet, so this is a taller region to find it in (the
    /// answer says where it is once found).
    BurninSample {
        id: ClientRequestId,
        time: f64,
        width: u32,
        height: u32,
        gray: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        region: Option<BurninBand>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        search: bool,
    },
}

/// Rows of the picture, as fractions of its height (0 = top): a caption strip.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BurninBand {
    pub top: f32,
    pub bottom: f32,
}

/// A message from the background to a page. The background forwards `Ev` as raw JSON;
/// pages and tests use [`Event`](crate::Event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackgroundMessage<Ev = Box<RawValue>> {
    /// One event of the page's request `id`.
    Event { id: ClientRequestId, body: Ev },
    /// The screenshot asked for as `id`: a `data:` URL, or why there is none.
    Captured {
        id: ClientRequestId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data_url: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// What the burned-in detector made of the samples `id` so far: lines that appeared
    /// or left with this sample; `band`: where the caption strip is, once a search found it
    /// (or gave up and took the usual place): sample only that from now on.
    Burnin {
        id: ClientRequestId,
        lines: Vec<BurninLineEvent>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        band: Option<BurninBand>,
        /// The background's time on this sample (decoding it and detecting), in ms: for the figures.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detect_ms: Option<f64>,
    },
}

/// A burned-in subtitle line appearing or leaving, as the extension's detector reports it.
/// `line` numbers the lines of one detection; an appeared line without `repeat_of` is new
/// (its strip goes to the host as `translate_burnin_line`), with it, the same as that one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BurninLineEvent {
    /// On screen since `at`; `seen_at` is the sample that showed it finished.
    Appeared {
        line: u64,
        at: f64,
        seen_at: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        repeat_of: Option<u64>,
    },
    Left {
        line: u64,
        at: f64,
    },
}

/// The native-messaging request for a page's raw `body`: the host-wide `id` spliced in
/// front of the body's own fields, the rest of the body left as it came. `None` when the
/// body is not a JSON object.
pub fn request_with_id(id: &str, body: &RawValue) -> Option<String> {
    let inner = body.get().strip_prefix('{')?.trim_start();
    let id = serde_json::to_string(id).ok()?;
    Some(if inner.starts_with('}') { format!("{{\"id\":{id}}}") } else { format!("{{\"id\":{id},{inner}") })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ErrorCode, ErrorInfo, Event, EventBody, FrameRequest, Request, RequestBody};

    /// The exact JSON `extension/content/port.js` sends and reads: change one, change both.
    #[test]
    fn the_json_port_js_speaks() {
        let frame = ClientMessage::Request {
            id: "c1".into(),
            body: RequestBody::TranslateFrame(FrameRequest {
                image: "AA".into(),
                to: None,
                from: None,
                with_original: false,
                items: false,
                title: None,
            }),
        };
        let json = r#"{"request":{"id":"c1","body":{"type":"translate_frame","image":"AA","with_original":false}}}"#;
        assert_eq!(serde_json::to_string(&frame).unwrap(), json);
        assert_eq!(serde_json::from_str::<ClientMessage<RequestBody>>(json).unwrap(), frame);
        let cancel: ClientMessage<RequestBody> = serde_json::from_str(r#"{"cancel":{"id":"c1"}}"#).unwrap();
        assert_eq!(cancel, ClientMessage::Cancel { id: "c1".into() });
        let capture: ClientMessage<RequestBody> = serde_json::from_str(r#"{"capture_visible":{"id":"v2"}}"#).unwrap();
        assert_eq!(capture, ClientMessage::CaptureVisible { id: "v2".into() });

        let event = BackgroundMessage::Event { id: "c1".into(), body: Event::new("r7", EventBody::Delta { text: "Open".into() }) };
        let json = r#"{"event":{"id":"c1","body":{"id":"r7","event":"delta","text":"Open"}}}"#;
        assert_eq!(serde_json::to_string(&event).unwrap(), json);
        assert_eq!(serde_json::from_str::<BackgroundMessage<Event>>(json).unwrap(), event);
        let error = BackgroundMessage::Event {
            id: "c2".into(),
            body: Event::new("", EventBody::Error(ErrorInfo::new(ErrorCode::HostUnavailable, "gone", "install"))),
        };
        assert_eq!(
            serde_json::to_string(&error).unwrap(),
            r#"{"event":{"id":"c2","body":{"id":"","event":"error","code":"host_unavailable","message":"gone","hint":"install"}}}"#
        );
        let shot: BackgroundMessage<Event> = BackgroundMessage::Captured { id: "v2".into(), data_url: Some("data:x".into()), error: None };
        assert_eq!(serde_json::to_string(&shot).unwrap(), r#"{"captured":{"id":"v2","data_url":"data:x"}}"#);
        let failed: BackgroundMessage<Event> = serde_json::from_str(r#"{"captured":{"id":"v2","error":"denied"}}"#).unwrap();
        assert_eq!(failed, BackgroundMessage::Captured { id: "v2".into(), data_url: None, error: Some("denied".into()) });
    }

    #[test]
    fn the_background_reads_bodies_raw_and_forwards_them_byte_for_byte() {
        let json = r#"{"request":{"id":"c1","body":{"type":"translate_frame","image":"QUJD","to":"ja"}}}"#;
        let ClientMessage::Request { id, body } = serde_json::from_str::<ClientMessage>(json).unwrap() else { panic!() };
        assert_eq!((id.as_str(), body.get()), ("c1", r#"{"type":"translate_frame","image":"QUJD","to":"ja"}"#));
        let to_host = request_with_id("r9", &body).unwrap();
        assert_eq!(to_host, r#"{"id":"r9","type":"translate_frame","image":"QUJD","to":"ja"}"#);
        let request: Request = serde_json::from_str(&to_host).unwrap();
        assert_eq!(request.id, "r9");

        let event = r#"{"id":"r9","event":"delta","text":"hi"}"#;
        let out = BackgroundMessage::Event { id: "c1".into(), body: RawValue::from_string(event.into()).unwrap() };
        assert_eq!(serde_json::to_string(&out).unwrap(), format!(r#"{{"event":{{"id":"c1","body":{event}}}}}"#));
    }

    #[test]
    fn ids_are_spliced_into_any_object_and_nothing_else() {
        let raw = |s: &str| RawValue::from_string(s.into()).unwrap();
        assert_eq!(request_with_id("r1", &raw("{}")).unwrap(), r#"{"id":"r1"}"#);
        assert_eq!(request_with_id("r1", &raw("{ }")).unwrap(), r#"{"id":"r1"}"#);
        assert_eq!(request_with_id("r\"1", &raw(r#"{"type":"ping"}"#)).unwrap(), r#"{"id":"r\"1","type":"ping"}"#);
        assert_eq!(request_with_id("r1", &raw("[1]")), None);
        assert_eq!(request_with_id("r1", &raw("\"{\"")), None);
    }
}
