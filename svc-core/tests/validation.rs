//! `Project::settings()` (merging) and `Project::validate()` (checks before anything starts), through the public
//! API, with services written by hand (no macros) so that only svc-core is under test.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use svc_core::{
    Command, Condition, Error, Errors, Instance, Instances, MultiService, Package, PackageProblem, Probe, Process,
    Project, Service, ServiceMeta, Settings,
};

/// An executable that surely exists: the test binary itself (validation only looks it up, never runs it).
fn exe() -> String {
    std::env::current_exe().unwrap().to_string_lossy().into_owned()
}

fn run(name: &str) -> (String, Process) {
    (name.to_owned(), Process::new(exe()))
}

fn project(processes: impl IntoIterator<Item = (String, Process)>) -> Project {
    processes.into_iter().fold(Project::new("test"), |project, (name, process)| project.process(name, process))
}

fn errors(project: &Project) -> Errors {
    project.validate().expect_err("the project should be invalid")
}

/// Two single-instance services that contribute whatever settings they are given.
macro_rules! fixed_service {
    ($ty:ident, $name:literal) => {
        #[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
        #[serde(default, deny_unknown_fields)]
        struct $ty {
            enable: bool,
            settings: Settings,
        }

        impl $ty {
            fn enabled(settings: Settings) -> Self {
                $ty { enable: true, settings }
            }
        }

        impl ServiceMeta for $ty {
            const NAME: &'static str = $name;
            fn enabled(&self) -> bool {
                self.enable
            }
            fn set_enabled(&mut self, enabled: bool) {
                self.enable = enabled;
            }
        }

        impl Service for $ty {
            fn settings(&self) -> svc_core::Result<Settings> {
                Ok(self.settings.clone())
            }
        }
    };
}

fixed_service!(Alpha, "alpha");
fixed_service!(Beta, "beta");

/// A service whose settings fail: it must never be asked while disabled.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
struct Broken {
    enable: bool,
}

impl ServiceMeta for Broken {
    const NAME: &'static str = "broken";
    fn enabled(&self) -> bool {
        self.enable
    }
    fn set_enabled(&mut self, enabled: bool) {
        self.enable = enabled;
    }
}

impl Service for Broken {
    fn settings(&self) -> svc_core::Result<Settings> {
        Err(Error::msg("the broken service cannot produce settings"))
    }
}

/// A service that resolves its package, as real services do (`package.exe()?`).
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
struct Packaged {
    enable: bool,
    package: Package,
}

impl Default for Packaged {
    fn default() -> Self {
        Packaged { enable: false, package: Package::new("hello") }
    }
}

impl ServiceMeta for Packaged {
    const NAME: &'static str = "packaged";
    fn enabled(&self) -> bool {
        self.enable
    }
    fn set_enabled(&mut self, enabled: bool) {
        self.enable = enabled;
    }
}

impl Service for Packaged {
    fn settings(&self) -> svc_core::Result<Settings> {
        Ok(Settings::new().process("packaged", Process::new(self.package.exe()?)))
    }
}

/// A multi-instance service: one process per instance, named after it, that receives its data dir.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
struct Hello {
    enable: bool,
    message: String,
    data_dir: Option<PathBuf>,
    namespace: Option<String>,
    /// Adds a second process with its own namespace, which must be kept.
    with_helper: bool,
    /// Names the process `shared` instead of after the instance (to provoke a clash between instances).
    fixed_name: bool,
}

impl Hello {
    fn message(message: &str) -> Self {
        Hello { enable: true, message: message.into(), ..Self::default() }
    }
}

impl ServiceMeta for Hello {
    const NAME: &'static str = "hello";
    fn enabled(&self) -> bool {
        self.enable
    }
    fn set_enabled(&mut self, enabled: bool) {
        self.enable = enabled;
    }
    fn data_dir(&self) -> Option<&Path> {
        self.data_dir.as_deref()
    }
    fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }
}

impl MultiService for Hello {
    fn settings(&self, instance: &Instance) -> svc_core::Result<Settings> {
        let name = if self.fixed_name { "shared" } else { instance.name() };
        let mut settings = Settings::new()
            .process(name, Process::new(exe()).arg(format!("--greeting={}", self.message)).arg(instance.data_dir()));
        if self.with_helper {
            settings = settings.process(format!("{}-helper", instance.name()), Process::new(exe()).namespace("custom"));
        }
        Ok(settings)
    }
}

