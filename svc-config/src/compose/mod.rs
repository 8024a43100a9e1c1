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
//! - `vars` (top level and per process) and Go templates (`{{ .PORT }}`, `{{ if }}`, `{{ range }}`, `printf`,
//!   ...) are rendered, per replica with `PC_REPLICA_NUM`, in the fields process-compose renders (`command`,
//!   `entrypoint`, `working_dir`, `log_location`, `description`, `environment`, probes' `exec.command` and
//!   `http_get` host/path/scheme/port), after `$VAR` expansion as in process-compose; inside `{{ }}` an
//!   undefined `$VAR` is empty (`{{ or "${X}" .X }}` falls back to the var). A key missing from the vars and an
//!   invalid template are errors at the value. `is_template_disabled: true` keeps a process as written.
//! - `extends: base.yaml` (top level) merges the base file under the extending one, its relative working dirs
//!   rebased onto its directory; `extends: NAME` (a process) inherits every key of process `NAME`.
//! - `command` runs with the file's `shell`, else as process-compose runs it: `$COMPOSE_SHELL -c`, else `bash -c`
//!   (svc falls back to `sh -c` where bash is not on `PATH`); `entrypoint` is an argv run without a shell.
//! - `env_cmds` run once before expansion; each trimmed output is a variable for `$VAR` and for every process.
//!   `.env` variables reach every process's environment (not those with `is_dotenv_disabled`), `env_file` is
//!   read relative to the process's `working_dir`, `PC_DISABLED_PROCESSES=a,b` disables processes.
//! - YAML as files write it: a known key without a value is absent, `yes`/`no`/`on`/`off` are booleans where a
//!   boolean is expected, an environment entry without `=` is skipped with a warning.
//! - `replicas: N` creates processes `name-0` ... `name-{N-1}` (zero-padded); depending on `name` means
//!   depending on every replica. `PC_PROC_NAME` and `PC_REPLICA_NUM` are set in each process's environment. A
//!   replica's `log_location` has `{PC_REPLICA_NUM}` replaced, or `.N` appended when it has neither that
//!   placeholder nor a template.
//! - The top-level `log_location` becomes the log file of every process that has none of its own (opened once,
//!   shared), written with the top-level `log_configuration`; a log file without `log_configuration` is written
//!   in process-compose's default format, JSON lines. The top-level `log_length` is every process's ring size.
//! - YAML anchors, aliases and `<<` merge keys work; top-level `x-...` keys (extension fields) hold them
//!   without a warning.
//! - Keys svc does not implement (`is_tty`, `schedule`, ...) and unknown keys produce one warning each, naming
//!   what svc does instead (an error with `strict` or `is_strict`), with a suggestion for likely typos.
//! - Every error is reported together and at its place: those of the file's values, and those validation finds
//!   (unknown dependency, cycle, ...) at the key that causes them ([`Locations`]).
//!
//! Deliberate differences from process-compose, besides undefined variables: when files are merged, lists other
//! than `environment` are replaced (process-compose appends them) and an explicit `false` or `0` in a later file
//! wins (process-compose's merge skips zero values); without bash on `PATH` commands run with `sh` (process-compose
//! refuses to start); shutdown is always ordered and always ends in `SIGKILL`; a process keeps one namespace (the
//! first of a list, with a note: svc has no namespace selection yet); `log_level` (the level of process-compose's
//! own log file, which svc does not write) is checked and has no other effect.
//!
//! **Export** ([`export`]) writes a process-compose file that means the same as a validated project; see its
//! documentation for the few things process-compose cannot express.
//!
//! Where things are: `discover` (which files, and merging them), `expand` (`$VAR` expansion and `.env` files),
//! `shell` (the default shell, `env_cmds`), `extends` (base files and processes), `convert` (the process-compose
//! document -> the svc model, templates included), `locate` (placing validation errors), `export` (the other way);
//! this module ties the
//! import steps together.

mod convert;
mod discover;
mod error;
mod expand;
mod export;
mod extends;
mod locate;
mod shell;

use std::path::PathBuf;

use indexmap::IndexMap;
use svc_core::{Project, Settings};

pub use discover::{DEFAULT_FILE_NAMES, DEFAULT_OVERRIDE_FILE_NAMES, discover};
pub use error::ImportError;
pub use expand::{Undefined, Variables, expand, parse_dotenv};
pub use export::{ArgvStyle, ExportOptions, Exported, export, export_settings};
pub use locate::Locations;

