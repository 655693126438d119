//! Native-messaging framing: a 4-byte length in native byte order, then that many bytes
//! of UTF-8 JSON. Used in both directions; the decoder enforces the inbound size limit.
//! [`encode_frame`] and [`read_frame`] are the same framing for blocking callers (tests,
//! benchmarks, the CLI), so nothing outside this file writes or parses a header.

use byteorder::{ByteOrder, NativeEndian};
use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("frame of {len} bytes exceeds the {max}-byte limit")]
    TooLarge { len: usize, max: usize },
    #[error("stream ended inside a frame ({have} of {want} bytes)")]
    Truncated { have: usize, want: usize },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Frames in, frames out. Each frame is one message's raw JSON bytes.
#[derive(Debug, Clone)]
pub struct NativeCodec {
    max_len: usize,
}

impl NativeCodec {
    pub fn new(max_len: usize) -> Self {
        NativeCodec { max_len }
    }
}

const HEADER: usize = 4;

impl Decoder for NativeCodec {
    type Item = Bytes;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, FrameError> {
        if src.len() < HEADER {
            return Ok(None);
        }
        let len = body_len(&src[..HEADER], self.max_len)?;
        if src.len() < HEADER + len {
            // Reserve at most what the frame needs, so a lying header cannot make us
            // allocate more than the limit.
            src.reserve(HEADER + len - src.len());
            return Ok(None);
        }
        src.advance(HEADER);
        Ok(Some(src.split_to(len).freeze()))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, FrameError> {
        match self.decode(src)? {
            Some(frame) => Ok(Some(frame)),
            None if src.is_empty() => Ok(None),
            None => {
                let want = if src.len() >= HEADER { NativeEndian::read_u32(&src[..HEADER]) as usize + HEADER } else { HEADER };
                Err(FrameError::Truncated { have: src.len(), want })
            }
        }
    }
}

impl Encoder<&[u8]> for NativeCodec {
    type Error = FrameError;

    fn encode(&mut self, item: &[u8], dst: &mut BytesMut) -> Result<(), FrameError> {
        if item.len() > self.max_len {
            return Err(FrameError::TooLarge { len: item.len(), max: self.max_len });
        }
        dst.reserve(HEADER + item.len());
        dst.put_slice(&header(item.len()));
        dst.put_slice(item);
        Ok(())
    }
}

/// The header announcing a body of `len` bytes.
fn header(len: usize) -> [u8; HEADER] {
    let mut header = [0u8; HEADER];
    NativeEndian::write_u32(&mut header, len as u32);
    header
}

/// The body length a header announces, refused above `max_len` (before anything is
/// allocated for it).
fn body_len(header: &[u8], max_len: usize) -> Result<usize, FrameError> {
    let len = NativeEndian::read_u32(header) as usize;
    if len > max_len {
        return Err(FrameError::TooLarge { len, max: max_len });
    }
    Ok(len)
}

/// Encode one frame into a fresh buffer (tests, benchmarks and the CLI use this).
pub fn encode_frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(&header(payload.len()));
    out.extend_from_slice(payload);
    out
}

/// Read one frame from a blocking reader, with the decoder's rules: `Ok(None)` at a clean
/// end of stream (between frames), [`FrameError::TooLarge`] for a header above `max_len`,
/// [`FrameError::Truncated`] when the stream ends inside a frame.
pub fn read_frame(reader: &mut impl std::io::Read, max_len: usize) -> Result<Option<Vec<u8>>, FrameError> {
    let mut head = [0u8; HEADER];
    match read_full(reader, &mut head)? {
        0 => return Ok(None),
        HEADER => {}
        have => return Err(FrameError::Truncated { have, want: HEADER }),
    }
    let len = body_len(&head, max_len)?;
    let mut body = vec![0u8; len];
    let have = read_full(reader, &mut body)?;
    if have < len {
        return Err(FrameError::Truncated { have: HEADER + have, want: HEADER + len });
    }
    Ok(Some(body))
}

