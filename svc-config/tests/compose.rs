//! process-compose import and export: the files under tests/data/compose and the model they produce.

use std::path::{Path, PathBuf};
use std::time::Duration;

use indexmap::IndexMap;
use svc_config::compose::{
    ArgvStyle, ExportOptions, ImportError, ImportOptions, Imported, export, export_settings, import,
};
use svc_core::{
    Availability, Command, Condition, MergedSettings, Probe, ProbeCheck, Process, Project, RestartPolicy, Shutdown,
};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/compose").join(name)
}

fn env(pairs: &[(&str, &str)]) -> IndexMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn options(file: &str, vars: &[(&str, &str)]) -> ImportOptions {
    ImportOptions {
        files: vec![data(file)],
        environment: Some(env(vars)),
        disable_dotenv: true,
        ..ImportOptions::default()
    }
}

fn load_with(file: &str, vars: &[(&str, &str)]) -> Imported {
    import(&options(file, vars)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn load(file: &str) -> (Imported, MergedSettings) {
    let imported = load_with(file, &[]);
    let merged = imported.project.settings().unwrap();
    (imported, merged)
}

fn process<'a>(merged: &'a MergedSettings, name: &str) -> &'a Process {
    merged.settings.processes.get(name).unwrap_or_else(|| panic!("no process {name}"))
}

fn load_err(file: &str, vars: &[(&str, &str)]) -> ImportError {
    match import(&options(file, vars)) {
        Ok(_) => panic!("{file} imported without error"),
        Err(e) => e,
    }
}

#[test]
fn basic_shell_command_environment_and_origin() {
    let (imported, merged) = load("basic.yaml");
    assert_eq!(imported.project.name(), "basic");
    assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
    let hello = process(&merged, "hello");
    assert_eq!(hello.command, Command::shell("echo \"hello from $PC_PROC_NAME\" | tr a-z A-Z"));
    assert_eq!(hello.working_dir.as_deref(), Some(Path::new("/tmp")));
    assert_eq!(hello.description.as_deref(), Some("Says hello"));
    assert_eq!(hello.environment["GREETING"], "hi there");
    assert_eq!(hello.environment["EMPTY"], "");
    assert_eq!(hello.environment["WITH_EQUALS"], "a=b");
    assert_eq!(hello.environment["PC_PROC_NAME"], "hello");
    assert_eq!(hello.environment["PC_REPLICA_NUM"], "0");
    assert!(merged.origins["hello"].to_string().ends_with("basic.yaml"), "{:?}", merged.origins);
}

#[test]
fn entrypoint_is_an_argv() {
    let (_, merged) = load("entrypoint.yaml");
    assert_eq!(
        process(&merged, "printer").command,
        Command::Exec(vec![
            "printf".into(),
            "%s|".into(),
            "it's".into(),
            "two words".into(),
            "$HOME".into(),
            "`date`".into()
        ])
    );
}

#[test]
fn depends_on_all_five_conditions_and_the_default() {
    let (imported, merged) = load("depends_on.yaml");
    let api = &process(&merged, "api").depends_on;
    assert_eq!(api["db"].condition, Condition::ProcessHealthy);
    assert_eq!(api["migrate"].condition, Condition::ProcessCompletedSuccessfully);
    let worker = &process(&merged, "worker").depends_on;
    assert_eq!(worker["db"].condition, Condition::ProcessLogReady);
    assert_eq!(worker["migrate"].condition, Condition::ProcessCompleted);
    let sidecar = &process(&merged, "sidecar").depends_on;
    assert_eq!(sidecar["api"].condition, Condition::ProcessStarted);
    assert_eq!(sidecar["worker"].condition, Condition::ProcessStarted, "an empty mapping means process_started");
    assert_eq!(sidecar["db"].condition, Condition::ProcessStarted, "a null entry means process_started");
    imported.project.validate().expect("the project validates");
}

