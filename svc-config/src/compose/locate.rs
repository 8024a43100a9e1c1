//! [`Locations`]: where each process and each of its keys was written, so that an error found after conversion
//! (by [`Project::validate`](svc_core::Project::validate): an unknown dependency, a cycle, a condition that cannot
//! be reached, a program not found) names the `file:line:col` of the key that causes it, like a parse error.

use indexmap::IndexMap;
use svc_core::{Error, Errors};

use crate::config::tree::{Diagnostic, Loc};

/// Where the processes of imported files were written.
#[derive(Debug, Clone, Default)]
pub struct Locations {
    /// The first file read: where errors that concern no one key are placed.
    pub(super) first_file: String,
    /// Process name in the project (a replica is `name-N`) -> the name as written.
    pub(super) written: IndexMap<String, String>,
    /// Name as written -> key path inside the process (`""` the name itself, `command`, `depends_on.db`) ->
    /// where it was written.
    pub(super) keys: IndexMap<String, IndexMap<String, Loc>>,
}

impl Locations {
    /// Where `error` comes from: the location of the key that causes it and its key path (`processes.web.
    /// depends_on.db`), if it concerns an imported process.
    pub fn locate(&self, error: &Error) -> Option<(Loc, String)> {
        match error {
            Error::UnknownDependency { process, dependency, .. } => self.dependency(process, dependency),
            Error::UnreachableCondition { process, dependency, .. } => self.dependency(process, dependency),
            // The cycle's first edge: `cycle[0]` depends on `cycle[1]`.
            Error::DependencyCycle { cycle } => match cycle.as_slice() {
                [from, to, ..] => self.dependency(from, to),
                _ => None,
            },
            Error::EmptyCommand { process } | Error::ProgramNotFound { process, .. } => {
                self.key(process, &["entrypoint", "command", ""])
            }
            Error::InvalidProcessName { name, .. } | Error::DuplicateProcess { name, .. } => self.key(name, &[""]),
            Error::InvalidSetting { process, key, .. } => self.key(process, &[key, ""]),
            _ => None,
        }
    }

    /// Every error of `errors` as a located [`Diagnostic`]; one that concerns no imported key is placed at the
    /// first file.
    pub fn diagnostics(&self, errors: &Errors) -> Vec<Diagnostic> {
        errors
            .iter()
            .map(|error| {
                let (loc, path) =
                    self.locate(error).unwrap_or_else(|| (Loc::whole(self.first_file.as_str()), String::new()));
                Diagnostic { loc, path, message: error.to_string() }
            })
            .collect()
    }

    /// The names (as written) of the processes `error` is about.
    pub(super) fn concerns<'e>(&'e self, error: &'e Error) -> Vec<&'e str> {
        let names: Vec<&str> = match error {
            Error::UnknownDependency { process, dependency, .. }
            | Error::UnreachableCondition { process, dependency, .. } => vec![process, dependency],
            Error::DependencyCycle { cycle } => cycle.iter().map(String::as_str).collect(),
            Error::EmptyCommand { process }
            | Error::ProgramNotFound { process, .. }
            | Error::InvalidSetting { process, .. } => vec![process],
            Error::InvalidProcessName { name, .. } | Error::DuplicateProcess { name, .. } => vec![name],
            _ => vec![],
        };
        names.into_iter().map(|n| self.written.get(n).map_or(n, String::as_str)).collect()
    }

    /// The first of `keys` that process `process` has: its location and path.
    fn key(&self, process: &str, keys: &[&str]) -> Option<(Loc, String)> {
        let written = self.written.get(process).map_or(process, String::as_str);
        let locs = self.keys.get(written)?;
        keys.iter().find_map(|key| {
            let loc = locs.get(*key)?;
            let path =
                if key.is_empty() { format!("processes.{written}") } else { format!("processes.{written}.{key}") };
            Some((loc.clone(), path))
        })
    }

    /// The `depends_on` entry of `process` on `dependency` (also when either is a replica of a process written
    /// once), else the process itself.
    fn dependency(&self, process: &str, dependency: &str) -> Option<(Loc, String)> {
        let as_written = self.written.get(dependency).map_or(dependency, String::as_str);
        self.key(process, &[&format!("depends_on.{dependency}"), &format!("depends_on.{as_written}"), "depends_on", ""])
    }
}
