//! process-compose `vars`, Go templates and `extends`: the files under tests/data/compose and the model they
//! produce. (A file of its own so that tests/compose.rs stays readable.)

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use svc_config::compose::{ImportError, ImportOptions, Imported, import};
use svc_core::{Command, MergedSettings, ProbeCheck, Process};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/compose").join(name)
}

fn options(files: &[&str], vars: &[(&str, &str)]) -> ImportOptions {
    let environment: IndexMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    ImportOptions {
        files: files.iter().map(|f| data(f)).collect(),
        environment: Some(environment),
        disable_dotenv: true,
        ..ImportOptions::default()
    }
}

fn load_with(file: &str, vars: &[(&str, &str)]) -> (Imported, MergedSettings) {
    let imported = import(&options(&[file], vars)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let merged = imported.project.settings().unwrap();
    (imported, merged)
}

fn load_err(file: &str) -> ImportError {
    match import(&options(&[file], &[])) {
        Ok(_) => panic!("{file} imported without error"),
        Err(e) => e,
    }
}

fn process<'a>(merged: &'a MergedSettings, name: &str) -> &'a Process {
    merged.settings.processes.get(name).unwrap_or_else(|| panic!("no process {name}"))
}

#[test]
fn templates_render_per_replica_in_every_documented_field() {
    let (imported, merged) = load_with("templates.yaml", &[]);
    assert!(imported.warnings.is_empty(), "vars and is_template_disabled are supported: {:?}", imported.warnings);
    for n in 0..2 {
        let web = process(&merged, &format!("web-{n}"));
        assert_eq!(web.command, Command::shell(format!("serve --port 822{n}")));
        assert_eq!(web.description.as_deref(), Some(format!("web replica {n}").as_str()));
        assert_eq!(web.working_dir.as_deref(), Some(Path::new("/srv/shop")), "the process's own vars");
        assert_eq!(
            web.log_location.as_deref(),
            Some(Path::new(&format!("/tmp/logs/web-{n}.log"))),
            "templated per replica, so no `.N` suffix"
        );
        assert_eq!(web.environment["PORT"], format!("822{n}"));
        assert_eq!(web.environment["MODE"], if n == 0 { "primary" } else { "secondary" });
        let ProbeCheck::HttpGet(http) = &web.readiness_probe.as_ref().unwrap().check else { panic!("http probe") };
        assert_eq!((http.host.as_str(), http.port, http.path.as_str()), ("127.0.0.1", 8220 + n as u16, "/hello"));
    }
    let checker = process(&merged, "checker");
    assert_eq!(checker.command, Command::shell("check --target db --target cache "));
    let ProbeCheck::Exec(exec) = &checker.liveness_probe.as_ref().unwrap().check else { panic!("exec probe") };
    assert_eq!(exec.command, Command::shell("test -f /tmp/logs/000.ok"));
}

#[test]
fn is_template_disabled_keeps_braces_as_written() {
    let (_, merged) = load_with("templates.yaml", &[]);
    assert_eq!(process(&merged, "literal").command, Command::shell("echo '{{ not a template }}'"));
}

#[test]
fn vars_keep_their_types_and_processes_override_them() {
    let (_, merged) = load_with("vars.yaml", &[]);
    let numbers = process(&merged, "numbers");
    // `printf "%d"` and `gt` only work on a number; `if .DEBUG` is false only for the boolean false (a
    // non-empty string would be true).
    assert_eq!(numbers.command, Command::shell("run --port 8000 --big"));
    assert_eq!(numbers.description.as_deref(), Some("own"));
}

#[test]
fn env_variable_in_a_template_falls_back_to_the_var() {
    let (_, merged) = load_with("vars.yaml", &[("X", "from-env")]);
    assert_eq!(process(&merged, "fallback").command, Command::shell("echo from-env"));
    // Unset, `${X}` inside `{{ }}` is empty (as process-compose's envsubst makes it), so `or` takes the var.
    let (_, merged) = load_with("vars.yaml", &[]);
    assert_eq!(process(&merged, "fallback").command, Command::shell("echo from-vars"));
}

