//! Program lookup: the one rule for finding the executable a process runs, shared by [`Package`](crate::Package)
//! lookups, project validation and the supervisor's spawn, so that what validates is what starts.
//!
//! [`find_program`] resolves a program the way `execvp` would, with the differences documented there;
//! [`effective_path`] says which `PATH` a process's program is searched on.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::Environment;

/// Finds the executable `program` names, on `path_var` (a `PATH` value) for a bare name.
///
/// - A program containing `/` is a path: a relative one is resolved against `working_dir` when one is given.
///   It is not searched for; it must be an executable file.
/// - Otherwise each directory of `path_var` is tried in order, and the first `<dir>/<program>` that is an
///   executable file wins. Empty entries (which mean the current directory to `execvp`) are skipped: a service
///   must not pick up whatever lies in the directory `up` runs in. A relative entry is resolved against
///   `working_dir` when one is given (the child runs there), otherwise left relative. A repeated directory is
///   searched once. `None` (no `PATH` at all) searches nothing.
///
/// An executable file is a regular file (after following symlinks) with at least one execute bit set; like
/// `execvp`, a candidate that exists but is not executable is skipped and the search goes on.
///
/// The returned path is relative when `working_dir` is (or is `None` and the program or the `PATH` entry is
/// relative): relative to the current directory, not to `working_dir`. A caller that changes into `working_dir`
/// before `execve` should pass an absolute `working_dir`.
///
/// On success nothing is allocated beyond the returned path, so this is cheap enough to call on every spawn. On
/// failure, [`NotFound`] says where the program was looked for.
///
/// ```
/// use std::path::Path;
/// use svc_core::{NotFound, find_program};
///
/// let sh = find_program("sh", Some("/nonexistent:/bin:/usr/bin".as_ref()), None).unwrap();
/// assert!(sh.ends_with("sh"));
///
/// let err = find_program("no-such-program", Some("/nonexistent:/nonexistent::".as_ref()), None).unwrap_err();
/// assert_eq!(err, NotFound::OnPath(vec!["/nonexistent".into()]));
/// assert_eq!(err.to_string(), "PATH=/nonexistent");
///
/// let err = find_program("./run", None, Some(Path::new("/srv/app"))).unwrap_err();
/// assert_eq!(err, NotFound::Path("/srv/app/./run".into()));
/// ```
pub fn find_program(program: &str, path_var: Option<&OsStr>, working_dir: Option<&Path>) -> Result<PathBuf, NotFound> {
    if program.contains('/') {
        let path = match working_dir {
            Some(dir) if Path::new(program).is_relative() => dir.join(program),
            _ => PathBuf::from(program),
        };
        return if is_executable(&path) { Ok(path) } else { Err(NotFound::Path(path)) };
    }
    let path_var = path_var.unwrap_or_default();
    // One buffer for every candidate: spawn calls this on each (re)start.
    let mut candidate = PathBuf::new();
    for dir in path_dirs(path_var) {
        candidate.as_mut_os_string().clear();
        if let Some(working_dir) = working_dir.filter(|_| dir.is_relative()) {
            candidate.push(working_dir);
        }
        candidate.push(dir);
        candidate.push(program);
        if is_executable(&candidate) {
            return Ok(candidate);
        }
    }
    Err(NotFound::OnPath(searched_dirs(path_var, working_dir)))
}

/// The `PATH` a process's program is looked up on: the last of `environments` that sets `PATH` (a process's own
/// environment goes after the project's, as when it is spawned), otherwise the supervisor's `PATH`; `None` when
/// neither sets one.
///
/// Pass the environments in the order they are applied on top of the supervisor's, e.g.
/// `[project_environment, process.environment]`. A `PATH` set to the empty string counts as set (and searches
/// nothing, see [`find_program`]).
///
/// ```
/// use svc_core::{Environment, effective_path};
///
/// let project = Environment::new();
/// let process: Environment = [("PATH".to_owned(), "/opt/tool/bin".to_owned())].into_iter().collect();
/// assert_eq!(effective_path([&project, &process]).as_deref(), Some("/opt/tool/bin".as_ref()));
/// assert_eq!(effective_path([&project]), std::env::var_os("PATH"));
/// ```
pub fn effective_path<'a>(environments: impl IntoIterator<Item = &'a Environment>) -> Option<OsString> {
    environments
        .into_iter()
        .filter_map(|environment| environment.get("PATH"))
        .last()
        .map(OsString::from)
        .or_else(|| std::env::var_os("PATH"))
}

