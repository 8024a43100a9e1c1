use std::time::Duration;

use crate::Command;
use crate::prelude::*;

/// PostgreSQL: a relational database. The first start runs `initdb` in the instance's data dir; later starts
/// reuse it.
///
/// Debian and Ubuntu keep the server binaries off `PATH`: set `package` to the prefix, e.g.
/// `Package::new("/usr/lib/postgresql/15")`. PostgreSQL refuses to run as root.
#[multi_service(name = "postgres")]
pub struct Postgres {
    /// The PostgreSQL package (provides `postgres`, `initdb` and `pg_isready`).
    #[option(default = Package::new("postgres"))]
    pub package: Package,
    /// The address the server listens on (`listen_addresses`).
    #[option(default = "127.0.0.1")]
    pub listen_address: String,
    /// The TCP port.
    #[option(default = 5432u16)]
    pub port: u16,
    /// The superuser created by `initdb`.
    #[option(default = "postgres")]
    pub superuser: String,
    /// Extra server settings, passed as `-c key=value`.
    pub settings: std::collections::BTreeMap<String, String>,
}

impl MultiService for Postgres {
    fn settings(&self, instance: &Instance) -> Result<Settings> {
        let postgres = self.package.exe()?;
        let initdb = self.package.bin("initdb")?;
        let pg_isready = self.package.bin("pg_isready")?;
        let data = instance.data_dir().to_string_lossy().into_owned();
        let q = |s: &str| shell_quote(s);
        let mut server = vec![
            postgres.to_string_lossy().into_owned(),
            "-D".into(),
            data.clone(),
            "-k".into(),
            data.clone(),
            "-p".into(),
            self.port.to_string(),
            "-c".into(),
            format!("listen_addresses={}", self.listen_address),
        ];
        for (key, value) in &self.settings {
            server.push("-c".into());
            server.push(format!("{key}={value}"));
        }
        let server: Vec<String> = server.iter().map(|a| q(a)).collect();
        // initdb only on the first start: PG_VERSION exists in every initialised data dir.
        let script = format!(
            "set -e; if [ ! -f {data}/PG_VERSION ]; then mkdir -p {data} && {initdb} -D {data} -U {user} --auth=trust; fi; exec {server}",
            data = q(&data),
            initdb = q(&initdb.to_string_lossy()),
            user = q(&self.superuser),
            server = server.join(" "),
        );
        let ready = [
            pg_isready.to_string_lossy().into_owned(),
            "-h".into(),
            self.listen_address.clone(),
            "-p".into(),
            self.port.to_string(),
        ];
        let process = Process::shell(script)
            .readiness_probe(Probe::exec(Command::Exec(ready.to_vec())).period(Duration::from_secs(1)))
            .availability(Availability::restart(RestartPolicy::OnFailure).max_restarts(5))
            // SIGINT is PostgreSQL's "fast shutdown": roll back open transactions and stop cleanly.
            .shutdown(Shutdown::default().signal(2));
        Ok(Settings::new().process(instance.name(), process))
    }
}

use svc_core::shell_quote;
