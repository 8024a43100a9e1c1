//! `up`: starts one task per process, watches for the end (every process final, an exit-on-failure / exit-on-end
//! / exit-on-skipped, a signal or a shutdown request), shuts down in reverse dependency order and reports.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use svc_core::{RestartPolicy, ValidProject};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, watch};

use crate::control::Controller;
use crate::logs::{ColorChoice, LogConfig, Logs, Output as LogOutput};
use crate::state::State;
use crate::supervise::{Control, Dep, RunContext, Status, supervise};
use crate::sys::{self, ExitStatus};

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
    /// off when embedding in a program that handles signals itself, and use [`UpOptions::shutdown`].
    pub handle_signals: bool,
    /// A handle to request a shutdown from outside (tests, embedding programs).
    pub shutdown: Option<ShutdownHandle>,
    /// A handle to watch the processes and stop or restart one of them.
    pub controller: Option<Controller>,
}

impl Default for UpOptions {
    fn default() -> Self {
        UpOptions {
            color: ColorChoice::Auto,
            output: LogOutput::Stdout,
            log_file: None,
            summary: true,
            handle_signals: true,
            shutdown: None,
            controller: None,
        }
    }
}

/// Requests a shutdown of a running [`up`]: the first request stops gracefully, [`ShutdownHandle::kill`] kills
/// everything at once. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ShutdownHandle {
    tx: Arc<watch::Sender<u8>>,
}

impl Default for ShutdownHandle {
    fn default() -> Self {
        Self::new()
    }
}

impl ShutdownHandle {
    /// A new handle; pass a clone in [`UpOptions::shutdown`].
    pub fn new() -> Self {
        ShutdownHandle { tx: Arc::new(watch::channel(0).0) }
    }

    /// Shuts the project down gracefully, in reverse dependency order.
    pub fn shutdown(&self) {
        self.tx.send_modify(|level| *level = (*level).max(1));
    }

    /// Kills every process group at once.
    pub fn kill(&self) {
        self.tx.send_modify(|level| *level = 2);
    }
}

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

/// The result of [`up`].
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
    /// A process with an exit rule ended: its code.
    Exit(String, i32),
    /// A signal or a shutdown request.
    Requested,
}

