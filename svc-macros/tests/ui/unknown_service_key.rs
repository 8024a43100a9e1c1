use svc::prelude::*;

#[service(nmae = "hello")]
pub struct Hello {}

#[multi_service(name = "a", name = "b")]
pub struct Twice {}

fn main() {}
