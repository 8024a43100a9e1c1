//! The process task driven through a fake [`Spawner`]: restarts, stops, escalation and the end of a run, without
//! a single real process.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, Ordering};

use svc_core::{Availability, Process, Project, RestartPolicy, Shutdown};

use super::*;
use crate::child::signal::SIGTERM;
use crate::child::{BoxFuture, Child, SpawnError};
use crate::logs::{LogConfig, Output};

/// How a fake child behaves.
#[derive(Debug, Clone, Copy)]
enum Behaviour {
    /// Exits at once with this code.
    Exit(i32),
    /// Runs until signalled; dies of any signal.
    Run,
    /// Runs until signalled; survives everything but SIGKILL.
    IgnoreTerm,
}

/// A process table in memory. Children behave as scripted (then as `Run`), and record every signal.
#[derive(Default)]
struct FakeSpawner {
    next_pid: AtomicI32,
    script: Mutex<VecDeque<Behaviour>>,
    live: Mutex<HashMap<i32, (Behaviour, oneshot::Sender<ExitStatus>)>>,
    spawned: Mutex<Vec<SpawnSpec>>,
    signals: Mutex<Vec<(i32, i32)>>,
}

impl FakeSpawner {
    fn new(script: &[Behaviour]) -> Arc<Self> {
        let fake = FakeSpawner { next_pid: AtomicI32::new(1000), ..Self::default() };
        *fake.script.lock().unwrap() = script.iter().copied().collect();
        Arc::new(fake)
    }

    fn spawns(&self) -> usize {
        self.spawned.lock().unwrap().len()
    }

    fn signals(&self) -> Vec<i32> {
        self.signals.lock().unwrap().iter().map(|(_, signal)| *signal).collect()
    }
}

impl Spawner for FakeSpawner {
    fn spawn(&self, spec: SpawnSpec) -> BoxFuture<'_, Result<Child, crate::child::SpawnError>> {
        Box::pin(async move {
            self.spawned.lock().unwrap().push(spec);
            let pid = self.next_pid.fetch_add(1, Ordering::SeqCst);
            let (tx, exit) = oneshot::channel();
            match self.script.lock().unwrap().pop_front().unwrap_or(Behaviour::Run) {
                Behaviour::Exit(code) => {
                    let _ = tx.send(ExitStatus::Code(code));
                }
                behaviour => {
                    self.live.lock().unwrap().insert(pid, (behaviour, tx));
                }
            }
            Ok::<_, SpawnError>(Child { pid, stdout: None, stderr: None, exit })
        })
    }

    fn signal_group(&self, pgid: i32, signal: i32) -> bool {
        let mut live = self.live.lock().unwrap();
        if signal == 0 {
            return live.contains_key(&pgid);
        }
        self.signals.lock().unwrap().push((pgid, signal));
        let dies = match live.get(&pgid) {
            None => return false,
            Some((Behaviour::IgnoreTerm, _)) => signal == SIGKILL,
            Some(_) => true,
        };
        if dies && let Some((_, tx)) = live.remove(&pgid) {
            let _ = tx.send(ExitStatus::Signal(signal));
        }
        true
    }
}

/// A running task of process `p` and what drives it.
struct Harness {
    control: mpsc::UnboundedSender<Control>,
    status: watch::Receiver<Status>,
    task: JoinHandle<()>,
}

impl Harness {
    fn start(process: Process, spawner: Arc<FakeSpawner>) -> Harness {
        let project = Arc::new(Project::new("fake").process("p", process).validate().unwrap());
        let (logs, _writer) = Logs::start(LogConfig::from_project(&project), Output::Discard).unwrap();
        let ctx = Arc::new(RunContext {
            run: 1,
            project,
            logs,
            changed: watch::channel(0).0,
            changed_index: mpsc::unbounded_channel().0,
            groups: std::sync::Mutex::new(Vec::new()),
            spawner,
        });
        let (control, rx) = mpsc::unbounded_channel();
        let (status_tx, status) = watch::channel(Status::default());
        let task = tokio::spawn(supervise("p".into(), ctx, Vec::new(), rx, status_tx));
        Harness { control, status, task }
    }

    /// Waits (at most 10 s) until the status satisfies `done`.
    async fn until(&mut self, what: &str, done: impl Fn(&Status) -> bool) -> Status {
        let wait = self.status.wait_for(|s| done(s));
        let reached = match tokio::time::timeout(Duration::from_secs(10), wait).await {
            Ok(Ok(status)) => Some(status.clone()),
            _ => None,
        };
        reached.unwrap_or_else(|| panic!("{what}: still {:?}", self.status.borrow()))
    }

    /// Ends the run and waits for the task.
    async fn end(self) {
        drop(self.control);
        tokio::time::timeout(Duration::from_secs(10), self.task).await.unwrap().unwrap();
    }
}

