//! Log files, with size-based rotation as lumberjack does it (process-compose's `log_configuration.rotation`
//! hands its settings to `gopkg.in/natefinch/lumberjack.v2`, `pclog/logger_facade.go`).
//!
//! lumberjack's rules, kept: a file about to grow past `max_size_mb` (100 when 0) is renamed to
//! `<stem>-<local time 2006-01-02T15-04-05.000><ext>` and a new one is started; an existing file is appended to
//! until it is full; after each rotation a background "mill" removes backups beyond `max_backups` (newest kept)
//! and older than `max_age_days` (by the time in their name), and gzips the others to `<backup>.gz` when
//! `compress` is set. Differences, so that no line is lost: the writer rotates only between lines (a file holds
//! whole lines), a single line larger than the limit is written to a fresh file instead of being refused, a
//! backup name already taken moves on by a millisecond instead of replacing that backup, and a failed rename
//! leaves the output in the current file (reported once).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use chrono::{Local, NaiveDateTime, TimeDelta};
use svc_core::LogRotation;

/// The time in a backup's name (Go layout `2006-01-02T15-04-05.000`).
const BACKUP_TIME: &str = "%Y-%m-%dT%H-%M-%S%.3f";

/// An open log file that may rotate.
pub(crate) struct LogFile {
    path: PathBuf,
    file: File,
    /// Bytes in the current file.
    size: u64,
    rotation: Option<LogRotation>,
    /// The last mill, joined before the next one starts and when the file is dropped.
    mill: Option<JoinHandle<()>>,
}

impl LogFile {
    /// Opens (creating its directory) `path` for appending, or truncated.
    pub(crate) fn open(path: &Path, truncate: bool, rotation: Option<LogRotation>) -> io::Result<Self> {
        let file = open(path, truncate)?;
        let size = file.metadata()?.len();
        Ok(LogFile { path: path.to_owned(), file, size, rotation, mill: None })
    }

    /// The file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Whether a line of `line` bytes, written after `buffered` bytes not yet written, must start a new file: the
    /// file rotates, would hold something before the line, and would grow past its limit with it.
    pub(crate) fn is_full(&self, buffered: usize, line: usize) -> bool {
        let before = self.size + buffered as u64;
        self.rotation.as_ref().is_some_and(|r| before > 0 && before + line as u64 > r.max_bytes())
    }

    /// Whether the file rotates at all.
    pub(crate) fn rotates(&self) -> bool {
        self.rotation.is_some()
    }

    /// Renames the file to a backup, starts a new one and cleans up the backups in the background. On error the
    /// file stays as it was and rotation is switched off (the caller reports the error).
    pub(crate) fn rotate(&mut self) -> io::Result<()> {
        let Some(rotation) = self.rotation.clone() else { return Ok(()) };
        let result = self.rotate_now();
        if result.is_err() {
            self.rotation = None;
            return result;
        }
        if let Some(previous) = self.mill.take() {
            let _ = previous.join();
        }
        let path = self.path.clone();
        // Compression takes time: never on the writer thread. If the thread cannot start, clean up now.
        let spawned = std::thread::Builder::new().name("svc-log-mill".into()).spawn({
            let (path, rotation) = (path.clone(), rotation.clone());
            move || mill(&path, &rotation)
        });
        match spawned {
            Ok(handle) => self.mill = Some(handle),
            Err(_) => mill(&path, &rotation),
        }
        Ok(())
    }

    fn rotate_now(&mut self) -> io::Result<()> {
        let (dir, prefix, ext) = parts(&self.path);
        let mut time = Local::now().naive_local();
        let backup = loop {
            let candidate = dir.join(format!("{prefix}{}{ext}", time.format(BACKUP_TIME)));
            let gz = dir.join(format!("{prefix}{}{ext}.gz", time.format(BACKUP_TIME)));
            if !candidate.exists() && !gz.exists() {
                break candidate;
            }
            time += TimeDelta::milliseconds(1);
        };
        self.file.flush()?;
        fs::rename(&self.path, &backup)?;
        match open(&self.path, true) {
            Ok(file) => {
                self.file = file;
                self.size = 0;
                Ok(())
            }
            Err(e) => {
                // Put the old file back so that writing goes on where it was.
                let _ = fs::rename(&backup, &self.path);
                Err(e)
            }
        }
    }

