use svc::prelude::*;

/// A derive above the attribute sees the struct without `enable`.
#[derive(Debug)]
#[service]
pub struct Hello {
    pub message: String,
}

#[derive(Clone, Default)]
#[multi_service]
pub struct Multi {}

fn main() {}
