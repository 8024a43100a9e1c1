//! `up`'s output wiring: prefixed lines of every process and the supervisor's status lines through the one
//! writer, per-process log files and the project log file.

mod support;

use support::{Marker, sh, start_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lines_status_and_log_files() {
    let m = Marker::new();
    let project = m
        .project()
        .process("web", sh("echo hello; echo oops >&2").log_location(m.path("logs/web.log")))
        .process("long-name", sh("printf 'no newline'; exit 3"));
    let project_log = m.path("project.log");
    let running = start_with(project, |options| options.log_file = Some(project_log.clone()));
    let (outcome, output) = running.finish().await;
    assert_eq!(outcome.exit_code, 0, "{output}");
    let lines: Vec<&str> = output.lines().collect();
    // Names padded to the longest name (or the status label).
    for expected in ["web       | hello", "web       | oops", "long-name | no newline"] {
        assert!(lines.contains(&expected), "missing {expected:?} in:\n{output}");
    }
    assert!(lines.contains(&"[svc]     | long-name: summary: failed with exit code 3"), "{output}");
    let web_log = std::fs::read_to_string(m.path("logs/web.log")).unwrap();
    let mut web_lines: Vec<&str> = web_log.lines().collect();
    web_lines.sort();
    assert_eq!(web_lines, ["hello", "oops"]);
    let project_log = std::fs::read_to_string(project_log).unwrap();
    assert!(project_log.contains("web       | hello"), "{project_log}");
    assert!(project_log.contains("long-name | no newline"), "{project_log}");
    assert!(project_log.contains("long-name: exited with code 3"), "{project_log}");
}
