//! Applying the layers over a project: each override is routed to what it addresses (a service entry, an
//! instance, a merged process), applied there, and recorded in the [`Report`] with its source.

use indexmap::IndexMap;
use serde_json::Value as Json;
use svc_core::{MergedSettings, Process, Project, ServiceEntry, ValidProject};

use super::error::ConfigError;
use super::layer::Layer;
use super::overlay::{Leaf, blame, deep_merge, expect_map, object_shape, overlay_json, unknown};
use super::report::{Report, display_key, effective};
use super::tree::{Diagnostic, Entry, Loc, Node};

/// The configured, validated project and where each configured value came from.
#[derive(Debug)]
pub struct Resolved {
    /// The project to run.
    pub project: ValidProject,
    /// The effective configuration.
    pub report: Report,
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
    let Routed { per_entry, processes, mut errors } = Router::new(project).route(layers);
    let mut sources = IndexMap::new();
    for (index, overrides) in per_entry {
        let entry = &mut project.entries_mut()[index];
        apply_entry(entry.as_mut(), &overrides, &mut errors, &mut sources);
    }
    // Process overrides apply to the merged processes, so the services must be merged first.
    let mut merged = match project.settings() {
        Ok(merged) => merged,
        Err(e) if errors.is_empty() => return Err(ConfigError::Project(e)),
        Err(_) => return Err(ConfigError::Invalid(errors)),
    };
    apply_processes(&mut merged, &processes, &mut errors, &mut sources);
    if !errors.is_empty() {
        return Err(ConfigError::Invalid(errors));
    }
    let effective = effective(project, &merged.settings.processes);
    Ok((merged, Report { effective, sources }))
}

/// An override of one service entry's options: `node`, written at `path` in `layer`.
struct Override<'l> {
    layer: &'l Layer,
    path: String,
    node: &'l Node,
}

/// The overrides of all layers, sorted by what they address, in layer order.
struct Routed<'l> {
    /// Options overrides, by index of the service entry.
    per_entry: IndexMap<usize, Vec<Override<'l>>>,
    /// The `processes` table of each layer that has one.
    processes: Vec<(&'l Layer, &'l Entry)>,
    /// Keys that address nothing.
    errors: Vec<Diagnostic>,
}

/// Sorts the top-level keys of the layers: `services.<service>[.<instance>]` to the entry they address,
/// `processes` for later (they apply to the merged processes).
struct Router<'p, 'l> {
    project: &'p Project,
    /// The service names, once each, in the order the entries were added.
    services: Vec<String>,
    routed: Routed<'l>,
}

impl<'p, 'l> Router<'p, 'l> {
    fn new(project: &'p Project) -> Self {
        let mut services: Vec<String> = Vec::new();
        for e in project.entries() {
            if !services.iter().any(|n| n == e.service_name()) {
                services.push(e.service_name().to_owned());
            }
        }
        let routed = Routed { per_entry: IndexMap::new(), processes: Vec::new(), errors: Vec::new() };
        Router { project, services, routed }
    }

