//! Study cards: a subtitle line (or one word of it) the learner saved while watching, with
//! the sentence, its translation and reading, where in which video it was, and a small
//! frame picture (JPEG bytes, a few KB, kept in the row so the database stays one file).
//! `glossa-host study export` and the options page turn them into an Anki import
//! (see [`crate::study`]).

use rusqlite::params;

use super::{Store, StoreError};

/// The largest frame picture kept with a card; the extension sends a small thumbnail.
pub const MAX_PICTURE_BYTES: usize = 512 * 1024;

/// What a card holds. A line card leaves `word` and `meaning` empty; a word card has the
/// word, its reading and meaning, and the line it was seen in as `sentence`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CardContent {
    pub word: String,
    pub reading: String,
    pub meaning: String,
    pub sentence: String,
    pub translation: String,
    /// The sentence's language tag (`ja`, `zh-Hans`, … or empty when unknown).
    pub lang: String,
    /// The YouTube video id.
    pub video_id: String,
    /// Where in the video the line was shown.
    pub time_ms: u64,
    /// A small JPEG of the frame.
    pub picture: Option<Vec<u8>>,
}

/// A saved card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub id: i64,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    pub content: CardContent,
}

/// A handle on the study table; clones share the store's connection.
#[derive(Clone)]
pub struct Study {
    store: Store,
}

impl Study {
    pub fn new(store: &Store) -> Self {
        Study { store: store.clone() }
    }

    /// Keep `content` as a new card; its id. A picture that is not a JPEG or is too large is
    /// dropped (the card is still worth keeping without it).
    pub fn save(&self, mut content: CardContent) -> Result<i64, StoreError> {
        if self.store.is_read_only() {
            return Err(StoreError::ReadOnly { path: self.store.path().to_owned() });
        }
        if content.picture.as_deref().is_some_and(|p| !is_small_jpeg(p)) {
            tracing::warn!("study card picture dropped: not a JPEG of at most {MAX_PICTURE_BYTES} bytes");
            content.picture = None;
        }
        let c = &content;
        let conn = self.store.conn();
        conn.execute(
            "INSERT INTO study (word, reading, meaning, sentence, translation, lang, video_id, time_ms, picture, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                c.word.trim(),
                c.reading.trim(),
                c.meaning.trim(),
                c.sentence.trim(),
                c.translation.trim(),
                c.lang,
                c.video_id,
                i64::try_from(c.time_ms).unwrap_or(i64::MAX),
                c.picture,
                now()
            ],
        )?;
        Ok(conn.last_insert_rowid())
    }

    /// Every card, oldest first.
    pub fn list(&self) -> Result<Vec<Card>, StoreError> {
        let conn = self.store.conn();
        let mut stmt = conn.prepare(
            "SELECT id, created_at, word, reading, meaning, sentence, translation, lang, video_id, time_ms, picture
             FROM study ORDER BY created_at, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Card {
                id: r.get(0)?,
                created_at: r.get(1)?,
                content: CardContent {
                    word: r.get(2)?,
                    reading: r.get(3)?,
                    meaning: r.get(4)?,
                    sentence: r.get(5)?,
                    translation: r.get(6)?,
                    lang: r.get(7)?,
                    video_id: r.get(8)?,
                    time_ms: u64::try_from(r.get::<_, i64>(9)?).unwrap_or(0),
                    picture: r.get(10)?,
                },
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many cards there are.
    pub fn count(&self) -> Result<u64, StoreError> {
        Ok(self.store.conn().query_row("SELECT COUNT(*) FROM study", [], |r| r.get::<_, i64>(0))?.try_into().unwrap_or(0))
    }

    /// Forget card `id`; whether it was there.
    pub fn remove(&self, id: i64) -> Result<bool, StoreError> {
        if self.store.is_read_only() {
            return Err(StoreError::ReadOnly { path: self.store.path().to_owned() });
        }
        Ok(self.store.conn().execute("DELETE FROM study WHERE id = ?1", [id])? > 0)
    }
}

/// A JPEG (its start-of-image marker) no larger than [`MAX_PICTURE_BYTES`].
fn is_small_jpeg(bytes: &[u8]) -> bool {
    bytes.len() <= MAX_PICTURE_BYTES && bytes.starts_with(&[0xFF, 0xD8, 0xFF])
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_are_kept_in_order_and_a_non_jpeg_picture_is_dropped() {
        let study = Study::new(&Store::in_memory().unwrap());
        let line = CardContent {
            sentence: " 今日は雨です ".into(),
            translation: "It rains today".into(),
            reading: "きょう は あめ です".into(),
            lang: "ja".into(),
            video_id: "abc".into(),
            time_ms: 12_500,
            picture: Some(vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2]),
            ..Default::default()
        };
        let word = CardContent {
            word: "雨".into(),
            reading: "あめ".into(),
            meaning: "rain".into(),
            picture: Some(b"<svg/>".to_vec()),
            ..line.clone()
        };
        let a = study.save(line.clone()).unwrap();
        let b = study.save(word).unwrap();
        let cards = study.list().unwrap();
        assert_eq!(cards.iter().map(|c| c.id).collect::<Vec<_>>(), [a, b]);
        assert_eq!(cards[0].content.sentence, "今日は雨です");
        assert_eq!(cards[0].content.picture, line.picture);
        assert_eq!(cards[1].content.word, "雨");
        assert_eq!(cards[1].content.picture, None);
        assert!(study.remove(a).unwrap());
        assert!(!study.remove(a).unwrap());
        assert_eq!(study.list().unwrap().len(), 1);
    }
}
