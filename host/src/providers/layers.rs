//! The layers every provider call goes through, once, whichever provider it is:
//!
//! 1. **retry** — a rate limit, overload or server error before the first piece of text
//!    re-opens the request (as the provider's [`RetryPolicy`] allows); after text has
//!    come, never: the text may have been shown, and a second answer would repeat it.
//! 2. **think filter** — reasoning models' `<think>…</think>` blocks are removed.
//! 3. **timing** — the time to the first visible text and to the end.
//!
//! [`answer`] stacks them; callers (frame, text and subtitle pipelines) read a provider
//! only through it. Dropping the [`Answer`] drops the provider's stream: cancellation
//! stays "by drop" through every layer.

use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use futures::stream::{BoxStream, Stream, StreamExt};
use glossa_protocol::{ProviderKind, Timings, Usage};
use tokio::time::Instant;

use super::think::ThinkFilter;
use super::{ChatRequest, Delta, Provider, ProviderError, RetryPolicy, TokenStream};

type Items<'a> = BoxStream<'a, Result<Delta, ProviderError>>;

/// Ask `provider` for `request`'s answer, through every layer.
pub fn answer<'a>(provider: &'a dyn Provider, request: &'a ChatRequest) -> Answer<'a> {
    Answer::timed(provider.kind(), filter_think(retried(provider, request)))
}

/// The retry layer: the provider's stream, re-opened after a transient failure that came
/// before any text. Always ends with [`Delta::Done`] or an error.
pub fn retried<'a>(provider: &'a dyn Provider, request: &'a ChatRequest) -> Items<'a> {
    struct State<'a> {
        provider: &'a dyn Provider,
        request: &'a ChatRequest,
        retries: Retries,
        open: Option<TokenStream>,
        /// Text has come: from here on a failure is final.
        started: bool,
    }
    let state = State {
        provider,
        request,
        retries: Retries { provider: provider.kind(), policy: provider.retry_policy(), count: 0 },
        open: None,
        started: false,
    };
    futures::stream::unfold(Some(state), |state| async move {
        let mut state = state?;
        loop {
            let next = match state.open.as_mut() {
                Some(stream) => stream.next().await,
                None => match state.provider.stream(state.request).await {
                    Ok(stream) => {
                        state.open = Some(stream);
                        continue;
                    }
                    Err(e) => Some(Err(e)),
                },
            };
            match next {
                Some(Ok(Delta::Text(text))) => {
                    state.started = true;
                    return Some((Ok(Delta::Text(text)), Some(state)));
                }
                Some(Ok(done @ Delta::Done(_))) => return Some((Ok(done), None)),
                Some(Err(e)) if !state.started => {
                    state.open = None; // closes the failed attempt's connection
                    if let Err(e) = state.retries.after(e).await {
                        return Some((Err(e), None));
                    }
                }
                Some(Err(e)) => return Some((Err(e.with_retries(state.retries.count)), None)),
                None => return Some((Err(ProviderError::StreamIncomplete { provider: state.retries.provider }), None)),
            }
        }
    })
    .boxed()
}

/// The retry state of one request.
struct Retries {
    provider: ProviderKind,
    policy: RetryPolicy,
    count: u32,
}

impl Retries {
    /// After a failed attempt: wait and return `Ok` when the request should be tried
    /// again, else the error to report (with the number of retries it took).
    async fn after(&mut self, error: ProviderError) -> Result<(), ProviderError> {
        let wait = error.retry_after().unwrap_or(self.policy.backoff * 2u32.saturating_pow(self.count));
        if !error.is_transient() || self.count >= self.policy.max_retries || wait > self.policy.max_wait {
            return Err(error.with_retries(self.count));
        }
        self.count += 1;
        tracing::info!(provider = %self.provider, retry = self.count, wait_ms = wait.as_millis() as u64, "retrying: {error}");
        tokio::time::sleep(wait).await;
        Ok(())
    }
}

