//! Starting a child with `clone(CLONE_VM | CLONE_VFORK)` (what `posix_spawn` does), instead of `fork`.
//!
//! Why: `fork` copies the supervisor's page tables and then takes copy-on-write faults in both processes, which
//! made spawning the supervisor's largest cost (a restart loop spent most of its CPU there). With `CLONE_VM` the
//! child borrows the supervisor's memory until `execve`, while the forking thread is suspended (`CLONE_VFORK`).
//! `posix_spawn` itself cannot be used: it has no way to set `PR_SET_PDEATHSIG`.
//!
//! Rules for the child side ([`child_main`]): everything it touches is prepared by the parent beforehand (C
//! strings, pointer arrays, descriptors, the stack); it only makes raw system calls, never allocates, never
//! panics, and reports a failure through the shared [`Setup::error`] before `_exit(127)`. All signals are blocked
//! around `clone`, and the child resets every handled signal to its default before unblocking, so that no handler
//! of the supervisor ever runs on the child's borrowed memory.

use std::ffi::{CString, OsStr};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use svc_core::NotFound;

use super::pty::Pty;
use crate::child::{SpawnError, SpawnSpec};

/// Stack of the child between `clone` and `execve` (it only calls a handful of syscall wrappers).
const CHILD_STACK: usize = 64 * 1024;

/// Which step of the child's setup failed.
#[derive(Clone, Copy)]
#[repr(i32)]
enum Stage {
    None = 0,
    ProcessGroup,
    DeathSignal,
    Stdio,
    WorkingDir,
    Exec,
    Terminal,
}

/// Everything the child needs, prepared by the parent; shared with the child (`CLONE_VM`).
struct Setup {
    program: CString,
    argv: Vec<*const libc::c_char>,
    envp: Vec<*const libc::c_char>,
    working_dir: Option<CString>,
    stdin: i32,
    stdout: i32,
    stderr: i32,
    /// The standard streams are a terminal that becomes the child's controlling terminal (a new session).
    tty: bool,
    supervisor: libc::pid_t,
    nofile: Option<libc::rlimit>,
    /// The highest signal number (`SIGRTMAX`).
    max_signal: i32,
    /// Set by the child on failure: the stage and the errno.
    error: (i32, i32),
}

/// The spawned child: its pid and the read ends of its output pipes.
pub(crate) struct Spawned {
    pub pid: i32,
    pub stdout: Option<OwnedFd>,
    pub stderr: Option<OwnedFd>,
}

fn c_string(bytes: &[u8], what: &str) -> Result<CString, SpawnError> {
    CString::new(bytes).map_err(|_| SpawnError(format!("{what} contains a NUL byte")))
}

