//! The life of one process as a pure state machine: `(state, event) -> (state, actions)`.
//!
//! No system calls and no clock here: the process task (`task`) feeds events (the child exited, a
//! probe passed, a stop was requested, the backoff timer fired) and carries out the returned [`Action`]s. That
//! keeps every rule of process-compose's semantics (and our fixes) testable in a table without processes.
//!
//! Rules worth knowing:
//! - a probe that reaches its failure threshold stops the process, and that run counts as a failure:
//!   `on_failure` and `always` restart it (within `max_restarts`), otherwise it ends as [`State::Failed`] (so
//!   with `exit_on_failure` it shuts the project down). This holds for the liveness probe and for the readiness
//!   probe, before and after the process became ready: as in process-compose, the readiness probe keeps running
//!   for the life of the process and a process that was ready and no longer is gets stopped; the restart policy
//!   decides what follows. Its dependents keep running: the `process_healthy` condition was met once, and
//!   conditions are only awaited at start;
//! - a stop wins over everything: requested during the backoff, the process is never relaunched; requested
//!   during a restart, the process stays stopped;
//! - restart requests made while a restart is under way coalesce with it;
//! - the backoff doubles from `backoff` up to `max_backoff` and starts over after a stable run
//!   ([`crate::process::backoff`]);
//! - a restart request relaunches at once: during a backoff it does the pending automatic restart now (counted);
//!   on a running or finished process it does not count towards `max_restarts`;
//! - a scheduled process (`schedule`) starts at each [`Event::Tick`], not with the project (unless
//!   `run_on_start`); a run that ends (and is not restarted by its policy) leaves it [`State::Scheduled`], not
//!   finished. A tick during a run is skipped (one run at a time). A stop pauses the schedule (the process is
//!   stopped, ticks change nothing); a restart request runs it now and the schedule goes on after that run;
//! - a change to watched files ([`Event::FilesChanged`]) restarts a running process, and starts again one that
//!   ended by itself or waits for its next tick, at once, without backoff, and its restart count starts over (as
//!   process-compose's watcher does: "a restart the user asked for by saving a file, not a crash loop"). A
//!   stopped, skipped, disabled or not yet started process ignores it.

use std::time::Duration;

use svc_core::{Process, RestartPolicy};

use crate::child::ExitStatus;
use crate::process::backoff::Backoff;

/// Where a process is in its life.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum State {
    /// Not started yet; dependencies not evaluated.
    #[default]
    Pending,
    /// Waiting for dependencies to reach their conditions (the names of those not yet satisfied).
    Waiting {
        /// Dependencies still awaited.
        on: Vec<String>,
    },
    /// Being spawned.
    Starting,
    /// Running (not yet healthy if it has a readiness probe).
    Running {
        /// Process (and process group) id.
        pid: i32,
    },
    /// Running and its readiness probe passed.
    Ready {
        /// Process (and process group) id.
        pid: i32,
    },
    /// A daemon launcher exited with success: the daemon it started runs on its own (`is_daemon`). It counts as
    /// running until it is stopped.
    Launched {
        /// The launcher's process group, where the daemon usually still is.
        pgid: i32,
    },
    /// Being stopped.
    Stopping {
        /// Process (and process group) id.
        pid: i32,
        /// What happens once it exited.
        then: AfterStop,
    },
    /// Waiting out the backoff before the next start.
    Restarting {
        /// Consecutive quick failures so far (1 for the first restart); drives the backoff.
        attempt: u32,
        /// The delay being waited.
        delay: Duration,
    },
    /// Ended by itself and will not be restarted.
    Completed {
        /// How it ended.
        exit: ExitStatus,
    },
    /// Could not be started, or was stopped because a probe failed, and will not be restarted.
    Failed {
        /// Why.
        reason: String,
        /// How it ended, if it ran.
        exit: Option<ExitStatus>,
    },
    /// Never started because a dependency can never reach its condition.
    Skipped {
        /// Which dependency and why.
        why: String,
    },
    /// Stopped on request (project shutdown or a stop command).
    Stopped {
        /// How it ended, if it was running.
        exit: Option<ExitStatus>,
    },
    /// Disabled in the configuration: never started.
    Disabled,
    /// A scheduled process waiting for its next tick (process-compose shows it as `Scheduled`).
    Scheduled {
        /// How its last run ended, if it ran.
        last: Option<ExitStatus>,
    },
}

/// What a stop leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterStop {
    /// Stay stopped.
    Final,
    /// Start again at once (a restart request).
    Relaunch,
    /// Treat as a failure and apply the restart policy (a probe gave up on the process).
    Failure(ProbeKind),
}

/// Which probe failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeKind {
    /// The readiness probe.
    Readiness,
    /// The liveness probe.
    Liveness,
}

