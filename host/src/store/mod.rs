//! SQLite storage: settings, the translation cache, the tracks' glossaries and the study
//! cards, in one file in the data dir.
//!
//! Every browser tab may start its own host process, so several processes share this
//! file: WAL mode, a busy timeout, and short transactions keep them out of each other's way.
//! A call can wait on another process's lock for up to [`BUSY_TIMEOUT`], so async code
//! reaches the database only through [`Store::blocking`], never on a runtime thread.

pub mod glossary;
mod migrations;
pub mod settings;
pub mod study;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use glossa_protocol::text::{self, Text};
use rusqlite::Connection;

pub use settings::Settings;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}")]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("cannot prepare the data directory {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    InvalidSetting(glossa_protocol::Text),
    #[error("the database {path} is read-only")]
    ReadOnly { path: PathBuf },
    #[error("a database task stopped: {0}")]
    Task(String),
}

/// How long a writer waits for another process's lock before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A handle on the database; clones share one connection.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
    /// Problems met while opening (e.g. a corrupt file set aside), for the user to see.
    pub warnings: Vec<Text>,
    /// Opened read-only (the file or its folder is not writable for this user): settings
    /// are read, nothing is written.
    read_only: bool,
}

impl Store {
    /// Open (creating if needed) the database at `path`, mode 0600, migrated to the
    /// latest schema. A file that is not a database is renamed aside, never deleted.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io { path: dir.to_owned(), source })?;
        }
        let mut warnings = Vec::new();
        let conn = match Self::open_and_migrate(path) {
            Ok(c) => c,
            Err(StoreError::Sql(e) | StoreError::Open { source: e, .. }) if is_corrupt(&e) => {
                let aside = set_aside(path)?;
                let msg = text::WARN_DB_DAMAGED.with([path.display().to_string().into(), aside.display().to_string().into()]);
                tracing::warn!("{msg}");
                warnings.push(msg);
                Self::open_and_migrate(path)?
            }
            Err(e) if path.is_file() && is_not_writable(&e) => {
                let mut store = Self::open_read_only(path).map_err(|_| e)?;
                let msg = text::WARN_DB_READ_ONLY.with([path.display().to_string().into(), text::HINT_READ_ONLY_FIX.into()]);
                tracing::warn!("{msg}");
                warnings.push(msg);
                store.warnings = warnings;
                return Ok(store);
            }
            Err(e) => return Err(e),
        };
        Ok(Store { conn: Arc::new(Mutex::new(conn)), path: path.to_owned(), warnings, read_only: false })
    }

    /// Open an existing database for reading only. A WAL database in a folder we cannot
    /// write has no shared-memory file to coordinate through; SQLite then reads it as
    /// immutable (nobody can write there either, short of its owner fixing the modes).
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let conn = Self::read_only_connection(path)?;
        Ok(Store { conn: Arc::new(Mutex::new(conn)), path: path.to_owned(), warnings: Vec::new(), read_only: true })
    }

    fn read_only_connection(path: &Path) -> Result<Connection, StoreError> {
        use rusqlite::OpenFlags;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let open_err = |source| StoreError::Open { path: path.to_owned(), source };
        let usable = |conn: Connection| -> Result<Connection, StoreError> {
            conn.busy_timeout(BUSY_TIMEOUT)?;
            let version: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            if !migrations::is_current(version) {
                // An older schema cannot be upgraded without writing.
                return Err(StoreError::ReadOnly { path: path.to_owned() });
            }
            conn.query_row("SELECT COUNT(*) FROM settings", [], |r| r.get::<_, i64>(0))?;
            Ok(conn)
        };
        match Connection::open_with_flags(path, flags).map_err(open_err).and_then(usable) {
            Ok(conn) => Ok(conn),
            Err(_) => {
                let uri = url::Url::from_file_path(path)
                    .map(|u| format!("{u}?immutable=1"))
                    .map_err(|_| StoreError::ReadOnly { path: path.to_owned() })?;
                usable(Connection::open_with_flags(uri, flags).map_err(open_err)?)
            }
        }
    }

    /// True when the database could only be opened for reading.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    fn open_and_migrate(path: &Path) -> Result<Connection, StoreError> {
        create_private(path)?;
        let mut conn = Connection::open(path).map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        migrations::run(&mut conn)?;
        Ok(conn)
    }

    /// An in-memory store (tests, and the fallback when the data dir is unusable).
    pub fn in_memory() -> Result<Store, StoreError> {
        let mut conn = Connection::open_in_memory()?;
        migrations::run(&mut conn)?;
        Ok(Store { conn: Arc::new(Mutex::new(conn)), path: PathBuf::from(":memory:"), warnings: Vec::new(), read_only: false })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection, for modules that keep their own tables (settings, cache).
    pub fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Run `work` on the runtime's blocking threads: SQLite calls block (on disk, and on
    /// other processes' locks), and an async worker thread must not.
    pub async fn blocking<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || work(&store)).await.map_err(|e| StoreError::Task(e.to_string()))?
    }
}

fn is_corrupt(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt))
}

/// The file or its folder refuses writes for this user (modes, owner, a read-only mount).
fn is_not_writable(e: &StoreError) -> bool {
    use std::io::ErrorKind;
    match e {
        StoreError::Io { source, .. } => {
            matches!(source.kind(), ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem)
        }
        StoreError::Sql(e) | StoreError::Open { source: e, .. } => matches!(
            e.sqlite_error_code(),
            Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::PermissionDenied)
        ),
        _ => false,
    }
}

fn set_aside(path: &Path) -> Result<PathBuf, StoreError> {
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let aside = path.with_extension(format!("corrupt-{stamp}.sqlite"));
    std::fs::rename(path, &aside).map_err(|source| StoreError::Io { path: path.to_owned(), source })?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", path.display()));
        let _ = std::fs::remove_file(side);
    }
    Ok(aside)
}

/// Create the file with mode 0600 before SQLite does, so keys are never world-readable.
fn create_private(path: &Path) -> Result<(), StoreError> {
    let io = |source| StoreError::Io { path: path.to_owned(), source };
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path).map_err(io)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    #[cfg(not(unix))]
    {
        std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(io)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_file_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("glossa.sqlite");
        let _store = Store::open(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[tokio::test]
    async fn blocking_work_sees_the_same_database() {
        let store = Store::in_memory().unwrap();
        store.conn().execute("INSERT INTO settings (key, value, updated_at) VALUES ('k', 'v', 1)", []).unwrap();
        let value: String =
            store.blocking(|s| Ok(s.conn().query_row("SELECT value FROM settings WHERE key = 'k'", [], |r| r.get(0))?)).await.unwrap();
        assert_eq!(value, "v");
    }

    #[test]
    fn corrupt_file_is_kept_aside_and_defaults_used() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("glossa.sqlite");
        std::fs::write(&path, vec![0x42u8; 8192]).unwrap();
        let store = Store::open(&path).unwrap();
        assert_eq!(store.warnings.len(), 1);
        let kept: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(std::result::Result::ok)
            .filter(|e| e.file_name().to_string_lossy().contains("corrupt-"))
            .collect();
        assert_eq!(kept.len(), 1);
        assert_eq!(std::fs::read(kept[0].path()).unwrap(), vec![0x42u8; 8192]);
    }
}
