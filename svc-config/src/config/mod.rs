//! Layered configuration: config files and environment overrides merged over the options set in Rust.
//!
//! A project program accepts `--config FILE` (TOML, YAML or JSON by extension; several allowed, later wins) and
//! environment overrides. Shape:
//!
//! ```toml
//! [services.postgres.pg1]        # a multi-instance service: services.<service>.<instance>.<option>
//! port = 5433
//!
//! [services.hello]               # a single-instance service: services.<service>.<option>
//! message = "Hi"
//!
//! [processes.hello.environment]  # processes.<name>.<field>: applied to the merged processes
//! RUST_LOG = "debug"
//!
//! [processes.hello.availability]
//! restart = "on_failure"
//! ```
//!
//! Environment overrides, applied after the files:
//! - `SVC__SERVICES__POSTGRES__PG1__PORT=5433`: one value; `__` separates keys. Keys are matched without regard
//!   to case, with `_` also matching `-` and `.` (`SVC__SERVICES__REDIS_CLUSTER__...` reaches `redis-cluster`);
//!   keys of free-form maps (`environment`, `headers`) are taken as written. The value is read as a YAML scalar
//!   (`5433` is a number, `true` a boolean, `abc` a string), or as a YAML/JSON list or mapping when it starts with
//!   `[` or `{`.
//! - `SVC_CONFIG='{"services": {"hello": {"message": "Hi"}}}'`: a whole layer as JSON or YAML, applied before the
//!   `SVC__` variables.
//!
//! Every error names the file, line and column, the full option path and what was expected:
//! `services.toml:3:8: services.postgres.pg1.port: invalid type: string "abc", expected u16`. Unknown keys are
//! rejected with a suggestion: `unknown option 'mesage', did you mean 'message'?`.

pub mod schema;
pub mod tree;

use std::fmt;
use std::path::Path;

use indexmap::IndexMap;
use serde_json::{Map, Value as Json};
use svc_core::{Errors, MergedSettings, Process, Project, ServiceEntry, ValidProject};

pub use tree::Diagnostic;
use tree::{Entry, Format, Loc, Node, Value};

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
    root: Node,
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
            let path = &name[ENV_PREFIX.len()..];
            let loc = Loc::whole(format!("env {name}"));
            let segments: Vec<&str> = path.split("__").collect();
            if segments.iter().any(|s| s.is_empty()) {
                errors.push(Diagnostic {
                    loc,
                    path: String::new(),
                    message: "empty key; separate keys with exactly two underscores (SVC__SERVICES__HELLO__MESSAGE)"
                        .into(),
                });
                continue;
            }
            let leaf = env_value(&value, &loc);
            let leaf = match leaf {
                Ok(node) => node,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            let root = segments.iter().rev().fold(leaf, |inner, key| {
                let mut map = IndexMap::new();
                map.insert((*key).to_owned(), Entry { key_loc: loc.clone(), value: inner });
                Node::new(Value::Map(map), loc.clone())
            });
            layers.push(Layer { root, fuzzy: true });
        }
        if errors.is_empty() { Ok(layers) } else { Err(ConfigError::Invalid(errors)) }
    }
}

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

/// Configuration that cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// Problems in the configuration layers, each at its position.
    Invalid(Vec<Diagnostic>),
    /// The configured project does not validate.
    Project(Errors),
}

impl ConfigError {
    fn one(loc: Loc, path: &str, message: impl Into<String>) -> Self {
        ConfigError::Invalid(vec![Diagnostic { loc, path: path.to_owned(), message: message.into() }])
    }

    /// The individual messages.
    pub fn messages(&self) -> Vec<String> {
        match self {
            ConfigError::Invalid(d) => d.iter().map(ToString::to_string).collect(),
            ConfigError::Project(e) => e.iter().map(ToString::to_string).collect(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Project(e) => e.fmt(f),
            ConfigError::Invalid(d) => match d.as_slice() {
                [one] => one.fmt(f),
                many => {
                    write!(f, "{} configuration problems:", many.len())?;
                    for e in many {
                        write!(f, "\n  {e}")?;
                    }
                    Ok(())
                }
            },
        }
    }
}

impl std::error::Error for ConfigError {}

/// The configured, validated project and where each configured value came from.
#[derive(Debug)]
pub struct Resolved {
    /// The project to run.
    pub project: ValidProject,
    /// The effective configuration.
    pub report: Report,
}

/// The effective configuration: every option of every service and every field of every process, and the
/// source of each value a layer set.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// `{"services": {...}, "processes": {...}}`.
    pub effective: Json,
    /// For each overridden leaf, by dotted path: where its value came from (the last layer that set it).
    pub sources: IndexMap<String, Loc>,
}

