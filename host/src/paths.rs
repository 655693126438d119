//! Where Glossa keeps its files: the platform data dir (`~/.local/share/glossa` on Linux),
//! or `GLOSSA_DATA_DIR` when set (tests, portable installs).

use std::path::PathBuf;

pub fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("GLOSSA_DATA_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    directories::ProjectDirs::from("dev", "glossa", "glossa")
        .map(|d| d.data_dir().to_owned())
        .unwrap_or_else(|| std::env::temp_dir().join("glossa"))
}

pub fn database(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("glossa.sqlite")
}

pub fn log_dir(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("logs")
}
