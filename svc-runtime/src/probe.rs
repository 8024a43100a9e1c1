//! Readiness and liveness probes: one check ([`check`]) and the runner that applies a probe's timing and
//! thresholds ([`ProbeRunner`]).
//!
//! - **exec** checks run the command as a process of its own, in its own process group, with stdin, stdout and
//!   stderr on `/dev/null`; exit code 0 is a success. When the timeout expires the whole group is killed
//!   (`SIGKILL`), so a probe script's children do not outlive it either. Starting and reaping processes is done
//!   by a [`ProbeSpawner`]: the supervisor injects the one that routes through its own spawner;
//!   [`StdSpawner`] is a self-contained default.
//! - **HTTP GET** checks use a minimal hyper client over one TCP connection (plain `http` only); the response
//!   status must equal `status_code`, or be within 200..=399 when unset. Connecting and receiving the response
//!   headers are bounded together by the timeout; the body is not read.
//! - **Thresholds**: `failure_threshold` consecutive failures make the probe *failing*, `success_threshold`
//!   consecutive successes make it *passing* (process-compose ignores the success threshold; here it is honoured).
//!   Only changes are reported ([`Thresholds`]).
//!
//! Timing: the first check runs `initial_delay` after the runner starts, then one every `period` (measured from
//! the start of one check to the start of the next; a check that takes longer than the period is followed
//! directly by the next). A period below [`MIN_PERIOD`] is raised to it, and a zero timeout means the default
//! of 1 s.

use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Empty;
use hyper::body::Bytes;
use hyper::header::{HOST, HeaderName, HeaderValue, USER_AGENT};
use hyper_util::rt::TokioIo;
use svc_core::{ExecProbe, HttpProbe, Probe, ProbeCheck};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// The shortest period between two checks; a shorter (or zero) period is raised to this.
pub const MIN_PERIOD: Duration = Duration::from_millis(100);

/// The timeout used when a probe's timeout is zero.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

/// How long to wait for a probe process to be reaped after it was killed.
const REAP_GRACE: Duration = Duration::from_secs(2);

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

/// A boxed, sendable future (what [`ProbeSpawner`] returns).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A probe command to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecRequest {
    /// Program and arguments (`["sh", "-c", script]` for a shell command).
    pub argv: Vec<String>,
    /// Working directory, if not the supervisor's.
    pub working_dir: Option<PathBuf>,
    /// Variables added to the supervisor's environment.
    pub env: Vec<(String, String)>,
}

/// How a probe process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeExit {
    /// It exited with this code.
    Code(i32),
    /// It was killed by this signal.
    Signal(i32),
}

/// A started probe process.
pub struct StartedProbe {
    /// Its process group id (its pid: it leads its own group). Values of 1 or less are never signalled.
    pub pgid: i32,
    /// Resolves once the process has been reaped (an error text if its status could not be obtained).
    pub exit: BoxFuture<'static, Result<ProbeExit, String>>,
}

impl fmt::Debug for StartedProbe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StartedProbe").field("pgid", &self.pgid).finish_non_exhaustive()
    }
}

/// Starts probe processes. The process must lead its own process group (its pgid is its pid), have stdin,
/// stdout and stderr on `/dev/null`, and be reaped by the spawner, which reports the status through
/// [`StartedProbe::exit`]. The caller enforces the timeout and kills the group.
pub trait ProbeSpawner: Send + Sync {
    /// Starts `request`; the error text names the program and the cause.
    fn spawn(&self, request: ExecRequest) -> BoxFuture<'_, Result<StartedProbe, String>>;
}

/// The default [`ProbeSpawner`]: `std::process` with its own process group, waited for on tokio's blocking
/// pool. It waits for its own pid only, so it can run next to the supervisor's reaper (which waits only for the
/// processes the supervisor started, see [`crate::sys`]); the supervisor itself uses [`crate::sys::SysSpawner`],
/// which needs no blocking thread per check.
#[derive(Debug, Clone, Copy, Default)]
pub struct StdSpawner;

