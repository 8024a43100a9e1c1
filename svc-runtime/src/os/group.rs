//! Process groups and the process table: signalling a group, asking whether a group or a process is alive,
//! waiting for them to be gone, reaping one pid, and reading `/proc` (states, start times, our children).

use std::io;
use std::time::{Duration, Instant};

use crate::child::ExitStatus;

/// Sends `signal` to process group `pgid` (0 only checks that it exists). Returns false if the group no longer
/// exists. Ids of 1 or less are never signalled (they would mean "every process").
pub(crate) fn signal_group(pgid: i32, signal: i32) -> bool {
    if pgid <= 1 {
        return false;
    }
    // SAFETY: kill(2) with a negative pid signals that process group; no memory is involved.
    unsafe { libc::kill(-pgid, signal) == 0 }
}

/// Sends `signal` to process `pid` alone (0: none, only check it exists; never to ids of 1 or less). Returns
/// false if it no longer exists.
pub(crate) fn signal_pid(pid: i32, signal: i32) -> bool {
    if pid <= 1 {
        return false;
    }
    // SAFETY: kill(2) on one process id; no memory is involved.
    unsafe { libc::kill(pid, signal) == 0 }
}

/// [`signal_pid`] for a pid read from `/proc`.
pub(crate) fn signal_process(pid: u32, signal: i32) {
    if let Ok(pid) = i32::try_from(pid) {
        signal_pid(pid, signal);
    }
}

/// Whether any process of group `pgid` is still alive (zombies count until they are reaped).
pub(crate) fn group_alive(pgid: i32) -> bool {
    signal_group(pgid, 0)
}

/// Whether process `pid` exists and is not a zombie.
pub(crate) fn process_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name in parentheses, which may itself contain ") ".
        Ok(stat) => stat.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with(['Z', 'X'])),
        Err(_) => false,
    }
}

/// Waits until every process group of `groups` is empty and every process of `pids` is dead (a killed process
/// dies only once the kernel schedules it, which on a loaded machine takes a moment), at most `timeout`.
/// Blocking; returns whether everything is gone.
pub(crate) fn wait_gone(mut groups: Vec<i32>, mut pids: Vec<u32>, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        groups.retain(|pgid| group_alive(*pgid));
        pids.retain(|pid| process_alive(*pid));
        if groups.is_empty() && pids.is_empty() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The status in what `waitid(WEXITED)` filled in.
fn exit_status(info: &libc::siginfo_t) -> ExitStatus {
    // SAFETY: `waitid` reported a child, so the SIGCHLD fields of the union (`si_status`) are set.
    let status = unsafe { info.si_status() };
    if info.si_code == libc::CLD_EXITED { ExitStatus::Code(status) } else { ExitStatus::Signal(status) }
}

/// `waitid(which, id, WEXITED | WNOHANG)`, retried on `EINTR`: the pid and status of an ended child, or `None`
/// when none has ended (or none is ours).
fn wait_nohang(which: libc::idtype_t, id: libc::id_t) -> Option<(i32, ExitStatus)> {
    loop {
        // SAFETY: siginfo_t is plain data; all zeroes is a valid value (and what waitid expects for "nothing").
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: waitid writes only into `info`, a live local; WNOHANG makes it return at once.
        let done = unsafe { libc::waitid(which, id, &mut info, libc::WEXITED | libc::WNOHANG) };
        if done != 0 {
            if io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            // ECHILD: no child of ours matches right now.
            return None;
        }
        // SAFETY: waitid succeeded, so `info` holds a SIGCHLD report; `si_pid` is 0 when no child had ended.
        let pid = unsafe { info.si_pid() };
        return (pid != 0).then(|| (pid, exit_status(&info)));
    }
}

/// The pid of one ended child of ours, left unreaped (`WNOWAIT`): its owner, whoever that is, still reaps it.
pub(crate) fn peek_ended() -> Option<i32> {
    loop {
        // SAFETY: siginfo_t is plain data; all zeroes is a valid value (and what waitid expects for "nothing").
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let flags = libc::WEXITED | libc::WNOHANG | libc::WNOWAIT;
        // SAFETY: waitid writes only into `info`, a live local; WNOWAIT leaves the child unreaped.
        let done = unsafe { libc::waitid(libc::P_ALL, 0, &mut info, flags) };
        if done != 0 {
            if io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return None;
        }
        // SAFETY: waitid succeeded, so `info` holds a SIGCHLD report; `si_pid` is 0 when no child had ended.
        let pid = unsafe { info.si_pid() };
        return (pid != 0).then_some(pid);
    }
}

/// The process group of `pid` (a zombie keeps its group until reaped).
pub(crate) fn group_of(pid: i32) -> Option<i32> {
    // SAFETY: getpgid(2) takes a pid and touches no memory.
    let pgid = unsafe { libc::getpgid(pid) };
    (pgid > 0).then_some(pgid)
}

/// Reaps one ended child of process group `pgid` (never blocks).
pub(crate) fn reap_group_member(pgid: i32) -> Option<(i32, ExitStatus)> {
    wait_nohang(libc::P_PGID, libc::id_t::try_from(pgid).ok()?)
}

/// Reaps `pid` if it is an ended child of ours (never blocks); returns how it ended if it was.
pub(crate) fn reap_pid(pid: u32) -> Option<ExitStatus> {
    wait_nohang(libc::P_PID, pid).map(|(_, status)| status)
}

/// Reaps `pid`, a child of ours known to have exited (blocks only for that instant).
pub(crate) fn reap_exited(pid: i32) {
    let Ok(id) = libc::id_t::try_from(pid) else { return };
    loop {
        // SAFETY: siginfo_t is plain data; all zeroes is a valid value.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: waitid writes only into `info`, a live local; the child has exited, so it returns at once.
        let done = unsafe { libc::waitid(libc::P_PID, id, &mut info, libc::WEXITED) };
        if done == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return;
        }
    }
}

/// State, parent and start time (clock ticks after boot) of process `pid`, from `/proc/<pid>/stat`.
pub(crate) fn stat_of(pid: u32) -> Option<(char, u32, u64)> {
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

/// The children of this process (of all its threads), or `None` if the kernel does not list them
/// (`/proc/<pid>/task/<tid>/children` needs `CONFIG_PROC_CHILDREN`).
pub(crate) fn own_children() -> Option<Vec<u32>> {
    let mut children = Vec::new();
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let list = std::fs::read_to_string(task.path().join("children")).ok()?;
        children.extend(list.split_whitespace().filter_map(|pid| pid.parse::<u32>().ok()));
    }
    Some(children)
}

/// This process's children found by scanning `/proc` (for kernels without `/proc/<pid>/task/<tid>/children`).
pub(crate) fn children_from_proc() -> Vec<u32> {
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()))
        .filter(|pid| stat_of(*pid).is_some_and(|(_, parent, _)| parent == me))
        .collect()
}
