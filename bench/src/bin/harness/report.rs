//! The results: the machine description, the markdown table with targets, and the raw JSON lines.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use serde_json::json;
use svc_bench::stats::{Summary, digits_for};

use crate::workloads::Impl;
use crate::{Plan, Results};

/// The machine the numbers were measured on.
#[derive(Debug, Clone)]
pub struct Machine {
    /// CPU model name.
    pub cpu: String,
    /// CPUs available to the harness.
    pub cores: usize,
    /// Kernel release.
    pub kernel: String,
    /// Total memory in MiB.
    pub memory_mib: u64,
    /// UTC date and time.
    pub date: String,
    /// The commit measured (with `+dirty` when the tree has changes).
    pub commit: String,
}

impl Machine {
    /// Reads `/proc` and git.
    pub fn describe() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| {
                l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, v)| v.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        Machine {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim().to_owned(),
            memory_mib: svc_bench::procfs::parse_kib_field(&meminfo, "MemTotal").unwrap_or(0) / 1024,
            date: utc_now(),
            commit: git_commit(),
        }
    }
}

fn git_commit() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    match git(&["rev-parse", "--short", "HEAD"]) {
        Some(rev) => {
            let dirty = git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
            if dirty { format!("{rev}+dirty") } else { rev }
        }
        None => "unknown".into(),
    }
}

/// `YYYY-MM-DD HH:MM UTC` from the system clock.
fn utc_now() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} UTC", secs % 86_400 / 3600, secs % 3600 / 60)
}

/// Days since 1970-01-01 -> (year, month, day), proleptic Gregorian.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// What a metric must achieve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// Information only.
    None,
    /// ours median / baseline median <= x.
    RatioAtMost(f64),
    /// ours median / baseline median >= x.
    RatioAtLeast(f64),
    /// The largest value of ours <= x (counts: lost lines, survivors).
    MaxAtMost(f64),
    /// The largest value of ours < x.
    MaxBelow(f64),
    /// ours median < x.
    MedianBelow(f64),
    /// ours median <= x.
    MedianAtMost(f64),
}

impl Target {
    fn describe(self) -> String {
        match self {
            Target::None => String::new(),
            Target::RatioAtMost(x) => format!("ratio <= {x}"),
            Target::RatioAtLeast(x) => format!("ratio >= {x}"),
            Target::MaxAtMost(x) => format!("max <= {x}"),
            Target::MaxBelow(x) => format!("max < {x}"),
            Target::MedianBelow(x) => format!("< {x}"),
            Target::MedianAtMost(x) => format!("<= {x}"),
        }
    }

    /// Whether `ours` (and `ratio`) meet the target; `None` when it cannot be judged.
    fn met(self, ours: Option<Summary>, ratio: Option<f64>) -> Option<bool> {
        match self {
            Target::None => None,
            Target::RatioAtMost(x) => ratio.map(|r| r <= x),
            Target::RatioAtLeast(x) => ratio.map(|r| r >= x),
            Target::MaxAtMost(x) => ours.map(|s| s.max <= x),
            Target::MaxBelow(x) => ours.map(|s| s.max < x),
            Target::MedianBelow(x) => ours.map(|s| s.median < x),
            Target::MedianAtMost(x) => ours.map(|s| s.median <= x),
        }
    }
}

/// One row of the table.
struct Row {
    workload: &'static str,
    metric: &'static str,
    label: String,
    unit: &'static str,
    target: Target,
}

