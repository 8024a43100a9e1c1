//! A tiny stand-in for GNU hello, bundled with the examples so they run on a machine that has only the Rust
//! toolchain.
//!
//! The example binary doubles as the stand-in: `package()` links `<examples dir>/bundled-hello/<example>/bin/hello` to the
//! running executable and returns that directory as a package prefix, so the service runs
//! `.../bundled-hello/bin/hello --greeting=...` exactly as it would run GNU hello. When the example starts through
//! that link, `run_if_invoked()` behaves like GNU hello and exits.

use std::path::{Path, PathBuf};

use svc::Package;

const LINK_DIR: &str = "bundled-hello";

/// If this process was started as the bundled hello, print the greeting like GNU hello and exit.
pub fn run_if_invoked() {
    let argv0 = std::env::args_os().next().map(PathBuf::from).unwrap_or_default();
    let started_as_hello =
        argv0.file_name().is_some_and(|n| n == "hello") && argv0.components().any(|c| c.as_os_str() == LINK_DIR);
    if started_as_hello {
        std::process::exit(gnu_hello(std::env::args().skip(1)));
    }
}

/// GNU hello's command line: `-g TEXT`, `--greeting=TEXT`, `--greeting TEXT`, `-t`/`--traditional`, `--help`,
/// `--version`. Returns the exit code.
fn gnu_hello(mut args: impl Iterator<Item = String>) -> i32 {
    let mut greeting = String::from("Hello, world!");
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-g" | "--greeting" => match args.next() {
                Some(text) => greeting = text,
                None => {
                    eprintln!("hello: option '{arg}' requires an argument");
                    return 1;
                }
            },
            "-t" | "--traditional" => greeting = String::from("hello, world"),
            "-h" | "--help" => {
                println!("Usage: hello [OPTION]...\nPrint a friendly, customizable greeting.\n");
                println!("  -t, --traditional       use traditional greeting");
                println!("  -g, --greeting=TEXT     use TEXT as the greeting message");
                return 0;
            }
            "-v" | "--version" => {
                println!("hello (svc bundled stand-in) {}", env!("CARGO_PKG_VERSION"));
                return 0;
            }
            _ => match arg.strip_prefix("--greeting=") {
                Some(text) => greeting = text.to_owned(),
                None => {
                    eprintln!("hello: unrecognized option '{arg}'\nTry 'hello --help' for more information.");
                    return 1;
                }
            },
        }
    }
    println!("{greeting}");
    0
}

/// GNU hello if it is on `PATH`, otherwise the bundled stand-in (saying so on stderr).
pub fn package() -> Package {
    let gnu = Package::new("hello");
    if gnu.is_available() {
        return gnu;
    }
    match link_bundled() {
        Ok(prefix) => {
            eprintln!("GNU hello is not installed: using the bundled stand-in {}/bin/hello", prefix.display());
            Package::new(prefix.to_string_lossy()).main_program("hello")
        }
        Err(e) => {
            eprintln!("GNU hello is not installed and the bundled stand-in could not be linked: {e}");
            gnu
        }
    }
}

/// Links `<dir of this executable>/bundled-hello/<example>/bin/hello` to this executable; returns the prefix directory.
fn link_bundled() -> std::io::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    // One prefix per example binary, so that examples running at the same time do not re-point each other's link.
    let prefix = exe.parent().unwrap_or(Path::new(".")).join(LINK_DIR).join(exe.file_stem().unwrap_or_default());
    let bin = prefix.join("bin");
    std::fs::create_dir_all(&bin)?;
    let link = bin.join("hello");
    // Re-point the link every run: the example binary may have been rebuilt or moved.
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&exe, &link)?;
    Ok(prefix)
}
