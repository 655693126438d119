//! Where a request's events go. Each request gets one `EventSink`; once it has sent its
//! terminal event (or was cancelled) it is closed and silently drops anything else, so
//! no event for a request ever follows its `done`, `error` or cancellation.
//!
//! The handlers write to it and the native session reads the other end of its channel;
//! it lives below both so neither imports the other's side.

use std::sync::{Arc, Mutex};

use glossa_protocol::{ErrorCode, ErrorInfo, Event, EventBody, RequestId};
use tokio::sync::mpsc::UnboundedSender;

#[derive(Clone)]
pub struct EventSink {
    id: RequestId,
    inner: Arc<Inner>,
}

struct Inner {
    // The lock covers "check open + enqueue", so a cancel cannot slip between the two.
    open: Mutex<bool>,
    tx: UnboundedSender<Event>,
}

impl EventSink {
    pub fn new(id: RequestId, tx: UnboundedSender<Event>) -> Self {
        EventSink { id, inner: Arc::new(Inner { open: Mutex::new(true), tx }) }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Send an event; a terminal one closes the sink. Returns false once closed.
    pub fn send(&self, body: EventBody) -> bool {
        let mut open = self.inner.open.lock().unwrap_or_else(|p| p.into_inner());
        if !*open {
            return false;
        }
        let event = Event::new(self.id.clone(), body);
        if event.is_terminal() {
            *open = false;
        }
        self.inner.tx.send(event).is_ok()
    }

    pub fn delta(&self, text: impl Into<String>) -> bool {
        self.send(EventBody::Delta { text: text.into() })
    }

    pub fn error(&self, info: ErrorInfo) -> bool {
        self.send(EventBody::Error(info))
    }

    /// Close with a `cancelled` error unless already finished.
    pub fn cancel(&self) -> bool {
        self.error(ErrorInfo::new(ErrorCode::Cancelled, "The request was cancelled.", ""))
    }

    pub fn is_open(&self) -> bool {
        *self.inner.open.lock().unwrap_or_else(|p| p.into_inner())
    }
}
