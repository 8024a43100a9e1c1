//! File watching (`watch`): one `notify` watcher for the run, its events matched against every watched path
//! ([`rules::Matcher`]), debounced per process ([`rules::Debounce`]), and each burst turned into a restart of
//! the process and, with `cascade`, of its dependents after it in dependency order ([`rules::cascade_order`]),
//! each once the one before has started again. The restart is the process's own rule
//! ([`Control::FilesChanged`]): a stopped process's watch is paused.
//!
//! Like process-compose (src/app/project_watch.go), a watch that cannot be set up is reported and left out (the
//! project runs on), disabled processes are not watched, and the watcher stops before the shutdown begins, so
//! that a file written by a stopping process restarts nothing.

mod rules;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher as _};
use svc_core::ValidProject;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use self::rules::{Debounce, Matcher, cascade_order};
use super::handle::ProcessHandle;
use crate::deadline::sleep_until;
use crate::logs::Logs;
use crate::process::{Control, Status};

pub(crate) use self::rules::keeps_project_up;

/// How long, beyond its shutdown timeout, a cascade waits for one process to start again before it goes on.
const RESTART_GRACE: Duration = Duration::from_secs(10);

/// The watches of one process.
struct Entry {
    name: String,
    matchers: Vec<Matcher>,
    debounce: Debounce,
    cascade: bool,
}

/// The run's file watches, set up before the processes start.
pub(crate) struct Watches {
    entries: Vec<Entry>,
    watcher: Option<notify::RecommendedWatcher>,
    events: mpsc::UnboundedReceiver<notify::Result<notify::Event>>,
}

impl Watches {
    /// Sets up the watch of every enabled process that has one; a path that cannot be watched is reported (a
    /// status line naming the process and the path) and left out. `log_file` (the project's) never triggers.
    pub fn start(project: &ValidProject, log_file: Option<&Path>, logs: &Logs) -> Watches {
        let (tx, events) = mpsc::unbounded_channel();
        let mut watches = Watches { entries: Vec::new(), watcher: None, events };
        let watched: Vec<_> = project
            .processes()
            .iter()
            .filter(|(_, p)| !p.disabled)
            .filter_map(|(n, p)| Some((n, p, p.watch.as_ref()?)))
            .collect();
        if watched.is_empty() {
            return watches;
        }
        let mut watcher = match notify::recommended_watcher(move |event| {
            let _ = tx.send(event);
        }) {
            Ok(watcher) => watcher,
            Err(e) => {
                logs.status(format!("cannot watch files: {e}; `watch` is ignored"));
                return watches;
            }
        };
        let cwd = std::env::current_dir().unwrap_or_default();
        let mut own_logs: Vec<PathBuf> = project.processes().values().filter_map(|p| p.log_location.clone()).collect();
        own_logs.extend(log_file.map(Path::to_path_buf));
        let own_logs: Vec<PathBuf> = own_logs.into_iter().map(|p| cwd.join(p)).collect();
        for (name, process, watch) in watched {
            let base = process.working_dir.as_ref().map_or_else(|| cwd.clone(), |dir| cwd.join(dir));
            let mut matchers = Vec::new();
            for path in &watch.paths {
                let resolved = base.join(&path.path);
                let is_file = resolved.is_file();
                let matcher =
                    Matcher::new(path, resolved.clone(), is_file, !watch.disable_default_excludes, own_logs.clone());
                let registered = matcher.and_then(|m| {
                    let mode = if is_file { RecursiveMode::NonRecursive } else { RecursiveMode::Recursive };
                    watcher.watch(m.root(), mode).map(|()| m).map_err(|e| e.to_string())
                });
                match registered {
                    Ok(matcher) => matchers.push(matcher),
                    Err(e) => logs.status(format!(
                        "{name}: cannot watch {}: {e}; fix the path under watch.paths (it is relative to the \
                         process's working_dir)",
                        resolved.display()
                    )),
                }
            }
            if !matchers.is_empty() {
                let (debounce, cascade) = (Debounce::new(watch.debounce), watch.cascade);
                watches.entries.push(Entry { name: name.clone(), matchers, debounce, cascade });
            }
        }
        watches.watcher = Some(watcher);
        watches
    }

