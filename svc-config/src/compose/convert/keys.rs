//! The keys of the process-compose schema (v1.122), per mapping: those svc reads and those it knows but does not
//! implement (warned about and ignored). One list to compare with process-compose's schema when it changes.

/// Top-level keys that svc reads.
pub(super) const PROJECT_KEYS: &[&str] = &[
    "version",
    "name",
    "processes",
    "environment",
    "log_location",
    "shell",
    "disable_env_expansion",
    "is_strict",
    "vars",
    "extends",
];
/// Top-level keys that svc does not implement: warned about and ignored.
pub(super) const PROJECT_UNSUPPORTED: &[&str] = &[
    "log_level",
    "log_length",
    "log_configuration",
    "log_format",
    "is_tui_disabled",
    "env_cmds",
    "ordered_shutdown",
    "file_names",
    "env_file_names",
    "dot_env_vars",
    "mcp_server",
];
/// Keys of a process that svc reads.
pub(super) const PROCESS_KEYS: &[&str] = &[
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
    "is_daemon",
    "launch_timeout_seconds",
    "is_tty",
    "vars",
    "extends",
    "is_template_disabled",
];
/// Keys of a process that svc does not implement: warned about and ignored.
pub(super) const PROCESS_UNSUPPORTED: &[&str] = &[
    "name",
    "log_configuration",
    "disable_ansi_colors",
    "is_foreground",
    "is_elevated",
    "is_interactive",
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
    "monitor_for",
    "monitor_silence_threshold",
];
/// Keys of `availability`.
pub(super) const AVAILABILITY_KEYS: &[&str] =
    &["restart", "backoff_seconds", "max_restarts", "exit_on_end", "exit_on_skipped"];
/// Keys of `shutdown` that svc reads.
pub(super) const SHUTDOWN_KEYS: &[&str] = &["command", "signal", "timeout_seconds"];
/// Keys of `shutdown` that svc does not implement.
pub(super) const SHUTDOWN_UNSUPPORTED: &[&str] = &["parent_only", "send_keys"];
/// Keys of a readiness or liveness probe.
pub(super) const PROBE_KEYS: &[&str] = &[
    "exec",
    "http_get",
    "initial_delay_seconds",
    "period_seconds",
    "timeout_seconds",
    "success_threshold",
    "failure_threshold",
];
/// Keys of a probe's `exec`.
pub(super) const EXEC_KEYS: &[&str] = &["command", "working_dir"];
/// Keys of a probe's `http_get`.
pub(super) const HTTP_KEYS: &[&str] = &["host", "path", "scheme", "port", "num_port", "headers", "status_code"];
/// Keys of the top-level `shell`.
pub(super) const SHELL_KEYS: &[&str] = &["shell_command", "shell_argument"];
/// Keys of `shell` that svc does not implement.
pub(super) const SHELL_UNSUPPORTED: &[&str] = &["elevated_shell_command", "elevated_shell_argument"];
