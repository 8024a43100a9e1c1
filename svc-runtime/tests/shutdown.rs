//! Stopping: reverse dependency order, escalation to SIGKILL, escaped descendants, supervisor death
//! (issue scenarios 3, 4, 5, 10).

mod support;

use std::time::{Duration, Instant};

use support::{Marker, alive, read_pid, run, sh, start, wait_for_file};
use svc_core::{Condition, Shutdown};
use svc_runtime::State;

/// A long-running shell that records its pid in `$DIR/<name>.pid`.
fn server(name: &str) -> svc_core::Process {
    sh(&format!("echo $$ > \"$DIR/{name}.pid\"; exec sleep 30"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_stops_dependents_before_their_dependencies() {
    let m = Marker::new();
    // A <- C, A <- D, C/D <- B. Each shutdown command records the name, then stops the process.
    let stop = |name: &str| {
        Shutdown::default()
            .command(svc_core::Command::shell(format!(
                "echo {name} >> \"$DIR/order\"; sleep 0.1; kill $(cat \"$DIR/{name}.pid\")"
            )))
            .timeout(Duration::from_secs(10))
    };
    let project = m
        .project()
        .process("a", server("a").shutdown(stop("a")))
        .process("c", server("c").shutdown(stop("c")).depends_on("a", Condition::ProcessStarted))
        .process("d", server("d").shutdown(stop("d")).depends_on("a", Condition::ProcessStarted))
        .process(
            "b",
            server("b")
                .shutdown(stop("b"))
                .depends_on("c", Condition::ProcessStarted)
                .depends_on("d", Condition::ProcessStarted),
        );
    let running = start(project);
    wait_for_file(&m.path("b.pid"), Duration::from_secs(10)).await;
    running.handle.shutdown();
    let (outcome, output) = running.finish().await;
    assert_eq!(outcome.exit_code, 0, "{output}");
    let order = std::fs::read_to_string(m.path("order")).unwrap();
    let order: Vec<&str> = order.lines().collect();
    assert_eq!(order.len(), 4, "{order:?}\n{output}");
    assert_eq!(order[0], "b", "{order:?}");
    let mut middle = order[1..3].to_vec();
    middle.sort();
    assert_eq!(middle, ["c", "d"], "{order:?}");
    assert_eq!(order[3], "a", "{order:?}");
    for report in &outcome.processes {
        assert!(matches!(report.state, State::Stopped { exit: Some(_) }), "{report:?}");
    }
    assert!(m.survivors_after(Duration::from_secs(1)).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_ignoring_sigterm_is_killed_at_the_timeout() {
    let m = Marker::new();
    let project = m.project().process(
        "stubborn",
        sh("trap '' TERM; touch \"$DIR/up\"; while :; do sleep 0.1; done")
            .shutdown(Shutdown::default().timeout(Duration::from_secs(3))),
    );
    let running = start(project);
    wait_for_file(&m.path("up"), Duration::from_secs(10)).await;
    let asked = Instant::now();
    running.handle.shutdown();
    let (outcome, output) = running.finish().await;
    let took = asked.elapsed();
    assert!(took >= Duration::from_millis(2500) && took < Duration::from_secs(6), "took {took:?}\n{output}");
    let report = outcome.process("stubborn").unwrap();
    assert_eq!(report.state, State::Stopped { exit: Some(svc_runtime::ExitStatus::Signal(libc::SIGKILL)) });
    assert!(output.contains("did not stop within 3s: killed (SIGKILL)"), "{output}");
    assert!(m.survivors_after(Duration::from_secs(1)).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_that_honours_sigterm_stops_at_once() {
    let m = Marker::new();
    let project = m.project().process("polite", server("polite"));
    let running = start(project);
    wait_for_file(&m.path("polite.pid"), Duration::from_secs(10)).await;
    let asked = Instant::now();
    running.handle.shutdown();
    let (outcome, output) = running.finish().await;
    assert!(asked.elapsed() < Duration::from_secs(2), "took {:?}\n{output}", asked.elapsed());
    let report = outcome.process("polite").unwrap();
    assert_eq!(report.state, State::Stopped { exit: Some(svc_runtime::ExitStatus::Signal(libc::SIGTERM)) });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_successful_shutdown_command_still_escalates() {
    let m = Marker::new();
    // The command succeeds but does not stop anything: SIGKILL after the timeout all the same.
    let project = m.project().process(
        "deaf",
        sh("trap '' TERM; touch \"$DIR/up\"; while :; do sleep 0.1; done")
            .shutdown(Shutdown::default().command(svc_core::Command::shell("true")).timeout(Duration::from_secs(1))),
    );
    let running = start(project);
    wait_for_file(&m.path("up"), Duration::from_secs(10)).await;
    running.handle.shutdown();
    let (outcome, output) = running.finish().await;
    let report = outcome.process("deaf").unwrap();
    assert_eq!(report.state, State::Stopped { exit: Some(svc_runtime::ExitStatus::Signal(libc::SIGKILL)) });
    assert!(m.survivors_after(Duration::from_secs(1)).is_empty(), "{output}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_escaped_grandchild_holding_the_pipe_does_not_wedge_the_stop_and_is_killed() {
    let m = Marker::new();
    // The grandchild leaves the process group (setsid) and keeps stdout open.
    let project = m.project().process(
        "leaky",
        sh("setsid sleep 60 & echo $! > \"$DIR/grandchild.pid\"; echo $$ > \"$DIR/leaky.pid\"; exec sleep 60")
            .shutdown(Shutdown::default().timeout(Duration::from_secs(1))),
    );
    let running = start(project);
    wait_for_file(&m.path("leaky.pid"), Duration::from_secs(10)).await;
    wait_for_file(&m.path("grandchild.pid"), Duration::from_secs(10)).await;
    let grandchild = read_pid(&m.path("grandchild.pid"));
    assert!(alive(grandchild));
    let asked = Instant::now();
    running.handle.shutdown();
    let (outcome, output) = running.finish().await;
    // Timeout (1 s) plus a few seconds at most.
    assert!(asked.elapsed() < Duration::from_secs(5), "took {:?}\n{output}", asked.elapsed());
    assert!(matches!(outcome.process("leaky").unwrap().state, State::Stopped { .. }));
    assert!(!alive(grandchild), "the setsid grandchild survived\n{output}");
    assert!(m.survivors_after(Duration::from_secs(1)).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn descendants_left_behind_by_a_finished_process_are_killed_when_up_ends() {
    let m = Marker::new();
    let project = m.project().process(
        "daemonizer",
        // Leaves a session-less daemon and a background job in its group, then exits successfully.
        sh("setsid sleep 60 >/dev/null 2>&1 & echo $! > \"$DIR/daemon.pid\"; sleep 60 >/dev/null 2>&1 & \
            echo $! > \"$DIR/job.pid\"; exit 0"),
    );
    let (outcome, output) = run(project).await;
    assert_eq!(outcome.exit_code, 0, "{output}");
    for file in ["daemon.pid", "job.pid"] {
        let pid = read_pid(&m.path(file));
        assert!(!alive(pid), "{file} ({pid}) survived up\n{output}");
    }
}

#[test]
fn killing_the_supervisor_kills_children_their_groups_and_escaped_descendants() {
    let m = Marker::new();
    let dir = m.dir.path().to_str().unwrap().to_owned();
    let settings = serde_json::json!({
        "environment": { "SVC_TEST_MARKER": m.value, "DIR": dir },
        "processes": {
            // A child with a background grandchild in its group.
            "a": { "command": { "shell": "sleep 60 & echo $! > \"$DIR/a-bg.pid\"; echo $$ > \"$DIR/a.pid\"; wait" } },
            // A grandchild that ignores SIGTERM and SIGHUP.
            "b": { "command": { "shell": "sh -c 'trap \"\" TERM HUP; echo $$ > \"$DIR/b-bg.pid\"; while :; do sleep 0.2; done' & echo $$ > \"$DIR/b.pid\"; wait" } },
            // A grandchild that left the group (setsid): found by its inherited tag.
            "c": { "command": { "shell": "setsid sleep 60 & echo $! > \"$DIR/c-escaped.pid\"; echo $$ > \"$DIR/c.pid\"; wait" } }
        }
    });
    let mut supervisor = std::process::Command::new(env!("CARGO_BIN_EXE_svc-fixture"))
        .arg(settings.to_string())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let files = ["a.pid", "a-bg.pid", "b.pid", "b-bg.pid", "c.pid", "c-escaped.pid"];
    let deadline = Instant::now() + Duration::from_secs(20);
    while !files.iter().all(|f| m.path(f).exists()) {
        if Instant::now() > deadline {
            let _ = supervisor.kill();
            panic!("the fixture's processes did not start");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(50));
    let pids: Vec<u32> = files.iter().map(|f| read_pid(&m.path(f))).collect();
    assert!(pids.iter().all(|p| alive(*p)));
    // SAFETY: plain syscall on our own child.
    unsafe { libc::kill(supervisor.id() as i32, libc::SIGKILL) };
    let _ = supervisor.wait();
    let deadline = Instant::now() + Duration::from_secs(2);
    while pids.iter().any(|p| alive(*p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let survivors: Vec<u32> = pids.iter().copied().filter(|p| alive(*p)).collect();
    assert!(survivors.is_empty(), "survived the supervisor by 2 s: {survivors:?} of {pids:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_request_kills_everything_at_once() {
    let m = Marker::new();
    let project = m.project().process(
        "stubborn",
        sh("trap '' TERM; touch \"$DIR/up\"; while :; do sleep 0.1; done")
            .shutdown(Shutdown::default().timeout(Duration::from_secs(30))),
    );
    let running = start(project);
    wait_for_file(&m.path("up"), Duration::from_secs(10)).await;
    let asked = Instant::now();
    running.handle.shutdown();
    tokio::time::sleep(Duration::from_millis(300)).await;
    running.handle.kill();
    let (outcome, output) = running.finish().await;
    assert!(asked.elapsed() < Duration::from_secs(10), "took {:?}\n{output}", asked.elapsed());
    let report = outcome.process("stubborn").unwrap();
    assert_eq!(report.state, State::Stopped { exit: Some(svc_runtime::ExitStatus::Signal(libc::SIGKILL)) });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_up_kills_everything_it_started() {
    let m = Marker::new();
    let project = m.project().process(
        "bg",
        sh("sleep 60 & setsid sleep 60 & echo $$ > \"$DIR/bg.pid\"; trap '' TERM; while :; do sleep 0.1; done"),
    );
    let running = start(project);
    wait_for_file(&m.path("bg.pid"), Duration::from_secs(10)).await;
    assert!(!m.survivors().is_empty());
    running.abandon().await;
    let survivors = m.survivors_after(Duration::from_secs(2));
    assert!(survivors.is_empty(), "survived the dropped up: {survivors:?}");
}
