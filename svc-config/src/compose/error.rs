//! [`ImportError`]: every error found while importing process-compose files, plus the warnings.

use std::fmt;

use svc_core::ProblemList;

use crate::config::tree::{Diagnostic, Loc};

/// Import failed: every error found, plus the warnings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    /// The errors (at least one).
    pub errors: Vec<Diagnostic>,
    /// Warnings found on the way.
    pub warnings: Vec<Diagnostic>,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        ProblemList::new(&self.errors).marker("").fmt(f)
    }
}

impl std::error::Error for ImportError {}

impl ImportError {
    /// One error at `loc`, for the whole file (no key path), and no warnings.
    pub(super) fn single(loc: Loc, message: impl Into<String>) -> Self {
        ImportError { errors: vec![Diagnostic { loc, path: String::new(), message: message.into() }], warnings: vec![] }
    }
}