fn rows(plan: &Plan) -> Vec<Row> {
    let o = &plan.opts;
    let row = |workload, metric, label: &str, unit, target| Row { workload, metric, label: label.into(), unit, target };
    let ideal = o.deps_depth as f64 * plan.deps_period_ms as f64 / 1e3;
    vec![
        row("spawn", "spawn_s", &format!("spawn: launch -> all {} running", o.spawn_n), "s", Target::RatioAtMost(1.5)),
        row("spawn", "spawn_cpu_ms", "spawn: supervisor CPU until all running", "ms", Target::None),
        row("spawn", "shutdown_s", "spawn: SIGTERM -> all exited", "s", Target::RatioAtMost(1.5)),
        row("spawn", "children_gone_s", "spawn: SIGTERM -> all children exited", "s", Target::None),
        row("spawn", "survivors", "spawn: processes alive 1 s after exit", "", Target::MaxAtMost(0.0)),
        row(
            "logs",
            "logs_s",
            &format!("logs: {}x{} lines -> file, until exit", o.log_procs, plan.log_lines),
            "s",
            Target::None,
        ),
        row("logs", "throughput_mb_s", "logs: throughput", "MB/s", Target::RatioAtLeast(0.7)),
        row("logs", "cpu_s", "logs: supervisor CPU", "s", Target::None),
        row("logs", "lost", "logs: lines lost", "", Target::MaxAtMost(0.0)),
        row("logs", "duplicated", "logs: lines duplicated", "", Target::MaxAtMost(0.0)),
        row("logs", "corrupted", "logs: lines corrupted or merged", "", Target::MaxAtMost(0.0)),
        row("logs", "peak_rss_mib", "logs: peak RSS, stdout a file", "MiB", Target::MaxBelow(64.0)),
        row("logs-slow", "peak_rss_mib", "logs: peak RSS, stdout a slow pipe", "MiB", Target::MaxBelow(64.0)),
        row("logs-slow", "lost", "logs, slow pipe: lines lost", "", Target::MaxAtMost(0.0)),
        row("logs-slow", "duplicated", "logs, slow pipe: lines duplicated", "", Target::MaxAtMost(0.0)),
        row("logs-slow", "corrupted", "logs, slow pipe: lines corrupted", "", Target::MaxAtMost(0.0)),
        row("idle", "cpu_pct", &format!("idle: CPU with {} children", o.idle_n), "% core", Target::MedianBelow(0.5)),
        row("idle", "rss_mib", "idle: RSS", "MiB", Target::MedianAtMost(10.0)),
        row("idle", "pss_mib", "idle: PSS", "MiB", Target::None),
        row("idle", "threads", "idle: threads", "", Target::None),
        row("restart", "restarts_per_s", "restart-always, backoff 0: rate", "1/s", Target::RatioAtLeast(0.5)),
        row("restart", "gap_median_ms", "restart: gap between starts, median", "ms", Target::None),
        row("restart", "gap_p99_ms", "restart: gap between starts, p99", "ms", Target::None),
        row("restart", "cpu_ms_per_restart", "restart: supervisor CPU per restart", "ms", Target::None),
        row(
            "deps",
            "all_healthy_s",
            &format!("deps: {} processes, depth {}: launch -> all healthy", o.deps_n, o.deps_depth),
            "s",
            Target::None,
        ),
        row("deps", "vs_ideal", &format!("deps: time / ideal ({ideal} s)"), "x", Target::MedianAtMost(2.0)),
        row(
            "ready",
            "last_dependent_s",
            &format!(
                "ready: {} servers ready after {} ms (probe period {} ms) -> last dependent started",
                o.ready_n, o.ready_delay_ms, o.ready_period_ms
            ),
            "s",
            Target::None,
        ),
        row("ready", "over_ideal_ms", "ready: last dependent after the ideal", "ms", Target::MedianAtMost(100.0)),
    ]
    .into_iter()
    .chain(plan.scale_ns.iter().flat_map(|&n| scale_rows(n)))
    .collect()
}

/// The rows of the scale point `n`: the targets apply from 1,000 processes on.
fn scale_rows(n: u32) -> Vec<Row> {
    let workload = crate::workloads::scale_workload(n);
    let big = n >= 1000;
    let ratio = |x| if big { Target::RatioAtMost(x) } else { Target::None };
    let row = |metric, label: String, unit, target| Row { workload, metric, label, unit, target };
    vec![
        row("spawn_s", format!("scale {n}: launch -> all running"), "s", ratio(1.3)),
        row("shutdown_s", format!("scale {n}: SIGTERM -> all exited"), "s", ratio(1.3)),
        row("rss_mib", format!("scale {n}: RSS with all running"), "MiB", Target::None),
        row("spawn_us_per_process", format!("scale {n}: spawn time per process"), "us", Target::None),
        row("rss_kib_per_process", format!("scale {n}: RSS / {n}"), "KiB", Target::None),
        row(
            "marginal_kib_per_process",
            format!("scale {n}: RSS per process beyond the first 100 (medians)"),
            "KiB",
            if big { Target::MedianAtMost(8.0) } else { Target::None },
        ),
    ]
}