fn restarting(max_restarts: u32) -> Process {
    let availability =
        Availability::restart(RestartPolicy::OnFailure).backoff(Duration::ZERO).max_restarts(max_restarts);
    // Validation looks the program up; the fake never runs it.
    Process::new("sleep").availability(availability)
}

#[tokio::test]
async fn a_failing_child_is_restarted_up_to_max_restarts_then_fails() {
    let fake = FakeSpawner::new(&[Behaviour::Exit(1), Behaviour::Exit(1), Behaviour::Exit(1)]);
    let mut harness = Harness::start(restarting(2), fake.clone());
    let status = harness.until("final", |s| s.state.is_final()).await;
    assert_eq!(fake.spawns(), 3, "the first run and two restarts");
    assert_eq!(status.restarts, 2);
    assert_eq!(status.last_exit, Some(ExitStatus::Code(1)));
    assert!(!status.succeeded);
    let spec = fake.spawned.lock().unwrap()[0].clone();
    assert_eq!(spec.argv, ["sleep"]);
    assert!(spec.capture_output);
    assert!(spec.env.iter().any(|(k, v)| k == crate::child::TAG_VAR && v.ends_with(".1/p")), "{:?}", spec.env);
    harness.end().await;
}

#[tokio::test]
async fn a_success_is_not_restarted_under_on_failure() {
    let fake = FakeSpawner::new(&[Behaviour::Exit(0)]);
    let mut harness = Harness::start(restarting(0), fake.clone());
    let status = harness.until("final", |s| s.state.is_final()).await;
    assert_eq!(status.state, State::Completed { exit: ExitStatus::Code(0) });
    assert!(status.succeeded);
    assert_eq!(fake.spawns(), 1);
    harness.end().await;
}

#[tokio::test]
async fn a_stop_sends_the_shutdown_signal_to_the_group_and_the_process_ends_stopped() {
    let fake = FakeSpawner::new(&[Behaviour::Run]);
    let process = restarting(0).shutdown(Shutdown::default().signal(sigusr1()));
    let mut harness = Harness::start(process, fake.clone());
    harness.until("running", |s| matches!(s.state, State::Running { .. })).await;
    harness.control.send(Control::Stop).unwrap();
    let status = harness.until("stopped", |s| s.state.is_final()).await;
    assert_eq!(status.state, State::Stopped { exit: Some(ExitStatus::Signal(sigusr1())) });
    assert_eq!(fake.signals(), [sigusr1()], "the configured signal, once, and no restart");
    assert_eq!(fake.spawns(), 1);
    harness.end().await;
}

#[tokio::test]
async fn a_child_that_ignores_the_signal_is_killed_at_the_timeout() {
    let fake = FakeSpawner::new(&[Behaviour::IgnoreTerm]);
    let process = restarting(0).shutdown(Shutdown::default().timeout(Duration::from_millis(200)));
    let mut harness = Harness::start(process, fake.clone());
    harness.until("running", |s| matches!(s.state, State::Running { .. })).await;
    let asked = Instant::now();
    harness.control.send(Control::Stop).unwrap();
    let status = harness.until("stopped", |s| s.state.is_final()).await;
    assert!(asked.elapsed() >= Duration::from_millis(200), "SIGKILL only after the timeout");
    assert_eq!(status.state, State::Stopped { exit: Some(ExitStatus::Signal(SIGKILL)) });
    assert_eq!(fake.signals(), [SIGTERM, SIGKILL]);
    harness.end().await;
}

#[tokio::test]
async fn the_end_of_the_run_kills_a_running_child() {
    let fake = FakeSpawner::new(&[Behaviour::IgnoreTerm]);
    let mut harness = Harness::start(restarting(0), fake.clone());
    harness.until("running", |s| matches!(s.state, State::Running { .. })).await;
    harness.end().await;
    assert_eq!(fake.signals(), [SIGKILL], "no graceful stop once the run is over: nothing may survive");
    assert!(fake.live.lock().unwrap().is_empty());
}

/// A signal other than the default SIGTERM, to see that the configured one is used.
fn sigusr1() -> i32 {
    crate::child::signal::SIGUSR1
}

#[tokio::test]
async fn a_failing_shutdown_command_kills_at_once_instead_of_waiting_out_the_timeout() {
    // The process ignores everything but SIGKILL; its shutdown command fails at once.
    let fake = FakeSpawner::new(&[Behaviour::IgnoreTerm, Behaviour::Exit(1)]);
    let shutdown = Shutdown::default().command(svc_core::Command::shell("stop-it")).timeout(Duration::from_secs(30));
    let mut harness = Harness::start(restarting(0).shutdown(shutdown), fake.clone());
    harness.until("running", |s| matches!(s.state, State::Running { .. })).await;
    let asked = Instant::now();
    harness.control.send(Control::Stop).unwrap();
    let status = harness.until("stopped", |s| s.state.is_final()).await;
    assert!(asked.elapsed() < Duration::from_secs(10), "not the 30 s timeout: {:?}", asked.elapsed());
    assert_eq!(status.state, State::Stopped { exit: Some(ExitStatus::Signal(SIGKILL)) });
    assert_eq!(fake.spawns(), 2, "the process and its shutdown command");
    assert_eq!(fake.spawned.lock().unwrap()[1].argv, ["sh", "-c", "stop-it"]);
    assert_eq!(fake.signals().first(), Some(&SIGKILL), "no signal before the command, SIGKILL after it failed");
    harness.end().await;
}