    /// Waits for the cleanup of the last rotation.
    pub(crate) fn join_mill(&mut self) {
        if let Some(mill) = self.mill.take() {
            let _ = mill.join();
        }
    }
}

impl Write for LogFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for LogFile {
    fn drop(&mut self) {
        self.join_mill();
    }
}

/// Opens `path` for appending (or truncated), creating its directory: every log file the pipeline writes.
pub(crate) fn open(path: &Path, truncate: bool) -> io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    let mut options = OpenOptions::new();
    options.create(true);
    if truncate {
        options.write(true).truncate(true);
    } else {
        options.append(true);
    }
    options.open(path)
}

/// The directory, the backup prefix (`<stem>-`) and the extension (`.log`, or empty) of a log file.
fn parts(path: &Path) -> (PathBuf, String, String) {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_owned();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let ext = path.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
    let stem = &name[..name.len() - ext.len()];
    (dir, format!("{stem}-"), ext)
}

/// One backup of a log file.
#[derive(Debug)]
struct Backup {
    path: PathBuf,
    time: NaiveDateTime,
    compressed: bool,
}

/// The backups of `path`, newest first.
fn backups(path: &Path) -> io::Result<Vec<Backup>> {
    let (dir, prefix, ext) = parts(path);
    let mut found = Vec::new();
    for entry in fs::read_dir(&dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&prefix) else { continue };
        let (rest, compressed) = match rest.strip_suffix(".gz") {
            Some(rest) => (rest, true),
            None => (rest, false),
        };
        let Some(stamp) = rest.strip_suffix(ext.as_str()) else { continue };
        if let Ok(time) = NaiveDateTime::parse_from_str(stamp, BACKUP_TIME) {
            found.push(Backup { path: entry.path(), time, compressed });
        }
    }
    found.sort_by_key(|b| std::cmp::Reverse(b.time));
    Ok(found)
}

/// lumberjack's `millRunOnce`: removes the backups beyond `max_backups` and older than `max_age_days`, then
/// compresses the rest if asked. Errors go to stderr (the writer thread is not waiting for this).
pub(crate) fn mill(path: &Path, rotation: &LogRotation) {
    if let Err(e) = mill_once(path, rotation) {
        eprintln!("svc: cannot clean up the backups of the log file {}: {e}", path.display());
    }
}

fn mill_once(path: &Path, rotation: &LogRotation) -> io::Result<()> {
    let mut kept = Vec::new();
    let mut names = std::collections::HashSet::new();
    let cutoff = (rotation.max_age_days > 0)
        .then(|| Local::now().naive_local() - TimeDelta::days(i64::from(rotation.max_age_days)));
    for backup in backups(path)? {
        // A backup and its compressed copy (a compression cut short) count once, as in lumberjack.
        let name = backup.path.to_string_lossy();
        names.insert(name.strip_suffix(".gz").unwrap_or(&name).to_owned());
        let too_many = rotation.max_backups > 0 && names.len() > rotation.max_backups as usize;
        let too_old = cutoff.is_some_and(|cutoff| backup.time < cutoff);
        if too_many || too_old {
            fs::remove_file(&backup.path)?;
        } else {
            kept.push(backup);
        }
    }
    if rotation.compress {
        for backup in kept.iter().filter(|b| !b.compressed) {
            compress(&backup.path)?;
        }
    }
    Ok(())
}

