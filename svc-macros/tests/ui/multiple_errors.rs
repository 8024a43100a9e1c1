use svc::prelude::*;

/// Everything wrong at once: each problem is reported, at its own place.
#[service(title = "hello")]
#[derive(Default, Debug)]
#[option(default = 1)]
pub struct Hello {
    pub enable: bool,
    #[option(defualt = "Hello, world!", descripton = "typo")]
    pub message: String,
    #[option(default = 80)]
    pub port: u16,
}

fn main() {}
