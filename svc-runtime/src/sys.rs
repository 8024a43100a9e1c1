//! Spawning and reaping: the only place that creates child processes, and the only place that waits for the
//! processes it created.
//!
//! One dedicated, never-ending thread ("svc-sys") runs a small current-thread tokio runtime that
//! 1. starts every child (module `spawn`: `clone(CLONE_VM | CLONE_VFORK)`, so `PR_SET_PDEATHSIG`, which fires
//!    when the *creating thread* exits, stays armed for the supervisor's whole life: tokio's blocking-pool
//!    threads exit when idle and must never create children);
//! 2. reaps, when `SIGCHLD` arrives, what belongs to the supervisor and nothing else (see "Reaping" below), and
//!    hands each exit status to the task that owns the pid. Registration happens on the same thread right after
//!    the spawn, so a child that exits at once cannot be reaped before its owner is known;
//! 3. talks to the watchdog process (module `watchdog`), which kills every registered process group if the
//!    supervisor dies.
//!
//! # Reaping
//!
//! The supervisor may be embedded in a program that starts and waits for children of its own
//! (`std::process::Command::output`, `Child::wait`, `tokio::process`). A `waitpid(-1)` reaper would steal their
//! exit status (the program's wait fails with `ECHILD`), so the reaper only ever waits for specific ids:
//! - **Our process groups.** Every child leads its own process group, and the reaper tracks each group from the
//!   spawn until it is empty. On every `SIGCHLD` it runs `waitid(P_PGID, group, WEXITED | WNOHANG)` for each
//!   tracked group: that reaps the leader (its status goes to its owner) and the group's other members that were
//!   reparented to the supervisor because it is a child subreaper (`PR_SET_CHILD_SUBREAPER`: a shell's
//!   background job whose parent ended, say). No other program's child is in these groups. The cost is one
//!   system call per live group per `SIGCHLD`, which stays far below the cost of a spawn. (A child that moved
//!   itself to another group is waited for by pid in the sweep below.)
//! - **Other orphans.** Descendants that left their group (`setsid`, a job-control shell's `setpgid`) are also
//!   reparented to the supervisor, and nothing tells them apart from the embedding program's own children once
//!   they are zombies (a zombie has no environment left to carry [`TAG_VAR`]). So a sweep, deferred after a
//!   `SIGCHLD` and at most every [`SWEEP_DELAY`], looks at the supervisor's children (`/proc/self/task/*/children`,
//!   a few small files, not all of `/proc`) and reaps a zombie it does not know only after it stayed a zombie for
//!   [`ORPHAN_GRACE`] (same pid, same start time). Any real owner, a blocking `waitpid(pid)` or tokio's `SIGCHLD`
//!   handler, reaps its child within microseconds of its exit, long before that. The sweep only runs while a
//!   project runs (and for a little while after, for what the end of a run killed): a program that merely links
//!   the supervisor keeps full control of its children. The only case it can still take a status from is a program
//!   that leaves its own child a zombie for more than [`ORPHAN_GRACE`] while a project runs, then waits for it.
//! - **Descendants killed at the end of a run** ([`kill_escaped`]) are ours by their tag: they are reaped by pid
//!   right after they died.
//!
//! Every child is the leader of its own process group (`setpgid(0, 0)` before `exec`) and dies with the supervisor
//! (`PR_SET_PDEATHSIG(SIGKILL)`, then a `getppid` check for the race where the supervisor died before the prctl).
//! It carries [`TAG_VAR`], inherited by its descendants, so that those that leave their group (`setsid`) are still
//! found: among the supervisor's own children once their parents died ([`kill_escaped`]), or in `/proc`.

use std::collections::HashMap;
use std::io;
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::watchdog::Watchdog;

/// The environment variable that marks every process the supervisor starts, and (by inheritance) their
/// descendants: `<supervisor pid>.<run id>.<process name>`. It lets the supervisor find descendants that escaped
/// their process group with `setsid` and were reparented to it.
pub const TAG_VAR: &str = "SVC_PROCESS_TAG";

/// How long a zombie child the supervisor does not know must stay a zombie before the supervisor reaps it as an
/// adopted orphan (see the module documentation): far longer than any real owner takes to reap its child.
pub const ORPHAN_GRACE: Duration = Duration::from_millis(1500);

/// How long after a `SIGCHLD` the sweep for adopted orphans runs (it runs at most once per such delay, so a fast
/// restart loop does not read `/proc` at every exit).
pub const SWEEP_DELAY: Duration = Duration::from_millis(250);

