//! One supervised process: what it runs and how it is started, checked, restarted and stopped.

use std::path::PathBuf;
use std::time::Duration;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{
    Availability, Command, Condition, Dependency, LogConfiguration, Probe, RestartPolicy, Schedule, Shutdown, Watch,
};

/// Environment variables, in the order they were set. Later entries of the same name replace earlier ones.
pub type Environment = IndexMap<String, String>;

/// A process to supervise. Field names follow process-compose's so that the two map one to one.
///
/// Build one with [`Process::new`] (argv, no shell) or [`Process::shell`], then the builder methods:
///
/// ```
/// use std::time::Duration;
/// use svc_core::{Condition, Probe, Process, RestartPolicy};
///
/// let api = Process::new("my-api")
///     .arg("--port=8080")
///     .env("RUST_LOG", "info")
///     .depends_on("db", Condition::ProcessHealthy)
///     .readiness_probe(Probe::http_get("127.0.0.1", 8080, "/health").period(Duration::from_secs(1)))
///     .restart(RestartPolicy::OnFailure);
/// assert_eq!(api.command.argv(), ["my-api", "--port=8080"]);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Process {
    /// What to run: an argv list (`["redis-server", "--port", "6379"]`), or `{ "shell": "..." }` for a shell
    /// script.
    pub command: Command,
    /// Working directory; defaults to the directory `up` runs in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<PathBuf>,
    /// Environment variables added to the supervisor's environment (after the project's).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub environment: Environment,
    /// Processes that must reach a condition before this one starts.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub depends_on: IndexMap<String, Dependency>,
    /// Decides when the process is healthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readiness_probe: Option<Probe>,
    /// Restarts the process when it stops answering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness_probe: Option<Probe>,
    /// A line (substring) in the output that marks the process as ready for `process_log_ready` dependents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_log_line: Option<String>,
    /// Restart policy.
    #[serde(default)]
    pub availability: Availability,
    /// How the process is stopped.
    #[serde(default)]
    pub shutdown: Shutdown,
    /// Exit codes besides 0 that count as success.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub success_exit_codes: Vec<i32>,
    /// A disabled process is not started (dependents waiting on it are skipped).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
    /// A group name for display and filtering; multi-instance services set `<service>.<instance>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// A human description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// File that receives this process's output, in addition to the supervisor's output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_location: Option<PathBuf>,
    /// How `log_location` is written (format, timestamps, rotation); by default, the bare lines, appended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_configuration: Option<LogConfiguration>,
    /// Recent output lines kept in memory for the control API and the TUI (process-compose's `log_length`;
    /// default 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_length: Option<usize>,
    /// Empty `log_location` when the project starts instead of appending to it (process-compose's
    /// `truncate_log`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncate_log: bool,
    /// Remove ANSI escape sequences (colours, cursor moves) from the process's output, on the terminal, in its log
    /// file and in memory (process-compose's `disable_ansi_colors`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable_ansi_colors: bool,
    /// Run under a pseudo-terminal: the process's stdin, stdout and stderr are a terminal (tools that check for
    /// one keep their colours and line buffering); its output is still captured line by line, stdout and stderr
    /// together.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_tty: bool,
    /// Set when the command is a launcher that starts a daemon and exits (process-compose's `is_daemon`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daemon: Option<Daemon>,
    /// Run at the ticks of a cron expression or an interval instead of once at start (see [`Schedule`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    /// Restart when watched files change (see [`Watch`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watch: Option<Watch>,
}

/// A launcher that starts a daemon and exits, like `pg_ctl start` or `redis-server --daemonize yes`
/// (process-compose's `is_daemon`).
///
/// When the launcher exits with a success code the process is *launched*: it counts as running (probes go on,
/// dependents may start) until it is stopped. Stopping runs `shutdown.command` (`pg_ctl stop`); without one, the
/// shutdown signal goes to the launcher's process group and to every process that carries the process's tag (a
/// daemon that left the group with `setsid` still has it); whatever is left at the timeout is killed. A launcher
/// that fails is a failed run, and a failing liveness probe stops the daemon and applies the restart policy. If
/// the supervisor dies, the daemon dies with it (watchdog, tags).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Daemon {
    /// Seconds the launcher may take to exit; a launcher still in the foreground after that is reported
    /// (process-compose's `launch_timeout_seconds`, default 5).
    #[serde(rename = "launch_timeout_seconds", with = "crate::duration", default = "default_launch_timeout")]
    #[schemars(with = "f64", range(min = 0.0))]
    pub launch_timeout: Duration,
}

impl Default for Daemon {
    fn default() -> Self {
        Daemon { launch_timeout: default_launch_timeout() }
    }
}

fn default_launch_timeout() -> Duration {
    Duration::from_secs(5)
}

impl Process {
    /// A process that executes `program` (looked up on `PATH` unless it contains a `/`) without a shell.
    pub fn new(program: impl Into<ProgramArg>) -> Self {
        Process { command: Command::Exec(vec![program.into().0]), ..Self::default() }
    }

    /// A process that runs `script` with `sh -c`.
    pub fn shell(script: impl Into<String>) -> Self {
        Process { command: Command::shell(script), ..Self::default() }
    }

    /// A process running `command`.
    pub fn from_command(command: Command) -> Self {
        Process { command, ..Self::default() }
    }

