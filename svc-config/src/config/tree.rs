//! A document tree that remembers where every value came from (file, line, column).
//!
//! Config files (TOML, YAML, JSON) and process-compose files are parsed into [`Node`]s rather than straight into
//! typed structs, because every later step needs locations: merging layers, expanding `$VARS`, rejecting unknown
//! keys with a suggestion, and reporting a type error as `file:line:column: path: message`.

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

/// A problem at a position: `file:line:column: path: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where.
    pub loc: Loc,
    /// The key path, e.g. `services.postgres.pg1.port` (empty for the whole file).
    pub path: String,
    /// What is wrong, and how to fix it when that is not obvious.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}: {}", self.loc, self.message)
        } else {
            write!(f, "{}: {}: {}", self.loc, self.path, self.message)
        }
    }
}

/// A file that could not be parsed, with the position of the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Where.
    pub loc: Loc,
    /// What.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.loc, self.message)
    }
}

impl std::error::Error for ParseError {}

/// The formats a config file can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// TOML.
    Toml,
    /// YAML (1.2 core schema; anchors, aliases and `<<` merge keys are supported).
    Yaml,
    /// JSON (parsed as YAML, of which it is a subset, so that errors have positions too).
    Json,
}

impl Format {
    /// The format implied by a file name's extension (`.toml`, `.yaml`/`.yml`, `.json`).
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "toml" => Some(Format::Toml),
            "yaml" | "yml" => Some(Format::Yaml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// Parses `text` (named `source` in locations) in `format`. An empty document is an empty mapping.
pub fn parse(text: &str, source: &str, format: Format) -> Result<Node, ParseError> {
    let source: Arc<str> = source.into();
    match format {
        Format::Toml => parse_toml(text, &source),
        Format::Yaml | Format::Json => parse_yaml(text, &source),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// YAML

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, Span};

struct YamlBuilder<'a> {
    source: Arc<str>,
    events: Parser<'a, serde_saphyr::granit_parser::StrInput<'a>>,
    anchors: std::collections::HashMap<usize, Node>,
}

/// Parses a YAML (or JSON) document.
pub fn parse_yaml(text: &str, source: &Arc<str>) -> Result<Node, ParseError> {
    let mut builder =
        YamlBuilder { source: source.clone(), events: Parser::new_from_str(text), anchors: Default::default() };
    let mut root = None;
    loop {
        let (event, span) = builder.next()?;
        match event {
            Event::StreamEnd => break,
            Event::StreamStart | Event::DocumentEnd => {}
            Event::DocumentStart(..) => {
                if root.is_some() {
                    return Err(ParseError {
                        loc: builder.loc(&span),
                        message: "several YAML documents in one file; keep one (remove the extra `---`)".into(),
                    });
                }
                let (event, span) = builder.next_node_event()?;
                if matches!(event, Event::DocumentEnd) {
                    root = Some(Node::empty_map(builder.loc(&span)));
                } else {
                    root = Some(builder.node(event, span)?);
                }
            }
            _ => {}
        }
    }
    let root = root.unwrap_or_else(|| Node::empty_map(Loc::new(source, 1, 1)));
    Ok(match root.value {
        // A file with only comments parses as null: treat it as empty.
        Value::Null => Node::empty_map(root.loc),
        _ => root,
    })
}

impl<'a> YamlBuilder<'a> {
    fn loc(&self, span: &Span) -> Loc {
        Loc::new(&self.source, span.start.line(), span.start.col() + 1)
    }

    fn next(&mut self) -> Result<(Event<'a>, Span), ParseError> {
        match self.events.next() {
            Some(Ok(pair)) => Ok(pair),
            Some(Err(e)) => Err(ParseError {
                loc: Loc::new(&self.source, e.marker().line(), e.marker().col() + 1),
                message: e.info(),
            }),
            None => Err(ParseError { loc: Loc::new(&self.source, 0, 0), message: "unexpected end of YAML".into() }),
        }
    }

    /// The next event that is part of the data (skips comments and anchor metadata if the parser emits them).
    fn next_node_event(&mut self) -> Result<(Event<'a>, Span), ParseError> {
        loop {
            let (event, span) = self.next()?;
            match event {
                Event::Scalar(..)
                | Event::SequenceStart(..)
                | Event::MappingStart(..)
                | Event::Alias(..)
                | Event::SequenceEnd
                | Event::MappingEnd
                | Event::DocumentEnd
                | Event::StreamEnd => return Ok((event, span)),
                _ => {}
            }
        }
    }

    fn node(&mut self, event: Event<'a>, span: Span) -> Result<Node, ParseError> {
        let loc = self.loc(&span);
        let (node, anchor) = match event {
            Event::Scalar(text, style, anchor, tag) => {
                let forced_str = tag.as_ref().is_some_and(|t| t.suffix() == "str");
                let value = if style == ScalarStyle::Plain && !forced_str {
                    resolve_plain(&text)
                } else {
                    Value::Str { text: text.into_owned(), plain: false }
                };
                (Node::new(value, loc), anchor)
            }
            Event::Alias(id) => {
                return self.anchors.get(&id).cloned().ok_or_else(|| ParseError {
                    loc,
                    message: "alias to an anchor that is not defined before it".into(),
                });
            }
            Event::SequenceStart(_, anchor, _) => {
                let mut items = Vec::new();
                loop {
                    let (event, span) = self.next_node_event()?;
                    if matches!(event, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(event, span)?);
                }
                (Node::new(Value::Seq(items), loc), anchor)
            }
            Event::MappingStart(_, anchor, _) => (self.mapping(loc)?, anchor),
            _ => return Err(ParseError { loc, message: "unexpected YAML structure".into() }),
        };
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        Ok(node)
    }

    fn mapping(&mut self, loc: Loc) -> Result<Node, ParseError> {
        let mut map: IndexMap<String, Entry> = IndexMap::new();
        let mut merges: Vec<Node> = Vec::new();
        loop {
            let (event, span) = self.next_node_event()?;
            if matches!(event, Event::MappingEnd) {
                break;
            }
            let is_merge_key = matches!(&event, Event::Scalar(t, ScalarStyle::Plain, _, _) if t == "<<");
            let key_node = self.node(event, span)?;
            let key_loc = key_node.loc.clone();
            let key = match key_node.value {
                Value::Str { text, .. } => text,
                Value::Int(i) => i.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Float(f) => f.to_string(),
                Value::Null => "null".into(),
                _ => return Err(ParseError { loc: key_loc, message: "a mapping key must be a scalar".into() }),
            };
            let (event, span) = self.next_node_event()?;
            let value = self.node(event, span)?;
            if is_merge_key {
                merges.push(value);
                continue;
            }
            if map.contains_key(&key) {
                return Err(ParseError { loc: key_loc, message: format!("duplicate key `{key}`") });
            }
            map.insert(key, Entry { key_loc, value });
        }
        // `<<: *base` (or a list of them): keys written in the mapping itself win, then earlier merges.
        for merge in merges {
            let sources = match merge.value {
                Value::Map(m) => vec![m],
                Value::Seq(items) => items
                    .into_iter()
                    .map(|n| match n.value {
                        Value::Map(m) => Ok(m),
                        _ => Err(ParseError { loc: n.loc, message: "`<<` merges mappings only".into() }),
                    })
                    .collect::<Result<_, _>>()?,
                _ => return Err(ParseError { loc: merge.loc, message: "`<<` merges mappings only".into() }),
            };
            for source in sources {
                for (key, entry) in source {
                    map.entry(key).or_insert(entry);
                }
            }
        }
        Ok(Node::new(Value::Map(map), loc))
    }
}

/// Types an unquoted scalar with the YAML 1.2 core schema.
pub fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let int = if let Some(hex) = text.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()
    } else if let Some(oct) = text.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()
    } else if text.bytes().enumerate().all(|(i, b)| b.is_ascii_digit() || (i == 0 && (b == b'-' || b == b'+')))
        && text.bytes().any(|b| b.is_ascii_digit())
    {
        text.parse::<i64>().ok()
    } else {
        None
    };
    if let Some(i) = int {
        return Value::Int(i);
    }
    let looks_numeric =
        text.bytes().all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b)) && text.bytes().any(|b| b.is_ascii_digit());
    if looks_numeric && let Ok(f) = text.parse::<f64>() {
        return Value::Float(f);
    }
    Value::Str { text: text.to_owned(), plain: true }
}

