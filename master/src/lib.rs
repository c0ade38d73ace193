//! The rsalt master: key store, publisher, job cache and the `rsalt`/`rsalt-key` CLIs.
//!
//! Not built yet: this crate is the home of the master/minion issue. The state pipeline it
//! will use lives in `rsalt-sls` and `rsalt-modules`.
#![forbid(unsafe_code)]
