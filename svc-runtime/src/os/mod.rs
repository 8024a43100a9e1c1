//! The OS floor: the only module with `libc` and `unsafe`. It creates every child process, waits only for the
//! processes it created, and guarantees that none outlives the supervisor. Everything above it speaks the
//! vocabulary of [`crate::child`] and reaches the system through [`OsSpawner`] or the functions re-exported here.
//!
//! Files: `thread` (the supervisor thread and [`OsSpawner`]), `spawn` (one child with `clone`), `reaper` (whose
//! groups and zombies are ours, behind a `Wait` trait), `group` (process groups and `/proc`), `tags` (finding
//! descendants that left their group), `watchdog` (the process that kills everything if the supervisor dies),
//! `signal` (checks the pure signal table against `libc`), `pty` (terminals for `is_tty`).
//!
//! One dedicated, never-ending thread ("svc-sys") runs a small current-thread tokio runtime that
//! 1. starts every child (`spawn`: `clone(CLONE_VM | CLONE_VFORK)`, so `PR_SET_PDEATHSIG`, which fires
//!    when the *creating thread* exits, stays armed for the supervisor's whole life: tokio's blocking-pool
//!    threads exit when idle and must never create children);
//! 2. reaps, when `SIGCHLD` arrives, what belongs to the supervisor and nothing else (see "Reaping" below), and
//!    hands each exit status to the task that owns the pid. Registration happens on the same thread right after
//!    the spawn, so a child that exits at once cannot be reaped before its owner is known;
//! 3. talks to the watchdog process (`watchdog`), which kills every registered process group if the
//!    supervisor dies.
//!
//! # Reaping
//!
//! The supervisor may be embedded in a program that starts and waits for children of its own
//! (`std::process::Command::output`, `Child::wait`, `tokio::process`). A `waitpid(-1)` reaper would steal their
//! exit status (the program's wait fails with `ECHILD`), so the reaper only ever waits for specific ids:
//! - **Our process groups.** Every child leads its own process group, and the reaper tracks each group from the
//!   spawn until it is empty. On every `SIGCHLD` it looks at the ended children without reaping them
//!   (`waitid(P_ALL, WNOWAIT)`): one that leads a tracked group, or is a member of one (reparented to the
//!   supervisor because it is a child subreaper, `PR_SET_CHILD_SUBREAPER`: a shell's background job whose parent
//!   ended, say), is reaped by pid, its status to its owner. That is a few system calls per ended child, whatever
//!   the number of groups. When a child that is not ours is first in line (the embedding program's own, not
//!   reaped yet), it falls back to `waitid(P_PGID, group, WEXITED | WNOHANG)` for each tracked group: no other
//!   program's child is in these groups. (A child that moved itself to another group and is stuck behind such a
//!   child is waited for by pid in the sweep below.)
//! - **Other orphans.** Descendants that left their group (`setsid`, a job-control shell's `setpgid`) are also
//!   reparented to the supervisor, and nothing tells them apart from the embedding program's own children once
//!   they are zombies (a zombie has no environment left to carry [`TAG_VAR`](crate::child::TAG_VAR)). So a sweep, deferred after a
//!   `SIGCHLD` and at most every [`SWEEP_DELAY`], looks at the supervisor's children (`/proc/self/task/*/children`,
//!   a few small files, not all of `/proc`) and reaps a zombie it does not know only after it stayed a zombie for
//!   [`ORPHAN_GRACE`] (same pid, same start time). Any real owner, a blocking `waitpid(pid)` or tokio's `SIGCHLD`
//!   handler, reaps its child within microseconds of its exit, long before that. The sweep only runs while a
//!   project runs (and for a little while after, for what the end of a run killed): a program that merely links
//!   the supervisor keeps full control of its children. The only case it can still take a status from is a program
//!   that leaves its own child a zombie for more than [`ORPHAN_GRACE`] while a project runs, then waits for it.
//! - **Descendants killed at the end of a run** (`tags::kill_escaped`) are ours by their tag: they are reaped by pid
//!   right after they died.
//!
//! Every child is the leader of its own process group (`setpgid(0, 0)` before `exec`) and dies with the supervisor
//! (`PR_SET_PDEATHSIG(SIGKILL)`, then a `getppid` check for the race where the supervisor died before the prctl).
//! It carries [`TAG_VAR`](crate::child::TAG_VAR), inherited by its descendants, so that those that leave their group (`setsid`) are still
//! found: among the supervisor's own children once their parents died (`tags::kill_escaped`), or in `/proc`.

#![deny(clippy::undocumented_unsafe_blocks, clippy::missing_safety_doc)]

mod group;
mod pty;
mod reaper;
mod signal;
mod spawn;
mod tags;
mod thread;
mod watchdog;

pub(crate) use group::{signal_group, wait_gone};
pub use reaper::{ORPHAN_GRACE, SWEEP_DELAY};
pub(crate) use tags::{kill_escaped, kill_tagged, next_run_id};
pub use thread::OsSpawner;
pub(crate) use thread::{RunGuard, forget_group};
