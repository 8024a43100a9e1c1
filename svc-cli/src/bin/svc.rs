//! `svc`: runs an existing process-compose file with svc's supervisor.
//!
//! ```text
//! svc up -f process-compose.yaml      # run it (headless; exits when every process has ended)
//! svc export --format process-compose # the file as svc understood it, normalized
//! svc config                          # the effective configuration and where each value came from
//! ```
//!
//! Without `-f` the file is discovered as process-compose does. `up` is the default subcommand. Later control
//! commands (`ps`, `logs`, `restart`, `attach`) are further variants of [`SvcCommand`].

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use svc_cli::cli::{Cli, Command, UpArgs, run_with};
use svc_cli::compose_args::{ComposeArgs, ExportArgs};
use svc_cli::config_args::{ConfigArgs, ConfigCommandArgs};

/// Run a process-compose project under svc's supervisor.
#[derive(Debug, Parser)]
#[command(
    name = "svc",
    version,
    about = "Run a process-compose project under svc's supervisor (svc up -f process-compose.yaml)",
    long_about = None
)]
struct SvcCli {
    /// What to do (default: `up`).
    #[command(subcommand)]
    command: Option<SvcCommand>,
    /// Which process-compose files to read.
    #[command(flatten)]
    compose: ComposeArgs,
    /// Options of `up`, accepted without the subcommand name.
    #[command(flatten)]
    up: UpArgs,
    /// Layered configuration (`--config FILE`; `processes.<name>.*` overrides apply to imported processes).
    #[command(flatten)]
    config: ConfigArgs,
}

/// A subcommand of `svc`.
#[derive(Debug, Subcommand)]
enum SvcCommand {
    /// Start every process in dependency order and supervise them until they all end or Ctrl-C (the default).
    Up(UpArgs),
    /// Print the effective configuration and where each configured value came from.
    Config(ConfigCommandArgs),
    /// Write the imported project in another tool's format (`--format process-compose`).
    Export(ExportArgs),
}

fn main() -> ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    let command = SvcCli::command();
    let matches = command.clone().get_matches();
    let mut cli = match SvcCli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // `-f`, `--config` and the like go anywhere; the options of `up` before a subcommand only before `up`.
    if matches.subcommand_name().is_some() {
        let up_command = match &mut cli.command {
            Some(SvcCommand::Up(args)) => Some(args),
            _ => None,
        };
        if let Err(message) = svc_cli::cli::place_up_args(&matches, &cli.up, up_command) {
            let mut command = command;
            command.error(clap::error::ErrorKind::ArgumentConflict, message).exit();
        }
    }
    let imported = match cli.compose.import() {
        Ok(imported) => imported,
        Err(code) => return code,
    };
    let command = match cli.command {
        None => Command::Up(cli.up),
        Some(SvcCommand::Up(args)) => Command::Up(args),
        Some(SvcCommand::Config(args)) => Command::Config(args),
        Some(SvcCommand::Export(args)) => Command::Export(args),
    };
    run_with(imported.project, Cli { command: Some(command), up: UpArgs::default(), config: cli.config })
}