/// How long after the last run ended orphans are still swept (those the end of the run killed).
const SWEEP_LINGER: Duration = Duration::from_secs(5);

/// How a child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExitStatus {
    /// It exited with this code.
    Code(i32),
    /// It was killed by this signal.
    Signal(i32),
}

impl ExitStatus {
    /// The status in what `waitid(WEXITED)` filled in.
    fn from_siginfo(info: &libc::siginfo_t) -> ExitStatus {
        // SAFETY: `waitid` reported a child, so the SIGCHLD fields of the union are set.
        let status = unsafe { info.si_status() };
        if info.si_code == libc::CLD_EXITED { ExitStatus::Code(status) } else { ExitStatus::Signal(status) }
    }

    /// The code a shell would report: the exit code, or 128 + the signal number.
    pub fn shell_code(self) -> i32 {
        match self {
            ExitStatus::Code(code) => code,
            ExitStatus::Signal(signal) => 128 + signal,
        }
    }
}

impl std::fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExitStatus::Code(code) => write!(f, "exit code {code}"),
            ExitStatus::Signal(signal) => write!(f, "signal {} ({})", signal, signal_name(*signal)),
        }
    }
}

/// The conventional name of a signal number (`SIGTERM`), or `SIG?`.
pub fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGUSR2 => "SIGUSR2",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        _ => "SIG?",
    }
}

/// What to start.
#[derive(Debug, Clone)]
pub struct SpawnSpec {
    /// Program and arguments (the program is looked up on `PATH` unless it contains a `/`).
    pub argv: Vec<String>,
    /// Variables added to (or replacing those of) the supervisor's environment.
    pub env: Vec<(String, String)>,
    /// Working directory, if not the supervisor's.
    pub working_dir: Option<PathBuf>,
    /// Whether stdout and stderr are piped to the supervisor (else they go to `/dev/null`).
    pub capture_output: bool,
}

/// A started child. Its exit status arrives on `exit`, exactly once.
#[derive(Debug)]
pub struct Child {
    /// Process id, also the process group id.
    pub pid: i32,
    /// Read end of the stdout pipe, when captured.
    pub stdout: Option<OwnedFd>,
    /// Read end of the stderr pipe, when captured.
    pub stderr: Option<OwnedFd>,
    /// Resolves with the exit status once the child has been reaped.
    pub exit: oneshot::Receiver<ExitStatus>,
}

/// Starting a child failed; the message names the program and the cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpawnError(pub String);

impl std::fmt::Display for SpawnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SpawnError {}

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
    // SAFETY: process-wide attribute, no memory involved.
    if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } != 0 {
        return Err(format!("cannot become a child subreaper: {}", io::Error::last_os_error()));
    }
    // Descriptors 0-2 must be taken, so that no pipe gets one of them (the child moves its pipes onto them).
    for fd in 0..3 {
        // SAFETY: plain syscalls; a descriptor opened here stays open for the life of the process.
        unsafe {
            if libc::fcntl(fd, libc::F_GETFD) < 0 {
                libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
            }
        }
    }
    let watchdog = Watchdog::start().map_err(|e| format!("cannot start the watchdog process: {e}"))?;
    // Two pipes per process (and probes, log files): raise the descriptor limit; children get the original back.
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: plain syscalls with a local out-parameter.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
        let _ = ORIGINAL_NOFILE.set(limit);
        let raised = libc::rlimit { rlim_cur: limit.rlim_max.min(1 << 16).max(limit.rlim_cur), ..limit };
        // SAFETY: as above.
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
        loop {
            tokio::select! {
                request = requests.recv() => match request {
                    Some(Request::Spawn(spec, reply)) => {
                        let result = fork_exec(&spec, supervisor, &devnull).map(|(child, exit_tx)| {
                            reaper.groups.insert(child.pid, Some(exit_tx));
                            watchdog.register(child.pid);
                            child
                        });
                        let _ = reply.send(result);
                    }
                    Some(Request::Forget(pgid)) => {
                        watchdog.forget(pgid);
                        reaper.forget(pgid);
                    }
                    // Never happens: the sender lives in a static.
                    None => break,
                },
                _ = sigchld.recv() => {
                    reaper.reap(&mut watchdog);
                    if reaper.sweep_at.is_none() && sweeping_wanted() {
                        reaper.sweep_at = Some(tokio::time::Instant::now() + SWEEP_DELAY);
                    }
                }
                _ = sleep_until(reaper.sweep_at) => reaper.sweep(),
            }
        }
    });
}

