//! A run of a project: [`up`] starts one task per process, watches for the end (every process final, an exit
//! rule, a signal or a shutdown request), shuts down in reverse dependency order, and reports.
//!
//! Files: `handle` ([`RunHandle`] and the per-process handles), `requests` (signals and handle requests),
//! `exit_rules` and `shutdown` (pure rules and plan, with the plan's driver), `report` ([`Outcome`]), `watches`
//! (file watches: pure rules, and the driver that turns changes into restarts).

mod changes;
mod exit_rules;
mod handle;
mod report;
mod requests;
mod shutdown;
mod watches;

use std::path::PathBuf;
use std::sync::Arc;

use svc_core::ValidProject;
use tokio::sync::{mpsc, watch};

use self::changes::Changes;
use self::exit_rules::{ExitRuleFired, ExitRules};
use self::handle::{ProcessHandle, Requested};
use self::requests::{StopRequest, StopRequests};
use self::shutdown::{ShutdownPlan, kill_all};
use crate::child::signal::{self, SIGKILL};
use crate::logs::{ColorChoice, LogConfig, Logs, Output as LogOutput};
use crate::os;
use crate::process::Status;
use crate::process::task::{Dep, RunContext, supervise};

pub use handle::{ControlError, RunHandle};
pub use report::{Outcome, ProcessReport};

/// How long `up` waits, at its end, for killed leftovers to be gone.
const CLEANUP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Options of [`up`].
#[derive(Debug)]
pub struct UpOptions {
    /// When to colour the output.
    pub color: ColorChoice,
    /// Where the prefixed lines go (the supervisor's stdout by default).
    pub output: LogOutput,
    /// A file that receives every line of every process (and the supervisor's status lines).
    pub log_file: Option<PathBuf>,
    /// Print a one-line summary per process that did not succeed when `up` ends.
    pub summary: bool,
    /// Handle SIGINT, SIGTERM and SIGHUP (shut down gracefully; a second SIGINT kills everything at once). Turn
    /// off when embedding in a program that handles signals itself, and use [`UpOptions::handle`].
    pub handle_signals: bool,
    /// A handle to watch the processes, stop or restart one of them, or shut the project down from outside
    /// (tests, embedding programs).
    pub handle: Option<RunHandle>,
}

impl Default for UpOptions {
    fn default() -> Self {
        UpOptions {
            color: ColorChoice::Auto,
            output: LogOutput::Stdout,
            log_file: None,
            summary: true,
            handle_signals: true,
            handle: None,
        }
    }
}

/// Why `up` could not run at all.
#[derive(Debug)]
pub enum RuntimeError {
    /// A system resource could not be set up (the supervisor thread, the watchdog, signal handlers).
    Setup(String),
}

impl std::fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RuntimeError::Setup(message) => write!(f, "cannot start the supervisor: {message}"),
        }
    }
}

impl std::error::Error for RuntimeError {}

/// Why the project is being shut down.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reason {
    /// A process with an exit rule ended.
    ExitRule(ExitRuleFired),
    /// A signal or a shutdown request; `kill`: kill everything at once.
    Requested {
        /// Kill everything at once instead of stopping in order.
        kill: bool,
    },
}

