//! The command-line side of layered configuration: `--config FILE` and the `config` subcommand.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use svc_core::{Project, ValidProject};

use svc_config::config::{ConfigError, Layer, apply, apply_unvalidated, utf8_environment};

/// `--config FILE`, accepted by every subcommand.
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigArgs {
    /// A config file (TOML, YAML or JSON, by extension) merged over the options set in Rust; repeat for
    /// several, later files win. `SVC__SERVICES__<SERVICE>__<OPTION>=value` and `SVC_CONFIG='{...}'`
    /// environment variables are applied after the files.
    #[arg(long = "config", value_name = "FILE", global = true)]
    pub config_files: Vec<PathBuf>,
}

/// Options of `config`.
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigCommandArgs {
    /// Print the effective configuration as JSON (`{"services": ..., "processes": ...}`) instead of
    /// `path = value` lines.
    #[arg(long)]
    pub json: bool,
}

impl ConfigArgs {
    /// The layers: the files in order, then the environment.
    pub fn layers(&self) -> Result<Vec<Layer>, ConfigError> {
        let mut layers = Vec::new();
        let mut errors = Vec::new();
        for file in &self.config_files {
            match Layer::load(file) {
                Ok(layer) => layers.push(layer),
                Err(ConfigError::Invalid(e)) => errors.extend(e),
                Err(e) => return Err(e),
            }
        }
        match Layer::from_env(utf8_environment()) {
            Ok(env) => layers.extend(env),
            Err(ConfigError::Invalid(e)) => errors.extend(e),
            Err(e) => return Err(e),
        }
        if errors.is_empty() { Ok(layers) } else { Err(ConfigError::Invalid(errors)) }
    }
}

fn print_errors(project: &str, error: &ConfigError) {
    let header = match error {
        ConfigError::Invalid(_) => format!("the configuration of `{project}` is not valid"),
        ConfigError::Project(_) => format!("the project `{project}` is not valid"),
    };
    crate::report_errors(&header, &error.messages());
}

/// Applies the configuration layers and validates: the project `up` runs. Errors are printed (every one, each at
/// its position); the exit code is 2.
pub fn resolve(project: &mut Project, args: &ConfigArgs) -> Result<ValidProject, ExitCode> {
    let result = args.layers().and_then(|layers| apply(project, &layers));
    result.map(|resolved| resolved.project).map_err(|e| {
        print_errors(project.name(), &e);
        ExitCode::from(2)
    })
}

/// `config`: prints the effective configuration, each overridden value followed by where it came from. Exits 2
/// (after printing) when the configured project does not validate.
pub fn config_command(project: &mut Project, args: &ConfigArgs, command: &ConfigCommandArgs) -> ExitCode {
    let layers = match args.layers() {
        Ok(layers) => layers,
        Err(e) => {
            print_errors(project.name(), &e);
            return ExitCode::from(2);
        }
    };
    let (merged, report) = match apply_unvalidated(project, &layers) {
        Ok(done) => done,
        Err(e) => {
            print_errors(project.name(), &e);
            return ExitCode::from(2);
        }
    };
    if command.json {
        let sources: serde_json::Map<String, serde_json::Value> =
            report.sources.iter().map(|(path, loc)| (path.clone(), serde_json::json!(loc.to_string()))).collect();
        let out = serde_json::json!({ "effective": report.effective, "sources": sources });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        println!("# Effective configuration of `{}`; values set by a config layer show their source.", project.name());
        print!("{}", report.render());
    }
    match merged.validate(project.name()) {
        Ok(_) => ExitCode::SUCCESS,
        Err(errors) => {
            print_errors(project.name(), &ConfigError::Project(errors));
            ExitCode::from(2)
        }
    }
}

/// Options of `schema`.
#[derive(Debug, Clone, Default, Args)]
pub struct SchemaArgs {
    /// Print the options schema of this service instead of the schema of a whole config file.
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
}

/// `schema`: prints the JSON Schema of this project's config files (`--config FILE`), or of one service's
/// options. Point an editor at it for completion and checking.
pub fn schema_command(project: &Project, args: &SchemaArgs) -> ExitCode {
    use svc_config::config::schema::{ServiceSchema, by_name, project_schema, service_schema};
    let services = ServiceSchema::of_project(project);
    let schema = match &args.service {
        None => project_schema(&services),
        Some(wanted) => {
            let groups = by_name(&services);
            match groups.iter().find(|(name, _)| name == wanted) {
                Some((name, definitions)) => service_schema(name, definitions),
                None => {
                    let names: Vec<&str> = groups.iter().map(|(n, _)| n.as_str()).collect();
                    let hint = svc_core::closest(wanted, &names)
                        .map(|s| format!(" (did you mean '{s}'?)"))
                        .unwrap_or_default();
                    eprintln!(
                        "error: `{}` has no service '{wanted}'{hint}; its services: {}",
                        project.name(),
                        if names.is_empty() { "none".to_owned() } else { names.join(", ") }
                    );
                    return ExitCode::from(2);
                }
            }
        }
    };
    println!("{}", serde_json::to_string_pretty(&schema).unwrap_or_default());
    ExitCode::SUCCESS
}
