//! glossa-host: the native-messaging host behind the Glossa browser extension, and the
//! CLI around it. `main.rs` decides which one runs from the launch arguments.
//!
//! # Layout
//!
//! Each layer imports only the ones listed above it (the protocol crate is below all).
//!
//! - `paths`, `logging` — where the data lives; where the log goes.
//! - `server_url` — the shape of a server URL setting (below the store and the config).
//! - `store`     — SQLite: settings (shapes validated, secrets kept) and the translation cache.
//! - `config`    — the settings, typed: one struct per provider, the languages, the timeouts.
//! - `models`    — GGUF files for the built-in backend: the catalogue, downloads, inspection.
//! - `providers` — the model backends behind one `Provider` trait, each built from its config.
//! - `pipeline`  — what is asked of the models: frame, text and subtitle-track translation.
//! - `reading`   — how a line is read: furigana, pinyin, romanization (dictionaries loaded on first use).
//! - `study`     — the saved study cards as an Anki import file and its pictures.
//! - `resolve`   — settings + a request → the job that runs (`FrameJob`, `TrackJob`, `TextJob`).
//! - `detect`    — first run: the providers the user already has (Ollama, servers, keys).
//! - `app`       — what every request can reach: store, providers, data folder.
//! - `sink`      — where one request's events go, closed after its last.
//! - `handlers`  — one function per request type.
//! - `native`    — native messaging: framing on stdin/stdout, the session and its tasks.
//! - `cli`       — the command line, one file per command.

pub mod app;
pub mod cli;
pub mod config;
pub mod detect;
pub mod dictionary;
pub mod handlers;
pub mod logging;
pub mod models;
pub mod native;
pub mod paths;
pub mod pipeline;
pub mod providers;
pub mod reading;
pub mod resolve;
pub mod server_url;
pub mod sink;
pub mod store;
pub mod study;
