//! The generated files: committed ones are current, and the generators' output for a known service.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use svc::{Instance, MultiService, Process, Result, Service, ServiceMeta, Settings};

use super::*;
use crate::catalog::Catalog;

#[test]
fn committed_schema_and_docs_are_current() {
    let root = workspace_root();
    let catalog = registry::catalog();
    let schema_stale = stale(&root.join("schema"), &schema::files(&catalog), "json").unwrap();
    assert!(schema_stale.is_empty(), "stale: {schema_stale:#?}\nrun `cargo xtask schema`");
    let docs_stale = stale(&root.join("docs/options"), &docs::files(&catalog), "md").unwrap();
    assert!(docs_stale.is_empty(), "stale: {docs_stale:#?}\nrun `cargo xtask docs`");
}

/// Greets (a test service written without the macros).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
struct Greeter {
    /// Whether the service is enabled.
    enable: bool,
    /// The message | to print
    message: String,
    /// The TCP port.
    port: u16,
    /// Extra flags.
    flags: Vec<String>,
}

impl Default for Greeter {
    fn default() -> Self {
        Greeter { enable: false, message: "hi".into(), port: 80, flags: vec![] }
    }
}

impl ServiceMeta for Greeter {
    const NAME: &'static str = "greeter";
    const DESCRIPTION: Option<&'static str> = Some("Greets. Then stops.");
    fn enabled(&self) -> bool {
        self.enable
    }
    fn set_enabled(&mut self, enabled: bool) {
        self.enable = enabled;
    }
}

impl Service for Greeter {
    fn settings(&self) -> Result<Settings> {
        Ok(Settings::new().process("greeter", Process::new("echo").arg(&self.message)))
    }
}

impl MultiService for Greeter {
    fn settings(&self, instance: &Instance) -> Result<Settings> {
        Ok(Settings::new().process(instance.name(), Process::new("echo").arg(&self.message)))
    }
}

#[test]
fn schema_files_are_pretty_stable_and_shaped_like_config_files() {
    let catalog = Catalog::new().multi::<Greeter>("tests::Greeter");
    let files = schema::files(&catalog);
    assert_eq!(files.keys().collect::<Vec<_>>(), ["greeter.json", "project.json"]);
    let greeter = &files["greeter.json"];
    assert!(greeter.ends_with("}\n") && greeter.contains("\n  \"title\": \"greeter\""), "{greeter}");
    assert_eq!(schema::files(&catalog), files, "stable");
    let project: serde_json::Value = serde_json::from_str(&files["project.json"]).unwrap();
    let shape = &project["properties"]["services"]["properties"]["greeter"];
    assert_eq!(shape["additionalProperties"]["$ref"], "#/$defs/greeter", "multi: services.greeter.<instance>");
    let single = Catalog::new().single::<Greeter>("tests::Greeter");
    let project = svc::config::schema::project_schema(&schema::schemas(&single));
    assert_eq!(project["properties"]["services"]["properties"]["greeter"]["$ref"], "#/$defs/greeter");
    assert!(project.to_string().find("\"required\"").is_none(), "config layers are partial: nothing is required");
}

#[test]
fn a_name_defined_single_and_multi_gets_both_shapes() {
    let catalog = Catalog::new().single::<Greeter>("a.rs").multi::<Greeter>("b.rs");
    let project = svc::config::schema::project_schema(&schema::schemas(&catalog));
    let branches = project["properties"]["services"]["properties"]["greeter"]["anyOf"].as_array().unwrap();
    assert_eq!(branches.len(), 2);
    assert_eq!(branches[0]["$ref"], "#/$defs/greeter.single");
    assert_eq!(branches[1]["additionalProperties"]["$ref"], "#/$defs/greeter.multi");
}

#[test]
fn docs_pages_list_option_type_default_description() {
    let files = docs::files(&Catalog::new().multi::<Greeter>("tests::Greeter"));
    let page = &files["greeter.md"];
    assert!(page.starts_with("# `greeter`\n\nDefined in `tests::Greeter`.\n\nGreets. Then stops.\n"), "{page}");
    assert!(page.contains("`services.greeter.<instance>.<option>`"), "{page}");
    assert!(page.contains("| `port` | integer (uint16) | `80` | The TCP port. |\n"), "{page}");
    assert!(page.contains("| `message` | string | `\"hi\"` | The message \\| to print |\n"), "{page}");
    assert!(page.contains("| `flags` | list of string | `[]` | Extra flags. |\n"), "{page}");
    assert!(
        files["README.md"].contains("| [`greeter`](greeter.md) | multi-instance | Greets. |\n"),
        "{}",
        files["README.md"]
    );
}

#[test]
fn check_names_stale_missing_and_extra_files() {
    let dir = tempfile::tempdir().unwrap();
    let files = schema::files(&Catalog::new().single::<Greeter>("t"));
    write(dir.path(), &files, "json").unwrap();
    assert!(stale(dir.path(), &files, "json").unwrap().is_empty());
    std::fs::write(dir.path().join("greeter.json"), "{}\n").unwrap();
    std::fs::write(dir.path().join("old.json"), "{}\n").unwrap();
    std::fs::remove_file(dir.path().join("project.json")).unwrap();
    let report = stale(dir.path(), &files, "json").unwrap();
    assert_eq!(report.len(), 3, "{report:?}");
    assert!(report[0].ends_with("greeter.json (differs)"));
    assert!(report[1].ends_with("project.json (missing)"));
    assert!(report[2].ends_with("old.json (not generated: remove it)"));
    write(dir.path(), &files, "json").unwrap();
    assert!(stale(dir.path(), &files, "json").unwrap().is_empty(), "write removes what it does not generate");
}
