//! The builtin redis service run for real: healthy through its readiness probe, a dependent client talks to it,
//! and the whole project shuts down cleanly. Skipped (with a message) where redis is not installed; CI installs
//! it.

use std::time::Duration;

use svc::prelude::*;
use svc::runtime::{UpOptions, logs::Output, up};
use svc::services::Redis;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

#[test]
fn redis_becomes_healthy_serves_a_client_and_stops() {
    if !Package::new("redis-server").is_available() {
        assert!(std::env::var_os("CI").is_none(), "CI must install redis-server (see .ci/run)");
        eprintln!("skipped: redis-server is not installed");
        return;
    }
    let data = tempfile::tempdir().expect("temp dir");
    let data_dir = data.path().join("redis1");
    let port = free_port();
    let cli = Package::new("redis-cli").exe().expect("redis-cli next to redis-server");
    let client = Process::new(cli)
        .args(["-p", &port.to_string(), "set", "greeting", "hello"])
        .depends_on("redis1", Condition::ProcessHealthy)
        .availability(Availability::default().exit_on_end(true));
    let project = Project::new("redis-test")
        .instance("redis1", Redis { enable: true, port, data_dir: Some(data_dir.clone()), ..Default::default() })
        .process("client", client)
        .validate()
        .expect("valid project");
    assert_eq!(project.processes()["redis1"].namespace.as_deref(), Some("redis.redis1"));

    let options = UpOptions { output: Output::Discard, handle_signals: false, ..UpOptions::default() };
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let outcome = runtime
        .block_on(async { tokio::time::timeout(Duration::from_secs(60), up(project, options)).await })
        .expect("up finished within 60 s")
        .expect("up ran");

    assert_eq!(outcome.exit_code, 0, "{outcome:?}");
    assert!(outcome.process("client").is_some_and(|p| p.succeeded), "{outcome:?}");
    assert!(data_dir.is_dir(), "the start script creates the instance's data dir");
    // redis was stopped with the project: its port is free again.
    assert!(std::net::TcpListener::bind(("127.0.0.1", port)).is_ok(), "redis still listening on {port}");
}
