//! `Package`: where a service's executable comes from (nixpkgs' `mkPackageOption` + `lib.getExe`).
//!
//! A package is written as one string, the way a user would type it in a config file:
//!
//! - a program name (`"hello"`), looked up on `PATH`;
//! - an absolute path, either to an executable file (`"/usr/bin/hello"`) or to a package prefix, a directory with
//!   a `bin/` subdirectory (`"/opt/redis-7.2.4"`);
//! - a Nix store path (`"/nix/store/<32 nixbase32 chars>-hello-2.12.1"`), or a path inside one
//!   (`".../bin/hello"`). The store directory is `$NIX_STORE_DIR` when set, `/nix/store` otherwise, as in Nix.
//!
//! [`Package::exe`] is `lib.getExe`: `<prefix>/bin/<main program>`, where the main program is the name Nix's
//! `builtins.parseDrvName` gives the package (`hello-2.12.1` -> `hello`) unless overridden with
//! [`Package::main_program`] (nixpkgs' `meta.mainProgram`). [`Package::bin`] is `lib.getExe'`: another program of
//! the same package.
//!
//! Nothing here panics on bad input: [`Package::new`] accepts any string (it is used in option defaults), and
//! [`Package::validate`] / [`Package::exe`] report what is wrong, where it was looked for, and how to fix it.

use std::borrow::Cow;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Component, Path, PathBuf};

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The store directory Nix uses when `NIX_STORE_DIR` is not set.
pub const DEFAULT_STORE_DIR: &str = "/nix/store";

/// The fix every unresolvable package error ends with.
const FIX: &str = "set the `package` option to an absolute path or a Nix store path";

/// An executable package: a name looked up on `PATH`, an absolute path, or a Nix store path.
///
/// ```
/// use svc_core::{Package, PackageKind};
///
/// let redis = Package::new("/nix/store/0c7ly9p0h4p5f4nqydl7bs2c3jx26b5m-redis-7.2.4");
/// assert_eq!(redis.kind(), PackageKind::StorePath);
/// assert_eq!(redis.main_program_name(), "redis");
///
/// let server = Package::new("redis").main_program("redis-server");
/// assert_eq!(server.main_program_name(), "redis-server");
/// // `server.exe()` looks up `redis-server` on PATH; `server.bin("redis-cli")` looks next to it first.
/// ```
///
/// In configuration files a package is a plain string, or `{ "package": "...", "main_program": "..." }` when the
/// main program is overridden. A service that needs a specific program of its package should ask for it with
/// [`Package::bin`] rather than rely on a `main_program` override, because a user who replaces the package with
/// a plain string replaces the override too.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Package {
    spec: String,
    main_program: Option<String>,
}

/// How a [`Package`] is written, decided from its spelling alone (no file system access).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PackageKind {
    /// A program name without `/`, looked up on `PATH`.
    Name,
    /// A path outside the Nix store: an executable file or a directory with `bin/`. Must be absolute.
    Path,
    /// A path in the Nix store directory: a store path or a path inside one.
    StorePath,
}

impl Package {
    /// A package from a name (`"hello"`), an absolute path or a Nix store path. Never fails: an invalid spec is
    /// reported by [`Package::validate`] and [`Package::exe`].
    pub fn new(spec: impl Into<String>) -> Self {
        Package { spec: spec.into(), main_program: None }
    }

    /// Overrides the main program (nixpkgs' `meta.mainProgram`): [`Package::exe`] becomes
    /// `<prefix>/bin/<program>`; for a package given by name, `<program>` on `PATH`; for an executable file, the
    /// file named `<program>` next to it.
    #[must_use]
    pub fn main_program(mut self, program: impl Into<String>) -> Self {
        self.main_program = Some(program.into());
        self
    }

    /// The package as written.
    pub fn spec(&self) -> &str {
        &self.spec
    }

    /// The main program override, if one was set.
    pub fn main_program_override(&self) -> Option<&str> {
        self.main_program.as_deref()
    }

    /// How the package is written: a name, a path, or a store path (see [`PackageKind`]).
    pub fn kind(&self) -> PackageKind {
        Env::from_process().kind(&self.spec)
    }

    /// The name of the main program: the override if set; otherwise, for a name, the name itself; for an
    /// executable file, its file name; for a store path or a package prefix, the name `parseDrvName` gives it
    /// (`/nix/store/<hash>-hello-2.12.1` -> `hello`). Telling a file from a prefix directory looks at the file
    /// system.
    pub fn main_program_name(&self) -> String {
        self.main_program_name_in(&Env::from_process())
    }

    /// The store path of a package in the store directory: `None` for a name or a path elsewhere, `Some(Err)` for
    /// a path in the store directory that is not a valid store path.
    pub fn store_path(&self) -> Option<Result<StorePath, PackageError>> {
        let env = Env::from_process();
        match env.kind(&self.spec) {
            PackageKind::StorePath => {
                Some(StorePath::parse_in(&env.store_dir, &self.spec).map_err(|e| self.store_path_error(e)))
            }
            _ => None,
        }
    }

