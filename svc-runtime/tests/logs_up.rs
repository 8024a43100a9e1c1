//! Issue scenarios 11 and 12 end to end: real processes under `up`, their output read through the whole
//! supervisor (readers, bounded queue, the single writer) into a sink that is slower than the children.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use svc_core::{Process, Project};
use svc_runtime::{UpOptions, logs::Output, up};

/// Where the supervisor's output goes: kept whole (small outputs), or checked line by line as it streams and
/// then dropped (the flood), so that the test's own memory does not hide or fake a bound.
#[derive(Clone)]
struct Sink(Arc<Mutex<SinkState>>);

#[derive(Default)]
struct SinkState {
    keep: bool,
    bytes: Vec<u8>,
    /// A line split across two writes.
    carry: Vec<u8>,
    seen: u64,
    check: Option<fn(&[u8])>,
}

impl Sink {
    fn keeping() -> Self {
        Sink(Arc::new(Mutex::new(SinkState { keep: true, ..SinkState::default() })))
    }
    fn checking(check: fn(&[u8])) -> Self {
        Sink(Arc::new(Mutex::new(SinkState { check: Some(check), ..SinkState::default() })))
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut state = self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?;
        let before = state.seen >> 20;
        state.seen += buf.len() as u64;
        if state.keep {
            state.bytes.extend_from_slice(buf);
        } else if let Some(check) = state.check {
            state.carry.extend_from_slice(buf);
            let complete = state.carry.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            let rest = state.carry.split_off(complete);
            for line in state.carry.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
                check(line);
            }
            state.carry = rest;
        }
        let slow = state.seen >> 20 > before;
        drop(state);
        // Slower than the children: a little pause per MiB, so that back-pressure is needed.
        if slow {
            std::thread::sleep(Duration::from_millis(4));
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn run(project: Project, sink: Sink) -> i32 {
    let project = project.validate().expect("valid project");
    let options = UpOptions {
        output: Output::Writer(Box::new(sink)),
        handle_signals: false,
        summary: false,
        ..UpOptions::default()
    };
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime
        .block_on(async { tokio::time::timeout(Duration::from_secs(240), up(project, options)).await })
        .expect("up finished in time")
        .expect("up ran")
        .exit_code
}

/// Peak resident memory of this test process (VmHWM), in MiB.
fn peak_rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib / 1024)
}

static NEXT: [AtomicUsize; 8] = [const { AtomicUsize::new(0) }; 8];

/// Checks one output line of the flood: whole, under its own prefix, next in its writer's sequence.
fn check_flood_line(line: &[u8]) {
    let line = std::str::from_utf8(line).expect("ASCII output");
    if line.starts_with("[svc]") {
        return;
    }
    // "w3     | w3 00001234 xxxx...": the prefix, then the process's own line, whole.
    let (prefix, body) = line.split_once(" | ").unwrap_or_else(|| panic!("no prefix: {line:?}"));
    let w: usize = prefix.trim().trim_start_matches('w').parse().unwrap_or_else(|_| panic!("{line:?}"));
    let fields: Vec<&str> = body.split(' ').collect();
    assert_eq!(fields.len(), 3, "merged or split line: {line:?}");
    assert_eq!(fields[0], format!("w{w}"), "line under the wrong prefix: {line:?}");
    let seq: usize = fields[1].parse().unwrap_or_else(|_| panic!("{line:?}"));
    assert_eq!(seq, NEXT[w].load(Ordering::Relaxed), "w{w}: lost, duplicated or reordered line at {line:?}");
    assert_eq!(body.len() + 1, 80, "corrupted line: {line:?}");
    NEXT[w].fetch_add(1, Ordering::Relaxed);
}

