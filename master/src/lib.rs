//! The rsalt master: key store, rendering per minion, publisher, job cache, and the
//! `rsalt`, `rsalt-key` and `rsalt-run` command-line clients.
//!
//! # Layout
//! - [`config`]: `/etc/rsalt/master` (+ `master.d`) with Salt's option names and defaults.
//! - [`keystore`]: minion keys in Salt's `pki_dir` layout and Salt's admission rules.
//! - [`jobcache`]: job ids and the embedded job cache.
//! - [`render`]: compiling one minion's states on the master.
//! - [`server`]: the daemon (ZeroMQ request and publish ports, sessions, jobs).
//! - [`localapi`]: the unix-socket protocol between the CLIs and the daemon.
//! - [`cli`]: the command-line clients.
#![forbid(unsafe_code)]

pub mod cli;
pub mod config;
pub mod jobcache;
pub mod keystore;
pub mod localapi;
pub mod render;
pub mod server;
