//! Shared helpers of the supervisor's integration tests: run `up` in-process with captured output and a hang
//! guard, and make sure nothing a test started survives it.
//!
//! Every process a test starts carries `SVC_TEST_MARKER=<unique value>` in its environment (set as a project
//! environment variable, so probes, shutdown commands and descendants inherit it). [`Marker`]'s `Drop` kills every
//! live process that carries its value, whatever happened in the test; [`Marker::survivors`] lets tests assert
//! that the supervisor itself left nothing behind.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use svc_core::{Process, Project};
use svc_runtime::{Outcome, RunHandle, UpOptions, up};

/// Hang guard of a whole `up` run in a test.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(40);

/// A unique marker for the processes of one test; kills them all on drop.
pub struct Marker {
    pub value: String,
    pub dir: tempfile::TempDir,
}

impl Marker {
    pub fn new() -> Marker {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Marker { value: format!("{}-{n}", std::process::id()), dir: tempfile::tempdir().unwrap() }
    }

    /// A path in the test's temporary directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A project whose processes carry the marker.
    pub fn project(&self) -> Project {
        Project::new("test").env("SVC_TEST_MARKER", &self.value).env("DIR", self.dir.path().to_str().unwrap())
    }

    /// Live (non-zombie) processes carrying the marker.
    pub fn survivors(&self) -> Vec<u32> {
        let needle = format!("SVC_TEST_MARKER={}", self.value);
        let mut found = Vec::new();
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
            let Ok(environ) = std::fs::read(entry.path().join("environ")) else { continue };
            if environ.split(|b| *b == 0).any(|v| v == needle.as_bytes()) && alive(pid) {
                found.push(pid);
            }
        }
        found
    }

    /// Waits (bounded) until no process carries the marker; returns the survivors left at the deadline.
    pub fn survivors_after(&self, grace: Duration) -> Vec<u32> {
        let deadline = Instant::now() + grace;
        loop {
            let survivors = self.survivors();
            if survivors.is_empty() || Instant::now() >= deadline {
                return survivors;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Marker {
    fn drop(&mut self) {
        for _ in 0..3 {
            let survivors = self.survivors();
            if survivors.is_empty() {
                break;
            }
            for pid in survivors {
                // SAFETY: plain syscall.
                unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Whether `pid` exists and is not a zombie.
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name in parentheses, which may itself contain ") ".
        Ok(stat) => stat.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with('Z')),
        Err(_) => false,
    }
}

/// Reads a pid written by a test process.
pub fn read_pid(path: &Path) -> u32 {
    std::fs::read_to_string(path).unwrap().trim().parse().unwrap()
}

/// Waits (bounded) until `path` exists.
pub async fn wait_for_file(path: &Path, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while !path.exists() {
        assert!(Instant::now() < deadline, "{} did not appear within {timeout:?}", path.display());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Let the writer finish the line it is writing.
    tokio::time::sleep(Duration::from_millis(20)).await;
}

/// Output captured from the log pipeline.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A running `up` in the background.
pub struct Running {
    pub handle: RunHandle,
    pub output: Captured,
    task: tokio::task::JoinHandle<Outcome>,
    pub started: Instant,
}

impl Running {
    /// Waits for `up` to return (bounded by [`RUN_TIMEOUT`]).
    pub async fn finish(self) -> (Outcome, String) {
        let outcome = match tokio::time::timeout(RUN_TIMEOUT, self.task).await {
            Ok(result) => result.expect("up panicked"),
            Err(_) => {
                self.handle.kill();
                panic!("up did not return within {RUN_TIMEOUT:?}; output:\n{}", self.output.text());
            }
        };
        (outcome, self.output.text())
    }
}

impl Running {
    /// Drops `up`'s future without a shutdown (an embedding program giving up on it) and waits for that.
    pub async fn abandon(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

/// Starts `up` for `project` in the background with captured output and no signal handling.
pub fn start(project: Project) -> Running {
    start_with(project, |_| {})
}

/// [`start`], with the options adjusted by `adjust`.
pub fn start_with(project: Project, adjust: impl FnOnce(&mut UpOptions)) -> Running {
    let valid = project.validate().unwrap_or_else(|e| panic!("invalid test project: {e}"));
    let handle = RunHandle::new();
    let output = Captured::default();
    let mut options = UpOptions {
        output: svc_runtime::logs::Output::Writer(Box::new(output.clone())),
        handle_signals: false,
        handle: Some(handle.clone()),
        color: svc_runtime::logs::ColorChoice::Never,
        ..UpOptions::default()
    };
    adjust(&mut options);
    let task = tokio::spawn(async move { up(valid, options).await.expect("up failed to start") });
    Running { handle, output, task, started: Instant::now() }
}

/// Runs `up` for `project` to the end.
pub async fn run(project: Project) -> (Outcome, String) {
    start(project).finish().await
}

/// A shell process.
pub fn sh(script: &str) -> Process {
    Process::shell(script)
}
