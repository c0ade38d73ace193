//! Salt's outputters. (Skeleton.)
#![forbid(unsafe_code)]
