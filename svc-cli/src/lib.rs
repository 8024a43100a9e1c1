//! The command line of `svc`: what a project program's `main` runs with `project.run()` ([`RunExt`]), and the
//! standalone `svc` binary that runs process-compose files.
//!
//! - [`cli`]: the project program's arguments (`up` by default, `config`, `export`, `schema`) and [`run`];
//! - [`config_args`]: `--config FILE` and the `config` and `schema` subcommands (over `svc-config`);
//! - [`compose_args`]: `-f FILE` for the `svc` binary and the `export` subcommand.
//!
//! The supervisor itself is `svc-runtime`; this crate parses arguments, resolves the configuration, prints
//! errors and maps outcomes to exit codes.

#![warn(missing_docs)]

pub mod cli;
pub mod compose_args;
pub mod config_args;

pub use cli::{Cli, RunExt, run};

/// Prints `error: <header>:` and every problem on a line of its own (`  - <problem>`) to stderr: how the command
/// line reports a list of errors, whatever produced them.
pub(crate) fn report_errors(header: &str, problems: &[impl std::fmt::Display]) {
    let mut text = format!("error: {header}:");
    for problem in problems {
        text.push_str(&format!("\n  - {problem}"));
    }
    eprintln!("{text}");
}
