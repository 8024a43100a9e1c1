//! The log workload's lines and their verifier.
//!
//! Child `id` prints lines `0..count`, each exactly [`LINE_LEN`] bytes with its newline, and each line's content is
//! a function of `(id, seq)`: the verifier recomputes it, so a line that was cut, merged with another, altered,
//! repeated or lost is detected, whatever prefix the supervisor puts in front of it.

/// Bytes per line, newline included.
pub const LINE_LEN: usize = 80;
const MARKER: &[u8] = b"BENCH ";
const HEAD_LEN: usize = 20; // "BENCH iii sssssssss "
const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// The process name of log child `id` (what the supervisor prefixes its lines with).
pub fn name_for(id: u32) -> String {
    format!("log-{id}")
}

/// Writes line `seq` of child `id` (with its newline) into `out`, which must hold [`LINE_LEN`] bytes.
pub fn write_line(id: u32, seq: u64, out: &mut [u8]) {
    // Digits by hand: the children print lines as fast as they can, so no allocation per line.
    out[..MARKER.len()].copy_from_slice(MARKER);
    put_digits(&mut out[6..9], u64::from(id));
    out[9] = b' ';
    put_digits(&mut out[10..19], seq);
    out[19] = b' ';
    let start = (id as u64 * 31 + seq * 7) as usize;
    for (k, b) in out[HEAD_LEN..LINE_LEN - 1].iter_mut().enumerate() {
        *b = ALPHABET[(start + k) % ALPHABET.len()];
    }
    out[LINE_LEN - 1] = b'\n';
}

/// Writes the last `out.len()` decimal digits of `value`, zero padded.
fn put_digits(out: &mut [u8], mut value: u64) {
    for b in out.iter_mut().rev() {
        *b = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// What the verifier found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Verdict {
    /// Distinct expected lines seen intact.
    pub intact: u64,
    /// Expected lines never seen.
    pub lost: u64,
    /// Intact lines seen more than once (extra copies).
    pub duplicated: u64,
    /// Lines that carry the marker but are not an expected line exactly (cut, merged, altered, wrong prefix).
    pub corrupted: u64,
    /// Lines without the marker (the supervisor's own messages).
    pub other: u64,
}

/// Checks a supervisor's output line by line.
#[derive(Debug)]
pub struct Verifier {
    names: Vec<String>,
    count: u64,
    seen: Vec<Vec<u64>>,
    verdict: Verdict,
    partial: Vec<u8>,
}

impl Verifier {
    /// Expects `children` children, each printing `count` lines.
    pub fn new(children: u32, count: u64) -> Self {
        Verifier {
            names: (0..children).map(name_for).collect(),
            count,
            seen: (0..children).map(|_| vec![0u64; count.div_ceil(64) as usize]).collect(),
            verdict: Verdict::default(),
            partial: Vec::new(),
        }
    }

    /// Feeds a chunk of output (any split); complete lines are checked.
    pub fn feed(&mut self, mut chunk: &[u8]) {
        while let Some(nl) = chunk.iter().position(|&b| b == b'\n') {
            if self.partial.is_empty() {
                self.line(&chunk[..nl]);
            } else {
                let mut line = std::mem::take(&mut self.partial);
                line.extend_from_slice(&chunk[..nl]);
                self.line(&line);
            }
            chunk = &chunk[nl + 1..];
        }
        self.partial.extend_from_slice(chunk);
    }

    /// Ends the input (a trailing line without newline is checked) and returns the verdict.
    pub fn finish(mut self) -> Verdict {
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.line(&line);
        }
        let seen: u64 = self.seen.iter().flatten().map(|w| u64::from(w.count_ones())).sum();
        self.verdict.lost = self.count * self.names.len() as u64 - seen;
        self.verdict
    }

    fn line(&mut self, line: &[u8]) {
        let Some(pos) = line.windows(MARKER.len()).position(|w| w == MARKER) else {
            self.verdict.other += 1;
            return;
        };
        match self.check(&line[..pos], &line[pos..]) {
            Some((id, seq)) => {
                let (word, bit) = ((seq / 64) as usize, seq % 64);
                let slot = &mut self.seen[id][word];
                if *slot & (1 << bit) != 0 {
                    self.verdict.duplicated += 1;
                } else {
                    *slot |= 1 << bit;
                    self.verdict.intact += 1;
                }
            }
            None => self.verdict.corrupted += 1,
        }
    }

    /// The `(id, seq)` of an intact line, or `None`.
    fn check(&self, prefix: &[u8], payload: &[u8]) -> Option<(usize, u64)> {
        if payload.len() != LINE_LEN - 1 {
            return None;
        }
        let text = std::str::from_utf8(&payload[..HEAD_LEN]).ok()?;
        let id: u32 = text.get(6..9)?.parse().ok()?;
        let seq: u64 = text.get(10..19)?.parse().ok()?;
        if id as usize >= self.names.len() || seq >= self.count {
            return None;
        }
        let mut expected = [0u8; LINE_LEN];
        write_line(id, seq, &mut expected);
        if payload != &expected[..LINE_LEN - 1] {
            return None;
        }
        // The prefix must name the child that printed the line (a line attributed to the wrong process is corrupt).
        let name = self.names[id as usize].as_bytes();
        let named =
            prefix.split(|b| !(b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')).any(|token| token == name);
        named.then_some((id as usize, seq))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: u32, seq: u64) -> Vec<u8> {
        let mut buf = [0u8; LINE_LEN];
        write_line(id, seq, &mut buf);
        buf.to_vec()
    }

    fn prefixed(id: u32, seq: u64) -> Vec<u8> {
        let mut out = format!("{:<8} | ", name_for(id)).into_bytes();
        out.extend(line(id, seq));
        out
    }

    #[test]
    fn lines_have_the_exact_length_and_differ() {
        let a = line(1, 2);
        assert_eq!(a.len(), LINE_LEN);
        assert!(a.starts_with(b"BENCH 001 000000002 "));
        assert_ne!(line(1, 3)[HEAD_LEN..], a[HEAD_LEN..]);
    }

    #[test]
    fn clean_output_in_odd_chunks() {
        let mut out = b"supervisor: starting\n".to_vec();
        for seq in 0..100 {
            for id in 0..3 {
                out.extend(prefixed(id, seq));
            }
        }
        let mut v = Verifier::new(3, 100);
        for chunk in out.chunks(37) {
            v.feed(chunk);
        }
        assert_eq!(v.finish(), Verdict { intact: 300, lost: 0, duplicated: 0, corrupted: 0, other: 1 });
    }

    #[test]
    fn detects_loss_duplication_merging_and_misattribution() {
        let mut out = Vec::new();
        out.extend(prefixed(0, 0));
        out.extend(prefixed(0, 0)); // duplicate
        let mut merged = prefixed(0, 1);
        merged.pop();
        merged.extend(prefixed(1, 0)); // two lines merged into one
        out.extend(merged);
        let mut wrong = format!("{:<8} | ", name_for(1)).into_bytes();
        wrong.extend(line(0, 2)); // line of log-0 under log-1's name
        out.extend(wrong);
        let mut cut = prefixed(1, 1);
        cut.truncate(40); // a final partial line
        out.extend(cut);
        let mut v = Verifier::new(2, 3);
        v.feed(&out);
        let verdict = v.finish();
        assert_eq!(verdict.intact, 1);
        assert_eq!(verdict.duplicated, 1);
        assert_eq!(verdict.corrupted, 3);
        assert_eq!(verdict.lost, 5);
    }
}
