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

/// The largest picture a model reads as it is: a larger one it scales down itself, so
/// sending more costs bytes and encoding time for nothing. Each provider says its own
/// ([`Provider::image_budget`](super::Provider::image_budget)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageBudget {
    /// Longest edge, px.
    pub long_edge: u32,
    /// Shortest edge, px, when the model scales that down too (OpenAI: 768).
    pub short_edge: Option<u32>,
    /// Most pixels, when the model caps the area (Anthropic: about 1.15 megapixels).
    pub pixels: Option<u64>,
    /// What a picture of a given size costs, when the provider documents it.
    pub tokens: ImageTokens,
}

/// A provider's documented price of a picture in tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageTokens {
    /// width × height / this (Anthropic: 750).
    PerPixels(u64),
    /// `base` plus `per_tile` for each `tile`-px square the picture covers (OpenAI: 85 + 170 per 512 px).
    Tiles {
        base: u64,
        per_tile: u64,
        tile: u32,
    },
    /// A fixed count, whatever the size (a projector that reads one square of its own size).
    Fixed(u64),
    Unknown,
}

impl ImageBudget {
    /// A budget for a model whose provider says nothing: large enough to keep small text
    /// readable, no larger than most vision encoders read anyway.
    pub const DEFAULT: ImageBudget = ImageBudget { long_edge: 1536, short_edge: None, pixels: None, tokens: ImageTokens::Unknown };

    /// A local model's budget from its projector: an encoder that reads the whole picture as
    /// one square of `image_size` (Gemma 3, LLaVA 1.5, SigLIP-based) never sees more than that
    /// square's side; projectors that read tiles or any resolution (`DYNAMIC_PROJECTORS`) read
    /// more, and get the default.
    pub fn for_projector(image_size: u32, projector_type: Option<&str>) -> ImageBudget {
        let dynamic = projector_type.is_some_and(|t| DYNAMIC_PROJECTORS.iter().any(|d| t.eq_ignore_ascii_case(d)));
        if dynamic || image_size < 224 {
            return ImageBudget::DEFAULT;
        }
        ImageBudget { long_edge: image_size, ..ImageBudget::DEFAULT }
    }

    /// The size a `width`×`height` picture is sent at: scaled down (never up), keeping its
    /// shape, until it is within every limit.
    pub fn fit(&self, width: u32, height: u32) -> (u32, u32) {
        let (w, h) = (f64::from(width.max(1)), f64::from(height.max(1)));
        let mut scale = (f64::from(self.long_edge) / w.max(h)).min(1.0);
        if let Some(short) = self.short_edge {
            scale = scale.min(f64::from(short) / w.min(h));
        }
        if let Some(pixels) = self.pixels {
            scale = scale.min((pixels as f64 / (w * h)).sqrt());
        }
        if scale >= 1.0 {
            return (width, height);
        }
        (((w * scale).floor() as u32).max(1), ((h * scale).floor() as u32).max(1))
    }

    /// The picture's tokens by the provider's formula, for a picture already within budget.
    pub fn tokens(&self, width: u32, height: u32) -> Option<u64> {
        let (w, h) = (u64::from(width), u64::from(height));
        match self.tokens {
            ImageTokens::PerPixels(per) => Some((w * h).div_ceil(per.max(1))),
            ImageTokens::Tiles { base, per_tile, tile } => {
                let tile = u64::from(tile.max(1));
                Some(base + per_tile * w.div_ceil(tile) * h.div_ceil(tile))
            }
            ImageTokens::Fixed(n) => Some(n),
            ImageTokens::Unknown => None,
        }
    }
}

/// llama.cpp projector types that read a picture in tiles or at its own resolution.
const DYNAMIC_PROJECTORS: &[&str] = &[
    "qwen2vl_merger",
    "qwen2.5vl_merger",
    "qwen3vl_merger",
    "qwen2vl",
    "qwen2.5vl",
    "qwen25vl",
    "qwen3vl",
    "pixtral",
    "idefics3",
    "llama4",
    "minicpmv",
    "kimivl",
    "lfm2",
    "internvl",
];

/// JPEG quality of a scaled picture: small text stays sharp.
const SCALED_JPEG_QUALITY: u8 = 90;

impl Image {
    /// Width and height, read from the file's header (nothing is decoded).
    pub fn size(&self) -> Option<(u32, u32)> {
        image::ImageReader::with_format(std::io::Cursor::new(&self.bytes[..]), self.media_type.format()).into_dimensions().ok()
    }

