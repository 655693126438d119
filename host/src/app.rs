//! What every request can reach: the store and the providers.

use std::path::{Path, PathBuf};

use glossa_protocol::ProviderKind;

use crate::providers::{Provider, Providers};
use crate::store::{Settings, Store};

pub struct App {
    pub store: Store,
    pub providers: Providers,
    pub data_dir: PathBuf,
}

impl App {
    pub fn new(store: Store, data_dir: &Path) -> Self {
        App { providers: Providers::new(data_dir), store, data_dir: data_dir.to_owned() }
    }

    /// Settings as stored now; defaults (with a warning logged) if the database fails.
    pub fn settings(&self) -> (Settings, Vec<String>) {
        let mut warnings = self.store.warnings.clone();
        match self.store.settings() {
            Ok(s) => (s, warnings),
            Err(e) => {
                tracing::warn!("cannot read settings, using defaults: {e}");
                warnings.push(format!("Settings could not be read ({e}); defaults are used."));
                (Settings::default(), warnings)
            }
        }
    }

    /// The provider `kind` (or the configured one), with current settings.
    pub fn provider(&self, kind: Option<ProviderKind>) -> (std::sync::Arc<dyn Provider>, Settings) {
        let (settings, _) = self.settings();
        let kind = kind.unwrap_or_else(|| settings.provider());
        (self.providers.get(kind, &settings), settings)
    }
}