    fn route(mut self, layers: &'l [Layer]) -> Routed<'l> {
        for layer in layers {
            let Some(top) = layer.root.as_map() else { continue };
            for (key, entry) in top {
                match layer.resolve_key(key, &["services", "processes"]) {
                    Some("services") => self.services(layer, &entry.value),
                    Some(_) => self.routed.processes.push((layer, entry)),
                    None => self.routed.errors.push(unknown(
                        &entry.key_loc,
                        key,
                        "key",
                        key,
                        &["services", "processes"],
                        "",
                    )),
                }
            }
        }
        self.routed
    }

    /// `services: {<service>: ...}`.
    fn services(&mut self, layer: &'l Layer, node: &'l Node) {
        let Some(map) = expect_map(node, "services", &mut self.routed.errors) else { return };
        for (service_key, service_entry) in map {
            let names: Vec<&str> = self.services.iter().map(String::as_str).collect();
            let Some(service) = layer.resolve_key(service_key, &names) else {
                let error = unknown(
                    &service_entry.key_loc,
                    &format!("services.{}", display_key(service_key)),
                    "service",
                    service_key,
                    &names,
                    " (services are added to the project in Rust)",
                );
                self.routed.errors.push(error);
                continue;
            };
            let service = service.to_owned();
            self.service(layer, &service, &service_entry.value);
        }
    }

    /// `services.<service>`: the options of a single-instance service, or the instances of a multi-instance one.
    fn service(&mut self, layer: &'l Layer, service: &str, node: &'l Node) {
        let entries = self.project.entries();
        let indices: Vec<usize> =
            entries.iter().enumerate().filter(|(_, e)| e.service_name() == service).map(|(i, _)| i).collect();
        let is_multi = indices.iter().any(|&i| entries[i].instance_name().is_some());
        let path = format!("services.{service}");
        if is_multi {
            self.instances(layer, service, &path, &indices, node);
        } else {
            self.push(indices[0], layer, path, node);
        }
    }

    /// `services.<service>.<instance>` of a multi-instance service whose entries are at `indices`.
    fn instances(&mut self, layer: &'l Layer, service: &str, service_path: &str, indices: &[usize], node: &'l Node) {
        let entries = self.project.entries();
        let Some(instances) = expect_map(node, service_path, &mut self.routed.errors) else { return };
        let instance_names: Vec<&str> = indices.iter().filter_map(|&i| entries[i].instance_name()).collect();
        for (instance_key, instance_entry) in instances {
            match layer.resolve_key(instance_key, &instance_names) {
                Some(instance) => {
                    let index = indices
                        .iter()
                        .copied()
                        .find(|&i| entries[i].instance_name() == Some(instance))
                        .unwrap_or(indices[0]);
                    let path = format!("{service_path}.{}", display_key(instance));
                    self.push(index, layer, path, &instance_entry.value);
                }
                None => {
                    let path = format!("{service_path}.{}", display_key(instance_key));
                    let schema = entries[indices[0]].schema();
                    let is_option =
                        object_shape(schema.as_value(), schema.as_value()).properties.contains_key(instance_key);
                    let error = if is_option {
                        // `services.postgres.port`: the instance level is missing.
                        Diagnostic {
                            loc: instance_entry.key_loc.clone(),
                            path,
                            message: format!(
                                "`{service}` is a multi-instance service: set `{instance_key}` on an instance, \
                                 services.{service}.<instance>.{instance_key} (instances: {})",
                                instance_names.join(", ")
                            ),
                        }
                    } else {
                        let hint = " (instances are declared in Rust)";
                        unknown(&instance_entry.key_loc, &path, "instance", instance_key, &instance_names, hint)
                    };
                    self.routed.errors.push(error);
                }
            }
        }
    }

    fn push(&mut self, index: usize, layer: &'l Layer, path: String, node: &'l Node) {
        self.routed.per_entry.entry(index).or_default().push(Override { layer, path, node });
    }
}

/// Applies the overrides of one service entry: unknown options first, then types, blaming the leaf at fault.
fn apply_entry(
    entry: &mut dyn ServiceEntry,
    overrides: &[Override<'_>],
    errors: &mut Vec<Diagnostic>,
    sources: &mut IndexMap<String, Loc>,
) {
    let original = entry.options();
    let schema = entry.schema();
    let schema = schema.as_value();
    let mut value = original.clone();
    let mut leaves = Vec::new();
    let before = errors.len();
    for Override { layer, path, node } in overrides {
        let overlay = overlay_json(layer, node, schema, path, &mut leaves, errors);
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
    record(leaves, sources);
}

/// `processes.<name>.<field>` of every layer, over the merged processes.
fn apply_processes(
    merged: &mut MergedSettings,
    overrides: &[(&Layer, &Entry)],
    errors: &mut Vec<Diagnostic>,
    sources: &mut IndexMap<String, Loc>,
) {
    let process_schema = schemars::schema_for!(Process);
    for (layer, entry) in overrides {
        let Some(map) = expect_map(&entry.value, "processes", errors) else { continue };
        for (name_key, process_entry) in map {
            let names: Vec<&str> = merged.settings.processes.keys().map(String::as_str).collect();
            let Some(name) = layer.resolve_key(name_key, &names).map(str::to_owned) else {
                let path = format!("processes.{}", display_key(name_key));
                errors.push(unknown(&process_entry.key_loc, &path, "process", name_key, &names, ""));
                continue;
            };
            let path = format!("processes.{}", display_key(&name));
            let process = &mut merged.settings.processes[&name];
            let schema = process_schema.as_value();
            apply_process(process, layer, &process_entry.value, schema, &path, errors, sources);
        }
    }
}

/// Applies one layer's override of one process (`node`, at `path`).
fn apply_process(
    process: &mut Process,
    layer: &Layer,
    node: &Node,
    schema: &Json,
    path: &str,
    errors: &mut Vec<Diagnostic>,
    sources: &mut IndexMap<String, Loc>,
) {
    let current = serde_json::to_value(&*process).unwrap_or(Json::Null);
    let mut leaves = Vec::new();
    let before = errors.len();
    let overlay = overlay_json(layer, node, schema, path, &mut leaves, errors);
    if errors.len() > before {
        return;
    }
    let mut value = current.clone();
    deep_merge(&mut value, overlay);
    match serde_json::from_value::<Process>(value) {
        Ok(p) => {
            *process = p;
            record(leaves, sources);
        }
        Err(e) => errors.push(blame(&current, &leaves, e, |v| serde_json::from_value::<Process>(v).err())),
    }
}

/// Records where each applied leaf came from (a later layer's value replaces an earlier one's source).
fn record(leaves: Vec<Leaf>, sources: &mut IndexMap<String, Loc>) {
    for leaf in leaves {
        sources.insert(leaf.path, leaf.loc);
    }
}