impl Report {
    /// The effective configuration as `path = value` lines (values in JSON notation), each overridden value
    /// followed by `# <source>`.
    pub fn render(&self) -> String {
        let mut lines = Vec::new();
        flatten(&self.effective, &mut String::new(), &mut lines);
        // Align the source comments of the overridden lines (only those carry one).
        let width = lines
            .iter()
            .filter(|(p, _)| self.sources.contains_key(p))
            .map(|(p, v)| p.len() + v.len() + 3)
            .max()
            .unwrap_or(0)
            .min(90);
        let mut out = String::new();
        for (path, value) in lines {
            let line = format!("{path} = {value}");
            match self.sources.get(&path) {
                Some(loc) => out.push_str(&format!("{line:<width$}  # {loc}\n")),
                None => {
                    out.push_str(&line);
                    out.push('\n');
                }
            }
        }
        out
    }
}

fn flatten(value: &Json, path: &mut String, out: &mut Vec<(String, String)>) {
    match value {
        Json::Object(map) if !map.is_empty() => {
            for (key, child) in map {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&display_key(key));
                flatten(child, path, out);
                path.truncate(len);
            }
        }
        other => out.push((path.clone(), other.to_string())),
    }
}

/// A key as written in a dotted path: bare when it is a simple identifier, quoted otherwise.
fn display_key(key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        key.to_owned()
    } else {
        format!("{key:?}")
    }
}

/// Applies `layers` in order over the options set in Rust (changing the project's services), merges the project,
/// applies `processes.*` overrides and validates. Every problem is reported, each at its position.
pub fn apply(project: &mut Project, layers: &[Layer]) -> Result<Resolved, ConfigError> {
    let (merged, report) = apply_unvalidated(project, layers)?;
    let valid = merged.validate(project.name()).map_err(ConfigError::Project)?;
    Ok(Resolved { project: valid, report })
}

