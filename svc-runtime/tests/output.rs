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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_is_tty_process_sees_a_terminal_and_its_lines_read_back_unchanged() {
    let m = support::Marker::new();
    let check = "if [ -t 0 ] && [ -t 1 ] && [ -t 2 ]; then echo 'all three are a terminal'; fi; \
                 echo \"columns $(stty size < /dev/tty)\"; echo to-stderr >&2; printf 'no newline'";
    let project = m
        .project()
        .process("tty", support::sh(check).tty(true))
        .process("pipe", support::sh("[ -t 1 ] || echo 'not a terminal'"));
    let (outcome, output) = support::run(project).await;
    assert!(outcome.processes.iter().all(|p| p.succeeded), "{output}");
    assert!(output.contains("tty   | all three are a terminal\n"), "{output}");
    assert!(output.contains("tty   | columns 40 120\n"), "the terminal has a size\n{output}");
    assert!(output.contains("tty   | to-stderr\n"), "stderr goes to the terminal too\n{output}");
    assert!(output.contains("tty   | no newline\n"), "the last partial line is kept at the hang-up\n{output}");
    assert!(!output.contains('\r'), "no carriage returns added by the terminal\n{output}");
    assert!(output.contains("pipe  | not a terminal\n"), "{output}");
}

/// process-compose's `log_configuration` through `up`: a JSON-lines file (stderr at level `error`) and a text
/// file with timestamps that rotates at its size limit without losing a line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_configuration_formats_and_rotates_real_files() {
    use svc_core::{LogConfiguration, LogField, LogFormat, LogRotation};
    let m = Marker::new();
    let text = LogConfiguration {
        format: LogFormat::Text,
        fields_order: vec![LogField::Time, LogField::Message],
        add_timestamp: true,
        timestamp_format: Some("2006".into()),
        no_color: true,
        no_metadata: true,
        rotation: Some(LogRotation { max_size_mb: 1, max_backups: 1, max_age_days: 0, compress: false }),
        ..LogConfiguration::default()
    };
    // 1100 KiB of 1 KiB lines: one rotation.
    let big = "i=0; while [ $i -lt 1100 ]; do printf '%01018d\\n' $i; i=$((i+1)); done";
    let project = m
        .project()
        .process(
            "api",
            sh("echo started; echo failed >&2")
                .log_location(m.path("logs/api.log"))
                .log_configuration(LogConfiguration::process_compose()),
        )
        .process("big", sh(big).log_location(m.path("logs/big.log")).log_configuration(text).log_length(5));
    let (outcome, output) = support::run(project).await;
    assert!(outcome.processes.iter().all(|p| p.succeeded), "{output}");
    let api = std::fs::read_to_string(m.path("logs/api.log")).unwrap();
    let mut api: Vec<&str> = api.lines().collect();
    api.sort();
    assert_eq!(
        api,
        [
            r#"{"level":"error","process":"api","replica":0,"message":"failed"}"#,
            r#"{"level":"info","process":"api","replica":0,"message":"started"}"#,
        ]
    );
    let mut files: Vec<_> = std::fs::read_dir(m.path("logs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("big"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "one backup: {files:?}");
    let year = chrono_year();
    let mut next = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(text.len() <= 1024 * 1024);
        for line in text.lines() {
            assert_eq!(line, format!("{year} {next:01018}"), "{}", file.display());
            next += 1;
        }
    }
    assert_eq!(next, 1100);
}

/// The current year, from `date` (the test crate has no time library).
fn chrono_year() -> String {
    let out = std::process::Command::new("date").arg("+%Y").output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}
