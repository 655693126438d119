//! A provider that answers from a script, for the unit tests of the layers and the
//! pipelines: each call takes the next attempt, refused or streamed with pauses on
//! tokio's clock.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use glossa_protocol::{CheckReport, ModelInfo, ProviderKind, Usage};

use super::{ChatRequest, Delta, ImageBudget, Provider, ProviderError, RetryPolicy, TokenStream};

/// One call's answer: refused at once, or items, each after a pause in milliseconds.
pub enum Attempt {
    Refused(ProviderError),
    Items(Vec<(u64, Result<Delta, ProviderError>)>),
}

pub struct Scripted {
    attempts: Mutex<VecDeque<Attempt>>,
    calls: AtomicUsize,
    pub policy: RetryPolicy,
    /// What it says of pictures (the default budget unless a test sets one).
    pub budget: ImageBudget,
    /// The requests it was sent, in order.
    pub seen: Mutex<Vec<ChatRequest>>,
}

impl Scripted {
    /// Retries after 100 ms, doubling, at most 2.
    pub fn new(attempts: Vec<Attempt>) -> Self {
        let policy = RetryPolicy { max_retries: 2, backoff: Duration::from_millis(100), max_wait: Duration::from_secs(20) };
        Scripted {
            attempts: Mutex::new(attempts.into()),
            calls: AtomicUsize::new(0),
            policy,
            budget: ImageBudget::DEFAULT,
            seen: Mutex::default(),
        }
    }

    /// Answers every call with `pieces` of text.
    pub fn answering(pieces: &[&str]) -> Self {
        let mut items: Vec<_> = pieces.iter().map(|p| text(p)).collect();
        items.push(done(pieces.len() as u64));
        Scripted::new(vec![Attempt::Items(items)])
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

pub fn text(t: &str) -> (u64, Result<Delta, ProviderError>) {
    (0, Ok(Delta::Text(t.into())))
}

pub fn done(output_tokens: u64) -> (u64, Result<Delta, ProviderError>) {
    (0, Ok(Delta::Done(Usage { output_tokens, ..Usage::default() })))
}

pub fn request(user: &str) -> ChatRequest {
    ChatRequest {
        model: "m".into(),
        system: String::new(),
        user: user.into(),
        image: None,
        max_tokens: 8,
        temperature: 0.0,
        answer_format: None,
    }
}

#[async_trait]
impl Provider for Scripted {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Anthropic
    }

    async fn image_budget(&self, _model: &str) -> ImageBudget {
        self.budget
    }

    async fn stream(&self, request: &ChatRequest) -> Result<TokenStream, ProviderError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(request.clone());
        let attempt = self.attempts.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop_front();
        match attempt {
            None => Err(ProviderError::Other("the script has no more attempts".into())),
            Some(Attempt::Refused(e)) => Err(e),
            Some(Attempt::Items(items)) => Ok(futures::stream::iter(items)
                .then(|(pause, item)| async move {
                    tokio::time::sleep(Duration::from_millis(pause)).await;
                    item
                })
                .boxed()),
        }
    }

    fn retry_policy(&self) -> RetryPolicy {
        self.policy
    }

    async fn list_models(&self) -> Result<Vec<ModelInfo>, ProviderError> {
        Ok(vec![])
    }

    async fn check(&self, _: &str, _: &str) -> CheckReport {
        CheckReport::new(ProviderKind::Anthropic, "scripted")
    }
}
