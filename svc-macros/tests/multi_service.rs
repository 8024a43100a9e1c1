//! `#[multi_service]`: the instance fields, the fan-out through `Instances` and what each instance contributes.

use std::path::Path;

use svc::prelude::*;

/// Prints a greeting, once per instance.
#[multi_service]
#[derive(Debug, Clone, PartialEq)]
pub struct Hello {
    /// The message to be displayed
    #[option(default = "Hello, world!")]
    pub message: String,
}

impl MultiService for Hello {
    fn settings(&self, instance: &Instance) -> Result<Settings> {
        let process = Process::new("hello")
            .arg(format!("--greeting={}", self.message))
            .env("DATA_DIR", instance.data_dir().display().to_string());
        Ok(Settings::new().process(instance.name(), process))
    }
}

/// A multi-instance service with a given name.
#[multi_service(name = "kv")]
struct KeyValueStore {}

fn argv(process: &Process) -> Vec<String> {
    process.command.argv()
}

#[test]
fn instance_fields_are_added_with_defaults() {
    let hello = Hello::default();
    assert!(!hello.enable);
    assert_eq!(hello.data_dir, None);
    assert_eq!(hello.namespace, None);
    assert_eq!(hello.message, "Hello, world!");
    assert_eq!(Hello::NAME, "hello");
    assert_eq!(KeyValueStore::NAME, "kv");
    assert_eq!(KeyValueStore::default().data_dir(), None);
}

#[test]
fn service_meta_returns_the_instance_options() {
    let hello = Hello { data_dir: Some("/tmp/h".into()), namespace: Some("ns".into()), ..Default::default() };
    assert_eq!(hello.data_dir(), Some(Path::new("/tmp/h")));
    assert_eq!(ServiceMeta::namespace(&hello), Some("ns"));
    let instance = Instance::for_options("hello1", &hello);
    assert_eq!(instance.data_dir(), Path::new("/tmp/h"));
    assert_eq!(instance.namespace(), "ns");
}

#[test]
fn two_instances_fan_out_into_processes_named_after_them() {
    let instances = HelloInstances::new()
        .instance("hello1", Hello { enable: true, ..Default::default() })
        .instance("hello2", Hello { enable: true, message: "Hello, Nix!".into(), ..Default::default() });
    let merged = Project::new("test").instances(instances).settings().unwrap();
    let processes = &merged.settings.processes;
    assert_eq!(processes.keys().collect::<Vec<_>>(), ["hello1", "hello2"]);

    assert_eq!(argv(&processes["hello1"]), ["hello", "--greeting=Hello, world!"]);
    assert_eq!(argv(&processes["hello2"]), ["hello", "--greeting=Hello, Nix!"]);
    assert_eq!(processes["hello1"].namespace.as_deref(), Some("hello.hello1"));
    assert_eq!(processes["hello2"].namespace.as_deref(), Some("hello.hello2"));
    assert_eq!(processes["hello1"].environment.get("DATA_DIR").map(String::as_str), Some("./data/hello1"));
    assert_eq!(processes["hello2"].environment.get("DATA_DIR").map(String::as_str), Some("./data/hello2"));
    assert_eq!(merged.origins["hello1"], "hello.hello1");
}

#[test]
fn instance_options_override_data_dir_and_namespace() {
    let hello = Hello {
        enable: true,
        data_dir: Some("/var/lib/hello".into()),
        namespace: Some("greeters".into()),
        ..Default::default()
    };
    let merged = Project::new("test").instance("hello1", hello).settings().unwrap();
    let process = &merged.settings.processes["hello1"];
    assert_eq!(process.namespace.as_deref(), Some("greeters"));
    assert_eq!(process.environment.get("DATA_DIR").map(String::as_str), Some("/var/lib/hello"));
}

#[test]
fn disabled_instances_contribute_nothing() {
    let instances = HelloInstances::new()
        .instance("hello1", Hello { enable: true, ..Default::default() })
        .instance("hello2", Hello::default());
    let settings = instances.settings().unwrap();
    assert_eq!(settings.processes.keys().collect::<Vec<_>>(), ["hello1"]);
}

#[test]
fn instances_deserialize_from_a_map_with_defaults_and_reject_unknown_fields() {
    let json = r#"{"hello1": {"enable": true}, "hello2": {"message": "Hello, Nix!", "data_dir": "/d"}}"#;
    let instances: HelloInstances = svc::__private::serde_json::from_str(json).unwrap();
    assert_eq!(instances.0["hello1"], Hello { enable: true, ..Default::default() });
    assert_eq!(instances.0["hello2"].message, "Hello, Nix!");
    assert_eq!(instances.0["hello2"].data_dir.as_deref(), Some(Path::new("/d")));
    assert!(!instances.0["hello2"].enable);

    let error = svc::__private::serde_json::from_str::<HelloInstances>(r#"{"hello1": {"datadir": "/d"}}"#)
        .unwrap_err()
        .to_string();
    assert!(error.contains("unknown field `datadir`"), "{error}");
}
