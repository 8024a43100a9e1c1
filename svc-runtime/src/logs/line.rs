//! Splitting raw output bytes into lines, and watching lines for a needle.
//!
//! The splitter works in place on the reader's buffer: it records where each line starts and ends
//! ([`LineRef`]) instead of copying lines out, so a batch of lines costs one buffer and one small index vector,
//! never an allocation per line.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use memchr::memmem::Finder;
use tokio::sync::watch;

/// Where one line lies inside a batch buffer (`data[start..end]`, the newline and a CR before it excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRef {
    /// Offset of the first byte.
    pub start: u32,
    /// Offset one past the last byte.
    pub end: u32,
    /// The line was longer than the cap and goes on in the next line: this piece is written with
    /// [`CONTINUATION_MARKER`] appended.
    pub continued: bool,
}

impl LineRef {
    /// The bytes of this line in `data`.
    pub fn bytes<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        &data[self.start as usize..self.end as usize]
    }
}

/// Appended to every piece of an over-long line except the last one (a space and U+21B5 "↵").
///
/// A line longer than the cap is written as several lines; all but the last end with this marker, so a reader
/// can tell a split from a real line end, and the original bytes are the pieces concatenated without the marker.
pub const CONTINUATION_MARKER: &[u8] = " \u{21b5}".as_bytes();

/// Finds line ends in a growing buffer and cuts over-long lines into pieces of at most `cap` bytes.
///
/// Usage: append bytes to the buffer, call [`scan`](Self::scan); complete lines (and pieces) are pushed to
/// `lines`. Bytes from [`pending_start`](Self::pending_start) on belong to the unfinished line; after taking the
/// lines away, move those bytes to the front of a buffer and call [`rebase`](Self::rebase). At end of input call
/// [`finish`](Self::finish) to emit the unfinished line.
///
/// Rules: `\n` ends a line; one `\r` right before it is dropped (CRLF output reads like LF output); empty lines
/// are kept; a line longer than `cap` is cut into pieces of at most `cap` bytes, moved back by up to 3 bytes so
/// that a UTF-8 character is not cut in two when the bytes are UTF-8; bytes that are not UTF-8 are kept as they
/// are.
#[derive(Debug, Clone)]
pub struct LineSplitter {
    cap: usize,
    /// Start of the unfinished line.
    start: usize,
    /// Bytes before this offset have been searched for a newline already.
    scanned: usize,
}

impl LineSplitter {
    /// A splitter cutting lines longer than `cap` bytes (at least 16).
    pub fn new(cap: usize) -> Self {
        LineSplitter { cap: cap.max(16), start: 0, scanned: 0 }
    }

    /// The line length cap.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Offset in the buffer where the unfinished line starts.
    pub fn pending_start(&self) -> usize {
        self.start
    }

    /// Finds the lines completed by the bytes appended to `data` since the last call, and cuts the unfinished
    /// line while it is longer than the cap.
    pub fn scan(&mut self, data: &[u8], lines: &mut Vec<LineRef>) {
        let mut from = self.scanned;
        while let Some(offset) = memchr::memchr(b'\n', &data[from..]) {
            let newline = from + offset;
            let mut end = newline;
            if end > self.start && data[end - 1] == b'\r' {
                end -= 1;
            }
            self.cut_pieces(data, end, lines);
            lines.push(line_ref(self.start, end, false));
            self.start = newline + 1;
            from = newline + 1;
        }
        // The unfinished line: cut only once it is known to be longer than the cap (cap + 1 bytes, no newline),
        // so that a line of exactly `cap` bytes is never split.
        while data.len() - self.start > self.cap {
            let cut = self.cut_at(data);
            lines.push(line_ref(self.start, cut, true));
            self.start = cut;
        }
        self.scanned = data.len();
    }

    /// Emits the unfinished line, if any bytes are left (a final line without newline).
    pub fn finish(&mut self, data: &[u8], lines: &mut Vec<LineRef>) {
        self.scan(data, lines);
        if data.len() > self.start {
            lines.push(line_ref(self.start, data.len(), false));
            self.start = data.len();
        }
    }

    /// Tells the splitter that the bytes before [`pending_start`](Self::pending_start) were removed from the
    /// buffer, which now begins with the unfinished line.
    pub fn rebase(&mut self) {
        self.scanned -= self.start;
        self.start = 0;
    }

