//! TOML -> a located [`Node`] tree. The `toml` crate gives byte spans; `LineIndex` turns them into the
//! line:column positions every error message shows.

use std::sync::Arc;

use ::toml::de::{DeTable, DeValue};
use indexmap::IndexMap;

use super::diagnostic::ParseError;
use super::node::{Entry, Loc, Node, Value};

/// Parses a TOML document.
pub fn parse_toml(text: &str, source: &Arc<str>) -> Result<Node, ParseError> {
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
        table: &DeTable<'_>,
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
    use crate::config::tree::{Format, parse};

    #[test]
    fn toml_locations() {
        let text = "[services.postgres.pg1]\nenable = true\nport = \"abc\"\n";
        let node = parse(text, "services.toml", Format::Toml).unwrap();
        let port = node.get("services").unwrap().get("postgres").unwrap().get("pg1").unwrap().get("port").unwrap();
        assert_eq!(port.loc.to_string(), "services.toml:3:8");
        assert_eq!(port.to_json(), serde_json::json!("abc"));
    }
}
