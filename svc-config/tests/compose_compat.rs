//! process-compose compatibility (issue 12): YAML as real files write it, the keys svc accepts and honours, the
//! shell rules, and validation errors placed at the key that causes them. Files under tests/data/compose.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use svc_config::compose::{ImportError, ImportOptions, Imported, import};
use svc_core::{Command, MergedSettings, Process, RestartPolicy};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/compose").join(name)
}

fn options(file: &str, vars: &[(&str, &str)]) -> ImportOptions {
    ImportOptions {
        files: vec![data(file)],
        environment: Some(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<IndexMap<_, _>>()),
        disable_dotenv: true,
        ..ImportOptions::default()
    }
}

fn load(options: &ImportOptions) -> (Imported, MergedSettings) {
    let imported = import(options).unwrap_or_else(|e| panic!("{:?}: {e}", options.files));
    let merged = imported.project.settings().unwrap();
    (imported, merged)
}

fn load_err(options: &ImportOptions) -> ImportError {
    match import(options) {
        Ok(_) => panic!("{:?} imported without error", options.files),
        Err(e) => e,
    }
}

fn process<'a>(merged: &'a MergedSettings, name: &str) -> &'a Process {
    merged.settings.processes.get(name).unwrap_or_else(|| panic!("no process {name}"))
}

fn script(process: &Process) -> &str {
    match &process.command {
        Command::Shell { shell } => shell,
        other => panic!("not a shell command: {other:?}"),
    }
}

#[test]
fn yaml_as_real_files_write_it() {
    let (imported, merged) = load(&options("yaml_forms.yaml", &[]));
    let warnings: Vec<String> = imported.warnings.iter().map(ToString::to_string).collect();
    // `vars:` (top level and per process) and `shutdown:` without a value count as absent: no warning.
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0].ends_with(
            "yaml_forms.yaml:42:9: processes.no_equals.environment[1]: \"JUST_A_NAME\" is not NAME=value and is \
             skipped; write JUST_A_NAME=value (or JUST_A_NAME= for an empty value)"
        ),
        "{}",
        warnings[0]
    );
    let literal = process(&merged, "literal");
    assert_eq!(script(literal), "echo one\necho two\n");
    assert_eq!(literal.availability.restart, RestartPolicy::No, "`restart: no` unquoted");
    assert!(literal.shutdown.parent_only, "`parent_only: yes`");
    assert_eq!(literal.shutdown.signal, 2);
    assert_eq!(script(process(&merged, "literal_strip")), "echo kept");
    assert_eq!(script(process(&merged, "folded")), "echo folded onto one line\n");
    assert_eq!(script(process(&merged, "plain")), "echo plain continued here");
    assert_eq!(script(process(&merged, "double")), "echo double quoted");
    assert_eq!(script(process(&merged, "single")), "echo single quoted");
    let flow = process(&merged, "flow");
    assert_eq!(script(flow), "echo flow");
    assert_eq!(flow.environment["B"], "two words");
    let no_equals = process(&merged, "no_equals");
    assert_eq!(no_equals.environment["GOOD"], "1");
    assert!(!no_equals.environment.contains_key("JUST_A_NAME"));
    assert!(no_equals.disabled, "`is_disabled: \"true\"`");
    assert!(!process(&merged, "plain").disabled);

    // Under --strict the skipped entry is an error, and nothing else is.
    let mut strict = options("yaml_forms.yaml", &[]);
    strict.strict = true;
    let err = load_err(&strict);
    assert_eq!(err.errors.len(), 1, "{err}");
    assert_eq!(err.errors[0].path, "processes.no_equals.environment[1]");
}

