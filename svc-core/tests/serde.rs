//! The JSON form of `Process`: field names (process-compose's), defaults when fields are omitted, and unknown
//! fields rejected at every level.

use std::time::Duration;

use serde_json::{Value, json};
use svc_core::{
    Availability, Command, Condition, Dependency, Probe, ProbeCheck, Process, RestartPolicy, Settings, Shutdown,
};

fn parse(value: Value) -> Result<Process, String> {
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// A process with every field set to something other than its default.
fn full_process() -> Process {
    Process::new("/usr/bin/redis-server")
        .args(["--port", "6379", "it's $HOME `x`"])
        .working_dir("/srv/redis")
        .env("B", "2")
        .env("A", "1")
        .depends_on("setup", Condition::ProcessCompletedSuccessfully)
        .depends_on("logs", Condition::ProcessLogReady)
        .readiness_probe(
            Probe::exec(["redis-cli", "ping"])
                .initial_delay(Duration::from_millis(1500))
                .period(Duration::from_secs(2))
                .timeout(Duration::from_millis(250))
                .success_threshold(2)
                .failure_threshold(5),
        )
        .liveness_probe({
            let mut probe = Probe::http_get("localhost", 8080, "/health");
            if let ProbeCheck::HttpGet(http) = &mut probe.check {
                http.headers.insert("Authorization".into(), "Bearer t".into());
                http.status_code = Some(204);
            }
            probe
        })
        .ready_log_line("Ready to accept connections")
        .availability(
            Availability::restart(RestartPolicy::OnFailure)
                .backoff(Duration::from_millis(500))
                .max_backoff(Duration::from_secs(60))
                .max_restarts(3)
                .exit_on_end(true)
                .exit_on_skipped(true),
        )
        .shutdown(Shutdown::default().command(["redis-cli", "shutdown"]).signal(2).timeout(Duration::from_secs(20)))
        .success_exit_codes([1, 143])
        .disabled(true)
        .namespace("redis.main")
        .description("The main cache")
        .log_location("/var/log/redis.log")
}

#[test]
fn a_full_process_round_trips_with_process_compose_field_names() {
    let process = full_process();
    let expected = json!({
        "command": ["/usr/bin/redis-server", "--port", "6379", "it's $HOME `x`"],
        "working_dir": "/srv/redis",
        "environment": { "B": "2", "A": "1" },
        "depends_on": {
            "setup": { "condition": "process_completed_successfully" },
            "logs": { "condition": "process_log_ready" }
        },
        "readiness_probe": {
            "exec": { "command": ["redis-cli", "ping"] },
            "initial_delay_seconds": 1.5,
            "period_seconds": 2,
            "timeout_seconds": 0.25,
            "success_threshold": 2,
            "failure_threshold": 5
        },
        "liveness_probe": {
            "http_get": {
                "host": "localhost",
                "port": 8080,
                "path": "/health",
                "scheme": "http",
                "headers": { "Authorization": "Bearer t" },
                "status_code": 204
            },
            "initial_delay_seconds": 0,
            "period_seconds": 10,
            "timeout_seconds": 1,
            "success_threshold": 1,
            "failure_threshold": 3
        },
        "ready_log_line": "Ready to accept connections",
        "availability": {
            "restart": "on_failure",
            "backoff_seconds": 0.5,
            "max_backoff_seconds": 60,
            "max_restarts": 3,
            "exit_on_end": true,
            "exit_on_skipped": true
        },
        "shutdown": { "command": ["redis-cli", "shutdown"], "signal": 2, "timeout_seconds": 20 },
        "success_exit_codes": [1, 143],
        "disabled": true,
        "namespace": "redis.main",
        "description": "The main cache",
        "log_location": "/var/log/redis.log"
    });
    let value = serde_json::to_value(&process).unwrap();
    assert_eq!(value, expected);
    // Order matters to people reading generated files: fields and map entries keep theirs.
    let text = serde_json::to_string(&process).unwrap();
    assert!(text.find("\"B\"").unwrap() < text.find("\"A\"").unwrap(), "{text}");
    assert!(text.find("\"setup\"").unwrap() < text.find("\"logs\"").unwrap(), "{text}");

    let back: Process = serde_json::from_value(value).unwrap();
    assert_eq!(back, process);
    let back: Process = serde_json::from_str(&text).unwrap();
    assert_eq!(back, process);
}

#[test]
fn a_shell_command_round_trips() {
    let process = Process::shell("echo hi | tr a-z A-Z").arg("it's");
    let value = serde_json::to_value(&process).unwrap();
    assert_eq!(value["command"], json!({ "shell": "echo hi | tr a-z A-Z 'it'\\''s'" }));
    assert_eq!(serde_json::from_value::<Process>(value).unwrap(), process);
}

#[test]
fn omitted_fields_take_their_defaults() {
    let process = parse(json!({ "command": ["hello"] })).unwrap();
    assert_eq!(process, Process::new("hello"));
    assert_eq!(process.command, Command::exec("hello"));
    assert_eq!(process.working_dir, None);
    assert!(process.environment.is_empty() && process.depends_on.is_empty());
    assert_eq!(process.readiness_probe, None);
    assert_eq!(process.liveness_probe, None);
    assert_eq!(process.ready_log_line, None);
    assert!(process.success_exit_codes.is_empty());
    assert!(!process.disabled);
    assert_eq!((process.namespace, process.description, process.log_location), (None, None, None));

    assert_eq!(process.shutdown.command, None);
    assert_eq!(process.shutdown.signal, 15);
    assert_eq!(process.shutdown.timeout, Duration::from_secs(10));

    assert_eq!(process.availability.restart, RestartPolicy::No);
    assert_eq!(process.availability.backoff, Duration::from_secs(1));
    assert_eq!(process.availability.max_backoff, Duration::from_secs(30));
    assert_eq!(process.availability.max_restarts, 0);
    assert!(!process.availability.exit_on_end && !process.availability.exit_on_skipped);

    // Partly written sections keep the defaults of the fields they omit.
    let process =
        parse(json!({ "command": ["x"], "shutdown": { "signal": 2 }, "availability": { "restart": "always" } }))
            .unwrap();
    assert_eq!(process.shutdown, Shutdown::default().signal(2));
    assert_eq!(process.availability, Availability::restart(RestartPolicy::Always));
}

#[test]
fn omitted_probe_fields_take_their_defaults() {
    let process = parse(json!({
        "command": ["x"],
        "readiness_probe": { "exec": { "command": ["true"] } },
        "liveness_probe": { "http_get": { "port": 80 } }
    }))
    .unwrap();
    let readiness = process.readiness_probe.unwrap();
    assert_eq!(readiness, Probe::exec(["true"]));
    assert_eq!(readiness.initial_delay, Duration::ZERO);
    assert_eq!(readiness.period, Duration::from_secs(10));
    assert_eq!(readiness.timeout, Duration::from_secs(1));
    assert_eq!(readiness.failure_threshold, 3);
    assert_eq!(readiness.success_threshold, 1);

    let liveness = process.liveness_probe.unwrap();
    assert_eq!(liveness, Probe::http_get("127.0.0.1", 80, "/"));
    match liveness.check {
        ProbeCheck::HttpGet(http) => {
            assert_eq!((http.host.as_str(), http.path.as_str(), http.scheme.as_str()), ("127.0.0.1", "/", "http"));
            assert!(http.headers.is_empty());
            assert_eq!(http.status_code, None);
        }
        other => panic!("expected http_get, got {other:?}"),
    }
}

#[test]
fn a_dependency_without_condition_waits_for_start() {
    let process = parse(json!({ "command": ["x"], "depends_on": { "db": {} } })).unwrap();
    assert_eq!(process.depends_on["db"], Dependency { condition: Condition::ProcessStarted });
}

#[test]
fn defaults_are_written_out_where_process_compose_has_them() {
    // Empty optional fields are omitted; availability and shutdown are always written, so files are explicit.
    let value = serde_json::to_value(Process::new("hello")).unwrap();
    assert_eq!(
        value,
        json!({
            "command": ["hello"],
            "availability": {
                "restart": "no",
                "backoff_seconds": 1,
                "max_backoff_seconds": 30,
                "max_restarts": 0,
                "exit_on_end": false,
                "exit_on_skipped": false
            },
            "shutdown": { "signal": 15, "timeout_seconds": 10 }
        })
    );
}

#[test]
fn unknown_fields_are_rejected_at_every_level() {
    let cases = [
        (json!({ "command": ["x"], "bogus": 1 }), "bogus"),
        (json!({ "command": ["x"], "availability": { "restart": "no", "backoff": 1 } }), "backoff"),
        (json!({ "command": ["x"], "shutdown": { "timeout": 3 } }), "timeout"),
        (json!({ "command": ["x"], "depends_on": { "db": { "condition": "process_started", "x": 1 } } }), "`x`"),
        (json!({ "command": ["x"], "readiness_probe": { "exec": { "command": ["true"], "cwd": "/" } } }), "cwd"),
        (json!({ "command": ["x"], "readiness_probe": { "http_get": { "port": 1, "url": "/" } } }), "url"),
        (json!({ "command": ["x"], "readiness_probe": { "exec": { "command": ["true"] }, "period": 3 } }), "period"),
    ];
    for (value, field) in cases {
        let err = parse(value.clone()).expect_err(&value.to_string());
        assert!(err.contains("unknown field") && err.contains(field), "{value}: {err}");
    }

    let err = serde_json::from_value::<Settings>(json!({ "processes": {}, "env": {} })).unwrap_err().to_string();
    assert!(err.contains("unknown field `env`"), "{err}");
}

#[test]
fn invalid_values_are_rejected() {
    for (value, expected) in [
        (json!({}), "missing field `command`"),
        // An argv list or `{ "shell": ... }`; a bare string is ambiguous (argv[0] or a script?) and is refused.
        (json!({ "command": "hello" }), "expected a command: an argv list"),
        (json!({ "command": ["x"], "availability": { "restart": "sometimes" } }), "sometimes"),
        (json!({ "command": ["x"], "depends_on": { "db": { "condition": "process_ready" } } }), "process_ready"),
        (json!({ "command": ["x"], "shutdown": { "timeout_seconds": -1 } }), "non-negative number of seconds"),
        (json!({ "command": ["x"], "readiness_probe": { "period_seconds": 1 } }), "variant"),
        (
            json!({ "command": ["x"], "readiness_probe": { "exec": { "command": ["true"] }, "http_get": { "port": 1 } } }),
            "http_get",
        ),
    ] {
        let err = parse(value.clone()).expect_err(&value.to_string());
        assert!(err.contains(expected), "{value}: {err}");
    }
}

#[test]
fn settings_round_trip() {
    let settings =
        Settings::new().process("redis", full_process()).process("hello", Process::new("hello")).env("K", "v");
    let value = serde_json::to_value(&settings).unwrap();
    assert_eq!(value["processes"].as_object().unwrap().keys().collect::<Vec<_>>(), ["redis", "hello"]);
    assert_eq!(value["environment"], json!({ "K": "v" }));
    assert_eq!(serde_json::from_value::<Settings>(value).unwrap(), settings);
    assert_eq!(serde_json::from_value::<Settings>(json!({})).unwrap(), Settings::new());
}
