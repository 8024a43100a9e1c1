//! process-compose interop: run an existing `process-compose.yaml`, and write one from a project.
//!
//! **Import** ([`import`]) reads one or more process-compose files into a [`svc_core::Project`], which then goes
//! through the same validation and supervisor as a project written in Rust. What it does, and where it differs
//! from process-compose on purpose:
//!
//! - File discovery as process-compose: without `-f`, the first of `compose.yml`, `compose.yaml`,
//!   `process-compose.yml`, `process-compose.yaml` in the directory, then the first matching `*.override.y(a)ml`
//!   merged on top. Several `-f` files are merged in order: mappings are merged key by key, later files win,
//!   `environment` lists are merged by variable name, other lists are replaced.
//! - `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}` are expanded in every string value from the `.env`
//!   file (or `--env-file`s) and the environment; `$$` is a literal `$`. **An undefined variable is an error**
//!   naming the variable, the process and the file (process-compose silently substitutes an empty string).
//!   `disable_env_expansion: true` turns expansion off for a file.
//! - `command` runs with `sh -c` (or the project's `shell`); `entrypoint` is an argv run without a shell.
//! - `replicas: N` creates processes `name-0` ... `name-{N-1}` (zero-padded); depending on `name` means
//!   depending on every replica. `PC_PROC_NAME` and `PC_REPLICA_NUM` are set in each process's environment. A
//!   replica's `log_location` has `{PC_REPLICA_NUM}` replaced, or `.N` appended when it has no placeholder.
//! - The top-level `log_location` becomes the log file of every process that has none of its own.
//! - YAML anchors, aliases and `<<` merge keys work; top-level `x-...` keys (extension fields) hold them
//!   without a warning.
//! - Keys svc does not implement (`is_tty`, `schedule`, ...) and unknown keys produce one warning each
//!   (an error with `strict`), with a suggestion for likely typos.
//!
//! Deliberate differences from process-compose, besides undefined variables: when files are merged, lists other
//! than `environment` are replaced (process-compose appends them) and an explicit `false` or `0` in a later file
//! wins (process-compose's merge skips zero values); `command` runs with `sh`, not `bash`, unless the file sets
//! `shell`; a process keeps one namespace (the first of a list, with a warning).
//!
//! **Export** ([`export`]) writes a process-compose file that means the same as a validated project; see its
//! documentation for the few things process-compose cannot express.

mod expand;
mod export;
mod import;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use svc_core::{Project, Settings};

pub use expand::{Undefined, Variables, expand, parse_dotenv};
pub use export::{ArgvStyle, ExportOptions, Exported, export, export_settings};

pub use crate::config::tree::Diagnostic;
use crate::config::tree::{self, Loc, Node, Value};

/// The file names searched when no file is given, in order of preference (as process-compose).
pub const DEFAULT_FILE_NAMES: [&str; 4] =
    ["compose.yml", "compose.yaml", "process-compose.yml", "process-compose.yaml"];
/// The override file names merged on top of a discovered file, in order of preference.
pub const DEFAULT_OVERRIDE_FILE_NAMES: [&str; 4] =
    ["compose.override.yml", "compose.override.yaml", "process-compose.override.yml", "process-compose.override.yaml"];