#[test]
fn accepted_keys_are_honoured_even_with_is_strict() {
    let mut opts = options("keys.yaml", &[("PC_DISABLED_PROCESSES", "skipped, nosuch")]);
    opts.env_files = Some(vec![data("app.env")]);
    opts.disable_dotenv = false;
    let (imported, merged) = load(&opts);
    let warnings: Vec<String> = imported.warnings.iter().map(ToString::to_string).collect();
    // Notes, not errors, although the file is `is_strict`.
    assert_eq!(warnings.len(), 3, "{warnings:#?}");
    assert!(warnings[0].contains("ordered_shutdown: svc always stops processes in reverse dependency order"));
    assert!(warnings[1].contains("processes.web.namespace: svc keeps one namespace"), "{warnings:#?}");
    assert!(warnings[2].contains("no process 'nosuch' to disable"), "{warnings:#?}");

    // env_cmds: run before expansion, trimmed, and in the project environment.
    let web = process(&merged, "web");
    assert_eq!(script(web), "echo hello");
    assert_eq!(merged.settings.environment["WHEN"], "2024-01-02");
    assert_eq!(merged.settings.environment["GREETING"], "hello");
    // env_file relative to working_dir.
    assert_eq!(web.environment["FROM_WD"], "yes");
    assert_eq!(web.namespace.as_deref(), Some("backend"));
    assert!(web.shutdown.parent_only);
    // .env variables reach every process but those with is_dotenv_disabled.
    assert_eq!(web.environment["DB_URL"], "postgres://localhost/app");
    assert!(!process(&merged, "quiet").environment.contains_key("DB_URL"));
    assert!(!process(&merged, "off").disabled);
    assert!(process(&merged, "skipped").disabled, "PC_DISABLED_PROCESSES");
    assert_eq!(web.environment["PC_PROC_NAME"], "web", "PC_PROC_NAME without replicas");
}

#[test]
fn commands_run_with_bash_when_it_is_found_and_compose_shell_overrides_it() {
    let path = std::env::var("PATH").unwrap_or_default();
    let bash_found = svc_core::find_program("bash", Some(path.as_ref()), None).is_ok();
    let (_, merged) = load(&options("shell_default.yaml", &[("PATH", &path)]));
    let command = &process(&merged, "bashism").command;
    if bash_found {
        assert!(matches!(command, Command::Exec(argv) if argv[..2] == ["bash", "-c"]), "{command:?}");
    } else {
        assert!(matches!(command, Command::Shell { .. }), "{command:?}");
    }
    // Without bash on PATH: sh.
    let (_, merged) = load(&options("shell_default.yaml", &[("PATH", "/nonexistent")]));
    assert!(matches!(process(&merged, "bashism").command, Command::Shell { .. }));
    // COMPOSE_SHELL wins.
    let (_, merged) = load(&options("shell_default.yaml", &[("COMPOSE_SHELL", "zsh")]));
    assert!(matches!(&process(&merged, "bashism").command, Command::Exec(argv) if argv[..2] == ["zsh", "-c"]));
}

#[test]
fn every_problem_is_reported_together_each_at_its_key() {
    let err = load_err(&options("located.yaml", &[]));
    let errors: Vec<String> = err.errors.iter().map(ToString::to_string).collect();
    let has = |needle: &str| errors.iter().any(|e| e.contains(needle));
    assert!(has("located.yaml:13:16: processes.bad.availability.restart: unknown value 'sometimes'"), "{errors:#?}");
    assert!(
        has("located.yaml:7:7: processes.api.depends_on.cache: process `api` depends on `cache`, which is not"),
        "{errors:#?}"
    );
    assert!(has("located.yaml:6:20: processes.api.depends_on.db: process `api` waits for `db`"), "{errors:#?}");
    assert!(
        has("located.yaml:16:18: processes.a.depends_on.b: dependency cycle")
            || has("located.yaml:19:18: processes.b.depends_on.a: dependency cycle"),
        "{errors:#?}"
    );
    assert_eq!(errors.len(), 4, "{errors:#?}");
}

#[test]
fn validation_errors_of_a_file_that_converts_are_placed_too() {
    let text =
        "processes:\n  web:\n    command: \"true\"\n    depends_on:\n      dbb: {}\n  db:\n    command: \"true\"\n";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pc.yaml");
    std::fs::write(&file, text).unwrap();
    let mut opts = options("x", &[]);
    opts.files = vec![file.clone()];
    let (typo, _) = load(&opts);
    let errors = typo.project.validate().unwrap_err();
    let placed: Vec<String> = typo.locations.diagnostics(&errors).iter().map(ToString::to_string).collect();
    assert_eq!(
        placed,
        [format!(
            "{}:5:7: processes.web.depends_on.dbb: process `web` depends on `dbb`, which is not a process of this \
             project; did you mean `db`?",
            file.display()
        )]
    );
}