/// Fill `buf` unless the stream ends first; how many bytes were read.
fn read_full(reader: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn decode_all(codec: &mut NativeCodec, stream: &[u8], splits: &[usize]) -> Result<Vec<Bytes>, FrameError> {
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        let mut pos = 0;
        for &s in splits.iter().chain(std::iter::once(&stream.len())) {
            let end = s.clamp(pos, stream.len());
            buf.extend_from_slice(&stream[pos..end]);
            pos = end;
            while let Some(f) = codec.decode(&mut buf)? {
                out.push(f);
            }
        }
        if let Some(f) = codec.decode_eof(&mut buf)? {
            out.push(f);
        }
        Ok(out)
    }

    #[test]
    fn round_trip() {
        let mut codec = NativeCodec::new(1024);
        let mut buf = BytesMut::new();
        codec.encode(br#"{"id":"1"}"#.as_slice(), &mut buf).unwrap();
        codec.encode(b"".as_slice(), &mut buf).unwrap();
        assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), &br#"{"id":"1"}"#[..]);
        assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), &b""[..]);
        assert!(codec.decode(&mut buf).unwrap().is_none());
    }

    #[test]
    fn oversize_header_is_rejected_without_allocating() {
        let mut codec = NativeCodec::new(64);
        let mut buf = BytesMut::from(&u32::MAX.to_ne_bytes()[..]);
        assert!(matches!(codec.decode(&mut buf), Err(FrameError::TooLarge { .. })));
    }

    #[test]
    fn truncated_frame_at_eof_is_an_error() {
        let mut codec = NativeCodec::new(64);
        let mut stream = encode_frame(b"hello");
        stream.truncate(7);
        assert!(matches!(decode_all(&mut codec, &stream, &[]), Err(FrameError::Truncated { .. })));
    }

    /// Every frame `read_frame` finds in `stream`, up to its end or its first error.
    fn read_all(stream: &[u8], max_len: usize) -> Result<Vec<Vec<u8>>, FrameError> {
        let mut reader = stream;
        let mut out = Vec::new();
        while let Some(frame) = read_frame(&mut reader, max_len)? {
            out.push(frame);
        }
        Ok(out)
    }

    #[test]
    fn read_frame_reads_what_encode_frame_wrote_then_none_at_eof() {
        let stream = [encode_frame(br#"{"id":"1"}"#), encode_frame(b"")].concat();
        assert_eq!(read_all(&stream, 64).unwrap(), [br#"{"id":"1"}"#.to_vec(), Vec::new()]);
    }

    #[test]
    fn read_frame_refuses_an_oversize_header_without_allocating() {
        let mut reader = &u32::MAX.to_ne_bytes()[..];
        assert!(matches!(
            read_frame(&mut reader, 64),
            Err(FrameError::TooLarge { len, max: 64 }) if len == u32::MAX as usize
        ));
        // The limit itself is allowed, as in the decoder.
        assert_eq!(read_all(&encode_frame(&[7; 64]), 64).unwrap(), [vec![7; 64]]);
    }

    #[test]
    fn read_frame_reports_a_stream_ending_inside_a_frame() {
        let stream = encode_frame(b"hello");
        assert!(matches!(read_all(&stream[..2], 64), Err(FrameError::Truncated { have: 2, want: 4 })));
        assert!(matches!(read_all(&stream[..7], 64), Err(FrameError::Truncated { have: 7, want: 9 })));
    }

    /// A reader that hands out one byte per call, as a pipe may.
    struct Trickle<'a>(&'a [u8]);

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let Some((first, rest)) = self.0.split_first() else { return Ok(0) };
            match buf.first_mut() {
                Some(slot) => {
                    *slot = *first;
                    self.0 = rest;
                    Ok(1)
                }
                None => Ok(0),
            }
        }
    }

    #[test]
    fn read_frame_assembles_frames_from_short_reads() {
        let stream = [encode_frame(b"ab"), encode_frame(b"cde")].concat();
        let mut reader = Trickle(&stream);
        assert_eq!(read_frame(&mut reader, 64).unwrap().unwrap(), b"ab");
        assert_eq!(read_frame(&mut reader, 64).unwrap().unwrap(), b"cde");
        assert!(read_frame(&mut reader, 64).unwrap().is_none());
    }

    proptest! {
        #[test]
        fn read_frame_and_the_decoder_agree_on_any_stream(
            stream in prop::collection::vec(any::<u8>(), 0..600),
            max_len in 0usize..300,
        ) {
            let decoded = decode_all(&mut NativeCodec::new(max_len), &stream, &[]);
            match (read_all(&stream, max_len), decoded) {
                (Ok(read), Ok(decoded)) => {
                    prop_assert_eq!(read.len(), decoded.len());
                    for (r, d) in read.iter().zip(&decoded) {
                        prop_assert_eq!(&r[..], &d[..]);
                    }
                }
                (Err(FrameError::TooLarge { len: a, .. }), Err(FrameError::TooLarge { len: b, .. })) => prop_assert_eq!(a, b),
                (Err(FrameError::Truncated { have: a, want: x }), Err(FrameError::Truncated { have: b, want: y })) => {
                    prop_assert_eq!((a, x), (b, y));
                }
                (read, decoded) => prop_assert!(false, "read_frame {:?}, decoder {:?}", read.err(), decoded.err()),
            }
        }

        #[test]
        fn valid_streams_decode_identically_under_any_split(
            payloads in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..8),
            splits in prop::collection::vec(0usize..3000, 0..20),
        ) {
            let stream: Vec<u8> = payloads.iter().flat_map(|p| encode_frame(p)).collect();
            let mut splits = splits;
            splits.sort_unstable();
            let got = decode_all(&mut NativeCodec::new(1024), &stream, &splits).unwrap();
            prop_assert_eq!(got.len(), payloads.len());
            for (g, p) in got.iter().zip(&payloads) {
                prop_assert_eq!(&g[..], &p[..]);
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(
            stream in prop::collection::vec(any::<u8>(), 0..2000),
            splits in prop::collection::vec(0usize..2000, 0..20),
        ) {
            let mut splits = splits;
            splits.sort_unstable();
            let _ = decode_all(&mut NativeCodec::new(512), &stream, &splits);
        }
    }
}
