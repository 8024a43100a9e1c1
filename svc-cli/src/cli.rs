//! The command line of a project's binary: `up` (the default) and, as they land, `down`, `ps`, `logs`,
//! `restart`, `attach`, `config`, `export`. Parsed with clap (derive); subcommands are variants of [`Command`].

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use svc_core::Project;

use svc_runtime::UpOptions;
use svc_runtime::logs::ColorChoice;

/// Runs the project's services under a supervisor.
///
/// Global options (`--config`) go before or after the subcommand. The options of `up` may be given without
/// the subcommand (`prog --color never`), after it, or before it (`prog --color never up`); before another
/// subcommand they are an error ([`place_up_args`], applied by [`parse_args`]).
#[derive(Debug, Parser)]
#[command(about, long_about = None)]
pub struct Cli {
    /// What to do (default: `up`).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of `up`, accepted without the subcommand name.
    #[command(flatten)]
    pub up: UpArgs,
    /// `--config FILE` (layered configuration), accepted by every subcommand.
    #[command(flatten)]
    pub config: crate::config_args::ConfigArgs,
}

/// A subcommand.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start every process in dependency order and supervise them until they end or Ctrl-C (the default).
    Up(UpArgs),
    /// Print the effective configuration (options and processes) and where each configured value came from.
    Config(crate::config_args::ConfigCommandArgs),
    /// Write the project in another tool's format (`--format process-compose`).
    Export(crate::compose_args::ExportArgs),
    /// Print the JSON Schema of this project's config files (or of one service's options: `--service NAME`).
    Schema(crate::config_args::SchemaArgs),
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
    use clap::CommandFactory;
    // The help describes the user's project, not this crate.
    let command = Cli::command()
        .about(format!("Runs the services of the `{}` project under a supervisor.", project.name()))
        .disable_version_flag(true);
    run_with(project, parse_args(command))
}

/// A parsed command line that has the options of `up` at the top level (so that `prog --color never` runs
/// `up`) and may have an `up` subcommand: [`Cli`], and the `svc` binary's.
pub trait UpPlacement {
    /// The top level's options of `up`, and the `up` subcommand's own when that is the subcommand given.
    fn up_args(&mut self) -> (&UpArgs, Option<&mut UpArgs>);
}

impl UpPlacement for Cli {
    fn up_args(&mut self) -> (&UpArgs, Option<&mut UpArgs>) {
        let up_command = match &mut self.command {
            Some(Command::Up(args)) => Some(args),
            _ => None,
        };
        (&self.up, up_command)
    }
}

/// Parses the process's arguments with `command` (`T`'s clap command, possibly customised), then places the
/// options of `up` written before a subcommand ([`place_up_args`]). On an error, prints clap's message and
/// exits (code 2).
pub fn parse_args<T: clap::FromArgMatches + UpPlacement>(mut command: clap::Command) -> T {
    let matches = command.clone().get_matches();
    let cli = match T::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    match placed(cli, &matches) {
        Ok(cli) => cli,
        Err(message) => command.error(clap::error::ErrorKind::ArgumentConflict, message).exit(),
    }
}

/// Applies [`place_up_args`] to `cli`, parsed from `matches`: only options before a subcommand need placing.
fn placed<T: UpPlacement>(mut cli: T, matches: &clap::ArgMatches) -> Result<T, String> {
    if matches.subcommand_name().is_some() {
        let (top, up_command) = cli.up_args();
        place_up_args(matches, top, up_command)?;
    }
    Ok(cli)
}

/// The ids of [`UpArgs`]'s arguments, with their flag for messages.
const UP_ARGS: [(&str, &str); 3] = [("color", "--color"), ("log_file", "--log-file"), ("no_summary", "--no-summary")];

/// Options of `up` written before a subcommand (parsed into the top level's [`UpArgs`], `top`): before `up`
/// (`up_command` is its arguments) they apply unless `up` sets them itself; before another subcommand
/// (`up_command` is `None`) they are an error, returned as a message naming the option. Call it only when
/// `matches` (the top level's) has a subcommand.
pub fn place_up_args(matches: &clap::ArgMatches, top: &UpArgs, up_command: Option<&mut UpArgs>) -> Result<(), String> {
    use clap::parser::ValueSource;
    let given = |m: &clap::ArgMatches, id: &str| {
        m.try_get_raw(id).is_ok() && m.value_source(id) == Some(ValueSource::CommandLine)
    };
    let before: Vec<(&str, &str)> = UP_ARGS.into_iter().filter(|(id, _)| given(matches, id)).collect();
    let Some(up) = up_command else {
        return match before.first() {
            Some((_, flag)) => Err(format!(
                "`{flag}` is an option of `up`: put it after `up`, or leave the subcommand out to run `up`"
            )),
            None => Ok(()),
        };
    };
    let Some(sub) = matches.subcommand_matches("up") else { return Ok(()) };
    for (id, _) in before {
        if given(sub, id) {
            continue;
        }
        match id {
            "color" => up.color = top.color,
            "log_file" => up.log_file = top.log_file.clone(),
            _ => up.no_summary = top.no_summary,
        }
    }
    Ok(())
}

/// Runs the CLI for `project` with already parsed arguments.
pub fn run_with(mut project: Project, cli: Cli) -> ExitCode {
    let args = match cli.command {
        Some(Command::Up(args)) => args,
        Some(Command::Config(args)) => return crate::config_args::config_command(&mut project, &cli.config, &args),
        Some(Command::Export(args)) => return crate::compose_args::export_command(&mut project, &cli.config, &args),
        Some(Command::Schema(args)) => return crate::config_args::schema_command(&project, &args),
        None => cli.up,
    };
    // Config files and SVC__ variables over the options set in Rust, then validation (errors printed, exit 2).
    let valid = match crate::config_args::resolve(&mut project, &cli.config) {
        Ok(valid) => valid,
        Err(code) => return code,
    };
    // The validated project is what runs; the one it was built from would stay in memory for the whole run.
    drop(project);
    svc_runtime::up_blocking(valid, args.options())
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

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, FromArgMatches};

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, String> {
        let matches = Cli::command().try_get_matches_from(args).map_err(|e| e.to_string())?;
        placed(Cli::from_arg_matches(&matches).map_err(|e| e.to_string())?, &matches)
    }

    #[test]
    fn global_options_go_before_or_after_the_subcommand() {
        for args in [["prog", "--config", "x.toml", "config"], ["prog", "config", "--config", "x.toml"]] {
            let cli = parse(&args).unwrap();
            assert!(matches!(cli.command, Some(Command::Config(_))), "{args:?}");
            assert_eq!(cli.config.config_files, [PathBuf::from("x.toml")], "{args:?}");
        }
        let cli = parse(&["prog", "--config", "x.toml", "--no-summary"]).unwrap();
        assert!(cli.command.is_none());
        assert!(cli.up.no_summary);
        assert_eq!(cli.config.config_files, [PathBuf::from("x.toml")]);
    }

    #[test]
    fn options_of_up_before_up_apply_and_before_another_subcommand_are_refused() {
        let cli = parse(&["prog", "--color", "never", "--log-file", "a", "up", "--log-file", "b"]).unwrap();
        let Some(Command::Up(args)) = cli.command else { panic!("not up: {:?}", cli.command) };
        assert_eq!(args.color, Color::Never);
        // The subcommand's own value wins.
        assert_eq!(args.log_file, Some(PathBuf::from("b")));
        assert!(!args.no_summary);

        let err = parse(&["prog", "--color", "never", "config"]).unwrap_err();
        assert!(err.contains("`--color` is an option of `up`"), "{err}");
    }
}
