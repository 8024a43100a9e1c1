//! The supervisor of `svc`: runs a validated project as supervised OS processes, with process-compose's
//! semantics fixed where process-compose is weak.
//!
//! Layers, each importing only those below it (see ARCHITECTURE.md at the repository root):
//! - [`run`](crate::up): a run of a project: [`up`], its [`RunHandle`], the exit rules, the ordered shutdown;
//! - [`process`]: one process: the pure state machine ([`process::machine`]), dependency conditions
//!   ([`process::deps`]), restart delays ([`process::backoff`]), and the task that drives the machine;
//! - [`probe`]: exec and HTTP GET checks, thresholds and the periodic runner; [`logs`]: the log pipeline (one
//!   writer, prefixed lines, files, ring buffers);
//! - `os`: the only module with `libc` and `unsafe`: the supervisor thread that starts and reaps every child,
//!   the reaper, process groups and tags, the watchdog that kills everything if the supervisor dies;
//! - [`child`]: the vocabulary the layers share with `os` ([`SpawnSpec`](child::SpawnSpec), [`ExitStatus`],
//!   signal numbers, the [`Spawner`](child::Spawner) seam).

#![warn(missing_docs)]

/// The version of this crate.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub mod child;
mod deadline;
pub mod logs;
mod os;
pub mod probe;
pub mod process;
mod run;

pub use child::{ExitStatus, TAG_VAR};
pub use os::{ORPHAN_GRACE, OsSpawner, SWEEP_DELAY};
pub use process::machine::State;
pub use process::{Control, Status};
pub use run::{ControlError, Outcome, ProcessReport, RunHandle, RuntimeError, UpOptions, up, up_blocking};
