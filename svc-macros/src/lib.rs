//! The `#[service]` and `#[multi_service]` attribute macros of [svc](https://docs.rs/svc).
//!
//! Use them through the `svc` facade (`use svc::prelude::*;`): the generated code refers to `::svc` only, so a
//! crate that uses them needs no dependency on serde or schemars. The facade's documentation has runnable
//! examples; the ones here are not compiled because a proc-macro crate cannot depend on the facade that
//! re-exports it.
//!
//! The macros parse the struct into a small model (`model`), collect every misuse as an error at the user's
//! span, and generate the code (`codegen`).

mod codegen;
mod derive_above;
mod model;
mod names;

use proc_macro::TokenStream;

use crate::model::Kind;

/// Declares a single-instance service: a struct whose fields are the service's options.
///
/// ```ignore
/// use svc::prelude::*;
///
/// /// Prints a greeting.
/// #[service]
/// #[derive(Debug, Clone)] // below the attribute: derives above it see the struct without `enable`
/// pub struct Hello {
///     /// The hello package to run.
///     #[option(default = Package::new("hello"))]
///     pub package: Package,
///     /// The message to be displayed
///     #[option(default = "Hello, world!")]
///     pub message: String,
/// }
///
/// impl Service for Hello {
///     fn settings(&self) -> Result<Settings> {
///         let greeting = format!("--greeting={}", self.message);
///         Ok(Settings::new().process("hello", Process::new(self.package.exe()?).arg(greeting)))
///     }
/// }
///
/// let hello = Hello { enable: true, ..Default::default() };
/// assert_eq!(Hello::NAME, "hello");
/// assert_eq!(hello.message, "Hello, world!");
/// ```
///
/// # What it generates
///
/// - A first field `pub enable: bool` ("Whether to enable the `<name>` service.", default `false`): a disabled
///   service contributes nothing to a project.
/// - `impl Default`: each field's `#[option(default = EXPR)]`, converted with `Into` into the field's type (so
///   `"Hello, world!"` fills a `String`; numeric literals are used as they are), or `Default::default()`.
/// - serde `Serialize` and `Deserialize` with `#[serde(default, deny_unknown_fields)]`: missing options take
///   their defaults, unknown ones are rejected.
/// - schemars `JsonSchema`: doc comments become descriptions, defaults and types are in the schema.
/// - `impl ServiceMeta`: `NAME` (the struct name in kebab-case, `RedisCluster` -> `redis-cluster`, or
///   `#[service(name = "...")]`), `DESCRIPTION` (the struct's doc comment), `enabled` and `set_enabled`.
///
/// You implement [`Service`](https://docs.rs/svc/latest/svc/trait.Service.html) (`fn settings`) yourself.
///
/// # Attributes
///
/// - `#[service(name = "custom-name")]`: the service name: lowercase letters, digits and single `-`,
///   starting with a letter.
/// - `#[option(default = EXPR)]` on a field: its default value.
/// - `#[option(description = "...")]` on a field: its description in the JSON schema, replacing the doc
///   comment there (the doc comment stays the Rust documentation).
///
/// # Errors
///
/// Misuse is a compile error at the offending code, several at once: anything but a struct with named fields,
/// an unknown key in `#[service(...)]` or `#[option(...)]` (with the closest valid key), a bad name, a field
/// named `enable`, a derive of `Default`, `Serialize`, `Deserialize` or `JsonSchema` (the macro provides them),
/// a default of the wrong type, and a `#[derive(...)]` written above the attribute.
#[proc_macro_attribute]
pub fn service(args: TokenStream, input: TokenStream) -> TokenStream {
    expand(Kind::Single, args, input)
}

/// Declares a multi-instance service: one definition, many named instances (services-flake's `multiService`).
///
/// ```ignore
/// use svc::prelude::*;
///
/// /// Prints a greeting, once per instance.
/// #[multi_service]
/// pub struct Hello {
///     /// The message to be displayed
///     #[option(default = "Hello, world!")]
///     pub message: String,
/// }
///
/// impl MultiService for Hello {
///     fn settings(&self, instance: &Instance) -> Result<Settings> {
///         // Processes are named after the instance so that instances do not collide.
///         Ok(Settings::new().process(instance.name(), Process::new("echo").arg(&self.message)))
///     }
/// }
///
/// let instances = HelloInstances::new()
///     .instance("hello1", Hello { enable: true, ..Default::default() })
///     .instance("hello2", Hello { enable: true, message: "Hello, Nix!".into(), ..Default::default() });
/// let project = Project::new("demo").instances(instances);
/// ```
///
/// Everything [`macro@service`] generates, plus:
///
/// - the fields `pub data_dir: Option<PathBuf>` (where the instance keeps its data; `None` means
///   `./data/<instance>`) and `pub namespace: Option<String>` (the namespace of its processes; `None` means
///   `<service>.<instance>`), returned by `ServiceMeta::data_dir` and `ServiceMeta::namespace` and resolved
///   into the `Instance` passed to `MultiService::settings`;
/// - `pub type <Struct>Instances = Instances<Struct>;`: the fan-out, a map from instance name to options whose
///   JSON schema is a map of the instance schema.
///
/// A field named `enable`, `data_dir` or `namespace` is an error: the macro adds them.
#[proc_macro_attribute]
pub fn multi_service(args: TokenStream, input: TokenStream) -> TokenStream {
    expand(Kind::Multi, args, input)
}

fn expand(kind: Kind, args: TokenStream, input: TokenStream) -> TokenStream {
    let derives_above = derive_above::find(proc_macro::Span::call_site());
    let parsed = model::parse(kind, args.into(), input.into(), &derives_above);
    codegen::expand(parsed).into()
}
