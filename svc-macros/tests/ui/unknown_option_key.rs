use svc::prelude::*;

#[service]
pub struct Hello {
    #[option(defualt = "Hello, world!")]
    pub message: String,
    #[option(rename = "port_number")]
    pub port: u16,
}

fn main() {}
