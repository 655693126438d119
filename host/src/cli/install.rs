//! `glossa-host install|uninstall`: register this binary as the native-messaging host
//! `dev.glossa.host` with each browser, user-level, and remove it again.

use std::path::{Path, PathBuf};

use glossa_protocol::{CHROMIUM_EXTENSION_ID, FIREFOX_EXTENSION_ID, HOST_NAME};

use crate::native::launch::BrowserCaller;

const CHROMIUM_TEMPLATE: &str = include_str!("../../../manifests/chromium.json");
const FIREFOX_TEMPLATE: &str = include_str!("../../../manifests/firefox.json");

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Browser {
    Chrome,
    Chromium,
    Edge,
    Brave,
    Firefox,
    All,
}

impl Browser {
    const EACH: [Browser; 5] = [Browser::Chrome, Browser::Chromium, Browser::Edge, Browser::Brave, Browser::Firefox];

    fn expand(self) -> Vec<Browser> {
        if self == Browser::All {
            Self::EACH.to_vec()
        } else {
            vec![self]
        }
    }

    fn is_firefox(self) -> bool {
        self == Browser::Firefox
    }

    /// The user-level directory this browser reads host manifests from.
    pub fn manifest_dir(self, home: &Path) -> PathBuf {
        let mac = cfg!(target_os = "macos");
        let rel = match (self, mac) {
            (Browser::Chrome, false) => ".config/google-chrome/NativeMessagingHosts",
            (Browser::Chromium, false) => ".config/chromium/NativeMessagingHosts",
            (Browser::Edge, false) => ".config/microsoft-edge/NativeMessagingHosts",
            (Browser::Brave, false) => ".config/BraveSoftware/Brave-Browser/NativeMessagingHosts",
            (Browser::Firefox, false) => ".mozilla/native-messaging-hosts",
            (Browser::Chrome, true) => "Library/Application Support/Google/Chrome/NativeMessagingHosts",
            (Browser::Chromium, true) => "Library/Application Support/Chromium/NativeMessagingHosts",
            (Browser::Edge, true) => "Library/Application Support/Microsoft Edge/NativeMessagingHosts",
            (Browser::Brave, true) => "Library/Application Support/BraveSoftware/Brave-Browser/NativeMessagingHosts",
            (Browser::Firefox, true) => "Library/Application Support/Mozilla/NativeMessagingHosts",
            (Browser::All, _) => unreachable!("expanded before use"),
        };
        home.join(rel)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("cannot find your home directory; set HOME")]
    NoHome,
    #[error("cannot find this program's own path: {0}")]
    NoExe(std::io::Error),
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("`{0}` is not an extension id: use 32 letters a–p (Chromium) or an add-on id like name@example.org (Firefox)")]
    BadId(String),
}

pub struct InstallOptions {
    pub browser: Browser,
    /// Extra extension ids to allow besides Glossa's own.
    pub extension_ids: Vec<String>,
    /// Write into this directory instead of the browsers' own (e.g. a test profile's
    /// `<user-data-dir>/NativeMessagingHosts`).
    pub dir: Option<PathBuf>,
    pub home: Option<PathBuf>,
    pub exe: Option<PathBuf>,
}

fn is_chromium_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| (b'a'..=b'p').contains(&b))
}

/// Manifest JSON for one browser.
pub fn render(browser: Browser, exe: &Path, extra_ids: &[String]) -> String {
    let path = serde_json::to_string(&exe.to_string_lossy()).unwrap_or_default();
    let path = path.trim_matches('"');
    if browser.is_firefox() {
        let mut ids = vec![FIREFOX_EXTENSION_ID.to_owned()];
        ids.extend(extra_ids.iter().filter(|i| !is_chromium_id(i)).cloned());
        FIREFOX_TEMPLATE.replace("@HOST_PATH@", path).replace("@ALLOWED_EXTENSIONS@", &serde_json::to_string(&ids).unwrap_or_default())
    } else {
        let mut origins = vec![format!("chrome-extension://{CHROMIUM_EXTENSION_ID}/")];
        origins.extend(extra_ids.iter().filter(|i| is_chromium_id(i)).map(|i| format!("chrome-extension://{i}/")));
        CHROMIUM_TEMPLATE.replace("@HOST_PATH@", path).replace("@ALLOWED_ORIGINS@", &serde_json::to_string(&origins).unwrap_or_default())
    }
}

