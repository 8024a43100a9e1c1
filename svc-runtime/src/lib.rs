//! The supervisor: being written.
/// Placeholder so the facade re-export resolves.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub mod compose;
pub mod config;
pub mod logs;
