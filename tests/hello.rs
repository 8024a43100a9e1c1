//! The hello service end to end through the facade: options, settings, and a real run under the supervisor.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use svc::prelude::*;
use svc::runtime::{UpOptions, logs::Output, up};

/// Prints a greeting.
#[service]
pub struct Hello {
    /// The program to run.
    #[option(default = Package::new("sh"))]
    pub package: Package,
    /// The message to be displayed
    #[option(default = "Hello, world!")]
    pub message: String,
}

impl Service for Hello {
    fn settings(&self) -> Result<Settings> {
        // `sh -c 'printf ...' sh ARG` prints ARG exactly as it arrived in argv: the message is never parsed by a
        // shell, it is only passed through one as a positional parameter.
        let echo = Process::new(self.package.exe()?)
            .args(["-c", r#"printf '%s\n' "$1""#, "sh"])
            .arg(format!("--greeting={}", self.message));
        Ok(Settings::new().process("hello", echo))
    }
}

/// A `Write` that keeps everything the supervisor prints.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn run(project: Project) -> (i32, String) {
    let project = project.validate().expect("valid project");
    let captured = Captured::default();
    let options =
        UpOptions { output: Output::Writer(Box::new(captured.clone())), handle_signals: false, ..UpOptions::default() };
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let outcome = runtime
        .block_on(async { tokio::time::timeout(Duration::from_secs(30), up(project, options)).await })
        .expect("up finished within 30 s")
        .expect("up ran");
    let text = String::from_utf8_lossy(&captured.0.lock().expect("lock")).into_owned();
    (outcome.exit_code, text)
}

#[test]
fn defaults_come_from_the_option_attributes() {
    let hello = Hello::default();
    assert!(!hello.enable, "services are disabled by default");
    assert_eq!(hello.message, "Hello, world!");
    assert_eq!(hello.package, Package::new("sh"));
    assert_eq!(<Hello as ServiceMeta>::NAME, "hello");
}

#[test]
fn a_disabled_service_contributes_no_process() {
    let merged = Project::new("t").service(Hello::default()).settings().expect("merges");
    assert!(merged.settings.processes.is_empty());
}

#[test]
fn the_greeting_is_printed_with_the_process_name_as_prefix() {
    let (code, out) = run(Project::new("t").service(Hello { enable: true, ..Default::default() }));
    assert_eq!(code, 0, "{out}");
    assert!(out.lines().any(|l| l == "hello | --greeting=Hello, world!"), "{out}");
}

#[test]
fn quotes_dollars_backticks_and_spaces_reach_the_process_unchanged() {
    let message = r#"it's "quoted" $HOME `id -u` \n  two  spaces; $(echo no) * ?"#;
    let hello = Hello { enable: true, message: message.into(), ..Default::default() };
    let argv = hello.settings().expect("settings").processes["hello"].command.argv();
    assert_eq!(argv.last().map(String::as_str), Some(format!("--greeting={message}").as_str()));

    let (code, out) = run(Project::new("t").service(hello));
    assert_eq!(code, 0, "{out}");
    let expected = format!("hello | --greeting={message}");
    assert!(out.lines().any(|l| l == expected), "expected {expected:?} in:\n{out}");
}

#[test]
fn a_missing_package_is_a_validation_error_naming_the_package_and_the_fix() {
    let hello = Hello { enable: true, package: Package::new("no-such-hello-binary-xyz"), ..Default::default() };
    let errors = Project::new("t").service(hello).validate().expect_err("must fail");
    let text = errors.to_string();
    assert!(text.contains("no-such-hello-binary-xyz"), "{text}");
    assert!(text.contains("package"), "{text}");
}
