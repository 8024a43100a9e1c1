//! The workloads' children. `bench-child sleep` reports its start and waits for a signal; `bench-child exit1`
//! reports its start and exits 1; `bench-child lines <count>` prints `count` verifiable lines as fast as it can and
//! exits 0; `bench-child ready-after <ms> <file>` creates `file` `ms` after its start (a server becoming ready)
//! and waits for a signal. A start is reported to the harness's FIFO when `SVC_BENCH_FIFO` is set.

use std::io::Write;
use std::os::unix::ffi::OsStrExt;

use svc_bench::lines::{LINE_LEN, write_line};
use svc_bench::notify::{FIFO_ENV, ID_ENV, RUN_ENV, Record};

fn main() {
    // Taken first: the start time the harness measures to.
    let t_ns = svc_bench::monotonic_ns();
    let id = env_u32(ID_ENV);
    let mode = std::env::args().nth(1).unwrap_or_default();
    match mode.as_str() {
        "sleep" => {
            report(id, t_ns);
            loop {
                // SAFETY: pause only waits for a signal; the default SIGTERM action ends the process.
                unsafe { libc::pause() };
            }
        }
        "ready-after" => {
            report(id, t_ns);
            let ms: u64 = std::env::args().nth(2).and_then(|c| c.parse().ok()).unwrap_or(0);
            std::thread::sleep(std::time::Duration::from_millis(ms));
            if let Some(path) = std::env::args().nth(3)
                && let Err(e) = std::fs::write(&path, b"ready")
            {
                eprintln!("bench-child: cannot write {path}: {e}");
            }
            loop {
                // SAFETY: pause only waits for a signal; the default SIGTERM action ends the process.
                unsafe { libc::pause() };
            }
        }
        "exit1" => {
            report(id, t_ns);
            std::process::exit(1);
        }
        "lines" => {
            let count: u64 = std::env::args().nth(2).and_then(|c| c.parse().ok()).unwrap_or(0);
            report(id, t_ns);
            if let Err(e) = print_lines(id, count) {
                eprintln!("bench-child: writing lines failed: {e}");
                std::process::exit(2);
            }
        }
        other => {
            eprintln!(
                "bench-child: unknown mode {other:?}; expected sleep, exit1, lines <count> or ready-after <ms> <file>"
            );
            std::process::exit(64);
        }
    }
}

fn env_u32(key: &str) -> u32 {
    std::env::var(key).ok().and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// Writes one start record to the FIFO (a single write below PIPE_BUF: atomic among concurrent children).
fn report(id: u32, t_ns: u64) {
    let Some(path) = std::env::var_os(FIFO_ENV) else { return };
    let record = Record { id, run: env_u32(RUN_ENV), pid: std::process::id(), t_ns }.encode();
    let Ok(c_path) = std::ffi::CString::new(path.as_bytes()) else { return };
    // SAFETY: a valid C string; the descriptor is closed below.
    let fd = unsafe { libc::open(c_path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC) };
    if fd < 0 {
        eprintln!("bench-child: cannot open {}: {}", path.to_string_lossy(), std::io::Error::last_os_error());
        return;
    }
    // SAFETY: `record` is a live buffer of the given length; fd is open.
    unsafe {
        libc::write(fd, record.as_ptr().cast(), record.len());
        libc::close(fd);
    }
}

fn print_lines(id: u32, count: u64) -> std::io::Result<()> {
    // Whole lines per write, 64 KiB at a time: as fast as a program can print.
    const PER_WRITE: usize = 65536 / LINE_LEN;
    let mut buf = vec![0u8; PER_WRITE * LINE_LEN];
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut seq = 0;
    while seq < count {
        let n = (count - seq).min(PER_WRITE as u64) as usize;
        for (i, line) in buf[..n * LINE_LEN].chunks_exact_mut(LINE_LEN).enumerate() {
            write_line(id, seq + i as u64, line);
        }
        out.write_all(&buf[..n * LINE_LEN])?;
        seq += n as u64;
    }
    out.flush()
}
