//! Contract tests of the generated JSON schemas (`cargo xtask schema`): the example config files validate against
//! `schema/project.json` and each service's options against `schema/<service>.json`; an invalid file is rejected
//! for the right reason.

use std::path::{Path, PathBuf};

use serde_json::Value;
use svc_config::config::tree::{self, Format};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn schema(name: &str) -> Value {
    let path = root().join("schema").join(name);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e} (run `cargo xtask schema`)", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// A config file as JSON, through the same parser `--config` uses.
fn config(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/config").join(name);
    let format = Format::from_path(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    tree::parse(&text, name, format).unwrap().to_json()
}

fn errors(schema: &Value, instance: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(schema).expect("the schema is valid JSON Schema");
    validator.iter_errors(instance).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

#[test]
fn example_configs_validate_against_the_project_schema() {
    let project = schema("project.json");
    for file in ["services.toml", "override.yaml", "example.json"] {
        assert_eq!(errors(&project, &config(file)), Vec::<String>::new(), "{file}");
    }
}

#[test]
fn each_instance_validates_against_its_service_schema() {
    let example = config("example.json");
    let redis = schema("redis.json");
    assert_eq!(errors(&redis, &example["services"]["redis"]["cache"]), Vec::<String>::new());
    let postgres = schema("postgres.json");
    assert_eq!(errors(&postgres, &config("services.toml")["services"]["postgres"]["pg1"]), Vec::<String>::new());
    let hello = schema("hello.json");
    assert_eq!(errors(&hello, &serde_json::json!({"message": "Hi"})), Vec::<String>::new());
}

#[test]
fn an_invalid_config_is_rejected_for_the_right_reasons() {
    let errors = errors(&schema("project.json"), &config("invalid.toml"));
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors.iter().any(|e| e.starts_with(r#"/services/postgres/pg1/port: "abc" is not of type "integer""#)),
        "{errors:#?}"
    );
    assert!(
        errors.iter().any(|e| e.starts_with("/services/redis/r1: Additional properties are not allowed ('prot' was unexpected)")),
        "{errors:#?}"
    );
}

#[test]
fn unknown_services_are_rejected_by_the_schema() {
    let errors = errors(&schema("project.json"), &serde_json::json!({"services": {"postgress": {}}}));
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].contains("'postgress' was unexpected"), "{errors:#?}");
}
