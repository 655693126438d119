//! PLACEHOLDER until the provider lands: reports itself as not built.

use crate::store::Settings;

pub struct Anthropic;

impl Anthropic {
    pub fn new(_http: super::http::HttpClient, _settings: &Settings) -> super::error::Unavailable {
        super::error::Unavailable(glossa_protocol::ProviderKind::Anthropic)
    }
}
