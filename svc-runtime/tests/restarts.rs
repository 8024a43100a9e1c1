//! Restart policies, limits, backoff and stop-during-backoff (issue scenarios 8 and 9).

mod support;

use std::time::{Duration, Instant};

use support::{Marker, run, sh, start};
use svc_core::{Availability, Probe, RestartPolicy};
use svc_runtime::ExitStatus;
use svc_runtime::State;

fn runs(m: &Marker, file: &str) -> usize {
    std::fs::read_to_string(m.path(file)).map(|s| s.lines().count()).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_readiness_probe_that_always_fails_restarts_exactly_max_restarts_times() {
    let m = Marker::new();
    let project = m.project().process(
        "never-ready",
        sh("echo run >> \"$DIR/runs\"; exec sleep 30")
            .readiness_probe(Probe::exec(["false"]).period(Duration::from_millis(100)).failure_threshold(2))
            .availability(
                Availability::restart(RestartPolicy::OnFailure).max_restarts(2).backoff(Duration::from_millis(50)),
            ),
    );
    let (outcome, output) = run(project).await;
    let report = outcome.process("never-ready").unwrap();
    assert_eq!(report.restarts, 2, "{output}");
    assert_eq!(runs(&m, "runs"), 3, "{output}");
    assert!(matches!(&report.state, State::Failed { reason, .. } if reason.contains("readiness")), "{report:?}");
    assert!(output.contains("readiness probe failed: `false` exited with code 1"), "{output}");
    assert!(output.contains("never-ready: summary: failed: its readiness probe failed"), "{output}");
    assert!(m.survivors_after(Duration::from_secs(1)).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_during_the_backoff_wins() {
    let m = Marker::new();
    let project = m.project().process(
        "crasher",
        sh("echo run >> \"$DIR/runs\"; exit 1")
            .availability(Availability::restart(RestartPolicy::Always).backoff(Duration::from_secs(2))),
    );
    let running = start(project);
    let deadline = Instant::now() + Duration::from_secs(10);
    while runs(&m, "runs") < 1 || !running.output.text().contains("restarting in 2s") {
        assert!(Instant::now() < deadline, "never crashed:\n{}", running.output.text());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    running.handle.shutdown();
    let (outcome, output) = running.finish().await;
    let crasher = outcome.process("crasher").unwrap();
    assert_eq!(crasher.state, State::Stopped { exit: None }, "{output}");
    assert_eq!(crasher.exit, Some(ExitStatus::Code(1)), "the report keeps how the last run ended");
    // Well past the backoff: still a single run.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(runs(&m, "runs"), 1, "relaunched after the stop:\n{output}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policies_decide_restarts_and_max_restarts_bounds_them() {
    // (policy, exit code, expected runs)
    let cases = [
        (RestartPolicy::No, 1, 1),
        (RestartPolicy::OnFailure, 0, 1),
        (RestartPolicy::OnFailure, 3, 4),
        (RestartPolicy::Always, 0, 4),
    ];
    for (policy, code, expected) in cases {
        let m = Marker::new();
        let project = m.project().process(
            "p",
            sh(&format!("echo run >> \"$DIR/runs\"; exit {code}"))
                .availability(Availability::restart(policy).max_restarts(3).backoff(Duration::from_millis(10))),
        );
        let (outcome, output) = run(project).await;
        assert_eq!(runs(&m, "runs"), expected, "{policy:?} exit {code}\n{output}");
        let report = outcome.process("p").unwrap();
        assert_eq!(report.restarts as usize, expected - 1);
        assert_eq!(report.state, State::Completed { exit: ExitStatus::Code(code) });
        assert_eq!(outcome.exit_code, 0, "without exit rules up exits 0");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backoff_grows_exponentially() {
    let m = Marker::new();
    let project = m.project().process(
        "p",
        sh("date +%s.%N >> \"$DIR/runs\"; exit 1").availability(
            Availability::restart(RestartPolicy::Always)
                .max_restarts(3)
                .backoff(Duration::from_millis(100))
                .max_backoff(Duration::from_millis(300)),
        ),
    );
    let started = Instant::now();
    let (outcome, output) = run(project).await;
    // Waits of 100, 200 and 300 (capped) ms: never faster than their sum.
    assert!(started.elapsed() >= Duration::from_millis(600), "{:?}", started.elapsed());
    assert_eq!(outcome.process("p").unwrap().restarts, 3);
    for text in
        ["restarting in 100ms (restart 1)", "restarting in 200ms (restart 2)", "restarting in 300ms (restart 3)"]
    {
        assert!(output.contains(text), "missing {text:?}:\n{output}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_on_failure_shuts_the_project_down_with_the_code() {
    let m = Marker::new();
    let project = m
        .project()
        .process("server", sh("echo $$ > \"$DIR/server.pid\"; exec sleep 30"))
        .process("job", sh("sleep 0.3; exit 7").availability(Availability::restart(RestartPolicy::ExitOnFailure)));
    let (outcome, output) = run(project).await;
    assert_eq!(outcome.exit_code, 7, "{output}");
    assert!(matches!(outcome.process("server").unwrap().state, State::Stopped { .. }));
    assert!(output.contains("job: shutting the project down; up will exit with 7"), "{output}");
    assert!(m.survivors_after(Duration::from_secs(1)).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_on_end_shuts_the_project_down_on_success_too() {
    let m = Marker::new();
    let project = m
        .project()
        .process("server", sh("exec sleep 30"))
        .process("job", sh("sleep 0.2; exit 0").availability(Availability::default().exit_on_end(true)));
    let (outcome, output) = run(project).await;
    assert_eq!(outcome.exit_code, 0, "{output}");
    assert!(matches!(outcome.process("server").unwrap().state, State::Stopped { .. }));
}

/// A process whose liveness probe fails (no `alive` file), under `policy` with at most one restart.
fn liveness_project(m: &Marker, policy: RestartPolicy) -> svc_core::Project {
    m.project().process(
        "zombie-ish",
        sh("echo run >> \"$DIR/runs\"; exec sleep 30")
            .liveness_probe(
                Probe::exec(svc_core::Command::shell("test -f \"$DIR/alive\""))
                    .period(Duration::from_millis(100))
                    .failure_threshold(2),
            )
            .availability(Availability::restart(policy).max_restarts(1).backoff(Duration::from_millis(50))),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_liveness_probe_restarts_the_process() {
    let m = Marker::new();
    let project = liveness_project(&m, RestartPolicy::No);
    // Restart policy `no`: the liveness failure still ends the process (as failed), it does not hang around.
    let (outcome, output) = run(project).await;
    let report = outcome.process("zombie-ish").unwrap();
    assert!(matches!(&report.state, State::Failed { reason, .. } if reason.contains("liveness")), "{report:?}");
    assert_eq!(runs(&m, "runs"), 1);

    // With on-failure it is restarted, up to max_restarts.
    let m = Marker::new();
    let project = liveness_project(&m, RestartPolicy::OnFailure);
    let (outcome, output2) = run(project).await;
    assert_eq!(outcome.process("zombie-ish").unwrap().restarts, 1, "{output}\n{output2}");
    assert_eq!(runs(&m, "runs"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_requests_coalesce_and_a_stop_of_one_process_leaves_the_others() {
    let m = Marker::new();
    let project = m
        .project()
        // Takes a while to stop, so that the requests below certainly arrive while the restart is under way.
        .process("a", sh("echo run >> \"$DIR/a-runs\"; trap 'sleep 0.5; exit 0' TERM; while :; do sleep 0.05; done"))
        .process("b", sh("echo run >> \"$DIR/b-runs\"; exec sleep 30"));
    let running = support::start(project);
    let controller = running.handle.clone();
    let deadline = Instant::now() + Duration::from_secs(10);
    while runs(&m, "a-runs") < 1 || runs(&m, "b-runs") < 1 {
        assert!(Instant::now() < deadline, "not started:\n{}", running.output.text());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Three requests while the first restart is under way: one restart.
    for _ in 0..3 {
        controller.send("a", svc_runtime::Control::Restart).unwrap();
    }
    while runs(&m, "a-runs") < 2 {
        assert!(Instant::now() < deadline, "not restarted:\n{}", running.output.text());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(runs(&m, "a-runs"), 2, "{}", running.output.text());
    assert!(matches!(controller.status("a").unwrap().state, State::Running { .. }));

    controller.send("b", svc_runtime::Control::Stop).unwrap();
    while !controller.status("b").unwrap().state.is_final() {
        assert!(Instant::now() < deadline, "b not stopped:\n{}", running.output.text());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(matches!(controller.status("a").unwrap().state, State::Running { .. }));
    assert!(matches!(
        controller.send("nope", svc_runtime::Control::Stop),
        Err(svc_runtime::ControlError::UnknownProcess { .. })
    ));

    running.handle.shutdown();
    let (outcome, output) = running.finish().await;
    assert!(matches!(outcome.process("b").unwrap().state, State::Stopped { .. }), "{output}");
    assert_eq!(runs(&m, "b-runs"), 1);
    assert_eq!(controller.send("a", svc_runtime::Control::Restart), Err(svc_runtime::ControlError::Ended));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zero_backoff_crash_loop_restarts_at_once_and_still_stops_on_request() {
    let m = Marker::new();
    let project = m.project().process(
        "crasher",
        sh("echo run >> \"$DIR/runs\"; exit 1")
            .availability(Availability::restart(RestartPolicy::Always).backoff(Duration::ZERO)),
    );
    let running = start(project);
    // No timer between runs: dozens of restarts come quickly even on a loaded machine.
    let deadline = Instant::now() + Duration::from_secs(20);
    while runs(&m, "runs") < 20 {
        assert!(Instant::now() < deadline, "only {} runs in 20 s", runs(&m, "runs"));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    running.handle.shutdown();
    let (outcome, output) = running.finish().await;
    let crasher = outcome.process("crasher").unwrap();
    assert!(crasher.restarts >= 19, "{crasher:?}");
    assert!(matches!(crasher.state, State::Stopped { .. }), "{crasher:?}\n{}", output.len());
    let after_stop = runs(&m, "runs");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(runs(&m, "runs"), after_stop, "relaunched after the stop");
    assert!(m.survivors_after(Duration::from_secs(1)).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_process_is_listed_and_starts_on_request() {
    let m = support::Marker::new();
    let project = m
        .project()
        .process("off", sh("echo started > \"$DIR/off\"; exec sleep 30").disabled(true))
        .process("keep", sh("exec sleep 30"));
    let running = support::start(project);
    let handle = running.handle.clone();
    let deadline = Instant::now() + Duration::from_secs(10);
    while handle.status("keep").is_none_or(|s| !s.started) {
        assert!(Instant::now() < deadline, "keep did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(handle.status("off").unwrap().state, State::Disabled, "listed, not started");
    assert!(!m.path("off").exists());
    handle.send("off", svc_runtime::Control::Restart).unwrap();
    while !m.path("off").exists() {
        assert!(Instant::now() < deadline, "off did not start on request");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    handle.shutdown();
    let (outcome, output) = running.finish().await;
    assert!(matches!(outcome.process("off").unwrap().state, State::Stopped { .. }), "{output}");
}