impl ProbeKind {
    fn name(self) -> &'static str {
        match self {
            ProbeKind::Readiness => "readiness",
            ProbeKind::Liveness => "liveness",
        }
    }
}

/// Something that happened to a process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Dependencies are being awaited.
    WaitFor(Vec<String>),
    /// Every dependency reached its condition.
    DependenciesMet,
    /// A dependency can never reach its condition.
    DependencyImpossible(String),
    /// The child was spawned.
    Spawned(i32),
    /// The child could not be spawned.
    SpawnFailed(String),
    /// The child exited after running for `uptime`.
    Exited {
        /// How it ended.
        status: ExitStatus,
        /// How long it ran.
        uptime: Duration,
    },
    /// The readiness probe passed.
    ReadinessPassed,
    /// A probe reached its failure threshold.
    ProbeFailed(ProbeKind),
    /// The restart backoff is over.
    BackoffElapsed,
    /// Stop the process (and do not restart it).
    Stop,
    /// Restart the process now.
    Restart,
    /// A tick of the process's schedule.
    Tick,
    /// Files the process (or, with `cascade`, a dependency) watches changed.
    FilesChanged,
    /// A launched daemon is gone after a stop (its shutdown command ended and nothing of it is left, or it was
    /// killed), `uptime` after its launcher started.
    DaemonStopped {
        /// How long since the launcher started.
        uptime: Duration,
    },
}

/// What the process task must do after a transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Spawn the child.
    Spawn,
    /// Start the readiness/liveness probes for the new child.
    StartProbes,
    /// Stop the probes.
    StopProbes,
    /// Run the stop sequence (shutdown command or signal, then SIGKILL after the timeout).
    Terminate,
    /// Fire [`Event::BackoffElapsed`] after this delay.
    ScheduleRestart(Duration),
    /// Cancel the backoff timer.
    CancelTimer,
}

/// The rules of one process, taken from its configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// Restart policy.
    pub restart: RestartPolicy,
    /// Most automatic restarts; 0 = unlimited.
    pub max_restarts: u32,
    /// First restart delay.
    pub backoff: Duration,
    /// Largest restart delay.
    pub max_backoff: Duration,
    /// Exit codes besides 0 that are a success.
    pub success_exit_codes: Vec<i32>,
    /// The command is a daemon launcher: a successful exit launches the process instead of ending it.
    pub daemon: bool,
    /// The process runs on a schedule: at each [`Event::Tick`].
    pub scheduled: bool,
    /// A scheduled process also runs once at start.
    pub run_on_start: bool,
}

impl Rules {
    /// The rules of `process`.
    pub fn of(process: &Process) -> Rules {
        Rules {
            restart: process.availability.restart,
            max_restarts: process.availability.max_restarts,
            backoff: process.availability.backoff,
            max_backoff: process.availability.max_backoff,
            success_exit_codes: process.success_exit_codes.clone(),
            daemon: process.daemon.is_some(),
            scheduled: process.schedule.is_some(),
            run_on_start: process.schedule.as_ref().is_some_and(|s| s.run_on_start),
        }
    }

    /// Whether `exit` counts as a success.
    pub fn is_success(&self, exit: ExitStatus) -> bool {
        exit.is_success(&self.success_exit_codes)
    }
}

/// One process's state plus the counters its rules need.
#[derive(Debug, Clone, PartialEq)]
pub struct Machine {
    /// The rules.
    pub rules: Rules,
    /// The current state.
    pub state: State,
    /// Automatic restarts done so far (what `max_restarts` limits).
    pub restarts: u32,
    /// The restart delays (doubling, capped, reset after a stable run: see [`crate::process::backoff`]).
    pub backoff: Backoff,
    /// Whether the process was ever launched (`process_started`).
    pub started: bool,
    /// Whether its readiness probe ever passed (`process_healthy`).
    pub healthy: bool,
    /// How its last run ended.
    pub last_exit: Option<ExitStatus>,
}

impl Machine {
    /// A pending process with these rules (or a disabled one).
    pub fn new(rules: Rules, disabled: bool) -> Machine {
        let state = if disabled { State::Disabled } else { State::Pending };
        let backoff = Backoff::new(rules.backoff, rules.max_backoff);
        Machine { rules, state, restarts: 0, backoff, started: false, healthy: false, last_exit: None }
    }

    /// Whether the process is done for good (no restart will follow by itself).
    pub fn is_final(&self) -> bool {
        self.state.is_final()
    }

