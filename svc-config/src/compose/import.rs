//! The located process-compose tree -> the svc model, with every problem reported at its file position.

use std::path::PathBuf;
use std::time::Duration;

use indexmap::IndexMap;
use svc_core::{
    Availability, Command, Condition, Dependency, Environment, ExecProbe, HttpProbe, Probe, ProbeCheck, Process,
    RestartPolicy, Shutdown,
};

use super::Diagnostic;
use crate::config::tree::{Loc, Node, Value};

/// Keys of the process-compose schema (v1.122) that svc reads.
pub(crate) const PROJECT_KEYS: &[&str] =
    &["version", "name", "processes", "environment", "log_location", "shell", "disable_env_expansion", "is_strict"];
/// Keys of the process-compose schema that svc does not implement: warned about and ignored.
const PROJECT_UNSUPPORTED: &[&str] = &[
    "log_level",
    "log_length",
    "log_configuration",
    "log_format",
    "vars",
    "is_tui_disabled",
    "extends",
    "env_cmds",
    "ordered_shutdown",
    "file_names",
    "env_file_names",
    "dot_env_vars",
    "mcp_server",
];
const PROCESS_KEYS: &[&str] = &[
    "command",
    "entrypoint",
    "working_dir",
    "environment",
    "env_file",
    "depends_on",
    "readiness_probe",
    "liveness_probe",
    "ready_log_line",
    "availability",
    "shutdown",
    "disabled",
    "namespace",
    "replicas",
    "success_exit_codes",
    "log_location",
    "description",
];
const PROCESS_UNSUPPORTED: &[&str] = &[
    "name",
    "extends",
    "is_daemon",
    "log_configuration",
    "disable_ansi_colors",
    "vars",
    "is_foreground",
    "is_tty",
    "is_elevated",
    "is_interactive",
    "launch_timeout_seconds",
    "is_disabled",
    "is_dotenv_disabled",
    "original_config",
    "replica_num",
    "replica_name",
    "executable",
    "args",
    "schedule",
    "watch",
    "mcp",
    "truncate_log",
    "is_template_disabled",
    "monitor_for",
    "monitor_silence_threshold",
];
const AVAILABILITY_KEYS: &[&str] = &["restart", "backoff_seconds", "max_restarts", "exit_on_end", "exit_on_skipped"];
const SHUTDOWN_KEYS: &[&str] = &["command", "signal", "timeout_seconds"];
const SHUTDOWN_UNSUPPORTED: &[&str] = &["parent_only", "send_keys"];
const PROBE_KEYS: &[&str] = &[
    "exec",
    "http_get",
    "initial_delay_seconds",
    "period_seconds",
    "timeout_seconds",
    "success_threshold",
    "failure_threshold",
];
const EXEC_KEYS: &[&str] = &["command", "working_dir"];
const HTTP_KEYS: &[&str] = &["host", "path", "scheme", "port", "num_port", "headers", "status_code"];
const SHELL_KEYS: &[&str] = &["shell_command", "shell_argument"];
const SHELL_UNSUPPORTED: &[&str] = &["elevated_shell_command", "elevated_shell_argument"];

/// The processes and project settings read from a merged process-compose tree.
pub(crate) struct Converted {
    pub name: Option<String>,
    pub environment: Environment,
    /// Processes after replica expansion, with the name of the process as written (for origins).
    pub processes: Vec<(String, String, Process)>,
}

/// Reads an `env_file`: its variables, or an error message.
pub(crate) type EnvFileReader<'a> = &'a dyn Fn(&str) -> Result<IndexMap<String, String>, String>;

pub(crate) struct Converter<'a> {
    pub strict: bool,
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
    /// Reads an `env_file`; returns its variables or an error message.
    pub read_env_file: EnvFileReader<'a>,
    shell: Option<(String, String)>,
}

impl<'a> Converter<'a> {
    pub fn new(strict: bool, read_env_file: EnvFileReader<'a>) -> Self {
        Converter { strict, errors: Vec::new(), warnings: Vec::new(), read_env_file, shell: None }
    }

    fn error(&mut self, loc: &Loc, path: &str, message: impl Into<String>) {
        self.errors.push(Diagnostic { loc: loc.clone(), path: path.to_owned(), message: message.into() });
    }

