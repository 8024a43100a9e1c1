//! Benchmark tooling for `svc`: the workload description shared by the baseline spawner and our supervisor, the
//! child helper's wire format, `/proc` readers, the log-line format and verifier, and summary statistics.
//!
//! Binaries: `harness` (runs every workload against both supervisors and writes `bench/RESULTS.md`), `baseline`
//! (the least a supervisor must do), `ours` (the same workload under `svc_cli::run`) and `bench-child` (the
//! workload's children).

#![warn(missing_docs)]

pub mod lines;
pub mod notify;
pub mod procfs;
pub mod spec;
pub mod stats;

/// `CLOCK_MONOTONIC` in nanoseconds: the one clock the harness, the supervisors and the children share.
pub fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Environment variable naming the workload file (JSON [`spec::Spec`]) for `baseline` and `ours`.
pub const SPEC_ENV: &str = "SVC_BENCH_SPEC";
