//! The log pipeline: children's output, read as raw bytes, written as whole prefixed lines.
//!
//! ```text
//! child stdout ─pipe─> reader task ─┐ batches of lines (bounded queue, in bytes)
//! child stderr ─pipe─> reader task ─┼──────────────────────────────> writer thread ─> terminal (stdout)
//! supervisor status (Logs::status) ─┘                                      ├──────> per-process log files
//!                                                                          ├──────> project log file
//!                                                                          └──────> per-process ring of recent lines
//! ```
//!
//! - **Readers** ([`Logs::read`]) read raw bytes (lines need not be UTF-8) into a buffer, find the lines in place
//!   and send them to the writer as one batch per read: no task, message or allocation per line. A line longer
//!   than the cap ([`LogConfig::line_cap`], 64 KiB by default) is cut into pieces written as separate lines, each
//!   but the last ending with [`CONTINUATION_MARKER`]; a final line without newline is written at end of input;
//!   one `\r` before `\n` is dropped; bytes that are not UTF-8 are written unchanged (the ring's text accessor
//!   shows them as U+FFFD).
//! - **Back-pressure**: the queue between readers and writer is bounded in bytes ([`LogConfig::queue_bytes`]).
//!   When the terminal is slow the writer blocks, the queue fills, readers wait for room instead of reading, and
//!   the children block in `write`: no line is dropped and memory stays bounded (queue + one read buffer of at
//!   most cap + 64 KiB per reader).
//! - **The writer** is one thread that owns the terminal: each line is written whole as
//!   `<name padded to the longest name> | <line>\n`, the prefix coloured per process when the output is a
//!   terminal and `NO_COLOR` is unset ([`ColorChoice`]). Output is buffered and written at line boundaries when
//!   64 KiB have accumulated or the queue is empty. The same thread writes the log files (per-process files hold
//!   the bare lines, the project file the prefixed lines, never coloured), so every destination sees the same
//!   order, and the rings of recent lines ([`Logs::recent`]).
//! - **Status messages** of the supervisor ([`Logs::status`]) go through the same queue, prefixed with
//!   [`LogConfig::status_label`] (`[svc]`, which no process name can be).
//! - **Ready lines**: a [`LineWatcher`] given to the readers of a process reports the first line containing its
//!   `ready_log_line`.
//!
//! All output to stdout must go through the writer while it runs; anything printed directly may land between
//! two chunks (never inside a line the writer wrote, but out of order).

mod file;
mod format;
mod line;
mod output;
mod reader;
mod ring;
#[cfg(test)]
mod tests;

use std::fmt;
use std::fs::File;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use indexmap::IndexMap;
use tokio::sync::{Semaphore, mpsc, oneshot};

pub use line::{CONTINUATION_MARKER, LineRef, LineSplitter, LineWatcher};
pub use reader::{PTY_HANGUP_ERRNO, ReadSummary, Stream, TtyReader, pipe_reader, tty_reader};
pub use ring::LineRing;

use file::LogFile;
use format::FileFormat;
use output::{Counters, Message, Sink, Source, Writer};
use svc_core::LogConfiguration;

/// Lines longer than this are cut into pieces by default (64 KiB).
pub const DEFAULT_LINE_CAP: usize = 64 * 1024;
/// Default bound of the queue between readers and the writer (4 MiB).
pub const DEFAULT_QUEUE_BYTES: usize = 4 * 1024 * 1024;
/// Default number of recent lines kept per process.
pub const DEFAULT_RING_LINES: usize = 1000;
/// Default bound of the bytes of recent lines kept per process (256 KiB).
pub const DEFAULT_RING_BYTES: usize = 256 * 1024;
/// Default prefix label of the supervisor's own messages; brackets cannot appear in a process name.
pub const DEFAULT_STATUS_LABEL: &str = "[svc]";

/// Whether the terminal output is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    /// Colour when the output is a terminal and `NO_COLOR` is unset or empty.
    #[default]
    Auto,
    /// Always colour (even into a pipe, and despite `NO_COLOR`).
    Always,
    /// Never colour.
    Never,
}

