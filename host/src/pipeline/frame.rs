//! Frame translation: the picture from the player, a prompt that asks for the visible
//! text translated, and the answer streamed back as it is written.

use std::sync::Arc;

use glossa_protocol::text;
use glossa_protocol::{ErrorCode, ErrorInfo, FrameRequest, Timings, Usage};

use super::language::describe;
use crate::providers::{ChatRequest, Image, ImageError, Provider};

/// Who reads the picture, with which model, into which language (built by `crate::resolve`).
pub struct FrameJob {
    pub provider: Arc<dyn Provider>,
    pub model: String,
    pub to: String,
    pub from: Option<String>,
    /// Write each original line above its translation.
    pub with_original: bool,
}

/// Pictures larger than this are refused before any work (the extension caps frames at
/// 1920 px wide JPEG, a few hundred KiB).
pub const MAX_IMAGE_BYTES: usize = 20 * 1024 * 1024;

pub const FRAME_PROMPT_VERSION: u32 = 1;

/// A frame to translate as the viewer asked for it: the decoded picture, and the languages
/// and layout requested (resolved against the settings into a [`FrameJob`] by `crate::resolve`).
#[derive(Debug, Clone)]
pub struct Frame {
    pub image: Image,
    /// Target language; the setting when absent.
    pub to: Option<String>,
    pub from: Option<String>,
    pub with_original: bool,
}

impl Frame {
    /// Decode and check the picture the extension sent (once: its base64 text is kept for
    /// the providers that send base64).
    pub fn from_request(request: FrameRequest) -> Result<Frame, ErrorInfo> {
        let FrameRequest { image, to, from, with_original } = request;
        if image.len() > MAX_IMAGE_BYTES / 3 * 4 + 4 {
            return Err(ErrorInfo::localized(
                ErrorCode::TooLarge,
                text::ERR_PICTURE_TOO_LARGE.with([(image.len() * 3 / 4 / (1 << 20)).into(), (MAX_IMAGE_BYTES >> 20).into()]),
                Some(text::HINT_SMALLER_REGION.text()),
            ));
        }
        let image = Image::from_base64(image).map_err(|e| match e {
            ImageError::Base64(e) => ErrorInfo::localized(
                ErrorCode::BadImage,
                text::ERR_PICTURE_BASE64.with([e.into()]),
                Some(text::HINT_RELOAD_EXTENSION.text()),
            ),
            ImageError::Format => {
                ErrorInfo::localized(ErrorCode::BadImage, text::ERR_PICTURE_FORMAT, Some(text::HINT_CAPTURE_AGAIN.text()))
            }
        })?;
        Ok(Frame { image, to, from, with_original })
    }
}

pub fn system_prompt(to: &str, from: Option<&str>, with_original: bool) -> String {
    let from = from.map(|f| format!(" The text is in {}.", describe(f))).unwrap_or_default();
    let to = describe(to);
    let answer = if with_original {
        "For each line, write the original text, then on the next line its translation."
    } else {
        "Answer with the translation only: no preamble, no notes, no quotation marks."
    };
    format!(
        "You translate the text visible in video frames.{from} Transcribe every piece of readable \
         text in the image (captions, signs, slides, labels) and translate it into {to}. Keep \
         the line structure and reading order. {answer} If there is no readable text, answer \
         with an empty reply."
    )
}

/// Run `job` on `image`, streaming deltas through `on_delta`.
pub async fn translate(job: &FrameJob, image: &Image, on_delta: &mut (dyn FnMut(&str) + Send)) -> Result<(Usage, Timings), ErrorInfo> {
    let chat = ChatRequest {
        model: job.model.clone(),
        system: system_prompt(&job.to, job.from.as_deref(), job.with_original),
        user: format!("Translate the text in this picture into {}.", describe(&job.to)),
        image: Some(image.clone()),
        max_tokens: 1024,
        temperature: 0.2,
        answer_format: None,
    };
    super::stream::run(job.provider.as_ref(), &chat, on_delta).await
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    use super::*;

    #[test]
    fn rejects_non_images_and_oversize() {
        let decode = |image: String| Frame::from_request(FrameRequest { image, to: None, from: None, with_original: false });
        let html = base64::engine::general_purpose::STANDARD.encode("<html>proxy error</html>");
        assert_eq!(decode(html).unwrap_err().code, ErrorCode::BadImage);
        assert_eq!(decode("***".into()).unwrap_err().code, ErrorCode::BadImage);
        assert_eq!(decode("A".repeat(MAX_IMAGE_BYTES * 2)).unwrap_err().code, ErrorCode::TooLarge);
        let png = base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\nrest");
        let frame = decode(png.clone()).unwrap();
        assert_eq!(frame.image.media_type.mime(), "image/png");
        assert_eq!(frame.image.base64(), png, "the text sent is the text the providers send");
    }
}
