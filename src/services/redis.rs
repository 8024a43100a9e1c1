use std::time::Duration;

use crate::Command;
use crate::prelude::*;

/// Redis: an in-memory key-value store (`redis-server`), persisting into the instance's data dir.
#[multi_service(name = "redis")]
pub struct Redis {
    /// The redis package to run (provides `redis-server` and `redis-cli`).
    #[option(default = Package::new("redis-server"))]
    pub package: Package,
    /// The address the server binds to.
    #[option(default = "127.0.0.1")]
    pub bind: String,
    /// The TCP port.
    #[option(default = 6379u16)]
    pub port: u16,
    /// Extra command-line arguments for `redis-server` (e.g. `["--maxmemory", "100mb"]`).
    pub extra_args: Vec<String>,
}

impl MultiService for Redis {
    fn settings(&self, instance: &Instance) -> Result<Settings> {
        let server = self.package.exe()?;
        let cli = self.package.bin("redis-cli")?;
        let data_dir = instance.data_dir();
        let mut argv = vec![
            server.to_string_lossy().into_owned(),
            "--port".into(),
            self.port.to_string(),
            "--bind".into(),
            self.bind.clone(),
            "--dir".into(),
            data_dir.to_string_lossy().into_owned(),
        ];
        argv.extend(self.extra_args.iter().cloned());
        let script = super::exec_in_data_dir(data_dir, &argv);
        let ping = vec![
            cli.to_string_lossy().into_owned(),
            "-h".into(),
            self.bind.clone(),
            "-p".into(),
            self.port.to_string(),
            "ping".into(),
        ];
        let redis = Process::shell(script)
            .readiness_probe(
                Probe::exec(Command::Exec(ping))
                    .period(Duration::from_secs(1))
                    .initial_delay(Duration::from_millis(200)),
            )
            .availability(Availability::restart(RestartPolicy::OnFailure).max_restarts(5));
        Ok(Settings::new().process(instance.name(), redis))
    }
}
