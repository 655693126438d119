//! Study cards out: the saved cards as a text file Anki imports (File → Import, Anki ≥ 2.1.54
//! reads the `#separator`, `#html` and `#columns` header lines), and their frame pictures
//! as JPEG files beside it.
//!
//! Fields: Word, Reading, Meaning, Sentence, Translation, Picture (`<img src="…">`), Link
//! (the video at that second). A line card has no word of its own: its Word is the line, so
//! the first field — the one Anki requires and matches duplicates on — is never empty.
//! Fields are HTML (`#html:true`), so `&<>"` are escaped, a newline becomes `<br>` and a tab
//! a space: no field can break a row or a column.
//!
//! Pictures are files, not `data:` URIs inside the text: Anki keeps media as files in the
//! profile's `collection.media` folder, and its media check, sync and AnkiDroid do not keep
//! or show inline data reliably. The user copies the pictures there (said where they land).

use std::path::{Path, PathBuf};

use crate::store::study::Card;

/// The columns, in order, as the `#columns:` header names them.
pub const COLUMNS: [&str; 7] = ["Word", "Reading", "Meaning", "Sentence", "Translation", "Picture", "Link"];

/// An export: the text of the import file and the pictures it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnkiExport {
    pub tsv: String,
    /// (file name, JPEG bytes), to be written into Anki's `collection.media`.
    pub pictures: Vec<(String, Vec<u8>)>,
}

/// The import file for `cards` and their pictures.
pub fn anki_export(cards: &[Card]) -> AnkiExport {
    let mut tsv = format!("#separator:tab\n#html:true\n#columns:{}\n", COLUMNS.join("\t"));
    let mut pictures = Vec::new();
    for card in cards {
        let c = &card.content;
        let picture = match &c.picture {
            Some(bytes) => {
                let name = picture_name(card);
                let field = format!("<img src=\"{}\">", html(&name));
                pictures.push((name, bytes.clone()));
                field
            }
            None => String::new(),
        };
        let url = video_link(&c.video_id, c.time_ms);
        let link = format!("<a href=\"{0}\">{0}</a>", html(&url));
        let word = if c.word.is_empty() { &c.sentence } else { &c.word };
        let fields = [html(word), html(&c.reading), html(&c.meaning), html(&c.sentence), html(&c.translation), picture, link];
        tsv.push_str(&fields.join("\t"));
        tsv.push('\n');
    }
    AnkiExport { tsv, pictures }
}

/// What [`write_anki_export`] wrote.
#[derive(Debug)]
pub struct Written {
    pub cards: usize,
    /// The folder the pictures are in (the import file's own).
    pub pictures_dir: PathBuf,
    pub pictures: usize,
}

/// Write the import file for `cards` at `out` and their pictures beside it.
pub fn write_anki_export(cards: &[Card], out: &Path) -> std::io::Result<Written> {
    let export = anki_export(cards);
    let dir = out.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_owned();
    std::fs::create_dir_all(&dir)?;
    std::fs::write(out, &export.tsv)?;
    export.write_pictures(&dir)?;
    Ok(Written { cards: cards.len(), pictures_dir: dir, pictures: export.pictures.len() })
}

impl AnkiExport {
    /// Write the pictures into `dir` (created if needed).
    pub fn write_pictures(&self, dir: &Path) -> std::io::Result<()> {
        if self.pictures.is_empty() {
            return Ok(());
        }
        std::fs::create_dir_all(dir)?;
        for (name, bytes) in &self.pictures {
            std::fs::write(dir.join(name), bytes)?;
        }
        Ok(())
    }
}

/// Where an export from the options page leaves its pictures (the browser downloads the
/// text file only): `study-pictures` in the data dir.
pub fn pictures_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("study-pictures")
}

/// The video at that second: `https://www.youtube.com/watch?v=ID&t=Ns`.
pub fn video_link(video_id: &str, time_ms: u64) -> String {
    format!("https://www.youtube.com/watch?v={}&t={}s", url_safe(video_id), time_ms / 1000)
}

