//! The command line of a project's binary: `up` (the default) and, as they land, `down`, `ps`, `logs`,
//! `restart`, `attach`, `config`, `export`. Parsed with clap (derive); subcommands are variants of [`Command`].

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use svc_core::Project;

use crate::logs::ColorChoice;
use crate::up::{UpOptions, up};

/// Runs the project's services under a supervisor.
#[derive(Debug, Parser)]
#[command(about, long_about = None, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// What to do (default: `up`).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of `up`, accepted without the subcommand name.
    #[command(flatten)]
    pub up: UpArgs,
    /// `--config FILE` (layered configuration), accepted by every subcommand.
    #[command(flatten)]
    pub config: crate::config::cli::ConfigArgs,
}

/// A subcommand.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start every process in dependency order and supervise them until they end or Ctrl-C (the default).
    Up(UpArgs),
    /// Print the effective configuration (options and processes) and where each configured value came from.
    Config(crate::config::cli::ConfigCommandArgs),
    /// Write the project in another tool's format (`--format process-compose`).
    Export(crate::compose::cli::ExportArgs),
    /// Print the JSON Schema of this project's config files (or of one service's options: `--service NAME`).
    Schema(crate::config::cli::SchemaArgs),
}

/// Options of `up`.
#[derive(Debug, Clone, Default, Args)]
pub struct UpArgs {
    /// Colour the process prefixes: auto (when stdout is a terminal and NO_COLOR is unset), always or never.
    #[arg(long, value_enum, default_value_t = Color::Auto, env = "SVC_COLOR")]
    pub color: Color,
    /// Also write every line (prefixed) to this file.
    #[arg(long, value_name = "FILE", env = "SVC_LOG_FILE")]
    pub log_file: Option<PathBuf>,
    /// Do not print the summary of the processes that did not succeed at the end.
    #[arg(long)]
    pub no_summary: bool,
}

/// `--color` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Color {
    /// When stdout is a terminal and `NO_COLOR` is unset.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl From<Color> for ColorChoice {
    fn from(color: Color) -> Self {
        match color {
            Color::Auto => ColorChoice::Auto,
            Color::Always => ColorChoice::Always,
            Color::Never => ColorChoice::Never,
        }
    }
}

impl UpArgs {
    /// The [`UpOptions`] these arguments select.
    pub fn options(&self) -> UpOptions {
        UpOptions {
            color: self.color.into(),
            log_file: self.log_file.clone(),
            summary: !self.no_summary,
            ..UpOptions::default()
        }
    }
}

/// Runs the CLI for `project` with the process's arguments: the entry point of a project's `main`.
///
/// Validation errors are all printed and give exit code 2; otherwise the exit code is `up`'s.
pub fn run(project: Project) -> ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    // The help describes the user's project, not this crate.
    let command = Cli::command()
        .about(format!("Runs the services of the `{}` project under a supervisor.", project.name()))
        .disable_version_flag(true);
    let cli = match Cli::from_arg_matches(&command.get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    run_with(project, cli)
}

/// Runs the CLI for `project` with already parsed arguments.
pub fn run_with(mut project: Project, cli: Cli) -> ExitCode {
    let args = match cli.command {
        Some(Command::Up(args)) => args,
        Some(Command::Config(args)) => return crate::config::cli::config_command(&mut project, &cli.config, &args),
        Some(Command::Export(args)) => return crate::compose::cli::export_command(&mut project, &cli.config, &args),
        Some(Command::Schema(args)) => return crate::config::cli::schema_command(&project, &args),
        None => cli.up,
    };
    // Config files and SVC__ variables over the options set in Rust, then validation (errors printed, exit 2).
    let valid = match crate::config::cli::resolve(&mut project, &cli.config) {
        Ok(valid) => valid,
        Err(code) => return code,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let outcome = runtime.block_on(up(valid, args.options()));
    // Do not wait for tasks blocked on the outside world: everything `up` started is already gone.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match outcome {
        Ok(outcome) => ExitCode::from(u8::try_from(outcome.exit_code.clamp(0, 255)).unwrap_or(1)),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// `project.run()`: runs the CLI (see [`run`]).
pub trait RunExt {
    /// Parses the command line and runs the project (`up` by default); returns the exit code for `main`.
    fn run(self) -> ExitCode;
}

impl RunExt for Project {
    fn run(self) -> ExitCode {
        run(self)
    }
}
