//! `extends`: a file built on a base file (top level), and a process built on another process (per process).
//!
//! Top level, as process-compose's `loadExtendProject` (`src/loader/loader.go`): the path is relative to the
//! extending file; the base is read and `$VAR`-expanded like any file, its processes' `working_dir` rebased
//! onto the base's directory (`copyWorkingDirToProcesses`: a relative one is joined to it, a missing one
//! becomes it), and it is merged *under* the extending file with the usual merge rules; a base may extend
//! another. process-compose refuses a base that is already among the files to load; here that is a cycle (or
//! a file given twice) and the error names the files.
//!
//! Per process, `extends: NAME` starts from process `NAME` of the merged document: every key of it, with the
//! extending process's own keys on top (mappings merged key by key, `environment` by variable name).

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use super::discover::merge;
use super::error::ImportError;
use crate::config::tree::{Diagnostic, Entry, Loc, Node, Value};

/// Prepends to `chain` (whose first document is the one just read) the files it extends, base-first.
/// `given` are the files of the import (a base may not be one of them); `load` reads, parses and expands a
/// file given its name.
pub(super) fn load_bases(
    chain: &mut Vec<(String, Node)>,
    given: &[String],
    load: &mut dyn FnMut(&str, String) -> Result<Node, ImportError>,
) -> Result<(), ImportError> {
    loop {
        let (name, node) = &chain[0];
        let Some(entry) = node.as_map().and_then(|m| m.get("extends")) else { return Ok(()) };
        let Some(relative) = entry.value.as_str() else {
            let message = format!("expected the path of a process-compose file, found {}", entry.value.kind());
            return Err(located(&entry.value.loc, message));
        };
        let base = Path::new(name).parent().unwrap_or(Path::new("")).join(relative);
        let base_name = base.display().to_string();
        if let Some(looped) = chain.iter().position(|(n, _)| same_file(n, &base_name)) {
            let mut files: Vec<&str> = chain[..=looped].iter().rev().map(|(n, _)| n.as_str()).collect();
            files.push(&base_name);
            let message = format!("`extends` makes a cycle: {}; remove one of these `extends`", files.join(" -> "));
            return Err(located(&entry.value.loc, message));
        }
        if given.iter().any(|g| same_file(g, &base_name)) {
            let message = format!("extends {base_name}, which is also given as a file to load; give it only once");
            return Err(located(&entry.value.loc, message));
        }
        let text = std::fs::read_to_string(&base)
            .map_err(|e| located(&entry.value.loc, format!("cannot read the extended file {base_name}: {e}")))?;
        let mut base_node = load(&base_name, text)?;
        rebase_working_dirs(&mut base_node, base.parent().unwrap_or(Path::new("")));
        chain.insert(0, (base_name, base_node));
    }
}

/// Whether two file names are the same file (compared canonically when both exist).
fn same_file(a: &str, b: &str) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => Path::new(a) == Path::new(b),
    }
}

/// Each process's `working_dir` made relative to `dir` (the base file's directory), as process-compose does
/// for an extended file: a relative one is joined to it, a missing one becomes it.
fn rebase_working_dirs(root: &mut Node, dir: &Path) {
    let Some(processes) = root.as_map_mut().and_then(|m| m.get_mut("processes")).and_then(|e| e.value.as_map_mut())
    else {
        return;
    };
    for entry in processes.values_mut() {
        let loc = entry.value.loc.clone();
        let Some(process) = entry.value.as_map_mut() else { continue };
        let rebased = match process.get("working_dir").and_then(|e| e.value.as_str()) {
            Some(wd) if Path::new(wd).is_absolute() => continue,
            Some(wd) => dir.join(wd),
            None if process.contains_key("working_dir") => continue,
            None => dir.to_path_buf(),
        };
        let text = if rebased.as_os_str().is_empty() { PathBuf::from(".") } else { rebased };
        let value = Value::Str { text: text.display().to_string(), plain: false };
        match process.get_mut("working_dir") {
            Some(existing) => existing.value.value = value,
            None => {
                process.insert("working_dir".into(), Entry { key_loc: loc.clone(), value: Node::new(value, loc) });
            }
        }
    }
}

/// Resolves every process's `extends: NAME` in the merged document: the process becomes `NAME`'s keys with
/// its own on top. Every unknown name and cycle is reported.
pub(super) fn inherit(root: &mut Node) -> Result<(), ImportError> {
    let Some(processes) = root.as_map_mut().and_then(|m| m.get_mut("processes")).and_then(|e| e.value.as_map_mut())
    else {
        return Ok(());
    };
    let mut errors = Vec::new();
    let mut done: IndexMap<String, Node> = IndexMap::new();
    for name in processes.keys() {
        resolve(name, processes, &mut done, &mut Vec::new(), &mut errors);
    }
    if !errors.is_empty() {
        return Err(ImportError { errors, warnings: vec![] });
    }
    for (name, node) in done {
        if let Some(entry) = processes.get_mut(&name) {
            entry.value = node;
        }
    }
    Ok(())
}

/// Process `name` with its `extends` resolved (memoized in `done`); `stack` holds the processes being
/// resolved, to name a cycle.
fn resolve(
    name: &str,
    processes: &IndexMap<String, Entry>,
    done: &mut IndexMap<String, Node>,
    stack: &mut Vec<String>,
    errors: &mut Vec<Diagnostic>,
) -> Option<Node> {
    if let Some(node) = done.get(name) {
        return Some(node.clone());
    }
    let mut own = processes.get(name)?.value.clone();
    let Some(extends) = own.as_map_mut().and_then(|m| m.shift_remove("extends")) else {
        done.insert(name.to_owned(), own.clone());
        return Some(own);
    };
    let path = format!("processes.{name}.extends");
    let error = |errors: &mut Vec<Diagnostic>, message: String| {
        // A process reached twice (directly and through another) is reported once.
        if !errors.iter().any(|e| e.loc == extends.value.loc && e.path == path) {
            errors.push(Diagnostic { loc: extends.value.loc.clone(), path: path.clone(), message });
        }
    };
    let Some(base) = extends.value.as_str() else {
        error(errors, format!("expected the name of another process, found {}", extends.value.kind()));
        return None;
    };
    if !processes.contains_key(base) {
        let names: Vec<&str> = processes.keys().map(String::as_str).filter(|n| *n != name).collect();
        let hint = svc_core::closest(base, &names).map(|s| format!(", did you mean '{s}'?")).unwrap_or_default();
        error(errors, format!("extends unknown process '{base}'{hint}; name a process of this project"));
        return None;
    }
    if base == name || stack.iter().any(|s| s == base) {
        let mut cycle: Vec<&str> = stack.iter().map(String::as_str).collect();
        cycle.extend([name, base]);
        error(errors, format!("`extends` makes a cycle: {}; remove one of these `extends`", cycle.join(" -> ")));
        return None;
    }
    stack.push(name.to_owned());
    let inherited = resolve(base, processes, done, stack, errors);
    stack.pop();
    let mut merged = inherited?;
    let loc = own.loc.clone();
    merge(&mut merged, own, "");
    merged.loc = loc;
    done.insert(name.to_owned(), merged.clone());
    Some(merged)
}

/// One error about the top-level `extends` at `loc`.
fn located(loc: &Loc, message: String) -> ImportError {
    ImportError { errors: vec![Diagnostic { loc: loc.clone(), path: "extends".into(), message }], warnings: vec![] }
}
