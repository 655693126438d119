//! What Glossa asks the models, and what it does with the answers: frame translation
//! (one picture → streamed text) and subtitles (a whole track → translated cues).

pub mod frame;
pub mod frame_items;
pub mod language;
pub mod stream;
pub mod subtitles;
pub mod text;
