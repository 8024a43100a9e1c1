//! The watch rules as tables: matching, debounce, cascade order, when a watch keeps `up` going.

use std::time::{Duration, Instant};

use svc_core::{Condition, Process, Project};

use super::*;
use crate::child::ExitStatus;

fn matcher(include: &[&str], exclude: &[&str], defaults: bool) -> Matcher {
    let watched = WatchPath {
        path: "src".into(),
        include: include.iter().map(|s| s.to_string()).collect(),
        exclude: exclude.iter().map(|s| s.to_string()).collect(),
    };
    Matcher::new(&watched, "/p/src".into(), false, defaults, vec!["/p/src/out.txt".into()]).unwrap()
}

#[test]
fn matching_table() {
    // (include, exclude, default ignores, changed path, counts?)
    type Row<'a> = (&'a [&'a str], &'a [&'a str], bool, &'a str, bool);
    let table: &[Row] = &[
        (&[], &[], true, "/p/src/main.go", true),
        (&[], &[], true, "/p/src/a/b/main.go", true),
        (&[], &[], true, "/p/other/main.go", false),
        // Base-name patterns hold at every depth; path patterns are relative to the root.
        (&["*.go"], &[], true, "/p/src/a/b/main.go", true),
        (&["*.go"], &[], true, "/p/src/a/b/main.rs", false),
        (&[], &["*_test.go"], true, "/p/src/a/x_test.go", false),
        (&["a/*.go"], &[], true, "/p/src/a/main.go", true),
        (&["a/*.go"], &[], true, "/p/src/a/b/main.go", false),
        (&["a/**/*.go"], &[], true, "/p/src/a/b/main.go", true),
        // An excluded directory excludes everything under it.
        (&[], &["gen"], true, "/p/src/gen/x/types.go", false),
        (&[], &["gen/**"], true, "/p/src/gen/types.go", false),
        // The default ignores, unless disabled.
        (&[], &[], true, "/p/src/node_modules/x/index.js", false),
        (&[], &[], true, "/p/src/server.log", false),
        (&[], &[], true, "/p/src/.main.go.swp", false),
        (&[], &[], false, "/p/src/node_modules/x/index.js", true),
        (&[], &[], false, "/p/src/server.log", true),
        // A process's own log file never counts.
        (&[], &[], false, "/p/src/out.txt", false),
    ];
    for (include, exclude, defaults, path, expected) in table {
        let m = matcher(include, exclude, *defaults);
        assert_eq!(m.matches(Path::new(path)), *expected, "include {include:?} exclude {exclude:?} {path}");
    }
}

#[test]
fn a_watched_file_watches_its_directory_for_that_name_only() {
    let watched = WatchPath { path: "config.yaml".into(), ..WatchPath::default() };
    let m = Matcher::new(&watched, "/p/config.yaml".into(), true, true, vec![]).unwrap();
    assert_eq!(m.root(), Path::new("/p"));
    assert!(m.matches(Path::new("/p/config.yaml")));
    assert!(!m.matches(Path::new("/p/other.yaml")));
    assert!(!m.matches(Path::new("/p/sub/config.yaml")));
}

#[test]
fn a_burst_is_one_trigger_after_the_last_change() {
    let t0 = Instant::now();
    let ms = |n| t0 + Duration::from_millis(n);
    let mut d = Debounce::new(Duration::from_millis(300));
    assert_eq!(d.due(), None);
    d.change(Path::new("a"), ms(0));
    d.change(Path::new("b"), ms(200));
    assert_eq!(d.due(), Some(ms(500)), "from the last change");
    assert_eq!(d.take(ms(499)), None);
    assert_eq!(d.take(ms(500)), Some(Burst { path: "b".into(), count: 2 }));
    assert_eq!(d.due(), None);
    assert_eq!(d.take(ms(900)), None, "once");
}

#[test]
fn cascade_restarts_the_transitive_dependents_in_dependency_order() {
    let p = || Process::new("true");
    // api <- web <- e2e, api <- worker; docs is independent; web is defined before api.
    let project = Project::new("c")
        .process("web", p().depends_on("api", Condition::ProcessStarted))
        .process("e2e", p().depends_on("web", Condition::ProcessStarted))
        .process("api", p().depends_on("db", Condition::ProcessStarted))
        .process("db", p())
        .process("worker", p().depends_on("api", Condition::ProcessStarted))
        .process("docs", p())
        .validate()
        .unwrap();
    assert_eq!(cascade_order(&project, "api", true), ["api", "worker", "web", "e2e"]);
    assert_eq!(cascade_order(&project, "api", false), ["api"]);
    let db = cascade_order(&project, "db", true);
    assert_eq!(db[0], "db");
    let at = |n: &str| db.iter().position(|x| x == n).unwrap();
    assert!(at("api") < at("web") && at("web") < at("e2e") && at("api") < at("worker"), "{db:?}");
    assert_eq!(cascade_order(&project, "docs", true), ["docs"]);
}

#[test]
fn a_watch_keeps_up_going_while_it_can_fire() {
    let completed = State::Completed { exit: ExitStatus::Code(0) };
    let failed = State::Failed { reason: "x".into(), exit: None };
    let stopped = State::Stopped { exit: None };
    assert!(keeps_project_up(true, &completed));
    assert!(keeps_project_up(true, &failed));
    assert!(!keeps_project_up(true, &stopped), "paused");
    assert!(!keeps_project_up(true, &State::Skipped { why: "x".into() }));
    assert!(!keeps_project_up(false, &completed));
}

#[test]
fn restarted_table() {
    let stopping = State::Stopping { pid: 5, then: crate::process::machine::AfterStop::Relaunch };
    assert!(!restarted(Some(5), &stopping));
    assert!(!restarted(Some(5), &State::Starting));
    assert!(!restarted(Some(5), &State::Running { pid: 5 }));
    assert!(restarted(Some(5), &State::Running { pid: 6 }));
    assert!(restarted(None, &State::Running { pid: 6 }));
    assert!(restarted(None, &State::Completed { exit: ExitStatus::Code(0) }));
}
