//! Versioned schema migrations, tracked in `PRAGMA user_version`. Append only: a released
//! migration is never edited, a new one is added at the end.

use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: settings as key/value rows, so concurrent processes writing different keys never
    // overwrite each other's changes.
    "CREATE TABLE settings (
        key        TEXT PRIMARY KEY,
        value      TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    );",
    // 2: translated subtitle lines, keyed by a hash of everything that shapes the answer
    // (see pipeline/subtitles/cache.rs); `used_at` orders least-recently-used eviction.
    "CREATE TABLE translation_cache (
        key     BLOB PRIMARY KEY,
        text    TEXT NOT NULL,
        bytes   INTEGER NOT NULL,
        used_at INTEGER NOT NULL
    );
    CREATE INDEX translation_cache_lru ON translation_cache (used_at);",
    // 3: each track's glossary of names and terms (see store/glossary.rs); `added` orders
    // them, `edited` marks the user's own.
    "CREATE TABLE glossary (
        track  TEXT NOT NULL,
        source TEXT NOT NULL,
        target TEXT NOT NULL,
        edited INTEGER NOT NULL,
        added  INTEGER NOT NULL,
        PRIMARY KEY (track, source)
    );",
    // 4: study cards the learner saved (see store/study.rs): a line, or a word of it
    // (`word` empty for a line card), with where it was seen and a small JPEG frame.
    "CREATE TABLE study (
        id          INTEGER PRIMARY KEY,
        word        TEXT NOT NULL,
        reading     TEXT NOT NULL,
        meaning     TEXT NOT NULL,
        sentence    TEXT NOT NULL,
        translation TEXT NOT NULL,
        lang        TEXT NOT NULL,
        video_id    TEXT NOT NULL,
        time_ms     INTEGER NOT NULL,
        picture     BLOB,
        created_at  INTEGER NOT NULL
    );",
];

/// Does a database at schema `version` need no migration?
pub fn is_current(version: usize) -> bool {
    version >= MIGRATIONS.len()
}

pub fn run(conn: &mut Connection) -> rusqlite::Result<()> {
    // Up to date (the common case): a plain read, so a start-up never waits for another
    // process's write lock.
    let current: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if is_current(current) {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let current: usize = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
    }
    tx.commit()
}
