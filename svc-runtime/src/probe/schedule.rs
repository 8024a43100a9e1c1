//! When a probe's checks run, pure so the rule is table-tested.
//!
//! The period schedule is process-compose's: the first check `initial_delay` after the start, then one every
//! `period` (from the start of one check to the start of the next; a check longer than the period is followed
//! directly by the next). Every check on it counts, success or failure.
//!
//! A readiness probe also gets *quick checks* until it passes (its success threshold reached): 100 ms after a failed check, then twice as
//! long after each, for as long as that stays below the period. Only a success of a quick check counts; their
//! failures do not, so a slow starter fails on exactly the schedule it always did, while a server that comes up
//! between two periodic checks is seen within about twice the time it took (not up to a whole period later:
//! with process-compose's default of 10 s, a server ready in 50 ms used to wait 10 s for its dependents).

use std::time::Duration;

use tokio::time::Instant;

/// The first quick check's delay after a failed check.
pub const QUICK_FIRST: Duration = Duration::from_millis(100);

/// The next check of a probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Next {
    /// When it runs.
    pub at: Instant,
    /// Whether its failure counts (a periodic check); a quick check only counts if it succeeds.
    pub failure_counts: bool,
}

/// The check schedule of one probe.
#[derive(Debug, Clone)]
pub struct Schedule {
    period: Duration,
    next_periodic: Instant,
    /// The next quick check and the delay of the one after it, while the probe has not passed yet.
    quick: Option<(Instant, Duration)>,
    /// Quick checks until the probe passes.
    quick_start: bool,
    passed: bool,
}

impl Schedule {
    /// The schedule of a probe started at `start`; `quick_start` adds the quick checks (readiness probes).
    pub fn new(start: Instant, initial_delay: Duration, period: Duration, quick_start: bool) -> Self {
        Schedule { period, next_periodic: start + initial_delay, quick: None, quick_start, passed: false }
    }

    /// The next check.
    pub fn next(&self) -> Next {
        match self.quick {
            Some((at, _)) if at < self.next_periodic => Next { at, failure_counts: false },
            _ => Next { at: self.next_periodic, failure_counts: true },
        }
    }

    /// The probe passed (its success threshold reached): no more quick checks.
    pub fn passed(&mut self) {
        self.passed = true;
        self.quick = None;
    }

    /// The check `next` started at `started` ended at `now`.
    pub fn checked(&mut self, next: Next, started: Instant, now: Instant) {
        if next.failure_counts {
            self.next_periodic = (started + self.period).max(now);
        }
        if !self.quick_start || self.passed {
            self.quick = None;
            return;
        }
        let delay = self.quick.map_or(QUICK_FIRST, |(_, delay)| delay);
        self.quick = (delay < self.period).then_some((now + delay, delay * 2));
        // Quick checks stop for good once they would come as rarely as the periodic ones.
        self.quick_start = self.quick.is_some();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a schedule of `period` against a check that succeeds from `ready` on (instant checks); the
    /// times (from the start, in ms) of the checks until the first success, and whether each counted a failure.
    fn run(period_ms: u64, delay_ms: u64, quick: bool, ready_ms: u64) -> Vec<(u64, bool)> {
        let start = Instant::now();
        let ms = |d: Duration| d.as_millis() as u64;
        let mut schedule =
            Schedule::new(start, Duration::from_millis(delay_ms), Duration::from_millis(period_ms), quick);
        let mut seen = Vec::new();
        loop {
            let next = schedule.next();
            let at = ms(next.at - start);
            let success = at >= ready_ms;
            seen.push((at, next.failure_counts));
            schedule.checked(next, next.at, next.at);
            if success {
                schedule.passed();
            }
            if success || seen.len() > 50 {
                return seen;
            }
        }
    }

    #[test]
    fn quick_checks_find_a_fast_server_between_periods_and_stop_at_the_period() {
        // Default period 10 s, server ready after 50 ms: seen at 100 ms instead of 10 s.
        assert_eq!(run(10_000, 0, true, 50), [(0, true), (100, false)]);
        // Ready after 1 s: quick checks at 0.1, 0.3, 0.7, 1.5 s.
        assert_eq!(run(10_000, 0, true, 1000), [(0, true), (100, false), (300, false), (700, false), (1500, false)]);
        // Never ready soon: the quick checks double until they reach the period, then only the periodic ones.
        let slow = run(10_000, 0, true, 25_000);
        let periodic: Vec<u64> = slow.iter().filter(|(_, counts)| *counts).map(|(at, _)| *at).collect();
        assert_eq!(periodic, [0, 10_000, 20_000, 30_000], "failures count on the period's schedule only");
        let quick: Vec<u64> = slow.iter().filter(|(_, counts)| !*counts).map(|(at, _)| *at).collect();
        assert_eq!(quick, [100, 300, 700, 1500, 3100, 6300], "doubling, and none once as rare as the period");
    }

    #[test]
    fn without_quick_start_only_the_period_runs_and_the_initial_delay_is_honoured() {
        assert_eq!(run(1000, 500, false, 2200), [(500, true), (1500, true), (2500, true)]);
        assert_eq!(run(1000, 500, true, 550)[..2], [(500, true), (600, false)], "quick checks start after the delay");
    }

    #[test]
    fn after_the_first_success_only_the_period_runs() {
        let start = Instant::now();
        let mut schedule = Schedule::new(start, Duration::ZERO, Duration::from_secs(10), true);
        let first = schedule.next();
        schedule.checked(first, start, start);
        schedule.passed();
        let next = schedule.next();
        assert_eq!((next.at - start, next.failure_counts), (Duration::from_secs(10), true));
        schedule.checked(next, next.at, next.at);
        assert!(schedule.next().failure_counts, "a failure later does not bring the quick checks back");
    }

    #[test]
    fn a_slow_check_is_followed_directly_by_the_next() {
        let start = Instant::now();
        let mut schedule = Schedule::new(start, Duration::ZERO, Duration::from_millis(100), false);
        let next = schedule.next();
        schedule.checked(next, start, start + Duration::from_millis(250));
        assert_eq!(schedule.next().at - start, Duration::from_millis(250));
    }
}