// ---------------------------------------------------------------------------------------------------------------
// TOML

/// Parses a TOML document.
pub fn parse_toml(text: &str, source: &Arc<str>) -> Result<Node, ParseError> {
    use toml::de::{DeTable, DeValue};
    let lines = LineIndex::new(text);
    let at = |offset: usize| {
        let (line, column) = lines.position(text, offset);
        Loc::new(source, line, column)
    };
    let root = DeTable::parse(text).map_err(|e| ParseError {
        loc: e.span().map_or_else(|| Loc::new(source, 1, 1), |s| at(s.start)),
        message: e.message().trim().to_owned(),
    })?;

    fn convert(
        value: &DeValue<'_>,
        loc: Loc,
        at: &dyn Fn(usize) -> Loc,
        source: &Arc<str>,
    ) -> Result<Node, ParseError> {
        let v = match value {
            DeValue::String(s) => Value::Str { text: s.to_string(), plain: false },
            DeValue::Integer(i) => {
                let digits = i.as_str();
                match i64::from_str_radix(digits, i.radix()) {
                    Ok(n) => Value::Int(n),
                    Err(_) => return Err(ParseError { loc, message: format!("integer {digits} is out of range") }),
                }
            }
            DeValue::Float(f) => {
                let text = f.as_str();
                let parsed = match text.trim_start_matches(['+', '-']) {
                    "inf" => Some(f64::INFINITY),
                    "nan" => Some(f64::NAN),
                    _ => text.parse::<f64>().ok(),
                };
                match parsed {
                    Some(x) => Value::Float(if text.starts_with('-') && !x.is_nan() { -x.abs() } else { x }),
                    None => return Err(ParseError { loc, message: format!("invalid float {text}") }),
                }
            }
            DeValue::Boolean(b) => Value::Bool(*b),
            DeValue::Datetime(d) => Value::Str { text: d.to_string(), plain: false },
            DeValue::Array(items) => Value::Seq(
                items
                    .iter()
                    .map(|item| convert(item.get_ref(), at(item.span().start), at, source))
                    .collect::<Result<_, _>>()?,
            ),
            DeValue::Table(table) => Value::Map(convert_table(table, at, source)?),
        };
        Ok(Node::new(v, loc))
    }

    fn convert_table(
        table: &toml::de::DeTable<'_>,
        at: &dyn Fn(usize) -> Loc,
        source: &Arc<str>,
    ) -> Result<IndexMap<String, Entry>, ParseError> {
        let mut map = IndexMap::new();
        for (key, value) in table.iter() {
            let value_node = convert(value.get_ref(), at(value.span().start), at, source)?;
            map.insert(key.get_ref().to_string(), Entry { key_loc: at(key.span().start), value: value_node });
        }
        Ok(map)
    }

    let map = convert_table(root.get_ref(), &at, source)?;
    Ok(Node::new(Value::Map(map), Loc::new(source, 1, 1)))
}