/// Gzips `path` to `path.gz` (written under a temporary name, then renamed) and removes `path`.
fn compress(path: &Path) -> io::Result<()> {
    let mut gz_name = path.as_os_str().to_owned();
    gz_name.push(".gz");
    let gz = PathBuf::from(gz_name);
    let mut tmp_name = gz.as_os_str().to_owned();
    tmp_name.push(".tmp");
    let tmp = PathBuf::from(tmp_name);
    let result = (|| {
        let mut input = File::open(path)?;
        let mut encoder = flate2::write::GzEncoder::new(File::create(&tmp)?, flate2::Compression::default());
        io::copy(&mut input, &mut encoder)?;
        encoder.finish()?.sync_all()?;
        fs::rename(&tmp, &gz)?;
        fs::remove_file(path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn rotation(max_backups: u32, compress: bool) -> LogRotation {
        LogRotation { max_size_mb: 1, max_backups, max_age_days: 0, compress }
    }

    #[test]
    fn backup_names_split_stem_and_extension() {
        assert_eq!(parts(Path::new("/tmp/x/web.log")), ("/tmp/x".into(), "web-".into(), ".log".into()));
        assert_eq!(parts(Path::new("web")), (".".into(), "web-".into(), String::new()));
        assert_eq!(parts(Path::new("a.b.txt")), (".".into(), "a.b-".into(), ".txt".into()));
    }

    #[test]
    fn the_mill_keeps_the_newest_backups_and_compresses_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        fs::write(&path, "current\n").unwrap();
        for (i, stamp) in
            ["2024-01-01T00-00-00.000", "2024-01-02T00-00-00.000", "2024-01-03T00-00-00.000"].iter().enumerate()
        {
            fs::write(dir.path().join(format!("app-{stamp}.log")), format!("backup {i}\n")).unwrap();
        }
        fs::write(dir.path().join("other-2024-01-01T00-00-00.000.log"), "not ours").unwrap();
        mill(&path, &rotation(2, true));
        let mut names: Vec<String> =
            fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        assert_eq!(
            names,
            [
                "app-2024-01-02T00-00-00.000.log.gz",
                "app-2024-01-03T00-00-00.000.log.gz",
                "app.log",
                "other-2024-01-01T00-00-00.000.log"
            ]
        );
        let mut text = String::new();
        flate2::read::GzDecoder::new(File::open(dir.path().join("app-2024-01-03T00-00-00.000.log.gz")).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "backup 2\n");
    }

    #[test]
    fn old_backups_go_by_age() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        let recent = (Local::now().naive_local() - TimeDelta::hours(1)).format(BACKUP_TIME).to_string();
        fs::write(dir.path().join("app-2000-01-01T00-00-00.000.log.gz"), "old").unwrap();
        fs::write(dir.path().join(format!("app-{recent}.log")), "recent").unwrap();
        mill(&path, &LogRotation { max_age_days: 3, ..rotation(0, false) });
        assert!(!dir.path().join("app-2000-01-01T00-00-00.000.log.gz").exists());
        assert!(dir.path().join(format!("app-{recent}.log")).exists());
    }

    #[test]
    fn rotate_moves_the_file_aside_and_appends_go_on_in_a_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.log");
        fs::write(&path, "old\n").unwrap();
        let mut file = LogFile::open(&path, false, Some(rotation(0, false))).unwrap();
        assert!(!file.is_full(0, 1024 * 1024 - 4));
        assert!(file.is_full(0, 1024 * 1024 - 3));
        assert!(file.is_full(10, 1024 * 1024 - 13));
        file.write_all(b"more\n").unwrap();
        file.rotate().unwrap();
        file.rotate().unwrap();
        file.write_all(b"new\n").unwrap();
        file.join_mill();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
        let backups = backups(&path).unwrap();
        // Two rotations in the same millisecond get distinct names; the empty one is the newest.
        assert_eq!(backups.len(), 2);
        assert_eq!(fs::read_to_string(&backups[1].path).unwrap(), "old\nmore\n");
        assert_eq!(fs::read_to_string(&backups[0].path).unwrap(), "");
    }
}
