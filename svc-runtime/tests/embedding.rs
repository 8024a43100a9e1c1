//! Embedding the supervisor in a program that starts and waits for children of its own: the supervisor reaps only
//! what belongs to it (its processes, their process groups, and orphans it adopted as a child subreaper), never a
//! child the program waits for.

mod support;

use std::time::{Duration, Instant};

use support::{Marker, read_pid, sh, start, wait_for_file};
use svc_core::{Availability, RestartPolicy};

/// `/proc/<pid>/stat` fields after the command name: (state, ppid); `None` once the process is gone (reaped).
fn state_and_parent(pid: u32) -> Option<(char, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(") ")?;
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let parent = fields.next()?.parse().ok()?;
    Some((state, parent))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_of_the_embedding_program_keep_their_exit_status() {
    let m = Marker::new();
    // Restarts keep the reaper busy (a SIGCHLD every 200 ms) while the program waits for its own children.
    let project = m.project().process(
        "flaky",
        sh("sleep 0.2; exit 3").availability(
            Availability::restart(RestartPolicy::OnFailure).backoff(Duration::from_millis(10)).max_restarts(1000),
        ),
    );
    let running = start(project);
    let checks: Vec<_> = (0..4)
        .map(|_| {
            tokio::task::spawn_blocking(|| {
                (0..20)
                    .map(|_| {
                        let out = std::process::Command::new("sh").args(["-c", "sleep 0.05; exit 7"]).output();
                        out.map(|o| o.status.code()).map_err(|e| e.to_string())
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut results = Vec::new();
    for check in checks {
        results.extend(tokio::time::timeout(Duration::from_secs(60), check).await.unwrap().unwrap());
    }
    running.handle.shutdown();
    let (outcome, output) = running.finish().await;
    let wrong: Vec<_> = results.iter().filter(|r| **r != Ok(Some(7))).collect();
    assert!(wrong.is_empty(), "{} of {} waits went wrong: {wrong:?}", wrong.len(), results.len());
    assert!(outcome.process("flaky").unwrap().restarts >= 1, "the supervisor was not restarting:\n{output}");
    assert!(output.contains("exited with code 3"), "{output}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_process_children_keep_their_exit_status() {
    let m = Marker::new();
    let project = m.project().process(
        "flaky",
        sh("sleep 0.1; exit 3").availability(
            Availability::restart(RestartPolicy::Always).backoff(Duration::from_millis(10)).max_restarts(1000),
        ),
    );
    let running = start(project);
    for _ in 0..20 {
        let status = tokio::time::timeout(
            Duration::from_secs(10),
            tokio::process::Command::new("sh").args(["-c", "sleep 0.03; exit 9"]).status(),
        )
        .await
        .expect("tokio's wait hung")
        .expect("tokio lost its child");
        assert_eq!(status.code(), Some(9));
    }
    running.handle.shutdown();
    let (outcome, output) = running.finish().await;
    assert!(outcome.process("flaky").unwrap().restarts >= 1, "{output}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adopted_orphans_do_not_stay_zombies() {
    let m = Marker::new();
    // `in-group` leaves a background job in its process group; `escaped` leaves one in a session of its own.
    // Both end while the project still runs (`keep` holds it open) and are reparented to the supervisor.
    let project = m
        .project()
        .process("in-group", sh("sleep 0.3 & echo $! > \"$DIR/in-group\"; exit 0"))
        .process("escaped", sh("setsid sleep 0.3 & echo $! > \"$DIR/escaped\"; exit 0"))
        .process("keep", sh("exec sleep 30"));
    let running = start(project);
    wait_for_file(&m.path("in-group"), Duration::from_secs(10)).await;
    wait_for_file(&m.path("escaped"), Duration::from_secs(10)).await;
    let orphans = [read_pid(&m.path("in-group")), read_pid(&m.path("escaped"))];
    // Reparented while alive, then a zombie of ours once it ended: it must be reaped within a few seconds (the
    // grace period given to other owners plus a sweep).
    let deadline = Instant::now() + Duration::from_secs(6);
    loop {
        let states: Vec<_> = orphans.iter().map(|pid| state_and_parent(*pid)).collect();
        if states.iter().all(Option::is_none) {
            break;
        }
        if Instant::now() >= deadline {
            running.handle.kill();
            panic!("orphans {orphans:?} not reaped within 6 s: {states:?}\n{}", running.output.text());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    running.handle.shutdown();
    let (_, output) = running.finish().await;
    assert!(m.survivors_after(Duration::from_secs(1)).is_empty(), "{output}");
}
