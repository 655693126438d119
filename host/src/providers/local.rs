//! PLACEHOLDER until the local backend lands.

use std::path::PathBuf;
use std::sync::Arc;

use crate::store::Settings;

pub struct LocalRuntime {
    pub models_dir: PathBuf,
}

impl LocalRuntime {
    pub fn new(models_dir: PathBuf) -> Self {
        LocalRuntime { models_dir }
    }
}

pub struct Local;

impl Local {
    pub fn new(_rt: Arc<LocalRuntime>, _settings: &Settings) -> super::error::Unavailable {
        super::error::Unavailable(glossa_protocol::ProviderKind::Local)
    }
}
