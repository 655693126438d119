//! The settings the extension can read and write through the host.
//!
//! Settings are addressed by dotted keys (`"ollama.url"`) so the options page, the CLI
//! (`glossa-host settings set ollama.url …`) and the database all use one vocabulary.
//! API keys are write-only: reads return a [`KeyStatus`] preview, never the key.

use serde::{Deserialize, Serialize};

use crate::ProviderKind;

/// Every key `put_settings` and `glossa-host settings set` accept.
pub const SETTING_KEYS: &[&str] = &[
    "provider",
    "target_language",
    "source_language",
    "local.frame_model",
    "local.subtitle_model",
    "local.mmproj",
    "local.context_size",
    "local.threads",
    "local.gpu_layers",
    "local.idle_unload_secs",
    "ollama.url",
    "ollama.frame_model",
    "ollama.subtitle_model",
    "openai.base_url",
    "openai.api_key",
    "openai.frame_model",
    "openai.subtitle_model",
    "anthropic.base_url",
    "anthropic.api_key",
    "anthropic.frame_model",
    "anthropic.subtitle_model",
    "display.font_size",
    "display.position",
    "display.dual",
    "display.pause_on_frame",
    "display.readings",
    "subtitles.video_context",
    "timeouts.connect_secs",
    "timeouts.first_token_secs",
    "timeouts.idle_secs",
];

/// Keys whose values are secrets.
pub const SECRET_KEYS: &[&str] = &["openai.api_key", "anthropic.api_key"];

pub const DEFAULT_OLLAMA_URL: &str = "http://localhost:11434";
pub const DEFAULT_OPENAI_URL: &str = "http://localhost:8080";
pub const DEFAULT_ANTHROPIC_URL: &str = "https://api.anthropic.com";

/// The value of `key` until someone sets it; the one place defaults are written. With
/// these, an empty database is a working configuration (the built-in local backend).
pub fn default_value(key: &str) -> &'static str {
    match key {
        "provider" => "local",
        "target_language" => "en",
        // One vision model for frames and subtitles: one download (the catalogue's default).
        "local.frame_model" | "local.subtitle_model" => "gemma-3-4b-it-Q4_K_M.gguf",
        "local.context_size" => "4096",
        "local.threads" => "0", // 0: physical cores
        "local.gpu_layers" => "0",
        "local.idle_unload_secs" => "600",
        "ollama.url" => DEFAULT_OLLAMA_URL,
        "ollama.frame_model" | "ollama.subtitle_model" => "gemma3:12b",
        "openai.base_url" => DEFAULT_OPENAI_URL,
        "anthropic.base_url" => DEFAULT_ANTHROPIC_URL,
        "anthropic.frame_model" => "claude-sonnet-4-5",
        "anthropic.subtitle_model" => "claude-haiku-4-5",
        "display.font_size" => "100",
        "display.position" => "bottom",
        "display.dual" => "false",
        "display.pause_on_frame" => "true",
        // Only ever acted on for a subtitle model that reads images: on for those, off otherwise.
        "subtitles.video_context" => "true",
        "timeouts.connect_secs" => "10",
        "timeouts.first_token_secs" => "300",
        "timeouts.idle_secs" => "60",
        // source_language empty: detect; local.mmproj empty: the model's match; openai
        // models empty: the server's first model; keys empty: not set.
        _ => "",
    }
}

/// Whether a secret is stored, and its last characters so a person can tell which.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyStatus {
    pub set: bool,
    /// `…` followed by the last 6 characters; empty when not set.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub preview: String,
}

impl KeyStatus {
    pub fn of(secret: &str) -> Self {
        if secret.is_empty() {
            return KeyStatus::default();
        }
        let tail: String = {
            let chars: Vec<char> = secret.chars().collect();
            chars[chars.len().saturating_sub(6)..].iter().collect()
        };
        KeyStatus { set: true, preview: format!("…{tail}") }
    }
}