#[test]
fn probes_exec_and_http_get_with_timings() {
    let (_, merged) = load("probes.yaml");
    let web = process(&merged, "web");
    let readiness = web.readiness_probe.as_ref().unwrap();
    let ProbeCheck::HttpGet(http) = &readiness.check else { panic!("http probe expected") };
    assert_eq!(
        (http.host.as_str(), http.port, http.path.as_str(), http.scheme.as_str()),
        ("127.0.0.1", 8080, "/health", "http")
    );
    assert_eq!(http.headers["X-Probe"], "svc");
    assert_eq!(http.status_code, Some(204));
    assert_eq!(readiness.initial_delay, Duration::from_secs(2));
    assert_eq!(readiness.period, Duration::from_secs(5));
    assert_eq!(readiness.timeout, Duration::from_secs(3));
    assert_eq!((readiness.success_threshold, readiness.failure_threshold), (2, 4));
    let liveness = web.liveness_probe.as_ref().unwrap();
    let ProbeCheck::Exec(exec) = &liveness.check else { panic!("exec probe expected") };
    assert_eq!(exec.command, Command::shell("pgrep -f http.server"));
    assert_eq!(exec.working_dir.as_deref(), Some(Path::new("/tmp")));
    assert_eq!(liveness.timeout, Duration::from_secs(1), "process-compose's default timeout");
    assert_eq!(liveness.failure_threshold, 3, "process-compose's default failure threshold");
    let port = |name: &str| match &process(&merged, name)
        .readiness_probe
        .as_ref()
        .or(process(&merged, name).liveness_probe.as_ref())
        .unwrap()
        .check
    {
        ProbeCheck::HttpGet(h) => h.port,
        _ => unreachable!(),
    };
    assert_eq!(port("api"), 9090, "port given as a string");
    assert_eq!(port("legacy"), 7070, "num_port");
}

#[test]
fn availability_policies() {
    let (_, merged) = load("availability.yaml");
    assert_eq!(
        process(&merged, "always").availability,
        Availability::restart(RestartPolicy::Always).backoff(Duration::from_secs(2)).max_restarts(5)
    );
    assert_eq!(
        process(&merged, "on_failure").availability,
        Availability::restart(RestartPolicy::OnFailure).exit_on_skipped(true)
    );
    assert_eq!(process(&merged, "exit_on_failure").availability.restart, RestartPolicy::ExitOnFailure);
    assert_eq!(process(&merged, "ender").availability, Availability::restart(RestartPolicy::No).exit_on_end(true));
}

#[test]
fn shutdown_command_signal_timeout() {
    let (_, merged) = load("shutdown.yaml");
    assert_eq!(
        process(&merged, "graceful").shutdown,
        Shutdown::default().command(Command::shell("kill -INT ${PID:-0}")).signal(2).timeout(Duration::from_secs(20))
    );
    assert_eq!(process(&merged, "plain").shutdown, Shutdown::default().signal(9));
}

#[test]
fn variables_are_expanded_like_process_compose() {
    let imported = load_with(
        "expansion.yaml",
        &[("DATA_DIR", "/srv"), ("APP_PORT", "8443"), ("APP_NAME", "my app"), ("WAIT", "7")],
    );
    let merged = imported.project.settings().unwrap();
    let app = process(&merged, "app");
    assert_eq!(app.command, Command::shell("serve --port 8443 --name my app --fallback none --literal $NOT_EXPANDED"));
    assert_eq!(app.working_dir.as_deref(), Some(Path::new("/srv")));
    assert_eq!(app.availability.backoff, Duration::from_secs(7), "an unquoted ${{WAIT}} is a number");
    assert_eq!(merged.settings.environment["DATA"], "/srv/data");
}

