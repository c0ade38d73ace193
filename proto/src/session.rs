//! Sealed sessions: after the handshake every message is ChaCha20-Poly1305 with a key per
//! direction, an explicit 64-bit counter as nonce and the frame header as associated data.
//! A [`ReplayWindow`] refuses any counter seen before or older than the window.
//!
//! Body layout of a [`Kind::Sealed`](crate::frame::Kind) frame:
//! `session_id[16] | counter u64 BE | ciphertext+tag`.

use crate::frame::{self, Kind, HEADER_LEN};
use crate::ProtoError;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305};

/// Length of a session id.
pub const SESSION_ID_LEN: usize = 16;
const COUNTER_LEN: usize = 8;
const MINION_TO_MASTER: [u8; 4] = *b"m2s\0";
const MASTER_TO_MINION: [u8; 4] = *b"s2m\0";

/// Keys agreed by the handshake.
#[derive(Clone)]
pub struct SessionKeys {
    /// Session id chosen by the master.
    pub id: [u8; SESSION_ID_LEN],
    /// Key for minion → master messages.
    pub minion_to_master: [u8; 32],
    /// Key for master → minion messages.
    pub master_to_minion: [u8; 32],
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SessionKeys({})", hex(&self.id))
    }
}

/// Which end of the session this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The minion end.
    Minion,
    /// The master end.
    Master,
}

/// Accepts each counter once, tolerating reordering within 64 messages.
#[derive(Debug, Default, Clone)]
pub struct ReplayWindow {
    max: u64,
    bits: u64,
}

impl ReplayWindow {
    /// Would `counter` be accepted? (Counters start at 1.)
    pub fn check(&self, counter: u64) -> bool {
        if counter == 0 {
            return false;
        }
        if counter > self.max {
            return true;
        }
        let age = self.max - counter;
        age < 64 && self.bits & (1u64 << age) == 0
    }

    /// Records `counter` (call only after the message authenticated).
    pub fn set(&mut self, counter: u64) {
        if counter > self.max {
            let shift = counter - self.max;
            self.bits = if shift >= 64 { 0 } else { self.bits << shift };
            self.bits |= 1;
            self.max = counter;
        } else {
            let age = self.max - counter;
            if age < 64 {
                self.bits |= 1u64 << age;
            }
        }
    }
}

/// One end of an authenticated session.
pub struct Session {
    id: [u8; SESSION_ID_LEN],
    send: LessSafeKey,
    recv: LessSafeKey,
    send_dir: [u8; 4],
    recv_dir: [u8; 4],
    send_counter: u64,
    window: ReplayWindow,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Session({})", hex(&self.id))
    }
}

fn key(bytes: &[u8; 32]) -> Result<LessSafeKey, ProtoError> {
    Ok(LessSafeKey::new(
        UnboundKey::new(&CHACHA20_POLY1305, bytes).map_err(|_| ProtoError::Crypto)?,
    ))
}

fn nonce(dir: [u8; 4], counter: u64) -> Nonce {
    let mut n = [0u8; 12];
    n[..4].copy_from_slice(&dir);
    n[4..].copy_from_slice(&counter.to_be_bytes());
    Nonce::assume_unique_for_key(n)
}

impl Session {
    /// The session for `role` from the agreed keys.
    pub fn new(keys: &SessionKeys, role: Role) -> Result<Session, ProtoError> {
        let (send, recv, send_dir, recv_dir) = match role {
            Role::Minion => (
                &keys.minion_to_master,
                &keys.master_to_minion,
                MINION_TO_MASTER,
                MASTER_TO_MINION,
            ),
            Role::Master => (
                &keys.master_to_minion,
                &keys.minion_to_master,
                MASTER_TO_MINION,
                MINION_TO_MASTER,
            ),
        };
        Ok(Session {
            id: keys.id,
            send: key(send)?,
            recv: key(recv)?,
            send_dir,
            recv_dir,
            send_counter: 0,
            window: ReplayWindow::default(),
        })
    }

    /// The session id.
    pub fn id(&self) -> [u8; SESSION_ID_LEN] {
        self.id
    }

