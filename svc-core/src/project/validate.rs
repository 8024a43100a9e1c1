//! Validation: [`MergedSettings`] checked into a [`ValidProject`], everything that can be checked before a
//! process starts (names, programs, dependencies, cycles), reported together.

use indexmap::IndexMap;

use super::{MergedSettings, Project};
use crate::{Command, Condition, Environment, Error, Errors, Origin, Process, effective_path, find_program};

/// A merged project that passed validation: the only input the supervisor accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidProject {
    name: String,
    processes: IndexMap<String, Process>,
    environment: Environment,
    origins: IndexMap<String, Origin>,
}

impl ValidProject {
    /// The project name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The processes by name, in definition order.
    pub fn processes(&self) -> &IndexMap<String, Process> {
        &self.processes
    }

    /// The project-wide environment.
    pub fn environment(&self) -> &Environment {
        &self.environment
    }

    /// Who defined each process (`hello`, `hello.hello1`, `project`).
    pub fn origins(&self) -> &IndexMap<String, Origin> {
        &self.origins
    }

    /// The environment a process gets on top of the supervisor's: the project's, then the process's own.
    pub fn process_environment(&self, name: &str) -> Environment {
        let mut env = self.environment.clone();
        if let Some(process) = self.processes.get(name) {
            env.extend(process.environment.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        env
    }

    /// The processes that depend directly on `name`.
    pub fn dependents(&self, name: &str) -> Vec<&str> {
        self.processes.iter().filter(|(_, p)| p.depends_on.contains_key(name)).map(|(n, _)| n.as_str()).collect()
    }

    /// Process names in an order where every process comes after its dependencies.
    pub fn start_order(&self) -> Vec<&str> {
        let mut order = Vec::with_capacity(self.processes.len());
        let mut placed = std::collections::HashSet::new();
        while order.len() < self.processes.len() {
            let before = order.len();
            for (name, process) in &self.processes {
                if !placed.contains(name.as_str()) && process.depends_on.keys().all(|d| placed.contains(d.as_str())) {
                    placed.insert(name.as_str());
                    order.push(name.as_str());
                }
            }
            // Validation rejects cycles, so every round places at least one process.
            debug_assert!(order.len() > before, "cycle in a validated project");
            if order.len() == before {
                break;
            }
        }
        order
    }
}

impl Project {
    /// Merges and validates the project: the model the supervisor runs.
    pub fn validate(&self) -> Result<ValidProject, Errors> {
        let merged = self.settings()?;
        validate(&self.name, merged)
    }
}

impl MergedSettings {
    /// Validates merged settings into the model the supervisor runs. [`Project::validate`] is
    /// `project.settings()?.validate(project.name())`; call this directly to change the merged settings first
    /// (configuration overrides of `processes.<name>`).
    pub fn validate(self, project_name: &str) -> Result<ValidProject, Errors> {
        validate(project_name, self)
    }
}

/// Validates merged settings.
fn validate(name: &str, merged: MergedSettings) -> Result<ValidProject, Errors> {
    let MergedSettings { settings, origins } = merged;
    let processes = settings.processes;
    let mut errors = Vec::new();
    let names: Vec<&str> = processes.keys().map(String::as_str).collect();

    for (name, process) in &processes {
        if let Err(reason) = check_process_name(name) {
            errors.push(Error::InvalidProcessName { name: name.clone(), reason });
        }
        if process.command.is_empty() {
            errors.push(Error::EmptyCommand { process: name.clone() });
        } else if !process.disabled
            && let Command::Exec(argv) = &process.command
            // The child's PATH, not only the supervisor's: a process may set its own.
            && let path_var = effective_path([&settings.environment, &process.environment])
            && let Err(not_found) = find_program(&argv[0], path_var.as_deref(), process.working_dir.as_deref())
        {
            errors.push(Error::ProgramNotFound {
                process: name.clone(),
                program: argv[0].clone(),
                searched: not_found.to_string(),
            });
        }
        let checks = [
            ("schedule", process.schedule.as_ref().map(crate::Schedule::check)),
            ("watch", process.watch.as_ref().map(crate::Watch::check)),
        ];
        for (key, check) in checks {
            if let Some(Err(message)) = check {
                errors.push(Error::InvalidSetting { process: name.clone(), key, message });
            }
        }
        for (dependency, dep) in &process.depends_on {
            let Some(target) = processes.get(dependency) else {
                errors.push(Error::UnknownDependency {
                    process: name.clone(),
                    dependency: dependency.clone(),
                    suggestion: closest(dependency, &names),
                });
                continue;
            };
            let missing = match dep.condition {
                Condition::ProcessHealthy if target.readiness_probe.is_none() => Some("readiness_probe"),
                Condition::ProcessLogReady if target.ready_log_line.is_none() => Some("ready_log_line"),
                _ => None,
            };
            if let Some(missing) = missing {
                errors.push(Error::UnreachableCondition {
                    process: name.clone(),
                    dependency: dependency.clone(),
                    condition: dep.condition,
                    missing,
                });
            }
        }
    }
    if let Some(cycle) = find_cycle(&processes) {
        errors.push(Error::DependencyCycle { cycle });
    }

    if errors.is_empty() {
        Ok(ValidProject { name: name.to_owned(), processes, environment: settings.environment, origins })
    } else {
        Err(Errors(errors))
    }
}

/// Process names become log prefixes, file names and CLI arguments: keep them to a portable alphabet.
fn check_process_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the name is empty".into());
    }
    if name.len() > 128 {
        return Err("longer than 128 characters".into());
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))) {
        return Err(format!("contains {c:?}; use letters, digits, `-`, `_` and `.`"));
    }
    if name.starts_with(['-', '.']) {
        return Err("starts with `-` or `.`".into());
    }
    Ok(())
}