#[test]
fn an_undefined_variable_is_an_error_naming_variable_process_and_file() {
    let err = load_err("undefined.yaml", &[]);
    assert_eq!(err.errors.len(), 1, "{err}");
    let text = err.to_string();
    assert!(
        text.contains("undefined.yaml:5:14: processes.broken.command: variable `NOT_DEFINED_ANYWHERE` is not defined"),
        "{text}"
    );
    assert!(text.contains("used by process `broken` in "), "{text}");
    assert!(text.contains("$$NOT_DEFINED_ANYWHERE"), "the fix is suggested: {text}");
}

#[test]
fn replicas_are_named_like_process_compose() {
    let (imported, merged) = load("replicas.yaml");
    let names: Vec<&str> = merged.settings.processes.keys().map(String::as_str).collect();
    assert_eq!(names, ["worker-0", "worker-1", "worker-2", "shard-0", "shard-1", "boss"]);
    let w1 = process(&merged, "worker-1");
    assert_eq!(w1.environment["PC_REPLICA_NUM"], "1");
    assert_eq!(w1.environment["PC_PROC_NAME"], "worker-1");
    assert_eq!(w1.command, Command::shell("work --id ${PC_REPLICA_NUM}"));
    assert_eq!(w1.log_location.as_deref(), Some(Path::new("./logs/worker-1.log")));
    assert_eq!(process(&merged, "shard-1").log_location.as_deref(), Some(Path::new("./logs/shard.log.1")));
    let boss: Vec<&str> = process(&merged, "boss").depends_on.keys().map(String::as_str).collect();
    assert_eq!(boss, ["worker-0", "worker-1", "worker-2", "shard-1"], "depending on the group means every replica");
    imported.project.validate().expect("validates");
}

#[test]
fn env_file_is_read_and_environment_wins() {
    let (_, merged) = load("env_file.yaml");
    let app = process(&merged, "app");
    assert_eq!(app.environment["DB_URL"], "postgres://localhost/app");
    assert_eq!(app.environment["MODE"], "override");
}

#[test]
fn unsupported_and_unknown_keys_warn_once_each_and_fail_with_strict() {
    let (imported, _) = load("unsupported.yaml");
    let warnings: Vec<String> = imported.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 4, "{warnings:#?}");
    assert!(
        warnings[0].ends_with(
            "unsupported.yaml:1:1: mcp_server: is not supported by svc; svc has no MCP server; the key is ignored"
        ),
        "{}",
        warnings[0]
    );
    assert!(warnings.iter().any(|w| w.ends_with(
        "processes.tty.is_elevated: is not supported by svc; the process runs as the current user (run svc itself \
         with the rights it needs)"
    )));
    assert!(
        warnings.iter().any(|w| w.ends_with("unsupported.yaml:6:5: processes.tty.depend_on: unknown key 'depend_on', did you mean 'depends_on'? (ignored)")),
        "{warnings:#?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("backof_seconds: unknown key 'backof_seconds', did you mean 'backoff_seconds'?"))
    );

    let mut strict = options("unsupported.yaml", &[]);
    strict.strict = true;
    let err = import(&strict).unwrap_err();
    assert_eq!(err.errors.len(), 4, "{err}");
}

#[test]
fn namespace_disabled_exit_codes_and_log_locations() {
    let (imported, merged) = load("misc.yaml");
    let one = process(&merged, "one");
    assert_eq!(one.namespace.as_deref(), Some("tools"));
    assert_eq!(one.success_exit_codes, [3, 4]);
    assert!(one.is_success(3));
    assert_eq!(one.log_location.as_deref(), Some(Path::new("/tmp/one.log")));
    let two = process(&merged, "two");
    assert!(two.disabled);
    assert_eq!(two.namespace.as_deref(), Some("group-a"));
    assert_eq!(two.log_location.as_deref(), Some(Path::new("/tmp/all.log")), "the top-level log_location");
    assert_eq!(merged.settings.environment["RUST_LOG"], "info");
    assert_eq!(imported.warnings.len(), 1, "one warning for the second namespace: {:?}", imported.warnings);
}

