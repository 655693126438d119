//! What a track asks for, before any model call: its units (a cue each, or sentences
//! merged from rolling ASR cues), each unit's cache key, and which translations the
//! cache already has.

use glossa_protocol::Cue;

use super::answer::Term;
use super::batch;
use super::cache::{CacheKey, CacheScope, TranslationCache};
use super::glossary;
use super::{rolling, Unit};

pub struct Plan {
    pub units: Vec<Unit>,
    /// One per unit: its text with the units before it that the model sees as context.
    pub keys: Vec<CacheKey>,
    /// One per unit: the translation the cache has for it.
    pub cached: Vec<Option<String>>,
}

impl Plan {
    /// Units of `cues`, looked up in `cache` (an unreadable cache is logged and treated
    /// as empty: everything is translated).
    pub async fn new(
        cues: &[Cue],
        auto_generated: bool,
        scope: &CacheScope,
        context_units: usize,
        cache: Option<&TranslationCache>,
    ) -> Plan {
        Self::with_edited_terms(cues, auto_generated, scope, context_units, cache, &[]).await
    }

    /// [`Self::new`], each unit keyed also by the user's renderings (`edited`) of the terms
    /// in it or its context, so a line cached before the user set one is translated again.
    pub async fn with_edited_terms(
        cues: &[Cue],
        auto_generated: bool,
        scope: &CacheScope,
        context_units: usize,
        cache: Option<&TranslationCache>,
        edited: &[Term],
    ) -> Plan {
        let units = units(cues, auto_generated);
        let keys: Vec<CacheKey> = (0..units.len())
            .map(|u| {
                let context = batch::context(&units, u, context_units);
                let texts: Vec<String> = context.iter().chain([&units[u].text.as_str()]).map(|t| t.to_lowercase()).collect();
                let terms: Vec<&Term> = edited.iter().filter(|t| glossary::occurs(&t.source, &texts)).collect();
                scope.key_with_terms(&context, &units[u].text, &terms)
            })
            .collect();
        let cached = match cache {
            Some(cache) => cache.get_many(&keys).await.unwrap_or_else(|e| {
                tracing::warn!("translation cache unreadable, translating everything: {e}");
                vec![None; keys.len()]
            }),
            None => vec![None; keys.len()],
        };
        Plan { units, keys, cached }
    }

    /// Units the cache does not have, in track order.
    pub fn todo(&self) -> Vec<usize> {
        (0..self.units.len()).filter(|&u| self.cached[u].is_none()).collect()
    }

    /// Units the cache has, with their translations.
    pub fn hits(&self) -> impl Iterator<Item = (usize, &str)> {
        self.cached.iter().enumerate().filter_map(|(u, hit)| Some((u, hit.as_deref()?)))
    }

    /// Cues served wholly from the cache, counted as the user sees them: a cue counts when
    /// every unit it shows came from the cache.
    pub fn cached_cues(&self, cues: &[Cue]) -> u64 {
        rolling::shown_units(cues, &self.units)
            .iter()
            .filter(|shown| !shown.is_empty() && shown.iter().all(|&u| self.cached[u].is_some()))
            .count() as u64
    }
}

/// The units of a track: rolling ASR cues merged into sentences, else one per cue with
/// text (blank cues have nothing to translate).
pub fn units(cues: &[Cue], auto_generated: bool) -> Vec<Unit> {
    if auto_generated {
        return rolling::merge(cues);
    }
    cues.iter()
        .enumerate()
        .filter(|(_, c)| !c.text.trim().is_empty())
        .map(|(i, c)| Unit::single(i, c.text.trim().to_owned(), c.start, c.end))
        .collect()
}

#[cfg(test)]
mod tests {
    use glossa_protocol::ProviderKind;

    use super::*;
    use crate::pipeline::subtitles::Part;
    use crate::store::Store;

    fn cue(i: usize, text: &str) -> Cue {
        Cue { id: format!("c{i}"), start: i as f64, end: i as f64 + 1.0, text: text.into() }
    }

