//! How a process's log file is written: format, timestamps, metadata, rotation (process-compose's
//! `log_configuration`).
//!
//! The default ([`LogFormat::Raw`], no rotation) is svc's own: each output line as the process wrote it. The other
//! formats reproduce process-compose's log files (its `pclog/logger_facade.go`: zerolog JSON lines, or zerolog's
//! console writer with `disable_json`), and rotation follows lumberjack's rules, which process-compose uses.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How the lines of a process's log file (`log_location`) are written.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogConfiguration {
    /// The line format.
    #[serde(default)]
    pub format: LogFormat,
    /// Rotate the file by size, keeping backups (none: the file grows without bound).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation: Option<LogRotation>,
    /// The order of the leading fields in the [`LogFormat::Text`] format (empty: time, level, message; a field left
    /// out is not written). `process` and `replica` not listed here follow as `name=value`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields_order: Vec<LogField>,
    /// Add the time each line was read (process-compose's `add_timestamp`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub add_timestamp: bool,
    /// The timestamp layout, in Go's reference-time notation (`2006-01-02 15:04:05.000`); the default is RFC 3339
    /// (`2006-01-02T15:04:05Z07:00`) in JSON and `3:04PM` in text. Local time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_format: Option<String>,
    /// No ANSI colours in the [`LogFormat::Text`] format (by default it colours the level, time and field names,
    /// as process-compose does).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_color: bool,
    /// Leave out the process name and replica number (JSON and text formats).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_metadata: bool,
    /// Write every line to the file as soon as it is read, instead of in blocks of up to 64 KiB when output is
    /// busy (the file is always written out whenever the output is idle).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub flush_each_line: bool,
}

impl LogConfiguration {
    /// process-compose's defaults for its log files: JSON lines with the process name and replica.
    pub fn process_compose() -> Self {
        LogConfiguration { format: LogFormat::Json, ..Self::default() }
    }
}

/// The format of a log file's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// The line as the process wrote it (svc's default).
    #[default]
    Raw,
    /// One JSON object per line, as process-compose writes by default:
    /// `{"level":"info","process":"web","replica":0,"time":"...","message":"the line"}`; the level is `info` for
    /// standard output and `error` for standard error.
    Json,
    /// zerolog's console format, as process-compose writes with `disable_json: true`:
    /// `3:04PM INF the line process=web replica=0`.
    Text,
}

/// A field of a [`LogFormat::Text`] line, for [`LogConfiguration::fields_order`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LogField {
    /// The timestamp (written only with [`LogConfiguration::add_timestamp`]).
    Time,
    /// `INF` (standard output) or `ERR` (standard error).
    Level,
    /// The line itself.
    Message,
    /// The process name.
    Process,
    /// The replica number.
    Replica,
}

impl LogField {
    /// Every field, in its name's order.
    pub const ALL: [LogField; 5] =
        [LogField::Time, LogField::Level, LogField::Message, LogField::Process, LogField::Replica];

    /// The field's name (`time`, `level`, `message`, `process`, `replica`).
    pub fn as_str(self) -> &'static str {
        match self {
            LogField::Time => "time",
            LogField::Level => "level",
            LogField::Message => "message",
            LogField::Process => "process",
            LogField::Replica => "replica",
        }
    }
}

/// Size-based rotation of a log file, with lumberjack's rules (which process-compose uses): when a line would make
/// the file larger than `max_size_mb`, the file is renamed to `<name>-<local time>.<ext>`
/// (`web-2024-05-01T10-20-30.000.log`) and a new file is started; then backups beyond `max_backups` or older than
/// `max_age_days` are removed and the others gzipped if `compress` is set. No line is lost or split across files.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogRotation {
    /// The largest size of the file, in megabytes (MiB), before it is rotated; 0 means 100, as in lumberjack.
    #[serde(default)]
    pub max_size_mb: u64,
    /// The most backups kept; 0 keeps all (unless `max_age_days` removes them).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub max_backups: u32,
    /// Backups older than this many days are removed; 0 keeps them whatever their age.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub max_age_days: u32,
    /// Compress backups with gzip (`.gz`), in the background.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub compress: bool,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl LogRotation {
    /// The size limit in bytes (`max_size_mb` MiB, 100 MiB for 0).
    pub fn max_bytes(&self) -> u64 {
        let mb = if self.max_size_mb == 0 { 100 } else { self.max_size_mb };
        mb.saturating_mul(1024 * 1024)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_keep_raw_lines_and_read_back() {
        let config: LogConfiguration = serde_json::from_str("{}").unwrap();
        assert_eq!(config, LogConfiguration::default());
        assert_eq!(config.format, LogFormat::Raw);
        let full: LogConfiguration = serde_json::from_str(
            r#"{"format":"text","rotation":{"max_size_mb":2,"compress":true},"fields_order":["level","message"]}"#,
        )
        .unwrap();
        assert_eq!(full.rotation.as_ref().unwrap().max_bytes(), 2 * 1024 * 1024);
        assert_eq!(serde_json::from_value::<LogConfiguration>(serde_json::to_value(&full).unwrap()).unwrap(), full);
        assert_eq!(LogRotation::default().max_bytes(), 100 * 1024 * 1024);
    }
}