#[test]
fn scenario_11_eight_processes_of_200k_lines_arrive_exactly_once_with_bounded_memory() {
    const WRITERS: usize = 8;
    const LINES: usize = 200_000;
    let mut project = Project::new("flood");
    for w in 0..WRITERS {
        // 80-byte lines: "<writer> <sequence> <padding>", as fast as awk can print them.
        let script = format!(
            "awk 'BEGIN {{ pad = sprintf(\"%67s\", \"\"); gsub(/ /, \"x\", pad); \
             for (i = 0; i < {LINES}; i++) printf \"w{w} %08d %s\\n\", i, pad }}'"
        );
        project = project.process(format!("w{w}"), Process::shell(script));
    }
    assert_eq!(run(project, Sink::checking(check_flood_line)), 0);
    let next: Vec<usize> = NEXT.iter().map(|n| n.load(Ordering::Relaxed)).collect();
    assert_eq!(next, [LINES; WRITERS], "every line of every process, exactly once");
    // 1.6 M lines are 140 MiB of output: buffering them without bound would show here.
    let peak = peak_rss_mib();
    eprintln!("peak RSS of the test process: {peak} MiB");
    assert!(peak < 96, "peak RSS {peak} MiB: output is buffered without bound");
}

#[test]
fn scenario_12_a_4_mib_line_and_invalid_utf8_pass_through_up() {
    let project = Project::new("odd")
        // 4 MiB of 'a' without a newline, then exit.
        .process("huge", Process::shell("head -c 4194304 /dev/zero | tr '\\0' a"))
        // Bytes that are not UTF-8, on a line of their own.
        .process("binary", Process::shell(r"printf 'before\377\376after\n'"));
    let sink = Sink::keeping();
    assert_eq!(run(project, sink.clone()), 0);
    let bytes = std::mem::take(&mut sink.0.lock().expect("lock").bytes);

    let huge: usize = bytes
        .split(|b| *b == b'\n')
        .filter(|l| l.starts_with(b"huge"))
        .map(|l| l.iter().filter(|b| **b == b'a').count())
        .sum();
    assert_eq!(huge, 4 * 1024 * 1024, "every byte of the long line arrives, across its pieces");
    assert!(
        bytes.windows(b"before\xff\xfeafter".len()).any(|w| w == b"before\xff\xfeafter"),
        "invalid UTF-8 passes through unchanged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncate_log_empties_the_log_file_at_start_and_appending_is_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let (fresh, kept) = (dir.path().join("fresh.log"), dir.path().join("kept.log"));
    std::fs::write(&fresh, "from an earlier run\n").unwrap();
    std::fs::write(&kept, "from an earlier run\n").unwrap();
    let project = svc_core::Project::new("t")
        .process("fresh", svc_core::Process::shell("echo second run").log_location(&fresh).truncate_log(true))
        .process("kept", svc_core::Process::shell("echo second run").log_location(&kept))
        .validate()
        .unwrap();
    let options = UpOptions { output: Output::Discard, handle_signals: false, ..UpOptions::default() };
    let outcome =
        tokio::time::timeout(std::time::Duration::from_secs(30), up(project, options)).await.unwrap().unwrap();
    assert_eq!(outcome.exit_code, 0);
    assert_eq!(std::fs::read_to_string(&fresh).unwrap(), "second run\n");
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), "from an earlier run\nsecond run\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disable_ansi_colors_removes_escape_sequences_from_a_process_lines() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, colored) = (dir.path().join("plain.log"), dir.path().join("colored.log"));
    let script = "printf '\\033[1;31mred\\033[0m and \\033[2Kcleared\\n'";
    let project = svc_core::Project::new("t")
        .process("plain", svc_core::Process::shell(script).log_location(&plain).disable_ansi_colors(true))
        .process("colored", svc_core::Process::shell(script).log_location(&colored))
        .validate()
        .unwrap();
    let options = UpOptions { output: Output::Discard, handle_signals: false, ..UpOptions::default() };
    let outcome =
        tokio::time::timeout(std::time::Duration::from_secs(30), up(project, options)).await.unwrap().unwrap();
    assert_eq!(outcome.exit_code, 0);
    assert_eq!(std::fs::read_to_string(&plain).unwrap(), "red and cleared\n");
    assert_eq!(std::fs::read_to_string(&colored).unwrap(), "\u{1b}[1;31mred\u{1b}[0m and \u{1b}[2Kcleared\n");
}
