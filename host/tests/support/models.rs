//! The test models (put in place by `tests/tools/fetch-models.sh`): where they are, and
//! their file names.

use std::path::PathBuf;

/// SmolLM2-135M: a real (poor) text model.
pub const SMOLLM2: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";
/// The tiny generated gemma3-type text model; with [`TINY_MMPROJ`] it reads images
/// (its output is noise).
pub const TINY_TEXT: &str = "tiny-text.gguf";
pub const TINY_MMPROJ: &str = "tiny-mmproj.gguf";
/// The tiny text model that never ends its answer: a generation surely still running.
pub const TINY_ENDLESS: &str = "tiny-text-endless.gguf";
/// A small JPEG picture with text on it.
pub const FRAME: &str = "frame.jpg";

/// The folder with the test models, looked up as `fetch-models.sh` and the browser
/// tests do: `$GLOSSA_TEST_MODELS`, else `$GLOSSA_CACHE/models`, else
/// `~/.cache/glossa-dev/models`. Fails with the fix when a model is not there.
pub fn test_models() -> PathBuf {
    let dir = models_dir();
    for file in [SMOLLM2, TINY_TEXT, TINY_MMPROJ, TINY_ENDLESS, FRAME] {
        assert_present(&dir, file);
    }
    dir
}

/// The path of the test model `file`, checked to exist.
pub fn test_model(file: &str) -> PathBuf {
    let dir = models_dir();
    assert_present(&dir, file);
    dir.join(file)
}

/// [`test_model`] as a string, for settings values.
pub fn model(file: &str) -> String {
    test_model(file).display().to_string()
}

fn models_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("GLOSSA_TEST_MODELS") {
        return PathBuf::from(dir);
    }
    let cache = std::env::var_os("GLOSSA_CACHE").map(PathBuf::from).unwrap_or_else(|| {
        let home = std::env::var_os("HOME").expect("HOME or GLOSSA_TEST_MODELS is set");
        PathBuf::from(home).join(".cache/glossa-dev")
    });
    cache.join("models")
}

fn assert_present(dir: &std::path::Path, file: &str) {
    assert!(
        dir.join(file).is_file(),
        "test model {file} is missing in {}: run `bash tests/tools/fetch-models.sh` (or set GLOSSA_TEST_MODELS)",
        dir.display()
    );
}
