//! Problems at a position: a [`Diagnostic`] about a value (with its key path), a [`ParseError`] for a file that
//! could not be parsed.

use std::fmt;

use super::node::Loc;

/// A problem at a position: `file:line:column: path: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where.
    pub loc: Loc,
    /// The key path, e.g. `services.postgres.pg1.port` (empty for the whole file).
    pub path: String,
    /// What is wrong, and how to fix it when that is not obvious.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}: {}", self.loc, self.message)
        } else {
            write!(f, "{}: {}: {}", self.loc, self.path, self.message)
        }
    }
}

/// A file that could not be parsed, with the position of the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Where.
    pub loc: Loc,
    /// What.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.loc, self.message)
    }
}

impl std::error::Error for ParseError {}
