//! The workloads. Each run builds a [`Spec`], starts one supervisor on it and returns its measurements.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use svc_bench::lines::{self, LINE_LEN, Verdict, Verifier};
use svc_bench::notify::{FIFO_ENV, ID_ENV, RUN_ENV};
use svc_bench::spec::{ProbeSpec, ProcSpec, Restart, Spec};
use svc_bench::{monotonic_ns, procfs};

use crate::sys::{self, Fifo, Supervisor};

/// Which supervisor runs a workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Impl {
    /// `svc_cli::run`, through the `ours` binary.
    Ours,
    /// The `baseline` binary.
    Baseline,
}

impl Impl {
    /// The name used in results and for the binary.
    pub fn name(self) -> &'static str {
        match self {
            Impl::Ours => "ours",
            Impl::Baseline => "baseline",
        }
    }
}

/// One measured value.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// The workload (`spawn`, `logs`, ...).
    pub workload: &'static str,
    /// The metric within the workload.
    pub metric: &'static str,
    /// Which supervisor.
    pub imp: Impl,
    /// Repetition number.
    pub rep: usize,
    /// The value.
    pub value: f64,
}

/// What every run needs: where the binaries are, a scratch directory, the start FIFO, a run counter.
pub struct Ctx {
    /// Directory holding `ours`, `baseline` and `bench-child`.
    pub bins: PathBuf,
    /// Scratch directory (removed at exit).
    pub tmp: PathBuf,
    /// The start-report FIFO.
    pub fifo: Fifo,
    run: u32,
}

const START_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

impl Ctx {
    /// A context for binaries in `bins`, scratch files in `tmp`.
    pub fn new(bins: PathBuf, tmp: PathBuf) -> Result<Ctx, String> {
        let fifo = Fifo::create(&tmp)?;
        Ok(Ctx { bins, tmp, fifo, run: 0 })
    }

    fn child(&self) -> String {
        self.bins.join("bench-child").to_string_lossy().into_owned()
    }

    /// A child process `bench-child <args>` that reports its start when `report` is set.
    fn proc(&self, name: String, id: u32, args: &[&str], report: bool) -> ProcSpec {
        let mut argv = vec![self.child()];
        argv.extend(args.iter().map(|a| (*a).to_owned()));
        let mut env = vec![(ID_ENV.to_owned(), id.to_string()), (RUN_ENV.to_owned(), self.run.to_string())];
        if report {
            env.push((FIFO_ENV.to_owned(), self.fifo.path().to_string_lossy().into_owned()));
        }
        ProcSpec { name, argv, env, restart: Restart::No, probe: None, depends_on: Vec::new() }
    }

    /// Writes `spec` and starts `imp` on it.
    fn launch(&mut self, imp: Impl, spec: &Spec, stdout: Stdio) -> Result<Supervisor, String> {
        let path = self.tmp.join(format!("spec-{}.json", self.run));
        let text = serde_json::to_string(spec).map_err(|e| format!("cannot encode the workload: {e}"))?;
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        let stderr = self.tmp.join(format!("stderr-{}-{}.txt", imp.name(), self.run));
        Supervisor::launch(&self.bins.join(imp.name()), &path, stdout, stderr)
    }

    fn next_run(&mut self) -> u32 {
        self.run += 1;
        self.run
    }
}

