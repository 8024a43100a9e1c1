//! The located tree: [`Node`]s holding [`Value`]s, each with the [`Loc`] (file, line, column) it was written
//! at, and mapping [`Entry`]s that also locate their key.

use std::fmt;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value as Json;

/// Where a value was written: a file (or an environment variable) and a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Loc {
    /// The file name as given by the user, or `env NAME` for an environment variable.
    pub source: Arc<str>,
    /// 1-based line; 0 when the source has no lines (an environment variable).
    pub line: usize,
    /// 1-based column; 0 when the source has no lines.
    pub column: usize,
}

impl Loc {
    /// A location in `source` at `line`:`column` (both 1-based).
    pub fn new(source: &Arc<str>, line: usize, column: usize) -> Self {
        Loc { source: source.clone(), line, column }
    }

    /// A location without line information (environment variables, values set in Rust).
    pub fn whole(source: impl Into<Arc<str>>) -> Self {
        Loc { source: source.into(), line: 0, column: 0 }
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.source)
        } else {
            write!(f, "{}:{}:{}", self.source, self.line, self.column)
        }
    }
}

/// A value of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or an empty YAML value.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string. `plain` is true for an unquoted YAML scalar, which is re-typed after `$VAR` expansion (as
    /// process-compose expands the text before parsing, `backoff_seconds: ${WAIT}` becomes a number).
    Str {
        /// The text.
        text: String,
        /// Whether it was written without quotes.
        plain: bool,
    },
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order.
    Map(IndexMap<String, Entry>),
}

/// One key of a mapping, with the key's own location (unknown-key errors point at the key).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Where the key was written.
    pub key_loc: Loc,
    /// The value.
    pub value: Node,
}

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Its location.
    pub loc: Loc,
}

impl Node {
    /// A node holding `value` at `loc`.
    pub fn new(value: Value, loc: Loc) -> Self {
        Node { value, loc }
    }

    /// An empty mapping at `loc`.
    pub fn empty_map(loc: Loc) -> Self {
        Node { value: Value::Map(IndexMap::new()), loc }
    }

    /// The mapping entries, if this is a mapping.
    pub fn as_map(&self) -> Option<&IndexMap<String, Entry>> {
        match &self.value {
            Value::Map(map) => Some(map),
            _ => None,
        }
    }

    /// The mapping entries, mutable.
    pub fn as_map_mut(&mut self) -> Option<&mut IndexMap<String, Entry>> {
        match &mut self.value {
            Value::Map(map) => Some(map),
            _ => None,
        }
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The value of key `key`, if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map().and_then(|m| m.get(key)).map(|e| &e.value)
    }

    /// A short name of the value's kind, for error messages (`a string`, `a mapping`).
    pub fn kind(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str { .. } => "a string",
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a mapping",
        }
    }

    /// The value as JSON (locations dropped).
    pub fn to_json(&self) -> Json {
        match &self.value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => Json::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
            Value::Str { text, .. } => Json::String(text.clone()),
            Value::Seq(items) => Json::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(map) => Json::Object(map.iter().map(|(k, e)| (k.clone(), e.value.to_json())).collect()),
        }
    }

    /// A tree for `json`, every node located at `loc` (values that did not come from a file).
    pub fn from_json(json: &Json, loc: &Loc) -> Node {
        let value = match json {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Json::String(s) => Value::Str { text: s.clone(), plain: false },
            Json::Array(items) => Value::Seq(items.iter().map(|j| Node::from_json(j, loc)).collect()),
            Json::Object(map) => Value::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), Entry { key_loc: loc.clone(), value: Node::from_json(v, loc) }))
                    .collect(),
            ),
        };
        Node::new(value, loc.clone())
    }
}