#[test]
fn type_errors_are_reported_together_with_positions() {
    let err = load_err("invalid.yaml", &[]);
    let text: Vec<String> = err.errors.iter().map(ToString::to_string).collect();
    assert_eq!(text.len(), 3, "{text:#?}");
    assert!(text[0].ends_with(
        "invalid.yaml:5:16: processes.a.availability.restart: unknown value 'sometimes', expected one of no, always, on_failure, exit_on_failure"
    ), "{}", text[0]);
    assert!(
        text[1].ends_with(
            "invalid.yaml:6:21: processes.a.availability.max_restarts: expected an integer, found string \"many\""
        ),
        "{}",
        text[1]
    );
    assert!(text[2].contains("processes.b.depends_on.a.condition: unknown value 'process_healty'"), "{}", text[2]);
    assert!(text[2].ends_with("(did you mean 'process_healthy'?)"), "{}", text[2]);
}

#[test]
fn a_custom_shell_is_used_for_commands() {
    let (_, merged) = load("shell.yaml");
    assert_eq!(
        process(&merged, "b").command,
        Command::Exec(vec!["bash".into(), "-c".into(), "echo ${BASH_VERSION}".into()])
    );
}

#[test]
fn discovery_merges_the_override_file() {
    let imported = import(&ImportOptions {
        dir: Some(data("override")),
        environment: Some(IndexMap::new()),
        disable_dotenv: true,
        ..ImportOptions::default()
    })
    .unwrap();
    let names: Vec<String> =
        imported.files.iter().map(|f| f.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["process-compose.yaml", "process-compose.override.yaml"]);
    let merged = imported.project.settings().unwrap();
    let web = process(&merged, "web");
    assert_eq!(web.command, Command::shell("serve"), "kept from the base file");
    let env: Vec<(&str, &str)> = web.environment.iter().map(|(k, v)| (k.as_str(), v.as_str())).take(3).collect();
    assert_eq!(env, [("A", "1"), ("B", "20"), ("C", "30")], "environment merged by name");
    assert_eq!(web.availability, Availability::restart(RestartPolicy::Always).max_restarts(3), "merged key by key");
    assert!(merged.origins["db"].to_string().ends_with("process-compose.yaml"));
    assert!(merged.origins["cache"].to_string().ends_with("process-compose.override.yaml"), "{:?}", merged.origins);
}

#[test]
fn several_files_merge_in_order() {
    let imported = import(&ImportOptions {
        files: vec![data("override/process-compose.override.yaml"), data("override/process-compose.yaml")],
        environment: Some(IndexMap::new()),
        disable_dotenv: true,
        ..ImportOptions::default()
    })
    .unwrap();
    let merged = imported.project.settings().unwrap();
    assert_eq!(process(&merged, "web").environment["B"], "2", "the later file wins");
}

#[test]
fn discovery_without_a_file_says_what_it_looked_for() {
    let dir = tempfile::tempdir().unwrap();
    let err = import(&ImportOptions { dir: Some(dir.path().into()), disable_dotenv: true, ..ImportOptions::default() })
        .unwrap_err();
    assert!(err.to_string().contains("no process-compose file found (looked for compose.yml, compose.yaml, process-compose.yml, process-compose.yaml)"), "{err}");
}

