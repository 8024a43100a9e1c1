//! The reaper's bookkeeping: which process groups are ours, who waits for each leader, and which unknown
//! zombies are waiting out their grace (see "Reaping" in the `os` module documentation).
//!
//! The logic talks to the system through [`Wait`] only, so the drain of a group and the orphan grace are
//! unit-tested with a fake; [`SystemWait`] is the real one.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::group;
use crate::child::ExitStatus;

/// How long a zombie child the supervisor does not know must stay a zombie before the supervisor reaps it as an
/// adopted orphan: far longer than any real owner takes to reap its child.
pub const ORPHAN_GRACE: Duration = Duration::from_millis(1500);

/// How long after a `SIGCHLD` the sweep for adopted orphans runs (it runs at most once per such delay, so a fast
/// restart loop does not read `/proc` at every exit).
pub const SWEEP_DELAY: Duration = Duration::from_millis(250);

/// What the reaper asks of the system.
pub(crate) trait Wait {
    /// Reaps one ended child in process group `pgid` without blocking: its pid and status.
    fn reap_group_member(&mut self, pgid: i32) -> Option<(i32, ExitStatus)>;
    /// Reaps `pid` if it is an ended child of ours, without blocking.
    fn reap_pid(&mut self, pid: i32) -> Option<ExitStatus>;
    /// Whether any process of group `pgid` is alive (or an unreaped zombie).
    fn group_alive(&self, pgid: i32) -> bool;
    /// The supervisor's children.
    fn children(&self) -> Vec<i32>;
    /// The start time of `pid` if it is a zombie (a pid and its start time identify one process).
    fn zombie_start(&self, pid: i32) -> Option<u64>;
    /// The first of the supervisor's children that has ended, without reaping it (`waitid(P_ALL, WNOWAIT)`).
    fn peek_ended(&mut self) -> Option<i32>;
    /// The process group of `pid` (also of a zombie).
    fn group_of(&self, pid: i32) -> Option<i32>;
}

/// [`Wait`] on the real system: `waitid`, `kill(-pgid, 0)` and `/proc`.
pub(crate) struct SystemWait;

impl Wait for SystemWait {
    fn reap_group_member(&mut self, pgid: i32) -> Option<(i32, ExitStatus)> {
        group::reap_group_member(pgid)
    }

    fn reap_pid(&mut self, pid: i32) -> Option<ExitStatus> {
        group::reap_pid(u32::try_from(pid).ok()?)
    }

    fn group_alive(&self, pgid: i32) -> bool {
        group::group_alive(pgid)
    }

    fn children(&self) -> Vec<i32> {
        let pids = group::own_children().unwrap_or_else(group::children_from_proc);
        pids.into_iter().filter_map(|pid| i32::try_from(pid).ok()).collect()
    }

    fn zombie_start(&self, pid: i32) -> Option<u64> {
        let (state, _, start) = group::stat_of(u32::try_from(pid).ok()?)?;
        (state == 'Z').then_some(start)
    }

    fn peek_ended(&mut self) -> Option<i32> {
        group::peek_ended()
    }

    fn group_of(&self, pid: i32) -> Option<i32> {
        group::group_of(pid)
    }
}

/// The reaper's state (on the supervisor thread only).
#[derive(Default)]
pub(crate) struct Reaper {
    /// Process groups the supervisor created that may still have members, with the leader's owner until the
    /// leader is reaped.
    groups: HashMap<i32, Option<oneshot::Sender<ExitStatus>>>,
    /// Unknown zombie children: (pid, start time) -> when first seen as a zombie.
    zombies: HashMap<(i32, u64), Instant>,
}

impl Reaper {
    /// Tracks the new group `pgid`; its leader's status goes to `owner`.
    pub(crate) fn track(&mut self, pgid: i32, owner: oneshot::Sender<ExitStatus>) {
        self.groups.insert(pgid, Some(owner));
    }

