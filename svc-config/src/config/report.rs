//! The report of what configuration is in effect: every option and process field, and for each value a layer
//! set, the layer it came from (what the `config` subcommand prints).

use indexmap::IndexMap;
use serde_json::{Map, Value as Json};
use svc_core::{Process, Project};

use super::tree::Loc;

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
pub(super) fn display_key(key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        key.to_owned()
    } else {
        format!("{key:?}")
    }
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
