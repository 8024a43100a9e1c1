//! The schedule of a scheduled process (`schedule`): when its next tick is due, armed while the schedule is
//! active and dropped while it is paused. The times come from [`svc_core::Schedule::next_run`] (cron or interval,
//! table-tested there); what a tick does is the machine's rule ([`Event::Tick`]).

use std::time::SystemTime;

use tokio::time::Instant;

use super::{Task, human};
use crate::process::machine::{Event, State};

/// The next tick: its wall-clock time (the next one is computed from it, so that intervals do not drift) and the
/// instant the task sleeps until.
pub(super) struct NextTick {
    /// When the tick is due.
    pub at: SystemTime,
    /// The same, for the timer.
    pub instant: Instant,
    /// Whether the wait for it was announced.
    announced: bool,
}

impl NextTick {
    /// The tick after `after` (not in the past), if the schedule has one.
    fn after(schedule: &svc_core::Schedule, after: SystemTime) -> Option<NextTick> {
        let now = SystemTime::now();
        let mut at = schedule.next_run(after)?;
        if at < now {
            // Late (the machine was suspended, or a run outlasted ticks): the next tick from now on.
            at = schedule.next_run(now)?;
        }
        let instant = Instant::now() + at.duration_since(now).unwrap_or_default();
        Some(NextTick { at, instant, announced: false })
    }
}

impl Task {
    /// Keeps the schedule armed while it is active: from the moment the process is scheduled (its dependencies
    /// met) until it is stopped, skipped or disabled (a stop pauses it; a restart that brings the process back
    /// arms it again from now).
    pub(super) async fn arm_schedule(&mut self) {
        let ctx = self.ctx.clone();
        let Some(schedule) = &ctx.project.processes()[self.index].schedule else { return };
        let state = &self.machine.state;
        let active = !state.is_final() && !matches!(state, State::Pending | State::Waiting { .. });
        if !active {
            self.tick = None;
            return;
        }
        if self.tick.is_none() {
            self.tick = NextTick::after(schedule, SystemTime::now());
        }
        self.announce_next_run().await;
    }

    /// The tick is due: arm the next one, and run the process if it waits for it (a tick during a run is
    /// skipped: one run at a time, as process-compose's scheduler does).
    pub(super) async fn on_tick(&mut self) -> Option<Event> {
        let tick = self.tick.take()?;
        if let Some(schedule) = &self.process().schedule {
            self.tick = NextTick::after(schedule, tick.at);
        }
        if matches!(self.machine.state, State::Scheduled { .. }) {
            return Some(Event::Tick);
        }
        self.status_line(&format!("scheduled run skipped: the last one is still {}", self.machine.state.name())).await;
        None
    }

    /// Says (once per tick) when the next run is, while the process waits for it.
    async fn announce_next_run(&mut self) {
        if let (Some(tick), State::Scheduled { .. }) = (&mut self.tick, &self.machine.state)
            && !tick.announced
        {
            tick.announced = true;
            let wait = tick.at.duration_since(SystemTime::now()).unwrap_or_default();
            self.ctx.logs.status(format!("{}: scheduled: next run in {}", self.name, human(wait)));
        }
    }
}
