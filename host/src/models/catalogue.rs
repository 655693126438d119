//! Recommended vision models for the built-in backend: a language model GGUF and the
//! mmproj (vision projector) made for it, pulled together by `glossa-host model pull <id>`.
//!
//! Sizes are approximate (as listed on the model pages when this table was written) and
//! only shown to people; no checksum is pinned, so downloads of these are checked for
//! being complete GGUF files but not against a hash.
//!
//! Downloads come from Hugging Face, or from a mirror of it: `GLOSSA_MODEL_MIRROR` (else
//! `HF_ENDPOINT`, the variable Hugging Face's own tools read) replaces
//! `https://huggingface.co` in every address, e.g. `GLOSSA_MODEL_MIRROR=https://hf-mirror.com`.
//! The mirror must serve `<base>/<repo>/resolve/main/<file>`, as Hugging Face does; the
//! browser tests point it at a local server.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogueEntry {
    /// What to type: `glossa-host model pull gemma-3-4b`.
    pub id: &'static str,
    pub description: &'static str,
    /// Hugging Face repository holding both files.
    pub repo: &'static str,
    pub model_file: &'static str,
    pub model_bytes: u64,
    pub mmproj_file: &'static str,
    /// The name the mmproj gets in the models folder (several repos use the same generic
    /// `mmproj-model-f16.gguf`).
    pub mmproj_local: &'static str,
    pub mmproj_bytes: u64,
    /// Memory the backend needs to run it (both files and a 4096-token context), roughly.
    pub memory_bytes: u64,
}

/// The environment variables naming a download mirror, first match wins.
pub const MIRROR_ENV: [&str; 2] = ["GLOSSA_MODEL_MIRROR", "HF_ENDPOINT"];
const HUGGING_FACE: &str = "https://huggingface.co";

const MB: u64 = 1_000_000;

pub const CATALOGUE: &[CatalogueEntry] = &[
    CatalogueEntry {
        id: "gemma-3-4b",
        description: "Gemma 3 4B instruct: good at reading and translating on-screen text (default)",
        repo: "ggml-org/gemma-3-4b-it-GGUF",
        model_file: "gemma-3-4b-it-Q4_K_M.gguf",
        model_bytes: 2_490 * MB,
        mmproj_file: "mmproj-model-f16.gguf",
        mmproj_local: "mmproj-gemma-3-4b-it-f16.gguf",
        mmproj_bytes: 851 * MB,
        memory_bytes: 4_600 * MB,
    },
    CatalogueEntry {
        id: "qwen2.5-vl-3b",
        description: "Qwen2.5-VL 3B instruct: strong OCR, CJK text",
        repo: "ggml-org/Qwen2.5-VL-3B-Instruct-GGUF",
        model_file: "Qwen2.5-VL-3B-Instruct-Q4_K_M.gguf",
        model_bytes: 1_930 * MB,
        mmproj_file: "mmproj-Qwen2.5-VL-3B-Instruct-Q8_0.gguf",
        mmproj_local: "mmproj-Qwen2.5-VL-3B-Instruct-Q8_0.gguf",
        mmproj_bytes: 845 * MB,
        memory_bytes: 3_900 * MB,
    },
    CatalogueEntry {
        id: "smolvlm2-2.2b",
        description: "SmolVLM2 2.2B instruct: smallest, fastest on CPU; weaker on small text",
        repo: "ggml-org/SmolVLM2-2.2B-Instruct-GGUF",
        model_file: "SmolVLM2-2.2B-Instruct-Q4_K_M.gguf",
        model_bytes: 1_110 * MB,
        mmproj_file: "mmproj-SmolVLM2-2.2B-Instruct-Q8_0.gguf",
        mmproj_local: "mmproj-SmolVLM2-2.2B-Instruct-Q8_0.gguf",
        mmproj_bytes: 593 * MB,
        memory_bytes: 2_400 * MB,
    },
];

pub fn by_id(id: &str) -> Option<&'static CatalogueEntry> {
    CATALOGUE.iter().find(|e| e.id.eq_ignore_ascii_case(id))
}

/// The entry whose language model is stored as `file`.
pub fn by_model_file(file: &str) -> Option<&'static CatalogueEntry> {
    CATALOGUE.iter().find(|e| e.model_file == file)
}

/// A file's download address in a Hugging Face repository (on the mirror, if one is set).
pub fn hf_url(repo: &str, path: &str) -> String {
    let mirror = MIRROR_ENV.iter().find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()));
    hf_url_at(mirror.as_deref().unwrap_or(HUGGING_FACE), repo, path)
}

fn hf_url_at(base: &str, repo: &str, path: &str) -> String {
    format!("{}/{repo}/resolve/main/{path}", base.trim().trim_end_matches('/'))
}

/// The catalogue as the options page shows it, with what is installed in `models_dir`.
pub fn for_page(models_dir: &std::path::Path) -> Vec<glossa_protocol::CatalogueModel> {
    CATALOGUE
        .iter()
        .map(|e| glossa_protocol::CatalogueModel {
            id: e.id.into(),
            description: e.description.into(),
            size_bytes: e.total_bytes(),
            memory_bytes: e.memory_bytes,
            // Every entry is a model with its vision projector.
            vision: true,
            model_file: e.model_file.into(),
            installed: models_dir.join(e.model_file).is_file() && models_dir.join(e.mmproj_local).is_file(),
        })
        .collect()
}

impl CatalogueEntry {
    pub fn model_url(&self) -> String {
        hf_url(self.repo, self.model_file)
    }

    pub fn mmproj_url(&self) -> String {
        hf_url(self.repo, self.mmproj_file)
    }

    pub fn total_bytes(&self) -> u64 {
        self.model_bytes + self.mmproj_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_local_names_are_unique() {
        let mut names: Vec<&str> = CATALOGUE.iter().flat_map(|e| [e.model_file, e.mmproj_local]).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), CATALOGUE.len() * 2);
        assert!(CATALOGUE.iter().all(|e| e.mmproj_local.starts_with("mmproj") && e.model_file.ends_with(".gguf")));
    }

    #[test]
    fn the_default_frame_model_is_in_the_catalogue() {
        let e = by_model_file("gemma-3-4b-it-Q4_K_M.gguf").unwrap();
        assert_eq!(by_id("Gemma-3-4B"), Some(e));
        assert_eq!(e.model_url(), "https://huggingface.co/ggml-org/gemma-3-4b-it-GGUF/resolve/main/gemma-3-4b-it-Q4_K_M.gguf");
    }

    #[test]
    fn a_mirror_replaces_the_hugging_face_address() {
        assert_eq!(hf_url_at("http://127.0.0.1:8/hf/ ", "o/r", "m.gguf"), "http://127.0.0.1:8/hf/o/r/resolve/main/m.gguf");
    }

    #[test]
    fn the_default_local_models_are_one_catalogue_vision_model() {
        let frame = glossa_protocol::default_value("local.frame_model");
        assert_eq!(glossa_protocol::default_value("local.subtitle_model"), frame, "one download serves both");
        let entry = by_model_file(frame).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let shown = for_page(dir.path());
        let default = shown.iter().find(|m| m.id == entry.id).unwrap();
        assert!(default.vision && !default.installed && default.memory_bytes > default.size_bytes);
    }
}
