//! Pictures sent to vision models, with the media type read from the bytes themselves.

use bytes::Bytes;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    Jpeg,
    Png,
    Webp,
    Gif,
}

impl MediaType {
    /// Sniff the format from the file's magic bytes.
    pub fn sniff(bytes: &[u8]) -> Option<MediaType> {
        match bytes {
            [0xFF, 0xD8, 0xFF, ..] => Some(MediaType::Jpeg),
            [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some(MediaType::Png),
            [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some(MediaType::Webp),
            [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some(MediaType::Gif),
            _ => None,
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            MediaType::Webp => "image/webp",
            MediaType::Gif => "image/gif",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Image {
    pub bytes: Bytes,
    pub media_type: MediaType,
}

impl Image {
    /// Accept the bytes if they are a picture format the providers take.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Option<Image> {
        let bytes = bytes.into();
        MediaType::sniff(&bytes).map(|media_type| Image { bytes, media_type })
    }

    pub fn base64(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(&self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sniffs_common_formats() {
        assert_eq!(MediaType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(MediaType::Jpeg));
        assert_eq!(MediaType::sniff(b"\x89PNG\r\n\x1a\n...."), Some(MediaType::Png));
        assert_eq!(MediaType::sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(MediaType::Webp));
        assert_eq!(MediaType::sniff(b"GIF89a...."), Some(MediaType::Gif));
        assert_eq!(MediaType::sniff(b"<html>"), None);
        assert_eq!(MediaType::sniff(b""), None);
    }

    proptest! {
        #[test]
        fn sniffing_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = MediaType::sniff(&bytes);
        }
    }
}
