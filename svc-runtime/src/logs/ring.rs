//! The last lines of a process, kept in memory for the control API and the TUI.

use std::collections::VecDeque;

use super::line::CONTINUATION_MARKER;

/// A bounded buffer of the most recent lines of one process: at most `max_lines` lines and `max_bytes` bytes of
/// line content; the oldest lines are dropped first.
///
/// Lines are stored back to back in one byte ring (no allocation per line once the ring has grown to its
/// bound).
#[derive(Debug, Clone)]
pub struct LineRing {
    bytes: VecDeque<u8>,
    /// Length and continuation flag of each stored line, oldest first.
    lines: VecDeque<(u32, bool)>,
    max_lines: usize,
    max_bytes: usize,
}

impl LineRing {
    /// An empty ring keeping at most `max_lines` lines and `max_bytes` bytes.
    pub fn new(max_lines: usize, max_bytes: usize) -> Self {
        LineRing { bytes: VecDeque::new(), lines: VecDeque::new(), max_lines, max_bytes }
    }

    /// Adds a line (without its newline); `continued` marks a piece of a cut line. A line longer than the byte
    /// bound keeps only its first `max_bytes` bytes.
    pub fn push(&mut self, line: &[u8], continued: bool) {
        if self.max_lines == 0 || self.max_bytes == 0 {
            return;
        }
        let line = &line[..line.len().min(self.max_bytes)];
        while self.lines.len() >= self.max_lines || self.bytes.len() + line.len() > self.max_bytes {
            let Some((len, _)) = self.lines.pop_front() else { break };
            self.bytes.drain(..len as usize);
        }
        self.bytes.extend(line);
        self.lines.push_back((line.len() as u32, continued));
    }

    /// Number of stored lines.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether no line is stored.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The last `max` stored lines, oldest first, as raw bytes (cut pieces end with [`CONTINUATION_MARKER`]).
    pub fn recent_bytes(&self, max: usize) -> Vec<Vec<u8>> {
        let skip = self.lines.len().saturating_sub(max);
        let mut offset: usize = self.lines.iter().take(skip).map(|(len, _)| *len as usize).sum();
        let mut out = Vec::with_capacity(self.lines.len() - skip);
        for &(len, continued) in self.lines.iter().skip(skip) {
            let mut line: Vec<u8> = self.bytes.range(offset..offset + len as usize).copied().collect();
            if continued {
                line.extend_from_slice(CONTINUATION_MARKER);
            }
            out.push(line);
            offset += len as usize;
        }
        out
    }

    /// The last `max` stored lines, oldest first, as text (bytes that are not UTF-8 become U+FFFD).
    pub fn recent(&self, max: usize) -> Vec<String> {
        self.recent_bytes(max).into_iter().map(|line| String::from_utf8_lossy(&line).into_owned()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_lines_within_the_line_bound() {
        let mut ring = LineRing::new(3, 1000);
        for i in 0..10 {
            ring.push(format!("line {i}").as_bytes(), false);
        }
        assert_eq!(ring.recent(100), ["line 7", "line 8", "line 9"]);
        assert_eq!(ring.recent(2), ["line 8", "line 9"]);
        assert_eq!(ring.len(), 3);
    }

    #[test]
    fn keeps_within_the_byte_bound() {
        let mut ring = LineRing::new(100, 10);
        ring.push(b"aaaa", false);
        ring.push(b"bbbb", false);
        ring.push(b"cccc", false);
        assert_eq!(ring.recent(10), ["bbbb", "cccc"]);
        ring.push(b"0123456789abc", true);
        assert_eq!(ring.recent_bytes(10), [b"0123456789 \xe2\x86\xb5".to_vec()]);
    }

    #[test]
    fn empty_lines_and_invalid_utf8() {
        let mut ring = LineRing::new(10, 100);
        ring.push(b"", false);
        ring.push(b"\xffok", false);
        assert_eq!(ring.recent(10), ["", "\u{fffd}ok"]);
        assert_eq!(ring.recent_bytes(1), [b"\xffok".to_vec()]);
    }

    #[test]
    fn zero_bounds_store_nothing() {
        let mut ring = LineRing::new(0, 100);
        ring.push(b"x", false);
        assert!(ring.is_empty());
    }
}
