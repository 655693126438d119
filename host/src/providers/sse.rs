//! Server-sent events (OpenAI-compatible and Anthropic streams) from a byte stream.
//!
//! Parsing is eventsource-stream's (CRLF, comments, multi-line `data:`, events split
//! across chunks). In front of it, [`Utf8Chunks`] checks the bytes: a character split
//! across chunks is carried over, but bytes that can never be UTF-8 fail at once instead
//! of piling up until the end of the stream.

use bytes::Bytes;
use eventsource_stream::{EventStreamError, Eventsource};
use futures::{Stream, StreamExt};
use glossa_protocol::ProviderKind;

use super::ProviderError;

pub use eventsource_stream::Event;

/// Parse `chunks` as an event stream; every failure is a [`ProviderError`].
pub fn events<S>(chunks: S, provider: ProviderKind) -> impl Stream<Item = Result<Event, ProviderError>> + Send + Unpin
where
    S: Stream<Item = Result<Bytes, ProviderError>> + Send + Unpin + 'static,
{
    let mut utf8 = Utf8Chunks::default();
    let checked =
        chunks.map(move |chunk| chunk.and_then(|c| utf8.push(&c).map_err(|detail| ProviderError::BadResponse { provider, detail })));
    // The end of the stream with a character still open is caught by the caller as a
    // missing terminator (the last event cannot have been complete).
    Box::pin(checked.eventsource().map(move |event| {
        event.map_err(|e| match e {
            EventStreamError::Transport(e) => e,
            EventStreamError::Utf8(e) => ProviderError::BadResponse { provider, detail: format!("the stream is not UTF-8 ({e})") },
            EventStreamError::Parser(e) => {
                ProviderError::BadResponse { provider, detail: format!("the event stream cannot be parsed ({e})") }
            }
        })
    }))
}

/// Splits a byte stream into valid UTF-8 pieces, holding back an incomplete character
/// at the end of a chunk until the next chunk completes it.
#[derive(Debug, Default)]
pub struct Utf8Chunks {
    carry: Vec<u8>,
}

impl Utf8Chunks {
    /// The longest valid UTF-8 prefix of what has arrived so far (as bytes), or an
    /// error if the bytes contain a sequence that is not UTF-8.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Bytes, String> {
        let mut bytes = std::mem::take(&mut self.carry);
        bytes.extend_from_slice(chunk);
        match std::str::from_utf8(&bytes) {
            Ok(_) => Ok(Bytes::from(bytes)),
            Err(e) if e.error_len().is_none() => {
                // Only an incomplete character at the end: keep it for the next chunk.
                self.carry = bytes.split_off(e.valid_up_to());
                Ok(Bytes::from(bytes))
            }
            Err(e) => Err(format!("the stream is not UTF-8 (invalid bytes after {} valid ones)", e.valid_up_to())),
        }
    }

    /// True when a character is still incomplete.
    pub fn is_pending(&self) -> bool {
        !self.carry.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    async fn parse(pieces: Vec<Vec<u8>>) -> Vec<Result<(String, String), String>> {
        let chunks = futures::stream::iter(pieces.into_iter().map(|p| Ok(Bytes::from(p))));
        events(chunks, ProviderKind::Openai).map(|e| e.map(|e| (e.event, e.data)).map_err(|e| e.to_string())).collect().await
    }

    fn split_all(text: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut last = 0;
        for &c in cuts {
            out.push(text[last..c].to_vec());
            last = c;
        }
        out.push(text[last..].to_vec());
        out
    }

    const STREAM: &str = ": comment\r\nevent: content_block_delta\r\ndata: {\"t\":\"日本\"}\r\n\r\ndata: a\ndata: b\n\ndata: [DONE]\n\n";

    #[tokio::test]
    async fn parses_crlf_comments_multiline_and_split_characters_at_every_byte() {
        let whole = parse(vec![STREAM.as_bytes().to_vec()]).await;
        assert_eq!(
            whole,
            vec![
                Ok(("content_block_delta".into(), "{\"t\":\"日本\"}".into())),
                Ok(("message".into(), "a\nb".into())),
                Ok(("message".into(), "[DONE]".into())),
            ]
        );
        for cut in 1..STREAM.len() {
            assert_eq!(parse(split_all(STREAM.as_bytes(), &[cut])).await, whole, "split at {cut}");
        }
        let every_byte: Vec<usize> = (1..STREAM.len()).collect();
        assert_eq!(parse(split_all(STREAM.as_bytes(), &every_byte)).await, whole);
    }

    #[tokio::test]
    async fn invalid_utf8_fails_at_once() {
        let got = parse(vec![b"data: ok\n\n".to_vec(), b"data: \xff\xfe\n\n".to_vec(), b"data: more\n\n".to_vec()]).await;
        assert_eq!(got[0], Ok(("message".into(), "ok".into())));
        assert!(got[1].as_ref().unwrap_err().contains("not UTF-8"), "{got:?}");
    }

    proptest! {
        #[test]
        fn utf8_chunks_accept_any_split_of_valid_text(text in "\\PC{0,30}", cuts in prop::collection::vec(0usize..120, 0..8)) {
            let bytes = text.as_bytes();
            let mut cuts: Vec<usize> = cuts.into_iter().filter(|&c| c <= bytes.len()).collect();
            cuts.sort_unstable();
            let mut dec = Utf8Chunks::default();
            let mut out = Vec::new();
            for piece in split_all(bytes, &cuts) {
                out.extend_from_slice(&dec.push(&piece).unwrap());
            }
            prop_assert!(!dec.is_pending());
            prop_assert_eq!(out, bytes.to_vec());
        }

        #[test]
        fn any_split_of_a_stream_gives_the_same_events(cuts in prop::collection::vec(0usize..STREAM.len(), 0..10)) {
            let mut cuts = cuts;
            cuts.sort_unstable();
            cuts.dedup();
            let whole = futures::executor::block_on(parse(vec![STREAM.as_bytes().to_vec()]));
            let split = futures::executor::block_on(parse(split_all(STREAM.as_bytes(), &cuts)));
            prop_assert_eq!(split, whole);
        }

        #[test]
        fn arbitrary_bytes_never_panic_or_hang(pieces in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..32), 0..8)) {
            // Returning at all is the property: no panic, no endless loop.
            let _ = futures::executor::block_on(parse(pieces));
        }

        #[test]
        fn utf8_chunks_never_panic(pieces in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..16), 0..8)) {
            let mut dec = Utf8Chunks::default();
            for p in pieces {
                if dec.push(&p).is_err() { break; }
            }
        }
    }
}
