//! The located process-compose tree -> the svc model, with every problem reported at its file position.
//!
//! [`Converter`] (in `read`, with the typed readers every step uses) walks the merged document: the project
//! settings and replica expansion here, one process in `process`, probes in `probe`, `vars` and `{{ }}`
//! templates (rendered per replica, before a replica is converted) in `template`; the keys each mapping
//! accepts are listed in `keys`.

mod keys;
mod logging;
mod probe;
mod process;
mod read;
mod schedule;
mod template;

use std::path::PathBuf;

use indexmap::IndexMap;
use svc_core::{Dependency, Environment, LogConfiguration, Process};

use self::keys::{PROJECT_KEYS, PROJECT_UNSUPPORTED, SHELL_KEYS, SHELL_UNSUPPORTED};
pub(crate) use self::read::Converter;
use self::read::join;
use self::template::Vars;
use crate::config::tree::{Entry, Node, Value};

/// The processes and project settings read from a merged process-compose tree.
pub(crate) struct Converted {
    /// The project name, if the file sets one.
    pub name: Option<String>,
    /// The top-level `environment`.
    pub environment: Environment,
    /// Processes after replica expansion, with the name of the process as written (for origins).
    pub processes: Vec<(String, String, Process)>,
}

impl Converter<'_> {
    /// Converts the merged document.
    pub fn project(&mut self, root: &Node) -> Converted {
        let mut out = Converted { name: None, environment: Environment::new(), processes: Vec::new() };
        let Some(map) = self.keys(root, "", PROJECT_KEYS, PROJECT_UNSUPPORTED) else {
            return out;
        };
        self.settings(&map, &mut out);
        let vars = map.get("vars").map(|e| self.vars(&e.value, "vars")).unwrap_or_default();
        let global_log = map.get("log_location").and_then(|e| self.string(&e.value, "log_location"));
        let logging = Logging {
            file: global_log,
            config: map.get("log_configuration").and_then(|e| self.log_configuration(&e.value, "log_configuration")),
            length: map.get("log_length").and_then(|e| self.log_length(&e.value)),
        };
        let Some(processes) = map.get("processes") else {
            self.error(&root.loc, "processes", "missing: a process-compose file needs a `processes:` mapping");
            return out;
        };
        let Some(processes) = processes.value.as_map() else {
            self.error(
                &processes.value.loc,
                "processes",
                format!("expected a mapping, found {}", processes.value.kind()),
            );
            return out;
        };
        out.processes = self.processes(processes, &logging, &vars);
        out
    }

    /// The top-level settings other than `processes` and `log_location`: `shell` (kept for the commands that
    /// follow), `name`, `environment`; `version` and the flags are only type-checked.
    fn settings(&mut self, map: &IndexMap<String, Entry>, out: &mut Converted) {
        if let Some(shell) = map.get("shell")
            && let Some(m) = self.keys(&shell.value, "shell", SHELL_KEYS, SHELL_UNSUPPORTED)
        {
            let program = m.get("shell_command").and_then(|e| self.string(&e.value, "shell.shell_command"));
            let argument = m.get("shell_argument").and_then(|e| self.string(&e.value, "shell.shell_argument"));
            match (program, argument) {
                (Some(p), Some(a)) => self.shell = Some((p, a)),
                _ => self.error(&shell.value.loc, "shell", "set both shell_command and shell_argument"),
            }
        }
        if let Some(name) = map.get("name") {
            out.name = self.string(&name.value, "name");
        }
        for key in ["version", "extends"] {
            if let Some(v) = map.get(key) {
                self.string(&v.value, key);
            }
        }
        // `ordered_shutdown`: svc always stops processes in reverse dependency order (dependents first), so
        // `true` is what it does anyway. `is_tui_disabled`: svc has no TUI yet (it always runs headless).
        // `disable_env_expansion` was applied while reading the file, `is_strict` by `import_sources`.
        for flag in ["disable_env_expansion", "is_strict", "ordered_shutdown", "is_tui_disabled"] {
            if let Some(v) = map.get(flag)
                && let Some(value) = self.boolean(&v.value, flag)
                && flag == "ordered_shutdown"
                && !value
            {
                self.note(
                    &v.key_loc,
                    flag,
                    "svc always stops processes in reverse dependency order; `ordered_shutdown: false` (stop all at \
                     once) has no effect",
                );
            }
        }
        if let Some(v) = map.get("log_level") {
            self.log_level(&v.value);
        }
        // `env_cmds` ran before `$VAR` expansion (see `env_cmds`); here it is only checked.
        if let Some(v) = map.get("env_cmds")
            && let Some(cmds) = self.mapping(&v.value, "env_cmds")
        {
            for (name, entry) in cmds {
                self.string(&entry.value, &join("env_cmds", name));
            }
        }
        if let Some(env) = map.get("environment") {
            out.environment = self.environment(&env.value, "environment");
        }
    }

    /// `log_level`: process-compose's level for its own log file (`/tmp/process-compose-$USER.log`). svc writes no
    /// such file and its own status lines go to the terminal, so the level is checked and has no other effect.
    fn log_level(&mut self, node: &Node) {
        // The levels process-compose accepts (zerolog's `ParseLevel`); an unknown one is a warning there too, an
        // error under `is_strict` (its `validateLogLevel`).
        const LEVELS: [&str; 8] = ["trace", "debug", "info", "warn", "error", "fatal", "panic", "disabled"];
        if let Some(level) = self.string(node, "log_level")
            && !LEVELS.contains(&level.as_str())
        {
            self.warn(&node.loc, "log_level", read::unknown_variant(&level, &LEVELS));
        }
    }

    /// The processes, each replica a process of its own: `(replica name, name as written, process)`. Templates
    /// are rendered per replica (with its `PC_REPLICA_NUM`) before it is converted, as process-compose clones
    /// replicas before rendering.
    fn processes(
        &mut self,
        processes: &IndexMap<String, Entry>,
        logging: &Logging,
        vars: &Vars,
    ) -> Vec<(String, String, Process)> {
        // Replica names first, so that `depends_on: {worker: ...}` can expand to every replica of `worker`.
        let mut replicas: IndexMap<String, Vec<String>> = IndexMap::new();
        let mut parsed = Vec::new();
        for (name, entry) in processes {
            let path = join("processes", name);
            self.locs.entry(name.clone()).or_default().insert(String::new(), entry.key_loc.clone());
            let count = replica_count(&entry.value);
            // A templated log location (`{{ .PC_REPLICA_NUM }}`) already differs per replica: no `.N` suffix.
            let log_templated =
                entry.value.get("log_location").and_then(Node::as_str).is_some_and(|t| t.contains("{{"));
            let mut first_warnings = None;
            for n in 0..count {
                // One error (or warning) per process, not one per replica.
                let Some(node) = self.render_process(&entry.value, &path, vars, n) else { break };
                let Some((process, _)) = self.process(&node, &path) else { break };
                match first_warnings {
                    None => first_warnings = Some(self.warnings.len()),
                    Some(len) => self.warnings.truncate(len),
                }
                parsed.push((name.clone(), n, log_templated, process));
            }
            replicas.insert(name.clone(), replica_names(name, count));
        }
        let mut out = Vec::new();
        for (name, n, log_templated, mut process) in parsed {
            logging.apply(&mut process);
            process.depends_on = expand_dependencies(std::mem::take(&mut process.depends_on), &replicas);
            out.push(replica(&name, process, n, &replicas[&name], log_templated));
        }
        out
    }
}

