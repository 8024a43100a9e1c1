//! Readiness and liveness probes in a running project: healthy conditions, thresholds, HTTP GET, timeouts.

mod support;

use std::time::Duration;

use support::{Marker, run, sh};
use svc_core::{Availability, Condition, Probe, RestartPolicy};
use svc_runtime::State;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dependent_waits_until_the_dependency_is_healthy() {
    let m = Marker::new();
    let project = m
        .project()
        .process(
            "db",
            sh("sleep 0.3; touch \"$DIR/db-ready\"; exec sleep 30").readiness_probe(
                Probe::exec(svc_core::Command::shell("test -f \"$DIR/db-ready\""))
                    .period(Duration::from_millis(100))
                    .failure_threshold(50),
            ),
        )
        .process(
            "api",
            sh("test -f \"$DIR/db-ready\" && touch \"$DIR/api-ok\"")
                .depends_on("db", Condition::ProcessHealthy)
                .availability(Availability::default().exit_on_end(true)),
        );
    let (outcome, output) = run(project).await;
    assert_eq!(outcome.exit_code, 0, "{output}");
    assert!(m.path("api-ok").exists(), "api started before db was healthy:\n{output}");
    assert!(output.contains("api: waiting for db (process_healthy)"), "{output}");
    assert!(m.survivors_after(Duration::from_secs(1)).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_success_threshold_is_honoured() {
    let m = Marker::new();
    // Every check appends a line; the dependent records how many checks had run when it started.
    let project = m
        .project()
        .process(
            "db",
            sh("exec sleep 30").readiness_probe(
                Probe::exec(svc_core::Command::shell("echo check >> \"$DIR/checks\""))
                    .period(Duration::from_millis(100))
                    .success_threshold(3),
            ),
        )
        .process(
            "api",
            sh("wc -l < \"$DIR/checks\" > \"$DIR/seen\"")
                .depends_on("db", Condition::ProcessHealthy)
                .availability(Availability::default().exit_on_end(true)),
        );
    let (outcome, output) = run(project).await;
    assert_eq!(outcome.exit_code, 0, "{output}");
    let seen: u32 = std::fs::read_to_string(m.path("seen")).unwrap().trim().parse().unwrap();
    assert!(seen >= 3, "dependent started after {seen} successful checks:\n{output}");
}

/// A minimal HTTP/1.1 server answering every request with `status`; it keeps the connection open until the
/// client closes it, or closes it after the response when `close` (as HTTP/1.0 servers do). Returns its port.
async fn http_server(status: u16, close: bool) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                while let Ok(n) = stream.read(&mut buf).await {
                    if n == 0 {
                        return;
                    }
                    let response = format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\n\r\n");
                    let _ = stream.write_all(response.as_bytes()).await;
                    if close {
                        return;
                    }
                }
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_get_probes_check_the_status() {
    let ok = http_server(200, false).await;
    let ok_closing = http_server(200, true).await;
    let broken = http_server(503, false).await;
    let probe =
        |port| Probe::http_get("127.0.0.1", port, "/health").period(Duration::from_millis(100)).failure_threshold(2);
    let m = Marker::new();
    let project = m
        .project()
        .process("good", sh("exec sleep 30").readiness_probe(probe(ok)))
        .process("good-closing", sh("exec sleep 30").readiness_probe(probe(ok_closing)))
        .process(
            "after-good",
            sh("true")
                .depends_on("good", Condition::ProcessHealthy)
                .depends_on("good-closing", Condition::ProcessHealthy)
                .availability(Availability::default().exit_on_end(true)),
        );
    let (outcome, output) = run(project).await;
    assert_eq!(outcome.exit_code, 0, "{output}");
    assert!(matches!(outcome.process("after-good").unwrap().state, State::Completed { .. }), "{output}");

    let m = Marker::new();
    let project = m
        .project()
        .process("bad", sh("exec sleep 30").readiness_probe(probe(broken)))
        .process("after-bad", sh("touch \"$DIR/after-bad\"").depends_on("bad", Condition::ProcessHealthy));
    let (outcome, output) = run(project).await;
    // `bad` failed its readiness probe (restart policy `no`): its dependent never ran.
    assert!(output.contains("status 503, expected 200-399"), "{output}");
    assert!(matches!(outcome.process("bad").unwrap().state, State::Failed { .. }), "{output}");
    assert!(matches!(outcome.process("after-bad").unwrap().state, State::Skipped { .. }), "{output}");
    assert!(!m.path("after-bad").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exec_probe_that_hangs_is_killed_at_its_timeout() {
    let m = Marker::new();
    let project = m.project().process(
        "slow-probe",
        sh("exec sleep 30")
            .readiness_probe(
                // The probe and its child would sleep for a minute; the timeout kills the group.
                Probe::exec(svc_core::Command::shell("sleep 60 & sleep 60"))
                    .period(Duration::from_millis(100))
                    .timeout(Duration::from_millis(200))
                    .failure_threshold(2),
            )
            .availability(Availability::restart(RestartPolicy::No)),
    );
    let (outcome, output) = run(project).await;
    assert!(output.contains("timed out after"), "{output}");
    assert!(matches!(outcome.process("slow-probe").unwrap().state, State::Failed { .. }), "{output}");
    assert!(m.survivors_after(Duration::from_secs(1)).is_empty(), "a probe process survived");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_liveness_failure_restarts_a_healthy_process_and_leaves_its_dependents_running() {
    let m = Marker::new();
    let runs = |file: &str| std::fs::read_to_string(m.path(file)).map(|s| s.lines().count()).unwrap_or(0);
    let project = m
        .project()
        .process(
            "server",
            sh("rm -f \"$DIR/kill-me\"; echo run >> \"$DIR/server-runs\"; exec sleep 30")
                .readiness_probe(Probe::exec(["true"]).period(Duration::from_millis(100)))
                .liveness_probe(
                    // The delay lets a restarted server remove the marker before its first check (they start
                    // together, and the check must not race the `rm`).
                    Probe::exec(svc_core::Command::shell("test ! -f \"$DIR/kill-me\""))
                        .initial_delay(Duration::from_millis(300))
                        .period(Duration::from_millis(100))
                        .failure_threshold(1),
                )
                .availability(
                    Availability::restart(RestartPolicy::OnFailure).max_restarts(3).backoff(Duration::from_millis(50)),
                ),
        )
        .process(
            "client",
            sh("echo run >> \"$DIR/client-runs\"; exec sleep 30").depends_on("server", Condition::ProcessHealthy),
        );
    let running = support::start(project);
    let controller = running.handle.clone();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while runs("client-runs") < 1 {
        assert!(std::time::Instant::now() < deadline, "client never started:\n{}", running.output.text());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    std::fs::write(m.path("kill-me"), "").unwrap();
    while runs("server-runs") < 2 {
        assert!(std::time::Instant::now() < deadline, "server not restarted:\n{}", running.output.text());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(matches!(controller.status("client").unwrap().state, State::Running { .. }));
    running.handle.shutdown();
    let (outcome, output) = running.finish().await;
    assert_eq!(outcome.process("server").unwrap().restarts, 1, "{output}");
    assert_eq!(runs("client-runs"), 1, "{output}");
    assert!(output.contains("server: liveness probe failed"), "{output}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_that_stops_being_ready_is_restarted_per_its_policy() {
    let m = Marker::new();
    let runs = |name: &str| std::fs::read_to_string(m.path(&format!("{name}-runs"))).map_or(0, |s| s.lines().count());
    // Each run marks itself ready with a file; the readiness probe checks for it all along.
    let process = |name: &str, policy| {
        sh(&format!("echo run >> \"$DIR/{name}-runs\"; touch \"$DIR/{name}-ready\"; exec sleep 30"))
            .readiness_probe(
                Probe::exec(svc_core::Command::shell(format!("test -f \"$DIR/{name}-ready\"")))
                    .period(Duration::from_millis(100))
                    .failure_threshold(2),
            )
            .availability(Availability::restart(policy).max_restarts(3).backoff(Duration::from_millis(50)))
    };
    let names = ["on-failure", "always", "no"];
    let project = m
        .project()
        .process(names[0], process(names[0], RestartPolicy::OnFailure))
        .process(names[1], process(names[1], RestartPolicy::Always))
        .process(names[2], process(names[2], RestartPolicy::No))
        .process("client", sh("exec sleep 30").depends_on("always", Condition::ProcessHealthy));
    let running = support::start(project);
    let controller = running.handle.clone();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let wait = async |what: &str, done: &dyn Fn() -> bool| {
        while !done() {
            assert!(std::time::Instant::now() < deadline, "{what}:\n{}", running.output.text());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let ready = |name: &str| controller.status(name).is_some_and(|s| matches!(s.state, State::Ready { .. }));
    wait("not all ready", &|| names.iter().all(|n| ready(n))).await;
    wait("client not started", &|| controller.status("client").is_some_and(|s| s.started)).await;
    // The probe passed long ago; now it fails.
    for name in names {
        std::fs::remove_file(m.path(&format!("{name}-ready"))).unwrap();
    }
    wait("not restarted", &|| runs("on-failure") >= 2 && runs("always") >= 2).await;
    wait("not ready again", &|| ready("on-failure") && ready("always")).await;
    wait("`no` did not end", &|| controller.status("no").is_some_and(|s| s.state.is_final())).await;
    let client = controller.status("client").unwrap();
    running.handle.shutdown();
    let (outcome, output) = running.finish().await;
    for name in ["on-failure", "always"] {
        assert_eq!(outcome.process(name).unwrap().restarts, 1, "{name}:\n{output}");
        assert_eq!(runs(name), 2, "{name}:\n{output}");
    }
    // Restart policy `no`: the process that stopped being ready is stopped and fails, and is not run again.
    assert!(matches!(outcome.process("no").unwrap().state, State::Failed { .. }), "{output}");
    assert_eq!(runs("no"), 1, "{output}");
    assert!(output.contains("always: no longer ready: readiness probe failed"), "{output}");
    // The dependent started on the first healthy run and was left alone.
    assert!(matches!(client.state, State::Running { .. }), "{client:?}\n{output}");
    assert_eq!(outcome.process("client").unwrap().restarts, 0);
}

/// A free TCP port on the loopback (bound and released: good enough for a test that binds it next).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_ready_soon_is_seen_soon_with_the_default_probe_period() {
    // The readiness probe keeps process-compose's default period (10 s); the server listens after ~300 ms, so the
    // first periodic check (at once) fails. Its dependent must not wait for the next period.
    let m = Marker::new();
    let port = free_port();
    let server = format!("sleep 0.3; exec python3 -m http.server {port} --bind 127.0.0.1");
    let project = m
        .project()
        .process("web", sh(&server).readiness_probe(Probe::http_get("127.0.0.1", port, "/")))
        .process("client", sh("echo client ran").depends_on("web", Condition::ProcessHealthy));
    let running = support::start(project);
    let handle = running.handle.clone();
    let started = std::time::Instant::now();
    while handle.status("client").is_none_or(|s| !s.started) {
        assert!(started.elapsed() < Duration::from_secs(15), "client not started:\n{}", running.output.text());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let waited = started.elapsed();
    handle.shutdown();
    let (_, output) = running.finish().await;
    assert!(waited < Duration::from_secs(3), "the client waited {waited:?} (a whole period is 10 s)\n{output}");
    assert!(output.contains("client ran"), "{output}");
}
