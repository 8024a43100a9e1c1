//! The handles of a run: [`RunHandle`], the one handle an embedding program (and later the control API) holds on
//! a running [`up`](crate::up), and `ProcessHandle`, what the run itself holds of each process task.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use indexmap::IndexMap;
use tokio::sync::{mpsc, watch};

use crate::process::{Control, Status};

/// One process task as the run holds it: where to send requests, where its status shows.
pub(crate) struct ProcessHandle {
    /// The process name.
    pub name: String,
    /// Requests to the task; the task ends once this is dropped.
    pub control: mpsc::UnboundedSender<Control>,
    /// The task's published status.
    pub status: watch::Receiver<Status>,
    /// Whether it has a file watch that was set up (a change can start it again after it ended).
    pub watched: bool,
}

impl ProcessHandle {
    /// Whether the process is final (completed, failed, skipped, stopped, disabled).
    pub fn is_final(&self) -> bool {
        self.status.borrow().state.is_final()
    }

    /// Sends `control` to the task (ignored if it has ended).
    pub fn send(&self, control: Control) {
        let _ = self.control.send(control);
    }
}

/// How hard a shutdown was requested through a [`RunHandle`] (ordered: a kill overrides a graceful stop).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) enum Requested {
    /// Nothing requested.
    #[default]
    Nothing,
    /// Stop gracefully, dependents first.
    Shutdown,
    /// Kill every process group at once.
    Kill,
}

/// A handle on a running [`up`](crate::up): the status of every process, stop/restart/kill requests for one
/// process, and a shutdown or kill of the whole project.
///
/// Create it, pass a clone in [`UpOptions::handle`](crate::UpOptions::handle), and use it while `up` runs (a
/// shutdown requested before `up` started takes effect as soon as it starts). Cheap to clone. It does not keep
/// `up` alive: once `up` returned, process requests fail with [`ControlError::Ended`]. A handle serves one run.
#[derive(Debug, Clone, Default)]
pub struct RunHandle {
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    /// Project-wide requests; `up` watches it.
    requested: watch::Sender<Requested>,
    /// Set by `up` once its processes exist.
    attached: OnceLock<Attached>,
}

#[derive(Debug)]
struct Attached {
    processes: IndexMap<String, AttachedProcess>,
    changed: watch::Receiver<u64>,
    /// Set when the project shuts down: restarts are refused from then on.
    closing: AtomicBool,
}

#[derive(Debug)]
struct AttachedProcess {
    /// Weak: the handle must not keep a task alive after `up` dropped its own sender.
    control: mpsc::WeakUnboundedSender<Control>,
    status: watch::Receiver<Status>,
}

/// Why a control request was not delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlError {
    /// `up` has not started with this handle (yet).
    NotRunning,
    /// There is no such process; the closest name is suggested.
    UnknownProcess {
        /// The name asked for.
        name: String,
        /// A close existing name.
        suggestion: Option<String>,
    },
    /// The project is shutting down: processes are no longer restarted.
    ShuttingDown,
    /// `up` has ended.
    Ended,
}

impl std::fmt::Display for ControlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ControlError::NotRunning => f.write_str("the project is not running (start it with `up` first)"),
            ControlError::UnknownProcess { name, suggestion: Some(s) } => {
                write!(f, "there is no process `{name}`; did you mean `{s}`?")
            }
            ControlError::UnknownProcess { name, suggestion: None } => write!(f, "there is no process `{name}`"),
            ControlError::ShuttingDown => f.write_str("the project is shutting down: no restarts any more"),
            ControlError::Ended => f.write_str("the project has already ended"),
        }
    }
}

impl std::error::Error for ControlError {}

impl RunHandle {
    /// A handle not yet attached to a run.
    pub fn new() -> Self {
        Self::default()
    }

    /// Shuts the project down gracefully, in reverse dependency order.
    pub fn shutdown(&self) {
        self.shared.requested.send_modify(|level| *level = (*level).max(Requested::Shutdown));
    }

    /// Kills every process group at once.
    pub fn kill(&self) {
        self.shared.requested.send_modify(|level| *level = Requested::Kill);
    }

    /// The status of every process, in definition order (empty before `up` started).
    pub fn statuses(&self) -> Vec<(String, Status)> {
        let Some(attached) = self.shared.attached.get() else { return Vec::new() };
        attached.processes.iter().map(|(name, p)| (name.clone(), p.status.borrow().clone())).collect()
    }

    /// The status of process `name`.
    pub fn status(&self, name: &str) -> Option<Status> {
        self.shared.attached.get()?.processes.get(name).map(|p| p.status.borrow().clone())
    }

    /// Waits until some process's status changes after this call; returns false once `up` has ended (or was
    /// never started).
    pub async fn changed(&self) -> bool {
        let Some(attached) = self.shared.attached.get() else { return false };
        let mut changed = attached.changed.clone();
        // Only changes from now on: the clone would otherwise see every change since `up` attached the handle.
        changed.borrow_and_update();
        changed.changed().await.is_ok()
    }

    /// Sends `control` to process `name`: stop it (no restart), restart it (also a finished one; a disabled one
    /// starts), or kill it.
    /// Restart requests for a process already being restarted coalesce.
    pub fn send(&self, name: &str, control: Control) -> Result<(), ControlError> {
        let attached = self.shared.attached.get().ok_or(ControlError::NotRunning)?;
        let Some(process) = attached.processes.get(name) else {
            let names: Vec<&str> = attached.processes.keys().map(String::as_str).collect();
            return Err(ControlError::UnknownProcess {
                name: name.to_owned(),
                suggestion: svc_core::closest(name, &names),
            });
        };
        let tx = process.control.upgrade().ok_or(ControlError::Ended)?;
        if control == Control::Restart && attached.closing.load(Ordering::SeqCst) {
            return Err(ControlError::ShuttingDown);
        }
        tx.send(control).map_err(|_| ControlError::Ended)
    }

    /// Project-wide requests, as `up` watches them.
    pub(crate) fn requests(&self) -> watch::Receiver<Requested> {
        self.shared.requested.subscribe()
    }

    /// Attaches the handle to a run (once; a handle serves a single run).
    pub(crate) fn attach(&self, processes: &[ProcessHandle], changed: watch::Receiver<u64>) {
        let processes = processes
            .iter()
            .map(|p| {
                let attached = AttachedProcess { control: p.control.downgrade(), status: p.status.clone() };
                (p.name.clone(), attached)
            })
            .collect();
        let _ = self.shared.attached.set(Attached { processes, changed, closing: AtomicBool::new(false) });
    }

    /// The project is shutting down: refuse restarts (a process restarted now would escape the ordered stop).
    pub(crate) fn close(&self) {
        if let Some(attached) = self.shared.attached.get() {
            attached.closing.store(true, Ordering::SeqCst);
        }
    }
}