/// Where [`find_program`] looked for a program it did not find.
///
/// Its `Display` is where it looked, in the form error messages quote after "searched": the path for
/// [`NotFound::Path`], `PATH=<dir>:<dir>` for [`NotFound::OnPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotFound {
    /// The program contains `/`: this path (resolved against the working directory) is not an executable file.
    Path(PathBuf),
    /// The program is a name: it is in none of these directories of `PATH`, in search order (empty entries
    /// skipped, relative ones resolved, duplicates removed). Empty when `PATH` is not set or has no usable entry.
    OnPath(Vec<PathBuf>),
}

impl NotFound {
    /// The directories searched, in order; empty for [`NotFound::Path`].
    pub fn into_dirs(self) -> Vec<PathBuf> {
        match self {
            NotFound::Path(_) => Vec::new(),
            NotFound::OnPath(dirs) => dirs,
        }
    }
}

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotFound::Path(path) => path.display().fmt(f),
            NotFound::OnPath(dirs) => {
                f.write_str("PATH=")?;
                for (i, dir) in dirs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(":")?;
                    }
                    dir.display().fmt(f)?;
                }
                Ok(())
            }
        }
    }
}

/// Whether `path` is a regular file (after following symlinks) with an execute bit: what `execve` could run.
pub(crate) fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The entries of a `PATH` value to search, in order, unresolved: empty ones skipped, repeats dropped. Splits the
/// bytes in place (as `std::env::split_paths` does on Unix, without allocating).
fn path_dirs(path_var: &OsStr) -> impl Iterator<Item = &Path> {
    let bytes = path_var.as_bytes();
    let entries = move || bytes.split(|b| *b == b':');
    entries()
        .enumerate()
        .filter(move |(i, entry)| !entry.is_empty() && !entries().take(*i).any(|earlier| earlier == *entry))
        .map(|(_, entry)| Path::new(OsStr::from_bytes(entry)))
}