    /// Applies `event` and returns what to do. Events that make no sense in the current state change nothing.
    pub fn step(&mut self, event: Event) -> Vec<Action> {
        use State as S;
        if let Event::Exited { status, .. } = &event {
            self.last_exit = Some(*status);
        }
        let state = std::mem::replace(&mut self.state, S::Pending);
        let (next, actions) = match (state, event) {
            (S::Pending | S::Waiting { .. }, Event::WaitFor(on)) => (S::Waiting { on }, vec![]),
            (S::Pending | S::Waiting { .. }, Event::DependenciesMet)
                if self.rules.scheduled && !self.rules.run_on_start =>
            {
                (S::Scheduled { last: None }, vec![])
            }
            (S::Pending | S::Waiting { .. }, Event::DependenciesMet) => (S::Starting, vec![Action::Spawn]),
            (S::Pending | S::Waiting { .. }, Event::DependencyImpossible(why)) => (S::Skipped { why }, vec![]),
            (S::Pending | S::Waiting { .. }, Event::Stop) => (S::Stopped { exit: None }, vec![]),

            (S::Starting, Event::Spawned(pid)) => {
                self.started = true;
                (S::Running { pid }, vec![Action::StartProbes])
            }
            // A scheduled process tries again at its next tick.
            (S::Starting, Event::SpawnFailed(_)) if self.rules.scheduled => (S::Scheduled { last: None }, vec![]),
            (S::Starting, Event::SpawnFailed(reason)) => (S::Failed { reason, exit: None }, vec![]),

            (S::Running { pid }, Event::ReadinessPassed) => {
                self.healthy = true;
                (S::Ready { pid }, vec![])
            }
            // A daemon launcher that succeeded: the daemon runs on, probes included.
            (S::Running { pid } | S::Ready { pid }, Event::Exited { status, .. })
                if self.rules.daemon && self.rules.is_success(status) =>
            {
                (S::Launched { pgid: pid }, vec![])
            }
            (S::Launched { pgid }, Event::ReadinessPassed) => {
                self.healthy = true;
                (S::Launched { pgid }, vec![])
            }
            (S::Launched { pgid }, Event::ProbeFailed(kind)) => {
                (S::Stopping { pid: pgid, then: AfterStop::Failure(kind) }, vec![Action::StopProbes, Action::Terminate])
            }
            (S::Launched { pgid }, Event::Stop) => {
                (S::Stopping { pid: pgid, then: AfterStop::Final }, vec![Action::StopProbes, Action::Terminate])
            }
            (S::Launched { pgid }, Event::Restart) => {
                (S::Stopping { pid: pgid, then: AfterStop::Relaunch }, vec![Action::StopProbes, Action::Terminate])
            }
            (S::Running { .. } | S::Ready { .. }, Event::Exited { status, uptime }) => {
                let failed = !self.rules.is_success(status);
                self.after_end(status, uptime, failed, None)
            }
            (S::Running { pid } | S::Ready { pid }, Event::ProbeFailed(kind)) => {
                (S::Stopping { pid, then: AfterStop::Failure(kind) }, vec![Action::StopProbes, Action::Terminate])
            }
            (S::Running { pid } | S::Ready { pid }, Event::Stop) => {
                (S::Stopping { pid, then: AfterStop::Final }, vec![Action::StopProbes, Action::Terminate])
            }
            (S::Running { pid } | S::Ready { pid }, Event::Restart) => {
                (S::Stopping { pid, then: AfterStop::Relaunch }, vec![Action::StopProbes, Action::Terminate])
            }

            // A stop wins over a pending restart; further restart requests coalesce with the one under way.
            (S::Stopping { pid, .. }, Event::Stop) => (S::Stopping { pid, then: AfterStop::Final }, vec![]),
            (S::Stopping { pid, then }, Event::Restart | Event::ProbeFailed(_)) => (S::Stopping { pid, then }, vec![]),
            (S::Stopping { then, .. }, Event::Exited { status, uptime }) => self.after_stop(then, status, uptime),
            // A daemon's stop ends when the daemon is gone; its launcher's exit is what it "exited" with.
            (S::Stopping { then, .. }, Event::DaemonStopped { uptime }) => {
                let status = self.last_exit.unwrap_or(ExitStatus::Code(0));
                self.after_stop(then, status, uptime)
            }

            (S::Restarting { .. }, Event::BackoffElapsed) => {
                self.restarts += 1;
                (S::Starting, vec![Action::Spawn])
            }
            (S::Restarting { .. }, Event::Stop) => (S::Stopped { exit: None }, vec![Action::CancelTimer]),
            (S::Restarting { .. }, Event::Restart) => {
                self.restarts += 1;
                (S::Starting, vec![Action::CancelTimer, Action::Spawn])
            }

            // An explicit restart request brings a finished process back, runs a scheduled one now, and starts a
            // disabled one (listed, not started: as process-compose's `process start`) without waiting for its
            // dependencies.
            (
                S::Completed { .. } | S::Failed { .. } | S::Stopped { .. } | S::Scheduled { .. } | S::Disabled,
                Event::Restart,
            ) => (S::Starting, vec![Action::Spawn]),

            (S::Scheduled { .. }, Event::Tick) => (S::Starting, vec![Action::Spawn]),
            // The schedule pauses: the stopped process ignores its ticks.
            (S::Scheduled { last }, Event::Stop) => (S::Stopped { exit: last }, vec![]),

            // A file change: a restart request that also starts the restart count and the backoff over.
            (state, Event::FilesChanged) if state.restarts_on_change() => {
                self.restarts = 0;
                self.backoff.reset();
                return self.restart_now(state);
            }

            (state, _) => (state, vec![]),
        };
        self.state = next;
        actions
    }

