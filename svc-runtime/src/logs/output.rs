//! The writer: one thread that owns the terminal (and the log files) and writes every line whole.
//!
//! It runs on a dedicated OS thread rather than a tokio task because writing to a terminal or a pipe blocks:
//! when stdout is slow the thread blocks in `write`, the bounded queue fills, the readers stop reading and the
//! children block on their own writes. Lines are appended to a buffer that is written out whenever it holds
//! [`FLUSH_AT`] bytes or the queue is empty, always at a line boundary, so a `write` never ends mid-line.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::{OwnedSemaphorePermit, mpsc, oneshot};

use super::file::LogFile;
use super::format::FileFormat;
use super::line::{CONTINUATION_MARKER, LineRef};
use super::ring::LineRing;

/// A buffer is written out once it holds this many bytes (and whenever the queue is empty).
pub(crate) const FLUSH_AT: usize = 64 * 1024;

/// A message to the writer thread.
pub(crate) enum Message {
    /// Lines read from one process.
    Lines(Batch),
    /// A status message of the supervisor (may hold several lines).
    Status(String),
    /// Reply once everything sent before has been written and flushed.
    Flush(oneshot::Sender<()>),
    /// Write and flush everything sent before, reply with the first write error, and end.
    Shutdown(oneshot::Sender<Option<String>>),
}

/// Complete lines read from one stream of one process, in one buffer.
pub(crate) struct Batch {
    /// Index of the process in the writer's sources.
    pub source: usize,
    /// The bytes the lines point into.
    pub data: Vec<u8>,
    /// The lines, in order.
    pub lines: Vec<LineRef>,
    /// They were read from standard error.
    pub stderr: bool,
    /// Queue space held by this batch, released when the batch has been written (dropped).
    pub _permit: OwnedSemaphorePermit,
}

/// A buffered destination that is written at line boundaries and switched off after its first error.
pub(crate) struct Sink {
    what: String,
    out: Out,
    buf: Vec<u8>,
    failed: bool,
    /// Write every line out at once (`flush_each_line`).
    each_line: bool,
}

/// Where a sink writes.
enum Out {
    Stream(Box<dyn Write + Send>),
    File(LogFile),
}

impl Sink {
    /// A sink described as `what` in error messages (e.g. "stdout", "log file /tmp/x.log").
    pub(crate) fn new(what: impl Into<String>, out: Box<dyn Write + Send>) -> Self {
        Sink {
            what: what.into(),
            out: Out::Stream(out),
            buf: Vec::with_capacity(FLUSH_AT),
            failed: false,
            each_line: false,
        }
    }

    /// A sink writing a log file (which may rotate); `each_line` writes every line out at once.
    pub(crate) fn file(file: LogFile, each_line: bool) -> Self {
        let what = format!("the log file {}", file.path().display());
        Sink { what, out: Out::File(file), buf: Vec::with_capacity(FLUSH_AT), failed: false, each_line }
    }

    /// The log file this sink writes, if it writes one.
    pub(crate) fn path(&self) -> Option<&std::path::Path> {
        match &self.out {
            Out::File(file) => Some(file.path()),
            Out::Stream(_) => None,
        }
    }

    /// Sets `flush_each_line` (a file shared by several processes writes each line out if one of them asks).
    pub(crate) fn each_line(&mut self, yes: bool) {
        self.each_line |= yes;
    }

    fn line(&mut self, prefix: &[u8], line: &[u8], continued: bool, errors: &mut Errors) {
        self.push(errors, |buf| {
            buf.extend_from_slice(prefix);
            buf.extend_from_slice(line);
            if continued {
                buf.extend_from_slice(CONTINUATION_MARKER);
            }
            buf.push(b'\n');
        });
    }

    /// Appends one line with `fill` (which must end it with a newline), rotating the file first if the line
    /// would not fit in it, and writes the buffer out when it is full.
    #[inline]
    fn push(&mut self, errors: &mut Errors, fill: impl FnOnce(&mut Vec<u8>)) {
        if self.failed {
            return;
        }
        let start = self.buf.len();
        fill(&mut self.buf);
        if let Out::File(file) = &self.out
            && file.rotates()
        {
            self.rotate_if_full(start, errors);
        }
        if self.buf.len() >= FLUSH_AT || self.each_line {
            self.write_out(errors);
        }
    }

