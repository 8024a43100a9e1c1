//! Readiness and liveness probes, with process-compose's field names and Kubernetes' defaults.

use std::time::Duration;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Command;

/// A health check run periodically against a process.
///
/// A readiness probe decides when a process is *healthy* (dependents waiting on
/// [`Condition::ProcessHealthy`](crate::Condition::ProcessHealthy) may start); a liveness probe restarts a process
/// that stopped answering. After `initial_delay` the check runs every `period`; `failure_threshold` consecutive
/// failures make the probe fail, `success_threshold` consecutive successes make it pass.
///
/// Until a readiness probe first passes, the supervisor also checks quickly in between: 100 ms after a failed
/// check, then twice as long after each, while that stays below `period`. Only the successes of these quick checks
/// count, so a server that is up 50 ms after its start is healthy then (not a whole period later, 10 s by
/// default), while a slow starter fails on exactly the period's schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    /// What the probe checks.
    #[serde(flatten)]
    pub check: ProbeCheck,
    /// Seconds to wait after the process started before the first check.
    #[serde(rename = "initial_delay_seconds", with = "crate::duration", default)]
    #[schemars(with = "f64", range(min = 0.0))]
    pub initial_delay: Duration,
    /// Seconds between two checks.
    #[serde(rename = "period_seconds", with = "crate::duration", default = "default_period")]
    #[schemars(with = "f64", range(min = 0.0))]
    pub period: Duration,
    /// Seconds after which one check counts as failed.
    #[serde(rename = "timeout_seconds", with = "crate::duration", default = "default_timeout")]
    #[schemars(with = "f64", range(min = 0.0))]
    pub timeout: Duration,
    /// Consecutive successes needed to count as passing.
    #[serde(default = "one")]
    #[schemars(range(min = 1))]
    pub success_threshold: u32,
    /// Consecutive failures needed to count as failing.
    #[serde(default = "three")]
    #[schemars(range(min = 1))]
    pub failure_threshold: u32,
}

/// The check a [`Probe`] performs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProbeCheck {
    /// Run a command; exit code 0 is a success.
    Exec(ExecProbe),
    /// Send an HTTP GET; the expected status (default any 2xx/3xx) is a success.
    HttpGet(HttpProbe),
}

/// A command run as a probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecProbe {
    /// The command to run.
    pub command: Command,
    /// Working directory of the probe command; defaults to the process's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<std::path::PathBuf>,
}

/// An HTTP GET request used as a probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpProbe {
    /// Host to connect to.
    #[serde(default = "default_host")]
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Request path.
    #[serde(default = "default_path")]
    pub path: String,
    /// `http` (no TLS support: development services answer plain HTTP on loopback).
    #[serde(default = "default_scheme")]
    pub scheme: String,
    /// Extra request headers.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub headers: IndexMap<String, String>,
    /// The expected status code; when unset any status from 200 to 399 is a success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
}

impl Probe {
    /// A probe that runs `command` (exit code 0 = success), with default timings.
    pub fn exec(command: impl Into<Command>) -> Self {
        Self::with_check(ProbeCheck::Exec(ExecProbe { command: command.into(), working_dir: None }))
    }

    /// A probe that sends `GET http://<host>:<port><path>`, with default timings.
    pub fn http_get(host: impl Into<String>, port: u16, path: impl Into<String>) -> Self {
        Self::with_check(ProbeCheck::HttpGet(HttpProbe {
            host: host.into(),
            port,
            path: path.into(),
            scheme: default_scheme(),
            headers: IndexMap::new(),
            status_code: None,
        }))
    }

    fn with_check(check: ProbeCheck) -> Self {
        Probe {
            check,
            initial_delay: Duration::ZERO,
            period: default_period(),
            timeout: default_timeout(),
            success_threshold: 1,
            failure_threshold: 3,
        }
    }

    /// Sets the delay before the first check.
    pub fn initial_delay(mut self, delay: Duration) -> Self {
        self.initial_delay = delay;
        self
    }

    /// Sets the time between checks.
    pub fn period(mut self, period: Duration) -> Self {
        self.period = period;
        self
    }

    /// Sets the time after which a check counts as failed.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets how many consecutive successes make the probe pass.
    pub fn success_threshold(mut self, n: u32) -> Self {
        self.success_threshold = n;
        self
    }

    /// Sets how many consecutive failures make the probe fail.
    pub fn failure_threshold(mut self, n: u32) -> Self {
        self.failure_threshold = n;
        self
    }
}

impl From<Vec<String>> for Command {
    fn from(argv: Vec<String>) -> Self {
        Command::Exec(argv)
    }
}

impl<const N: usize> From<[&str; N]> for Command {
    fn from(argv: [&str; N]) -> Self {
        Command::Exec(argv.iter().map(|s| (*s).to_owned()).collect())
    }
}

fn default_period() -> Duration {
    Duration::from_secs(10)
}
fn default_timeout() -> Duration {
    Duration::from_secs(1)
}
fn one() -> u32 {
    1
}
fn three() -> u32 {
    3
}
fn default_host() -> String {
    "127.0.0.1".into()
}
fn default_path() -> String {
    "/".into()
}
fn default_scheme() -> String {
    "http".into()
}