/// The top-level logging settings: `log_location` (the file of every process without its own), the
/// `log_configuration` of that file, and `log_length`.
struct Logging {
    file: Option<String>,
    config: Option<LogConfiguration>,
    length: Option<usize>,
}

impl Logging {
    /// A process without its own `log_location` writes to the top-level one, with the top-level
    /// `log_configuration` (process-compose's project logger, `project_runner.go`); a log file without any
    /// `log_configuration` gets process-compose's default format.
    fn apply(&self, process: &mut Process) {
        if process.log_location.is_none() && self.file.is_some() {
            process.log_location = self.file.as_ref().map(PathBuf::from);
            process.log_configuration = self.config.clone();
        }
        if process.log_location.is_some() && process.log_configuration.is_none() {
            process.log_configuration = Some(LogConfiguration::process_compose());
        }
        process.log_length = process.log_length.or(self.length);
    }
}

/// The `replicas:` of a process as process-compose counts them (0 is 1); an invalid value counts 1 and is
/// reported when the process is read.
fn replica_count(node: &Node) -> usize {
    match node.get("replicas").map(|n| &n.value) {
        Some(Value::Int(n)) if (1..=10_000).contains(n) => *n as usize,
        _ => 1,
    }
}

/// Dependencies on a replicated process become dependencies on each of its replicas.
fn expand_dependencies(
    depends_on: IndexMap<String, Dependency>,
    replicas: &IndexMap<String, Vec<String>>,
) -> IndexMap<String, Dependency> {
    let mut expanded = IndexMap::new();
    for (dependency, dep) in depends_on {
        match replicas.get(&dependency) {
            Some(names) => {
                for n in names {
                    expanded.insert(n.clone(), dep);
                }
            }
            // Unknown names and explicit replica names (`worker-1`) are kept; validation reports the
            // unknown ones with a suggestion.
            None => {
                expanded.insert(dependency, dep);
            }
        }
    }
    expanded
}

