//! The words the supervisor and the OS layer speak: what to start ([`SpawnSpec`]), the started child
//! ([`Child`]), how it ended ([`ExitStatus`]), signal numbers ([`signal`]), and the [`Spawner`] seam through
//! which process tasks and probes start and signal processes.
//!
//! Pure values and a trait, no system calls: the pure layers (the process machine, dependency rules, exit rules)
//! import this module, never `os`, and `os` implements [`Spawner`] for real while tests implement it with fakes.

use std::fmt;
use std::future::Future;
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::pin::Pin;

use tokio::sync::oneshot;

/// The environment variable that marks every process the supervisor starts, and (by inheritance) their
/// descendants: `<supervisor pid>.<run id>/<process name>`. It lets the supervisor find descendants that escaped
/// their process group with `setsid` and were reparented to it.
pub const TAG_VAR: &str = "SVC_PROCESS_TAG";

/// The [`TAG_VAR`] value of process `name` in run `run` of this supervisor.
pub fn tag(run: u64, name: &str) -> String {
    format!("{}.{run}/{name}", std::process::id())
}

/// A boxed, sendable future (what [`Spawner::spawn`] returns).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What to start: a process's command, a shutdown command or an exec probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpawnSpec {
    /// Program and arguments (the program is looked up on the child's `PATH` unless it contains a `/`).
    pub argv: Vec<String>,
    /// Variables added to (or replacing those of) the supervisor's environment.
    pub env: Vec<(String, String)>,
    /// Working directory, if not the supervisor's.
    pub working_dir: Option<PathBuf>,
    /// Whether stdout and stderr are piped to the supervisor (else they go to `/dev/null`, as for probes).
    pub capture_output: bool,
    /// Run under a pseudo-terminal (`is_tty`): stdin, stdout and stderr are the terminal, which is the child's
    /// controlling terminal in a session of its own; the child's [`Child::stdout`] is the terminal's master side
    /// (read it with `logs::tty_reader`) and there is no separate stderr.
    pub tty: bool,
}

/// A started child. It leads its own process group (its pid is the group id); its exit status arrives on
/// `exit`, exactly once, after the spawner reaped it.
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

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SpawnError {}

/// Starts, signals and forgets process groups: the seam between the supervisor's tasks and the OS.
///
/// The supervisor uses the OS implementation (a dedicated spawner thread and reaper); [`StdSpawner`] is a
/// self-contained one for probes run on their own (`std::process`); unit tests use fakes, so a process task's
/// logic runs without processes.
///
/// [`StdSpawner`]: crate::probe::StdSpawner
pub trait Spawner: Send + Sync {
    /// Starts `spec` as the leader of a new process group.
    fn spawn(&self, spec: SpawnSpec) -> BoxFuture<'_, Result<Child, SpawnError>>;

    /// Sends `signal` to process group `pgid` (0 only checks that it exists). Returns false if the group no
    /// longer exists. Ids of 1 or less are never signalled.
    fn signal_group(&self, pgid: i32, signal: i32) -> bool;

    /// Sends `signal` to process `pid` alone, not its group (`shutdown.parent_only`). Returns false if it no longer
    /// exists. The default signals the group of which `pid` is the leader, for spawners that cannot do better.
    fn signal_process(&self, pid: i32, signal: i32) -> bool {
        self.signal_group(pid, signal)
    }

    /// Whether any process of group `pgid` is still alive.
    fn group_alive(&self, pgid: i32) -> bool {
        self.signal_group(pgid, 0)
    }

    /// The owner of group `pgid` is done with it: once it is empty its id may be reused and must never be
    /// signalled again.
    fn forget_group(&self, _pgid: i32) {}

    /// The leader of group `pgid` was reaped: kill what it left in its group and forget the group, where the
    /// spawner tracks groups (the OS one does; a spawner that does not track them must not signal an id that
    /// may already be reused, so the default does nothing).
    fn kill_leftovers(&self, _pgid: i32) {}

    /// Kills every process that carries the tag of process `name` of run `run` (descendants that left its process
    /// group with `setsid`). Blocking.
    fn kill_tagged(&self, _run: u64, _name: &str) {}

