//! `cargo xtask bench`: runs every workload against our supervisor and the baseline spawner, interleaved, and
//! writes `bench/RESULTS.md` and `bench/results.jsonl`.

mod report;
mod sys;
mod workloads;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;

use workloads::{Ctx, Impl, Measurement};

/// Benchmark our supervisor against a minimal baseline spawner.
#[derive(Debug, Clone, Parser)]
#[command(name = "harness")]
pub struct Opts {
    /// Small sizes and one repetition: a smoke run in well under a minute. Writes no files unless --out is given.
    #[arg(long)]
    pub quick: bool,
    /// Workloads to run (comma separated): spawn, logs, idle, restart, deps, scale, ready.
    #[arg(long, value_delimiter = ',', default_value = "spawn,logs,idle,restart,deps,scale,ready")]
    pub only: Vec<String>,
    /// scale: the numbers of children (comma separated; default 100,1000,5000, with --quick 100,1000).
    #[arg(long, value_delimiter = ',')]
    pub scale_n: Option<Vec<u32>>,
    /// ready: number of servers (each with one dependent).
    #[arg(long, default_value_t = 4)]
    pub ready_n: u32,
    /// ready: milliseconds until a server becomes ready.
    #[arg(long, default_value_t = 300)]
    pub ready_delay_ms: u64,
    /// ready: the readiness probe's period in milliseconds (process-compose's default: 10 s).
    #[arg(long, default_value_t = 10_000)]
    pub ready_period_ms: u64,
    /// Repetitions of the short workloads (spawn, logs, restart) per supervisor.
    #[arg(long)]
    pub reps: Option<usize>,
    /// Repetitions of the long workloads (idle, deps) per supervisor.
    #[arg(long)]
    pub long_reps: Option<usize>,
    /// spawn: number of children.
    #[arg(long, default_value_t = 100)]
    pub spawn_n: u32,
    /// logs: number of children.
    #[arg(long, default_value_t = 8)]
    pub log_procs: u32,
    /// logs: lines per child (80 bytes each).
    #[arg(long)]
    pub log_lines: Option<u64>,
    /// logs into a slow pipe: seconds of slow reading.
    #[arg(long)]
    pub slow_secs: Option<f64>,
    /// logs into a slow pipe: reading rate in KiB/s during the slow phase.
    #[arg(long, default_value_t = 2048)]
    pub slow_kib_s: u64,
    /// idle: number of children.
    #[arg(long, default_value_t = 50)]
    pub idle_n: u32,
    /// idle: measurement window in seconds.
    #[arg(long)]
    pub idle_secs: Option<f64>,
    /// restart: window in seconds for the zero-backoff restart loop.
    #[arg(long)]
    pub restart_secs: Option<f64>,
    /// restart: window in seconds for the default-backoff schedule (ours only).
    #[arg(long)]
    pub backoff_secs: Option<f64>,
    /// deps: number of processes in the DAG.
    #[arg(long, default_value_t = 200)]
    pub deps_n: u32,
    /// deps: depth of the DAG.
    #[arg(long, default_value_t = 10)]
    pub deps_depth: u32,
    /// deps: readiness probe period in milliseconds.
    #[arg(long)]
    pub deps_period_ms: Option<u64>,
    /// Directory for RESULTS.md and results.jsonl (default: the bench crate's directory; none with --quick).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// The options with every default resolved (`--quick` changes the defaults).
#[derive(Debug, Clone)]
pub struct Plan {
    /// The parsed options.
    pub opts: Opts,
    /// Short-workload repetitions.
    pub reps: usize,
    /// Long-workload repetitions.
    pub long_reps: usize,
    /// Lines per log child.
    pub log_lines: u64,
    /// Slow-pipe slow phase.
    pub slow: Duration,
    /// Idle window.
    pub idle: Duration,
    /// Zero-backoff restart window.
    pub restart: Duration,
    /// Default-backoff window.
    pub backoff: Duration,
    /// deps probe period (ms).
    pub deps_period_ms: u64,
    /// scale: the numbers of children.
    pub scale_ns: Vec<u32>,
    /// Where to write the results, if anywhere.
    pub out: Option<PathBuf>,
}

impl Plan {
    fn new(opts: Opts) -> Plan {
        let q = opts.quick;
        let secs =
            |v: Option<f64>, full: f64, quick: f64| Duration::from_secs_f64(v.unwrap_or(if q { quick } else { full }));
        Plan {
            reps: opts.reps.unwrap_or(if q { 1 } else { 5 }).max(1),
            long_reps: opts.long_reps.unwrap_or(if q { 1 } else { 3 }).max(1),
            log_lines: opts.log_lines.unwrap_or(if q { 50_000 } else { 200_000 }),
            slow: secs(opts.slow_secs, 3.0, 1.0),
            idle: secs(opts.idle_secs, 10.0, 3.0),
            restart: secs(opts.restart_secs, 3.0, 1.0),
            backoff: secs(opts.backoff_secs, 8.0, 4.0),
            deps_period_ms: opts.deps_period_ms.unwrap_or(if q { 100 } else { 500 }),
            scale_ns: opts.scale_n.clone().unwrap_or_else(|| if q { vec![100, 1000] } else { vec![100, 1000, 5000] }),
            out: opts.out.clone().or_else(|| (!q).then(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))),
            opts,
        }
    }

    fn runs(&self, workload: &str) -> bool {
        self.opts.only.iter().any(|w| w == workload)
    }
}

