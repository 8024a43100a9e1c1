//! A supervisor for tests and debugging: runs the processes given as JSON (the `Settings` format, e.g.
//! `{"processes":{"a":{"command":{"shell":"echo hi"}}}}`) in the first argument, with the usual CLI after it.
//!
//! The integration tests use it wherever the supervisor must be a separate process (killing it with SIGKILL,
//! sending it signals).

use std::process::ExitCode;

use clap::Parser;
use svc_core::{Project, Settings};

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().collect();
    if args.len() < 2 {
        eprintln!("usage: svc-fixture '<settings JSON>' [up options]");
        return ExitCode::from(2);
    }
    let json = args.remove(1);
    let settings: Settings = match serde_json::from_str(&json) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("error: the settings JSON is invalid: {e}");
            return ExitCode::from(2);
        }
    };
    let mut project = Project::new("fixture");
    *project.own_settings_mut() = settings;
    svc_runtime::cli::run_with(project, svc_runtime::Cli::parse_from(args))
}
