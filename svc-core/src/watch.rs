//! Watched files (process-compose's `watch`): a change under a watched path restarts the process, and with
//! `cascade` its dependents after it.

use std::path::PathBuf;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Restart the process when files change (process-compose's `watch`).
///
/// Every path is watched with its whole subtree. A change that matches (see [`WatchPath`]) is collected for
/// `debounce`, then restarts the process (at once, without the restart backoff, and its restart count starts
/// over); with `cascade`, the processes that depend on it, directly or not, are restarted after it in dependency
/// order. A process that was stopped is not restarted by a change; one that ended by itself is started again,
/// and `up` goes on while such a watch can still fire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Watch {
    /// The watched paths.
    pub paths: Vec<WatchPath>,
    /// Also restart the processes that depend on this one (transitively), in dependency order.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cascade: bool,
    /// How long changes are collected before the restart, as a Go duration (default `"300ms"`).
    #[serde(default = "default_debounce", with = "crate::duration::go")]
    #[schemars(with = "String")]
    pub debounce: Duration,
    /// Do not leave out the usual noise: version control and dependency directories (`.git`, `node_modules`,
    /// `target`, ...), log files and editor scratch files ([`DEFAULT_IGNORED_DIRS`], [`DEFAULT_IGNORED_FILES`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable_default_excludes: bool,
}

/// One watched path and its filters.
///
/// A pattern that contains `/` is matched against the path relative to `path`; one without is matched against
/// the file name, so `exclude: ["*_test.go"]` holds at every depth (process-compose's rule). `*` does not cross
/// a `/`, `**` does.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WatchPath {
    /// A directory (watched with its subtree) or a file; relative to the process's `working_dir`.
    pub path: PathBuf,
    /// Only changes to matching files count (all files if empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// Changes to matching files, and to anything under matching directories, do not count.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
}

/// Directory names left out of every watch unless `disable_default_excludes` (process-compose's list).
pub const DEFAULT_IGNORED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    ".idea",
    ".vscode",
    "node_modules",
    "vendor",
    "target",
    "dist",
    "build",
    "bin",
    ".venv",
    "venv",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".next",
    ".nuxt",
    ".terraform",
    ".gradle",
    ".direnv",
    "result",
];

/// File name patterns left out of every watch unless `disable_default_excludes` (process-compose's list).
pub const DEFAULT_IGNORED_FILES: &[&str] =
    &["*.log", "*.log.gz", "*.swp", "*.swx", "*~", ".#*", "#*#", "4913", ".DS_Store", "*.tmp"];

/// The default debounce: 300 ms, as process-compose's.
pub fn default_debounce() -> Duration {
    Duration::from_millis(300)
}

impl Watch {
    /// Watches `paths` (no filters) with the default debounce.
    pub fn paths<I, P>(paths: I) -> Self
    where
        I: IntoIterator<Item = P>,
        P: Into<PathBuf>,
    {
        let paths = paths.into_iter().map(|p| WatchPath { path: p.into(), ..WatchPath::default() }).collect();
        Watch { paths, cascade: false, debounce: default_debounce(), disable_default_excludes: false }
    }

    /// Also restarts the dependents.
    pub fn cascade(mut self, cascade: bool) -> Self {
        self.cascade = cascade;
        self
    }

    /// Sets the debounce.
    pub fn debounce(mut self, debounce: Duration) -> Self {
        self.debounce = debounce;
        self
    }

    /// What is wrong with the watch, if anything: no paths, an empty path, a pattern that is not a glob.
    pub fn check(&self) -> Result<(), String> {
        if self.paths.is_empty() {
            return Err("watches no paths; list at least one under `paths`".into());
        }
        for (i, watched) in self.paths.iter().enumerate() {
            if watched.path.as_os_str().is_empty() {
                return Err(format!("paths[{i}].path is empty; give a directory or a file"));
            }
            for (key, patterns) in [("include", &watched.include), ("exclude", &watched.exclude)] {
                for pattern in patterns {
                    check_glob(pattern).map_err(|e| format!("paths[{i}].{key}: {e}"))?;
                }
            }
        }
        Ok(())
    }
}

/// Whether `pattern` is a valid glob (as the supervisor compiles it).
pub fn check_glob(pattern: &str) -> Result<(), String> {
    globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map(|_| ())
        .map_err(|e| format!("{pattern:?} is not a valid glob ({}); e.g. \"*.rs\" or \"src/**/*.go\"", e.kind()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks() {
        assert_eq!(Watch::paths(["src"]).check(), Ok(()));
        assert!(Watch::paths(Vec::<PathBuf>::new()).check().unwrap_err().contains("no paths"));
        let mut bad = Watch::paths(["src"]);
        bad.paths[0].exclude.push("a[".into());
        let message = bad.check().unwrap_err();
        assert!(message.starts_with("paths[0].exclude: \"a[\" is not a valid glob"), "{message}");
    }

    #[test]
    fn debounce_is_a_go_duration_in_files() {
        let watch: Watch = serde_json::from_str(r#"{"paths": [{"path": "src"}], "debounce": "1s"}"#).unwrap();
        assert_eq!(watch.debounce, Duration::from_secs(1));
        let watch: Watch = serde_json::from_str(r#"{"paths": [{"path": "src"}]}"#).unwrap();
        assert_eq!(watch.debounce, Duration::from_millis(300));
        assert_eq!(serde_json::to_value(&watch).unwrap()["debounce"], "300ms");
    }
}
