//! One task per process: owns the process's [`Machine`], turns what happens (child exit, probe result, ready
//! line, control command, backoff timer, dependency change) into events, and carries out the actions the machine
//! returns with system calls. Everything a process does is in this one task, so its state never races.

use std::sync::Arc;
use std::time::Duration;

use svc_core::{Condition, Process};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::child::signal::{self, SIGKILL};
use crate::child::{ExitStatus, SpawnSpec, Spawner, TAG_VAR, tag};
use crate::deadline::sleep_until;
use crate::logs::{LineWatcher, Logs, Stream, pipe_reader, tty_reader};
use crate::probe::{ProbeContext, ProbeRunner, ProbeState, ProbeTask, ProbeUpdate};
use crate::process::deps::{Verdict, evaluate};
use crate::process::machine::{Action, Event, Machine, ProbeKind, Rules, State};
use crate::process::{Control, Status};
use daemon::LaunchedDaemon;

/// After a process ended, how long its output may still be drained before its end is reported (an orphan that
/// keeps the pipe open cannot hold the process's state hostage; the reader goes on in the background).
const DRAIN_DEADLINE: Duration = Duration::from_secs(1);

/// After a stopped process's group is gone, how long its output may take to reach end of file before the
/// supervisor looks for escaped descendants holding the pipe.
const ESCAPE_CHECK: Duration = Duration::from_millis(150);

/// After `SIGKILL`, how long to wait for the kernel to report the death before giving up on the process (it can
/// only take that long in uninterruptible sleep, e.g. on a dead NFS mount).
const KILL_GRACE: Duration = Duration::from_secs(5);

/// What every process task of one run shares.
pub(crate) struct RunContext {
    /// Run id, for the process tags.
    pub run: u64,
    /// The project.
    pub project: Arc<svc_core::ValidProject>,
    /// The log pipeline (one writer for every line, status lines included).
    pub logs: Logs,
    /// Bumped whenever any process's status changes.
    pub changed: watch::Sender<u64>,
    /// The index of each process whose status changed, in order: the run looks at those only (with 1,000
    /// processes, scanning all of them at every change made start-up and shutdown quadratic).
    pub changed_index: mpsc::UnboundedSender<usize>,
    /// The process groups started in this run that may still have members (killed again when the run ends).
    /// A group is removed as soon as it is known to be empty, so that a reused id is never signalled.
    pub groups: std::sync::Mutex<Vec<i32>>,
    /// Starts and signals the processes (the OS; a fake in unit tests).
    pub spawner: Arc<dyn Spawner>,
}

impl RunContext {
    fn group_started(&self, pgid: i32) {
        if let Ok(mut groups) = self.groups.lock() {
            groups.push(pgid);
        }
    }

    /// Forgets group `pgid` if it is empty (its id may be reused from now on).
    fn group_maybe_done(&self, pgid: i32) {
        if !self.spawner.group_alive(pgid) {
            self.spawner.forget_group(pgid);
            if let Ok(mut groups) = self.groups.lock() {
                groups.retain(|g| *g != pgid);
            }
        }
    }

