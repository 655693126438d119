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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::scripted::{request, Scripted};

    #[tokio::test(start_paused = true)]
    async fn reasoning_is_filtered_once() {
        // Filtered once, `<th<think>x</think>ink>` leaves a literal `<think>`; filtered
        // twice, the `y` would go too.
        let provider = Scripted::answering(&["<th<think>x</think>", "ink>y</think>z"]);
        let mut shown = String::new();
        run(&provider, &request("hi"), &mut |t: &str| shown.push_str(t)).await.expect("answer");
        assert_eq!(shown, "<think>y</think>z");
    }
}
