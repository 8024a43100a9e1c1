//! `cargo xtask schema`: `schema/<service>.json` per service and `schema/project.json` for config files.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::catalog::{Catalog, ServiceDoc};

const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// Every schema file, by file name, with its contents (pretty JSON, trailing newline).
pub fn files(catalog: &Catalog) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    for (name, docs) in catalog.by_name() {
        files.insert(format!("{name}.json"), pretty(&service_schema(&name, &docs)));
    }
    files.insert("project.json".into(), pretty(&project_schema(catalog)));
    files
}

/// Pretty JSON with a trailing newline: the committed form.
pub fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// The schema of one service's options. A name defined twice (single and multi) gets `anyOf` both.
fn service_schema(name: &str, docs: &[&ServiceDoc]) -> Value {
    if let [doc] = docs {
        let mut schema = doc.schema.clone();
        if let Value::Object(map) = &mut schema {
            map.insert("$schema".into(), json!(DRAFT));
            map.insert("title".into(), json!(name));
        }
        return schema;
    }
    let mut defs = Map::new();
    let variants: Vec<Value> = docs
        .iter()
        .map(|doc| hoist(doc.schema.clone(), &format!("{}.", if doc.multi { "multi" } else { "single" }), &mut defs))
        .collect();
    let mut root = Map::new();
    root.insert("$schema".into(), json!(DRAFT));
    root.insert("title".into(), json!(name));
    root.insert(
        "description".into(),
        json!(format!(
            "The options of `{name}`, which is defined more than once ({}); each definition is one branch.",
            docs.iter().map(|d| d.origin.as_str()).collect::<Vec<_>>().join(", ")
        )),
    );
    root.insert("anyOf".into(), Value::Array(variants));
    if !defs.is_empty() {
        root.insert("$defs".into(), Value::Object(defs));
    }
    Value::Object(root)
}

/// The schema of a layered config file (`--config FILE`): `services.<service>.<instance>` for multi-instance
/// services, `services.<service>` for single ones, `processes.<name>` overrides. Every key is optional: a config
/// file overrides some values and leaves the rest as set in Rust.
pub fn project_schema(catalog: &Catalog) -> Value {
    let mut defs = Map::new();
    let mut services = Map::new();
    for (name, docs) in catalog.by_name() {
        let shapes: Vec<Value> = docs
            .iter()
            .map(|doc| {
                let prefix = format!("{name}.{}", if docs.len() > 1 && doc.multi { "multi." } else { "" });
                let options = hoist(doc.schema.clone(), &prefix, &mut defs);
                let def_name = if docs.len() > 1 {
                    format!("{name}.{}", if doc.multi { "multi" } else { "single" })
                } else {
                    name.clone()
                };
                defs.insert(def_name.clone(), options);
                let reference = json!({ "$ref": format!("#/$defs/{def_name}") });
                if doc.multi {
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
        services.insert(name, shape);
    }
    let process = serde_json::to_value(schemars::schema_for!(svc::Process)).unwrap_or(Value::Null);
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
                "properties": services,
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
    let rewrite = |value: &mut Value| rewrite_refs(value, &renames);
    rewrite(&mut schema);
    for (name, mut def) in own {
        rewrite(&mut def);
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
