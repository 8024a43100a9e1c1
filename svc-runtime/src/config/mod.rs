//! Layered configuration: config files and environment overrides merged over the options set in Rust.

pub mod tree;
