//! Typed settings over the key/value `settings` table.
//!
//! Keys are the protocol's [`SETTING_KEYS`], each with the protocol's [`default_value`],
//! so an empty database is a working configuration (the built-in local backend). The
//! store checks the shape of each value (a number, a URL, a choice) and nothing more:
//! what the values mean is the config layer's business (`crate::config`). Secrets are
//! stored here and nowhere else; [`Settings::view`] replaces them with a `…last6` preview.

use std::collections::BTreeMap;

use glossa_protocol::text::{self, Text};
use glossa_protocol::{
    default_value, DisplaySettings, KeyStatus, LocalSettingsView, ProviderKind, ProviderSettingsView, SettingsView, SubtitleSettings,
    TimeoutSettings, READING_LANGUAGES, SECRET_KEYS, SETTING_KEYS,
};
use rusqlite::params;

use super::{Store, StoreError};

/// All settings, defaults filled in. Cheap to clone; read fresh for each request so a
/// change from the options page (or another process) applies at once.
#[derive(Clone, PartialEq, Eq)]
pub struct Settings {
    values: BTreeMap<String, String>,
    pub updated_at: i64,
}

/// Every value but the secrets, which show only whether they are set.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = self.values.iter().map(|(k, v)| match (is_secret(k), v.is_empty()) {
            (true, true) => (k, "(not set)"),
            (true, false) => (k, "(set)"),
            (false, _) => (k, v.as_str()),
        });
        f.debug_struct("Settings").field("values", &BTreeMap::from_iter(shown)).field("updated_at", &self.updated_at).finish()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings { values: SETTING_KEYS.iter().map(|k| (k.to_string(), default_value(k).to_owned())).collect(), updated_at: 0 }
    }
}

impl Settings {
    /// The value of a known key (its default when unset).
    pub fn get(&self, key: &str) -> &str {
        self.values.get(key).map(String::as_str).unwrap_or("")
    }

    pub fn provider(&self) -> ProviderKind {
        self.get("provider").parse().unwrap_or(ProviderKind::Local)
    }

    pub fn target_language(&self) -> &str {
        self.get("target_language")
    }

    pub fn frame_model(&self, kind: ProviderKind) -> &str {
        self.get(&format!("{kind}.frame_model"))
    }

    pub fn subtitle_model(&self, kind: ProviderKind) -> &str {
        self.get(&format!("{kind}.subtitle_model"))
    }

    pub fn number<T: std::str::FromStr + Default>(&self, key: &str) -> T {
        self.get(key).parse().unwrap_or_default()
    }

    pub fn flag(&self, key: &str) -> bool {
        self.get(key) == "true"
    }

    /// What the extension may see: everything but secrets, which become previews.
    pub fn view(&self, warnings: Vec<Text>) -> SettingsView {
        let provider = |kind: ProviderKind, url_key: &str, key_key: Option<&str>| ProviderSettingsView {
            url: Some(self.get(url_key).to_owned()),
            frame_model: self.frame_model(kind).to_owned(),
            subtitle_model: self.subtitle_model(kind).to_owned(),
            api_key: key_key.map(|k| KeyStatus::of(self.get(k))),
        };
        SettingsView {
            provider: self.provider(),
            target_language: self.target_language().to_owned(),
            source_language: self.get("source_language").to_owned(),
            local: LocalSettingsView {
                frame_model: self.get("local.frame_model").to_owned(),
                subtitle_model: self.get("local.subtitle_model").to_owned(),
                mmproj: self.get("local.mmproj").to_owned(),
                context_size: self.number("local.context_size"),
                threads: self.number("local.threads"),
                gpu_layers: self.number("local.gpu_layers"),
                idle_unload_secs: self.number("local.idle_unload_secs"),
            },
            ollama: provider(ProviderKind::Ollama, "ollama.url", None),
            openai: provider(ProviderKind::Openai, "openai.base_url", Some("openai.api_key")),
            anthropic: provider(ProviderKind::Anthropic, "anthropic.base_url", Some("anthropic.api_key")),
            display: DisplaySettings {
                font_size: self.number("display.font_size"),
                position: self.get("display.position").to_owned(),
                dual: self.flag("display.dual"),
                pause_on_frame: self.flag("display.pause_on_frame"),
                readings: self.get("display.readings").to_owned(),
            },
            subtitles: SubtitleSettings { video_context: self.flag("subtitles.video_context") },
            timeouts: TimeoutSettings {
                connect_secs: self.number("timeouts.connect_secs"),
                first_token_secs: self.number("timeouts.first_token_secs"),
                idle_secs: self.number("timeouts.idle_secs"),
            },
            updated_at: self.updated_at,
            warnings: warnings.iter().map(Text::english).collect(),
            warning_texts: warnings,
        }
    }
}

