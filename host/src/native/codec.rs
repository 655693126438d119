//! Native-messaging framing: a 4-byte length in native byte order, then that many bytes
//! of UTF-8 JSON. Used in both directions; the decoder enforces the inbound size limit.

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
        let len = NativeEndian::read_u32(&src[..HEADER]) as usize;
        if len > self.max_len {
            return Err(FrameError::TooLarge { len, max: self.max_len });
        }
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
                let want = if src.len() >= HEADER {
                    NativeEndian::read_u32(&src[..HEADER]) as usize + HEADER
                } else {
                    HEADER
                };
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
        let mut header = [0u8; HEADER];
        NativeEndian::write_u32(&mut header, item.len() as u32);
        dst.put_slice(&header);
        dst.put_slice(item);
        Ok(())
    }
}

/// Encode one frame into a fresh buffer (tests, benchmarks and the CLI use this).
pub fn encode_frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + payload.len());
    let mut header = [0u8; HEADER];
    NativeEndian::write_u32(&mut header, payload.len() as u32);
    out.extend_from_slice(&header);
    out.extend_from_slice(payload);
    out
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

    proptest! {
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
