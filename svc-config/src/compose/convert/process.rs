//! One process: its command, environment, dependencies, availability and shutdown (probes are in `probe`).

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use svc_core::{Availability, Command, Condition, Daemon, Dependency, Environment, Process, RestartPolicy, Shutdown};

use super::keys::{AVAILABILITY_KEYS, PROCESS_KEYS, PROCESS_UNSUPPORTED, SHUTDOWN_KEYS, SHUTDOWN_UNSUPPORTED};
use super::read::{Converter, join, unknown_variant};
use crate::config::tree::{Entry, Node, Value};

impl Converter<'_> {
    /// One process; returns it with its replica count.
    pub(super) fn process(&mut self, node: &Node, path: &str) -> Option<(Process, usize)> {
        let map = self.keys(node, path, PROCESS_KEYS, PROCESS_UNSUPPORTED)?;
        let errors_before = self.errors.len();
        self.record_locs(path, &map);
        let mut p = Process::default();
        let get = |k: &str| map.get(k).map(|e| &e.value);
        p.command = self.command(&map, node, path);
        if let Some(n) = get("working_dir") {
            p.working_dir = self.string(n, &join(path, "working_dir")).map(PathBuf::from);
        }
        if let Some(n) = get("env_file") {
            self.env_file(n, &join(path, "env_file"), p.working_dir.as_deref(), &mut p.environment);
        }
        if let Some(n) = get("environment") {
            let env = self.environment(n, &join(path, "environment"));
            p.environment.extend(env);
        }
        if let Some(n) = get("depends_on") {
            self.depends_on(n, &join(path, "depends_on"), &mut p.depends_on);
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
        if let Some(n) = get("is_disabled") {
            p.disabled |= self.is_disabled(n, &join(path, "is_disabled"));
        }
        if let Some(n) = get("is_dotenv_disabled")
            && self.boolean(n, &join(path, "is_dotenv_disabled")) == Some(true)
        {
            self.dotenv_disabled.insert(path.trim_start_matches("processes.").to_owned());
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
        if let Some(n) = get("disable_ansi_colors") {
            p.disable_ansi_colors = self.boolean(n, &join(path, "disable_ansi_colors")).unwrap_or(false);
        }
        if let Some(n) = get("truncate_log") {
            p.truncate_log = self.boolean(n, &join(path, "truncate_log")).unwrap_or(false);
        }
        if let Some(n) = get("log_configuration") {
            p.log_configuration = self.log_configuration(n, &join(path, "log_configuration"));
        }
        if let Some(n) = get("is_tty") {
            p.is_tty = self.boolean(n, &join(path, "is_tty")).unwrap_or(false);
        }
        if let Some(n) = get("is_daemon")
            && self.boolean(n, &join(path, "is_daemon")) == Some(true)
        {
            let mut daemon = Daemon::default();
            if let Some(n) = get("launch_timeout_seconds")
                && let Some(timeout) = self.seconds(n, &join(path, "launch_timeout_seconds"))
            {
                daemon.launch_timeout = timeout;
            }
            p.daemon = Some(daemon);
        }
        if let Some(n) = get("schedule") {
            p.schedule = self.schedule(n, &join(path, "schedule"));
        }
        if let Some(n) = get("watch") {
            p.watch = self.watch(n, &join(path, "watch"));
        }
        if let Some(n) = get("success_exit_codes") {
            self.exit_codes(n, &join(path, "success_exit_codes"), &mut p.success_exit_codes);
        }
        let replicas = match get("replicas") {
            // process-compose treats 0 as 1.
            Some(n) => self.integer(n, &join(path, "replicas"), 0, 10_000).map_or(1, |r| r.max(1) as usize),
            None => 1,
        };
        if self.errors.len() != errors_before {
            // Kept (so that its dependents do not also report it as unknown), but its later validation errors
            // would repeat these.
            self.failed.insert(path.trim_start_matches("processes.").to_owned());
        }
        Some((p, replicas))
    }

    /// `is_disabled`: process-compose's string form of `disabled` (a string so that a template can compute it);
    /// `"true"` (or a boolean) disables the process. The texts Go's `strconv.ParseBool` accepts are accepted.
    fn is_disabled(&mut self, node: &Node, path: &str) -> bool {
        match &node.value {
            Value::Str { text, plain: false } => match text.as_str() {
                "1" | "t" | "T" | "true" | "True" | "TRUE" => true,
                "0" | "f" | "F" | "false" | "False" | "FALSE" | "" => false,
                other => {
                    self.error(&node.loc, path, format!("expected \"true\" or \"false\", found {other:?}"));
                    false
                }
            },
            _ => self.boolean(node, path).unwrap_or(false),
        }
    }

    /// Remembers where the keys of process `path` (and its dependencies) were written, to place the errors that
    /// validation finds later.
    fn record_locs(&mut self, path: &str, map: &IndexMap<String, Entry>) {
        let name = path.trim_start_matches("processes.").to_owned();
        let locs = self.locs.entry(name).or_default();
        for (key, entry) in map {
            locs.insert(key.clone(), entry.key_loc.clone());
            if key == "depends_on"
                && let Some(deps) = entry.value.as_map()
            {
                for (dependency, dep) in deps {
                    let at = dep.value.get("condition").map_or(&dep.key_loc, |c| &c.loc);
                    locs.insert(join("depends_on", dependency), at.clone());
                }
            }
        }
    }

    /// `entrypoint` (an argv, run without a shell) wins over `command` (a shell script).
    fn command(&mut self, map: &IndexMap<String, Entry>, node: &Node, path: &str) -> Command {
        let get = |k: &str| map.get(k).map(|e| &e.value);
        let command = get("command").and_then(|n| self.string(n, &join(path, "command")));
        let entrypoint = get("entrypoint").and_then(|n| self.string_list(n, &join(path, "entrypoint")));
        match (entrypoint, command) {
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
        }
    }

    /// `env_file: FILE`: its variables, added to `environment`. A relative path is relative to the process's
    /// `working_dir`, as process-compose reads it (relative to the current directory without one).
    fn env_file(&mut self, node: &Node, path: &str, working_dir: Option<&Path>, environment: &mut Environment) {
        if let Some(file) = self.string(node, path) {
            let file = match working_dir {
                Some(dir) if Path::new(&file).is_relative() => dir.join(&file).display().to_string(),
                _ => file,
            };
            match (self.read_env_file)(&file) {
                Ok(vars) => environment.extend(vars),
                Err(message) => self.error(&node.loc, path, message),
            }
        }
    }

    /// `depends_on: {name: {condition: ...}}`, added to `depends_on`.
    fn depends_on(&mut self, node: &Node, path: &str, depends_on: &mut IndexMap<String, Dependency>) {
        if let Some(deps) = self.mapping(node, path) {
            for (dependency, entry) in deps {
                let this = join(path, dependency);
                let condition = self.dependency(&entry.value, &this);
                depends_on.insert(dependency.clone(), Dependency { condition });
            }
        }
    }

    /// `success_exit_codes: [0, 3]`, added to `codes`.
    fn exit_codes(&mut self, node: &Node, path: &str, codes: &mut Vec<i32>) {
        if let Value::Seq(items) = &node.value {
            for (i, item) in items.iter().enumerate() {
                if let Some(code) = self.integer(item, &format!("{path}[{i}]"), 0, 255) {
                    codes.push(code as i32);
                }
            }
        } else {
            self.error(&node.loc, path, format!("expected a list of exit codes, found {}", node.kind()));
        }
    }

    /// `environment`: a list of `NAME=value` (or, leniently, a mapping).
    pub(super) fn environment(&mut self, node: &Node, path: &str) -> Environment {
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
                        // process-compose passes such an entry on and the OS ignores it: skip it, and say so.
                        _ => self.warn(
                            &item.loc,
                            &item_path,
                            format!(
                                "{text:?} is not NAME=value and is skipped; write {0}=value (or {0}= for an empty \
                                 value)",
                                text.split('=').next().filter(|k| !k.is_empty()).unwrap_or("NAME")
                            ),
                        ),
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

    fn namespace(&mut self, node: &Node, path: &str) -> Option<String> {
        match &node.value {
            Value::Seq(items) => {
                let names: Vec<String> =
                    items.iter().enumerate().filter_map(|(i, n)| self.string(n, &format!("{path}[{i}]"))).collect();
                // process-compose puts the process in every listed namespace, which matters only for its `-n`
                // selection and TUI grouping (types/namespaces.go); svc has neither yet and keeps one.
                if names.len() > 1 {
                    self.note(
                        &node.loc,
                        path,
                        format!(
                            "svc keeps one namespace per process (it has no namespace selection yet); using {:?}",
                            names[0]
                        ),
                    );
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
        let Some(map) = self.keys(node, path, AVAILABILITY_KEYS, &[]) else {
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
        let Some(map) = self.keys(node, path, SHUTDOWN_KEYS, SHUTDOWN_UNSUPPORTED) else {
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
        if let Some(e) = map.get("parent_only") {
            s.parent_only = self.boolean(&e.value, &join(path, "parent_only")).unwrap_or(false);
        }
        s
    }
}
