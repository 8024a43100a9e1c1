//! Merging: the settings of every enabled service, instance, file and the project's own processes combined into
//! one [`MergedSettings`], with the contributor of every process; every conflict is reported, naming both sides.

use std::collections::HashSet;

use indexmap::IndexMap;

use super::Project;
use crate::{Environment, Error, Errors, Instances, MultiService, Origin, ServiceMeta, Settings};

/// The merged settings of a project, with the contributor of every process.
///
/// [`MergedSettings::validate`] turns them into the [`ValidProject`](crate::ValidProject) the supervisor runs.
#[derive(Debug, Clone, PartialEq)]
pub struct MergedSettings {
    /// All processes and the project environment.
    pub settings: Settings,
    /// For each process, who defined it (`hello`, `hello.hello1`, `project`, or a file).
    pub origins: IndexMap<String, Origin>,
}

impl Project {
    /// Merges the settings of every enabled service and instance with the project's own processes.
    ///
    /// Every problem is reported: a service whose settings fail, the same process name from two contributors
    /// (naming both), the same environment variable set to two values, the same service or instance added twice.
    pub fn settings(&self) -> Result<MergedSettings, Errors> {
        let mut errors = Vec::new();
        let mut merged = MergedSettings { settings: Settings::new(), origins: IndexMap::new() };
        let mut env_origins: IndexMap<String, Origin> = IndexMap::new();
        let mut seen = HashSet::new();
        for entry in &self.entries {
            let origin = entry.origin();
            if !seen.insert(origin.clone()) {
                errors.push(Error::DuplicateService { name: origin.to_string() });
                continue;
            }
            if !entry.enabled() {
                continue;
            }
            match entry.settings() {
                Ok(settings) => merge_into(&mut merged, &mut env_origins, &origin, settings, &mut errors),
                Err(e @ Error::Service { .. }) => errors.push(e),
                Err(e) => errors.push(Error::Service { origin: origin.to_string(), source: Box::new(e) }),
            }
        }
        for (path, settings) in &self.files {
            merge_into(&mut merged, &mut env_origins, &Origin::File(path.clone()), settings.clone(), &mut errors);
        }
        merge_into(&mut merged, &mut env_origins, &Origin::Project, self.own.clone(), &mut errors);
        if errors.is_empty() { Ok(merged) } else { Err(Errors(errors)) }
    }
}

impl<S: MultiService> Instances<S> {
    /// The settings of every enabled instance, merged; two instances defining the same process is an error
    /// naming both.
    // Defined here rather than next to `Instances` so that the service module does not depend on `Project`.
    pub fn settings(&self) -> Result<Settings, Errors> {
        let mut project = Project::new(S::NAME);
        for (name, options) in &self.0 {
            project = project.instance(name.clone(), options.clone_via_serde()?);
        }
        project.settings().map(|merged| merged.settings)
    }
}

/// Clones options through their serde representation (option structs need not implement `Clone`).
trait CloneViaSerde: Sized {
    fn clone_via_serde(&self) -> Result<Self, Errors>;
}

impl<S: ServiceMeta> CloneViaSerde for S {
    fn clone_via_serde(&self) -> Result<Self, Errors> {
        serde_json::to_value(self)
            .and_then(serde_json::from_value)
            .map_err(|e| Error::Service { origin: S::NAME.into(), source: Box::new(Error::msg(e)) }.into())
    }
}

fn merge_into(
    merged: &mut MergedSettings,
    env_origins: &mut IndexMap<String, Origin>,
    origin: &Origin,
    settings: Settings,
    errors: &mut Vec<Error>,
) {
    for (name, process) in settings.processes {
        if let Some(first) = merged.origins.get(&name) {
            errors.push(Error::DuplicateProcess { name, first: first.to_string(), second: origin.to_string() });
            continue;
        }
        merged.origins.insert(name.clone(), origin.clone());
        merged.settings.processes.insert(name, process);
    }
    merge_environment(&mut merged.settings.environment, env_origins, origin, settings.environment, errors);
}

fn merge_environment(
    into: &mut Environment,
    env_origins: &mut IndexMap<String, Origin>,
    origin: &Origin,
    environment: Environment,
    errors: &mut Vec<Error>,
) {
    for (key, value) in environment {
        match into.get(&key) {
            Some(existing) if *existing != value => errors.push(Error::ConflictingEnvironment {
                first: (env_origins[&key].to_string(), existing.clone()),
                second: (origin.to_string(), value),
                key,
            }),
            Some(_) => {}
            None => {
                env_origins.insert(key.clone(), origin.clone());
                into.insert(key, value);
            }
        }
    }
}
