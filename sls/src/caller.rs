//! [`Caller`]: how templates and states reach execution functions (`salt['mod.fun'](...)`).

use rsalt_data::{Dict, Value};

/// An error raised by an execution function, shown to the user as Salt would.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum CallError {
    /// `salt['x.y']` where `x.y` is not a known function.
    #[error("'{0}' is not available.")]
    NotAvailable(String),
    /// The function ran and raised (message as Salt shows it, e.g. a `CommandExecutionError`).
    #[error("{0}")]
    Failed(String),
    /// Wrong arguments (Python's `TypeError` text).
    #[error("{0}")]
    BadArguments(String),
}

/// Runs execution functions by name. Implemented by `rsalt-modules` (local functions) and,
/// later, by a proxy that asks the minion when rendering on the master.
pub trait Caller: Send + Sync {
    /// Calls `fun` (`"mod.fun"`) with positional and keyword arguments.
    fn call(&self, fun: &str, args: Vec<Value>, kwargs: Dict) -> Result<Value, CallError>;

    /// Whether `fun` exists (Jinja's `'mod.fun' in salt`).
    fn has(&self, fun: &str) -> bool;
}
