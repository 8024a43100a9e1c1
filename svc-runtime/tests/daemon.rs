//! `is_daemon` processes: a launcher that starts a daemon and exits, the daemon supervised until it is stopped,
//! and nothing of it left afterwards.

mod support;

use std::time::{Duration, Instant};

use support::{Marker, sh};
use svc_core::{Condition, Daemon, Probe, Shutdown};
use svc_runtime::State;

/// A launcher that starts `sleep` in a session of its own (as `pg_ctl` does with the postmaster), writes its pid
/// and exits 0.
fn launcher() -> svc_core::Process {
    sh("setsid sleep 300 > /dev/null 2>&1 < /dev/null & echo $! > \"$DIR/daemon.pid\"; echo launched; exit 0")
        .daemon(Daemon::default())
}

fn pid_of(m: &Marker) -> i32 {
    std::fs::read_to_string(m.path("daemon.pid")).unwrap().trim().parse().unwrap()
}

fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with(['Z', 'X'])))
}

async fn wait_for(what: &str, deadline: Duration, check: impl Fn() -> bool) {
    let until = Instant::now() + deadline;
    while !check() {
        assert!(Instant::now() < until, "{what}: not within {deadline:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_launched_daemon_counts_as_running_and_is_stopped_with_the_project() {
    let m = Marker::new();
    let project = m
        .project()
        .process("db", launcher().readiness_probe(Probe::exec(["sh", "-c", "test -f \"$DIR/daemon.pid\""])))
        .process("client", sh("echo client ran; sleep 300").depends_on("db", Condition::ProcessHealthy));
    let running = support::start(project);
    let handle = running.handle.clone();
    wait_for("db launched", Duration::from_secs(10), || {
        handle.status("db").is_some_and(|s| matches!(s.state, State::Launched { .. }))
    })
    .await;
    wait_for("client started after db was healthy", Duration::from_secs(10), || {
        handle.status("client").is_some_and(|s| s.started)
    })
    .await;
    let daemon = pid_of(&m);
    assert!(alive(daemon), "the daemon runs on after its launcher exited");
    assert!(!handle.status("db").unwrap().state.is_final());

    handle.shutdown();
    let (outcome, output) = running.finish().await;
    let db = outcome.process("db").unwrap();
    assert_eq!(db.state, State::Stopped { exit: Some(svc_runtime::ExitStatus::Code(0)) }, "{output}");
    assert!(output.contains("db: launched"), "{output}");
    assert!(!alive(daemon), "the daemon (in a session of its own) was stopped with the project\n{output}");
    assert!(m.survivors_after(Duration::from_secs(2)).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_is_stopped_by_its_shutdown_command() {
    let m = Marker::new();
    let stop = Shutdown::default()
        .command(svc_core::Command::shell("echo stopping; kill $(cat \"$DIR/daemon.pid\")"))
        .timeout(Duration::from_secs(20));
    let project = m.project().process("db", launcher().shutdown(stop));
    let running = support::start(project);
    let handle = running.handle.clone();
    wait_for("db launched", Duration::from_secs(10), || {
        handle.status("db").is_some_and(|s| matches!(s.state, State::Launched { .. }))
    })
    .await;
    let daemon = pid_of(&m);
    let asked = Instant::now();
    handle.send("db", svc_runtime::Control::Stop).unwrap();
    wait_for("db stopped", Duration::from_secs(10), || handle.status("db").is_some_and(|s| s.state.is_final())).await;
    assert!(asked.elapsed() < Duration::from_secs(10), "stopped by the command, not the 20 s timeout");
    assert!(!alive(daemon));
    handle.shutdown();
    let (outcome, output) = running.finish().await;
    assert!(output.contains("| stopping"), "the shutdown command ran\n{output}");
    assert!(!output.contains("SIGKILL"), "no kill was needed\n{output}");
    assert!(matches!(outcome.process("db").unwrap().state, State::Stopped { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_launcher_is_a_failed_run() {
    let m = Marker::new();
    let project = m.project().process("db", sh("echo cannot start; exit 3").daemon(Daemon::default()));
    let (outcome, output) = support::run(project).await;
    assert_eq!(
        outcome.process("db").unwrap().state,
        State::Completed { exit: svc_runtime::ExitStatus::Code(3) },
        "{output}"
    );
    assert!(!output.contains("launched"), "{output}");
}