/// Runs `project` until it is done and returns how every process ended. When it returns, nothing it started is
/// alive: every process group it created is killed, and so is every descendant that escaped its group (found by
/// the `SVC_PROCESS_TAG` environment variable it inherited).
///
/// It is done when every process is final (completed, failed, skipped, stopped, disabled; a scheduled process
/// waiting for its next run is not, and neither is a watched one that ended by itself: a change starts it again),
/// when a process with
/// `restart: exit_on_failure` fails, one with `exit_on_end` ends, or one with `exit_on_skipped` is skipped (these
/// three shut the project down), or on SIGINT/SIGTERM/SIGHUP (with [`UpOptions::handle_signals`]) or a
/// [`RunHandle::shutdown`]. A shutdown stops dependents before their dependencies; a second SIGINT (or
/// [`RunHandle::kill`]) kills everything at once.
///
/// [`Outcome::exit_code`]: the exit code of the process that triggered an exit rule (128 + the signal if it was
/// killed, 1 if it could not start; 1 for `exit_on_skipped`; 0 for an `exit_on_end` process that succeeded,
/// also with one of its `success_exit_codes`); otherwise 0, also after a signal: stopping on request is not a
/// failure, and processes that failed are listed in the summary.
pub async fn up(project: ValidProject, options: UpOptions) -> Result<Outcome, RuntimeError> {
    // Adopted orphans are swept while this lives (also if this future is dropped half-way).
    let _sweeping = os::RunGuard::new();
    let project = Arc::new(project);
    let mut config = LogConfig::from_project(&project).color(options.color);
    config.project_log = options.log_file.clone();
    let (logs, writer) = Logs::start(config, options.output).map_err(|e| RuntimeError::Setup(e.to_string()))?;
    let changed = watch::channel(0u64).0;
    let (changed_index, changed_rx) = mpsc::unbounded_channel();
    let ctx = Arc::new(RunContext {
        run: os::next_run_id(),
        project: project.clone(),
        logs,
        changed,
        changed_index,
        groups: std::sync::Mutex::new(Vec::new()),
        spawner: Arc::new(os::OsSpawner),
    });
    let mut cancelled = CancelGuard { ctx: ctx.clone(), armed: true };
    let mut requests = StopRequests::new(options.handle_signals, options.handle.as_ref())?;

    // Watches are set up before the processes start; a change before a process started is ignored by it.
    let watches = watches::Watches::start(&project, options.log_file.as_deref(), &ctx.logs);
    let mut tasks = tokio::task::JoinSet::new();
    let processes = start_tasks(&ctx, &mut tasks, &watches);
    if let Some(handle) = &options.handle {
        handle.attach(&processes, ctx.changed.subscribe());
    }
    let watching = watches.spawn(project.clone(), &processes, ctx.logs.clone());

    let mut changes = Changes::new(changed_rx, &processes, is_done);
    let reason = watch_until_done(&project, &processes, &mut requests, &mut changes, &ctx.logs).await;
    // No restart by a file change from now on (a stopping process may write to watched files).
    if let Some(watching) = watching {
        watching.abort();
        let _ = watching.await;
    }
    if let Some(reason) = &reason {
        if let Reason::ExitRule(fired) = reason {
            ctx.logs.status(format!("{}: shutting the project down; up will exit with {}", fired.name, fired.code));
        }
        if let Some(handle) = &options.handle {
            handle.close();
        }
        let mut plan = ShutdownPlan::of(&project);
        if let Reason::Requested { kill: true } = reason {
            ctx.logs.status("killing every process group now (SIGKILL)");
            kill_all(&processes);
            plan.abandon();
        }
        shutdown::drive(plan, &processes, &mut requests, &mut changes, &ctx.logs).await;
    }

    // Every process is final: end the tasks (they kill anything left of their process).
    let statuses: Vec<watch::Receiver<Status>> = processes.into_iter().map(|p| p.status).collect();
    while tasks.join_next().await.is_some() {}
    let cleanup = clean_up(&ctx).await;
    cancelled.armed = false;
    if let Ok(false) = cleanup {
        ctx.logs.status(format!(
            "some processes did not die within {}s of SIGKILL (uninterruptible sleep?)",
            CLEANUP_TIMEOUT.as_secs()
        ));
    }

    let processes: Vec<ProcessReport> = project
        .processes()
        .keys()
        .zip(&statuses)
        .map(|(name, status)| ProcessReport::new(name, status.borrow().clone()))
        .collect();
    let exit_code = match reason {
        Some(Reason::ExitRule(fired)) => fired.code,
        Some(Reason::Requested { .. }) | None => 0,
    };
    if options.summary {
        for report in &processes {
            if let Some(line) = report.summary_line() {
                ctx.logs.status(format!("{}: {line}", report.name));
            }
        }
    }
    drop(ctx);
    if let Err(e) = writer.shutdown().await {
        eprintln!("svc: {e}");
    }
    Ok(Outcome { exit_code, processes })
}