    /// A restart of the process in `state` now (a file change): no backoff, not counted.
    fn restart_now(&mut self, state: State) -> Vec<Action> {
        let (next, actions) = match state {
            State::Running { pid } | State::Ready { pid } | State::Launched { pgid: pid } => {
                (State::Stopping { pid, then: AfterStop::Relaunch }, vec![Action::StopProbes, Action::Terminate])
            }
            State::Restarting { .. } => (State::Starting, vec![Action::CancelTimer, Action::Spawn]),
            _ => (State::Starting, vec![Action::Spawn]),
        };
        self.state = next;
        actions
    }

    /// A stopped process is gone: what its stop was for follows.
    fn after_stop(&mut self, then: AfterStop, status: ExitStatus, uptime: Duration) -> (State, Vec<Action>) {
        match then {
            AfterStop::Final => (State::Stopped { exit: Some(status) }, vec![]),
            AfterStop::Relaunch => (State::Starting, vec![Action::Spawn]),
            AfterStop::Failure(kind) => self.after_end(status, uptime, true, Some(kind)),
        }
    }

    /// The process ended (by itself, or stopped because a probe failed): restart it or finish.
    fn after_end(
        &mut self,
        status: ExitStatus,
        uptime: Duration,
        failed: bool,
        probe: Option<ProbeKind>,
    ) -> (State, Vec<Action>) {
        let wants_restart = match self.rules.restart {
            RestartPolicy::Always => true,
            RestartPolicy::OnFailure => failed,
            RestartPolicy::No | RestartPolicy::ExitOnFailure => false,
        };
        let allowed = self.rules.max_restarts == 0 || self.restarts < self.rules.max_restarts;
        if wants_restart && allowed {
            self.backoff.process_ended(uptime);
            let delay = self.backoff.next_delay();
            (
                State::Restarting { attempt: self.backoff.consecutive(), delay },
                vec![Action::StopProbes, Action::ScheduleRestart(delay)],
            )
        } else {
            let next = match probe {
                // A scheduled process waits for its next tick, whatever became of this run.
                _ if self.rules.scheduled => State::Scheduled { last: Some(status) },
                Some(kind) => State::Failed { reason: format!("its {} probe failed", kind.name()), exit: Some(status) },
                None => State::Completed { exit: status },
            };
            (next, vec![Action::StopProbes])
        }
    }
}

impl State {
    /// Whether the state is final: nothing more happens without an explicit request.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            State::Completed { .. }
                | State::Failed { .. }
                | State::Skipped { .. }
                | State::Stopped { .. }
                | State::Disabled
        )
    }

    /// Whether a change to watched files restarts (or starts again) a process in this state: one that runs, ended
    /// by itself, waits to restart or waits for its next tick; not one that was stopped, skipped, disabled or has
    /// not started yet.
    pub fn restarts_on_change(&self) -> bool {
        matches!(
            self,
            State::Running { .. }
                | State::Ready { .. }
                | State::Launched { .. }
                | State::Restarting { .. }
                | State::Completed { .. }
                | State::Failed { .. }
                | State::Scheduled { .. }
        )
    }

    /// A short lowercase name for display (`running`, `restarting`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Waiting { .. } => "waiting",
            State::Starting => "starting",
            State::Running { .. } => "running",
            State::Launched { .. } => "launched",
            State::Ready { .. } => "ready",
            State::Stopping { .. } => "stopping",
            State::Restarting { .. } => "restarting",
            State::Completed { .. } => "completed",
            State::Failed { .. } => "failed",
            State::Skipped { .. } => "skipped",
            State::Stopped { .. } => "stopped",
            State::Disabled => "disabled",
            State::Scheduled { .. } => "scheduled",
        }
    }

    /// The pid while the process is running or stopping.
    pub fn pid(&self) -> Option<i32> {
        match self {
            State::Running { pid } | State::Ready { pid } | State::Stopping { pid, .. } => Some(*pid),
            State::Launched { pgid } => Some(*pgid),
            _ => None,
        }
    }

    /// How the process ended, if it did.
    pub fn exit(&self) -> Option<ExitStatus> {
        match self {
            State::Completed { exit } => Some(*exit),
            State::Failed { exit, .. } | State::Stopped { exit } => *exit,
            State::Scheduled { last } => *last,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
