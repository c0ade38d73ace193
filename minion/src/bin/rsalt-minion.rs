//! `rsalt-minion`: see [`rsalt_minion::cli::minion`].
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = rsalt_minion::cli::minion::MinionArgs::parse();
    match rsalt_minion::cli::minion::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            ExitCode::from(1)
        }
    }
}
