//! A project: the services, instances and plain processes to run together, merged into one set of processes.

use std::fmt;

use indexmap::IndexMap;
use serde_json::Value;

use std::path::PathBuf;

use crate::{Environment, Error, Errors, Instance, MultiService, Origin, Process, Service, Settings, ValidProject};

/// A service or instance held by a [`Project`], with its options type erased so that options can be shown,
/// overridden from config files and turned into [`Settings`] uniformly.
pub trait ServiceEntry: Send + Sync {
    /// The service name (`hello`).
    fn service_name(&self) -> &'static str;
    /// The instance name for a multi-instance service (`hello1`).
    fn instance_name(&self) -> Option<&str>;
    /// Whether the entry is enabled.
    fn enabled(&self) -> bool;
    /// The current options as JSON.
    fn options(&self) -> Value;
    /// Replaces the options by `value` (for example the options merged with a config file). On error the options
    /// are unchanged.
    fn set_options(&mut self, value: Value) -> Result<(), serde_json::Error>;
    /// The JSON schema of the options.
    fn schema(&self) -> schemars::Schema;
    /// The settings this entry contributes (called only when enabled).
    fn settings(&self) -> crate::Result<Settings>;

    /// `service` or `service.instance`: the name used in errors and config paths.
    fn origin(&self) -> Origin {
        match self.instance_name() {
            Some(instance) => {
                Origin::Instance { service: self.service_name().to_owned(), instance: instance.to_owned() }
            }
            None => Origin::Service(self.service_name().to_owned()),
        }
    }
}

struct Single<S>(S);

impl<S: Service> ServiceEntry for Single<S> {
    fn service_name(&self) -> &'static str {
        S::NAME
    }
    fn instance_name(&self) -> Option<&str> {
        None
    }
    fn enabled(&self) -> bool {
        self.0.enabled()
    }
    fn options(&self) -> Value {
        serde_json::to_value(&self.0).unwrap_or(Value::Null)
    }
    fn set_options(&mut self, value: Value) -> Result<(), serde_json::Error> {
        self.0 = serde_json::from_value(value)?;
        Ok(())
    }
    fn schema(&self) -> schemars::Schema {
        schemars::schema_for!(S)
    }
    fn settings(&self) -> crate::Result<Settings> {
        self.0.settings()
    }
}

struct Multi<S> {
    name: String,
    options: S,
}

impl<S: MultiService> ServiceEntry for Multi<S> {
    fn service_name(&self) -> &'static str {
        S::NAME
    }
    fn instance_name(&self) -> Option<&str> {
        Some(&self.name)
    }
    fn enabled(&self) -> bool {
        self.options.enabled()
    }
    fn options(&self) -> Value {
        serde_json::to_value(&self.options).unwrap_or(Value::Null)
    }
    fn set_options(&mut self, value: Value) -> Result<(), serde_json::Error> {
        self.options = serde_json::from_value(value)?;
        Ok(())
    }
    fn schema(&self) -> schemars::Schema {
        schemars::schema_for!(S)
    }
    fn settings(&self) -> crate::Result<Settings> {
        let instance = Instance::for_options(self.name.clone(), &self.options);
        let mut settings = self.options.settings(&instance)?;
        for process in settings.processes.values_mut() {
            if process.namespace.is_none() {
                process.namespace = Some(instance.namespace().to_owned());
            }
        }
        Ok(settings)
    }
}

/// The services, instances and processes of one project.
///
/// ```
/// use svc_core::{Process, Project};
///
/// let project = Project::new("demo").process("web", Process::new("python3").args(["-m", "http.server"]));
/// let merged = project.settings().unwrap();
/// assert!(merged.settings.processes.contains_key("web"));
/// ```
pub struct Project {
    name: String,
    entries: Vec<Box<dyn ServiceEntry>>,
    files: Vec<(PathBuf, Settings)>,
    own: Settings,
}

impl fmt::Debug for Project {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Project")
            .field("name", &self.name)
            .field("entries", &self.entries.iter().map(|e| e.origin()).collect::<Vec<_>>())
            .field("files", &self.files)
            .field("own", &self.own)
            .finish()
    }
}

