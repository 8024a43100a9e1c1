//! Exec checks: the probe command runs as a process of its own, in its own process group, with stdin, stdout
//! and stderr on `/dev/null`; exit code 0 is a success; on timeout (or when the check is dropped) the whole
//! group is killed.

use std::time::Duration;

use svc_core::ExecProbe;
use tokio::sync::oneshot;
use tokio::time::Instant;

use super::ProbeResult;
use crate::child::signal::SIGKILL;
use crate::child::{BoxFuture, Child, ExitStatus, SpawnError, SpawnSpec, Spawner};

/// How long to wait for a probe process to be reaped after it was killed.
const REAP_GRACE: Duration = Duration::from_secs(2);

/// The default [`Spawner`] for probes run on their own: `std::process` with its own process group, waited for on
/// tokio's blocking pool. Output always goes to `/dev/null` (probes are never captured: `capture_output` is
/// ignored), and it does not track groups, so what a probe command leaves in its group is not killed after it
/// exited (only on timeout). It waits for its own pid only, so it can run next to the supervisor's reaper (which
/// waits only for the processes the supervisor started); the supervisor itself uses its OS spawner, which needs
/// no blocking thread per check.
#[derive(Debug, Clone, Copy, Default)]
pub struct StdSpawner;

impl Spawner for StdSpawner {
    fn spawn(&self, spec: SpawnSpec) -> BoxFuture<'_, Result<Child, SpawnError>> {
        Box::pin(async move {
            use std::os::unix::process::{CommandExt, ExitStatusExt};
            use std::process::{Command, Stdio};

            let Some(program) = spec.argv.first() else {
                return Err(SpawnError("the probe command is empty".to_owned()));
            };
            let mut command = Command::new(program);
            command
                .args(&spec.argv[1..])
                .envs(spec.env.iter().map(|(k, v)| (k, v)))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0);
            if let Some(dir) = &spec.working_dir {
                command.current_dir(dir);
            }
            let mut child = command.spawn().map_err(|e| {
                let place = spec.working_dir.as_ref().map(|d| format!(" in {}", d.display())).unwrap_or_default();
                SpawnError(format!("cannot start `{program}`{place}: {e}"))
            })?;
            let pid = child.id() as i32;
            let (tx, exit) = oneshot::channel();
            tokio::task::spawn_blocking(move || {
                // A failed wait drops the sender: the check reports that the process was not reaped.
                if let Ok(status) = child.wait() {
                    let status = match (status.code(), status.signal()) {
                        (Some(code), _) => ExitStatus::Code(code),
                        (None, Some(signal)) => ExitStatus::Signal(signal),
                        (None, None) => return,
                    };
                    let _ = tx.send(status);
                }
            });
            Ok(Child { pid, stdout: None, stderr: None, exit })
        })
    }

    fn signal_group(&self, pgid: i32, signal: i32) -> bool {
        crate::os::signal_group(pgid, signal)
    }
}

/// Kills a probe's process group if the check is abandoned (timeout, or the runner dropped mid-check).
struct KillOnDrop<'a> {
    spawner: &'a dyn Spawner,
    pgid: i32,
    armed: bool,
}

impl KillOnDrop<'_> {
    /// Kills the group now (once). The leader has not been reported reaped, so the group id is still ours.
    fn kill(&mut self) {
        if self.armed {
            self.spawner.signal_group(self.pgid, SIGKILL);
        }
        self.armed = false;
    }
}

impl Drop for KillOnDrop<'_> {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs one exec check, bounded by `timeout`, through `spawner`, in the probe's working directory (else
/// `working_dir`) with `env` added to the supervisor's environment.
pub(super) async fn check_exec(
    probe: &ExecProbe,
    timeout: Duration,
    spawner: &dyn Spawner,
    working_dir: Option<&std::path::Path>,
    env: &[(String, String)],
) -> ProbeResult {
    if probe.command.is_empty() {
        return ProbeResult::Failure("the exec probe has an empty command".into());
    }
    let shown = probe.command.to_string();
    let spec = SpawnSpec {
        argv: probe.command.argv(),
        env: env.to_vec(),
        working_dir: probe.working_dir.clone().or_else(|| working_dir.map(Into::into)),
        capture_output: false,
        tty: false,
    };
    let deadline = Instant::now() + timeout;
    let child = match tokio::time::timeout_at(deadline, spawner.spawn(spec)).await {
        Ok(Ok(child)) => child,
        Ok(Err(e)) => return ProbeResult::Failure(format!("cannot start the probe command: {e}")),
        Err(_) => return ProbeResult::Failure(format!("`{shown}` could not be started within {timeout:?}")),
    };
    let Child { pid: pgid, mut exit, .. } = child;
    let mut guard = KillOnDrop { spawner, pgid, armed: true };
    let result = match tokio::time::timeout_at(deadline, &mut exit).await {
        Ok(Ok(ExitStatus::Code(0))) => ProbeResult::Success,
        Ok(Ok(ExitStatus::Code(code))) => ProbeResult::Failure(format!("`{shown}` exited with code {code}")),
        Ok(Ok(ExitStatus::Signal(signal))) => ProbeResult::Failure(format!("`{shown}` was killed by signal {signal}")),
        Ok(Err(_)) => ProbeResult::Failure(format!("`{shown}`: probe process {pgid} was not reaped")),
        Err(_) => {
            guard.kill();
            // Let the spawner reap it, so the group id is not reused while someone still holds it.
            let _ = tokio::time::timeout(REAP_GRACE, &mut exit).await;
            return ProbeResult::Failure(format!("`{shown}` timed out after {timeout:?} and was killed"));
        }
    };
    guard.armed = false;
    // Whatever the probe command left in its group does not outlive the check.
    spawner.kill_leftovers(pgid);
    result
}
