//! Publications: the master seals each job announcement with the current publish key and
//! signs it; a minion verifies the signature against the pinned master key, opens it, and
//! runs it at most once.
//!
//! Body of a [`Kind::Publication`](crate::frame::Kind) frame:
//! `epoch u32 BE | seq u64 BE | signature[64] | ciphertext+tag`. The AEAD nonce is
//! `epoch ‖ seq`, the associated data the header plus `epoch ‖ seq`; the signature covers
//! header ‖ epoch ‖ seq ‖ ciphertext. The publish key is random per epoch; the master moves
//! to a new epoch whenever a key is deleted or rejected (and on restart), and hands the key
//! to each minion only inside its sealed session.

use crate::frame::{self, Kind, HEADER_LEN};
use crate::keys::{Identity, PublicKey};
use crate::session::ReplayWindow;
use crate::ProtoError;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const PREFIX_LEN: usize = 4 + 8;
const SIG_LEN: usize = 64;

/// A publish key and its epoch.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PublishKey {
    /// Epoch number (the master increments it on every rotation).
    pub epoch: u32,
    /// ChaCha20-Poly1305 key.
    #[serde(with = "serde_bytes")]
    pub key: Vec<u8>,
}

impl std::fmt::Debug for PublishKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublishKey(epoch {})", self.epoch)
    }
}

impl PublishKey {
    /// A random key for `epoch`.
    pub fn generate(epoch: u32) -> Result<PublishKey, ProtoError> {
        let mut key = vec![0u8; 32];
        SystemRandom::new()
            .fill(&mut key)
            .map_err(|_| ProtoError::Crypto)?;
        Ok(PublishKey { epoch, key })
    }

    fn aead(&self) -> Result<LessSafeKey, ProtoError> {
        Ok(LessSafeKey::new(
            UnboundKey::new(&CHACHA20_POLY1305, &self.key).map_err(|_| ProtoError::Crypto)?,
        ))
    }
}

fn nonce(epoch: u32, seq: u64) -> Nonce {
    let mut n = [0u8; 12];
    n[..4].copy_from_slice(&epoch.to_be_bytes());
    n[4..].copy_from_slice(&seq.to_be_bytes());
    Nonce::assume_unique_for_key(n)
}

/// Seals and signs `plaintext` as publication number `seq` of the key's epoch.
pub fn seal(
    key: &PublishKey,
    seq: u64,
    master: &Identity,
    plaintext: &[u8],
) -> Result<Vec<u8>, ProtoError> {
    let mut prefix = frame::header(Kind::Publication).to_vec();
    prefix.extend_from_slice(&key.epoch.to_be_bytes());
    prefix.extend_from_slice(&seq.to_be_bytes());
    let mut ct = plaintext.to_vec();
    key.aead()?
        .seal_in_place_append_tag(nonce(key.epoch, seq), Aad::from(&prefix), &mut ct)
        .map_err(|_| ProtoError::Crypto)?;
    let mut signed = prefix.clone();
    signed.extend_from_slice(&ct);
    let sig = master.sign(&signed);
    let mut out = prefix;
    out.extend_from_slice(&sig);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// A publication that verified and decrypted.
#[derive(Debug)]
pub struct Opened {
    /// Key epoch.
    pub epoch: u32,
    /// Sequence number within the epoch.
    pub seq: u64,
    /// The plaintext.
    pub plaintext: Vec<u8>,
}

/// The epoch a publication body claims (to notice a rotation before opening it).
pub fn epoch_of(body: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(body.get(..4)?.try_into().ok()?))
}

/// Verifies the master's signature over a publication body, then opens it with `key`.
pub fn open(body: &[u8], master: &PublicKey, key: &PublishKey) -> Result<Opened, ProtoError> {
    if body.len() < PREFIX_LEN + SIG_LEN + 16 {
        return Err(ProtoError::Malformed("publication too short".into()));
    }
    let epoch = epoch_of(body).ok_or(ProtoError::NotAFrame)?;
    if epoch != key.epoch {
        return Err(ProtoError::UnknownSession);
    }
    let mut seq_bytes = [0u8; 8];
    seq_bytes.copy_from_slice(&body[4..PREFIX_LEN]);
    let seq = u64::from_be_bytes(seq_bytes);
    let sig = &body[PREFIX_LEN..PREFIX_LEN + SIG_LEN];
    let ct = &body[PREFIX_LEN + SIG_LEN..];
    let mut signed = Vec::with_capacity(HEADER_LEN + PREFIX_LEN + ct.len());
    signed.extend_from_slice(&frame::header(Kind::Publication));
    signed.extend_from_slice(&body[..PREFIX_LEN]);
    signed.extend_from_slice(ct);
    master.verify(&signed, sig)?;
    let mut buf = ct.to_vec();
    let len = key
        .aead()?
        .open_in_place(
            nonce(epoch, seq),
            Aad::from(&signed[..HEADER_LEN + PREFIX_LEN]),
            &mut buf,
        )
        .map_err(|_| ProtoError::Decrypt)?
        .len();
    buf.truncate(len);
    Ok(Opened {
        epoch,
        seq,
        plaintext: buf,
    })
}

/// Remembers which (epoch, seq) a minion has run, so a replayed publication runs once.
#[derive(Debug, Default)]
pub struct PublicationGuard {
    windows: BTreeMap<u32, ReplayWindow>,
}

impl PublicationGuard {
    /// True the first time (epoch, seq) is seen; false for a replay.
    pub fn first_time(&mut self, epoch: u32, seq: u64) -> bool {
        let w = self.windows.entry(epoch).or_default();
        if !w.check(seq) {
            return false;
        }
        w.set(seq);
        while self.windows.len() > 4 {
            self.windows.pop_first();
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_sealed_once() {
        let master = Identity::generate().expect("m");
        let other = Identity::generate().expect("o");
        let key = PublishKey::generate(3).expect("k");
        let f = seal(&key, 1, &master, b"job").expect("seal");
        let body = frame::split(&f).expect("split").1;
        let o = open(body, &master.public(), &key).expect("open");
        assert_eq!(
            (o.epoch, o.seq, o.plaintext.as_slice()),
            (3, 1, &b"job"[..])
        );
        assert_eq!(
            open(body, &other.public(), &key).err(),
            Some(ProtoError::BadSignature)
        );
        // signed by someone else with the right publish key: refused
        let forged = seal(&key, 2, &other, b"evil").expect("seal");
        assert!(open(frame::split(&forged).expect("s").1, &master.public(), &key).is_err());
        // old epoch key
        let newer = PublishKey::generate(4).expect("k");
        assert!(open(body, &master.public(), &newer).is_err());
        let mut guard = PublicationGuard::default();
        assert!(guard.first_time(3, 1));
        assert!(!guard.first_time(3, 1));
    }
}
