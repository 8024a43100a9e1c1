//! Scheduled processes (process-compose's `schedule`): started at each tick of a cron expression or an interval
//! instead of once at start.

use std::time::{Duration, SystemTime};

use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use jiff::tz::TimeZone;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// When a process runs (process-compose's `schedule`): at every tick of `cron` (a standard 5-field expression in
/// `timezone`) or every `interval`.
///
/// A scheduled process is not started with the project (unless `run_on_start`); each tick starts it, and between
/// runs it is *scheduled*: not running, not finished, so `up` goes on while it waits for its next run. A tick that
/// comes while the previous run is still going is skipped (one run at a time, as process-compose's scheduler does
/// with its default `max_concurrent: 1`). Stopping the process pauses its schedule; restarting it runs it now and
/// resumes the schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// A 5-field cron expression (`minute hour day-of-month month day-of-week`, e.g. `"0 2 * * *"`), or a
    /// descriptor such as `@hourly`. Wins over `interval` if both are set, as in process-compose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron: Option<String>,
    /// Time between runs, written as a Go duration (`"30s"`, `"1h30m"`); the first run is one interval after the
    /// process was scheduled.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::duration::go::option")]
    #[schemars(with = "Option<String>")]
    pub interval: Option<Duration>,
    /// The IANA time zone the cron expression is read in (`"UTC"`, `"America/New_York"`); the local one by
    /// default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Also run once when the project starts.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub run_on_start: bool,
    /// Most runs at once (default 1). svc runs one instance of a process at a time, so values above 1 behave as
    /// 1, as they do in process-compose (which refuses to start a process that is still running).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    #[schemars(range(min = 1))]
    pub max_concurrent: u32,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule { cron: None, interval: None, timezone: None, run_on_start: false, max_concurrent: 1 }
    }
}

impl Schedule {
    /// Runs at every tick of the cron `expression`.
    pub fn cron(expression: impl Into<String>) -> Self {
        Schedule { cron: Some(expression.into()), ..Self::default() }
    }

    /// Runs every `interval`.
    pub fn every(interval: Duration) -> Self {
        Schedule { interval: Some(interval), ..Self::default() }
    }

    /// Reads the cron expression in time zone `name`.
    pub fn timezone(mut self, name: impl Into<String>) -> Self {
        self.timezone = Some(name.into());
        self
    }

    /// Also runs once when the project starts.
    pub fn run_on_start(mut self, run_on_start: bool) -> Self {
        self.run_on_start = run_on_start;
        self
    }

    /// What is wrong with the schedule, if anything: no cron and no interval, a cron expression that does not
    /// parse, a zero interval, an unknown time zone. The text says how to fix it.
    pub fn check(&self) -> Result<(), String> {
        self.ticks().map(|_| ())
    }

    /// When the next run after `after` is due: the next tick of the cron expression, or `after` plus the interval.
    /// `None` for an invalid schedule (validation reports it) or a cron expression with no tick left.
    pub fn next_run(&self, after: SystemTime) -> Option<SystemTime> {
        match self.ticks().ok()? {
            Ticks::Interval(interval) => after.checked_add(interval),
            Ticks::Cron(cron, zone) => {
                let now = jiff::Timestamp::try_from(after).ok()?.to_zoned(zone);
                let next = cron.find_next_occurrence(&now, false).ok()?;
                Some(SystemTime::from(next.timestamp()))
            }
        }
    }

    fn ticks(&self) -> Result<Ticks, String> {
        if let Some(expression) = &self.cron {
            // process-compose hands the expression to gocron as a standard 5-field one (no seconds, no year).
            let parser = CronParser::builder().seconds(Seconds::Disallowed).year(Year::Disallowed).build();
            let cron = parser.parse(expression).map_err(|e| {
                format!(
                    "cron expression {expression:?} is invalid ({e}); write 5 fields: minute hour day-of-month \
                     month day-of-week, e.g. \"0 2 * * *\""
                )
            })?;
            let zone = match &self.timezone {
                None => TimeZone::system(),
                Some(name) => TimeZone::get(name).map_err(|_| {
                    format!("unknown time zone {name:?}; use an IANA name such as \"UTC\" or \"Europe/Berlin\"")
                })?,
            };
            return Ok(Ticks::Cron(Box::new(cron), zone));
        }
        match self.interval {
            Some(interval) if interval.is_zero() => Err("interval is zero; give a positive one such as \"30s\"".into()),
            Some(interval) => Ok(Ticks::Interval(interval)),
            None => Err("has neither `cron` nor `interval`; set one of them".into()),
        }
    }
}

enum Ticks {
    Interval(Duration),
    Cron(Box<Cron>, TimeZone),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> SystemTime {
        SystemTime::from(rfc3339.parse::<jiff::Timestamp>().unwrap())
    }

    fn show(time: Option<SystemTime>) -> String {
        time.map(|t| jiff::Timestamp::try_from(t).unwrap().to_string()).unwrap_or_default()
    }

    #[test]
    fn next_run_table() {
        let table = [
            (Schedule::cron("*/15 * * * *").timezone("UTC"), "2026-03-01T10:07:30Z", "2026-03-01T10:15:00Z"),
            (Schedule::cron("0 2 * * *").timezone("UTC"), "2026-03-01T02:00:00Z", "2026-03-02T02:00:00Z"),
            // 2 AM in New York (EST, UTC-5) on a winter day.
            (Schedule::cron("0 2 * * *").timezone("America/New_York"), "2026-01-10T12:00:00Z", "2026-01-11T07:00:00Z"),
            // Sunday midnight; 2026-03-04 is a Wednesday.
            (Schedule::cron("0 0 * * 0").timezone("UTC"), "2026-03-04T00:00:00Z", "2026-03-08T00:00:00Z"),
            (Schedule::cron("@hourly").timezone("UTC"), "2026-03-01T10:59:59Z", "2026-03-01T11:00:00Z"),
            (Schedule::every(Duration::from_secs(90)), "2026-03-01T10:00:00Z", "2026-03-01T10:01:30Z"),
            // cron wins over interval.
            (
                Schedule { interval: Some(Duration::from_secs(1)), ..Schedule::cron("0 * * * *").timezone("UTC") },
                "2026-03-01T10:00:00Z",
                "2026-03-01T11:00:00Z",
            ),
        ];
        for (schedule, after, expected) in table {
            assert_eq!(show(schedule.next_run(at(after))), expected, "{schedule:?} after {after}");
        }
    }

    #[test]
    fn invalid_schedules_say_what_to_write() {
        let table = [
            (Schedule::default(), "neither `cron` nor `interval`"),
            (Schedule::cron("61 * * * *"), "5 fields"),
            (Schedule::cron("0 0 2 * * *"), "5 fields"),
            (Schedule::cron("0 2 * * *").timezone("Mars/Olympus"), "unknown time zone \"Mars/Olympus\""),
            (Schedule::every(Duration::ZERO), "interval is zero"),
        ];
        for (schedule, expected) in table {
            let message = schedule.check().expect_err(expected);
            assert!(message.contains(expected), "{message}");
            assert_eq!(schedule.next_run(SystemTime::now()), None);
        }
        assert_eq!(Schedule::cron("0 2 * * *").check(), Ok(()));
    }
}