/// Per-provider model choices and connection details as the extension sees them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderSettingsView {
    /// Server URL (`None` for the local backend).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub frame_model: String,
    pub subtitle_model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<KeyStatus>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalSettingsView {
    pub frame_model: String,
    pub subtitle_model: String,
    pub mmproj: String,
    pub context_size: u32,
    pub threads: u32,
    pub gpu_layers: u32,
    pub idle_unload_secs: u64,
}

/// How long the host waits on a model server, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeoutSettings {
    pub connect_secs: u64,
    /// For an answer to start (a slow machine reads a long prompt first).
    pub first_token_secs: u64,
    /// Between two pieces of an answer.
    pub idle_secs: u64,
}

impl Default for TimeoutSettings {
    /// The defaults of the `timeouts.*` keys, read from [`default_value`].
    fn default() -> Self {
        let secs = |key| default_value(key).parse().unwrap_or(0);
        TimeoutSettings {
            connect_secs: secs("timeouts.connect_secs"),
            first_token_secs: secs("timeouts.first_token_secs"),
            idle_secs: secs("timeouts.idle_secs"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplaySettings {
    /// Subtitle font size in percent of the player's own captions.
    pub font_size: u32,
    /// `bottom` or `top`.
    pub position: String,
    /// Show the original line under the translation.
    pub dual: bool,
    /// Pause the video while a frame translation is open.
    pub pause_on_frame: bool,
    /// The source languages whose lines get a reading under them (furigana, pinyin,
    /// romanization), comma-separated codes of [`READING_LANGUAGES`]; empty: none.
    #[serde(default)]
    pub readings: String,
}

/// How subtitle lines are translated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubtitleSettings {
    /// Show the subtitle model a small frame of the video with each batch, when the model
    /// reads images (never sent to one that does not).
    pub video_context: bool,
}

impl Default for SubtitleSettings {
    /// The default of `subtitles.video_context`, read from [`default_value`].
    fn default() -> Self {
        SubtitleSettings { video_context: default_value("subtitles.video_context") == "true" }
    }
}

/// The languages a reading line exists for (`display.readings`, `glossa-host reading`).
pub const READING_LANGUAGES: &[&str] = &["ja", "zh", "ko", "ru", "uk", "el"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    pub provider: ProviderKind,
    pub target_language: String,
    /// Empty: detect.
    pub source_language: String,
    pub local: LocalSettingsView,
    pub ollama: ProviderSettingsView,
    pub openai: ProviderSettingsView,
    pub anthropic: ProviderSettingsView,
    pub display: DisplaySettings,
    /// Absent from an older host: the defaults.
    #[serde(default)]
    pub subtitles: SubtitleSettings,
    /// Absent from an older host: the form then shows the defaults.
    #[serde(default)]
    pub timeouts: TimeoutSettings,
    /// Unix seconds of the last change; 0 when everything is default.
    pub updated_at: i64,
    /// Shown to the user, e.g. when the database could not be read and defaults are used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The same warnings as `_locales` text, in the same order (see [`crate::ErrorInfo`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warning_texts: Vec<crate::Text>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_preview_shows_only_the_last_six() {
        let k = KeyStatus::of("sk-ant-api03-SECRETSECRET-abcdef");
        assert!(k.set);
        assert_eq!(k.preview, "…abcdef");
        assert_eq!(KeyStatus::of(""), KeyStatus::default());
        assert_eq!(KeyStatus::of("abc").preview, "…abc");
    }

    #[test]
    fn timeout_defaults_come_from_the_table() {
        assert_eq!(TimeoutSettings::default(), TimeoutSettings { connect_secs: 10, first_token_secs: 300, idle_secs: 60 });
    }

    #[test]
    fn secret_keys_are_setting_keys() {
        for k in SECRET_KEYS {
            assert!(SETTING_KEYS.contains(k));
        }
    }
}