    fn scope() -> CacheScope {
        CacheScope { provider: ProviderKind::Ollama, model: "m".into(), from: String::new(), to: "fr".into() }
    }

    #[test]
    fn manual_cues_are_a_unit_each_and_blank_ones_none() {
        let cues = [cue(0, " Hello. "), cue(1, "  "), cue(2, "Bye.")];
        let units = units(&cues, false);
        assert_eq!(units, vec![Unit::single(0, "Hello.".into(), 0.0, 1.0), Unit::single(2, "Bye.".into(), 2.0, 3.0)]);
    }

    #[tokio::test]
    async fn without_a_cache_everything_is_to_do() {
        let cues = [cue(0, "One."), cue(1, "Two.")];
        let plan = Plan::new(&cues, false, &scope(), 2, None).await;
        assert_eq!(plan.todo(), vec![0, 1]);
        assert_eq!(plan.hits().count(), 0);
        assert_eq!(plan.cached_cues(&cues), 0);
        assert_ne!(plan.keys[0], plan.keys[1]);
    }

    #[tokio::test]
    async fn cache_hits_are_found_by_text_and_context() {
        let store = Store::in_memory().expect("store");
        let cache = TranslationCache::new(&store, 1 << 20);
        let cues = [cue(0, "One."), cue(1, "Two."), cue(2, "Three.")];
        let first = Plan::new(&cues, false, &scope(), 2, Some(&cache)).await;
        cache.put_many(vec![(first.keys[1], "Deux.".into())]).await.expect("put");
        let again = Plan::new(&cues, false, &scope(), 2, Some(&cache)).await;
        assert_eq!(again.hits().collect::<Vec<_>>(), vec![(1, "Deux.")]);
        assert_eq!(again.todo(), vec![0, 2]);
        assert_eq!(again.cached_cues(&cues), 1);
        // The same line after other lines is another entry.
        let moved = [cue(0, "Zero."), cue(1, "Two.")];
        assert_eq!(Plan::new(&moved, false, &scope(), 2, Some(&cache)).await.hits().count(), 0);
    }

    #[tokio::test]
    async fn a_rendering_the_user_set_keys_again_only_the_lines_it_occurs_in() {
        let cues = [cue(0, "Takeshi is late."), cue(1, "He always is."), cue(2, "Let's go."), cue(3, "Bye.")];
        let plain = Plan::new(&cues, false, &scope(), 1, None).await;
        let term = |target: &str| Term { source: "takeshi".into(), target: target.into() };
        let edited = Plan::with_edited_terms(&cues, false, &scope(), 1, None, &[term("タケシ")]).await;
        // Line 0 has the name, line 1 has it as context: both are translated again.
        assert_ne!(edited.keys[0], plain.keys[0]);
        assert_ne!(edited.keys[1], plain.keys[1]);
        // Lines without it keep their cached translations.
        assert_eq!(edited.keys[2..], plain.keys[2..]);
        // Another rendering, another key.
        let other = Plan::with_edited_terms(&cues, false, &scope(), 1, None, &[term("武")]).await;
        assert_ne!(other.keys[0], edited.keys[0]);
    }

    #[test]
    fn a_cue_counts_as_cached_only_when_all_the_units_it_shows_are() {
        // Cue 1 holds the end of unit 0 and the start of unit 1 (it shows unit 1); cue 3 is blank.
        let unit = |parts: &[usize]| Unit {
            text: "t".into(),
            start: 0.0,
            end: 1.0,
            parts: parts.iter().map(|&cue| Part { cue, text: "t".into() }).collect(),
        };
        let cues = [cue(0, "a"), cue(1, "b c"), cue(2, "d"), cue(3, " ")];
        let plan = Plan { units: vec![unit(&[0, 1]), unit(&[1, 2])], keys: vec![], cached: vec![Some("T".into()), None] };
        assert_eq!(plan.cached_cues(&cues), 1, "only cue 0 is wholly cached");
        let plan = Plan { cached: vec![None, Some("T".into())], ..plan };
        assert_eq!(plan.cached_cues(&cues), 2, "cues 1 and 2 show only unit 1");
    }
}
