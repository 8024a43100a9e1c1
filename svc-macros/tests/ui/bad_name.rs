use svc::prelude::*;

#[service(name = "")]
pub struct Empty {}

#[service(name = "Hello World")]
pub struct Spaced {}

#[service(name = "2fast")]
pub struct Digit {}

#[service(name = hello)]
pub struct NotALiteral {}

#[multi_service(name = "redis-")]
pub struct Trailing {}

fn main() {}