/// Check one key/value pair, returning the value to store (trimmed, normalised).
pub fn validate(key: &str, value: &str) -> Result<String, StoreError> {
    let bad = |why: Text| Err(StoreError::InvalidSetting(why));
    if !SETTING_KEYS.contains(&key) {
        return bad(text::ERR_UNKNOWN_SETTING.with([key.into(), SETTING_KEYS.join(", ").into()]));
    }
    let value = value.trim();
    let not = |message: text::Message<2>| bad(message.with([key.into(), value.into()]));
    match key {
        "provider" => {
            value.parse::<ProviderKind>().map(|k| k.to_string()).or_else(|_| bad(text::ERR_UNKNOWN_PROVIDER.with([value.into()])))
        }
        k if k.ends_with(".url") || k.ends_with(".base_url") => {
            if value.is_empty() {
                return Ok(default_value(k).to_owned());
            }
            crate::server_url::parse(value)
                .map(|u| u.as_str().trim_end_matches('/').to_owned())
                .map_err(|e| StoreError::InvalidSetting(text::ERR_SETTING_INVALID.with([key.into(), e.into()])))
        }
        "local.context_size" | "local.threads" | "local.gpu_layers" | "local.idle_unload_secs" | "display.font_size" => {
            value.parse::<u64>().map(|n| n.to_string()).or_else(|_| not(text::ERR_SETTING_WHOLE_NUMBER))
        }
        "timeouts.connect_secs" | "timeouts.first_token_secs" | "timeouts.idle_secs" => match value.parse::<u64>() {
            Ok(n @ 1..=3600) => Ok(n.to_string()),
            _ => not(text::ERR_SETTING_SECONDS),
        },
        "display.dual" | "display.pause_on_frame" | "subtitles.video_context" => match value {
            "true" | "false" => Ok(value.to_owned()),
            _ => not(text::ERR_SETTING_BOOL),
        },
        "display.position" => match value {
            "bottom" | "top" => Ok(value.to_owned()),
            _ => not(text::ERR_SETTING_POSITION),
        },
        "display.readings" => readings(value).map_err(|bad_one| {
            let reason = format!("{bad_one:?} has no reading; one of {}", READING_LANGUAGES.join(", "));
            StoreError::InvalidSetting(text::ERR_SETTING_INVALID.with([key.into(), reason.into()]))
        }),
        "target_language" if value.is_empty() => bad(text::ERR_TARGET_LANGUAGE_EMPTY.text()),
        _ => Ok(value.to_owned()),
    }
}

