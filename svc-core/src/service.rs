//! Services: typed option structs that produce [`Settings`].
//!
//! The `#[service]` and `#[multi_service]` macros implement [`ServiceMeta`] (name, `enable`, schema, serde); the
//! user implements [`Service::settings`] or [`MultiService::settings`].

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::{Result, Settings};

/// What the service macros generate: the service's name, its `enable` option and the serde/schema impls.
///
/// Implemented by `#[service]` and `#[multi_service]`; implement it by hand only for services written without
/// the macros.
pub trait ServiceMeta: Default + Serialize + DeserializeOwned + JsonSchema + Send + Sync + 'static {
    /// The service name, kebab-case (`RedisCluster` -> `redis-cluster`).
    const NAME: &'static str;
    /// The service's description (its doc comment), if any.
    const DESCRIPTION: Option<&'static str> = None;

    /// Whether the service is enabled. A disabled service contributes nothing.
    fn enabled(&self) -> bool;

    /// Enables or disables the service.
    fn set_enabled(&mut self, enabled: bool);

    /// For a multi-instance service: the instance's `data_dir` option, when set (default `./data/<instance>`).
    fn data_dir(&self) -> Option<&Path> {
        None
    }

    /// For a multi-instance service: the instance's `namespace` option, when set (default
    /// `<service>.<instance>`).
    fn namespace(&self) -> Option<&str> {
        None
    }
}

/// A single-instance service: produces its settings from its options alone.
pub trait Service: ServiceMeta {
    /// The processes and environment this service contributes when enabled.
    fn settings(&self) -> Result<Settings>;
}

/// A multi-instance service: one definition, many named instances, each with its own name and data dir
/// (services-flake's `multiService`).
pub trait MultiService: ServiceMeta {
    /// The processes and environment one instance contributes when enabled. Name processes after
    /// [`Instance::name`] so that instances do not collide.
    fn settings(&self, instance: &Instance) -> Result<Settings>;
}

/// The identity of one instance of a [`MultiService`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    service: &'static str,
    name: String,
    data_dir: PathBuf,
    namespace: String,
}

impl Instance {
    /// The instance of `service` named `name`, with the default data dir (`./data/<name>`) and namespace
    /// (`<service>.<name>`).
    pub fn new(service: &'static str, name: impl Into<String>) -> Self {
        let name = name.into();
        Instance { service, data_dir: Path::new("./data").join(&name), namespace: format!("{service}.{name}"), name }
    }

    /// The instance for `options`, honouring its `data_dir` and `namespace` options.
    pub fn for_options<S: ServiceMeta>(name: impl Into<String>, options: &S) -> Self {
        let mut instance = Instance::new(S::NAME, name);
        if let Some(dir) = options.data_dir() {
            instance.data_dir = dir.to_path_buf();
        }
        if let Some(ns) = options.namespace() {
            instance.namespace = ns.to_owned();
        }
        instance
    }

    /// The instance name (`hello1`): use it as the process name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The service name (`hello`).
    pub fn service(&self) -> &'static str {
        self.service
    }

    /// Where the instance keeps its state (`./data/<instance>` unless set).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The namespace given to the instance's processes (`<service>.<instance>` unless set).
    pub fn namespace(&self) -> &str {
        &self.namespace
    }
}

/// The named instances of a multi-instance service: the fan-out. Serializes as a map from instance name to the
/// instance's options, and its JSON schema says so.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
#[serde(bound(serialize = "S: Serialize", deserialize = "S: DeserializeOwned"))]
pub struct Instances<S>(pub IndexMap<String, S>);

impl<S> Default for Instances<S> {
    fn default() -> Self {
        Instances(IndexMap::new())
    }
}

impl<S: MultiService> Instances<S> {
    /// No instances.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the instance `name`.
    pub fn instance(mut self, name: impl Into<String>, options: S) -> Self {
        self.0.insert(name.into(), options);
        self
    }
}
