//! A service crate that depends on `svc` alone (no serde, no schemars), with derives below the attribute,
//! generics and every kind of default.

use std::path::PathBuf;

use svc::prelude::*;

/// Prints a greeting.
#[service]
#[derive(Debug, Clone, PartialEq)]
pub struct Hello {
    /// The hello package to run.
    #[option(default = Package::new("hello"))]
    pub package: Package,
    /// The message to be displayed
    #[option(default = "Hello, world!")]
    pub message: String,
    #[option(default = -1)]
    pub offset: i64,
    #[option(default = 0.5)]
    pub ratio: f64,
    #[option(default = PathBuf::from("/tmp"))]
    pub dir: PathBuf,
    pub extra: Vec<String>,
}

impl Service for Hello {
    fn settings(&self) -> Result<Settings> {
        Ok(Settings::new().process("hello", Process::new(self.package.exe()?).arg(&self.message)))
    }
}

/// A multi-instance service.
#[multi_service]
pub(crate) struct Worker {
    #[option(default = 2)]
    threads: usize,
}

impl MultiService for Worker {
    fn settings(&self, instance: &Instance) -> Result<Settings> {
        Ok(Settings::new().process(instance.name(), Process::new("worker").arg(self.threads.to_string())))
    }
}

/// A generic service: the options of the backend are part of its own.
#[service]
pub struct Generic<T>
where
    T: Clone + Default,
{
    pub backend: T,
}

mod private {
    use svc::prelude::*;

    #[service(name = "private-thing")]
    struct Private {
        value: u8,
    }

    pub fn name() -> &'static str {
        let _ = Private::default().value;
        Private::NAME
    }
}

fn main() {
    let hello = Hello { enable: true, ..Default::default() };
    assert_eq!(hello.clone(), hello);
    let _project = Project::new("demo")
        .service(hello)
        .instances(WorkerInstances::new().instance("w1", Worker { enable: true, ..Default::default() }));
    assert_eq!(Generic::<u32>::NAME, "generic");
    assert_eq!(Generic::<u32>::default().backend, 0);
    assert_eq!(private::name(), "private-thing");
}