    /// Pushes pieces of a complete line ending at `end` while it is longer than the cap.
    fn cut_pieces(&mut self, data: &[u8], end: usize, lines: &mut Vec<LineRef>) {
        while end - self.start > self.cap {
            let cut = self.cut_at(data);
            lines.push(line_ref(self.start, cut, true));
            self.start = cut;
        }
    }

    /// Where to cut the line starting at `self.start`: after `cap` bytes, moved back to a UTF-8 character
    /// boundary when one is within 3 bytes (the byte at the cut is then not a continuation byte).
    fn cut_at(&self, data: &[u8]) -> usize {
        let cut = self.start + self.cap;
        for back in 0..4 {
            if !is_utf8_continuation(data[cut - back]) {
                return cut - back;
            }
        }
        cut
    }
}

fn is_utf8_continuation(byte: u8) -> bool {
    byte & 0b1100_0000 == 0b1000_0000
}

fn line_ref(start: usize, end: usize, continued: bool) -> LineRef {
    // Buffers are far below 4 GiB (a read chunk plus one capped line).
    LineRef { start: start as u32, end: end as u32, continued }
}

/// Watches a process's output lines for a substring (its `ready_log_line`).
///
/// Shared by the readers of the process's stdout and stderr ([`Arc`]). Once the needle has been seen, the
/// receiver returned by [`new`](Self::new) holds `true` and lines are no longer searched. When every reader has
/// ended (both `Arc`s dropped) without a match, the receiver's `changed()` / `wait_for()` returns an error: the
/// process can no longer become log-ready (until it is started again with a new watcher).
///
/// A line cut into pieces (longer than the cap) is searched piece by piece: keep ready lines short. The watcher
/// fires after the matching line has been queued for the writer, so a status message written in reaction to it
/// appears after the line.
#[derive(Debug)]
pub struct LineWatcher {
    finder: Finder<'static>,
    seen: AtomicBool,
    tx: watch::Sender<bool>,
}

impl LineWatcher {
    /// A watcher for lines containing `needle` (an empty needle matches the first line), and the receiver that
    /// turns `true` when such a line is read.
    pub fn new(needle: &str) -> (Arc<LineWatcher>, watch::Receiver<bool>) {
        let (tx, rx) = watch::channel(false);
        let watcher =
            LineWatcher { finder: Finder::new(needle.as_bytes()).into_owned(), seen: AtomicBool::new(false), tx };
        (Arc::new(watcher), rx)
    }

    /// Whether a matching line has been read.
    pub fn seen(&self) -> bool {
        self.seen.load(Ordering::Relaxed)
    }

    /// Whether a line of the batch contains the needle (false at once if it was seen before).
    pub(crate) fn matches(&self, data: &[u8], lines: &[LineRef]) -> bool {
        !self.seen() && lines.iter().any(|line| self.finder.find(line.bytes(data)).is_some())
    }

    /// Records that the needle was seen and wakes the receivers.
    pub(crate) fn mark_seen(&self) {
        if !self.seen.swap(true, Ordering::Relaxed) {
            self.tx.send_replace(true);
        }
    }

