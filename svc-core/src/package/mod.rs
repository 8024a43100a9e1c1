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
//!
//! The package type and its lookups are here; [`store_path`] parses Nix store paths, [`error`] holds
//! [`PackageError`] and its messages, [`serde`] the configuration-file and JSON Schema forms.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

mod error;
mod serde;
mod store_path;

pub use error::{PackageError, PackageProblem};
pub use store_path::{DEFAULT_STORE_DIR, StorePath, StorePathError, parse_drv_name};

use crate::find_program;
use crate::lookup::is_executable;

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
                find_program(&main, env.path.as_deref(), None).map_err(|e| self.not_on_path(&main, e.into_dirs()))
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
                find_program(program, env.path.as_deref(), None).map_err(|not_found| {
                    let mut all = first;
                    all.extend(not_found.into_dirs());
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
            problem: PackageProblem::InvalidStorePath { reason: error.reason().to_owned() },
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

/// The parts of the process environment a lookup depends on, passed explicitly so that tests need not mutate
/// the process's environment.
struct Env {
    path: Option<OsString>,
    store_dir: PathBuf,
}

impl Env {
    fn from_process() -> Self {
        Env { path: std::env::var_os("PATH"), store_dir: StorePath::store_dir() }
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

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
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
}