/// Where the writer sends the prefixed lines.
pub enum Output {
    /// The supervisor's stdout.
    Stdout,
    /// Any writer (tests, a file, a pipe); treated as not a terminal, so coloured only with
    /// [`ColorChoice::Always`].
    Writer(Box<dyn Write + Send>),
    /// Nowhere (log files and rings only, e.g. under a TUI).
    Discard,
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Output::Stdout => "Stdout",
            Output::Writer(_) => "Writer",
            Output::Discard => "Discard",
        })
    }
}

/// One process whose output goes through the pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessLog {
    /// The process name (the line prefix).
    pub name: String,
    /// Its own log file (`Process::log_location`), if any. Processes may share one (process-compose's top-level
    /// `log_location`): it is opened once, and rotates with the settings of the first process that names it.
    pub log_file: Option<PathBuf>,
    /// How lines are written to the log file (`Process::log_configuration`; default: the bare lines).
    pub file_format: LogConfiguration,
    /// Its replica number, written in the JSON and text formats' metadata.
    pub replica: u32,
    /// Recent lines kept (`Process::log_length`); [`LogConfig::ring_lines`] when unset.
    pub ring_lines: Option<usize>,
    /// Empty its log file when it is opened (`Process::truncate_log`).
    pub truncate: bool,
    /// Remove ANSI escape sequences from its lines (`Process::disable_ansi_colors`).
    pub strip_ansi: bool,
}

impl ProcessLog {
    /// Process `name` with no log file and the default settings.
    pub fn new(name: impl Into<String>) -> Self {
        ProcessLog {
            name: name.into(),
            log_file: None,
            file_format: LogConfiguration::default(),
            replica: 0,
            ring_lines: None,
            truncate: false,
            strip_ansi: false,
        }
    }
}

/// Settings of the log pipeline.
#[derive(Debug, Clone)]
pub struct LogConfig {
    /// Every process that may produce output, in display order (colours are assigned in this order).
    pub processes: Vec<ProcessLog>,
    /// The project log file: every line of every process, prefixed, plus the status messages.
    pub project_log: Option<PathBuf>,
    /// Colouring of the terminal output.
    pub color: ColorChoice,
    /// Lines longer than this many bytes are cut into pieces (at least 16).
    pub line_cap: usize,
    /// Bound of the bytes queued between the readers and the writer; raised to at least
    /// 2 x (line cap + 64 KiB) so that two of the largest batches fit.
    pub queue_bytes: usize,
    /// Recent lines kept per process.
    pub ring_lines: usize,
    /// Bound of the bytes of recent lines kept per process.
    pub ring_bytes: usize,
    /// Truncate log files when the pipeline starts instead of appending to them.
    pub truncate_files: bool,
    /// Prefix label of [`Logs::status`] messages.
    pub status_label: String,
}

