//! Readers: one per child output stream, sending batches of lines to the writer.

use std::future::Future;
use std::io;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::unix::pipe;

use super::line::{LineRef, LineSplitter, LineWatcher};
use super::output::{Batch, Message};
use super::{LogError, Logs};

/// Most bytes asked for per `read` (the pipe buffer is 64 KiB by default on Linux).
pub(crate) const READ_CHUNK: usize = 64 * 1024;
/// Bytes asked for by the first `read`; doubled whenever a read fills the buffer, up to [`READ_CHUNK`], so that
/// quiet processes (most of them: servers that log a line now and then) keep small buffers. Two streams per
/// process: at 1,000 processes a 4 KiB start cost 8 MiB.
const FIRST_READ: usize = 256;

/// What a reader did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadSummary {
    /// Bytes read from the stream.
    pub bytes: u64,
    /// Lines sent to the writer (each piece of a cut line counts).
    pub lines: u64,
    /// Lines that were cut because they were longer than the cap (pieces with the continuation marker).
    pub cut_pieces: u64,
    /// The reader ended because `stop` completed, not at end of file.
    pub stopped: bool,
}

/// Turns the read end of a pipe (e.g. a child's stdout from the spawner) into an async reader for
/// [`Logs::read`]. Must be called inside a tokio runtime; the descriptor is made non-blocking.
pub fn pipe_reader(fd: OwnedFd) -> io::Result<pipe::Receiver> {
    pipe::Receiver::from_owned_fd(fd)
}

/// The error a terminal's master side reads once no process has the terminal open any more: Linux's `EIO`
/// (checked against libc in `os`). A terminal has no end of file; this is its end.
pub const PTY_HANGUP_ERRNO: i32 = 5;

/// Turns the master side of a pseudo-terminal (an `is_tty` child's output, already non-blocking) into an async
/// reader for [`Logs::read`] whose hang-up reads as end of file.
pub fn tty_reader(fd: OwnedFd) -> io::Result<TtyReader> {
    pipe::Receiver::from_owned_fd_unchecked(fd).map(TtyReader)
}

/// The master side of a pseudo-terminal as an async reader (see [`tty_reader`]).
#[derive(Debug)]
pub struct TtyReader(pipe::Receiver);

impl AsyncRead for TtyReader {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        match std::pin::Pin::new(&mut self.0).poll_read(cx, buf) {
            std::task::Poll::Ready(Err(e)) if e.raw_os_error() == Some(PTY_HANGUP_ERRNO) => {
                std::task::Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

/// Which output stream of a child a reader reads (log files in the JSON and text formats write the level
/// `info` for standard output, `error` for standard error, as process-compose does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stream {
    /// Standard output (and a terminal's output, which merges both).
    #[default]
    Stdout,
    /// Standard error.
    Stderr,
}

impl Logs {
    /// [`read_from`](Self::read_from) for a standard output stream.
    pub async fn read<R, S>(
        &self,
        process: &str,
        stream: R,
        watcher: Option<Arc<LineWatcher>>,
        stop: S,
    ) -> Result<ReadSummary, LogError>
    where
        R: AsyncRead + Unpin,
        S: Future<Output = ()>,
    {
        self.read_from(process, Stream::Stdout, stream, watcher, stop).await
    }

    /// Reads `stream` (output stream `kind` of process `process`) until end of file, an error, or until `stop`
    /// completes, and sends its lines to the writer; the final unfinished line is sent too. Lines are checked
    /// against `watcher` (the process's ready line) as they are read.
    ///
    /// Waits while the writer's queue is full (back-pressure: the child then blocks on its writes). Pass
    /// [`std::future::pending()`] as `stop` to read until end of file; pass a deadline when an orphaned
    /// descendant may keep the pipe open after the process ended.
    pub async fn read_from<R, S>(
        &self,
        process: &str,
        kind: Stream,
        mut stream: R,
        watcher: Option<Arc<LineWatcher>>,
        stop: S,
    ) -> Result<ReadSummary, LogError>
    where
        R: AsyncRead + Unpin,
        S: Future<Output = ()>,
    {
        let source =
            self.inner.sources.get_index_of(process).ok_or_else(|| LogError::UnknownProcess(process.to_owned()))?;
        let mut splitter = LineSplitter::new(self.inner.line_cap);
        let mut chunk = FIRST_READ;
        let mut buf: Vec<u8> = Vec::new();
        let mut lines: Vec<LineRef> = Vec::new();
        let mut summary = ReadSummary::default();
        let mut failure = None;
        tokio::pin!(stop);
        loop {
            if buf.capacity() - buf.len() < chunk / 4 {
                buf.reserve(chunk);
            }
            let spare = buf.capacity() - buf.len();
            let read = tokio::select! {
                biased;
                () = &mut stop => {
                    summary.stopped = true;
                    Ok(0)
                }
                read = stream.read_buf(&mut buf) => read,
            };
            let n = match read {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    failure = Some(e);
                    0
                }
            };
            summary.bytes += n as u64;
            if n == spare && chunk < READ_CHUNK {
                chunk *= 2;
            }
            if n == 0 {
                splitter.finish(&buf, &mut lines);
            } else {
                splitter.scan(&buf, &mut lines);
            }
            if !lines.is_empty() {
                let ready = watcher.as_ref().filter(|w| w.matches(&buf, &lines));
                summary.lines += lines.len() as u64;
                summary.cut_pieces += lines.iter().filter(|l| l.continued).count() as u64;
                self.send(source, kind, chunk, &mut buf, &mut lines, &mut splitter).await?;
                if let Some(watcher) = ready {
                    watcher.mark_seen();
                }
            }
            if n == 0 {
                return match failure {
                    Some(source) => Err(LogError::Read { process: process.to_owned(), source }),
                    None => Ok(summary),
                };
            }
        }
    }

    /// Sends the complete lines of `buf` to the writer and leaves the unfinished line at the start of `buf`.
    async fn send(
        &self,
        source: usize,
        kind: Stream,
        chunk: usize,
        buf: &mut Vec<u8>,
        lines: &mut Vec<LineRef>,
        splitter: &mut LineSplitter,
    ) -> Result<(), LogError> {
        let end = splitter.pending_start();
        let data = if end >= buf.capacity() / 2 {
            // Mostly complete lines (a busy child): send the buffer itself, move the short rest to a new one.
            let mut next = Vec::with_capacity(chunk.max(buf.len() - end + chunk / 4));
            next.extend_from_slice(&buf[end..]);
            buf.truncate(end);
            std::mem::replace(buf, next)
        } else {
            // A few lines in a big buffer: copy them out so the queue holds only what it accounts for.
            let data = buf[..end].to_vec();
            buf.drain(..end);
            data
        };
        splitter.rebase();
        let batch_lines = lines.as_slice().to_vec();
        lines.clear();
        let cost = data.capacity() + batch_lines.capacity() * size_of::<LineRef>() + 64;
        let inner = &self.inner;
        let permits = cost.min(inner.queue_capacity) as u32;
        let permit = inner.queue.clone().acquire_many_owned(permits).await.map_err(|_| LogError::WriterGone)?;
        let queued = inner.queue_capacity - inner.queue.available_permits();
        inner.peak_queued.fetch_max(queued, Ordering::Relaxed);
        let batch = Batch { source, data, lines: batch_lines, stderr: kind == Stream::Stderr, _permit: permit };
        inner.tx.send(Message::Lines(batch)).map_err(|_| LogError::WriterGone)
    }
}
