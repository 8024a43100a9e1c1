//! The formats of a log file's lines (`log_configuration`), and Go time layouts for their timestamps.
//!
//! process-compose writes its log files with zerolog (`pclog/logger_facade.go`): by default one JSON object per
//! line, `{"level":"info","process":"web","replica":0,"message":"..."}` (`info` for stdout, `error` for stderr;
//! `"time"` after the metadata with `add_timestamp`, zerolog's timestamp hook running when the event is written);
//! with `disable_json` zerolog's console writer, `3:04PM INF message process=web replica=0` (parts in
//! `fields_order`, the other fields sorted by name as `name=value`; level, time and field names coloured unless
//! `no_color`). Timestamps use Go layouts (`2006-01-02 15:04:05.000`): RFC 3339 by default in JSON, `3:04PM`
//! (Go's `time.Kitchen`, the console writer's default) in text. One difference: zerolog's console writer prints
//! `<nil>` for the time part of a line without timestamp; svc leaves the part out.

use std::fmt::Write as _;

use chrono::{DateTime, Datelike, Local, Offset, Timelike};
use svc_core::{LogConfiguration, LogField, LogFormat};

use super::line::CONTINUATION_MARKER;

/// Go's `time.RFC3339`, zerolog's default time format.
const RFC3339: &str = "2006-01-02T15:04:05Z07:00";
/// Go's `time.Kitchen`, the default time format of zerolog's console writer.
const KITCHEN: &str = "3:04PM";

/// How the lines of one process are written to its log file.
#[derive(Debug, Clone)]
pub(crate) struct FileFormat {
    format: LogFormat,
    no_color: bool,
    no_metadata: bool,
    /// The leading parts (text format).
    parts: Vec<LogField>,
    /// The metadata written as `name=value` after the parts (text format), or after the level (JSON).
    metadata: Vec<LogField>,
    /// The timestamp layout, when lines carry a timestamp.
    layout: Option<GoLayout>,
    /// The process name, JSON-escaped in the JSON format.
    process: String,
    replica: u32,
    /// The formatted time of the batch being written.
    stamp: String,
}

impl FileFormat {
    /// The format of process `process` (replica `replica`) under `config`.
    pub(crate) fn new(config: &LogConfiguration, process: &str, replica: u32) -> Self {
        let default_layout = if config.format == LogFormat::Json { RFC3339 } else { KITCHEN };
        let layout = config.add_timestamp.then(|| {
            GoLayout::parse(config.timestamp_format.as_deref().filter(|f| !f.is_empty()).unwrap_or(default_layout))
        });
        let parts = if config.fields_order.is_empty() {
            vec![LogField::Time, LogField::Level, LogField::Message]
        } else {
            config.fields_order.clone()
        };
        let metadata = if config.no_metadata {
            Vec::new()
        } else {
            [LogField::Process, LogField::Replica]
                .into_iter()
                .filter(|f| config.format == LogFormat::Json || !parts.contains(f))
                .collect()
        };
        let mut escaped = String::new();
        if config.format == LogFormat::Json {
            json_escape(&mut escaped, process.as_bytes());
        } else {
            escaped.push_str(process);
        }
        FileFormat {
            format: config.format,
            no_color: config.no_color,
            no_metadata: config.no_metadata,
            parts,
            metadata,
            layout,
            process: escaped,
            replica,
            stamp: String::new(),
        }
    }

    /// The line as the process wrote it (no formatting).
    pub(crate) fn is_raw(&self) -> bool {
        self.format == LogFormat::Raw
    }

    /// Whether lines carry a timestamp (then call [`set_time`](Self::set_time) before each batch).
    pub(crate) fn needs_time(&self) -> bool {
        !self.is_raw() && self.layout.is_some()
    }

    /// Sets the time of the lines that follow (the time their batch was read).
    pub(crate) fn set_time(&mut self, now: &DateTime<Local>) {
        if let Some(layout) = &self.layout {
            self.stamp.clear();
            layout.format(&mut self.stamp, now);
        }
    }

    /// Appends one formatted line, newline included, to `out`.
    pub(crate) fn write(&self, out: &mut Vec<u8>, line: &[u8], continued: bool, stderr: bool) {
        match self.format {
            LogFormat::Raw => {
                out.extend_from_slice(line);
                if continued {
                    out.extend_from_slice(CONTINUATION_MARKER);
                }
            }
            LogFormat::Json => self.json(out, line, continued, stderr),
            LogFormat::Text => self.text(out, line, continued, stderr),
        }
        out.push(b'\n');
    }