/// Byte offset -> 1-based line and (character) column.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    fn position(&self, text: &str, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let column = text.get(start..offset.min(text.len())).map_or(1, |s| s.chars().count() + 1);
        (line, column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_locations_and_types() {
        let text = "a: 1\nb:\n  c: \"x\"\n  d: [true, 2.5, ~, plain]\n";
        let node = parse(text, "f.yaml", Format::Yaml).unwrap();
        let c = &node.as_map().unwrap()["b"].value.as_map().unwrap()["c"];
        assert_eq!(c.value.loc.to_string(), "f.yaml:3:6");
        assert_eq!(c.key_loc.to_string(), "f.yaml:3:3");
        assert_eq!(node.to_json(), serde_json::json!({"a": 1, "b": {"c": "x", "d": [true, 2.5, null, "plain"]}}));
    }

    #[test]
    fn yaml_anchors_and_merge_keys() {
        let text = "base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n";
        let node = parse(text, "f.yaml", Format::Yaml).unwrap();
        assert_eq!(node.get("other").unwrap().to_json(), serde_json::json!({"y": 3, "x": 1}));
    }

    #[test]
    fn yaml_errors_have_positions() {
        let err = parse("a: [1, 2\n", "bad.yaml", Format::Yaml).unwrap_err();
        assert!(err.to_string().starts_with("bad.yaml:"), "{err}");
        let dup = parse("a: 1\na: 2\n", "dup.yaml", Format::Yaml).unwrap_err();
        assert_eq!(dup.to_string(), "dup.yaml:2:1: duplicate key `a`");
    }

    #[test]
    fn toml_locations() {
        let text = "[services.postgres.pg1]\nenable = true\nport = \"abc\"\n";
        let node = parse(text, "services.toml", Format::Toml).unwrap();
        let port = node.get("services").unwrap().get("postgres").unwrap().get("pg1").unwrap().get("port").unwrap();
        assert_eq!(port.loc.to_string(), "services.toml:3:8");
        assert_eq!(port.to_json(), serde_json::json!("abc"));
    }

    #[test]
    fn json_is_parsed_with_positions() {
        let node = parse("{\n  \"a\": {\"b\": 5}\n}\n", "c.json", Format::Json).unwrap();
        assert_eq!(node.get("a").unwrap().get("b").unwrap().loc.to_string(), "c.json:2:14");
    }

    #[test]
    fn plain_scalars() {
        assert_eq!(resolve_plain("42"), Value::Int(42));
        assert_eq!(resolve_plain("-7"), Value::Int(-7));
        assert_eq!(resolve_plain("0x1F"), Value::Int(31));
        assert_eq!(resolve_plain("1.5"), Value::Float(1.5));
        assert_eq!(resolve_plain("1.2.3"), Value::Str { text: "1.2.3".into(), plain: true });
        assert_eq!(resolve_plain("yes"), Value::Str { text: "yes".into(), plain: true });
    }
}
