//! What other tasks see of a process ([`Status`]) and what they may ask of it ([`Control`]): plain values, so
//! the dependency rules, the exit rules and the run handle read them without touching the process task.

use crate::child::ExitStatus;
use crate::process::machine::State;

/// What other tasks can see of a process.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// The current state.
    pub state: State,
    /// Automatic restarts so far.
    pub restarts: u32,
    /// Whether it was ever launched.
    pub started: bool,
    /// Whether its readiness probe ever passed.
    pub healthy: bool,
    /// Whether it ever printed its ready line.
    pub log_ready: bool,
    /// Whether it is final and ended with a success code (or, scheduled, its last run did).
    pub succeeded: bool,
    /// How its last run ended (also when it is waiting to restart, or was stopped during the wait).
    pub last_exit: Option<ExitStatus>,
}

/// A request to a process task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Stop gracefully (shutdown command or signal, SIGKILL after the timeout) and do not restart.
    Stop,
    /// Stop and start again.
    Restart,
    /// Kill the process group now (a second Ctrl-C).
    Kill,
    /// Files it watches (or, with `cascade`, a dependency watches) changed: restart it now, without backoff, or
    /// start it again if it ended by itself; a stopped process stays stopped.
    FilesChanged,
}
