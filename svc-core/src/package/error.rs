//! [`PackageError`]: why a package cannot be resolved, and its message, which always ends with how to fix it.

use std::fmt;
use std::path::PathBuf;

use super::store_path::StorePath;

/// The fix every unresolvable package error ends with.
const FIX: &str = "set the `package` option to an absolute path or a Nix store path";

/// A package that cannot be resolved: which package, which program, what is wrong. Its message ends with how to
/// fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageError {
    pub(super) package: String,
    pub(super) program: String,
    pub(super) problem: PackageProblem,
}

/// What is wrong with a [`Package`](crate::Package).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PackageProblem {
    /// The package is not spelled as a name, an absolute path or a store path, or a program name is unusable.
    Invalid {
        /// Why.
        reason: String,
    },
    /// The package is in the store directory but is not a valid store path.
    InvalidStorePath {
        /// Why.
        reason: String,
    },
    /// The program was not found in any of these directories (`PATH`, and for [`Package::bin`](crate::Package::bin) the main
    /// program's directory first).
    NotOnPath {
        /// The directories searched, in order.
        searched: Vec<PathBuf>,
    },
    /// The program's path does not exist.
    Missing {
        /// The path looked at.
        path: PathBuf,
        /// For a store path: the store path itself, when it is not in the store (not built or fetched).
        missing_store_path: Option<PathBuf>,
    },
    /// The path exists but is not an executable file.
    NotExecutable {
        /// The path.
        path: PathBuf,
    },
}

impl PackageError {
    /// The package as written.
    pub fn package(&self) -> &str {
        &self.package
    }

    /// The program that was looked for (empty when the package itself is invalid and has no main program
    /// override).
    pub fn program(&self) -> &str {
        &self.program
    }

    /// What is wrong.
    pub fn problem(&self) -> &PackageProblem {
        &self.problem
    }
}

impl fmt::Display for PackageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let package = &self.package;
        let program = &self.program;
        match &self.problem {
            PackageProblem::Invalid { reason } => write!(
                f,
                "package `{package}`: {reason}; set the `package` option to a program name on PATH, an absolute \
                 path or a Nix store path"
            ),
            PackageProblem::InvalidStorePath { reason } => write!(
                f,
                "package `{package}` is not a valid Nix store path: {reason}; a store path looks like \
                 `{}/<32 nixbase32 characters>-<name>`; {FIX}",
                StorePath::store_dir().display()
            ),
            PackageProblem::NotOnPath { searched } => {
                write!(f, "package `{package}`: program `{program}` was not found")?;
                if searched.is_empty() {
                    write!(f, " (PATH is empty or not set)")?;
                } else {
                    let dirs: Vec<String> = searched.iter().map(|d| d.display().to_string()).collect();
                    write!(f, " in {}", dirs.join(", "))?;
                }
                if program == package {
                    write!(f, "; install `{package}`, or {FIX}")
                } else {
                    write!(f, "; install `{package}` so that `{program}` is on PATH, or {FIX}")
                }
            }
            PackageProblem::Missing { path, missing_store_path: Some(root) } => {
                write!(f, "package `{package}`: ")?;
                if path != root {
                    write!(f, "`{}` does not exist because ", path.display())?;
                }
                write!(
                    f,
                    "the store path `{}` is not in the store; build or fetch it (e.g. `nix-store --realise {}`), or \
                     {FIX}",
                    root.display(),
                    root.display()
                )
            }
            PackageProblem::Missing { path, missing_store_path: None } => write!(
                f,
                "package `{package}`: program `{program}` not found: `{}` does not exist; install the package \
                 there, or {FIX} that contains `bin/{program}`",
                path.display()
            ),
            PackageProblem::NotExecutable { path } => write!(
                f,
                "package `{package}`: `{}` is not an executable file; make it executable, or {FIX}",
                path.display()
            ),
        }
    }
}

impl std::error::Error for PackageError {}
