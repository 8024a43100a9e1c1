//! One check with its context ([`check`], [`ProbeContext`]) and the runner that repeats it on the probe's
//! schedule and reports state changes ([`ProbeRunner`]).

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use svc_core::{Probe, ProbeCheck};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::exec::{StdSpawner, check_exec};
use super::http::check_http;
use super::schedule::Schedule;
use super::thresholds::{ProbeState, Thresholds};
use super::{DEFAULT_TIMEOUT, MIN_PERIOD, ProbeResult};
use crate::child::Spawner;

/// What exec checks need besides the probe: how to start processes, and the probed process's working
/// directory and environment (probe commands run like the process itself).
#[derive(Clone)]
pub struct ProbeContext {
    /// Starts probe processes.
    pub spawner: Arc<dyn Spawner>,
    /// Working directory of exec probes that do not set their own.
    pub working_dir: Option<PathBuf>,
    /// Environment added to exec probes.
    pub env: Vec<(String, String)>,
}

impl fmt::Debug for ProbeContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProbeContext")
            .field("working_dir", &self.working_dir)
            .field("env", &self.env)
            .finish_non_exhaustive()
    }
}

impl Default for ProbeContext {
    fn default() -> Self {
        Self::new(Arc::new(StdSpawner))
    }
}

impl ProbeContext {
    /// A context using `spawner`, with the supervisor's working directory and environment.
    pub fn new(spawner: Arc<dyn Spawner>) -> Self {
        ProbeContext { spawner, working_dir: None, env: Vec::new() }
    }

    /// Sets the default working directory of exec probes.
    pub fn working_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.working_dir = Some(dir.into());
        self
    }

    /// Sets the environment added to exec probes.
    pub fn env(mut self, env: impl IntoIterator<Item = (String, String)>) -> Self {
        self.env = env.into_iter().collect();
        self
    }
}

/// Runs one check of `check`, bounded by `timeout` (zero: [`DEFAULT_TIMEOUT`]).
pub async fn check(check: &ProbeCheck, timeout: Duration, context: &ProbeContext) -> ProbeResult {
    let timeout = if timeout.is_zero() { DEFAULT_TIMEOUT } else { timeout };
    match check {
        ProbeCheck::Exec(exec) => {
            let spawner = context.spawner.as_ref();
            check_exec(exec, timeout, spawner, context.working_dir.as_deref(), &context.env).await
        }
        ProbeCheck::HttpGet(http) => check_http(http, timeout).await,
    }
}

/// A change of a probe's state, with the check that caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeUpdate {
    /// The new state.
    pub state: ProbeState,
    /// The last check (for `Failing`, its failure explains why).
    pub last: ProbeResult,
    /// Checks run so far.
    pub checks: u64,
}

/// Runs a probe periodically and reports its state changes.
#[derive(Debug, Clone)]
pub struct ProbeRunner {
    probe: Probe,
    context: ProbeContext,
    quick_start: bool,
}

impl ProbeRunner {
    /// A runner for `probe`; exec checks start processes through `context`.
    pub fn new(probe: Probe, context: ProbeContext) -> Self {
        ProbeRunner { probe, context, quick_start: false }
    }

    /// Adds quick checks until the first success (readiness probes; see [`super::schedule`]): a server that is up
    /// soon after its start is seen then, not a whole period later; failures still count on the period only.
    pub fn quick_start(mut self, quick: bool) -> Self {
        self.quick_start = quick;
        self
    }

    /// Runs the probe forever (first check after `initial_delay`, then every `period`, plus the quick checks of
    /// [`ProbeRunner::quick_start`]), calling `on_update` at every state change. Stop it by dropping the future (a
    /// check in progress is abandoned and its process group killed).
    pub async fn run(self, mut on_update: impl FnMut(ProbeUpdate)) {
        let mut thresholds = Thresholds::of(&self.probe);
        let period = self.probe.period.max(MIN_PERIOD);
        let mut schedule = Schedule::new(Instant::now(), self.probe.initial_delay, period, self.quick_start);
        let mut checks = 0;
        loop {
            let next = schedule.next();
            tokio::time::sleep_until(next.at).await;
            let started = Instant::now();
            let result = check(&self.probe.check, self.probe.timeout, &self.context).await;
            let success = result.is_success();
            schedule.checked(next, started, Instant::now());
            // A quick check's failure is not a check as far as the thresholds go.
            if !success && !next.failure_counts {
                continue;
            }
            checks += 1;
            if let Some(state) = thresholds.record(success) {
                if state == ProbeState::Passing {
                    schedule.passed();
                }
                on_update(ProbeUpdate { state, last: result, checks });
            }
        }
    }

    /// Runs the probe on its own tokio task, sending `wrap(update)` to `tx` at every state change. The task
    /// ends when the returned handle is dropped or `tx`'s receiver is gone.
    pub fn spawn<T, F>(self, tx: mpsc::UnboundedSender<T>, wrap: F) -> ProbeTask
    where
        T: Send + 'static,
        F: Fn(ProbeUpdate) -> T + Send + 'static,
    {
        let task = tokio::spawn(async move {
            let closed_tx = tx.clone();
            tokio::select! {
                () = self.run(move |update| { let _ = tx.send(wrap(update)); }) => {}
                () = closed_tx.closed() => {}
            }
        });
        ProbeTask { task }
    }
}

/// A probe running on its own task; dropping it stops the probe.
#[derive(Debug)]
pub struct ProbeTask {
    task: tokio::task::JoinHandle<()>,
}

impl ProbeTask {
    /// Whether the probe's task has ended (its receiver is gone).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Stops the probe (same as dropping the handle).
    pub fn stop(self) {}
}

impl Drop for ProbeTask {
    fn drop(&mut self) {
        self.task.abort();
    }
}
