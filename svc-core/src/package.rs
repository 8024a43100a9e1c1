//! `Package`: where a service's executable comes from (nixpkgs' `mkPackageOption` + `lib.getExe`).
//!
//! FIRST CUT: PATH lookup and absolute paths. Store-path validation, `parseDrvName` and `bin()` are being completed.

use std::fmt;
use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An executable package: a name looked up on `PATH`, an absolute path, or a Nix store path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Package {
    spec: String,
}

impl Package {
    /// A package from a name (`"hello"`), an absolute path or a Nix store path.
    pub fn new(spec: impl Into<String>) -> Self {
        Package { spec: spec.into() }
    }

    /// The package as written.
    pub fn spec(&self) -> &str {
        &self.spec
    }

    /// The main executable.
    pub fn exe(&self) -> Result<PathBuf, PackageError> {
        crate::validate::find_program(&self.spec, None).map_err(|searched| PackageError {
            package: self.spec.clone(),
            message: format!("`{}` was not found (searched {searched})", self.spec),
        })
    }
}

/// A package that cannot be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageError {
    package: String,
    message: String,
}

impl fmt::Display for PackageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "package `{}`: {}; install it, or set the `package` option", self.package, self.message)
    }
}

impl std::error::Error for PackageError {}
