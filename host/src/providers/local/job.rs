//! What the async side hands a model thread, and what comes back: the load parameters, one
//! generation job with its cancel flag, and the events that stream its answer.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use glossa_protocol::Usage;
use tokio::sync::mpsc::UnboundedSender;

use crate::providers::{Image, ProviderError};

/// How a model is loaded; a change reloads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadParams {
    pub context_size: u32,
    pub threads: i32,
    pub gpu_layers: u32,
}

/// One generation request, as the worker receives it.
pub struct Job {
    pub mmproj: Option<PathBuf>,
    pub load: LoadParams,
    pub idle_unload: Duration,
    pub system: String,
    pub user: String,
    pub image: Option<Image>,
    pub max_tokens: u32,
    pub temperature: f32,
    /// A llama.cpp grammar (GBNF) the answer must follow: the request's answer format.
    pub grammar: Option<String>,
    /// Set when the requester is gone; checked between tokens.
    pub cancel: Arc<AtomicBool>,
    pub events: UnboundedSender<GenEvent>,
    /// The runtime's count of sampled tokens.
    pub sampled: Arc<AtomicU64>,
}

pub enum GenEvent {
    Delta(String),
    Finished(Result<Usage, ProviderError>),
}

impl Job {
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed) || self.events.is_closed()
    }

    pub(super) fn finish(&self, result: Result<Usage, ProviderError>) {
        let _ = self.events.send(GenEvent::Finished(result));
    }
}
