//! The minion side of rsalt: `rsalt-call` (masterless or asking the master), the
//! `rsalt-minion` daemon and grains.
//!
//! # Layout
//! - [`cli`]: `rsalt-call` and `rsalt-minion` command lines.
//! - [`daemon`]: the master channel (handshake, sealed requests, heartbeats, reconnect),
//!   publications, job execution with master-compiled states, durable returns.
//! - [`grains`]: core grains.
#![forbid(unsafe_code)]
pub mod cli;
pub mod daemon;
pub mod grains;
