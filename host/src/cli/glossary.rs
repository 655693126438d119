//! `glossa-host glossary list|set|remove`: the names and terms each track's subtitles keep
//! to (learnt from the model's answers; what the user sets here wins over them).

use std::path::Path;

use crate::paths;
use crate::store::glossary::Glossary;
use crate::store::Store;

#[derive(clap::Subcommand)]
pub enum Action {
    /// Every glossary with its number of terms, or the terms of GLOSSARY.
    List { glossary: Option<String> },
    /// Render SOURCE as TARGET in GLOSSARY (a key as `list` prints it).
    Set { glossary: String, source: String, target: String },
    /// Forget SOURCE in GLOSSARY.
    Remove { glossary: String, source: String },
}

pub fn run(action: Action, data_dir: &Path) -> anyhow::Result<()> {
    let store = Store::open(&paths::database(data_dir))?;
    let glossary = Glossary::new(&store);
    match action {
        Action::List { glossary: None } => {
            for (key, n) in glossary.keys()? {
                println!("{key}\t{n} term{}", if n == 1 { "" } else { "s" });
            }
        }
        Action::List { glossary: Some(key) } => {
            for entry in glossary.list(&key)? {
                println!("{}\t{}{}", entry.source, entry.target, if entry.edited { "\t(set by you)" } else { "" });
            }
        }
        Action::Set { glossary: key, source, target } => glossary.set(&key, &source, &target)?,
        Action::Remove { glossary: key, source } => {
            if !glossary.remove(&key, &source)? {
                anyhow::bail!("{key} has no term {source:?}");
            }
        }
    }
    Ok(())
}
