//! `cargo xtask schema`: `schema/<service>.json` per service and `schema/project.json` for config files. The
//! schemas themselves are built by `svc::config::schema`, which a project's `schema` subcommand uses too.

use std::collections::BTreeMap;

use serde_json::Value;
use svc::config::schema::{ServiceSchema, by_name, project_schema, service_schema};

use crate::catalog::Catalog;

/// Every schema file, by file name, with its contents (pretty JSON, trailing newline).
pub fn files(catalog: &Catalog) -> BTreeMap<String, String> {
    let services = schemas(catalog);
    let mut files = BTreeMap::new();
    for (name, definitions) in by_name(&services) {
        files.insert(format!("{name}.json"), pretty(&service_schema(&name, &definitions)));
    }
    files.insert("project.json".into(), pretty(&project_schema(&services)));
    files
}

/// The catalog's services as schema inputs.
pub fn schemas(catalog: &Catalog) -> Vec<ServiceSchema> {
    catalog
        .services
        .iter()
        .map(|doc| ServiceSchema {
            name: doc.name.clone(),
            multi: doc.multi,
            schema: doc.schema.clone(),
            origin: doc.origin.clone(),
        })
        .collect()
}

/// Pretty JSON with a trailing newline: the committed form.
pub fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}
