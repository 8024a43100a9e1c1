//! What a process runs: an argv executed directly, or a script given to a shell.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The command a process runs.
///
/// [`Command::Exec`] is the default and the safe form: the program is executed with exactly these arguments, no
/// shell sees them, so quotes, `$VARS`, backticks and spaces reach the program unchanged. [`Command::Shell`] is
/// the explicit opt-in for those who want pipes, globs or variable expansion (`sh -c <script>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "expected a command: an argv list such as [\"redis-server\", \"--port\", \"6379\"], or {\"shell\": \"a shell script\"}"
)]
pub enum Command {
    /// Program and arguments, executed without a shell. The program is looked up on `PATH` unless it contains
    /// a `/`.
    Exec(Vec<String>),
    /// A script run as `sh -c <script>`.
    Shell {
        /// The shell script.
        shell: String,
    },
}

impl Command {
    /// An argv command: `program` followed by no arguments.
    pub fn exec(program: impl Into<String>) -> Self {
        Command::Exec(vec![program.into()])
    }

    /// A shell command: `sh -c <script>`.
    pub fn shell(script: impl Into<String>) -> Self {
        Command::Shell { shell: script.into() }
    }

    /// The argv to execute: for a shell command `["sh", "-c", script]`.
    pub fn argv(&self) -> Vec<String> {
        match self {
            Command::Exec(argv) => argv.clone(),
            Command::Shell { shell } => vec!["sh".into(), "-c".into(), shell.clone()],
        }
    }

    /// The program that is executed (`sh` for a shell command), if the command is not empty.
    pub fn program(&self) -> Option<&str> {
        match self {
            Command::Exec(argv) => argv.first().map(String::as_str),
            Command::Shell { .. } => Some("sh"),
        }
    }

    /// Whether there is nothing to run: an empty argv, an empty program name, or a blank script.
    pub fn is_empty(&self) -> bool {
        match self {
            Command::Exec(argv) => argv.first().is_none_or(|program| program.trim().is_empty()),
            Command::Shell { shell } => shell.trim().is_empty(),
        }
    }
}

impl Default for Command {
    fn default() -> Self {
        Command::Exec(Vec::new())
    }
}

impl fmt::Display for Command {
    /// Renders the command the way a person would type it in a POSIX shell (arguments quoted where needed).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Exec(argv) => {
                for (i, arg) in argv.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    f.write_str(&shell_quote(arg))?;
                }
                Ok(())
            }
            Command::Shell { shell } => f.write_str(shell),
        }
    }
}

/// Quotes `arg` for a POSIX shell so that the shell passes it on unchanged.
pub fn shell_quote(arg: &str) -> String {
    let safe = !arg.is_empty() && arg.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b));
    if safe { arg.to_owned() } else { format!("'{}'", arg.replace('\'', r"'\''")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_round_trips_through_sh_semantics() {
        assert_eq!(shell_quote("plain"), "plain");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("it's $HOME"), r"'it'\''s $HOME'");
    }

    #[test]
    fn emptiness() {
        assert!(Command::Exec(vec![]).is_empty());
        assert!(Command::Exec(vec![" ".into()]).is_empty());
        assert!(Command::shell("  ").is_empty());
        assert!(!Command::exec("true").is_empty());
    }

    #[test]
    fn serde_forms() {
        let exec: Command = serde_json::from_str(r#"["echo","hi"]"#).unwrap();
        assert_eq!(exec, Command::Exec(vec!["echo".into(), "hi".into()]));
        let shell: Command = serde_json::from_str(r#"{"shell":"echo hi | wc"}"#).unwrap();
        assert_eq!(shell, Command::shell("echo hi | wc"));
    }

    #[test]
    fn a_plain_string_is_rejected_with_both_forms_shown() {
        let err = serde_json::from_str::<Command>(r#""redis-server --port 1""#).unwrap_err().to_string();
        assert!(err.contains("an argv list") && err.contains("shell"), "{err}");
    }
}
