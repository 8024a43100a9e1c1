//! One process: its pure state machine ([`machine`]), its dependency conditions ([`deps`]), its restart delays
//! ([`backoff`]), what others see of it ([`Status`]) and may ask of it ([`Control`]), and the task that drives
//! the machine with real (or, in tests, fake) children (`task`).

pub mod backoff;
pub mod deps;
pub mod machine;
mod status;
pub(crate) mod task;

pub use status::{Control, Status};
