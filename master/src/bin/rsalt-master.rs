//! `rsalt-master`: see [`rsalt_master::cli::master`].
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = rsalt_master::cli::master::MasterArgs::parse();
    match rsalt_master::cli::master::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            ExitCode::from(2)
        }
    }
}
