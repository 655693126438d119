//! glossa-host: the native-messaging host behind the Glossa browser extension, and the
//! CLI around it. `main.rs` decides which one runs from the launch arguments.

pub mod app;
pub mod cli;
pub mod handlers;
pub mod logging;
pub mod models;
pub mod native;
pub mod paths;
pub mod pipeline;
pub mod providers;
pub mod store;