    /// Checks the spelling of the package without touching the file system: not empty, not a relative path, a
    /// valid store path, a usable main program name.
    pub fn validate(&self) -> Result<(), PackageError> {
        self.validate_in(&Env::from_process())
    }

    /// The main executable (`lib.getExe`): for a name, the first executable of that name on `PATH`; for an
    /// executable file, the file; for a store path or a package prefix, `<prefix>/bin/<main program>`.
    pub fn exe(&self) -> Result<PathBuf, PackageError> {
        self.exe_in(&Env::from_process())
    }

    /// Another program of the same package (`lib.getExe'`): `<prefix>/bin/<program>`, or for an executable file
    /// the file next to it. For a package given by name, the directory its main program was found in is searched
    /// first (also the directory the main program links to, so that a symlinked store path is used whole), then
    /// `PATH`.
    pub fn bin(&self, program: &str) -> Result<PathBuf, PackageError> {
        self.bin_in(&Env::from_process(), program)
    }

    /// Whether the main executable can be found (see [`Package::exe`]).
    pub fn is_available(&self) -> bool {
        self.exe().is_ok()
    }

    fn main_program_name_in(&self, env: &Env) -> String {
        if let Some(main) = &self.main_program {
            return main.clone();
        }
        match env.kind(&self.spec) {
            PackageKind::Name => self.spec.clone(),
            PackageKind::StorePath => match StorePath::parse_in(&env.store_dir, &self.spec) {
                Ok(store) if store.sub_path().as_os_str().is_empty() => parse_drv_name(store.name()).0.to_owned(),
                Ok(store) if is_file(&store.path()) => file_name(&store.path()),
                Ok(store) => parse_drv_name(&file_name(&store.path())).0.to_owned(),
                // Invalid: the best guess, for messages; `exe()` reports the real problem.
                Err(_) => parse_drv_name(&file_name(Path::new(&self.spec))).0.to_owned(),
            },
            PackageKind::Path if is_file(Path::new(&self.spec)) => file_name(Path::new(&self.spec)),
            PackageKind::Path => parse_drv_name(&file_name(Path::new(&self.spec))).0.to_owned(),
        }
    }

    fn validate_in(&self, env: &Env) -> Result<(), PackageError> {
        if self.spec.trim().is_empty() {
            return Err(self.invalid("the package is empty"));
        }
        if self.spec.contains('\0') {
            return Err(self.invalid("the package contains a NUL byte"));
        }
        if let Some(main) = &self.main_program {
            check_program_name(main).map_err(|reason| self.invalid(format!("main program {main:?}: {reason}")))?;
        }
        match env.kind(&self.spec) {
            PackageKind::Name => check_program_name(&self.spec).map_err(|reason| self.invalid(reason)),
            PackageKind::Path if Path::new(&self.spec).is_relative() => Err(self.invalid(format!(
                "`{}` is a relative path, which would depend on the directory `up` runs in",
                self.spec
            ))),
            PackageKind::Path => Ok(()),
            PackageKind::StorePath => {
                StorePath::parse_in(&env.store_dir, &self.spec).map(drop).map_err(|e| self.store_path_error(e))
            }
        }
    }

    fn exe_in(&self, env: &Env) -> Result<PathBuf, PackageError> {
        self.validate_in(env)?;
        let main = self.main_program_name_in(env);
        match env.kind(&self.spec) {
            PackageKind::Name => {
                search_path(&main, env.path.as_deref()).map_err(|searched| self.not_on_path(&main, searched))
            }
            PackageKind::Path | PackageKind::StorePath => {
                let path = Path::new(&self.spec);
                // An executable file is its own main program unless another one is asked for by name. A path
                // that does not exist is reported as itself, not as a guessed `bin/` inside it.
                if !path.exists() || (is_file(path) && self.main_program.is_none()) {
                    return self.check_executable(path, &main, env);
                }
                let candidate = self.bin_dir(path).join(&main);
                self.check_executable(&candidate, &main, env)
            }
        }
    }

    fn bin_in(&self, env: &Env, program: &str) -> Result<PathBuf, PackageError> {
        self.validate_in(env)?;
        check_program_name(program)
            .map_err(|reason| self.invalid(format!("program {program:?} asked for by the service: {reason}")))?;
        match env.kind(&self.spec) {
            PackageKind::Name => {
                let mut first = Vec::new();
                if let Ok(main) = self.exe_in(env) {
                    if let Some(dir) = main.parent() {
                        first.push(dir.to_path_buf());
                    }
                    if let Some(dir) = std::fs::canonicalize(&main).ok().as_deref().and_then(Path::parent) {
                        first.push(dir.to_path_buf());
                    }
                }
                for dir in dedup(first.clone()) {
                    let candidate = dir.join(program);
                    if is_executable(&candidate) {
                        return Ok(candidate);
                    }
                }
                search_path(program, env.path.as_deref()).map_err(|searched| {
                    let mut all = first;
                    all.extend(searched);
                    self.not_on_path(program, dedup(all))
                })
            }
            PackageKind::Path | PackageKind::StorePath => {
                let path = Path::new(&self.spec);
                if !path.exists() {
                    return self.check_executable(path, program, env);
                }
                self.check_executable(&self.bin_dir(path).join(program), program, env)
            }
        }
    }

