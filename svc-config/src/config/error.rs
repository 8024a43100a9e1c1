//! [`ConfigError`]: why configuration could not be applied, with every problem at its position.

use std::fmt;

use svc_core::{Errors, ProblemList};

use super::tree::{Diagnostic, Loc};

/// Configuration that cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// Problems in the configuration layers, each at its position.
    Invalid(Vec<Diagnostic>),
    /// The configured project does not validate.
    Project(Errors),
}

impl ConfigError {
    pub(super) fn one(loc: Loc, path: &str, message: impl Into<String>) -> Self {
        ConfigError::Invalid(vec![Diagnostic { loc, path: path.to_owned(), message: message.into() }])
    }

    /// The individual messages.
    pub fn messages(&self) -> Vec<String> {
        match self {
            ConfigError::Invalid(d) => d.iter().map(ToString::to_string).collect(),
            ConfigError::Project(e) => e.iter().map(ToString::to_string).collect(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Project(e) => e.fmt(f),
            ConfigError::Invalid(d) => ProblemList::new(d).noun("configuration problems").marker("").fmt(f),
        }
    }
}

impl std::error::Error for ConfigError {}
