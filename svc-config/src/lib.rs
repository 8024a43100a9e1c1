//! Configuration of `svc` projects, before anything runs: config files and environment overrides layered over
//! the options set in Rust, and process-compose import and export.
//!
//! - [`config`]: the located document tree every file becomes (so that every error has file:line:col), the
//!   layers (files, `SVC_CONFIG`, `SVC__` variables), applying them over a project, and the config-file schema;
//! - [`compose`]: process-compose files: discovery, `$VAR` expansion, conversion into a project, export.
//!
//! This crate depends on `svc-core` only: no async runtime, no supervisor. The command line that uses it lives in
//! `svc-cli`.

#![warn(missing_docs)]

pub mod compose;
pub mod config;
