//! Translated lines kept in SQLite, so a re-watch, a reload or another tab (another host
//! process on the same database) costs no provider call.
//!
//! A key is a hash of everything that shapes the answer: the line, the lines before it,
//! both languages, the provider, the model and the prompt version, and the user's own
//! renderings of the names and terms in them. Not the glossary the model learnt nor the
//! earlier lines' translations: both come from the track's own answers, so a re-watch has
//! them the same (a key over them would miss every time the glossary grew); a rendering
//! the user set is a decision the cached line may not follow, so it is part of the key of
//! just the lines it occurs in (see [`CacheScope::key_with_terms`]). The table has a size
//! limit; the least recently used lines go first. Transactions stay short because other
//! host processes share the file, and run on the blocking threads ([`Store::blocking`]),
//! never on the async ones the track's scheduler uses.

use glossa_protocol::ProviderKind;
use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};

use super::answer::Term;
use super::prompt::SUBTITLE_PROMPT_VERSION;
use crate::store::{Store, StoreError};

/// Default size limit: a few thousand videos' worth of subtitles.
pub const DEFAULT_CACHE_LIMIT_BYTES: u64 = 64 * 1024 * 1024;

pub type CacheKey = [u8; 32];

/// What a cached translation depends on besides the line and its context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheScope {
    pub provider: ProviderKind,
    pub model: String,
    pub from: String,
    pub to: String,
}

impl CacheScope {
    pub fn key(&self, context: &[&str], text: &str) -> CacheKey {
        self.key_with_terms(context, text, &[])
    }

    /// [`Self::key`], also over `edited`: the renderings the user set for terms of the
    /// line or its context. Without any it is the same key, so caches stay valid.
    pub fn key_with_terms(&self, context: &[&str], text: &str, edited: &[&Term]) -> CacheKey {
        let mut h = Sha256::new();
        let mut field = |s: &[u8]| {
            h.update((s.len() as u64).to_le_bytes());
            h.update(s);
        };
        field(b"glossa-subtitle-line");
        field(&SUBTITLE_PROMPT_VERSION.to_le_bytes());
        field(self.provider.as_str().as_bytes());
        field(self.model.as_bytes());
        field(self.from.as_bytes());
        field(self.to.as_bytes());
        field(&(context.len() as u64).to_le_bytes());
        for c in context {
            field(c.as_bytes());
        }
        field(text.as_bytes());
        if !edited.is_empty() {
            field(b"edited-terms");
            for t in edited {
                field(t.source.as_bytes());
                field(t.target.as_bytes());
            }
        }
        h.finalize().into()
    }
}

/// A handle on the cache table; clones share the store's connection.
#[derive(Clone)]
pub struct TranslationCache {
    store: Store,
    limit_bytes: u64,
}

impl TranslationCache {
    pub fn new(store: &Store, limit_bytes: u64) -> Self {
        TranslationCache { store: store.clone(), limit_bytes }
    }

    /// The cached text for each key (None: not cached); hits become most recently used.
    pub async fn get_many(&self, keys: &[CacheKey]) -> Result<Vec<Option<String>>, StoreError> {
        let keys = keys.to_vec();
        self.store.blocking(move |store| Self::read(store, &keys)).await
    }

    /// Store translations, then evict the least recently used past the size limit.
    pub async fn put_many(&self, entries: Vec<(CacheKey, String)>) -> Result<(), StoreError> {
        let limit_bytes = self.limit_bytes;
        self.store.blocking(move |store| Self::write(store, &entries, limit_bytes)).await
    }

    fn read(store: &Store, keys: &[CacheKey]) -> Result<Vec<Option<String>>, StoreError> {
        // A read-only database still serves what it holds; it just cannot record the use.
        let touch_hits = !store.is_read_only();
        let mut conn = store.conn();
        let behavior = if touch_hits { rusqlite::TransactionBehavior::Immediate } else { rusqlite::TransactionBehavior::Deferred };
        let tx = conn.transaction_with_behavior(behavior)?;
        let mut found = Vec::with_capacity(keys.len());
        {
            let mut get = tx.prepare_cached("SELECT text FROM translation_cache WHERE key = ?1")?;
            let mut touch = tx.prepare_cached(
                "UPDATE translation_cache SET used_at = (SELECT COALESCE(MAX(used_at), 0) + 1 FROM translation_cache)
                 WHERE key = ?1",
            )?;
            for key in keys {
                let text: Option<String> = get.query_row(params![&key[..]], |r| r.get(0)).optional()?;
                if text.is_some() && touch_hits {
                    touch.execute(params![&key[..]])?;
                }
                found.push(text);
            }
        }
        tx.commit()?;
        Ok(found)
    }

