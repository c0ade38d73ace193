//! Command-line front ends of the minion crate.
pub mod call;
pub mod minion;
