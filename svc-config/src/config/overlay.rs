//! One override (a located tree from a layer) -> JSON to merge over a value, checked against the value's JSON
//! schema: unknown keys are reported with a suggestion, and every leaf is recorded with its location so that a
//! type error can be blamed on the leaf that caused it.

use indexmap::IndexMap;
use serde_json::{Map, Value as Json};

use super::layer::Layer;
use super::report::display_key;
use super::tree::{Diagnostic, Entry, Loc, Node, Value};

/// One overridden value: its full path, where it was written, its path inside the options, and the value.
pub(super) struct Leaf {
    pub(super) path: String,
    pub(super) loc: Loc,
    relative: Vec<String>,
    value: Json,
}

/// Converts an override node to JSON, checking its keys against `schema` (a root schema, whose `$ref`s point
/// into itself): unknown options are reported with a suggestion. Records each leaf in `leaves`.
pub(super) fn overlay_json(
    layer: &Layer,
    node: &Node,
    schema: &Json,
    path: &str,
    leaves: &mut Vec<Leaf>,
    errors: &mut Vec<Diagnostic>,
) -> Json {
    let mut overlay = Overlay { layer, root: schema, relative: Vec::new(), leaves, errors };
    overlay.walk(node, Some(schema), path)
}

/// The state of [`overlay_json`]'s walk down one override.
struct Overlay<'a> {
    layer: &'a Layer,
    /// The root schema, for `$ref`.
    root: &'a Json,
    /// The path of the current node inside the options.
    relative: Vec<String>,
    leaves: &'a mut Vec<Leaf>,
    errors: &'a mut Vec<Diagnostic>,
}

impl Overlay<'_> {
    fn walk(&mut self, node: &Node, schema: Option<&Json>, path: &str) -> Json {
        let Value::Map(map) = &node.value else {
            let value = node.to_json();
            self.leaves.push(Leaf {
                path: path.to_owned(),
                loc: node.loc.clone(),
                relative: self.relative.clone(),
                value: value.clone(),
            });
            return value;
        };
        let shape = schema.map(|s| object_shape(s, self.root)).unwrap_or_default();
        let mut out = Map::new();
        for (key, entry) in map {
            let Some(resolved) = self.option_key(&shape, key) else {
                let known: Vec<&str> = shape.properties.keys().map(String::as_str).collect();
                let full = format!("{path}.{}", display_key(key));
                self.errors.push(unknown(&entry.key_loc, &full, "option", key, &known, ""));
                continue;
            };
            let child_schema = shape.properties.get(&resolved).or(shape.additional.as_ref());
            let child_path = format!("{path}.{}", display_key(&resolved));
            self.relative.push(resolved.clone());
            let value = self.walk(&entry.value, child_schema, &child_path);
            self.relative.pop();
            out.insert(resolved, value);
        }
        Json::Object(out)
    }

    /// The option `key` names in an object of `shape`, or `None` if the object has no such option.
    fn option_key(&self, shape: &Shape, key: &str) -> Option<String> {
        let known: Vec<&str> = shape.properties.keys().map(String::as_str).collect();
        if shape.properties.is_empty() && !shape.closed {
            // A free-form map (environment, headers): keys as written.
            Some(key.to_owned())
        } else if let Some(k) = self.layer.resolve_key(key, &known) {
            Some(k.to_owned())
        } else if !shape.closed {
            Some(key.to_owned())
        } else {
            None
        }
    }
}

/// Finds which overridden leaf makes deserialization fail, by applying each alone over `original`; the error is
/// reported at that leaf's position and path. If no single leaf fails, the first one is blamed.
pub(super) fn blame(
    original: &Json,
    leaves: &[Leaf],
    error: serde_json::Error,
    mut try_value: impl FnMut(Json) -> Option<serde_json::Error>,
) -> Diagnostic {
    for leaf in leaves {
        let mut candidate = original.clone();
        set_at(&mut candidate, &leaf.relative, leaf.value.clone());
        if let Some(e) = try_value(candidate) {
            return Diagnostic { loc: leaf.loc.clone(), path: leaf.path.clone(), message: e.to_string() };
        }
    }
    let (path, loc) = leaves.first().map_or((String::new(), Loc::whole("config")), |l| (l.path.clone(), l.loc.clone()));
    Diagnostic { loc, path, message: error.to_string() }
}

