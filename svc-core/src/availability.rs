//! Restart policy: what happens when a process ends.

use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// When a process is restarted after it ends (process-compose's `availability.restart`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RestartPolicy {
    /// Never restart (the default).
    #[default]
    No,
    /// Restart whenever the process ends, whatever its exit code.
    Always,
    /// Restart when the process ends with a code that is not a success.
    OnFailure,
    /// Do not restart; a failure shuts the whole project down and `up` exits with the process's code.
    ExitOnFailure,
}

/// Restart behaviour of a process (process-compose's `availability`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Availability {
    /// When to restart the process.
    #[serde(default)]
    pub restart: RestartPolicy,
    /// Delay before the first restart; each further consecutive restart doubles it, up to `max_backoff_seconds`.
    #[serde(rename = "backoff_seconds", with = "crate::duration", default = "default_backoff")]
    #[schemars(with = "f64", range(min = 0.0))]
    pub backoff: Duration,
    /// Upper bound of the restart delay.
    #[serde(rename = "max_backoff_seconds", with = "crate::duration", default = "default_max_backoff")]
    #[schemars(with = "f64", range(min = 0.0))]
    pub max_backoff: Duration,
    /// Maximum number of restarts; 0 means unlimited.
    #[serde(default)]
    pub max_restarts: u32,
    /// When the process ends for any reason, shut the whole project down.
    #[serde(default)]
    pub exit_on_end: bool,
    /// When the process is skipped because a dependency can never be satisfied, `up` exits 1.
    #[serde(default)]
    pub exit_on_skipped: bool,
}

impl Default for Availability {
    fn default() -> Self {
        Availability {
            restart: RestartPolicy::No,
            backoff: default_backoff(),
            max_backoff: default_max_backoff(),
            max_restarts: 0,
            exit_on_end: false,
            exit_on_skipped: false,
        }
    }
}

impl Availability {
    /// The default availability with the given restart policy.
    pub fn restart(policy: RestartPolicy) -> Self {
        Availability { restart: policy, ..Self::default() }
    }

    /// Sets the first restart delay.
    pub fn backoff(mut self, backoff: Duration) -> Self {
        self.backoff = backoff;
        self
    }

    /// Sets the largest restart delay.
    pub fn max_backoff(mut self, max_backoff: Duration) -> Self {
        self.max_backoff = max_backoff;
        self
    }

    /// Sets the maximum number of restarts (0 = unlimited).
    pub fn max_restarts(mut self, max_restarts: u32) -> Self {
        self.max_restarts = max_restarts;
        self
    }

    /// Shut the project down when this process ends.
    pub fn exit_on_end(mut self, yes: bool) -> Self {
        self.exit_on_end = yes;
        self
    }

    /// Make `up` exit 1 when this process is skipped.
    pub fn exit_on_skipped(mut self, yes: bool) -> Self {
        self.exit_on_skipped = yes;
        self
    }
}

fn default_backoff() -> Duration {
    Duration::from_secs(1)
}
fn default_max_backoff() -> Duration {
    Duration::from_secs(30)
}
