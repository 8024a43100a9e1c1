//! `$VAR` expansion as process-compose does it, except that an undefined variable is an error, and `.env` files.
//!
//! process-compose substitutes `$VAR`, `${VAR}`, `${VAR:-default}` and `${VAR-default}` in the file before parsing
//! it and turns `$$` into a literal `$`. We expand string values after parsing instead (a `$` in a comment is
//! harmless, and an error can name the process), re-typing unquoted values afterwards so that
//! `backoff_seconds: ${WAIT}` still becomes a number.

use std::path::PathBuf;
use std::sync::Arc;

use indexmap::IndexMap;

use super::error::ImportError;
use crate::config::tree::{Diagnostic, Loc, Node, Value, resolve_plain};

/// Variables available to expansion: `.env` files first (as process-compose gives them precedence), then the
/// supervisor's environment.
#[derive(Debug, Clone, Default)]
pub struct Variables {
    /// Variables read from `.env` files.
    pub dotenv: IndexMap<String, String>,
    /// The environment (normally the process environment).
    pub environment: IndexMap<String, String>,
}

impl Variables {
    /// The variables of the current process environment, with no `.env` values.
    pub fn from_process_env() -> Self {
        Variables { dotenv: IndexMap::new(), environment: crate::config::utf8_environment().collect() }
    }

    /// The value of `name`, if it is defined.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.dotenv.get(name).or_else(|| self.environment.get(name)).map(String::as_str)
    }
}

/// A variable referenced but not defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undefined {
    /// The variable name.
    pub name: String,
}

