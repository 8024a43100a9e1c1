//! Which process-compose files are read, and how several combine: without `-f`, the first default file name in
//! the directory, then the first override file on top; several files are merged in order.

use std::path::{Path, PathBuf};

use super::error::ImportError;
use crate::config::tree::{Loc, Node, Value};

/// The file names searched when no file is given, in order of preference (as process-compose).
pub const DEFAULT_FILE_NAMES: [&str; 4] =
    ["compose.yml", "compose.yaml", "process-compose.yml", "process-compose.yaml"];
/// The override file names merged on top of a discovered file, in order of preference.
pub const DEFAULT_OVERRIDE_FILE_NAMES: [&str; 4] =
    ["compose.override.yml", "compose.override.yaml", "process-compose.override.yml", "process-compose.override.yaml"];

/// The process-compose files for `dir`, as process-compose discovers them: the first default file name that
/// exists, then the first override file name that exists.
pub fn discover(dir: &Path) -> Result<Vec<PathBuf>, ImportError> {
    let first = |names: &[&str]| names.iter().map(|n| dir.join(n)).find(|p| p.is_file());
    let Some(main) = first(&DEFAULT_FILE_NAMES) else {
        return Err(ImportError::single(
            Loc::whole(dir.display().to_string()),
            format!(
                "no process-compose file found (looked for {}); pass one with -f FILE",
                DEFAULT_FILE_NAMES.join(", ")
            ),
        ));
    };
    let mut files = vec![main];
    files.extend(first(&DEFAULT_OVERRIDE_FILE_NAMES));
    Ok(files)
}

/// Reads `files`: `(name as given, text)` pairs, in order. Stops at the first that cannot be read.
pub(super) fn read_files(files: &[PathBuf]) -> Result<Vec<(String, String)>, ImportError> {
    let mut sources = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).map_err(|e| {
            ImportError::single(Loc::whole(file.display().to_string()), format!("cannot read the file: {e}"))
        })?;
        sources.push((file.display().to_string(), text));
    }
    Ok(sources)
}

/// The default project name: the name of the directory that holds the first file.
pub(super) fn directory_name(files: &[PathBuf]) -> Option<String> {
    let first = files.first()?;
    let dir = std::fs::canonicalize(first).ok()?.parent()?.file_name()?.to_string_lossy().into_owned();
    Some(dir)
}

/// Merges `over` into `base` as process-compose merges files: mappings key by key, `environment` lists by
/// variable name, anything else replaced.
pub(super) fn merge(base: &mut Node, over: Node, key: &str) {
    match (&mut base.value, over.value) {
        (Value::Map(b), Value::Map(o)) => {
            for (k, entry) in o {
                match b.get_mut(&k) {
                    Some(existing) => merge(&mut existing.value, entry.value, &k),
                    None => {
                        b.insert(k, entry);
                    }
                }
            }
        }
        (Value::Seq(b), Value::Seq(o)) if key == "environment" => {
            let name = |n: &Node| n.as_str().map(|s| s.split('=').next().unwrap_or_default().to_owned());
            for item in o {
                match b.iter_mut().find(|existing| name(existing).is_some() && name(existing) == name(&item)) {
                    Some(existing) => *existing = item,
                    None => b.push(item),
                }
            }
        }
        (_, value) => {
            base.value = value;
            base.loc = over.loc;
        }
    }
}
