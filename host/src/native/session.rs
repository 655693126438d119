//! One browser connection: a reader loop that decodes frames and dispatches requests, a
//! task per request, and one writer task that alone touches the protocol's stdout.
//!
//! Lifecycle rules (see the protocol crate): every request ends with exactly one `done`
//! or `error`; `cancel` stops a request and the provider work behind it (its task is
//! aborted, which drops the HTTP request or stops local generation); EOF or a broken
//! frame ends the session and cancels everything in flight.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use glossa_protocol::text;
use glossa_protocol::{
    parse_request, ErrorCode, ErrorInfo, EventBody, Request, RequestBody, RequestId, MAX_INBOUND_FRAME, MAX_OUTBOUND_FRAME,
};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;
use tokio_util::codec::{Encoder, FramedRead};

use super::codec::{FrameError, NativeCodec};
use crate::app::App;
use crate::handlers;
use crate::sink::{self, EventFrames, EventSink};

/// Messages a running request accepts while it runs (e.g. playhead moves for a track).
pub type ControlTx = mpsc::UnboundedSender<RequestBody>;

struct InFlight {
    sink: EventSink,
    abort: AbortHandle,
    control: ControlTx,
}

type Registry = Arc<Mutex<HashMap<RequestId, InFlight>>>;

/// Why a session ended.
#[derive(Debug, PartialEq, Eq)]
pub enum SessionEnd {
    /// The browser closed the port.
    Eof,
    /// The input broke the framing; the session could not go on.
    BadFrame(String),
}

/// Serve one connection until EOF or a framing error.
pub async fn serve<R, W>(reader: R, writer: W, app: Arc<App>) -> SessionEnd
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (tx, rx) = mpsc::unbounded_channel::<EventFrames>();
    let writer_task = tokio::spawn(write_events(writer, rx));
    let registry: Registry = Arc::default();
    let mut frames = FramedRead::new(reader, NativeCodec::new(MAX_INBOUND_FRAME));

    let end = loop {
        match frames.next().await {
            None => break SessionEnd::Eof,
            Some(Err(FrameError::Io(e))) if e.kind() == std::io::ErrorKind::UnexpectedEof => break SessionEnd::Eof,
            Some(Err(e)) => {
                tracing::error!("ending session: {e}");
                break SessionEnd::BadFrame(e.to_string());
            }
            Some(Ok(frame)) => match parse_request(&frame) {
                Ok(request) => dispatch(request, &app, &tx, &registry),
                Err(error_event) => {
                    tracing::warn!(id = %error_event.id, "rejected a message: {:?}", error_event.body);
                    let _ = tx.send(sink::frames(&error_event));
                }
            },
        }
    };

    // The browser is gone (or unusable): stop all work, flush what is queued, exit.
    let in_flight: Vec<InFlight> = registry.lock().unwrap_or_else(std::sync::PoisonError::into_inner).drain().map(|(_, f)| f).collect();
    for f in in_flight {
        f.abort.abort();
    }
    drop(tx);
    let _ = writer_task.await;
    end
}

fn dispatch(request: Request, app: &Arc<App>, tx: &mpsc::UnboundedSender<EventFrames>, registry: &Registry) {
    let Request { id, body } = request;
    let sink = EventSink::new(id.clone(), tx.clone());
    match body {
        RequestBody::Cancel { target } => {
            let entry = registry.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&target);
            if let Some(f) = entry {
                // Close the sink first: from here on the aborted task cannot emit anything.
                f.sink.cancel();
                f.abort.abort();
                tracing::info!(%target, "cancelled");
            }
            sink.send(EventBody::done());
        }
        RequestBody::Playhead { ref target, .. } => {
            let control = registry.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(target).map(|f| f.control.clone());
            match control {
                Some(c) => {
                    let _ = c.send(body.clone());
                    sink.send(EventBody::done());
                }
                None => {
                    sink.error(ErrorInfo::localized(
                        ErrorCode::BadRequest,
                        text::ERR_NO_SUCH_TRACK.with([target.as_str().into()]),
                        Some(text::HINT_PLAYHEAD_TARGET.text()),
                    ));
                }
            }
        }
        body => {
            let mut reg = registry.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if reg.contains_key(&id) {
                drop(reg);
                sink.error(ErrorInfo::localized(
                    ErrorCode::DuplicateId,
                    text::ERR_DUPLICATE_ID.with([id.as_str().into()]),
                    Some(text::HINT_FRESH_ID.text()),
                ));
                return;
            }
            let (control_tx, control_rx) = mpsc::unbounded_channel();
            let task_sink = sink.clone();
            let task_app = app.clone();
            let task_registry = registry.clone();
            let task_id = id.clone();
            // Holding the registry lock while spawning means the task cannot finish (and
            // try to unregister) before it is registered.
            let handle = tokio::spawn(async move {
                let result = handlers::handle(body, &task_app, &task_sink, control_rx).await;
                match result {
                    Ok(finished) => task_sink.send(EventBody::Done { usage: finished.usage, ms: finished.ms }),
                    Err(info) => task_sink.error(info),
                };
                task_registry.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&task_id);
            });
            reg.insert(id, InFlight { sink, abort: handle.abort_handle(), control: control_tx });
        }
    }
}

/// The only code that writes protocol frames. Events arrive serialised (and, when large,
/// already split into chunks so no frame reaches Chrome's 1 MiB limit).
async fn write_events<W: AsyncWrite + Unpin>(mut writer: W, mut rx: mpsc::UnboundedReceiver<EventFrames>) {
    let mut codec = NativeCodec::new(MAX_OUTBOUND_FRAME);
    let mut buf = bytes::BytesMut::new();
    while let Some(event) = rx.recv().await {
        for json in event {
            if let Err(e) = codec.encode(json.as_bytes(), &mut buf) {
                tracing::error!("dropping an event: {e}");
            }
        }
        // Batch whatever else is already queued into the same write.
        if rx.is_empty() || buf.len() > 64 * 1024 {
            if let Err(e) = writer.write_all(&buf).await.and(writer.flush().await) {
                tracing::info!("browser pipe closed: {e}");
                return;
            }
            buf.clear();
        }
    }
    let _ = writer.write_all(&buf).await;
    let _ = writer.flush().await;
}
