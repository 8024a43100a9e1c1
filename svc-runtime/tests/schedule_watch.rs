//! Scheduled processes and file watches, with real processes: an interval schedule runs again and again and keeps
//! `up` going; touching a watched file restarts the process and, with `cascade`, its dependent after it.

mod support;

use std::time::{Duration, Instant};

use support::{Marker, sh, start};
use svc_core::{Condition, Schedule, Watch};
use svc_runtime::State;

fn lines(m: &Marker, file: &str) -> Vec<String> {
    std::fs::read_to_string(m.path(file)).map(|s| s.lines().map(str::to_owned).collect()).unwrap_or_default()
}

/// Waits (at most 15 s) until `done`, failing with the output so far.
async fn until(what: &str, output: &support::Captured, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !done() {
        assert!(Instant::now() < deadline, "{what}: timed out; output:\n{}", output.text());
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interval_schedule_runs_at_each_tick_and_keeps_up_going_until_shutdown() {
    let m = Marker::new();
    let project = m.project().process(
        "tick",
        sh("echo run >> \"$DIR/runs\"").schedule(Schedule::every(Duration::from_millis(700)).run_on_start(true)),
    );
    let running = start(project);
    let started = Instant::now();
    until("three runs", &running.output, || lines(&m, "runs").len() >= 3).await;
    // run_on_start, then one run every 0.7 s.
    assert!(started.elapsed() >= Duration::from_millis(1300), "{:?}", started.elapsed());
    let status = running.handle.status("tick").unwrap();
    assert!(!status.state.is_final(), "waiting for its next run, not done: {:?}", status.state);
    running.handle.shutdown();
    let (outcome, output) = running.finish().await;
    assert!(output.contains("tick: scheduled: next run in"), "{output}");
    assert!(matches!(outcome.process("tick").unwrap().state, State::Stopped { .. }), "{output}");
    assert!(m.survivors_after(Duration::from_secs(1)).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn touching_a_watched_file_restarts_the_process_and_with_cascade_its_dependent_after_it() {
    let m = Marker::new();
    let src = m.path("src");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(src.join("main.txt"), "1").unwrap();
    let watch = Watch::paths([&src]).cascade(true).debounce(Duration::from_millis(100));
    let project = m
        .project()
        // A build step that ends: its watch keeps `up` going and runs it again.
        .process("build", sh("echo build >> \"$DIR/order\"").watch(watch))
        .process(
            "server",
            sh("echo server >> \"$DIR/order\"; exec sleep 30")
                .depends_on("build", Condition::ProcessCompletedSuccessfully),
        );
    let running = start(project);
    until("first start", &running.output, || lines(&m, "order") == ["build", "server"]).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    std::fs::write(src.join("main.txt"), "2").unwrap();
    until("restarted in order", &running.output, || lines(&m, "order").len() >= 4).await;
    assert_eq!(lines(&m, "order"), ["build", "server", "build", "server"], "{}", running.output.text());
    // An ignored file (an editor's swap file) restarts nothing.
    std::fs::write(src.join(".main.txt.swp"), "x").unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(lines(&m, "order").len(), 4, "{}", running.output.text());
    running.handle.shutdown();
    let (_, output) = running.finish().await;
    assert!(
        output.contains("build: ") && output.contains("changed: restarting it and 1 dependent after it (server)"),
        "{output}"
    );
    assert!(m.survivors_after(Duration::from_secs(1)).is_empty());
}
