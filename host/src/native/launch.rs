//! How the browser starts us. Chromium-family browsers pass the caller's origin
//! (`chrome-extension://<id>/`, plus `--parent-window=<n>` on Windows); Firefox passes the
//! path of our manifest and the extension's id. Anything else is a person at a terminal.

/// Who launched the host, when it was a browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrowserCaller {
    /// Chrome, Chromium, Edge, Brave: the extension id from the origin.
    Chromium { extension_id: String },
    /// Firefox: the add-on id (e.g. `glossa@glossa.dev`).
    Firefox { extension_id: String },
}

impl BrowserCaller {
    pub fn extension_id(&self) -> &str {
        match self {
            BrowserCaller::Chromium { extension_id } | BrowserCaller::Firefox { extension_id } => extension_id,
        }
    }
}

/// Recognise a browser launch from the arguments after the program name.
pub fn detect(args: &[String]) -> Option<BrowserCaller> {
    let first = args.first()?;
    if let Some(rest) = first.strip_prefix("chrome-extension://") {
        let id = rest.trim_end_matches('/');
        if !id.is_empty() && id.chars().all(|c| c.is_ascii_lowercase()) {
            return Some(BrowserCaller::Chromium { extension_id: id.to_owned() });
        }
        return None;
    }
    // Firefox: <path to our manifest .json> <extension id>
    if args.len() == 2 && first.ends_with(".json") && std::path::Path::new(first).is_absolute() {
        return Some(BrowserCaller::Firefox { extension_id: args[1].clone() });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(std::string::ToString::to_string).collect()
    }

    #[test]
    fn recognises_browsers_and_leaves_the_cli_alone() {
        let id = "abcdefghijklmnopabcdefghijklmnop";
        assert_eq!(detect(&s(&[&format!("chrome-extension://{id}/")])), Some(BrowserCaller::Chromium { extension_id: id.into() }));
        assert_eq!(
            detect(&s(&[&format!("chrome-extension://{id}/"), "--parent-window=0"])),
            Some(BrowserCaller::Chromium { extension_id: id.into() })
        );
        assert_eq!(
            detect(&s(&["/home/u/.mozilla/native-messaging-hosts/dev.glossa.host.json", "glossa@glossa.dev"])),
            Some(BrowserCaller::Firefox { extension_id: "glossa@glossa.dev".into() })
        );
        assert_eq!(detect(&s(&["install"])), None);
        assert_eq!(detect(&s(&["settings", "get"])), None);
        assert_eq!(detect(&s(&[])), None);
        assert_eq!(detect(&s(&["chrome-extension://../"])), None);
    }
}