#[test]
fn a_cycle_is_printed_in_dependency_order() {
    let (a, b, c) = (run("a"), run("b"), run("c"));
    let project = project([
        (a.0, a.1.depends_on("b", Condition::ProcessStarted)),
        (b.0, b.1.depends_on("c", Condition::ProcessStarted)),
        (c.0, c.1.depends_on("a", Condition::ProcessCompleted)),
        run("unrelated"),
    ]);
    let errors = errors(&project);
    assert_eq!(errors.0, vec![Error::DependencyCycle { cycle: vec!["a".into(), "b".into(), "c".into(), "a".into()] }]);
    let text = errors.to_string();
    assert!(text.contains("a -> b -> c -> a"), "{text}");
    assert!(text.contains("remove one of these depends_on entries"), "{text}");
}

#[test]
fn a_self_dependency_is_a_cycle() {
    let (a, _) = run("a");
    let project = project([(
        a,
        Process::new(exe()).depends_on("a", Condition::ProcessHealthy).readiness_probe(Probe::exec(["true"])),
    )]);
    let text = errors(&project).to_string();
    assert!(text.contains("dependency cycle: a -> a;"), "{text}");
}

#[test]
fn a_cycle_behind_a_tail_starts_where_it_closes() {
    // `entry` leads into the cycle but is not part of it.
    let project = project([
        (run("entry").0, run("entry").1.depends_on("x", Condition::ProcessStarted)),
        (run("x").0, run("x").1.depends_on("y", Condition::ProcessStarted)),
        (run("y").0, run("y").1.depends_on("x", Condition::ProcessStarted)),
    ]);
    let text = errors(&project).to_string();
    assert!(text.contains("dependency cycle: x -> y -> x;"), "{text}");
    assert!(!text.contains("entry"), "{text}");
}

#[test]
fn an_unknown_dependency_suggests_the_closest_name() {
    let project = project([run("postgres"), (run("web").0, run("web").1.depends_on("postgre", Condition::default()))]);
    let errors = errors(&project);
    assert_eq!(
        errors.0,
        vec![Error::UnknownDependency {
            process: "web".into(),
            dependency: "postgre".into(),
            suggestion: Some("postgres".into()),
        }]
    );
    let text = errors.to_string();
    assert!(text.contains("process `web` depends on `postgre`"), "{text}");
    assert!(text.contains("did you mean `postgres`?"), "{text}");
}

#[test]
fn an_unknown_dependency_far_from_every_name_has_no_suggestion() {
    let project =
        project([run("postgres"), (run("web").0, run("web").1.depends_on("zookeeper", Condition::default()))]);
    let text = errors(&project).to_string();
    assert!(text.contains("`zookeeper`, which is not a process of this project"), "{text}");
    assert!(!text.contains("did you mean"), "{text}");
}

#[test]
fn a_duplicate_process_names_both_services() {
    let project = Project::new("test")
        .service(Alpha::enabled(Settings::new().process("db", Process::new(exe()))))
        .service(Beta::enabled(Settings::new().process("db", Process::new(exe()))));
    let errors = project.settings().unwrap_err();
    assert_eq!(
        errors.0,
        vec![Error::DuplicateProcess { name: "db".into(), first: "alpha".into(), second: "beta".into() }]
    );
    let text = errors.to_string();
    assert!(text.contains("process `db` is defined by both `alpha` and `beta`"), "{text}");
    // validate() reports the same thing.
    assert_eq!(project.validate().unwrap_err(), errors);
}

#[test]
fn a_project_process_clashing_with_a_service_names_the_project() {
    let project = Project::new("test")
        .service(Alpha::enabled(Settings::new().process("db", Process::new(exe()))))
        .process("db", Process::new(exe()));
    let text = project.settings().unwrap_err().to_string();
    assert!(text.contains("defined by both `alpha` and `project`"), "{text}");
}

#[test]
fn the_same_service_added_twice_is_an_error() {
    let project =
        Project::new("test").service(Alpha::enabled(Settings::new())).service(Alpha::enabled(Settings::new()));
    let errors = project.settings().unwrap_err();
    assert_eq!(errors.0, vec![Error::DuplicateService { name: "alpha".into() }]);
}

