//! Start order and dependency conditions with real processes (issue scenarios 1, 2, 6, 7).

mod support;

use std::time::Duration;

use support::{Marker, run, sh};
use svc_core::{Availability, Condition, RestartPolicy};
use svc_runtime::State;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chain_of_eight_with_exit_on_failure_exits_with_the_code_and_nothing_waiting_runs() {
    let m = Marker::new();
    let mut project = m.project();
    for i in 0..8 {
        let script = if i == 7 { "echo last; exit 42".to_owned() } else { format!("echo {i} >> \"$DIR/order\"") };
        let mut process = sh(&script);
        if i > 0 {
            process = process.depends_on(format!("p{}", i - 1), Condition::ProcessCompletedSuccessfully);
        }
        if i == 7 {
            process = process.restart(RestartPolicy::ExitOnFailure);
        }
        project = project.process(format!("p{i}"), process);
    }
    // Waits on the failing process: must never run.
    project = project
        .process("after", sh("touch \"$DIR/after-ran\"").depends_on("p7", Condition::ProcessCompletedSuccessfully));
    project = project.process(
        "after-any",
        sh("touch \"$DIR/after-any-ran\"; sleep 5").depends_on("p7", Condition::ProcessCompleted),
    );
    let (outcome, output) = run(project).await;
    assert_eq!(outcome.exit_code, 42, "{output}");
    let order = std::fs::read_to_string(m.path("order")).unwrap();
    assert_eq!(order.lines().collect::<Vec<_>>(), ["0", "1", "2", "3", "4", "5", "6"], "{output}");
    assert!(!m.path("after-ran").exists(), "{output}");
    let after = outcome.process("after").unwrap();
    assert!(matches!(after.state, State::Skipped { .. } | State::Stopped { exit: None }), "{after:?}");
    assert_eq!(outcome.process("p7").unwrap().state, State::Completed { exit: svc_runtime::ExitStatus::Code(42) });
    assert!(m.survivors_after(Duration::from_secs(1)).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_dependency_skips_its_dependents_transitively() {
    for exit_on_skipped in [false, true] {
        let m = Marker::new();
        let project = m
            .project()
            .process("a", sh("exit 1"))
            .process("b", sh("touch \"$DIR/b\"").depends_on("a", Condition::ProcessCompletedSuccessfully))
            .process(
                "c",
                sh("touch \"$DIR/c\"")
                    .depends_on("b", Condition::ProcessStarted)
                    .availability(Availability::default().exit_on_skipped(exit_on_skipped)),
            )
            .process("d", sh("exit 0"));
        let (outcome, output) = run(project).await;
        assert_eq!(outcome.exit_code, i32::from(exit_on_skipped), "{output}");
        for name in ["b", "c"] {
            let report = outcome.process(name).unwrap();
            assert!(matches!(report.state, State::Skipped { .. }), "{name}: {report:?}\n{output}");
            assert!(!m.path(name).exists());
        }
        assert!(output.contains("b: skipped: a ended with exit code 1"), "{output}");
        assert!(output.contains("c: summary: skipped"), "{output}");
        assert!(output.contains("a: summary: failed with exit code 1"), "{output}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_ready_holds_the_dependent_until_the_line_and_skips_it_without() {
    // A prints its line after a while: B must not start before.
    let m = Marker::new();
    let project = m
        .project()
        .process(
            "a",
            sh("sleep 0.4; touch \"$DIR/a-printed\"; echo 'server is ready now'; sleep 30")
                .ready_log_line("is ready")
                .availability(Availability::default()),
        )
        .process(
            "b",
            sh("test -f \"$DIR/a-printed\" && touch \"$DIR/b-after\"")
                .depends_on("a", Condition::ProcessLogReady)
                .availability(Availability::default().exit_on_end(true)),
        );
    let (outcome, output) = run(project).await;
    assert_eq!(outcome.exit_code, 0, "{output}");
    assert!(m.path("b-after").exists(), "b started before a's line:\n{output}");
    assert!(output.contains("b: waiting for a (process_log_ready)"), "{output}");
    assert!(output.contains("b: dependencies ready after"), "{output}");

    // A exits without the line: B is skipped.
    let m = Marker::new();
    let project = m
        .project()
        .process("a", sh("echo something else; exit 0").ready_log_line("is ready"))
        .process("b", sh("touch \"$DIR/b\"").depends_on("a", Condition::ProcessLogReady));
    let (outcome, output) = run(project).await;
    assert_eq!(outcome.exit_code, 0, "{output}");
    assert!(matches!(outcome.process("b").unwrap().state, State::Skipped { .. }), "{output}");
    assert!(!m.path("b").exists());

    // A prints the line as its very last act and exits at once: the line still counts.
    let m = Marker::new();
    let project = m
        .project()
        .process("a", sh("echo 'is ready'").ready_log_line("is ready"))
        .process("b", sh("touch \"$DIR/b\"").depends_on("a", Condition::ProcessLogReady));
    let (outcome, output) = run(project).await;
    assert!(matches!(outcome.process("b").unwrap().state, State::Completed { .. }), "{output}");
    assert!(m.path("b").exists());
}

// A current-thread runtime on purpose: `up` must not need a multi-threaded one.
#[tokio::test]
async fn success_exit_codes_count_as_success() {
    let m = Marker::new();
    let project = m
        .project()
        .process(
            "a",
            sh("echo run >> \"$DIR/a-runs\"; exit 130")
                .success_exit_codes([130])
                .restart(RestartPolicy::OnFailure)
                .availability(Availability::restart(RestartPolicy::OnFailure).backoff(Duration::from_millis(50))),
        )
        .process("b", sh("touch \"$DIR/b\"").depends_on("a", Condition::ProcessCompletedSuccessfully));
    let (outcome, output) = run(project).await;
    assert_eq!(outcome.exit_code, 0, "{output}");
    let a = outcome.process("a").unwrap();
    assert_eq!(a.restarts, 0, "{output}");
    assert!(a.succeeded);
    assert_eq!(std::fs::read_to_string(m.path("a-runs")).unwrap().lines().count(), 1);
    assert!(m.path("b").exists(), "{output}");
    assert!(!output.contains("summary"), "a success is not summarised:\n{output}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn independent_processes_start_in_parallel() {
    let m = Marker::new();
    // Each of four independent processes waits (up to 10 s) until all four have started: they can only all
    // succeed if they run at the same time.
    let mut project = m.project();
    for i in 0..4 {
        let script = format!(
            "touch \"$DIR/s{i}\"; for n in $(seq 200); do [ $(ls \"$DIR\" | grep -c '^s') -ge 4 ] && exit 0; \
             sleep 0.05; done; exit 1"
        );
        project = project.process(format!("s{i}"), sh(&script));
    }
    let (outcome, output) = run(project).await;
    assert!(outcome.processes.iter().all(|p| p.succeeded), "{outcome:?}\n{output}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_program_fails_the_process_not_the_supervisor() {
    let m = Marker::new();
    // Validation checks programs on PATH; a program removed after validation fails at spawn time.
    let exe = m.path("vanishing");
    std::fs::write(&exe, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&exe, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let project = m
        .project()
        .process("gone", svc_core::Process::new(exe.clone()))
        .process("dep", sh("true").depends_on("gone", Condition::ProcessStarted));
    let valid = project.validate().unwrap();
    std::fs::remove_file(&exe).unwrap();
    let options = svc_runtime::UpOptions {
        output: svc_runtime::logs::Output::Discard,
        handle_signals: false,
        ..Default::default()
    };
    let outcome = tokio::time::timeout(support::RUN_TIMEOUT, svc_runtime::up(valid, options)).await.unwrap().unwrap();
    let gone = outcome.process("gone").unwrap();
    assert!(matches!(&gone.state, State::Failed { reason, exit: None } if reason.contains("vanishing")), "{gone:?}");
    assert!(matches!(outcome.process("dep").unwrap().state, State::Skipped { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_layers_working_dir_and_argv_without_shell() {
    let m = Marker::new();
    let work = m.path("work");
    std::fs::create_dir(&work).unwrap();
    // SAFETY: set before any process is started by this test; other tests do not read this variable.
    unsafe { std::env::set_var("SVC_TEST_FROM_SUPERVISOR", "sup") };
    let project = m
        .project()
        .env("LAYER", "project")
        .env("PROJECT_ONLY", "p")
        .process(
            "env",
            sh("echo \"$SVC_TEST_FROM_SUPERVISOR $PROJECT_ONLY $LAYER $(pwd)\" > \"$DIR/env\"")
                .env("LAYER", "process")
                .working_dir(&work),
        )
        // argv form: no shell sees the argument, so `$HOME` and the quote reach the program unchanged.
        .process(
            "argv",
            svc_core::Process::new("sh").args(["-c", "printf '%s' \"$1\" > \"$DIR/argv\"", "sh", "$HOME 'quoted'"]),
        );
    let (outcome, output) = run(project).await;
    assert_eq!(outcome.exit_code, 0, "{output}");
    let env = std::fs::read_to_string(m.path("env")).unwrap();
    assert_eq!(env.trim(), format!("sup p process {}", work.canonicalize().unwrap().display()));
    assert_eq!(std::fs::read_to_string(m.path("argv")).unwrap(), "$HOME 'quoted'");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_waiting_state_lists_the_dependencies_still_awaited() {
    let m = Marker::new();
    let project = m
        .project()
        .process("x", sh("exec sleep 30"))
        .process(
            "y",
            sh("exec sleep 30").readiness_probe(
                svc_core::Probe::exec(svc_core::Command::shell("test -f \"$DIR/go\""))
                    .period(Duration::from_millis(100))
                    .failure_threshold(1000),
            ),
        )
        .process(
            "z",
            sh("true")
                .depends_on("x", Condition::ProcessStarted)
                .depends_on("y", Condition::ProcessHealthy)
                .availability(Availability::default().exit_on_end(true)),
        );
    let running = support::start(project);
    let controller = running.handle.clone();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let state = controller.status("z").map(|s| s.state);
        if state == Some(State::Waiting { on: vec!["y".into()] }) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "z is {state:?}\n{}", running.output.text());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    std::fs::write(m.path("go"), "").unwrap();
    let (outcome, output) = running.finish().await;
    assert_eq!(outcome.exit_code, 0, "{output}");
    assert!(matches!(outcome.process("z").unwrap().state, State::Completed { .. }), "{output}");
    assert!(
        output.contains("z: waiting for x (process_started), y (process_healthy)")
            || output.contains("z: waiting for y (process_healthy)"),
        "{output}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wide_and_deep_healthy_dag_comes_up() {
    // 6 layers of 8 processes, each needing every process of the layer below healthy (exec probes that pass at
    // once), and a last process that ends the run.
    let m = Marker::new();
    let mut project = m.project();
    let name = |layer: usize, i: usize| format!("l{layer}-{i}");
    for layer in 0..6 {
        for i in 0..8 {
            let mut process =
                sh("exec sleep 30").readiness_probe(svc_core::Probe::exec(["true"]).period(Duration::from_millis(100)));
            if layer > 0 {
                for j in 0..8 {
                    process = process.depends_on(name(layer - 1, j), Condition::ProcessHealthy);
                }
            }
            project = project.process(name(layer, i), process);
        }
    }
    let mut last = sh("true").availability(Availability::default().exit_on_end(true));
    for j in 0..8 {
        last = last.depends_on(name(5, j), Condition::ProcessHealthy);
    }
    project = project.process("last", last);
    let (outcome, output) = run(project).await;
    assert_eq!(outcome.exit_code, 0, "{output}");
    assert!(matches!(outcome.process("last").unwrap().state, State::Completed { .. }), "{output}");
    assert!(m.survivors_after(Duration::from_secs(1)).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_process_never_runs_and_its_dependents_are_skipped() {
    let m = Marker::new();
    let project = m
        .project()
        .process("off", sh("touch \"$DIR/off\"").disabled(true))
        .process("needs-off", sh("touch \"$DIR/needs-off\"").depends_on("off", Condition::ProcessStarted))
        .process("independent", sh("touch \"$DIR/independent\""));
    let (outcome, output) = run(project).await;
    assert_eq!(outcome.exit_code, 0, "{output}");
    assert_eq!(outcome.process("off").unwrap().state, State::Disabled);
    assert!(matches!(outcome.process("needs-off").unwrap().state, State::Skipped { .. }), "{output}");
    assert!(!m.path("off").exists() && !m.path("needs-off").exists());
    assert!(m.path("independent").exists());
}
