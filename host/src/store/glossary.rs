//! Names and terms of a track as they are translated (`Takeshi → タケシ`), so every batch
//! renders them the same way. The subtitle pipeline learns them from the model's own
//! answers; the user can list, set and remove them (`glossa-host glossary`). A term the
//! user set is never replaced by what a model says later, and the first rendering a model
//! gave stays (consistency over a track is the point).
//!
//! A glossary belongs to a track and its target language: the key is the track's identity
//! (`youtube:<video id>:<lang>:<kind>`, or `file:<name>` for `translate-subs`) and the
//! language, joined by [`glossary_key`].

use rusqlite::params;

use super::{Store, StoreError};

/// Terms kept per glossary; a model that lists every word stops being learnt from here.
pub const MAX_TERMS_PER_TRACK: usize = 200;

/// One term and how it is rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub source: String,
    pub target: String,
    /// Set by the user (not replaced by what a model says).
    pub edited: bool,
}

/// The glossary key of `track` translated into `to`.
pub fn glossary_key(track: &str, to: &str) -> String {
    format!("{track}→{to}")
}

/// A handle on the glossary table; clones share the store's connection.
#[derive(Clone)]
pub struct Glossary {
    store: Store,
}

impl Glossary {
    pub fn new(store: &Store) -> Self {
        Glossary { store: store.clone() }
    }

    /// Every glossary's key with its number of terms.
    pub fn keys(&self) -> Result<Vec<(String, usize)>, StoreError> {
        let conn = self.store.conn();
        let mut stmt = conn.prepare("SELECT track, COUNT(*) FROM glossary GROUP BY track ORDER BY track")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as usize)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The terms of glossary `key`, oldest first.
    pub fn list(&self, key: &str) -> Result<Vec<Entry>, StoreError> {
        let conn = self.store.conn();
        let mut stmt = conn.prepare("SELECT source, target, edited FROM glossary WHERE track = ?1 ORDER BY added, rowid")?;
        let rows = stmt.query_map([key], |r| Ok(Entry { source: r.get(0)?, target: r.get(1)?, edited: r.get(2)? }))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The user's rendering of `source` (replacing any).
    pub fn set(&self, key: &str, source: &str, target: &str) -> Result<(), StoreError> {
        self.writable()?;
        self.store.conn().execute(
            "INSERT INTO glossary (track, source, target, edited, added) VALUES (?1, ?2, ?3, 1, ?4)
             ON CONFLICT (track, source) DO UPDATE SET target = excluded.target, edited = 1",
            params![key, source.trim(), target.trim(), now()],
        )?;
        Ok(())
    }

    /// Forget `source`; whether it was there.
    pub fn remove(&self, key: &str, source: &str) -> Result<bool, StoreError> {
        self.writable()?;
        Ok(self.store.conn().execute("DELETE FROM glossary WHERE track = ?1 AND source = ?2", params![key, source.trim()])? > 0)
    }

    /// Terms a model used: each kept unless the glossary has its source already, up to
    /// [`MAX_TERMS_PER_TRACK`]. Nothing is written to a read-only store.
    pub fn learn(&self, key: &str, terms: &[(String, String)]) -> Result<(), StoreError> {
        if terms.is_empty() || self.store.is_read_only() {
            return Ok(());
        }
        let mut conn = self.store.conn();
        let tx = conn.transaction()?;
        let have: i64 = tx.query_row("SELECT COUNT(*) FROM glossary WHERE track = ?1", [key], |r| r.get(0))?;
        let room = MAX_TERMS_PER_TRACK.saturating_sub(have as usize);
        let added = now();
        for (source, target) in terms.iter().take(room) {
            tx.execute(
                "INSERT OR IGNORE INTO glossary (track, source, target, edited, added) VALUES (?1, ?2, ?3, 0, ?4)",
                params![key, source, target, added],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// [`Self::list`], on the blocking threads (for async callers).
    pub async fn load(&self, key: String) -> Result<Vec<Entry>, StoreError> {
        self.store.blocking(move |store| Glossary::new(store).list(&key)).await
    }

    /// [`Self::learn`], on the blocking threads (for async callers).
    pub async fn remember(&self, key: String, terms: Vec<(String, String)>) -> Result<(), StoreError> {
        self.store.blocking(move |store| Glossary::new(store).learn(&key, &terms)).await
    }

    fn writable(&self) -> Result<(), StoreError> {
        if self.store.is_read_only() {
            return Err(StoreError::ReadOnly { path: self.store.path().to_owned() });
        }
        Ok(())
    }
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(a: &str, b: &str) -> (String, String) {
        (a.into(), b.into())
    }

    #[test]
    fn a_models_first_rendering_stays_and_the_users_wins() {
        let glossary = Glossary::new(&Store::in_memory().unwrap());
        let key = glossary_key("youtube:abc:en:asr", "ja");
        glossary.learn(&key, &[pair("Takeshi", "タケシ"), pair("Osaka", "大阪")]).unwrap();
        glossary.learn(&key, &[pair("Takeshi", "武")]).unwrap();
        let targets = |g: &Glossary| g.list(&key).unwrap().into_iter().map(|e| (e.source, e.target, e.edited)).collect::<Vec<_>>();
        assert_eq!(targets(&glossary), [("Takeshi".into(), "タケシ".into(), false), ("Osaka".into(), "大阪".into(), false)]);
        glossary.set(&key, "Takeshi", "たけし").unwrap();
        glossary.learn(&key, &[pair("Takeshi", "タケシ")]).unwrap();
        assert_eq!(targets(&glossary)[0], ("Takeshi".into(), "たけし".into(), true));
        assert!(glossary.remove(&key, "Osaka").unwrap());
        assert!(!glossary.remove(&key, "Osaka").unwrap());
        assert_eq!(glossary.keys().unwrap(), [(key.clone(), 1)]);
        assert!(glossary.list(&glossary_key("youtube:abc:en:asr", "fr")).unwrap().is_empty(), "another language, another glossary");
    }

    #[test]
    fn a_glossary_stops_growing_at_its_cap() {
        let glossary = Glossary::new(&Store::in_memory().unwrap());
        let terms: Vec<_> = (0..MAX_TERMS_PER_TRACK + 10).map(|i| pair(&format!("t{i}"), "x")).collect();
        glossary.learn("k", &terms).unwrap();
        assert_eq!(glossary.list("k").unwrap().len(), MAX_TERMS_PER_TRACK);
    }
}
