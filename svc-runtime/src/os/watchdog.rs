//! The watchdog: a tiny process that kills every registered process group when the supervisor dies.
//!
//! Why a separate process: `PR_SET_PDEATHSIG` only reaches the *direct* child, so when the supervisor is killed
//! with `SIGKILL` the grandchildren in a child's process group (a shell's pipeline, a server's workers) would live
//! on. Nothing in the dying supervisor can act, so another process must. The watchdog is forked once, at the
//! first spawn, and holds the read end of a pipe whose only write end belongs to the supervisor (`O_CLOEXEC`, so
//! children never inherit it past `exec`). The supervisor writes fixed-size `(op, pgid)` records: register when a
//! process group is created, forget when it is known to be empty. When the supervisor dies, for whatever reason,
//! the kernel closes the write end; the watchdog reads EOF, sends `SIGKILL` to every registered group, then to
//! every process whose environment carries the supervisor's `SVC_PROCESS_TAG` (descendants that left their group
//! with `setsid`; found by scanning `/proc`), and exits.
//!
//! The watchdog is forked without `exec` from a multi-threaded program, so after `fork` it uses only
//! async-signal-safe calls (`signal`, `setsid`, `dup2`, `close`, `open`, `read`, `getdents64`, `kill`, `_exit`)
//! on memory allocated before the fork, and code that cannot panic. It ignores SIGINT/SIGTERM/SIGHUP and leaves
//! the session, so a Ctrl-C or a group kill aimed at the supervisor does not take it down before it has done its
//! job.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// Most process groups the watchdog can track at once; further registrations are ignored (each stop still kills
/// its group, only the crash guarantee degrades). 64 Ki groups is far beyond any development project.
const CAPACITY: usize = 65_536;

/// How much of a process's environment the watchdog reads to find the tag (std puts variables in key order, so
/// `SVC_PROCESS_TAG` is rarely far in).
const ENVIRON_BYTES: usize = 256 * 1024;

/// Everything the watchdog needs, allocated before the fork.
struct Memory {
    /// Registered process groups (0 = free slot).
    table: Vec<i32>,
    /// `SVC_PROCESS_TAG=<supervisor pid>.`: marks the processes of this supervisor and their descendants.
    needle: Vec<u8>,
    /// Buffer for `getdents64` on `/proc`.
    dirents: Vec<u8>,
    /// Buffer for `/proc/<pid>/environ`.
    environ: Vec<u8>,
}

const OP_REGISTER: u32 = 1;
const OP_FORGET: u32 = 2;

/// The supervisor's end of the watchdog pipe.
pub(crate) struct Watchdog {
    pipe: std::fs::File,
}

impl Watchdog {
    /// Forks the watchdog process.
    pub(crate) fn start() -> io::Result<Watchdog> {
        let mut fds = [0; 2];
        // SAFETY: pipe2 writes two descriptors into `fds`, a live local array.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: pipe2 returned two fresh descriptors that we now own.
        let (read_end, write_end) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        let devnull = std::fs::OpenOptions::new().read(true).write(true).open("/dev/null")?;
        // Allocated before the fork: the child must not allocate.
        let mut memory = Memory {
            table: vec![0i32; CAPACITY],
            needle: format!("{}={}.", crate::child::TAG_VAR, std::process::id()).into_bytes(),
            dirents: vec![0u8; 32 * 1024],
            environ: vec![0u8; ENVIRON_BYTES],
        };
        // SAFETY: fork(2) in a multi-threaded process: the child branch below only makes async-signal-safe calls
        // on memory allocated before the fork, and never returns.
        match unsafe { libc::fork() } {
            -1 => Err(io::Error::last_os_error()),
            // SAFETY: we are the forked child; the pipe's read end and /dev/null are open, `memory` preallocated.
            0 => unsafe { watchdog_main(read_end.as_raw_fd(), devnull.as_raw_fd(), &mut memory) },
            _ => {
                drop(read_end);
                Ok(Watchdog { pipe: std::fs::File::from(write_end) })
            }
        }
    }

    /// Registers a process group to kill if the supervisor dies.
    pub(crate) fn register(&mut self, pgid: i32) {
        self.send(OP_REGISTER, pgid);
    }

    /// Forgets a process group that no longer exists (its id may be reused).
    pub(crate) fn forget(&mut self, pgid: i32) {
        self.send(OP_FORGET, pgid);
    }

