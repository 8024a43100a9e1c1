//! The serde and JSON Schema forms of a [`Package`]: a plain string, or `{ "package", "main_program" }` when
//! the main program is overridden.

use std::borrow::Cow;
use std::fmt;

use ::serde::de::{self, MapAccess, Visitor};
use ::serde::ser::SerializeStruct;
use ::serde::{Deserialize, Deserializer, Serialize, Serializer};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use super::Package;

const FIELDS: &[&str] = &["package", "main_program"];

impl Serialize for Package {
    /// A plain string, or `{ "package", "main_program" }` when the main program is overridden.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.main_program {
            None => serializer.serialize_str(&self.spec),
            Some(main) => {
                let mut st = serializer.serialize_struct("Package", 2)?;
                st.serialize_field("package", &self.spec)?;
                st.serialize_field("main_program", main)?;
                st.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Package {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PackageVisitor)
    }
}

struct PackageVisitor;

impl<'de> Visitor<'de> for PackageVisitor {
    type Value = Package;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a package: a program name, an absolute path or a Nix store path, or an object \
             { \"package\": ..., \"main_program\": ... }",
        )
    }

    fn visit_str<E: de::Error>(self, spec: &str) -> Result<Package, E> {
        Ok(Package::new(spec))
    }

    fn visit_string<E: de::Error>(self, spec: String) -> Result<Package, E> {
        Ok(Package::new(spec))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Package, A::Error> {
        let mut spec: Option<String> = None;
        let mut main_program: Option<Option<String>> = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "package" if spec.is_some() => return Err(de::Error::duplicate_field("package")),
                "package" => spec = Some(map.next_value()?),
                "main_program" if main_program.is_some() => return Err(de::Error::duplicate_field("main_program")),
                "main_program" => main_program = Some(map.next_value()?),
                other => return Err(de::Error::unknown_field(other, FIELDS)),
            }
        }
        let spec = spec.ok_or_else(|| de::Error::missing_field("package"))?;
        Ok(Package { spec, main_program: main_program.flatten() })
    }
}

impl JsonSchema for Package {
    fn schema_name() -> Cow<'static, str> {
        "Package".into()
    }

    fn schema_id() -> Cow<'static, str> {
        concat!(module_path!(), "::Package").into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An executable package: a program name looked up on PATH (`hello`), an absolute path \
                to an executable or to a package prefix containing `bin/`, or a Nix store path \
                (`/nix/store/<hash>-hello-2.12.1`). The main program is `bin/<name>`, the name as Nix's \
                parseDrvName gives it, unless `main_program` says otherwise.",
            "anyOf": [
                {
                    "type": "string",
                    "minLength": 1,
                    "description": "The package: a program name, an absolute path or a Nix store path."
                },
                {
                    "type": "object",
                    "properties": {
                        "package": {
                            "type": "string",
                            "minLength": 1,
                            "description": "The package: a program name, an absolute path or a Nix store path."
                        },
                        "main_program": {
                            "type": ["string", "null"],
                            "minLength": 1,
                            "description": "The main program's file name in `bin/` (nixpkgs' meta.mainProgram)."
                        }
                    },
                    "required": ["package"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_forms() {
        let plain = Package::new("hello");
        assert_eq!(serde_json::to_value(&plain).unwrap(), serde_json::json!("hello"));
        let full = Package::new("redis").main_program("redis-server");
        let json = serde_json::json!({ "package": "redis", "main_program": "redis-server" });
        assert_eq!(serde_json::to_value(&full).unwrap(), json);
        assert_eq!(serde_json::from_value::<Package>(json).unwrap(), full);
        assert_eq!(serde_json::from_value::<Package>(serde_json::json!("hello")).unwrap(), plain);
        assert_eq!(serde_json::from_value::<Package>(serde_json::json!({ "package": "hello" })).unwrap(), plain);
        let err = serde_json::from_value::<Package>(serde_json::json!({ "package": "x", "bin": "y" })).unwrap_err();
        assert!(err.to_string().contains("unknown field `bin`"), "{err}");
        let err = serde_json::from_value::<Package>(serde_json::json!({ "main_program": "y" })).unwrap_err();
        assert!(err.to_string().contains("missing field `package`"), "{err}");
        let err = serde_json::from_value::<Package>(serde_json::json!(3)).unwrap_err();
        assert!(err.to_string().contains("a program name"), "{err}");
        // From a borrowed &str too (visit_str / borrowed keys).
        let parsed: Package = serde_json::from_str(r#"{"package":"redis","main_program":"redis-server"}"#).unwrap();
        assert_eq!(parsed, full);
    }

    #[test]
    fn schema_accepts_both_forms() {
        let schema = serde_json::to_value(schemars::schema_for!(Package)).unwrap();
        let any_of = schema["anyOf"].as_array().unwrap();
        assert_eq!(any_of[0]["type"], "string");
        assert_eq!(any_of[1]["required"], serde_json::json!(["package"]));
        assert_eq!(any_of[1]["additionalProperties"], false);
        assert!(schema["description"].as_str().unwrap().contains("parseDrvName"));
    }
}
