//! What `up` returns: how every process ended ([`Outcome`], [`ProcessReport`]), and the summary lines printed for
//! those that did not succeed.

use crate::child::ExitStatus;
use crate::process::Status;
use crate::process::machine::State;

/// How one process ended up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessReport {
    /// The process name.
    pub name: String,
    /// Its final state.
    pub state: State,
    /// How its last run ended, if it ran (for a process stopped while waiting to restart: the run before).
    pub exit: Option<ExitStatus>,
    /// Automatic restarts.
    pub restarts: u32,
    /// Whether it counts as a success (completed with a success code).
    pub succeeded: bool,
}

/// The result of [`up`](crate::up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The exit code for the supervisor.
    pub exit_code: i32,
    /// Every process, in definition order.
    pub processes: Vec<ProcessReport>,
}

impl Outcome {
    /// The report of process `name`.
    pub fn process(&self, name: &str) -> Option<&ProcessReport> {
        self.processes.iter().find(|p| p.name == name)
    }
}

impl ProcessReport {
    /// The report of process `name`, whose final status is `status`.
    pub(crate) fn new(name: &str, status: Status) -> Self {
        ProcessReport {
            name: name.to_owned(),
            exit: status.state.exit().or(status.last_exit),
            restarts: status.restarts,
            succeeded: status.succeeded,
            state: status.state,
        }
    }

    /// The summary line of a process that did not succeed; `None` for one that did (or was stopped on request).
    pub(crate) fn summary_line(&self) -> Option<String> {
        let restarts = match self.restarts {
            0 => String::new(),
            1 => ", 1 restart".into(),
            n => format!(", {n} restarts"),
        };
        match &self.state {
            State::Completed { exit } if !self.succeeded => Some(format!("summary: failed with {exit}{restarts}")),
            State::Failed { reason, exit } => {
                let how = exit.map(|e| format!(", {e}")).unwrap_or_default();
                Some(format!("summary: failed: {reason}{how}{restarts}"))
            }
            State::Skipped { why } => Some(format!("summary: skipped: {why}")),
            _ => None,
        }
    }
}
