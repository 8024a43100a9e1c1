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
use svc_cli::cli::{Cli, Command, UpArgs, UpPlacement, parse_args, run_with};
use svc_cli::compose_args::{ComposeArgs, ExportArgs, check_imported};
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

impl UpPlacement for SvcCli {
    fn up_args(&mut self) -> (&UpArgs, Option<&mut UpArgs>) {
        let up_command = match &mut self.command {
            Some(SvcCommand::Up(args)) => Some(args),
            _ => None,
        };
        (&self.up, up_command)
    }
}

fn main() -> ExitCode {
    use clap::CommandFactory;
    // `-f`, `--config` and the like go anywhere; the options of `up` before a subcommand only before `up`.
    let cli: SvcCli = parse_args(SvcCli::command());
    let mut imported = match cli.compose.import() {
        Ok(imported) => imported,
        Err(code) => return code,
    };
    // `up` and `export` validate: report those errors at their place in the files. (`config` prints the
    // configuration even when it does not validate.)
    if !matches!(cli.command, Some(SvcCommand::Config(_)))
        && let Err(code) = check_imported(&mut imported, &cli.config)
    {
        return code;
    }
    let command = match cli.command {
        None => Command::Up(cli.up),
        Some(SvcCommand::Up(args)) => Command::Up(args),
        Some(SvcCommand::Config(args)) => Command::Config(args),
        Some(SvcCommand::Export(args)) => Command::Export(args),
    };
    run_with(imported.project, Cli { command: Some(command), up: UpArgs::default(), config: cli.config })
}
