//! A project: the services, instances and plain processes to run together.
//!
//! This module holds the [`Project`] builder and the type-erased [`ServiceEntry`]; [`merge`] combines what they
//! contribute into [`MergedSettings`], and [`validate`] checks those into the [`ValidProject`] the supervisor
//! runs. Data flows one way: builder -> merge -> validate.

use std::fmt;
use std::path::PathBuf;

use serde_json::Value;

use crate::{Instance, MultiService, Origin, Process, Service, Settings};

mod merge;
mod validate;

pub use merge::MergedSettings;
pub use validate::{ValidProject, closest};

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
}
