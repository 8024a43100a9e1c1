//! Compile-time behaviour: misuse of the macros fails with the messages pinned in `tests/ui/*.stderr`, and
//! correct use compiles in a crate that depends on `svc` alone (`tests/ui-pass`).
//!
//! After an intended change of a message, rewrite the files with
//! `TRYBUILD=overwrite cargo test -p svc-macros --test ui` and review the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/ui-pass/*.rs");
}
