//! `glossa-host`: started by a browser it serves native messaging on stdin/stdout;
//! started by a person it is a CLI (`glossa-host --help`).

use std::process::ExitCode;
use std::sync::Arc;

use glossa_host::native::launch::{self, BrowserCaller};
use glossa_host::{app::App, cli, logging, native, paths, store::Store};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match launch::detect(&args) {
        Some(caller) => host_mode(caller),
        None => cli::run(),
    }
}

fn host_mode(caller: BrowserCaller) -> ExitCode {
    // First, before any thread or library can print: stdout becomes the protocol's alone.
    let protocol_out = match native::stdio::take_protocol_stdout() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("glossa-host: cannot take over stdout: {e}");
            return ExitCode::FAILURE;
        }
    };
    let data_dir = paths::data_dir();
    let _log_guard = logging::init(Some(&paths::log_dir(&data_dir)), "info");
    if !cli::install::is_allowed(&caller, &data_dir) {
        tracing::error!(extension = caller.extension_id(), "refusing a caller that is not a Glossa extension");
        return ExitCode::FAILURE;
    }
    tracing::info!(extension = caller.extension_id(), pid = std::process::id(), "host started");

    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Opened before the runtime runs anything: SQLite blocks, and no async thread should.
    let store = match Store::open(&paths::database(&data_dir)) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("{e}; running with in-memory settings");
            let mut s = Store::in_memory().expect("in-memory SQLite always opens");
            s.warnings.push(glossa_protocol::text::WARN_SETTINGS_NOT_SAVED.with([e.to_string().into()]));
            s
        }
    };
    let app = Arc::new(App::new(store, &data_dir));
    let end = runtime.block_on(async {
        let stdout = tokio::fs::File::from_std(protocol_out);
        native::serve(tokio::io::stdin(), stdout, app).await
    });
    tracing::info!(?end, "host stopping");
    drop(_log_guard);
    // Exit now: the blocking stdin reader thread would otherwise keep the runtime alive.
    std::process::exit(0)
}
