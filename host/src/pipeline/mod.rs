//! What Glossa asks the models, and what it does with the answers: frame translation
//! (one picture → streamed text), subtitles (a whole track → translated cues) and burned-in
//! subtitles (a video's caption strip → read, translated cues).

pub mod burnin;
pub mod frame;
pub mod frame_items;
pub mod language;
pub mod stream;
pub mod subtitles;
pub mod text;
pub mod word_note;
