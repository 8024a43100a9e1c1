//! Dependencies between processes.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a dependency must reach before its dependent starts (process-compose's `depends_on.<name>.condition`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// The dependency was launched (the default).
    #[default]
    ProcessStarted,
    /// The dependency's readiness probe passed.
    ProcessHealthy,
    /// The dependency printed its `ready_log_line`.
    ProcessLogReady,
    /// The dependency ended, with any exit code, after its restarts.
    ProcessCompleted,
    /// The dependency ended with exit code 0 or one of its `success_exit_codes`.
    ProcessCompletedSuccessfully,
}

impl Condition {
    /// The name used in configuration files.
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::ProcessStarted => "process_started",
            Condition::ProcessHealthy => "process_healthy",
            Condition::ProcessLogReady => "process_log_ready",
            Condition::ProcessCompleted => "process_completed",
            Condition::ProcessCompletedSuccessfully => "process_completed_successfully",
        }
    }
}

impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of `depends_on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dependency {
    /// The condition the dependency must reach.
    #[serde(default)]
    pub condition: Condition,
}

impl From<Condition> for Dependency {
    fn from(condition: Condition) -> Self {
        Dependency { condition }
    }
}
