//! Events too large for one native-messaging frame travel as a run of `chunk` events.
//!
//! Chrome closes the port when a host→browser message exceeds 1 MiB, so the host never
//! truncates a large answer (a long model list, a big batch of cues): it serialises the
//! event, splits the JSON text on character boundaries, and the extension joins it back.

use crate::{Event, EventBody, RequestId, CHUNK_DATA_BYTES};

/// Serialise `event`; if its JSON is longer than [`CHUNK_DATA_BYTES`], return it as a
/// series of `chunk` events instead.
pub fn split_into_chunks(event: &Event) -> Vec<Event> {
    split_with_size(event, CHUNK_DATA_BYTES)
}

pub(crate) fn split_with_size(event: &Event, max: usize) -> Vec<Event> {
    let json = match serde_json::to_string(event) {
        Ok(j) => j,
        Err(_) => return vec![event.clone()],
    };
    if json.len() <= max {
        return vec![event.clone()];
    }
    let mut pieces = Vec::new();
    let mut rest = json.as_str();
    while !rest.is_empty() {
        let mut cut = rest.len().min(max.max(4));
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (head, tail) = rest.split_at(cut);
        pieces.push(head.to_owned());
        rest = tail;
    }
    let n = pieces.len();
    pieces
        .into_iter()
        .enumerate()
        .map(|(i, data)| {
            Event::new(event.id.clone(), EventBody::Chunk { seq: i as u32, last: i + 1 == n, data })
        })
        .collect()
}

#[derive(Debug, PartialEq, Eq)]
pub enum ChunkError {
    OutOfOrder { id: RequestId, expected: u32, got: u32 },
    BadJson(String),
}

impl std::fmt::Display for ChunkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChunkError::OutOfOrder { id, expected, got } => {
                write!(f, "chunk {got} of request {id} arrived, expected {expected}")
            }
            ChunkError::BadJson(e) => write!(f, "joined chunks are not an event: {e}"),
        }
    }
}

/// Joins `chunk` events back into the events they carry (the extension's side).
#[derive(Default)]
pub struct ChunkAssembler {
    partial: std::collections::HashMap<RequestId, (u32, String)>,
}

impl ChunkAssembler {
    /// Feed any event. Ordinary events come straight back; chunks are held until the last
    /// one arrives, which returns the reassembled event.
    pub fn push(&mut self, event: Event) -> Result<Option<Event>, ChunkError> {
        let EventBody::Chunk { seq, last, data } = event.body else {
            return Ok(Some(event));
        };
        let entry = self.partial.entry(event.id.clone()).or_insert((0, String::new()));
        if entry.0 != seq {
            let expected = entry.0;
            self.partial.remove(&event.id);
            return Err(ChunkError::OutOfOrder { id: event.id, expected, got: seq });
        }
        entry.0 += 1;
        entry.1.push_str(&data);
        if !last {
            return Ok(None);
        }
        let (_, json) = self.partial.remove(&event.id).unwrap_or_default();
        serde_json::from_str(&json).map(Some).map_err(|e| ChunkError::BadJson(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_events_are_not_chunked() {
        let ev = Event::new("1", EventBody::Delta { text: "hi".into() });
        assert_eq!(split_into_chunks(&ev), vec![ev]);
    }

    #[test]
    fn large_events_split_on_char_boundaries_and_reassemble() {
        let text: String = "日本語のテキスト🙂".repeat(500);
        let ev = Event::new("42", EventBody::Delta { text });
        let parts = split_with_size(&ev, 97);
        assert!(parts.len() > 10);
        let mut asm = ChunkAssembler::default();
        let mut out = None;
        for p in parts {
            if let EventBody::Chunk { data, .. } = &p.body {
                assert!(data.len() <= 97);
            }
            out = asm.push(p).unwrap();
        }
        assert_eq!(out, Some(ev));
    }

    #[test]
    fn out_of_order_chunks_are_an_error() {
        let ev = Event::new("1", EventBody::Delta { text: "x".repeat(100) });
        let mut parts = split_with_size(&ev, 30);
        parts.swap(0, 1);
        let mut asm = ChunkAssembler::default();
        assert!(asm.push(parts.remove(0)).is_err());
    }
}