/// Replica `n` of process `name` (`names` are all its replicas): `(replica name, name, process)`.
/// `log_templated`: the log location was a template, so each replica's is its own already.
fn replica(
    name: &str,
    mut replica: Process,
    n: usize,
    names: &[String],
    log_templated: bool,
) -> (String, String, Process) {
    let count = names.len();
    let replica_name = names[n].clone();
    // process-compose injects these into every process's environment. For a single process a value
    // written in the file is kept (an exported replica carries its own PC_REPLICA_NUM).
    if count > 1 {
        replica.environment.insert("PC_PROC_NAME".into(), replica_name.clone());
        replica.environment.insert("PC_REPLICA_NUM".into(), n.to_string());
    } else {
        replica.environment.entry("PC_PROC_NAME".into()).or_insert_with(|| replica_name.clone());
        replica.environment.entry("PC_REPLICA_NUM".into()).or_insert_with(|| n.to_string());
    }
    if let Some(log) = &replica.log_location {
        let text = log.to_string_lossy();
        if text.contains("{PC_REPLICA_NUM}") {
            replica.log_location = Some(text.replace("{PC_REPLICA_NUM}", &n.to_string()).into());
        } else if count > 1 && !log_templated {
            replica.log_location = Some(format!("{text}.{n}").into());
        }
    }
    (replica_name, name.to_owned(), replica)
}

/// `name` for one replica; `name-0`, `name-1`, ... (zero-padded to the width of the count) for several, as
/// process-compose names them.
pub(crate) fn replica_names(name: &str, replicas: usize) -> Vec<String> {
    if replicas <= 1 {
        return vec![name.to_owned()];
    }
    let width = replicas.to_string().len();
    (0..replicas).map(|n| format!("{name}-{n:0width$}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replica_naming_matches_process_compose() {
        assert_eq!(replica_names("web", 1), ["web"]);
        assert_eq!(replica_names("web", 2), ["web-0", "web-1"]);
        let ten = replica_names("w", 10);
        assert_eq!(ten.first().unwrap(), "w-00");
        assert_eq!(ten.last().unwrap(), "w-09");
    }
}
