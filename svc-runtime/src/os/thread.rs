//! The supervisor thread ("svc-sys"): the one thread that starts children, reaps them and talks to the
//! watchdog (see the `os` module documentation for why one thread does all three), and [`OsSpawner`], the
//! [`Spawner`] that sends it requests.

use std::io;
use std::os::fd::OwnedFd;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use super::group;
use super::reaper::{Reaper, SWEEP_DELAY, SystemWait};
use super::spawn::ChildStack;
use super::watchdog::Watchdog;
use crate::child::{BoxFuture, Child, SpawnError, SpawnSpec, Spawner};
use crate::deadline::sleep_until;

/// How long after the last run ended orphans are still swept (those the end of the run killed).
const SWEEP_LINGER: Duration = Duration::from_secs(5);

enum Request {
    Spawn(Box<SpawnSpec>, oneshot::Sender<Result<Child, SpawnError>>),
    Forget(i32),
}

struct Sys {
    requests: mpsc::UnboundedSender<Request>,
}

static SYS: OnceLock<Result<Sys, String>> = OnceLock::new();

/// The descriptor limit before the supervisor raised it; restored in every child.
static ORIGINAL_NOFILE: OnceLock<libc::rlimit> = OnceLock::new();

fn sys() -> Result<&'static Sys, SpawnError> {
    SYS.get_or_init(start).as_ref().map_err(|e| SpawnError(e.clone()))
}

fn start() -> Result<Sys, String> {
    let supervisor = std::process::id() as i32;
    // SAFETY: prctl(PR_SET_CHILD_SUBREAPER) sets a process-wide flag; no memory is involved.
    if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } != 0 {
        return Err(format!("cannot become a child subreaper: {}", io::Error::last_os_error()));
    }
    // Descriptors 0-2 must be taken, so that no pipe gets one of them (the child moves its pipes onto them).
    for fd in 0..3 {
        // SAFETY: fcntl(F_GETFD) only queries a descriptor number; no memory is involved.
        let closed = unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0;
        if closed {
            // SAFETY: open(2) on a static NUL-terminated path; the descriptor stays open for the process's life.
            unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) };
        }
    }
    let watchdog = Watchdog::start().map_err(|e| format!("cannot start the watchdog process: {e}"))?;
    // Two pipes per process (and probes, log files): raise the descriptor limit; children get the original back.
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes only into `limit`, a live local.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
        let _ = ORIGINAL_NOFILE.set(limit);
        let raised = libc::rlimit { rlim_cur: limit.rlim_max.min(1 << 16).max(limit.rlim_cur), ..limit };
        // SAFETY: setrlimit only reads `raised`, a live local.
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) };
    }
    let (requests, rx) = mpsc::unbounded_channel();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("svc-sys".into())
        .spawn(move || sys_thread(supervisor, watchdog, rx, ready_tx))
        .map_err(|e| format!("cannot start the supervisor thread: {e}"))?;
    match ready_rx.recv() {
        Ok(Ok(())) => Ok(Sys { requests }),
        Ok(Err(e)) => Err(e),
        Err(_) => Err("the supervisor thread ended during startup".into()),
    }
}

