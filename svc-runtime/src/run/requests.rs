//! Requests to stop the whole project from outside: SIGINT, SIGTERM and SIGHUP (when `up` handles signals) and
//! the [`RunHandle`](crate::RunHandle)'s shutdown and kill.

use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::watch;

use super::RuntimeError;
use super::handle::{Requested, RunHandle};
use crate::child::signal::{SIGHUP, SIGINT, SIGTERM};

/// A request to stop the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StopRequest {
    /// This signal arrived.
    Signal(i32),
    /// The run handle asked for a graceful shutdown.
    Shutdown,
    /// The run handle asked to kill everything at once.
    Kill,
}

/// Where stop requests come from.
pub(crate) struct StopRequests {
    signals: Option<(Signal, Signal, Signal)>,
    handle: Option<watch::Receiver<Requested>>,
}

impl StopRequests {
    /// Listens to the signals (if `handle_signals`) and to `handle`.
    pub fn new(handle_signals: bool, handle: Option<&RunHandle>) -> Result<Self, RuntimeError> {
        let signals = if handle_signals {
            let make = |kind| signal(kind).map_err(|e| RuntimeError::Setup(format!("cannot handle signals: {e}")));
            Some((make(SignalKind::interrupt())?, make(SignalKind::terminate())?, make(SignalKind::hangup())?))
        } else {
            None
        };
        Ok(StopRequests { signals, handle: handle.map(RunHandle::requests) })
    }

    /// The next request stronger than `above` from the handle (`Requested::Nothing`: any), or any signal.
    pub async fn next(&mut self, above: Requested) -> StopRequest {
        tokio::select! {
            level = handle_above(&mut self.handle, above) => match level {
                Requested::Kill => StopRequest::Kill,
                _ => StopRequest::Shutdown,
            },
            number = any_signal(&mut self.signals) => StopRequest::Signal(number),
        }
    }
}

/// Resolves when the handle's request goes above `above`; never without a handle.
async fn handle_above(handle: &mut Option<watch::Receiver<Requested>>, above: Requested) -> Requested {
    let Some(rx) = handle else { return std::future::pending().await };
    loop {
        let current = *rx.borrow_and_update();
        if current > above {
            return current;
        }
        if rx.changed().await.is_err() {
            return std::future::pending().await;
        }
    }
}

/// Resolves with the signal number when SIGINT, SIGTERM or SIGHUP arrives; never when signals are not handled.
async fn any_signal(signals: &mut Option<(Signal, Signal, Signal)>) -> i32 {
    match signals {
        Some((int, term, hup)) => tokio::select! {
            _ = int.recv() => SIGINT,
            _ = term.recv() => SIGTERM,
            _ = hup.recv() => SIGHUP,
        },
        None => std::future::pending().await,
    }
}
