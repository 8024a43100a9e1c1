//! The vocabulary of the service attributes, shared by parsing ([`crate::model`]) and the derive-above check
//! ([`crate::derive_above`]): which macro is expanding, the keys each attribute accepts, the derives the macro
//! provides itself, and a parser for a run of outer attributes. It depends on no other module of this crate, so
//! that those two need not depend on each other.

use syn::Attribute;
use syn::parse::{Parse, ParseStream};

/// Which macro is expanding.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `#[service]`: one instance.
    Single,
    /// `#[multi_service]`: named instances.
    Multi,
}

impl Kind {
    /// The attribute as the user writes it, for messages.
    pub fn attr(self) -> &'static str {
        match self {
            Kind::Single => "#[service]",
            Kind::Multi => "#[multi_service]",
        }
    }

    /// The fields the macro adds, which the user must not declare, with why they are reserved.
    pub fn reserved_fields(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Kind::Single => &[("enable", "the service's on/off switch")],
            Kind::Multi => &[
                ("enable", "the instance's on/off switch"),
                ("data_dir", "where the instance keeps its data; read it with `Instance::data_dir()`"),
                ("namespace", "the namespace of the instance's processes; read it with `Instance::namespace()`"),
            ],
        }
    }
}

/// The traits the macro implements for the user, by the last segment of the path a user might derive them with.
pub const PROVIDED_DERIVES: &[(&str, &str)] = &[
    ("Default", "implements `Default` from the `#[option(default = ...)]` values"),
    ("Serialize", "derives `Serialize` through svc's own serde"),
    ("Deserialize", "derives `Deserialize` (with defaults, rejecting unknown fields) through svc's own serde"),
    ("JsonSchema", "derives `JsonSchema` through svc's own schemars"),
];

/// The keys of `#[service(...)]` / `#[multi_service(...)]`.
pub const CONTAINER_KEYS: &[&str] = &["name"];
/// The keys of `#[option(...)]`.
pub const OPTION_KEYS: &[&str] = &["default", "description"];

/// `Parse` for a whole `#[...]` list, used by the derive-above detection.
pub struct OuterAttrs(pub Vec<Attribute>);

impl Parse for OuterAttrs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        if !input.is_empty() {
            return Err(input.error("not only attributes"));
        }
        Ok(OuterAttrs(attrs))
    }
}