impl LogConfig {
    /// Defaults for processes `names` (no log files).
    pub fn new<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        LogConfig {
            processes: names.into_iter().map(ProcessLog::new).collect(),
            project_log: None,
            color: ColorChoice::Auto,
            line_cap: DEFAULT_LINE_CAP,
            queue_bytes: DEFAULT_QUEUE_BYTES,
            ring_lines: DEFAULT_RING_LINES,
            ring_bytes: DEFAULT_RING_BYTES,
            truncate_files: false,
            status_label: DEFAULT_STATUS_LABEL.into(),
        }
    }

    /// Defaults for every process of `project`, with their `log_location` files, `log_configuration` and
    /// `log_length`. The replica number is the process's `PC_REPLICA_NUM` (set by the process-compose import), else
    /// 0.
    pub fn from_project(project: &svc_core::ValidProject) -> Self {
        let mut config = Self::new(Vec::<String>::new());
        config.processes = project
            .processes()
            .iter()
            .map(|(name, process)| ProcessLog {
                name: name.clone(),
                log_file: process.log_location.clone(),
                file_format: process.log_configuration.clone().unwrap_or_default(),
                replica: process.environment.get("PC_REPLICA_NUM").and_then(|n| n.parse().ok()).unwrap_or(0),
                ring_lines: process.log_length,
                truncate: process.truncate_log,
                strip_ansi: process.disable_ansi_colors,
            })
            .collect();
        config
    }

    /// Sets the project log file.
    pub fn project_log(mut self, path: impl Into<PathBuf>) -> Self {
        self.project_log = Some(path.into());
        self
    }

    /// Sets the log file of process `name` (ignored if there is no such process).
    pub fn log_file(mut self, name: &str, path: impl Into<PathBuf>) -> Self {
        if let Some(process) = self.processes.iter_mut().find(|p| p.name == name) {
            process.log_file = Some(path.into());
        }
        self
    }

    /// Sets how the log file of process `name` is written (ignored if there is no such process).
    pub fn file_format(mut self, name: &str, format: LogConfiguration) -> Self {
        if let Some(process) = self.processes.iter_mut().find(|p| p.name == name) {
            process.file_format = format;
        }
        self
    }

    /// Sets the number of recent lines kept for process `name` (ignored if there is no such process).
    pub fn ring_lines_of(mut self, name: &str, lines: usize) -> Self {
        if let Some(process) = self.processes.iter_mut().find(|p| p.name == name) {
            process.ring_lines = Some(lines);
        }
        self
    }

    /// Sets the colouring.
    pub fn color(mut self, color: ColorChoice) -> Self {
        self.color = color;
        self
    }

    /// Sets the line length cap.
    pub fn line_cap(mut self, bytes: usize) -> Self {
        self.line_cap = bytes;
        self
    }

    /// Sets the queue bound.
    pub fn queue_bytes(mut self, bytes: usize) -> Self {
        self.queue_bytes = bytes;
        self
    }

    /// Sets the bounds of the per-process rings of recent lines.
    pub fn ring(mut self, lines: usize, bytes: usize) -> Self {
        self.ring_lines = lines;
        self.ring_bytes = bytes;
        self
    }

    /// Truncate log files at start instead of appending.
    pub fn truncate_files(mut self, yes: bool) -> Self {
        self.truncate_files = yes;
        self
    }
}

/// Why the pipeline could not start or a reader stopped.
#[derive(Debug)]
pub enum LogError {
    /// A log file could not be opened.
    File {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The writer thread could not be started.
    Thread(io::Error),
    /// [`Logs::read`] was given a process that is not in [`LogConfig::processes`].
    UnknownProcess(String),
    /// Reading the child's output failed (the lines read before were written).
    Read {
        /// The process.
        process: String,
        /// The cause.
        source: io::Error,
    },
    /// The writer has shut down; nothing more can be written.
    WriterGone,
}

impl fmt::Display for LogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogError::File { path, source } => write!(
                f,
                "cannot open the log file {}: {source} (check that its directory is writable, or change the \
                 log location)",
                path.display()
            ),
            LogError::Thread(e) => write!(f, "cannot start the log writer thread: {e}"),
            LogError::UnknownProcess(name) => {
                write!(f, "no log source for process `{name}`: list it in LogConfig::processes")
            }
            LogError::Read { process, source } => write!(f, "cannot read the output of `{process}`: {source}"),
            LogError::WriterGone => f.write_str("the log writer has shut down"),
        }
    }
}

impl std::error::Error for LogError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LogError::File { source, .. } | LogError::Read { source, .. } => Some(source),
            LogError::Thread(e) => Some(e),
            _ => None,
        }
    }
}

/// Counters of the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogStats {
    /// Lines (and pieces of cut lines) written so far.
    pub lines_written: u64,
    /// Bytes of those lines, newline included, prefix excluded.
    pub bytes_written: u64,
    /// Bytes queued for the writer now.
    pub queued_bytes: usize,
    /// Most bytes ever queued at once.
    pub peak_queued_bytes: usize,
    /// The queue bound.
    pub queue_capacity: usize,
}

/// A handle to the log pipeline; cheap to clone, one per task that needs it.
#[derive(Clone)]
pub struct Logs {
    inner: Arc<Inner>,
}