fn secs(ns: u64) -> f64 {
    ns as f64 / 1e9
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// SIGTERM, then a bounded wait for the supervisor's exit.
fn stop(sup: &mut Supervisor) -> Result<(), String> {
    sup.signal(libc::SIGTERM);
    sup.wait(STOP_TIMEOUT).map(|_| ())
}

/// What a run of `n` long-running children measured: launch -> all started, the pause's measurement, SIGTERM ->
/// all gone.
struct StartStop {
    spawn_s: f64,
    spawn_cpu_ms: f64,
    during: u64,
    shutdown_s: f64,
    children_gone_s: f64,
}

/// Starts `n` sleeping children under `imp`, calls `pause` once all run (it returns a measurement), then sends
/// SIGTERM and waits until every child and the supervisor exited (pidfds).
fn start_stop(
    ctx: &mut Ctx,
    imp: Impl,
    n: u32,
    prefix: &str,
    pause: impl FnOnce(&Supervisor) -> Result<u64, String>,
) -> Result<StartStop, String> {
    let run = ctx.next_run();
    let spec = Spec { processes: (0..n).map(|i| ctx.proc(format!("{prefix}-{i}"), i, &["sleep"], true)).collect() };
    let mut sup = ctx.launch(imp, &spec, Stdio::null())?;
    let starts = ctx.fifo.wait_for(run, n as usize, START_TIMEOUT, &mut sup)?;
    let all_started = starts.iter().map(|r| r.t_ns).max().unwrap_or(sup.launched_ns);
    // All of the supervisor's CPU so far: start-up and the spawns (it is idle once every child runs).
    let spawn_cpu_ms = procfs::cpu_ns(sup.pid).map_or(f64::NAN, |(ns, _)| ns as f64 / 1e6);
    let during = pause(&sup)?;
    let fds: Vec<_> = starts.iter().filter_map(|r| sys::pidfd(r.pid as i32)).collect();
    let sup_fd = sys::pidfd(sup.pid).ok_or("the supervisor exited before SIGTERM")?;
    let term_ns = monotonic_ns();
    sup.signal(libc::SIGTERM);
    // The children first (the supervisor cannot end before them), then the supervisor's own teardown.
    let children_gone = sys::wait_all_exited(fds, STOP_TIMEOUT).map_err(|e| e + &sup.stderr_tail())?;
    let all_gone = sys::wait_all_exited(vec![sup_fd], STOP_TIMEOUT).map_err(|e| e + &sup.stderr_tail())?;
    sup.wait(STOP_TIMEOUT)?;
    Ok(StartStop {
        spawn_s: secs(all_started - sup.launched_ns),
        spawn_cpu_ms,
        during,
        shutdown_s: secs(all_gone.max(children_gone) - term_ns),
        children_gone_s: secs(children_gone - term_ns),
    })
}

/// spawn: `n` long-running children; launch -> all `n` started; SIGTERM -> all gone; survivors 1 s later.
pub fn spawn(ctx: &mut Ctx, imp: Impl, rep: usize, n: u32) -> Result<Vec<Measurement>, String> {
    let run = start_stop(ctx, imp, n, "sleep", |_| Ok(0))?;
    sys::sleep(Duration::from_secs(1))?;
    let survivors = sys::live_descendants();
    let m = |metric, value| Measurement { workload: "spawn", metric, imp, rep, value };
    Ok(vec![
        m("spawn_s", run.spawn_s),
        m("spawn_cpu_ms", run.spawn_cpu_ms),
        m("shutdown_s", run.shutdown_s),
        m("children_gone_s", run.children_gone_s),
        m("survivors", survivors as f64),
    ])
}

fn log_spec(ctx: &mut Ctx, procs: u32, count: u64) -> Spec {
    let count = count.to_string();
    Spec { processes: (0..procs).map(|i| ctx.proc(lines::name_for(i), i, &["lines", &count], false)).collect() }
}

fn verdict_measurements(workload: &'static str, imp: Impl, rep: usize, v: Verdict) -> Vec<Measurement> {
    let m = |metric, value: u64| Measurement { workload, metric, imp, rep, value: value as f64 };
    vec![m("lost", v.lost), m("duplicated", v.duplicated), m("corrupted", v.corrupted)]
}

/// logs: `procs` children print `count` lines each; time until the supervisor has written them all to a file and
/// exited; then every line is checked.
pub fn logs(ctx: &mut Ctx, imp: Impl, rep: usize, procs: u32, count: u64) -> Result<Vec<Measurement>, String> {
    ctx.next_run();
    let spec = log_spec(ctx, procs, count);
    let out_path = ctx.tmp.join("logs-out.txt");
    let out = std::fs::File::create(&out_path).map_err(|e| format!("cannot create {}: {e}", out_path.display()))?;
    let mut sup = ctx.launch(imp, &spec, Stdio::from(out))?;
    let exit_fd = sys::pidfd(sup.pid).ok_or("the supervisor exited at once")?;
    let mut peak_kib = 0;
    let mut cpu = 0;
    let deadline = monotonic_ns() + 300_000_000_000;
    let done_ns = loop {
        if let Some(kib) = procfs::status_field(sup.pid, "VmHWM") {
            peak_kib = peak_kib.max(kib);
        }
        // The last sample before the exit: misses at most the final 20 ms.
        if let Some((ns, _)) = procfs::cpu_ns(sup.pid) {
            cpu = cpu.max(ns);
        }
        // Poll the pidfd for 20 ms: the exit time is exact, the memory sampled every 20 ms.
        match sys::wait_all_exited(vec![exit_fd.try_clone().map_err(|e| e.to_string())?], Duration::from_millis(20)) {
            Ok(t) => break t,
            Err(e) if e == "interrupted" => return Err(e),
            Err(_) if monotonic_ns() > deadline => {
                return Err(format!("logs not done after 300 s{}", sup.stderr_tail()));
            }
            Err(_) => {}
        }
    };
    let status = sup.wait(STOP_TIMEOUT)?;
    if !status.success() {
        return Err(format!("supervisor exited with {status}{}", sup.stderr_tail()));
    }
    let elapsed = secs(done_ns - sup.launched_ns);
    let verdict = verify_file(&out_path, procs, count)?;
    let _ = std::fs::remove_file(&out_path);
    let bytes = procs as f64 * count as f64 * LINE_LEN as f64;
    let m = |metric, value| Measurement { workload: "logs", metric, imp, rep, value };
    let mut out = vec![
        m("logs_s", elapsed),
        m("throughput_mb_s", bytes / elapsed / 1e6),
        m("peak_rss_mib", mib(peak_kib)),
        m("cpu_s", cpu as f64 / 1e9),
    ];
    out.extend(verdict_measurements("logs", imp, rep, verdict));
    Ok(out)
}

fn verify_file(path: &Path, procs: u32, count: u64) -> Result<Verdict, String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut verifier = Verifier::new(procs, count);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(|e| format!("reading {}: {e}", path.display()))?;
        if n == 0 {
            return Ok(verifier.finish());
        }
        verifier.feed(&buf[..n]);
    }
}

