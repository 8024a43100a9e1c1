use svc::prelude::*;

#[service]
fn hello() {}

fn main() {}
