//! rsalt's wire protocol, without I/O: everything that crosses the network between a
//! master and its minions is built and checked here.
//!
//! # Layout
//! - [`keys`]: Ed25519 identity keys, their PEM files (Salt's `pki_dir` names) and
//!   Salt-style fingerprints (`master_finger`).
//! - [`frame`]: the 6-byte frame header (`RSLT` + version + kind) every message starts with.
//! - [`codec`]: bounded msgpack decoding (size, nesting depth, declared lengths checked
//!   before any allocation) and the wire form of [`rsalt_data::Value`].
//! - [`handshake`]: stateless-cookie challenge, signed X25519 key exchange, HKDF session keys.
//! - [`session`]: ChaCha20-Poly1305 sealed messages with per-direction counters and a replay
//!   window.
//! - [`publish`]: publications sealed with the rotating publish key and signed by the master.
//! - [`msg`]: the application messages (requests, responses, publications, job returns).
//!
//! The byte-level format is documented in `docs/protocol.md`. The transport (ZeroMQ sockets,
//! reconnection, heartbeats) lives in the master and minion crates and only moves the bytes
//! this crate produces.
#![forbid(unsafe_code)]

pub mod codec;
pub mod error;
pub mod frame;
pub mod handshake;
pub mod keys;
pub mod msg;
pub mod publish;
pub mod session;

pub use error::ProtoError;

/// The protocol version carried in every frame header. A peer speaking another version is
/// refused (no downgrade).
pub const PROTOCOL_VERSION: u8 = 1;

/// Upper bound for one message on the wire (frame header included).
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// Upper bound for msgpack nesting inside a message.
pub const MAX_DEPTH: usize = 200;

/// Seconds since the Unix epoch (0 if the clock is before 1970).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