/// A project written in Rust, covering every exported feature.
fn rust_project() -> Project {
    Project::new("roundtrip")
        .env("GLOBAL", "costs $5")
        .process(
            "db",
            Process::new("postgres")
                .args(["-D", "./data dir", "-c", "it's $HOME"])
                .working_dir("/srv")
                .env("PGPORT", "5433")
                .readiness_probe(
                    Probe::exec(Command::shell("pg_isready -p $PGPORT"))
                        .initial_delay(Duration::from_secs(1))
                        .period(Duration::from_secs(2))
                        .failure_threshold(5),
                )
                .ready_log_line("ready to accept connections")
                .shutdown(Shutdown::default().signal(2).timeout(Duration::from_secs(30)))
                .namespace("storage")
                .description("The database"),
        )
        .process(
            "api",
            Process::shell("exec api --db \"$DB\" | tee api.log")
                .depends_on("db", Condition::ProcessHealthy)
                .depends_on("migrate", Condition::ProcessCompletedSuccessfully)
                .liveness_probe(Probe::http_get("localhost", 8080, "/live").timeout(Duration::from_secs(2)))
                .availability(
                    Availability::restart(RestartPolicy::OnFailure).backoff(Duration::from_secs(3)).max_restarts(4),
                )
                .log_location("/tmp/api.log")
                // The format process-compose can write (svc's default raw lines are exported approximately).
                .log_configuration(svc_core::LogConfiguration::process_compose()),
        )
        .process(
            "migrate",
            Process::new("migrate")
                .success_exit_codes([3])
                .depends_on("db", Condition::ProcessLogReady)
                .availability(Availability::restart(RestartPolicy::ExitOnFailure).exit_on_end(true)),
        )
        .process("off", Process::shell("true").disabled(true).depends_on("migrate", Condition::ProcessCompleted))
}

/// Adds what the importer adds on top of what a process-compose file says (process-compose's injected
/// variables), so that the models can be compared.
fn with_injected(mut settings: svc_core::Settings) -> svc_core::Settings {
    for (name, process) in &mut settings.processes {
        process.environment.entry("PC_PROC_NAME".into()).or_insert_with(|| name.clone());
        process.environment.entry("PC_REPLICA_NUM".into()).or_insert_with(|| "0".into());
    }
    settings
}

fn reimport(yaml: &str) -> svc_core::Settings {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("process-compose.yaml");
    std::fs::write(&file, yaml).unwrap();
    let imported = import(&ImportOptions {
        files: vec![file],
        environment: Some(IndexMap::new()),
        disable_dotenv: true,
        strict: true,
        ..ImportOptions::default()
    })
    .unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    assert_eq!(imported.project.name(), "roundtrip");
    imported.project.settings().unwrap().settings
}

#[test]
fn export_then_import_gives_the_same_model() {
    let project = rust_project();
    let original = project.settings().unwrap().settings;
    let exported = export_settings(project.name(), &original, &ExportOptions::default());
    assert!(exported.notes.is_empty(), "{:?}", exported.notes);
    assert_eq!(reimport(&exported.yaml), with_injected(original.clone()), "{}", exported.yaml);
    // The import of a file exports to a file that imports the same (the injected variables are not exported).
    let again = export_settings("roundtrip", &reimport(&exported.yaml), &ExportOptions::default());
    assert_eq!(again.yaml, exported.yaml);
}

#[test]
fn export_quotes_argv_for_sh_when_asked() {
    let project = Project::new("roundtrip").process("p", Process::new("printf").args(["%s\n", "it's $HOME", "`x`"]));
    let settings = project.settings().unwrap().settings;
    let exported = export_settings("roundtrip", &settings, &ExportOptions { argv: ArgvStyle::ShellCommand });
    let back = reimport(&exported.yaml);
    assert_eq!(back.processes["p"].command, Command::shell("printf '%s\n' 'it'\\''s $HOME' '`x`'"));
    // And the shell really passes the arguments through unchanged.
    let Command::Shell { shell } = &back.processes["p"].command else { unreachable!() };
    let out = std::process::Command::new("sh").args(["-c", shell]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "it's $HOME\n`x`\n");
}

