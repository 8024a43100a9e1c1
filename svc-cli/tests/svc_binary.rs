//! The `svc` binary on process-compose files: `up`, `config`, `export` and import errors, end to end.

use std::path::{Path, PathBuf};
use std::time::Duration;

use svc_config::compose::{ExportOptions, ImportOptions, export, import};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../svc-config/tests/data/compose").join(name)
}

/// Kills the `svc` process group if the test fails before it ends.
struct KillGroup(Option<std::process::Child>);

impl Drop for KillGroup {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0
            && let Ok(None) = child.try_wait()
        {
            // The child leads its own process group (process_group(0)): kill the whole group.
            // SAFETY: kill(2) with a negative pid signals that process group; no memory is involved.
            unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
            let _ = child.wait();
        }
    }
}

#[test]
fn svc_up_runs_a_process_compose_file_headless_and_exits_when_all_ended() {
    use std::os::unix::process::CommandExt;
    let work = tempfile::tempdir().unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_svc"))
        .args(["up", "-f", data("run.yaml").to_str().unwrap(), "--disable-dotenv"])
        .env("WORK", work.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap();
    let mut guard = KillGroup(Some(child));
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = guard.0.as_mut().unwrap().try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "svc up did not end (hang guard: 60 s)");
        std::thread::sleep(Duration::from_millis(50));
    };
    let child = guard.0.take().unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(status.success(), "{status:?}\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let position = |needle: &str| stdout.find(needle).unwrap_or_else(|| panic!("no {needle:?} in\n{stdout}"));
    assert!(position("attempt 3") < position("client ran"), "{stdout}");
    assert!(position("server up") < position("client ran"), "{stdout}");
    assert!(!stdout.contains('\u{1b}'), "headless and not a terminal: no colour codes\n{stdout}");
}

fn svc(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_svc")).args(args).arg("--disable-dotenv").output().unwrap()
}

#[test]
fn svc_config_shows_imported_processes_and_config_overrides_with_their_source() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("local.toml");
    std::fs::write(&config, "[processes.hello.environment]\nGREETING = \"changed\"\n").unwrap();
    let basic = data("basic.yaml");
    let out = svc(&["config", "-f", basic.to_str().unwrap(), "--config", config.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let line = stdout.lines().find(|l| l.starts_with("processes.hello.environment.GREETING")).unwrap();
    assert!(line.starts_with("processes.hello.environment.GREETING = \"changed\""), "{stdout}");
    assert!(line.ends_with(&format!("# {}:2:12", config.display())), "{stdout}");
    assert!(stdout.contains("processes.hello.working_dir = \"/tmp\"\n"), "{stdout}");
    // Global options also go before the subcommand.
    let before = svc(&["-f", basic.to_str().unwrap(), "--config", config.to_str().unwrap(), "config"]);
    assert!(before.status.success(), "{}", String::from_utf8_lossy(&before.stderr));
    assert_eq!(String::from_utf8_lossy(&before.stdout), stdout);
    // An option of `up` before another subcommand is refused, naming it.
    let misplaced = svc(&["-f", basic.to_str().unwrap(), "--no-summary", "config"]);
    assert_eq!(misplaced.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&misplaced.stderr);
    assert!(stderr.contains("`--no-summary` is an option of `up`"), "{stderr}");
}

#[test]
fn svc_export_writes_what_the_library_exports() {
    let out = svc(&["export", "--format", "process-compose", "-f", data("availability.yaml").to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let options =
        ImportOptions { files: vec![data("availability.yaml")], disable_dotenv: true, ..ImportOptions::default() };
    let imported = import(&options).unwrap();
    let expected = export(&imported.project.validate().unwrap(), &ExportOptions::default());
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected.yaml);
}

#[test]
fn svc_reports_import_errors_and_exits_2() {
    let out = svc(&["up", "-f", data("invalid.yaml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error: cannot import the process-compose file:\n  - "), "{stderr}");
    assert_eq!(stderr.lines().count(), 4, "every error, one per line: {stderr}");
}

#[test]
fn svc_up_runs_commands_with_bash_as_process_compose_does() {
    // `[[ ]]` is bash syntax: under `sh` (dash) the process would fail with 127 and the project with it.
    let out = svc(&["up", "-f", data("shell_default.yaml").to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("bash ok"), "{stdout}");
}

#[test]
fn svc_places_validation_errors_at_the_key_that_causes_them() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pc.yaml");
    let text =
        "processes:\n  web:\n    command: \"true\"\n    depends_on:\n      dbb: {}\n  db:\n    command: \"true\"\n";
    std::fs::write(&file, text).unwrap();
    let out = svc(&["up", "-f", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = format!("  - {}:5:7: processes.web.depends_on.dbb: process `web` depends on `dbb`", file.display());
    assert!(stderr.contains(&expected), "{stderr}");
}
