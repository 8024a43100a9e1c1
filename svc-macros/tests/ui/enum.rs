use svc::prelude::*;

#[service]
pub enum Hello {
    World,
}

fn main() {}
