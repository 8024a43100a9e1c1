//! Every process-compose file under `svc-config/tests/data`: each loads, or fails as it is meant to with the
//! file's position in every error; each that validates (its programs exist here) runs under the supervisor,
//! to its end or until a shutdown a few seconds in, and leaves no process behind.

use std::path::{Path, PathBuf};
use std::time::Duration;

use indexmap::IndexMap;
use svc_config::compose::{ImportOptions, import};

/// Files that must not load, each for the reason its test in svc-config names.
const MEANT_TO_FAIL: [&str; 7] = [
    "invalid.yaml",
    "located.yaml",
    "undefined.yaml",
    "template_invalid.yaml",
    "process_extends_invalid.yaml",
    "extends/cycle_a.yaml",
    "extends/cycle_b.yaml",
];

/// Files whose relative paths (an `env_file`) are written for svc-config's directory, where its tests run:
/// loaded with the `svc` binary started there.
const IN_SVC_CONFIG_DIR: [&str; 2] = ["env_file.yaml", "keys.yaml"];

/// How long a file may run before it is shut down.
const RUN_FOR: Duration = Duration::from_secs(3);

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

/// Whether `text` names a position: `<something>.yaml:<line>:<col>`.
fn has_position(text: &str) -> bool {
    text.match_indices(".yaml:").any(|(at, found)| {
        let mut parts = text[at + found.len()..].splitn(3, ':');
        let number = |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        number(parts.next()) && number(parts.next())
    })
}

/// Live processes started by a supervisor in this test process (they carry its tag).
fn survivors() -> Vec<u32> {
    let needle = format!("{}={}.", svc_runtime::TAG_VAR, std::process::id());
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else { continue };
        if environ.split(|b| *b == 0).any(|v| v.starts_with(needle.as_bytes())) {
            found.push(pid);
        }
    }
    found
}

#[test]
fn every_data_file_loads_or_fails_with_positions_and_the_valid_ones_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../svc-config/tests/data/compose");
    let mut all = Vec::new();
    files(&root, &mut all);
    all.sort();
    assert!(all.len() >= 30, "found {} files", all.len());
    let work = tempfile::tempdir().unwrap();
    let mut environment: IndexMap<String, String> = std::env::vars().collect();
    for (name, value) in [("WORK", work.path().to_str().unwrap()), ("DATA_DIR", "/tmp"), ("WAIT", "1")] {
        environment.insert(name.into(), value.into());
    }
    for (name, value) in [("APP_PORT", "8080"), ("APP_NAME", "app"), ("GREETING", "hi")] {
        environment.insert(name.into(), value.into());
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (mut ran, mut loaded) = (Vec::new(), 0);
    for file in &all {
        let relative = file.strip_prefix(&root).unwrap().to_string_lossy().into_owned();
        // An override file is read over its base (as `svc up` discovers the pair), never alone.
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let mut load = vec![file.clone()];
        if let Some((stem, _)) = name.split_once(".override.") {
            load.insert(0, file.with_file_name(format!("{stem}.yaml")));
        }
        let options = ImportOptions {
            files: load,
            environment: Some(environment.clone()),
            disable_dotenv: true,
            ..ImportOptions::default()
        };
        if IN_SVC_CONFIG_DIR.contains(&relative.as_str()) {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_svc"))
                .args(["config", "--disable-dotenv", "-f"])
                .arg(file)
                .current_dir(root.join("../../.."))
                .output()
                .unwrap();
            assert!(out.status.success(), "{relative}: {}", String::from_utf8_lossy(&out.stderr));
            loaded += 1;
            continue;
        }
        let imported = match import(&options) {
            Ok(imported) => {
                assert!(!MEANT_TO_FAIL.contains(&relative.as_str()), "{relative} loaded but must not");
                imported
            }
            Err(e) => {
                assert!(MEANT_TO_FAIL.contains(&relative.as_str()), "{relative}: {e}");
                for error in &e.errors {
                    let text = error.to_string();
                    assert!(has_position(&text), "{relative}: no file:line:col in `{text}`");
                }
                continue;
            }
        };
        loaded += 1;
        // Only what can run here: programs that exist (validation looks them up).
        // Relative log files go to the scratch directory, not into the source tree the test runs in.
        let Ok(merged) = imported.project.settings() else { continue };
        let mut settings = merged.settings;
        for process in settings.processes.values_mut() {
            if let Some(log) = &mut process.log_location
                && log.is_relative()
            {
                *log = work.path().join(&*log);
            }
        }
        let project = svc_core::Project::new(imported.project.name()).file(file.clone(), settings);
        let Ok(valid) = project.validate() else { continue };
        let handle = svc_runtime::RunHandle::new();
        let options = svc_runtime::UpOptions {
            output: svc_runtime::logs::Output::Discard,
            handle_signals: false,
            summary: false,
            handle: Some(handle.clone()),
            ..svc_runtime::UpOptions::default()
        };
        let outcome = runtime.block_on(async {
            let stopper = tokio::spawn(async move {
                tokio::time::sleep(RUN_FOR).await;
                handle.shutdown();
            });
            let outcome = tokio::time::timeout(Duration::from_secs(40), svc_runtime::up(valid, options)).await;
            stopper.abort();
            outcome
        });
        let outcome = outcome.unwrap_or_else(|_| panic!("{relative}: up did not return within 40 s"));
        let outcome = outcome.unwrap_or_else(|e| panic!("{relative}: {e}"));
        assert!(outcome.processes.iter().all(|p| p.state.is_final()), "{relative}: {:?}", outcome.processes);
        let left = survivors();
        assert!(left.is_empty(), "{relative}: processes left behind: {left:?}");
        ran.push(relative);
    }
    assert_eq!(loaded + MEANT_TO_FAIL.len(), all.len());
    // Files written to run here: they must have run.
    for must in ["run.yaml", "basic.yaml", "depends_on.yaml", "shutdown.yaml", "replicas.yaml", "availability.yaml"] {
        assert!(ran.iter().any(|r| r == must), "{must} did not run; ran: {ran:?}");
    }
}