/// Expands `text`. Returns the first undefined variable (without a default) as an error, except inside a Go
/// template action (`{{ or "${X}" .X }}`): there it is empty, as in process-compose, because the template
/// itself supplies the fallback (process-compose expands `$VAR`s in the file's text before it renders
/// templates: `loadProjectFromFile` then `renderTemplates`, in its `src/loader/`).
pub fn expand(text: &str, vars: &Variables) -> Result<String, Undefined> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(braced) = after.strip_prefix('{') {
            let Some(close) = braced.find('}') else {
                // An unterminated `${` is left as written, like envsubst does.
                out.push_str(&rest[dollar..]);
                rest = "";
                break;
            };
            let inner = &braced[..close];
            let (name, default) = split_default(inner);
            if !is_name(name) {
                out.push_str(&rest[dollar..dollar + 2 + close + 1]);
            } else {
                match (vars.get(name), default) {
                    (Some(""), Some((true, default))) => out.push_str(default),
                    (Some(value), _) => out.push_str(value),
                    (None, Some((_, default))) => out.push_str(default),
                    (None, None) if in_action(text, rest, dollar) => {}
                    (None, None) => return Err(Undefined { name: name.to_owned() }),
                }
            }
            rest = &braced[close + 1..];
        } else {
            let len = after.char_indices().find(|&(i, c)| !is_name_char(c, i == 0)).map_or(after.len(), |(i, _)| i);
            if len == 0 {
                // A `$` not followed by a name stays a `$` (`$1`, `$ `, a trailing `$`).
                out.push('$');
                rest = after;
            } else {
                let name = &after[..len];
                match vars.get(name) {
                    Some(value) => out.push_str(value),
                    None if in_action(text, rest, dollar) => {}
                    None => return Err(Undefined { name: name.to_owned() }),
                }
                rest = &after[len..];
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Whether the `$` at `dollar` in `rest` (the unread end of `text`) is inside a `{{ ... }}` action.
fn in_action(text: &str, rest: &str, dollar: usize) -> bool {
    let before = &text[..text.len() - rest.len() + dollar];
    before.rfind("{{").is_some_and(|open| before.rfind("}}").is_none_or(|close| close < open))
}

/// `VAR:-default` -> (`VAR`, Some((true, default))); `VAR-default` -> (`VAR`, Some((false, default))).
/// The boolean says whether an empty value also takes the default.
fn split_default(inner: &str) -> (&str, Option<(bool, &str)>) {
    if let Some(i) = inner.find(":-") {
        (&inner[..i], Some((true, &inner[i + 2..])))
    } else if let Some(i) = inner.find('-') {
        (&inner[..i], Some((false, &inner[i + 1..])))
    } else {
        (inner, None)
    }
}

fn is_name_char(c: char, first: bool) -> bool {
    c == '_' || c.is_ascii_alphabetic() || (!first && c.is_ascii_digit())
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.chars().enumerate().all(|(i, c)| is_name_char(c, i == 0))
}

/// Expands every string value of `node` in place. `on_error` is called with the located node, its path and the
/// undefined variable; expansion continues so that all undefined variables are reported.
pub fn expand_tree(
    node: &mut Node,
    path: &mut Vec<String>,
    vars: &Variables,
    on_error: &mut dyn FnMut(&Node, &[String], Undefined),
) {
    match &mut node.value {
        Value::Str { text, plain } => match expand(text, vars) {
            Ok(expanded) if expanded != *text => {
                node.value = if *plain {
                    // Substitution happened in the text before typing in process-compose: type it now.
                    match resolve_plain(&expanded) {
                        Value::Str { text, .. } => Value::Str { text, plain: false },
                        typed => typed,
                    }
                } else {
                    Value::Str { text: expanded, plain: false }
                };
            }
            Ok(_) => {}
            Err(undefined) => on_error(node, path, undefined),
        },
        Value::Seq(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                path.push(i.to_string());
                expand_tree(item, path, vars, on_error);
                path.pop();
            }
        }
        Value::Map(map) => {
            for (key, entry) in map.iter_mut() {
                path.push(key.clone());
                expand_tree(&mut entry.value, path, vars, on_error);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Parses a `.env` file: `KEY=VALUE` lines, optional `export `, `#` comments, single quotes (literal), double
/// quotes (with `\n`, `\"`, `\\` escapes). Returns the line number and message of the first malformed line.
pub fn parse_dotenv(text: &str) -> Result<IndexMap<String, String>, (usize, String)> {
    let mut vars = IndexMap::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let Some((key, value)) = line.split_once('=') else {
            return Err((index + 1, format!("expected KEY=VALUE, found {line:?}")));
        };
        let key = key.trim();
        if !is_name(key) {
            return Err((index + 1, format!("invalid variable name {key:?}")));
        }
        let value = value.trim();
        let value = if let Some(quoted) = value.strip_prefix('\'') {
            quoted.split_once('\'').map(|(v, _)| v.to_owned()).ok_or((index + 1, "unterminated ' quote".to_owned()))?
        } else if let Some(quoted) = value.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = quoted.chars();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '"' => {
                        closed = true;
                        break;
                    }
                    '\\' => match chars.next() {
                        Some('n') => out.push('\n'),
                        Some('t') => out.push('\t'),
                        Some(other) => out.push(other),
                        None => out.push('\\'),
                    },
                    c => out.push(c),
                }
            }
            if !closed {
                return Err((index + 1, "unterminated \" quote".to_owned()));
            }
            out
        } else {
            // Unquoted: an inline comment starts at ` #`.
            value.split(" #").next().unwrap_or_default().trim_end().to_owned()
        };
        vars.insert(key.to_owned(), value);
    }
    Ok(vars)
}

/// Reads the `.env` files (later ones win). A missing file is skipped unless `required` (files given
/// explicitly must exist); any other read error, and a malformed line, is an error.
pub(super) fn read_dotenv_files(files: &[PathBuf], required: bool) -> Result<IndexMap<String, String>, ImportError> {
    let mut dotenv = IndexMap::new();
    for env_file in files {
        match std::fs::read_to_string(env_file) {
            Ok(text) => dotenv.extend(parse_dotenv(&text).map_err(|(line, message)| {
                ImportError::single(Loc::new(&Arc::from(env_file.display().to_string()), line, 1), message)
            })?),
            Err(e) if required || e.kind() != std::io::ErrorKind::NotFound => {
                return Err(ImportError::single(
                    Loc::whole(env_file.display().to_string()),
                    format!("cannot read the env file: {e}"),
                ));
            }
            Err(_) => {}
        }
    }
    Ok(dotenv)
}

/// Reads a process's `env_file` (relative to the current directory): its variables, or an error message.
pub(super) fn read_env_file(path: &str) -> Result<IndexMap<String, String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read env_file {path:?}: {e}"))?;
    parse_dotenv(&text).map_err(|(line, message)| format!("{path}:{line}: {message}"))
}

