//! `schedule` and `watch` of a process: read into [`Schedule`] and [`Watch`], each problem at its key (a cron
//! expression that does not parse, an unknown time zone, a Go duration that is not one, a glob that is not one).
//!
//! process-compose's semantics (src/types/schedule.go, src/types/watch.go): `cron` wins over `interval`;
//! `max_concurrent` defaults to 1; a `schedule` with neither, or a `watch` without `paths`, does nothing;
//! `debounce` defaults to 300ms; `max_entries` and `buffer_size` (a directory budget and a Windows buffer) have no
//! use in svc and are noted.

use std::path::PathBuf;

use svc_core::{Schedule, Watch, WatchPath};

use super::keys::{SCHEDULE_KEYS, WATCH_KEYS, WATCH_PATH_KEYS, WATCH_UNSUPPORTED};
use super::read::{Converter, join};
use crate::config::tree::{Node, Value};

impl Converter<'_> {
    /// `schedule:`; `None` if it schedules nothing (then the process runs once, as in process-compose).
    pub(super) fn schedule(&mut self, node: &Node, path: &str) -> Option<Schedule> {
        let map = self.keys(node, path, SCHEDULE_KEYS, &[])?;
        let mut schedule = Schedule::default();
        if let Some(e) = map.get("cron") {
            schedule.cron = self.string(&e.value, &join(path, "cron"));
        }
        if let Some(e) = map.get("interval") {
            let at = join(path, "interval");
            schedule.interval = self.go_duration(&e.value, &at);
            if schedule.cron.is_some() {
                self.note(&e.key_loc, &at, "ignored because `cron` is set (process-compose does the same)");
            }
        }
        if let Some(e) = map.get("timezone") {
            schedule.timezone = self.string(&e.value, &join(path, "timezone"));
        }
        if let Some(e) = map.get("run_on_start") {
            schedule.run_on_start = self.boolean(&e.value, &join(path, "run_on_start")).unwrap_or(false);
        }
        if let Some(e) = map.get("max_concurrent") {
            let at = join(path, "max_concurrent");
            // process-compose treats 0 and below as 1.
            let n = self.integer(&e.value, &at, i64::MIN, u32::MAX as i64).unwrap_or(1).max(1) as u32;
            if n > 1 {
                self.note(
                    &e.value.loc,
                    &at,
                    "svc runs one instance of a process at a time, as process-compose does (it does not start a \
                     process that is still running): a tick during a run is skipped",
                );
            }
            schedule.max_concurrent = n;
        }
        if schedule.cron.is_none() && schedule.interval.is_none() {
            self.warn(&node.loc, path, "has neither `cron` nor `interval` and is ignored; the process runs once");
            return None;
        }
        if let Err(message) = schedule.check() {
            let key = if schedule.cron.is_some() { "cron" } else { "interval" };
            let key = if message.starts_with("unknown time zone") { "timezone" } else { key };
            let loc = map.get(key).map_or(&node.loc, |e| &e.value.loc);
            self.error(loc, &join(path, key), message);
        }
        Some(schedule)
    }

    /// `watch:`; `None` if it watches nothing.
    pub(super) fn watch(&mut self, node: &Node, path: &str) -> Option<Watch> {
        let map = self.keys(node, path, WATCH_KEYS, WATCH_UNSUPPORTED)?;
        let mut watch = Watch::paths(Vec::<PathBuf>::new());
        if let Some(e) = map.get("paths") {
            let at = join(path, "paths");
            match seq(&e.value) {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if let Some(watched) = self.watch_path(item, &format!("{at}[{i}]")) {
                            watch.paths.push(watched);
                        }
                    }
                }
                None => self.error(&e.value.loc, &at, format!("expected a list of paths, found {}", e.value.kind())),
            }
        }
        if let Some(e) = map.get("cascade") {
            watch.cascade = self.boolean(&e.value, &join(path, "cascade")).unwrap_or(false);
        }
        if let Some(e) = map.get("debounce")
            && let Some(debounce) = self.go_duration(&e.value, &join(path, "debounce"))
        {
            watch.debounce = debounce;
        }
        if let Some(e) = map.get("disable_default_excludes") {
            watch.disable_default_excludes =
                self.boolean(&e.value, &join(path, "disable_default_excludes")).unwrap_or(false);
        }
        if watch.paths.is_empty() {
            self.warn(&node.loc, path, "has no `paths` and watches nothing; add `paths: [{path: src}]`");
            return None;
        }
        Some(watch)
    }

    /// One entry of `watch.paths`: `{path, include, exclude}`.
    fn watch_path(&mut self, node: &Node, path: &str) -> Option<WatchPath> {
        let map = self.keys(node, path, WATCH_PATH_KEYS, &[])?;
        let Some(e) = map.get("path") else {
            self.error(&node.loc, path, "has no `path`; give the directory or file to watch");
            return None;
        };
        let mut watched =
            WatchPath { path: self.string(&e.value, &join(path, "path"))?.into(), ..WatchPath::default() };
        for key in ["include", "exclude"] {
            let Some(e) = map.get(key) else { continue };
            let at = join(path, key);
            let patterns = self.string_list(&e.value, &at).unwrap_or_default();
            for (i, pattern) in patterns.iter().enumerate() {
                if let Err(message) = svc_core::check_glob(pattern) {
                    let loc = seq(&e.value).and_then(|items| items.get(i)).map_or(&e.value.loc, |n| &n.loc);
                    self.error(loc, &format!("{at}[{i}]"), message);
                }
            }
            if key == "include" { watched.include = patterns } else { watched.exclude = patterns }
        }
        Some(watched)
    }

    /// A Go duration (`"30s"`, `"1h30m"`), as process-compose reads `interval` and `debounce`.
    fn go_duration(&mut self, node: &Node, path: &str) -> Option<std::time::Duration> {
        let text = self.string(node, path)?;
        match svc_core::duration::go::parse(&text) {
            Ok(duration) => Some(duration),
            Err(message) => {
                self.error(&node.loc, path, message);
                None
            }
        }
    }
}

/// The items of a sequence.
fn seq(node: &Node) -> Option<&Vec<Node>> {
    match &node.value {
        Value::Seq(items) => Some(items),
        _ => None,
    }
}
