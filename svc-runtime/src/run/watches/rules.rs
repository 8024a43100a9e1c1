//! The pure rules of file watching: which changed paths count for a watched path ([`Matcher`]), when a burst of
//! changes becomes one restart ([`Debounce`]), which processes a change restarts and in which order
//! ([`cascade_order`]), and whether a watch keeps `up` going ([`keeps_project_up`]).
//!
//! They follow process-compose's watcher (src/watcher/matcher.go, debounce.go, loops.go): a pattern with a `/`
//! matches the path relative to the watched root and one without matches the base name; default ignores for
//! version control, dependency and build directories, logs and editor files; a trailing-edge debounce; cascade
//! restarts the transitive dependents in dependency order.

use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use svc_core::{DEFAULT_IGNORED_DIRS, DEFAULT_IGNORED_FILES, ValidProject, WatchPath};

use crate::process::machine::State;

/// Patterns split by what they are matched against.
#[derive(Debug, Clone)]
struct Patterns {
    /// Patterns without `/`: matched against a base name (a file's, or a directory's).
    by_name: GlobSet,
    /// Patterns with `/`: matched against the path relative to the root.
    by_path: GlobSet,
    /// Whether there are none.
    empty: bool,
}

impl Patterns {
    fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Result<Patterns, String> {
        let (mut by_name, mut by_path, mut empty) = (GlobSetBuilder::new(), GlobSetBuilder::new(), true);
        for pattern in patterns {
            empty = false;
            let glob = GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .map_err(|e| format!("{pattern:?} is not a valid glob ({})", e.kind()))?;
            if pattern.contains('/') {
                by_path.add(glob)
            } else {
                by_name.add(glob)
            };
        }
        let build = |b: GlobSetBuilder| b.build().map_err(|e| e.to_string());
        Ok(Patterns { by_name: build(by_name)?, by_path: build(by_path)?, empty })
    }

    fn matches(&self, relative: &Path, name: &Path) -> bool {
        self.by_name.is_match(name) || self.by_path.is_match(relative)
    }
}

/// Decides which changed paths count for one watched path.
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    /// The directory watched (with its subtree).
    root: PathBuf,
    /// Set when the configured path is a file: only that name in `root` counts (its directory is watched, since
    /// an editor that saves by renaming would end a watch on the file itself).
    only: Option<PathBuf>,
    include: Patterns,
    exclude: Patterns,
    /// The default ignores (empty with `disable_default_excludes`).
    ignored_files: Patterns,
    ignore_dirs: bool,
    /// Files never counted whatever the settings: the processes' own log files.
    always_excluded: Vec<PathBuf>,
}

impl Matcher {
    /// The matcher of `watched`, whose path is `path` resolved (absolute) and is a file if `is_file`.
    pub fn new(
        watched: &WatchPath,
        path: PathBuf,
        is_file: bool,
        defaults: bool,
        always_excluded: Vec<PathBuf>,
    ) -> Result<Matcher, String> {
        let (root, only) = match (is_file, path.parent(), path.file_name()) {
            (true, Some(dir), Some(name)) => (dir.to_path_buf(), Some(PathBuf::from(name))),
            _ => (path, None),
        };
        let defaults_files: &[&str] = if defaults { DEFAULT_IGNORED_FILES } else { &[] };
        Ok(Matcher {
            root,
            only,
            include: Patterns::new(watched.include.iter().map(String::as_str))?,
            exclude: Patterns::new(watched.exclude.iter().map(String::as_str))?,
            ignored_files: Patterns::new(defaults_files.iter().copied())?,
            ignore_dirs: defaults,
            always_excluded,
        })
    }

    /// The directory to watch.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether a change to `path` counts. Files under an excluded (or ignored) directory do not: process-compose
    /// prunes such directories from its watch.
    pub fn matches(&self, path: &Path) -> bool {
        let Ok(relative) = path.strip_prefix(&self.root) else { return false };
        let Some(name) = relative.file_name().map(Path::new) else { return false };
        if self.only.as_deref().is_some_and(|only| only != relative) || self.always_excluded.iter().any(|p| p == path) {
            return false;
        }
        if self.ignored_files.matches(relative, name) || self.exclude.matches(relative, name) {
            return false;
        }
        let mut dir = PathBuf::new();
        for component in relative.parent().into_iter().flat_map(Path::components) {
            let Component::Normal(part) = component else { continue };
            dir.push(part);
            let ignored = self.ignore_dirs && part.to_str().is_some_and(|p| DEFAULT_IGNORED_DIRS.contains(&p));
            if ignored || self.exclude.matches(&dir, Path::new(part)) {
                return false;
            }
        }
        self.include.empty || self.include.matches(relative, name)
    }
}

/// Collects a burst of changes into one trigger, `delay` after the last one (trailing edge).
#[derive(Debug, Clone)]
pub(crate) struct Debounce {
    delay: Duration,
    last: Option<Instant>,
    /// The newest changed path of the burst, to say why the process restarts.
    path: Option<PathBuf>,
    count: usize,
}

/// A burst of changes that is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Burst {
    /// The newest changed path.
    pub path: PathBuf,
    /// How many changes it collected.
    pub count: usize,
}

impl Debounce {
    /// A debounce of `delay`.
    pub fn new(delay: Duration) -> Self {
        Debounce { delay, last: None, path: None, count: 0 }
    }

    /// A change to `path` at `at`.
    pub fn change(&mut self, path: &Path, at: Instant) {
        self.last = Some(at);
        self.path = Some(path.to_path_buf());
        self.count += 1;
    }

    /// When the burst is due, if there is one.
    pub fn due(&self) -> Option<Instant> {
        self.last.map(|last| last + self.delay)
    }

    /// The burst, if it is due at `now` (then it starts over).
    pub fn take(&mut self, now: Instant) -> Option<Burst> {
        if self.due()? > now {
            return None;
        }
        self.last = None;
        let count = std::mem::take(&mut self.count);
        self.path.take().map(|path| Burst { path, count })
    }
}

/// What a change seen by process `name`'s watch restarts, in order: `name`, then (with `cascade`) every process
/// that depends on it directly or not, each after its dependencies.
pub(crate) fn cascade_order(project: &ValidProject, name: &str, cascade: bool) -> Vec<String> {
    let mut affected = std::collections::HashSet::from([name]);
    if cascade {
        // The start order puts every process after its dependencies: one pass finds the transitive dependents.
        for candidate in project.start_order() {
            let process = &project.processes()[candidate];
            if process.depends_on.keys().any(|d| affected.contains(d.as_str())) {
                affected.insert(candidate);
            }
        }
    }
    let mut order = vec![name.to_owned()];
    order.extend(project.start_order().into_iter().filter(|p| *p != name && affected.contains(p)).map(str::to_owned));
    order
}

/// Whether a watched process in `state` keeps `up` going although it is final: it ended by itself, and a change
/// will start it again (process-compose: "the project stays up while any watch is armed"). A stopped, skipped or
/// disabled process's watch is paused and does not.
pub(crate) fn keeps_project_up(watched: bool, state: &State) -> bool {
    watched && matches!(state, State::Completed { .. } | State::Failed { .. })
}

/// Whether a process that was asked to restart (running as `old`, if it ran) has started again, or will not: it
/// runs as another process now, or it is neither stopping nor starting (it ended, failed to start, waits).
pub(crate) fn restarted(old: Option<i32>, state: &State) -> bool {
    !matches!(state, State::Stopping { .. } | State::Starting) && (state.pid().is_none() || state.pid() != old)
}

#[cfg(test)]
mod tests;