    /// Where the programs of a path package are: next to an executable file, or in `<prefix>/bin`.
    fn bin_dir(&self, path: &Path) -> PathBuf {
        if is_file(path) { path.parent().unwrap_or(Path::new("/")).to_path_buf() } else { path.join("bin") }
    }

    fn check_executable(&self, path: &Path, program: &str, env: &Env) -> Result<PathBuf, PackageError> {
        if is_executable(path) {
            return Ok(path.to_path_buf());
        }
        let problem = if path.exists() {
            PackageProblem::NotExecutable { path: path.to_path_buf() }
        } else {
            let missing_store_path = match env.kind(&self.spec) {
                PackageKind::StorePath => StorePath::parse_in(&env.store_dir, &self.spec)
                    .ok()
                    .map(|store| store.root())
                    .filter(|root| !root.exists()),
                _ => None,
            };
            PackageProblem::Missing { path: path.to_path_buf(), missing_store_path }
        };
        Err(PackageError { package: self.spec.clone(), program: program.to_owned(), problem })
    }

    fn invalid(&self, reason: impl Into<String>) -> PackageError {
        PackageError {
            package: self.spec.clone(),
            program: self.main_program.clone().unwrap_or_default(),
            problem: PackageProblem::Invalid { reason: reason.into() },
        }
    }

    fn store_path_error(&self, error: StorePathError) -> PackageError {
        PackageError {
            package: self.spec.clone(),
            program: self.main_program.clone().unwrap_or_default(),
            problem: PackageProblem::InvalidStorePath { reason: error.reason },
        }
    }

    fn not_on_path(&self, program: &str, searched: Vec<PathBuf>) -> PackageError {
        PackageError {
            package: self.spec.clone(),
            program: program.to_owned(),
            problem: PackageProblem::NotOnPath { searched },
        }
    }
}

impl fmt::Display for Package {
    /// The package as written, with ` (main program <name>)` when overridden.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.spec)?;
        match &self.main_program {
            Some(main) => write!(f, " (main program {main})"),
            None => Ok(()),
        }
    }
}

impl From<&str> for Package {
    fn from(spec: &str) -> Self {
        Package::new(spec)
    }
}

impl From<String> for Package {
    fn from(spec: String) -> Self {
        Package::new(spec)
    }
}

/// Splits a derivation name into its name and version, exactly like Nix's `builtins.parseDrvName`: the name is
/// everything before the first `-` that is followed by a character that is not an ASCII letter, the version is
/// everything after that dash; without such a dash the version is empty.
///
/// ```
/// use svc_core::parse_drv_name;
///
/// assert_eq!(parse_drv_name("hello-2.12.1"), ("hello", "2.12.1"));
/// assert_eq!(parse_drv_name("python3.11-requests-2.31.0"), ("python3.11-requests", "2.31.0"));
/// assert_eq!(parse_drv_name("foo-bar"), ("foo-bar", ""));
/// ```
pub fn parse_drv_name(drv_name: &str) -> (&str, &str) {
    let bytes = drv_name.as_bytes();
    // Nix uses C's `isalpha` in the "C" locale: ASCII letters only. Byte offsets are char boundaries here because
    // `-` is ASCII and the split is right after it.
    for i in 0..bytes.len() {
        if bytes[i] == b'-' && bytes.get(i + 1).is_some_and(|next| !next.is_ascii_alphabetic()) {
            return (&drv_name[..i], &drv_name[i + 1..]);
        }
    }
    (drv_name, "")
}

/// A valid Nix store path, or a path inside one: `<store dir>/<hash>-<name>[/<sub path>]`.
///
/// The rules are Nix's: the hash part is 32 characters of the nixbase32 alphabet
/// (`0123456789abcdfghijklmnpqrsvwxyz`, no `e`, `o`, `t`, `u`), the name is 1 to 211 characters of
/// `[A-Za-z0-9+-._?=]` and is not `.` or `..` and does not start with `.-` or `..-` (since Nix 2.20 other
/// leading dots are allowed).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StorePath {
    store_dir: PathBuf,
    hash: String,
    name: String,
    sub_path: PathBuf,
}

impl StorePath {
    /// Length of the hash part.
    pub const HASH_LEN: usize = 32;
    /// Maximum length of the name part.
    pub const MAX_NAME_LEN: usize = 211;
    /// The nixbase32 alphabet.
    pub const NIXBASE32: &'static str = "0123456789abcdfghijklmnpqrsvwxyz";

    /// The store directory: `$NIX_STORE_DIR` when set and not empty, [`DEFAULT_STORE_DIR`] otherwise.
    pub fn store_dir() -> PathBuf {
        Env::from_process().store_dir
    }

    /// Parses `path` as a store path in [`StorePath::store_dir`].
    pub fn parse(path: &str) -> Result<StorePath, StorePathError> {
        Self::parse_in(&Self::store_dir(), path)
    }