#[test]
fn export_rounds_durations_up_and_says_so() {
    let project = Project::new("r").process(
        "p",
        Process::new("true")
            .readiness_probe(Probe::exec(Command::shell("true")).period(Duration::from_millis(500)))
            .availability(Availability::restart(RestartPolicy::Always).max_backoff(Duration::from_secs(5))),
    );
    let exported = export(&project.validate().unwrap(), &ExportOptions::default());
    assert!(exported.yaml.contains("period_seconds: 1\n"), "{}", exported.yaml);
    assert_eq!(exported.notes.len(), 2, "{:?}", exported.notes);
    assert!(exported.notes[0].starts_with("processes.p.readiness_probe.period_seconds: 0.5 s rounded up to 1 s"));
    assert!(exported.notes[1].starts_with("processes.p.availability.max_backoff_seconds: dropped"));
}

/// process-compose's published JSON schema (v1.122.0), a data file shared beside the repository. Absent: the
/// test is skipped with a message, except under CI (`CI` set), where that is a failure.
fn process_compose_schema() -> Option<serde_json::Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/process-compose-schema.json");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(serde_json::from_str(&text).expect("the schema is JSON")),
        Err(e) if std::env::var_os("CI").is_some() => panic!("{} is required under CI: {e}", path.display()),
        Err(e) => {
            eprintln!("SKIPPED: process-compose schema not found at {} ({e})", path.display());
            None
        }
    }
}

/// The schema with `additionalProperties: false` on every object that lists its properties: the published
/// schema allows any extra key, and an exported key that process-compose does not know would be silently
/// ignored by it.
fn closed(schema: &mut serde_json::Value) {
    match schema {
        serde_json::Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), serde_json::Value::Bool(false));
            }
            map.values_mut().for_each(closed);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(closed),
        _ => {}
    }
}

fn schema_errors(validator: &jsonschema::Validator, yaml: &str) -> Vec<String> {
    // An independent YAML parser (serde-saphyr's serde layer), not the importer's tree.
    let instance: serde_json::Value = serde_saphyr::from_str(yaml).expect("the export is YAML");
    validator.iter_errors(&instance).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

#[test]
fn export_validates_against_the_process_compose_schema() {
    let Some(mut schema) = process_compose_schema() else { return };
    closed(&mut schema);
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let project = rust_project()
        .process("never", Process::new("x").availability(Availability::restart(RestartPolicy::No).max_restarts(2)));
    for argv in [ArgvStyle::Entrypoint, ArgvStyle::ShellCommand] {
        let exported = export_settings(project.name(), &project.settings().unwrap().settings, &ExportOptions { argv });
        assert_eq!(schema_errors(&validator, &exported.yaml), Vec::<String>::new(), "{}", exported.yaml);
        // YAML 1.1 readers (process-compose's) take a bare `no` for false: the policy must be quoted.
        assert!(
            exported.yaml.contains("restart: \"no\"") || exported.yaml.contains("restart: 'no'"),
            "{}",
            exported.yaml
        );
    }
    // The data files are valid process-compose too, except two that test forms process-compose's YAML reader
    // accepts though the schema does not: a `db:` null dependency (depends_on.yaml) and `port: 8080` as an
    // integer (probes.yaml, as in process-compose's own documentation).
    for file in ["basic.yaml", "availability.yaml", "shutdown.yaml", "replicas.yaml"] {
        let text = std::fs::read_to_string(data(file)).unwrap();
        assert_eq!(schema_errors(&validator, &text), Vec::<String>::new(), "{file}");
    }
}

#[test]
fn the_schema_check_rejects_what_process_compose_would_reject() {
    let Some(mut schema) = process_compose_schema() else { return };
    closed(&mut schema);
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let bad = "processes:\n  a:\n    command: x\n    availability:\n      backoff_seconds: 1.5\n    readiness_probe:\n      http_get:\n        port: 80\n    max_backoff_seconds: 3\n";
    let errors = schema_errors(&validator, bad);
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("/processes/a/availability/backoff_seconds: 1.5 is not of type \"integer\"")),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("/processes/a/readiness_probe/http_get/port: 80 is not of type \"string\"")),
        "{errors:#?}"
    );
    assert!(errors.iter().any(|e| e.contains("max_backoff_seconds")), "{errors:#?}");
}

