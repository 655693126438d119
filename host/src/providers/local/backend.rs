//! The process-wide llama.cpp backend, started once, and the error for a CPU it cannot run on.

use std::sync::OnceLock;

use llama_cpp_2::llama_backend::LlamaBackend;

use crate::providers::ProviderError;

/// The process-wide llama.cpp backend (initialising it twice is an error).
pub fn backend() -> Result<&'static LlamaBackend, ProviderError> {
    cpu_check()?;
    static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            // llama.cpp, ggml and mtmd log through `tracing` (stderr / log file), never stdout.
            llama_cpp_2::send_logs_to_tracing(llama_cpp_2::LogOptions::default().with_logs_enabled(true));
            LlamaBackend::init().map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| ProviderError::Other(format!("llama.cpp could not start: {e}.")))
}

/// An error for a CPU llama.cpp was not built for (instead of dying with SIGILL).
pub(super) fn cpu_check() -> Result<(), ProviderError> {
    let Some(reason) = crate::models::cpu::unsupported_reason() else { return Ok(()) };
    Err(ProviderError::Local {
        message: format!("{reason}."),
        hint: "Build glossa-host on this machine with RUSTFLAGS=\"-C target-cpu=native\" \
               (cargo build --release -p glossa-host), or choose Ollama, an OpenAI-compatible server or Anthropic."
            .into(),
    })
}
