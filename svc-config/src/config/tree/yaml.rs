//! YAML (and JSON, a subset of it) -> a located [`Node`] tree: every scalar, sequence and mapping keeps the
//! position of its first character. Anchors, aliases and `<<` merge keys are resolved here; unquoted scalars are
//! typed with the YAML 1.2 core schema ([`resolve_plain`]).

use std::collections::HashMap;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, Span, StrInput};

use super::diagnostic::ParseError;
use super::node::{Entry, Loc, Node, Value};

struct YamlBuilder<'a> {
    source: Arc<str>,
    events: Parser<'a, StrInput<'a>>,
    anchors: HashMap<usize, Node>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tree::{Format, parse};

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
    fn plain_scalars() {
        assert_eq!(resolve_plain("42"), Value::Int(42));
        assert_eq!(resolve_plain("-7"), Value::Int(-7));
        assert_eq!(resolve_plain("0x1F"), Value::Int(31));
        assert_eq!(resolve_plain("1.5"), Value::Float(1.5));
        assert_eq!(resolve_plain("1.2.3"), Value::Str { text: "1.2.3".into(), plain: true });
        assert_eq!(resolve_plain("yes"), Value::Str { text: "yes".into(), plain: true });
    }
}
