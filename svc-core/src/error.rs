//! Errors of the model: everything that can be wrong with a project before anything runs.

use std::fmt;

use crate::PackageError;

/// A result whose error is an [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One thing wrong with a project. Every variant names what is wrong and says how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// Two contributors define the same process name.
    DuplicateProcess {
        /// The process name.
        name: String,
        /// The contributor that defined it first.
        first: String,
        /// The contributor that defined it again.
        second: String,
    },
    /// Two contributors set the same project environment variable to different values.
    ConflictingEnvironment {
        /// The variable.
        key: String,
        /// The first contributor and its value.
        first: (String, String),
        /// The second contributor and its value.
        second: (String, String),
    },
    /// Two services or instances are registered under the same name.
    DuplicateService {
        /// `service` or `service.instance`.
        name: String,
    },
    /// A process depends on a process that does not exist.
    UnknownDependency {
        /// The dependent process.
        process: String,
        /// The missing dependency.
        dependency: String,
        /// The closest existing process name, if one is close.
        suggestion: Option<String>,
    },
    /// The dependencies form a cycle; the first name is repeated at the end.
    DependencyCycle {
        /// The cycle, e.g. `["a", "b", "c", "a"]`.
        cycle: Vec<String>,
    },
    /// A process has nothing to run.
    EmptyCommand {
        /// The process.
        process: String,
    },
    /// A process name that cannot be used.
    InvalidProcessName {
        /// The name.
        name: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A dependency condition that the dependency can never reach as configured.
    UnreachableCondition {
        /// The dependent process.
        process: String,
        /// The dependency.
        dependency: String,
        /// The condition, e.g. `process_healthy`.
        condition: crate::Condition,
        /// What the dependency lacks, e.g. `a readiness_probe`.
        missing: &'static str,
    },
    /// The program of a process cannot be found.
    ProgramNotFound {
        /// The process.
        process: String,
        /// The program as written.
        program: String,
        /// Where it was looked for.
        searched: String,
    },
    /// A process's `schedule` or `watch` cannot work as written.
    InvalidSetting {
        /// The process.
        process: String,
        /// The key: `schedule` or `watch`.
        key: &'static str,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A package could not be resolved.
    Package(PackageError),
    /// A service's options could not be read or its settings could not be produced.
    Service {
        /// `service` or `service.instance`.
        origin: String,
        /// What went wrong (for example an [`Error::Package`]).
        source: Box<Error>,
    },
    /// Any other error, with its message.
    Other(String),
}

impl Error {
    /// An error with a free-form message, for use in `settings()` implementations.
    pub fn msg(message: impl fmt::Display) -> Self {
        Error::Other(message.to_string())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::DuplicateProcess { name, first, second } => write!(
                f,
                "process `{name}` is defined by both `{first}` and `{second}`; rename one of them \
                 (for a multi-instance service, give the instances different names)"
            ),
            Error::ConflictingEnvironment { key, first, second } => write!(
                f,
                "environment variable `{key}` is set to {:?} by `{}` and to {:?} by `{}`; set it in one place only",
                first.1, first.0, second.1, second.0
            ),
            Error::DuplicateService { name } => {
                write!(f, "service `{name}` is added twice; add it once, or use different instance names")
            }
            Error::UnknownDependency { process, dependency, suggestion } => {
                write!(f, "process `{process}` depends on `{dependency}`, which is not a process of this project")?;
                match suggestion {
                    Some(s) => write!(f, "; did you mean `{s}`?"),
                    None => Ok(()),
                }
            }
            Error::DependencyCycle { cycle } => {
                write!(f, "dependency cycle: {}; remove one of these depends_on entries", cycle.join(" -> "))
            }
            Error::EmptyCommand { process } => {
                write!(f, "process `{process}` has an empty command; give it a program to run")
            }
            Error::InvalidProcessName { name, reason } => write!(f, "invalid process name {name:?}: {reason}"),
            Error::UnreachableCondition { process, dependency, condition, missing } => write!(
                f,
                "process `{process}` waits for `{dependency}` to be {condition}, but `{dependency}` has no {missing}; \
                 add one to `{dependency}` or use another condition"
            ),
            Error::ProgramNotFound { process, program, searched } => write!(
                f,
                "process `{process}`: program `{program}` not found (searched {searched}); install it or use an \
                 absolute path"
            ),
            Error::InvalidSetting { process, key, message } => write!(f, "process `{process}`: {key} {message}"),
            Error::Package(e) => e.fmt(f),
            Error::Service { origin, source } => write!(f, "service `{origin}`: {source}"),
            Error::Other(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Package(e) => Some(e),
            Error::Service { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

impl From<PackageError> for Error {
    fn from(e: PackageError) -> Self {
        Error::Package(e)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Other(e.to_string())
    }
}

/// Several errors found together (validation reports everything it finds, not only the first problem).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Errors(pub Vec<Error>);

impl Errors {
    /// The individual errors.
    pub fn iter(&self) -> std::slice::Iter<'_, Error> {
        self.0.iter()
    }

    /// How many errors there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        ProblemList::new(&self.0).fmt(f)
    }
}

impl std::error::Error for Errors {}

/// Shows a list of problems as one message: a single problem as itself; several (or none) as a header
/// `<count> <noun>:` followed by one indented line per problem, `\n  <marker><problem>`. The noun defaults to
/// `problems` and the marker to `- `.
///
/// Every multi-problem error of `svc` is displayed this way, so that they all read alike.
///
/// ```
/// use svc_core::ProblemList;
///
/// let problems = ["port 80 is taken", "`redis` is not installed"];
/// assert_eq!(
///     ProblemList::new(&problems).to_string(),
///     "2 problems:\n  - port 80 is taken\n  - `redis` is not installed"
/// );
/// assert_eq!(ProblemList::new(&problems[..1]).to_string(), "port 80 is taken");
/// assert_eq!(
///     ProblemList::new(&problems).noun("configuration problems").marker("").to_string(),
///     "2 configuration problems:\n  port 80 is taken\n  `redis` is not installed"
/// );
///
/// // In a `Display` impl:
/// struct Failed(Vec<String>);
///
/// impl std::fmt::Display for Failed {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         ProblemList::new(&self.0).fmt(f)
///     }
/// }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ProblemList<'a, T> {
    problems: &'a [T],
    noun: &'a str,
    marker: &'a str,
}

impl<'a, T: fmt::Display> ProblemList<'a, T> {
    /// The list of `problems`, with the noun `problems` and the marker `- `.
    pub fn new(problems: &'a [T]) -> Self {
        ProblemList { problems, noun: "problems", marker: "- " }
    }

    /// The noun of the header (`configuration problems` gives `3 configuration problems:`).
    #[must_use]
    pub fn noun(self, noun: &'a str) -> Self {
        ProblemList { noun, ..self }
    }

    /// What starts each problem's line after the indentation (`""` for none).
    #[must_use]
    pub fn marker(self, marker: &'a str) -> Self {
        ProblemList { marker, ..self }
    }
}

impl<T: fmt::Display> fmt::Display for ProblemList<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems {
            [one] => one.fmt(f),
            many => {
                write!(f, "{} {}:", many.len(), self.noun)?;
                for problem in many {
                    write!(f, "\n  {}{problem}", self.marker)?;
                }
                Ok(())
            }
        }
    }
}

impl From<Error> for Errors {
    fn from(e: Error) -> Self {
        Errors(vec![e])
    }
}

impl IntoIterator for Errors {
    type Item = Error;
    type IntoIter = std::vec::IntoIter<Error>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_lists() {
        let none: [&str; 0] = [];
        assert_eq!(ProblemList::new(&none).to_string(), "0 problems:");
        let errors = Errors(vec![Error::msg("a"), Error::msg("b")]);
        assert_eq!(errors.to_string(), "2 problems:\n  - a\n  - b");
        assert_eq!(Errors(vec![Error::msg("a")]).to_string(), "a");
    }
}
