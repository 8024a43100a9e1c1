//! The services whose schema and options page are generated: adding a service is one line here.

use crate::catalog::Catalog;

/// The builtin services and the example services.
pub fn catalog() -> Catalog {
    Catalog::new()
}
