use svc::prelude::*;

#[multi_service]
pub struct Hello;

fn main() {}