#[test]
fn invalid_templates_are_errors_at_their_value() {
    let err = load_err("template_invalid.yaml");
    let text = err.to_string();
    let find =
        |path: &str| err.errors.iter().find(|d| d.path == path).unwrap_or_else(|| panic!("no error at {path}: {text}"));
    let broken = find("processes.broken.command");
    assert!(broken.loc.to_string().ends_with("template_invalid.yaml:5:14"), "{}", broken.loc);
    assert!(broken.message.contains("invalid template") && broken.message.contains("is_template_disabled"), "{text}");
    let unknown = find("processes.unknown.environment[0]");
    assert!(unknown.loc.to_string().ends_with("template_invalid.yaml:8:9"), "{}", unknown.loc);
    assert!(unknown.message.contains("`.HOST`") && unknown.message.contains("vars"), "{text}");
    let unclosed = find("processes.unclosed.command");
    assert!(unclosed.message.contains("`{{ if }}` is not closed"), "{text}");
    assert_eq!(err.errors.len(), 3, "one error per process, none for `ok`: {text}");
}

#[test]
fn top_level_extends_merges_under_a_base_with_rebased_working_dirs() {
    let (imported, merged) = load_with("extends/app.yaml", &[]);
    assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
    assert_eq!(imported.files, [data("extends/base.yaml"), data("extends/app.yaml")], "the base first");
    let dir = data("extends");
    assert_eq!(process(&merged, "db").working_dir.as_deref(), Some(dir.join("data").as_path()), "relative: rebased");
    assert_eq!(process(&merged, "cache").working_dir.as_deref(), Some(dir.as_path()), "none: the base's directory");
    let api = process(&merged, "api");
    assert_eq!(api.command, Command::shell("api --mode app"), "the extending file wins");
    assert_eq!(api.working_dir.as_deref(), Some(Path::new("/srv/api")), "absolute: kept");
    assert_eq!(api.environment["API_KEY"], "base");
    assert_eq!(process(&merged, "worker").working_dir, None, "the extending file's processes are not rebased");
    assert_eq!(merged.settings.environment["LEVEL"], "app");
    assert_eq!(merged.settings.environment["SHARED"], "from-base");
    assert!(merged.origins["db"].to_string().ends_with("base.yaml"), "{:?}", merged.origins);
    assert!(merged.origins["worker"].to_string().ends_with("app.yaml"), "{:?}", merged.origins);
}

#[test]
fn extends_chains_and_cycles() {
    let (imported, merged) = load_with("extends/chain.yaml", &[]);
    assert_eq!(imported.files.len(), 3, "{:?}", imported.files);
    assert_eq!(process(&merged, "cache").command, Command::shell("run-cache --from-middle"));
    assert!(merged.settings.processes.contains_key("db") && merged.settings.processes.contains_key("top"));

    let err = load_err("extends/cycle_a.yaml");
    let [error] = err.errors.as_slice() else { panic!("one error expected: {err}") };
    assert!(error.loc.to_string().ends_with("cycle_b.yaml:1:10"), "at the `extends` that closes it: {}", error.loc);
    assert!(error.message.contains("cycle"), "{err}");
    let files = error.message.find("cycle_a.yaml").zip(error.message.find("cycle_b.yaml"));
    assert!(files.is_some(), "names both files: {err}");
}

#[test]
fn process_extends_inherits_every_key_and_merges_the_environment() {
    let (_, merged) = load_with("process_extends.yaml", &[]);
    let dev = process(&merged, "dev");
    assert_eq!(dev.command, Command::shell("server --port 8080"));
    assert_eq!(dev.working_dir.as_deref(), Some(Path::new("/srv")));
    assert_eq!((dev.environment["MODE"].as_str(), dev.environment["KEEP"].as_str()), ("dev", "yes"));
    assert_eq!(dev.environment["DEBUG"], "1");
    assert_eq!(dev.availability.max_restarts, 9);
    assert_eq!(dev.availability.restart, svc_core::RestartPolicy::OnFailure, "inherited inside a mapping");
    let verbose = process(&merged, "dev_verbose");
    assert_eq!(verbose.command, Command::shell("server --port 8081 --verbose"));
    assert_eq!(verbose.environment["MODE"], "dev", "through a chain");
    assert_eq!(process(&merged, "base").environment["MODE"], "base", "the base is unchanged");
}

#[test]
fn process_extends_errors_name_the_position_and_a_fix() {
    let err = load_err("process_extends_invalid.yaml");
    let text = err.to_string();
    let api = err.errors.iter().find(|d| d.path == "processes.api.extends").unwrap_or_else(|| panic!("{text}"));
    assert!(api.loc.to_string().ends_with("process_extends_invalid.yaml:5:14"), "{}", api.loc);
    assert!(api.message.contains("unknown process 'webb'") && api.message.contains("did you mean 'web'"), "{text}");
    let cycle: Vec<_> = err.errors.iter().filter(|d| d.message.contains("cycle")).collect();
    assert!(!cycle.is_empty() && cycle[0].message.contains("ping -> pong -> ping"), "{text}");
}
