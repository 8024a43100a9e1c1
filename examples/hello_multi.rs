//! The services-flake "custom service" page, multi-instance flavour, in Rust.
//!
//! The same `hello` service written once with `#[multi_service]` and run as two instances, `hello1` and
//! `hello2`, each with its own message, name and data dir, merged into one process set beside the builtin
//! `ollama` service (instance `ollama1`) when ollama is installed. Run it with `cargo run --example hello_multi`.

#[path = "support/bundled_hello.rs"]
mod bundled_hello;

use std::process::ExitCode;

use svc::prelude::*;
use svc::services::Ollama;

/// Prints a greeting.
#[multi_service(name = "hello")]
pub struct Hello {
    /// The hello package to run.
    #[option(default = Package::new("hello"))]
    pub package: Package,
    /// The message to be displayed
    #[option(default = "Hello, world!")]
    pub message: String,
}

impl MultiService for Hello {
    fn settings(&self, instance: &Instance) -> Result<Settings> {
        let hello = Process::new(self.package.exe()?).arg(format!("--greeting={}", self.message));
        Ok(Settings::new().process(instance.name(), hello))
    }
}

fn main() -> ExitCode {
    bundled_hello::run_if_invoked();

    let package = bundled_hello::package();
    let mut project = Project::new("hello-multi")
        .instance(
            "hello1",
            Hello { enable: true, package: package.clone(), message: "Hello, world!".into(), ..Default::default() },
        )
        .instance("hello2", Hello { enable: true, package, message: "Hello, Nix!".into(), ..Default::default() });
    if Package::new("ollama").is_available() {
        project = project.instance("ollama1", Ollama { enable: true, ..Default::default() });
    } else {
        eprintln!("ollama1: skipped, no `ollama` executable on PATH (install ollama to run it beside hello)");
    }
    project.run()
}