    /// Checks the lines of a batch and marks the needle seen if one contains it.
    #[cfg(test)]
    fn check_batch(&self, data: &[u8], lines: &[LineRef]) {
        if self.matches(data, lines) {
            self.mark_seen();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `chunks` one after the other (as separate reads) and returns the lines, with `+` marking pieces.
    fn split(cap: usize, chunks: &[&[u8]]) -> Vec<(Vec<u8>, bool)> {
        let mut splitter = LineSplitter::new(cap);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        let mut lines = Vec::new();
        for chunk in chunks {
            buf.extend_from_slice(chunk);
            splitter.scan(&buf, &mut lines);
            out.extend(lines.drain(..).map(|l| (l.bytes(&buf).to_vec(), l.continued)));
            buf.drain(..splitter.pending_start());
            splitter.rebase();
        }
        splitter.finish(&buf, &mut lines);
        out.extend(lines.drain(..).map(|l| (l.bytes(&buf).to_vec(), l.continued)));
        out
    }

    fn plain(lines: &[&str]) -> Vec<(Vec<u8>, bool)> {
        lines.iter().map(|l| (l.as_bytes().to_vec(), false)).collect()
    }

    #[test]
    fn splits_on_newlines_and_keeps_empty_lines() {
        assert_eq!(split(64, &[b"a\n\nb\n"]), plain(&["a", "", "b"]));
        assert_eq!(split(64, &[b"\n"]), plain(&[""]));
        assert_eq!(split(64, &[b""]), plain(&[]));
    }

    #[test]
    fn lines_across_reads_are_joined() {
        assert_eq!(split(64, &[b"hel", b"lo\nwor", b"ld\n"]), plain(&["hello", "world"]));
        assert_eq!(split(64, &[b"abc", b"", b"\n"]), plain(&["abc"]));
    }

    #[test]
    fn final_partial_line_is_flushed() {
        assert_eq!(split(64, &[b"one\ntwo"]), plain(&["one", "two"]));
        assert_eq!(split(64, &[b"one\n", b"tw", b"o"]), plain(&["one", "two"]));
    }

    #[test]
    fn crlf_loses_its_cr_but_lone_cr_stays() {
        assert_eq!(split(64, &[b"a\r\nb\r", b"\nc\rd\n\r"]), plain(&["a", "b", "c\rd", "\r"]));
        assert_eq!(split(64, &[b"\r\n"]), plain(&[""]));
    }

    #[test]
    fn long_lines_are_cut_at_the_cap_and_marked() {
        let line = "x".repeat(40);
        let got = split(16, &[line.as_bytes(), b"\n"]);
        assert_eq!(got, vec![(b"x".repeat(16), true), (b"x".repeat(16), true), (b"x".repeat(8), false),]);
        // Exactly the cap: not split, whether the newline comes in the same read or later.
        assert_eq!(split(16, &[&b"y".repeat(16), b"\n"]), vec![(b"y".repeat(16), false)]);
        assert_eq!(split(16, &[&b"y".repeat(16)]), vec![(b"y".repeat(16), false)]);
        assert_eq!(split(16, &[&b"y".repeat(17)]), vec![(b"y".repeat(16), true), (b"y".to_vec(), false)]);
    }

    #[test]
    fn long_line_without_newline_is_cut_while_reading() {
        let mut splitter = LineSplitter::new(16);
        let mut lines = Vec::new();
        let buf = vec![b'z'; 50];
        splitter.scan(&buf, &mut lines);
        // Pieces are emitted before the line ends, so the buffer never holds more than cap bytes of it.
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| l.continued && l.end - l.start == 16));
        assert_eq!(buf.len() - splitter.pending_start(), 2);
    }

    #[test]
    fn cuts_do_not_split_utf8_characters() {
        // "é" is 2 bytes: 15 ASCII bytes then "é" straddles the 16-byte cap.
        let line = format!("{}é{}", "a".repeat(15), "b".repeat(10));
        let got = split(16, &[line.as_bytes()]);
        assert_eq!(got[0], (b"a".repeat(15), true));
        assert_eq!(got[1].0, format!("é{}", "b".repeat(10)).into_bytes());
        let joined: Vec<u8> = got.iter().flat_map(|(b, _)| b.clone()).collect();
        assert_eq!(joined, line.as_bytes());
    }

    #[test]
    fn invalid_utf8_passes_unchanged() {
        let mut bytes = b"\xff\xfe\x80abc\xc3\n".to_vec();
        bytes.extend_from_slice(&[0x80; 20]);
        let got = split(16, &[&bytes]);
        assert_eq!(got[0], (b"\xff\xfe\x80abc\xc3".to_vec(), false));
        // Only continuation bytes: no boundary within 3 bytes, cut at the cap.
        assert_eq!(got[1], (vec![0x80; 16], true));
        assert_eq!(got[2], (vec![0x80; 4], false));
    }

    #[test]
    fn long_complete_line_in_one_read_is_cut_and_cr_dropped() {
        let mut input = b"q".repeat(33);
        input.extend_from_slice(b"\r\nnext\n");
        assert_eq!(
            split(16, &[&input]),
            vec![(b"q".repeat(16), true), (b"q".repeat(16), true), (b"q".to_vec(), false), (b"next".to_vec(), false)]
        );
    }

    #[test]
    fn watcher_fires_once_on_a_substring() {
        let (watcher, rx) = LineWatcher::new("ready on");
        let data = b"starting\nserver ready on :80\n";
        let lines = [line_ref(0, 8, false), line_ref(9, 28, false)];
        watcher.check_batch(data, &lines[..1]);
        assert!(!watcher.seen() && !*rx.borrow());
        watcher.check_batch(data, &lines);
        assert!(watcher.seen() && *rx.borrow());
    }

    #[tokio::test]
    async fn watcher_dropped_without_match_errors_the_receiver() {
        let (watcher, mut rx) = LineWatcher::new("never");
        watcher.check_batch(b"nope", &[line_ref(0, 4, false)]);
        drop(watcher);
        assert!(rx.wait_for(|seen| *seen).await.is_err());
    }
}
