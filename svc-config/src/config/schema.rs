//! JSON Schemas of configuration: one service's options, and a whole config file (`--config FILE`).
//!
//! `cargo xtask schema` writes them for the builtin and example services; a project program prints its own with
//! its `schema` subcommand (point an editor's YAML/TOML language server at it for completion and checking).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use svc_core::Project;

const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The options schema of one service definition.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceSchema {
    /// The service name (`postgres`).
    pub name: String,
    /// Multi-instance (`services.<name>.<instance>`) or single (`services.<name>`).
    pub multi: bool,
    /// The JSON schema of its options.
    pub schema: Value,
    /// Where it is defined (shown when one name has several definitions).
    pub origin: String,
}

impl ServiceSchema {
    /// The service definitions used by `project`, once each, in the order they were added.
    pub fn of_project(project: &Project) -> Vec<ServiceSchema> {
        let mut out: Vec<ServiceSchema> = Vec::new();
        for entry in project.entries() {
            let multi = entry.instance_name().is_some();
            if !out.iter().any(|s| s.name == entry.service_name() && s.multi == multi) {
                out.push(ServiceSchema {
                    name: entry.service_name().to_owned(),
                    multi,
                    schema: serde_json::to_value(entry.schema()).unwrap_or(Value::Null),
                    origin: project.name().to_owned(),
                });
            }
        }
        out
    }
}

/// The definitions grouped by service name, in first-appearance order; identical duplicates are dropped.
pub fn by_name(services: &[ServiceSchema]) -> Vec<(String, Vec<&ServiceSchema>)> {
    let mut groups: Vec<(String, Vec<&ServiceSchema>)> = Vec::new();
    for service in services {
        match groups.iter_mut().find(|(name, _)| *name == service.name) {
            Some((_, list)) => {
                if !list.iter().any(|s| s.schema == service.schema && s.multi == service.multi) {
                    list.push(service);
                }
            }
            None => groups.push((service.name.clone(), vec![service])),
        }
    }
    groups
}

/// The schema of one service's options. A name with several definitions (the `hello` example exists as a single
/// and as a multi-instance service) gets `anyOf` them.
pub fn service_schema(name: &str, definitions: &[&ServiceSchema]) -> Value {
    if let [one] = definitions {
        let mut schema = one.schema.clone();
        if let Value::Object(map) = &mut schema {
            map.insert("$schema".into(), json!(DRAFT));
            map.insert("title".into(), json!(name));
        }
        return schema;
    }
    let mut defs = Map::new();
    let variants: Vec<Value> = definitions
        .iter()
        .map(|d| hoist(d.schema.clone(), &format!("{}.", if d.multi { "multi" } else { "single" }), &mut defs))
        .collect();
    let origins: Vec<&str> = definitions.iter().map(|d| d.origin.as_str()).collect();
    let mut root = Map::new();
    root.insert("$schema".into(), json!(DRAFT));
    root.insert("title".into(), json!(name));
    root.insert(
        "description".into(),
        json!(format!(
            "The options of `{name}`, which is defined more than once ({}); each definition is one branch.",
            origins.join(", ")
        )),
    );
    root.insert("anyOf".into(), Value::Array(variants));
    if !defs.is_empty() {
        root.insert("$defs".into(), Value::Object(defs));
    }
    Value::Object(root)
}

/// The schema of a layered config file: `services.<service>.<instance>` for multi-instance services,
/// `services.<service>` for single ones, `processes.<name>` overrides. No key is required: a config file
/// overrides some values and leaves the rest as set in Rust.
pub fn project_schema(services: &[ServiceSchema]) -> Value {
    let mut defs = Map::new();
    let mut properties = Map::new();
    for (name, definitions) in by_name(services) {
        let several = definitions.len() > 1;
        let shapes: Vec<Value> = definitions
            .iter()
            .map(|d| {
                let kind = if d.multi { "multi" } else { "single" };
                let def_name = if several { format!("{name}.{kind}") } else { name.clone() };
                let options = hoist(d.schema.clone(), &format!("{def_name}."), &mut defs);
                defs.insert(def_name.clone(), options);
                let reference = json!({ "$ref": format!("#/$defs/{def_name}") });
                if d.multi {
                    json!({
                        "type": "object",
                        "description": format!("Instances of `{name}`, by instance name."),
                        "additionalProperties": reference,
                    })
                } else {
                    reference
                }
            })
            .collect();
        let shape = match <[Value; 1]>::try_from(shapes) {
            Ok([one]) => one,
            Err(many) => json!({ "anyOf": many }),
        };
        properties.insert(name, shape);
    }
    let process = serde_json::to_value(schemars::schema_for!(svc_core::Process)).unwrap_or(Value::Null);
    let process = hoist(process, "process.", &mut defs);
    defs.insert("Process".into(), process);
    let mut root = json!({
        "$schema": DRAFT,
        "title": "svc configuration",
        "description": "A layered configuration file (--config FILE): values merged over the options set in Rust.",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "services": {
                "type": "object",
                "description": "Service options: services.<service>.<option>, or services.<service>.<instance>.<option> for a multi-instance service.",
                "additionalProperties": false,
                "properties": properties,
            },
            "processes": {
                "type": "object",
                "description": "Overrides of the merged processes, by process name (environment, availability, ...).",
                "additionalProperties": { "$ref": "#/$defs/Process" },
            },
        },
        "$defs": defs,
    });
    strip_required(&mut root);
    root
}

/// Moves `schema`'s `$defs` into `defs` (sharing identical definitions, prefixing clashing ones) and rewrites
/// its references; returns the schema without `$defs` and `$schema`.
fn hoist(mut schema: Value, prefix: &str, defs: &mut Map<String, Value>) -> Value {
    let own = match &mut schema {
        Value::Object(map) => {
            map.remove("$schema");
            map.remove("$defs")
        }
        _ => None,
    };
    let Some(Value::Object(own)) = own else { return schema };
    let mut renames = BTreeMap::new();
    for (name, def) in &own {
        let target = match defs.get(name) {
            Some(existing) if existing != def => format!("{prefix}{name}"),
            _ => name.clone(),
        };
        renames.insert(name.clone(), target);
    }
    rewrite_refs(&mut schema, &renames);
    for (name, mut def) in own {
        rewrite_refs(&mut def, &renames);
        defs.insert(renames[&name].clone(), def);
    }
    schema
}

fn rewrite_refs(value: &mut Value, renames: &BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get_mut("$ref")
                && let Some(name) = reference.strip_prefix("#/$defs/")
                && let Some(target) = renames.get(name)
            {
                *reference = format!("#/$defs/{target}");
            }
            map.values_mut().for_each(|v| rewrite_refs(v, renames));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_refs(v, renames)),
        _ => {}
    }
}

/// Config layers are partial: no key is required.
fn strip_required(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if matches!(map.get("required"), Some(Value::Array(_))) {
                map.remove("required");
            }
            map.values_mut().for_each(strip_required);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_required),
        _ => {}
    }
}
