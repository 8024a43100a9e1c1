//! `#[service]`: generated fields, defaults, names, serde behaviour and the settings a project gets from it.

use svc::prelude::*;

/// Prints a greeting.
///
/// Runs GNU hello.
#[service]
#[derive(Debug, Clone, PartialEq)]
pub struct Hello {
    /// The hello package to run.
    #[option(default = Package::new("hello"))]
    pub package: Package,
    /// The message to be displayed
    #[option(default = "Hello, world!")]
    pub message: String,
    /// Extra arguments.
    pub extra_args: Vec<String>,
    /// A port, from a numeric literal.
    #[option(default = 8080)]
    pub port: u16,
}

impl Service for Hello {
    fn settings(&self) -> Result<Settings> {
        let greeting = format!("--greeting={}", self.message);
        Ok(Settings::new().process("hello", Process::new("hello").arg(greeting).args(self.extra_args.clone())))
    }
}

/// A service whose name is given explicitly.
#[service(name = "custom-name")]
struct Renamed {
    /// Unused.
    value: Option<u32>,
}

#[service]
struct RedisCluster {}

#[service]
pub(crate) struct HTTPServer {
    #[option(description = "The schema says this; rustdoc says nothing.")]
    pub root: String,
}

#[test]
fn defaults_come_from_option_attributes_and_default_default() {
    let hello = Hello::default();
    assert!(!hello.enable, "a service is disabled by default");
    assert_eq!(hello.message, "Hello, world!");
    assert_eq!(hello.package, Package::new("hello"));
    assert_eq!(hello.extra_args, Vec::<String>::new());
    assert_eq!(hello.port, 8080);
    assert_eq!(Renamed::default().value, None);
}

#[test]
fn struct_update_syntax_works_with_the_added_field() {
    let hello = Hello { enable: true, message: "hi".into(), ..Default::default() };
    assert!(hello.enabled());
    assert_eq!(hello.message, "hi");
    let mut hello = hello;
    hello.set_enabled(false);
    assert!(!hello.enable);
}

#[test]
fn names_are_kebab_case_of_the_struct_or_given() {
    assert_eq!(Hello::NAME, "hello");
    assert_eq!(RedisCluster::NAME, "redis-cluster");
    assert_eq!(HTTPServer::NAME, "http-server");
    assert_eq!(Renamed::NAME, "custom-name");
}

#[test]
fn description_is_the_struct_doc_comment() {
    assert_eq!(Hello::DESCRIPTION, Some("Prints a greeting.\n\nRuns GNU hello."));
    assert_eq!(Renamed::DESCRIPTION, Some("A service whose name is given explicitly."));
    assert_eq!(RedisCluster::DESCRIPTION, None);
}

#[test]
fn deserialization_fills_defaults_and_rejects_unknown_fields() {
    let hello: Hello = svc::__private::serde_json::from_str(r#"{"enable": true}"#).unwrap();
    assert_eq!(hello, Hello { enable: true, ..Default::default() });

    let hello: Hello = svc::__private::serde_json::from_str(r#"{"message": "Hello, Nix!"}"#).unwrap();
    assert!(!hello.enable);
    assert_eq!(hello.message, "Hello, Nix!");
    assert_eq!(hello.port, 8080);

    let error = svc::__private::serde_json::from_str::<Hello>(r#"{"mesage": "typo"}"#).unwrap_err().to_string();
    assert!(error.contains("unknown field `mesage`"), "{error}");
    assert!(error.contains("`message`"), "the error lists the known fields: {error}");
}

#[test]
fn serialization_has_every_option_with_enable_first() {
    let value = svc::__private::serde_json::to_value(Hello::default()).unwrap();
    let keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["enable", "package", "message", "extra_args", "port"]);
    assert_eq!(value["message"], "Hello, world!");
    assert_eq!(value["enable"], false);
}

#[test]
fn an_enabled_service_contributes_its_processes_and_a_disabled_one_nothing() {
    let enabled = Project::new("test").service(Hello { enable: true, ..Default::default() });
    let merged = enabled.settings().unwrap();
    let process = &merged.settings.processes["hello"];
    let json = svc::__private::serde_json::to_value(process).unwrap();
    assert!(json.to_string().contains("--greeting=Hello, world!"), "{json}");
    assert_eq!(merged.origins["hello"], "hello");

    let disabled = Project::new("test").service(Hello::default());
    assert!(disabled.settings().unwrap().settings.processes.is_empty());
}