pub use crate::config::tree::Diagnostic;
use crate::config::tree::{self, Loc, Node, Value};
use crate::config::utf8_environment;
use convert::{Converted, Converter};

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
    /// Where each process and key was written: place validation errors with [`Locations::diagnostics`].
    pub locations: Locations,
}

/// Reads, expands, merges and converts process-compose files into a project.
pub fn import(options: &ImportOptions) -> Result<Imported, ImportError> {
    let dir = options.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let files = if options.files.is_empty() { discover(&dir)? } else { options.files.clone() };
    let sources = discover::read_files(&files)?;
    let mut variables = Variables {
        dotenv: IndexMap::new(),
        environment: options.environment.clone().unwrap_or_else(|| utf8_environment().collect()),
    };
    if !options.disable_dotenv {
        // Files given explicitly must exist; the default `.env` is optional.
        let (env_files, required) = match &options.env_files {
            Some(list) => (list.clone(), true),
            None => (vec![dir.join(".env")], false),
        };
        variables.dotenv = expand::read_dotenv_files(&env_files, required)?;
    }
    let default_name = options.project_name.clone().or_else(|| discover::directory_name(&files));
    import_sources(&sources, &variables, options.strict, default_name.as_deref())
}

/// Imports already-read files: `(name, text)` pairs merged in order. `env_file` paths are read relative to the
/// process's `working_dir` (or the current directory). The building block of [`import`], usable without touching
/// the file system for the files themselves (`env_cmds` do run, and the base files named by a top-level
/// `extends` are read relative to the source's name).
///
/// Every problem is reported together: those of the file's values, and those validation finds in the processes
/// that converted (unknown dependencies, cycles, ...), each at the key that causes it.
pub fn import_sources(
    sources: &[(String, String)],
    variables: &Variables,
    strict: bool,
    default_name: Option<&str>,
) -> Result<Imported, ImportError> {
    let Document { mut root, origins, files, env_cmds } = read_document(sources, variables)?;
    extends::inherit(&mut root)?;
    // `is_strict: true` in a file asks process-compose to reject unknown keys: honour it the same way.
    let file_strict = matches!(root.get("is_strict").map(|n| &n.value), Some(Value::Bool(true)));
    let mut converter = Converter::new(strict || file_strict, &expand::read_env_file);
    converter.default_shell = shell::default_shell(variables);
    let mut converted = converter.project(&root);
    let first_origin = sources.first().map(|(n, _)| n.clone()).unwrap_or_default();
    add_variables(&mut converted, &converter, variables, &env_cmds);
    disable_listed(&mut converted, variables, &mut converter.warnings);
    let locations = Locations {
        first_file: first_origin.clone(),
        written: converted.processes.iter().map(|(name, written, _)| (name.clone(), written.clone())).collect(),
        keys: std::mem::take(&mut converter.locs),
    };
    let project = assemble(converted, &origins, first_origin, default_name);
    if !converter.errors.is_empty() {
        let mut errors = converter.errors;
        // What validation finds in the rest, except what repeats the errors above.
        if let Err(found) = project.validate() {
            let others: Vec<svc_core::Error> = found
                .iter()
                .filter(|e| !locations.concerns(e).iter().any(|name| converter.failed.contains(*name)))
                .cloned()
                .collect();
            errors.extend(locations.diagnostics(&svc_core::Errors(others)));
        }
        return Err(ImportError { errors, warnings: converter.warnings });
    }
    Ok(Imported { project, files, warnings: converter.warnings, locations })
}

/// The variables every process gets as process-compose gives them: the `env_cmds` outputs (in the project
/// environment, as process-compose sets them in its own) and the `.env` variables (injected into every process
/// but those with `is_dotenv_disabled`), each only where the file does not set the variable itself.
fn add_variables(
    converted: &mut Converted,
    converter: &Converter<'_>,
    variables: &Variables,
    env_cmds: &IndexMap<String, String>,
) {
    for (name, value) in env_cmds {
        converted.environment.entry(name.clone()).or_insert_with(|| value.clone());
    }
    for (_, written, process) in &mut converted.processes {
        if converter.dotenv_disabled.contains(written.as_str()) {
            continue;
        }
        for (name, value) in &variables.dotenv {
            if !converted.environment.contains_key(name) && !process.environment.contains_key(name) {
                process.environment.insert(name.clone(), value.clone());
            }
        }
    }
}

