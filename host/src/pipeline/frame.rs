//! Frame translation: the picture from the player, a prompt that asks for the visible
//! text as items (original, translation, region), and the answer read as it is written:
//! each item as soon as it is whole, or the text itself from a model that ignored the
//! format (see [`frame_items`](super::frame_items)).

use std::sync::Arc;

use glossa_protocol::text;
use glossa_protocol::{ErrorCode, ErrorInfo, FrameRequest, Timings, Usage};

use super::frame_items::{FramePiece, ItemReader};
use super::language::describe;
use crate::providers::{AnswerFormat, ChatRequest, Image, ImageError, Provider};

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
/// 1536 px on the long edge, a JPEG of a few hundred KiB).
pub const MAX_IMAGE_BYTES: usize = 20 * 1024 * 1024;

/// 2: items as JSON (original, translation, region), the video's title as context.
pub const FRAME_PROMPT_VERSION: u32 = 2;

/// Longest title passed to the model: context, not a second prompt.
const MAX_TITLE_CHARS: usize = 200;

/// A frame to translate as the viewer asked for it: the decoded picture, and the languages
/// and layout requested (resolved against the settings into a [`FrameJob`] by `crate::resolve`).
#[derive(Debug, Clone)]
pub struct Frame {
    pub image: Image,
    /// Target language; the setting when absent.
    pub to: Option<String>,
    pub from: Option<String>,
    pub with_original: bool,
    /// The video's title, as context.
    pub title: Option<String>,
}

impl Frame {
    /// Decode and check the picture the extension sent (once: its base64 text is kept for
    /// the providers that send base64).
    pub fn from_request(request: FrameRequest) -> Result<Frame, ErrorInfo> {
        let FrameRequest { image, to, from, with_original, items: _, title } = request;
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
        Ok(Frame { image, to, from, with_original, title })
    }
}

/// What the frame prompt asks the model to read and how to answer (the wording keys
/// nothing but [`FRAME_PROMPT_VERSION`] does).
pub fn system_prompt(to: &str, from: Option<&str>, title: Option<&str>) -> String {
    let from = from.map(|f| format!(" The text is in {}.", describe(f))).unwrap_or_default();
    let title = title.map(clean_title).filter(|t| !t.is_empty());
    let title = title
        .map(|t| format!(" The frame is from a video titled \"{t}\": use it as context for names and terms only."))
        .unwrap_or_default();
    let to = describe(to);
    format!(
        "You translate the text visible in video frames.{from}{title} Read every piece of readable \
         text in the image (captions, signs, slides, labels, on-screen titles) and translate it into \
         {to}. Skip logos, watermarks, channel names and text already written in {to}. Answer with \
         JSON only, in reading order: {{\"items\":[{{\"original\":\"the text as written\",\"translation\":\"its \
         translation\",\"box\":[x,y,width,height]}}]}}, where box is the text's region as fractions \
         (0 to 1) of the image's width and height, or null when you cannot tell. Keep each line of \
         text as one item. If there is no text to translate, answer {{\"items\":[]}}."
    )
}

/// The title on one line, without control characters, at most [`MAX_TITLE_CHARS`].
fn clean_title(title: &str) -> String {
    let one_line: String = title.chars().map(|c| if c.is_control() { ' ' } else { c }).take(MAX_TITLE_CHARS).collect();
    one_line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The answer's shape, for providers that can hold a model to it.
pub fn answer_format() -> AnswerFormat {
    let region = serde_json::json!({
        "anyOf": [
            {"type": "array", "items": {"type": "number"}, "description": "[x, y, width, height] in fractions (0-1) of the image"},
            {"type": "null"}
        ]
    });
    AnswerFormat {
        name: "frame_items".into(),
        schema: serde_json::json!({
            "type": "object",
            "properties": {
                "items": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "original": {"type": "string"},
                            "translation": {"type": "string"},
                            "box": region
                        },
                        "required": ["original", "translation", "box"],
                        "additionalProperties": false
                    }
                }
            },
            "required": ["items"],
            "additionalProperties": false
        }),
    }
}

/// An item as plain text: its translation, after its original when asked for (the CLI's
/// output, and `delta` text for extensions that do not take items).
pub fn item_text(item: &glossa_protocol::FrameItem, with_original: bool) -> String {
    if with_original && !item.original.is_empty() && item.original != item.translation {
        format!("{}\n{}", item.original, item.translation)
    } else {
        item.translation.clone()
    }
}

/// Run `job` on `image`, handing each item (or, from a model that ignored the format, each
/// piece of text) to `on_piece` as soon as it is read.
pub async fn read(
    job: &FrameJob,
    image: &Image,
    title: Option<&str>,
    on_piece: &mut (dyn FnMut(FramePiece) + Send),
) -> Result<(Usage, Timings), ErrorInfo> {
    // The picture at the size the model reads (a larger one it would only scale down
    // itself, after the bytes were sent); decoding and scaling is blocking work.
    let budget = job.provider.image_budget(&job.model).await;
    let original = image.clone();
    let started = std::time::Instant::now();
    let (image, size) = tokio::task::spawn_blocking(move || original.fitted(&budget)).await.unwrap_or_else(|_| (image.clone(), None));
    tracing::debug!(?size, bytes = image.bytes.len(), ms = started.elapsed().as_millis() as u64, "picture fitted to the model");
    let chat = ChatRequest {
        model: job.model.clone(),
        system: system_prompt(&job.to, job.from.as_deref(), title),
        user: format!("Read and translate the text in this picture into {}.", describe(&job.to)),
        image: Some(image),
        max_tokens: 1024,
        temperature: 0.2,
        answer_format: Some(answer_format()),
    };
    let mut reader = ItemReader::default();
    let mut on_delta = |text: &str| reader.push(text).into_iter().for_each(&mut *on_piece);
    let result = super::stream::run(job.provider.as_ref(), &chat, &mut on_delta).await;
    // What a cut-short answer did say still shows.
    reader.finish().into_iter().for_each(&mut *on_piece);
    let (mut usage, ms) = result?;
    // The provider's own count when it gives one, else its documented formula.
    usage.image_tokens = usage.image_tokens.or_else(|| size.and_then(|(w, h)| budget.tokens(w, h)));
    Ok((usage, ms))
}

