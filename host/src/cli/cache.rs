//! `glossa-host cache clear|info`: the subtitle translation cache.

use std::path::Path;

use crate::paths;
use crate::pipeline::subtitles::cache::{TranslationCache, DEFAULT_CACHE_LIMIT_BYTES};
use crate::store::Store;

#[derive(clap::Subcommand)]
pub enum Action {
    /// Forget every cached subtitle translation (the next viewing translates again).
    Clear,
    /// How many translations are cached, and how much space they take.
    Info,
}

pub fn run(action: Action, data_dir: &Path) -> anyhow::Result<()> {
    let store = Store::open(&paths::database(data_dir))?;
    let cache = TranslationCache::new(&store, DEFAULT_CACHE_LIMIT_BYTES);
    match action {
        Action::Clear => {
            let n = cache.clear()?;
            println!("removed {n} cached translation{}", if n == 1 { "" } else { "s" });
        }
        Action::Info => {
            let (entries, bytes) = cache.size()?;
            println!(
                "{entries} cached translations, {:.1} MiB of {} MiB",
                bytes as f64 / f64::from(1 << 20),
                DEFAULT_CACHE_LIMIT_BYTES >> 20
            );
        }
    }
    Ok(())
}
