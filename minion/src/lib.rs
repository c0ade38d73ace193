//! The minion side of rsalt. (Skeleton.)
#![forbid(unsafe_code)]
pub mod grains;