/// Resolves at `deadline`; never without one.
async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Runs of `up` in progress, and when the last one ended: the orphan sweep only runs during a run (and a little
/// after).
static ACTIVE_RUNS: AtomicUsize = AtomicUsize::new(0);
static LAST_RUN_END: std::sync::Mutex<Option<std::time::Instant>> = std::sync::Mutex::new(None);

/// Marks a run of `up` as in progress until dropped (see the module documentation: orphans are swept only while
/// a project runs).
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
            *end = Some(std::time::Instant::now());
        }
        ACTIVE_RUNS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Whether adopted orphans are to be swept now.
fn sweeping_wanted() -> bool {
    ACTIVE_RUNS.load(Ordering::SeqCst) > 0
        || LAST_RUN_END.lock().ok().and_then(|end| *end).is_some_and(|end| end.elapsed() < SWEEP_LINGER)
}

/// The reaper's bookkeeping (on the supervisor thread only).
#[derive(Default)]
struct Reaper {
    /// Process groups the supervisor created that may still have members, with the leader's owner until the
    /// leader is reaped.
    groups: HashMap<i32, Option<oneshot::Sender<ExitStatus>>>,
    /// Unknown zombie children: (pid, start time) -> when first seen as a zombie.
    zombies: HashMap<(i32, u64), std::time::Instant>,
    /// When the next orphan sweep runs.
    sweep_at: Option<tokio::time::Instant>,
}

impl Reaper {
    /// Reaps every ended child in the tracked groups; forgets the groups that are empty.
    fn reap(&mut self, watchdog: &mut Watchdog) {
        for (&pgid, owner) in &mut self.groups {
            loop {
                // SAFETY: plain syscall with a zeroed local out-parameter.
                let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
                let done =
                    unsafe { libc::waitid(libc::P_PGID, pgid as libc::id_t, &mut info, libc::WEXITED | libc::WNOHANG) };
                if done != 0 {
                    if io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                        continue;
                    }
                    // ECHILD: no child of ours in the group right now.
                    break;
                }
                // SAFETY: `waitid` succeeded; `si_pid` is 0 when no child had ended.
                let pid = unsafe { info.si_pid() };
                if pid == 0 {
                    break;
                }
                if pid == pgid
                    && let Some(owner) = owner.take()
                {
                    let _ = owner.send(ExitStatus::from_siginfo(&info));
                }
                // Any other pid: a member orphaned inside the group, reparented to us; nobody wants its status.
            }
        }
        // A group whose leader is gone and that has no member left: its id may be reused from now on, so it must
        // neither be waited for nor killed any more.
        self.groups.retain(|&pgid, owner| {
            let keep = owner.is_some() || group_alive(pgid);
            if !keep {
                watchdog.forget(pgid);
            }
            keep
        });
    }

    /// The task that owned group `pgid` is done with it.
    fn forget(&mut self, pgid: i32) {
        if let Some(None) = self.groups.get(&pgid)
            && !group_alive(pgid)
        {
            self.groups.remove(&pgid);
        }
    }

    /// Reaps the zombie children nobody reaped within [`ORPHAN_GRACE`] (see the module documentation), and
    /// schedules the next sweep while some are waiting out their grace.
    fn sweep(&mut self) {
        self.sweep_at = None;
        if !sweeping_wanted() {
            self.zombies.clear();
            return;
        }
        let now = std::time::Instant::now();
        let mut still = HashMap::new();
        for pid in own_children().unwrap_or_else(children_from_proc) {
            let pid = pid as i32;
            if let Some(owner) = self.groups.get_mut(&pid) {
                // A leader of ours, normally reaped through its group. One that moved to another group
                // (`setpgid`) is not: wait for it by pid (one cheap system call, only here).
                if owner.is_some()
                    && let Some(exit) = reap_pid(pid as u32)
                    && let Some(owner) = owner.take()
                {
                    let _ = owner.send(exit);
                }
                continue;
            }
            let Some((state, _, start)) = stat_of(pid as u32) else { continue };
            if state != 'Z' {
                continue;
            }
            let first_seen = self.zombies.get(&(pid, start)).copied().unwrap_or(now);
            if now.duration_since(first_seen) >= ORPHAN_GRACE {
                let _ = reap_pid(pid as u32);
            } else {
                still.insert((pid, start), first_seen);
            }
        }
        self.zombies = still;
        if let Some(first) = self.zombies.values().min() {
            let due = (*first + ORPHAN_GRACE).saturating_duration_since(now).max(SWEEP_DELAY);
            self.sweep_at = Some(tokio::time::Instant::now() + due);
        }
    }
}

