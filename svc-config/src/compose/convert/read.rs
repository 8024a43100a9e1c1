//! The [`Converter`] and its typed readers: each reads one located value as what process-compose expects there
//! (a mapping with known keys, a string, a number of seconds, ...) or records an error at its position.

use std::collections::HashSet;
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
    /// The shell when the file sets none (`COMPOSE_SHELL`, else `bash` if found, else `sh`; see `import`).
    pub default_shell: (String, String),
    /// Where each process's keys were written, by process name as written: key path (`command`,
    /// `depends_on.db`; `""` for the process's own name) -> location.
    pub locs: IndexMap<String, IndexMap<String, Loc>>,
    /// The processes (as written) that had errors: validation errors about them would only repeat those.
    pub failed: HashSet<String>,
    /// The processes (as written) with `is_dotenv_disabled: true`.
    pub dotenv_disabled: HashSet<String>,
}

impl<'a> Converter<'a> {
    /// A converter with no errors yet.
    pub fn new(strict: bool, read_env_file: EnvFileReader<'a>) -> Self {
        Converter {
            strict,
            errors: Vec::new(),
            warnings: Vec::new(),
            read_env_file,
            shell: None,
            default_shell: ("sh".into(), "-c".into()),
            locs: IndexMap::new(),
            failed: HashSet::new(),
            dotenv_disabled: HashSet::new(),
        }
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

    /// Records a note: a warning that stays one under `--strict` (something svc does its own way with the same
    /// result, not something it drops).
    pub(super) fn note(&mut self, loc: &Loc, path: &str, message: impl Into<String>) {
        self.warnings.push(Diagnostic { loc: loc.clone(), path: path.to_owned(), message: message.into() });
    }

    /// Checks the keys of a mapping: every key must be supported; unsupported ones are warned about (errors
    /// with `--strict`), unknown ones too, with the closest known key. Returns the entries with a value: a known
    /// key written with no value (`vars:`, `shutdown: ~`) counts as absent, as process-compose's YAML decoding
    /// leaves such a field at its zero value.
    pub(super) fn keys(
        &mut self,
        node: &Node,
        path: &str,
        supported: &[&str],
        unsupported: &[&str],
    ) -> Option<IndexMap<String, Entry>> {
        let Some(map) = node.as_map() else {
            if node.value != Value::Null {
                self.error(&node.loc, path, format!("expected a mapping, found {}", node.kind()));
            }
            return None;
        };
        let mut present = IndexMap::new();
        for (key, entry) in map {
            let full = join(path, key);
            let known = supported.contains(&key.as_str()) || unsupported.contains(&key.as_str());
            if known && entry.value.value == Value::Null {
                continue;
            }
            // `x-...` keys are extension fields (as in docker-compose): a place for YAML anchors, not settings.
            if supported.contains(&key.as_str()) || key.starts_with("x-") {
                present.insert(key.clone(), entry.clone());
                continue;
            }
            if unsupported.contains(&key.as_str()) {
                let instead = super::keys::instead(key);
                let ending = if self.strict { " (strict mode: remove it)".to_owned() } else { format!("; {instead}") };
                self.warn(&entry.key_loc, &full, format!("is not supported by svc{ending}"));
            } else {
                let known: Vec<&str> = supported.iter().chain(unsupported).copied().collect();
                let hint = svc_core::closest(key, &known).map(|s| format!(", did you mean '{s}'?")).unwrap_or_default();
                let ending = if self.strict { " (strict mode: remove or fix it)" } else { " (ignored)" };
                self.warn(&entry.key_loc, &full, format!("unknown key '{key}'{hint}{ending}"));
            }
        }
        Some(present)
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

    /// A boolean. Besides `true`/`false`, the unquoted YAML 1.1 forms `yes`/`no`/`on`/`off`/`y`/`n` are accepted:
    /// process-compose's YAML decoder (go-yaml) reads them as booleans for a boolean field (`parent_only: yes`).
    pub(super) fn boolean(&mut self, node: &Node, path: &str) -> Option<bool> {
        match &node.value {
            Value::Bool(b) => Some(*b),
            Value::Str { text, plain: true } if yaml11_bool(text).is_some() => yaml11_bool(text),
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

    /// A process-compose `command` string, run with the project's `shell`, else the default shell (svc's own
    /// shell form when that is `sh -c`).
    pub(super) fn shell_command(&self, script: String) -> Command {
        let (program, argument) = self.shell.as_ref().unwrap_or(&self.default_shell);
        if program == "sh" && argument == "-c" {
            Command::Shell { shell: script }
        } else {
            Command::Exec(vec![program.clone(), argument.clone(), script])
        }
    }
}

/// The YAML 1.1 booleans that are not YAML 1.2 ones (go-yaml decodes them into a boolean field).
fn yaml11_bool(text: &str) -> Option<bool> {
    match text {
        "yes" | "Yes" | "YES" | "y" | "Y" | "on" | "On" | "ON" => Some(true),
        "no" | "No" | "NO" | "n" | "N" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
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
