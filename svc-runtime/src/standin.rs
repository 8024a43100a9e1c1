//! Temporary stand-ins for the probe checks (`probe`) and the backoff (`backoff`), which another helper is
//! writing. Deleted once those modules land; kept minimal but correct.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Exponential backoff: `base * 2^(attempt-1)`, capped at `max`.
pub(crate) fn backoff_delay(base: Duration, max: Duration, attempt: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(31));
    base.saturating_mul(factor).min(max)
}

/// What a probe task reports: the probe kind and whether it passed (readiness) or gave up (either).
pub(crate) type ProbeReport = (crate::state::ProbeKind, bool);

/// Where exec probes run.
#[derive(Clone, Debug)]
pub(crate) struct ExecContext {
    pub env: Vec<(String, String)>,
    pub working_dir: Option<std::path::PathBuf>,
}

/// Runs `probe` until it passes (readiness) or fails (either kind), reporting on `tx`.
pub(crate) fn start_probe(
    probe: svc_core::Probe,
    kind: crate::state::ProbeKind,
    ctx: ExecContext,
    tx: mpsc::UnboundedSender<ProbeReport>,
) -> JoinHandle<()> {
    use crate::state::ProbeKind;
    tokio::spawn(async move {
        tokio::time::sleep(probe.initial_delay).await;
        let mut interval = tokio::time::interval(probe.period.max(Duration::from_millis(10)));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let (mut successes, mut failures) = (0u32, 0u32);
        loop {
            interval.tick().await;
            let ok = check(&probe, &ctx).await;
            if ok {
                successes += 1;
                failures = 0;
            } else {
                failures += 1;
                successes = 0;
            }
            if failures >= probe.failure_threshold.max(1) {
                let _ = tx.send((kind, false));
                return;
            }
            if kind == ProbeKind::Readiness && successes >= probe.success_threshold.max(1) {
                let _ = tx.send((kind, true));
                return;
            }
        }
    })
}

async fn check(probe: &svc_core::Probe, ctx: &ExecContext) -> bool {
    match &probe.check {
        svc_core::ProbeCheck::Exec(exec) => {
            let spec = crate::sys::SpawnSpec {
                argv: exec.command.argv(),
                env: ctx.env.clone(),
                working_dir: exec.working_dir.clone().or_else(|| ctx.working_dir.clone()),
                capture_output: false,
            };
            matches!(crate::sys::run_bounded(spec, probe.timeout).await, Ok(Some(crate::sys::ExitStatus::Code(0))))
        }
        svc_core::ProbeCheck::HttpGet(http) => {
            tokio::time::timeout(probe.timeout, http_get(http)).await.ok().flatten().is_some_and(|status| {
                match http.status_code {
                    Some(expected) => status == expected,
                    None => (200..400).contains(&status),
                }
            })
        }
    }
}

async fn http_get(http: &svc_core::HttpProbe) -> Option<u16> {
    use http_body_util::Empty;
    let stream = tokio::net::TcpStream::connect((http.host.as_str(), http.port)).await.ok()?;
    let io = hyper_util::rt::TokioIo::new(stream);
    let (mut sender, conn) = hyper::client::conn::http1::handshake::<_, Empty<bytes::Bytes>>(io).await.ok()?;
    let conn = tokio::spawn(conn);
    let mut request = hyper::Request::get(http.path.as_str()).header("host", format!("{}:{}", http.host, http.port));
    for (k, v) in &http.headers {
        request = request.header(k.as_str(), v.as_str());
    }
    let response = sender.send_request(request.body(Empty::new()).ok()?).await.ok()?;
    conn.abort();
    Some(response.status().as_u16())
}