    fn write(store: &Store, entries: &[(CacheKey, String)], limit_bytes: u64) -> Result<(), StoreError> {
        if entries.is_empty() || store.is_read_only() {
            return Ok(());
        }
        let mut conn = store.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut put = tx.prepare_cached(
                "INSERT INTO translation_cache (key, text, bytes, used_at)
                 VALUES (?1, ?2, ?3, (SELECT COALESCE(MAX(used_at), 0) + 1 FROM translation_cache))
                 ON CONFLICT(key) DO UPDATE SET text = excluded.text, bytes = excluded.bytes, used_at = excluded.used_at",
            )?;
            for (key, text) in entries {
                put.execute(params![&key[..], text, (key.len() + text.len()) as i64])?;
            }
            let total: i64 = tx.query_row("SELECT COALESCE(SUM(bytes), 0) FROM translation_cache", [], |r| r.get(0))?;
            if total as u64 > limit_bytes {
                // Down to 90 % of the limit, so eviction does not run on every insert.
                let mut excess = total - (limit_bytes as i64 / 10 * 9);
                let mut oldest = tx.prepare_cached("SELECT key, bytes FROM translation_cache ORDER BY used_at ASC")?;
                let mut victims: Vec<Vec<u8>> = Vec::new();
                let mut rows = oldest.query([])?;
                while excess > 0 {
                    let Some(row) = rows.next()? else { break };
                    victims.push(row.get(0)?);
                    excess -= row.get::<_, i64>(1)?;
                }
                drop(rows);
                let mut delete = tx.prepare_cached("DELETE FROM translation_cache WHERE key = ?1")?;
                for key in &victims {
                    delete.execute(params![key])?;
                }
                tracing::debug!(evicted = victims.len(), "translation cache over its limit");
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Forget every cached translation; returns how many there were. (Blocking: for the CLI.)
    pub fn clear(&self) -> Result<usize, StoreError> {
        Ok(self.store.conn().execute("DELETE FROM translation_cache", [])?)
    }

    /// (entries, bytes) held now. (Blocking: for the CLI.)
    pub fn size(&self) -> Result<(u64, u64), StoreError> {
        Ok(self.store.conn().query_row("SELECT COUNT(*), COALESCE(SUM(bytes), 0) FROM translation_cache", [], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64))
        })?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> CacheScope {
        CacheScope { provider: ProviderKind::Ollama, model: "m".into(), from: "en".into(), to: "ja".into() }
    }

    #[test]
    fn keys_change_with_everything_that_shapes_the_answer() {
        let s = scope();
        let k = s.key(&["before"], "line");
        assert_eq!(k, s.key(&["before"], "line"));
        assert_ne!(k, s.key(&["other"], "line"));
        assert_ne!(k, s.key(&[], "line"));
        assert_ne!(k, s.key(&["before"], "line2"));
        assert_ne!(k, CacheScope { to: "de".into(), ..scope() }.key(&["before"], "line"));
        assert_ne!(k, CacheScope { model: "n".into(), ..scope() }.key(&["before"], "line"));
        assert_ne!(k, CacheScope { provider: ProviderKind::Openai, ..scope() }.key(&["before"], "line"));
        // Field boundaries count: ("ab","c") is not ("a","bc").
        assert_ne!(s.key(&["ab"], "c"), s.key(&["a"], "bc"));
    }

    #[tokio::test]
    async fn least_recently_used_lines_are_evicted_first() {
        let store = Store::in_memory().unwrap();
        // Each entry is 32 + 68 = 100 bytes; the limit holds three.
        let cache = TranslationCache::new(&store, 350);
        let key = |n: u8| [n; 32];
        let text = |n: u8| format!("{n:0>68}");
        cache.put_many(vec![(key(1), text(1)), (key(2), text(2)), (key(3), text(3))]).await.unwrap();
        assert_eq!(cache.size().unwrap(), (3, 300));
        // Reading 1 makes 2 the oldest.
        assert!(cache.get_many(&[key(1)]).await.unwrap()[0].is_some());
        cache.put_many(vec![(key(4), text(4))]).await.unwrap();
        let got = cache.get_many(&[key(1), key(2), key(3), key(4)]).await.unwrap();
        let present: Vec<bool> = got.iter().map(Option::is_some).collect();
        assert_eq!(present, [true, false, true, true]);
        assert_eq!(cache.clear().unwrap(), 3);
        assert_eq!(cache.size().unwrap(), (0, 0));
    }
}
