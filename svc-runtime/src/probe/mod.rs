//! Readiness and liveness probes: one check ([`check`]) and the runner that applies a probe's timing and
//! thresholds ([`ProbeRunner`]).
//!
//! - **exec** checks run the command as a process of its own, in its own process group, with stdin, stdout and
//!   stderr on `/dev/null`; exit code 0 is a success. When the timeout expires the whole group is killed
//!   (`SIGKILL`), so a probe script's children do not outlive it either. Starting and reaping processes is done
//!   by a [`Spawner`](crate::child::Spawner): the supervisor injects its own (the OS layer's spawner thread and
//!   reaper); [`StdSpawner`] is a self-contained default.
//! - **HTTP GET** checks use a minimal hyper client over one TCP connection (plain `http` only); the response
//!   status must equal `status_code`, or be within 200..=399 when unset. Connecting and receiving the response
//!   headers are bounded together by the timeout; the body is not read.
//! - **Thresholds**: `failure_threshold` consecutive failures make the probe *failing*, `success_threshold`
//!   consecutive successes make it *passing* (process-compose ignores the success threshold; here it is honoured).
//!   Only changes are reported ([`Thresholds`]).
//!
//! Timing: the first check runs `initial_delay` after the runner starts, then one every `period` (measured from
//! the start of one check to the start of the next; a check that takes longer than the period is followed
//! directly by the next). Readiness probes also check quickly until their first success, whose failures do not
//! count ([`schedule`]): a server ready in 50 ms is seen within about 100 ms, not a period later. A period below
//! [`MIN_PERIOD`] is raised to it, and a zero timeout means the default
//! of 1 s.

//!
//! Files: `exec` (exec checks and [`StdSpawner`]), `http` (HTTP GET checks), `thresholds` (the pure threshold
//! logic), `runner` (one check with its context, and the periodic runner).

mod exec;
mod http;
mod runner;
pub mod schedule;
mod thresholds;

use std::fmt;
use std::time::Duration;

pub use exec::StdSpawner;
pub use runner::{ProbeContext, ProbeRunner, ProbeTask, ProbeUpdate, check};
pub use thresholds::{ProbeState, Thresholds};

/// The shortest period between two checks; a shorter (or zero) period is raised to this.
pub const MIN_PERIOD: Duration = Duration::from_millis(100);

/// The timeout used when a probe's timeout is zero.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeResult {
    /// The check passed.
    Success,
    /// The check failed; the text says why (it names the command or URL).
    Failure(String),
}

impl ProbeResult {
    /// Whether the check passed.
    pub fn is_success(&self) -> bool {
        matches!(self, ProbeResult::Success)
    }
}

