//! Layered configuration: files and environment overrides over the options set in Rust, with exact errors.

use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use svc_config::config::{ConfigError, Layer, apply, tree::Format};
use svc_core::{Instance, MultiService, Process, Project, Result, Service, ServiceMeta, Settings};

/// A single-instance service written by hand (what `#[service]` generates, minus the macro).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
struct Hello {
    /// Whether the service is enabled.
    enable: bool,
    /// The message to be displayed
    message: String,
}

impl Default for Hello {
    fn default() -> Self {
        Hello { enable: false, message: "Hello, world!".into() }
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
}

impl Service for Hello {
    fn settings(&self) -> Result<Settings> {
        Ok(Settings::new().process("hello", Process::new("echo").arg(&self.message)))
    }
}

/// A multi-instance service with a typed port.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
struct Postgres {
    /// Whether the instance is enabled.
    enable: bool,
    /// TCP port.
    port: u16,
    /// Extra settings.
    settings: std::collections::BTreeMap<String, String>,
}

impl Default for Postgres {
    fn default() -> Self {
        Postgres { enable: false, port: 5432, settings: Default::default() }
    }
}

impl ServiceMeta for Postgres {
    const NAME: &'static str = "postgres";
    fn enabled(&self) -> bool {
        self.enable
    }
    fn set_enabled(&mut self, enabled: bool) {
        self.enable = enabled;
    }
}

impl MultiService for Postgres {
    fn settings(&self, instance: &Instance) -> Result<Settings> {
        Ok(Settings::new().process(instance.name(), Process::new("echo").arg(format!("port={}", self.port))))
    }
}

fn project() -> Project {
    Project::new("demo")
        .service(Hello { enable: true, ..Default::default() })
        .instance("pg1", Postgres { enable: true, ..Default::default() })
        .instance("pg2", Postgres { enable: true, port: 6000, ..Default::default() })
}

fn toml(text: &str) -> Layer {
    Layer::parse(text, "services.toml", Format::Toml).unwrap()
}

fn errors(layers: &[Layer]) -> Vec<String> {
    match apply(&mut project(), layers) {
        Ok(_) => panic!("applied without error"),
        Err(e) => e.messages(),
    }
}

fn data(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/config").join(name)
}

#[test]
fn a_type_error_names_file_line_column_path_and_expectation() {
    let layer = toml("[services.postgres.pg1]\nenable = true\nport = \"abc\"\n");
    assert_eq!(
        errors(&[layer]),
        [r#"services.toml:3:8: services.postgres.pg1.port: invalid type: string "abc", expected u16"#]
    );
}

#[test]
fn an_unknown_option_is_rejected_with_a_suggestion() {
    let layer = toml("[services.hello]\nmesage = \"Hi\"\n");
    assert_eq!(
        errors(&[layer]),
        ["services.toml:2:1: services.hello.mesage: unknown option 'mesage', did you mean 'message'?"]
    );
}

#[test]
fn unknown_services_instances_processes_and_top_level_keys() {
    let layer = toml(
        "servces = 1\n[services.postgress.pg1]\nport = 1\n[services.postgres.pg3]\nport = 2\n[processes.helo]\ndisabled = true\n",
    );
    assert_eq!(
        errors(&[layer]),
        [
            "services.toml:1:1: servces: unknown key 'servces', did you mean 'services'?",
            "services.toml:2:11: services.postgress: unknown service 'postgress', did you mean 'postgres'? (services are added to the project in Rust)",
            "services.toml:4:20: services.postgres.pg3: unknown instance 'pg3', did you mean 'pg1'? (instances are declared in Rust)",
            "services.toml:6:12: processes.helo: unknown process 'helo', did you mean 'hello'?",
        ]
    );
}

#[test]
fn files_are_merged_in_order_and_override_rust_values() {
    let first = Layer::load(&data("services.toml")).unwrap();
    let second = Layer::load(&data("override.yaml")).unwrap();
    let mut project = project();
    let resolved = apply(&mut project, &[first, second]).unwrap();
    let processes = resolved.project.processes();
    assert_eq!(processes["hello"].command.argv(), ["echo", "Hi from YAML"], "the later file wins");
    assert_eq!(processes["pg1"].command.argv(), ["echo", "port=5433"], "set by the TOML file only");
    assert_eq!(processes["pg2"].command.argv(), ["echo", "port=6000"], "the value set in Rust is kept");
    assert_eq!(processes["hello"].environment["RUST_LOG"], "debug", "processes.<name>.environment");
    assert_eq!(
        processes["pg1"].availability.restart,
        svc_core::RestartPolicy::OnFailure,
        "processes.<name>.availability"
    );
    assert_eq!(processes["pg1"].availability.max_restarts, 3);
    // The project's services carry the configured options too.
    let pg1 = project.entries().iter().find(|e| e.instance_name() == Some("pg1")).unwrap();
    assert_eq!(pg1.options()["port"], 5433);
}

#[test]
fn the_report_says_where_each_value_came_from() {
    let first = Layer::load(&data("services.toml")).unwrap();
    let second = Layer::load(&data("override.yaml")).unwrap();
    let env = Layer::from_env([("SVC__SERVICES__POSTGRES__PG2__PORT".to_owned(), "7000".to_owned())]).unwrap();
    let layers: Vec<Layer> = [first, second].into_iter().chain(env).collect();
    let resolved = apply(&mut project(), &layers).unwrap();
    let text = resolved.report.render();
    let line = |prefix: &str| {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line {prefix:?} in\n{text}"))
            .to_owned()
    };
    let toml_file = data("services.toml").display().to_string();
    let yaml_file = data("override.yaml").display().to_string();
    assert!(line("services.postgres.pg1.port = 5433").ends_with(&format!("# {toml_file}:2:8")), "{text}");
    assert!(line("services.hello.message = \"Hi from YAML\"").ends_with(&format!("# {yaml_file}:3:14")), "{text}");
    assert!(line("services.postgres.pg2.port = 7000").ends_with("# env SVC__SERVICES__POSTGRES__PG2__PORT"), "{text}");
    assert_eq!(line("services.hello.enable = true"), "services.hello.enable = true", "a Rust value has no source");
    assert!(line("processes.hello.environment.RUST_LOG = \"debug\"").contains("# "), "{text}");
    assert!(text.contains("processes.pg1.command = [\"echo\",\"port=5433\"]"), "{text}");
}

#[test]
fn environment_overrides_match_keys_loosely_and_type_values() {
    let env = Layer::from_env(
        [
            ("SVC__SERVICES__HELLO__MESSAGE", "from env"),
            ("SVC__SERVICES__POSTGRES__PG1__PORT", "5999"),
            ("SVC__SERVICES__POSTGRES__PG1__SETTINGS", "{max_connections: \"50\"}"),
            ("SVC__PROCESSES__HELLO__ENVIRONMENT__RUST_LOG", "trace"),
            ("SVC__PROCESSES__HELLO__DISABLED", "true"),
            ("UNRELATED", "x"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    )
    .unwrap();
    assert_eq!(env.len(), 5);
    let resolved = apply(&mut project(), &env).unwrap();
    let p = resolved.project.processes();
    assert_eq!(p["hello"].command.argv(), ["echo", "from env"]);
    assert_eq!(p["pg1"].command.argv(), ["echo", "port=5999"]);
    assert_eq!(p["hello"].environment["RUST_LOG"], "trace", "map keys keep their case");
    assert!(p["hello"].disabled);
}

#[test]
fn environment_errors_name_the_variable() {
    let env = Layer::from_env([("SVC__SERVICES__POSTGRES__PG1__PORT".to_owned(), "abc".to_owned())]).unwrap();
    assert_eq!(
        errors(&env),
        [
            r#"env SVC__SERVICES__POSTGRES__PG1__PORT: services.postgres.pg1.port: invalid type: string "abc", expected u16"#
        ]
    );
    let env = Layer::from_env([("SVC__SERVICES__HELLO__MESAGE".to_owned(), "x".to_owned())]).unwrap();
    assert_eq!(
        errors(&env),
        ["env SVC__SERVICES__HELLO__MESAGE: services.hello.MESAGE: unknown option 'MESAGE', did you mean 'message'?"]
    );
}

#[test]
fn svc_config_holds_a_whole_layer() {
    let env =
        Layer::from_env([("SVC_CONFIG".to_owned(), r#"{"services": {"hello": {"message": "json"}}}"#.to_owned())])
            .unwrap();
    let resolved = apply(&mut project(), &env).unwrap();
    assert_eq!(resolved.project.processes()["hello"].command.argv(), ["echo", "json"]);
    assert!(resolved.report.render().contains("# env SVC_CONFIG:1:36"), "{}", resolved.report.render());
}

#[test]
fn process_override_errors_are_located() {
    let layer = Layer::parse(
        "processes:\n  hello:\n    availability:\n      restart: sometimes\n      max_restart: 1\n",
        "p.yaml",
        Format::Yaml,
    )
    .unwrap();
    assert_eq!(
        errors(std::slice::from_ref(&layer)),
        [
            "p.yaml:5:7: processes.hello.availability.max_restart: unknown option 'max_restart', did you mean 'max_restarts'?"
        ]
    );
    let layer =
        Layer::parse("processes:\n  hello:\n    availability:\n      restart: sometimes\n", "p.yaml", Format::Yaml)
            .unwrap();
    let e = errors(&[layer]);
    assert_eq!(e.len(), 1);
    assert!(
        e[0].starts_with(
            "p.yaml:4:16: processes.hello.availability.restart: unknown variant `sometimes`, expected one of"
        ),
        "{e:?}"
    );
}

#[test]
fn json_and_yaml_files_have_positions_too() {
    let json = Layer::parse("{\n  \"services\": {\"hello\": {\"message\": 5}}\n}\n", "c.json", Format::Json).unwrap();
    assert_eq!(errors(&[json]), ["c.json:2:37: services.hello.message: invalid type: integer `5`, expected a string"]);
    assert!(matches!(Layer::load(Path::new("x.ini")), Err(ConfigError::Invalid(_))));
    let parse_error = Layer::parse("a = [", "broken.toml", Format::Toml).unwrap_err();
    assert!(parse_error.to_string().starts_with("broken.toml:1:"), "{parse_error}");
}

#[test]
fn several_errors_are_reported_together_and_options_stay_unchanged() {
    let layer = toml("[services.hello]\nmessage = 1\n[services.postgres.pg1]\nport = 70000\n");
    let mut p = project();
    let e = match apply(&mut p, &[layer]) {
        Err(ConfigError::Invalid(e)) => e,
        other => panic!("{other:?}"),
    };
    assert_eq!(e.len(), 2, "{e:?}");
    assert_eq!(
        e[1].to_string(),
        "services.toml:4:8: services.postgres.pg1.port: invalid value: integer `70000`, expected u16"
    );
    assert_eq!(
        p.entries()[0].options()["message"],
        "Hello, world!",
        "a failed override leaves the options as they were"
    );
}

#[test]
fn the_project_schema_describes_this_projects_config_files() {
    use svc_config::config::schema::{ServiceSchema, project_schema};
    let services = ServiceSchema::of_project(&project());
    assert_eq!(services.len(), 2, "one definition per service, however many instances");
    let schema = project_schema(&services);
    let validator = jsonschema::validator_for(&schema).unwrap();
    let config = |name: &str| {
        let path = data(name);
        let text = std::fs::read_to_string(&path).unwrap();
        svc_config::config::tree::parse(&text, name, Format::from_path(&path).unwrap()).unwrap().to_json()
    };
    for file in ["services.toml", "override.yaml"] {
        let errors: Vec<String> = validator.iter_errors(&config(file)).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{file}: {errors:?}");
    }
    let bad = serde_json::json!({"services": {"postgres": {"pg1": {"port": "abc"}}, "hello": {"mesage": "x"}}});
    let errors: Vec<String> = validator.iter_errors(&bad).map(|e| format!("{}: {e}", e.instance_path())).collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(errors[0].starts_with("/services/postgres/pg1/port: \"abc\" is not of type \"integer\""), "{errors:#?}");
    assert!(errors[1].contains("'mesage' was unexpected"), "{errors:#?}");
}

#[test]
fn an_option_without_its_instance_says_so() {
    let layer = toml("[services.postgres]\nport = 1\n");
    assert_eq!(
        errors(&[layer]),
        [
            "services.toml:2:1: services.postgres.port: `postgres` is a multi-instance service: set `port` on an instance, services.postgres.<instance>.port (instances: pg1, pg2)"
        ]
    );
}
