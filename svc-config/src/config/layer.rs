//! The configuration layers: a config file, the `SVC_CONFIG` variable, or one `SVC__...` variable, each parsed
//! into a located tree; and how a layer's keys are matched (exactly, or loosely for environment variable names).

use std::path::Path;

use indexmap::IndexMap;

use super::error::ConfigError;
use super::tree::{self, Diagnostic, Entry, Format, Loc, Node, Value};

/// The prefix of environment overrides (`SVC__SERVICES__HELLO__MESSAGE=Hi`).
pub const ENV_PREFIX: &str = "SVC__";
/// The environment variable holding a whole configuration layer as JSON or YAML.
pub const ENV_CONFIG: &str = "SVC_CONFIG";

/// The environment as UTF-8 pairs; variables whose name or value is not UTF-8 are skipped (`std::env::vars`
/// would panic on them, and none of them can be a configuration key).
pub fn utf8_environment() -> impl Iterator<Item = (String, String)> {
    std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
}

/// One source of configuration: a file, `SVC_CONFIG`, or one `SVC__...` variable.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    pub(super) root: Node,
    /// Keys from environment variable names: matched ignoring case and `_` / `-` / `.` differences.
    fuzzy: bool,
}

impl Layer {
    /// Reads a config file; the format comes from the extension (`.toml`, `.yaml`, `.yml`, `.json`). Locations
    /// name the file as `path` is written.
    pub fn load(path: &Path) -> Result<Layer, ConfigError> {
        let name = path.display().to_string();
        let Some(format) = Format::from_path(path) else {
            return Err(ConfigError::one(
                Loc::whole(name),
                "",
                "unknown config file format; use a .toml, .yaml, .yml or .json file",
            ));
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::one(Loc::whole(name.clone()), "", format!("cannot read the config file: {e}")))?;
        Layer::parse(&text, &name, format)
    }

    /// Parses config text named `source` (used in error locations).
    pub fn parse(text: &str, source: &str, format: Format) -> Result<Layer, ConfigError> {
        let root = tree::parse(text, source, format).map_err(|e| {
            ConfigError::Invalid(vec![Diagnostic { loc: e.loc, path: String::new(), message: e.message }])
        })?;
        if root.as_map().is_none() {
            return Err(ConfigError::one(
                root.loc.clone(),
                "",
                format!("expected a mapping at the top, found {}", root.kind()),
            ));
        }
        Ok(Layer { root, fuzzy: false })
    }

    /// The layers given by environment variables: `SVC_CONFIG` first, then each `SVC__...` variable in name order.
    pub fn from_env(vars: impl IntoIterator<Item = (String, String)>) -> Result<Vec<Layer>, ConfigError> {
        let mut config = None;
        let mut singles: Vec<(String, String)> = Vec::new();
        for (key, value) in vars {
            if key == ENV_CONFIG {
                config = Some(value);
            } else if key.starts_with(ENV_PREFIX) {
                singles.push((key, value));
            }
        }
        singles.sort();
        let mut layers = Vec::new();
        if let Some(text) = config {
            let format = if text.trim_start().starts_with('{') { Format::Json } else { Format::Yaml };
            layers.push(Layer::parse(&text, &format!("env {ENV_CONFIG}"), format)?);
        }
        let mut errors = Vec::new();
        for (name, value) in singles {
            match Layer::from_env_var(&name, &value) {
                Ok(layer) => layers.push(layer),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() { Ok(layers) } else { Err(ConfigError::Invalid(errors)) }
    }

    /// The layer of one `SVC__A__B=value` variable: `{a: {b: value}}`, every node located at the variable.
    fn from_env_var(name: &str, value: &str) -> Result<Layer, Diagnostic> {
        let path = &name[ENV_PREFIX.len()..];
        let loc = Loc::whole(format!("env {name}"));
        let segments: Vec<&str> = path.split("__").collect();
        if segments.iter().any(|s| s.is_empty()) {
            return Err(Diagnostic {
                loc,
                path: String::new(),
                message: "empty key; separate keys with exactly two underscores (SVC__SERVICES__HELLO__MESSAGE)".into(),
            });
        }
        let leaf = env_value(value, &loc)?;
        let root = segments.iter().rev().fold(leaf, |inner, key| {
            let mut map = IndexMap::new();
            map.insert((*key).to_owned(), Entry { key_loc: loc.clone(), value: inner });
            Node::new(Value::Map(map), loc.clone())
        });
        Ok(Layer { root, fuzzy: true })
    }

    /// `key` among `candidates`: exactly, or for environment layers ignoring case and `_` / `-` / `.`.
    pub(super) fn resolve_key<'c>(&self, key: &str, candidates: &[&'c str]) -> Option<&'c str> {
        if let Some(found) = candidates.iter().find(|c| **c == key) {
            return Some(found);
        }
        if !self.fuzzy {
            return None;
        }
        let normal = |s: &str| s.to_ascii_lowercase().replace(['-', '.'], "_");
        let wanted = normal(key);
        candidates.iter().find(|c| normal(c) == wanted).copied()
    }
}

/// The value of a `SVC__...` variable: a YAML/JSON list or mapping when it starts with `[` or `{`, else a YAML
/// scalar (an empty value is an empty string, not null).
fn env_value(value: &str, loc: &Loc) -> Result<Node, Diagnostic> {
    let trimmed = value.trim_start();
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        let mut node = tree::parse_yaml(value, &loc.source).map_err(|e| Diagnostic {
            loc: loc.clone(),
            path: String::new(),
            message: e.message,
        })?;
        relocate(&mut node, loc);
        Ok(node)
    } else {
        Ok(Node::new(
            match tree::resolve_plain(value) {
                Value::Null if !value.is_empty() => Value::Null,
                Value::Null => Value::Str { text: String::new(), plain: false },
                other => other,
            },
            loc.clone(),
        ))
    }
}

/// An environment variable has no lines: every node gets the variable as its location.
fn relocate(node: &mut Node, loc: &Loc) {
    node.loc = loc.clone();
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| relocate(n, loc)),
        Value::Map(map) => map.values_mut().for_each(|e| {
            e.key_loc = loc.clone();
            relocate(&mut e.value, loc);
        }),
        _ => {}
    }
}
