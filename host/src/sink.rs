//! Where a request's events go. Each request gets one `EventSink`; once it has sent its
//! terminal event (or was cancelled) it is closed and silently drops anything else, so
//! no event for a request ever follows its `done`, `error` or cancellation.
//!
//! The handlers write to it and the native session reads the other end of its channel;
//! it lives below both so neither imports the other's side.
//! An event is serialised here, once, in the request's own task; the session's writer
//! only frames the JSON text it is given.

use std::sync::{Arc, Mutex};

use glossa_protocol::text;
use glossa_protocol::{encode_event, ErrorCode, ErrorInfo, Event, EventBody, RequestId};
use tokio::sync::mpsc::UnboundedSender;

/// The JSON text of the frames carrying one event (several when it is chunked).
pub type EventFrames = Vec<String>;

#[derive(Clone)]
pub struct EventSink {
    id: RequestId,
    inner: Arc<Inner>,
}

struct Inner {
    // The lock covers "check open + enqueue", so a cancel cannot slip between the two.
    open: Mutex<bool>,
    tx: UnboundedSender<EventFrames>,
}

impl EventSink {
    pub fn new(id: RequestId, tx: UnboundedSender<EventFrames>) -> Self {
        EventSink { id, inner: Arc::new(Inner { open: Mutex::new(true), tx }) }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Send an event; a terminal one closes the sink. Returns false once closed.
    pub fn send(&self, body: EventBody) -> bool {
        let event = Event::new(self.id.clone(), body);
        let frames = frames(&event);
        let mut open = self.inner.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !*open {
            return false;
        }
        if event.is_terminal() {
            *open = false;
        }
        self.inner.tx.send(frames).is_ok()
    }

    pub fn delta(&self, text: impl Into<String>) -> bool {
        self.send(EventBody::Delta { text: text.into() })
    }

    pub fn error(&self, info: ErrorInfo) -> bool {
        self.send(EventBody::Error(info))
    }

    /// Close with a `cancelled` error unless already finished.
    pub fn cancel(&self) -> bool {
        self.error(ErrorInfo::localized(ErrorCode::Cancelled, text::ERR_CANCELLED, None))
    }

    pub fn is_open(&self) -> bool {
        *self.inner.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// `event` as the frames that carry it; none (and a log line) if it cannot be serialised.
pub fn frames(event: &Event) -> EventFrames {
    encode_event(event).unwrap_or_else(|e| {
        tracing::error!(id = %event.id, "cannot serialise an event: {e}");
        Vec::new()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_serialised_once_in_order_and_nothing_follows_the_terminal_one() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let sink = EventSink::new("7".into(), tx);
        assert!(sink.delta("a"));
        assert!(sink.send(EventBody::done()));
        assert!(!sink.delta("late"));
        assert_eq!(rx.try_recv().unwrap(), vec![r#"{"id":"7","event":"delta","text":"a"}"#.to_owned()]);
        assert_eq!(rx.try_recv().unwrap(), vec![r#"{"id":"7","event":"done"}"#.to_owned()]);
        assert!(rx.try_recv().is_err());
    }
}
