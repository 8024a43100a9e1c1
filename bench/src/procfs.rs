//! Readers for `/proc`: process state and parentage, CPU time, memory, and the descendants of a process.

use std::collections::HashMap;

/// The fields of `/proc/<pid>/stat` the harness uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    /// State letter (`R`, `S`, `Z`, ...).
    pub state: u8,
    /// Parent pid.
    pub ppid: i32,
    /// Process group id.
    pub pgid: i32,
    /// User CPU time in clock ticks (all threads, dead ones included).
    pub utime: u64,
    /// System CPU time in clock ticks.
    pub stime: u64,
}

/// Parses the text of `/proc/<pid>/stat`. The command name may contain spaces and parentheses, so fields are
/// counted from the last `)`.
pub fn parse_stat(text: &str) -> Option<Stat> {
    let rest = &text[text.rfind(')')? + 1..];
    // After ")": field 3 (state) is index 0.
    let fields: Vec<&str> = rest.split_ascii_whitespace().collect();
    let field = |n: usize| fields.get(n - 3).copied();
    Some(Stat {
        state: *field(3)?.as_bytes().first()?,
        ppid: field(4)?.parse().ok()?,
        pgid: field(5)?.parse().ok()?,
        utime: field(14)?.parse().ok()?,
        stime: field(15)?.parse().ok()?,
    })
}

/// `/proc/<pid>/stat`, or `None` once the process is gone.
pub fn stat(pid: i32) -> Option<Stat> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Whether `pid` exists and is not a zombie.
pub fn alive(pid: i32) -> bool {
    stat(pid).is_some_and(|s| s.state != b'Z' && s.state != b'X')
}

/// A `key:  value kB` field of `/proc/<pid>/status` or `/proc/<pid>/smaps_rollup`, in KiB.
pub fn parse_kib_field(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let value = line.strip_prefix(key)?.strip_prefix(':')?;
        value.split_ascii_whitespace().next()?.parse().ok()
    })
}

/// A numeric field of `/proc/<pid>/status` (`VmRSS`, `VmHWM` in KiB; `Threads` is a count).
pub fn status_field(pid: i32, key: &str) -> Option<u64> {
    parse_kib_field(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?, key)
}

/// Proportional set size in KiB, from `/proc/<pid>/smaps_rollup`.
pub fn pss_kib(pid: i32) -> Option<u64> {
    parse_kib_field(&std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?, "Pss")
}

/// CPU time of every live thread of `pid` in nanoseconds (first field of `/proc/<pid>/task/<tid>/schedstat`),
/// with the thread ids it was summed over. Exact, unlike the clock-tick counts of `stat`, but threads that have
/// exited are not counted: compare two samples only when their thread ids match.
pub fn cpu_ns(pid: i32) -> Option<(u64, Vec<i32>)> {
    let mut total = 0;
    let mut tids = Vec::new();
    for entry in std::fs::read_dir(format!("/proc/{pid}/task")).ok()?.flatten() {
        let Some(tid) = entry.file_name().to_str().and_then(|t| t.parse::<i32>().ok()) else { continue };
        let Ok(text) = std::fs::read_to_string(entry.path().join("schedstat")) else { continue };
        total += text.split_ascii_whitespace().next().and_then(|ns| ns.parse::<u64>().ok()).unwrap_or(0);
        tids.push(tid);
    }
    tids.sort_unstable();
    (!tids.is_empty()).then_some((total, tids))
}

/// Clock ticks per second (`utime`/`stime` unit).
pub fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as u64 } else { 100 }
}

/// Every live process, as pid -> stat.
pub fn all_processes() -> HashMap<i32, Stat> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return HashMap::new() };
    dir.filter_map(|entry| {
        let pid: i32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
        Some((pid, stat(pid)?))
    })
    .collect()
}

/// The descendants of `root` (children, grandchildren, ...), zombies included, in breadth-first order.
pub fn descendants(root: i32) -> Vec<(i32, Stat)> {
    descendants_in(&all_processes(), root)
}

/// [`descendants`] over a given process table (testable without `/proc`).
pub fn descendants_in(table: &HashMap<i32, Stat>, root: i32) -> Vec<(i32, Stat)> {
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    for (&pid, s) in table {
        children.entry(s.ppid).or_default().push(pid);
    }
    let mut out = Vec::new();
    let mut queue = std::collections::VecDeque::from([root]);
    while let Some(pid) = queue.pop_front() {
        for &child in children.get(&pid).map(Vec::as_slice).unwrap_or_default() {
            out.push((child, table[&child]));
            queue.push_back(child);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_parentheses_in_the_name() {
        let text = "1234 (a) b (c)) S 1 1234 1234 0 -1 4194560 100 0 0 0 17 5 0 0 20 0 1 0 100 0 0";
        let s = parse_stat(text).unwrap();
        assert_eq!((s.state, s.ppid, s.pgid, s.utime, s.stime), (b'S', 1, 1234, 17, 5));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn kib_fields() {
        let text = "Rss:                1000 kB\nPss:                 600 kB\nPss_Anon:  10 kB\n";
        assert_eq!(parse_kib_field(text, "Pss"), Some(600));
        assert_eq!(parse_kib_field(text, "Rss"), Some(1000));
        assert_eq!(parse_kib_field(text, "Swap"), None);
        assert_eq!(parse_kib_field("Threads:\t7\n", "Threads"), Some(7));
    }

    #[test]
    fn descendants_follow_parentage() {
        let st = |ppid| Stat { state: b'S', ppid, pgid: 0, utime: 0, stime: 0 };
        let table = HashMap::from([(10, st(1)), (11, st(10)), (12, st(11)), (13, st(1)), (14, st(10))]);
        let mut pids: Vec<i32> = descendants_in(&table, 10).into_iter().map(|(p, _)| p).collect();
        pids.sort();
        assert_eq!(pids, [11, 12, 14]);
    }

    #[test]
    fn this_process_is_alive() {
        let me = std::process::id() as i32;
        assert!(alive(me));
        assert!(status_field(me, "VmRSS").is_some_and(|kib| kib > 0));
        let (ns, tids) = cpu_ns(me).unwrap();
        assert!(ns > 0 && tids.contains(&me));
    }
}
