//! How a process is stopped.

use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Command;

/// How a process is stopped (process-compose's `shutdown`).
///
/// If `command` is set it is run; otherwise `signal` is sent to the process's whole process group (only to the
/// process itself with `parent_only`). Either way, if the process has not exited after `timeout`, its group is
/// killed with `SIGKILL`: a stop always ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Shutdown {
    /// A command that asks the process to stop, run instead of sending `signal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Command>,
    /// The signal number sent to the process group (default 15, `SIGTERM`).
    #[serde(default = "default_signal")]
    #[schemars(range(min = 1, max = 64))]
    pub signal: i32,
    /// Seconds to wait for the process to exit before `SIGKILL`.
    #[serde(rename = "timeout_seconds", with = "crate::duration", default = "default_timeout")]
    #[schemars(with = "f64", range(min = 0.0))]
    pub timeout: Duration,
    /// Send `signal` to the process only, not to its whole group (process-compose's `parent_only`): for a
    /// leader that stops its own children in order. The `SIGKILL` at the deadline still reaches the group.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub parent_only: bool,
}

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown { command: None, signal: default_signal(), timeout: default_timeout(), parent_only: false }
    }
}

impl Shutdown {
    /// Sets the stop command.
    pub fn command(mut self, command: impl Into<Command>) -> Self {
        self.command = Some(command.into());
        self
    }

    /// Sets the stop signal.
    pub fn signal(mut self, signal: i32) -> Self {
        self.signal = signal;
        self
    }

    /// Sends the signal to the process only, not to its group.
    pub fn parent_only(mut self, parent_only: bool) -> Self {
        self.parent_only = parent_only;
        self
    }

    /// Sets the time allowed before `SIGKILL`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

fn default_signal() -> i32 {
    15
}
fn default_timeout() -> Duration {
    Duration::from_secs(10)
}
