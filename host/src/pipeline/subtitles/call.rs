//! One batch through the provider: ask for every line, check the answer, re-ask for just
//! the lines that are missing, then ask for each line still missing on its own, in plain
//! text; a line with no answer even then stays untranslated — a translation is never
//! guessed onto a line.

use std::future::Future;
use std::sync::Arc;

use glossa_protocol::Usage;

use super::answer::{check, parse_answer};
use super::batch::{self, Batch};
use super::prompt::{max_tokens, one_line_answer, one_line_user_prompt, user_prompt};
use super::Unit;
use crate::providers::{answer, ChatRequest, Provider, ProviderError};

/// What one batch came back with.
#[derive(Debug, Default)]
pub struct BatchAnswer {
    /// One per line asked for, in order; `None` when every attempt failed for it.
    pub texts: Vec<Option<String>>,
    pub calls: u64,
    pub usage: Usage,
    /// Ids the model made up, over all attempts (logged; they are ignored).
    pub invented: usize,
}

impl BatchAnswer {
    /// One call, counted with its tokens in this answer; returns the reply's text.
    async fn ask(&mut self, setup: &CallSetup, system: &str, user: String, max_tokens: u32) -> Result<String, ProviderError> {
        let request = ChatRequest {
            model: setup.model.clone(),
            system: system.to_owned(),
            user,
            image: None,
            max_tokens,
            temperature: 0.2,
            answer_format: None,
        };
        self.calls += 1;
        let (reply, usage) = ask(setup.provider.as_ref(), &request).await?;
        self.usage.add_tokens(&usage);
        Ok(reply)
    }
}

/// Everything a call needs besides the lines: the same for every batch of a track.
pub struct CallSetup {
    pub provider: Arc<dyn Provider>,
    pub model: String,
    pub system: String,
    /// The system prompt for asking one line in plain text.
    pub one_line_system: String,
    /// Follow-up calls for missing lines after the first answer.
    pub repair_attempts: u32,
    /// Units before a batch that the model sees as context.
    pub context_units: usize,
}

/// `batch` of `units` as a call that owns what it needs, to run beside others; it gives
/// the batch back with its answer.
pub fn batch_call(
    setup: Arc<CallSetup>,
    units: &[Unit],
    batch: Batch,
) -> impl Future<Output = (Batch, Result<BatchAnswer, ProviderError>)> + Send + 'static {
    let context: Vec<String> = batch::context(units, batch.units[0], setup.context_units).into_iter().map(str::to_owned).collect();
    let lines: Vec<String> = batch.units.iter().map(|&u| units[u].text.clone()).collect();
    async move {
        let context: Vec<&str> = context.iter().map(String::as_str).collect();
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let answer = translate_lines(&setup, &context, &lines).await;
        (batch, answer)
    }
}

/// Translate `lines` (with `context` before them). A provider error on the first call
/// is returned; on a repair call the lines still missing stay untranslated.
pub async fn translate_lines(setup: &CallSetup, context: &[&str], lines: &[&str]) -> Result<BatchAnswer, ProviderError> {
    let ids: Vec<String> = (1..=lines.len()).map(|i| i.to_string()).collect();
    let mut answer = BatchAnswer { texts: vec![None; lines.len()], ..BatchAnswer::default() };
    let mut missing: Vec<usize> = (0..lines.len()).collect();
    for attempt in 0..=setup.repair_attempts {
        if missing.is_empty() {
            break;
        }
        let asked: Vec<(String, &str)> = missing.iter().map(|&i| (ids[i].clone(), lines[i])).collect();
        let user = user_prompt(context, &asked, attempt > 0);
        let reply = match answer.ask(setup, &setup.system, user, max_tokens(&asked)).await {
            Ok(reply) => reply,
            Err(e) if attempt == 0 => return Err(e),
            Err(e) => {
                tracing::warn!("re-asking for {} missing subtitle lines failed: {e}", missing.len());
                break;
            }
        };
        let expected: Vec<String> = asked.into_iter().map(|(id, _)| id).collect();
        let checked = check(parse_answer(&reply), &expected);
        answer.invented += checked.invented;
        for (id, text) in checked.translated {
            if let Some(i) = id.parse::<usize>().ok().and_then(|n| n.checked_sub(1)) {
                answer.texts[i] = Some(text);
            }
        }
        missing.retain(|&i| answer.texts[i].is_none());
        if !missing.is_empty() {
            tracing::info!(attempt, missing = missing.len(), invented = checked.invented, "subtitle answer incomplete");
        }
    }
    for i in missing {
        let user = one_line_user_prompt(context, lines[i]);
        match answer.ask(setup, &setup.one_line_system, user, max_tokens(&[(ids[i].clone(), lines[i])])).await {
            Ok(reply) => answer.texts[i] = one_line_answer(&reply, lines[i]),
            Err(e) => {
                tracing::warn!("asking for a missing subtitle line on its own failed: {e}");
                break; // the provider is failing: the rest stay untranslated
            }
        }
    }
    Ok(answer)
}

/// One call, its streamed text collected (through the provider layers: reasoning blocks
/// are already removed). When the stream fails after some text (cut connection, a model
/// that filled its context), the text so far is kept: whole `{id, text}` objects in it
/// are good, the rest is asked again.
async fn ask(provider: &dyn Provider, request: &ChatRequest) -> Result<(String, Usage), ProviderError> {
    let mut reply = String::new();
    let result = answer(provider, request).forward(&mut |piece: &str| reply.push_str(piece)).await;
    match result {
        Ok((usage, _)) => Ok((reply, usage)),
        Err(e) if !reply.trim().is_empty() => {
            tracing::warn!("subtitle answer broke off, keeping its first {} bytes: {e}", reply.len());
            Ok((reply, Usage::default()))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::scripted::{request, text, Attempt, Scripted};

    #[tokio::test(start_paused = true)]
    async fn replies_have_reasoning_filtered_once() {
        // See `pipeline::stream`'s test: a second filter would leave only "z".
        let provider = Scripted::answering(&["<th<think>x</think>", "ink>y</think>z"]);
        let (reply, _) = ask(&provider, &request("hi")).await.expect("reply");
        assert_eq!(reply, "<think>y</think>z");
    }

    #[tokio::test(start_paused = true)]
    async fn a_reply_that_breaks_off_keeps_its_text_and_is_not_asked_again() {
        let cut = ProviderError::StreamIncomplete { provider: glossa_protocol::ProviderKind::Anthropic };
        let provider = Scripted::new(vec![Attempt::Items(vec![text("[{\"id\":\"1\",\"text\":\"Bon"), (0, Err(cut))])]);
        let (reply, usage) = ask(&provider, &request("hi")).await.expect("the partial reply");
        assert_eq!(reply, "[{\"id\":\"1\",\"text\":\"Bon");
        assert_eq!(usage, Usage::default());
        assert_eq!(provider.calls(), 1);
    }
}
