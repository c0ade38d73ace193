//! `rsalt-run`: see [`rsalt_master::cli::run`].
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = rsalt_master::cli::run::RunArgs::parse();
    match rsalt_master::cli::run::run(args) {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(e) => {
            eprintln!("Error: {e:#}");
            ExitCode::from(2)
        }
    }
}
