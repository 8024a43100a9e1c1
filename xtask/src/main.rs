//! `cargo xtask`: project automation.
//!
//! - `cargo xtask schema [--out DIR] [--check]`: `schema/<service>.json` for every builtin and example service
//!   and `schema/project.json` for layered config files;
//! - `cargo xtask docs [--out DIR] [--check]`: `docs/options/<service>.md`, the options reference.
//! - `cargo xtask bench [--quick] [...]`: the benchmarks (release build), written to `bench/RESULTS.md`.
//! - `cargo xtask layers`: each crate's module dependency graph; exits 1 on an import cycle (a test runs it too).
//!
//! `--check` writes nothing and exits 1 naming the files that are stale (CI runs it). Files are pretty JSON or
//! markdown with a trailing newline, in a stable order, so that a regenerated file only differs when a service
//! changed.

mod bench;
mod catalog;
mod docs;
mod layers;
mod registry;
mod schema;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Project automation for the svc workspace.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", version, about)]
struct Xtask {
    #[command(subcommand)]
    task: Task,
}

/// A task. Each is a variant here and a module of its own.
#[derive(Debug, Subcommand)]
enum Task {
    /// Write the JSON schemas: `schema/<service>.json` per service and `schema/project.json`.
    Schema(Generate),
    /// Write the options reference: `docs/options/<service>.md` per service.
    Docs(Generate),
    /// Benchmark the supervisor against a minimal baseline (release build); writes bench/RESULTS.md.
    #[command(disable_help_flag = true)]
    Bench(BenchArgs),
    /// Print each crate's module dependency graph; fail on an import cycle between modules.
    Layers,
}

/// Arguments passed to the bench harness unchanged (`cargo xtask bench --help` lists them).
#[derive(Debug, Args)]
struct BenchArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

/// Options of the generating tasks.
#[derive(Debug, Args)]
struct Generate {
    /// The directory to write (default: `schema/` or `docs/options/` in the workspace).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write nothing; exit 1 naming the files that differ from what would be generated.
    #[arg(long)]
    check: bool,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn main() -> ExitCode {
    let xtask = Xtask::parse();
    let (args, files, default_dir, command) = match &xtask.task {
        Task::Schema(args) => (args, schema::files(&registry::catalog()), "schema", "cargo xtask schema"),
        Task::Docs(args) => (args, docs::files(&registry::catalog()), "docs/options", "cargo xtask docs"),
        Task::Bench(bench) => return bench::run(&bench.args),
        Task::Layers => {
            return match layers::run(&workspace_root()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(problems) => {
                    eprintln!("{problems}");
                    ExitCode::FAILURE
                }
            };
        }
    };
    let dir = args.out.clone().unwrap_or_else(|| workspace_root().join(default_dir));
    let extension = if default_dir == "schema" { "json" } else { "md" };
    if args.check {
        match stale(&dir, &files, extension) {
            Ok(stale) if stale.is_empty() => {
                println!("{}: {} files up to date", dir.display(), files.len());
                ExitCode::SUCCESS
            }
            Ok(stale) => {
                eprintln!("stale generated files in {} (run `{command}`):", dir.display());
                for line in stale {
                    eprintln!("  {line}");
                }
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", dir.display());
                ExitCode::FAILURE
            }
        }
    } else {
        match write(&dir, &files, extension) {
            Ok(()) => {
                println!("wrote {} files to {}", files.len(), dir.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", dir.display());
                ExitCode::FAILURE
            }
        }
    }
}

/// Writes `files` into `dir` and removes other `*.<extension>` files there (left by a renamed service).
fn write(dir: &Path, files: &BTreeMap<String, String>, extension: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, contents) in files {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(contents.as_str()) {
            std::fs::write(&path, contents)?;
        }
    }
    for extra in existing(dir, extension)? {
        if !files.contains_key(&extra) {
            std::fs::remove_file(dir.join(&extra))?;
        }
    }
    Ok(())
}

/// The files of `dir` that differ from `files`: `name (differs)`, `name (missing)`, `name (not generated)`.
fn stale(dir: &Path, files: &BTreeMap<String, String>, extension: &str) -> std::io::Result<Vec<String>> {
    let mut stale = Vec::new();
    for (name, contents) in files {
        let path = dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(existing) if existing == *contents => {}
            Ok(_) => stale.push(format!("{} (differs)", path.display())),
            Err(_) => stale.push(format!("{} (missing)", path.display())),
        }
    }
    for extra in existing(dir, extension).unwrap_or_default() {
        if !files.contains_key(&extra) {
            stale.push(format!("{} (not generated: remove it)", dir.join(extra).display()));
        }
    }
    Ok(stale)
}

fn existing(dir: &Path, extension: &str) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            for entry in entries {
                let name = entry?.file_name().to_string_lossy().into_owned();
                if name.ends_with(&format!(".{extension}")) {
                    names.push(name);
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests;