fn summary(results: &Results, workload: &str, metric: &str, imp: Impl) -> Option<Summary> {
    let values: Vec<f64> = results
        .measurements
        .iter()
        .filter(|m| m.workload == workload && m.metric == metric && m.imp == imp)
        .map(|m| m.value)
        .collect();
    Summary::of(&values)
}

/// The whole RESULTS.md text.
pub fn markdown(plan: &Plan, machine: &Machine, results: &Results, took: Duration) -> String {
    let o = &plan.opts;
    let mut s = String::new();
    let _ = writeln!(s, "# Benchmark results\n");
    let _ = writeln!(
        s,
        "Generated by `cargo xtask bench{}` on {} (commit {}), in {:.0} s.\n",
        if o.quick { " --quick" } else { "" },
        machine.date,
        machine.commit,
        took.as_secs_f64()
    );
    let _ = writeln!(
        s,
        "Machine: {}, {} cores, {} MiB RAM, Linux {}.\n",
        machine.cpu, machine.cores, machine.memory_mib, machine.kernel
    );
    let _ = writeln!(
        s,
        "Each workload runs under our supervisor (`svc_cli::run`, the `ours` binary) and under the baseline spawner \
         (`bench/src/bin/baseline.rs`: one thread, fork/exec per child in its own process group, one pipe per child, \
         `poll`, prefixed line copy, SIGTERM forwarding), interleaved: {} repetitions of spawn, logs and restart, {} of \
         idle and deps, one of the slow pipe. Cells are median [min-max]; the ratio is ours / baseline (medians).\n",
        plan.reps, plan.long_reps
    );
    let _ = writeln!(s, "| Metric | Unit | Ours | Baseline | Ours / baseline | Target | Met |");
    let _ = writeln!(s, "|---|---|---|---|---|---|---|");
    for row in rows(plan) {
        let ours = summary(results, row.workload, row.metric, Impl::Ours);
        let base = summary(results, row.workload, row.metric, Impl::Baseline);
        if ours.is_none() && base.is_none() {
            continue;
        }
        // A CPU share shows its decimals even at zero ("0.000", not "0": it was measured, to the nanosecond).
        let digits = |s: Summary| if row.unit == "% core" { 3 } else { digits_for(s.median) };
        let cell = |s: Option<Summary>| s.map_or("-".into(), |s| s.display(digits(s)));
        let ratio = match (ours, base) {
            (Some(o), Some(b)) if b.median != 0.0 => Some(o.median / b.median),
            _ => None,
        };
        let met = match row.target.met(ours, ratio) {
            Some(true) => "yes",
            Some(false) => "**NO**",
            None => "",
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            row.label,
            row.unit,
            cell(ours),
            cell(base),
            ratio.map_or("-".into(), |r| format!("{r:.2}")),
            row.target.describe(),
            met
        );
    }
    if let Some(schedule) = &results.backoff_schedule {
        let _ = writeln!(s, "\nRestart-always under the default backoff (1 s, doubling, max 30 s), ours:");
        match schedule {
            Ok(starts) => {
                // A supervisor that ignores the backoff restarts thousands of times: show the beginning.
                let shown: Vec<String> = starts.iter().take(12).map(|t| format!("{t:.3}")).collect();
                let more =
                    if starts.len() > 12 { format!(", ... ({} starts in all)", starts.len()) } else { String::new() };
                let _ = writeln!(
                    s,
                    "starts at {}{more} s after the first, over {:.0} s (expected 0, 1, 3, 7, 15...).",
                    shown.join(", "),
                    plan.backoff.as_secs_f64()
                );
            }
            Err(e) => {
                let _ = writeln!(s, "failed: {e}");
            }
        }
    }
    if !results.errors.is_empty() {
        let _ = writeln!(s, "\n## Failed runs\n");
        for (workload, imp, rep, e) in &results.errors {
            let _ = writeln!(s, "- {workload} / {imp} / rep {}: {}", rep + 1, e.replace('\n', " "));
        }
    }
    let _ = writeln!(
        s,
        "\nWorkloads: spawn = {} children that report their start through a FIFO, then SIGTERM to the supervisor \
         until every child and the supervisor exited (pidfds); logs = {} children printing {} lines of 80 bytes as \
         fast as they can, stdout a file, every line checked after the exit; slow pipe = the same read at {} KiB/s \
         for {:.0} s, then at full speed; idle = {} sleeping children, CPU over {:.0} s from the threads' \
         /proc/<pid>/task/*/schedstat (exact; clock ticks of /proc/<pid>/stat if a thread came or went), RSS from \
         /proc/<pid>/status, PSS from smaps_rollup; restart = a child that exits 1 at once under restart-always \
         with backoff 0, for {:.0} s; deps = {} processes in {} levels, each depending (healthy) on two of the level \
         above, exec readiness probe `true` every {} ms (for the life of the process, in both supervisors); the \
         ideal is depth x period; scale = N sleeping children (N = {:?}): spawn, RSS after 1 s, SIGTERM -> all \
         gone, and the same per process; ready = {} servers that create a file {} ms after their start, an exec \
         readiness probe `test -f` every {} ms, one dependent each (`process_healthy`): launch -> the last \
         dependent started, against the ideal of {} ms. Raw values: `results.jsonl`. \
         Analysis of missed targets: `ANALYSIS.md`.",
        o.spawn_n,
        o.log_procs,
        plan.log_lines,
        o.slow_kib_s,
        plan.slow.as_secs_f64(),
        o.idle_n,
        plan.idle.as_secs_f64(),
        plan.restart.as_secs_f64(),
        o.deps_n,
        o.deps_depth,
        plan.deps_period_ms,
        plan.scale_ns,
        o.ready_n,
        o.ready_delay_ms,
        o.ready_period_ms,
        o.ready_delay_ms
    );
    s
}

