//! Tests that run llama.cpp (the host's own build or the portable llama-server) need the
//! CPU features those builds are compiled for; on a CPU without them the test would die
//! with SIGILL instead of reporting anything. They start with
//! `if cpu::skip_without_llama_cpu() { return; }`.

/// True, after printing why, when this CPU cannot run llama.cpp as built.
pub fn skip_without_llama_cpu() -> bool {
    match glossa_host::models::cpu::unsupported_reason() {
        Some(reason) => {
            eprintln!("SKIPPED: {reason}; this test runs llama.cpp");
            true
        }
        None => false,
    }
}