impl ProbeSpawner for StdSpawner {
    fn spawn(&self, request: ExecRequest) -> BoxFuture<'_, Result<StartedProbe, String>> {
        Box::pin(async move {
            use std::os::unix::process::CommandExt;
            use std::process::{Command, Stdio};

            let Some(program) = request.argv.first() else {
                return Err("the probe command is empty".to_owned());
            };
            let mut command = Command::new(program);
            command
                .args(&request.argv[1..])
                .envs(request.env.iter().map(|(k, v)| (k, v)))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0);
            if let Some(dir) = &request.working_dir {
                command.current_dir(dir);
            }
            let mut child = command.spawn().map_err(|e| {
                let place = request.working_dir.as_ref().map(|d| format!(" in {}", d.display())).unwrap_or_default();
                format!("cannot start the probe command `{program}`{place}: {e}")
            })?;
            let pgid = child.id() as i32;
            let (tx, rx) = oneshot::channel();
            tokio::task::spawn_blocking(move || {
                let _ = tx.send(child.wait());
            });
            let exit = Box::pin(async move {
                use std::os::unix::process::ExitStatusExt;
                match rx.await {
                    Ok(Ok(status)) => match (status.code(), status.signal()) {
                        (Some(code), _) => Ok(ProbeExit::Code(code)),
                        (None, Some(signal)) => Ok(ProbeExit::Signal(signal)),
                        (None, None) => Err(format!("unexpected wait status {status}")),
                    },
                    Ok(Err(e)) => Err(format!("cannot wait for the probe process {pgid}: {e}")),
                    Err(_) => Err(format!("the wait for the probe process {pgid} was abandoned")),
                }
            });
            Ok(StartedProbe { pgid, exit })
        })
    }
}

/// What exec checks need besides the probe: how to start processes, and the probed process's working
/// directory and environment (probe commands run like the process itself).
#[derive(Clone)]
pub struct ProbeContext {
    /// Starts probe processes.
    pub spawner: Arc<dyn ProbeSpawner>,
    /// Working directory of exec probes that do not set their own.
    pub working_dir: Option<PathBuf>,
    /// Environment added to exec probes.
    pub env: Vec<(String, String)>,
}

impl fmt::Debug for ProbeContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProbeContext")
            .field("working_dir", &self.working_dir)
            .field("env", &self.env)
            .finish_non_exhaustive()
    }
}

impl Default for ProbeContext {
    fn default() -> Self {
        Self::new(Arc::new(StdSpawner))
    }
}

impl ProbeContext {
    /// A context using `spawner`, with the supervisor's working directory and environment.
    pub fn new(spawner: Arc<dyn ProbeSpawner>) -> Self {
        ProbeContext { spawner, working_dir: None, env: Vec::new() }
    }

    /// Sets the default working directory of exec probes.
    pub fn working_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.working_dir = Some(dir.into());
        self
    }

    /// Sets the environment added to exec probes.
    pub fn env(mut self, env: impl IntoIterator<Item = (String, String)>) -> Self {
        self.env = env.into_iter().collect();
        self
    }
}

/// Runs one check of `check`, bounded by `timeout` (zero: [`DEFAULT_TIMEOUT`]).
pub async fn check(check: &ProbeCheck, timeout: Duration, context: &ProbeContext) -> ProbeResult {
    let timeout = if timeout.is_zero() { DEFAULT_TIMEOUT } else { timeout };
    match check {
        ProbeCheck::Exec(exec) => check_exec(exec, timeout, context).await,
        ProbeCheck::HttpGet(http) => check_http(http, timeout).await,
    }
}

/// Kills a probe's process group if the check is abandoned (timeout, or the runner dropped mid-check).
struct KillOnDrop {
    pgid: i32,
    armed: bool,
}