/// The error for an undefined variable used at `at` (key path `path`): which variable, who uses it, and the
/// ways to fix it.
pub(super) fn undefined_error(at: &Node, path: &[String], undefined: &Undefined) -> Diagnostic {
    let name = &undefined.name;
    let whose = match path {
        [processes, process, ..] if processes == "processes" => format!("process `{process}`"),
        _ => "the file".to_owned(),
    };
    Diagnostic {
        loc: at.loc.clone(),
        path: path.join("."),
        message: format!(
            "variable `{name}` is not defined (used by {whose} in {}); define it in the environment or in .env, \
             give a default with ${{{name}:-default}}, or write $${name} for a literal `${name}`",
            at.loc.source
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Variables {
        let mut v = Variables::default();
        v.environment.insert("HOME".into(), "/home/me".into());
        v.environment.insert("EMPTY".into(), String::new());
        v.dotenv.insert("PORT".into(), "8080".into());
        v.environment.insert("PORT".into(), "9999".into());
        v
    }

    #[test]
    fn forms() {
        let v = vars();
        assert_eq!(expand("$HOME/x", &v).unwrap(), "/home/me/x");
        assert_eq!(expand("${HOME}x", &v).unwrap(), "/home/mex");
        assert_eq!(expand("port=$PORT", &v).unwrap(), "port=8080", ".env wins over the environment");
        assert_eq!(expand("$$HOME and $${HOME}", &v).unwrap(), "$HOME and ${HOME}");
        assert_eq!(expand("${NOPE:-fallback} ${NOPE-f2}", &v).unwrap(), "fallback f2");
        assert_eq!(expand("${EMPTY:-d}|${EMPTY-d}", &v).unwrap(), "d|");
        assert_eq!(expand("cost: 5$ or $1", &v).unwrap(), "cost: 5$ or $1");
    }

    #[test]
    fn undefined_is_an_error() {
        assert_eq!(expand("a $MISSING b", &vars()), Err(Undefined { name: "MISSING".into() }));
        assert_eq!(expand("${MISSING}", &vars()), Err(Undefined { name: "MISSING".into() }));
        assert_eq!(expand("}} $MISSING {{", &vars()), Err(Undefined { name: "MISSING".into() }));
    }

    #[test]
    fn undefined_in_a_template_action_is_empty() {
        assert_eq!(expand(r#"{{ or "${MISSING}" .X }} $HOME"#, &vars()).unwrap(), r#"{{ or "" .X }} /home/me"#);
        assert_eq!(expand(r#"{{ or "$HOME" .X }}"#, &vars()).unwrap(), r#"{{ or "/home/me" .X }}"#);
        assert_eq!(expand("{{ .X }} $MISSING", &vars()), Err(Undefined { name: "MISSING".into() }));
    }

    #[test]
    fn dotenv() {
        let parsed = parse_dotenv("# c\nA=1\nexport B='x y'\nC=\"q\\\"z\\n\"\nD=plain # comment\n\n").unwrap();
        assert_eq!(parsed["A"], "1");
        assert_eq!(parsed["B"], "x y");
        assert_eq!(parsed["C"], "q\"z\n");
        assert_eq!(parsed["D"], "plain");
        assert_eq!(parse_dotenv("A=1\nnot a pair\n").unwrap_err().0, 2);
    }
}
