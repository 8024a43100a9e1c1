//! What a service contributes to a project: named processes and environment.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Environment, Process};

/// The output of one service (or instance): named processes plus environment shared by every process of the
/// project (services-flake's `settings`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The processes, by name.
    #[serde(default)]
    pub processes: IndexMap<String, Process>,
    /// Environment variables given to every process of the project.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub environment: Environment,
}

impl Settings {
    /// Empty settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the process `name`.
    pub fn process(mut self, name: impl Into<String>, process: Process) -> Self {
        self.processes.insert(name.into(), process);
        self
    }

    /// Sets a project-wide environment variable.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.environment.insert(key.into(), value.into());
        self
    }
}
