//! The services-flake "custom service" page, single-instance flavour, in Rust.
//!
//! A `hello` service with two options (`package`, `message`) whose process runs
//! `<hello exe> --greeting=<message>`, plus the builtin `ollama` service as instance `ollama1` when an `ollama`
//! executable is installed. Run it with `cargo run --example hello`.

#[path = "support/bundled_hello.rs"]
mod bundled_hello;

use std::process::ExitCode;

use svc::prelude::*;
use svc::services::Ollama;

/// Prints a greeting.
#[service]
pub struct Hello {
    /// The hello package to run.
    #[option(default = Package::new("hello"))]
    pub package: Package,
    /// The message to be displayed
    #[option(default = "Hello, world!")]
    pub message: String,
}

impl Service for Hello {
    fn settings(&self) -> Result<Settings> {
        // argv, no shell: the message reaches hello exactly as written, whatever quotes or `$` it contains.
        let hello = Process::new(self.package.exe()?).arg(format!("--greeting={}", self.message));
        Ok(Settings::new().process("hello", hello))
    }
}

fn main() -> ExitCode {
    bundled_hello::run_if_invoked();

    let mut project =
        Project::new("hello").service(Hello { enable: true, package: bundled_hello::package(), ..Default::default() });
    project = with_ollama(project, "ollama1");
    project.run()
}

/// Adds the builtin ollama service as `instance` when ollama is installed, as the seed page does.
fn with_ollama(project: Project, instance: &str) -> Project {
    if Package::new("ollama").is_available() {
        project.instance(instance, Ollama { enable: true, ..Default::default() })
    } else {
        eprintln!("{instance}: skipped, no `ollama` executable on PATH (install ollama to run it beside hello)");
        project
    }
}