    /// The picture as `budget` wants it: itself when it is within it, else scaled down and
    /// sent as JPEG. With its size (`None` when it cannot be read: it is then sent as it came,
    /// and the provider says what it thinks of it).
    pub fn fitted(&self, budget: &ImageBudget) -> (Image, Option<(u32, u32)>) {
        let Some((width, height)) = self.size() else { return (self.clone(), None) };
        let (w, h) = budget.fit(width, height);
        if (w, h) == (width, height) {
            return (self.clone(), Some((w, h)));
        }
        match self.scaled(w, h) {
            Some(image) => (image, Some((w, h))),
            None => (self.clone(), Some((width, height))),
        }
    }

    fn scaled(&self, width: u32, height: u32) -> Option<Image> {
        let picture = image::load_from_memory_with_format(&self.bytes, self.media_type.format()).ok()?;
        let rgb = picture.resize_exact(width, height, image::imageops::FilterType::Triangle).into_rgb8();
        let mut out = Vec::new();
        // `encode`, not the generic `encode_image`: generic code is compiled with the caller's
        // optimisation, and this loop is the slow part of an unoptimised build.
        let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, SCALED_JPEG_QUALITY);
        encoder.encode(rgb.as_raw(), width, height, image::ExtendedColorType::Rgb8).ok()?;
        Image::from_bytes(out)
    }
}

impl MediaType {
    fn format(self) -> image::ImageFormat {
        match self {
            MediaType::Jpeg => image::ImageFormat::Jpeg,
            MediaType::Png => image::ImageFormat::Png,
            MediaType::Webp => image::ImageFormat::WebP,
            MediaType::Gif => image::ImageFormat::Gif,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANTHROPIC: ImageBudget =
        ImageBudget { long_edge: 1568, short_edge: None, pixels: Some(1_150_000), tokens: ImageTokens::PerPixels(750) };
    const OPENAI: ImageBudget = ImageBudget {
        long_edge: 2048,
        short_edge: Some(768),
        pixels: None,
        tokens: ImageTokens::Tiles { base: 85, per_tile: 170, tile: 512 },
    };

    #[test]
    fn budgets_scale_down_never_up_keeping_the_shape() {
        // 1080p: Anthropic's area cap (1.15 MP) binds before its long edge.
        assert_eq!(ANTHROPIC.fit(1920, 1080), (1429, 804));
        assert_eq!(ANTHROPIC.tokens(1429, 804), Some(1532));
        // OpenAI: the short side to 768, then 3×2 tiles of 512.
        assert_eq!(OPENAI.fit(1920, 1080), (1365, 768));
        assert_eq!(OPENAI.tokens(1365, 768), Some(85 + 170 * 6));
        assert_eq!(OPENAI.fit(400, 300), (400, 300), "small pictures are sent as they are");
        assert_eq!(ImageBudget::DEFAULT.fit(3000, 1000), (1536, 512));
        assert_eq!(ImageBudget::DEFAULT.tokens(10, 10), None);
        assert_eq!(ImageBudget::for_projector(896, Some("gemma3")).fit(1920, 1080), (896, 504));
        assert_eq!(ImageBudget::for_projector(560, Some("qwen2.5vl_merger")), ImageBudget::DEFAULT);
        assert_eq!(ImageBudget::for_projector(384, Some("idefics3")), ImageBudget::DEFAULT);
    }

    fn jpeg(width: u32, height: u32) -> Image {
        let picture = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80).encode_image(&picture).unwrap();
        Image::from_bytes(out).unwrap()
    }

    #[test]
    fn a_picture_over_budget_is_sent_scaled_one_within_as_it_came() {
        let big = jpeg(1920, 1080);
        assert_eq!(big.size(), Some((1920, 1080)));
        let (sent, size) = big.fitted(&OPENAI);
        assert_eq!((size, sent.size(), sent.media_type), (Some((1365, 768)), Some((1365, 768)), MediaType::Jpeg));
        let small = jpeg(640, 360);
        let (sent, size) = small.fitted(&OPENAI);
        assert_eq!(size, Some((640, 360)));
        assert!(std::ptr::eq(sent.bytes.as_ptr(), small.bytes.as_ptr()), "not re-encoded");
        let unreadable = Image::from_bytes(b"\x89PNG\r\n\x1a\nrest".to_vec()).unwrap();
        assert_eq!(unreadable.fitted(&OPENAI).1, None);
    }
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
