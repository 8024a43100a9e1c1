//! Builtin services, in the spirit of services-flake's: multi-instance, one option struct each, data kept in
//! the instance's data dir (`./data/<instance>` by default).
//!
//! ```no_run
//! use svc::prelude::*;
//! use svc::services::Redis;
//!
//! fn main() -> std::process::ExitCode {
//!     Project::new("cache").instance("redis1", Redis { enable: true, port: 6380, ..Default::default() }).run()
//! }
//! ```

mod ollama;
mod postgres;
mod redis;

pub use ollama::Ollama;
pub use postgres::Postgres;
pub use redis::Redis;

use std::path::Path;

use svc_core::shell_quote;

/// `mkdir -p <dir> && exec <argv...>`: the start script of a service that keeps state in `dir`.
pub(crate) fn exec_in_data_dir(dir: &Path, argv: &[String]) -> String {
    let argv: Vec<String> = argv.iter().map(|a| shell_quote(a)).collect();
    format!("mkdir -p {} && exec {}", shell_quote(&dir.to_string_lossy()), argv.join(" "))
}
