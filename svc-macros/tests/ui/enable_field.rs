use svc::prelude::*;

#[service]
pub struct Hello {
    /// Whether to say hello.
    pub enable: bool,
    pub message: String,
}

fn main() {
    // The macro's own `enable` replaces the user's: no follow-up errors.
    let _ = Hello { enable: true, ..Default::default() };
}
