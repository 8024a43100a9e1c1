//! process-compose's `schedule` and `watch` (issue 12): read from files written from process-compose's
//! documentation ("Scheduled Processes", and the watch settings), problems placed at their key, and written back
//! by the export.

use std::path::PathBuf;
use std::time::Duration;

use indexmap::IndexMap;
use svc_config::compose::{ExportOptions, ImportOptions, Imported, export_settings, import};
use svc_core::{MergedSettings, Process, Schedule, Watch, WatchPath};

fn import_yaml(yaml: &str) -> Result<(Imported, tempfile::TempDir), String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("process-compose.yaml");
    std::fs::write(&file, yaml).unwrap();
    let options = ImportOptions {
        files: vec![file],
        environment: Some(IndexMap::new()),
        disable_dotenv: true,
        ..ImportOptions::default()
    };
    import(&options).map(|imported| (imported, dir)).map_err(|e| e.to_string())
}

fn settings(imported: &Imported) -> MergedSettings {
    imported.project.settings().unwrap()
}

fn process<'a>(merged: &'a MergedSettings, name: &str) -> &'a Process {
    &merged.settings.processes[name]
}

const SCHEDULES: &str = r#"
version: "0.5"
processes:
  nightly-report:
    command: "./report.sh"
    schedule:
      cron: "30 3 * * 1-5"   # 03:30 on weekdays
      timezone: "Europe/Paris"
  cache-sweep:
    command: "./sweep.sh"
    schedule:
      interval: "15m"
      run_on_start: true
      max_concurrent: 1
  both:
    command: "./both.sh"
    schedule:
      cron: "@hourly"
      interval: "10s"
"#;

#[test]
fn schedules_are_read_with_cron_or_interval_and_cron_wins() {
    let (imported, _dir) = import_yaml(SCHEDULES).unwrap();
    let merged = settings(&imported);
    assert_eq!(
        process(&merged, "nightly-report").schedule,
        Some(Schedule::cron("30 3 * * 1-5").timezone("Europe/Paris"))
    );
    assert_eq!(
        process(&merged, "cache-sweep").schedule,
        Some(Schedule::every(Duration::from_secs(15 * 60)).run_on_start(true))
    );
    let both = process(&merged, "both").schedule.clone().unwrap();
    assert_eq!(both.cron.as_deref(), Some("@hourly"));
    let warnings: Vec<String> = imported.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(warnings[0].contains("processes.both.schedule.interval: ignored because `cron` is set"), "{warnings:#?}");
    imported.project.validate().unwrap();
}

#[test]
fn a_bad_schedule_is_an_error_at_its_key() {
    let table = [
        ("cron: \"0 25 * * *\"", "schedule.cron", "cron expression \"0 25 * * *\" is invalid"),
        ("cron: \"0 2 * * *\"\n      timezone: \"Moon/Base\"", "schedule.timezone", "unknown time zone"),
        ("interval: \"every hour\"", "schedule.interval", "is not a duration"),
        ("interval: \"0s\"", "schedule.interval", "interval is zero"),
    ];
    for (body, key, message) in table {
        let yaml = format!("processes:\n  job:\n    command: \"./job\"\n    schedule:\n      {body}\n");
        let error = import_yaml(&yaml).err().unwrap_or_else(|| panic!("{body}: no error"));
        assert!(error.contains(&format!("processes.job.{key}: ")), "{body}: {error}");
        assert!(error.contains(message), "{body}: {error}");
        assert!(error.contains("process-compose.yaml:"), "placed in the file: {error}");
    }
}

#[test]
fn a_schedule_with_neither_cron_nor_interval_is_warned_and_the_process_runs_once() {
    let (imported, _dir) =
        import_yaml("processes:\n  job:\n    command: \"./job\"\n    schedule:\n      run_on_start: true\n").unwrap();
    assert_eq!(process(&settings(&imported), "job").schedule, None);
    assert!(imported.warnings[0].to_string().contains("has neither `cron` nor `interval`"), "{:?}", imported.warnings);
}

const WATCHES: &str = r#"
processes:
  api:
    command: "go run ./cmd/api"
    working_dir: "./backend"
    watch:
      paths:
        - path: "./internal"
          include: ["*.go"]
          exclude: ["*_test.go", "gen/**"]
        - path: "./config.yaml"
      cascade: true
      debounce: "750ms"
  frontend:
    command: "npm run dev"
    depends_on:
      api:
        condition: process_started
    watch:
      paths:
        - path: "src"
      disable_default_excludes: true
      max_entries: 20000
"#;

#[test]
fn watches_are_read_with_their_filters_debounce_and_cascade() {
    let (imported, _dir) = import_yaml(WATCHES).unwrap();
    let merged = settings(&imported);
    let api = process(&merged, "api").watch.clone().unwrap();
    assert_eq!(
        api.paths,
        [
            WatchPath {
                path: "./internal".into(),
                include: vec!["*.go".into()],
                exclude: vec!["*_test.go".into(), "gen/**".into()],
            },
            WatchPath { path: "./config.yaml".into(), ..WatchPath::default() },
        ]
    );
    assert!(api.cascade);
    assert_eq!(api.debounce, Duration::from_millis(750));
    let frontend = process(&merged, "frontend").watch.clone().unwrap();
    assert_eq!(frontend, Watch { disable_default_excludes: true, ..Watch::paths([PathBuf::from("src")]) });
    let warnings: Vec<String> = imported.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(warnings[0].contains("processes.frontend.watch.max_entries: is not supported by svc"), "{warnings:#?}");
}

#[test]
fn a_bad_watch_is_an_error_at_its_key() {
    let table = [
        ("paths:\n        - path: src\n          include: [\"a[\"]", "watch.paths[0].include[0]", "not a valid glob"),
        ("paths:\n        - include: [\"*.go\"]", "watch.paths[0]", "has no `path`"),
        ("paths: [{path: src}]\n      debounce: \"soon\"", "watch.debounce", "is not a duration"),
    ];
    for (body, key, message) in table {
        let yaml = format!("processes:\n  job:\n    command: \"./job\"\n    watch:\n      {body}\n");
        let error = import_yaml(&yaml).err().unwrap_or_else(|| panic!("{body}: no error"));
        assert!(error.contains(&format!("processes.job.{key}: ")), "{body}: {error}");
        assert!(error.contains(message), "{body}: {error}");
    }
}

#[test]
fn schedules_and_watches_survive_export_and_import() {
    let (imported, _dir) = import_yaml(&format!(
        "{SCHEDULES}{}",
        WATCHES.trim_start_matches("\nprocesses:\n").lines().map(|l| format!("{l}\n")).collect::<String>()
    ))
    .unwrap();
    let original = settings(&imported).settings;
    let exported = export_settings("p", &original, &ExportOptions::default());
    assert!(exported.yaml.contains("interval: 15m"), "{}", exported.yaml);
    assert!(exported.yaml.contains("debounce: 750ms"), "{}", exported.yaml);
    let (again, _dir) = import_yaml(&exported.yaml).unwrap();
    let again = settings(&again).settings;
    for name in ["nightly-report", "cache-sweep", "api", "frontend"] {
        assert_eq!(again.processes[name].schedule, original.processes[name].schedule, "{name}");
        assert_eq!(again.processes[name].watch, original.processes[name].watch, "{name}");
    }
}
