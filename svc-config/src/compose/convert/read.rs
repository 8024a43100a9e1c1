//! The [`Converter`] and its typed readers: each reads one located value as what process-compose expects there
//! (a mapping with known keys, a string, a number of seconds, ...) or records an error at its position.

use std::time::Duration;

use indexmap::IndexMap;
use svc_core::Command;

use crate::config::tree::{Diagnostic, Entry, Loc, Node, Value};

/// Reads an `env_file`: its variables, or an error message.
pub(crate) type EnvFileReader<'a> = &'a dyn Fn(&str) -> Result<IndexMap<String, String>, String>;

/// Converts a located process-compose tree, collecting every error and warning on the way.
pub(crate) struct Converter<'a> {
    /// Unsupported and unknown keys are errors instead of warnings.
    pub strict: bool,
    /// The errors found.
    pub errors: Vec<Diagnostic>,
    /// The warnings found.
    pub warnings: Vec<Diagnostic>,
    /// Reads an `env_file`; returns its variables or an error message.
    pub read_env_file: EnvFileReader<'a>,
    /// The project's `shell` (program, argument), once read.
    pub(super) shell: Option<(String, String)>,
}

impl<'a> Converter<'a> {
    /// A converter with no errors yet.
    pub fn new(strict: bool, read_env_file: EnvFileReader<'a>) -> Self {
        Converter { strict, errors: Vec::new(), warnings: Vec::new(), read_env_file, shell: None }
    }

    /// Records an error at `loc` (key path `path`).
    pub(super) fn error(&mut self, loc: &Loc, path: &str, message: impl Into<String>) {
        self.errors.push(Diagnostic { loc: loc.clone(), path: path.to_owned(), message: message.into() });
    }

    /// Records a warning, or an error in strict mode.
    pub(super) fn warn(&mut self, loc: &Loc, path: &str, message: impl Into<String>) {
        let d = Diagnostic { loc: loc.clone(), path: path.to_owned(), message: message.into() };
        if self.strict { self.errors.push(d) } else { self.warnings.push(d) }
    }

    /// Checks the keys of a mapping: every key must be supported; unsupported ones are warned about (errors
    /// with `--strict`), unknown ones too, with the closest known key.
    pub(super) fn keys<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        supported: &[&str],
        unsupported: &[&str],
    ) -> Option<&'n IndexMap<String, Entry>> {
        let Some(map) = node.as_map() else {
            if node.value != Value::Null {
                self.error(&node.loc, path, format!("expected a mapping, found {}", node.kind()));
            }
            return None;
        };
        for (key, entry) in map {
            let full = join(path, key);
            // `x-...` keys are extension fields (as in docker-compose): a place for YAML anchors, not settings.
            if supported.contains(&key.as_str()) || key.starts_with("x-") {
                continue;
            }
            if unsupported.contains(&key.as_str()) {
                let ending = if self.strict { " (strict mode: remove it)" } else { " and is ignored" };
                self.warn(&entry.key_loc, &full, format!("is not supported by svc{ending}"));
            } else {
                let known: Vec<&str> = supported.iter().chain(unsupported).copied().collect();
                let hint = svc_core::closest(key, &known).map(|s| format!(", did you mean '{s}'?")).unwrap_or_default();
                let ending = if self.strict { " (strict mode: remove or fix it)" } else { " (ignored)" };
                self.warn(&entry.key_loc, &full, format!("unknown key '{key}'{hint}{ending}"));
            }
        }
        Some(map)
    }

    /// A mapping whose keys are names (dependencies, headers): any key is allowed.
    pub(super) fn mapping<'n>(&mut self, node: &'n Node, path: &str) -> Option<&'n IndexMap<String, Entry>> {
        match &node.value {
            Value::Map(map) => Some(map),
            Value::Null => None,
            _ => {
                self.error(&node.loc, path, format!("expected a mapping, found {}", node.kind()));
                None
            }
        }
    }

    pub(super) fn string(&mut self, node: &Node, path: &str) -> Option<String> {
        match &node.value {
            Value::Str { text, .. } => Some(text.clone()),
            // YAML types `8080` and `true` as numbers and booleans; process-compose's string fields take them.
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => {
                self.error(&node.loc, path, format!("expected a string, found {}", node.kind()));
                None
            }
        }
    }

    pub(super) fn boolean(&mut self, node: &Node, path: &str) -> Option<bool> {
        match &node.value {
            Value::Bool(b) => Some(*b),
            _ => {
                self.error(&node.loc, path, format!("expected true or false, found {}", describe(node)));
                None
            }
        }
    }

    pub(super) fn integer(&mut self, node: &Node, path: &str, min: i64, max: i64) -> Option<i64> {
        match &node.value {
            Value::Int(i) if (min..=max).contains(i) => Some(*i),
            Value::Int(i) => {
                self.error(&node.loc, path, format!("{i} is out of range (expected {min} to {max})"));
                None
            }
            _ => {
                self.error(&node.loc, path, format!("expected an integer, found {}", describe(node)));
                None
            }
        }
    }

    pub(super) fn seconds(&mut self, node: &Node, path: &str) -> Option<Duration> {
        let secs = match &node.value {
            Value::Int(i) => *i as f64,
            Value::Float(f) => *f,
            _ => {
                self.error(&node.loc, path, format!("expected a number of seconds, found {}", describe(node)));
                return None;
            }
        };
        match Duration::try_from_secs_f64(secs) {
            Ok(d) => Some(d),
            Err(_) => {
                self.error(&node.loc, path, format!("expected a non-negative number of seconds, found {secs}"));
                None
            }
        }
    }

    pub(super) fn string_list(&mut self, node: &Node, path: &str) -> Option<Vec<String>> {
        match &node.value {
            Value::Seq(items) => {
                let list: Vec<String> = items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, item)| self.string(item, &format!("{path}[{i}]")))
                    .collect();
                if list.is_empty() {
                    self.error(&node.loc, path, "is empty; give the program and its arguments");
                    return None;
                }
                Some(list)
            }
            _ => {
                self.error(&node.loc, path, format!("expected a list of strings, found {}", node.kind()));
                None
            }
        }
    }

    /// A process-compose `command` string: `sh -c` (or the project's `shell`).
    pub(super) fn shell_command(&self, script: String) -> Command {
        match &self.shell {
            Some((program, argument)) if !(program == "sh" && argument == "-c") => {
                Command::Exec(vec![program.clone(), argument.clone(), script])
            }
            _ => Command::Shell { shell: script },
        }
    }
}

/// An unknown value among `expected`, with the closest as a suggestion.
pub(super) fn unknown_variant(found: &str, expected: &[&str]) -> String {
    let hint = svc_core::closest(found, expected).map(|s| format!(" (did you mean '{s}'?)")).unwrap_or_default();
    format!("unknown value '{found}', expected one of {}{hint}", expected.join(", "))
}

/// What `node` is, for "found ..." messages: a string with its text, else its kind.
pub(super) fn describe(node: &Node) -> String {
    match &node.value {
        Value::Str { text, .. } => format!("string {text:?}"),
        _ => node.kind().to_owned(),
    }
}

/// `path.key`, or `key` at the top.
pub(super) fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}
