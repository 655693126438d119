//! Reading one burned-in line: the strip's picture goes to the frame model once, with a
//! prompt asking for the text as written and its translation as one small JSON object.

use glossa_protocol::{ErrorInfo, ProviderKind, Usage};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::super::language::describe;
use super::super::subtitles::cache::CacheKey;
use crate::pipeline::frame::FrameJob;
use crate::providers::{ChatRequest, Image};

/// Changes whenever the prompt or the answer's shape does (it is part of the cache key).
pub const BURNIN_PROMPT_VERSION: u32 = 1;

/// What the model read in a strip, and its translation (both empty: no subtitle there).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
    pub text: String,
    pub translation: String,
}

impl Reading {
    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty() && self.translation.trim().is_empty()
    }
}

pub fn system_prompt(to: &str, from: Option<&str>) -> String {
    let from = from.map(|f| format!(" The subtitles are in {}.", describe(f))).unwrap_or_default();
    format!(
        "You read subtitles burned into video pictures.{from} The picture is the strip of a video \
         frame where its subtitle line is. Transcribe the subtitle text exactly as written, then \
         translate it into {}. Answer with one JSON object: {{\"text\": the subtitle as written, \
         \"translation\": its translation}}. If the picture holds no subtitle text, answer \
         {{\"text\": \"\", \"translation\": \"\"}}.",
        describe(to)
    )
}

/// The answer's shape, for providers that can hold the model to it.
pub fn answer_format() -> crate::providers::AnswerFormat {
    crate::providers::AnswerFormat {
        name: "subtitle_line".into(),
        schema: json!({
            "type": "object",
            "properties": { "text": { "type": "string" }, "translation": { "type": "string" } },
            "required": ["text", "translation"],
            "additionalProperties": false
        }),
    }
}

/// Read the answer: the JSON object (bare, fenced, or wrapped in prose); an answer that is
/// not one is taken as the translation of text the model did not write down.
pub fn parse(answer: &str) -> Reading {
    let object = answer.find('{').zip(answer.rfind('}')).filter(|(a, b)| a < b).map(|(a, b)| &answer[a..=b]);
    if let Some(reading) = object.and_then(|o| serde_json::from_str::<Reading>(o).ok()) {
        return Reading { text: reading.text.trim().to_owned(), translation: reading.translation.trim().to_owned() };
    }
    Reading { text: String::new(), translation: answer.trim().to_owned() }
}

/// Ask `job`'s frame model to read `image`.
pub async fn read(job: &FrameJob, image: &Image) -> Result<(Reading, Usage), ErrorInfo> {
    let chat = ChatRequest {
        model: job.model.clone(),
        system: system_prompt(&job.to, job.from.as_deref()),
        user: format!("Read the subtitle in this picture and translate it into {}.", describe(&job.to)),
        image: Some(image.clone()),
        max_tokens: 512,
        temperature: 0.1,
        answer_format: Some(answer_format()),
    };
    let mut answer = String::new();
    let (usage, _) = super::super::stream::run(job.provider.as_ref(), &chat, &mut |t: &str| answer.push_str(t)).await?;
    Ok((parse(&answer), usage))
}

/// The cache key of the line that appeared at `appeared_ms` in the video `video`
/// (a digest of the file), read by `provider`'s `model` into `to`.
pub fn cache_key(video: &[u8; 32], appeared_ms: u64, provider: ProviderKind, model: &str, to: &str) -> CacheKey {
    let mut h = Sha256::new();
    let mut field = |s: &[u8]| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s);
    };
    field(b"glossa-burnin-line");
    field(&BURNIN_PROMPT_VERSION.to_le_bytes());
    field(video);
    field(&appeared_ms.to_le_bytes());
    field(provider.as_str().as_bytes());
    field(model.as_bytes());
    field(to.as_bytes());
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_bare_fenced_or_prose() {
        let want = Reading { text: "今日は".into(), translation: "Today".into() };
        assert_eq!(parse(r#"{"text":"今日は","translation":"Today"}"#), want);
        assert_eq!(parse("```json\n{\"text\": \" 今日は\", \"translation\": \"Today \"}\n```"), want);
        assert_eq!(parse("Today"), Reading { text: String::new(), translation: "Today".into() });
        assert!(parse(r#"{"text":"","translation":""}"#).is_empty());
    }

    #[test]
    fn cache_keys_differ_by_time_language_and_video() {
        let key = |v: u8, ms, to| cache_key(&[v; 32], ms, ProviderKind::Ollama, "m", to);
        assert_eq!(key(1, 1000, "en"), key(1, 1000, "en"));
        assert_ne!(key(1, 1000, "en"), key(1, 1100, "en"));
        assert_ne!(key(1, 1000, "en"), key(1, 1000, "de"));
        assert_ne!(key(1, 1000, "en"), key(2, 1000, "en"));
    }
}
