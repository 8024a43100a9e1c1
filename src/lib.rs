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
//! [`svc_runtime`]. Depend on `svc` only.

#![warn(missing_docs)]

// Lets the macros' `::svc::...` paths resolve inside this crate too (for the builtin services).
extern crate self as svc;

pub use svc_core::*;
pub use svc_macros::{multi_service, service};

pub mod services;

/// The supervisor: run a project, CLI, logs.
pub mod runtime {
    pub use svc_runtime::*;
}

/// Everything a service definition and a `main` need: `use svc::prelude::*;`.
pub mod prelude {
    pub use svc_core::{
        Availability, Command, Condition, Error, Instance, Instances, MultiService, Package, Probe, Process, Project,
        RestartPolicy, Result, Service, ServiceMeta, Settings, Shutdown,
    };
    pub use svc_macros::{multi_service, service};
    pub use svc_runtime::RunExt;
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
