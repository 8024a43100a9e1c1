//! The supervisor as a separate program receiving signals: SIGTERM/SIGHUP/SIGINT shut down gracefully in
//! reverse dependency order, a second SIGINT kills everything at once.
//!
//! This file never runs `up` in-process: the supervisor's reaper would otherwise collect the fixture's exit
//! status before the test could read it.

mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{Marker, alive, read_pid};

/// The fixture supervisor running `processes`; killed (with its groups, by the marker) on drop.
struct Supervisor {
    child: Child,
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Supervisor {
    fn start(m: &Marker, processes: serde_json::Value) -> Supervisor {
        let settings = serde_json::json!({
            "environment": { "SVC_TEST_MARKER": m.value, "DIR": m.dir.path().to_str().unwrap() },
            "processes": processes,
        });
        let child = Command::new(env!("CARGO_BIN_EXE_svc-fixture"))
            .arg(settings.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        Supervisor { child }
    }

    fn signal(&self, signal: i32) {
        // SAFETY: plain syscall on our own, not yet reaped, child.
        unsafe { libc::kill(self.child.id() as i32, signal) };
    }

    /// Waits (bounded) for the supervisor to exit; returns its exit code and stdout.
    fn wait(&mut self, timeout: Duration) -> (Option<i32>, String) {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut out = String::new();
                if let Some(mut stdout) = self.child.stdout.take() {
                    use std::io::Read;
                    let _ = stdout.read_to_string(&mut out);
                }
                return (status.code(), out);
            }
            assert!(Instant::now() < deadline, "the supervisor did not exit within {timeout:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn wait_for_files(m: &Marker, files: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !files.iter().all(|f| m.path(f).exists()) {
        assert!(Instant::now() < deadline, "the processes did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(50));
}

#[test]
fn sigterm_and_sighup_shut_down_gracefully_in_reverse_order() {
    for signal in [libc::SIGTERM, libc::SIGHUP, libc::SIGINT] {
        let m = Marker::new();
        let server = |name: &str| {
            serde_json::json!({
                "command": { "shell": format!("trap 'echo {name} >> \"$DIR/order\"; exit 0' TERM; echo $$ > \"$DIR/{name}.pid\"; while :; do sleep 0.05; done") }
            })
        };
        let mut app = server("app");
        app["depends_on"] = serde_json::json!({ "db": { "condition": "process_started" } });
        let mut supervisor = Supervisor::start(&m, serde_json::json!({ "db": server("db"), "app": app }));
        wait_for_files(&m, &["db.pid", "app.pid"]);
        supervisor.signal(signal);
        let (code, output) = supervisor.wait(Duration::from_secs(20));
        assert_eq!(code, Some(0), "signal {signal}:\n{output}");
        let order = std::fs::read_to_string(m.path("order")).unwrap();
        assert_eq!(order.lines().collect::<Vec<_>>(), ["app", "db"], "signal {signal}:\n{output}");
        assert!(m.survivors_after(Duration::from_secs(2)).is_empty(), "signal {signal}");
    }
}

#[test]
fn a_second_sigint_kills_at_once() {
    let m = Marker::new();
    let mut supervisor = Supervisor::start(
        &m,
        serde_json::json!({
            "stubborn": {
                "command": { "shell": "trap '' TERM INT; echo $$ > \"$DIR/stubborn.pid\"; while :; do sleep 0.05; done" },
                "shutdown": { "timeout_seconds": 60 }
            }
        }),
    );
    wait_for_files(&m, &["stubborn.pid"]);
    let pid = read_pid(&m.path("stubborn.pid"));
    supervisor.signal(libc::SIGINT);
    std::thread::sleep(Duration::from_millis(300));
    assert!(alive(pid), "the first SIGINT must only ask (SIGTERM, ignored here)");
    supervisor.signal(libc::SIGINT);
    let (code, output) = supervisor.wait(Duration::from_secs(10));
    assert_eq!(code, Some(0), "{output}");
    assert!(!alive(pid));
    assert!(output.contains("stubborn: stopped after") && output.contains("(killed by SIGKILL)"), "{output}");
}

#[test]
fn invalid_projects_exit_2_with_every_error() {
    let m = Marker::new();
    let mut supervisor = Supervisor::start(
        &m,
        serde_json::json!({
            "a": { "command": ["definitely-not-a-program-xyz"] },
            "b": { "command": { "shell": "true" }, "depends_on": { "nope": {} } }
        }),
    );
    let (code, _) = supervisor.wait(Duration::from_secs(10));
    assert_eq!(code, Some(2));
}
