//! The GGUF files of the built-in backend: where they live (`<data dir>/models`), which
//! ones are installed, which mmproj gives a model vision, and downloading new ones.
//!
//! Pure file handling, no llama.cpp: the CLI and the options page can manage models even
//! in a build without the `local` feature.

pub mod catalogue;
pub mod cpu;
pub mod download;
pub mod gguf;

use std::path::{Path, PathBuf};

use glossa_protocol::LocalModel;

pub use gguf::{GgufError, GgufSummary};

pub fn models_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("models")
}

/// A model setting is a file name in the models folder, or an absolute path.
pub fn resolve(models_dir: &Path, name: &str) -> PathBuf {
    let path = Path::new(name);
    if path.is_absolute() {
        path.to_owned()
    } else {
        models_dir.join(path)
    }
}

/// Does the file name say it is a vision projector? (All published mmproj files do.)
fn named_like_mmproj(file_name: &str) -> bool {
    file_name.to_ascii_lowercase().contains("mmproj")
}

fn gguf_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .filter_map(std::result::Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x.eq_ignore_ascii_case("gguf")))
        .collect();
    files.sort();
    files
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn is_mmproj(path: &Path) -> bool {
    named_like_mmproj(&file_name(path)) || gguf::inspect(path).is_ok_and(|s| s.is_mmproj())
}

/// The model's name without its quantisation suffix: `gemma-3-4b-it-Q4_K_M.gguf` → `gemma-3-4b-it`.
fn model_stem(file_name: &str) -> String {
    let stem = file_name.strip_suffix(".gguf").unwrap_or(file_name);
    let looks_like_quant = |tail: &str| {
        let t = tail.to_ascii_uppercase();
        t.starts_with('Q') || t.starts_with("IQ") || t.starts_with("F16") || t.starts_with("BF16") || t.starts_with("F32")
    };
    match stem.rfind(['-', '.']) {
        Some(i) if looks_like_quant(&stem[i + 1..]) => stem[..i].to_owned(),
        _ => stem.to_owned(),
    }
}

/// The mmproj that gives `model` vision: the catalogue's pair, else the one mmproj beside
/// it whose name contains the model's name, else the one whose projection width equals
/// the model's embedding width.
pub fn find_mmproj(model: &Path) -> Option<PathBuf> {
    let dir = model.parent()?;
    let model_name = file_name(model);
    if let Some(entry) = catalogue::by_model_file(&model_name) {
        let paired = dir.join(entry.mmproj_local);
        if paired.is_file() {
            return Some(paired);
        }
    }
    let candidates: Vec<PathBuf> = gguf_files(dir).into_iter().filter(|p| p != model && named_like_mmproj(&file_name(p))).collect();
    let stem = model_stem(&model_name).to_ascii_lowercase();
    let by_name: Vec<&PathBuf> = candidates.iter().filter(|c| file_name(c).to_ascii_lowercase().contains(&stem)).collect();
    if by_name.len() == 1 {
        return Some(by_name[0].clone());
    }
    let width = gguf::inspect(model).ok()?.embedding_length()?;
    let pool: Vec<&PathBuf> = if by_name.is_empty() { candidates.iter().collect() } else { by_name };
    let by_width: Vec<&PathBuf> =
        pool.into_iter().filter(|c| gguf::inspect(c).ok().and_then(|s| s.projection_dim()) == Some(width)).collect();
    match by_width.as_slice() {
        [one] => Some((*one).clone()),
        _ => None,
    }
}

/// The language models in `models_dir` (mmproj files are listed with their model).
pub fn list(models_dir: &Path) -> Vec<LocalModel> {
    gguf_files(models_dir)
        .into_iter()
        .filter(|p| !is_mmproj(p))
        .map(|p| LocalModel {
            file: file_name(&p),
            size_bytes: p.metadata().map(|m| m.len()).unwrap_or(0),
            mmproj: find_mmproj(&p).map(|m| file_name(&m)),
        })
        .collect()
}

