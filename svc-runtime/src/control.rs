//! A handle on a running [`up`](crate::up): the status of every process, and stop/restart requests for one
//! process (for embedding programs, and the control API, `ps` and `restart` of later work).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use tokio::sync::{mpsc, watch};

use crate::supervise::{Control, Status};

/// A handle on a running `up`; create it, pass a clone in [`UpOptions::controller`](crate::UpOptions), and use
/// it while `up` runs. Cheap to clone. It does not keep `up` alive: once `up` returned, requests fail.
#[derive(Debug, Clone, Default)]
pub struct Controller {
    inner: Arc<OnceLock<Inner>>,
}

#[derive(Debug)]
struct Inner {
    names: Vec<String>,
    controls: HashMap<String, mpsc::WeakUnboundedSender<Control>>,
    statuses: HashMap<String, watch::Receiver<Status>>,
    changed: watch::Receiver<u64>,
    /// Set when the project shuts down: restarts are refused from then on.
    closing: std::sync::atomic::AtomicBool,
}

/// Why a control request was not delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlError {
    /// `up` has not started with this controller (yet).
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

impl Controller {
    /// A controller not yet attached to a run.
    pub fn new() -> Self {
        Self::default()
    }

    /// Attaches the controller to a run (once; a controller serves a single run).
    pub(crate) fn attach(
        &self,
        names: Vec<String>,
        controls: &HashMap<String, mpsc::UnboundedSender<Control>>,
        statuses: &HashMap<String, watch::Receiver<Status>>,
        changed: watch::Receiver<u64>,
    ) {
        let controls = controls.iter().map(|(name, tx)| (name.clone(), tx.downgrade())).collect();
        let closing = std::sync::atomic::AtomicBool::new(false);
        let _ = self.inner.set(Inner { names, controls, statuses: statuses.clone(), changed, closing });
    }

    /// The project is shutting down: refuse restarts (a process restarted now would escape the ordered stop).
    pub(crate) fn close(&self) {
        if let Some(inner) = self.inner.get() {
            inner.closing.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }

    /// The status of every process, in definition order (empty before `up` started).
    pub fn statuses(&self) -> Vec<(String, Status)> {
        let Some(inner) = self.inner.get() else { return Vec::new() };
        inner.names.iter().map(|name| (name.clone(), inner.statuses[name].borrow().clone())).collect()
    }

    /// The status of process `name`.
    pub fn status(&self, name: &str) -> Option<Status> {
        self.inner.get()?.statuses.get(name).map(|s| s.borrow().clone())
    }

    /// Waits until some process's status changes; returns false once `up` has ended (or was never started).
    pub async fn changed(&self) -> bool {
        let Some(inner) = self.inner.get() else { return false };
        let mut changed = inner.changed.clone();
        changed.changed().await.is_ok()
    }

    /// Sends `control` to process `name`: stop it (no restart), restart it (also a finished one), or kill it.
    /// Restart requests for a process already being restarted coalesce.
    pub fn send(&self, name: &str, control: Control) -> Result<(), ControlError> {
        let inner = self.inner.get().ok_or(ControlError::NotRunning)?;
        let Some(weak) = inner.controls.get(name) else {
            let names: Vec<&str> = inner.names.iter().map(String::as_str).collect();
            return Err(ControlError::UnknownProcess {
                name: name.to_owned(),
                suggestion: svc_core::closest(name, &names),
            });
        };
        let tx = weak.upgrade().ok_or(ControlError::Ended)?;
        if control == Control::Restart && inner.closing.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(ControlError::ShuttingDown);
        }
        tx.send(control).map_err(|_| ControlError::Ended)
    }
}
