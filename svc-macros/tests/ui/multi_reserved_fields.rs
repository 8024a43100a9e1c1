use svc::prelude::*;

#[multi_service]
pub struct Hello {
    pub enable: bool,
    pub data_dir: std::path::PathBuf,
    pub namespace: String,
}

fn main() {}