    /// Reaps every ended child in the tracked groups (the leader's status goes to its owner; other members are
    /// orphans reparented to us that nobody waits for) and stops tracking the groups that are empty. Returns
    /// those groups: their ids may be reused from now on, so they must neither be waited for nor killed.
    ///
    /// Ended children are first looked at one by one without reaping (`waitid(P_ALL, WNOWAIT)`): each that is ours
    /// (a leader we track, or a member of one of our groups) is reaped by pid. That costs a few system calls per
    /// ended child, whatever the number of groups (with 1,000 processes stopping at once, a wait per group per
    /// `SIGCHLD` was quadratic). Only when a child that is not ours is first in line (the embedding program's,
    /// which it will reap itself, or an orphan waiting out its grace) are the groups waited for one by one.
    pub(crate) fn reap(&mut self, wait: &mut impl Wait) -> Vec<i32> {
        let mut blocked = false;
        while let Some(pid) = wait.peek_ended() {
            let ours =
                self.groups.contains_key(&pid) || wait.group_of(pid).is_some_and(|g| self.groups.contains_key(&g));
            if !ours {
                blocked = true;
                break;
            }
            let Some(status) = wait.reap_pid(pid) else { break };
            if let Some(owner) = self.groups.get_mut(&pid).and_then(Option::take) {
                let _ = owner.send(status);
            }
        }
        if blocked {
            for (&pgid, owner) in &mut self.groups {
                while let Some((pid, status)) = wait.reap_group_member(pgid) {
                    if pid == pgid
                        && let Some(owner) = owner.take()
                    {
                        let _ = owner.send(status);
                    }
                }
            }
        }
        let mut empty = Vec::new();
        self.groups.retain(|&pgid, owner| {
            let keep = owner.is_some() || wait.group_alive(pgid);
            if !keep {
                empty.push(pgid);
            }
            keep
        });
        empty
    }

    /// The task that owned group `pgid` is done with it: stop tracking it if its leader was reaped and it is empty.
    pub(crate) fn forget(&mut self, pgid: i32, wait: &impl Wait) {
        if let Some(None) = self.groups.get(&pgid)
            && !wait.group_alive(pgid)
        {
            self.groups.remove(&pgid);
        }
    }