#[test]
fn several_errors_are_reported_together() {
    let project = project([
        ("bad name".to_owned(), Process::new(exe())),
        ("empty".to_owned(), Process::from_command(Command::Exec(vec![]))),
        ("missing".to_owned(), Process::new("svc-test-no-such-program-4f2a")),
        (run("web").0, run("web").1.depends_on("dbb", Condition::ProcessStarted)),
        run("db"),
        (run("api").0, run("api").1.depends_on("db", Condition::ProcessHealthy)),
        (run("c1").0, run("c1").1.depends_on("c2", Condition::ProcessStarted)),
        (run("c2").0, run("c2").1.depends_on("c1", Condition::ProcessStarted)),
    ]);
    let errors = errors(&project);
    let kinds: Vec<&str> = errors
        .iter()
        .map(|e| match e {
            Error::InvalidProcessName { .. } => "invalid name",
            Error::EmptyCommand { .. } => "empty command",
            Error::ProgramNotFound { .. } => "program not found",
            Error::UnknownDependency { .. } => "unknown dependency",
            Error::UnreachableCondition { .. } => "unreachable condition",
            Error::DependencyCycle { .. } => "cycle",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        ["invalid name", "empty command", "program not found", "unknown dependency", "unreachable condition", "cycle"]
    );
    assert!(matches!(&errors.0[3], Error::UnknownDependency { suggestion: Some(s), .. } if s == "db"));
    let text = errors.to_string();
    assert!(text.starts_with("6 problems:\n  - invalid process name"), "{text}");
    assert_eq!(text.lines().count(), 7, "{text}");
    assert!(text.contains("c1 -> c2 -> c1"), "{text}");
}

#[test]
fn merge_errors_are_reported_together() {
    let project = Project::new("test")
        .service(Alpha::enabled(Settings::new().process("db", Process::new(exe())).env("PORT", "1")))
        .service(Beta::enabled(Settings::new().process("db", Process::new(exe())).env("PORT", "2")))
        .service(Broken { enable: true });
    let errors = project.settings().unwrap_err();
    assert_eq!(errors.len(), 3, "{errors}");
    assert!(errors.iter().any(|e| matches!(e, Error::DuplicateProcess { .. })));
    assert!(errors.iter().any(|e| matches!(e, Error::ConflictingEnvironment { .. })));
    assert!(errors.iter().any(|e| matches!(e, Error::Service { origin, source }
        if origin == "broken" && source.to_string().contains("cannot produce settings"))));
}

#[test]
fn empty_commands_are_rejected() {
    for command in [Command::Exec(vec![]), Command::Exec(vec!["  ".into(), "arg".into()]), Command::shell(" \n ")] {
        let project = Project::new("test").process("nothing", Process::from_command(command.clone()));
        let errors = errors(&project);
        assert_eq!(errors.0, vec![Error::EmptyCommand { process: "nothing".into() }], "{command:?}");
        assert!(errors.to_string().contains("process `nothing` has an empty command"));
    }
}

#[test]
fn invalid_process_names_are_rejected() {
    for name in ["", "has space", "-dash", ".dot", "slash/name", "colon:name", &"x".repeat(129)] {
        let project = Project::new("test").process(name, Process::new(exe()));
        let errors = errors(&project);
        assert!(
            matches!(errors.0.as_slice(), [Error::InvalidProcessName { name: n, .. }] if n == name),
            "{name:?}: {errors}"
        );
        assert!(errors.to_string().starts_with("invalid process name"), "{errors}");
    }
    for name in ["web", "hello1", "svc.hello_1-a", "A.b-C_9"] {
        assert!(Project::new("test").process(name, Process::new(exe())).validate().is_ok(), "{name}");
    }
}

#[test]
fn process_healthy_needs_a_readiness_probe() {
    let without = project([run("db"), (run("web").0, run("web").1.depends_on("db", Condition::ProcessHealthy))]);
    let errors = errors(&without);
    assert_eq!(
        errors.0,
        vec![Error::UnreachableCondition {
            process: "web".into(),
            dependency: "db".into(),
            condition: Condition::ProcessHealthy,
            missing: "readiness_probe",
        }]
    );
    let text = errors.to_string();
    assert!(text.contains("waits for `db` to be process_healthy, but `db` has no readiness_probe"), "{text}");

    // A liveness probe does not make a process healthy.
    let liveness_only = project([
        (run("db").0, run("db").1.liveness_probe(Probe::exec(["true"]))),
        (run("web").0, run("web").1.depends_on("db", Condition::ProcessHealthy)),
    ]);
    assert!(liveness_only.validate().is_err());

    let with = project([
        (run("db").0, run("db").1.readiness_probe(Probe::http_get("127.0.0.1", 5432, "/"))),
        (run("web").0, run("web").1.depends_on("db", Condition::ProcessHealthy)),
    ]);
    assert!(with.validate().is_ok());
}

#[test]
fn process_log_ready_needs_a_ready_log_line() {
    let without = project([run("db"), (run("web").0, run("web").1.depends_on("db", Condition::ProcessLogReady))]);
    let errors = errors(&without);
    assert!(matches!(errors.0.as_slice(), [Error::UnreachableCondition { missing: "ready_log_line", .. }]), "{errors}");
    assert!(errors.to_string().contains("has no ready_log_line"), "{errors}");

    let with = project([
        (run("db").0, run("db").1.ready_log_line("ready to accept connections")),
        (run("web").0, run("web").1.depends_on("db", Condition::ProcessLogReady)),
    ]);
    assert!(with.validate().is_ok());
}

#[test]
fn other_conditions_need_nothing() {
    for condition in [Condition::ProcessStarted, Condition::ProcessCompleted, Condition::ProcessCompletedSuccessfully] {
        let project = project([run("db"), (run("web").0, run("web").1.depends_on("db", condition))]);
        assert!(project.validate().is_ok(), "{condition}");
    }
}

#[test]
fn a_missing_program_is_reported_with_where_it_was_looked_for() {
    let project = Project::new("test")
        .process("named", Process::new("svc-test-no-such-program-4f2a"))
        .process("absolute", Process::new("/nonexistent/svc-test/bin/prog"));
    let errors = errors(&project);
    assert_eq!(errors.len(), 2, "{errors}");
    match &errors.0[0] {
        Error::ProgramNotFound { process, program, searched } => {
            assert_eq!(process, "named");
            assert_eq!(program, "svc-test-no-such-program-4f2a");
            assert!(searched.starts_with("PATH="), "{searched}");
        }
        other => panic!("expected ProgramNotFound, got {other:?}"),
    }
    match &errors.0[1] {
        Error::ProgramNotFound { searched, .. } => assert_eq!(searched, "/nonexistent/svc-test/bin/prog"),
        other => panic!("expected ProgramNotFound, got {other:?}"),
    }
    let text = errors.to_string();
    assert!(text.contains("program `svc-test-no-such-program-4f2a` not found"), "{text}");
    assert!(text.contains("install it or use an absolute path"), "{text}");
}

#[test]
fn a_relative_program_is_looked_up_in_the_working_dir() {
    let dir = Path::new(&exe()).parent().unwrap().to_path_buf();
    let file = Path::new(&exe()).file_name().unwrap().to_string_lossy().into_owned();
    let found = Project::new("test").process("p", Process::new(format!("./{file}")).working_dir(&dir));
    assert!(found.validate().is_ok());
    let missing = Project::new("test").process("p", Process::new("./not-here").working_dir(&dir));
    assert!(matches!(errors(&missing).0.as_slice(), [Error::ProgramNotFound { .. }]));
}

/// A temp dir holding an executable `only-here`, which is on no other PATH.
fn dir_with_only_here() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("only-here");
    std::fs::write(&program, "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

#[test]
fn a_program_is_looked_up_on_the_path_the_process_sets() {
    let dir = dir_with_only_here();
    let path = dir.path().to_str().unwrap();
    let own = Project::new("test").process("p", Process::new("only-here").env("PATH", path));
    assert!(own.validate().is_ok(), "{:?}", own.validate());
    // The project's environment is the process's too, unless the process sets its own PATH.
    let project_wide = Project::new("test").env("PATH", path).process("p", Process::new("only-here"));
    assert!(project_wide.validate().is_ok(), "{:?}", project_wide.validate());
    let overridden =
        Project::new("test").env("PATH", path).process("p", Process::new("only-here").env("PATH", "/nonexistent"));
    match errors(&overridden).0.as_slice() {
        [Error::ProgramNotFound { searched, .. }] => assert_eq!(searched, "PATH=/nonexistent"),
        other => panic!("expected ProgramNotFound, got {other:?}"),
    }
}

#[test]
fn a_program_only_on_another_path_is_not_found_naming_path() {
    let _dir = dir_with_only_here();
    let project = Project::new("test").process("p", Process::new("only-here"));
    let errors = errors(&project);
    match errors.0.as_slice() {
        [Error::ProgramNotFound { process, program, searched }] => {
            assert_eq!((process.as_str(), program.as_str()), ("p", "only-here"));
            assert!(searched.starts_with("PATH="), "{searched}");
        }
        other => panic!("expected ProgramNotFound, got {other:?}"),
    }
    let text = errors.to_string();
    assert!(text.contains("program `only-here` not found (searched PATH="), "{text}");
}

#[test]
fn disabled_processes_and_shell_commands_are_not_looked_up() {
    let project = Project::new("test")
        .process("off", Process::new("svc-test-no-such-program-4f2a").disabled(true))
        .process("script", Process::shell("svc-test-no-such-program-4f2a | cat"));
    assert!(project.validate().is_ok());
}

#[test]
fn an_unresolvable_package_fails_its_service() {
    let missing = Package::new("/nix/store/0c7ly9p0h4p5f4nqydl7bs2c3jx26b5m-svc-test-absent-1.0");
    let project = Project::new("test").service(Packaged { enable: true, package: missing });
    let errors = errors(&project);
    match errors.0.as_slice() {
        [Error::Service { origin, source }] if origin == "packaged" && matches!(**source, Error::Package(_)) => {
            let Error::Package(e) = source.as_ref() else { unreachable!() };
            assert_eq!(e.program(), "svc-test-absent");
            assert!(matches!(e.problem(), PackageProblem::Missing { missing_store_path: Some(_), .. }), "{e:?}");
        }
        other => panic!("expected one package error, got {other:?}"),
    }
    assert!(errors.to_string().starts_with("service `packaged`: "), "{errors}");
    assert!(errors.to_string().contains("set the `package` option"), "{errors}");

    let on_path =
        Project::new("test").service(Packaged { enable: true, package: Package::new("svc-test-no-such-program-4f2a") });
    let text = errors_text(&on_path);
    assert!(text.contains("program `svc-test-no-such-program-4f2a` was not found"), "{text}");

    let present = Project::new("test").service(Packaged { enable: true, package: Package::new(exe()) });
    assert!(present.validate().is_ok());
}

fn errors_text(project: &Project) -> String {
    errors(project).to_string()
}

#[test]
fn a_disabled_service_contributes_nothing() {
    // Disabled, these would clash with each other and with `db`, and `broken` would fail.
    let project = Project::new("test")
        .service(Alpha { enable: false, settings: Settings::new().process("db", Process::new("")).env("X", "1") })
        .service(Beta::enabled(Settings::new().process("db", Process::new(exe())).env("X", "2")))
        .service(Broken { enable: false })
        .service(Packaged { enable: false, package: Package::new("svc-test-no-such-program-4f2a") })
        .instance("off", Hello { enable: false, ..Hello::message("x") });
    let merged = project.settings().unwrap();
    assert_eq!(merged.settings.processes.keys().collect::<Vec<_>>(), ["db"]);
    assert_eq!(merged.origins["db"], "beta");
    assert_eq!(merged.settings.environment["X"], "2");
    assert!(project.validate().is_ok());

    let nothing = Project::new("test").service(Alpha::default()).service(Broken::default());
    assert_eq!(nothing.settings().unwrap().settings, Settings::new());
}

#[test]
fn instances_get_default_namespace_and_data_dir() {
    let instance = Instance::new("hello", "hello1");
    assert_eq!(instance.name(), "hello1");
    assert_eq!(instance.service(), "hello");
    assert_eq!(instance.data_dir(), Path::new("./data/hello1"));
    assert_eq!(instance.namespace(), "hello.hello1");

    let project = Project::new("test")
        .instance("hello1", Hello { with_helper: true, ..Hello::message("Hello, world!") })
        .instance("hello2", Hello::message("Hello, Nix!"));
    let valid = project.validate().unwrap();
    let processes = valid.processes();
    assert_eq!(processes.keys().collect::<Vec<_>>(), ["hello1", "hello1-helper", "hello2"]);
    assert_eq!(processes["hello1"].namespace.as_deref(), Some("hello.hello1"));
    assert_eq!(processes["hello2"].namespace.as_deref(), Some("hello.hello2"));
    // A namespace the service sets itself is kept.
    assert_eq!(processes["hello1-helper"].namespace.as_deref(), Some("custom"));
    assert_eq!(processes["hello1"].command.argv()[1..], ["--greeting=Hello, world!", "./data/hello1"]);
    assert_eq!(processes["hello2"].command.argv()[1..], ["--greeting=Hello, Nix!", "./data/hello2"]);
    assert_eq!(valid.origins()["hello1"], "hello.hello1");
    assert_eq!(valid.origins()["hello2"], "hello.hello2");
}

#[test]
fn instance_options_override_namespace_and_data_dir() {
    let options =
        Hello { data_dir: Some("/var/lib/hi".into()), namespace: Some("greeters".into()), ..Hello::message("hi") };
    let instance = Instance::for_options("hi", &options);
    assert_eq!(instance.data_dir(), Path::new("/var/lib/hi"));
    assert_eq!(instance.namespace(), "greeters");

    let merged = Project::new("test").instance("hi", options).settings().unwrap();
    let process = &merged.settings.processes["hi"];
    assert_eq!(process.namespace.as_deref(), Some("greeters"));
    assert_eq!(process.command.argv()[2], "/var/lib/hi");
}

#[test]
fn instances_that_define_the_same_process_name_both_instances() {
    let instances = Instances::new()
        .instance("a", Hello { fixed_name: true, ..Hello::message("1") })
        .instance("b", Hello { fixed_name: true, ..Hello::message("2") });
    let errors = instances.settings().unwrap_err();
    assert_eq!(
        errors.0,
        vec![Error::DuplicateProcess { name: "shared".into(), first: "hello.a".into(), second: "hello.b".into() }]
    );

    let project = Project::new("test")
        .instances(Instances::new().instance("a", Hello::message("1")))
        .instance("a", Hello::message("again"));
    assert_eq!(project.settings().unwrap_err().0, vec![Error::DuplicateService { name: "hello.a".into() }]);
}

#[test]
fn environment_conflicts_name_both_contributors_and_values() {
    let project = Project::new("test")
        .service(Alpha::enabled(Settings::new().env("PORT", "5432").env("SHARED", "same")))
        .service(Beta::enabled(Settings::new().env("PORT", "6543").env("SHARED", "same")));
    let errors = project.settings().unwrap_err();
    assert_eq!(
        errors.0,
        vec![Error::ConflictingEnvironment {
            key: "PORT".into(),
            first: ("alpha".into(), "5432".into()),
            second: ("beta".into(), "6543".into()),
        }]
    );
    let text = errors.to_string();
    assert!(text.contains(r#"`PORT` is set to "5432" by `alpha` and to "6543" by `beta`"#), "{text}");

    // The project's own environment takes part too.
    let project = Project::new("test").service(Alpha::enabled(Settings::new().env("PORT", "1"))).env("PORT", "2");
    let text = project.settings().unwrap_err().to_string();
    assert!(text.contains("by `alpha` and to \"2\" by `project`"), "{text}");

    // Equal values are fine, and a process's own environment overrides the project's.
    let project = Project::new("test")
        .service(Alpha::enabled(
            Settings::new().env("SHARED", "same").process("p", Process::new(exe()).env("SHARED", "mine")),
        ))
        .service(Beta::enabled(Settings::new().env("SHARED", "same")));
    let valid = project.validate().unwrap();
    assert_eq!(valid.environment()["SHARED"], "same");
    assert_eq!(valid.process_environment("p")["SHARED"], "mine");
}

#[test]
fn a_valid_project_orders_processes_after_their_dependencies() {
    let project = project([
        (run("web").0, run("web").1.depends_on("api", Condition::ProcessStarted)),
        (run("api").0, run("api").1.depends_on("db", Condition::ProcessHealthy)),
        (run("db").0, run("db").1.readiness_probe(Probe::exec(["true"]))),
        (run("migrate").0, run("migrate").1.depends_on("db", Condition::ProcessHealthy)),
    ]);
    let valid = project.validate().unwrap();
    assert_eq!(valid.name(), "test");
    let order = valid.start_order();
    assert_eq!(order.len(), 4, "{order:?}");
    let position = |name: &str| order.iter().position(|n| *n == name).unwrap();
    for (name, process) in valid.processes() {
        for dependency in process.depends_on.keys() {
            assert!(position(dependency) < position(name), "{dependency} after {name} in {order:?}");
        }
    }
    assert_eq!(valid.dependents("db"), ["api", "migrate"]);
    assert!(valid.origins().values().all(|origin| origin == "project"));
}
