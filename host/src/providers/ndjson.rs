//! Newline-delimited JSON (Ollama's streams): a line buffer that needs no I/O, and
//! [`lines`], the stream of a body's lines through it.
//!
//! Lines may be split anywhere across network chunks, including inside a multi-byte
//! character; a line is decoded only once its `\n` has arrived, so a split character is
//! whole by then. CRLF endings and blank lines are accepted.

use std::collections::VecDeque;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use glossa_protocol::ProviderKind;

use super::ProviderError;

/// The complete lines of `chunks`, a last one without its `\n` included.
pub fn lines<S>(chunks: S, provider: ProviderKind) -> impl Stream<Item = Result<String, ProviderError>> + Send + Unpin
where
    S: Stream<Item = Result<Bytes, ProviderError>> + Send + Unpin + 'static,
{
    let bad_line = move |e: LineError| ProviderError::BadResponse { provider, detail: e.to_string() };
    let state = (chunks, LineReader::default(), VecDeque::new(), false);
    Box::pin(futures::stream::unfold(state, move |(mut chunks, mut reader, mut ready, mut ended)| async move {
        loop {
            if let Some(line) = ready.pop_front() {
                return Some((Ok(line), (chunks, reader, ready, ended)));
            }
            if ended {
                return None;
            }
            let read = match chunks.next().await {
                Some(Ok(chunk)) => reader.push(&chunk),
                Some(Err(e)) => return Some((Err(e), (chunks, reader, ready, true))),
                None => {
                    ended = true;
                    reader.finish().map(|last| last.into_iter().collect())
                }
            };
            match read {
                Ok(lines) => ready.extend(lines),
                Err(e) => return Some((Err(bad_line(e)), (chunks, reader, ready, true))),
            }
        }
    }))
}

/// Longest line accepted; a server that never sends `\n` must not fill memory.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineError {
    NotUtf8,
    TooLong,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LineError::NotUtf8 => f.write_str("a line of the stream is not UTF-8"),
            LineError::TooLong => write!(f, "a line of the stream is longer than {} MiB", MAX_LINE_BYTES >> 20),
        }
    }
}

#[derive(Debug, Default)]
pub struct LineReader {
    buf: Vec<u8>,
    /// How much of `buf` is known to hold no `\n`.
    scanned: usize,
}

impl LineReader {
    /// Add a chunk; returns the complete, non-blank lines it finished.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<String>, LineError> {
        self.buf.extend_from_slice(chunk);
        let mut lines = Vec::new();
        let mut start = 0;
        while let Some(pos) = self.buf[start.max(self.scanned)..].iter().position(|&b| b == b'\n') {
            let end = start.max(self.scanned) + pos;
            if let Some(line) = decode(&self.buf[start..end])? {
                lines.push(line);
            }
            start = end + 1;
            self.scanned = start;
        }
        self.buf.drain(..start);
        self.scanned = self.buf.len();
        if self.buf.len() > MAX_LINE_BYTES {
            return Err(LineError::TooLong);
        }
        Ok(lines)
    }

    /// The stream ended: a last line without its `\n`, if any.
    pub fn finish(&mut self) -> Result<Option<String>, LineError> {
        let rest = std::mem::take(&mut self.buf);
        self.scanned = 0;
        decode(&rest)
    }
}

fn decode(line: &[u8]) -> Result<Option<String>, LineError> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let text = std::str::from_utf8(line).map_err(|_| LineError::NotUtf8)?;
    let text = text.trim();
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read(pieces: &[&[u8]]) -> Result<Vec<String>, LineError> {
        let mut r = LineReader::default();
        let mut out = Vec::new();
        for p in pieces {
            out.extend(r.push(p)?);
        }
        out.extend(r.finish()?);
        Ok(out)
    }

    #[test]
    fn splits_lines_across_chunks_and_crlf() {
        let text = "{\"a\":\"日本語\"}\r\n\n{\"b\":2}\n{\"c\":3}";
        let whole = read(&[text.as_bytes()]).unwrap();
        assert_eq!(whole, vec!["{\"a\":\"日本語\"}", "{\"b\":2}", "{\"c\":3}"]);
        let bytes = text.as_bytes();
        for cut in 0..=bytes.len() {
            assert_eq!(read(&[&bytes[..cut], &bytes[cut..]]).unwrap(), whole, "cut at {cut}");
        }
        let every: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(read(&every).unwrap(), whole);
    }

    #[test]
    fn rejects_invalid_utf8_and_endless_lines() {
        assert_eq!(read(&[b"{\"ok\":1}\n\xff\xfe\n"]), Err(LineError::NotUtf8));
        let mut r = LineReader::default();
        let big = vec![b'x'; 1 << 20];
        let mut failed = false;
        for _ in 0..20 {
            if r.push(&big) == Err(LineError::TooLong) {
                failed = true;
                break;
            }
        }
        assert!(failed);
    }

    #[tokio::test]
    async fn lines_of_a_body_include_an_unterminated_last_one_and_stop_at_an_error() {
        let body = |pieces: Vec<Result<&'static [u8], ProviderError>>| {
            lines(futures::stream::iter(pieces.into_iter().map(|p| p.map(Bytes::from_static))), ProviderKind::Ollama)
                .map(|l| l.map_err(|e| e.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            body(vec![Ok(b"{\"a\":1}\n{\"b"), Ok(b"\":2}\n{\"c\":3}")]).await,
            vec![Ok("{\"a\":1}".to_owned()), Ok("{\"b\":2}".to_owned()), Ok("{\"c\":3}".to_owned()),]
        );
        let cut =
            body(vec![Ok(b"{\"a\":1}\n"), Err(ProviderError::StreamIncomplete { provider: ProviderKind::Ollama }), Ok(b"{}\n")]).await;
        assert_eq!(cut.len(), 2, "{cut:?}");
        assert!(cut[1].is_err());
        let bad = body(vec![Ok(b"\xff\n"), Ok(b"{}\n")]).await;
        assert_eq!(bad, vec![Err("Ollama sent a reply that is not its API's format: a line of the stream is not UTF-8".to_owned())]);
    }

    proptest! {
        #[test]
        fn any_split_gives_the_same_lines(lines in prop::collection::vec("[^\n]{0,12}", 0..6), cuts in prop::collection::vec(0usize..100, 0..8)) {
            let text = lines.join("\n");
            let bytes = text.as_bytes();
            let mut cuts: Vec<usize> = cuts.into_iter().filter(|&c| c <= bytes.len()).collect();
            cuts.sort_unstable();
            let mut pieces: Vec<&[u8]> = Vec::new();
            let mut last = 0;
            for c in cuts { pieces.push(&bytes[last..c]); last = c; }
            pieces.push(&bytes[last..]);
            prop_assert_eq!(read(&pieces), read(&[bytes]));
        }

        #[test]
        fn never_panics(pieces in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..24), 0..8)) {
            let mut r = LineReader::default();
            for p in &pieces { if r.push(p).is_err() { return Ok(()); } }
            let _ = r.finish();
        }
    }
}