struct Inner {
    tx: mpsc::UnboundedSender<Message>,
    queue: Arc<Semaphore>,
    queue_capacity: usize,
    peak_queued: AtomicUsize,
    sources: IndexMap<String, Arc<Mutex<LineRing>>>,
    line_cap: usize,
    counters: Arc<Counters>,
}

impl fmt::Debug for Logs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Logs").field("processes", &self.inner.sources.keys().collect::<Vec<_>>()).finish()
    }
}

/// The writer thread; [`shutdown`](Self::shutdown) it to write out everything queued.
#[derive(Debug)]
pub struct LogWriter {
    tx: mpsc::UnboundedSender<Message>,
    thread: Option<JoinHandle<()>>,
}

/// ANSI colours of process prefixes, in assignment order (bright first; red last, it reads as an error).
const PALETTE: [&str; 10] = ["96", "93", "92", "95", "94", "36", "33", "32", "35", "91"];

impl Logs {
    /// Opens the log files and starts the writer thread. Works inside or outside a tokio runtime.
    pub fn start(config: LogConfig, output: Output) -> Result<(Logs, LogWriter), LogError> {
        let line_cap = config.line_cap.max(16);
        // A batch holds at most a read chunk plus one capped line: the queue must fit at least two.
        let queue_capacity = config.queue_bytes.max(2 * (line_cap + reader::READ_CHUNK) + 4096);
        let (terminal, is_terminal) = match output {
            Output::Stdout => (Some(Sink::new("stdout", Box::new(io::stdout()))), io::stdout().is_terminal()),
            Output::Writer(w) => (Some(Sink::new("the log output", w)), false),
            Output::Discard => (None, false),
        };
        let color = match config.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        };
        let width = config.processes.iter().map(|p| p.name.len()).chain([config.status_label.len()]).max();
        let width = width.unwrap_or(0);
        let plain = |label: &str| format!("{label:<width$} | ").into_bytes();
        let colored = |label: &str, code: &str| format!("\x1b[{code}m{label:<width$} |\x1b[0m ").into_bytes();