/// [`apply`] without the final validation: the merged settings and the report (what `config` prints, even for
/// a project that does not validate yet).
pub fn apply_unvalidated(project: &mut Project, layers: &[Layer]) -> Result<(MergedSettings, Report), ConfigError> {
    let mut errors = Vec::new();
    let mut sources = IndexMap::new();
    let mut process_layers: Vec<(&Layer, &Entry)> = Vec::new();

    // Which entry each `services.<service>[.<instance>]` addresses.
    let services: Vec<String> = {
        let mut names: Vec<String> = Vec::new();
        for e in project.entries() {
            if !names.iter().any(|n| n == e.service_name()) {
                names.push(e.service_name().to_owned());
            }
        }
        names
    };

    // Options overrides, per entry index, in layer order.
    let mut per_entry: IndexMap<usize, Vec<(&Layer, String, &Node)>> = IndexMap::new();
    for layer in layers {
        let Some(top) = layer.root.as_map() else { continue };
        for (key, entry) in top {
            match resolve_key(layer, key, &["services", "processes"]) {
                Some("services") => {
                    let Some(map) = expect_map(&entry.value, "services", &mut errors) else { continue };
                    for (service_key, service_entry) in map {
                        let names: Vec<&str> = services.iter().map(String::as_str).collect();
                        let Some(service) = resolve_key(layer, service_key, &names) else {
                            errors.push(unknown(
                                &service_entry.key_loc,
                                &format!("services.{}", display_key(service_key)),
                                "service",
                                service_key,
                                &names,
                                " (services are added to the project in Rust)",
                            ));
                            continue;
                        };
                        let indices: Vec<usize> = project
                            .entries()
                            .iter()
                            .enumerate()
                            .filter(|(_, e)| e.service_name() == service)
                            .map(|(i, _)| i)
                            .collect();
                        let is_multi = indices.iter().any(|&i| project.entries()[i].instance_name().is_some());
                        let service_path = format!("services.{service}");
                        if !is_multi {
                            per_entry.entry(indices[0]).or_default().push((layer, service_path, &service_entry.value));
                            continue;
                        }
                        let Some(instances) = expect_map(&service_entry.value, &service_path, &mut errors) else {
                            continue;
                        };
                        let instance_names: Vec<&str> =
                            indices.iter().filter_map(|&i| project.entries()[i].instance_name()).collect();
                        for (instance_key, instance_entry) in instances {
                            match resolve_key(layer, instance_key, &instance_names) {
                                Some(instance) => {
                                    let index = indices
                                        .iter()
                                        .copied()
                                        .find(|&i| project.entries()[i].instance_name() == Some(instance))
                                        .unwrap_or(indices[0]);
                                    per_entry.entry(index).or_default().push((
                                        layer,
                                        format!("{service_path}.{}", display_key(instance)),
                                        &instance_entry.value,
                                    ));
                                }
                                None => {
                                    let path = format!("{service_path}.{}", display_key(instance_key));
                                    let schema = project.entries()[indices[0]].schema();
                                    let is_option = object_shape(schema.as_value(), schema.as_value())
                                        .properties
                                        .contains_key(instance_key);
                                    errors.push(if is_option {
                                        // `services.postgres.port`: the instance level is missing.
                                        Diagnostic {
                                            loc: instance_entry.key_loc.clone(),
                                            path,
                                            message: format!(
                                                "`{service}` is a multi-instance service: set `{instance_key}` on an \
                                                 instance, services.{service}.<instance>.{instance_key} (instances: {})",
                                                instance_names.join(", ")
                                            ),
                                        }
                                    } else {
                                        unknown(
                                            &instance_entry.key_loc,
                                            &path,
                                            "instance",
                                            instance_key,
                                            &instance_names,
                                            " (instances are declared in Rust)",
                                        )
                                    });
                                }
                            }
                        }
                    }
                }
                Some(_) => process_layers.push((layer, entry)),
                None => errors.push(unknown(&entry.key_loc, key, "key", key, &["services", "processes"], "")),
            }
        }
    }

    for (index, overrides) in per_entry {
        let entry = &mut project.entries_mut()[index];
        apply_entry(entry.as_mut(), &overrides, &mut errors, &mut sources);
    }

    let mut merged = match project.settings() {
        Ok(merged) => merged,
        Err(e) if errors.is_empty() => return Err(ConfigError::Project(e)),
        Err(_) => return Err(ConfigError::Invalid(errors)),
    };

    // processes.<name>.<field>: over the merged processes.
    let process_schema = schemars::schema_for!(Process);
    for (layer, entry) in process_layers {
        let Some(map) = expect_map(&entry.value, "processes", &mut errors) else { continue };
        for (name_key, process_entry) in map {
            let names: Vec<&str> = merged.settings.processes.keys().map(String::as_str).collect();
            let Some(name) = resolve_key(layer, name_key, &names).map(str::to_owned) else {
                errors.push(unknown(
                    &process_entry.key_loc,
                    &format!("processes.{}", display_key(name_key)),
                    "process",
                    name_key,
                    &names,
                    "",
                ));
                continue;
            };
            let path = format!("processes.{}", display_key(&name));
            let process = &merged.settings.processes[&name];
            let current = serde_json::to_value(process).unwrap_or(Json::Null);
            let schema = process_schema.as_value();
            let mut leaves = Vec::new();
            let before = errors.len();
            let overlay = overlay_json(layer, &process_entry.value, schema, schema, &path, &mut leaves, &mut errors);
            if errors.len() > before {
                continue;
            }
            let mut value = current.clone();
            deep_merge(&mut value, overlay);
            match serde_json::from_value::<Process>(value) {
                Ok(p) => {
                    merged.settings.processes[&name] = p;
                    for leaf in leaves {
                        sources.insert(leaf.path, leaf.loc);
                    }
                }
                Err(e) => errors.push(blame(&current, &leaves, e, |v| serde_json::from_value::<Process>(v).err())),
            }
        }
    }

    if !errors.is_empty() {
        return Err(ConfigError::Invalid(errors));
    }
    let effective = effective(project, &merged.settings.processes);
    Ok((merged, Report { effective, sources }))
}

/// The effective configuration of `project` without validating it (for `config` on a project that does not
/// validate yet, and for tests).
pub fn effective(project: &Project, processes: &IndexMap<String, Process>) -> Json {
    let mut services = Map::new();
    for entry in project.entries() {
        match entry.instance_name() {
            Some(instance) => {
                let service = services.entry(entry.service_name()).or_insert_with(|| Json::Object(Map::new()));
                if let Json::Object(map) = service {
                    map.insert(instance.to_owned(), entry.options());
                }
            }
            None => {
                services.insert(entry.service_name().to_owned(), entry.options());
            }
        }
    }
    let processes: Map<String, Json> =
        processes.iter().map(|(n, p)| (n.clone(), serde_json::to_value(p).unwrap_or(Json::Null))).collect();
    serde_json::json!({ "services": services, "processes": processes })
}

