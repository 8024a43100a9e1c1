//! The baseline spawner: the least a supervisor must do, to measure ours against. One thread, no allocation per
//! line: every child runs in its own process group with one pipe for stdout and stderr; `poll` waits on the pipes
//! and a signalfd; complete lines are copied to stdout behind a `name | ` prefix with blocking writes (so a slow
//! reader slows the children instead of growing a buffer); SIGTERM/SIGINT/SIGHUP are forwarded to every group,
//! with SIGKILL after 10 s. It also runs the workloads' restart-always processes (respawned at once) and exec
//! readiness probes (first check after the initial delay, then every period for the life of the process), so
//! that every workload has a physical-limit counterpart. Reads the workload from `SVC_BENCH_SPEC`.

use std::ffi::CString;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::process::ExitCode;

use svc_bench::monotonic_ns;
use svc_bench::spec::{ProcSpec, Restart, Spec};

/// A line longer than this is split (the supervisor must not buffer without bound).
const MAX_LINE: usize = 64 * 1024;
const KILL_AFTER_NS: u64 = 10_000_000_000;

fn main() -> ExitCode {
    let spec = match Spec::from_env() {
        Ok(spec) => spec,
        Err(e) => {
            eprintln!("baseline: {e}");
            return ExitCode::from(2);
        }
    };
    match Baseline::new(spec).and_then(|mut b| b.run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("baseline: {e}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Waiting,
    Running(i32),
    Ended,
}

struct Proc {
    spec: ProcSpec,
    deps: Vec<usize>,
    prefix: Vec<u8>,
    state: State,
    healthy: bool,
    next_probe_ns: Option<u64>,
    probe_pid: Option<i32>,
}

/// The read end of one child's output pipe (a restarted child gets a new pipe; the old one drains to EOF).
struct Stream {
    proc: usize,
    fd: OwnedFd,
    partial: Vec<u8>,
}

struct Baseline {
    procs: Vec<Proc>,
    streams: Vec<Stream>,
    signal_fd: OwnedFd,
    out: Vec<u8>,
    stopping_since: Option<u64>,
    killed: bool,
}

impl Baseline {
    fn new(spec: Spec) -> Result<Self, String> {
        let width = spec.processes.iter().map(|p| p.name.len()).max().unwrap_or(0);
        let mut procs = Vec::with_capacity(spec.processes.len());
        for p in &spec.processes {
            let deps = p
                .depends_on
                .iter()
                .map(|d| spec.index_of(d).ok_or_else(|| format!("{} depends on unknown process {d}", p.name)))
                .collect::<Result<_, _>>()?;
            procs.push(Proc {
                prefix: format!("{:<width$} | ", p.name).into_bytes(),
                spec: p.clone(),
                deps,
                state: State::Waiting,
                healthy: false,
                next_probe_ns: None,
                probe_pid: None,
            });
        }
        Ok(Baseline {
            procs,
            streams: Vec::new(),
            signal_fd: block_signals()?,
            out: Vec::with_capacity(128 * 1024),
            stopping_since: None,
            killed: false,
        })
    }

    fn run(&mut self) -> Result<(), String> {
        let mut buf = vec![0u8; 64 * 1024];
        let mut fds: Vec<libc::pollfd> = Vec::new();
        loop {
            if self.stopping_since.is_none() {
                self.start_ready()?;
            }
            let now = monotonic_ns();
            self.run_due_probes(now)?;
            let running = self.procs.iter().any(|p| matches!(p.state, State::Running(_)) || p.probe_pid.is_some());
            if !running && self.streams.is_empty() {
                return Ok(());
            }
            if let Some(since) = self.stopping_since
                && !self.killed
                && now >= since + KILL_AFTER_NS
            {
                self.signal_all(libc::SIGKILL);
                self.killed = true;
            }

            fds.clear();
            fds.push(libc::pollfd { fd: self.signal_fd.as_raw_fd(), events: libc::POLLIN, revents: 0 });
            fds.extend(self.streams.iter().map(|s| libc::pollfd {
                fd: s.fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            }));
            let timeout = self.poll_timeout_ms(now);
            // SAFETY: `fds` is a live array of pollfd of the given length.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
            if n < 0 {
                let err = std::io::Error::last_os_error();
                if err.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(format!("poll failed: {err}"));
            }
            // Output first, so that the lines of a child that just exited are copied before it is reaped.
            let mut closed = Vec::new();
            for (i, pfd) in fds.iter().enumerate().skip(1) {
                if pfd.revents == 0 {
                    continue;
                }
                let stream = &mut self.streams[i - 1];
                // SAFETY: reading into a live buffer from an open descriptor.
                let got = unsafe { libc::read(stream.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
                if got > 0 {
                    let prefix = &self.procs[stream.proc].prefix;
                    copy_lines(prefix, &mut stream.partial, &buf[..got as usize], &mut self.out);
                } else if got == 0 || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
                    if !stream.partial.is_empty() {
                        let prefix = &self.procs[stream.proc].prefix;
                        self.out.extend_from_slice(prefix);
                        self.out.append(&mut stream.partial);
                        self.out.push(b'\n');
                    }
                    closed.push(i - 1);
                }
            }
            for i in closed.into_iter().rev() {
                self.streams.swap_remove(i);
            }
            self.flush()?;
            if fds[0].revents != 0 {
                self.handle_signals()?;
            }
        }
    }

    fn flush(&mut self) -> Result<(), String> {
        if self.out.is_empty() {
            return Ok(());
        }
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(&self.out).and_then(|()| stdout.flush()).map_err(|e| format!("writing stdout: {e}"))?;
        self.out.clear();
        Ok(())
    }

    fn poll_timeout_ms(&self, now: u64) -> i32 {
        let mut next = self.procs.iter().filter(|p| p.probe_pid.is_none()).filter_map(|p| p.next_probe_ns).min();
        if let Some(since) = self.stopping_since
            && !self.killed
        {
            next = Some(next.map_or(since + KILL_AFTER_NS, |n| n.min(since + KILL_AFTER_NS)));
        }
        match next {
            None => -1,
            Some(at) => (at.saturating_sub(now).div_ceil(1_000_000)).min(i32::MAX as u64) as i32,
        }
    }

    fn start_ready(&mut self) -> Result<(), String> {
        for i in 0..self.procs.len() {
            let p = &self.procs[i];
            if p.state != State::Waiting {
                continue;
            }
            let ready = p.deps.iter().all(|&d| {
                let dep = &self.procs[d];
                if dep.spec.probe.is_some() { dep.healthy } else { dep.state != State::Waiting }
            });
            if ready {
                self.spawn(i)?;
            }
        }
        Ok(())
    }

    fn spawn(&mut self, i: usize) -> Result<(), String> {
        let p = &mut self.procs[i];
        let (read, write) = pipe()?;
        let pid =
            spawn(&p.spec.argv, &p.spec.env, Some(&write)).map_err(|e| format!("cannot start {}: {e}", p.spec.name))?;
        // The child has its copy; ours must close so that EOF comes when the child (and its heirs) are done.
        drop(write);
        p.state = State::Running(pid);
        p.next_probe_ns = p.spec.probe.as_ref().map(|probe| monotonic_ns() + probe.initial_delay_ms * 1_000_000);
        self.streams.push(Stream { proc: i, fd: read, partial: Vec::new() });
        Ok(())
    }

    fn run_due_probes(&mut self, now: u64) -> Result<(), String> {
        if self.stopping_since.is_some() {
            return Ok(());
        }
        for p in &mut self.procs {
            let (Some(at), None, State::Running(_), Some(probe)) =
                (p.next_probe_ns, p.probe_pid, p.state, &p.spec.probe)
            else {
                continue;
            };
            if at > now {
                continue;
            }
            let pid =
                spawn(&probe.argv, &[], None).map_err(|e| format!("cannot start the probe of {}: {e}", p.spec.name))?;
            p.probe_pid = Some(pid);
        }
        Ok(())
    }

    fn handle_signals(&mut self) -> Result<(), String> {
        // SAFETY: signalfd_siginfo is plain data; all zeroes is a valid value.
        let mut info: libc::signalfd_siginfo = unsafe { std::mem::zeroed() };
        let size = std::mem::size_of::<libc::signalfd_siginfo>();
        // SAFETY: reading one siginfo into a live, correctly sized struct.
        let got =
            unsafe { libc::read(self.signal_fd.as_raw_fd(), (&mut info as *mut libc::signalfd_siginfo).cast(), size) };
        if got != size as isize {
            return Ok(());
        }
        match info.ssi_signo as i32 {
            libc::SIGCHLD => self.reap(),
            _ => {
                if self.stopping_since.is_none() {
                    self.stopping_since = Some(monotonic_ns());
                    self.signal_all(libc::SIGTERM);
                } else {
                    // A second request: kill at once.
                    self.signal_all(libc::SIGKILL);
                    self.killed = true;
                }
                Ok(())
            }
        }
    }

    fn signal_all(&self, signal: i32) {
        for p in &self.procs {
            for pid in
                [if let State::Running(pid) = p.state { Some(pid) } else { None }, p.probe_pid].into_iter().flatten()
            {
                // SAFETY: signalling a process group we created.
                unsafe { libc::kill(-pid, signal) };
            }
        }
    }

    fn reap(&mut self) -> Result<(), String> {
        loop {
            let mut status = 0;
            // SAFETY: plain waitpid on any child without blocking.
            let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
            if pid <= 0 {
                return Ok(());
            }
            let Some(i) = self.procs.iter().position(|p| p.state == State::Running(pid) || p.probe_pid == Some(pid))
            else {
                continue;
            };
            let p = &mut self.procs[i];
            if p.probe_pid == Some(pid) {
                p.probe_pid = None;
                if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0 {
                    p.healthy = true;
                }
                // A readiness probe runs for the life of the process (process-compose's semantics, and ours).
                let period = p.spec.probe.as_ref().map_or(0, |probe| probe.period_ms);
                p.next_probe_ns = Some(monotonic_ns() + period * 1_000_000);
                continue;
            }
            p.state = State::Ended;
            p.next_probe_ns = None;
            if matches!(p.spec.restart, Restart::Always { .. }) && self.stopping_since.is_none() {
                self.spawn(i)?;
            }
        }
    }
}

/// Appends every complete line of `data` (after what `partial` holds) to `out` behind `prefix`; keeps the rest.
fn copy_lines(prefix: &[u8], partial: &mut Vec<u8>, mut data: &[u8], out: &mut Vec<u8>) {
    while let Some(nl) = data.iter().position(|&b| b == b'\n') {
        out.extend_from_slice(prefix);
        out.append(partial);
        out.extend_from_slice(&data[..=nl]);
        data = &data[nl + 1..];
    }
    partial.extend_from_slice(data);
    if partial.len() >= MAX_LINE {
        out.extend_from_slice(prefix);
        out.append(partial);
        out.push(b'\n');
    }
}

/// Starts `argv` (looked up on `PATH`) with `posix_spawnp`, the cheapest way to start a process: in its own
/// process group, with an empty signal mask (ours blocks the signals the signalfd reports) and default SIGPIPE,
/// stdin from /dev/null, stdout and stderr to `output` (or /dev/null), and `env` added to the environment.
fn spawn(argv: &[String], env: &[(String, String)], output: Option<&OwnedFd>) -> Result<i32, String> {
    let cstr = |s: &[u8]| CString::new(s).map_err(|_| format!("{:?} contains a NUL byte", String::from_utf8_lossy(s)));
    let args: Vec<CString> = argv.iter().map(|a| cstr(a.as_bytes())).collect::<Result<_, _>>()?;
    if args.is_empty() {
        return Err("empty command".into());
    }
    let mut vars: Vec<CString> = std::env::vars_os()
        .filter(|(k, _)| !env.iter().any(|(key, _)| k.as_bytes() == key.as_bytes()))
        .map(|(k, v)| cstr(&[k.as_bytes(), b"=", v.as_bytes()].concat()))
        .collect::<Result<_, _>>()?;
    for (k, v) in env {
        vars.push(cstr(format!("{k}={v}").as_bytes())?);
    }
    let mut arg_ptrs: Vec<*mut libc::c_char> = args.iter().map(|a| a.as_ptr().cast_mut()).collect();
    arg_ptrs.push(std::ptr::null_mut());
    let mut env_ptrs: Vec<*mut libc::c_char> = vars.iter().map(|v| v.as_ptr().cast_mut()).collect();
    env_ptrs.push(std::ptr::null_mut());
    let dev_null = c"/dev/null";
    // SAFETY: the attribute and file-action objects are initialised before use and destroyed after; every pointer
    // passed (argv, envp, paths) stays alive until posix_spawnp returns.
    unsafe {
        let mut attr: libc::posix_spawnattr_t = std::mem::zeroed();
        let mut actions: libc::posix_spawn_file_actions_t = std::mem::zeroed();
        libc::posix_spawnattr_init(&mut attr);
        libc::posix_spawn_file_actions_init(&mut actions);
        let mut empty: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut empty);
        let mut pipe_default: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut pipe_default);
        libc::sigaddset(&mut pipe_default, libc::SIGPIPE);
        libc::posix_spawnattr_setsigmask(&mut attr, &empty);
        libc::posix_spawnattr_setsigdefault(&mut attr, &pipe_default);
        libc::posix_spawnattr_setpgroup(&mut attr, 0);
        let flags = libc::POSIX_SPAWN_SETPGROUP | libc::POSIX_SPAWN_SETSIGMASK | libc::POSIX_SPAWN_SETSIGDEF;
        libc::posix_spawnattr_setflags(&mut attr, flags as libc::c_short);
        libc::posix_spawn_file_actions_addopen(&mut actions, 0, dev_null.as_ptr(), libc::O_RDONLY, 0);
        match output {
            Some(fd) => {
                libc::posix_spawn_file_actions_adddup2(&mut actions, fd.as_raw_fd(), 1);
                libc::posix_spawn_file_actions_adddup2(&mut actions, fd.as_raw_fd(), 2);
            }
            None => {
                libc::posix_spawn_file_actions_addopen(&mut actions, 1, dev_null.as_ptr(), libc::O_WRONLY, 0);
                libc::posix_spawn_file_actions_adddup2(&mut actions, 1, 2);
            }
        }
        let mut pid = 0;
        let rc = libc::posix_spawnp(&mut pid, args[0].as_ptr(), &actions, &attr, arg_ptrs.as_ptr(), env_ptrs.as_ptr());
        libc::posix_spawn_file_actions_destroy(&mut actions);
        libc::posix_spawnattr_destroy(&mut attr);
        if rc != 0 {
            return Err(format!("{}: {}", argv[0], std::io::Error::from_raw_os_error(rc)));
        }
        Ok(pid)
    }
}

fn pipe() -> Result<(OwnedFd, OwnedFd), String> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into a live array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(format!("pipe failed: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: both descriptors were just created and are owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Blocks SIGCHLD and the stop signals and returns a signalfd that reports them (children get an empty mask).
fn block_signals() -> Result<OwnedFd, String> {
    // SAFETY: building and installing a signal mask in a single-threaded process, then creating a signalfd for it.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for signal in [libc::SIGCHLD, libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            libc::sigaddset(&mut set, signal);
        }
        if libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            return Err(format!("sigprocmask failed: {}", std::io::Error::last_os_error()));
        }
        let fd = libc::signalfd(-1, &set, libc::SFD_CLOEXEC);
        if fd < 0 {
            return Err(format!("signalfd failed: {}", std::io::Error::last_os_error()));
        }
        Ok(OwnedFd::from_raw_fd(fd))
    }
}
