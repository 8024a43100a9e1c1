//! The workload description both supervisors run: a list of processes with argv, environment, restart policy,
//! readiness probe and dependencies. The harness writes it as JSON; `baseline` interprets it itself and `ours`
//! turns it into a `svc_core::Project`.

use serde::{Deserialize, Serialize};

/// A workload: the processes to supervise.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Spec {
    /// The processes, in definition order.
    pub processes: Vec<ProcSpec>,
}

/// One supervised process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcSpec {
    /// The process name (the log prefix).
    pub name: String,
    /// Program and arguments (no shell).
    pub argv: Vec<String>,
    /// Extra environment variables.
    #[serde(default)]
    pub env: Vec<(String, String)>,
    /// What happens when the process ends.
    #[serde(default)]
    pub restart: Restart,
    /// A readiness probe; dependents wait until it passed once.
    #[serde(default)]
    pub probe: Option<ProbeSpec>,
    /// Processes that must be healthy (probe passed; started, if they have no probe) before this one starts.
    #[serde(default)]
    pub depends_on: Vec<String>,
}

/// Restart policy of a [`ProcSpec`].
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub enum Restart {
    /// Never restarted.
    #[default]
    No,
    /// Restarted after every exit; `backoff_ms: None` keeps the supervisor's default backoff.
    Always {
        /// The first restart delay in milliseconds, or `None` for the default.
        backoff_ms: Option<u64>,
    },
}

/// An exec readiness probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeSpec {
    /// The probe command (exit 0 = pass).
    pub argv: Vec<String>,
    /// Delay before the first check, in milliseconds.
    pub initial_delay_ms: u64,
    /// Time between checks, in milliseconds.
    pub period_ms: u64,
}

impl Spec {
    /// Reads the spec named by [`crate::SPEC_ENV`].
    pub fn from_env() -> Result<Spec, String> {
        let path = std::env::var_os(crate::SPEC_ENV)
            .ok_or_else(|| format!("{} is not set: run this through the bench harness", crate::SPEC_ENV))?;
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read the workload file {}: {e}", std::path::Path::new(&path).display()))?;
        serde_json::from_str(&text).map_err(|e| format!("invalid workload file {}: {e}", path.to_string_lossy()))
    }

    /// The index of the process called `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.processes.iter().position(|p| p.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip() {
        let spec = Spec {
            processes: vec![ProcSpec {
                name: "a".into(),
                argv: vec!["true".into()],
                env: vec![("K".into(), "V".into())],
                restart: Restart::Always { backoff_ms: Some(0) },
                probe: Some(ProbeSpec { argv: vec!["true".into()], initial_delay_ms: 0, period_ms: 100 }),
                depends_on: vec!["b".into()],
            }],
        };
        let text = serde_json::to_string(&spec).unwrap();
        assert_eq!(serde_json::from_str::<Spec>(&text).unwrap(), spec);
        assert_eq!(spec.index_of("a"), Some(0));
        assert_eq!(spec.index_of("b"), None);
    }
}
