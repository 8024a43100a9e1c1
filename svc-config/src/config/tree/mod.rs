//! A document tree that remembers where every value came from (file, line, column).
//!
//! Config files (TOML, YAML, JSON) and process-compose files are parsed into [`Node`]s rather than straight into
//! typed structs, because every later step needs locations: merging layers, expanding `$VARS`, rejecting unknown
//! keys with a suggestion, and reporting a type error as `file:line:column: path: message`.
//!
//! This module holds [`Format`] and [`parse`], and re-exports the rest: the tree types ([`Loc`], [`Node`],
//! [`Value`], [`Entry`]; in `node`), the problems ([`Diagnostic`], [`ParseError`]; in `diagnostic`) and the
//! parsers (`yaml` for YAML, and JSON as a subset of it; `toml`). The parsers use the types directly rather
//! than through this module, so that no module depends on one that depends on it.

use std::sync::Arc;

mod diagnostic;
mod node;
mod toml;
mod yaml;

pub use self::diagnostic::{Diagnostic, ParseError};
pub use self::node::{Entry, Loc, Node, Value};
pub use self::toml::parse_toml;
pub use self::yaml::{parse_yaml, resolve_plain};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_parsed_with_positions() {
        let node = parse("{\n  \"a\": {\"b\": 5}\n}\n", "c.json", Format::Json).unwrap();
        assert_eq!(node.get("a").unwrap().get("b").unwrap().loc.to_string(), "c.json:2:14");
    }
}