#[tokio::test]
async fn a_succeeding_shutdown_command_leaves_the_process_its_timeout() {
    let fake = FakeSpawner::new(&[Behaviour::IgnoreTerm, Behaviour::Exit(0)]);
    let shutdown = Shutdown::default().command(svc_core::Command::shell("stop-it")).timeout(Duration::from_millis(300));
    let mut harness = Harness::start(restarting(0).shutdown(shutdown), fake.clone());
    harness.until("running", |s| matches!(s.state, State::Running { .. })).await;
    let asked = Instant::now();
    harness.control.send(Control::Stop).unwrap();
    let status = harness.until("stopped", |s| s.state.is_final()).await;
    assert!(asked.elapsed() >= Duration::from_millis(300), "killed only at the timeout");
    assert_eq!(status.state, State::Stopped { exit: Some(ExitStatus::Signal(SIGKILL)) });
    harness.end().await;
}

#[tokio::test]
async fn a_scheduled_process_runs_at_each_tick_and_a_stop_pauses_it() {
    let fake = FakeSpawner::new(&[Behaviour::Exit(0); 20]);
    let process = Process::new("sleep").schedule(svc_core::Schedule::every(Duration::from_millis(100)));
    let mut harness = Harness::start(process, fake.clone());
    let status = harness.until("scheduled", |s| matches!(s.state, State::Scheduled { .. })).await;
    assert_eq!(status.state, State::Scheduled { last: None }, "not started with the project");
    assert_eq!(fake.spawns(), 0);
    harness.until("two runs", |_| fake.spawns() >= 2).await;
    let status = harness.until("scheduled again", |s| matches!(s.state, State::Scheduled { last: Some(_) })).await;
    assert!(status.succeeded && !status.state.is_final());
    harness.control.send(Control::Stop).unwrap();
    harness.until("stopped", |s| matches!(s.state, State::Stopped { .. })).await;
    let runs = fake.spawns();
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(fake.spawns(), runs, "paused: no run after the stop");
    // A restart runs it now and resumes the schedule.
    harness.control.send(Control::Restart).unwrap();
    harness.until("ran again", |_| fake.spawns() > runs).await;
    harness.until("resumed", |_| fake.spawns() >= runs + 2).await;
    harness.end().await;
}

#[tokio::test]
async fn a_file_change_restarts_a_running_child_and_reruns_a_finished_one_but_not_a_stopped_one() {
    let fake = FakeSpawner::new(&[Behaviour::Run, Behaviour::Exit(0)]);
    let mut harness = Harness::start(restarting(0), fake.clone());
    harness.until("running", |s| matches!(s.state, State::Running { .. })).await;
    harness.control.send(Control::FilesChanged).unwrap();
    let status = harness.until("ran again and completed", |s| s.state.is_final()).await;
    assert_eq!(status.state, State::Completed { exit: ExitStatus::Code(0) });
    assert_eq!(fake.signals(), [SIGTERM]);
    harness.control.send(Control::FilesChanged).unwrap();
    harness.until("third run", |s| matches!(s.state, State::Running { .. })).await;
    assert_eq!(fake.spawns(), 3);
    harness.control.send(Control::Stop).unwrap();
    harness.until("stopped", |s| matches!(s.state, State::Stopped { .. })).await;
    harness.control.send(Control::FilesChanged).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(fake.spawns(), 3, "a stopped process ignores changes");
    harness.end().await;
}

#[tokio::test]
async fn a_waiting_process_task_is_small() {
    // Kept per process for the whole run: its size is per-process memory (bench: scale workload).
    let fake = FakeSpawner::new(&[]);
    let project = Arc::new(Project::new("fake").process("p", restarting(0)).validate().unwrap());
    let (logs, _writer) = Logs::start(LogConfig::from_project(&project), Output::Discard).unwrap();
    let (changed, changed_index) = (watch::channel(0).0, mpsc::unbounded_channel().0);
    let groups = std::sync::Mutex::new(Vec::new());
    let ctx = RunContext { run: 1, project, logs, changed, changed_index, groups, spawner: fake };
    let (_control, rx) = mpsc::unbounded_channel();
    let (status_tx, _status) = watch::channel(Status::default());
    let task = supervise("p".into(), Arc::new(ctx), Vec::new(), rx, status_tx);
    let size = std::mem::size_of_val(&task);
    assert!(size <= 2048, "the supervise future takes {size} bytes");
}