/// Runs `project` until it is done and returns how every process ended. When it returns, nothing it started is
/// alive: every process group it created is killed, and so is every descendant that escaped its group (found by
/// the `SVC_PROCESS_TAG` environment variable it inherited).
///
/// It is done when every process is final (completed, failed, skipped, stopped, disabled), when a process with
/// `restart: exit_on_failure` fails, one with `exit_on_end` ends, or one with `exit_on_skipped` is skipped (these
/// three shut the project down), or on SIGINT/SIGTERM/SIGHUP (with [`UpOptions::handle_signals`]) or a
/// [`ShutdownHandle`] request. A shutdown stops dependents before their dependencies; a second SIGINT (or
/// [`ShutdownHandle::kill`]) kills everything at once.
///
/// [`Outcome::exit_code`]: the exit code of the process that triggered an exit rule (128 + the signal if it was
/// killed, 1 if it could not start; 1 for `exit_on_skipped`); otherwise 0, also after a signal: stopping on
/// request is not a failure, and processes that failed are listed in the summary.
pub async fn up(project: ValidProject, options: UpOptions) -> Result<Outcome, RuntimeError> {
    // Adopted orphans are swept while this lives (also if this future is dropped half-way).
    let _sweeping = sys::RunGuard::new();
    let project = Arc::new(project);
    let names: Vec<String> = project.processes().keys().cloned().collect();
    let mut config = LogConfig::from_project(&project).color(options.color);
    config.project_log = options.log_file.clone();
    let (logs, writer) = Logs::start(config, options.output).map_err(|e| RuntimeError::Setup(e.to_string()))?;
    let (changed, mut changes) = watch::channel(0u64);
    let ctx = Arc::new(RunContext {
        run: sys::next_run_id(),
        project: project.clone(),
        logs,
        changed,
        groups: std::sync::Mutex::new(Vec::new()),
    });

    let mut cancelled = CancelGuard { ctx: ctx.clone(), armed: true };

    let mut signals = if options.handle_signals {
        let make = |kind| signal(kind).map_err(|e| RuntimeError::Setup(format!("cannot handle signals: {e}")));
        Some((make(SignalKind::interrupt())?, make(SignalKind::terminate())?, make(SignalKind::hangup())?))
    } else {
        None
    };
    let mut external = options.shutdown.as_ref().map(|h| h.tx.subscribe());

    // Start one task per process.
    let mut statuses: HashMap<String, watch::Receiver<Status>> = HashMap::new();
    let mut senders = Vec::new();
    for name in &names {
        let (tx, rx) = watch::channel(Status::default());
        statuses.insert(name.clone(), rx);
        senders.push(tx);
    }
    let mut controls: HashMap<String, mpsc::UnboundedSender<Control>> = HashMap::new();
    let mut tasks = tokio::task::JoinSet::new();
    for (name, status_tx) in names.iter().zip(senders) {
        let process = &project.processes()[name];
        let deps = process
            .depends_on
            .iter()
            .filter_map(|(dep, d)| {
                statuses.get(dep).map(|s| Dep { name: dep.clone(), condition: d.condition, status: s.clone() })
            })
            .collect();
        let (tx, rx) = mpsc::unbounded_channel();
        controls.insert(name.clone(), tx);
        tasks.spawn(supervise(name.clone(), ctx.clone(), deps, rx, status_tx));
    }

    if let Some(controller) = &options.controller {
        controller.attach(names.clone(), &controls, &statuses, ctx.changed.subscribe());
    }

    // Watch until the project is done or must shut down.
    let mut reported: Vec<bool> = vec![false; names.len()];
    let mut reason = None;
    let mut kill = false;
    loop {
        if let Some(found) = check_exit_rules(&project, &names, &statuses, &mut reported) {
            reason = Some(found);
            break;
        }
        if names.iter().all(|n| statuses[n].borrow().state.is_final()) {
            break;
        }
        tokio::select! {
            _ = changes.changed() => {}
            level = external_request(&mut external) => {
                kill = level >= 2;
                if !kill {
                    ctx.logs.status("shutdown requested: stopping every process, dependents first");
                }
                reason = Some(Reason::Requested);
                break;
            }
            signal = any_signal(&mut signals) => {
                ctx.logs.status(format!(
                    "{} received: stopping every process, dependents first (Ctrl-C again kills everything at once)",
                    sys::signal_name(signal)
                ));
                reason = Some(Reason::Requested);
                break;
            }
        }
    }
    if let Some(Reason::Exit(name, code)) = &reason {
        ctx.logs.status(format!("{name}: shutting the project down; up will exit with {code}"));
    }

    if reason.is_some() {
        if let Some(controller) = &options.controller {
            controller.close();
        }
        if kill {
            ctx.logs.status("killing every process group now (SIGKILL)");
            for control in controls.values() {
                let _ = control.send(Control::Kill);
            }
        }
        shut_down(&project, &names, &statuses, &controls, &mut signals, &mut external, &mut changes, &ctx.logs).await;
    }

    // Every process is final: end the tasks (they kill anything left of their process).
    drop(controls);
    while tasks.join_next().await.is_some() {}
    let groups: Vec<i32> = ctx.groups.lock().map(|g| g.clone()).unwrap_or_default();
    let run = ctx.run;
    let cleanup = tokio::task::spawn_blocking(move || {
        // Background jobs a process left in its group, and descendants that left their group.
        let killed: Vec<i32> = groups.into_iter().filter(|pgid| sys::signal_group(*pgid, libc::SIGKILL)).collect();
        // Zombies among them are reaped by the supervisor thread (they are reparented to this subreaper).
        let mut gone = sys::wait_gone(killed.clone(), Vec::new(), CLEANUP_TIMEOUT);
        let escaped = sys::kill_escaped(run);
        gone &= sys::wait_gone(Vec::new(), escaped, CLEANUP_TIMEOUT);
        for pgid in killed {
            sys::forget_group(pgid);
        }
        gone
    });
    let cleanup = cleanup.await;
    cancelled.armed = false;
    if let Ok(false) = cleanup {
        ctx.logs.status(format!(
            "some processes did not die within {}s of SIGKILL (uninterruptible sleep?)",
            CLEANUP_TIMEOUT.as_secs()
        ));
    }

    let processes: Vec<ProcessReport> = names
        .iter()
        .map(|name| {
            let status = statuses[name].borrow().clone();
            ProcessReport {
                name: name.clone(),
                exit: status.state.exit().or(status.last_exit),
                restarts: status.restarts,
                succeeded: status.succeeded,
                state: status.state,
            }
        })
        .collect();
    let exit_code = match reason {
        Some(Reason::Exit(_, code)) => code,
        Some(Reason::Requested) | None => 0,
    };
    if options.summary {
        for report in &processes {
            if let Some(line) = summary_line(report) {
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
            sys::signal_group(pgid, libc::SIGKILL);
        }
        sys::kill_tagged(self.ctx.run, None);
    }
}

/// The summary line of a process that did not succeed; `None` for one that did (or was stopped on request).
fn summary_line(report: &ProcessReport) -> Option<String> {
    let restarts = match report.restarts {
        0 => String::new(),
        1 => ", 1 restart".into(),
        n => format!(", {n} restarts"),
    };
    match &report.state {
        State::Completed { exit } if !report.succeeded => Some(format!("summary: failed with {exit}{restarts}")),
        State::Failed { reason, exit } => {
            let how = exit.map(|e| format!(", {e}")).unwrap_or_default();
            Some(format!("summary: failed: {reason}{how}{restarts}"))
        }
        State::Skipped { why } => Some(format!("summary: skipped: {why}")),
        _ => None,
    }
}

/// Checks the exit rules of processes that became final since the last check.
fn check_exit_rules(
    project: &ValidProject,
    names: &[String],
    statuses: &HashMap<String, watch::Receiver<Status>>,
    reported: &mut [bool],
) -> Option<Reason> {
    for (i, name) in names.iter().enumerate() {
        if reported[i] {
            continue;
        }
        if !statuses[name].borrow().state.is_final() {
            continue;
        }
        let status = statuses[name].borrow().clone();
        reported[i] = true;
        let availability = &project.processes()[name].availability;
        let code = match &status.state {
            State::Completed { exit } => Some(exit.shell_code()),
            State::Failed { exit, .. } => Some(exit.map_or(1, |e| e.shell_code()).max(1)),
            _ => None,
        };
        let failed = !status.succeeded && code.is_some();
        match code {
            Some(code) if failed && availability.restart == RestartPolicy::ExitOnFailure => {
                return Some(Reason::Exit(name.clone(), code));
            }
            Some(code) if availability.exit_on_end => return Some(Reason::Exit(name.clone(), code)),
            _ => {}
        }
        if matches!(status.state, State::Skipped { .. }) && availability.exit_on_skipped {
            return Some(Reason::Exit(name.clone(), 1));
        }
    }
    None
}

async fn external_request(external: &mut Option<watch::Receiver<u8>>) -> u8 {
    match external {
        Some(rx) => loop {
            let level = *rx.borrow_and_update();
            if level > 0 {
                return level;
            }
            if rx.changed().await.is_err() {
                return std::future::pending().await;
            }
        },
        None => std::future::pending().await,
    }
}

type Signals = (tokio::signal::unix::Signal, tokio::signal::unix::Signal, tokio::signal::unix::Signal);

/// Resolves with the signal number when SIGINT, SIGTERM or SIGHUP arrives.
async fn any_signal(signals: &mut Option<Signals>) -> i32 {
    match signals {
        Some((int, term, hup)) => tokio::select! {
            _ = int.recv() => libc::SIGINT,
            _ = term.recv() => libc::SIGTERM,
            _ = hup.recv() => libc::SIGHUP,
        },
        None => std::future::pending().await,
    }
}

/// Stops every process after its dependents (reverse dependency order; independent branches in parallel).
/// A second signal or a kill request sends SIGKILL to everything.
#[allow(clippy::too_many_arguments)]
async fn shut_down(
    project: &ValidProject,
    names: &[String],
    statuses: &HashMap<String, watch::Receiver<Status>>,
    controls: &HashMap<String, mpsc::UnboundedSender<Control>>,
    signals: &mut Option<Signals>,
    external: &mut Option<watch::Receiver<u8>>,
    changes: &mut watch::Receiver<u64>,
    logs: &Logs,
) {
    let dependents: Vec<Vec<&str>> = names.iter().map(|name| project.dependents(name)).collect();
    let mut stop_sent = vec![false; names.len()];
    let mut killed = false;
    let mut kill_sent = false;
    loop {
        let mut all_final = true;
        for (i, name) in names.iter().enumerate() {
            if statuses[name].borrow().state.is_final() {
                continue;
            }
            all_final = false;
            if stop_sent[i] {
                continue;
            }
            let dependents_done =
                dependents[i].iter().all(|d| statuses.get(*d).is_none_or(|s| s.borrow().state.is_final()));
            if dependents_done {
                stop_sent[i] = true;
                if let Some(control) = controls.get(name) {
                    let _ = control.send(Control::Stop);
                }
            }
        }
        if all_final {
            break;
        }
        tokio::select! {
            _ = changes.changed() => {}
            level = external_level_above(external, 1), if !killed => {
                let _ = level;
                killed = true;
            }
            signal = any_signal(signals), if !killed => {
                // A second Ctrl-C kills at once; SIGTERM/SIGHUP during the shutdown change nothing.
                killed = signal == libc::SIGINT;
            }
        }
        if killed && !kill_sent {
            kill_sent = true;
            logs.status("killing every process group now (SIGKILL)");
            for control in controls.values() {
                let _ = control.send(Control::Kill);
            }
            // Also stop dependencies that were still waiting for their dependents.
            stop_sent.iter_mut().for_each(|s| *s = true);
        }
    }
}

/// Resolves when the external handle's level goes above `level`.
async fn external_level_above(external: &mut Option<watch::Receiver<u8>>, level: u8) -> u8 {
    match external {
        Some(rx) => loop {
            let current = *rx.borrow_and_update();
            if current > level {
                return current;
            }
            if rx.changed().await.is_err() {
                return std::future::pending().await;
            }
        },
        None => std::future::pending().await,
    }
}
