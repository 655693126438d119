//! The resolve step (ripgrep's low args → high args): the typed settings and what a
//! request or a command line asked for become the job that runs: the provider built from
//! its config, its model for the task, and the languages (the request's, else the
//! settings'). The native handlers and the CLI both come through here, so each of these
//! choices is made in one place.

use crate::config::{Config, Languages};
use crate::pipeline::frame::{Frame, FrameJob};
use crate::pipeline::subtitles::cache::TranslationCache;
use crate::pipeline::subtitles::{TrackJob, TrackOptions};
use crate::pipeline::text::TextJob;
use crate::providers::Providers;

/// A frame translation with the chosen provider's frame model.
pub fn frame(config: &Config, providers: &Providers, request: &Frame) -> FrameJob {
    frame_model(config, providers, request.to.as_deref(), request.from.as_deref(), request.with_original)
}

/// The chosen provider's frame model reading pictures into `to` (burned-in subtitles:
/// many pictures, one job).
pub fn frame_model(config: &Config, providers: &Providers, to: Option<&str>, from: Option<&str>, with_original: bool) -> FrameJob {
    let provider = config.provider(None);
    let Languages { to, from } = config.languages(to, from);
    FrameJob { model: provider.models().frame.clone(), provider: providers.get(&provider), to, from, with_original }
}

/// A whole-track translation with the chosen provider's subtitle model, in batches that
/// fit its context, through `cache` when there is one.
pub fn track(config: &Config, providers: &Providers, to: Option<&str>, from: Option<&str>, cache: Option<TranslationCache>) -> TrackJob {
    let provider_config = config.provider(None);
    let Languages { to, from } = config.languages(to, from);
    let provider = providers.get(&provider_config);
    TrackJob {
        model: provider_config.models().subtitle.clone(),
        options: TrackOptions::for_provider(provider.as_ref()),
        provider,
        to,
        from,
        cache,
        glossary: None,
    }
}

/// A passage of text with the chosen provider's subtitle (text) model.
pub fn text(config: &Config, providers: &Providers, to: Option<&str>, from: Option<&str>) -> TextJob {
    let provider = config.provider(None);
    let Languages { to, from } = config.languages(to, from);
    TextJob { model: provider.models().subtitle.clone(), provider: providers.get(&provider), to, from }
}

#[cfg(test)]
mod tests {
    use glossa_protocol::ProviderKind;

    use super::*;

    fn frame_request(to: Option<&str>, from: Option<&str>) -> Frame {
        let image = crate::providers::Image::from_bytes(b"\x89PNG\r\n\x1a\nrest".to_vec()).expect("a PNG header");
        Frame { image, to: to.map(Into::into), from: from.map(Into::into), with_original: true, title: None }
    }

    #[test]
    fn a_frame_job_takes_the_chosen_providers_frame_model() {
        let dir = tempfile::tempdir().unwrap();
        let providers = Providers::new(dir.path());
        let c = Config::of(&[("provider", "ollama"), ("ollama.frame_model", "vision:7b"), ("target_language", "ja")]);
        let job = frame(&c, &providers, &frame_request(None, None));
        assert_eq!(job.provider.kind(), ProviderKind::Ollama);
        assert_eq!(job.model, "vision:7b");
        assert_eq!((job.to.as_str(), job.from.as_deref()), ("ja", None));
        assert!(job.with_original);
        let job = frame(&c, &providers, &frame_request(Some("de"), Some("fr")));
        assert_eq!((job.to.as_str(), job.from.as_deref()), ("de", Some("fr")));
    }

    #[test]
    fn a_track_job_takes_the_subtitle_model_and_the_request_languages_first() {
        let dir = tempfile::tempdir().unwrap();
        let providers = Providers::new(dir.path());
        let c = Config::of(&[("provider", "anthropic"), ("target_language", "ko"), ("source_language", "en")]);
        let job = track(&c, &providers, None, None, None);
        assert_eq!(job.provider.kind(), ProviderKind::Anthropic);
        assert_eq!(job.model, "claude-haiku-4-5");
        assert_eq!((job.to.as_str(), job.from.as_deref()), ("ko", Some("en")));
        assert!(job.cache.is_none());
        let job = track(&c, &providers, Some("zh-CN"), Some(" "), None);
        assert_eq!((job.to.as_str(), job.from.as_deref()), ("zh-CN", Some("en")), "a blank language names none");
    }

    #[test]
    fn a_text_job_uses_the_subtitle_model() {
        let dir = tempfile::tempdir().unwrap();
        let providers = Providers::new(dir.path());
        let c = Config::of(&[("provider", "openai"), ("openai.subtitle_model", "qwen"), ("openai.frame_model", "qwen-vl")]);
        let job = text(&c, &providers, Some("it"), None);
        assert_eq!(job.provider.kind(), ProviderKind::Openai);
        assert_eq!((job.model.as_str(), job.to.as_str(), job.from.as_deref()), ("qwen", "it", None));
    }
}