/// A card's picture file name: by video and time (stable across exports and databases,
/// so a picture already in `collection.media` is the same one).
fn picture_name(card: &Card) -> String {
    let c = &card.content;
    let word = if c.word.is_empty() { String::new() } else { format!("-w{}", card.id) };
    format!("glossa-{}-{}{word}.jpg", url_safe(&c.video_id), c.time_ms)
}

/// Only the characters a YouTube id has (letters, digits, `-`, `_`).
fn url_safe(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')).collect()
}

/// Text as one HTML field of a tab-separated row.
fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let s = s.replace("\r\n", "\n");
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' | '\r' => out.push_str("<br>"),
            '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::study::{CardContent, Study};
    use crate::store::Store;

    const JPEG: [u8; 6] = [0xFF, 0xD8, 0xFF, 0xE0, 7, 7];

    fn saved_cards() -> Vec<Card> {
        let study = Study::new(&Store::in_memory().unwrap());
        study
            .save(CardContent {
                sentence: "今日は\t雨\nです".into(),
                translation: "It \"rains\" <today> & tomorrow".into(),
                reading: "きょう は あめ です".into(),
                lang: "ja".into(),
                video_id: "dQw4w9WgXcQ".into(),
                time_ms: 83_900,
                picture: Some(JPEG.to_vec()),
                ..Default::default()
            })
            .unwrap();
        study
            .save(CardContent {
                word: "雨".into(),
                reading: "あめ".into(),
                meaning: "rain".into(),
                sentence: "雨です".into(),
                translation: "Rain.".into(),
                video_id: "dQw4w9WgXcQ".into(),
                time_ms: 5_000,
                ..Default::default()
            })
            .unwrap();
        study.list().unwrap()
    }

    #[test]
    fn the_export_is_the_tsv_anki_imports_with_pictures_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("cards.tsv");
        let written = write_anki_export(&saved_cards(), &out).unwrap();
        assert_eq!((written.cards, written.pictures), (2, 1));
        let text = std::fs::read_to_string(&out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[..3], ["#separator:tab", "#html:true", "#columns:Word\tReading\tMeaning\tSentence\tTranslation\tPicture\tLink"]);
        assert_eq!(lines.len(), 5, "one row per card: tabs and newlines inside fields are escaped");
        let rows: Vec<Vec<&str>> = lines[3..].iter().map(|l| l.split('\t').collect()).collect();
        assert!(rows.iter().all(|r| r.len() == COLUMNS.len()), "{rows:?}");

        let line = &rows[0];
        assert_eq!(line[0], "今日は 雨<br>です", "a line card's Word is its line");
        assert_eq!(line[1], "きょう は あめ です");
        assert_eq!(line[2], "");
        assert_eq!(line[3], "今日は 雨<br>です");
        assert_eq!(line[4], "It &quot;rains&quot; &lt;today&gt; &amp; tomorrow");
        assert_eq!(line[5], "<img src=\"glossa-dQw4w9WgXcQ-83900.jpg\">");
        let link = "https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;t=83s";
        assert_eq!(line[6], format!("<a href=\"{link}\">{link}</a>"));
        assert_eq!(std::fs::read(dir.path().join("glossa-dQw4w9WgXcQ-83900.jpg")).unwrap(), JPEG);

        let word = &rows[1];
        assert_eq!(word[..5], ["雨", "あめ", "rain", "雨です", "Rain."]);
        assert_eq!(word[5], "", "no picture, no <img>");
        assert!(word[6].contains("watch?v=dQw4w9WgXcQ&amp;t=5s"));
    }

    #[test]
    fn a_video_id_cannot_escape_the_link_or_the_folder() {
        assert_eq!(video_link("ab\"c/../d&x=1", 1_999), "https://www.youtube.com/watch?v=abcdx1&t=1s");
    }
}