/// The directories [`find_program`] searched, resolved against `working_dir`, for its error. Entries that differ
/// as written but resolve to the same directory are listed once too.
fn searched_dirs(path_var: &OsStr, working_dir: Option<&Path>) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    for dir in path_dirs(path_var) {
        let dir = match working_dir {
            Some(working_dir) if dir.is_relative() => working_dir.join(dir),
            _ => dir.to_path_buf(),
        };
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    dirs
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn write_file(path: &Path, mode: u32) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    /// A temp dir with: `a/` (a non-executable `prog`, a directory `dir`), `b/` (an executable `prog`, `dir` and
    /// `only-b`), `c/` (an executable `prog`), `work/tools/` (an executable `tool`), `work/run.sh` (executable)
    /// and `work/data` (not executable).
    fn tree() -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        write_file(&root.join("a/prog"), 0o644);
        std::fs::create_dir_all(root.join("a/dir")).unwrap();
        write_file(&root.join("b/prog"), 0o755);
        write_file(&root.join("b/dir"), 0o755);
        write_file(&root.join("b/only-b"), 0o700);
        write_file(&root.join("c/prog"), 0o755);
        write_file(&root.join("work/tools/tool"), 0o755);
        write_file(&root.join("work/run.sh"), 0o755);
        write_file(&root.join("work/data"), 0o644);
        std::os::unix::fs::symlink(root.join("b/prog"), root.join("c/link")).unwrap();
        tmp
    }

    #[test]
    fn lookups() {
        let tmp = tree();
        let root = tmp.path();
        let r = |p: &str| root.join(p);
        let work = r("work");
        let joined = |dirs: &[&str]| -> OsString {
            std::env::join_paths(
                dirs.iter().map(|d| if d.is_empty() || !d.starts_with('/') { (*d).into() } else { r(&d[1..]) }),
            )
            .unwrap()
        };
        // (program, PATH entries ("/x" is under the temp dir, others as written), working dir, expected)
        type Case<'a> = (&'a str, Option<&'a [&'a str]>, Option<&'a Path>, Result<PathBuf, NotFound>);
        let cases: Vec<Case> = vec![
            // The first executable file wins; a non-executable file and a directory are skipped.
            ("prog", Some(&["/a", "/b", "/c"]), None, Ok(r("b/prog"))),
            ("dir", Some(&["/a", "/b"]), None, Ok(r("b/dir"))),
            ("prog", Some(&["/c", "/b"]), None, Ok(r("c/prog"))),
            // A symlink to an executable file is executable.
            ("link", Some(&["/c"]), None, Ok(r("c/link"))),
            // Not found: the dirs searched, empty entries skipped, duplicates once, in order.
            ("nope", Some(&["/a", "", "/b", "/a"]), None, Err(NotFound::OnPath(vec![r("a"), r("b")]))),
            ("nope", Some(&[""]), None, Err(NotFound::OnPath(vec![]))),
            ("nope", None, None, Err(NotFound::OnPath(vec![]))),
            // A relative entry is resolved against the working dir, else left relative.
            ("tool", Some(&["tools"]), Some(&work), Ok(r("work/tools/tool"))),
            ("tool", Some(&["/a", "tools"]), Some(&work), Ok(r("work/tools/tool"))),
            (
                "nope",
                Some(&["tools", "/work/tools", "/a"]),
                Some(&work),
                Err(NotFound::OnPath(vec![r("work/tools"), r("a")])),
            ),
            ("nope", Some(&["tools"]), None, Err(NotFound::OnPath(vec![PathBuf::from("tools")]))),
            // An empty entry is not the working dir either.
            ("run.sh", Some(&["", "."]), Some(&work), Ok(r("work/./run.sh"))),
            ("run.sh", Some(&[""]), Some(&work), Err(NotFound::OnPath(vec![]))),
            // A program with `/` is a path, never searched; relative ones are resolved against the working dir.
            ("./run.sh", Some(&["/b"]), Some(&work), Ok(r("work/./run.sh"))),
            ("tools/tool", None, Some(&work), Ok(r("work/tools/tool"))),
            ("./data", None, Some(&work), Err(NotFound::Path(r("work/./data")))),
            ("./gone", None, Some(&work), Err(NotFound::Path(r("work/./gone")))),
            ("./run.sh", None, None, Err(NotFound::Path(PathBuf::from("./run.sh")))),
        ];
        let abs = r("b/only-b");
        let abs_cases: Vec<Case> = vec![
            (abs.to_str().unwrap(), Some(&["/a"]), Some(&work), Ok(abs.clone())),
            ("/nonexistent/svc-test/prog", None, Some(&work), Err(NotFound::Path("/nonexistent/svc-test/prog".into()))),
        ];
        for (program, path, working_dir, expected) in cases.into_iter().chain(abs_cases) {
            let path_var = path.map(joined);
            let found = find_program(program, path_var.as_deref(), working_dir);
            assert_eq!(found, expected, "{program} on {path_var:?} in {working_dir:?}");
        }
    }

    #[test]
    fn not_found_messages() {
        assert_eq!(NotFound::Path("/x/y".into()).to_string(), "/x/y");
        assert_eq!(NotFound::OnPath(vec!["/a".into(), "b".into()]).to_string(), "PATH=/a:b");
        assert_eq!(NotFound::OnPath(vec![]).to_string(), "PATH=");
        assert_eq!(NotFound::OnPath(vec!["/a".into()]).into_dirs(), vec![PathBuf::from("/a")]);
        assert!(NotFound::Path("/x".into()).into_dirs().is_empty());
    }

    #[test]
    fn effective_path_prefers_the_last_environment_that_sets_it() {
        let env = |path: Option<&str>| -> Environment {
            path.map(|p| ("PATH".to_owned(), p.to_owned())).into_iter().chain([("X".into(), "1".into())]).collect()
        };
        let (project, process, none) = (env(Some("/project")), env(Some("/process")), env(None));
        assert_eq!(effective_path([&project, &process]), Some("/process".into()));
        assert_eq!(effective_path([&project, &none]), Some("/project".into()));
        assert_eq!(effective_path([&none, &env(Some(""))]), Some("".into()));
        assert_eq!(effective_path([&none]), std::env::var_os("PATH"));
        assert_eq!(effective_path([]), std::env::var_os("PATH"));
    }
}
