//! The handshake: four plain messages, then a sealed session.
//!
//! ```text
//! minion                                   master
//!   HelloInit {id}                 ─────►  (no state kept)
//!                                  ◄─────  Challenge {cookie = r ‖ HMAC(secret, r ‖ id ‖ minute)}
//!   Hello {id, minion_pub, eph_m,
//!          cookie, nonce_m, sig_m} ─────►  cookie valid + unused, sig_m by minion_pub,
//!                                          key store says accepted (else Refusal)
//!                                  ◄─────  Welcome {master_pub, eph_s, nonce_s, session_id, sig_s}
//! keys = HKDF-SHA256(salt = nonce_m ‖ nonce_s, ikm = X25519(eph_m, eph_s),
//!                    info = welcome transcript hash) → 32 bytes each way
//! ```
//! `sig_m` covers the hello transcript (so a Hello cannot be replayed: the cookie is single
//! use and expires within two minutes); `sig_s` covers the hello transcript plus the
//! master's part (so the minion knows the master it pinned answered this very Hello).

use crate::codec::{decode, encode};
use crate::frame::{self, Kind};
use crate::keys::{Identity, PublicKey};
use crate::session::{SessionKeys, SESSION_ID_LEN};
use crate::ProtoError;
use ring::agreement::{self, EphemeralPrivateKey, UnparsedPublicKey, X25519};
use ring::digest::{Context, SHA256};
use ring::hkdf;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Minion → master: asks for a cookie.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HelloInit {
    /// The minion id the minion will claim.
    pub id: String,
}

/// Master → minion: the stateless cookie.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Challenge {
    /// 32 bytes: random half and MAC half.
    #[serde(with = "serde_bytes")]
    pub cookie: Vec<u8>,
}

/// Minion → master: identity, ephemeral key and the cookie, signed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Hello {
    /// Claimed minion id.
    pub id: String,
    /// Ed25519 identity public key (32 bytes).
    #[serde(with = "serde_bytes")]
    pub minion_pub: Vec<u8>,
    /// X25519 ephemeral public key (32 bytes).
    #[serde(with = "serde_bytes")]
    pub eph: Vec<u8>,
    /// The cookie from [`Challenge`].
    #[serde(with = "serde_bytes")]
    pub cookie: Vec<u8>,
    /// 32 random bytes.
    #[serde(with = "serde_bytes")]
    pub nonce: Vec<u8>,
    /// Ed25519 signature over the hello transcript.
    #[serde(with = "serde_bytes")]
    pub sig: Vec<u8>,
}

/// Master → minion: the master's half, signed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Welcome {
    /// The master's Ed25519 public key.
    #[serde(with = "serde_bytes")]
    pub master_pub: Vec<u8>,
    /// X25519 ephemeral public key.
    #[serde(with = "serde_bytes")]
    pub eph: Vec<u8>,
    /// 32 random bytes.
    #[serde(with = "serde_bytes")]
    pub nonce: Vec<u8>,
    /// Session id.
    #[serde(with = "serde_bytes")]
    pub session_id: Vec<u8>,
    /// Ed25519 signature over the welcome transcript.
    #[serde(with = "serde_bytes")]
    pub sig: Vec<u8>,
}

/// Why a handshake did not complete. `pending`, `rejected`, `denied` are signed by the
/// master (over the Hello transcript) so a third party cannot fake them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Refusal {
    /// `pending`, `rejected`, `denied`, `cookie`, `bad-request`, `busy`.
    pub code: String,
    /// Human-readable reason.
    pub message: String,
    /// The master's public key, when signed.
    #[serde(with = "serde_bytes", default)]
    pub master_pub: Vec<u8>,
    /// Signature over `code ‖ hello transcript`, when signed.
    #[serde(with = "serde_bytes", default)]
    pub sig: Vec<u8>,
}

fn random<const N: usize>() -> Result<[u8; N], ProtoError> {
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .map_err(|_| ProtoError::Crypto)?;
    Ok(out)
}

fn lp(ctx: &mut Context, bytes: &[u8]) {
    ctx.update(&(bytes.len() as u64).to_be_bytes());
    ctx.update(bytes);
}

