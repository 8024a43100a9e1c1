//! Run behaviour of an imported process-compose file, in process, compared with the same project written in
//! Rust.

use std::path::{Path, PathBuf};
use std::time::Duration;

use indexmap::IndexMap;
use svc_config::compose::{ImportOptions, Imported, import};
use svc_core::{Availability, Command, Condition, Probe, Process, Project, RestartPolicy};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../svc-config/tests/data/compose").join(name)
}

fn load_with(file: &str, vars: &[(&str, &str)]) -> Imported {
    let options = ImportOptions {
        files: vec![data(file)],
        environment: Some(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<IndexMap<_, _>>()),
        disable_dotenv: true,
        ..ImportOptions::default()
    };
    import(&options).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The project of run.yaml written in Rust.
fn run_project_in_rust(work: &Path) -> Project {
    let counter =
        "n=$(cat count 2>/dev/null || echo 0); n=$((n + 1)); echo $n > count; echo \"attempt $n\"; [ $n -ge 3 ]";
    let env = |name: &str| (String::from("PC_PROC_NAME"), name.to_owned());
    let with_pc = |p: Process, name: &str| {
        let (k, v) = env(name);
        p.env(k, v).env("PC_REPLICA_NUM", "0")
    };
    Project::new("compose")
        .process(
            "counter",
            with_pc(
                Process::shell(counter).working_dir(work).availability(
                    Availability::restart(RestartPolicy::OnFailure).backoff(Duration::ZERO).max_restarts(5),
                ),
                "counter",
            ),
        )
        .process(
            "server",
            with_pc(
                Process::shell("sleep 0.3; touch ready; echo server up; sleep 1")
                    .working_dir(work)
                    .readiness_probe(Probe::exec(Command::shell("test -f ready")).period(Duration::from_secs(1))),
                "server",
            ),
        )
        .process(
            "client",
            with_pc(
                Process::shell("echo client ran; echo ran > client.out")
                    .working_dir(work)
                    .depends_on("server", Condition::ProcessHealthy)
                    .depends_on("counter", Condition::ProcessCompletedSuccessfully),
                "client",
            ),
        )
}

fn up_quietly(project: svc_core::ValidProject) -> svc_runtime::Outcome {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let options = svc_runtime::UpOptions {
        output: svc_runtime::logs::Output::Discard,
        summary: false,
        handle_signals: false,
        ..svc_runtime::UpOptions::default()
    };
    runtime
        .block_on(async { tokio::time::timeout(Duration::from_secs(60), svc_runtime::up(project, options)).await })
        .expect("up ends by itself (hang guard: 60 s)")
        .expect("up runs")
}

#[test]
fn an_imported_file_runs_like_the_same_project_written_in_rust() {
    let from_file = tempfile::tempdir().unwrap();
    let imported = load_with("run.yaml", &[("WORK", from_file.path().to_str().unwrap())]);
    let valid = imported.project.validate().unwrap();
    let same_dir = run_project_in_rust(from_file.path()).validate().unwrap();
    assert_eq!(valid.processes(), same_dir.processes(), "the same model");
    let in_rust = tempfile::tempdir().unwrap();
    let rust_valid = run_project_in_rust(in_rust.path()).validate().unwrap();

    let outcome = up_quietly(valid);
    let rust_outcome = up_quietly(rust_valid);
    assert_eq!(outcome.exit_code, 0, "{outcome:?}");
    assert_eq!(outcome.process("counter").unwrap().restarts, 2, "{outcome:?}");
    assert!(outcome.processes.iter().all(|p| p.succeeded), "{outcome:?}");
    for dir in [from_file.path(), in_rust.path()] {
        assert_eq!(std::fs::read_to_string(dir.join("count")).unwrap().trim(), "3");
        assert!(dir.join("client.out").exists(), "the client ran after both conditions held");
    }
    assert_eq!(outcome, rust_outcome, "the same behaviour");
}