/// State, parent and start time (clock ticks after boot) of process `pid`, from `/proc/<pid>/stat`.
fn stat_of(pid: u32) -> Option<(char, u32, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields follow the command name in parentheses, which may itself contain ") ".
    let (_, rest) = stat.rsplit_once(") ")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Field 3 is the state, 4 the parent, 22 the start time (numbered from 1 with the pid).
    let state = fields.first()?.chars().next()?;
    let parent = fields.get(1)?.parse().ok()?;
    let start = fields.get(19)?.parse().ok()?;
    Some((state, parent, start))
}

/// This process's children found by scanning `/proc` (for kernels without `/proc/<pid>/task/<tid>/children`).
fn children_from_proc() -> Vec<u32> {
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()))
        .filter(|pid| stat_of(*pid).is_some_and(|(_, parent, _)| parent == me))
        .collect()
}

/// Reaps `pid` if it is a zombie child of ours (never blocks); returns how it ended if it was.
fn reap_pid(pid: u32) -> Option<ExitStatus> {
    // SAFETY: plain syscall with a zeroed local out-parameter; waits for this one pid only.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    let done = unsafe { libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, libc::WEXITED | libc::WNOHANG) };
    // SAFETY: `waitid` succeeded; `si_pid` is 0 when the child had not ended.
    (done == 0 && unsafe { info.si_pid() } != 0).then(|| ExitStatus::from_siginfo(&info))
}

fn fork_exec(
    spec: &SpawnSpec,
    supervisor: i32,
    devnull: &OwnedFd,
) -> Result<(Child, oneshot::Sender<ExitStatus>), SpawnError> {
    let spawned = crate::spawn::spawn(spec, supervisor, devnull, ORIGINAL_NOFILE.get().copied())?;
    let (exit_tx, exit) = oneshot::channel();
    Ok((Child { pid: spawned.pid, stdout: spawned.stdout, stderr: spawned.stderr, exit }, exit_tx))
}

/// Starts a child (on the supervisor thread, see the module documentation).
pub async fn spawn(spec: SpawnSpec) -> Result<Child, SpawnError> {
    let sys = sys()?;
    let (reply, result) = oneshot::channel();
    sys.requests
        .send(Request::Spawn(Box::new(spec), reply))
        .map_err(|_| SpawnError("the supervisor thread is gone".into()))?;
    result.await.map_err(|_| SpawnError("the supervisor thread is gone".into()))?
}

/// Tells the watchdog that process group `pgid` is gone, so that a reused id is never killed.
pub fn forget_group(pgid: i32) {
    if let Some(Ok(sys)) = SYS.get() {
        let _ = sys.requests.send(Request::Forget(pgid));
    }
}

/// Sends `signal` to the process group `pgid`. Returns false if the group no longer exists.
pub fn signal_group(pgid: i32, signal: i32) -> bool {
    if pgid <= 1 {
        return false;
    }
    // SAFETY: plain syscall.
    unsafe { libc::kill(-pgid, signal) == 0 }
}

/// Whether any process of group `pgid` is still alive (zombies excepted only once reaped).
pub fn group_alive(pgid: i32) -> bool {
    signal_group(pgid, 0)
}

/// The [`TAG_VAR`] value of process `name` in run `run`.
pub fn tag(run: u64, name: &str) -> String {
    format!("{}.{run}/{name}", std::process::id())
}

/// Kills (`SIGKILL`) every live process whose environment carries [`TAG_VAR`] for process `name` of run `run`
/// (every process of the run when `name` is `None`), and returns their pids. Used for descendants that left their
/// process group with `setsid`. Reads `/proc`; blocking, call it from a blocking context.
pub fn kill_tagged(run: u64, name: Option<&str>) -> Vec<u32> {
    let needle = match name {
        Some(name) => format!("{TAG_VAR}={}", tag(run, name)),
        None => format!("{TAG_VAR}={}.{run}/", std::process::id()),
    };
    let exact = name.is_some();
    let me = std::process::id();
    let mut killed: Vec<u32> = Vec::new();
    // A process may fork while we scan: further rounds catch its children too (SIGKILL is immediate).
    for _ in 0..3 {
        let before = killed.len();
        let Ok(entries) = std::fs::read_dir("/proc") else { return killed };
        for entry in entries.flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
            if pid == me || killed.contains(&pid) {
                continue;
            }
            let Ok(environ) = std::fs::read(entry.path().join("environ")) else { continue };
            if environ
                .split(|b| *b == 0)
                .any(|var| if exact { var == needle.as_bytes() } else { var.starts_with(needle.as_bytes()) })
            {
                // SAFETY: plain syscall.
                unsafe { libc::kill(pid as i32, libc::SIGKILL) };
                killed.push(pid);
            }
        }
        if killed.len() == before {
            break;
        }
    }
    killed
}

