//! The CPU features the built-in llama.cpp (and the test peers) are compiled for. llama-cpp-2 builds ggml with
//! GGML_NATIVE off and the x86-64 set below (unless built with `target-cpu=…`); on a CPU
//! without one of them the first computation dies with SIGILL, so the backend checks first
//! and says so instead.

/// The x86-64 features of the default build that this CPU lacks (empty elsewhere).
pub fn missing_features() -> Vec<&'static str> {
    #[cfg(target_arch = "x86_64")]
    {
        let checks = [
            ("sse4.2", std::arch::is_x86_feature_detected!("sse4.2")),
            ("avx", std::arch::is_x86_feature_detected!("avx")),
            ("avx2", std::arch::is_x86_feature_detected!("avx2")),
            ("bmi2", std::arch::is_x86_feature_detected!("bmi2")),
            ("fma", std::arch::is_x86_feature_detected!("fma")),
            ("f16c", std::arch::is_x86_feature_detected!("f16c")),
        ];
        checks.iter().filter(|(_, present)| !present).map(|(name, _)| *name).collect()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        Vec::new()
    }
}

/// Why llama.cpp cannot run on this CPU, if it cannot.
pub fn unsupported_reason() -> Option<String> {
    let missing = missing_features();
    (!missing.is_empty())
        .then(|| format!("This CPU lacks {}, which the built-in llama.cpp backend was built for", missing.join(", ").to_uppercase()))
}
