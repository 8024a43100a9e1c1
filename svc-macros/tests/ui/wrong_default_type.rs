use std::time::Duration;

use svc::prelude::*;

#[service]
pub struct Hello {
    #[option(default = 5)]
    pub message: String,
    #[option(default = vec!["--verbose"])]
    pub args: Vec<String>,
    #[option(default = "5s")]
    pub timeout: Duration,
}

fn main() {}
