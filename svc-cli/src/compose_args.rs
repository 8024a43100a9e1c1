//! The command-line side of process-compose interop: `export --format process-compose` and the import options
//! of the standalone `svc` binary.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use svc_core::Project;

use crate::config_args::{ConfigArgs, resolve};
use svc_config::compose::{ArgvStyle, ExportOptions, ImportOptions, Imported, export};
use svc_config::config::{ConfigError, apply};

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ExportFormat {
    /// A `process-compose.yaml` for process-compose.
    #[default]
    ProcessCompose,
}

/// How argv commands are exported (`--argv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ArgvArg {
    /// `entrypoint: [program, args...]`, run without a shell (exactly svc's meaning).
    #[default]
    Entrypoint,
    /// `command: "program 'arg'"`, every argument quoted for `sh`.
    Shell,
}

/// Options of `export`.
#[derive(Debug, Clone, Default, Args)]
pub struct ExportArgs {
    /// The output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::ProcessCompose)]
    pub format: ExportFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// How argv commands are written.
    #[arg(long, value_enum, default_value_t = ArgvArg::Entrypoint)]
    pub argv: ArgvArg,
}

/// `export`: validates the configured project and writes it as a process-compose file. Approximations (rounded
/// durations, dropped settings) are printed to standard error.
pub fn export_command(project: &mut Project, config: &ConfigArgs, args: &ExportArgs) -> ExitCode {
    let valid = match resolve(project, config) {
        Ok(valid) => valid,
        Err(code) => return code,
    };
    let argv = match args.argv {
        ArgvArg::Entrypoint => ArgvStyle::Entrypoint,
        ArgvArg::Shell => ArgvStyle::ShellCommand,
    };
    let exported = export(&valid, &ExportOptions { argv });
    for note in &exported.notes {
        eprintln!("note: {note}");
    }
    match &args.output {
        None => {
            print!("{}", exported.yaml);
            ExitCode::SUCCESS
        }
        Some(path) => match std::fs::write(path, &exported.yaml) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                ExitCode::from(1)
            }
        },
    }
}

/// Which process-compose files to read (`-f`), and how.
#[derive(Debug, Clone, Default, Args)]
pub struct ComposeArgs {
    /// A process-compose file; repeat to merge several in order. Default: `compose.yml`, `compose.yaml`,
    /// `process-compose.yml` or `process-compose.yaml` in the current directory, with its `.override` file.
    #[arg(long = "file", short = 'f', value_name = "FILE", global = true)]
    pub compose_files: Vec<PathBuf>,
    /// Unsupported and unknown keys are errors instead of warnings.
    #[arg(long, global = true)]
    pub strict: bool,
    /// A `.env` file used for `$VAR` expansion; repeat for several (default: `.env` if it exists).
    #[arg(long = "env-file", short = 'e', value_name = "FILE", global = true)]
    pub env_files: Vec<PathBuf>,
    /// Do not read any `.env` file.
    #[arg(long, global = true)]
    pub disable_dotenv: bool,
}

impl ComposeArgs {
    /// Imports the files, printing the warnings (one per unsupported or unknown key) to standard error. On error
    /// everything is printed and the exit code is 2.
    pub fn import(&self) -> Result<Imported, ExitCode> {
        let options = ImportOptions {
            files: self.compose_files.clone(),
            strict: self.strict,
            env_files: (!self.env_files.is_empty()).then(|| self.env_files.clone()),
            disable_dotenv: self.disable_dotenv,
            ..ImportOptions::default()
        };
        match svc_config::compose::import(&options) {
            Ok(imported) => {
                for warning in &imported.warnings {
                    eprintln!("warning: {warning}");
                }
                Ok(imported)
            }
            Err(e) => {
                for warning in &e.warnings {
                    eprintln!("warning: {warning}");
                }
                crate::report_errors("cannot import the process-compose file", &e.errors);
                Err(ExitCode::from(2))
            }
        }
    }
}

/// Validates an imported project with the configuration layers applied (what `up` and `export` run), printing
/// each validation error at the `file:line:col` of the key that causes it (exit code 2). Problems of the layers
/// themselves are left to the command, which reports them.
pub fn check_imported(imported: &mut Imported, config: &ConfigArgs) -> Result<(), ExitCode> {
    let Ok(layers) = config.layers() else { return Ok(()) };
    match apply(&mut imported.project, &layers) {
        Err(ConfigError::Project(errors)) => {
            let header = format!("the project `{}` is not valid", imported.project.name());
            crate::report_errors(&header, &imported.locations.diagnostics(&errors));
            Err(ExitCode::from(2))
        }
        _ => Ok(()),
    }
}
