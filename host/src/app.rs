//! What every request can reach: the store, the providers, the data folder; and the
//! settings read from the store off the async threads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use glossa_protocol::text::{self, Text};

use crate::config::Config;
use crate::dictionary::{self, Dictionaries};
use crate::pipeline::subtitles::cache::{TranslationCache, DEFAULT_CACHE_LIMIT_BYTES};
use crate::providers::Providers;
use crate::reading::{self, Readers};
use crate::store::{Settings, Store, StoreError};

pub struct App {
    pub store: Store,
    pub providers: Providers,
    pub data_dir: PathBuf,
    /// Readings under the original line; each language's dictionary loads on first use.
    pub readers: std::sync::Arc<Readers>,
    /// A word's meaning (JMdict, CC-CEDICT); each opens on the first word looked up.
    pub dictionaries: std::sync::Arc<Dictionaries>,
}

impl App {
    pub fn new(store: Store, data_dir: &Path) -> Self {
        let readers = std::sync::Arc::new(Readers::new(reading::data_dir(data_dir)));
        let dictionaries = std::sync::Arc::new(Dictionaries::new(dictionary::data_dir(data_dir)));
        App { providers: Providers::new(data_dir), store, data_dir: data_dir.to_owned(), readers, dictionaries }
    }

    /// Settings as stored now; defaults (with a warning logged) if the database fails.
    pub async fn settings(&self) -> (Settings, Vec<Text>) {
        let mut warnings = self.store.warnings.clone();
        match self.store.blocking(Store::settings).await {
            Ok(s) => (s, warnings),
            Err(e) => {
                tracing::warn!("cannot read settings, using defaults: {e}");
                warnings.push(text::WARN_SETTINGS_UNREADABLE.with([e.to_string().into()]));
                (Settings::default(), warnings)
            }
        }
    }

    /// The typed configuration, from the settings as stored now (read fresh for each
    /// request, so a change from the options page or another process applies at once).
    pub async fn config(&self) -> Config {
        Config::from_settings(&self.settings().await.0)
    }

    /// Validate and save `values`, all or nothing.
    pub async fn put_settings(&self, values: BTreeMap<String, String>) -> Result<(), StoreError> {
        self.store.blocking(move |store| store.put_settings(&values)).await
    }

    /// The subtitle translation cache, shared by every host process on this database.
    pub fn cache(&self) -> TranslationCache {
        TranslationCache::new(&self.store, DEFAULT_CACHE_LIMIT_BYTES)
    }
}