/// logs into a slow pipe: the harness reads `rate` bytes/s for `slow` seconds while sampling the supervisor's
/// RSS, then reads at full speed; every line is checked.
pub fn logs_slow(
    ctx: &mut Ctx,
    imp: Impl,
    rep: usize,
    (procs, count): (u32, u64),
    slow: Duration,
    rate: u64,
) -> Result<Vec<Measurement>, String> {
    ctx.next_run();
    let spec = log_spec(ctx, procs, count);
    let mut sup = ctx.launch(imp, &spec, Stdio::piped())?;
    let mut pipe = sup.child_mut().stdout.take().ok_or("no stdout pipe")?;
    let reader = std::thread::spawn(move || -> Result<Verdict, String> {
        use std::io::Read;
        let mut verifier = Verifier::new(procs, count);
        let chunk = 16 * 1024;
        let mut buf = vec![0u8; 1 << 20];
        let slow_end = monotonic_ns() + slow.as_nanos() as u64;
        let pause = Duration::from_nanos(chunk as u64 * 1_000_000_000 / rate.max(1));
        loop {
            let slow_phase = monotonic_ns() < slow_end;
            let want = if slow_phase { chunk } else { buf.len() };
            let n = pipe.read(&mut buf[..want]).map_err(|e| format!("reading the supervisor's stdout: {e}"))?;
            if n == 0 {
                return Ok(verifier.finish());
            }
            verifier.feed(&buf[..n]);
            if slow_phase {
                std::thread::sleep(pause);
            }
        }
    });
    let mut peak_kib = 0;
    let deadline = monotonic_ns() + 300_000_000_000;
    while sup.try_exited().is_none() {
        if let Some(kib) = procfs::status_field(sup.pid, "VmRSS") {
            peak_kib = peak_kib.max(kib);
        }
        sys::check_interrupted()?;
        if monotonic_ns() > deadline {
            return Err(format!("slow-pipe logs not done after 300 s{}", sup.stderr_tail()));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let verdict = reader.join().map_err(|_| "the reader thread panicked".to_owned())??;
    let mut out = vec![Measurement { workload: "logs-slow", metric: "peak_rss_mib", imp, rep, value: mib(peak_kib) }];
    out.extend(verdict_measurements("logs-slow", imp, rep, verdict));
    Ok(out)
}

/// idle: `n` sleeping children; the supervisor's CPU over `secs` and its memory.
pub fn idle(ctx: &mut Ctx, imp: Impl, rep: usize, n: u32, secs_: Duration) -> Result<Vec<Measurement>, String> {
    let run = ctx.next_run();
    let spec = Spec { processes: (0..n).map(|i| ctx.proc(format!("idle-{i}"), i, &["sleep"], true)).collect() };
    let mut sup = ctx.launch(imp, &spec, Stdio::null())?;
    ctx.fifo.wait_for(run, n as usize, START_TIMEOUT, &mut sup)?;
    // Let start-up work (and any start-up timers) settle before measuring the steady state.
    sys::sleep(Duration::from_secs(1))?;
    let ticks = |pid| procfs::stat(pid).map(|s| s.utime + s.stime).ok_or("the supervisor exited while idle");
    let (t0, c0, p0) = (monotonic_ns(), ticks(sup.pid)?, procfs::cpu_ns(sup.pid));
    sys::sleep(secs_)?;
    let (t1, c1, p1) = (monotonic_ns(), ticks(sup.pid)?, procfs::cpu_ns(sup.pid));
    let rss = procfs::status_field(sup.pid, "VmRSS").unwrap_or(0);
    let pss = procfs::pss_kib(sup.pid).unwrap_or(0);
    let threads = procfs::status_field(sup.pid, "Threads").unwrap_or(0);
    stop(&mut sup)?;
    // Nanosecond thread CPU times when the same threads lived through the window; clock ticks (10 ms) otherwise.
    let cpu_s = match (p0, p1) {
        (Some((ns0, tids0)), Some((ns1, tids1))) if tids0 == tids1 => secs(ns1.saturating_sub(ns0)),
        _ => (c1 - c0) as f64 / procfs::clock_ticks_per_second() as f64,
    };
    let cpu_pct = cpu_s / secs(t1 - t0) * 100.0;
    let m = |metric, value| Measurement { workload: "idle", metric, imp, rep, value };
    Ok(vec![m("cpu_pct", cpu_pct), m("rss_mib", mib(rss)), m("pss_mib", mib(pss)), m("threads", threads as f64)])
}

/// The start times (ns) of the restarting child of `run`, sorted.
fn start_times(ctx: &Ctx, run: u32) -> Vec<u64> {
    let mut t: Vec<u64> = ctx.fifo.records(run).iter().map(|r| r.t_ns).collect();
    t.sort_unstable();
    t
}

/// restart: a child that exits 1 at once under restart-always with zero backoff, for `window`.
pub fn restart(ctx: &mut Ctx, imp: Impl, rep: usize, window: Duration) -> Result<Vec<Measurement>, String> {
    let run = ctx.next_run();
    let mut flap = ctx.proc("flap".into(), 0, &["exit1"], true);
    flap.restart = Restart::Always { backoff_ms: Some(0) };
    let mut sup = ctx.launch(imp, &Spec { processes: vec![flap] }, Stdio::null())?;
    let first = ctx.fifo.wait_for(run, 1, START_TIMEOUT, &mut sup)?[0].t_ns;
    let cpu0 = procfs::cpu_ns(sup.pid);
    sys::sleep(window)?;
    let cpu1 = procfs::cpu_ns(sup.pid);
    let sampled = monotonic_ns();
    stop(&mut sup)?;
    let all = start_times(ctx, run);
    let cpu_per_restart = match (cpu0, cpu1) {
        (Some((a, tids0)), Some((b, tids1))) if tids0 == tids1 => {
            let restarts = all.iter().filter(|&&t| t > first && t <= sampled).count().max(1);
            b.saturating_sub(a) as f64 / 1e6 / restarts as f64
        }
        _ => f64::NAN,
    };
    let end = first + window.as_nanos() as u64;
    let starts: Vec<u64> = all.into_iter().filter(|&t| t <= end).collect();
    if starts.len() < 2 {
        return Err(format!("only {} start(s) in {window:?}: no restart happened{}", starts.len(), sup.stderr_tail()));
    }
    let mut gaps: Vec<f64> = starts.windows(2).map(|w| secs(w[1] - w[0]) * 1e3).collect();
    let rate = (starts.len() - 1) as f64 / secs(starts[starts.len() - 1] - starts[0]);
    gaps.sort_by(f64::total_cmp);
    let p99 = gaps[((gaps.len() - 1) as f64 * 0.99).round() as usize];
    let median = svc_bench::stats::Summary::of(&gaps).map_or(f64::NAN, |s| s.median);
    let m = |metric, value| Measurement { workload: "restart", metric, imp, rep, value };
    Ok(vec![
        m("restarts_per_s", rate),
        m("gap_median_ms", median),
        m("gap_p99_ms", p99),
        m("cpu_ms_per_restart", cpu_per_restart),
    ])
}

/// restart under the default backoff (ours only): the start times over `window`, relative to the first.
pub fn backoff_schedule(ctx: &mut Ctx, window: Duration) -> Result<Vec<f64>, String> {
    let run = ctx.next_run();
    let mut flap = ctx.proc("flap".into(), 0, &["exit1"], true);
    flap.restart = Restart::Always { backoff_ms: None };
    let mut sup = ctx.launch(Impl::Ours, &Spec { processes: vec![flap] }, Stdio::null())?;
    let first = ctx.fifo.wait_for(run, 1, START_TIMEOUT, &mut sup)?[0].t_ns;
    sys::sleep(window)?;
    stop(&mut sup)?;
    let end = first + window.as_nanos() as u64;
    Ok(start_times(ctx, run).into_iter().filter(|&t| t <= end).map(|t| secs(t - first)).collect())
}

/// The deps DAG: `n` processes in `depth` levels; each process below the first level depends (healthy) on two of
/// the level above; every process has an exec readiness probe (`true`) with the given period; a sentinel that
/// depends on the whole last level reports when it starts.
pub fn deps_spec(ctx: &Ctx, n: u32, depth: u32, period_ms: u64) -> Spec {
    let mut processes = Vec::new();
    let mut previous: Vec<String> = Vec::new();
    let mut id = 0;
    for level in 0..depth {
        let size = n / depth + u32::from(level < n % depth);
        let mut names = Vec::new();
        for i in 0..size {
            let name = format!("d{level}-{i}");
            let mut p = ctx.proc(name.clone(), id, &["sleep"], false);
            id += 1;
            p.probe = Some(ProbeSpec { argv: vec!["true".into()], initial_delay_ms: 0, period_ms });
            if !previous.is_empty() {
                let k = previous.len();
                let a = previous[i as usize % k].clone();
                let b = previous[(i as usize * 7 + 3) % k].clone();
                p.depends_on.push(a.clone());
                if b != a {
                    p.depends_on.push(b);
                }
            }
            names.push(name);
            processes.push(p);
        }
        previous = names;
    }
    let mut sentinel = ctx.proc("all-healthy".into(), n, &["sleep"], true);
    sentinel.depends_on = previous;
    processes.push(sentinel);
    Spec { processes }
}

/// deps: time from launch until the sentinel starts, i.e. until the whole DAG is healthy.
pub fn deps(
    ctx: &mut Ctx,
    imp: Impl,
    rep: usize,
    n: u32,
    depth: u32,
    period_ms: u64,
) -> Result<Vec<Measurement>, String> {
    let run = ctx.next_run();
    let spec = deps_spec(ctx, n, depth, period_ms);
    let mut sup = ctx.launch(imp, &spec, Stdio::null())?;
    let done = ctx.fifo.wait_for(run, 1, Duration::from_secs(300), &mut sup)?[0].t_ns;
    stop(&mut sup)?;
    let elapsed = secs(done - sup.launched_ns);
    let ideal = depth as f64 * period_ms as f64 / 1e3;
    let m = |metric, value| Measurement { workload: "deps", metric, imp, rep, value };
    Ok(vec![m("all_healthy_s", elapsed), m("vs_ideal", elapsed / ideal)])
}

/// A metric or workload name built at run time (the results keep `&'static str` names).
fn leak(name: String) -> &'static str {
    Box::leak(name.into_boxed_str())
}

/// The workload name of the scale point `n`.
pub fn scale_workload(n: u32) -> &'static str {
    leak(format!("scale-{n}"))
}