/// Writes RESULTS.md and results.jsonl into `dir`.
pub fn write(dir: &Path, table: &str, machine: &Machine, plan: &Plan, results: &Results) -> Result<(), String> {
    let md = dir.join("RESULTS.md");
    std::fs::write(&md, table).map_err(|e| format!("cannot write {}: {e}", md.display()))?;
    let o = &plan.opts;
    let mut lines = vec![json!({
        "type": "machine",
        "cpu": machine.cpu, "cores": machine.cores, "kernel": machine.kernel, "memory_mib": machine.memory_mib,
        "date": machine.date, "commit": machine.commit,
        "params": {
            "quick": o.quick, "reps": plan.reps, "long_reps": plan.long_reps, "spawn_n": o.spawn_n,
            "log_procs": o.log_procs, "log_lines": plan.log_lines, "slow_s": plan.slow.as_secs_f64(),
            "slow_kib_s": o.slow_kib_s, "idle_n": o.idle_n, "idle_s": plan.idle.as_secs_f64(),
            "restart_s": plan.restart.as_secs_f64(), "backoff_s": plan.backoff.as_secs_f64(),
            "deps_n": o.deps_n, "deps_depth": o.deps_depth, "deps_period_ms": plan.deps_period_ms,
        },
    })];
    for m in &results.measurements {
        lines.push(json!({
            "type": "measurement", "workload": m.workload, "metric": m.metric, "impl": m.imp.name(),
            "rep": m.rep, "value": m.value,
        }));
    }
    for (workload, imp, rep, e) in &results.errors {
        lines.push(json!({ "type": "error", "workload": workload, "impl": imp, "rep": rep, "error": e }));
    }
    if let Some(schedule) = &results.backoff_schedule {
        lines.push(match schedule {
            Ok(starts) => json!({ "type": "backoff_schedule", "impl": "ours", "starts_s": starts }),
            Err(e) => json!({ "type": "backoff_schedule", "impl": "ours", "error": e }),
        });
    }
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let path = dir.join("results.jsonl");
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }

    #[test]
    fn targets() {
        let s = Summary::of(&[0.0, 0.0, 1.0]);
        assert_eq!(Target::MaxAtMost(0.0).met(s, None), Some(false));
        assert_eq!(Target::MedianAtMost(0.0).met(s, None), Some(true));
        assert_eq!(Target::RatioAtLeast(0.7).met(s, Some(0.69)), Some(false));
        assert_eq!(Target::RatioAtMost(1.5).met(s, None), None);
    }
}