/// Import failed: every error found, plus the warnings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    /// The errors (at least one).
    pub errors: Vec<Diagnostic>,
    /// Warnings found on the way.
    pub warnings: Vec<Diagnostic>,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.errors.as_slice() {
            [one] => one.fmt(f),
            many => {
                write!(f, "{} problems:", many.len())?;
                for e in many {
                    write!(f, "\n  {e}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ImportError {}

impl ImportError {
    fn single(loc: Loc, message: impl Into<String>) -> Self {
        ImportError { errors: vec![Diagnostic { loc, path: String::new(), message: message.into() }], warnings: vec![] }
    }
}

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The files, merged in order. Empty: discover them in `dir` (see [`discover`]).
    pub files: Vec<PathBuf>,
    /// Where to discover files and the default `.env` (default: the current directory).
    pub dir: Option<PathBuf>,
    /// Unsupported and unknown keys are errors instead of warnings.
    pub strict: bool,
    /// `.env` files to read for expansion (later ones win). `None`: `.env` in `dir` if it exists.
    pub env_files: Option<Vec<PathBuf>>,
    /// Do not read any `.env` file.
    pub disable_dotenv: bool,
    /// The environment used for expansion. `None`: the supervisor's environment.
    pub environment: Option<IndexMap<String, String>>,
    /// The project name. `None`: the file's `name`, else the directory name of the first file.
    pub project_name: Option<String>,
}

/// An imported project.
#[derive(Debug)]
pub struct Imported {
    /// The project: validate it with [`Project::validate`], run it like any other.
    pub project: Project,
    /// The files read, in merge order.
    pub files: Vec<PathBuf>,
    /// One warning per unsupported or unknown key.
    pub warnings: Vec<Diagnostic>,
}

/// The process-compose files for `dir`, as process-compose discovers them: the first default file name that
/// exists, then the first override file name that exists.
pub fn discover(dir: &Path) -> Result<Vec<PathBuf>, ImportError> {
    let first = |names: &[&str]| names.iter().map(|n| dir.join(n)).find(|p| p.is_file());
    let Some(main) = first(&DEFAULT_FILE_NAMES) else {
        return Err(ImportError::single(
            Loc::whole(dir.display().to_string()),
            format!(
                "no process-compose file found (looked for {}); pass one with -f FILE",
                DEFAULT_FILE_NAMES.join(", ")
            ),
        ));
    };
    let mut files = vec![main];
    files.extend(first(&DEFAULT_OVERRIDE_FILE_NAMES));
    Ok(files)
}

/// Reads, expands, merges and converts process-compose files into a project.
pub fn import(options: &ImportOptions) -> Result<Imported, ImportError> {
    let dir = options.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let files = if options.files.is_empty() { discover(&dir)? } else { options.files.clone() };
    let mut sources = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).map_err(|e| {
            ImportError::single(Loc::whole(file.display().to_string()), format!("cannot read the file: {e}"))
        })?;
        sources.push((file.display().to_string(), text));
    }
    let mut variables = Variables {
        dotenv: IndexMap::new(),
        environment: options.environment.clone().unwrap_or_else(|| crate::config::utf8_environment().collect()),
    };
    if !options.disable_dotenv {
        let (env_files, required) = match &options.env_files {
            Some(list) => (list.clone(), true),
            None => (vec![dir.join(".env")], false),
        };
        for env_file in env_files {
            match std::fs::read_to_string(&env_file) {
                Ok(text) => variables.dotenv.extend(parse_dotenv(&text).map_err(|(line, message)| {
                    ImportError::single(Loc::new(&Arc::from(env_file.display().to_string()), line, 1), message)
                })?),
                Err(e) if required || e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(ImportError::single(
                        Loc::whole(env_file.display().to_string()),
                        format!("cannot read the env file: {e}"),
                    ));
                }
                Err(_) => {}
            }
        }
    }
    let default_name = options.project_name.clone().or_else(|| {
        let first = files.first()?;
        let dir = std::fs::canonicalize(first).ok()?.parent()?.file_name()?.to_string_lossy().into_owned();
        Some(dir)
    });
    let mut imported = import_sources(&sources, &variables, options.strict, default_name.as_deref())?;
    imported.files = files;
    Ok(imported)
}