/// scale: `n` long-running children: launch -> all started, the supervisor's RSS once they run (after a second
/// to settle), SIGTERM -> all gone; per process: spawn time and RSS.
pub fn scale(ctx: &mut Ctx, imp: Impl, rep: usize, n: u32) -> Result<Vec<Measurement>, String> {
    let run = start_stop(ctx, imp, n, "s", |sup| {
        sys::sleep(Duration::from_secs(1))?;
        Ok(procfs::status_field(sup.pid, "VmRSS").unwrap_or(0))
    })?;
    let workload = scale_workload(n);
    let m = |metric, value| Measurement { workload, metric, imp, rep, value };
    Ok(vec![
        m("spawn_s", run.spawn_s),
        m("shutdown_s", run.shutdown_s),
        m("rss_mib", mib(run.during)),
        m("spawn_us_per_process", run.spawn_s * 1e6 / f64::from(n)),
        m("rss_kib_per_process", run.during as f64 / f64::from(n)),
    ])
}

/// ready: `n` servers that become ready `delay_ms` after their start (an exec readiness probe `test -f` with the
/// given period, process-compose's default 10 s unless told), each with a dependent (`process_healthy`) that
/// reports its start. Start-to-ready of the dependents against the ideal (the delay).
pub fn ready(
    ctx: &mut Ctx,
    imp: Impl,
    rep: usize,
    n: u32,
    delay_ms: u64,
    period_ms: u64,
) -> Result<Vec<Measurement>, String> {
    let run = ctx.next_run();
    let delay = delay_ms.to_string();
    let mut processes = Vec::new();
    for i in 0..n {
        let file = ctx.tmp.join(format!("ready-{run}-{i}")).to_string_lossy().into_owned();
        let mut server = ctx.proc(format!("server-{i}"), i, &["ready-after", &delay, &file], false);
        server.probe = Some(ProbeSpec { argv: vec!["test".into(), "-f".into(), file], initial_delay_ms: 0, period_ms });
        let mut client = ctx.proc(format!("client-{i}"), i, &["sleep"], true);
        client.depends_on.push(format!("server-{i}"));
        processes.extend([server, client]);
    }
    let mut sup = ctx.launch(imp, &Spec { processes }, Stdio::null())?;
    let starts = ctx.fifo.wait_for(run, n as usize, Duration::from_secs(120), &mut sup)?;
    stop(&mut sup)?;
    let waits: Vec<f64> = starts.iter().map(|r| secs(r.t_ns - sup.launched_ns)).collect();
    let last = waits.iter().copied().fold(0.0, f64::max);
    let ideal = delay_ms as f64 / 1e3;
    let m = |metric, value| Measurement { workload: "ready", metric, imp, rep, value };
    Ok(vec![m("last_dependent_s", last), m("over_ideal_ms", (last - ideal) * 1e3)])
}

