//! `rsalt-call`: see [`rsalt_minion::cli::call`].
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = rsalt_minion::cli::call::CallArgs::parse();
    match rsalt_minion::cli::call::run(args) {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(e) => {
            eprintln!("Error: {e:#}");
            ExitCode::from(1)
        }
    }
}