/// The merged settings of a project, with the contributor of every process.
#[derive(Debug, Clone, PartialEq)]
pub struct MergedSettings {
    /// All processes and the project environment.
    pub settings: Settings,
    /// For each process, who defined it (`hello`, `hello.hello1`, `project`, or a file).
    pub origins: IndexMap<String, Origin>,
}

impl MergedSettings {
    /// Validates merged settings into the model the supervisor runs. [`Project::validate`] is
    /// `project.settings()?.validate(project.name())`; call this directly to change the merged settings first
    /// (configuration overrides of `processes.<name>`).
    pub fn validate(self, project_name: &str) -> Result<ValidProject, Errors> {
        crate::validate::validate(project_name, self)
    }
}

impl Project {
    /// An empty project called `name` (used for the log prefix, the control socket and file names).
    pub fn new(name: impl Into<String>) -> Self {
        Project { name: name.into(), entries: Vec::new(), files: Vec::new(), own: Settings::new() }
    }

    /// The project name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Adds a single-instance service.
    pub fn service<S: Service>(mut self, service: S) -> Self {
        self.entries.push(Box::new(Single(service)));
        self
    }

    /// Adds the instance `name` of a multi-instance service.
    pub fn instance<S: MultiService>(mut self, name: impl Into<String>, options: S) -> Self {
        self.entries.push(Box::new(Multi { name: name.into(), options }));
        self
    }

    /// Adds every instance of `instances`.
    pub fn instances<S: MultiService>(self, instances: crate::Instances<S>) -> Self {
        instances.0.into_iter().fold(self, |project, (name, options)| project.instance(name, options))
    }

    /// Adds a type-erased service entry.
    pub fn entry(mut self, entry: Box<dyn ServiceEntry>) -> Self {
        self.entries.push(entry);
        self
    }

    /// Adds the processes and environment read from a file (an imported process-compose file); their origin is
    /// [`Origin::File`] with `path`. Files merge after the services and before the project's own processes.
    pub fn file(mut self, path: impl Into<PathBuf>, settings: Settings) -> Self {
        self.files.push((path.into(), settings));
        self
    }

    /// The files added with [`Project::file`], in order.
    pub fn files(&self) -> &[(PathBuf, Settings)] {
        &self.files
    }

    /// Adds a plain process (its origin is `project`).
    pub fn process(mut self, name: impl Into<String>, process: Process) -> Self {
        self.own.processes.insert(name.into(), process);
        self
    }

    /// Sets a project-wide environment variable.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.own.environment.insert(key.into(), value.into());
        self
    }

    /// The services and instances, in the order they were added.
    pub fn entries(&self) -> &[Box<dyn ServiceEntry>] {
        &self.entries
    }

    /// The services and instances, mutable (to apply option overrides).
    pub fn entries_mut(&mut self) -> &mut [Box<dyn ServiceEntry>] {
        &mut self.entries
    }

    /// The processes and environment added directly to the project.
    pub fn own_settings(&self) -> &Settings {
        &self.own
    }

    /// The processes and environment added directly to the project, mutable.
    pub fn own_settings_mut(&mut self) -> &mut Settings {
        &mut self.own
    }

    /// Merges the settings of every enabled service and instance with the project's own processes.
    ///
    /// Every problem is reported: a service whose settings fail, the same process name from two contributors
    /// (naming both), the same environment variable set to two values, the same service or instance added twice.
    pub fn settings(&self) -> Result<MergedSettings, Errors> {
        let mut errors = Vec::new();
        let mut merged = MergedSettings { settings: Settings::new(), origins: IndexMap::new() };
        let mut env_origins: IndexMap<String, Origin> = IndexMap::new();
        let mut seen = std::collections::HashSet::new();
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

    /// Merges and validates the project: the model the supervisor runs.
    pub fn validate(&self) -> Result<ValidProject, Errors> {
        let merged = self.settings()?;
        crate::validate::validate(&self.name, merged)
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
