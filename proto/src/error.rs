//! [`ProtoError`]: why a message or key was refused.

use thiserror::Error;

/// Why a frame, message or key was refused. Every variant is safe to log: none carries key
/// material or plaintext.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ProtoError {
    /// Not an rsalt frame (bad magic or too short).
    #[error("not an rsalt frame")]
    NotAFrame,
    /// A frame of another protocol version.
    #[error("unsupported protocol version {0} (this build speaks {ver})", ver = crate::PROTOCOL_VERSION)]
    Version(u8),
    /// Unknown frame kind byte.
    #[error("unknown frame kind {0:#04x}")]
    UnknownKind(u8),
    /// The message is larger than allowed.
    #[error("message too large: {0} bytes")]
    TooLarge(usize),
    /// Malformed msgpack (truncated, too deep, lengths beyond the buffer, trailing bytes).
    #[error("malformed message: {0}")]
    Malformed(String),
    /// A signature did not verify.
    #[error("bad signature")]
    BadSignature,
    /// Decryption failed (tampered, wrong key, wrong nonce).
    #[error("decryption failed")]
    Decrypt,
    /// A counter or sequence number seen before, or too old.
    #[error("replayed or stale message")]
    Replay,
    /// The handshake cookie is invalid or expired.
    #[error("invalid or expired handshake cookie")]
    Cookie,
    /// A key file could not be parsed.
    #[error("bad key: {0}")]
    BadKey(String),
    /// The master's key is not the pinned one.
    #[error("master key fingerprint {got} does not match the pinned {expected}")]
    MasterKeyMismatch {
        /// Fingerprint presented.
        got: String,
        /// Fingerprint pinned (`master_finger` or the stored `minion_master.pub`).
        expected: String,
    },
    /// Unknown session or publish-key epoch.
    #[error("unknown session or key epoch")]
    UnknownSession,
    /// Random generator or crypto primitive failure.
    #[error("crypto failure")]
    Crypto,
}