#[test]
fn disable_env_expansion_keeps_dollars_and_is_strict_is_honoured() {
    let (_, merged) = load("no_expansion.yaml");
    assert_eq!(process(&merged, "literal").command, Command::shell("echo $HOME ${UNDEFINED_BUT_FINE} $$"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("strict.yaml");
    std::fs::write(&file, "is_strict: true\nprocesses:\n  a:\n    command: x\n    is_elevated: true\n").unwrap();
    let err =
        import(&ImportOptions { files: vec![file], disable_dotenv: true, ..ImportOptions::default() }).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("strict.yaml:5:5: processes.a.is_elevated: is not supported by svc (strict mode: remove it)"),
        "{err}"
    );
}

#[test]
fn anchors_merge_keys_and_extension_fields() {
    let (imported, merged) = load("anchors.yaml");
    assert!(imported.warnings.is_empty(), "x- keys are silent: {:?}", imported.warnings);
    let a = process(&merged, "a");
    assert_eq!(a.working_dir.as_deref(), Some(Path::new("/srv")));
    assert_eq!(a.availability, Availability::restart(RestartPolicy::OnFailure).max_restarts(2));
    let b = process(&merged, "b");
    assert_eq!(b.working_dir.as_deref(), Some(Path::new("/opt")), "a key written in the mapping wins over the merge");
    assert_eq!(b.availability.restart, RestartPolicy::OnFailure);
}

#[test]
fn every_data_file_round_trips_through_export() {
    let vars = [("DATA_DIR", "/srv"), ("APP_PORT", "1"), ("APP_NAME", "n"), ("WAIT", "2"), ("WORK", "/tmp")];
    for file in [
        "basic.yaml",
        "entrypoint.yaml",
        "depends_on.yaml",
        "probes.yaml",
        "availability.yaml",
        "shutdown.yaml",
        "expansion.yaml",
        "replicas.yaml",
        "env_file.yaml",
        "misc.yaml",
        "yaml_forms.yaml",
        "shell.yaml",
        "anchors.yaml",
        "no_expansion.yaml",
        "run.yaml",
        "daemon.yaml",
    ] {
        let imported = load_with(file, &vars);
        let name = imported.project.name().to_owned();
        let original = imported.project.settings().unwrap().settings;
        let exported = export_settings(&name, &original, &ExportOptions::default());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("process-compose.yaml");
        std::fs::write(&path, &exported.yaml).unwrap();
        let again = import(&ImportOptions {
            files: vec![path],
            environment: Some(IndexMap::new()),
            disable_dotenv: true,
            strict: true,
            ..ImportOptions::default()
        })
        .unwrap_or_else(|e| panic!("{file}: {e}\n{}", exported.yaml));
        assert_eq!(again.project.name(), name, "{file}");
        assert_eq!(again.project.settings().unwrap().settings, original, "{file}:\n{}", exported.yaml);
    }
}

#[test]
fn is_daemon_and_its_launch_timeout_are_imported_and_exported() {
    let (imported, merged) = load("daemon.yaml");
    assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
    let db = process(&merged, "db");
    assert_eq!(db.daemon, Some(svc_core::Daemon { launch_timeout: Duration::from_secs(12) }));
    assert_eq!(db.shutdown.command, Some(Command::shell("pg_ctl stop -D ./data")));
    assert_eq!(process(&merged, "web").daemon, None);
    // pg_ctl need not be installed: export the settings, not a validated project.
    let exported = export_settings(imported.project.name(), &merged.settings, &ExportOptions::default());
    assert!(exported.yaml.contains("is_daemon: true"), "{}", exported.yaml);
    assert!(exported.yaml.contains("launch_timeout_seconds: 12"), "{}", exported.yaml);
}