    fn send(&mut self, op: u32, pgid: i32) {
        use std::io::Write;
        let mut record = [0u8; 8];
        record[..4].copy_from_slice(&op.to_ne_bytes());
        record[4..].copy_from_slice(&pgid.to_ne_bytes());
        // 8 bytes < PIPE_BUF: the write is atomic. If the watchdog is gone there is nothing better to do than to
        // go on supervising (every normal stop still kills its group).
        let _ = self.pipe.write_all(&record);
    }
}

/// The watchdog's whole life. Only async-signal-safe calls from here on.
///
/// # Safety
///
/// Call only in the child of `fork` from [`Watchdog::start`]: `read_fd` is the read end of the watchdog pipe,
/// `devnull` is open on `/dev/null`, and `memory` was allocated before the fork. It never returns.
unsafe fn watchdog_main(read_fd: i32, devnull: i32, memory: &mut Memory) -> ! {
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT, libc::SIGPIPE, libc::SIGTSTP] {
        // SAFETY: signal(2) with SIG_IGN installs no handler; async-signal-safe.
        unsafe { libc::signal(signal, libc::SIG_IGN) };
    }
    // SAFETY: setsid(2) takes no memory; the watchdog leaves the supervisor's session and group.
    unsafe { libc::setsid() };
    // SAFETY: PR_SET_NAME reads a static NUL-terminated string of at most 16 bytes.
    unsafe { libc::prctl(libc::PR_SET_NAME, c"svc-watchdog".as_ptr() as libc::c_ulong, 0, 0, 0) };
    for fd in 0..3 {
        // SAFETY: dup2(2) on descriptor numbers; `devnull` is open (caller's contract).
        unsafe { libc::dup2(devnull, fd) };
    }
    // Drop every other inherited descriptor (pipes of children would otherwise stay open in here).
    // SAFETY: after fork nothing else in this process uses descriptors; only `read_fd` is still needed.
    unsafe { close_all_except(read_fd) };

    let table = &mut memory.table;
    let mut buf = [0u8; 8];
    let mut filled = 0usize;
    loop {
        // SAFETY: read(2) writes at most `8 - filled` bytes from offset `filled` (< 8) of `buf`, a live local
        // buffer of 8 bytes; raw pointer arithmetic instead of slicing keeps panics out of the forked child.
        let n = unsafe { libc::read(read_fd, buf.as_mut_ptr().add(filled).cast(), 8 - filled) };
        // SAFETY: __errno_location returns this thread's errno slot, always valid to read.
        if n < 0 && unsafe { *libc::__errno_location() } == libc::EINTR {
            continue;
        }
        if n <= 0 {
            break;
        }
        filled += n as usize;
        if filled < 8 {
            continue;
        }
        filled = 0;
        let op = u32::from_ne_bytes([buf[0], buf[1], buf[2], buf[3]]);
        let pgid = i32::from_ne_bytes([buf[4], buf[5], buf[6], buf[7]]);
        if pgid <= 1 {
            continue;
        }
        match op {
            OP_REGISTER => {
                if let Some(slot) = table.iter_mut().find(|slot| **slot == 0) {
                    *slot = pgid;
                }
            }
            OP_FORGET => {
                if let Some(slot) = table.iter_mut().find(|slot| **slot == pgid) {
                    *slot = 0;
                }
            }
            _ => {}
        }
    }
    // The supervisor is gone: nothing it started may outlive it.
    for &pgid in table.iter() {
        if pgid > 1 {
            // SAFETY: kill(2) on a process group id (> 1, so never "every process"); no memory involved.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
        }
    }
    // Descendants that left their group with setsid still carry the supervisor's tag. A few rounds, in case
    // one forked while we scanned.
    for _ in 0..3 {
        // SAFETY: still the forked watchdog, using only the preallocated `memory`.
        if unsafe { kill_tagged(memory) } == 0 {
            break;
        }
    }
    // SAFETY: _exit(2) ends the process without running the parent's atexit handlers or destructors.
    unsafe { libc::_exit(0) }
}

