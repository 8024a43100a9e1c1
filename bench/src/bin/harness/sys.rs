//! Process plumbing for the harness: launching a supervisor under a guard that cleans up everything it started,
//! the start-report FIFO, pidfds, and interruption by Ctrl-C.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use svc_bench::monotonic_ns;
use svc_bench::notify::{RECORD_LEN, Record};
use svc_bench::procfs;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Makes the harness a child subreaper (so that whatever a supervisor leaves behind is re-parented here, counted
/// and killed) and turns SIGINT/SIGTERM into a flag that every wait checks, so that Ctrl-C still cleans up.
pub fn init() -> Result<(), String> {
    // SAFETY: prctl with integer arguments; signal installs an async-signal-safe handler (an atomic store).
    unsafe {
        if libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0 {
            return Err(format!("PR_SET_CHILD_SUBREAPER failed: {}", std::io::Error::last_os_error()));
        }
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }
    Ok(())
}

/// `Err` once the user interrupted the harness.
pub fn check_interrupted() -> Result<(), String> {
    if INTERRUPTED.load(Ordering::SeqCst) { Err("interrupted".into()) } else { Ok(()) }
}

/// Sleeps `d`, waking early (with `Err`) on interruption.
pub fn sleep(d: Duration) -> Result<(), String> {
    let end = Instant::now() + d;
    loop {
        check_interrupted()?;
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}

/// The FIFO children report their start to, read by a thread into a shared list.
pub struct Fifo {
    path: PathBuf,
    records: Arc<(Mutex<Vec<Record>>, Condvar)>,
}

impl Fifo {
    /// Creates the FIFO in `dir` and starts its reader.
    pub fn create(dir: &Path) -> Result<Fifo, String> {
        let path = dir.join("starts.fifo");
        let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| format!("temporary path {} contains a NUL byte", path.display()))?;
        // SAFETY: valid C string. O_RDWR keeps a writer open, so reads never see EOF and opening never blocks.
        let fd = unsafe {
            if libc::mkfifo(c_path.as_ptr(), 0o600) != 0 {
                return Err(format!("mkfifo {} failed: {}", path.display(), std::io::Error::last_os_error()));
            }
            libc::open(c_path.as_ptr(), libc::O_RDWR | libc::O_CLOEXEC)
        };
        if fd < 0 {
            return Err(format!("cannot open {}: {}", path.display(), std::io::Error::last_os_error()));
        }
        // SAFETY: a descriptor just opened and owned by nobody else.
        let mut file = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(fd) });
        let records: Arc<(Mutex<Vec<Record>>, Condvar)> = Arc::default();
        let shared = Arc::clone(&records);
        std::thread::Builder::new()
            .name("fifo-reader".into())
            .spawn(move || {
                use std::io::Read;
                let mut buf = [0u8; RECORD_LEN];
                while file.read_exact(&mut buf).is_ok() {
                    if let Some(record) = Record::decode(&buf) {
                        let (list, cond) = &*shared;
                        list.lock().unwrap_or_else(|e| e.into_inner()).push(record);
                        cond.notify_all();
                    }
                }
            })
            .map_err(|e| format!("cannot start the FIFO reader thread: {e}"))?;
        Ok(Fifo { path, records })
    }

    /// The FIFO's path (given to children in `SVC_BENCH_FIFO`).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The records of `run` so far.
    pub fn records(&self, run: u32) -> Vec<Record> {
        let list = self.records.0.lock().unwrap_or_else(|e| e.into_inner());
        list.iter().filter(|r| r.run == run).copied().collect()
    }

    /// Waits until `run` has `n` distinct ids reported; returns the first record of each id. `sup` is checked
    /// as well: a supervisor that exited will never start them.
    pub fn wait_for(&self, run: u32, n: usize, timeout: Duration, sup: &mut Supervisor) -> Result<Vec<Record>, String> {
        let deadline = Instant::now() + timeout;
        let (list, cond) = &*self.records;
        let mut guard = list.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let mut firsts: Vec<Record> = Vec::new();
            for r in guard.iter().filter(|r| r.run == run) {
                if !firsts.iter().any(|f| f.id == r.id) {
                    firsts.push(*r);
                }
            }
            if firsts.len() >= n {
                return Ok(firsts);
            }
            check_interrupted()?;
            if let Some(status) = sup.try_exited() {
                return Err(format!(
                    "the supervisor exited ({status}) after {} of {n} children reported their start{}",
                    firsts.len(),
                    sup.stderr_tail()
                ));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!(
                    "only {} of {n} children reported their start within {timeout:?}{}",
                    firsts.len(),
                    sup.stderr_tail()
                ));
            }
            guard = cond.wait_timeout(guard, left.min(Duration::from_millis(50))).unwrap_or_else(|e| e.into_inner()).0;
        }
    }
}

