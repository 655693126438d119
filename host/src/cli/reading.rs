//! `glossa-host reading TEXT --lang ja`: how a line is read (furigana, pinyin,
//! romanization, transliteration), as the reading line under a subtitle shows it.

use std::path::Path;

use crate::reading::{self, Readers};

pub fn run(text: &str, lang: &str, json: bool, data_dir: &Path) -> anyhow::Result<()> {
    let readers = Readers::new(reading::data_dir(data_dir));
    let tokens = readers.read(lang, text)?;
    if json {
        println!("{}", serde_json::to_string(&tokens)?);
    } else {
        println!("{}", reading::line(&tokens));
    }
    Ok(())
}
