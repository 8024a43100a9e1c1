//! The threshold logic of a probe, without I/O: consecutive successes and failures against the probe's
//! thresholds, reporting only changes.

use svc_core::Probe;

/// Whether a probe currently passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProbeState {
    /// `success_threshold` consecutive checks passed.
    Passing,
    /// `failure_threshold` consecutive checks failed.
    Failing,
}

/// The threshold logic of a probe, without I/O: feed it check outcomes, it says when the state changes.
///
/// The state starts unknown (`None`): neither passing nor failing until a threshold is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thresholds {
    success_threshold: u32,
    failure_threshold: u32,
    successes: u32,
    failures: u32,
    state: Option<ProbeState>,
}

impl Thresholds {
    /// Thresholds of `successes` and `failures` consecutive checks (0 counts as 1).
    pub fn new(successes: u32, failures: u32) -> Self {
        Thresholds {
            success_threshold: successes.max(1),
            failure_threshold: failures.max(1),
            successes: 0,
            failures: 0,
            state: None,
        }
    }

    /// The thresholds of `probe`.
    pub fn of(probe: &Probe) -> Self {
        Self::new(probe.success_threshold, probe.failure_threshold)
    }

    /// Records one check; returns the new state if it changed.
    pub fn record(&mut self, success: bool) -> Option<ProbeState> {
        let (count, threshold, reached) = if success {
            self.failures = 0;
            self.successes = self.successes.saturating_add(1);
            (self.successes, self.success_threshold, ProbeState::Passing)
        } else {
            self.successes = 0;
            self.failures = self.failures.saturating_add(1);
            (self.failures, self.failure_threshold, ProbeState::Failing)
        };
        if count >= threshold && self.state != Some(reached) {
            self.state = Some(reached);
            Some(reached)
        } else {
            None
        }
    }

    /// The current state (`None` until a threshold was reached).
    pub fn state(&self) -> Option<ProbeState> {
        self.state
    }

    /// Consecutive successes and failures so far (one of them is zero).
    pub fn streak(&self) -> (u32, u32) {
        (self.successes, self.failures)
    }
}
