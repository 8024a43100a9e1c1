//! The services whose schema and options page are generated: adding a service is one line in [`catalog`] (plus,
//! for an example, the `#[path]` module that brings its service type in).

// Both examples include their shared `support/bundled_hello.rs`; here that file is compiled twice, harmlessly.
#![allow(clippy::duplicate_mod)]

use crate::catalog::Catalog;

// The examples are binaries; their service types are included here as modules (their `main` is unused).
#[allow(dead_code)]
#[path = "../../examples/hello.rs"]
mod hello_example;
#[allow(dead_code)]
#[path = "../../examples/hello_multi.rs"]
mod hello_multi_example;

/// The builtin services and the example services.
pub fn catalog() -> Catalog {
    Catalog::new()
        .multi::<svc::services::Ollama>("svc::services::Ollama")
        .multi::<svc::services::Postgres>("svc::services::Postgres")
        .multi::<svc::services::Redis>("svc::services::Redis")
        .single::<hello_example::Hello>("examples/hello.rs")
        .multi::<hello_multi_example::Hello>("examples/hello_multi.rs")
}
