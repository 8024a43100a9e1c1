//! Who contributed a process to a project: a service, an instance of a multi-instance service, the project
//! itself, or an imported file.

use std::fmt;
use std::path::PathBuf;

/// Who defined a process (shown in merge errors, `config` and the process list).
///
/// Its display is the name used in errors and config paths: `hello`, `hello.hello1`, `project`, or the file's
/// path. It compares equal to that string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Origin {
    /// A single-instance service (`hello`).
    Service(String),
    /// An instance of a multi-instance service (`hello.hello1`).
    Instance {
        /// The service name (`hello`).
        service: String,
        /// The instance name (`hello1`).
        instance: String,
    },
    /// A process added directly with [`Project::process`](crate::Project::process).
    Project,
    /// A process read from a file (an imported process-compose file).
    File(PathBuf),
}

impl Origin {
    /// The service a process belongs to, when it came from one (single or multi-instance).
    pub fn service(&self) -> Option<&str> {
        match self {
            Origin::Service(service) | Origin::Instance { service, .. } => Some(service),
            Origin::Project | Origin::File(_) => None,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Service(service) => f.write_str(service),
            Origin::Instance { service, instance } => write!(f, "{service}.{instance}"),
            Origin::Project => f.write_str("project"),
            Origin::File(path) => write!(f, "{}", path.display()),
        }
    }
}

impl PartialEq<str> for Origin {
    fn eq(&self, other: &str) -> bool {
        match self {
            Origin::Service(service) => service == other,
            Origin::Instance { service, instance } => {
                other.split_once('.').is_some_and(|(s, i)| s == service && i == instance)
            }
            Origin::Project => other == "project",
            Origin::File(path) => path.as_os_str() == other,
        }
    }
}

impl PartialEq<&str> for Origin {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

#[cfg(test)]
mod tests {
    use super::Origin;

    #[test]
    fn an_origin_displays_and_compares_as_its_name() {
        let instance = Origin::Instance { service: "hello".into(), instance: "hello1".into() };
        let cases = [
            (Origin::Service("hello".into()), "hello"),
            (instance, "hello.hello1"),
            (Origin::Project, "project"),
            (Origin::File("/tmp/pc.yaml".into()), "/tmp/pc.yaml"),
        ];
        for (origin, name) in cases {
            assert_eq!(origin.to_string(), name);
            assert_eq!(origin, name);
            assert_ne!(origin, "hello.other");
        }
    }
}