    /// Sends `signal` (0: none) to every process that carries the tag of process `name` of run `run`, wherever it
    /// is (a daemon that left its launcher's group); returns how many there were. Blocking.
    fn signal_tagged(&self, _run: u64, _name: &str, _signal: i32) -> usize {
        0
    }
}

/// How a child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExitStatus {
    /// It exited with this code.
    Code(i32),
    /// It was killed by this signal.
    Signal(i32),
}

impl ExitStatus {
    /// The code a shell would report: the exit code, or 128 + the signal number.
    pub fn shell_code(self) -> i32 {
        match self {
            ExitStatus::Code(code) => code,
            ExitStatus::Signal(signal) => 128 + signal,
        }
    }

    /// Whether this is a success: an exit code that [`svc_core::is_success_code`] accepts (a signal never is).
    pub fn is_success(self, success_exit_codes: &[i32]) -> bool {
        matches!(self, ExitStatus::Code(code) if svc_core::is_success_code(code, success_exit_codes))
    }
}

impl fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitStatus::Code(code) => write!(f, "exit code {code}"),
            ExitStatus::Signal(number) => write!(f, "signal {} ({})", number, signal::name(*number)),
        }
    }
}

/// Signal numbers and names, as Linux defines them (svc runs on Linux only: `clone`, `prctl`, `/proc`). Kept
/// here as plain numbers so that the pure layers need no `libc`; a test in `os` checks them against `libc`.
pub mod signal {
    /// Hang-up.
    pub const SIGHUP: i32 = 1;
    /// Interrupt (Ctrl-C).
    pub const SIGINT: i32 = 2;
    /// Quit.
    pub const SIGQUIT: i32 = 3;
    /// Illegal instruction.
    pub const SIGILL: i32 = 4;
    /// Abort.
    pub const SIGABRT: i32 = 6;
    /// Bus error.
    pub const SIGBUS: i32 = 7;
    /// Floating-point exception.
    pub const SIGFPE: i32 = 8;
    /// Kill (cannot be caught).
    pub const SIGKILL: i32 = 9;
    /// User signal 1.
    pub const SIGUSR1: i32 = 10;
    /// Segmentation fault.
    pub const SIGSEGV: i32 = 11;
    /// User signal 2.
    pub const SIGUSR2: i32 = 12;
    /// Broken pipe.
    pub const SIGPIPE: i32 = 13;
    /// Alarm clock.
    pub const SIGALRM: i32 = 14;
    /// Termination request.
    pub const SIGTERM: i32 = 15;

    /// Every named signal, number and name.
    pub const NAMED: [(i32, &str); 14] = [
        (SIGHUP, "SIGHUP"),
        (SIGINT, "SIGINT"),
        (SIGQUIT, "SIGQUIT"),
        (SIGILL, "SIGILL"),
        (SIGABRT, "SIGABRT"),
        (SIGBUS, "SIGBUS"),
        (SIGFPE, "SIGFPE"),
        (SIGKILL, "SIGKILL"),
        (SIGUSR1, "SIGUSR1"),
        (SIGSEGV, "SIGSEGV"),
        (SIGUSR2, "SIGUSR2"),
        (SIGPIPE, "SIGPIPE"),
        (SIGALRM, "SIGALRM"),
        (SIGTERM, "SIGTERM"),
    ];

    /// The conventional name of a signal number (`SIGTERM`), or `SIG?`.
    pub fn name(number: i32) -> &'static str {
        NAMED.iter().find(|(n, _)| *n == number).map_or("SIG?", |(_, name)| name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_statuses_read_as_a_shell_reports_them() {
        let cases = [
            (ExitStatus::Code(0), 0, "exit code 0", true),
            (ExitStatus::Code(3), 3, "exit code 3", false),
            (ExitStatus::Code(130), 130, "exit code 130", true),
            (ExitStatus::Signal(signal::SIGTERM), 143, "signal 15 (SIGTERM)", false),
            (ExitStatus::Signal(64), 192, "signal 64 (SIG?)", false),
        ];
        for (status, code, text, success) in cases {
            assert_eq!(status.shell_code(), code, "{status:?}");
            assert_eq!(status.to_string(), text);
            assert_eq!(status.is_success(&[130]), success, "{status:?}");
        }
    }
}
