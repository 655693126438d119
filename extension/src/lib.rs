//! Glossa's extension logic, compiled to wasm: the background (which owns the connection
//! to `glossa-host` and routes its events to tabs) and the options page. The content
//! script stays plain JS because YouTube's CSP forbids wasm there.

pub mod burnin;
pub mod capture_pacing;
pub mod routing;

#[cfg(target_arch = "wasm32")]
mod background;
#[cfg(target_arch = "wasm32")]
mod chrome;
#[cfg(target_arch = "wasm32")]
mod options;