fn home(opts_home: &Option<PathBuf>) -> Result<PathBuf, InstallError> {
    opts_home.clone().or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().to_owned())).ok_or(InstallError::NoHome)
}

/// Write the manifests; returns the files written.
pub fn install(opts: &InstallOptions, data_dir: &Path) -> Result<Vec<PathBuf>, InstallError> {
    for id in &opts.extension_ids {
        if !is_chromium_id(id) && !id.contains('@') && !id.starts_with('{') {
            return Err(InstallError::BadId(id.clone()));
        }
    }
    let exe = match &opts.exe {
        Some(e) => e.clone(),
        None => std::env::current_exe().and_then(|p| p.canonicalize()).map_err(InstallError::NoExe)?,
    };
    let home = home(&opts.home)?;
    let mut written = Vec::new();
    for browser in opts.browser.expand() {
        let dir = opts.dir.clone().unwrap_or_else(|| browser.manifest_dir(&home));
        let file = dir.join(format!("{HOST_NAME}.json"));
        let write = |path: &Path, body: &str| {
            std::fs::create_dir_all(dir.as_path())
                .and_then(|_| std::fs::write(path, body))
                .map_err(|source| InstallError::Write { path: path.to_owned(), source })
        };
        write(&file, &render(browser, &exe, &opts.extension_ids))?;
        written.push(file);
    }
    if !opts.extension_ids.is_empty() {
        let list = data_dir.join("allowed-extensions.txt");
        std::fs::create_dir_all(data_dir)
            .and_then(|_| std::fs::write(&list, opts.extension_ids.join("\n")))
            .map_err(|source| InstallError::Write { path: list, source })?;
    }
    Ok(written)
}

/// Remove the manifests; returns the files removed.
pub fn uninstall(browser: Browser, dir: Option<&Path>, home_dir: Option<PathBuf>) -> Result<Vec<PathBuf>, InstallError> {
    let home = home(&home_dir)?;
    let mut removed = Vec::new();
    for b in browser.expand() {
        let file = dir.map(Path::to_owned).unwrap_or_else(|| b.manifest_dir(&home)).join(format!("{HOST_NAME}.json"));
        if std::fs::remove_file(&file).is_ok() {
            removed.push(file);
        }
    }
    Ok(removed)
}

/// Is this caller one of Glossa's extensions (or an id the user installed for)?
/// The browser already enforces the manifest's allow-list; this is a second lock.
pub fn is_allowed(caller: &BrowserCaller, data_dir: &Path) -> bool {
    let id = caller.extension_id();
    if id == CHROMIUM_EXTENSION_ID || id == FIREFOX_EXTENSION_ID {
        return true;
    }
    std::fs::read_to_string(data_dir.join("allowed-extensions.txt")).map(|list| list.lines().any(|l| l.trim() == id)).unwrap_or(false)
}

/// Installed manifest for `browser` if it exists and points at `exe`.
pub fn installed_manifest(browser: Browser, home: &Path) -> Option<serde_json::Value> {
    let file = browser.manifest_dir(home).join(format!("{HOST_NAME}.json"));
    serde_json::from_str(&std::fs::read_to_string(file).ok()?).ok()
}

pub fn each_browser() -> [Browser; 5] {
    Browser::EACH
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_are_valid_json_with_absolute_path_and_origins() {
        let exe = Path::new("/opt/glossa/glossa-host");
        let c: serde_json::Value = serde_json::from_str(&render(Browser::Chromium, exe, &[])).unwrap();
        assert_eq!(c["name"], HOST_NAME);
        assert_eq!(c["type"], "stdio");
        assert_eq!(c["path"], "/opt/glossa/glossa-host");
        assert_eq!(c["allowed_origins"][0], format!("chrome-extension://{CHROMIUM_EXTENSION_ID}/"));
        let f: serde_json::Value = serde_json::from_str(&render(Browser::Firefox, exe, &["x@y.org".into()])).unwrap();
        assert_eq!(f["allowed_extensions"], serde_json::json!([FIREFOX_EXTENSION_ID, "x@y.org"]));
        assert!(f.get("allowed_origins").is_none());
    }
}
