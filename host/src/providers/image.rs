//! Pictures sent to vision models, with the media type read from the bytes themselves.

use std::sync::{Arc, OnceLock};

use base64::Engine;
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

/// A decoded picture. Clones share the bytes and the base64 form.
#[derive(Debug, Clone)]
pub struct Image {
    pub bytes: Bytes,
    pub media_type: MediaType,
    /// What the HTTP providers send, made at most once: every retry and every provider
    /// reuses it.
    base64: Arc<OnceLock<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("not valid base64: {0}")]
    Base64(String),
    #[error("not a JPEG, PNG, WebP or GIF image")]
    Format,
}

impl Image {
    /// Accept the bytes if they are a picture format the providers take.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Option<Image> {
        let bytes = bytes.into();
        MediaType::sniff(&bytes).map(|media_type| Image { bytes, media_type, base64: Arc::default() })
    }

    /// Decode a picture sent as base64 (no `data:` prefix), keeping the text as its base64
    /// form: the standard alphabet decodes only canonical text, so it is exactly what
    /// encoding the bytes would give.
    pub fn from_base64(text: String) -> Result<Image, ImageError> {
        let text = match text.trim() {
            trimmed if trimmed.len() == text.len() => text,
            trimmed => trimmed.to_owned(),
        };
        let bytes = base64::engine::general_purpose::STANDARD.decode(&text).map_err(|e| ImageError::Base64(e.to_string()))?;
        let image = Image::from_bytes(bytes).ok_or(ImageError::Format)?;
        let _ = image.base64.set(text);
        Ok(image)
    }

    /// The bytes as standard base64, encoded on first use.
    pub fn base64(&self) -> &str {
        self.base64.get_or_init(|| base64::engine::general_purpose::STANDARD.encode(&self.bytes))
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

    #[test]
    fn base64_is_made_once_and_shared_by_clones() {
        let image = Image::from_bytes(b"\x89PNG\r\n\x1a\nrest".to_vec()).unwrap();
        let copy = image.clone();
        let encoded = base64::engine::general_purpose::STANDARD.encode(&image.bytes);
        assert_eq!(copy.base64(), encoded);
        assert!(std::ptr::eq(image.base64(), copy.base64()), "one string, made once");
    }

    #[test]
    fn base64_text_is_decoded_once_and_kept() {
        let encoded = base64::engine::general_purpose::STANDARD.encode([0xFF, 0xD8, 0xFF, 0xE0, 7, 7, 7]);
        let image = Image::from_base64(format!(" {encoded}\n")).unwrap();
        assert_eq!((image.media_type, &image.bytes[..]), (MediaType::Jpeg, &[0xFF, 0xD8, 0xFF, 0xE0, 7, 7, 7][..]));
        assert_eq!(image.base64(), encoded);
        assert!(matches!(Image::from_base64("***".into()), Err(ImageError::Base64(_))));
        let html = base64::engine::general_purpose::STANDARD.encode("<html>");
        assert_eq!(Image::from_base64(html).unwrap_err(), ImageError::Format);
        // Non-canonical padding bits are refused, so a kept text always equals the encoding.
        assert!(Image::from_base64("/9j/4Q==".replace("Q==", "R==")).is_err());
    }

    proptest! {
        #[test]
        fn sniffing_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = MediaType::sniff(&bytes);
        }
    }
}
