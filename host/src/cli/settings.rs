//! `glossa-host settings get [KEY]` / `settings set KEY VALUE`.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use glossa_protocol::SETTING_KEYS;

use crate::paths;
use crate::store::{settings::is_secret, Store};

#[derive(clap::Subcommand)]
pub enum Action {
    /// Print one setting, or all of them. Keys are shown as a preview only.
    Get { key: Option<String> },
    /// Change a setting, e.g. `settings set provider ollama`.
    Set { key: String, value: String },
}

pub fn run(action: Action, data_dir: &Path) -> anyhow::Result<()> {
    let store = Store::open(&paths::database(data_dir))?;
    for w in &store.warnings {
        eprintln!("warning: {w}");
    }
    match action {
        Action::Get { key } => {
            let settings = store.settings()?;
            let keys: Vec<&str> = match &key {
                Some(k) if SETTING_KEYS.contains(&k.as_str()) => vec![k.as_str()],
                Some(k) => anyhow::bail!("unknown setting `{k}`; known: {}", SETTING_KEYS.join(", ")),
                None => SETTING_KEYS.to_vec(),
            };
            for k in keys {
                let v = settings.get(k);
                let shown = if is_secret(k) {
                    let s = glossa_protocol::KeyStatus::of(v);
                    if s.set {
                        format!("{} (set)", s.preview)
                    } else {
                        "(not set)".into()
                    }
                } else {
                    v.to_owned()
                };
                println!("{k} = {shown}");
            }
        }
        Action::Set { key, value } => {
            store.put_settings(&BTreeMap::from([(key.clone(), value)])).with_context(|| format!("cannot set `{key}`"))?;
            println!("{key} saved");
        }
    }
    Ok(())
}