/// `pidfd_open`: a descriptor that becomes readable when the process exits. `None` if it is already gone.
pub fn pidfd(pid: i32) -> Option<OwnedFd> {
    // SAFETY: a plain system call; the result is a new descriptor owned by the caller.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    // SAFETY: the descriptor was just created.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// Waits until every pidfd is readable (its process exited); returns the time the last one did.
pub fn wait_all_exited(fds: Vec<OwnedFd>, timeout: Duration) -> Result<u64, String> {
    let deadline = monotonic_ns() + timeout.as_nanos() as u64;
    let mut pending = fds;
    let mut last = monotonic_ns();
    while !pending.is_empty() {
        check_interrupted()?;
        let now = monotonic_ns();
        if now >= deadline {
            return Err(format!("{} processes still alive {timeout:?} after SIGTERM", pending.len()));
        }
        let mut pfds: Vec<libc::pollfd> =
            pending.iter().map(|fd| libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 }).collect();
        let wait_ms = ((deadline - now) / 1_000_000).clamp(1, 50) as i32;
        // SAFETY: a live pollfd array of the given length.
        let n = unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, wait_ms) };
        if n > 0 {
            last = monotonic_ns();
            let mut i = 0;
            pending.retain(|_| {
                let keep = pfds[i].revents == 0;
                i += 1;
                keep
            });
        }
    }
    Ok(last)
}

/// A running supervisor (ours or the baseline). Dropping it kills it and everything it left behind.
pub struct Supervisor {
    child: Child,
    /// Its pid.
    pub pid: i32,
    /// When it was launched (`CLOCK_MONOTONIC` ns, taken just before the spawn).
    pub launched_ns: u64,
    status: Option<ExitStatus>,
    stderr_path: PathBuf,
}

impl Supervisor {
    /// Starts `binary` on the workload file `spec`, in its own process group (the terminal's Ctrl-C reaches only
    /// the harness, which then cleans up), stdout to `stdout`, stderr to a file kept for error messages.
    pub fn launch(binary: &Path, spec: &Path, stdout: Stdio, stderr_path: PathBuf) -> Result<Supervisor, String> {
        if !binary.exists() {
            return Err(format!(
                "{} not found: build the bench binaries first (cargo build --release -p svc-bench --bins)",
                binary.display()
            ));
        }
        let stderr =
            std::fs::File::create(&stderr_path).map_err(|e| format!("cannot create {}: {e}", stderr_path.display()))?;
        let launched_ns = monotonic_ns();
        let child = Command::new(binary)
            .env(svc_bench::SPEC_ENV, spec)
            .env("NO_COLOR", "1")
            // A scratch working directory: no configuration file of the caller's directory applies.
            .current_dir(stderr_path.parent().unwrap_or(Path::new("/")))
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        Ok(Supervisor { pid: child.id() as i32, child, launched_ns, status: None, stderr_path })
    }

    /// The child handle (to take a piped stdout).
    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Sends `signal` to the supervisor process (not its group: forwarding is its job).
    pub fn signal(&self, signal: i32) {
        if self.status.is_none() {
            // SAFETY: signalling our own child, not yet reaped, so the pid is still ours.
            unsafe { libc::kill(self.pid, signal) };
        }
    }

    /// Whether it has exited (reaps it if so).
    pub fn try_exited(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
        }
        self.status
    }

    /// Waits up to `timeout` for it to exit.
    pub fn wait(&mut self, timeout: Duration) -> Result<ExitStatus, String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.try_exited() {
                return Ok(status);
            }
            check_interrupted()?;
            if Instant::now() >= deadline {
                return Err(format!("supervisor still running {timeout:?} later{}", self.stderr_tail()));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// The end of its stderr, to explain a failure.
    pub fn stderr_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.stderr_path).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(8).collect();
        if tail.is_empty() {
            String::new()
        } else {
            format!("; its stderr ends with:\n    {}", tail.into_iter().rev().collect::<Vec<_>>().join("\n    "))
        }
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        if self.try_exited().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        kill_descendants();
    }
}

/// Kills every live descendant of the harness and its process group, and reaps those re-parented here; bounded.
pub fn kill_descendants() -> usize {
    let me = std::process::id() as i32;
    // SAFETY: getpgrp has no preconditions.
    let my_group = unsafe { libc::getpgrp() };
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut killed = 0;
    loop {
        let found = procfs::descendants(me);
        let mut any_alive = false;
        for (pid, stat) in &found {
            if stat.state != b'Z' {
                any_alive = true;
                killed += 1;
                // SAFETY: signalling processes that descend from the harness (and their own groups).
                unsafe {
                    if stat.pgid > 1 && stat.pgid != my_group {
                        libc::kill(-stat.pgid, libc::SIGKILL);
                    }
                    libc::kill(*pid, libc::SIGKILL);
                }
            }
        }
        for (pid, stat) in &found {
            if stat.ppid == me {
                let mut status = 0;
                // SAFETY: reaping one specific child (never -1, which could steal a std::process::Child's status).
                unsafe { libc::waitpid(*pid, &mut status, libc::WNOHANG) };
            }
        }
        if (!any_alive && found.iter().all(|(_, s)| s.ppid != me)) || Instant::now() >= deadline {
            return killed;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Live (non-zombie) descendants of the harness: what a supervisor left behind.
pub fn live_descendants() -> usize {
    procfs::descendants(std::process::id() as i32).iter().filter(|(_, s)| s.state != b'Z').count()
}