/// `display.readings` normalised: known codes, lower case, each once, comma-separated;
/// the first unknown one as the error.
fn readings(value: &str) -> Result<String, String> {
    let mut codes: Vec<String> = Vec::new();
    for code in value.split(',').map(|c| c.trim().to_ascii_lowercase()).filter(|c| !c.is_empty()) {
        if !READING_LANGUAGES.contains(&code.as_str()) {
            return Err(code);
        }
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    Ok(codes.join(","))
}

impl Store {
    /// Current settings with defaults filled in.
    pub fn settings(&self) -> Result<Settings, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT key, value, updated_at FROM settings")?;
        let mut settings = Settings::default();
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))?;
        for row in rows {
            let (key, value, at) = row?;
            if SETTING_KEYS.contains(&key.as_str()) {
                settings.values.insert(key, value);
                settings.updated_at = settings.updated_at.max(at);
            }
        }
        Ok(settings)
    }

    /// Validate and write several settings in one transaction: all or nothing.
    pub fn put_settings(&self, values: &BTreeMap<String, String>) -> Result<(), StoreError> {
        let checked: Vec<(String, String)> =
            values.iter().map(|(k, v)| validate(k, v).map(|v| (k.clone(), v))).collect::<Result<_, _>>()?;
        if self.is_read_only() {
            return Err(StoreError::ReadOnly { path: self.path().to_owned() });
        }
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for (key, value) in &checked {
            tx.execute(
                "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                params![key, value, now],
            )?;
        }
        tx.commit()?;
        let names: Vec<&str> = checked.iter().map(|(k, _)| k.as_str()).collect();
        // Values are not logged: some are secrets.
        tracing::info!(keys = ?names, "settings changed");
        Ok(())
    }
}

/// Is `key` a secret whose value must never leave the host?
pub fn is_secret(key: &str) -> bool {
    SECRET_KEYS.contains(&key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use glossa_protocol::DEFAULT_OLLAMA_URL;

    #[test]
    fn reading_languages_are_known_codes_each_once() {
        assert_eq!(validate("display.readings", " ja, ZH,ja ,").unwrap(), "ja,zh");
        assert_eq!(validate("display.readings", "").unwrap(), "");
        let err = validate("display.readings", "ja,fr").unwrap_err().to_string();
        assert!(err.contains("\"fr\" has no reading") && err.contains("ja, zh, ko, ru, uk, el"), "{err}");
    }

    #[test]
    fn defaults_make_a_working_local_configuration() {
        let s = Store::in_memory().unwrap().settings().unwrap();
        assert_eq!(s.provider(), ProviderKind::Local);
        assert_eq!(s.get("ollama.url"), DEFAULT_OLLAMA_URL);
        assert_eq!(s.frame_model(ProviderKind::Ollama), "gemma3:12b");
        assert_eq!(s.get("timeouts.connect_secs"), "10");
        assert_eq!(s.get("timeouts.idle_secs"), "60");
    }

    #[test]
    fn keys_are_stored_but_only_previewed() {
        let store = Store::in_memory().unwrap();
        let secret = "sk-ant-VERYSECRET-123456";
        store.put_settings(&BTreeMap::from([("anthropic.api_key".into(), secret.into())])).unwrap();
        let s = store.settings().unwrap();
        assert_eq!(s.get("anthropic.api_key"), secret);
        let json = serde_json::to_string(&s.view(vec![])).unwrap();
        assert!(!json.contains("VERYSECRET"), "{json}");
        assert!(json.contains("…123456"));
        let debug = format!("{s:?}");
        assert!(!debug.contains("VERYSECRET"), "{debug}");
        assert!(debug.contains("\"anthropic.api_key\": \"(set)\""), "{debug}");
    }

    #[test]
    fn invalid_values_are_rejected_whole() {
        let store = Store::in_memory().unwrap();
        let err = store
            .put_settings(&BTreeMap::from([("target_language".into(), "ja".into()), ("ollama.url".into(), "ftp://x".into())]))
            .unwrap_err();
        assert!(err.to_string().contains("ollama.url"), "{err}");
        assert_eq!(store.settings().unwrap().target_language(), "en");
        assert!(validate("nope", "1").is_err());
        assert!(validate("provider", "bard").is_err());
        assert_eq!(validate("ollama.url", "http://127.0.0.1:11434/").unwrap(), "http://127.0.0.1:11434");
        assert_eq!(validate("timeouts.idle_secs", " 30 ").unwrap(), "30");
        assert!(validate("timeouts.idle_secs", "0").is_err());
        assert!(validate("timeouts.connect_secs", "soon").is_err());
    }
}