/// Applies the overrides of one service entry: unknown options first, then types, blaming the leaf at fault.
fn apply_entry(
    entry: &mut dyn ServiceEntry,
    overrides: &[(&Layer, String, &Node)],
    errors: &mut Vec<Diagnostic>,
    sources: &mut IndexMap<String, Loc>,
) {
    let original = entry.options();
    let schema = entry.schema();
    let schema = schema.as_value();
    let mut value = original.clone();
    let mut leaves = Vec::new();
    let before = errors.len();
    for (layer, path, node) in overrides {
        let overlay = overlay_json(layer, node, schema, schema, path, &mut leaves, errors);
        deep_merge(&mut value, overlay);
    }
    if errors.len() > before {
        return;
    }
    if let Err(e) = entry.set_options(value) {
        let error = blame(&original, &leaves, e, |candidate| {
            let result = entry.set_options(candidate).err();
            // Probing must not leave a half-applied value behind.
            let _ = entry.set_options(original.clone());
            result
        });
        errors.push(error);
        return;
    }
    for leaf in leaves {
        sources.insert(leaf.path, leaf.loc);
    }
}

/// Finds which overridden leaf makes deserialization fail, by applying each alone over `original`; the error is
/// reported at that leaf's position and path. If no single leaf fails, the first one is blamed.
fn blame(
    original: &Json,
    leaves: &[Leaf],
    error: serde_json::Error,
    mut try_value: impl FnMut(Json) -> Option<serde_json::Error>,
) -> Diagnostic {
    for leaf in leaves {
        let mut candidate = original.clone();
        set_at(&mut candidate, &leaf.relative, leaf.value.clone());
        if let Some(e) = try_value(candidate) {
            return Diagnostic { loc: leaf.loc.clone(), path: leaf.path.clone(), message: e.to_string() };
        }
    }
    let (path, loc) = leaves.first().map_or((String::new(), Loc::whole("config")), |l| (l.path.clone(), l.loc.clone()));
    Diagnostic { loc, path, message: error.to_string() }
}

/// One overridden value: its full path, where it was written, its path inside the options, and the value.
struct Leaf {
    path: String,
    loc: Loc,
    relative: Vec<String>,
    value: Json,
}

fn set_at(value: &mut Json, path: &[String], leaf: Json) {
    match path.split_first() {
        None => *value = leaf,
        Some((key, rest)) => {
            if !value.is_object() {
                *value = Json::Object(Map::new());
            }
            if let Json::Object(map) = value {
                set_at(map.entry(key.clone()).or_insert(Json::Null), rest, leaf);
            }
        }
    }
}

/// Converts an override node to JSON, checking its keys against `schema`: unknown options are reported with a
/// suggestion. Records each leaf as `(full path, location, path relative to the options)`.
fn overlay_json(
    layer: &Layer,
    node: &Node,
    schema: &Json,
    root: &Json,
    path: &str,
    leaves: &mut Vec<Leaf>,
    errors: &mut Vec<Diagnostic>,
) -> Json {
    #[allow(clippy::too_many_arguments)]
    fn walk(
        layer: &Layer,
        node: &Node,
        schema: Option<&Json>,
        root: &Json,
        path: &str,
        relative: &mut Vec<String>,
        leaves: &mut Vec<Leaf>,
        errors: &mut Vec<Diagnostic>,
    ) -> Json {
        let Value::Map(map) = &node.value else {
            let value = node.to_json();
            leaves.push(Leaf {
                path: path.to_owned(),
                loc: node.loc.clone(),
                relative: relative.clone(),
                value: value.clone(),
            });
            return value;
        };
        let shape = schema.map(|s| object_shape(s, root)).unwrap_or_default();
        let mut out = Map::new();
        for (key, entry) in map {
            let known: Vec<&str> = shape.properties.keys().map(String::as_str).collect();
            let resolved = if shape.properties.is_empty() && !shape.closed {
                // A free-form map (environment, headers): keys as written.
                Some(key.clone())
            } else if let Some(k) = resolve_key(layer, key, &known) {
                Some(k.to_owned())
            } else if !shape.closed {
                Some(key.clone())
            } else {
                None
            };
            let Some(resolved) = resolved else {
                errors.push(unknown(
                    &entry.key_loc,
                    &format!("{path}.{}", display_key(key)),
                    "option",
                    key,
                    &known,
                    "",
                ));
                continue;
            };
            let child_schema = shape.properties.get(&resolved).or(shape.additional.as_ref());
            let child_path = format!("{path}.{}", display_key(&resolved));
            relative.push(resolved.clone());
            let value = walk(layer, &entry.value, child_schema, root, &child_path, relative, leaves, errors);
            relative.pop();
            out.insert(resolved, value);
        }
        Json::Object(out)
    }
    walk(layer, node, Some(schema), root, path, &mut Vec::new(), leaves, errors)
}