    /// Seals `plaintext` into a complete frame.
    pub fn seal(&mut self, plaintext: &[u8]) -> Result<Vec<u8>, ProtoError> {
        self.send_counter += 1;
        let counter = self.send_counter;
        let mut out =
            Vec::with_capacity(HEADER_LEN + SESSION_ID_LEN + COUNTER_LEN + plaintext.len() + 16);
        out.extend_from_slice(&frame::header(Kind::Sealed));
        out.extend_from_slice(&self.id);
        out.extend_from_slice(&counter.to_be_bytes());
        let aad_len = out.len();
        let mut buf = plaintext.to_vec();
        self.send
            .seal_in_place_append_tag(
                nonce(self.send_dir, counter),
                Aad::from(&out[..aad_len]),
                &mut buf,
            )
            .map_err(|_| ProtoError::Crypto)?;
        out.extend_from_slice(&buf);
        Ok(out)
    }

    /// Opens the body of a sealed frame (what [`frame::split`] returned), refusing tampered
    /// data, other sessions' messages and replays.
    pub fn open(&mut self, body: &[u8]) -> Result<Vec<u8>, ProtoError> {
        let min = SESSION_ID_LEN + COUNTER_LEN + 16;
        if body.len() < min {
            return Err(ProtoError::Malformed("sealed frame too short".into()));
        }
        if body[..SESSION_ID_LEN] != self.id {
            return Err(ProtoError::UnknownSession);
        }
        let mut ctr = [0u8; COUNTER_LEN];
        ctr.copy_from_slice(&body[SESSION_ID_LEN..SESSION_ID_LEN + COUNTER_LEN]);
        let counter = u64::from_be_bytes(ctr);
        if !self.window.check(counter) {
            return Err(ProtoError::Replay);
        }
        let mut aad = frame::header(Kind::Sealed).to_vec();
        aad.extend_from_slice(&body[..SESSION_ID_LEN + COUNTER_LEN]);
        let mut buf = body[SESSION_ID_LEN + COUNTER_LEN..].to_vec();
        let plain_len = self
            .recv
            .open_in_place(nonce(self.recv_dir, counter), Aad::from(&aad), &mut buf)
            .map_err(|_| ProtoError::Decrypt)?
            .len();
        buf.truncate(plain_len);
        self.window.set(counter);
        Ok(buf)
    }
}

/// The session id of a sealed frame body, to find the session before opening it.
pub fn sealed_session_id(body: &[u8]) -> Option<[u8; SESSION_ID_LEN]> {
    body.get(..SESSION_ID_LEN)?.try_into().ok()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (Session, Session) {
        let keys = SessionKeys {
            id: [7; 16],
            minion_to_master: [1; 32],
            master_to_minion: [2; 32],
        };
        (
            Session::new(&keys, Role::Minion).expect("minion"),
            Session::new(&keys, Role::Master).expect("master"),
        )
    }

    fn body(frame: &[u8]) -> &[u8] {
        frame::split(frame).expect("frame").1
    }

    #[test]
    fn seal_open_replay_tamper_and_reflection() {
        let (mut m, mut s) = pair();
        let f1 = m.seal(b"one").expect("seal");
        let f2 = m.seal(b"two").expect("seal");
        // out of order is fine, once
        assert_eq!(s.open(body(&f2)).expect("open"), b"two");
        assert_eq!(s.open(body(&f1)).expect("open"), b"one");
        assert_eq!(s.open(body(&f1)), Err(ProtoError::Replay));
        // tampered ciphertext
        let mut bad = m.seal(b"three").expect("seal");
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert_eq!(s.open(body(&bad)), Err(ProtoError::Decrypt));
        // swapped counter (nonce)
        let mut swapped = m.seal(b"four").expect("seal");
        swapped[HEADER_LEN + SESSION_ID_LEN + 7] ^= 0x40;
        assert_eq!(s.open(body(&swapped)), Err(ProtoError::Decrypt));
        // a master→minion message reflected back to the master
        let reply = s.seal(b"reply").expect("seal");
        assert!(s.open(body(&reply)).is_err());
        assert_eq!(m.open(body(&reply)).expect("open"), b"reply");
    }

    #[test]
    fn window_moves_and_forgets_old_counters() {
        let mut w = ReplayWindow::default();
        assert!(!w.check(0));
        w.set(1);
        w.set(100);
        assert!(!w.check(1)); // older than the window
        assert!(w.check(99));
        w.set(99);
        assert!(!w.check(99));
        assert!(w.check(101));
    }
}
