//! Daemons (`is_daemon`): a launcher that exits with success leaves a daemon behind, which the task keeps as the
//! process until it is stopped. The daemon is found by its launcher's process group and by the process tag (a
//! daemon that left the group with `setsid`, like a postmaster started by `pg_ctl`, still carries it).

use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::{Task, human};
use crate::child::ExitStatus;
use crate::child::signal::SIGKILL;
use crate::process::machine::{Event, State};

/// How often a stopping daemon is checked for being gone.
const CHECK_EVERY: Duration = Duration::from_millis(100);

/// A launched daemon.
pub(super) struct LaunchedDaemon {
    /// The launcher's process group.
    pub pgid: i32,
    /// When the launcher started.
    pub started: Instant,
    /// When to look again whether a stopping daemon is gone.
    pub check_at: Option<Instant>,
}

impl Task {
    /// The launcher exited with success: from now on the daemon is the process. Its output readers go on (the
    /// daemon inherited the pipes), so they are not drained.
    pub(super) fn launched(&mut self, pgid: i32, started: Instant, readers: Vec<JoinHandle<()>>, status: ExitStatus) {
        self.daemon = Some(LaunchedDaemon { pgid, started, check_at: None });
        self.stragglers.extend(readers);
        self.launch_deadline = None;
        self.exit_line =
            Some(format!("launched (the launcher ended with {status} after {})", human(started.elapsed())));
    }

    /// Sends `signal` to the daemon: its launcher's group, and every process carrying the process's tag.
    pub(super) async fn signal_daemon(&self, signal: i32) {
        let Some(daemon) = &self.daemon else { return };
        self.ctx.spawner.signal_group(daemon.pgid, signal);
        self.signal_tagged(signal).await;
    }

    /// Sends `signal` (0: none) to every process tagged with this process's name; how many there were.
    async fn signal_tagged(&self, signal: i32) -> usize {
        let (spawner, run, name) = (self.ctx.spawner.clone(), self.ctx.run, self.name.clone());
        tokio::task::spawn_blocking(move || spawner.signal_tagged(run, &name, signal)).await.unwrap_or(0)
    }

    /// Schedules the checks that end a daemon's stop.
    pub(super) fn watch_daemon_stop(&mut self) {
        if let Some(daemon) = &mut self.daemon {
            daemon.check_at = Some(Instant::now() + CHECK_EVERY);
        }
    }

    /// Whether the stopping daemon is gone: its shutdown command (if any) ended and none of its processes is left.
    /// Then it is forgotten and its stop ends.
    pub(super) async fn check_daemon(&mut self) -> Option<Event> {
        let daemon = self.daemon.as_mut()?;
        daemon.check_at = None;
        if !matches!(self.machine.state, State::Stopping { .. }) {
            return None;
        }
        let pgid = daemon.pgid;
        let command_running = self.stop_command.as_ref().is_some_and(|stop| stop.exit.is_some());
        let alive = command_running || self.ctx.spawner.group_alive(pgid) || self.signal_tagged(0).await > 0;
        if alive {
            self.watch_daemon_stop();
            return None;
        }
        let daemon = self.daemon.take()?;
        if let Some(stop) = self.stop_command.take() {
            self.ctx.spawner.signal_group(stop.pid, SIGKILL);
            self.ctx.group_maybe_done(stop.pid);
        }
        self.ctx.group_maybe_done(pgid);
        self.kill_at = None;
        let uptime = daemon.started.elapsed();
        self.exit_line = Some(format!("stopped after {}", human(uptime)));
        Some(Event::DaemonStopped { uptime })
    }

    /// Kills whatever is left of the daemon (the stop timeout passed, its shutdown command failed, or the run
    /// ends). Returns whether anything was there to kill.
    pub(super) async fn kill_daemon(&self) -> bool {
        let Some(daemon) = &self.daemon else { return false };
        let in_group = self.ctx.spawner.signal_group(daemon.pgid, SIGKILL);
        let tagged = self.signal_tagged(SIGKILL).await;
        in_group || tagged > 0
    }

    /// The launcher of a daemon is still in the foreground after its launch timeout: say so once (it keeps
    /// running as an ordinary process).
    pub(super) async fn slow_launcher(&mut self) {
        self.launch_deadline = None;
        if let (Some(daemon), Some(_)) = (&self.process().daemon, &self.child) {
            let timeout = human(daemon.launch_timeout);
            self.status_line(&format!(
                "is_daemon: the launcher is still running after {timeout}; a daemon launcher should start the \
                 daemon and exit (it is supervised as an ordinary process until then)"
            ))
            .await;
        }
    }
}
