//! `cargo xtask bench [harness options]`: builds the benchmark binaries in release mode, then runs the harness
//! (`bench/src/bin/harness`), which measures our supervisor against the baseline spawner and writes
//! `bench/RESULTS.md` and `bench/results.jsonl`. `cargo xtask bench --help` lists the harness's options.

use std::process::{Command, ExitCode};

/// Builds the bench binaries (the harness starts its siblings `ours`, `baseline` and `bench-child`) and runs the
/// harness with `args`.
pub fn run(args: &[String]) -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let root = crate::workspace_root();
    let build =
        Command::new(&cargo).current_dir(&root).args(["build", "--release", "-p", "svc-bench", "--bins"]).status();
    match build {
        Ok(status) if status.success() => {}
        Ok(status) => {
            eprintln!("xtask bench: building the bench binaries failed ({status})");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("xtask bench: cannot run cargo ({}): {e}", cargo.to_string_lossy());
            return ExitCode::FAILURE;
        }
    }
    let harness = Command::new(&cargo)
        .current_dir(&root)
        .args(["run", "--quiet", "--release", "-p", "svc-bench", "--bin", "harness", "--"])
        .args(args)
        .status();
    match harness {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("xtask bench: the harness failed ({status})");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("xtask bench: cannot run cargo ({}): {e}", cargo.to_string_lossy());
            ExitCode::FAILURE
        }
    }
}
