//! process-compose `vars` and Go templates (`{{ .PORT }}`), rendered per replica with the `gotmpl` crate.
//!
//! What process-compose does (its `src/templater/templater.go`, `RenderProcess`, called by `renderTemplates` in
//! `src/loader/mutators.go` after the files are `$VAR`-expanded, merged and their replicas cloned): for each
//! replica, the top-level `vars` overlaid with the process's `vars` and `PC_REPLICA_NUM` (an integer, the only
//! built-in) are the data of Go's `text/template`, applied to `command`, `working_dir`, `log_location`,
//! `description`, each `environment` entry, and a probe's `exec.command` or `http_get` `host`, `path`, `scheme`
//! and `port`. We also render `entrypoint` items (an argv is the same command written differently).
//! `is_template_disabled: true` leaves the process as written.
//!
//! Differences, on purpose: a key missing from the vars is an error (process-compose prints `<no value>`, as
//! an undefined `$VAR` is an error here too); a block left open or an `{{ end }}` too many is an error (the
//! crate accepts both, Go does not).

use std::collections::BTreeMap;
use std::sync::Arc;

use gotmpl::{MissingKey, Template, TemplateError, Value as Data};

use super::read::{Converter, join};
use crate::config::tree::{Node, Value};

/// Template data: variable name -> typed value.
pub(super) type Vars = BTreeMap<Arc<str>, Data>;

/// The keys of a process whose string values are templates (besides `environment` and the probes).
const PROCESS_FIELDS: [&str; 4] = ["command", "working_dir", "log_location", "description"];
/// The keys of a probe's `http_get` that are templates.
const HTTP_FIELDS: [&str; 4] = ["host", "path", "scheme", "port"];