/// The think layer: `<think>…</think>` blocks removed from the text, wherever the
/// pieces split the tags. Text held back as a possible tag goes out before the end
/// (also before an error: it is part of the answer so far).
pub fn filter_think(inner: Items<'_>) -> Items<'_> {
    type Ending = Option<Result<Delta, ProviderError>>;
    let state: (Items<'_>, ThinkFilter, Option<Ending>) = (inner, ThinkFilter::default(), None);
    futures::stream::unfold(Some(state), |state| async move {
        let (mut inner, mut filter, ending) = state?;
        if let Some(last) = ending {
            return last.map(|item| (item, None));
        }
        loop {
            match inner.next().await {
                Some(Ok(Delta::Text(piece))) => {
                    let shown = filter.push(&piece);
                    if !shown.is_empty() {
                        return Some((Ok(Delta::Text(shown)), Some((inner, filter, None))));
                    }
                }
                end => {
                    let rest = filter.finish();
                    if rest.is_empty() {
                        return end.map(|item| (item, None));
                    }
                    return Some((Ok(Delta::Text(rest)), Some((inner, filter, Some(end)))));
                }
            }
        }
    })
    .boxed()
}

/// The timing layer, outermost: an answer as the caller reads it, timed from its
/// request to its first visible text and to its end.
pub struct Answer<'a> {
    provider: ProviderKind,
    inner: Items<'a>,
    started: Instant,
    first_text: Option<Duration>,
    ended: Option<Duration>,
}

impl<'a> Answer<'a> {
    fn timed(provider: ProviderKind, inner: Items<'a>) -> Self {
        Answer { provider, inner, started: Instant::now(), first_text: None, ended: None }
    }

    /// Milliseconds to the first visible text and to the end (or until now).
    pub fn timings(&self) -> Timings {
        let ms = |d: Duration| d.as_millis() as u64;
        Timings { first_token: self.first_text.map(ms), total: ms(self.ended.unwrap_or_else(|| self.started.elapsed())) }
    }

    /// Read the answer to its end, passing each piece of text to `on_text`. On error the
    /// text passed so far stays valid.
    pub async fn forward(mut self, on_text: &mut (dyn FnMut(&str) + Send)) -> Result<(Usage, Timings), ProviderError> {
        while let Some(item) = self.next().await {
            match item? {
                Delta::Text(text) => on_text(&text),
                Delta::Done(usage) => return Ok((usage, self.timings())),
            }
        }
        Err(ProviderError::StreamIncomplete { provider: self.provider })
    }
}

impl Stream for Answer<'_> {
    type Item = Result<Delta, ProviderError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let item = ready!(self.inner.poll_next_unpin(cx));
        let now = self.started.elapsed();
        match &item {
            Some(Ok(Delta::Text(_))) => {
                self.first_text.get_or_insert(now);
            }
            Some(Ok(Delta::Done(usage))) => {
                self.ended.get_or_insert(now);
                tracing::debug!(
                    provider = %self.provider,
                    first_text_ms = self.first_text.map(|d| d.as_millis() as u64),
                    total_ms = now.as_millis() as u64,
                    input_tokens = usage.input_tokens,
                    output_tokens = usage.output_tokens,
                    "answer complete"
                );
            }
            Some(Err(_)) | None => {
                self.ended.get_or_insert(now);
            }
        }
        Poll::Ready(item)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use async_trait::async_trait;
    use glossa_protocol::{CheckReport, ModelInfo};

    use super::*;
    use crate::providers::scripted::{done, text, Attempt, Scripted};

    const KIND: ProviderKind = ProviderKind::Anthropic;

    fn overloaded() -> ProviderError {
        ProviderError::Overloaded { provider: KIND, retries: 0, retry_after: None }
    }

    fn request() -> ChatRequest {
        crate::providers::scripted::request("hi")
    }

    async fn run(provider: &Scripted) -> (String, Result<(Usage, Timings), ProviderError>) {
        let request = request();
        let mut shown = String::new();
        let result = answer(provider, &request).forward(&mut |t: &str| shown.push_str(t)).await;
        (shown, result)
    }

    #[tokio::test(start_paused = true)]
    async fn failures_before_the_first_text_are_retried_with_backoff() {
        let provider = Scripted::new(vec![
            Attempt::Refused(ProviderError::RateLimited { provider: KIND, status: 429, retries: 0, retry_after: None }),
            // Accepted, then overloaded before any text (Anthropic's `error` event).
            Attempt::Items(vec![(0, Err(overloaded()))]),
            Attempt::Items(vec![text("Bon"), text("jour"), done(2)]),
        ]);
        let started = Instant::now();
        let (shown, result) = run(&provider).await;
        assert_eq!(shown, "Bonjour");
        assert_eq!(result.expect("answer").0.output_tokens, 2);
        assert_eq!(provider.calls(), 3);
        assert_eq!(started.elapsed(), Duration::from_millis(100 + 200), "backoff doubles");
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_after_text_is_final_and_the_text_stays() {
        let provider = Scripted::new(vec![
            Attempt::Refused(overloaded()),
            Attempt::Items(vec![text("Bon"), (0, Err(overloaded()))]),
            Attempt::Items(vec![text("never asked"), done(1)]),
        ]);
        let (shown, result) = run(&provider).await;
        assert_eq!(shown, "Bon", "the partial answer stays shown");
        let err = result.unwrap_err();
        assert!(matches!(err, ProviderError::Overloaded { retries: 1, .. }), "{err:?}");
        assert_eq!(provider.calls(), 2, "no retry once text has come");
    }

    #[tokio::test(start_paused = true)]
    async fn retries_stop_at_the_policy_and_say_how_many_there_were() {
        let provider = Scripted::new((0..3).map(|_| Attempt::Refused(overloaded())).collect());
        let (_, result) = run(&provider).await;
        assert!(matches!(result.unwrap_err(), ProviderError::Overloaded { retries: 2, .. }));
        assert_eq!(provider.calls(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn lasting_failures_and_long_waits_are_not_retried() {
        let provider = Scripted::new(vec![Attempt::Refused(ProviderError::StreamIncomplete { provider: KIND })]);
        assert!(matches!(run(&provider).await.1, Err(ProviderError::StreamIncomplete { .. })));
        assert_eq!(provider.calls(), 1);

        let hour = Some(Duration::from_secs(3600));
        let provider = Scripted::new(vec![Attempt::Refused(ProviderError::RateLimited {
            provider: KIND,
            status: 429,
            retries: 0,
            retry_after: hour,
        })]);
        assert!(matches!(run(&provider).await.1, Err(ProviderError::RateLimited { retries: 0, .. })));
        assert_eq!(provider.calls(), 1, "an hour's wait is reported, not slept");
    }

    #[tokio::test(start_paused = true)]
    async fn a_stream_that_just_stops_is_incomplete() {
        let provider = Scripted::new(vec![Attempt::Items(vec![text("Bon")])]);
        let (shown, result) = run(&provider).await;
        assert_eq!(shown, "Bon");
        assert!(matches!(result, Err(ProviderError::StreamIncomplete { .. })));
    }

    #[tokio::test(start_paused = true)]
    async fn think_blocks_are_filtered_once_and_timing_counts_visible_text() {
        // Filtered once, `<th<think>x</think>ink>` leaves a literal `<think>`; a second
        // filter would remove it and the `y` with it.
        let provider = Scripted::new(vec![Attempt::Items(vec![
            (100, Ok(Delta::Text("<th<thi".into()))),
            (0, Ok(Delta::Text("nk>x</think>ink>y</th".into()))),
            (200, Ok(Delta::Text("ink>z".into()))),
            (50, Ok(Delta::Done(Usage::default()))),
        ])]);
        let (shown, result) = run(&provider).await;
        assert_eq!(shown, "<think>y</think>z");
        let (_, ms) = result.expect("answer");
        assert_eq!(ms, Timings { first_token: Some(100), total: 350 });

        let provider = Scripted::new(vec![Attempt::Items(vec![
            (100, Ok(Delta::Text("<think>a plan".into()))),
            (200, Ok(Delta::Text("</think>\n\nHello".into()))),
            done(1),
        ])]);
        let (shown, result) = run(&provider).await;
        assert_eq!(shown, "Hello");
        assert_eq!(result.expect("answer").1.first_token, Some(300), "reasoning is not the first visible text");
    }

    #[tokio::test(start_paused = true)]
    async fn text_held_back_as_a_possible_tag_is_kept_before_an_error() {
        let provider =
            Scripted::new(vec![Attempt::Items(vec![text("a <thi"), (0, Err(ProviderError::StreamIncomplete { provider: KIND }))])]);
        let (shown, result) = run(&provider).await;
        assert_eq!(shown, "a <thi");
        assert!(result.is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn dropping_the_answer_drops_the_provider_stream() {
        struct Flag(std::sync::Arc<std::sync::atomic::AtomicBool>);
        impl Drop for Flag {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        struct Endless(std::sync::Arc<std::sync::atomic::AtomicBool>);
        #[async_trait]
        impl Provider for Endless {
            fn kind(&self) -> ProviderKind {
                KIND
            }
            async fn stream(&self, _: &ChatRequest) -> Result<TokenStream, ProviderError> {
                let flag = Flag(self.0.clone());
                Ok(futures::stream::repeat_with(move || {
                    let _alive = &flag;
                    Ok(Delta::Text("more ".into()))
                })
                .boxed())
            }
            async fn list_models(&self) -> Result<Vec<ModelInfo>, ProviderError> {
                Ok(vec![])
            }
            async fn check(&self, _: &str, _: &str) -> CheckReport {
                CheckReport::new(KIND, "endless")
            }
        }
        let dropped = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let provider = Endless(dropped.clone());
        let request = request();
        let mut answer = answer(&provider, &request);
        assert_eq!(answer.next().await.unwrap().unwrap(), Delta::Text("more ".into()));
        assert!(!dropped.load(Ordering::SeqCst));
        drop(answer);
        assert!(dropped.load(Ordering::SeqCst), "the provider's stream went with the answer");
    }
}