/// Everything measured, plus the failures.
#[derive(Debug, Default)]
pub struct Results {
    /// All measurements.
    pub measurements: Vec<Measurement>,
    /// Failed runs: (workload, supervisor, repetition, error).
    pub errors: Vec<(&'static str, &'static str, usize, String)>,
    /// Start offsets under the default backoff (ours), if measured.
    pub backoff_schedule: Option<Result<Vec<f64>, String>>,
}

fn main() -> ExitCode {
    let plan = Plan::new(Opts::parse());
    let started = Instant::now();
    let result = run(&plan);
    // Whatever happened, nothing the harness started may outlive it.
    sys::kill_descendants();
    match result {
        Ok(results) => {
            let machine = report::Machine::describe();
            let table = report::markdown(&plan, &machine, &results, started.elapsed());
            println!("{table}");
            if let Some(dir) = &plan.out {
                if let Err(e) = report::write(dir, &table, &machine, &plan, &results) {
                    eprintln!("harness: {e}");
                    return ExitCode::FAILURE;
                }
                eprintln!(
                    "harness: wrote {} and {}",
                    dir.join("RESULTS.md").display(),
                    dir.join("results.jsonl").display()
                );
            }
            eprintln!("harness: done in {:.0} s", started.elapsed().as_secs_f64());
            if results.errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Err(e) => {
            eprintln!("harness: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(plan: &Plan) -> Result<Results, String> {
    sys::init()?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot locate the harness binary: {e}"))?;
    let bins = exe.parent().ok_or("the harness binary has no parent directory")?.to_path_buf();
    let tmp = tempfile::Builder::new()
        .prefix("svc-bench-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let mut ctx = Ctx::new(bins, tmp.path().to_path_buf())?;
    let mut results = Results::default();
    let p = plan;
    let o = &plan.opts;
    type Workload<'a> = Box<dyn Fn(&mut Ctx, Impl, usize) -> Result<Vec<Measurement>, String> + 'a>;
    let mut todo: Vec<(&'static str, usize, Workload)> = Vec::new();
    if p.runs("spawn") {
        todo.push(("spawn", p.reps, Box::new(|c, i, r| workloads::spawn(c, i, r, o.spawn_n))));
    }
    if p.runs("logs") {
        todo.push(("logs", p.reps, Box::new(|c, i, r| workloads::logs(c, i, r, o.log_procs, p.log_lines))));
        let slow = Box::new(|c: &mut Ctx, i, r| {
            workloads::logs_slow(c, i, r, (o.log_procs, p.log_lines), p.slow, o.slow_kib_s * 1024)
        });
        todo.push(("logs-slow", 1, slow));
    }
    if p.runs("idle") {
        todo.push(("idle", p.long_reps, Box::new(|c, i, r| workloads::idle(c, i, r, o.idle_n, p.idle))));
    }
    if p.runs("restart") {
        todo.push(("restart", p.reps, Box::new(|c, i, r| workloads::restart(c, i, r, p.restart))));
    }
    if p.runs("deps") {
        let deps = Box::new(|c: &mut Ctx, i, r| workloads::deps(c, i, r, o.deps_n, o.deps_depth, p.deps_period_ms));
        todo.push(("deps", p.long_reps, deps));
    }
    if p.runs("scale") {
        for &n in &p.scale_ns {
            todo.push((
                workloads::scale_workload(n),
                p.long_reps,
                Box::new(move |c, i, r| workloads::scale(c, i, r, n)),
            ));
        }
    }
    if p.runs("ready") {
        let ready =
            Box::new(|c: &mut Ctx, i, r| workloads::ready(c, i, r, o.ready_n, o.ready_delay_ms, o.ready_period_ms));
        todo.push(("ready", p.long_reps, ready));
    }
    for (name, reps, workload) in &todo {
        for rep in 0..*reps {
            // Interleaved: ours, baseline, ours, baseline... so that drift in the machine's load hits both.
            for imp in [Impl::Ours, Impl::Baseline] {
                sys::check_interrupted()?;
                let outcome = workload(&mut ctx, imp, rep);
                // Whatever the run left behind is killed before the next one starts.
                sys::kill_descendants();
                match outcome {
                    Ok(ms) => {
                        let shown: Vec<String> = ms.iter().map(|m| format!("{} {:.4}", m.metric, m.value)).collect();
                        eprintln!("[{name}] rep {}/{reps} {}: {}", rep + 1, imp.name(), shown.join(", "));
                        results.measurements.extend(ms);
                    }
                    Err(e) => {
                        sys::check_interrupted()?;
                        eprintln!("[{name}] rep {}/{reps} {}: FAILED: {e}", rep + 1, imp.name());
                        results.errors.push((name, imp.name(), rep, e));
                    }
                }
            }
        }
    }
    if p.runs("scale") {
        results.measurements.extend(workloads::marginal_memory(&results.measurements, &p.scale_ns));
    }
    if p.runs("restart") {
        let schedule = workloads::backoff_schedule(&mut ctx, p.backoff);
        sys::kill_descendants();
        sys::check_interrupted()?;
        match &schedule {
            Ok(starts) => eprintln!(
                "[restart] default backoff, ours: {} starts, first at {:?} s",
                starts.len(),
                &starts[..starts.len().min(8)]
            ),
            Err(e) => eprintln!("[restart] default backoff, ours: FAILED: {e}"),
        }
        results.backoff_schedule = Some(schedule);
    }
    Ok(results)
}
