//! What is known about a service type, gathered once for the schema files and the options pages.

use serde_json::Value;
use svc::{MultiService, Service, ServiceMeta};

/// One service type: its name, kind, description, JSON schema and default option values.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDoc {
    /// The service name (`postgres`): file names and config paths use it.
    pub name: String,
    /// Multi-instance (`services.<name>.<instance>.<option>`) or single (`services.<name>.<option>`).
    pub multi: bool,
    /// The service's doc comment.
    pub description: Option<String>,
    /// The JSON schema of the options.
    pub schema: Value,
    /// The options' default values, as JSON.
    pub defaults: Value,
    /// Where the service is defined, for the docs (`svc::services::Postgres`, `examples/hello.rs`).
    pub origin: String,
}

/// The services whose schema and options page are generated.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// In registration order.
    pub services: Vec<ServiceDoc>,
}

impl Catalog {
    /// An empty catalog.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a single-instance service defined at `origin`.
    pub fn single<S: Service>(self, origin: &str) -> Self {
        self.add::<S>(false, origin)
    }

    /// Adds a multi-instance service defined at `origin`.
    pub fn multi<S: MultiService>(self, origin: &str) -> Self {
        self.add::<S>(true, origin)
    }

    fn add<S: ServiceMeta>(mut self, multi: bool, origin: &str) -> Self {
        let schema = serde_json::to_value(schemars::schema_for!(S)).unwrap_or(Value::Null);
        let description = S::DESCRIPTION
            .map(str::to_owned)
            .or_else(|| schema.get("description").and_then(Value::as_str).map(str::to_owned));
        self.services.push(ServiceDoc {
            name: S::NAME.to_owned(),
            multi,
            description,
            schema,
            defaults: serde_json::to_value(S::default()).unwrap_or(Value::Null),
            origin: origin.to_owned(),
        });
        self
    }

    /// The services grouped by name, in first-registration order. Two definitions of one name (the `hello`
    /// example exists as a single and as a multi-instance service) form one group.
    pub fn by_name(&self) -> Vec<(String, Vec<&ServiceDoc>)> {
        let mut groups: Vec<(String, Vec<&ServiceDoc>)> = Vec::new();
        for doc in &self.services {
            match groups.iter_mut().find(|(name, _)| *name == doc.name) {
                Some((_, docs)) => {
                    if !docs.iter().any(|d| d.schema == doc.schema && d.multi == doc.multi) {
                        docs.push(doc);
                    }
                }
                None => groups.push((doc.name.clone(), vec![doc])),
            }
        }
        groups
    }
}
