//! Ed25519 identity keys (ring) in PEM files named as Salt names its RSA keys
//! (`master.pem`/`master.pub`, `minion.pem`/`minion.pub`, `minion_master.pub`), and Salt's
//! key fingerprint format (`master_finger`, `salt-key -f`).

use crate::ProtoError;
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};
use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the 32 key bytes follow.
const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// An Ed25519 public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey(pub [u8; 32]);

impl PublicKey {
    /// From raw bytes (exactly 32).
    pub fn from_slice(bytes: &[u8]) -> Result<PublicKey, ProtoError> {
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| ProtoError::BadKey(format!("{} bytes, expected 32", bytes.len())))?;
        Ok(PublicKey(arr))
    }

    /// PEM text (`-----BEGIN PUBLIC KEY-----`, SubjectPublicKeyInfo).
    pub fn to_pem(&self) -> String {
        let mut der = SPKI_PREFIX.to_vec();
        der.extend_from_slice(&self.0);
        pem("PUBLIC KEY", &der)
    }

    /// Parses PEM text written by [`PublicKey::to_pem`].
    pub fn from_pem(text: &str) -> Result<PublicKey, ProtoError> {
        let der = unpem("PUBLIC KEY", text)?;
        match der.strip_prefix(&SPKI_PREFIX[..]) {
            Some(raw) => PublicKey::from_slice(raw),
            None => Err(ProtoError::BadKey("not an Ed25519 public key".into())),
        }
    }

    /// Salt's fingerprint (`salt.utils.crypt.pem_finger`): SHA-256 over the PEM body lines,
    /// as colon-separated hex pairs.
    pub fn fingerprint(&self) -> String {
        pem_finger(&self.to_pem())
    }

    /// Verifies an Ed25519 signature.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> Result<(), ProtoError> {
        UnparsedPublicKey::new(&ED25519, &self.0)
            .verify(msg, sig)
            .map_err(|_| ProtoError::BadSignature)
    }
}

/// Salt's `pem_finger` over PEM text: hash of the lines between the armour lines.
pub fn pem_finger(pem_text: &str) -> String {
    let lines: Vec<&str> = pem_text.lines().filter(|l| !l.trim().is_empty()).collect();
    let body: String = if lines.len() >= 2 {
        lines[1..lines.len() - 1]
            .iter()
            .map(|l| format!("{l}\n"))
            .collect()
    } else {
        String::new()
    };
    let digest = ring::digest::digest(&ring::digest::SHA256, body.as_bytes());
    digest
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// An Ed25519 key pair: a master's or minion's identity.
pub struct Identity {
    pair: Ed25519KeyPair,
    pkcs8: Vec<u8>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the private key.
        write!(f, "Identity({})", self.public().fingerprint())
    }
}

impl Identity {
    /// A new random identity.
    pub fn generate() -> Result<Identity, ProtoError> {
        let rng = SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| ProtoError::Crypto)?;
        Identity::from_pkcs8(pkcs8.as_ref())
    }

    fn from_pkcs8(der: &[u8]) -> Result<Identity, ProtoError> {
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
            .map_err(|e| ProtoError::BadKey(e.to_string()))?;
        Ok(Identity {
            pair,
            pkcs8: der.to_vec(),
        })
    }

    /// Parses `-----BEGIN PRIVATE KEY-----` PEM text (PKCS#8).
    pub fn from_pem(text: &str) -> Result<Identity, ProtoError> {
        Identity::from_pkcs8(&unpem("PRIVATE KEY", text)?)
    }

    /// PEM text of the private key (PKCS#8). Write it only with [`write_private`].
    pub fn to_pem(&self) -> String {
        pem("PRIVATE KEY", &self.pkcs8)
    }

    /// The public half.
    pub fn public(&self) -> PublicKey {
        let mut raw = [0u8; 32];
        raw.copy_from_slice(self.pair.public_key().as_ref());
        PublicKey(raw)
    }

    /// Signs `msg`.
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        let mut out = [0u8; 64];
        out.copy_from_slice(self.pair.sign(msg).as_ref());
        out
    }

    /// Loads `DIR/NAME.pem`, or creates it (0600) and `DIR/NAME.pub` (0644) when absent, as
    /// Salt does on first start. Returns the identity and whether it was created.
    pub fn load_or_create(dir: &Path, name: &str) -> Result<(Identity, bool), KeyFileError> {
        let private = dir.join(format!("{name}.pem"));
        let public = dir.join(format!("{name}.pub"));
        if private.exists() {
            let text = read(&private)?;
            let id = Identity::from_pem(&text).map_err(|e| KeyFileError::Parse {
                path: private.clone(),
                source: e,
            })?;
            if !public.exists() {
                write_public(&public, &id.public())?;
            }
            return Ok((id, false));
        }
        fs::create_dir_all(dir).map_err(|e| KeyFileError::Io {
            path: dir.to_path_buf(),
            source: e,
        })?;
        let id = Identity::generate().map_err(|e| KeyFileError::Parse {
            path: private.clone(),
            source: e,
        })?;
        write_private(&private, &id)?;
        write_public(&public, &id.public())?;
        Ok((id, true))
    }
}

