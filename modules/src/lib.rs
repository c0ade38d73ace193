//! State and execution modules. (Skeleton.)
#![forbid(unsafe_code)]
