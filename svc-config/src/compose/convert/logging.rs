//! `log_configuration` (top level and per process) and `log_length`.
//!
//! process-compose hands `log_configuration` to its file logger (`pclog/logger_facade.go`): zerolog JSON lines
//! unless `disable_json`, `fields_order`/`timestamp_format`/`no_color` for zerolog's console writer,
//! `add_timestamp`, `no_metadata`, `flush_each_line`, and `rotation` to lumberjack (`rotation.directory` and
//! `rotation.filename` are in its schema but not used: the file rotated is `log_location`). A process with a
//! `log_location` and no `log_configuration` is written in process-compose's default format (JSON lines), so
//! the import gives it [`LogConfiguration::process_compose`].

use svc_core::{LogConfiguration, LogField, LogFormat, LogRotation};

use super::keys::{LOG_CONFIGURATION_KEYS, ROTATION_KEYS};
use super::read::{Converter, join, unknown_variant};
use crate::config::tree::{Node, Value};

impl Converter<'_> {
    /// A `log_configuration` mapping at `path`.
    pub(super) fn log_configuration(&mut self, node: &Node, path: &str) -> Option<LogConfiguration> {
        let map = self.keys(node, path, LOG_CONFIGURATION_KEYS, &[])?;
        let mut config = LogConfiguration::process_compose();
        let flag = |this: &mut Self, key: &str| {
            map.get(key).and_then(|e| this.boolean(&e.value, &join(path, key))).unwrap_or(false)
        };
        if flag(self, "disable_json") {
            config.format = LogFormat::Text;
        }
        config.add_timestamp = flag(self, "add_timestamp");
        config.no_color = flag(self, "no_color");
        config.no_metadata = flag(self, "no_metadata");
        config.flush_each_line = flag(self, "flush_each_line");
        if let Some(e) = map.get("timestamp_format") {
            config.timestamp_format = self.string(&e.value, &join(path, "timestamp_format")).filter(|f| !f.is_empty());
        }
        if let Some(e) = map.get("fields_order") {
            config.fields_order = self.fields_order(&e.value, &join(path, "fields_order"));
        }
        if let Some(e) = map.get("rotation") {
            config.rotation = self.rotation(&e.value, &join(path, "rotation"));
        }
        Some(config)
    }

    /// `fields_order: [time, level, message]`. zerolog's `caller` part is accepted and never written (no caller
    /// is recorded for process output); other names are warned about and skipped.
    fn fields_order(&mut self, node: &Node, path: &str) -> Vec<LogField> {
        let Value::Seq(items) = &node.value else {
            self.error(&node.loc, path, format!("expected a list of field names, found {}", node.kind()));
            return Vec::new();
        };
        let names: Vec<&str> = LogField::ALL.iter().map(|f| f.as_str()).collect();
        let mut fields = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let item_path = format!("{path}[{i}]");
            let Some(name) = self.string(item, &item_path) else { continue };
            match LogField::ALL.iter().find(|f| f.as_str() == name) {
                Some(field) => fields.push(*field),
                None if name == "caller" => {}
                None => self.warn(&item.loc, &item_path, format!("{}; it is skipped", unknown_variant(&name, &names))),
            }
        }
        fields
    }

    /// `rotation: {max_size_mb, max_backups, max_age_days, compress}`.
    fn rotation(&mut self, node: &Node, path: &str) -> Option<LogRotation> {
        let map = self.keys(node, path, ROTATION_KEYS, &[])?;
        let mut rotation = LogRotation::default();
        let number = |this: &mut Self, key: &str| {
            map.get(key).and_then(|e| this.integer(&e.value, &join(path, key), 0, i64::from(u32::MAX))).unwrap_or(0)
        };
        rotation.max_size_mb = number(self, "max_size_mb") as u64;
        rotation.max_backups = number(self, "max_backups") as u32;
        rotation.max_age_days = number(self, "max_age_days") as u32;
        if let Some(e) = map.get("compress") {
            rotation.compress = self.boolean(&e.value, &join(path, "compress")).unwrap_or(false);
        }
        for key in ["directory", "filename"] {
            if let Some(e) = map.get(key)
                && self.string(&e.value, &join(path, key)).is_some()
            {
                self.note(
                    &e.key_loc,
                    &join(path, key),
                    "process-compose does not use it (it rotates the `log_location` file), and neither does svc",
                );
            }
        }
        Some(rotation)
    }

    /// The top-level `log_length`: recent lines kept per process (process-compose's default, 1000, for 0: a Go
    /// zero value cannot be told from an omitted key).
    pub(super) fn log_length(&mut self, node: &Node) -> Option<usize> {
        let lines = self.integer(node, "log_length", 0, 100_000_000)?;
        (lines > 0).then_some(lines as usize)
    }
}
