use std::time::Duration;

use crate::prelude::*;

/// Ollama: runs large language models locally (`ollama serve`), with the models kept in the instance's data dir.
#[multi_service(name = "ollama")]
pub struct Ollama {
    /// The ollama package to run.
    #[option(default = Package::new("ollama"))]
    pub package: Package,
    /// The address the server listens on.
    #[option(default = "127.0.0.1")]
    pub host: String,
    /// The port the server listens on.
    #[option(default = 11434u16)]
    pub port: u16,
    /// Models to pull once the server is healthy (e.g. `llama3.2`); each is pulled by the `<instance>-models`
    /// process.
    pub models: Vec<String>,
    /// How long a model stays loaded after its last request (`OLLAMA_KEEP_ALIVE`).
    #[option(default = "5m")]
    pub keep_alive: String,
}

impl MultiService for Ollama {
    fn settings(&self, instance: &Instance) -> Result<Settings> {
        let exe = self.package.exe()?;
        let address = format!("{}:{}", self.host, self.port);
        let models_dir = instance.data_dir().join("models");
        let server = Process::new(&exe)
            .arg("serve")
            .env("OLLAMA_HOST", &address)
            .env("OLLAMA_MODELS", models_dir.to_string_lossy())
            .env("OLLAMA_KEEP_ALIVE", &self.keep_alive)
            .readiness_probe(Probe::http_get(&self.host, self.port, "/").period(Duration::from_secs(2)))
            .availability(Availability::restart(RestartPolicy::OnFailure).max_restarts(5));
        let mut settings = Settings::new().process(instance.name(), server);
        if !self.models.is_empty() {
            let pull = self
                .models
                .iter()
                .map(|model| format!("{} pull {}", shell_quote(&exe.to_string_lossy()), shell_quote(model)))
                .collect::<Vec<_>>()
                .join(" && ");
            settings = settings.process(
                format!("{}-models", instance.name()),
                Process::shell(pull)
                    .env("OLLAMA_HOST", &address)
                    .depends_on(instance.name(), Condition::ProcessHealthy),
            );
        }
        Ok(settings)
    }
}

use svc_core::shell_quote;