impl Converter<'_> {
    /// A `vars:` mapping as template data (numbers and booleans stay typed, as process-compose's YAML decoding
    /// gives them to Go). Null (`vars:` with nothing under it) is no vars.
    pub(super) fn vars(&mut self, node: &Node, path: &str) -> Vars {
        let mut vars = Vars::new();
        if let Some(map) = self.mapping(node, path) {
            for (name, entry) in map {
                vars.insert(Arc::from(name.as_str()), data(&entry.value));
            }
        }
        vars
    }

    /// The process `node` with its templates rendered for replica `replica`, or `None` after recording the
    /// errors. `global` is the top-level `vars`.
    pub(super) fn render_process(&mut self, node: &Node, path: &str, global: &Vars, replica: usize) -> Option<Node> {
        let mut out = node.clone();
        if let Some(flag) = node.get("is_template_disabled")
            && self.boolean(flag, &join(path, "is_template_disabled")) != Some(false)
        {
            return Some(out);
        }
        let mut vars = global.clone();
        if let Some(own) = node.get("vars") {
            vars.extend(self.vars(own, &join(path, "vars")));
        }
        vars.insert(Arc::from("PC_REPLICA_NUM"), Data::Int(replica as i64));
        let data = Data::Map(Arc::new(vars));
        let errors_before = self.errors.len();
        let Some(map) = out.as_map_mut() else { return Some(out) };
        for (key, entry) in map.iter_mut() {
            let here = join(path, key);
            match key.as_str() {
                k if PROCESS_FIELDS.contains(&k) => self.render(&mut entry.value, &here, &data),
                "entrypoint" | "environment" => self.render_children(&mut entry.value, &here, &data),
                "readiness_probe" | "liveness_probe" => {
                    if let Some(probe) = entry.value.as_map_mut() {
                        if let Some(exec) = probe.get_mut("exec").and_then(|e| e.value.as_map_mut())
                            && let Some(command) = exec.get_mut("command")
                        {
                            self.render(&mut command.value, &join(&here, "exec.command"), &data);
                        } else if let Some(http) = probe.get_mut("http_get").and_then(|e| e.value.as_map_mut()) {
                            for field in HTTP_FIELDS {
                                if let Some(e) = http.get_mut(field) {
                                    self.render(&mut e.value, &join(&here, &format!("http_get.{field}")), &data);
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        (self.errors.len() == errors_before).then_some(out)
    }

    /// Renders each item of a list, or each value of a mapping (`environment` written as a mapping).
    fn render_children(&mut self, node: &mut Node, path: &str, data: &Data) {
        match &mut node.value {
            Value::Seq(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    self.render(item, &format!("{path}[{i}]"), data);
                }
            }
            Value::Map(map) => {
                for (key, entry) in map.iter_mut() {
                    self.render(&mut entry.value, &join(path, key), data);
                }
            }
            _ => {}
        }
    }

    /// Renders one string value in place; an error is recorded at the value's position.
    fn render(&mut self, node: &mut Node, path: &str, data: &Data) {
        let Value::Str { text, .. } = &node.value else { return };
        // Text without an action renders as itself: skip the parser.
        if !text.contains("{{") {
            return;
        }
        match render_text(text, data) {
            Ok(rendered) => node.value = Value::Str { text: rendered, plain: false },
            Err(message) => self.error(&node.loc, path, message),
        }
    }
}

/// Renders `text` as Go's text/template with `data` (missing keys are errors), or says what is wrong and how
/// to fix it.
fn render_text(text: &str, data: &Data) -> Result<String, String> {
    let disable = "or set `is_template_disabled: true` on the process to keep `{{` as written";
    if let Err((line, column, message)) = check_blocks(text) {
        return Err(format!("invalid template (line {line}, column {column} of the value): {message}; {disable}"));
    }
    let rendered = Template::new("value")
        .missing_key(MissingKey::Error)
        .parse(text)
        .and_then(|template| template.execute_to_string(data));
    rendered.map_err(|e| match e {
        TemplateError::Parse { line, col, message, .. } | TemplateError::Lex { line, col, message, .. } => {
            format!("invalid template (line {line}, column {col} of the value): {message}; fix it, {disable}")
        }
        TemplateError::MissingKey { key } => format!(
            "template uses `.{key}`, which is not defined: add `{key}` under the process's or the top-level \
             `vars` (process-compose would print `<no value>`)"
        ),
        other => format!("template failed: {other}; fix it, {disable}"),
    })
}

/// A YAML value as template data.
fn data(node: &Node) -> Data {
    match &node.value {
        Value::Null => Data::Nil,
        Value::Bool(b) => Data::Bool(*b),
        Value::Int(i) => Data::Int(*i),
        Value::Float(f) => Data::Float(*f),
        Value::Str { text, .. } => Data::String(Arc::from(text.as_str())),
        Value::Seq(items) => Data::List(items.iter().map(data).collect()),
        Value::Map(map) => {
            Data::Map(Arc::new(map.iter().map(|(k, e)| (Arc::from(k.as_str()), data(&e.value))).collect()))
        }
    }
}

/// Go rejects a block (`if`, `range`, `with`, `define`, `block`) without its `{{ end }}`, and an `end` or
/// `else` outside a block; gotmpl 0.6 accepts both silently, so they are checked here: `(line, column,
/// message)` of the first problem.
fn check_blocks(text: &str) -> Result<(), (usize, usize, String)> {
    let mut open: Vec<(usize, &str)> = Vec::new();
    for (at, keyword) in actions(text) {
        match keyword {
            "if" | "range" | "with" | "define" | "block" => open.push((at, keyword)),
            "end" if open.pop().is_none() => {
                return Err(position(text, at, "`{{ end }}` without an open `if`, `range` or `with`".into()));
            }
            "else" if open.is_empty() => {
                return Err(position(text, at, "`{{ else }}` outside an `if`, `range` or `with`".into()));
            }
            _ => {}
        }
    }
    match open.pop() {
        Some((at, keyword)) => {
            Err(position(text, at, format!("`{{{{ {keyword} }}}}` is not closed: add `{{{{ end }}}}`")))
        }
        None => Ok(()),
    }
}

/// Each action's byte offset and first word. Quoted strings and comments are skipped so that a `}}` inside
/// them does not end the action.
fn actions(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find("{{") {
        let start = from + found;
        let inner = &text[start + 2..];
        let body = inner.strip_prefix('-').unwrap_or(inner).trim_start();
        let word_len = body.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(body.len());
        out.push((start, &body[..word_len]));
        from = start + 2 + action_len(inner);
    }
    out
}

/// The length of an action's inside up to and including its `}}` (the rest of the text if unclosed).
fn action_len(inner: &str) -> usize {
    let bytes = inner.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'}' if bytes.get(i + 1) == Some(&b'}') => return i + 2,
            quote @ (b'"' | b'\'' | b'`') => {
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    // Backslash escapes exist in "..." and '...', not in raw `...` strings.
                    i += if bytes[i] == b'\\' && quote != b'`' { 2 } else { 1 };
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = inner[i..].find("*/").map_or(bytes.len(), |end| i + end + 1);
            }
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// `(line, column, message)` for byte offset `at` of `text` (both 1-based, the column in characters).
fn position(text: &str, at: usize, message: String) -> (usize, usize, String) {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Data {
        let mut v = Vars::new();
        v.insert(Arc::from("PORT"), Data::Int(8080));
        v.insert(Arc::from("NAME"), Data::String(Arc::from("web")));
        v.insert(Arc::from("ON"), Data::Bool(true));
        v.insert(Arc::from("LIST"), Data::List(vec![Data::Int(1), Data::Int(2)].into()));
        Data::Map(Arc::new(v))
    }

    #[test]
    fn go_template_constructs() {
        let d = vars();
        let r = |t: &str| render_text(t, &d);
        assert_eq!(r("822{{ .PORT }}").unwrap(), "8228080");
        assert_eq!(r(r#"{{ or "" .NAME }}|{{ or "set" .NOPE }}"#).unwrap(), "web|set", "`or` stops at the first true");
        assert_eq!(r("{{ if .ON }}on{{ else }}off{{ end }}").unwrap(), "on");
        assert_eq!(r("{{ range .LIST }}<{{ . }}>{{ end }}").unwrap(), "<1><2>");
        assert_eq!(r(r#"{{ printf "%05d" .PORT }} {{ .NAME | printf "%q" }}"#).unwrap(), "08080 \"web\"");
        assert_eq!(
            r(r#"{{ index . "NAME" }} {{ eq .PORT 8080 }} {{ lt .PORT 1 }} {{ ne .NAME "x" }}"#).unwrap(),
            "web true false true"
        );
        assert_eq!(r("{{/* a }} comment */}}x{{- \" }}\" -}}").unwrap(), "x }}");
    }

    #[test]
    fn errors_say_where() {
        let d = vars();
        let e = render_text("{{ .MISSING }}", &d).unwrap_err();
        assert!(e.contains("`.MISSING`") && e.contains("vars"), "{e}");
        let e = render_text("ok\n  {{ if .ON }}x", &d).unwrap_err();
        assert!(e.contains("line 2, column 3") && e.contains("not closed"), "{e}");
        let e = render_text("x{{ end }}", &d).unwrap_err();
        assert!(e.contains("column 2"), "{e}");
        let e = render_text("{{ .PORT", &d).unwrap_err();
        assert!(e.contains("invalid template") && e.contains("is_template_disabled"), "{e}");
        let e = render_text("{{ nofunc 1 }}", &d).unwrap_err();
        assert!(e.contains("nofunc"), "{e}");
    }
}
