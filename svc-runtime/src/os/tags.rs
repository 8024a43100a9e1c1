//! Process tags: every process the supervisor starts carries [`TAG_VAR`], and its descendants inherit it, so
//! those that leave their process group (`setsid`) are still found and killed.

use std::time::Duration;

use super::group::{own_children, process_alive, reap_pid, signal_process, wait_gone};
use crate::child::signal::SIGKILL;
use crate::child::{TAG_VAR, tag};

/// A unique id for one run of `up` inside this supervisor process (tests run several at once).
pub(crate) fn next_run_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Kills (`SIGKILL`) every live process whose environment carries [`TAG_VAR`] for process `name` of run `run`
/// (every process of the run when `name` is `None`), and returns their pids. Used for descendants that left their
/// process group with `setsid`. Reads `/proc`; blocking, call it from a blocking context.
pub(crate) fn kill_tagged(run: u64, name: Option<&str>) -> Vec<u32> {
    signal_tagged(run, name, SIGKILL)
}

/// Sends `signal` (0: none, only find them) to every live process tagged for process `name` of run `run` (every
/// process of the run when `name` is `None`); returns their pids. Blocking.
pub(crate) fn signal_tagged(run: u64, name: Option<&str>, signal: i32) -> Vec<u32> {
    let needle = match name {
        Some(name) => format!("{TAG_VAR}={}", tag(run, name)),
        None => format!("{TAG_VAR}={}.{run}/", std::process::id()),
    };
    let exact = name.is_some();
    let me = std::process::id();
    let mut killed: Vec<u32> = Vec::new();
    // A process may fork while we scan: further rounds catch its children too (SIGKILL is immediate). Only a kill
    // needs them; other signals are sent in one pass.
    let rounds = if signal == SIGKILL { 3 } else { 1 };
    for _ in 0..rounds {
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
                signal_process(pid, signal);
                killed.push(pid);
            }
        }
        if killed.len() == before {
            break;
        }
    }
    killed
}

/// At the end of run `run`, after every process it started and their groups are dead: kills the descendants that
/// escaped their group, and returns their pids. They have all been reparented to this supervisor (a child
/// subreaper), so only its own children need to be looked at (a few files), not all of `/proc`; their children in
/// turn are reparented once they die, hence the rounds. Blocking.
pub(crate) fn kill_escaped(run: u64) -> Vec<u32> {
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
                signal_process(pid, SIGKILL);
                round.push(pid);
            }
        }
        if round.is_empty() {
            if !unsure {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
            continue;
        }
        // Their children are reparented here once they are dead.
        wait_gone(Vec::new(), round.clone(), Duration::from_secs(2));
        // They are ours (children of this subreaper carrying our tag): no other owner will reap them.
        for pid in &round {
            let _ = reap_pid(*pid);
        }
        killed.extend(round);
    }
    killed
}
