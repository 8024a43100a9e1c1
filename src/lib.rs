//! Declare development services as typed Rust structs and run them under a supervisor.
//!
//! `svc` is what services-flake plus process-compose give Nix users, without Nix: a service is a plain struct
//! whose fields are its options; it produces the processes to run; a project merges many services and runs
//! them with dependency order, probes, restarts, ordered shutdown and multiplexed logs.
//!
//! ```no_run
//! use svc::prelude::*;
//!
//! /// Prints a greeting.
//! #[service]
//! pub struct Hello {
//!     /// The message to be displayed
//!     #[option(default = "Hello, world!")]
//!     pub message: String,
//! }
//!
//! impl Service for Hello {
//!     fn settings(&self) -> Result<Settings> {
//!         Ok(Settings::new().process("hello", Process::new("echo").arg(&self.message)))
//!     }
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     Project::new("demo").service(Hello { enable: true, ..Default::default() }).run()
//! }
//! ```
//!
//! This crate is a facade: the model lives in [`svc_core`], the macros in [`svc_macros`], the supervisor in
//! [`svc_runtime`], config files and process-compose interop in `svc_config`, the command line in `svc_cli`.
//! Depend on `svc` only. The `cli` feature (on by default) brings the command line, config files and
//! process-compose interop; an embedder that calls [`runtime::up`] itself can turn it off
//! (`default-features = false`) and build without clap or the file parsers.

#![warn(missing_docs)]

// Lets the macros' `::svc::...` paths resolve inside this crate too (for the builtin services).
extern crate self as svc;

pub use svc_core::{
    Availability, Command, Condition, DEFAULT_STORE_DIR, Dependency, Environment, Error, Errors, ExecProbe, HttpProbe,
    Instance, Instances, MergedSettings, MultiService, Package, PackageError, PackageKind, PackageProblem, Probe,
    ProbeCheck, Process, ProgramArg, Project, RestartPolicy, Result, Service, ServiceMeta, Settings, Shutdown,
    StorePath, StorePathError, ValidProject, duration, shell_quote,
};
pub use svc_macros::{multi_service, service};

pub mod services;

/// The supervisor: run a validated project and watch or control it while it runs.
///
/// A program with its own `main` ends in [`RunExt::run`](crate::runtime::RunExt) (the command line); an
/// embedder that wants no command line calls [`up`](crate::runtime::up) with a [`ValidProject`].
pub mod runtime {
    pub use svc_runtime::{
        Control, ControlError, ExitStatus, Outcome, ProcessReport, RunHandle, RuntimeError, State, Status, UpOptions,
        up,
    };
    /// Where the supervisor writes the processes' output.
    pub mod logs {
        pub use svc_runtime::logs::{ColorChoice, Output};
    }
    #[cfg(feature = "cli")]
    pub use svc_cli::{RunExt, run};
}

/// Config files over the options set in Rust (`--config FILE`, `SVC__...` variables) and the config-file schema.
#[cfg(feature = "cli")]
pub mod config {
    pub use svc_config::config::*;
}

/// process-compose files: import one as a [`Project`], export a project as one.
#[cfg(feature = "cli")]
pub mod compose {
    pub use svc_config::compose::*;
}

/// Everything a service definition and a `main` need: `use svc::prelude::*;`.
///
/// The model's [`Command`] is left out so that it does not shadow `std::process::Command`; name it as
/// `svc::Command` where needed.
pub mod prelude {
    #[cfg(feature = "cli")]
    pub use svc_cli::RunExt;
    pub use svc_core::{
        Availability, Condition, Error, Instance, Instances, MultiService, Package, Probe, Process, Project,
        RestartPolicy, Result, Service, ServiceMeta, Settings, Shutdown,
    };
    pub use svc_macros::{multi_service, service};
}

/// Paths used by the code `#[service]` and `#[multi_service]` generate, so that a user crate needs no direct
/// dependency on serde or schemars. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use schemars;
    pub use serde;
    pub use serde_json;
    pub use svc_core;
}
