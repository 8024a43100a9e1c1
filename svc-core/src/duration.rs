//! Serde support for durations written as (fractional) seconds, as process-compose writes them.

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

/// Serializes a [`Duration`] as a number of seconds; whole seconds are written as integers so that files
/// stay readable and compatible with tools that only accept integers.
pub fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    if value.subsec_nanos() == 0 {
        serializer.serialize_u64(value.as_secs())
    } else {
        serializer.serialize_f64(value.as_secs_f64())
    }
}

/// Deserializes a non-negative, finite number of seconds into a [`Duration`].
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let seconds = f64::deserialize(deserializer)?;
    Duration::try_from_secs_f64(seconds)
        .map_err(|_| D::Error::custom(format!("expected a non-negative number of seconds, got {seconds}")))
}

/// Serde support for durations written as Go duration strings (`"300ms"`, `"30m"`, `"1h30m"`), as
/// process-compose writes `schedule.interval` and `watch.debounce` (Go's `time.ParseDuration`). A plain number
/// is read as seconds.
pub mod go {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    /// Parses a Go duration (`"1h30m"`, `"1.5s"`, `"300ms"`); negative durations are refused.
    pub fn parse(text: &str) -> Result<Duration, String> {
        let nanos = go_parse_duration::parse_duration(text.trim()).map_err(|_| {
            format!("{text:?} is not a duration; write it as Go does, e.g. \"300ms\", \"30s\", \"1h30m\"")
        })?;
        u64::try_from(nanos).map(Duration::from_nanos).map_err(|_| format!("{text:?} is negative"))
    }

    /// Writes `duration` as a Go duration: `"1h30m"`, `"45s"`, `"300ms"` (the shortest exact form).
    pub fn format(duration: Duration) -> String {
        let nanos = duration.as_nanos();
        if nanos == 0 {
            return "0s".into();
        }
        if !nanos.is_multiple_of(1_000_000_000) {
            return if nanos.is_multiple_of(1_000_000) {
                format!("{}ms", nanos / 1_000_000)
            } else {
                format!("{nanos}ns")
            };
        }
        let secs = duration.as_secs();
        let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
        let mut out = String::new();
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if m > 0 {
            out.push_str(&format!("{m}m"));
        }
        if s > 0 {
            out.push_str(&format!("{s}s"));
        }
        out
    }

    /// Serializes a [`Duration`] as a Go duration string.
    pub fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format(*value))
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Text(String),
        Seconds(f64),
    }

    /// Deserializes a Go duration string (or a number of seconds) into a [`Duration`].
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        match Written::deserialize(deserializer)? {
            Written::Text(text) => parse(&text).map_err(D::Error::custom),
            Written::Seconds(seconds) => Duration::try_from_secs_f64(seconds)
                .map_err(|_| D::Error::custom(format!("expected a non-negative number of seconds, got {seconds}"))),
        }
    }

    /// The same for an `Option<Duration>`.
    pub mod option {
        use std::time::Duration;

        use serde::{Deserializer, Serializer};

        /// Serializes `Some` as a Go duration string (`None` is skipped by the field's attributes).
        pub fn serialize<S: Serializer>(value: &Option<Duration>, serializer: S) -> Result<S::Ok, S::Error> {
            match value {
                Some(d) => super::serialize(d, serializer),
                None => serializer.serialize_none(),
            }
        }

        /// Deserializes a Go duration string (or seconds) into `Some`.
        pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Duration>, D::Error> {
            super::deserialize(deserializer).map(Some)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn go_durations_read_and_write() {
            for (text, ms) in [("300ms", 300), ("30s", 30_000), ("1h30m", 5_400_000), ("1.5s", 1_500), ("2m", 120_000)]
            {
                assert_eq!(parse(text), Ok(Duration::from_millis(ms)), "{text}");
            }
            assert!(parse("5 minutes").is_err());
            assert!(parse("-1s").is_err());
            for (ms, text) in [(300, "300ms"), (30_000, "30s"), (5_400_000, "1h30m"), (1_500, "1500ms"), (0, "0s")] {
                assert_eq!(format(Duration::from_millis(ms)), text);
                assert_eq!(parse(text), Ok(Duration::from_millis(ms)));
            }
        }
    }
}
