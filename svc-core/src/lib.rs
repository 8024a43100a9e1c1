//! The model of `svc`: typed services and the process settings they produce.
//!
//! Data flows one way: typed service options ([`Service`], [`MultiService`]) produce [`Settings`]; a [`Project`]
//! merges them (conflicts name both contributors) and validates them into a [`ValidProject`], the only thing the
//! supervisor runs. Field names follow process-compose's, so a [`Process`] maps one to one onto a process-compose
//! process. Nothing here knows about tokio or running processes.

#![warn(missing_docs)]

mod availability;
mod command;
mod dependency;
pub mod duration;
mod error;
mod logging;
mod lookup;
mod origin;
mod package;
mod probe;
mod process;
mod project;
mod schedule;
mod service;
mod settings;
mod shutdown;
mod watch;

pub use availability::{Availability, RestartPolicy};
pub use command::{Command, shell_quote};
pub use dependency::{Condition, Dependency};
pub use error::{Error, Errors, ProblemList, Result};
pub use logging::{LogConfiguration, LogField, LogFormat, LogRotation};
pub use lookup::{NotFound, effective_path, find_program};
pub use origin::Origin;
pub use package::{
    DEFAULT_STORE_DIR, Package, PackageError, PackageKind, PackageProblem, StorePath, StorePathError, parse_drv_name,
};
pub use probe::{ExecProbe, HttpProbe, Probe, ProbeCheck};
pub use process::{Daemon, Environment, Process, ProgramArg, is_success_code};
pub use project::{MergedSettings, Project, ServiceEntry, ValidProject, closest};
pub use schedule::Schedule;
pub use service::{Instance, Instances, MultiService, Service, ServiceMeta};
pub use settings::Settings;
pub use shutdown::Shutdown;
pub use watch::{DEFAULT_IGNORED_DIRS, DEFAULT_IGNORED_FILES, Watch, WatchPath, check_glob};