/// Run `job` on `image`, streaming the answer as plain text through `on_delta`: each item
/// on its own line (with its original when the job asks for it), or the model's own text.
pub async fn translate(job: &FrameJob, image: &Image, on_delta: &mut (dyn FnMut(&str) + Send)) -> Result<(Usage, Timings), ErrorInfo> {
    let with_original = job.with_original;
    let mut items = 0;
    let mut on_piece = |piece: FramePiece| match piece {
        FramePiece::Text(text) => on_delta(&text),
        FramePiece::Item(item) => {
            let line = item_text(&item, with_original);
            on_delta(&if items == 0 { line } else { format!("\n{line}") });
            items += 1;
        }
    };
    read(job, image, None, &mut on_piece).await
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    use super::*;

    fn job(answer: &[&str], with_original: bool) -> FrameJob {
        let provider = Arc::new(crate::providers::scripted::Scripted::answering(answer));
        FrameJob { provider, model: "m".into(), to: "ja".into(), from: None, with_original }
    }

    fn png() -> Image {
        Image::from_bytes(b"\x89PNG\r\n\x1a\nrest".to_vec()).expect("a PNG header")
    }

    const ITEMS: [&str; 3] = [
        "{\"items\":[{\"original\":\"Open 9am\",\"translation\":\"午前9時開店\",\"box\":[0.1,0.2,0.5,0.1]}",
        ",{\"original\":\"Exit B\",\"translation\":\"B出口\",\"box\":null}",
        "]}",
    ];

    #[tokio::test(start_paused = true)]
    async fn items_are_handed_on_one_by_one_with_their_originals() {
        let mut seen = Vec::new();
        read(&job(&ITEMS, false), &png(), Some("Tokyo walk"), &mut |p| seen.push(p)).await.expect("answer");
        let items: Vec<_> = seen
            .iter()
            .map(|p| match p {
                FramePiece::Item(i) => (i.original.as_str(), i.translation.as_str(), i.region),
                FramePiece::Text(t) => panic!("text {t:?}"),
            })
            .collect();
        assert_eq!(items, vec![("Open 9am", "午前9時開店", Some([0.1, 0.2, 0.5, 0.1])), ("Exit B", "B出口", None)]);
    }

    #[tokio::test(start_paused = true)]
    async fn plain_output_is_one_line_per_item_or_the_models_own_text() {
        let mut shown = String::new();
        translate(&job(&ITEMS, true), &png(), &mut |t: &str| shown.push_str(t)).await.expect("answer");
        assert_eq!(shown, "Open 9am\n午前9時開店\nExit B\nB出口");
        shown.clear();
        translate(&job(&ITEMS, false), &png(), &mut |t: &str| shown.push_str(t)).await.expect("answer");
        assert_eq!(shown, "午前9時開店\nB出口");
        shown.clear();
        translate(&job(&["午前9時", "開店"], true), &png(), &mut |t: &str| shown.push_str(t)).await.expect("answer");
        assert_eq!(shown, "午前9時開店", "a model that ignores the format is shown as it wrote");
    }

    #[tokio::test]
    async fn the_picture_is_sent_at_the_models_size_and_its_tokens_reported() {
        use crate::providers::scripted::Scripted;
        use crate::providers::ImageTokens;
        let picture = image::RgbImage::from_pixel(1920, 1080, image::Rgb([30, 60, 90]));
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80).encode_image(&picture).expect("encode");
        let mut provider = Scripted::answering(&["{\"items\":[]}"]);
        provider.budget = crate::providers::ImageBudget {
            long_edge: 2048,
            short_edge: Some(768),
            pixels: None,
            tokens: ImageTokens::Tiles { base: 85, per_tile: 170, tile: 512 },
        };
        let provider = Arc::new(provider);
        let job = FrameJob { provider: provider.clone(), model: "m".into(), to: "ja".into(), from: None, with_original: false };
        let (usage, _) = read(&job, &Image::from_bytes(jpeg).expect("jpeg"), None, &mut |_| {}).await.expect("answer");
        assert_eq!(usage.image_tokens, Some(85 + 170 * 6));
        let seen = provider.seen.lock().unwrap();
        assert_eq!(seen[0].image.as_ref().and_then(Image::size), Some((1365, 768)));
        assert_eq!(seen[0].answer_format.as_ref().map(|f| f.name.as_str()), Some("frame_items"));
    }

    #[test]
    fn the_prompt_asks_for_items_and_names_the_title() {
        let prompt = system_prompt("ja", Some("en"), Some("Tokyo\nwalk \u{7} at night"));
        assert!(prompt.contains("titled \"Tokyo walk at night\""), "{prompt}");
        assert!(prompt.contains("Skip logos, watermarks"), "{prompt}");
        assert!(prompt.contains("already written in Japanese"), "{prompt}");
        assert!(prompt.contains("\"items\""), "{prompt}");
        assert!(!system_prompt("ja", None, Some(" ")).contains("titled"));
        assert_eq!(answer_format().name, "frame_items");
        assert_eq!(answer_format().schema["type"], "object");
    }

    #[test]
    fn rejects_non_images_and_oversize() {
        let decode = |image: String| {
            Frame::from_request(FrameRequest { image, to: None, from: None, with_original: false, items: true, title: None })
        };
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