#[derive(Default)]
struct Shape {
    properties: IndexMap<String, Json>,
    /// `additionalProperties: false`: only `properties` are allowed.
    closed: bool,
    /// The schema of other keys of a map.
    additional: Option<Json>,
}

/// The properties an object schema allows, following `$ref` and the branches of `anyOf` / `oneOf` / `allOf`
/// (options of type `Option<T>`, flattened enums).
fn object_shape(schema: &Json, root: &Json) -> Shape {
    let mut shape = Shape::default();
    collect_shape(schema, root, &mut shape, 0);
    shape
}

fn collect_shape(schema: &Json, root: &Json, shape: &mut Shape, depth: usize) {
    if depth > 16 {
        return;
    }
    let Json::Object(map) = schema else { return };
    if let Some(Json::String(reference)) = map.get("$ref")
        && let Some(target) = reference.strip_prefix('#').and_then(|pointer| root.pointer(pointer))
    {
        collect_shape(target, root, shape, depth + 1);
    }
    if let Some(Json::Object(props)) = map.get("properties") {
        for (k, v) in props {
            shape.properties.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    match map.get("additionalProperties") {
        Some(Json::Bool(false)) => shape.closed = true,
        Some(s @ Json::Object(_)) => shape.additional = Some(s.clone()),
        _ => {}
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Json::Array(branches)) = map.get(key) {
            for branch in branches {
                collect_shape(branch, root, shape, depth + 1);
            }
        }
    }
}

/// Objects are merged key by key; anything else replaces.
fn deep_merge(base: &mut Json, overlay: Json) {
    match (base, overlay) {
        (Json::Object(b), Json::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(existing) => deep_merge(existing, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

/// `key` among `candidates`: exactly, or for environment layers ignoring case and `_` / `-` / `.`.
fn resolve_key<'c>(layer: &Layer, key: &str, candidates: &[&'c str]) -> Option<&'c str> {
    if let Some(found) = candidates.iter().find(|c| **c == key) {
        return Some(found);
    }
    if !layer.fuzzy {
        return None;
    }
    let normal = |s: &str| s.to_ascii_lowercase().replace(['-', '.'], "_");
    let wanted = normal(key);
    candidates.iter().find(|c| normal(c) == wanted).copied()
}

fn expect_map<'n>(node: &'n Node, path: &str, errors: &mut Vec<Diagnostic>) -> Option<&'n IndexMap<String, Entry>> {
    match node.as_map() {
        Some(map) => Some(map),
        None => {
            errors.push(Diagnostic {
                loc: node.loc.clone(),
                path: path.to_owned(),
                message: format!("expected a table (mapping), found {}", node.kind()),
            });
            None
        }
    }
}

fn unknown(loc: &Loc, path: &str, what: &str, key: &str, known: &[&str], hint: &str) -> Diagnostic {
    let lower: Vec<String> = known.iter().map(|k| k.to_ascii_lowercase()).collect();
    let lower_refs: Vec<&str> = lower.iter().map(String::as_str).collect();
    let suggestion = svc_core::closest(key, known)
        .or_else(|| svc_core::closest(&key.to_ascii_lowercase(), &lower_refs))
        .map(|s| format!(", did you mean '{s}'?"))
        .unwrap_or_else(|| {
            if known.is_empty() { String::new() } else { format!("; expected one of: {}", known.join(", ")) }
        });
    Diagnostic { loc: loc.clone(), path: path.to_owned(), message: format!("unknown {what} '{key}'{suggestion}{hint}") }
}