/// The memory each process costs beyond the smallest scale point: (RSS at N - RSS at the smallest N) / the
/// difference in N, from the medians, per supervisor. The fixed cost of a supervisor (its runtime, its threads)
/// drops out.
pub fn marginal_memory(measurements: &[Measurement], ns: &[u32]) -> Vec<Measurement> {
    let Some(&smallest) = ns.iter().min() else { return Vec::new() };
    let median = |n: u32, imp: Impl| {
        let workload = scale_workload(n);
        let values: Vec<f64> = measurements
            .iter()
            .filter(|m| m.workload == workload && m.metric == "rss_mib" && m.imp == imp)
            .map(|m| m.value)
            .collect();
        svc_bench::stats::Summary::of(&values).map(|s| s.median)
    };
    let mut out = Vec::new();
    for &n in ns.iter().filter(|&&n| n > smallest) {
        for imp in [Impl::Ours, Impl::Baseline] {
            if let (Some(big), Some(small)) = (median(n, imp), median(smallest, imp)) {
                let value = (big - small) * 1024.0 / f64::from(n - smallest);
                out.push(Measurement {
                    workload: scale_workload(n),
                    metric: "marginal_kib_per_process",
                    imp,
                    rep: 0,
                    value,
                });
            }
        }
    }
    out
}
