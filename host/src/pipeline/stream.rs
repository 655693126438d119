//! Running one streamed model call for a person watching: the answer, read through
//! every provider layer (retry, reasoning filtered out, timing), passed on as it comes.

use glossa_protocol::{ErrorInfo, Timings, Usage};

use crate::providers::{answer, ChatRequest, Provider};

/// Stream `chat` through `provider`, passing visible text to `on_delta` as it arrives.
pub async fn run(
    provider: &dyn Provider,
    chat: &ChatRequest,
    on_delta: &mut (dyn FnMut(&str) + Send),
) -> Result<(Usage, Timings), ErrorInfo> {
    answer(provider, chat).forward(on_delta).await.map_err(|e| e.info())
}