    /// Parses `path` as a store path in `store_dir`.
    pub fn parse_in(store_dir: &Path, path: &str) -> Result<StorePath, StorePathError> {
        let error = |reason: String| StorePathError { path: path.to_owned(), reason };
        let relative = Path::new(path)
            .strip_prefix(store_dir)
            .map_err(|_| error(format!("it is not in the store directory `{}`", store_dir.display())))?;
        let mut components = relative.components();
        let base = match components.next() {
            Some(Component::Normal(base)) => base,
            _ => return Err(error("it is the store directory itself, not a store path in it".into())),
        };
        let base = base.to_str().ok_or_else(|| error("its store path name is not valid UTF-8".into()))?;
        let (hash, name) = split_base_name(base).map_err(error)?;
        let sub_path: PathBuf = components.as_path().to_path_buf();
        if sub_path.components().any(|c| matches!(c, Component::ParentDir)) {
            return Err(error("it contains `..`, which would leave the store path".into()));
        }
        Ok(StorePath { store_dir: store_dir.to_path_buf(), hash: hash.to_owned(), name: name.to_owned(), sub_path })
    }

    /// The hash part (32 nixbase32 characters).
    pub fn hash_part(&self) -> &str {
        &self.hash
    }

    /// The name part (`hello-2.12.1`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The path inside the store path (`bin/hello`), empty for the store path itself.
    pub fn sub_path(&self) -> &Path {
        &self.sub_path
    }

    /// The store path itself: `<store dir>/<hash>-<name>`.
    pub fn root(&self) -> PathBuf {
        self.store_dir.join(format!("{}-{}", self.hash, self.name))
    }

    /// The full path: the root joined with the sub path.
    pub fn path(&self) -> PathBuf {
        if self.sub_path.as_os_str().is_empty() { self.root() } else { self.root().join(&self.sub_path) }
    }
}

impl fmt::Display for StorePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.path().display().fmt(f)
    }
}

/// Splits `<hash>-<name>` and checks both parts against Nix's rules.
fn split_base_name(base: &str) -> Result<(&str, &str), String> {
    let Some(dash) = base.find('-') else {
        return Err(format!("`{base}` has no `-` between the hash and the name"));
    };
    let (hash, name) = (&base[..dash], &base[dash + 1..]);
    if hash.len() != StorePath::HASH_LEN {
        return Err(format!(
            "its hash part `{hash}` is {} characters long; it must be {} nixbase32 characters",
            hash.chars().count(),
            StorePath::HASH_LEN
        ));
    }
    if let Some(bad) = hash.chars().find(|c| !StorePath::NIXBASE32.contains(*c)) {
        return Err(format!(
            "its hash part `{hash}` contains {bad:?}, which is not a nixbase32 character ({}; no e, o, t, u)",
            StorePath::NIXBASE32
        ));
    }
    check_store_name(name)?;
    Ok((hash, name))
}

/// Nix's `checkName`: the name part of a store path.
fn check_store_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("its name part is empty (a store path is `<hash>-<name>`)".into());
    }
    if name.len() > StorePath::MAX_NAME_LEN {
        return Err(format!(
            "its name part is {} characters long; at most {} are allowed",
            name.len(),
            StorePath::MAX_NAME_LEN
        ));
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || "+-._?=".contains(*c))) {
        return Err(format!("its name `{name}` contains {bad:?}; allowed are letters, digits and `+-._?=`"));
    }
    // `.` and `..` would be directory references; `.-` and `..-` are reserved by Nix for the same reason.
    if name == "." || name == ".." || name.starts_with(".-") || name.starts_with("..-") {
        return Err(format!("its name `{name}` is not allowed (`.`, `..`, or starting with `.-` or `..-`)"));
    }
    Ok(())
}

/// A path that is not a valid Nix store path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorePathError {
    path: String,
    reason: String,
}

impl StorePathError {
    /// The path as given.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Why it is not a valid store path.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for StorePathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a valid Nix store path: {}", self.path, self.reason)
    }
}

impl std::error::Error for StorePathError {}

/// A package that cannot be resolved: which package, which program, what is wrong. Its message ends with how to
/// fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageError {
    package: String,
    program: String,
    problem: PackageProblem,
}

/// What is wrong with a [`Package`].
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
    /// The program was not found in any of these directories (`PATH`, and for [`Package::bin`] the main
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

/// The parts of the process environment a lookup depends on, passed explicitly so that tests need not mutate
/// the process's environment.
struct Env {
    path: Option<OsString>,
    store_dir: PathBuf,
}

impl Env {
    fn from_process() -> Self {
        let store_dir = std::env::var_os("NIX_STORE_DIR")
            .filter(|dir| !dir.is_empty())
            .map_or_else(|| PathBuf::from(DEFAULT_STORE_DIR), PathBuf::from);
        Env { path: std::env::var_os("PATH"), store_dir }
    }

    fn kind(&self, spec: &str) -> PackageKind {
        let path = Path::new(spec);
        if path.is_absolute() && path.starts_with(&self.store_dir) {
            PackageKind::StorePath
        } else if spec.contains('/') {
            PackageKind::Path
        } else {
            PackageKind::Name
        }
    }
}

