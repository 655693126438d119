//! `glossa-host study list|export|remove`: the lines and words saved while watching, and
//! their export as an Anki import file with its pictures.

use std::path::{Path, PathBuf};

use crate::paths;
use crate::store::study::Study;
use crate::store::Store;
use crate::study::{video_link, write_anki_export};

#[derive(clap::Subcommand)]
pub enum Action {
    /// Every saved card: id, video link, the word or line, its translation.
    List,
    /// Write the cards as a tab-separated file Anki imports (File → Import), with their
    /// pictures beside it (copy those into Anki's collection.media folder).
    Export {
        /// The file to write, e.g. cards.tsv.
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Forget card ID (as `list` prints it).
    Remove { id: i64 },
}

pub fn run(action: Action, data_dir: &Path) -> anyhow::Result<()> {
    let store = Store::open(&paths::database(data_dir))?;
    let study = Study::new(&store);
    match action {
        Action::List => {
            for card in study.list()? {
                let c = &card.content;
                let what = if c.word.is_empty() { &c.sentence } else { &c.word };
                println!("{}\t{}\t{}\t{}", card.id, video_link(&c.video_id, c.time_ms), one_line(what), one_line(&c.translation));
            }
        }
        Action::Export { out } => {
            let written = write_anki_export(&study.list()?, &out)?;
            println!("wrote {} card{} to {}", written.cards, if written.cards == 1 { "" } else { "s" }, out.display());
            if written.pictures > 0 {
                println!(
                    "wrote {} picture{} to {}: copy them into your Anki profile's collection.media folder (Tools → Check Media shows where) before importing",
                    written.pictures,
                    if written.pictures == 1 { "" } else { "s" },
                    written.pictures_dir.display()
                );
            }
            println!("import it in Anki (≥ 2.1.54) with File → Import: the columns are named in the file");
        }
        Action::Remove { id } => {
            if !study.remove(id)? {
                anyhow::bail!("no card {id}");
            }
        }
    }
    Ok(())
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
