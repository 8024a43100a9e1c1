//! process-compose's shell rules and `env_cmds`.
//!
//! process-compose runs a `command` as `$COMPOSE_SHELL -c` when that variable is set, else `bash -c`
//! (`src/command/command.go`, `getRunnerShell`), unless the file sets `shell`. Real files rely on bash
//! (`[[ ]]`, `source`, `trap '' SIGTERM`), so svc does the same; where bash is missing it falls back to `sh`
//! (process-compose would refuse to start).
//!
//! `env_cmds` (`NAME: command`) are run once, before `$VAR` expansion, each with the shell; the output, trimmed,
//! becomes variable `NAME` for expansion and for every process's environment, as process-compose sets it in its
//! own environment.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use indexmap::IndexMap;

use super::expand::Variables;
use crate::config::tree::{Diagnostic, Node, Value};

/// How long one `env_cmds` command may run.
const ENV_CMD_TIMEOUT: Duration = Duration::from_secs(10);

/// The shell (program, argument) for `command` strings when the file sets no `shell`: `COMPOSE_SHELL`, else
/// `bash` if it is found on `PATH`, else `sh`.
pub(super) fn default_shell(variables: &Variables) -> (String, String) {
    if let Some(shell) = variables.get("COMPOSE_SHELL").filter(|s| !s.is_empty()) {
        return (shell.to_owned(), "-c".to_owned());
    }
    let path = variables.get("PATH").map(std::ffi::OsStr::new);
    let program = if svc_core::find_program("bash", path, None).is_ok() { "bash" } else { "sh" };
    (program.to_owned(), "-c".to_owned())
}

/// The shell a file sets (`shell.shell_command`, `shell.shell_argument`), read before expansion.
pub(super) fn file_shell(root: &Node) -> Option<(String, String)> {
    let shell = root.get("shell")?;
    Some((shell.get("shell_command")?.as_str()?.to_owned(), shell.get("shell_argument")?.as_str()?.to_owned()))
}

/// Runs the `env_cmds` of `root` (a mapping `NAME: command`) with `shell`: the variables, or one error per
/// command that fails, each at its key.
pub(super) fn run_env_cmds(
    root: &Node,
    shell: &(String, String),
    variables: &Variables,
    out: &mut IndexMap<String, String>,
    errors: &mut Vec<Diagnostic>,
) {
    let Some(Value::Map(cmds)) = root.get("env_cmds").map(|n| &n.value) else { return };
    for (name, entry) in cmds {
        let Some(script) = entry.value.as_str() else { continue }; // reported by the converter
        let path = format!("env_cmds.{name}");
        match run(script, shell, variables) {
            Ok(value) => {
                out.insert(name.clone(), value);
            }
            Err(message) => errors.push(Diagnostic {
                loc: entry.key_loc.clone(),
                path,
                message: format!("{message}; fix the command or remove the entry"),
            }),
        }
    }
}

/// Runs `script` with `shell` in the expansion environment: its standard output, trimmed.
fn run(script: &str, (program, argument): &(String, String), variables: &Variables) -> Result<String, String> {
    let mut child = Command::new(program)
        .arg(argument)
        .arg(script)
        .env_clear()
        .envs(&variables.environment)
        .envs(&variables.dotenv)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot run `{program} {argument} {script:?}`: {e}"))?;
    // Read while it runs, so that a long output cannot fill the pipe and block it.
    let reader = child.stdout.take().map(|mut stdout| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            stdout.read_to_end(&mut bytes).map(|_| bytes)
        })
    });
    let deadline = Instant::now() + ENV_CMD_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{script:?} did not finish within {} s", ENV_CMD_TIMEOUT.as_secs()));
            }
            Err(e) => return Err(format!("cannot wait for {script:?}: {e}")),
        }
    };
    if !status.success() {
        return Err(format!("{script:?} failed ({status})"));
    }
    let bytes = match reader.map(std::thread::JoinHandle::join) {
        Some(Ok(Ok(bytes))) => bytes,
        _ => Vec::new(),
    };
    let output = String::from_utf8(bytes).map_err(|e| format!("{script:?} printed invalid UTF-8: {e}"))?;
    Ok(output.trim().to_owned())
}
