//! A word's meaning *in this line* (the word-gloss panel's note under the dictionary
//! entries): one short model answer, in the user's language, with the line and its
//! translation as context; kept in the translation cache per word, line, language and
//! model, so the same word clicked in the same line again costs no provider call.

use glossa_protocol::{ErrorInfo, ProviderKind, Usage};
use sha2::{Digest, Sha256};

use super::language::describe;
use super::subtitles::cache::{CacheKey, TranslationCache};
use super::text::TextJob;
use crate::providers::ChatRequest;

/// Changes whenever the prompt does (it is part of the cache key).
const NOTE_PROMPT_VERSION: u32 = 1;

/// The word clicked and where: what the note is asked about.
pub struct WordInLine<'a> {
    pub word: &'a str,
    /// Its dictionary form, when it differs (食べる for 食べた).
    pub lemma: &'a str,
    pub line: &'a str,
    pub translation: &'a str,
}

pub fn system_prompt(to: &str, from: Option<&str>) -> String {
    let from = from.map(|f| format!(" {}", describe(f))).unwrap_or_default();
    let to = describe(to);
    format!(
        "You help someone learning a language understand a{from} subtitle line. Say in {to}, \
         in one or two short sentences, what the given word means in this line: its sense here, \
         and its role if that helps. Answer with the explanation only: no preamble, no quotation \
         of the whole line."
    )
}

fn user_prompt(w: &WordInLine) -> String {
    let mut prompt = format!("Line: {}\n", w.line);
    if !w.translation.trim().is_empty() {
        prompt.push_str(&format!("Translation: {}\n", w.translation));
    }
    prompt.push_str(&format!("Word: {}", w.word));
    if !w.lemma.is_empty() && w.lemma != w.word {
        prompt.push_str(&format!(" (dictionary form: {})", w.lemma));
    }
    prompt
}

/// The cache key of a note: the word, its line, the user's language, the provider and model.
pub fn cache_key(w: &WordInLine, provider: ProviderKind, model: &str, to: &str) -> CacheKey {
    let mut h = Sha256::new();
    let mut field = |s: &[u8]| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s);
    };
    field(b"glossa-word-note");
    field(&NOTE_PROMPT_VERSION.to_le_bytes());
    field(provider.as_str().as_bytes());
    field(model.as_bytes());
    field(to.as_bytes());
    field(w.word.as_bytes());
    field(w.line.as_bytes());
    h.finalize().into()
}

/// Streams the note to `on_delta`: from the cache in one piece when it was asked before
/// (usage `None`), else from the provider, kept once it is whole.
pub async fn explain(
    job: &TextJob,
    word: &WordInLine<'_>,
    cache: Option<&TranslationCache>,
    on_delta: &mut (dyn FnMut(&str) + Send),
) -> Result<Option<Usage>, ErrorInfo> {
    let key = cache_key(word, job.provider.kind(), &job.model, &job.to);
    if let Some(cache) = cache {
        if let Ok(mut found) = cache.get_many(&[key]).await {
            if let Some(note) = found.pop().flatten() {
                on_delta(&note);
                return Ok(None);
            }
        }
    }
    let chat = ChatRequest {
        model: job.model.clone(),
        system: system_prompt(&job.to, job.from.as_deref()),
        user: user_prompt(word),
        image: None,
        // two sentences, with room for a model that writes a little more
        max_tokens: 200,
        temperature: 0.2,
        answer_format: None,
    };
    let mut note = String::new();
    let (usage, _) = super::stream::run(job.provider.as_ref(), &chat, &mut |t: &str| {
        note.push_str(t);
        on_delta(t);
    })
    .await?;
    if let Some(cache) = cache.filter(|_| !note.trim().is_empty()) {
        if let Err(e) = cache.put_many(vec![(key, note.trim().to_owned())]).await {
            tracing::warn!("word note not cached: {e}");
        }
    }
    Ok(Some(Usage { provider_calls: Some(1), ..usage }))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::providers::scripted::Scripted;
    use crate::store::Store;

    fn word() -> WordInLine<'static> {
        WordInLine { word: "食べた", lemma: "食べる", line: "もう食べた？", translation: "Have you eaten yet?" }
    }

    #[test]
    fn the_prompt_carries_the_line_its_translation_and_both_forms_of_the_word() {
        assert_eq!(user_prompt(&word()), "Line: もう食べた？\nTranslation: Have you eaten yet?\nWord: 食べた (dictionary form: 食べる)");
        let system = system_prompt("fr", Some("ja"));
        assert!(system.contains("a Japanese (ja) subtitle line") && system.contains("Say in French (fr)"), "{system}");
        let bare = WordInLine { word: "天気", lemma: "天気", line: "天気", translation: "" };
        assert_eq!(user_prompt(&bare), "Line: 天気\nWord: 天気");
    }

    #[test]
    fn notes_are_kept_apart_by_word_line_language_and_model() {
        let key = |w: &WordInLine, model, to| cache_key(w, ProviderKind::Ollama, model, to);
        let other_line = WordInLine { line: "これ食べた？", ..word() };
        assert_eq!(key(&word(), "m", "en"), key(&word(), "m", "en"));
        assert_ne!(key(&word(), "m", "en"), key(&other_line, "m", "en"));
        assert_ne!(key(&word(), "m", "en"), key(&word(), "m", "fr"));
        assert_ne!(key(&word(), "m", "en"), key(&word(), "n", "en"));
    }

    #[tokio::test]
    async fn a_second_ask_streams_the_kept_note_without_the_provider() {
        let store = Store::in_memory().unwrap();
        let cache = TranslationCache::new(&store, 1 << 20);
        let provider = Arc::new(Scripted::answering(&["Here: ", "ate (past of to eat)."]));
        let job = TextJob { provider: provider.clone(), model: "m".into(), to: "en".into(), from: Some("ja".into()) };
        let mut shown = String::new();
        let usage = explain(&job, &word(), Some(&cache), &mut |t: &str| shown.push_str(t)).await.unwrap();
        assert_eq!(shown, "Here: ate (past of to eat).");
        assert_eq!(usage.and_then(|u| u.provider_calls), Some(1));

        let mut again = String::new();
        let usage = explain(&job, &word(), Some(&cache), &mut |t: &str| again.push_str(t)).await.unwrap();
        assert_eq!((again.as_str(), usage), ("Here: ate (past of to eat).", None));
        assert_eq!(provider.calls(), 1);
    }
}
