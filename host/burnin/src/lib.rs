//! Burned-in subtitles: find the caption strip of a video and tell when a line of text
//! appears in it and when it leaves, from small grayscale samples of the picture.
//!
//! Pure computation, no I/O and no dependencies, so the same code runs in the extension's
//! wasm (samples from the playing video) and in the host (`glossa-host burnin`, frames
//! decoded by ffmpeg); both then send each new line's picture to a model once.
//!
//! # Layout
//! - [`gray`]: a grayscale picture, made from RGB(A) pixels, downscaled, cropped.
//! - [`edges`]: the text-like edge map of a strip and the distance between two of them.
//! - [`band`]: where the caption strip is, from a few whole-frame samples.
//! - [`detect`]: the line detector: samples in, [`LineEvent`]s out.

pub mod band;
pub mod detect;
pub mod edges;
pub mod gray;

pub use band::{band_of_row_edges, find_band, find_band_within, row_edges, Band};
pub use detect::{Config, Detector, LineEvent, LineId};
pub use gray::GrayImage;