/// Delete an installed model file (by its name in the models folder).
pub fn remove(models_dir: &Path, name: &str) -> std::io::Result<PathBuf> {
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("`{name}` is not a file name in {}", models_dir.display()),
        ));
    }
    let path = models_dir.join(name);
    std::fs::remove_file(&path)?;
    Ok(path)
}

/// Delete an installed model for the options page: the file named (never a path), and
/// for a catalogue model its projector too, which no other model uses.
pub fn remove_with_projector(models_dir: &Path, name: &str) -> std::io::Result<Vec<PathBuf>> {
    let mut removed = vec![remove(models_dir, name)?];
    if let Some(entry) = catalogue::by_model_file(name) {
        match remove(models_dir, entry.mmproj_local) {
            Ok(path) => removed.push(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(removed)
}

/// The command that fixes a missing or broken model file, when Glossa knows one.
pub fn fix_command(file: &str) -> Option<String> {
    let name = Path::new(file).file_name()?.to_string_lossy().into_owned();
    if let Some(e) = catalogue::CATALOGUE.iter().find(|e| e.model_file == name || e.mmproj_local == name) {
        return Some(format!("glossa-host model pull {}", e.id));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_drop_the_quantisation() {
        assert_eq!(model_stem("gemma-3-4b-it-Q4_K_M.gguf"), "gemma-3-4b-it");
        assert_eq!(model_stem("SmolLM2-135M-Instruct.Q4_1.gguf"), "SmolLM2-135M-Instruct");
        assert_eq!(model_stem("Qwen2.5-VL-3B-Instruct-f16.gguf"), "Qwen2.5-VL-3B-Instruct");
        assert_eq!(model_stem("tiny-text.gguf"), "tiny-text");
    }

    #[test]
    fn lists_models_with_their_projector() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, bytes: &[u8]| std::fs::write(dir.path().join(name), bytes).unwrap();
        write("alpha-Q4_K_M.gguf", &gguf::tests::tiny_gguf("llama", 64, 4));
        write("mmproj-alpha-f16.gguf", &gguf::tests::tiny_gguf("clip", 32, 4));
        write("beta.gguf", &gguf::tests::tiny_gguf("llama", 96, 4));
        write("beta.gguf.part", b"half");
        let models = list(dir.path());
        let names: Vec<(&str, Option<&str>)> = models.iter().map(|m| (m.file.as_str(), m.mmproj.as_deref())).collect();
        assert_eq!(names, [("alpha-Q4_K_M.gguf", Some("mmproj-alpha-f16.gguf")), ("beta.gguf", None)]);
        assert!(remove(dir.path(), "../beta.gguf").is_err());
        remove(dir.path(), "beta.gguf").unwrap();
        assert_eq!(list(dir.path()).len(), 1);
    }

    #[test]
    fn removing_a_catalogue_model_takes_its_projector_and_nothing_outside() {
        let dir = tempfile::tempdir().unwrap();
        let models = dir.path().join("models");
        std::fs::create_dir_all(&models).unwrap();
        let entry = &catalogue::CATALOGUE[0];
        for name in [entry.model_file, entry.mmproj_local, "other.gguf"] {
            std::fs::write(models.join(name), b"x").unwrap();
        }
        std::fs::write(dir.path().join("outside.gguf"), b"x").unwrap();
        for bad in ["../outside.gguf", "/etc/passwd", "", ".hidden", "a\\b.gguf"] {
            assert_eq!(remove_with_projector(&models, bad).unwrap_err().kind(), std::io::ErrorKind::InvalidInput, "{bad}");
        }
        assert!(dir.path().join("outside.gguf").exists());
        assert_eq!(remove_with_projector(&models, entry.model_file).unwrap().len(), 2);
        assert_eq!(gguf_files(&models), [models.join("other.gguf")]);
        assert_eq!(remove_with_projector(&models, entry.model_file).unwrap_err().kind(), std::io::ErrorKind::NotFound);
    }

    #[test]
    fn catalogue_models_get_a_pull_command() {
        assert_eq!(fix_command("/x/gemma-3-4b-it-Q4_K_M.gguf").as_deref(), Some("glossa-host model pull gemma-3-4b"));
        assert_eq!(fix_command("mine.gguf"), None);
    }
}