fn hello_transcript(h: &Hello) -> [u8; 32] {
    let mut ctx = Context::new(&SHA256);
    ctx.update(b"rsalt-hello-v1");
    for part in [h.id.as_bytes(), &h.minion_pub, &h.eph, &h.cookie, &h.nonce] {
        lp(&mut ctx, part);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

fn welcome_transcript(hello_hash: &[u8; 32], w: &Welcome) -> [u8; 32] {
    let mut ctx = Context::new(&SHA256);
    ctx.update(b"rsalt-welcome-v1");
    for part in [
        &hello_hash[..],
        &w.master_pub,
        &w.eph,
        &w.nonce,
        &w.session_id,
    ] {
        lp(&mut ctx, part);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

fn refusal_transcript(code: &str, hello_hash: &[u8; 32]) -> Vec<u8> {
    let mut m = b"rsalt-refusal-v1".to_vec();
    m.extend_from_slice(&(code.len() as u64).to_be_bytes());
    m.extend_from_slice(code.as_bytes());
    m.extend_from_slice(hello_hash);
    m
}

struct Len(usize);
impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

fn derive(
    eph: EphemeralPrivateKey,
    peer_eph: &[u8],
    nonce_m: &[u8],
    nonce_s: &[u8],
    info: &[u8; 32],
    session_id: [u8; SESSION_ID_LEN],
) -> Result<SessionKeys, ProtoError> {
    let mut salt_bytes = nonce_m.to_vec();
    salt_bytes.extend_from_slice(nonce_s);
    let mut okm = [0u8; 64];
    agreement::agree_ephemeral(eph, &UnparsedPublicKey::new(&X25519, peer_eph), |shared| {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, &salt_bytes).extract(shared);
        prk.expand(&[&info[..]], Len(64))
            .and_then(|o| o.fill(&mut okm))
    })
    .map_err(|_| ProtoError::Crypto)?
    .map_err(|_| ProtoError::Crypto)?;
    let mut keys = SessionKeys {
        id: session_id,
        minion_to_master: [0; 32],
        master_to_minion: [0; 32],
    };
    keys.minion_to_master.copy_from_slice(&okm[..32]);
    keys.master_to_minion.copy_from_slice(&okm[32..]);
    Ok(keys)
}

fn ephemeral() -> Result<(EphemeralPrivateKey, Vec<u8>), ProtoError> {
    let rng = SystemRandom::new();
    let private = EphemeralPrivateKey::generate(&X25519, &rng).map_err(|_| ProtoError::Crypto)?;
    let public = private
        .compute_public_key()
        .map_err(|_| ProtoError::Crypto)?
        .as_ref()
        .to_vec();
    Ok((private, public))
}

/// The minion's side of a handshake in progress.
pub struct MinionHandshake {
    eph: EphemeralPrivateKey,
    nonce: Vec<u8>,
    hello_hash: [u8; 32],
}

impl MinionHandshake {
    /// The HelloInit frame for `id`.
    pub fn init_frame(id: &str) -> Result<Vec<u8>, ProtoError> {
        Ok(frame::join(
            Kind::HelloInit,
            &encode(&HelloInit { id: id.to_string() })?,
        ))
    }

    /// Builds the signed Hello frame answering `challenge`.
    pub fn hello(
        identity: &Identity,
        id: &str,
        challenge: &Challenge,
    ) -> Result<(MinionHandshake, Vec<u8>), ProtoError> {
        let (eph, eph_pub) = ephemeral()?;
        let nonce = random::<32>()?.to_vec();
        let mut hello = Hello {
            id: id.to_string(),
            minion_pub: identity.public().0.to_vec(),
            eph: eph_pub,
            cookie: challenge.cookie.clone(),
            nonce: nonce.clone(),
            sig: Vec::new(),
        };
        let hello_hash = hello_transcript(&hello);
        hello.sig = identity.sign(&hello_hash).to_vec();
        let frame = frame::join(Kind::Hello, &encode(&hello)?);
        Ok((
            MinionHandshake {
                eph,
                nonce,
                hello_hash,
            },
            frame,
        ))
    }

    /// Checks the Welcome (signature by the key it carries, over this Hello) and derives
    /// the session keys. The caller must check the returned master key against its pin.
    pub fn finish(self, welcome: &Welcome) -> Result<(PublicKey, SessionKeys), ProtoError> {
        let master = PublicKey::from_slice(&welcome.master_pub)?;
        let transcript = welcome_transcript(&self.hello_hash, welcome);
        master.verify(&transcript, &welcome.sig)?;
        let session_id: [u8; SESSION_ID_LEN] = welcome
            .session_id
            .as_slice()
            .try_into()
            .map_err(|_| ProtoError::Malformed("session id length".into()))?;
        if welcome.nonce.len() != 32 || welcome.eph.len() != 32 {
            return Err(ProtoError::Malformed("welcome field lengths".into()));
        }
        let keys = derive(
            self.eph,
            &welcome.eph,
            &self.nonce,
            &welcome.nonce,
            &transcript,
            session_id,
        )?;
        Ok((master, keys))
    }

    /// Verifies a signed refusal against the master key the minion trusts.
    pub fn refusal_is_authentic(&self, refusal: &Refusal, master: &PublicKey) -> bool {
        refusal.master_pub == master.0
            && master
                .verify(
                    &refusal_transcript(&refusal.code, &self.hello_hash),
                    &refusal.sig,
                )
                .is_ok()
    }
}

/// Checks a Hello's shape and the minion's signature over it; returns the minion's key.
/// The cookie and the key store are checked by the caller.
pub fn verify_hello(hello: &Hello) -> Result<PublicKey, ProtoError> {
    if hello.eph.len() != 32 || hello.nonce.len() != 32 || hello.cookie.len() != 32 {
        return Err(ProtoError::Malformed("hello field lengths".into()));
    }
    let key = PublicKey::from_slice(&hello.minion_pub)?;
    key.verify(&hello_transcript(hello), &hello.sig)?;
    Ok(key)
}

/// The master's answer to a verified Hello: the Welcome frame and the session keys.
pub fn welcome(master: &Identity, hello: &Hello) -> Result<(Vec<u8>, SessionKeys), ProtoError> {
    let (eph, eph_pub) = ephemeral()?;
    let mut w = Welcome {
        master_pub: master.public().0.to_vec(),
        eph: eph_pub,
        nonce: random::<32>()?.to_vec(),
        session_id: random::<SESSION_ID_LEN>()?.to_vec(),
        sig: Vec::new(),
    };
    let hello_hash = hello_transcript(hello);
    let transcript = welcome_transcript(&hello_hash, &w);
    w.sig = master.sign(&transcript).to_vec();
    let mut sid = [0u8; SESSION_ID_LEN];
    sid.copy_from_slice(&w.session_id);
    let keys = derive(eph, &hello.eph, &hello.nonce, &w.nonce, &transcript, sid)?;
    Ok((frame::join(Kind::Welcome, &encode(&w)?), keys))
}

/// A refusal frame; signed over the Hello when one was verified.
pub fn refusal(
    master: &Identity,
    hello: Option<&Hello>,
    code: &str,
    message: &str,
) -> Result<Vec<u8>, ProtoError> {
    let mut r = Refusal {
        code: code.to_string(),
        message: message.to_string(),
        master_pub: Vec::new(),
        sig: Vec::new(),
    };
    if let Some(h) = hello {
        r.master_pub = master.public().0.to_vec();
        r.sig = master
            .sign(&refusal_transcript(code, &hello_transcript(h)))
            .to_vec();
    }
    Ok(frame::join(Kind::Refusal, &encode(&r)?))
}

/// Decodes the body of a handshake frame.
pub fn decode_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ProtoError> {
    decode(body)
}

/// Compares two byte strings in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Issues and checks stateless handshake cookies; remembers used ones so each works once.
pub struct CookieJar {
    key: hmac::Key,
    used: HashMap<[u8; 32], u64>,
}

impl CookieJar {
    /// A jar with a fresh random secret.
    pub fn new() -> Result<CookieJar, ProtoError> {
        Ok(CookieJar {
            key: hmac::Key::new(hmac::HMAC_SHA256, &random::<32>()?),
            used: HashMap::new(),
        })
    }

    fn mac(&self, r: &[u8], id: &str, bucket: u64) -> [u8; 16] {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(r);
        ctx.update(&bucket.to_be_bytes());
        ctx.update(id.as_bytes());
        let tag = ctx.sign();
        let mut out = [0u8; 16];
        out.copy_from_slice(&tag.as_ref()[..16]);
        out
    }

    /// A cookie for `id`, valid for one to two minutes from `now` (Unix seconds).
    pub fn issue(&self, id: &str, now: u64) -> Result<Challenge, ProtoError> {
        let r = random::<16>()?;
        let mut cookie = r.to_vec();
        cookie.extend_from_slice(&self.mac(&r, id, now / 60));
        Ok(Challenge { cookie })
    }

    /// Accepts a cookie once, if this jar issued it for `id` within the last two minutes.
    pub fn redeem(&mut self, id: &str, cookie: &[u8], now: u64) -> Result<(), ProtoError> {
        let arr: [u8; 32] = cookie.try_into().map_err(|_| ProtoError::Cookie)?;
        let bucket = now / 60;
        let valid = [bucket, bucket.saturating_sub(1)]
            .iter()
            .any(|b| constant_time_eq(&arr[16..], &self.mac(&arr[..16], id, *b)));
        if !valid {
            return Err(ProtoError::Cookie);
        }
        self.used.retain(|_, t| now.saturating_sub(*t) < 180);
        if self.used.insert(arr, now).is_some() {
            return Err(ProtoError::Replay);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Role, Session};

    #[test]
    fn full_handshake_and_session() {
        let master = Identity::generate().expect("master");
        let minion = Identity::generate().expect("minion");
        let mut jar = CookieJar::new().expect("jar");
        let now = 1_000_000;
        let challenge = jar.issue("web1", now).expect("cookie");
        let (hs, hello_frame) = MinionHandshake::hello(&minion, "web1", &challenge).expect("hello");
        let (kind, body) = frame::split(&hello_frame).expect("split");
        assert_eq!(kind, Kind::Hello);
        let hello: Hello = decode(body).expect("decode");
        assert_eq!(verify_hello(&hello).expect("verify"), minion.public());
        jar.redeem(&hello.id, &hello.cookie, now + 30)
            .expect("cookie ok");
        assert_eq!(
            jar.redeem(&hello.id, &hello.cookie, now + 31),
            Err(ProtoError::Replay)
        );
        let (welcome_frame, master_keys) = welcome(&master, &hello).expect("welcome");
        let w: Welcome = decode(frame::split(&welcome_frame).expect("split").1).expect("decode");
        let (master_pub, minion_keys) = hs.finish(&w).expect("finish");
        assert_eq!(master_pub, master.public());
        let mut a = Session::new(&minion_keys, Role::Minion).expect("a");
        let mut b = Session::new(&master_keys, Role::Master).expect("b");
        let f = a.seal(b"ping").expect("seal");
        assert_eq!(
            b.open(frame::split(&f).expect("split").1).expect("open"),
            b"ping"
        );
    }

    #[test]
    fn forged_or_stale_handshakes_fail() {
        let master = Identity::generate().expect("master");
        let minion = Identity::generate().expect("minion");
        let mallory = Identity::generate().expect("mallory");
        let mut jar = CookieJar::new().expect("jar");
        let challenge = jar.issue("web1", 0).expect("cookie");
        // cookie for another id, or expired
        assert!(jar.redeem("web2", &challenge.cookie, 0).is_err());
        assert!(jar.redeem("web1", &challenge.cookie, 200).is_err());
        // claimed key swapped after signing
        let (_, f) = MinionHandshake::hello(&minion, "web1", &challenge).expect("hello");
        let mut hello: Hello = decode(frame::split(&f).expect("split").1).expect("decode");
        hello.minion_pub = mallory.public().0.to_vec();
        assert_eq!(verify_hello(&hello), Err(ProtoError::BadSignature));
        // a welcome signed by another master for this hello
        let (hs, f) = MinionHandshake::hello(&minion, "web1", &challenge).expect("hello");
        let hello: Hello = decode(frame::split(&f).expect("split").1).expect("decode");
        let (wf, _) = welcome(&master, &hello).expect("welcome");
        let mut w: Welcome = decode(frame::split(&wf).expect("split").1).expect("decode");
        w.master_pub = mallory.public().0.to_vec();
        assert!(hs.finish(&w).is_err());
    }
}
