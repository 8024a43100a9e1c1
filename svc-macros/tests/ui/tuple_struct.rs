use svc::prelude::*;

#[service]
pub struct Hello(String);

fn main() {}
