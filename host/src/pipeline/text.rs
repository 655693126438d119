//! Plain text translation (`glossa-host translate-text`): one passage, streamed back, on
//! the provider's subtitle (text) model.

use std::sync::Arc;

use glossa_protocol::{ErrorInfo, Timings, Usage};

use super::language::{describe, nothing_to_translate};
use crate::providers::{ChatRequest, Provider};

/// Who translates, with which model, between which languages (built by `crate::resolve`).
pub struct TextJob {
    pub provider: Arc<dyn Provider>,
    pub model: String,
    pub to: String,
    pub from: Option<String>,
}

pub fn system_prompt(to: &str, from: Option<&str>) -> String {
    let from = from.map(|f| format!(" from {}", describe(f))).unwrap_or_default();
    let to = describe(to);
    format!(
        "You are a translator. Translate the user's text{from} into {to}. \
         Answer with the translation only: no preamble, no notes, no quotation marks."
    )
}

pub async fn translate(job: &TextJob, text: &str, on_delta: &mut (dyn FnMut(&str) + Send)) -> Result<(Usage, Timings), ErrorInfo> {
    if nothing_to_translate(job.from.as_deref(), &job.to) {
        // Already in the target language: the text as it is, no provider call.
        on_delta(text);
        return Ok((Usage::default(), Timings { first_token: Some(0), total: 0 }));
    }
    let chat = ChatRequest {
        model: job.model.clone(),
        system: system_prompt(&job.to, job.from.as_deref()),
        user: text.to_owned(),
        image: None,
        // Room for a long passage, bounded so a model that never stops cannot run on.
        max_tokens: (text.chars().count() as u32 * 2).clamp(64, 2048),
        temperature: 0.2,
        answer_format: None,
    };
    super::stream::run(job.provider.as_ref(), &chat, on_delta).await
}
