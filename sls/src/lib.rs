//! The SLS pipeline, shared by `rsalt-call`, the minion and the master.
//!
//! `render → high → compile → low`: SLS text is rendered (Jinja, then YAML) into high data,
//! includes/extends/excludes are resolved, and the result is compiled into ordered low
//! chunks that the state runner in `rsalt-modules` executes. Top files pick the SLS for a
//! minion; pillar is compiled the same way.
//!
//! The crate is synchronous and does no network I/O. It reaches files only through
//! [`FileClient`] and calls execution functions (`salt['mod.fun']`) only through
//! [`Caller`], so the same code renders on a minion or on the master.
//!
//! # Layout
//! - [`caller`]: the [`Caller`] trait for `salt[...]` execution-function calls.
//! - [`fileclient`]: the [`FileClient`] trait and the `file_roots` implementation.
//! - [`error`]: [`SlsError`], naming file, line and cause.
//! - [`jinja`]: the Jinja environment with Salt's context, tags, filters and mutation.
//! - [`render`]: renderer pipes (`#!jinja|yaml`, `#!json`, ...).
//! - [`opts`]: minion options (`-c DIR`), Salt's keys and defaults.
//! - [`matcher`]: target matching (glob, pcre, list, grain, pillar, compound, ...).
//! - [`top`]: top files and their merging across environments.
//! - [`pillar`]: pillar compilation and merging.
//! - [`high`]: rendering SLS into high data (include, exclude, extend).
//! - [`compile`]: high data → ordered low chunks (names, order, requisite_in).

#![forbid(unsafe_code)]

pub mod caller;
pub mod compile;
pub mod dictupdate;
pub mod error;
pub mod fileclient;
pub mod fnmatch;
pub mod high;
pub mod jinja;
pub mod matcher;
pub mod opts;
pub mod pillar;
pub mod render;
pub mod top;

pub use caller::{CallError, Caller};
pub use error::SlsError;
pub use fileclient::{FileClient, RootsFileClient};
pub use rsalt_data::{Dict, DictKind, Key, Value};