impl KillOnDrop {
    /// Kills the group now (once).
    fn kill(&mut self) {
        if self.armed && self.pgid > 1 {
            // SAFETY: plain syscall. The leader has not been reported reaped, so the group id is still ours.
            unsafe { libc::kill(-self.pgid, libc::SIGKILL) };
        }
        self.armed = false;
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn check_exec(probe: &ExecProbe, timeout: Duration, context: &ProbeContext) -> ProbeResult {
    if probe.command.is_empty() {
        return ProbeResult::Failure("the exec probe has an empty command".into());
    }
    let shown = probe.command.to_string();
    let request = ExecRequest {
        argv: probe.command.argv(),
        working_dir: probe.working_dir.clone().or_else(|| context.working_dir.clone()),
        env: context.env.clone(),
    };
    let deadline = Instant::now() + timeout;
    let started = match tokio::time::timeout_at(deadline, context.spawner.spawn(request)).await {
        Ok(Ok(started)) => started,
        Ok(Err(e)) => return ProbeResult::Failure(e),
        Err(_) => return ProbeResult::Failure(format!("`{shown}` could not be started within {timeout:?}")),
    };
    let StartedProbe { pgid, mut exit } = started;
    let mut guard = KillOnDrop { pgid, armed: true };
    let result = match tokio::time::timeout_at(deadline, &mut exit).await {
        Ok(Ok(ProbeExit::Code(0))) => ProbeResult::Success,
        Ok(Ok(ProbeExit::Code(code))) => ProbeResult::Failure(format!("`{shown}` exited with code {code}")),
        Ok(Ok(ProbeExit::Signal(signal))) => ProbeResult::Failure(format!("`{shown}` was killed by signal {signal}")),
        Ok(Err(e)) => ProbeResult::Failure(format!("`{shown}`: {e}")),
        Err(_) => {
            guard.kill();
            // Let the spawner reap it, so the group id is not reused while someone still holds it.
            let _ = tokio::time::timeout(REAP_GRACE, &mut exit).await;
            return ProbeResult::Failure(format!("`{shown}` timed out after {timeout:?} and was killed"));
        }
    };
    guard.armed = false;
    result
}

async fn check_http(probe: &HttpProbe, timeout: Duration) -> ProbeResult {
    let host = if probe.host.contains(':') { format!("[{}]", probe.host) } else { probe.host.clone() };
    let path = if probe.path.starts_with('/') { probe.path.clone() } else { format!("/{}", probe.path) };
    let url = format!("{}://{host}:{}{path}", probe.scheme, probe.port);
    if !probe.scheme.eq_ignore_ascii_case("http") {
        return ProbeResult::Failure(format!(
            "GET {url}: scheme `{}` is not supported, only plain `http` (use an exec probe with curl for TLS)",
            probe.scheme
        ));
    }
    let status = match tokio::time::timeout(timeout, http_get(probe, &host, &path)).await {
        Ok(Ok(status)) => status,
        Ok(Err(e)) => return ProbeResult::Failure(format!("GET {url}: {e}")),
        Err(_) => return ProbeResult::Failure(format!("GET {url}: no response within {timeout:?}")),
    };
    let ok = match probe.status_code {
        Some(expected) => status == expected,
        None => (200..400).contains(&status),
    };
    if ok {
        ProbeResult::Success
    } else {
        let expected = match probe.status_code {
            Some(code) => format!("{code}"),
            None => "200-399".into(),
        };
        ProbeResult::Failure(format!("GET {url}: status {status}, expected {expected}"))
    }
}

/// Sends the request and returns the response status.
async fn http_get(probe: &HttpProbe, host: &str, path: &str) -> Result<u16, String> {
    let stream = tokio::net::TcpStream::connect((probe.host.as_str(), probe.port))
        .await
        .map_err(|e| format!("cannot connect: {e}"))?;
    let _ = stream.set_nodelay(true);
    let (mut sender, connection) = hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP handshake failed: {e}"))?;
    let mut request = hyper::Request::get(path);
    let headers = request.headers_mut().ok_or("invalid request path")?;
    if !probe.headers.keys().any(|k| k.eq_ignore_ascii_case("host")) {
        let value = if probe.port == 80 { host.to_owned() } else { format!("{host}:{}", probe.port) };
        headers.insert(HOST, HeaderValue::from_str(&value).map_err(|e| format!("invalid host `{value}`: {e}"))?);
    }
    headers.insert(USER_AGENT, HeaderValue::from_static(concat!("svc-probe/", env!("CARGO_PKG_VERSION"))));
    for (name, value) in &probe.headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| format!("invalid header name `{name}`: {e}"))?;
        let value = HeaderValue::from_str(value).map_err(|e| format!("invalid value of header `{name}`: {e}"))?;
        headers.insert(name, value);
    }
    let request = request.body(Empty::new()).map_err(|e| format!("invalid request: {e}"))?;
    // Drive the connection in this task: nothing is left running when the check ends or is dropped.
    let mut connection = std::pin::pin!(connection);
    let mut response = std::pin::pin!(sender.send_request(request));
    let response = tokio::select! {
        biased;
        response = &mut response => response,
        // A server that answers and closes ends the connection in the same instant: the response is there.
        closed = &mut connection => match closed {
            Ok(()) => response.await,
            Err(e) => return Err(format!("connection failed: {e}")),
        },
    };
    response.map(|r| r.status().as_u16()).map_err(|e| format!("no response: {e}"))
}

/// Whether a probe currently passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProbeState {
    /// `success_threshold` consecutive checks passed.
    Passing,
    /// `failure_threshold` consecutive checks failed.
    Failing,
}

/// The threshold logic of a probe, without I/O: feed it check outcomes, it says when the state changes.
///
/// The state starts unknown (`None`): neither passing nor failing until a threshold is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thresholds {
    success_threshold: u32,
    failure_threshold: u32,
    successes: u32,
    failures: u32,
    state: Option<ProbeState>,
}

impl Thresholds {
    /// Thresholds of `successes` and `failures` consecutive checks (0 counts as 1).
    pub fn new(successes: u32, failures: u32) -> Self {
        Thresholds {
            success_threshold: successes.max(1),
            failure_threshold: failures.max(1),
            successes: 0,
            failures: 0,
            state: None,
        }
    }

    /// The thresholds of `probe`.
    pub fn of(probe: &Probe) -> Self {
        Self::new(probe.success_threshold, probe.failure_threshold)
    }