    fn warn(&mut self, loc: &Loc, path: &str, message: impl Into<String>) {
        let d = Diagnostic { loc: loc.clone(), path: path.to_owned(), message: message.into() };
        if self.strict { self.errors.push(d) } else { self.warnings.push(d) }
    }

    /// Checks the keys of a mapping: every key must be supported; unsupported ones are warned about (errors
    /// with `--strict`), unknown ones too, with the closest known key.
    fn keys<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        supported: &[&str],
        unsupported: &[&str],
    ) -> Option<&'n IndexMap<String, crate::config::tree::Entry>> {
        let Some(map) = node.as_map() else {
            if node.value != Value::Null {
                self.error(&node.loc, path, format!("expected a mapping, found {}", node.kind()));
            }
            return None;
        };
        for (key, entry) in map {
            let full = join(path, key);
            // `x-...` keys are extension fields (as in docker-compose): a place for YAML anchors, not settings.
            if supported.contains(&key.as_str()) || key.starts_with("x-") {
                continue;
            }
            if unsupported.contains(&key.as_str()) {
                let ending = if self.strict { " (strict mode: remove it)" } else { " and is ignored" };
                self.warn(&entry.key_loc, &full, format!("is not supported by svc{ending}"));
            } else {
                let known: Vec<&str> = supported.iter().chain(unsupported).copied().collect();
                let hint = svc_core::closest(key, &known).map(|s| format!(", did you mean '{s}'?")).unwrap_or_default();
                let ending = if self.strict { " (strict mode: remove or fix it)" } else { " (ignored)" };
                self.warn(&entry.key_loc, &full, format!("unknown key '{key}'{hint}{ending}"));
            }
        }
        Some(map)
    }

    /// A mapping whose keys are names (dependencies, headers): any key is allowed.
    fn mapping<'n>(&mut self, node: &'n Node, path: &str) -> Option<&'n IndexMap<String, crate::config::tree::Entry>> {
        match &node.value {
            Value::Map(map) => Some(map),
            Value::Null => None,
            _ => {
                self.error(&node.loc, path, format!("expected a mapping, found {}", node.kind()));
                None
            }
        }
    }

    fn string(&mut self, node: &Node, path: &str) -> Option<String> {
        match &node.value {
            Value::Str { text, .. } => Some(text.clone()),
            // YAML types `8080` and `true` as numbers and booleans; process-compose's string fields take them.
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => {
                self.error(&node.loc, path, format!("expected a string, found {}", node.kind()));
                None
            }
        }
    }

    fn boolean(&mut self, node: &Node, path: &str) -> Option<bool> {
        match &node.value {
            Value::Bool(b) => Some(*b),
            _ => {
                self.error(&node.loc, path, format!("expected true or false, found {}", describe(node)));
                None
            }
        }
    }

    fn integer(&mut self, node: &Node, path: &str, min: i64, max: i64) -> Option<i64> {
        match &node.value {
            Value::Int(i) if (min..=max).contains(i) => Some(*i),
            Value::Int(i) => {
                self.error(&node.loc, path, format!("{i} is out of range (expected {min} to {max})"));
                None
            }
            _ => {
                self.error(&node.loc, path, format!("expected an integer, found {}", describe(node)));
                None
            }
        }
    }

    fn seconds(&mut self, node: &Node, path: &str) -> Option<Duration> {
        let secs = match &node.value {
            Value::Int(i) => *i as f64,
            Value::Float(f) => *f,
            _ => {
                self.error(&node.loc, path, format!("expected a number of seconds, found {}", describe(node)));
                return None;
            }
        };
        match Duration::try_from_secs_f64(secs) {
            Ok(d) => Some(d),
            Err(_) => {
                self.error(&node.loc, path, format!("expected a non-negative number of seconds, found {secs}"));
                None
            }
        }
    }

    /// A process-compose `command` string: `sh -c` (or the project's `shell`).
    fn shell_command(&self, script: String) -> Command {
        match &self.shell {
            Some((program, argument)) if !(program == "sh" && argument == "-c") => {
                Command::Exec(vec![program.clone(), argument.clone(), script])
            }
            _ => Command::Shell { shell: script },
        }
    }

    /// Converts the merged document.
    pub fn project(&mut self, root: &Node) -> Converted {
        let mut out = Converted { name: None, environment: Environment::new(), processes: Vec::new() };
        let Some(map) = self.keys(root, "", PROJECT_KEYS, PROJECT_UNSUPPORTED) else {
            return out;
        };
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
        if let Some(v) = map.get("version") {
            self.string(&v.value, "version");
        }
        for flag in ["disable_env_expansion", "is_strict"] {
            if let Some(v) = map.get(flag) {
                self.boolean(&v.value, flag);
            }
        }
        if let Some(env) = map.get("environment") {
            out.environment = self.environment(&env.value, "environment");
        }
        let global_log = map.get("log_location").and_then(|e| self.string(&e.value, "log_location"));
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

        // Replica names first, so that `depends_on: {worker: ...}` can expand to every replica of `worker`.
        let mut replicas: IndexMap<String, Vec<String>> = IndexMap::new();
        let mut parsed = Vec::new();
        for (name, entry) in processes {
            let path = join("processes", name);
            if let Some((process, count)) = self.process(&entry.value, &path) {
                let names = replica_names(name, count);
                replicas.insert(name.clone(), names);
                parsed.push((name.clone(), process));
            }
        }
        for (name, mut process) in parsed {
            if process.log_location.is_none() {
                process.log_location = global_log.as_ref().map(PathBuf::from);
            }
            let mut depends_on = IndexMap::new();
            for (dependency, dep) in std::mem::take(&mut process.depends_on) {
                match replicas.get(&dependency) {
                    Some(names) => {
                        for n in names {
                            depends_on.insert(n.clone(), dep);
                        }
                    }
                    // Unknown names and explicit replica names (`worker-1`) are kept; validation reports the
                    // unknown ones with a suggestion.
                    None => {
                        depends_on.insert(dependency, dep);
                    }
                }
            }
            process.depends_on = depends_on;
            let names = &replicas[&name];
            let count = names.len();
            for (n, replica_name) in names.iter().enumerate() {
                let mut replica = process.clone();
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
                    } else if count > 1 {
                        replica.log_location = Some(format!("{text}.{n}").into());
                    }
                }
                out.processes.push((replica_name.clone(), name.clone(), replica));
            }
        }
        out
    }

    fn environment(&mut self, node: &Node, path: &str) -> Environment {
        let mut env = Environment::new();
        match &node.value {
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    let item_path = format!("{path}[{i}]");
                    let Some(text) = self.string(item, &item_path) else { continue };
                    match text.split_once('=') {
                        Some((k, v)) if !k.is_empty() => {
                            env.insert(k.to_owned(), v.to_owned());
                        }
                        _ => self.error(&item.loc, &item_path, format!("expected \"NAME=value\", found {text:?}")),
                    }
                }
            }
            // A mapping is not valid process-compose, but it is what people write; accept it.
            Value::Map(map) => {
                for (k, e) in map {
                    if let Some(v) = self.string(&e.value, &join(path, k)) {
                        env.insert(k.clone(), v);
                    }
                }
            }
            Value::Null => {}
            _ => self.error(&node.loc, path, format!("expected a list of \"NAME=value\", found {}", node.kind())),
        }
        env
    }

    /// One process; returns it with its replica count.
    fn process(&mut self, node: &Node, path: &str) -> Option<(Process, usize)> {
        let map = self.keys(node, path, PROCESS_KEYS, PROCESS_UNSUPPORTED)?.clone();
        let errors_before = self.errors.len();
        let mut p = Process::default();
        let get = |k: &str| map.get(k).map(|e| &e.value);
        let command = get("command").and_then(|n| self.string(n, &join(path, "command")));
        let entrypoint = get("entrypoint").and_then(|n| self.string_list(n, &join(path, "entrypoint")));
        p.command = match (entrypoint, command) {
            (Some(argv), command) => {
                if command.is_some() {
                    self.warn(&map["command"].key_loc, &join(path, "command"), "ignored because `entrypoint` is set");
                }
                Command::Exec(argv)
            }
            (None, Some(script)) => self.shell_command(script),
            (None, None) => {
                self.error(&node.loc, path, "has neither `command` nor `entrypoint`; add one");
                Command::default()
            }
        };
        if let Some(n) = get("working_dir") {
            p.working_dir = self.string(n, &join(path, "working_dir")).map(PathBuf::from);
        }
        if let Some(n) = get("env_file") {
            let env_path = join(path, "env_file");
            if let Some(file) = self.string(n, &env_path) {
                match (self.read_env_file)(&file) {
                    Ok(vars) => p.environment.extend(vars),
                    Err(message) => self.error(&n.loc, &env_path, message),
                }
            }
        }
        if let Some(n) = get("environment") {
            let env = self.environment(n, &join(path, "environment"));
            p.environment.extend(env);
        }
        if let Some(n) = get("depends_on") {
            let dep_path = join(path, "depends_on");
            if let Some(deps) = self.mapping(n, &dep_path) {
                for (dependency, entry) in deps {
                    let this = join(&dep_path, dependency);
                    let condition = self.dependency(&entry.value, &this);
                    p.depends_on.insert(dependency.clone(), Dependency { condition });
                }
            }
        }
        if let Some(n) = get("readiness_probe") {
            p.readiness_probe = self.probe(n, &join(path, "readiness_probe"));
        }
        if let Some(n) = get("liveness_probe") {
            p.liveness_probe = self.probe(n, &join(path, "liveness_probe"));
        }
        if let Some(n) = get("ready_log_line") {
            p.ready_log_line = self.string(n, &join(path, "ready_log_line"));
        }
        if let Some(n) = get("availability") {
            p.availability = self.availability(n, &join(path, "availability"));
        }
        if let Some(n) = get("shutdown") {
            p.shutdown = self.shutdown(n, &join(path, "shutdown"));
        }
        if let Some(n) = get("disabled") {
            p.disabled = self.boolean(n, &join(path, "disabled")).unwrap_or(false);
        }
        if let Some(n) = get("namespace") {
            p.namespace = self.namespace(n, &join(path, "namespace"));
        }
        if let Some(n) = get("description") {
            p.description = self.string(n, &join(path, "description"));
        }
        if let Some(n) = get("log_location") {
            p.log_location = self.string(n, &join(path, "log_location")).map(PathBuf::from);
        }
        if let Some(n) = get("success_exit_codes") {
            let codes_path = join(path, "success_exit_codes");
            if let Value::Seq(items) = &n.value {
                for (i, item) in items.iter().enumerate() {
                    if let Some(code) = self.integer(item, &format!("{codes_path}[{i}]"), 0, 255) {
                        p.success_exit_codes.push(code as i32);
                    }
                }
            } else {
                self.error(&n.loc, &codes_path, format!("expected a list of exit codes, found {}", n.kind()));
            }
        }
        let replicas = match get("replicas") {
            // process-compose treats 0 as 1.
            Some(n) => self.integer(n, &join(path, "replicas"), 0, 10_000).map_or(1, |r| r.max(1) as usize),
            None => 1,
        };
        (self.errors.len() == errors_before).then_some((p, replicas))
    }

    fn string_list(&mut self, node: &Node, path: &str) -> Option<Vec<String>> {
        match &node.value {
            Value::Seq(items) => {
                let list: Vec<String> = items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, item)| self.string(item, &format!("{path}[{i}]")))
                    .collect();
                if list.is_empty() {
                    self.error(&node.loc, path, "is empty; give the program and its arguments");
                    return None;
                }
                Some(list)
            }
            _ => {
                self.error(&node.loc, path, format!("expected a list of strings, found {}", node.kind()));
                None
            }
        }
    }

    fn namespace(&mut self, node: &Node, path: &str) -> Option<String> {
        match &node.value {
            Value::Seq(items) => {
                let names: Vec<String> =
                    items.iter().enumerate().filter_map(|(i, n)| self.string(n, &format!("{path}[{i}]"))).collect();
                if names.len() > 1 {
                    self.warn(&node.loc, path, format!("svc keeps one namespace per process; using {:?}", names[0]));
                }
                names.into_iter().next()
            }
            _ => self.string(node, path),
        }
    }

    fn dependency(&mut self, node: &Node, path: &str) -> Condition {
        // `depends_on: {db: {}}` or an omitted condition means process_started, as process-compose documents.
        let Some(map) = self.keys(node, path, &["condition"], &[]) else {
            return Condition::ProcessStarted;
        };
        let Some(entry) = map.get("condition") else {
            return Condition::ProcessStarted;
        };
        let cond_path = join(path, "condition");
        let Some(text) = self.string(&entry.value, &cond_path) else {
            return Condition::ProcessStarted;
        };
        const CONDITIONS: [Condition; 5] = [
            Condition::ProcessStarted,
            Condition::ProcessHealthy,
            Condition::ProcessLogReady,
            Condition::ProcessCompleted,
            Condition::ProcessCompletedSuccessfully,
        ];
        if let Some(c) = CONDITIONS.iter().find(|c| c.as_str() == text) {
            return *c;
        }
        let names: Vec<&str> = CONDITIONS.iter().map(|c| c.as_str()).collect();
        self.error(&entry.value.loc, &cond_path, unknown_variant(&text, &names));
        Condition::ProcessStarted
    }

    fn availability(&mut self, node: &Node, path: &str) -> Availability {
        let mut a = Availability::default();
        let Some(map) = self.keys(node, path, AVAILABILITY_KEYS, &[]).cloned() else {
            return a;
        };
        if let Some(e) = map.get("restart") {
            let p = join(path, "restart");
            if let Some(text) = self.string(&e.value, &p) {
                let policies = [
                    ("no", RestartPolicy::No),
                    ("always", RestartPolicy::Always),
                    ("on_failure", RestartPolicy::OnFailure),
                    ("exit_on_failure", RestartPolicy::ExitOnFailure),
                ];
                match policies.iter().find(|(n, _)| *n == text) {
                    Some((_, policy)) => a.restart = *policy,
                    None => {
                        let names: Vec<&str> = policies.iter().map(|(n, _)| *n).collect();
                        self.error(&e.value.loc, &p, unknown_variant(&text, &names));
                    }
                }
            }
        }
        if let Some(e) = map.get("backoff_seconds") {
            a.backoff = self.seconds(&e.value, &join(path, "backoff_seconds")).unwrap_or(a.backoff);
        }
        if let Some(e) = map.get("max_restarts") {
            a.max_restarts =
                self.integer(&e.value, &join(path, "max_restarts"), 0, u32::MAX as i64).unwrap_or(0) as u32;
        }
        if let Some(e) = map.get("exit_on_end") {
            a.exit_on_end = self.boolean(&e.value, &join(path, "exit_on_end")).unwrap_or(false);
        }
        if let Some(e) = map.get("exit_on_skipped") {
            a.exit_on_skipped = self.boolean(&e.value, &join(path, "exit_on_skipped")).unwrap_or(false);
        }
        a
    }

    fn shutdown(&mut self, node: &Node, path: &str) -> Shutdown {
        let mut s = Shutdown::default();
        let Some(map) = self.keys(node, path, SHUTDOWN_KEYS, SHUTDOWN_UNSUPPORTED).cloned() else {
            return s;
        };
        if let Some(e) = map.get("command") {
            s.command = self.string(&e.value, &join(path, "command")).map(|c| self.shell_command(c));
        }
        if let Some(e) = map.get("signal") {
            s.signal = self.integer(&e.value, &join(path, "signal"), 1, 64).unwrap_or(s.signal as i64) as i32;
        }
        if let Some(e) = map.get("timeout_seconds") {
            s.timeout = self.seconds(&e.value, &join(path, "timeout_seconds")).unwrap_or(s.timeout);
        }
        s
    }

    fn probe(&mut self, node: &Node, path: &str) -> Option<Probe> {
        let map = self.keys(node, path, PROBE_KEYS, &[])?.clone();
        let check = match (map.get("exec"), map.get("http_get")) {
            (Some(_), Some(h)) => {
                self.error(&h.key_loc, path, "set either `exec` or `http_get`, not both");
                return None;
            }
            (Some(e), None) => {
                let exec_path = join(path, "exec");
                let m = self.keys(&e.value, &exec_path, EXEC_KEYS, &[])?.clone();
                let Some(command) = m.get("command").and_then(|c| self.string(&c.value, &join(&exec_path, "command")))
                else {
                    self.error(&e.value.loc, &exec_path, "missing `command`");
                    return None;
                };
                let working_dir =
                    m.get("working_dir").and_then(|w| self.string(&w.value, &join(&exec_path, "working_dir")));
                ProbeCheck::Exec(ExecProbe {
                    command: self.shell_command(command),
                    working_dir: working_dir.map(PathBuf::from),
                })
            }
            (None, Some(h)) => ProbeCheck::HttpGet(self.http(&h.value, &join(path, "http_get"))?),
            (None, None) => {
                self.error(&node.loc, path, "needs `exec` or `http_get`");
                return None;
            }
        };
        let mut probe = match check {
            ProbeCheck::Exec(exec) => Probe::exec(exec.command.clone()).with_exec(exec),
            ProbeCheck::HttpGet(http) => {
                let mut probe = Probe::http_get(http.host.clone(), http.port, http.path.clone());
                probe.check = ProbeCheck::HttpGet(http);
                probe
            }
        };
        for (key, slot) in [
            ("initial_delay_seconds", &mut probe.initial_delay),
            ("period_seconds", &mut probe.period),
            ("timeout_seconds", &mut probe.timeout),
        ] {
            if let Some(e) = map.get(key)
                && let Some(d) = self.seconds(&e.value, &join(path, key))
            {
                *slot = d;
            }
        }
        for (key, slot) in
            [("success_threshold", &mut probe.success_threshold), ("failure_threshold", &mut probe.failure_threshold)]
        {
            if let Some(e) = map.get(key)
                && let Some(n) = self.integer(&e.value, &join(path, key), 1, u32::MAX as i64)
            {
                *slot = n as u32;
            }
        }
        Some(probe)
    }

    fn http(&mut self, node: &Node, path: &str) -> Option<HttpProbe> {
        let map = self.keys(node, path, HTTP_KEYS, &[])?.clone();
        let text = |this: &mut Self, key: &str, default: &str| {
            map.get(key).and_then(|e| this.string(&e.value, &join(path, key))).unwrap_or_else(|| default.to_owned())
        };
        let host = text(self, "host", "127.0.0.1");
        let request_path = text(self, "path", "/");
        let scheme = text(self, "scheme", "http");
        // process-compose's `port` is a string (so that it can hold `${PORT}`); `num_port` an integer.
        let port = match (map.get("port"), map.get("num_port")) {
            (Some(e), _) => {
                let p = join(path, "port");
                match &e.value.value {
                    Value::Int(_) => self.integer(&e.value, &p, 1, 65535),
                    _ => self.string(&e.value, &p).and_then(|s| match s.trim().parse::<u16>() {
                        Ok(n) if n > 0 => Some(n as i64),
                        _ => {
                            self.error(&e.value.loc, &p, format!("expected a port number, found {s:?}"));
                            None
                        }
                    }),
                }
            }
            (None, Some(e)) => self.integer(&e.value, &join(path, "num_port"), 1, 65535),
            (None, None) => {
                self.error(&node.loc, path, "missing `port`");
                None
            }
        }? as u16;
        let mut headers = IndexMap::new();
        if let Some(e) = map.get("headers")
            && let Some(h) = self.mapping(&e.value, &join(path, "headers"))
        {
            for (k, v) in h {
                if let Some(v) = self.string(&v.value, &join(&join(path, "headers"), k)) {
                    headers.insert(k.clone(), v);
                }
            }
        }
        let status_code = match map.get("status_code") {
            Some(e) => Some(self.integer(&e.value, &join(path, "status_code"), 100, 599)? as u16),
            None => None,
        };
        if scheme != "http" {
            self.warn(&node.loc, &join(path, "scheme"), format!("scheme {scheme:?} is not supported (only http)"));
        }
        Some(HttpProbe { host, port, path: request_path, scheme, headers, status_code })
    }
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

trait WithExec {
    fn with_exec(self, exec: ExecProbe) -> Self;
}

impl WithExec for Probe {
    fn with_exec(mut self, exec: ExecProbe) -> Self {
        self.check = ProbeCheck::Exec(exec);
        self
    }
}

fn unknown_variant(found: &str, expected: &[&str]) -> String {
    let hint = svc_core::closest(found, expected).map(|s| format!(" (did you mean '{s}'?)")).unwrap_or_default();
    format!("unknown value '{found}', expected one of {}{hint}", expected.join(", "))
}

fn describe(node: &Node) -> String {
    match &node.value {
        Value::Str { text, .. } => format!("string {text:?}"),
        _ => node.kind().to_owned(),
    }
}

pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
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