    /// Appends one argument (argv form only; on a shell command it is appended to the script, quoted).
    pub fn arg(mut self, arg: impl Into<ProgramArg>) -> Self {
        let arg = arg.into().0;
        match &mut self.command {
            Command::Exec(argv) => argv.push(arg),
            Command::Shell { shell } => {
                shell.push(' ');
                shell.push_str(&crate::command::shell_quote(&arg));
            }
        }
        self
    }

    /// Appends several arguments.
    pub fn args<I, A>(self, args: I) -> Self
    where
        I: IntoIterator<Item = A>,
        A: Into<ProgramArg>,
    {
        args.into_iter().fold(self, Process::arg)
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.environment.insert(key.into(), value.into());
        self
    }

    /// Sets the working directory.
    pub fn working_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.working_dir = Some(dir.into());
        self
    }

    /// Waits for process `name` to reach `condition` before starting.
    pub fn depends_on(mut self, name: impl Into<String>, condition: Condition) -> Self {
        self.depends_on.insert(name.into(), Dependency { condition });
        self
    }

    /// Sets the readiness probe.
    pub fn readiness_probe(mut self, probe: Probe) -> Self {
        self.readiness_probe = Some(probe);
        self
    }

    /// Sets the liveness probe.
    pub fn liveness_probe(mut self, probe: Probe) -> Self {
        self.liveness_probe = Some(probe);
        self
    }

    /// Sets the output line that marks the process ready.
    pub fn ready_log_line(mut self, line: impl Into<String>) -> Self {
        self.ready_log_line = Some(line.into());
        self
    }

    /// Sets the restart policy, keeping the other availability settings.
    pub fn restart(mut self, policy: RestartPolicy) -> Self {
        self.availability.restart = policy;
        self
    }

    /// Replaces the availability settings.
    pub fn availability(mut self, availability: Availability) -> Self {
        self.availability = availability;
        self
    }

    /// Replaces the shutdown settings.
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.shutdown = shutdown;
        self
    }

    /// Sets the exit codes, besides 0, that count as success.
    pub fn success_exit_codes(mut self, codes: impl IntoIterator<Item = i32>) -> Self {
        self.success_exit_codes = codes.into_iter().collect();
        self
    }

    /// Runs the process under a pseudo-terminal (see [`Process::is_tty`]).
    pub fn tty(mut self, tty: bool) -> Self {
        self.is_tty = tty;
        self
    }

    /// Marks the command as a daemon launcher (see [`Daemon`]).
    pub fn daemon(mut self, daemon: Daemon) -> Self {
        self.daemon = Some(daemon);
        self
    }

    /// Runs the process on a schedule (see [`Schedule`]).
    pub fn schedule(mut self, schedule: Schedule) -> Self {
        self.schedule = Some(schedule);
        self
    }

    /// Restarts the process when watched files change (see [`Watch`]).
    pub fn watch(mut self, watch: Watch) -> Self {
        self.watch = Some(watch);
        self
    }

    /// Disables (or enables) the process.
    pub fn disabled(mut self, disabled: bool) -> Self {
        self.disabled = disabled;
        self
    }

    /// Sets the namespace.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the per-process log file.
    pub fn log_location(mut self, path: impl Into<PathBuf>) -> Self {
        self.log_location = Some(path.into());
        self
    }

    /// Sets how the log file is written (see [`LogConfiguration`]).
    pub fn log_configuration(mut self, config: LogConfiguration) -> Self {
        self.log_configuration = Some(config);
        self
    }

    /// Removes ANSI escape sequences from the process's output (see [`Process::disable_ansi_colors`]).
    pub fn disable_ansi_colors(mut self, disable: bool) -> Self {
        self.disable_ansi_colors = disable;
        self
    }

    /// Empties the log file at start instead of appending (see [`Process::truncate_log`]).
    pub fn truncate_log(mut self, truncate: bool) -> Self {
        self.truncate_log = truncate;
        self
    }

    /// Sets the number of recent output lines kept in memory.
    pub fn log_length(mut self, lines: usize) -> Self {
        self.log_length = Some(lines);
        self
    }

    /// Whether `code` counts as a successful exit.
    pub fn is_success(&self, code: i32) -> bool {
        is_success_code(code, &self.success_exit_codes)
    }
}

/// Whether exit `code` is a success for a process with these `success_exit_codes`: 0 or one of them. The one
/// rule, used by [`Process::is_success`] and by the supervisor (restart policies, `process_completed_successfully`).
pub fn is_success_code(code: i32, success_exit_codes: &[i32]) -> bool {
    code == 0 || success_exit_codes.contains(&code)
}

/// A program name or argument: anything string-like or path-like (paths are converted lossily only if they are
/// not valid UTF-8, which [`Package`](crate::Package) paths always are).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramArg(pub String);

impl From<String> for ProgramArg {
    fn from(s: String) -> Self {
        ProgramArg(s)
    }
}
impl From<&String> for ProgramArg {
    fn from(s: &String) -> Self {
        ProgramArg(s.clone())
    }
}
impl From<&str> for ProgramArg {
    fn from(s: &str) -> Self {
        ProgramArg(s.to_owned())
    }
}
impl From<PathBuf> for ProgramArg {
    fn from(p: PathBuf) -> Self {
        ProgramArg(p.to_string_lossy().into_owned())
    }
}
impl From<&std::path::Path> for ProgramArg {
    fn from(p: &std::path::Path) -> Self {
        ProgramArg(p.to_string_lossy().into_owned())
    }
}
impl From<&PathBuf> for ProgramArg {
    fn from(p: &PathBuf) -> Self {
        ProgramArg(p.to_string_lossy().into_owned())
    }
}