/// `PC_DISABLED_PROCESSES=a,b`: those processes are disabled (listed, not started), as process-compose does.
/// A name is a process as written or one replica; a name that matches none is a warning.
fn disable_listed(converted: &mut Converted, variables: &Variables, warnings: &mut Vec<Diagnostic>) {
    let Some(list) = variables.get("PC_DISABLED_PROCESSES") else { return };
    for wanted in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let mut found = false;
        for (name, written, process) in &mut converted.processes {
            if name == wanted || written == wanted {
                process.disabled = true;
                found = true;
            }
        }
        if !found {
            let names: Vec<&str> = converted.processes.iter().map(|(n, _, _)| n.as_str()).collect();
            let hint = svc_core::closest(wanted, &names).map(|s| format!(" (did you mean '{s}'?)")).unwrap_or_default();
            warnings.push(Diagnostic {
                loc: Loc::whole("env PC_DISABLED_PROCESSES"),
                path: String::new(),
                message: format!("no process '{wanted}' to disable{hint}"),
            });
        }
    }
}

/// Runs the sources' `env_cmds`, then parses and expands each source (after the files it `extends`) and merges
/// them in order: the document, for each process the name of the first source that defines it (its origin), the
/// files read in merge order, and the `env_cmds` variables. Every undefined variable of every source is reported.
fn read_document(sources: &[(String, String)], variables: &Variables) -> Result<Document, ImportError> {
    let mut errors = Vec::new();
    // process-compose runs `env_cmds` before it expands the file, so that their output can be used in it.
    let mut nodes = Vec::new();
    for (name, text) in sources {
        nodes.push(tree::parse(text, name, tree::Format::Yaml).map_err(|e| ImportError::single(e.loc, e.message))?);
    }
    let mut env_cmds = IndexMap::new();
    let shell = nodes.iter().rev().find_map(shell::file_shell).unwrap_or_else(|| shell::default_shell(variables));
    for node in &nodes {
        shell::run_env_cmds(node, &shell, variables, &mut env_cmds, &mut errors);
    }
    let mut expansion = variables.clone();
    for (name, value) in &env_cmds {
        // Set in process-compose's own environment, they win over what it had.
        expansion.dotenv.shift_remove(name);
        expansion.environment.insert(name.clone(), value.clone());
    }
    let mut load = |name: &str, text: String| -> Result<Node, ImportError> {
        let mut node =
            tree::parse(&text, name, tree::Format::Yaml).map_err(|e| ImportError::single(e.loc, e.message))?;
        let expansion_disabled = matches!(node.get("disable_env_expansion").map(|n| &n.value), Some(Value::Bool(true)));
        if !expansion_disabled {
            expand::expand_tree(&mut node, &mut Vec::new(), &expansion, &mut |at, path, undefined| {
                errors.push(expand::undefined_error(at, path, &undefined));
            });
        }
        Ok(node)
    };
    let given: Vec<String> = sources.iter().map(|(name, _)| name.clone()).collect();
    let mut documents = Vec::new();
    for (name, text) in sources {
        let mut chain = vec![(name.clone(), load(name, text.clone())?)];
        extends::load_bases(&mut chain, &given, &mut load)?;
        documents.extend(chain);
    }
    if !errors.is_empty() {
        return Err(ImportError { errors, warnings: vec![] });
    }
    let mut merged: Option<Node> = None;
    let mut origins: IndexMap<String, String> = IndexMap::new();
    let mut files = Vec::new();
    for (name, node) in documents {
        if let Some(processes) = node.get("processes").and_then(Node::as_map) {
            for process in processes.keys() {
                origins.entry(process.clone()).or_insert_with(|| name.clone());
            }
        }
        files.push(PathBuf::from(&name));
        merged = Some(match merged {
            None => node,
            Some(mut base) => {
                discover::merge(&mut base, node, "");
                base
            }
        });
    }
    let Some(root) = merged else {
        return Err(ImportError::single(Loc::whole("process-compose"), "no file to import"));
    };
    Ok(Document { root, origins, files, env_cmds })
}

/// The files merged into one document.
struct Document {
    /// The merged tree.
    root: Node,
    /// For each process, the name of the first file that defines it.
    origins: IndexMap<String, String>,
    /// The files read, in merge order (base files first).
    files: Vec<PathBuf>,
    /// The variables the `env_cmds` printed.
    env_cmds: IndexMap<String, String>,
}

/// The project: the top-level environment and each process as a settings file named after the file that
/// defines the process (so that errors and `config` name it); processes of unknown origin go to the first file.
fn assemble(
    converted: Converted,
    origins: &IndexMap<String, String>,
    first_origin: String,
    default_name: Option<&str>,
) -> Project {
    let project_name = converted.name.as_deref().or(default_name).unwrap_or("process-compose").to_owned();
    let mut per_origin: IndexMap<String, Settings> = IndexMap::new();
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
    project
}
