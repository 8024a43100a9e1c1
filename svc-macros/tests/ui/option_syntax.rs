use svc::prelude::*;

#[service]
pub struct Hello {
    #[option]
    pub a: String,
    #[option(default)]
    pub b: String,
    #[option(default = "x", default = "y")]
    pub c: String,
    #[option(description = concat!("not", "a literal"))]
    pub d: String,
}

fn main() {}