        let mut sources = Vec::with_capacity(config.processes.len());
        let mut rings = IndexMap::with_capacity(config.processes.len());
        let mut files: Vec<Sink> = Vec::new();
        for (i, process) in config.processes.iter().enumerate() {
            let file = match &process.log_file {
                // The same path from several processes: one file (and one rotation).
                Some(path) => Some(match files.iter().position(|f| f.path() == Some(path.as_path())) {
                    Some(index) => index,
                    None => {
                        let rotation = process.file_format.rotation.clone();
                        let file = LogFile::open(path, config.truncate_files || process.truncate, rotation)
                            .map_err(|source| LogError::File { path: path.clone(), source })?;
                        files.push(Sink::file(file, false));
                        files.len() - 1
                    }
                }),
                None => None,
            };
            if let Some(index) = file {
                files[index].each_line(process.file_format.flush_each_line);
            }
            let lines = process.ring_lines.unwrap_or(config.ring_lines);
            // The byte bound grows with a longer `log_length` (256 bytes a line), so that it is the line count
            // that bounds the ring for ordinary lines.
            let ring_bytes = config.ring_bytes.max(lines.saturating_mul(256));
            let ring = Arc::new(Mutex::new(LineRing::new(lines, ring_bytes)));
            rings.insert(process.name.clone(), ring.clone());
            sources.push(Source {
                terminal_prefix: if color {
                    colored(&process.name, PALETTE[i % PALETTE.len()])
                } else {
                    plain(&process.name)
                },
                file_prefix: plain(&process.name),
                file,
                format: FileFormat::new(&process.file_format, &process.name, process.replica),
                ring,
                strip_ansi: process.strip_ansi,
            });
        }
        let project_file = match &config.project_log {
            Some(path) => Some(Sink::new(
                format!("the project log file {}", path.display()),
                Box::new(open_log(path, config.truncate_files)?),
            )),
            None => None,
        };
        let status_terminal_prefix =
            if color { colored(&config.status_label, "1") } else { plain(&config.status_label) };
        let counters = Arc::new(Counters::default());
        let writer = Writer::new(
            terminal,
            project_file,
            files,
            sources,
            status_terminal_prefix,
            plain(&config.status_label),
            counters.clone(),
        );
        let (tx, rx) = mpsc::unbounded_channel();
        let thread = std::thread::Builder::new()
            .name("svc-logs".into())
            .spawn(move || writer.run(rx))
            .map_err(LogError::Thread)?;
        let inner = Inner {
            tx: tx.clone(),
            queue: Arc::new(Semaphore::new(queue_capacity)),
            queue_capacity,
            peak_queued: AtomicUsize::new(0),
            sources: rings,
            line_cap,
            counters,
        };
        Ok((Logs { inner: Arc::new(inner) }, LogWriter { tx, thread: Some(thread) }))
    }

    /// Writes a status message of the supervisor (each of its lines prefixed with the status label), after
    /// everything queued before. Never blocks; dropped silently once the writer has shut down.
    pub fn status(&self, message: impl Into<String>) {
        let _ = self.inner.tx.send(Message::Status(message.into()));
    }

    /// Waits until everything queued before this call has been written and flushed.
    pub async fn flush(&self) {
        let (reply, done) = oneshot::channel();
        if self.inner.tx.send(Message::Flush(reply)).is_ok() {
            let _ = done.await;
        }
    }

    /// The last `max` lines of process `name`, oldest first, as text (`None` for an unknown process).
    pub fn recent(&self, name: &str, max: usize) -> Option<Vec<String>> {
        let ring = self.inner.sources.get(name)?;
        Some(ring.lock().unwrap_or_else(PoisonError::into_inner).recent(max))
    }

    /// The ring of recent lines of process `name`, for callers that want raw bytes or to poll it.
    pub fn ring(&self, name: &str) -> Option<Arc<Mutex<LineRing>>> {
        self.inner.sources.get(name).cloned()
    }

    /// The names of the processes, in display order.
    pub fn processes(&self) -> impl Iterator<Item = &str> {
        self.inner.sources.keys().map(String::as_str)
    }

    /// Counters of the pipeline.
    pub fn stats(&self) -> LogStats {
        let queued = self.inner.queue_capacity - self.inner.queue.available_permits();
        LogStats {
            lines_written: self.inner.counters.lines.load(Ordering::Relaxed),
            bytes_written: self.inner.counters.bytes.load(Ordering::Relaxed),
            queued_bytes: queued,
            peak_queued_bytes: self.inner.peak_queued.load(Ordering::Relaxed),
            queue_capacity: self.inner.queue_capacity,
        }
    }
}

impl LogWriter {
    /// Writes everything queued before this call, flushes every destination and ends the writer thread.
    /// Returns the first write error the writer met, if any (each was also printed to stderr).
    ///
    /// Call it after the readers have ended (the children's pipes reached end of file or the readers were
    /// stopped): batches queued later are dropped, and readers still running then end with
    /// [`LogError::WriterGone`].
    pub async fn shutdown(mut self) -> Result<(), String> {
        let (reply, done) = oneshot::channel();
        if self.tx.send(Message::Shutdown(reply)).is_err() {
            return Err("the log writer thread had already ended".into());
        }
        let result = done.await;
        // The thread has replied and returns at once: joining does not block for long.
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        shutdown_result(result.ok())
    }

    /// [`shutdown`](Self::shutdown) for code outside a tokio runtime (blocks the calling thread).
    pub fn shutdown_blocking(mut self) -> Result<(), String> {
        let (reply, done) = oneshot::channel();
        if self.tx.send(Message::Shutdown(reply)).is_err() {
            return Err("the log writer thread had already ended".into());
        }
        let result = done.blocking_recv();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        shutdown_result(result.ok())
    }
}

fn shutdown_result(reply: Option<Option<String>>) -> Result<(), String> {
    match reply {
        Some(None) => Ok(()),
        Some(Some(error)) => Err(error),
        None => Err("the log writer thread ended unexpectedly (it panicked)".into()),
    }
}

fn open_log(path: &Path, truncate: bool) -> Result<File, LogError> {
    file::open(path, truncate).map_err(|source| LogError::File { path: path.to_owned(), source })
}