    /// Records one check; returns the new state if it changed.
    pub fn record(&mut self, success: bool) -> Option<ProbeState> {
        let (count, threshold, reached) = if success {
            self.failures = 0;
            self.successes = self.successes.saturating_add(1);
            (self.successes, self.success_threshold, ProbeState::Passing)
        } else {
            self.successes = 0;
            self.failures = self.failures.saturating_add(1);
            (self.failures, self.failure_threshold, ProbeState::Failing)
        };
        if count >= threshold && self.state != Some(reached) {
            self.state = Some(reached);
            Some(reached)
        } else {
            None
        }
    }

    /// The current state (`None` until a threshold was reached).
    pub fn state(&self) -> Option<ProbeState> {
        self.state
    }

    /// Consecutive successes and failures so far (one of them is zero).
    pub fn streak(&self) -> (u32, u32) {
        (self.successes, self.failures)
    }
}

/// A change of a probe's state, with the check that caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeUpdate {
    /// The new state.
    pub state: ProbeState,
    /// The last check (for `Failing`, its failure explains why).
    pub last: ProbeResult,
    /// Checks run so far.
    pub checks: u64,
}

/// Runs a probe periodically and reports its state changes.
#[derive(Debug, Clone)]
pub struct ProbeRunner {
    probe: Probe,
    context: ProbeContext,
}

impl ProbeRunner {
    /// A runner for `probe`; exec checks start processes through `context`.
    pub fn new(probe: Probe, context: ProbeContext) -> Self {
        ProbeRunner { probe, context }
    }

    /// Runs the probe forever (first check after `initial_delay`, then every `period`), calling `on_update`
    /// at every state change. Stop it by dropping the future (a check in progress is abandoned and its process
    /// group killed).
    pub async fn run(self, mut on_update: impl FnMut(ProbeUpdate)) {
        let mut thresholds = Thresholds::of(&self.probe);
        let period = self.probe.period.max(MIN_PERIOD);
        let mut next = Instant::now() + self.probe.initial_delay;
        let mut checks = 0;
        loop {
            tokio::time::sleep_until(next).await;
            let started = Instant::now();
            let result = check(&self.probe.check, self.probe.timeout, &self.context).await;
            checks += 1;
            if let Some(state) = thresholds.record(result.is_success()) {
                on_update(ProbeUpdate { state, last: result, checks });
            }
            next = (started + period).max(Instant::now());
        }
    }

    /// Runs the probe on its own tokio task, sending `wrap(update)` to `tx` at every state change. The task
    /// ends when the returned handle is dropped or `tx`'s receiver is gone.
    pub fn spawn<T, F>(self, tx: mpsc::UnboundedSender<T>, wrap: F) -> ProbeTask
    where
        T: Send + 'static,
        F: Fn(ProbeUpdate) -> T + Send + 'static,
    {
        let task = tokio::spawn(async move {
            let closed_tx = tx.clone();
            tokio::select! {
                () = self.run(move |update| { let _ = tx.send(wrap(update)); }) => {}
                () = closed_tx.closed() => {}
            }
        });
        ProbeTask { task }
    }
}

/// A probe running on its own task; dropping it stops the probe.
#[derive(Debug)]
pub struct ProbeTask {
    task: tokio::task::JoinHandle<()>,
}

impl ProbeTask {
    /// Stops the probe (same as dropping the handle).
    pub fn stop(self) {}
}

impl Drop for ProbeTask {
    fn drop(&mut self) {
        self.task.abort();
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

    impl ProbeSpawner for Recording {
        fn spawn(&self, request: ExecRequest) -> BoxFuture<'_, Result<StartedProbe, String>> {
            Box::pin(async move {
                let started = StdSpawner.spawn(request).await?;
                self.pgids.lock().unwrap().push(started.pgid);
                Ok(started)
            })
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
    }

    impl Scripted {
        fn new(codes: &[Option<i32>]) -> Arc<Self> {
            Arc::new(Scripted { codes: Mutex::new(codes.iter().copied().collect()), starts: Mutex::new(Vec::new()) })
        }
    }

    impl ProbeSpawner for Scripted {
        fn spawn(&self, _request: ExecRequest) -> BoxFuture<'_, Result<StartedProbe, String>> {
            self.starts.lock().unwrap().push(Instant::now());
            let code = self.codes.lock().unwrap().pop_front().unwrap_or(Some(0));
            let exit: BoxFuture<'static, Result<ProbeExit, String>> = match code {
                Some(code) => Box::pin(async move { Ok(ProbeExit::Code(code)) }),
                None => Box::pin(std::future::pending()),
            };
            // pgid 0: nothing to kill on timeout.
            Box::pin(async move { Ok(StartedProbe { pgid: 0, exit }) })
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
        assert!(task.task.is_finished(), "ends once nobody listens");
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