/// A key file could not be read, parsed or written.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// I/O error on `path`.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// `path` is not a valid key.
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: ProtoError,
    },
}

fn read(path: &Path) -> Result<String, KeyFileError> {
    fs::read_to_string(path).map_err(|e| KeyFileError::Io {
        path: path.to_path_buf(),
        source: e,
    })
}

/// Reads a public key file.
pub fn read_public(path: &Path) -> Result<PublicKey, KeyFileError> {
    PublicKey::from_pem(&read(path)?).map_err(|e| KeyFileError::Parse {
        path: path.to_path_buf(),
        source: e,
    })
}

/// Writes `contents` to `path` atomically (temp file + rename) with `mode`, and syncs it to
/// disk first (keys).
pub fn write_atomic(path: &Path, contents: &[u8], mode: u32) -> Result<(), KeyFileError> {
    write_file(path, contents, mode, true)
}

/// [`write_atomic`] without the sync: atomic against crashes of the process, not of the
/// machine (caches, job returns: thousands per second).
pub fn write_atomic_nosync(path: &Path, contents: &[u8], mode: u32) -> Result<(), KeyFileError> {
    write_file(path, contents, mode, false)
}

fn write_file(path: &Path, contents: &[u8], mode: u32, sync: bool) -> Result<(), KeyFileError> {
    let io = |e| KeyFileError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io)?;
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let tmp = dir.join(format!(
        ".{}.tmp{}.{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("key"),
        std::process::id(),
        SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(&tmp)
        .map_err(io)?;
    f.write_all(contents).map_err(io)?;
    if sync {
        f.sync_all().map_err(io)?;
    }
    fs::rename(&tmp, path).map_err(io)
}

/// Writes a private key, mode 0600.
pub fn write_private(path: &Path, id: &Identity) -> Result<(), KeyFileError> {
    write_atomic(path, id.to_pem().as_bytes(), 0o600)
}

/// Writes a public key, mode 0644.
pub fn write_public(path: &Path, key: &PublicKey) -> Result<(), KeyFileError> {
    write_atomic(path, key.to_pem().as_bytes(), 0o644)
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn unpem(label: &str, text: &str) -> Result<Vec<u8>, ProtoError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text
        .find(&begin)
        .ok_or_else(|| ProtoError::BadKey(format!("no '{begin}' line")))?;
    let rest = &text[start + begin.len()..];
    let stop = rest
        .find(&end)
        .ok_or_else(|| ProtoError::BadKey(format!("no '{end}' line")))?;
    let b64: String = rest[..stop].split_whitespace().collect();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| ProtoError::BadKey(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn pem_round_trip_sign_verify_and_modes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (id, created) = Identity::load_or_create(dir.path(), "minion").expect("create");
        assert!(created);
        let (again, created) = Identity::load_or_create(dir.path(), "minion").expect("load");
        assert!(!created);
        assert_eq!(id.public(), again.public());
        let mode = |n: &str| {
            fs::metadata(dir.path().join(n))
                .expect("meta")
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode("minion.pem"), 0o600);
        assert_eq!(mode("minion.pub"), 0o644);
        let public = read_public(&dir.path().join("minion.pub")).expect("pub");
        let sig = id.sign(b"hello");
        assert!(public.verify(b"hello", &sig).is_ok());
        assert!(public.verify(b"hellO", &sig).is_err());
        let fp = public.fingerprint();
        assert_eq!(fp.len(), 32 * 3 - 1);
        assert!(format!("{id:?}").contains(&fp));
        assert!(!format!("{id:?}").contains("PRIVATE"));
    }

    #[test]
    fn garbage_keys_are_errors() {
        assert!(PublicKey::from_pem("nope").is_err());
        assert!(Identity::from_pem(
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
        )
        .is_err());
    }
}