fn set_at(value: &mut Json, path: &[String], leaf: Json) {
    match path.split_first() {
        None => *value = leaf,
        Some((key, rest)) => {
            if !value.is_object() {
                *value = Json::Object(Map::new());
            }
            if let Json::Object(map) = value {
                set_at(map.entry(key.clone()).or_insert(Json::Null), rest, leaf);
            }
        }
    }
}

/// What an object schema allows.
#[derive(Default)]
pub(super) struct Shape {
    pub(super) properties: IndexMap<String, Json>,
    /// `additionalProperties: false`: only `properties` are allowed.
    closed: bool,
    /// The schema of other keys of a map.
    additional: Option<Json>,
}

/// The properties an object schema allows, following `$ref` and the branches of `anyOf` / `oneOf` / `allOf`
/// (options of type `Option<T>`, flattened enums).
pub(super) fn object_shape(schema: &Json, root: &Json) -> Shape {
    let mut shape = Shape::default();
    collect_shape(schema, root, &mut shape, 0);
    shape
}

fn collect_shape(schema: &Json, root: &Json, shape: &mut Shape, depth: usize) {
    if depth > 16 {
        return;
    }
    let Json::Object(map) = schema else { return };
    if let Some(Json::String(reference)) = map.get("$ref")
        && let Some(target) = reference.strip_prefix('#').and_then(|pointer| root.pointer(pointer))
    {
        collect_shape(target, root, shape, depth + 1);
    }
    if let Some(Json::Object(props)) = map.get("properties") {
        for (k, v) in props {
            shape.properties.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    match map.get("additionalProperties") {
        Some(Json::Bool(false)) => shape.closed = true,
        Some(s @ Json::Object(_)) => shape.additional = Some(s.clone()),
        _ => {}
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Json::Array(branches)) = map.get(key) {
            for branch in branches {
                collect_shape(branch, root, shape, depth + 1);
            }
        }
    }
}

/// Objects are merged key by key; anything else replaces.
pub(super) fn deep_merge(base: &mut Json, overlay: Json) {
    match (base, overlay) {
        (Json::Object(b), Json::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(existing) => deep_merge(existing, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

/// The entries of `node`, or an error at `path` if it is not a mapping.
pub(super) fn expect_map<'n>(
    node: &'n Node,
    path: &str,
    errors: &mut Vec<Diagnostic>,
) -> Option<&'n IndexMap<String, Entry>> {
    match node.as_map() {
        Some(map) => Some(map),
        None => {
            errors.push(Diagnostic {
                loc: node.loc.clone(),
                path: path.to_owned(),
                message: format!("expected a table (mapping), found {}", node.kind()),
            });
            None
        }
    }
}

/// An unknown `what` (`service`, `option`, ...) named `key`, with the closest of `known` as a suggestion (else
/// the list of them) and a `hint` on where such things are declared.
pub(super) fn unknown(loc: &Loc, path: &str, what: &str, key: &str, known: &[&str], hint: &str) -> Diagnostic {
    let lower: Vec<String> = known.iter().map(|k| k.to_ascii_lowercase()).collect();
    let lower_refs: Vec<&str> = lower.iter().map(String::as_str).collect();
    let suggestion = svc_core::closest(key, known)
        .or_else(|| svc_core::closest(&key.to_ascii_lowercase(), &lower_refs))
        .map(|s| format!(", did you mean '{s}'?"))
        .unwrap_or_else(|| {
            if known.is_empty() { String::new() } else { format!("; expected one of: {}", known.join(", ")) }
        });
    Diagnostic { loc: loc.clone(), path: path.to_owned(), message: format!("unknown {what} '{key}'{suggestion}{hint}") }
}