/// Closes every descriptor from 3 up, except `keep`.
///
/// # Safety
///
/// Nothing else in the process may own or use those descriptors afterwards (true in the freshly forked
/// watchdog, where no other thread exists).
unsafe fn close_all_except(keep: i32) {
    // SAFETY: close_range(2) takes plain numbers; the caller guarantees nobody uses these descriptors.
    let ok_low = keep <= 3 || unsafe { libc::syscall(libc::SYS_close_range, 3u32, (keep - 1) as u32, 0u32) } == 0;
    // SAFETY: as above.
    let ok_high = unsafe { libc::syscall(libc::SYS_close_range, (keep + 1) as u32, u32::MAX, 0u32) } == 0;
    if !(ok_low && ok_high) {
        // Kernels before 5.9: close one by one up to a generous bound.
        for fd in 3..65_536 {
            if fd != keep {
                // SAFETY: as above; closing a descriptor that is not open only returns EBADF.
                unsafe { libc::close(fd) };
            }
        }
    }
}

/// Kills every process whose environment holds the needle; returns how many. Raw syscalls on preallocated
/// buffers only (see the module documentation).
///
/// # Safety
///
/// Async-signal-safe, so it may run in the forked watchdog; `memory` must be the watchdog's preallocated memory.
unsafe fn kill_tagged(memory: &mut Memory) -> usize {
    // SAFETY: getpid(2) takes no arguments.
    let me = unsafe { libc::getpid() };
    // SAFETY: open(2) on a static NUL-terminated path.
    let proc_fd = unsafe { libc::open(c"/proc".as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC) };
    if proc_fd < 0 {
        return 0;
    }
    let mut killed = 0;
    loop {
        let dirents = &mut memory.dirents;
        // SAFETY: getdents64 writes at most `dirents.len()` bytes into `dirents`, a live buffer.
        let n = unsafe { libc::syscall(libc::SYS_getdents64, proc_fd, dirents.as_mut_ptr(), dirents.len()) };
        if n <= 0 {
            break;
        }
        let mut offset = 0usize;
        while offset + 19 < n as usize {
            // struct linux_dirent64 { u64 d_ino; i64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
            let record = &memory.dirents[offset..n as usize];
            let reclen = u16::from_ne_bytes([record[16], record[17]]) as usize;
            if reclen < 20 {
                // Malformed (never happens): stop rather than index out of bounds (no panics in here).
                break;
            }
            let name = &record[19..reclen.min(record.len())];
            let name = &name[..name.iter().position(|b| *b == 0).unwrap_or(name.len())];
            offset += reclen;
            let Some(pid) = parse_pid(name) else { continue };
            if pid == me {
                continue;
            }
            if environ_has(pid, &memory.needle, &mut memory.environ) {
                // SAFETY: kill(2) on one process id; no memory involved.
                unsafe { libc::kill(pid, libc::SIGKILL) };
                killed += 1;
            }
        }
    }
    // SAFETY: closes the descriptor opened above, used by nobody else.
    unsafe { libc::close(proc_fd) };
    killed
}

fn parse_pid(name: &[u8]) -> Option<i32> {
    if name.is_empty() || name.len() > 9 || !name.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(name.iter().fold(0i32, |pid, digit| pid * 10 + i32::from(digit - b'0')))
}

/// Whether `/proc/<pid>/environ` has a variable starting with `needle` (reads at most `buf.len()` bytes of it).
/// Async-signal-safe: no allocation, raw system calls.
fn environ_has(pid: i32, needle: &[u8], buf: &mut [u8]) -> bool {
    // "/proc/" + up to 10 digits + "/environ" + NUL.
    let mut path = [0u8; 32];
    let mut len = 0;
    for b in b"/proc/" {
        path[len] = *b;
        len += 1;
    }
    let mut digits = [0u8; 10];
    let mut count = 0;
    let mut rest = pid;
    loop {
        digits[count] = b'0' + (rest % 10) as u8;
        count += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for i in (0..count).rev() {
        path[len] = digits[i];
        len += 1;
    }
    for b in b"/environ" {
        path[len] = *b;
        len += 1;
    }
    // SAFETY: `path` is NUL-terminated (zero-initialised, at most 24 bytes written of 32).
    let fd = unsafe { libc::open(path.as_ptr().cast(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if fd < 0 {
        return false;
    }
    let mut filled = 0;
    while filled < buf.len() {
        // SAFETY: read(2) writes at most `buf.len() - filled` bytes from offset `filled` (< len) of `buf`, a live
        // buffer; raw pointer arithmetic instead of slicing keeps panics out of the forked child.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().add(filled).cast(), buf.len() - filled) };
        if n <= 0 {
            break;
        }
        filled += n as usize;
    }
    // SAFETY: closes the descriptor opened above, used by nobody else.
    unsafe { libc::close(fd) };
    buf[..filled].split(|b| *b == 0).any(|var| var.starts_with(needle))
}