    fn bump(&self, index: usize) {
        let _ = self.changed_index.send(index);
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// A dependency as a process task sees it.
pub(crate) struct Dep {
    pub name: String,
    pub condition: Condition,
    pub status: watch::Receiver<Status>,
}

struct Incarnation {
    pid: i32,
    exit: oneshot::Receiver<ExitStatus>,
    started: Instant,
    readers: Vec<JoinHandle<()>>,
    /// Turns true when the ready line was printed (only with a `ready_log_line`).
    ready: Option<watch::Receiver<bool>>,
}

/// A running (or ended) shutdown command.
struct StopCommand {
    /// Its process group.
    pid: i32,
    /// Its exit, until it was received.
    exit: Option<oneshot::Receiver<ExitStatus>>,
}

struct Task {
    name: String,
    ctx: Arc<RunContext>,
    /// The process's index in the project (its definition, read from the project: not copied per task).
    index: usize,
    machine: Machine,
    status: watch::Sender<Status>,
    log_ready: bool,
    child: Option<Incarnation>,
    /// The shutdown command of the current stop.
    stop_command: Option<StopCommand>,
    /// Running probes; dropping one stops it.
    probes: Vec<(ProbeKind, ProbeTask)>,
    /// Probe updates, tagged with the incarnation they were about.
    /// (Only for a process with probes: an idle channel costs a block of slots, per process.)
    probe_tx: Option<mpsc::UnboundedSender<(u64, ProbeKind, ProbeUpdate)>>,
    /// Counts the spawns, so that a probe update about an earlier run (still queued) is ignored.
    generation: u64,
    backoff_at: Option<Instant>,
    kill_at: Option<Instant>,
    /// Readers of earlier incarnations still draining (an orphan holds their pipe).
    stragglers: Vec<JoinHandle<()>>,
    /// Set to true to make every reader of this process stop (flushing its last partial line).
    stop_readers: watch::Sender<bool>,
    /// How the last run ended, printed with what follows (a restart) once the machine decided.
    exit_line: Option<String>,
    /// The daemon a launcher left behind (`is_daemon`), while it is the process.
    daemon: Option<LaunchedDaemon>,
    /// When a daemon launcher still running is reported (its launch timeout).
    launch_deadline: Option<Instant>,
    /// The next tick of the process's schedule, while the schedule is active (not paused by a stop).
    tick: Option<schedule::NextTick>,
}

/// Runs process `name` until `control` is closed.
pub(crate) async fn supervise(
    name: String,
    ctx: Arc<RunContext>,
    deps: Vec<Dep>,
    mut control: mpsc::UnboundedReceiver<Control>,
    status: watch::Sender<Status>,
) {
    let Some((index, _, process)) = ctx.project.processes().get_full(&name) else { return };
    let has_probes = process.readiness_probe.is_some() || process.liveness_probe.is_some();
    let (probe_tx, mut probe_rx) = match has_probes {
        true => {
            let (tx, rx) = mpsc::unbounded_channel();
            (Some(tx), Some(rx))
        }
        false => (None, None),
    };
    let machine = Machine::new(Rules::of(process), process.disabled);
    let mut task = Task {
        name,
        ctx: ctx.clone(),
        index,
        machine,
        status,
        log_ready: false,
        child: None,
        stop_command: None,
        probes: Vec::new(),
        probe_tx,
        generation: 0,
        stop_readers: watch::channel(false).0,
        exit_line: None,
        backoff_at: None,
        kill_at: None,
        stragglers: Vec::new(),
        daemon: None,
        launch_deadline: None,
        tick: None,
    };
    task.publish();

    if !task.machine.is_final() && !Box::pin(task.await_dependencies(deps, &mut control)).await {
        // The control channel closed while waiting: the run is over.
        return;
    }

    // The rare, large steps (exit handling, a stop, the end) run boxed: the task's own future stays small while
    // it waits, which is almost all the time (it is kept per process: 1,000 processes, 1,000 of them).
    loop {
        let event = tokio::select! {
            // Requests first: those queued while a restart is under way coalesce with it instead of racing the
            // child's exit and restarting the new run.
            biased;
            command = control.recv() => match command {
                Some(Control::Stop) => Event::Stop,
                Some(Control::Restart) => Event::Restart,
                Some(Control::FilesChanged) => Event::FilesChanged,
                Some(Control::Kill) => {
                    Box::pin(task.kill_now()).await;
                    Event::Stop
                }
                None => break,
            },
            happened = child_event(&mut task.child) => match happened {
                ChildEvent::Exited(exit) => Box::pin(task.on_exit(exit)).await,
                ChildEvent::Ready => {
                    if let Some(child) = &mut task.child {
                        child.ready = None;
                    }
                    if !task.log_ready {
                        task.log_ready = true;
                        task.publish();
                    }
                    continue;
                }
            },
            Some((generation, kind, update)) = next_probe_update(&mut probe_rx) => match (kind, update.state) {
                _ if generation != task.generation => continue,
                // The readiness probe goes on after it passed, for the life of the process (as in
                // process-compose): a process that stops being ready is restarted per its policy.
                (ProbeKind::Readiness, ProbeState::Passing) => Event::ReadinessPassed,
                (ProbeKind::Liveness, ProbeState::Passing) => continue,
                (kind, ProbeState::Failing) => {
                    let which = match kind {
                        ProbeKind::Readiness if matches!(task.machine.state, State::Ready { .. }) => {
                            "no longer ready: readiness"
                        }
                        ProbeKind::Readiness => "readiness",
                        ProbeKind::Liveness => "liveness",
                    };
                    task.status_line(&format!("{which} probe failed: {}", update.last)).await;
                    Event::ProbeFailed(kind)
                }
            },
            _ = sleep_until(task.backoff_at) => {
                task.backoff_at = None;
                Event::BackoffElapsed
            }
            _ = sleep_until(task.kill_at) => {
                task.kill_at = None;
                Box::pin(task.escalate()).await;
                continue;
            }
            status = stop_command_exit(&mut task.stop_command) => {
                Box::pin(task.on_stop_command_exit(status)).await;
                continue;
            }
            _ = sleep_until(task.daemon.as_ref().and_then(|d| d.check_at)) => match Box::pin(task.check_daemon()).await {
                Some(event) => event,
                None => continue,
            },
            _ = sleep_until(task.launch_deadline) => {
                Box::pin(task.slow_launcher()).await;
                continue;
            }
            _ = sleep_until(task.tick.as_ref().map(|t| t.instant)) => match task.on_tick().await {
                Some(event) => event,
                None => continue,
            },
        };
        Box::pin(task.handle(event)).await;
    }
    Box::pin(task.finish()).await;
}

/// Resolves when the status of one of `deps` changes (only the dependencies wake a waiting process, not every
/// change in the project). A dependency whose task has ended never changes again.
async fn any_changed(deps: &mut [Dep]) {
    use std::future::Future;
    use std::task::Poll;
    let mut changes: Vec<_> = deps.iter_mut().map(|dep| Box::pin(dep.status.changed())).collect();
    std::future::poll_fn(|cx| {
        let mut any = false;
        for change in &mut changes {
            if let Poll::Ready(Ok(())) = change.as_mut().poll(cx) {
                any = true;
            }
        }
        if any { Poll::Ready(()) } else { Poll::Pending }
    })
    .await
}

/// The next probe update; never without probes.
async fn next_probe_update<T>(rx: &mut Option<mpsc::UnboundedReceiver<T>>) -> Option<T> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Resolves with the shutdown command's exit (`None` if it was not reaped, which never happens), once; never
/// without a running shutdown command.
async fn stop_command_exit(stop: &mut Option<StopCommand>) -> Option<ExitStatus> {
    let status = match stop {
        Some(StopCommand { exit: Some(exit), .. }) => exit.await.ok(),
        _ => return std::future::pending().await,
    };
    if let Some(stop) = stop {
        // Received: a oneshot receiver must not be polled again.
        stop.exit = None;
    }
    status
}

/// Something about the running child.
enum ChildEvent {
    /// It was reaped (`None` if the reaper dropped it, which it never does).
    Exited(Option<ExitStatus>),
    /// It printed its ready line.
    Ready,
}

/// Resolves when the child exits or prints its ready line; never if there is no child.
async fn child_event(child: &mut Option<Incarnation>) -> ChildEvent {
    let Some(child) = child else { return std::future::pending().await };
    let (exit, ready_rx) = (&mut child.exit, &mut child.ready);
    let ready = async move {
        if let Some(rx) = ready_rx
            && rx.wait_for(|seen| *seen).await.is_ok()
        {
            return;
        }
        // No ready line, or the output ended without it.
        std::future::pending::<()>().await
    };
    tokio::select! {
        exit = exit => ChildEvent::Exited(exit.ok()),
        () = ready => ChildEvent::Ready,
    }
}

impl Task {
    /// The process's definition.
    fn process(&self) -> &Process {
        &self.ctx.project.processes()[self.index]
    }

    fn publish(&self) {
        let m = &self.machine;
        let succeeded = match m.state {
            State::Completed { exit } | State::Scheduled { last: Some(exit) } => m.rules.is_success(exit),
            _ => false,
        };
        self.status.send_replace(Status {
            state: m.state.clone(),
            restarts: m.restarts,
            started: m.started,
            healthy: m.healthy,
            log_ready: self.log_ready,
            succeeded,
            last_exit: m.last_exit,
        });
        self.ctx.bump(self.index);
    }

    async fn status_line(&self, text: &str) {
        self.ctx.logs.status(format!("{}: {text}", self.name));
    }

    /// Copies one output stream of this process to the log pipeline until end of file or `stop_readers`.
    fn read_output(&self, fd: std::os::fd::OwnedFd, watcher: Option<Arc<LineWatcher>>) -> JoinHandle<()> {
        self.read_stream(fd, Stream::Stdout, watcher, false)
    }

    /// [`Task::read_output`], for a pipe or (`tty`) a terminal's master side.
    fn read_stream(
        &self,
        fd: std::os::fd::OwnedFd,
        kind: Stream,
        watcher: Option<Arc<LineWatcher>>,
        tty: bool,
    ) -> JoinHandle<()> {
        let logs = self.ctx.logs.clone();
        let name = self.name.clone();
        let mut stop = self.stop_readers.subscribe();
        tokio::spawn(async move {
            let stop = async move {
                let _ = stop.wait_for(|stop| *stop).await;
            };
            let read = if tty {
                match tty_reader(fd) {
                    Ok(reader) => logs.read_from(&name, kind, reader, watcher, stop).await,
                    Err(e) => return logs.status(format!("{name}: cannot read its terminal: {e}")),
                }
            } else {
                match pipe_reader(fd) {
                    Ok(reader) => logs.read_from(&name, kind, reader, watcher, stop).await,
                    Err(e) => return logs.status(format!("{name}: cannot read its output: {e}")),
                }
            };
            if let Err(e) = read {
                logs.status(format!("{name}: {e}"));
            }
        })
    }

    /// Waits until every dependency reaches its condition (then starts), one can never reach it (skipped), or a
    /// stop arrives. Returns false if the control channel closed.
    async fn await_dependencies(&mut self, mut deps: Vec<Dep>, control: &mut mpsc::UnboundedReceiver<Control>) -> bool {
        let since = Instant::now();
        let mut announced = false;
        loop {
            let mut waiting = Vec::new();
            let mut impossible = None;
            for dep in &deps {
                match evaluate(&dep.name, dep.condition, &dep.status.borrow()) {
                    Verdict::Met => {}
                    Verdict::Pending => waiting.push(dep),
                    Verdict::Impossible(why) => {
                        impossible = Some(format!("{why} (needs {})", dep.condition));
                        break;
                    }
                }
            }
            if let Some(why) = impossible {
                self.status_line(&format!("skipped: {why}")).await;
                self.handle(Event::DependencyImpossible(why)).await;
                return true;
            }
            if waiting.is_empty() {
                if announced {
                    let took = since.elapsed().as_secs_f64();
                    self.status_line(&format!("dependencies ready after {took:.2}s")).await;
                }
                self.handle(Event::DependenciesMet).await;
                return true;
            }
            if !announced {
                announced = true;
                let list: Vec<String> = waiting.iter().map(|d| format!("{} ({})", d.name, d.condition)).collect();
                self.status_line(&format!("waiting for {}", list.join(", "))).await;
            }
            // Keep the state's list current (one dependency after the other is satisfied).
            let names: Vec<String> = waiting.iter().map(|d| d.name.clone()).collect();
            if !matches!(&self.machine.state, State::Waiting { on } if *on == names) {
                self.handle(Event::WaitFor(names)).await;
            }
            tokio::select! {
                command = control.recv() => match command {
                    Some(Control::Stop | Control::Kill) => {
                        self.handle(Event::Stop).await;
                        return true;
                    }
                    Some(Control::Restart | Control::FilesChanged) => {}
                    None => return false,
                },
                () = any_changed(&mut deps) => {}
            }
        }
    }

    /// Applies `event` and every action that follows from it.
    async fn handle(&mut self, event: Event) {
        let mut queue = std::collections::VecDeque::from([event]);
        while let Some(event) = queue.pop_front() {
            for action in self.machine.step(event) {
                if let Some(next) = self.perform(action).await {
                    queue.push_back(next);
                }
            }
            if let Some(line) = self.exit_line.take() {
                self.status_line(&line).await;
            }
        }
        self.arm_schedule().await;
        self.publish();
    }

    async fn perform(&mut self, action: Action) -> Option<Event> {
        match action {
            Action::Spawn => Some(self.spawn().await),
            Action::StartProbes => {
                self.start_probes();
                None
            }
            Action::StopProbes => {
                self.probes.clear();
                None
            }
            Action::Terminate => {
                self.terminate().await;
                None
            }
            Action::ScheduleRestart(delay) => {
                // A zero delay restarts at once: through the timer it would wait for the next 1 ms wheel tick,
                // halving the restart rate (bench/ANALYSIS.md, cause 3).
                let at_once = delay.is_zero();
                self.backoff_at = (!at_once).then(|| Instant::now() + delay);
                let next = self.machine.restarts + 1;
                let restarting = format!("restarting in {} (restart {next})", human(delay));
                match self.exit_line.take() {
                    // One line per restart: "exited with code 1 after 2ms; restarting in 100ms (restart 3)".
                    Some(exit) => self.exit_line = Some(format!("{exit}; {restarting}")),
                    None => self.status_line(&restarting).await,
                }
                at_once.then_some(Event::BackoffElapsed)
            }
            Action::CancelTimer => {
                self.backoff_at = None;
                None
            }
        }
    }

    fn environment(&self) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = self.ctx.project.process_environment(&self.name).into_iter().collect();
        env.push((TAG_VAR.into(), tag(self.ctx.run, &self.name)));
        env
    }

    async fn spawn(&mut self) -> Event {
        let spec = SpawnSpec {
            argv: self.process().command.argv(),
            env: self.environment(),
            working_dir: self.process().working_dir.clone(),
            capture_output: true,
            tty: self.process().is_tty,
        };
        match self.ctx.spawner.spawn(spec).await {
            Ok(child) => {
                let pid = child.pid;
                self.generation += 1;
                self.ctx.group_started(pid);
                let (watcher, ready) = match &self.process().ready_log_line {
                    Some(line) => {
                        let (watcher, ready) = LineWatcher::new(line);
                        (Some(watcher), Some(ready))
                    }
                    None => (None, None),
                };
                let tty = self.process().is_tty;
                let readers = [(child.stdout, Stream::Stdout), (child.stderr, Stream::Stderr)]
                    .into_iter()
                    .filter_map(|(fd, kind)| Some(self.read_stream(fd?, kind, watcher.clone(), tty)))
                    .collect();
                self.child = Some(Incarnation { pid, exit: child.exit, started: Instant::now(), readers, ready });
                self.launch_deadline = self.process().daemon.as_ref().map(|d| Instant::now() + d.launch_timeout);
                Event::Spawned(pid)
            }
            Err(e) => {
                self.status_line(&format!("failed to start: {e}")).await;
                Event::SpawnFailed(e.to_string())
            }
        }
    }

    fn start_probes(&mut self) {
        let mut context = ProbeContext::new(self.ctx.spawner.clone()).env(self.environment());
        let ctx = self.ctx.clone();
        let process = &ctx.project.processes()[self.index];
        context.working_dir = process.working_dir.clone();
        let probes = [(ProbeKind::Readiness, &process.readiness_probe), (ProbeKind::Liveness, &process.liveness_probe)];
        for (kind, probe) in probes {
            if let Some(probe) = probe {
                let runner = ProbeRunner::new(probe.clone(), context.clone()).quick_start(kind == ProbeKind::Readiness);
                let generation = self.generation;
                let Some(tx) = self.probe_tx.clone() else { continue };
                let task = runner.spawn(tx, move |update| (generation, kind, update));
                self.probes.push((kind, task));
            }
        }
    }

    /// Starts the stop sequence: the shutdown command, or the signal to the group; SIGKILL at the deadline. A
    /// launched daemon gets the same, and its stop ends once nothing of it is left.
    async fn terminate(&mut self) {
        let pid = match (&self.child, &self.daemon) {
            (Some(child), _) => child.pid,
            (None, Some(daemon)) => daemon.pgid,
            (None, None) => return,
        };
        let shutdown = self.process().shutdown.clone();
        self.kill_at = Some(Instant::now() + shutdown.timeout);
        if self.child.is_none() {
            self.watch_daemon_stop();
        }
        match &shutdown.command {
            Some(command) => {
                let spec = SpawnSpec {
                    argv: command.argv(),
                    env: self.environment(),
                    working_dir: self.process().working_dir.clone(),
                    capture_output: true,
                    tty: false,
                };
                match self.ctx.spawner.spawn(spec).await {
                    Ok(stopper) => {
                        self.ctx.group_started(stopper.pid);
                        for fd in [stopper.stdout, stopper.stderr].into_iter().flatten() {
                            let reader = self.read_output(fd, None);
                            self.stragglers.push(reader);
                        }
                        self.stop_command = Some(StopCommand { pid: stopper.pid, exit: Some(stopper.exit) });
                    }
                    Err(e) => {
                        // Fall back to the signal: a stop must happen.
                        self.status_line(&format!("shutdown command failed to start: {e}; sending the signal")).await;
                        self.ctx.spawner.signal_group(pid, shutdown.signal);
                        self.signal_daemon(shutdown.signal).await;
                    }
                }
            }
            None if shutdown.parent_only => {
                self.ctx.spawner.signal_process(pid, shutdown.signal);
            }
            None => {
                self.ctx.spawner.signal_group(pid, shutdown.signal);
                self.signal_daemon(shutdown.signal).await;
            }
        }
    }

    /// The stop timeout passed: kill the process group (or the daemon, and the shutdown command's group).
    async fn escalate(&mut self) {
        let killed = match &self.child {
            Some(child) => self.ctx.spawner.signal_group(child.pid, SIGKILL),
            None => self.kill_daemon().await,
        };
        if killed {
            let timeout = human(self.process().shutdown.timeout);
            self.status_line(&format!("did not stop within {timeout}: killed (SIGKILL)")).await;
        }
        if let Some(stop) = &self.stop_command {
            self.ctx.spawner.signal_group(stop.pid, SIGKILL);
        }
    }

    /// The shutdown command ended. If it failed, the process will not stop by it: kill it now rather than wait
    /// out the timeout (process-compose does the same; a chain of failing stop commands would otherwise take a
    /// timeout per tier).
    async fn on_stop_command_exit(&mut self, status: Option<ExitStatus>) {
        if status.is_some_and(|s| s.is_success(&[])) || !matches!(self.machine.state, State::Stopping { .. }) {
            return;
        }
        let how = status.map_or_else(|| "was lost".to_owned(), |s| format!("ended with {s}"));
        let killed = match &self.child {
            Some(child) => self.ctx.spawner.signal_group(child.pid, SIGKILL),
            None => self.kill_daemon().await,
        };
        if killed {
            self.status_line(&format!("shutdown command {how}: killed (SIGKILL)")).await;
        }
        // Nothing is waited for any more: the group's last members are killed as soon as the leader is reaped.
        self.kill_at = None;
    }

    /// Second Ctrl-C: SIGKILL now, and make every later wait end at once.
    async fn kill_now(&mut self) {
        self.kill_at = Some(Instant::now());
        if let Some(child) = &self.child {
            self.ctx.spawner.signal_group(child.pid, SIGKILL);
        }
        self.kill_daemon().await;
        if let Some(stop) = &self.stop_command {
            self.ctx.spawner.signal_group(stop.pid, SIGKILL);
        }
    }

    /// The child was reaped: clean up after it and say how it ended.
    async fn on_exit(&mut self, exit: Option<ExitStatus>) -> Event {
        let Some(child) = self.child.take() else { return Event::Stop };
        // The reaper never drops an owner without a status; if it did, report a kill rather than hang.
        let status = exit.unwrap_or(ExitStatus::Signal(SIGKILL));
        let uptime = child.started.elapsed();
        let stopping = matches!(self.machine.state, State::Stopping { .. });
        if !stopping && self.process().daemon.is_some() && self.machine.rules.is_success(status) {
            self.launched(child.pid, child.started, child.readers, status);
            return Event::Exited { status, uptime };
        }
        if stopping {
            // Group members may still be shutting down: give them until the deadline, then SIGKILL. Members are
            // reparented to us (subreaper) so this wait is short in practice; it is bounded by the timeout.
            while self.ctx.spawner.group_alive(child.pid) {
                match self.kill_at {
                    Some(at) if Instant::now() < at => tokio::time::sleep(Duration::from_millis(50)).await,
                    _ => {
                        self.ctx.spawner.signal_group(child.pid, SIGKILL);
                        // The members die once scheduled and are reaped by the supervisor thread.
                        let deadline = Instant::now() + KILL_GRACE;
                        while self.ctx.spawner.group_alive(child.pid) && Instant::now() < deadline {
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                        break;
                    }
                }
            }
            if let Some(stop) = self.stop_command.take() {
                self.ctx.spawner.signal_group(stop.pid, SIGKILL);
                if let Some(mut exit) = stop.exit {
                    let _ = tokio::time::timeout(KILL_GRACE, &mut exit).await;
                }
                self.ctx.group_maybe_done(stop.pid);
            }
        }
        self.kill_at = None;
        self.ctx.group_maybe_done(child.pid);
        let mut readers = child.readers;
        if stopping {
            // The group is gone; if the output pipe is still open, a descendant that escaped the group with
            // setsid holds it: find it by its tag and kill it (scanning /proc only in that case keeps stops
            // of many processes cheap).
            readers = drain(readers, Instant::now() + ESCAPE_CHECK).await;
            if !readers.is_empty() {
                let (run, name, spawner) = (self.ctx.run, self.name.clone(), self.ctx.spawner.clone());
                let _ = tokio::task::spawn_blocking(move || spawner.kill_tagged(run, &name)).await;
            }
        }
        let left = drain(readers, Instant::now() + DRAIN_DEADLINE).await;
        self.stragglers.extend(left);
        self.stragglers.retain(|r| !r.is_finished());
        // The ready line may have been among the last lines drained.
        if child.ready.as_ref().is_some_and(|ready| *ready.borrow()) {
            self.log_ready = true;
        }
        let how = match status {
            ExitStatus::Code(code) => format!("exited with code {code}"),
            ExitStatus::Signal(signal) => format!("killed by {}", signal::name(signal)),
        };
        let runtime = human(uptime);
        // Printed once the machine has decided what follows (see `handle`).
        self.exit_line =
            Some(if stopping { format!("stopped after {runtime} ({how})") } else { format!("{how} after {runtime}") });
        Event::Exited { status, uptime }
    }

    /// The run is over: nothing of this process may survive.
    async fn finish(&mut self) {
        self.probes.clear();
        self.kill_daemon().await;
        self.daemon = None;
        // The groups stay listed in the run context: `up` kills what is left of them and waits for it.
        if let Some(mut child) = self.child.take() {
            self.ctx.spawner.signal_group(child.pid, SIGKILL);
            let _ = tokio::time::timeout(KILL_GRACE, &mut child.exit).await;
            self.stragglers.extend(child.readers);
        }
        if let Some(stop) = self.stop_command.take() {
            self.ctx.spawner.signal_group(stop.pid, SIGKILL);
            if let Some(mut exit) = stop.exit {
                let _ = tokio::time::timeout(KILL_GRACE, &mut exit).await;
            }
        }
        // Readers still running read from pipes held by orphans, which are dead by now or never end: give them a
        // moment, then stop them (they write their last partial line) and wait a little for that.
        let left = drain(std::mem::take(&mut self.stragglers), Instant::now() + DRAIN_DEADLINE).await;
        self.stop_readers.send_replace(true);
        for reader in drain(left, Instant::now() + Duration::from_millis(200)).await {
            reader.abort();
        }
    }
}

/// Waits until `deadline` for the readers to end; returns those still running.
async fn drain(readers: Vec<JoinHandle<()>>, deadline: Instant) -> Vec<JoinHandle<()>> {
    let mut left = Vec::new();
    for mut reader in readers {
        if tokio::time::timeout_at(deadline, &mut reader).await.is_err() {
            left.push(reader);
        }
    }
    left
}

/// A duration for people: `250ms`, `3s`, `1.5s`.
pub(crate) fn human(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.2}s", d.as_secs_f64())
    }
}

mod daemon;
mod schedule;
#[cfg(test)]
mod tests;
