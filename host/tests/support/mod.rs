//! What the integration tests (and the benches that include this file) share, from any
//! test file as `mod support;`:
//!
//! - [`Host`] (`host.rs`): a real `glossa-host` process driven over its pipes as a
//!   browser drives it, with the host's own frame codec.
//! - the test models (`models.rs`): [`test_models`], [`test_model`], [`model`] and their
//!   file names.
//! - [`LlamaServer`] (`llama_server.rs`): a real llama.cpp `llama-server` on a loopback port.
//! - [`FakeServer`] (`fake_server.rs`): a raw-TCP HTTP/1.1 server whose every byte is
//!   under the test's control (split points, pauses, stalls, cut connections), recording
//!   requests and noticing when the client hangs up; [`silent_server`] and
//!   [`full_backlog`], peers that never answer.
//! - [`FakeOllama`] and [`FakeAnthropic`] (`fakes.rs`): that server speaking the published
//!   Ollama and Anthropic wire formats.
//! - [`FileServer`] (`file_server.rs`): one file over HTTP with `Range`, for model pulls.
//! - `providers.rs`: driving a provider directly ([`config`], [`chat`], [`fast_http`]…).
//! - `fake_translator.rs`: a translation model in a box for the subtitle pipeline.
//! - `cpu.rs`: `skip_without_llama_cpu()`, first thing in every test that runs llama.cpp.
//!
//! Typical use (load and fault tests):
//! ```ignore
//! let fake = FakeOllama::start(vec![FakeModel::vision("gemma3:12b")],
//!     vec![FakeOllama::reply_tokens("gemma3:12b", 200).latency(Duration::from_millis(5))]).await;
//! // settings: "ollama.url" = fake.url
//! fake.chat.set(vec![...]);                  // change what the next requests get
//! fake.server.requests_to("/api/chat");      // what the client sent
//! fake.server.wait_client_closed().await;    // a client hung up on an unfinished answer
//! fake.server.open_connections();            // connections still open
//! ```
//! `Response::split(Split::EveryByte | Split::At(n))` cuts the body at awkward places,
//! `.latency(d)` pauses before each write, `.then(Piece::Stall | Piece::Cut)` ends it badly.
// Each test binary uses a part of this tree.
#![allow(dead_code)]

use std::time::Duration;

pub mod cpu;
pub mod fake_server;
pub mod fake_translator;
pub mod fakes;
pub mod file_server;
pub mod host;
pub mod llama_server;
pub mod models;
pub mod providers;

#[allow(unused_imports)]
pub use fake_server::*;
#[allow(unused_imports)]
pub use fakes::{FakeAnthropic, FakeModel, FakeOllama, FakeOpenAi, FakeOpenAiModel, SchemaSupport};
#[allow(unused_imports)]
pub use file_server::{FileServer, Serve};
#[allow(unused_imports)]
pub use host::*;
#[allow(unused_imports)]
pub use llama_server::*;
#[allow(unused_imports)]
pub use models::*;
#[allow(unused_imports)]
pub use providers::*;

/// The `host/` directory of the checkout the tests run from. Read at run time: a test
/// binary built in another checkout sharing the target directory (CI's clone) is fresh
/// for cargo, and `env!` would point it at that checkout's files, or at nothing.
pub fn host_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), std::path::PathBuf::from)
}

/// Generous bound for things that should happen promptly; tests wait for events, the
/// bound only turns a hang into a failure on a busy 2-core machine.
pub const PATIENCE: Duration = Duration::from_secs(60);
