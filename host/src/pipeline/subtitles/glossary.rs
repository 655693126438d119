//! A track's running glossary in the pipeline: loaded from the store when the track
//! starts, sent with each batch (only the terms its lines use, a few dozen at most), and
//! grown from the `terms` the model lists in its answers — each checked to occur in the
//! lines it answered, so a made-up term is not learnt. A track without a store key
//! (the benchmark) still keeps its glossary for as long as it runs.

use std::sync::Mutex;

use super::answer::Term;
use crate::store::glossary::Glossary;

/// Terms sent with one batch at most.
pub const MAX_TERMS_SENT: usize = 24;
/// Longer "terms" are sentences, not names.
const MAX_TERM_CHARS: usize = 60;

/// Where a track's glossary is kept.
#[derive(Clone)]
pub struct TrackGlossary {
    pub glossary: Glossary,
    /// [`crate::store::glossary::glossary_key`] of the track and target language.
    pub key: String,
}

/// The terms known so far for the running track.
pub struct Terms {
    stored: Option<TrackGlossary>,
    known: Mutex<Vec<Term>>,
    /// The renderings the user set (part of the cache keys of the lines they occur in).
    edited: Vec<Term>,
}

impl Terms {
    /// The glossary as stored (an unreadable one is logged and starts empty).
    pub async fn load(stored: Option<TrackGlossary>) -> Terms {
        let known = match &stored {
            Some(g) => g.glossary.load(g.key.clone()).await.unwrap_or_else(|e| {
                tracing::warn!("glossary unreadable, starting without it: {e}");
                Vec::new()
            }),
            None => Vec::new(),
        };
        let edited = known.iter().filter(|e| e.edited).map(|e| Term { source: e.source.clone(), target: e.target.clone() }).collect();
        let known = known.into_iter().map(|e| Term { source: e.source, target: e.target }).collect();
        Terms { stored, known: Mutex::new(known), edited }
    }

    /// The renderings the user set, as loaded.
    pub fn edited(&self) -> &[Term] {
        &self.edited
    }

    /// The terms that occur in `texts` (a batch's lines and the lines around it), at most
    /// [`MAX_TERMS_SENT`], oldest first.
    pub fn for_batch(&self, texts: &[&str]) -> Vec<Term> {
        let texts: Vec<String> = texts.iter().map(|t| t.to_lowercase()).collect();
        let known = self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        known.iter().filter(|t| occurs(&t.source, &texts)).take(MAX_TERMS_SENT).cloned().collect()
    }

    /// The model listed `terms` answering `lines`: those new, short and found in the lines
    /// are learnt (and stored).
    pub async fn learn(&self, terms: &[Term], lines: &[&str]) {
        let texts: Vec<String> = lines.iter().map(|t| t.to_lowercase()).collect();
        let new: Vec<Term> = {
            let mut known = self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let mut new = Vec::new();
            for term in terms {
                let fits = term.source.chars().count() <= MAX_TERM_CHARS && term.target.chars().count() <= MAX_TERM_CHARS;
                let seen = known.iter().any(|k| k.source.to_lowercase() == term.source.to_lowercase());
                if fits && !seen && occurs(&term.source, &texts) {
                    known.push(term.clone());
                    new.push(term.clone());
                }
            }
            new
        };
        if let (Some(g), false) = (&self.stored, new.is_empty()) {
            let pairs = new.into_iter().map(|t| (t.source, t.target)).collect();
            if let Err(e) = g.glossary.remember(g.key.clone(), pairs).await {
                tracing::warn!("cannot store the glossary: {e}");
            }
        }
    }
}

/// Does `source` occur in one of the (lower-cased) `texts`?
pub fn occurs(source: &str, texts: &[String]) -> bool {
    let source = source.to_lowercase();
    !source.trim().is_empty() && texts.iter().any(|t| t.contains(&source))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn term(s: &str, t: &str) -> Term {
        Term { source: s.into(), target: t.into() }
    }

    #[tokio::test]
    async fn terms_found_in_the_lines_are_learnt_stored_and_sent_where_they_occur() {
        let store = Store::in_memory().unwrap();
        let stored = TrackGlossary { glossary: Glossary::new(&store), key: "k".into() };
        let terms = Terms::load(Some(stored.clone())).await;
        let lines = ["Takeshi went to Osaka."];
        terms.learn(&[term("Takeshi", "タケシ"), term("Kyoto", "京都"), term("takeshi", "武"), term(&"x".repeat(80), "y")], &lines).await;
        assert_eq!(terms.for_batch(&["Where is takeshi?"]), [term("Takeshi", "タケシ")]);
        assert!(terms.for_batch(&["Nobody here."]).is_empty());
        // Another process, or the next viewing, starts from what was stored.
        let again = Terms::load(Some(stored)).await;
        assert_eq!(again.for_batch(&["Takeshi!"]), [term("Takeshi", "タケシ")]);
    }
}
