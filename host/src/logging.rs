//! Logs go to stderr and to a daily file in the data dir — never to stdout, which
//! belongs to the protocol. Nothing logs keys or image bytes (handlers log key names
//! and sizes only).

use std::path::Path;

use tracing_subscriber::{fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter};

/// Returns a guard that flushes the file log when dropped.
pub fn init(log_dir: Option<&Path>, default_level: &str) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let filter = EnvFilter::try_from_env("GLOSSA_LOG").unwrap_or_else(|_| EnvFilter::new(default_level));
    let stderr =
        fmt::layer().with_writer(std::io::stderr).with_target(false).with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    // A log folder we cannot write (read-only data dir) means stderr only, never a crash.
    let appender = log_dir.and_then(|dir| {
        std::fs::create_dir_all(dir).ok()?;
        tracing_appender::rolling::RollingFileAppender::builder()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix("glossa-host.log")
            .build(dir)
            .ok()
    });
    let (file_layer, guard) = match appender {
        Some(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            (Some(fmt::layer().with_writer(writer).with_ansi(false)), Some(guard))
        }
        None => (None, None),
    };
    let _ = tracing_subscriber::registry().with(filter).with(stderr).with(file_layer).try_init();
    guard
}