/// Finds `program` in the directories of `path_var`, as `execvp` would (empty entries, meaning the current
/// directory, are skipped: a service must not pick up whatever lies in the directory `up` runs in). On failure
/// returns the directories searched.
fn search_path(program: &str, path_var: Option<&OsStr>) -> Result<PathBuf, Vec<PathBuf>> {
    let dirs: Vec<PathBuf> = path_var
        .map(|p| std::env::split_paths(p).filter(|dir| !dir.as_os_str().is_empty()).collect())
        .unwrap_or_default();
    let dirs = dedup(dirs);
    for dir in &dirs {
        let candidate = dir.join(program);
        if is_executable(&candidate) {
            return Ok(candidate);
        }
    }
    Err(dirs)
}

/// Removes repeated directories, keeping the first occurrence (PATH often lists a directory twice).
fn dedup(dirs: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::with_capacity(dirs.len());
    for dir in dirs {
        if !out.contains(&dir) {
            out.push(dir);
        }
    }
    out
}

/// A program name must name one file in a `bin/` directory.
fn check_program_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        Err("the name is empty".into())
    } else if name.contains('/') || name.contains('\0') {
        Err("a program name must not contain `/` or NUL; give the file name inside `bin/`".into())
    } else if name == "." || name == ".." {
        Err("`.` and `..` are not program names".into())
    } else {
        Ok(())
    }
}

fn is_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

const FIELDS: &[&str] = &["package", "main_program"];

impl Serialize for Package {
    /// A plain string, or `{ "package", "main_program" }` when the main program is overridden.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.main_program {
            None => serializer.serialize_str(&self.spec),
            Some(main) => {
                let mut st = serializer.serialize_struct("Package", 2)?;
                st.serialize_field("package", &self.spec)?;
                st.serialize_field("main_program", main)?;
                st.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Package {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PackageVisitor)
    }
}

struct PackageVisitor;

impl<'de> Visitor<'de> for PackageVisitor {
    type Value = Package;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a package: a program name, an absolute path or a Nix store path, or an object \
             { \"package\": ..., \"main_program\": ... }",
        )
    }

    fn visit_str<E: de::Error>(self, spec: &str) -> Result<Package, E> {
        Ok(Package::new(spec))
    }

    fn visit_string<E: de::Error>(self, spec: String) -> Result<Package, E> {
        Ok(Package::new(spec))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Package, A::Error> {
        let mut spec: Option<String> = None;
        let mut main_program: Option<Option<String>> = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "package" if spec.is_some() => return Err(de::Error::duplicate_field("package")),
                "package" => spec = Some(map.next_value()?),
                "main_program" if main_program.is_some() => return Err(de::Error::duplicate_field("main_program")),
                "main_program" => main_program = Some(map.next_value()?),
                other => return Err(de::Error::unknown_field(other, FIELDS)),
            }
        }
        let spec = spec.ok_or_else(|| de::Error::missing_field("package"))?;
        Ok(Package { spec, main_program: main_program.flatten() })
    }
}

