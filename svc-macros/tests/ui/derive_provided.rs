use svc::prelude::*;

#[service]
#[derive(Debug, Default, Clone)]
#[derive(svc::__private::serde::Serialize, svc::__private::serde::Deserialize)]
#[derive(svc::__private::schemars::JsonSchema)]
pub struct Hello {
    pub message: String,
}

fn main() {
    // The user's other derives are kept.
    let hello = Hello::default().clone();
    println!("{hello:?}");
}
