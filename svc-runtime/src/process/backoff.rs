//! Restart delays: exponential backoff, capped, reset once a process has run long enough.
//!
//! process-compose waits the same `backoff_seconds` before every restart, so a crash-looping process restarts
//! forever at the same pace. Here the first restart waits `backoff`, each further consecutive restart twice as
//! long, up to `max_backoff`; a process that then stays up for a while starts over from `backoff`.
//!
//! **Reset rule**: a run that lasted at least [`Backoff::stable_uptime`] = max(10 s, 2 x the delay that preceded
//! it) counts as healthy, and the next restart waits `backoff` again. Twice the delay, so that a process
//! restarted after a long wait must prove itself for proportionally longer; at least 10 s, so that quick crash
//! loops with a small base delay still escalate.
//!
//! Usage when a process ends and is to be restarted:
//! ```
//! # use std::time::Duration;
//! # use svc_runtime::process::backoff::Backoff;
//! let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
//! let uptime = Duration::from_millis(200); // how long the run that just ended lasted
//! backoff.process_ended(uptime);
//! let delay = backoff.next_delay(); // wait this long, then start the process again
//! assert_eq!(delay, Duration::from_secs(1));
//! assert_eq!(backoff.next_delay(), Duration::from_secs(2));
//! ```

use std::time::Duration;

use svc_core::Availability;

/// The least uptime that resets the backoff (see the module documentation).
pub const MIN_STABLE_UPTIME: Duration = Duration::from_secs(10);

/// The restart delay state of one process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    /// Restarts since the last reset.
    consecutive: u32,
}

impl Backoff {
    /// Delays starting at `base`, doubling, capped at `max`. A `max` below `base` makes every delay `base`;
    /// a zero `base` makes every delay zero.
    pub fn new(base: Duration, max: Duration) -> Self {
        Backoff { base, cap: max.max(base), consecutive: 0 }
    }

    /// The backoff of a process's `availability` (`backoff_seconds`, `max_backoff_seconds`).
    pub fn from_availability(availability: &Availability) -> Self {
        Self::new(availability.backoff, availability.max_backoff)
    }

    /// The delay to wait before the next restart; counts that restart.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.peek();
        self.consecutive = self.consecutive.saturating_add(1);
        delay
    }

    /// The delay [`next_delay`](Self::next_delay) would return, without counting a restart.
    pub fn peek(&self) -> Duration {
        self.delay(self.consecutive)
    }

    /// Restarts counted since the last reset.
    pub fn consecutive(&self) -> u32 {
        self.consecutive
    }

    /// Starts over: the next delay is the base delay.
    pub fn reset(&mut self) {
        self.consecutive = 0;
    }

    /// How long a run must last to reset the backoff: max(10 s, 2 x the delay waited before that run).
    pub fn stable_uptime(&self) -> Duration {
        let last = match self.consecutive {
            0 => Duration::ZERO,
            n => self.delay(n - 1),
        };
        MIN_STABLE_UPTIME.max(last.saturating_mul(2))
    }

    /// Records that a run of the process ended after `uptime`; resets the backoff (and returns true) if the run
    /// lasted at least [`stable_uptime`](Self::stable_uptime).
    pub fn process_ended(&mut self, uptime: Duration) -> bool {
        let stable = uptime >= self.stable_uptime();
        if stable {
            self.reset();
        }
        stable
    }

    fn delay(&self, restarts: u32) -> Duration {
        // 2^31 doublings overflow any base: saturate, then cap.
        let factor = 1u32.checked_shl(restarts).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn delays_double_up_to_the_cap() {
        let table: &[(f64, f64, &[f64])] = &[
            (1.0, 30.0, &[1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]),
            (0.5, 4.0, &[0.5, 1.0, 2.0, 4.0, 4.0]),
            (3.0, 3.0, &[3.0, 3.0, 3.0]),
            // A cap below the base: constant base delay.
            (5.0, 1.0, &[5.0, 5.0, 5.0]),
            // Zero base: zero delays.
            (0.0, 30.0, &[0.0, 0.0, 0.0, 0.0]),
            (0.0, 0.0, &[0.0, 0.0]),
        ];
        for &(base, max, expected) in table {
            let mut backoff = Backoff::new(secs(base), secs(max));
            let got: Vec<Duration> = (0..expected.len()).map(|_| backoff.next_delay()).collect();
            let expected: Vec<Duration> = expected.iter().map(|s| secs(*s)).collect();
            assert_eq!(got, expected, "base {base} max {max}");
        }
    }

    #[test]
    fn many_restarts_saturate_at_the_cap() {
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        for _ in 0..200 {
            backoff.next_delay();
        }
        assert_eq!(backoff.next_delay(), Duration::from_secs(60));
        assert_eq!(backoff.consecutive(), 201);
        let mut huge = Backoff::new(Duration::MAX, Duration::MAX);
        assert_eq!(huge.next_delay(), Duration::MAX);
        assert_eq!(huge.next_delay(), Duration::MAX);
    }

    #[test]
    fn a_stable_run_resets() {
        // (delays already waited, uptime of the run, resets?)
        let table: &[(u32, f64, bool)] = &[
            (0, 0.0, false),
            (0, 9.9, false),
            (0, 10.0, true),
            (3, 9.0, false), // last delay 4 s: needs max(10, 8) = 10 s
            (3, 10.0, true),
            (5, 20.0, false), // last delay 16 s: needs 32 s
            (5, 32.0, true),
            (8, 59.0, false), // last delay capped at 30 s: needs 60 s
            (8, 60.0, true),
        ];
        for &(waited, uptime, resets) in table {
            let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
            for _ in 0..waited {
                backoff.next_delay();
            }
            assert_eq!(backoff.process_ended(secs(uptime)), resets, "after {waited} restarts, up {uptime} s");
            let next = backoff.next_delay();
            if resets {
                assert_eq!(next, Duration::from_secs(1));
            } else {
                assert_eq!(next, Backoff::new(Duration::from_secs(1), Duration::from_secs(30)).delay(waited));
            }
        }
    }

    #[test]
    fn from_availability_and_reset() {
        let availability = Availability::default().backoff(secs(0.25)).max_backoff(secs(1.0));
        let mut backoff = Backoff::from_availability(&availability);
        assert_eq!(backoff.peek(), secs(0.25));
        assert_eq!(backoff.next_delay(), secs(0.25));
        assert_eq!(backoff.next_delay(), secs(0.5));
        backoff.reset();
        assert_eq!((backoff.consecutive(), backoff.next_delay()), (0, secs(0.25)));
    }
}