    /// The line at `buf[start..]` was just added: if the file cannot take the buffer, write the lines before it
    /// to the current file and rotate, so that the line starts the new file.
    #[cold]
    fn rotate_if_full(&mut self, start: usize, errors: &mut Errors) {
        let Out::File(file) = &mut self.out else { return };
        if !file.is_full(start, self.buf.len() - start) {
            return;
        }
        if let Err(e) = write_all(file, &self.buf[..start]) {
            return self.fail(e, errors);
        }
        self.buf.drain(..start);
        if let Err(e) = file.rotate() {
            errors.report(format!(
                "cannot rotate {}: {e}; it goes on growing (check that its directory is writable)",
                self.what
            ));
        }
    }

    fn write_out(&mut self, errors: &mut Errors) {
        if self.failed || self.buf.is_empty() {
            return;
        }
        let out: &mut dyn Write = match &mut self.out {
            Out::Stream(out) => out,
            Out::File(file) => file,
        };
        if let Err(e) = write_all(out, &self.buf) {
            self.fail(e, errors);
        }
        self.buf.clear();
    }

    fn flush(&mut self, errors: &mut Errors) {
        self.write_out(errors);
        let out: &mut dyn Write = match &mut self.out {
            Out::Stream(out) => out,
            Out::File(file) => file,
        };
        if !self.failed
            && let Err(e) = out.flush()
        {
            self.fail(e, errors);
        }
    }

    fn fail(&mut self, e: io::Error, errors: &mut Errors) {
        self.failed = true;
        self.buf = Vec::new();
        errors.report(format!("cannot write logs to {}: {e}; nothing more is written there", self.what));
    }
}

/// `write_all` that also waits out `WouldBlock`: a stdout inherited in non-blocking mode (some tools leave a
/// shared terminal or pipe so) must slow the writer down, not switch the output off.
fn write_all(out: &mut dyn Write, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        match out.write(data) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // Only reached when the output is full and non-blocking; the thread has nothing else to do.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::sleep(std::time::Duration::from_millis(1)),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The first write error, kept for the shutdown report; every error is also printed to stderr once.
#[derive(Default)]
struct Errors {
    first: Option<String>,
}

impl Errors {
    fn report(&mut self, message: String) {
        // stderr, not the log output: the log output may be the thing that failed.
        eprintln!("svc: {message}");
        self.first.get_or_insert(message);
    }
}

/// Where one process's lines go, besides the terminal.
pub(crate) struct Source {
    /// `name | ` padded, coloured when the terminal gets colour.
    pub terminal_prefix: Vec<u8>,
    /// `name | ` padded, never coloured (project log file).
    pub file_prefix: Vec<u8>,
    /// The process's own log file: an index in the writer's files (processes may share one).
    pub file: Option<usize>,
    /// How its lines are written to that file.
    pub format: FileFormat,
    /// The process's recent lines.
    pub ring: Arc<Mutex<LineRing>>,
    /// Remove ANSI escape sequences (colours, cursor moves) from its lines everywhere (`disable_ansi_colors`).
    pub strip_ansi: bool,
}

/// Counters shared with the [`Logs`](super::Logs) handles.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub lines: AtomicU64,
    pub bytes: AtomicU64,
}

/// The writer thread's state.
pub(crate) struct Writer {
    pub terminal: Option<Sink>,
    pub project_file: Option<Sink>,
    pub files: Vec<Sink>,
    pub sources: Vec<Source>,
    pub status_terminal_prefix: Vec<u8>,
    pub status_file_prefix: Vec<u8>,
    pub counters: Arc<Counters>,
    errors: Errors,
}

impl Writer {
    pub(crate) fn new(
        terminal: Option<Sink>,
        project_file: Option<Sink>,
        files: Vec<Sink>,
        sources: Vec<Source>,
        status_terminal_prefix: Vec<u8>,
        status_file_prefix: Vec<u8>,
        counters: Arc<Counters>,
    ) -> Self {
        Writer {
            terminal,
            project_file,
            files,
            sources,
            status_terminal_prefix,
            status_file_prefix,
            counters,
            errors: Errors::default(),
        }
    }

    /// Runs until a shutdown message arrives or every sender is gone.
    pub(crate) fn run(mut self, mut rx: mpsc::UnboundedReceiver<Message>) {
        loop {
            let message = match rx.try_recv() {
                Ok(message) => message,
                Err(TryRecvError::Empty) => {
                    // The queue is drained: make everything visible before sleeping.
                    self.flush_all();
                    match rx.blocking_recv() {
                        Some(message) => message,
                        None => break,
                    }
                }
                Err(TryRecvError::Disconnected) => break,
            };
            match message {
                Message::Lines(batch) => self.write_batch(&batch),
                Message::Status(text) => self.write_status(&text),
                Message::Flush(reply) => {
                    self.flush_all();
                    let _ = reply.send(());
                }
                Message::Shutdown(reply) => {
                    self.flush_all();
                    let _ = reply.send(self.errors.first.take());
                    return;
                }
            }
        }
        self.flush_all();
    }

