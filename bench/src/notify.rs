//! The record a bench child writes to the harness's FIFO when it starts: fixed size, smaller than `PIPE_BUF`, so
//! concurrent writers never interleave.

/// Environment variable: path of the harness FIFO. Children without it do not report.
pub const FIFO_ENV: &str = "SVC_BENCH_FIFO";
/// Environment variable: the child's numeric id within the workload.
pub const ID_ENV: &str = "SVC_BENCH_ID";
/// Environment variable: the run number, so that a late record from an earlier run is not counted.
pub const RUN_ENV: &str = "SVC_BENCH_RUN";

/// Size of an encoded [`Record`].
pub const RECORD_LEN: usize = 24;

/// "A child started": who, which run, its pid, and when (`CLOCK_MONOTONIC` ns, taken first thing in `main`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    /// The child's id ([`ID_ENV`]).
    pub id: u32,
    /// The run number ([`RUN_ENV`]).
    pub run: u32,
    /// The child's pid.
    pub pid: u32,
    /// When it started.
    pub t_ns: u64,
}

impl Record {
    /// The wire form: magic, id, run, pid, time, little endian.
    pub fn encode(&self) -> [u8; RECORD_LEN] {
        let mut out = [0u8; RECORD_LEN];
        out[0..4].copy_from_slice(&MAGIC.to_le_bytes());
        out[4..8].copy_from_slice(&self.id.to_le_bytes());
        out[8..12].copy_from_slice(&self.run.to_le_bytes());
        out[12..16].copy_from_slice(&self.pid.to_le_bytes());
        out[16..24].copy_from_slice(&self.t_ns.to_le_bytes());
        out
    }

    /// Parses one record; `None` if the magic does not match (a corrupted stream).
    pub fn decode(bytes: &[u8; RECORD_LEN]) -> Option<Record> {
        let word = |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        if word(0) != MAGIC {
            return None;
        }
        let mut t = [0u8; 8];
        t.copy_from_slice(&bytes[16..24]);
        Some(Record { id: word(4), run: word(8), pid: word(12), t_ns: u64::from_le_bytes(t) })
    }
}

const MAGIC: u32 = 0x5356_4342;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_corruption() {
        let r = Record { id: 7, run: 3, pid: 4242, t_ns: 123_456_789_012 };
        let bytes = r.encode();
        assert_eq!(Record::decode(&bytes), Some(r));
        let mut bad = bytes;
        bad[0] ^= 1;
        assert_eq!(Record::decode(&bad), None);
    }
}