/// The `PATH` searched when neither the child's environment nor the supervisor's has one (glibc's `execvp`
/// default, plus `/usr/local/bin`).
const DEFAULT_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// The file to `execve` for `program`: the one lookup of `svc_core::find_program`, on the child's `PATH`, with
/// relative entries resolved against the child's working directory. `None` if a bare name is on no directory.
fn resolve(program: &str, path_var: Option<&OsStr>, working_dir: Option<&Path>) -> Option<PathBuf> {
    // The child changes into `working_dir` before `execve`: resolve against where that really is.
    let cwd;
    let working_dir = match working_dir {
        Some(dir) if dir.is_relative() => {
            cwd = std::env::current_dir().map(|cwd| cwd.join(dir)).unwrap_or_else(|_| dir.to_path_buf());
            Some(cwd.as_path())
        }
        other => other,
    };
    match svc_core::find_program(program, Some(path_var.unwrap_or(OsStr::new(DEFAULT_PATH))), working_dir) {
        Ok(found) => Some(found),
        // A path is not searched for: `execve` says exactly what is wrong with it (missing, not executable).
        Err(NotFound::Path(_)) => Some(PathBuf::from(program)),
        Err(NotFound::OnPath(_)) => None,
    }
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into `fds`, a live local array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe2 returned two fresh descriptors that nobody else owns.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// The stack the child runs on between `clone` and `execve`: one for every spawn of the spawner thread (the
/// thread is suspended while a child uses it), allocated once instead of 64 KiB allocated and zeroed per spawn.
pub(crate) struct ChildStack(Vec<u8>);

impl ChildStack {
    /// A stack for the spawner thread's children.
    pub(crate) fn new() -> Self {
        ChildStack(vec![0u8; CHILD_STACK])
    }
}

/// Starts `spec` in its own process group with `PR_SET_PDEATHSIG(SIGKILL)`. Must be called on the supervisor's
/// long-lived spawner thread (the death signal fires when the creating thread exits), with its `stack`.
pub(crate) fn spawn(
    spec: &SpawnSpec,
    supervisor: libc::pid_t,
    devnull: &OwnedFd,
    nofile: Option<libc::rlimit>,
    stack: &mut ChildStack,
) -> Result<Spawned, SpawnError> {
    let Some(program) = spec.argv.first() else {
        return Err(SpawnError("nothing to run: the command is empty".into()));
    };
    let place = spec.working_dir.as_ref().map(|d| format!(" in {}", d.display())).unwrap_or_default();

    // The environment: the supervisor's, then the spec's (later entries win).
    let mut env: Vec<(std::ffi::OsString, std::ffi::OsString)> = std::env::vars_os().collect();
    for (key, value) in &spec.env {
        match env.iter_mut().find(|(k, _)| k.as_os_str() == OsStr::new(key)) {
            Some(entry) => entry.1 = value.into(),
            None => env.push((key.into(), value.into())),
        }
    }
    let path_var = env.iter().find(|(k, _)| k == "PATH").map(|(_, v)| v.as_os_str());
    let Some(resolved) = resolve(program, path_var, spec.working_dir.as_deref()) else {
        return Err(SpawnError(format!(
            "cannot start `{program}`{place}: not found on PATH (check the program name and PATH)"
        )));
    };

    let program_c = c_string(resolved.as_os_str().as_bytes(), "the program path")?;
    let argv_c: Vec<CString> =
        spec.argv.iter().map(|a| c_string(a.as_bytes(), "an argument")).collect::<Result<_, _>>()?;
    let envp_c: Vec<CString> = env
        .iter()
        .map(|(k, v)| {
            let mut entry = k.as_bytes().to_vec();
            entry.push(b'=');
            entry.extend_from_slice(v.as_bytes());
            c_string(&entry, "an environment variable")
        })
        .collect::<Result<_, _>>()?;
    let working_dir = match &spec.working_dir {
        Some(dir) => Some(c_string(dir.as_os_str().as_bytes(), "the working directory")?),
        None => None,
    };

    let io_error = |e: io::Error| SpawnError(format!("cannot start `{program}`{place}: {e}"));
    let pty = if spec.tty {
        let open = Pty::open().map_err(|e| SpawnError(format!("cannot start `{program}`{place}: no terminal: {e}")));
        Some(open?)
    } else {
        None
    };
    let (stdout_read, stdout_write, stderr_read, stderr_write) = if pty.is_some() {
        (None, None, None, None)
    } else if spec.capture_output {
        let (r1, w1) = pipe().map_err(io_error)?;
        let (r2, w2) = pipe().map_err(io_error)?;
        (Some(r1), Some(w1), Some(r2), Some(w2))
    } else {
        (None, None, None, None)
    };
    let null = devnull.as_raw_fd();

    let mut argv: Vec<*const libc::c_char> = argv_c.iter().map(|c| c.as_ptr()).collect();
    argv.push(std::ptr::null());
    let mut envp: Vec<*const libc::c_char> = envp_c.iter().map(|c| c.as_ptr()).collect();
    envp.push(std::ptr::null());
    let mut setup = Setup {
        program: program_c,
        argv,
        envp,
        working_dir,
        stdin: pty.as_ref().map_or(null, |p| p.terminal.as_raw_fd()),
        stdout: pty
            .as_ref()
            .map(|p| p.terminal.as_raw_fd())
            .or(stdout_write.as_ref().map(|w| w.as_raw_fd()))
            .unwrap_or(null),
        stderr: pty
            .as_ref()
            .map(|p| p.terminal.as_raw_fd())
            .or(stderr_write.as_ref().map(|w| w.as_raw_fd()))
            .unwrap_or(null),
        tty: pty.is_some(),
        supervisor,
        nofile,
        max_signal: libc::SIGRTMAX(),
        error: (Stage::None as i32, 0),
    };

    // The stack grows down: pass its (16-byte aligned) top.
    let top = (stack.0.as_mut_ptr() as usize + CHILD_STACK) & !0xf;
    let pid = {
        // SAFETY: sigset_t is plain data; sigfillset / pthread_sigmask fill these values in.
        let mut all: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        let mut old: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: sigfillset writes into `all`, a live local.
        unsafe { libc::sigfillset(&mut all) };
        // SAFETY: signal masks are per thread: every signal is blocked on this thread while the child shares its
        // memory; `old` receives the mask to restore.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old) };
        // SAFETY: `child_main` follows the rules of the module documentation; `setup` and `stack` outlive the
        // child's use of them (CLONE_VFORK suspends this thread until the child has called execve or exited).
        let pid = unsafe {
            libc::clone(
                child_main,
                top as *mut libc::c_void,
                libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
                (&mut setup as *mut Setup).cast(),
            )
        };
        let clone_error = io::Error::last_os_error();
        // SAFETY: restores this thread's mask from `old`, a live local.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut()) };
        if pid < 0 {
            return Err(io_error(clone_error));
        }
        pid
    };
    // The write ends belong to the child now.
    drop(stdout_write);
    drop(stderr_write);

    let (stage, errno) = setup.error;
    if stage != Stage::None as i32 {
        // The child has exited (status 127, CLONE_VFORK resumed us after its `_exit`): reap it here, it has no
        // owner and its group is not tracked.
        super::group::reap_exited(pid);
        let cause = io::Error::from_raw_os_error(errno);
        let (what, hint) = match stage {
            s if s == Stage::WorkingDir as i32 => ("cannot enter the working directory", " (does it exist?)"),
            s if s == Stage::Exec as i32 => match cause.kind() {
                io::ErrorKind::NotFound => ("cannot execute it", " (check the program name and PATH)"),
                io::ErrorKind::PermissionDenied => ("cannot execute it", " (is the file executable?)"),
                _ => ("cannot execute it", ""),
            },
            s if s == Stage::ProcessGroup as i32 => ("cannot give it its own process group", ""),
            s if s == Stage::DeathSignal as i32 => ("cannot set its parent-death signal", ""),
            s if s == Stage::Terminal as i32 => ("cannot give it its terminal", ""),
            _ => ("cannot set up its standard input and output", ""),
        };
        return Err(SpawnError(format!("cannot start `{program}`{place}: {what}: {cause}{hint}")));
    }
    match pty {
        // The child has its own copies of the terminal side; the master is the one output stream.
        Some(pty) => Ok(Spawned { pid, stdout: Some(pty.master), stderr: None }),
        None => Ok(Spawned { pid, stdout: stdout_read, stderr: stderr_read }),
    }
}

/// Records the failed `stage` with the current errno in the parent's [`Setup`] and exits the child.
///
/// # Safety
///
/// Only for the `clone`d child in [`child_main`]: it ends the calling process with `_exit`.
unsafe fn fail(setup: &mut Setup, stage: Stage) -> ! {
    // SAFETY: __errno_location returns the calling thread's errno slot (the child shares the spawning thread's
    // TLS under CLONE_VM, and that thread is suspended), always valid to read.
    setup.error = (stage as i32, unsafe { *libc::__errno_location() });
    // SAFETY: _exit(2) ends the child at once, without running any of the supervisor's exit handlers.
    unsafe { libc::_exit(127) }
}

/// The child between `clone` and `execve`. Raw syscalls on prepared data only (see the module documentation):
/// each call below is async-signal-safe and touches only `setup`, which the suspended parent does not touch.
extern "C" fn child_main(arg: *mut libc::c_void) -> libc::c_int {
    // SAFETY: `arg` is the parent's `Setup`, alive and not touched by the (suspended, CLONE_VFORK) parent.
    let setup = unsafe { &mut *(arg as *mut Setup) };
    // A terminal needs a session of its own (its leader also leads a new process group); otherwise only the group.
    let grouped = if setup.tty {
        // SAFETY: setsid(2) on ourselves; no memory involved.
        let session = unsafe { libc::setsid() };
        session >= 0
    } else {
        // SAFETY: setpgid(2) on ourselves; no memory involved.
        let group = unsafe { libc::setpgid(0, 0) };
        group == 0
    };
    if !grouped {
        // SAFETY: we are the clone child.
        unsafe { fail(setup, Stage::ProcessGroup) };
    }
    // SAFETY: prctl(PR_SET_PDEATHSIG) takes plain numbers.
    if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) } != 0 {
        // SAFETY: we are the clone child.
        unsafe { fail(setup, Stage::DeathSignal) };
    }
    // The supervisor died between clone and prctl: the death signal will never come.
    // SAFETY: getppid(2) takes no arguments.
    if unsafe { libc::getppid() } != setup.supervisor {
        // SAFETY: _exit(2) ends the child at once.
        unsafe { libc::_exit(1) };
    }
    // Handlers of the supervisor must not run here (execve would reset them anyway); signals ignored by
    // whoever started the supervisor stay ignored, except SIGPIPE, which Rust programs ignore for
    // themselves and every program expects at its default.
    // SAFETY: sigaction is plain data; all zeroes with SIG_DFL is a valid "default action" value.
    let mut default: libc::sigaction = unsafe { std::mem::zeroed() };
    default.sa_sigaction = libc::SIG_DFL;
    for signal in 1..=setup.max_signal {
        // SAFETY: as above, a valid value for sigaction to overwrite.
        let mut current: libc::sigaction = unsafe { std::mem::zeroed() };
        // SAFETY: sigaction(2) only writes the current action into `current`, a live local.
        if unsafe { libc::sigaction(signal, std::ptr::null(), &mut current) } != 0 {
            continue;
        }
        let handled = current.sa_sigaction != libc::SIG_DFL && current.sa_sigaction != libc::SIG_IGN;
        if handled || signal == libc::SIGPIPE {
            // SAFETY: installs the default action read from `default`, a live local; no handler code involved.
            unsafe { libc::sigaction(signal, &default, std::ptr::null_mut()) };
        }
    }
    if let Some(limit) = &setup.nofile {
        // SAFETY: setrlimit(2) only reads `limit`, part of the live `setup`.
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, limit) };
    }
    for (fd, target) in [(setup.stdin, 0), (setup.stdout, 1), (setup.stderr, 2)] {
        // SAFETY: dup2(2) on descriptor numbers the parent keeps open until the child has exec'd (the pipes' write
        // ends and the supervisor's /dev/null).
        if unsafe { libc::dup2(fd, target) } < 0 {
            // SAFETY: we are the clone child.
            unsafe { fail(setup, Stage::Stdio) };
        }
    }
    // SAFETY: TIOCSCTTY on our stdin, the terminal side the parent opened; we lead a new session without one.
    if setup.tty && unsafe { libc::ioctl(0, libc::TIOCSCTTY, 0) } != 0 {
        // SAFETY: we are the clone child.
        unsafe { fail(setup, Stage::Terminal) };
    }
    if let Some(dir) = &setup.working_dir {
        // SAFETY: chdir(2) reads `dir`, a NUL-terminated CString in the live `setup`.
        if unsafe { libc::chdir(dir.as_ptr()) } != 0 {
            // SAFETY: we are the clone child.
            unsafe { fail(setup, Stage::WorkingDir) };
        }
    }
    // SAFETY: sigset_t is plain data; sigemptyset initialises it fully.
    let mut empty: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: sigemptyset writes into `empty`, a live local.
    unsafe { libc::sigemptyset(&mut empty) };
    // SAFETY: sets this thread's mask from `empty`, a live local (the parent blocked everything around clone).
    unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut()) };
    // SAFETY: program, argv and envp are NUL-terminated C strings and NULL-terminated pointer arrays prepared by
    // the parent in `setup`, alive until the parent resumes (after this execve).
    unsafe { libc::execve(setup.program.as_ptr(), setup.argv.as_ptr(), setup.envp.as_ptr()) };
    // SAFETY: we are the clone child.
    unsafe { fail(setup, Stage::Exec) }
}