/// The name in `names` closest to `wanted`, if it is close enough to be a likely typo.
pub fn closest<'a>(wanted: &str, names: impl IntoIterator<Item = &'a &'a str>) -> Option<String> {
    names
        .into_iter()
        .map(|name| (edit_distance(wanted, name), *name))
        .filter(|(distance, name)| *distance <= (name.len().max(wanted.len()) / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name.to_owned())
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// Returns one dependency cycle (first name repeated at the end), found by depth-first search in definition order.
fn find_cycle(processes: &IndexMap<String, Process>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnStack,
        Done,
    }
    fn visit<'a>(
        name: &'a str,
        processes: &'a IndexMap<String, Process>,
        marks: &mut IndexMap<&'a str, Mark>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        marks.insert(name, Mark::OnStack);
        stack.push(name);
        for dependency in processes[name].depends_on.keys() {
            match marks.get(dependency.as_str()).copied() {
                Some(Mark::OnStack) => {
                    let start = stack.iter().position(|n| *n == dependency)?;
                    let mut cycle: Vec<String> = stack[start..].iter().map(|s| (*s).to_owned()).collect();
                    cycle.push(dependency.clone());
                    return Some(cycle);
                }
                Some(Mark::New) => {
                    if let Some(cycle) = visit(dependency, processes, marks, stack) {
                        return Some(cycle);
                    }
                }
                // Done, or unknown (reported separately).
                _ => {}
            }
        }
        stack.pop();
        marks.insert(name, Mark::Done);
        None
    }
    let mut marks: IndexMap<&str, Mark> = processes.keys().map(|n| (n.as_str(), Mark::New)).collect();
    for name in processes.keys() {
        if marks[name.as_str()] == Mark::New {
            let mut stack = Vec::new();
            if let Some(cycle) = visit(name, processes, &mut marks, &mut stack) {
                return Some(cycle);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn closest_requires_similarity() {
        let names = ["postgres", "redis"];
        assert_eq!(closest("postgre", &names).as_deref(), Some("postgres"));
        assert_eq!(closest("zzzzzzzz", &names), None);
    }

    #[test]
    fn process_names() {
        assert!(check_process_name("hello1").is_ok());
        assert!(check_process_name("svc.hello_1-a").is_ok());
        assert!(check_process_name("").is_err());
        assert!(check_process_name("a b").is_err());
        assert!(check_process_name("-x").is_err());
    }
}
