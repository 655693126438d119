//! A frame of the video shown to the subtitle model with a batch (setting
//! `subtitles.video_context`), so gender, pronouns and on-screen terms resolve from what
//! is seen.
//!
//! The page can only capture the frame the viewer sees, not one of the lines ahead, so it
//! sends the current frame with the track request and a fresh one with its playhead
//! reports as playback moves on; a batch takes the freshest frame when it was taken near
//! the batch's lines, and goes without one otherwise. A picture is context, not part of
//! a line's cache key: a line is cached alike with or without one.

use std::sync::{Arc, Mutex};

use crate::providers::{Image, Provider};

/// One frame, and where in the video it was taken.
#[derive(Debug, Clone)]
pub struct Keyframe {
    pub at: f64,
    pub image: Image,
}

impl PartialEq for Keyframe {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.image.bytes == other.image.bytes
    }
}

/// How far before a batch's first line (seconds of playback) a frame is still taken to
/// show its scene: about the time a batch is started ahead of its lines.
pub const REACH_SECS: f64 = 30.0;

/// A keyframe larger than this is refused: the page sends about 384 px (a few tens of KB).
const MAX_BYTES: usize = 512 * 1024;

/// The freshest frame of a running track, shared by the request (which receives frames)
/// and its batches (which read them).
#[derive(Debug, Clone, Default)]
pub struct Keyframes(Arc<Mutex<Option<Keyframe>>>);

impl Keyframes {
    /// Keep `frame` as the freshest, if it is a picture of a sane size; says whether it was kept.
    pub fn put(&self, frame: glossa_protocol::Keyframe) -> bool {
        let image = match Image::from_base64(frame.image) {
            Ok(image) if image.bytes.len() <= MAX_BYTES && frame.at.is_finite() => image,
            Ok(_) => return false,
            Err(e) => {
                tracing::debug!("keyframe refused: {e}");
                return false;
            }
        };
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Keyframe { at: frame.at, image });
        true
    }

    /// The freshest frame, if it was taken from `REACH_SECS` before `start` to `end`.
    pub fn near(&self, start: f64, end: f64) -> Option<Keyframe> {
        let frame = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        frame.as_ref().filter(|f| f.at >= start - REACH_SECS && f.at <= end).cloned()
    }
}

/// Whether a track's batches are shown frames: the setting is on and the subtitle model
/// reads images (a model that does not never receives one).
pub async fn wanted(setting: bool, provider: &dyn Provider, model: &str) -> bool {
    if !setting {
        return false;
    }
    match provider.model_name(model).await {
        Ok(name) => provider.reads_images(&name).await,
        Err(_) => false,
    }
}

/// Tokens a frame and its note take in a call, by the provider's documented price of a
/// [`KEYFRAME_EDGE`](glossa_protocol::KEYFRAME_EDGE) picture (16:9), or a generous guess
/// when it documents none.
pub async fn tokens(provider: &dyn Provider, model: &str) -> u32 {
    let edge = glossa_protocol::KEYFRAME_EDGE;
    let picture = provider.image_budget(model).await.tokens(edge, edge * 9 / 16).unwrap_or(768);
    u32::try_from(picture).unwrap_or(u32::MAX).saturating_add(super::prompt::PICTURE_NOTE.len() as u32 / 3)
}

/// `options` with batches that leave room for a frame in a provider's small context
/// (the built-in backend's); unchanged when its context is large.
pub async fn leave_room(options: super::TrackOptions, provider: &dyn Provider, model: &str) -> super::TrackOptions {
    let Some(context) = provider.context_tokens() else { return options };
    let room = tokens(provider, model).await;
    super::TrackOptions { sizes: super::batch::BatchSizes::default().fitted(Some(context.saturating_sub(room))), ..options }
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    use super::*;

    fn jpeg_b64() -> String {
        base64::engine::general_purpose::STANDARD.encode(b"\xFF\xD8\xFF\xE0 a small jpeg")
    }

    #[test]
    fn a_frame_is_taken_by_the_batches_near_it_only() {
        let frames = Keyframes::default();
        assert_eq!(frames.near(0.0, 10.0), None);
        assert!(frames.put(glossa_protocol::Keyframe { image: jpeg_b64(), at: 100.0 }));
        assert_eq!(frames.near(95.0, 110.0).map(|f| f.at), Some(100.0), "under the batch");
        assert_eq!(frames.near(120.0, 130.0).map(|f| f.at), Some(100.0), "the scene before the batch");
        assert_eq!(frames.near(140.0, 150.0), None, "too far ahead to show its scene");
        assert_eq!(frames.near(40.0, 60.0), None, "after the batch's lines");
    }

    #[tokio::test]
    async fn a_frame_costs_what_the_provider_documents_or_a_generous_guess() {
        use crate::providers::scripted::Scripted;
        use crate::providers::{ImageBudget, ImageTokens};
        let note = super::super::prompt::PICTURE_NOTE.len() as u32 / 3;
        let mut provider = Scripted::new(vec![]);
        assert_eq!(tokens(&provider, "m").await, 768 + note, "no documented price");
        // OpenAI's tiles: a 384×216 picture is one 512-px tile.
        provider.budget = ImageBudget { tokens: ImageTokens::Tiles { base: 85, per_tile: 170, tile: 512 }, ..ImageBudget::DEFAULT };
        assert_eq!(tokens(&provider, "m").await, 255 + note);
        // A provider without a small context keeps its batch sizes.
        let options = super::super::TrackOptions::default();
        assert_eq!(leave_room(options, &provider, "m").await.sizes, options.sizes);
    }

    #[test]
    fn what_is_no_picture_is_not_kept() {
        let frames = Keyframes::default();
        assert!(!frames.put(glossa_protocol::Keyframe { image: "bm90IGFuIGltYWdl".into(), at: 1.0 }));
        assert!(!frames.put(glossa_protocol::Keyframe { image: "%%%".into(), at: 1.0 }));
        assert!(!frames.put(glossa_protocol::Keyframe { image: jpeg_b64(), at: f64::NAN }));
        assert_eq!(frames.near(0.0, 10.0), None);
    }
}
