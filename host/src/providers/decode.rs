//! From a streamed body's frames (server-sent events, NDJSON lines) to a
//! [`TokenStream`]: each provider says what one frame means; the bookkeeping around it
//! (pieces in order, nothing after the end, a body that stops early) is written once.

use std::collections::VecDeque;

use futures::{Stream, StreamExt};
use glossa_protocol::ProviderKind;

use super::{Delta, ProviderError, TokenStream};

/// The stream of what `decode` makes of each frame. A [`Delta::Done`] ends it; frames
/// that run out before one are [`ProviderError::StreamIncomplete`].
pub fn token_stream<F, S, D>(frames: S, provider: ProviderKind, decode: D) -> TokenStream
where
    F: Send + 'static,
    S: Stream<Item = Result<F, ProviderError>> + Send + Unpin + 'static,
    D: FnMut(F) -> Result<Vec<Delta>, ProviderError> + Send + 'static,
{
    let state = (frames, decode, VecDeque::new());
    Box::pin(futures::stream::unfold(Some(state), move |state| async move {
        let (mut frames, mut decode, mut decoded) = state?;
        loop {
            if let Some(delta) = decoded.pop_front() {
                let last = matches!(delta, Delta::Done(_));
                return Some((Ok(delta), (!last).then_some((frames, decode, decoded))));
            }
            match frames.next().await {
                Some(Ok(frame)) => match decode(frame) {
                    Ok(deltas) => decoded.extend(deltas.into_iter().filter(|d| !matches!(d, Delta::Text(t) if t.is_empty()))),
                    Err(e) => return Some((Err(e), None)),
                },
                Some(Err(e)) => return Some((Err(e), None)),
                None => return Some((Err(ProviderError::StreamIncomplete { provider }), None)),
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use glossa_protocol::Usage;

    use super::*;

    async fn decode_all(frames: Vec<Result<&'static str, ProviderError>>) -> Vec<Result<Delta, String>> {
        let frames = futures::stream::iter(frames);
        token_stream(frames, ProviderKind::Ollama, |frame: &str| {
            Ok(match frame {
                "done" => vec![Delta::Done(Usage::default())],
                "bad" => return Err(ProviderError::Other("bad frame".into())),
                text => text.split(',').map(|t| Delta::Text(t.to_owned())).collect(),
            })
        })
        .map(|r| r.map_err(|e| e.to_string()))
        .collect()
        .await
    }

    fn text(t: &str) -> Result<Delta, String> {
        Ok(Delta::Text(t.into()))
    }

    #[tokio::test]
    async fn pieces_in_order_and_nothing_after_the_end() {
        let got = decode_all(vec![Ok("a,b"), Ok(""), Ok("c"), Ok("done"), Ok("after")]).await;
        assert_eq!(got, vec![text("a"), text("b"), text("c"), Ok(Delta::Done(Usage::default()))]);
    }

    #[tokio::test]
    async fn a_body_that_stops_early_or_a_bad_frame_ends_with_an_error() {
        let got = decode_all(vec![Ok("a")]).await;
        assert_eq!(got, vec![text("a"), Err("The answer from Ollama ended before it was complete.".into())]);
        let got = decode_all(vec![Ok("a"), Ok("bad"), Ok("b")]).await;
        assert_eq!(got, vec![text("a"), Err("bad frame".into())]);
    }
}
