use svc::prelude::*;

#[service]
#[multi_service]
pub struct Hello {}

fn main() {}
