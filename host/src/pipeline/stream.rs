//! Running one streamed model call for a person watching: reasoning blocks filtered out,
//! the time to the first visible text measured.

use std::time::Instant;

use glossa_protocol::{ErrorInfo, Timings, Usage};

use super::think::ThinkFilter;
use crate::providers::{ChatRequest, Provider};

/// Stream `chat` through `provider`, passing visible text to `on_delta` as it arrives.
pub async fn run(
    provider: &dyn Provider,
    chat: &ChatRequest,
    on_delta: &mut (dyn FnMut(&str) + Send),
) -> Result<(Usage, Timings), ErrorInfo> {
    let started = Instant::now();
    let mut first_token = None;
    let mut filter = ThinkFilter::default();
    let mut forward = |piece: &str| {
        let shown = filter.push(piece);
        if !shown.is_empty() {
            first_token.get_or_insert_with(|| started.elapsed().as_millis() as u64);
            on_delta(&shown);
        }
    };
    let usage = provider.chat(chat, &mut forward).await.map_err(|e| e.info())?;
    let rest = filter.finish();
    if !rest.is_empty() {
        first_token.get_or_insert_with(|| started.elapsed().as_millis() as u64);
        on_delta(&rest);
    }
    Ok((usage, Timings { first_token, total: started.elapsed().as_millis() as u64 }))
}
