//! The supervisor of `svc`: runs a validated project as supervised OS processes, with process-compose's
//! semantics fixed where process-compose is weak.
//!
//! Modules, one job each:
//! - [`sys`]: the only place that starts and reaps children (a dedicated thread; process groups, PDEATHSIG,
//!   subreaper, process tags);
//! - `spawn`: starting one child with `clone(CLONE_VM | CLONE_VFORK)` (no page-table copy);
//! - `watchdog`: a forked process that kills every process group (and escaped descendant) if the supervisor is
//!   killed;
//! - [`state`]: the pure state machine of one process (table-tested);
//! - [`deps`]: dependency conditions (pure);
//! - `supervise`: one task per process, driving its machine with system calls;
//! - `up`: the project: start, exit rules, shutdown in reverse dependency order, report;
//! - `control`: [`Controller`], a handle to watch processes and stop/restart one while `up` runs;
//! - [`logs`]: the log pipeline (one writer, prefixed lines, files, ring buffers);
//! - [`probe`]: exec and HTTP GET checks and the threshold logic; [`backoff`]: restart delays;

#![warn(missing_docs)]

/// The version of this crate.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

mod control;
pub mod deps;
mod spawn;
pub mod state;
mod supervise;
pub mod sys;
mod up;
mod watchdog;

pub use control::{ControlError, Controller};
pub use state::State;
pub use supervise::{Control, Status};
pub use sys::ExitStatus;
pub use up::{Outcome, ProcessReport, RuntimeError, ShutdownHandle, UpOptions, up};

pub mod backoff;
pub mod logs;
pub mod probe;