    /// Whether process `name` has a watch that was set up.
    pub fn is_armed(&self, name: &str) -> bool {
        self.entries.iter().any(|e| e.name == name)
    }

    /// Starts turning changes into restarts, if anything is watched. Abort the task to stop watching.
    pub fn spawn(self, project: Arc<ValidProject>, processes: &[ProcessHandle], logs: Logs) -> Option<JoinHandle<()>> {
        if self.entries.is_empty() {
            return None;
        }
        let targets = processes
            .iter()
            .map(|p| Target { name: p.name.clone(), control: p.control.downgrade(), status: p.status.clone() })
            .collect();
        Some(tokio::spawn(self.drive(project, targets, logs)))
    }

    async fn drive(mut self, project: Arc<ValidProject>, targets: Vec<Target>, logs: Logs) {
        loop {
            let due = self.entries.iter().filter_map(|e| e.debounce.due()).min();
            tokio::select! {
                event = self.events.recv() => match event {
                    Some(Ok(event)) => self.record(&event),
                    Some(Err(e)) => logs.status(format!("file watch error: {e}")),
                    None => return,
                },
                () = sleep_until(due.map(tokio::time::Instant::from_std)) => {
                    let now = Instant::now();
                    let bursts: Vec<_> = self
                        .entries
                        .iter_mut()
                        .filter_map(|e| Some((e.name.clone(), e.cascade, e.debounce.take(now)?)))
                        .collect();
                    for (name, cascade, burst) in bursts {
                        restart(&project, &targets, &name, cascade, &burst.path, &logs).await;
                    }
                }
            }
        }
    }

    /// Feeds a file system event to the debounce of every process whose watch it matches.
    fn record(&mut self, event: &notify::Event) {
        // Reads and metadata changes (chmod, access times) are not changes of content.
        if matches!(event.kind, EventKind::Access(_) | EventKind::Modify(notify::event::ModifyKind::Metadata(_))) {
            return;
        }
        let now = Instant::now();
        for path in &event.paths {
            for entry in &mut self.entries {
                if entry.matchers.iter().any(|m| m.matches(path)) {
                    entry.debounce.change(path, now);
                }
            }
        }
    }
}

/// A process as the watcher sees it (weakly: the watcher must not keep a process task alive).
struct Target {
    name: String,
    control: mpsc::WeakUnboundedSender<Control>,
    status: watch::Receiver<Status>,
}

/// Restarts `name` after a change to `path`, then (with `cascade`) its dependents in dependency order.
async fn restart(project: &ValidProject, targets: &[Target], name: &str, cascade: bool, path: &Path, logs: &Logs) {
    let Some(first) = targets.iter().find(|t| t.name == name) else { return };
    if !first.status.borrow().state.restarts_on_change() {
        // Stopped (the watch is paused), or not started yet.
        return;
    }
    let order = cascade_order(project, name, cascade);
    let dependents = match order.len() - 1 {
        0 => String::new(),
        n => format!(" and {n} dependent{} after it ({})", if n == 1 { "" } else { "s" }, order[1..].join(", ")),
    };
    logs.status(format!("{name}: {} changed: restarting it{dependents}", path.display()));
    for each in &order {
        let Some(target) = targets.iter().find(|t| &t.name == each) else { continue };
        let limit = project.processes().get(each).map_or(Duration::ZERO, |p| p.shutdown.timeout) + RESTART_GRACE;
        restart_one(target, limit).await;
    }
}

/// Asks `target` to restart and waits (at most `limit`) until it has started again (or ended, or failed to).
async fn restart_one(target: &Target, limit: Duration) {
    let mut status = target.status.clone();
    let before = status.borrow_and_update().state.clone();
    if !before.restarts_on_change() {
        return;
    }
    let Some(control) = target.control.upgrade() else { return };
    if control.send(Control::FilesChanged).is_err() {
        return;
    }
    drop(control);
    let old = before.pid();
    let started_again = async {
        while status.changed().await.is_ok() {
            if rules::restarted(old, &status.borrow_and_update().state) {
                return;
            }
        }
    };
    let _ = tokio::time::timeout(limit, started_again).await;
}
