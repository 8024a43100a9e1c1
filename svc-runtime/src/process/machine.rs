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
//!   on a running or finished process it does not count towards `max_restarts`.

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
            (S::Pending | S::Waiting { .. }, Event::DependenciesMet) => (S::Starting, vec![Action::Spawn]),
            (S::Pending | S::Waiting { .. }, Event::DependencyImpossible(why)) => (S::Skipped { why }, vec![]),
            (S::Pending | S::Waiting { .. }, Event::Stop) => (S::Stopped { exit: None }, vec![]),

            (S::Starting, Event::Spawned(pid)) => {
                self.started = true;
                (S::Running { pid }, vec![Action::StartProbes])
            }
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

            // An explicit restart request brings a finished process back, and starts a disabled one (listed, not
            // started: as process-compose's `process start`), without waiting for its dependencies.
            (S::Completed { .. } | S::Failed { .. } | S::Stopped { .. } | S::Disabled, Event::Restart) => {
                (S::Starting, vec![Action::Spawn])
            }

            (state, _) => (state, vec![]),
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
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(restart: RestartPolicy, max_restarts: u32) -> Rules {
        Rules {
            restart,
            max_restarts,
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(350),
            success_exit_codes: vec![130],
            daemon: false,
        }
    }

    fn running(restart: RestartPolicy, max_restarts: u32) -> Machine {
        let mut m = Machine::new(rules(restart, max_restarts), false);
        assert_eq!(m.step(Event::DependenciesMet), vec![Action::Spawn]);
        assert_eq!(m.step(Event::Spawned(42)), vec![Action::StartProbes]);
        assert!(m.started);
        m
    }

    fn exit(code: i32) -> Event {
        Event::Exited { status: ExitStatus::Code(code), uptime: Duration::from_millis(5) }
    }

    #[test]
    fn policy_table() {
        // (policy, exit code, restarts?)
        let table = [
            (RestartPolicy::No, 0, false),
            (RestartPolicy::No, 1, false),
            (RestartPolicy::Always, 0, true),
            (RestartPolicy::Always, 1, true),
            (RestartPolicy::OnFailure, 0, false),
            (RestartPolicy::OnFailure, 130, false),
            (RestartPolicy::OnFailure, 1, true),
            (RestartPolicy::ExitOnFailure, 1, false),
        ];
        for (policy, code, restarts) in table {
            let mut m = running(policy, 0);
            let actions = m.step(exit(code));
            assert_eq!(matches!(m.state, State::Restarting { .. }), restarts, "{policy:?} exit {code}");
            if !restarts {
                assert_eq!(m.state, State::Completed { exit: ExitStatus::Code(code) });
                assert_eq!(actions, vec![Action::StopProbes]);
            }
        }
    }

    #[test]
    fn signals_are_failures_and_success_codes_are_not() {
        let r = rules(RestartPolicy::OnFailure, 0);
        assert!(r.is_success(ExitStatus::Code(0)));
        assert!(r.is_success(ExitStatus::Code(130)));
        assert!(!r.is_success(ExitStatus::Code(1)));
        assert!(!r.is_success(ExitStatus::Signal(crate::child::signal::SIGTERM)));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_max_restarts_holds() {
        let mut m = running(RestartPolicy::Always, 4);
        let mut delays = Vec::new();
        for _ in 0..4 {
            m.step(exit(1));
            let State::Restarting { delay, .. } = m.state else { panic!("not restarting: {:?}", m.state) };
            delays.push(delay.as_millis());
            assert_eq!(m.step(Event::BackoffElapsed), vec![Action::Spawn]);
            m.step(Event::Spawned(43));
        }
        assert_eq!(delays, [100, 200, 350, 350]);
        assert_eq!(m.restarts, 4);
        m.step(exit(1));
        assert_eq!(m.state, State::Completed { exit: ExitStatus::Code(1) });
    }

    #[test]
    fn a_long_run_resets_the_backoff() {
        let mut m = running(RestartPolicy::Always, 0);
        m.step(exit(1));
        m.step(Event::BackoffElapsed);
        m.step(Event::Spawned(2));
        m.step(exit(1));
        assert!(matches!(m.state, State::Restarting { attempt: 2, .. }));
        m.step(Event::BackoffElapsed);
        m.step(Event::Spawned(3));
        m.step(Event::Exited { status: ExitStatus::Code(1), uptime: crate::process::backoff::MIN_STABLE_UPTIME });
        assert_eq!(m.state, State::Restarting { attempt: 1, delay: Duration::from_millis(100) });
    }

    #[test]
    fn stop_during_backoff_wins() {
        let mut m = running(RestartPolicy::Always, 0);
        m.step(exit(1));
        assert_eq!(m.step(Event::Stop), vec![Action::CancelTimer]);
        assert_eq!(m.state, State::Stopped { exit: None });
        assert_eq!(m.last_exit, Some(ExitStatus::Code(1)));
        // A late timer changes nothing.
        assert_eq!(m.step(Event::BackoffElapsed), vec![]);
        assert_eq!(m.state, State::Stopped { exit: None });
    }

    #[test]
    fn stop_while_running_stays_stopped() {
        let mut m = running(RestartPolicy::Always, 0);
        assert_eq!(m.step(Event::Stop), vec![Action::StopProbes, Action::Terminate]);
        assert_eq!(m.step(exit(0)), vec![]);
        assert_eq!(m.state, State::Stopped { exit: Some(ExitStatus::Code(0)) });
    }

    #[test]
    fn restart_requests_coalesce_and_stop_wins_over_restart() {
        let mut m = running(RestartPolicy::No, 0);
        assert_eq!(m.step(Event::Restart), vec![Action::StopProbes, Action::Terminate]);
        assert_eq!(m.step(Event::Restart), vec![]);
        assert_eq!(m.step(Event::ProbeFailed(ProbeKind::Liveness)), vec![]);
        assert_eq!(m.step(exit(0)), vec![Action::Spawn]);
        assert_eq!(m.state, State::Starting);

        let mut m = running(RestartPolicy::Always, 0);
        m.step(Event::Restart);
        m.step(Event::Stop);
        m.step(exit(0));
        assert_eq!(m.state, State::Stopped { exit: Some(ExitStatus::Code(0)) });
    }

    #[test]
    fn probe_failures_count_as_failures() {
        // on-failure restarts even though SIGTERM made the process exit 0.
        let mut m = running(RestartPolicy::OnFailure, 2);
        assert_eq!(m.step(Event::ProbeFailed(ProbeKind::Readiness)), vec![Action::StopProbes, Action::Terminate]);
        m.step(exit(0));
        assert!(matches!(m.state, State::Restarting { .. }));
        // With no restarts left it is failed, not completed.
        let mut m = running(RestartPolicy::No, 0);
        m.step(Event::ProbeFailed(ProbeKind::Liveness));
        m.step(exit(0));
        assert!(matches!(m.state, State::Failed { exit: Some(ExitStatus::Code(0)), .. }), "{:?}", m.state);
    }

    #[test]
    fn readiness_makes_healthy() {
        let mut m = running(RestartPolicy::No, 0);
        m.step(Event::ReadinessPassed);
        assert_eq!(m.state, State::Ready { pid: 42 });
        assert!(m.healthy);
        // A repeated pass changes nothing.
        assert_eq!(m.step(Event::ReadinessPassed), vec![]);
        assert_eq!(m.state, State::Ready { pid: 42 });
    }

    #[test]
    fn losing_readiness_restarts_per_policy() {
        let lose = |policy| {
            let mut m = running(policy, 0);
            m.step(Event::ReadinessPassed);
            let actions = m.step(Event::ProbeFailed(ProbeKind::Readiness));
            assert_eq!(actions, vec![Action::StopProbes, Action::Terminate], "{policy:?}");
            assert_eq!(m.state, State::Stopping { pid: 42, then: AfterStop::Failure(ProbeKind::Readiness) });
            // Stopped by SIGTERM, it exits 0: still a failure.
            m.step(exit(0));
            m
        };
        for policy in [RestartPolicy::OnFailure, RestartPolicy::Always] {
            let m = lose(policy);
            assert!(matches!(m.state, State::Restarting { .. }), "{policy:?}: {:?}", m.state);
            // It was healthy once: dependents that started on it stay satisfied.
            assert!(m.healthy);
        }
        for policy in [RestartPolicy::No, RestartPolicy::ExitOnFailure] {
            let m = lose(policy);
            assert!(
                matches!(m.state, State::Failed { exit: Some(ExitStatus::Code(0)), .. }),
                "{policy:?}: {:?}",
                m.state
            );
        }
    }

    #[test]
    fn waiting_skipping_and_spawn_failures() {
        let mut m = Machine::new(rules(RestartPolicy::Always, 0), false);
        m.step(Event::WaitFor(vec!["db".into()]));
        assert_eq!(m.state, State::Waiting { on: vec!["db".into()] });
        m.step(Event::DependencyImpossible("db failed".into()));
        assert_eq!(m.state, State::Skipped { why: "db failed".into() });
        assert!(m.is_final());
        assert!(!m.started);

        let mut m = Machine::new(rules(RestartPolicy::Always, 0), false);
        m.step(Event::DependenciesMet);
        m.step(Event::SpawnFailed("no such file".into()));
        assert!(matches!(m.state, State::Failed { exit: None, .. }));

        let mut m = Machine::new(rules(RestartPolicy::Always, 0), false);
        m.step(Event::Stop);
        assert_eq!(m.state, State::Stopped { exit: None });

        let m = Machine::new(rules(RestartPolicy::Always, 0), true);
        assert_eq!(m.state, State::Disabled);
        assert!(m.is_final());
    }

    fn daemon(restart: RestartPolicy) -> Machine {
        let mut m = Machine::new(Rules { daemon: true, ..rules(restart, 0) }, false);
        m.step(Event::DependenciesMet);
        m.step(Event::Spawned(42));
        m
    }

    #[test]
    fn a_daemon_launcher_that_succeeds_launches_and_one_that_fails_is_a_failed_run() {
        let mut m = daemon(RestartPolicy::OnFailure);
        assert_eq!(m.step(exit(0)), vec![], "probes go on");
        assert_eq!(m.state, State::Launched { pgid: 42 });
        assert!(!m.is_final());
        assert_eq!(m.step(Event::ReadinessPassed), vec![]);
        assert!(m.healthy);
        assert_eq!(m.state, State::Launched { pgid: 42 });

        let mut m = daemon(RestartPolicy::OnFailure);
        m.step(exit(1));
        assert!(matches!(m.state, State::Restarting { .. }), "{:?}", m.state);
        let mut m = daemon(RestartPolicy::No);
        m.step(exit(1));
        assert_eq!(m.state, State::Completed { exit: ExitStatus::Code(1) });
    }

    #[test]
    fn a_launched_daemon_stops_restarts_and_fails_its_probe_through_a_stop() {
        // (event while launched, actions, what the end of the stop leads to)
        let table: [(Event, State); 3] = [
            (Event::Stop, State::Stopped { exit: Some(ExitStatus::Code(0)) }),
            (Event::Restart, State::Starting),
            (
                Event::ProbeFailed(ProbeKind::Liveness),
                State::Restarting { attempt: 1, delay: Duration::from_millis(100) },
            ),
        ];
        for (event, after) in table {
            let mut m = daemon(RestartPolicy::OnFailure);
            m.step(exit(0));
            assert_eq!(m.step(event.clone()), vec![Action::StopProbes, Action::Terminate], "{event:?}");
            assert!(matches!(m.state, State::Stopping { pid: 42, .. }), "{event:?}: {:?}", m.state);
            m.step(Event::DaemonStopped { uptime: Duration::from_millis(5) });
            assert_eq!(m.state, after, "{event:?}");
        }
    }

    #[test]
    fn a_daemon_stopped_event_means_nothing_outside_a_stop() {
        let mut m = daemon(RestartPolicy::No);
        m.step(exit(0));
        assert_eq!(m.step(Event::DaemonStopped { uptime: Duration::ZERO }), vec![]);
        assert_eq!(m.state, State::Launched { pgid: 42 });
    }

    #[test]
    fn a_disabled_process_starts_on_request_only() {
        let mut m = Machine::new(rules(RestartPolicy::No, 0), true);
        assert_eq!(m.state, State::Disabled);
        assert!(m.is_final());
        assert_eq!(m.step(Event::DependenciesMet), vec![], "never started by itself");
        assert_eq!(m.state, State::Disabled);
        assert_eq!(m.step(Event::Restart), vec![Action::Spawn]);
        assert_eq!(m.step(Event::Spawned(7)), vec![Action::StartProbes]);
        assert_eq!(m.state, State::Running { pid: 7 });
    }
}
