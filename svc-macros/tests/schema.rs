//! Snapshots of the JSON schemas the macros produce, compared exactly with the files in `tests/snapshots/`.
//!
//! After an intended change, rewrite them with `UPDATE_SNAPSHOTS=1 cargo test -p svc-macros --test schema` and
//! review the diff.

use std::path::PathBuf;

use svc::__private::schemars::{Schema, schema_for};
use svc::prelude::*;

mod single {
    use svc::prelude::*;

    /// Runs GNU hello.
    #[service]
    pub struct Hello {
        /// The hello package to run.
        #[option(default = Package::new("hello"))]
        pub package: Package,
        /// The message to be displayed
        #[option(default = "Hello, world!")]
        pub message: String,
    }

    impl Service for Hello {
        fn settings(&self) -> Result<Settings> {
            Ok(Settings::new().process("hello", Process::new(self.package.exe()?).arg(&self.message)))
        }
    }
}

mod multi {
    use svc::prelude::*;

    /// Runs GNU hello, once per instance.
    #[multi_service]
    pub struct Hello {
        /// The hello package to run.
        #[option(default = Package::new("hello"))]
        pub package: Package,
        /// The message to be displayed
        #[option(default = "Hello, world!")]
        pub message: String,
    }
}

/// A service using `#[option(description)]`, which replaces the doc comment in the schema.
#[service]
struct Described {
    /// Rust documentation only.
    #[option(description = "The schema's description.", default = 3)]
    retries: u8,
}

/// Compares `schema` with the snapshot `name`, or rewrites the snapshot when `UPDATE_SNAPSHOTS` is set.
fn assert_snapshot(name: &str, schema: &Schema) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots").join(name);
    let actual = format!("{}\n", svc::__private::serde_json::to_string_pretty(schema).unwrap());
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}; create it with UPDATE_SNAPSHOTS=1", path.display()));
    assert!(
        expected == actual,
        "the schema differs from {}; if the change is intended, rerun with UPDATE_SNAPSHOTS=1 and review the \
         diff.\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

#[test]
fn hello_service_schema() {
    let schema = schema_for!(single::Hello);
    // The properties that matter, checked directly so that a failure says which one is wrong.
    let properties = &schema.as_value()["properties"];
    assert_eq!(properties["message"]["description"], "The message to be displayed");
    assert_eq!(properties["message"]["default"], "Hello, world!");
    assert_eq!(properties["message"]["type"], "string");
    assert_eq!(properties["enable"]["description"], "Whether to enable the hello service.");
    assert_eq!(properties["enable"]["default"], false);
    assert_eq!(properties["package"]["description"], "The hello package to run.");
    assert_eq!(schema.as_value()["additionalProperties"], false);
    assert_eq!(schema.as_value()["description"], "Runs GNU hello.");
    assert_snapshot("hello.schema.json", &schema);
}

#[test]
fn hello_instances_schema() {
    let schema = schema_for!(multi::HelloInstances);
    let value = schema.as_value();
    assert_eq!(value["type"], "object", "the fan-out is a map from instance name to options");
    let instance = &value["additionalProperties"];
    let reference = instance["$ref"].as_str().expect("the instance schema is a reference");
    let name = reference.rsplit('/').next().unwrap();
    let properties = &value["$defs"][name]["properties"];
    let keys: Vec<&str> = properties.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["enable", "data_dir", "namespace", "package", "message"]);
    assert_eq!(
        properties["namespace"]["description"],
        "The namespace of this instance's processes. Default: `hello.<instance>`."
    );
    assert_snapshot("hello_instances.schema.json", &schema);
}

#[test]
fn option_description_replaces_the_doc_comment_in_the_schema() {
    let schema = schema_for!(Described);
    assert_eq!(schema.as_value()["properties"]["retries"]["description"], "The schema's description.");
    assert_eq!(schema.as_value()["properties"]["retries"]["default"], 3);
    assert_eq!(Described::default().retries, 3);
}

#[test]
fn project_entries_expose_the_same_schema() {
    let project = Project::new("test").service(single::Hello::default());
    assert_eq!(project.entries()[0].schema(), schema_for!(single::Hello));
}