impl JsonSchema for Package {
    fn schema_name() -> Cow<'static, str> {
        "Package".into()
    }

    fn schema_id() -> Cow<'static, str> {
        concat!(module_path!(), "::Package").into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An executable package: a program name looked up on PATH (`hello`), an absolute path \
                to an executable or to a package prefix containing `bin/`, or a Nix store path \
                (`/nix/store/<hash>-hello-2.12.1`). The main program is `bin/<name>`, the name as Nix's \
                parseDrvName gives it, unless `main_program` says otherwise.",
            "anyOf": [
                {
                    "type": "string",
                    "minLength": 1,
                    "description": "The package: a program name, an absolute path or a Nix store path."
                },
                {
                    "type": "object",
                    "properties": {
                        "package": {
                            "type": "string",
                            "minLength": 1,
                            "description": "The package: a program name, an absolute path or a Nix store path."
                        },
                        "main_program": {
                            "type": ["string", "null"],
                            "minLength": 1,
                            "description": "The main program's file name in `bin/` (nixpkgs' meta.mainProgram)."
                        }
                    },
                    "required": ["package"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::os::unix::fs::PermissionsExt;

    const HASH: &str = "0c7ly9p0h4p5f4nqydl7bs2c3jx26b5m";

    fn env(path: &[&Path], store_dir: &Path) -> Env {
        Env { path: Some(std::env::join_paths(path).unwrap()), store_dir: store_dir.to_path_buf() }
    }

    fn write_exe(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn reason(path: &str) -> String {
        StorePath::parse_in(Path::new("/nix/store"), path).unwrap_err().reason
    }

    #[test]
    fn valid_store_paths() {
        let p = StorePath::parse_in(Path::new("/nix/store"), &format!("/nix/store/{HASH}-hello-2.12.1")).unwrap();
        assert_eq!(p.hash_part(), HASH);
        assert_eq!(p.name(), "hello-2.12.1");
        assert_eq!(p.sub_path(), Path::new(""));
        assert_eq!(p.root(), PathBuf::from(format!("/nix/store/{HASH}-hello-2.12.1")));

        let inner =
            StorePath::parse_in(Path::new("/nix/store"), &format!("/nix/store/{HASH}-hello-2.12.1/bin/hello")).unwrap();
        assert_eq!(inner.sub_path(), Path::new("bin/hello"));
        assert_eq!(inner.path(), PathBuf::from(format!("/nix/store/{HASH}-hello-2.12.1/bin/hello")));

        // Every allowed name character, and a trailing slash.
        let odd = StorePath::parse_in(Path::new("/nix/store"), &format!("/nix/store/{HASH}-A+z_9.?=-x/")).unwrap();
        assert_eq!(odd.name(), "A+z_9.?=-x");
        // Nix >= 2.20 allows other leading dots.
        assert!(StorePath::parse_in(Path::new("/nix/store"), &format!("/nix/store/{HASH}-.hidden")).is_ok());
        // The longest allowed name.
        let long = "a".repeat(211);
        assert!(StorePath::parse_in(Path::new("/nix/store"), &format!("/nix/store/{HASH}-{long}")).is_ok());
        // Another store directory.
        let other = StorePath::parse_in(Path::new("/gnu/store"), &format!("/gnu/store/{HASH}-x")).unwrap();
        assert_eq!(other.root(), PathBuf::from(format!("/gnu/store/{HASH}-x")));
    }

    #[test]
    fn invalid_store_paths() {
        let short = &HASH[..31];
        assert!(reason(&format!("/nix/store/{short}-hello")).contains("31 characters long"));
        assert!(reason(&format!("/nix/store/{HASH}a-hello")).contains("33 characters long"));
        for bad in ['e', 'o', 't', 'u', 'E', '_'] {
            let hash: String = std::iter::once(bad).chain(HASH.chars().skip(1)).collect();
            let r = reason(&format!("/nix/store/{hash}-hello"));
            assert!(r.contains(&format!("{bad:?}")) && r.contains("nixbase32"), "{bad}: {r}");
        }
        assert!(reason(&format!("/nix/store/{HASH}-")).contains("name part is empty"));
        assert!(reason(&format!("/nix/store/{HASH}")).contains("no `-`"));
        assert!(reason("/nix/store").contains("store directory itself"));
        assert!(reason("/nix/store/").contains("store directory itself"));
        for dotted in [".", "..", ".-foo", "..-foo"] {
            assert!(reason(&format!("/nix/store/{HASH}-{dotted}")).contains("not allowed"), "{dotted}");
        }
        assert!(reason(&format!("/nix/store/{HASH}-hello world")).contains("' '"));
        assert!(reason(&format!("/nix/store/{HASH}-héllo")).contains("'é'"));
        let long = "a".repeat(212);
        assert!(reason(&format!("/nix/store/{HASH}-{long}")).contains("at most 211"));
        assert!(reason(&format!("/nix/store/{HASH}-hello/../other")).contains(".."));
        assert!(reason("/usr/bin/hello").contains("not in the store directory"));
    }

    #[test]
    fn parse_drv_name_matches_nix() {
        let cases = [
            ("hello-2.12.1", ("hello", "2.12.1")),
            ("hello", ("hello", "")),
            ("python3.11-requests-2.31.0", ("python3.11-requests", "2.31.0")),
            ("foo-bar", ("foo-bar", "")),
            ("xf86-video-i810-1.7.4", ("xf86-video-i810", "1.7.4")),
            ("915resolution-0.5.2", ("915resolution", "0.5.2")),
            ("name-that-ends-with-dash--1.0", ("name-that-ends-with-dash", "-1.0")),
            ("gcc-1-2", ("gcc", "1-2")),
            ("xvidtune-?1-2", ("xvidtune", "?1-2")),
            ("nix-0.12pre12876", ("nix", "0.12pre12876")),
            ("foo-", ("foo-", "")),
            ("-1.0", ("", "1.0")),
            ("a-_b", ("a", "_b")),
            ("", ("", "")),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_drv_name(input), expected, "{input}");
        }
    }

    #[test]
    fn kinds() {
        let e = env(&[], Path::new("/nix/store"));
        assert_eq!(e.kind("hello"), PackageKind::Name);
        assert_eq!(e.kind("/usr/bin/hello"), PackageKind::Path);
        assert_eq!(e.kind("./hello"), PackageKind::Path);
        assert_eq!(e.kind(&format!("/nix/store/{HASH}-hello")), PackageKind::StorePath);
        assert_eq!(e.kind("/nix/storefoo/x"), PackageKind::Path);
        let custom = env(&[], Path::new("/custom/store"));
        assert_eq!(custom.kind(&format!("/nix/store/{HASH}-hello")), PackageKind::Path);
        assert_eq!(custom.kind(&format!("/custom/store/{HASH}-hello")), PackageKind::StorePath);
    }

    #[test]
    fn path_lookup_finds_first_match() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        write_exe(&b.join("hello"));
        std::fs::create_dir_all(&a).unwrap();
        // Not executable: skipped, as execvp would.
        std::fs::write(a.join("hello"), "").unwrap();
        let e = env(&[&a, &b], Path::new("/nix/store"));
        assert_eq!(Package::new("hello").exe_in(&e).unwrap(), b.join("hello"));
        assert_eq!(Package::new("hello").main_program_name_in(&e), "hello");
    }

    #[test]
    fn missing_program_names_the_searched_dirs() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        let e = env(&[&a, &b, &a], Path::new("/nix/store"));
        let err = Package::new("hello").exe_in(&e).unwrap_err();
        assert_eq!(err.problem(), &PackageProblem::NotOnPath { searched: vec![a.clone(), b.clone()] });
        let text = err.to_string();
        assert!(text.contains("program `hello` was not found"), "{text}");
        assert!(text.contains(&format!("{}, {}", a.display(), b.display())), "{text}");
        assert!(
            text.ends_with("; install `hello`, or set the `package` option to an absolute path or a Nix store path"),
            "{text}"
        );

        let empty = Env { path: None, store_dir: PathBuf::from("/nix/store") };
        let text = Package::new("hello").exe_in(&empty).unwrap_err().to_string();
        assert!(text.contains("PATH is empty or not set"), "{text}");
    }

    #[test]
    fn main_program_override_on_path() {
        let tmp = tempfile::tempdir().unwrap();
        let bin = tmp.path().join("bin");
        write_exe(&bin.join("redis-server"));
        let e = env(&[&bin], Path::new("/nix/store"));
        let redis = Package::new("redis").main_program("redis-server");
        assert_eq!(redis.exe_in(&e).unwrap(), bin.join("redis-server"));
        let err = redis.main_program("redis-sentinel").exe_in(&e).unwrap_err();
        assert_eq!(err.program(), "redis-sentinel");
        assert!(err.to_string().contains("install `redis` so that `redis-sentinel` is on PATH"), "{err}");
    }

    #[test]
    fn bin_looks_next_to_the_main_program_first() {
        let tmp = tempfile::tempdir().unwrap();
        let (first, pkg) = (tmp.path().join("first"), tmp.path().join("pkg"));
        write_exe(&pkg.join("redis-server"));
        write_exe(&pkg.join("redis-cli"));
        write_exe(&first.join("redis-cli"));
        let e = env(&[&first, &pkg], Path::new("/nix/store"));
        let redis = Package::new("redis").main_program("redis-server");
        assert_eq!(redis.bin_in(&e, "redis-cli").unwrap(), pkg.join("redis-cli"));

        // Through a symlink, the directory it points into is searched too.
        let links = tmp.path().join("links");
        std::fs::create_dir_all(&links).unwrap();
        std::os::unix::fs::symlink(pkg.join("redis-server"), links.join("redis-server")).unwrap();
        write_exe(&pkg.join("redis-benchmark"));
        let e = env(&[&links], Path::new("/nix/store"));
        assert_eq!(redis.bin_in(&e, "redis-benchmark").unwrap(), pkg.join("redis-benchmark"));

        // Not found anywhere: the main program's directories come first in the message.
        let err = redis.bin_in(&e, "redis-sentinel").unwrap_err();
        match err.problem() {
            PackageProblem::NotOnPath { searched } => assert_eq!(searched, &vec![links.clone(), pkg.clone()]),
            other => panic!("{other:?}"),
        }
        assert_eq!(err.program(), "redis-sentinel");

        // Without the main program the other binary is still found on PATH.
        let e = env(&[&pkg], Path::new("/nix/store"));
        assert_eq!(Package::new("redis").bin_in(&e, "redis-cli").unwrap(), pkg.join("redis-cli"));
    }

    #[test]
    fn prefix_directories_and_files() {
        let tmp = tempfile::tempdir().unwrap();
        let prefix = tmp.path().join("hello-2.12.1");
        write_exe(&prefix.join("bin/hello"));
        write_exe(&prefix.join("bin/hello-extra"));
        let e = env(&[], Path::new("/nix/store"));
        let spec = prefix.to_str().unwrap();
        assert_eq!(Package::new(spec).exe_in(&e).unwrap(), prefix.join("bin/hello"));
        assert_eq!(Package::new(spec).bin_in(&e, "hello-extra").unwrap(), prefix.join("bin/hello-extra"));
        assert_eq!(Package::new(spec).main_program("hello-extra").exe_in(&e).unwrap(), prefix.join("bin/hello-extra"));

        let file = prefix.join("bin/hello");
        let file_spec = file.to_str().unwrap();
        assert_eq!(Package::new(file_spec).exe_in(&e).unwrap(), file);
        assert_eq!(Package::new(file_spec).main_program_name_in(&e), "hello");
        assert_eq!(Package::new(file_spec).bin_in(&e, "hello-extra").unwrap(), prefix.join("bin/hello-extra"));

        let err = Package::new(spec).bin_in(&e, "nope").unwrap_err();
        assert!(matches!(err.problem(), PackageProblem::Missing { missing_store_path: None, .. }), "{err:?}");
        assert!(err.to_string().contains(&prefix.join("bin/nope").display().to_string()), "{err}");

        std::fs::write(prefix.join("bin/plain"), "").unwrap();
        let err = Package::new(spec).bin_in(&e, "plain").unwrap_err();
        assert!(matches!(err.problem(), PackageProblem::NotExecutable { .. }), "{err:?}");

        // A path that does not exist is reported as itself.
        let gone = tmp.path().join("gone/bin/hello");
        let err = Package::new(gone.to_str().unwrap()).exe_in(&e).unwrap_err();
        assert_eq!(err.problem(), &PackageProblem::Missing { path: gone.clone(), missing_store_path: None });
        let err = Package::new(gone.to_str().unwrap()).bin_in(&e, "other").unwrap_err();
        assert_eq!(err.problem(), &PackageProblem::Missing { path: gone.clone(), missing_store_path: None });

        let err = Package::new(spec).bin_in(&e, "../escape").unwrap_err();
        assert!(matches!(err.problem(), PackageProblem::Invalid { .. }), "{err:?}");
    }

    #[test]
    fn store_paths_resolve_to_bin() {
        let store = tempfile::tempdir().unwrap();
        let root = store.path().join(format!("{HASH}-hello-2.12.1"));
        write_exe(&root.join("bin/hello"));
        write_exe(&root.join("bin/hi"));
        let e = env(&[], store.path());
        let spec = root.to_str().unwrap();
        assert_eq!(Package::new(spec).main_program_name_in(&e), "hello");
        assert_eq!(Package::new(spec).exe_in(&e).unwrap(), root.join("bin/hello"));
        assert_eq!(Package::new(spec).bin_in(&e, "hi").unwrap(), root.join("bin/hi"));
        let inner = root.join("bin/hello");
        assert_eq!(Package::new(inner.to_str().unwrap()).exe_in(&e).unwrap(), inner);

        // A valid store path that is not in the store says so and how to get it.
        let absent = store.path().join(format!("{HASH}-redis-7.2.4"));
        let err = Package::new(absent.to_str().unwrap()).exe_in(&e).unwrap_err();
        assert_eq!(err.program(), "redis");
        assert_eq!(
            err.problem(),
            &PackageProblem::Missing { path: absent.clone(), missing_store_path: Some(absent.clone()) }
        );
        let text = err.to_string();
        assert!(text.contains(&format!("the store path `{}` is not in the store", absent.display())), "{text}");
        assert!(text.contains("nix-store --realise"), "{text}");
        let inner = absent.join("bin/redis-cli");
        let err = Package::new(inner.to_str().unwrap()).exe_in(&e).unwrap_err();
        assert_eq!(err.problem(), &PackageProblem::Missing { path: inner.clone(), missing_store_path: Some(absent) });
        assert!(err.to_string().contains("does not exist because the store path"), "{err}");

        // An invalid one is an error, not a panic, and not a file system lookup.
        let bad = store.path().join("eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-hello");
        let err = Package::new(bad.to_str().unwrap()).exe_in(&e).unwrap_err();
        assert!(matches!(err.problem(), PackageProblem::InvalidStorePath { .. }), "{err:?}");
        assert!(err.to_string().contains("'e'"), "{err}");
    }

    #[test]
    fn invalid_specs() {
        let e = env(&[], Path::new("/nix/store"));
        for spec in ["", "  ", "./bin/hello", "bin/hello", ".", ".."] {
            let err = Package::new(spec).validate_in(&e).unwrap_err();
            assert!(matches!(err.problem(), PackageProblem::Invalid { .. }), "{spec}: {err:?}");
        }
        assert!(Package::new("hello").main_program("").validate_in(&e).is_err());
        assert!(Package::new("hello").main_program("bin/x").validate_in(&e).is_err());
        assert!(Package::new("hello").validate_in(&e).is_ok());
    }

    #[test]
    fn serde_forms() {
        let plain = Package::new("hello");
        assert_eq!(serde_json::to_value(&plain).unwrap(), serde_json::json!("hello"));
        let full = Package::new("redis").main_program("redis-server");
        let json = serde_json::json!({ "package": "redis", "main_program": "redis-server" });
        assert_eq!(serde_json::to_value(&full).unwrap(), json);
        assert_eq!(serde_json::from_value::<Package>(json).unwrap(), full);
        assert_eq!(serde_json::from_value::<Package>(serde_json::json!("hello")).unwrap(), plain);
        assert_eq!(serde_json::from_value::<Package>(serde_json::json!({ "package": "hello" })).unwrap(), plain);
        let err = serde_json::from_value::<Package>(serde_json::json!({ "package": "x", "bin": "y" })).unwrap_err();
        assert!(err.to_string().contains("unknown field `bin`"), "{err}");
        let err = serde_json::from_value::<Package>(serde_json::json!({ "main_program": "y" })).unwrap_err();
        assert!(err.to_string().contains("missing field `package`"), "{err}");
        let err = serde_json::from_value::<Package>(serde_json::json!(3)).unwrap_err();
        assert!(err.to_string().contains("a program name"), "{err}");
        // From a borrowed &str too (visit_str / borrowed keys).
        let parsed: Package = serde_json::from_str(r#"{"package":"redis","main_program":"redis-server"}"#).unwrap();
        assert_eq!(parsed, full);
    }

    #[test]
    fn schema_accepts_both_forms() {
        let schema = serde_json::to_value(schemars::schema_for!(Package)).unwrap();
        let any_of = schema["anyOf"].as_array().unwrap();
        assert_eq!(any_of[0]["type"], "string");
        assert_eq!(any_of[1]["required"], serde_json::json!(["package"]));
        assert_eq!(any_of[1]["additionalProperties"], false);
        assert!(schema["description"].as_str().unwrap().contains("parseDrvName"));
    }
}
