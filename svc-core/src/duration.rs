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
