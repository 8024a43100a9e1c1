//! The baseline spawner does what the harness relies on: every line arrives once and intact behind its name,
//! SIGTERM reaches every child's group and the baseline exits when they are gone, restart-always respawns, and a
//! dependency waits for the probe. Every wait is bounded; a guard kills whatever a failed test left behind.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use svc_bench::lines::{Verifier, name_for};
use svc_bench::spec::{ProbeSpec, ProcSpec, Restart, Spec};

const CHILD: &str = env!("CARGO_BIN_EXE_bench-child");
const BASELINE: &str = env!("CARGO_BIN_EXE_baseline");

/// Kills the baseline's descendants (and their process groups), then the baseline, on drop. Tests run in
/// parallel in one process, so everything is scoped to this test's baseline.
struct Guard {
    baseline: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let baseline = self.baseline.id() as i32;
        for (pid, stat) in svc_bench::procfs::descendants(baseline) {
            // SAFETY: signalling processes this test started (and their own groups).
            unsafe {
                if stat.pgid != baseline && stat.pgid > 1 {
                    libc::kill(-stat.pgid, libc::SIGKILL);
                }
                libc::kill(pid, libc::SIGKILL);
            }
        }
        let _ = self.baseline.kill();
        let _ = self.baseline.wait();
    }
}

fn proc(name: &str, args: &[&str], env: &[(&str, &str)]) -> ProcSpec {
    ProcSpec {
        name: name.into(),
        argv: std::iter::once(CHILD.to_owned()).chain(args.iter().map(|a| (*a).to_owned())).collect(),
        env: env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        restart: Restart::No,
        probe: None,
        depends_on: Vec::new(),
    }
}

fn start(spec: &Spec, stdout: Stdio) -> Guard {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spec.json");
    std::fs::write(&path, serde_json::to_string(spec).unwrap()).unwrap();
    let baseline = Command::new(BASELINE)
        .env(svc_bench::SPEC_ENV, &path)
        .stdin(Stdio::null())
        .stdout(stdout)
        .process_group(0)
        .spawn()
        .unwrap();
    Guard { baseline, _dir: dir }
}

/// Live children of the baseline whose command line contains `what`.
fn children(guard: &Guard, what: &str) -> Vec<i32> {
    svc_bench::procfs::descendants(guard.baseline.id() as i32)
        .into_iter()
        .filter(|(pid, s)| {
            s.state != b'Z' && std::fs::read_to_string(format!("/proc/{pid}/cmdline")).is_ok_and(|c| c.contains(what))
        })
        .map(|(pid, _)| pid)
        .collect()
}

fn wait_exit(guard: &mut Guard, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = guard.baseline.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "the baseline did not exit within {within:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn every_line_arrives_once_intact_and_named() {
    let spec = Spec {
        processes: (0..3)
            .map(|i| proc(&name_for(i), &["lines", "20000"], &[(svc_bench::notify::ID_ENV, &i.to_string())]))
            .collect(),
    };
    let mut guard = start(&spec, Stdio::piped());
    let mut out = guard.baseline.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut verifier = Verifier::new(3, 20000);
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = out.read(&mut buf).unwrap();
            if n == 0 {
                return verifier.finish();
            }
            verifier.feed(&buf[..n]);
        }
    });
    assert!(wait_exit(&mut guard, Duration::from_secs(60)).success());
    let verdict = reader.join().unwrap();
    assert_eq!((verdict.intact, verdict.lost, verdict.duplicated, verdict.corrupted), (60000, 0, 0, 0));
}

#[test]
fn sigterm_reaches_every_group_and_the_baseline_exits() {
    let spec = Spec { processes: (0..5).map(|i| proc(&format!("s{i}"), &["sleep"], &[])).collect() };
    let mut guard = start(&spec, Stdio::null());
    let deadline = Instant::now() + Duration::from_secs(20);
    let sleepers = loop {
        let found = children(&guard, "sleep");
        if found.len() == 5 {
            break found;
        }
        assert!(Instant::now() < deadline, "the 5 children did not start");
        std::thread::sleep(Duration::from_millis(10));
    };
    // SAFETY: signalling the baseline this test started.
    unsafe { libc::kill(guard.baseline.id() as i32, libc::SIGTERM) };
    assert!(wait_exit(&mut guard, Duration::from_secs(20)).success());
    let survivors: Vec<i32> = sleepers.into_iter().filter(|&pid| svc_bench::procfs::alive(pid)).collect();
    assert!(survivors.is_empty(), "children survived the baseline: {survivors:?}");
}

#[test]
fn restart_always_respawns_and_dependencies_wait_for_the_probe() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("healthy");
    let mut flap = proc("flap", &["exit1"], &[]);
    flap.restart = Restart::Always { backoff_ms: Some(0) };
    let mut server = proc("server", &["sleep"], &[]);
    // The probe passes only once the marker exists: the dependent must not start before.
    server.probe = Some(ProbeSpec {
        argv: vec!["test".into(), "-e".into(), marker.to_string_lossy().into_owned()],
        initial_delay_ms: 0,
        period_ms: 20,
    });
    let mut client = proc("client", &["sleep"], &[]);
    client.depends_on = vec!["server".into()];
    let spec = Spec { processes: vec![flap, server, client] };
    let mut guard = start(&spec, Stdio::null());
    let started = Instant::now();
    while children(&guard, "sleep").is_empty() {
        assert!(started.elapsed() < Duration::from_secs(20), "the server did not start");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(children(&guard, "sleep").len(), 1, "the client started before its dependency was healthy");
    // Meanwhile the flapping child was restarted again and again (each start is a new pid).
    let mut flaps = std::collections::HashSet::new();
    while flaps.len() < 3 {
        flaps.extend(children(&guard, "exit1"));
        assert!(started.elapsed() < Duration::from_secs(20), "restart-always did not respawn: {flaps:?}");
        std::thread::sleep(Duration::from_millis(1));
    }
    std::fs::write(&marker, b"").unwrap();
    let sleepers = loop {
        let found = children(&guard, "sleep");
        if found.len() == 2 {
            break found;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "the client did not start after the probe passed");
        std::thread::sleep(Duration::from_millis(10));
    };
    // SAFETY: signalling the baseline this test started.
    unsafe { libc::kill(guard.baseline.id() as i32, libc::SIGTERM) };
    assert!(wait_exit(&mut guard, Duration::from_secs(20)).success());
    assert!(sleepers.into_iter().all(|pid| !svc_bench::procfs::alive(pid)), "a child survived the baseline");
}