/// Runs [`up`] on a runtime of its own and returns the exit code for a program's `main`: the outcome's code, or 1
/// (with the reason on stderr) if the runtime or the supervisor could not start. What command lines call.
pub fn up_blocking(project: ValidProject, options: UpOptions) -> std::process::ExitCode {
    use std::process::ExitCode;
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let outcome = runtime.block_on(up(project, options));
    // Do not wait for tasks blocked on the outside world: everything `up` started is already gone.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match outcome {
        Ok(outcome) => ExitCode::from(u8::try_from(outcome.exit_code.clamp(0, 255)).unwrap_or(1)),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Starts one task per process, in definition order; each gets the status receivers of its dependencies.
fn start_tasks(
    ctx: &Arc<RunContext>,
    tasks: &mut tokio::task::JoinSet<()>,
    watches: &watches::Watches,
) -> Vec<ProcessHandle> {
    let project = &ctx.project;
    let (senders, receivers): (Vec<_>, Vec<_>) =
        project.processes().keys().map(|_| watch::channel(Status::default())).unzip();
    let mut processes = Vec::with_capacity(senders.len());
    for ((name, process), status_tx) in project.processes().iter().zip(senders) {
        let deps = process
            .depends_on
            .iter()
            .filter_map(|(dep, d)| {
                let status = receivers.get(project.processes().get_index_of(dep)?)?.clone();
                Some(Dep { name: dep.clone(), condition: d.condition, status })
            })
            .collect();
        let (control, rx) = mpsc::unbounded_channel();
        let status = status_tx.subscribe();
        tasks.spawn(supervise(name.clone(), ctx.clone(), deps, rx, status_tx));
        processes.push(ProcessHandle { name: name.clone(), control, status, watched: watches.is_armed(name) });
    }
    processes
}

/// Watches the processes until every one is final (`None`) or the project must shut down (the reason).
async fn watch_until_done(
    project: &ValidProject,
    processes: &[ProcessHandle],
    requests: &mut StopRequests,
    changes: &mut Changes,
    logs: &Logs,
) -> Option<Reason> {
    let mut rules = ExitRules::of(project);
    // Those final before the first change (disabled ones) are judged once here; then each change is judged alone.
    for (index, process) in processes.iter().enumerate() {
        if let Some(fired) = rules.observe(index, &process.name, &process.status.borrow()) {
            return Some(Reason::ExitRule(fired));
        }
    }
    loop {
        if changes.all_done() {
            return None;
        }
        tokio::select! {
            index = changes.next(processes) => {
                let process = &processes[index];
                if let Some(fired) = rules.observe(index, &process.name, &process.status.borrow()) {
                    return Some(Reason::ExitRule(fired));
                }
            }
            request = requests.next(Requested::Nothing) => {
                match request {
                    StopRequest::Signal(number) => logs.status(format!(
                        "{} received: stopping every process, dependents first (Ctrl-C again kills everything at once)",
                        signal::name(number)
                    )),
                    StopRequest::Shutdown => logs.status("shutdown requested: stopping every process, dependents first"),
                    StopRequest::Kill => {}
                }
                return Some(Reason::Requested { kill: request == StopRequest::Kill });
            }
        }
    }
}

/// Whether `process` is done as far as the end of the run goes: final, and not a watched process that a change
/// can start again (see [`watches::keeps_project_up`]).
fn is_done(process: &ProcessHandle) -> bool {
    let status = process.status.borrow();
    status.state.is_final() && !watches::keeps_project_up(process.watched, &status.state)
}

/// Kills what is left of the run's process groups and the descendants that escaped them, and waits for them to
/// be gone; `Ok(false)` if some did not die in time.
async fn clean_up(ctx: &RunContext) -> Result<bool, tokio::task::JoinError> {
    let groups: Vec<i32> = ctx.groups.lock().map(|g| g.clone()).unwrap_or_default();
    let run = ctx.run;
    tokio::task::spawn_blocking(move || {
        // Background jobs a process left in its group, and descendants that left their group.
        let killed: Vec<i32> = groups.into_iter().filter(|pgid| os::signal_group(*pgid, SIGKILL)).collect();
        // Zombies among them are reaped by the supervisor thread (they are reparented to this subreaper).
        let mut gone = os::wait_gone(killed.clone(), Vec::new(), CLEANUP_TIMEOUT);
        let escaped = os::kill_escaped(run);
        gone &= os::wait_gone(Vec::new(), escaped, CLEANUP_TIMEOUT);
        for pgid in killed {
            os::forget_group(pgid);
        }
        gone
    })
    .await
}

/// Kills everything a run started if `up`'s future is dropped before it finished (the embedding program gave up
/// on it): the process tasks are aborted with the runtime's task set and cannot stop their processes themselves.
struct CancelGuard {
    ctx: Arc<RunContext>,
    armed: bool,
}

impl Drop for CancelGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let groups: Vec<i32> = self.ctx.groups.lock().map(|g| g.clone()).unwrap_or_default();
        for pgid in groups {
            os::signal_group(pgid, SIGKILL);
        }
        os::kill_tagged(self.ctx.run, None);
    }
}