    /// Reaps the zombie children nobody reaped within [`ORPHAN_GRACE`], and a leader of ours that moved to another
    /// group (`setpgid`, so the group wait misses it). Returns when the next sweep is due, while some zombies are
    /// still waiting out their grace. With `wanted` false (no run in progress) it only forgets what it saw.
    pub(crate) fn sweep(&mut self, wait: &mut impl Wait, now: Instant, wanted: bool) -> Option<Duration> {
        if !wanted {
            self.zombies.clear();
            return None;
        }
        let mut still = HashMap::new();
        for pid in wait.children() {
            if let Some(owner) = self.groups.get_mut(&pid) {
                if owner.is_some()
                    && let Some(status) = wait.reap_pid(pid)
                    && let Some(owner) = owner.take()
                {
                    let _ = owner.send(status);
                }
                continue;
            }
            let Some(start) = wait.zombie_start(pid) else { continue };
            let first_seen = self.zombies.get(&(pid, start)).copied().unwrap_or(now);
            if now.duration_since(first_seen) >= ORPHAN_GRACE {
                let _ = wait.reap_pid(pid);
            } else {
                still.insert((pid, start), first_seen);
            }
        }
        self.zombies = still;
        let first = self.zombies.values().min()?;
        Some((*first + ORPHAN_GRACE).saturating_duration_since(now).max(SWEEP_DELAY))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// A process table in memory: children (pid -> (group, start time, exit status once ended)).
    #[derive(Default)]
    struct FakeWait {
        children: HashMap<i32, (i32, u64, Option<ExitStatus>)>,
        reaped: Vec<i32>,
    }

    impl FakeWait {
        fn child(&mut self, pid: i32, pgid: i32, start: u64) {
            self.children.insert(pid, (pgid, start, None));
        }
        fn end(&mut self, pid: i32, status: ExitStatus) {
            self.children.get_mut(&pid).unwrap().2 = Some(status);
        }
    }

    impl Wait for FakeWait {
        fn reap_group_member(&mut self, pgid: i32) -> Option<(i32, ExitStatus)> {
            let (&pid, &(_, _, status)) =
                self.children.iter().find(|(_, (group, _, status))| *group == pgid && status.is_some())?;
            self.children.remove(&pid);
            self.reaped.push(pid);
            Some((pid, status?))
        }
        fn reap_pid(&mut self, pid: i32) -> Option<ExitStatus> {
            let status = self.children.get(&pid)?.2?;
            self.children.remove(&pid);
            self.reaped.push(pid);
            Some(status)
        }
        fn group_alive(&self, pgid: i32) -> bool {
            self.children.values().any(|(group, _, _)| *group == pgid)
        }
        fn children(&self) -> Vec<i32> {
            let mut pids: Vec<i32> = self.children.keys().copied().collect();
            pids.sort();
            pids
        }
        fn zombie_start(&self, pid: i32) -> Option<u64> {
            self.children.get(&pid).and_then(|(_, start, status)| status.map(|_| *start))
        }
        fn peek_ended(&mut self) -> Option<i32> {
            // The lowest ended pid first, as a stand-in for the kernel's order.
            self.children.iter().filter(|(_, (_, _, status))| status.is_some()).map(|(pid, _)| *pid).min()
        }
        fn group_of(&self, pid: i32) -> Option<i32> {
            self.children.get(&pid).map(|(group, _, _)| *group)
        }
    }

    #[test]
    fn a_group_is_drained_its_leader_status_goes_to_its_owner_once_and_it_is_forgotten_when_empty() {
        let mut wait = FakeWait::default();
        let mut reaper = Reaper::default();
        let (owner, mut status) = oneshot::channel();
        wait.child(100, 100, 1);
        wait.child(101, 100, 2); // a background job left in the group
        reaper.track(100, owner);

        // Nothing ended: nothing reaped, the group stays.
        assert_eq!(reaper.reap(&mut wait), Vec::<i32>::new());
        assert!(status.try_recv().is_err());

        // The leader and its job end together: both reaped in one pass, the owner gets the leader's status.
        wait.end(100, ExitStatus::Code(3));
        wait.end(101, ExitStatus::Signal(9));
        assert_eq!(reaper.reap(&mut wait), vec![100], "empty now: forgotten");
        assert_eq!(status.try_recv(), Ok(ExitStatus::Code(3)));
        let reaped: HashSet<i32> = wait.reaped.iter().copied().collect();
        assert_eq!(reaped, HashSet::from([100, 101]));
        assert!(reaper.groups.is_empty());
    }

    #[test]
    fn a_child_that_is_not_ours_first_in_line_does_not_stop_ours_being_reaped_and_is_left_alone() {
        let mut wait = FakeWait::default();
        let mut reaper = Reaper::default();
        let (owner, mut status) = oneshot::channel();
        wait.child(50, 50, 1); // the embedding program's child, ended, not reaped yet
        wait.end(50, ExitStatus::Code(0));
        wait.child(100, 100, 2);
        reaper.track(100, owner);
        wait.end(100, ExitStatus::Code(7));
        assert_eq!(reaper.reap(&mut wait), vec![100]);
        assert_eq!(status.try_recv(), Ok(ExitStatus::Code(7)));
        assert_eq!(wait.reaped, vec![100], "the other program's child is left for it to reap");
    }

    #[test]
    fn a_group_whose_leader_ended_is_kept_while_members_live_and_forgotten_once_empty() {
        let mut wait = FakeWait::default();
        let mut reaper = Reaper::default();
        let (owner, mut status) = oneshot::channel();
        wait.child(200, 200, 1);
        wait.child(201, 200, 2);
        reaper.track(200, owner);
        wait.end(200, ExitStatus::Code(0));
        assert_eq!(reaper.reap(&mut wait), Vec::<i32>::new(), "201 still lives in group 200");
        assert_eq!(status.try_recv(), Ok(ExitStatus::Code(0)));
        // The owner is done, but the group is not empty: still tracked (its id is not free yet).
        reaper.forget(200, &wait);
        assert!(reaper.groups.contains_key(&200));
        wait.end(201, ExitStatus::Code(0));
        assert_eq!(reaper.reap(&mut wait), vec![200]);
        assert!(reaper.groups.is_empty());
    }

    #[test]
    fn an_unknown_zombie_is_reaped_only_after_its_grace_and_a_reused_pid_starts_over() {
        let mut wait = FakeWait::default();
        let mut reaper = Reaper::default();
        let t0 = Instant::now();
        wait.child(500, 500, 7);
        wait.end(500, ExitStatus::Code(0));

        // First seen: left alone, next sweep when its grace ends.
        assert_eq!(reaper.sweep(&mut wait, t0, true), Some(ORPHAN_GRACE));
        let soon = t0 + Duration::from_millis(1400);
        assert_eq!(reaper.sweep(&mut wait, soon, true), Some(SWEEP_DELAY), "grace not over: at least SWEEP_DELAY");
        assert!(wait.reaped.is_empty(), "an owner may still wait for it");

        // The embedding program reaped it and the pid was reused by another zombie: a new grace.
        wait.children.remove(&500);
        wait.child(500, 500, 8);
        wait.end(500, ExitStatus::Code(1));
        let later = t0 + ORPHAN_GRACE;
        assert_eq!(reaper.sweep(&mut wait, later, true), Some(ORPHAN_GRACE));
        assert!(wait.reaped.is_empty());

        // Its own grace over: reaped, nothing left to wait for.
        assert_eq!(reaper.sweep(&mut wait, later + ORPHAN_GRACE, true), None);
        assert_eq!(wait.reaped, vec![500]);
    }

    #[test]
    fn a_live_child_is_never_reaped_and_no_sweep_happens_outside_a_run() {
        let mut wait = FakeWait::default();
        let mut reaper = Reaper::default();
        let t0 = Instant::now();
        wait.child(600, 600, 1);
        assert_eq!(reaper.sweep(&mut wait, t0 + Duration::from_secs(60), true), None);
        wait.end(600, ExitStatus::Code(0));
        reaper.sweep(&mut wait, t0, true);
        assert_eq!(reaper.sweep(&mut wait, t0 + Duration::from_secs(60), false), None, "not wanted");
        assert!(wait.reaped.is_empty());
        assert!(reaper.zombies.is_empty(), "outside a run the zombie list is dropped");
    }

    #[test]
    fn a_leader_that_left_its_group_is_reaped_by_pid_at_once_or_during_the_sweep() {
        // Ended first in line: reaped by pid on the SIGCHLD.
        let mut wait = FakeWait::default();
        let mut reaper = Reaper::default();
        let (owner, mut status) = oneshot::channel();
        reaper.track(300, owner);
        wait.child(300, 999, 1); // moved itself to group 999 (setpgid)
        wait.end(300, ExitStatus::Code(4));
        assert_eq!(reaper.reap(&mut wait), vec![300]);
        assert_eq!(status.try_recv(), Ok(ExitStatus::Code(4)));

        // Behind a child that is not ours: the group wait misses it, the sweep finds it.
        let mut wait = FakeWait::default();
        let mut reaper = Reaper::default();
        let (owner, mut status) = oneshot::channel();
        reaper.track(300, owner);
        wait.child(30, 30, 1);
        wait.end(30, ExitStatus::Code(0));
        wait.child(300, 999, 1);
        wait.end(300, ExitStatus::Code(4));
        assert_eq!(reaper.reap(&mut wait), Vec::<i32>::new(), "the group wait misses it");
        assert!(status.try_recv().is_err());
        assert_eq!(reaper.sweep(&mut wait, Instant::now(), true), Some(ORPHAN_GRACE), "30 waits out its grace");
        assert_eq!(status.try_recv(), Ok(ExitStatus::Code(4)));
        assert_eq!(wait.reaped, vec![300]);
    }
}