/// Imports already-read files: `(name, text)` pairs merged in order. `env_file` paths are read relative to the
/// current directory. The building block of [`import`], usable without touching the file system for the files
/// themselves.
pub fn import_sources(
    sources: &[(String, String)],
    variables: &Variables,
    strict: bool,
    default_name: Option<&str>,
) -> Result<Imported, ImportError> {
    let mut errors = Vec::new();
    let mut merged: Option<Node> = None;
    // The first file that defines each process is its origin.
    let mut origins: IndexMap<String, String> = IndexMap::new();
    for (name, text) in sources {
        let mut node =
            tree::parse(text, name, tree::Format::Yaml).map_err(|e| ImportError::single(e.loc, e.message))?;
        let expansion_disabled = matches!(node.get("disable_env_expansion").map(|n| &n.value), Some(Value::Bool(true)));
        if !expansion_disabled {
            expand::expand_tree(&mut node, &mut Vec::new(), variables, &mut |at, path, undefined| {
                errors.push(undefined_error(at, path, &undefined));
            });
        }
        if let Some(processes) = node.get("processes").and_then(Node::as_map) {
            for process in processes.keys() {
                origins.entry(process.clone()).or_insert_with(|| name.clone());
            }
        }
        merged = Some(match merged {
            None => node,
            Some(mut base) => {
                merge(&mut base, node, "");
                base
            }
        });
    }
    if !errors.is_empty() {
        return Err(ImportError { errors, warnings: vec![] });
    }
    let Some(root) = merged else {
        return Err(ImportError::single(Loc::whole("process-compose"), "no file to import"));
    };
    let read_env_file = |path: &str| -> Result<IndexMap<String, String>, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read env_file {path:?}: {e}"))?;
        parse_dotenv(&text).map_err(|(line, message)| format!("{path}:{line}: {message}"))
    };
    // `is_strict: true` in a file asks process-compose to reject unknown keys: honour it the same way.
    let file_strict = matches!(root.get("is_strict").map(|n| &n.value), Some(Value::Bool(true)));
    let mut converter = import::Converter::new(strict || file_strict, &read_env_file);
    let converted = converter.project(&root);
    if !converter.errors.is_empty() {
        return Err(ImportError { errors: converter.errors, warnings: converter.warnings });
    }

    let project_name = converted.name.as_deref().or(default_name).unwrap_or("process-compose").to_owned();
    let mut per_origin: IndexMap<String, Settings> = IndexMap::new();
    let first_origin = sources.first().map(|(n, _)| n.clone()).unwrap_or_default();
    per_origin
        .insert(first_origin.clone(), Settings { processes: IndexMap::new(), environment: converted.environment });
    for (replica, written, process) in converted.processes {
        let origin = origins.get(&written).cloned().unwrap_or_else(|| first_origin.clone());
        per_origin.entry(origin).or_default().processes.insert(replica, process);
    }
    let mut project = Project::new(project_name);
    for (origin, settings) in per_origin {
        project = project.file(origin, settings);
    }
    Ok(Imported { project, files: Vec::new(), warnings: converter.warnings })
}

fn undefined_error(at: &Node, path: &[String], undefined: &Undefined) -> Diagnostic {
    let name = &undefined.name;
    let whose = match path {
        [processes, process, ..] if processes == "processes" => format!("process `{process}`"),
        _ => "the file".to_owned(),
    };
    Diagnostic {
        loc: at.loc.clone(),
        path: path.join("."),
        message: format!(
            "variable `{name}` is not defined (used by {whose} in {}); define it in the environment or in .env, \
             give a default with ${{{name}:-default}}, or write $${name} for a literal `${name}`",
            at.loc.source
        ),
    }
}

/// Merges `over` into `base` as process-compose merges files: mappings key by key, `environment` lists by
/// variable name, anything else replaced.
fn merge(base: &mut Node, over: Node, key: &str) {
    match (&mut base.value, over.value) {
        (Value::Map(b), Value::Map(o)) => {
            for (k, entry) in o {
                match b.get_mut(&k) {
                    Some(existing) => merge(&mut existing.value, entry.value, &k),
                    None => {
                        b.insert(k, entry);
                    }
                }
            }
        }
        (Value::Seq(b), Value::Seq(o)) if key == "environment" => {
            let name = |n: &Node| n.as_str().map(|s| s.split('=').next().unwrap_or_default().to_owned());
            for item in o {
                match b.iter_mut().find(|existing| name(existing).is_some() && name(existing) == name(&item)) {
                    Some(existing) => *existing = item,
                    None => b.push(item),
                }
            }
        }
        (_, value) => {
            base.value = value;
            base.loc = over.loc;
        }
    }
}
