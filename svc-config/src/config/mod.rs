//! Layered configuration: config files and environment overrides merged over the options set in Rust.
//!
//! A project program accepts `--config FILE` (TOML, YAML or JSON by extension; several allowed, later wins) and
//! environment overrides. Shape:
//!
//! ```toml
//! [services.postgres.pg1]        # a multi-instance service: services.<service>.<instance>.<option>
//! port = 5433
//!
//! [services.hello]               # a single-instance service: services.<service>.<option>
//! message = "Hi"
//!
//! [processes.hello.environment]  # processes.<name>.<field>: applied to the merged processes
//! RUST_LOG = "debug"
//!
//! [processes.hello.availability]
//! restart = "on_failure"
//! ```
//!
//! Environment overrides, applied after the files:
//! - `SVC__SERVICES__POSTGRES__PG1__PORT=5433`: one value; `__` separates keys. Keys are matched without regard
//!   to case, with `_` also matching `-` and `.` (`SVC__SERVICES__REDIS_CLUSTER__...` reaches `redis-cluster`);
//!   keys of free-form maps (`environment`, `headers`) are taken as written. The value is read as a YAML scalar
//!   (`5433` is a number, `true` a boolean, `abc` a string), or as a YAML/JSON list or mapping when it starts with
//!   `[` or `{`.
//! - `SVC_CONFIG='{"services": {"hello": {"message": "Hi"}}}'`: a whole layer as JSON or YAML, applied before the
//!   `SVC__` variables.
//!
//! Every error names the file, line and column, the full option path and what was expected:
//! `services.toml:3:8: services.postgres.pg1.port: invalid type: string "abc", expected u16`. Unknown keys are
//! rejected with a suggestion: `unknown option 'mesage', did you mean 'message'?`.
//!
//! Where things are: [`tree`] parses files into located trees, `layer` turns files and environment variables
//! into [`Layer`]s, `apply` routes and applies them over a project (`overlay` checks each override against the
//! options' JSON schema), `report` renders what is in effect and where it came from, and [`schema`] writes the
//! JSON Schemas of config files.

pub mod schema;
pub mod tree;

mod apply;
mod error;
mod layer;
mod overlay;
mod report;

pub use apply::{Resolved, apply, apply_unvalidated};
pub use error::ConfigError;
pub use layer::{ENV_CONFIG, ENV_PREFIX, Layer, utf8_environment};
pub use report::{Report, effective};
pub use tree::Diagnostic;
