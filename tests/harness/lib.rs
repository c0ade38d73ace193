//! Test harness (conformance runner). (Skeleton.)
