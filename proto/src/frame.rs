//! The frame header: `b"RSLT"`, one version byte, one kind byte, then the kind's body.

use crate::{ProtoError, MAX_MESSAGE_BYTES, PROTOCOL_VERSION};

/// The 4 magic bytes every rsalt frame starts with.
pub const MAGIC: &[u8; 4] = b"RSLT";
/// Header length: magic + version + kind.
pub const HEADER_LEN: usize = 6;

/// What a frame carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// Minion → master, plain: `{id}`; asks for a handshake cookie.
    HelloInit = 0x01,
    /// Master → minion, plain: the stateless cookie.
    Challenge = 0x02,
    /// Minion → master, plain but signed: identity, ephemeral key, cookie.
    Hello = 0x03,
    /// Master → minion, plain but signed: master identity and ephemeral key.
    Welcome = 0x04,
    /// Master → minion: why a handshake was refused (signed once the master key is known).
    Refusal = 0x05,
    /// Either way, after the handshake: a session-sealed message.
    Sealed = 0x10,
    /// Master → all minions on the publish port: sealed with the publish key, signed.
    Publication = 0x20,
}

impl Kind {
    fn from_byte(b: u8) -> Result<Kind, ProtoError> {
        Ok(match b {
            0x01 => Kind::HelloInit,
            0x02 => Kind::Challenge,
            0x03 => Kind::Hello,
            0x04 => Kind::Welcome,
            0x05 => Kind::Refusal,
            0x10 => Kind::Sealed,
            0x20 => Kind::Publication,
            other => return Err(ProtoError::UnknownKind(other)),
        })
    }
}

/// The header bytes for `kind`.
pub fn header(kind: Kind) -> [u8; HEADER_LEN] {
    [
        MAGIC[0],
        MAGIC[1],
        MAGIC[2],
        MAGIC[3],
        PROTOCOL_VERSION,
        kind as u8,
    ]
}

/// A frame: header + body.
pub fn join(kind: Kind, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(&header(kind));
    out.extend_from_slice(body);
    out
}

/// Splits a frame into its kind and body, refusing other protocols, other versions and
/// oversized frames.
pub fn split(frame: &[u8]) -> Result<(Kind, &[u8]), ProtoError> {
    if frame.len() > MAX_MESSAGE_BYTES {
        return Err(ProtoError::TooLarge(frame.len()));
    }
    if frame.len() < HEADER_LEN || &frame[..4] != MAGIC {
        return Err(ProtoError::NotAFrame);
    }
    if frame[4] != PROTOCOL_VERSION {
        return Err(ProtoError::Version(frame[4]));
    }
    Ok((Kind::from_byte(frame[5])?, &frame[HEADER_LEN..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let f = join(Kind::Sealed, b"abc");
        assert_eq!(split(&f), Ok((Kind::Sealed, &b"abc"[..])));
        assert_eq!(split(b"RSL"), Err(ProtoError::NotAFrame));
        assert_eq!(split(b"XXXX\x01\x10"), Err(ProtoError::NotAFrame));
        assert_eq!(split(b"RSLT\x00\x10"), Err(ProtoError::Version(0)));
        assert_eq!(split(b"RSLT\x01\x77"), Err(ProtoError::UnknownKind(0x77)));
    }
}