impl fmt::Display for ProbeResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeResult::Success => f.write_str("success"),
            ProbeResult::Failure(why) => f.write_str(why),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use svc_core::Command;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;
    use crate::child::{BoxFuture, Child, ExitStatus, SpawnError, SpawnSpec, Spawner};
    use std::sync::Arc;
    use svc_core::{ExecProbe, HttpProbe, Probe, ProbeCheck};
    use tokio::sync::{mpsc, oneshot};
    use tokio::time::Instant;

    #[test]
    fn thresholds_table() {
        // (success threshold, failure threshold, checks, expected change after each check)
        use ProbeState::{Failing as F, Passing as P};
        let table: &[(u32, u32, &str, &[Option<ProbeState>])] = &[
            (1, 3, "sss", &[Some(P), None, None]),
            (1, 3, "fff", &[None, None, Some(F)]),
            (1, 3, "ffsfff", &[None, None, Some(P), None, None, Some(F)]),
            // The success threshold is honoured: 2 in a row, a failure in between starts over.
            (2, 1, "sfssfs", &[None, Some(F), None, Some(P), Some(F), None]),
            (3, 2, "sssffsssff", &[None, None, Some(P), None, Some(F), None, None, Some(P), None, Some(F)]),
            // Thresholds of 0 act as 1.
            (0, 0, "sf", &[Some(P), Some(F)]),
        ];
        for &(successes, failures, checks, expected) in table {
            let mut thresholds = Thresholds::new(successes, failures);
            let got: Vec<Option<ProbeState>> = checks.chars().map(|c| thresholds.record(c == 's')).collect();
            assert_eq!(got, expected, "success {successes}, failure {failures}, checks {checks}");
        }
        let mut thresholds = Thresholds::new(2, 2);
        assert_eq!(thresholds.state(), None);
        thresholds.record(true);
        assert_eq!((thresholds.state(), thresholds.streak()), (None, (1, 0)));
        thresholds.record(true);
        assert_eq!(thresholds.state(), Some(ProbeState::Passing));
    }

    fn exec(script: &str) -> ProbeCheck {
        ProbeCheck::Exec(ExecProbe { command: Command::shell(script), working_dir: None })
    }

    /// A spawner that records the process groups it started (to check they are gone).
    #[derive(Default)]
    struct Recording {
        pgids: Mutex<Vec<i32>>,
    }

    impl Spawner for Recording {
        fn spawn(&self, spec: SpawnSpec) -> BoxFuture<'_, Result<Child, SpawnError>> {
            Box::pin(async move {
                let child = StdSpawner.spawn(spec).await?;
                self.pgids.lock().unwrap().push(child.pid);
                Ok(child)
            })
        }

        fn signal_group(&self, pgid: i32, signal: i32) -> bool {
            StdSpawner.signal_group(pgid, signal)
        }
    }

    /// Whether `pid` is alive (a zombie counts as dead).
    fn alive(pid: i32) -> bool {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(stat) => stat.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with('Z')),
            Err(_) => false,
        }
    }

    #[tokio::test]
    async fn exec_outcomes() {
        let context = ProbeContext::default();
        let second = Duration::from_secs(10);
        assert_eq!(check(&exec("true"), second, &context).await, ProbeResult::Success);
        let failed = check(&exec("exit 3"), second, &context).await;
        assert_eq!(failed, ProbeResult::Failure("`exit 3` exited with code 3".into()));
        let killed = check(&exec("kill -9 $$"), second, &context).await;
        assert!(matches!(&killed, ProbeResult::Failure(m) if m.contains("signal 9")), "{killed}");
        let empty = ProbeCheck::Exec(ExecProbe { command: Command::Exec(vec![]), working_dir: None });
        assert!(!check(&empty, second, &context).await.is_success());
        let missing = ProbeCheck::Exec(ExecProbe { command: Command::exec("/nonexistent/probe"), working_dir: None });
        let result = check(&missing, second, &context).await;
        assert!(matches!(&result, ProbeResult::Failure(m) if m.contains("/nonexistent/probe")), "{result}");
    }

    #[tokio::test]
    async fn exec_runs_in_the_working_dir_with_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("marker"), "").unwrap();
        let context = ProbeContext::default().working_dir(dir.path()).env([("PROBE_VAR".into(), "42".into())]);
        let probe = exec("test -f marker && test \"$PROBE_VAR\" = 42");
        assert_eq!(check(&probe, Duration::from_secs(10), &context).await, ProbeResult::Success);
        // The probe's own working directory wins over the process's.
        let elsewhere =
            ProbeCheck::Exec(ExecProbe { command: Command::shell("test -f marker"), working_dir: Some("/".into()) });
        assert!(!check(&elsewhere, Duration::from_secs(10), &context).await.is_success());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn exec_timeout_kills_the_whole_group() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("child.pid");
        let spawner = Arc::new(Recording::default());
        let context = ProbeContext::new(spawner.clone());
        let script = format!("sleep 30 & echo $! > {}; sleep 30", pidfile.display());
        let started = std::time::Instant::now();
        let result = check(&exec(&script), Duration::from_millis(500), &context).await;
        assert!(matches!(&result, ProbeResult::Failure(m) if m.contains("timed out")), "{result}");
        assert!(started.elapsed() < Duration::from_secs(5), "the timeout bounds the check");
        let pgid = spawner.pgids.lock().unwrap()[0];
        let grandchild: i32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while (alive(pgid) || alive(grandchild)) && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(!alive(pgid), "the probe process is killed");
        assert!(!alive(grandchild), "its background child (same group) is killed too");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dropping_a_check_kills_its_process() {
        let spawner = Arc::new(Recording::default());
        let context = ProbeContext::new(spawner.clone());
        let probe = exec("sleep 30");
        let abandoned =
            tokio::time::timeout(Duration::from_millis(300), check(&probe, Duration::from_secs(60), &context));
        assert!(abandoned.await.is_err());
        let pgid = spawner.pgids.lock().unwrap()[0];
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while alive(pgid) && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(!alive(pgid));
    }

    /// A tiny HTTP server: `/ok` 200, `/fail` 500, `/redirect` 302, `/header` 200 only with `x-probe: yes`,
    /// `/close` closes without answering, `/hang` never answers. Returns its port.
    async fn server() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else { return };
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let request = String::from_utf8_lossy(&request).to_lowercase();
                    let path = request.split(' ').nth(1).unwrap_or("").to_owned();
                    let status = match path.as_str() {
                        "/ok" => "200 OK",
                        "/fail" => "500 Internal Server Error",
                        "/redirect" => "302 Found",
                        "/header" if request.contains("\r\nx-probe: yes\r\n") && request.contains("\r\nhost: ") => {
                            "200 OK"
                        }
                        "/header" => "400 Bad Request",
                        "/close" => return,
                        _ => {
                            tokio::time::sleep(Duration::from_secs(3600)).await;
                            return;
                        }
                    };
                    let response = format!("HTTP/1.1 {status}\r\ncontent-length: 2\r\nconnection: close\r\n\r\nhi");
                    let _ = socket.write_all(response.as_bytes()).await;
                });
            }
        });
        port
    }

    fn http(port: u16, path: &str) -> HttpProbe {
        match Probe::http_get("127.0.0.1", port, path).check {
            ProbeCheck::HttpGet(http) => http,
            ProbeCheck::Exec(_) => unreachable!(),
        }
    }

    async fn get(probe: HttpProbe, timeout: Duration) -> ProbeResult {
        check(&ProbeCheck::HttpGet(probe), timeout, &ProbeContext::default()).await
    }

    #[tokio::test]
    async fn http_statuses() {
        let port = server().await;
        let second = Duration::from_secs(5);
        assert_eq!(get(http(port, "/ok"), second).await, ProbeResult::Success);
        assert_eq!(get(http(port, "/redirect"), second).await, ProbeResult::Success);
        let failed = get(http(port, "/fail"), second).await;
        assert!(matches!(&failed, ProbeResult::Failure(m) if m.contains("status 500, expected 200-399")), "{failed}");
        let mut expect_500 = http(port, "/fail");
        expect_500.status_code = Some(500);
        assert_eq!(get(expect_500, second).await, ProbeResult::Success);
        let mut expect_201 = http(port, "/ok");
        expect_201.status_code = Some(201);
        assert!(!get(expect_201, second).await.is_success());
        let closed = get(http(port, "/close"), second).await;
        assert!(!closed.is_success(), "{closed}");
    }

    #[tokio::test]
    async fn http_sends_headers() {
        let port = server().await;
        let mut probe = http(port, "header");
        assert!(!get(probe.clone(), Duration::from_secs(5)).await.is_success());
        probe.headers.insert("X-Probe".into(), "yes".into());
        assert_eq!(get(probe.clone(), Duration::from_secs(5)).await, ProbeResult::Success);
        probe.headers.insert("bad header".into(), "x".into());
        let invalid = get(probe, Duration::from_secs(5)).await;
        assert!(matches!(&invalid, ProbeResult::Failure(m) if m.contains("invalid header name")), "{invalid}");
    }

    #[tokio::test]
    async fn http_timeout_refused_and_https() {
        let port = server().await;
        let started = std::time::Instant::now();
        let hung = get(http(port, "/hang"), Duration::from_millis(300)).await;
        assert!(matches!(&hung, ProbeResult::Failure(m) if m.contains("no response within")), "{hung}");
        assert!(started.elapsed() < Duration::from_secs(5));
        // A port nobody listens on: bind one, note it, close it.
        let closed_port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let refused = get(http(closed_port, "/"), Duration::from_secs(5)).await;
        assert!(matches!(&refused, ProbeResult::Failure(m) if m.contains("cannot connect")), "{refused}");
        let mut https = http(port, "/ok");
        https.scheme = "https".into();
        let result = get(https, Duration::from_secs(5)).await;
        assert!(matches!(&result, ProbeResult::Failure(m) if m.contains("not supported")), "{result}");
    }

    /// A spawner whose processes "exit" at once with scripted codes (`None`: never exits), recording start times.
    struct Scripted {
        codes: Mutex<VecDeque<Option<i32>>>,
        starts: Mutex<Vec<Instant>>,
        /// The exits of processes that never end, kept open.
        never: Mutex<Vec<oneshot::Sender<ExitStatus>>>,
    }

    impl Scripted {
        fn new(codes: &[Option<i32>]) -> Arc<Self> {
            let codes = Mutex::new(codes.iter().copied().collect());
            Arc::new(Scripted { codes, starts: Mutex::new(Vec::new()), never: Mutex::new(Vec::new()) })
        }
    }

    impl Spawner for Scripted {
        fn spawn(&self, _spec: SpawnSpec) -> BoxFuture<'_, Result<Child, SpawnError>> {
            self.starts.lock().unwrap().push(Instant::now());
            let code = self.codes.lock().unwrap().pop_front().unwrap_or(Some(0));
            let (tx, exit) = oneshot::channel();
            match code {
                Some(code) => tx.send(ExitStatus::Code(code)).unwrap(),
                None => self.never.lock().unwrap().push(tx),
            }
            // pid 0: nothing to kill on timeout.
            Box::pin(async move { Ok(Child { pid: 0, stdout: None, stderr: None, exit }) })
        }

        fn signal_group(&self, _pgid: i32, _signal: i32) -> bool {
            false
        }
    }

    #[tokio::test]
    async fn runner_applies_delay_period_timeout_and_thresholds() {
        let spawner = Scripted::new(&[Some(1), None, Some(0), Some(0), Some(0), Some(1), Some(0), Some(2), Some(3)]);
        let probe = Probe::exec(["probe"])
            .initial_delay(Duration::from_millis(200))
            .period(Duration::from_millis(100))
            .timeout(Duration::from_millis(150))
            .success_threshold(2)
            .failure_threshold(2);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let started = Instant::now();
        let task = ProbeRunner::new(probe, ProbeContext::new(spawner.clone())).spawn(tx, |update| update);
        let mut updates = Vec::new();
        while updates.len() < 3 {
            let update = tokio::time::timeout(Duration::from_secs(30), rx.recv()).await.unwrap().unwrap();
            updates.push(update);
        }
        drop(task);
        let summary: Vec<(ProbeState, u64)> = updates.iter().map(|u| (u.state, u.checks)).collect();
        // checks: fail, timeout -> Failing; ok, ok -> Passing; ok, fail, ok (streaks broken); fail, fail -> Failing.
        assert_eq!(summary, [(ProbeState::Failing, 2), (ProbeState::Passing, 4), (ProbeState::Failing, 9)]);
        assert!(matches!(&updates[0].last, ProbeResult::Failure(m) if m.contains("timed out")));
        assert!(matches!(&updates[2].last, ProbeResult::Failure(m) if m.contains("code 3")));
        let starts = spawner.starts.lock().unwrap().clone();
        assert!(starts[0] - started >= Duration::from_millis(200), "initial delay");
        for pair in starts.windows(2) {
            assert!(pair[1] - pair[0] >= Duration::from_millis(100), "period between check starts");
        }
        // The timed-out check took its full timeout, and the next one started right after (period < timeout).
        assert!(starts[2] - starts[1] >= Duration::from_millis(150));
    }

    #[tokio::test]
    async fn runner_stops_when_dropped_or_the_receiver_is_gone() {
        let spawner = Scripted::new(&[]);
        let probe = Probe::exec(["probe"]).period(Duration::from_millis(100)).success_threshold(1);
        let (tx, rx) = mpsc::unbounded_channel::<ProbeUpdate>();
        let task = ProbeRunner::new(probe.clone(), ProbeContext::new(spawner.clone())).spawn(tx, |u| u);
        drop(rx);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(task.is_finished(), "ends once nobody listens");
        let checks = spawner.starts.lock().unwrap().len();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(spawner.starts.lock().unwrap().len(), checks);

        let (tx, _rx) = mpsc::unbounded_channel::<ProbeUpdate>();
        let spawner = Scripted::new(&[]);
        let task = ProbeRunner::new(probe, ProbeContext::new(spawner.clone())).spawn(tx, |u| u);
        tokio::time::sleep(Duration::from_millis(250)).await;
        task.stop();
        let checks = spawner.starts.lock().unwrap().len();
        assert!(checks >= 1);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(spawner.starts.lock().unwrap().len(), checks, "no check after stop");
    }
}