/// The children of this process (of all its threads), or `None` if the kernel does not list them
/// (`/proc/<pid>/task/<tid>/children` needs `CONFIG_PROC_CHILDREN`).
fn own_children() -> Option<Vec<u32>> {
    let mut children = Vec::new();
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let list = std::fs::read_to_string(task.path().join("children")).ok()?;
        children.extend(list.split_whitespace().filter_map(|pid| pid.parse::<u32>().ok()));
    }
    Some(children)
}

/// At the end of run `run`, after every process it started and their groups are dead: kills the descendants that
/// escaped their group, and returns their pids. They have all been reparented to this supervisor (a child
/// subreaper), so only its own children need to be looked at (a few files), not all of `/proc`; their children in
/// turn are reparented once they die, hence the rounds. Blocking.
pub fn kill_escaped(run: u64) -> Vec<u32> {
    let needle = format!("{TAG_VAR}={}.{run}/", std::process::id());
    let mut killed = Vec::new();
    for _ in 0..8 {
        let Some(children) = own_children() else { return kill_tagged(run, None) };
        let mut round = Vec::new();
        let mut unsure = false;
        for pid in children {
            let Ok(environ) = std::fs::read(format!("/proc/{pid}/environ")) else {
                // Gone, or in the middle of `exec` (no environment for an instant): look again.
                unsure |= process_alive(pid);
                continue;
            };
            if environ.split(|b| *b == 0).any(|var| var.starts_with(needle.as_bytes())) {
                // SAFETY: plain syscall.
                unsafe { libc::kill(pid as i32, libc::SIGKILL) };
                round.push(pid);
            }
        }
        if round.is_empty() {
            if !unsure {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
            continue;
        }
        // Their children are reparented here once they are dead.
        wait_gone(Vec::new(), round.clone(), std::time::Duration::from_secs(2));
        // They are ours (children of this subreaper carrying our tag): no other owner will reap them.
        for pid in &round {
            let _ = reap_pid(*pid);
        }
        killed.extend(round);
    }
    killed
}

/// Whether process `pid` exists and is not a zombie.
pub fn process_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name in parentheses, which may itself contain ") ".
        Ok(stat) => stat.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with(['Z', 'X'])),
        Err(_) => false,
    }
}

/// Waits until every process group of `groups` is empty and every process of `pids` is dead (a killed process
/// dies only once the kernel schedules it, which on a loaded machine takes a moment), at most `timeout`.
/// Blocking; returns whether everything is gone.
pub fn wait_gone(mut groups: Vec<i32>, mut pids: Vec<u32>, timeout: std::time::Duration) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        groups.retain(|pgid| group_alive(*pgid));
        pids.retain(|pid| process_alive(*pid));
        if groups.is_empty() && pids.is_empty() {
            return true;
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// A unique id for one run of `up` inside this supervisor process (tests run several at once).
pub fn next_run_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Starts probe commands through the supervisor's spawner and reaper (see [`crate::probe::ProbeSpawner`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct SysSpawner;

impl crate::probe::ProbeSpawner for SysSpawner {
    fn spawn(
        &self,
        request: crate::probe::ExecRequest,
    ) -> crate::probe::BoxFuture<'_, Result<crate::probe::StartedProbe, String>> {
        Box::pin(async move {
            let spec = SpawnSpec {
                argv: request.argv,
                env: request.env,
                working_dir: request.working_dir,
                capture_output: false,
            };
            let child = spawn(spec).await.map_err(|e| format!("cannot start the probe command: {e}"))?;
            let pgid = child.pid;
            let exit = Box::pin(async move {
                let status = child.exit.await.map_err(|_| format!("probe process {pgid} was not reaped"))?;
                // Whatever the probe command left in its group does not outlive the check.
                if signal_group(pgid, libc::SIGKILL) {
                    forget_group(pgid);
                }
                Ok(match status {
                    ExitStatus::Code(code) => crate::probe::ProbeExit::Code(code),
                    ExitStatus::Signal(signal) => crate::probe::ProbeExit::Signal(signal),
                })
            });
            Ok(crate::probe::StartedProbe { pgid, exit })
        })
    }
}