    fn write_batch(&mut self, batch: &Batch) {
        let Some(source) = self.sources.get_mut(batch.source) else { return };
        let mut file = source.file.and_then(|i| self.files.get_mut(i));
        if file.is_some() && source.format.needs_time() {
            // One time per batch: its lines were read together.
            source.format.set_time(&chrono::Local::now());
        }
        let format = &source.format;
        let mut ring = source.ring.lock().unwrap_or_else(PoisonError::into_inner);
        let mut bytes = 0;
        for line in &batch.lines {
            let stripped;
            let mut text = line.bytes(&batch.data);
            if source.strip_ansi {
                stripped = strip_ansi_escapes::strip(text);
                text = &stripped;
            }
            bytes += text.len() as u64 + 1;
            if let Some(terminal) = &mut self.terminal {
                terminal.line(&source.terminal_prefix, text, line.continued, &mut self.errors);
            }
            if let Some(file) = &mut file {
                file.push(&mut self.errors, |buf| format.write(buf, text, line.continued, batch.stderr));
            }
            if let Some(project) = &mut self.project_file {
                project.line(&source.file_prefix, text, line.continued, &mut self.errors);
            }
            ring.push(text, line.continued);
        }
        drop(ring);
        self.counters.lines.fetch_add(batch.lines.len() as u64, Ordering::Relaxed);
        self.counters.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    fn write_status(&mut self, text: &str) {
        for line in text.lines() {
            if let Some(terminal) = &mut self.terminal {
                terminal.line(&self.status_terminal_prefix, line.as_bytes(), false, &mut self.errors);
            }
            if let Some(project) = &mut self.project_file {
                project.line(&self.status_file_prefix, line.as_bytes(), false, &mut self.errors);
            }
        }
    }

    fn flush_all(&mut self) {
        if let Some(terminal) = &mut self.terminal {
            terminal.flush(&mut self.errors);
        }
        if let Some(project) = &mut self.project_file {
            project.flush(&mut self.errors);
        }
        for file in &mut self.files {
            file.flush(&mut self.errors);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that accepts `budget` bytes, then fails; records every `write` call.
    struct Recorder {
        writes: Arc<Mutex<Vec<Vec<u8>>>>,
        budget: usize,
    }

    impl Write for Recorder {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.budget < buf.len() {
                return Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"));
            }
            self.budget -= buf.len();
            self.writes.lock().unwrap().push(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn writes_end_at_line_boundaries_and_a_failed_sink_goes_quiet() {
        let writes = Arc::new(Mutex::new(Vec::new()));
        let mut sink = Sink::new("test", Box::new(Recorder { writes: writes.clone(), budget: 4 * FLUSH_AT }));
        let mut errors = Errors::default();
        let line = vec![b'a'; 1000];
        for _ in 0..200 {
            sink.line(b"p | ", &line, false, &mut errors);
        }
        sink.flush(&mut errors);
        let written = writes.lock().unwrap().clone();
        assert!(written.len() >= 2, "large output is written in several chunks");
        for chunk in &written {
            assert!(chunk.ends_with(b"\n"));
            assert!(chunk.split(|b| *b == b'\n').filter(|l| !l.is_empty()).all(|l| l.len() == 1004));
        }
        assert_eq!(written.iter().map(Vec::len).sum::<usize>(), 200 * 1005);
        // Budget exhausted: the next write fails, the sink reports once and drops everything after.
        for _ in 0..200 {
            sink.line(b"p | ", &line, true, &mut errors);
        }
        sink.flush(&mut errors);
        assert!(sink.failed);
        assert!(errors.first.as_deref().is_some_and(|e| e.contains("cannot write logs to test")));
    }

    /// Accepts at most 7 bytes per call and refuses every other call with `WouldBlock`.
    struct Choppy {
        out: Vec<u8>,
        calls: usize,
    }

    impl Write for Choppy {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.calls += 1;
            if self.calls.is_multiple_of(2) {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            let n = buf.len().min(7);
            self.out.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn short_writes_and_would_block_are_retried() {
        let mut out = Choppy { out: Vec::new(), calls: 0 };
        write_all(&mut out, b"a line of text\nanother\n").unwrap();
        assert_eq!(out.out, b"a line of text\nanother\n");
    }
}
