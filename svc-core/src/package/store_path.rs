//! Nix store paths: parsing and checking `<store dir>/<hash>-<name>[/<sub path>]` by Nix's rules, and Nix's
//! `parseDrvName`. Nothing here touches the file system.

use std::fmt;
use std::path::{Component, Path, PathBuf};

/// The store directory Nix uses when `NIX_STORE_DIR` is not set.
pub const DEFAULT_STORE_DIR: &str = "/nix/store";

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
        std::env::var_os("NIX_STORE_DIR")
            .filter(|dir| !dir.is_empty())
            .map_or_else(|| PathBuf::from(DEFAULT_STORE_DIR), PathBuf::from)
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

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "0c7ly9p0h4p5f4nqydl7bs2c3jx26b5m";

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
}
