//! The keys of the process-compose schema (v1.122), per mapping: those svc reads and those it knows but does not
//! implement (warned about and ignored, with what svc does instead). One list to compare with process-compose's
//! schema when it changes; the README's compatibility table lists the same keys.

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
    "ordered_shutdown",
    "log_level",
    "is_tui_disabled",
    "env_cmds",
    "log_length",
    "log_configuration",
];
/// Top-level keys that svc does not implement: warned about and ignored.
pub(super) const PROJECT_UNSUPPORTED: &[&str] =
    &["log_format", "file_names", "env_file_names", "dot_env_vars", "mcp_server"];
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
    "is_disabled",
    "is_dotenv_disabled",
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
    "schedule",
    "watch",
    "log_configuration",
    "truncate_log",
    "disable_ansi_colors",
];
/// Keys of a process that svc does not implement: warned about and ignored.
pub(super) const PROCESS_UNSUPPORTED: &[&str] = &[
    "name",
    "is_foreground",
    "is_elevated",
    "is_interactive",
    "original_config",
    "replica_num",
    "replica_name",
    "executable",
    "args",
    "mcp",
    "monitor_for",
    "monitor_silence_threshold",
];
/// Keys of `availability`.
pub(super) const AVAILABILITY_KEYS: &[&str] =
    &["restart", "backoff_seconds", "max_restarts", "exit_on_end", "exit_on_skipped"];
/// Keys of `shutdown` that svc reads.
pub(super) const SHUTDOWN_KEYS: &[&str] = &["command", "signal", "timeout_seconds", "parent_only"];
/// Keys of `shutdown` that svc does not implement.
pub(super) const SHUTDOWN_UNSUPPORTED: &[&str] = &["send_keys"];
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
/// Keys of a process's `schedule`.
pub(super) const SCHEDULE_KEYS: &[&str] = &["cron", "interval", "timezone", "run_on_start", "max_concurrent"];
/// Keys of a process's `watch` that svc reads.
pub(super) const WATCH_KEYS: &[&str] = &["paths", "cascade", "debounce", "disable_default_excludes"];
/// Keys of `watch` that svc does not implement.
pub(super) const WATCH_UNSUPPORTED: &[&str] = &["max_entries", "buffer_size"];
/// Keys of an entry of `watch.paths`.
pub(super) const WATCH_PATH_KEYS: &[&str] = &["path", "include", "exclude"];
/// Keys of `log_configuration` (top level and per process).
pub(super) const LOG_CONFIGURATION_KEYS: &[&str] = &[
    "rotation",
    "fields_order",
    "disable_json",
    "timestamp_format",
    "no_color",
    "no_metadata",
    "add_timestamp",
    "flush_each_line",
];
/// Keys of `log_configuration.rotation` (`directory` and `filename` are read and noted as unused).
pub(super) const ROTATION_KEYS: &[&str] =
    &["max_size_mb", "max_backups", "max_age_days", "compress", "directory", "filename"];
/// Keys of the top-level `shell`.
pub(super) const SHELL_KEYS: &[&str] = &["shell_command", "shell_argument"];
/// Keys of `shell` that svc does not implement.
pub(super) const SHELL_UNSUPPORTED: &[&str] = &["elevated_shell_command", "elevated_shell_argument"];

/// What svc does instead of honouring the unsupported key `key`: the end of its warning.
pub(super) fn instead(key: &str) -> &'static str {
    match key {
        "log_format" => {
            "svc writes plain lines (`[name] line` on the terminal, the bare line in log_location); the key is ignored"
        }
        "file_names" | "env_file_names" | "dot_env_vars" | "original_config" | "replica_num" | "replica_name"
        | "executable" | "args" | "name" => {
            "it is filled in by process-compose itself, not written by users; the key is ignored"
        }
        "mcp_server" | "mcp" => "svc has no MCP server; the key is ignored",
        "is_foreground" | "is_interactive" => "the process runs in the background with its output captured",
        "is_elevated" | "elevated_shell_command" | "elevated_shell_argument" => {
            "the process runs as the current user (run svc itself with the rights it needs)"
        }
        "max_entries" => "svc watches every directory under the paths (excluded ones are filtered, not pruned)",
        "buffer_size" => "it sizes a Windows event buffer; svc runs on Linux",
        "monitor_for" | "monitor_silence_threshold" => "output is not monitored",
        "send_keys" => "the shutdown signal (or command) is used instead",
        _ => "the key is ignored",
    }
}
