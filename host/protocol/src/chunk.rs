//! Events too large for one native-messaging frame travel as a run of `chunk` events.
//!
//! Chrome closes the port when a host→browser message exceeds 1 MiB, so the host never
//! truncates a large answer (a long model list, a big caption track): it serialises the
//! event once, splits the JSON text on character boundaries, and the extension joins the
//! text back before routing it.

use crate::{Event, EventBody, RequestId, CHUNK_DATA_BYTES};

/// Serialise `event` — once — into the JSON text of the frames that carry it: the event
/// itself, or, when its JSON is longer than [`CHUNK_DATA_BYTES`], a series of `chunk`
/// events.
pub fn encode_event(event: &Event) -> Result<Vec<String>, serde_json::Error> {
    encode_with_size(event, CHUNK_DATA_BYTES)
}

pub(crate) fn encode_with_size(event: &Event, max: usize) -> Result<Vec<String>, serde_json::Error> {
    let json = serde_json::to_string(event)?;
    if json.len() <= max {
        return Ok(vec![json]);
    }
    let mut pieces = Vec::new();
    let mut rest = json.as_str();
    while !rest.is_empty() {
        let mut cut = rest.len().min(max.max(4));
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (head, tail) = rest.split_at(cut);
        pieces.push(head);
        rest = tail;
    }
    let n = pieces.len();
    pieces
        .into_iter()
        .enumerate()
        .map(|(i, data)| {
            let chunk = EventBody::Chunk { seq: i as u32, last: i + 1 == n, data: data.to_owned() };
            serde_json::to_string(&Event::new(event.id.clone(), chunk))
        })
        .collect()
}

#[derive(Debug, PartialEq, Eq)]
pub enum ChunkError {
    OutOfOrder { id: RequestId, expected: u32, got: u32 },
}

impl std::fmt::Display for ChunkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChunkError::OutOfOrder { id, expected, got } => {
                write!(f, "chunk {got} of request {id} arrived, expected {expected}")
            }
        }
    }
}

/// Joins the `data` of `chunk` events back into the JSON text of the event they carry
/// (the extension's side, which routes that text without parsing it whole).
#[derive(Default)]
pub struct ChunkAssembler {
    partial: std::collections::HashMap<RequestId, (u32, String)>,
}

impl ChunkAssembler {
    /// Feed one chunk of request `id`. Returns the joined event JSON once the last one
    /// arrives.
    pub fn push(&mut self, id: &str, seq: u32, last: bool, data: &str) -> Result<Option<String>, ChunkError> {
        let entry = self.partial.entry(id.to_owned()).or_insert((0, String::new()));
        if entry.0 != seq {
            let expected = entry.0;
            self.partial.remove(id);
            return Err(ChunkError::OutOfOrder { id: id.to_owned(), expected, got: seq });
        }
        entry.0 += 1;
        entry.1.push_str(data);
        if !last {
            return Ok(None);
        }
        Ok(self.partial.remove(id).map(|(_, json)| json))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn join(frames: &[String]) -> Option<String> {
        let mut asm = ChunkAssembler::default();
        let mut out = None;
        for f in frames {
            let ev: Event = serde_json::from_str(f).unwrap();
            let EventBody::Chunk { seq, last, data } = ev.body else { panic!("not a chunk: {f}") };
            out = asm.push(&ev.id, seq, last, &data).unwrap();
        }
        out
    }

    #[test]
    fn small_events_are_one_frame_of_their_own_json() {
        let ev = Event::new("1", EventBody::Delta { text: "hi".into() });
        assert_eq!(encode_event(&ev).unwrap(), vec![r#"{"id":"1","event":"delta","text":"hi"}"#.to_owned()]);
    }

    #[test]
    fn large_events_split_on_char_boundaries_and_reassemble() {
        let text: String = "日本語のテキスト🙂".repeat(500);
        let ev = Event::new("42", EventBody::Delta { text });
        let frames = encode_with_size(&ev, 97).unwrap();
        assert!(frames.len() > 10);
        for f in &frames {
            let EventBody::Chunk { data, .. } = serde_json::from_str::<Event>(f).unwrap().body else { panic!() };
            assert!(data.len() <= 97);
        }
        let joined = join(&frames).unwrap();
        assert_eq!(joined, serde_json::to_string(&ev).unwrap());
    }

    #[test]
    fn out_of_order_chunks_are_an_error() {
        let ev = Event::new("1", EventBody::Delta { text: "x".repeat(100) });
        let frames = encode_with_size(&ev, 30).unwrap();
        let second: Event = serde_json::from_str(&frames[1]).unwrap();
        let EventBody::Chunk { seq, last, data } = second.body else { panic!() };
        let mut asm = ChunkAssembler::default();
        assert!(asm.push("1", seq, last, &data).is_err());
    }
}
