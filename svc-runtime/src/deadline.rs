//! Waiting for an optional deadline, the shape of every timer in the supervisor's `select!` loops.

use tokio::time::Instant;

/// Resolves when `deadline` passes; never if there is none.
pub(crate) async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
