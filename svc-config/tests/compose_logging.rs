//! process-compose `log_configuration` (top level and per process) and `log_length`: imported into the model
//! and exported back. The file under tests/data/compose is written from process-compose's logging docs.

use std::path::{Path, PathBuf};

use svc_config::compose::{ExportOptions, ImportOptions, export_settings, import};
use svc_core::{LogConfiguration, LogField, LogFormat, LogRotation, MergedSettings, Process};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/compose").join(name)
}

fn load(file: &str, strict: bool) -> Result<(Vec<String>, MergedSettings), String> {
    let options = ImportOptions {
        files: vec![data(file)],
        environment: Some(Default::default()),
        disable_dotenv: true,
        strict,
        ..ImportOptions::default()
    };
    let imported = import(&options).map_err(|e| e.to_string())?;
    let warnings = imported.warnings.iter().map(ToString::to_string).collect();
    Ok((warnings, imported.project.settings().unwrap()))
}

fn process<'a>(merged: &'a MergedSettings, name: &str) -> &'a Process {
    merged.settings.processes.get(name).unwrap_or_else(|| panic!("no process {name}"))
}

#[test]
fn log_configuration_and_log_length_are_read() {
    let (warnings, merged) = load("logging.yaml", false).unwrap();
    // `rotation.directory` is noted: process-compose does not use it either.
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(warnings[0].contains("processes.console.log_configuration.rotation.directory"), "{}", warnings[0]);

    // A process without its own log file writes the unified one, with the top-level configuration.
    let shared = process(&merged, "shared");
    assert_eq!(shared.log_location.as_deref(), Some(Path::new("./logs/unified.log")));
    let unified = LogConfiguration {
        format: LogFormat::Json,
        add_timestamp: true,
        rotation: Some(LogRotation { max_size_mb: 5, max_backups: 4, max_age_days: 7, compress: true }),
        ..LogConfiguration::default()
    };
    assert_eq!(shared.log_configuration.as_ref(), Some(&unified));

    let console = process(&merged, "console");
    let expected = LogConfiguration {
        format: LogFormat::Text,
        fields_order: vec![LogField::Time, LogField::Level, LogField::Message],
        timestamp_format: Some("06-01-02 15:04:05.000".into()),
        add_timestamp: true,
        no_metadata: true,
        no_color: true,
        flush_each_line: true,
        rotation: Some(LogRotation { max_size_mb: 1, ..LogRotation::default() }),
    };
    assert_eq!(console.log_configuration.as_ref(), Some(&expected));

    // Its own file, no configuration: process-compose's default, JSON lines.
    assert_eq!(process(&merged, "json").log_configuration, Some(LogConfiguration::process_compose()));
    assert!(merged.settings.processes.values().all(|p| p.log_length == Some(250)));
}

#[test]
fn the_directory_note_stays_a_note_under_strict() {
    assert!(load("logging.yaml", true).is_ok());
}

#[test]
fn bad_values_are_errors_at_their_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    std::fs::write(
        &file,
        "log_length: -3\nprocesses:\n  a:\n    command: x\n    log_location: a.log\n    log_configuration:\n      \
         fields_order: [time, lvl]\n      rotation:\n        max_backups: many\n",
    )
    .unwrap();
    // Strict: the unknown field name (a warning otherwise) is an error too.
    let options = ImportOptions {
        files: vec![file],
        environment: Some(Default::default()),
        disable_dotenv: true,
        strict: true,
        ..ImportOptions::default()
    };
    let error = import(&options).map(|_| ()).unwrap_err().to_string();
    assert!(error.contains("bad.yaml:1:13: log_length: -3 is out of range"), "{error}");
    assert!(error.contains("processes.a.log_configuration.rotation.max_backups: expected an integer"), "{error}");
    assert!(error.contains("unknown value 'lvl'"), "{error}");
}

#[test]
fn export_writes_the_keys_back() {
    let (_, merged) = load("logging.yaml", false).unwrap();
    let exported = export_settings("logging", &merged.settings, &ExportOptions::default());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("exported.yaml");
    std::fs::write(&file, &exported.yaml).unwrap();
    let options = ImportOptions {
        files: vec![file],
        environment: Some(Default::default()),
        disable_dotenv: true,
        strict: true,
        ..ImportOptions::default()
    };
    let back = import(&options).unwrap_or_else(|e| panic!("{e}\n{}", exported.yaml)).project.settings().unwrap();
    for name in ["shared", "console", "json"] {
        assert_eq!(
            process(&back, name).log_configuration,
            process(&merged, name).log_configuration,
            "{name}\n{}",
            exported.yaml
        );
        assert_eq!(process(&back, name).log_length, Some(250));
    }
}

#[test]
fn truncate_log_and_disable_ansi_colors_are_read_and_written_back() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("truncate.yaml");
    std::fs::write(
        &file,
        "processes:\n  fresh:\n    command: echo a new log\n    log_location: ./fresh.log\n    truncate_log: true\n    disable_ansi_colors: yes\n  \
         kept:\n    command: echo appended\n    log_location: ./kept.log\n",
    )
    .unwrap();
    let options = ImportOptions {
        files: vec![file],
        environment: Some(Default::default()),
        disable_dotenv: true,
        strict: true,
        ..ImportOptions::default()
    };
    let imported = import(&options).unwrap_or_else(|e| panic!("{e}"));
    let merged = imported.project.settings().unwrap();
    assert!(process(&merged, "fresh").truncate_log);
    assert!(process(&merged, "fresh").disable_ansi_colors);
    assert!(!process(&merged, "kept").truncate_log);
    assert!(!process(&merged, "kept").disable_ansi_colors);
    let exported = svc_config::compose::export_settings("p", &merged.settings, &Default::default());
    assert!(exported.yaml.contains("truncate_log: true"), "{}", exported.yaml);
    assert_eq!(exported.yaml.matches("truncate_log").count(), 1, "{}", exported.yaml);
    assert!(exported.yaml.contains("disable_ansi_colors: true"), "{}", exported.yaml);
}
