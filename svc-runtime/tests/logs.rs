//! The log pipeline with real child processes: volume (scenario 11), huge and invalid lines (scenario 12),
//! back-pressure, log files, rings, status messages, ready lines and stopping a reader whose pipe stays open.
//!
//! Children are started with `std::process` in their own process group and killed (the whole group) by a guard
//! on drop, so a failing assertion leaves nothing behind. Tests that move a lot of data run one at a time
//! (`HEAVY`), so that the memory measurements of one are not disturbed by another.

use std::collections::HashMap;
use std::io::{self, Write};
use std::os::fd::OwnedFd;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use svc_runtime::logs::{
    CONTINUATION_MARKER, ColorChoice, LineWatcher, LogConfig, Logs, Output, ReadSummary, pipe_reader,
};

/// Serialises the tests that move a lot of data.
static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Hang guard for every test.
const TIMEOUT: Duration = Duration::from_secs(180);

/// A child in its own process group; the group is killed and the child reaped on drop.
struct Group {
    child: Child,
}

impl Drop for Group {
    fn drop(&mut self) {
        // SAFETY: plain syscall; the pid is our child, not yet reaped, so the group id is still ours.
        unsafe { libc::kill(-(self.child.id() as i32), libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

impl Group {
    /// Waits for the child to exit (bounded by the test timeout) and returns its exit code.
    async fn wait(&mut self) -> i32 {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "child {} did not exit", self.child.id());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    fn exited(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_some()
    }
}

/// Runs `sh -c script sh args...` with stdout and stderr piped; returns the guard and both read ends.
fn spawn(script: &str, args: &[&str]) -> (Group, OwnedFd, OwnedFd) {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg("sh")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("spawn sh");
    let stdout = OwnedFd::from(child.stdout.take().unwrap());
    let stderr = OwnedFd::from(child.stderr.take().unwrap());
    (Group { child }, stdout, stderr)
}

/// Reads both streams of a child into the pipeline until end of file.
fn read_both(
    logs: &Logs,
    name: &str,
    stdout: OwnedFd,
    stderr: OwnedFd,
    watcher: Option<Arc<LineWatcher>>,
) -> tokio::task::JoinHandle<(ReadSummary, ReadSummary)> {
    let logs = logs.clone();
    let name = name.to_owned();
    tokio::spawn(async move {
        let out = logs.read(&name, pipe_reader(stdout).unwrap(), watcher.clone(), std::future::pending());
        let err = logs.read(&name, pipe_reader(stderr).unwrap(), watcher, std::future::pending());
        let (out, err) = tokio::join!(out, err);
        (out.unwrap(), err.unwrap())
    })
}

/// Current and peak resident memory of this process, in KiB.
fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// A sink that keeps everything written, and checks that every `write` call ends at a line boundary.
#[derive(Clone, Default)]
struct Collect {
    bytes: Arc<Mutex<Vec<u8>>>,
    torn_writes: Arc<Mutex<usize>>,
}

impl Write for Collect {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !buf.ends_with(b"\n") {
            *self.torn_writes.lock().unwrap() += 1;
        }
        self.bytes.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Collect {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.bytes.lock().unwrap())
    }

    /// The lines written, split on `\n`.
    fn lines(&self) -> Vec<Vec<u8>> {
        let bytes = self.bytes.lock().unwrap();
        let mut lines: Vec<Vec<u8>> = bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
        assert_eq!(lines.pop().as_deref(), Some(&b""[..]), "output ends with a newline");
        lines
    }
}

/// Checks the lines of the volume test as they stream by, without keeping them:
/// `<name padded to 5> | <name> <seq:08> <67 x>`; every sequence number of every writer exactly once, in order.
#[derive(Clone)]
struct Verify {
    state: Arc<Mutex<VerifyState>>,
}

struct VerifyState {
    next: HashMap<Vec<u8>, u64>,
    lines: u64,
    problems: Vec<String>,
    torn_writes: usize,
    partial: Vec<u8>,
}

const PAD: usize = 67;

impl Verify {
    fn new() -> Self {
        Verify {
            state: Arc::new(Mutex::new(VerifyState {
                next: HashMap::new(),
                lines: 0,
                problems: Vec::new(),
                torn_writes: 0,
                partial: Vec::new(),
            })),
        }
    }
}

impl VerifyState {
    fn problem(&mut self, message: String) {
        if self.problems.len() < 20 {
            self.problems.push(message);
        }
    }

    fn check(&mut self, line: &[u8]) {
        self.lines += 1;
        let text = String::from_utf8_lossy(line);
        let Some((prefix, content)) = text.split_once(" | ") else {
            return self.problem(format!("no prefix: {text:?}"));
        };
        let name = prefix.trim_end();
        let mut fields = content.splitn(3, ' ');
        let (Some(id), Some(seq), Some(pad)) = (fields.next(), fields.next(), fields.next()) else {
            return self.problem(format!("malformed: {text:?}"));
        };
        if id != name || prefix.len() != 5 || pad.len() != PAD || pad.bytes().any(|b| b != b'x') {
            return self.problem(format!("merged or corrupted: {text:?}"));
        }
        let Ok(seq) = seq.parse::<u64>() else { return self.problem(format!("bad sequence: {text:?}")) };
        let next = self.next.entry(id.as_bytes().to_vec()).or_insert(0);
        if seq != *next {
            let expected = *next;
            *next = seq + 1;
            return self.problem(format!("{id}: got line {seq}, expected {expected}"));
        }
        *next += 1;
    }
}

impl Write for Verify {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut state = self.state.lock().unwrap();
        if !buf.ends_with(b"\n") {
            state.torn_writes += 1;
        }
        let mut data = std::mem::take(&mut state.partial);
        data.extend_from_slice(buf);
        let mut rest = &data[..];
        while let Some(end) = rest.iter().position(|b| *b == b'\n') {
            state.check(&rest[..end]);
            rest = &rest[end + 1..];
        }
        state.partial = rest.to_vec();
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Scenario 11: 8 processes x 200,000 lines of 80 bytes: every line arrives exactly once, whole, in order per
/// process, and memory stays bounded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_11_eight_writers_200k_lines_each_arrive_exactly_once() {
    let _heavy = HEAVY.lock().await;
    tokio::time::timeout(TIMEOUT, async {
        const WRITERS: usize = 8;
        const LINES: u64 = 200_000;
        let names: Vec<String> = (0..WRITERS).map(|i| format!("w{i}")).collect();
        let verify = Verify::new();
        let (logs, writer) = Logs::start(
            LogConfig::new(names.clone()).color(ColorChoice::Never),
            Output::Writer(Box::new(verify.clone())),
        )
        .unwrap();
        let (rss_before, _) = rss_kib();
        let peak_rss = Arc::new(Mutex::new(rss_before));
        let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let sampler = {
            let (peak_rss, sampling) = (peak_rss.clone(), sampling.clone());
            std::thread::spawn(move || {
                while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                    let (rss, _) = rss_kib();
                    let mut peak = peak_rss.lock().unwrap();
                    *peak = (*peak).max(rss);
                    drop(peak);
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
        };
        let started = Instant::now();
        let mut groups = Vec::new();
        let mut readers = Vec::new();
        let script = format!(
            "awk -v id=\"$1\" -v n={LINES} 'BEGIN {{ pad = sprintf(\"%{PAD}s\", \"\"); gsub(/ /, \"x\", pad); \
             for (i = 0; i < n; i++) printf \"w%d %08d %s\\n\", id, i, pad }}'"
        );
        for (i, name) in names.iter().enumerate() {
            let (group, stdout, stderr) = spawn(&script, &[&i.to_string()]);
            groups.push(group);
            readers.push(read_both(&logs, name, stdout, stderr, None));
        }
        for reader in readers {
            let (out, err) = reader.await.unwrap();
            assert_eq!(out.lines, LINES);
            assert_eq!(err.lines, 0);
            assert!(!out.stopped);
        }
        for group in &mut groups {
            assert_eq!(group.wait().await, 0);
        }
        writer.shutdown().await.unwrap();
        let elapsed = started.elapsed();
        let stats = logs.stats();
        sampling.store(false, std::sync::atomic::Ordering::Relaxed);
        sampler.join().unwrap();

        let state = verify.state.lock().unwrap();
        assert!(state.problems.is_empty(), "problems: {:#?}", state.problems);
        assert_eq!(state.lines, WRITERS as u64 * LINES);
        assert!(state.partial.is_empty());
        assert_eq!(state.torn_writes, 0, "every write to the output ends at a line boundary");
        for name in &names {
            assert_eq!(state.next.get(name.as_bytes()), Some(&LINES), "{name}");
        }
        assert_eq!(stats.lines_written, WRITERS as u64 * LINES);
        assert!(stats.peak_queued_bytes <= stats.queue_capacity);
        let peak_rss = *peak_rss.lock().unwrap();
        let grown = peak_rss.saturating_sub(rss_before);
        // 128 MB went through; a pipeline that buffered instead of pushing back would grow by far more. The
        // bound is generous: queue (4 MiB) + read buffers + allocator slack + the debug build's test harness.
        assert!(grown < 96 * 1024, "resident memory grew by {grown} KiB");
        let lines = WRITERS as f64 * LINES as f64;
        eprintln!(
            "scenario 11: {} lines in {:.2?} ({:.0} lines/s, {:.1} MB/s); peak queued {} KiB of {} KiB; \
             RSS {} KiB -> peak {} KiB",
            lines,
            elapsed,
            lines / elapsed.as_secs_f64(),
            lines * 80.0 / elapsed.as_secs_f64() / 1e6,
            stats.peak_queued_bytes / 1024,
            stats.queue_capacity / 1024,
            rss_before,
            peak_rss
        );
    })
    .await
    .expect("timed out");
}

/// Scenario 12: a 4 MiB line without a newline, with bytes that are not UTF-8, arrives completely, cut into
/// marked pieces; a short invalid UTF-8 line passes unchanged; both also reach the process's log file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_12_huge_line_and_invalid_utf8_pass_through() {
    let _heavy = HEAVY.lock().await;
    tokio::time::timeout(TIMEOUT, async {
        let dir = tempfile::tempdir().unwrap();
        // Every byte value except the newline, in a pattern long enough not to repeat within a piece.
        let blob: Vec<u8> = (0..4 * 1024 * 1024u32)
            .map(|i| ((i.wrapping_mul(7) + i / 251) % 256) as u8)
            .filter(|b| *b != b'\n')
            .collect();
        let blob_path = dir.path().join("blob");
        std::fs::write(&blob_path, &blob).unwrap();
        let big_log = dir.path().join("logs/big.log");
        let sink = Collect::default();
        let config = LogConfig::new(["big", "bad"]).color(ColorChoice::Never).log_file("big", &big_log);
        let (logs, writer) = Logs::start(config, Output::Writer(Box::new(sink.clone()))).unwrap();

        let (mut big, out, err) = spawn("cat \"$1\"", &[blob_path.to_str().unwrap()]);
        let big_reader = read_both(&logs, "big", out, err, None);
        let (mut bad, out, err) = spawn("printf 'bad \\377\\376 \\300\\n'; printf 'tail \\355\\240\\200' >&2", &[]);
        let bad_reader = read_both(&logs, "bad", out, err, None);
        let (big_out, _) = big_reader.await.unwrap();
        let (bad_out, bad_err) = bad_reader.await.unwrap();
        assert_eq!(big.wait().await, 0);
        assert_eq!(bad.wait().await, 0);
        writer.shutdown().await.unwrap();

        assert_eq!(big_out.bytes, blob.len() as u64);
        assert!(big_out.cut_pieces >= 63, "a 4 MiB line is cut into 64 KiB pieces: {big_out:?}");
        assert_eq!(big_out.lines, big_out.cut_pieces + 1);
        assert_eq!((bad_out.lines, bad_err.lines), (1, 1));

        let lines = sink.lines();
        let mut joined = Vec::new();
        let mut pieces = 0;
        let mut bad_lines = Vec::new();
        for line in &lines {
            if let Some(piece) = line.strip_prefix(b"big   | ") {
                pieces += 1;
                assert!(piece.len() <= 64 * 1024 + CONTINUATION_MARKER.len());
                match piece.strip_suffix(CONTINUATION_MARKER) {
                    Some(piece) => joined.extend_from_slice(piece),
                    None => {
                        assert_eq!(pieces as u64, big_out.lines, "only the last piece lacks the marker");
                        joined.extend_from_slice(piece);
                    }
                }
            } else if let Some(text) = line.strip_prefix(b"bad   | ") {
                bad_lines.push(text.to_vec());
            } else {
                panic!("unexpected line {:?}", String::from_utf8_lossy(line));
            }
        }
        assert_eq!(pieces as u64, big_out.lines);
        assert!(joined == blob, "the huge line arrives completely ({} of {} bytes)", joined.len(), blob.len());
        assert_eq!(bad_lines.len(), 2);
        assert!(bad_lines.contains(&b"bad \xff\xfe \xc0".to_vec()));
        assert!(bad_lines.contains(&b"tail \xed\xa0\x80".to_vec()), "final line without newline is flushed");

        // The per-process file holds the bare lines (no prefix), with the same pieces.
        let file = std::fs::read(&big_log).unwrap();
        let mut from_file = Vec::new();
        for piece in file.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            from_file.extend_from_slice(piece.strip_suffix(CONTINUATION_MARKER).unwrap_or(piece));
        }
        assert!(from_file == blob, "the log file holds the whole line");
        assert_eq!(*sink.torn_writes.lock().unwrap(), 0);
    })
    .await
    .expect("timed out");
}

/// A slow terminal pushes back on the children: while the output is blocked, the queue stays within its bound,
/// the children block instead of finishing, and memory does not grow with their output; once the output moves
/// again, every line arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_output_blocks_the_children_and_loses_nothing() {
    let _heavy = HEAVY.lock().await;
    tokio::time::timeout(TIMEOUT, async {
        /// Blocks every write until the gate opens.
        #[derive(Clone)]
        struct Gated {
            open: Arc<(std::sync::Mutex<bool>, std::sync::Condvar)>,
            inner: Verify,
        }
        impl Write for Gated {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                let (lock, cvar) = &*self.open;
                let mut open = lock.lock().unwrap();
                while !*open {
                    open = cvar.wait(open).unwrap();
                }
                drop(open);
                self.inner.write(buf)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        const LINES: u64 = 250_000; // 20 MB per writer, far more than the queue and the pipes hold
        let gate =
            Gated { open: Arc::new((std::sync::Mutex::new(false), std::sync::Condvar::new())), inner: Verify::new() };
        let config = LogConfig::new(["w0", "w1"]).color(ColorChoice::Never).queue_bytes(1024 * 1024);
        let (logs, writer) = Logs::start(config, Output::Writer(Box::new(gate.clone()))).unwrap();
        let script = format!(
            "awk -v id=\"$1\" -v n={LINES} 'BEGIN {{ pad = sprintf(\"%{PAD}s\", \"\"); gsub(/ /, \"x\", pad); \
             for (i = 0; i < n; i++) printf \"w%d %08d %s\\n\", id, i, pad }}'"
        );
        let (rss_before, _) = rss_kib();
        let mut groups = Vec::new();
        let mut readers = Vec::new();
        for i in 0..2 {
            let (group, out, err) = spawn(&script, &[&i.to_string()]);
            groups.push(group);
            readers.push(read_both(&logs, &format!("w{i}"), out, err, None));
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let stats = logs.stats();
        let (rss_blocked, _) = rss_kib();
        eprintln!("blocked: {stats:?} rss {rss_before} -> {rss_blocked}");
        assert!(groups.iter_mut().all(|g| !g.exited()), "children must be blocked on their writes");
        assert!(stats.queued_bytes <= stats.queue_capacity && stats.peak_queued_bytes <= stats.queue_capacity);
        assert!(stats.queued_bytes > 0, "the queue filled up: {stats:?}");
        assert!(
            rss_blocked.saturating_sub(rss_before) < 32 * 1024,
            "memory grew by {} KiB while blocked",
            rss_blocked - rss_before
        );
        {
            let (lock, cvar) = &*gate.open;
            *lock.lock().unwrap() = true;
            cvar.notify_all();
        }
        for reader in readers {
            assert_eq!(reader.await.unwrap().0.lines, LINES);
        }
        for group in &mut groups {
            assert_eq!(group.wait().await, 0);
        }
        writer.shutdown().await.unwrap();
        let state = gate.inner.state.lock().unwrap();
        assert!(state.problems.is_empty(), "{:#?}", state.problems);
        assert_eq!(state.lines, 2 * LINES);
    })
    .await
    .expect("timed out");
}

/// Log files, the project log file, status messages, padding, rings, colours and stderr.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_rings_status_and_prefixes() {
    tokio::time::timeout(TIMEOUT, async {
        let dir = tempfile::tempdir().unwrap();
        let (db_log, project_log) = (dir.path().join("db.log"), dir.path().join("project.log"));
        std::fs::write(&db_log, "previous run\n").unwrap();
        let sink = Collect::default();
        let config = LogConfig::new(["db", "backend-api"])
            .color(ColorChoice::Never)
            .log_file("db", &db_log)
            .project_log(&project_log)
            .ring(3, 1024);
        let (logs, writer) = Logs::start(config, Output::Writer(Box::new(sink.clone()))).unwrap();
        logs.status("starting db");
        let (mut db, out, err) = spawn("for i in 1 2 3 4 5; do echo \"db $i\"; done; echo 'db oops' >&2", &[]);
        read_both(&logs, "db", out, err, None).await.unwrap();
        assert_eq!(db.wait().await, 0);
        logs.flush().await;
        logs.status("db is ready\nstarting backend-api");
        let (mut api, out, err) = spawn("printf 'one\\r\\n\\ntwo'", &[]);
        read_both(&logs, "backend-api", out, err, None).await.unwrap();
        assert_eq!(api.wait().await, 0);
        writer.shutdown().await.unwrap();

        let text = String::from_utf8(sink.take()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "[svc]       | starting db");
        // stdout and stderr are read concurrently: only the order within each stream is fixed.
        let db_lines: Vec<&str> = lines.iter().filter(|l| l.starts_with("db ")).copied().collect();
        assert_eq!(db_lines.len(), 6);
        let db_stdout: Vec<&str> = db_lines.iter().filter(|l| !l.contains("oops")).copied().collect();
        assert_eq!(
            db_stdout,
            [
                "db          | db 1",
                "db          | db 2",
                "db          | db 3",
                "db          | db 4",
                "db          | db 5"
            ]
        );
        assert_eq!(
            &lines[7..],
            [
                "[svc]       | db is ready",
                "[svc]       | starting backend-api",
                "backend-api | one",
                "backend-api | ",
                "backend-api | two"
            ]
        );

        let db_file = std::fs::read_to_string(&db_log).unwrap();
        let db_file: Vec<&str> = db_file.lines().collect();
        assert_eq!(db_file[0], "previous run", "the log file is appended to");
        assert_eq!(db_file.len(), 7);
        let bare: Vec<&str> = db_file.iter().filter(|l| l.starts_with("db ") && !l.contains("oops")).copied().collect();
        assert_eq!(bare, ["db 1", "db 2", "db 3", "db 4", "db 5"], "bare lines, in order");
        assert!(db_file.contains(&"db oops"));
        let project = std::fs::read_to_string(&project_log).unwrap();
        assert_eq!(project, text, "the project file gets the same prefixed lines, in the same order");

        assert_eq!(logs.recent("backend-api", 10).unwrap(), ["one", "", "two"]);
        assert_eq!(logs.recent("db", 10).unwrap().len(), 3, "the ring keeps 3 lines");
        assert_eq!(logs.recent("nope", 10), None);
    })
    .await
    .expect("timed out");
}

#[tokio::test]
async fn colours_only_when_asked_or_on_a_terminal() {
    for (choice, coloured) in [(ColorChoice::Always, true), (ColorChoice::Never, false), (ColorChoice::Auto, false)] {
        let sink = Collect::default();
        let (logs, writer) =
            Logs::start(LogConfig::new(["a", "b"]).color(choice), Output::Writer(Box::new(sink.clone()))).unwrap();
        logs.read("a", &b"x\n"[..], None, std::future::pending()).await.unwrap();
        logs.read("b", &b"y\n"[..], None, std::future::pending()).await.unwrap();
        writer.shutdown().await.unwrap();
        let text = String::from_utf8(sink.take()).unwrap();
        if coloured {
            assert_eq!(text, "\x1b[96ma     |\x1b[0m x\n\x1b[93mb     |\x1b[0m y\n");
        } else {
            assert_eq!(text, "a     | x\nb     | y\n");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_line_is_seen_on_stderr_and_missing_one_is_reported() {
    tokio::time::timeout(TIMEOUT, async {
        let (logs, writer) = Logs::start(LogConfig::new(["db", "web"]), Output::Discard).unwrap();

        let (watcher, mut ready) = LineWatcher::new("ready to accept connections");
        let (db, out, err) =
            spawn("echo booting; echo 'LOG: database system is ready to accept connections' >&2; sleep 30", &[]);
        let reader = read_both(&logs, "db", out, err, Some(watcher));
        tokio::time::timeout(Duration::from_secs(10), ready.wait_for(|seen| *seen))
            .await
            .expect("ready line not seen in time")
            .expect("readers ended without the ready line");
        drop(db); // kills the group: the readers reach end of file
        reader.await.unwrap();

        let (watcher, mut ready) = LineWatcher::new("listening");
        let (mut web, out, err) = spawn("echo starting; exit 3", &[]);
        let reader = read_both(&logs, "web", out, err, Some(watcher));
        assert!(ready.wait_for(|seen| *seen).await.is_err(), "the process ended without its ready line");
        reader.await.unwrap();
        assert_eq!(web.wait().await, 3);
        writer.shutdown().await.unwrap();
    })
    .await
    .expect("timed out");
}

/// A descendant that keeps the pipe open must not keep the reader forever: `stop` ends it, and the unfinished
/// line read so far is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_ends_a_reader_whose_pipe_an_orphan_holds_open() {
    tokio::time::timeout(TIMEOUT, async {
        let sink = Collect::default();
        let (logs, writer) =
            Logs::start(LogConfig::new(["p"]).color(ColorChoice::Never), Output::Writer(Box::new(sink.clone())))
                .unwrap();
        let (mut group, out, _err) = spawn("printf 'partial'; sleep 30 & exit 0", &[]);
        let started = Instant::now();
        let summary = logs
            .read("p", pipe_reader(out).unwrap(), None, tokio::time::sleep(Duration::from_millis(500)))
            .await
            .unwrap();
        assert!(summary.stopped);
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(group.wait().await, 0);
        writer.shutdown().await.unwrap();
        assert_eq!(sink.take(), b"p     | partial\n");
    })
    .await
    .expect("timed out");
}

#[tokio::test]
async fn unknown_process_and_writer_gone_are_errors() {
    let (logs, writer) = Logs::start(LogConfig::new(["a"]), Output::Discard).unwrap();
    let err = logs.read("zzz", &b"x\n"[..], None, std::future::pending()).await.unwrap_err();
    assert!(err.to_string().contains("`zzz`"), "{err}");
    writer.shutdown().await.unwrap();
    let err = logs.read("a", &b"x\n"[..], None, std::future::pending()).await.unwrap_err();
    assert!(err.to_string().contains("shut down"), "{err}");
    // Status after shutdown is dropped quietly.
    logs.status("late");
}

#[test]
fn a_log_file_that_cannot_be_opened_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "").unwrap();
    let config = LogConfig::new(["a"]).log_file("a", blocker.join("sub/a.log"));
    let err = Logs::start(config, Output::Discard).unwrap_err();
    assert!(err.to_string().contains("sub/a.log") || err.to_string().contains("file"), "{err}");
    assert!(err.to_string().contains("cannot open the log file"), "{err}");
}

/// The watcher fires after the matching line was queued: a status written in reaction comes after the line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_written_on_the_ready_line_comes_after_it() {
    tokio::time::timeout(TIMEOUT, async {
        let sink = Collect::default();
        let (logs, writer) =
            Logs::start(LogConfig::new(["db"]).color(ColorChoice::Never), Output::Writer(Box::new(sink.clone())))
                .unwrap();
        let (watcher, mut ready) = LineWatcher::new("READY");
        let (db, out, err) = spawn("echo one; echo READY now; sleep 30", &[]);
        let reader = read_both(&logs, "db", out, err, Some(watcher));
        ready.wait_for(|seen| *seen).await.unwrap();
        logs.status("db is ready");
        drop(db);
        reader.await.unwrap();
        writer.shutdown().await.unwrap();
        let text = String::from_utf8(sink.take()).unwrap();
        assert_eq!(text, "db    | one\ndb    | READY now\n[svc] | db is ready\n");
    })
    .await
    .expect("timed out");
}
