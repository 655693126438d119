//! A secret setting (an API key) that never prints: `Debug` says whether it is set, and
//! nothing of the key (not even the options page's last six: a short key is all tail).

#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The key itself, for the one place it goes: a request header to its own provider.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "Secret(not set)" } else { "Secret(set)" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_key() {
        let key = Secret::new("sk-ant-api03-VERYSECRET-abcdef");
        let shown = format!("{key:?} {key:#?}");
        assert!(!shown.contains("VERYSECRET"), "{shown}");
        assert!(!shown.contains("abcdef"), "{shown}");
        assert_eq!(format!("{key:?}"), "Secret(set)");
        assert_eq!(format!("{:?}", Secret::default()), "Secret(not set)");
        assert_eq!(key.expose(), "sk-ant-api03-VERYSECRET-abcdef");
    }
}