    fn json(&self, out: &mut Vec<u8>, line: &[u8], continued: bool, stderr: bool) {
        out.extend_from_slice(if stderr { br#"{"level":"error""# } else { br#"{"level":"info""# });
        for field in &self.metadata {
            match field {
                LogField::Process => {
                    out.extend_from_slice(br#","process":""#);
                    out.extend_from_slice(self.process.as_bytes());
                    out.push(b'"');
                }
                _ => {
                    let _ = write!(VecWriter(out), r#","replica":{}"#, self.replica);
                }
            }
        }
        if self.layout.is_some() {
            out.extend_from_slice(br#","time":""#);
            let mut escaped = String::new();
            json_escape(&mut escaped, self.stamp.as_bytes());
            out.extend_from_slice(escaped.as_bytes());
            out.push(b'"');
        }
        // zerolog leaves the message out when it is empty.
        if !line.is_empty() || continued {
            out.extend_from_slice(br#","message":""#);
            let mut escaped = String::with_capacity(line.len() + 8);
            json_escape(&mut escaped, line);
            if continued {
                json_escape(&mut escaped, CONTINUATION_MARKER);
            }
            out.extend_from_slice(escaped.as_bytes());
            out.push(b'"');
        }
        out.push(b'}');
    }

    fn text(&self, out: &mut Vec<u8>, line: &[u8], continued: bool, stderr: bool) {
        let start = out.len();
        let sep = |out: &mut Vec<u8>| {
            if out.len() > start {
                out.push(b' ');
            }
        };
        for part in &self.parts {
            match part {
                LogField::Time if self.layout.is_some() => {
                    sep(out);
                    self.colored(out, "90", self.stamp.as_bytes());
                }
                LogField::Time => {}
                LogField::Level => {
                    sep(out);
                    if stderr { self.colored(out, "31", b"ERR") } else { self.colored(out, "32", b"INF") }
                }
                LogField::Message if !line.is_empty() || continued => {
                    sep(out);
                    out.extend_from_slice(line);
                    if continued {
                        out.extend_from_slice(CONTINUATION_MARKER);
                    }
                }
                LogField::Message => {}
                LogField::Process | LogField::Replica if self.no_metadata => {}
                LogField::Process => {
                    sep(out);
                    out.extend_from_slice(self.process.as_bytes());
                }
                LogField::Replica => {
                    sep(out);
                    let _ = write!(VecWriter(out), "{}", self.replica);
                }
            }
        }
        for field in &self.metadata {
            sep(out);
            let name = if *field == LogField::Process { "process=" } else { "replica=" };
            self.colored(out, "36", name.as_bytes());
            if *field == LogField::Process {
                out.extend_from_slice(self.process.as_bytes());
            } else {
                let _ = write!(VecWriter(out), "{}", self.replica);
            }
        }
    }

    fn colored(&self, out: &mut Vec<u8>, code: &str, text: &[u8]) {
        if self.no_color {
            out.extend_from_slice(text);
        } else {
            out.extend_from_slice(b"\x1b[");
            out.extend_from_slice(code.as_bytes());
            out.push(b'm');
            out.extend_from_slice(text);
            out.extend_from_slice(b"\x1b[0m");
        }
    }
}

/// `fmt::Write` into a byte vector.
struct VecWriter<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for VecWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// Appends `bytes` to `out` as the inside of a JSON string, as zerolog escapes: `"` and `\`, control characters
/// (`\n`, `\r`, `\t`, else `\u00XX`); bytes that are not UTF-8 become U+FFFD.
pub(crate) fn json_escape(out: &mut String, bytes: &[u8]) {
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => out.push(c),
            }
        }
        if !chunk.invalid().is_empty() {
            out.push('\u{fffd}');
        }
    }
}

/// A Go time layout (`2006-01-02 15:04:05.000`), parsed once.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GoLayout(Vec<Token>);

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Text(String),
    Year,
    Year2,
    Month {
        pad: bool,
    },
    MonthName {
        long: bool,
    },
    Day {
        pad: Option<char>,
    },
    YearDay,
    Weekday {
        long: bool,
    },
    Hour,
    Hour12 {
        pad: bool,
    },
    Minute {
        pad: bool,
    },
    Second {
        pad: bool,
    },
    Pm {
        upper: bool,
    },
    Zone,
    /// `Z07:00` and the like: `z` prints `Z` for UTC; `colon` between hours and minutes; `minutes` shown.
    Offset {
        z: bool,
        colon: bool,
        minutes: bool,
    },
    /// `.000` (fixed) or `.999` (trailing zeros trimmed), with `digits` digits.
    Fraction {
        sep: char,
        digits: usize,
        trim: bool,
    },
}

/// The layout elements, longest first where one is a prefix of another (Go's `nextStdChunk` order).
const ELEMENTS: &[(&str, Token)] = &[
    ("January", Token::MonthName { long: true }),
    ("Jan", Token::MonthName { long: false }),
    ("Monday", Token::Weekday { long: true }),
    ("Mon", Token::Weekday { long: false }),
    ("MST", Token::Zone),
    ("2006", Token::Year),
    ("002", Token::YearDay),
    ("01", Token::Month { pad: true }),
    ("02", Token::Day { pad: Some('0') }),
    ("03", Token::Hour12 { pad: true }),
    ("04", Token::Minute { pad: true }),
    ("05", Token::Second { pad: true }),
    ("06", Token::Year2),
    ("_2", Token::Day { pad: Some(' ') }),
    ("15", Token::Hour),
    ("1", Token::Month { pad: false }),
    ("2", Token::Day { pad: None }),
    ("3", Token::Hour12 { pad: false }),
    ("4", Token::Minute { pad: false }),
    ("5", Token::Second { pad: false }),
    ("PM", Token::Pm { upper: true }),
    ("pm", Token::Pm { upper: false }),
    ("Z07:00", Token::Offset { z: true, colon: true, minutes: true }),
    ("Z0700", Token::Offset { z: true, colon: false, minutes: true }),
    ("Z07", Token::Offset { z: true, colon: false, minutes: false }),
    ("-07:00", Token::Offset { z: false, colon: true, minutes: true }),
    ("-0700", Token::Offset { z: false, colon: false, minutes: true }),
    ("-07", Token::Offset { z: false, colon: false, minutes: false }),
];

impl GoLayout {
    /// Parses a layout; text that is no layout element is copied as is (as Go does).
    pub(crate) fn parse(layout: &str) -> Self {
        let mut tokens = Vec::new();
        let mut text = String::new();
        let mut rest = layout;
        while let Some(c) = rest.chars().next() {
            let element = ELEMENTS.iter().find(|(name, _)| rest.starts_with(name));
            let fraction = fraction(rest);
            let (token, len) = match (fraction, element) {
                (Some((token, len)), _) => (token, len),
                (None, Some((name, token))) => (token.clone(), name.len()),
                (None, None) => {
                    text.push(c);
                    rest = &rest[c.len_utf8()..];
                    continue;
                }
            };
            if !text.is_empty() {
                tokens.push(Token::Text(std::mem::take(&mut text)));
            }
            tokens.push(token);
            rest = &rest[len..];
        }
        if !text.is_empty() {
            tokens.push(Token::Text(text));
        }
        GoLayout(tokens)
    }

    /// Appends `time` formatted by this layout.
    pub(crate) fn format(&self, out: &mut String, time: &DateTime<Local>) {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        const DAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
        for token in &self.0 {
            let _ = match token {
                Token::Text(text) => write!(out, "{text}"),
                Token::Year => write!(out, "{:04}", time.year()),
                Token::Year2 => write!(out, "{:02}", time.year().rem_euclid(100)),
                Token::Month { pad: true } => write!(out, "{:02}", time.month()),
                Token::Month { pad: false } => write!(out, "{}", time.month()),
                Token::MonthName { long } => {
                    let name = MONTHS[time.month0() as usize];
                    write!(out, "{}", if *long { name } else { &name[..3] })
                }
                Token::Day { pad: Some(p) } if time.day() < 10 => write!(out, "{p}{}", time.day()),
                Token::Day { .. } => write!(out, "{}", time.day()),
                Token::YearDay => write!(out, "{:03}", time.ordinal()),
                Token::Weekday { long } => {
                    let name = DAYS[time.weekday().num_days_from_monday() as usize];
                    write!(out, "{}", if *long { name } else { &name[..3] })
                }
                Token::Hour => write!(out, "{:02}", time.hour()),
                Token::Hour12 { pad } => {
                    let hour = match time.hour() % 12 {
                        0 => 12,
                        h => h,
                    };
                    if *pad { write!(out, "{hour:02}") } else { write!(out, "{hour}") }
                }
                Token::Minute { pad: true } => write!(out, "{:02}", time.minute()),
                Token::Minute { pad: false } => write!(out, "{}", time.minute()),
                Token::Second { pad: true } => write!(out, "{:02}", time.second()),
                Token::Second { pad: false } => write!(out, "{}", time.second()),
                Token::Pm { upper } => {
                    let pm = time.hour() >= 12;
                    write!(
                        out,
                        "{}",
                        match (pm, upper) {
                            (true, true) => "PM",
                            (false, true) => "AM",
                            (true, false) => "pm",
                            (false, false) => "am",
                        }
                    )
                }
                // The local zone's abbreviation is not known without a time zone database; Go itself prints the
                // offset when it has no name.
                Token::Zone => {
                    let offset = time.offset().fix().local_minus_utc();
                    if offset == 0 { write!(out, "UTC") } else { write_offset(out, offset, false, true) }
                }
                Token::Offset { z, colon, minutes } => {
                    let offset = time.offset().fix().local_minus_utc();
                    if *z && offset == 0 { write!(out, "Z") } else { write_offset(out, offset, *colon, *minutes) }
                }
                Token::Fraction { sep, digits, trim } => {
                    let nanos = format!("{:09}", time.nanosecond().min(999_999_999));
                    let mut digits = &nanos[..*digits];
                    if *trim {
                        digits = digits.trim_end_matches('0');
                    }
                    if digits.is_empty() { Ok(()) } else { write!(out, "{sep}{digits}") }
                }
            };
        }
    }
}

fn write_offset(out: &mut String, offset: i32, colon: bool, minutes: bool) -> std::fmt::Result {
    let sign = if offset < 0 { '-' } else { '+' };
    let offset = offset.unsigned_abs() / 60;
    write!(out, "{sign}{:02}", offset / 60)?;
    if minutes {
        write!(out, "{}{:02}", if colon { ":" } else { "" }, offset % 60)?;
    }
    Ok(())
}

/// `.000`, `,999` ...: a separator then a run of `0` or `9` not followed by a digit (Go's fractional seconds).
fn fraction(text: &str) -> Option<(Token, usize)> {
    let bytes = text.as_bytes();
    let sep = *bytes.first()?;
    let digit = *bytes.get(1)?;
    if !matches!(sep, b'.' | b',') || !matches!(digit, b'0' | b'9') {
        return None;
    }
    let run = bytes[1..].iter().take_while(|b| **b == digit).count();
    if bytes.get(1 + run).is_some_and(u8::is_ascii_digit) || run > 9 {
        return None;
    }
    Some((Token::Fraction { sep: sep as char, digits: run, trim: digit == b'9' }, 1 + run))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, ms: u32) -> DateTime<Local> {
        let naive = chrono::NaiveDate::from_ymd_opt(y, mo, d).unwrap().and_hms_milli_opt(h, mi, s, ms).unwrap();
        Local.from_local_datetime(&naive).earliest().unwrap()
    }

    fn format(layout: &str, time: &DateTime<Local>) -> String {
        let mut out = String::new();
        GoLayout::parse(layout).format(&mut out, time);
        out
    }

    #[test]
    fn go_layouts_format_like_go() {
        let t = at(2024, 3, 7, 15, 4, 9, 120);
        // The layout of process-compose's docs (`06-01-02 15:04:05.000`).
        assert_eq!(format("06-01-02 15:04:05.000", &t), "24-03-07 15:04:09.120");
        assert_eq!(format(KITCHEN, &t), "3:04PM");
        assert_eq!(format("Mon Jan _2 03:04:05 2006", &t), "Thu Mar  7 03:04:09 2024");
        assert_eq!(format("Monday, January 2 at 3pm", &t), "Thursday, March 7 at 3pm");
        assert_eq!(format("2006-01-02T15:04:05.999", &t), "2024-03-07T15:04:09.12");
        assert_eq!(format("15:04:05,000000", &t), "15:04:09,120000");
        assert_eq!(format("day 002", &t), "day 067");
        // Not layout elements: copied.
        assert_eq!(format("[at] 15h", &t), "[at] 15h");
        let morning = at(2024, 12, 25, 0, 5, 0, 0);
        assert_eq!(format("3:04 PM, 2.1.06", &morning), "12:05 AM, 25.12.24");
        assert_eq!(format("05.999", &morning), "00");
    }

    #[test]
    fn offsets_follow_the_local_zone() {
        let t = at(2024, 3, 7, 15, 4, 9, 0);
        let offset = t.offset().fix().local_minus_utc();
        let rfc = format(RFC3339, &t);
        assert!(rfc.starts_with("2024-03-07T15:04:09"), "{rfc}");
        if offset == 0 {
            assert!(rfc.ends_with('Z'));
            assert_eq!(format("-0700", &t), "+0000");
        } else {
            assert_eq!(rfc, t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        }
    }

    fn config(format: LogFormat) -> LogConfiguration {
        LogConfiguration { format, ..LogConfiguration::default() }
    }

    fn line(format: &FileFormat, text: &[u8], continued: bool, stderr: bool) -> String {
        let mut out = Vec::new();
        format.write(&mut out, text, continued, stderr);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn json_lines_carry_level_metadata_and_escaped_message() {
        let f = FileFormat::new(&config(LogFormat::Json), "web-1", 1);
        assert_eq!(
            line(&f, b"say \"hi\"\t\x01\xff", false, false),
            "{\"level\":\"info\",\"process\":\"web-1\",\"replica\":1,\"message\":\"say \\\"hi\\\"\\t\\u0001\u{fffd}\"}\n"
        );
        assert_eq!(line(&f, b"", false, true), "{\"level\":\"error\",\"process\":\"web-1\",\"replica\":1}\n");
        let bare = FileFormat::new(&LogConfiguration { no_metadata: true, ..config(LogFormat::Json) }, "web", 0);
        assert_eq!(line(&bare, b"x", true, false), "{\"level\":\"info\",\"message\":\"x \u{21b5}\"}\n");
    }

    #[test]
    fn json_time_comes_after_the_metadata() {
        let c = LogConfiguration {
            add_timestamp: true,
            timestamp_format: Some("2006-01-02 15:04:05.000".into()),
            ..config(LogFormat::Json)
        };
        let mut f = FileFormat::new(&c, "db", 0);
        assert!(f.needs_time());
        f.set_time(&at(2024, 1, 2, 3, 4, 5, 6));
        assert_eq!(
            line(&f, b"ok", false, false),
            "{\"level\":\"info\",\"process\":\"db\",\"replica\":0,\"time\":\"2024-01-02 03:04:05.006\",\"message\":\"ok\"}\n"
        );
    }

    #[test]
    fn text_lines_follow_fields_order_and_colour() {
        let plain = LogConfiguration { no_color: true, ..config(LogFormat::Text) };
        let f = FileFormat::new(&plain, "web", 0);
        assert_eq!(line(&f, b"hello", false, false), "INF hello process=web replica=0\n");
        assert_eq!(line(&f, b"oops", false, true), "ERR oops process=web replica=0\n");
        let coloured = FileFormat::new(&config(LogFormat::Text), "web", 0);
        assert_eq!(
            line(&coloured, b"hello", false, false),
            "\x1b[32mINF\x1b[0m hello \x1b[36mprocess=\x1b[0mweb \x1b[36mreplica=\x1b[0m0\n"
        );
        let ordered = LogConfiguration {
            fields_order: vec![LogField::Message, LogField::Time, LogField::Process],
            add_timestamp: true,
            timestamp_format: Some("15:04".into()),
            ..plain.clone()
        };
        let mut f = FileFormat::new(&ordered, "web", 2);
        f.set_time(&at(2024, 1, 2, 13, 14, 0, 0));
        assert_eq!(line(&f, b"hello", false, false), "hello 13:14 web replica=2\n");
        let bare = FileFormat::new(&LogConfiguration { no_metadata: true, ..plain }, "web", 0);
        assert_eq!(line(&bare, b"hello", false, false), "INF hello\n");
    }

    #[test]
    fn raw_lines_are_unchanged() {
        let f = FileFormat::new(&LogConfiguration::default(), "web", 0);
        assert!(f.is_raw() && !f.needs_time());
        let mut out = Vec::new();
        f.write(&mut out, b"a\xffb", true, true);
        assert_eq!(out, b"a\xffb \xe2\x86\xb5\n");
    }
}
