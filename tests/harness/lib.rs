//! The rsalt conformance runner.
//!
//! Replays this repo's conformance cases (`tests/conformance/cases/NNN-*/`,
//! recorded from Salt 3007.8 by `tests/conformance/record.py`) against any
//! salt-call-compatible binary, normally `rsalt-call`, and compares the
//! normalised outputs. The format and comparison rules are those of
//! `tests/README.md`; no Python is needed to run it.
//!
//! Entry points: [`runner::run`] (what `cargo xtask conformance` and the
//! `conformance` test binary call), [`runner::check_case`] for one case.

pub mod case;
pub mod compare;
pub mod container;
pub mod fleet;
pub mod pyjson;
pub mod runner;
pub mod sandbox;

pub use runner::{run, Options, Summary};

use std::path::PathBuf;

/// Errors of the harness itself (as opposed to case failures).
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// A file or folder could not be read or written.
    #[error("{0}: {1}")]
    Io(PathBuf, #[source] std::io::Error),
    /// A malformed case or case selection.
    #[error("{0}")]
    Case(String),
    /// The binary under test is missing.
    #[error("{0}")]
    Bin(String),
}