fn sys_thread(
    supervisor: i32,
    mut watchdog: Watchdog,
    mut requests: mpsc::UnboundedReceiver<Request>,
    ready: std::sync::mpsc::Sender<Result<(), String>>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = ready.send(Err(format!("cannot build the supervisor thread's runtime: {e}")));
            return;
        }
    };
    runtime.block_on(async move {
        let mut sigchld = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::child()) {
            Ok(s) => s,
            Err(e) => {
                let _ = ready.send(Err(format!("cannot listen for SIGCHLD: {e}")));
                return;
            }
        };
        let devnull = match std::fs::OpenOptions::new().read(true).write(true).open("/dev/null") {
            Ok(file) => OwnedFd::from(file),
            Err(e) => {
                let _ = ready.send(Err(format!("cannot open /dev/null: {e}")));
                return;
            }
        };
        let _ = ready.send(Ok(()));
        let mut reaper = Reaper::default();
        let mut wait = SystemWait;
        let mut sweep_at: Option<tokio::time::Instant> = None;
        let mut stack = ChildStack::new();
        loop {
            tokio::select! {
                request = requests.recv() => match request {
                    Some(Request::Spawn(spec, reply)) => {
                        let nofile = ORIGINAL_NOFILE.get().copied();
                        let result = super::spawn::spawn(&spec, supervisor, &devnull, nofile, &mut stack).map(|spawned| {
                            // Registered on this thread right after the spawn: a child that exits at once cannot
                            // be reaped before its owner is known.
                            let (exit_tx, exit) = oneshot::channel();
                            reaper.track(spawned.pid, exit_tx);
                            watchdog.register(spawned.pid);
                            Child { pid: spawned.pid, stdout: spawned.stdout, stderr: spawned.stderr, exit }
                        });
                        let _ = reply.send(result);
                    }
                    Some(Request::Forget(pgid)) => {
                        watchdog.forget(pgid);
                        reaper.forget(pgid, &wait);
                    }
                    // Never happens: the sender lives in a static.
                    None => break,
                },
                _ = sigchld.recv() => {
                    for pgid in reaper.reap(&mut wait) {
                        watchdog.forget(pgid);
                    }
                    if sweep_at.is_none() && sweeping_wanted() {
                        sweep_at = Some(tokio::time::Instant::now() + SWEEP_DELAY);
                    }
                }
                () = sleep_until(sweep_at) => {
                    let next = reaper.sweep(&mut wait, Instant::now(), sweeping_wanted());
                    sweep_at = next.map(|delay| tokio::time::Instant::now() + delay);
                }
            }
        }
    });
}

/// Runs of `up` in progress, and when the last one ended: the orphan sweep only runs during a run (and a little
/// after).
static ACTIVE_RUNS: AtomicUsize = AtomicUsize::new(0);
static LAST_RUN_END: std::sync::Mutex<Option<Instant>> = std::sync::Mutex::new(None);

/// Marks a run of `up` as in progress until dropped (orphans are swept only while a project runs).
#[derive(Debug)]
pub(crate) struct RunGuard(());

impl RunGuard {
    /// A run starts.
    pub(crate) fn new() -> RunGuard {
        ACTIVE_RUNS.fetch_add(1, Ordering::SeqCst);
        RunGuard(())
    }
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        if let Ok(mut end) = LAST_RUN_END.lock() {
            *end = Some(Instant::now());
        }
        ACTIVE_RUNS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Whether adopted orphans are to be swept now.
fn sweeping_wanted() -> bool {
    ACTIVE_RUNS.load(Ordering::SeqCst) > 0
        || LAST_RUN_END.lock().ok().and_then(|end| *end).is_some_and(|end| end.elapsed() < SWEEP_LINGER)
}

/// Tells the watchdog and the reaper that the owner of process group `pgid` is done with it, so that a reused
/// id is never killed.
pub(crate) fn forget_group(pgid: i32) {
    if let Some(Ok(sys)) = SYS.get() {
        let _ = sys.requests.send(Request::Forget(pgid));
    }
}

/// The supervisor's [`Spawner`]: starts children on the supervisor thread, reaped by its reaper, guarded by the
/// watchdog.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsSpawner;

impl Spawner for OsSpawner {
    fn spawn(&self, spec: SpawnSpec) -> BoxFuture<'_, Result<Child, SpawnError>> {
        Box::pin(async move {
            let sys = sys()?;
            let (reply, result) = oneshot::channel();
            sys.requests
                .send(Request::Spawn(Box::new(spec), reply))
                .map_err(|_| SpawnError("the supervisor thread is gone".into()))?;
            result.await.map_err(|_| SpawnError("the supervisor thread is gone".into()))?
        })
    }

    fn signal_group(&self, pgid: i32, signal: i32) -> bool {
        group::signal_group(pgid, signal)
    }

    fn signal_process(&self, pid: i32, signal: i32) -> bool {
        group::signal_pid(pid, signal)
    }

    fn forget_group(&self, pgid: i32) {
        forget_group(pgid);
    }

    fn kill_tagged(&self, run: u64, name: &str) {
        super::tags::kill_tagged(run, Some(name));
    }

    fn kill_leftovers(&self, pgid: i32) {
        // The group is still tracked by the reaper until forgotten: its id cannot have been reused.
        if group::signal_group(pgid, crate::child::signal::SIGKILL) {
            forget_group(pgid);
        }
    }

    fn signal_tagged(&self, run: u64, name: &str, signal: i32) -> usize {
        super::tags::signal_tagged(run, Some(name), signal).len()
    }
}
