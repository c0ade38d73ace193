//! The minion side of rsalt. (Skeleton.)
#![forbid(unsafe_code)]
pub mod cli;
pub mod grains;
