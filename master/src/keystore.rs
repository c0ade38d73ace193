//! The master's key store behind [`KeyStore`], with the file-system implementation
//! [`FsKeyStore`] in Salt's layout: `pki_dir/minions/ID` (accepted), `minions_pre/`
//! (pending), `minions_rejected/`, `minions_denied/` (a different key presented for an id
//! that already has one). [`admit`] is Salt's `_auth` decision.

use rsalt_proto::keys::{read_public, write_public, PublicKey};
use std::fs;
use std::path::{Path, PathBuf};

/// Where a key is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyState {
    /// `minions/`
    Accepted,
    /// `minions_pre/`
    Pending,
    /// `minions_rejected/`
    Rejected,
    /// `minions_denied/`
    Denied,
}

impl KeyState {
    /// All states, in `salt-key -L` order.
    pub const ALL: [KeyState; 4] = [
        KeyState::Accepted,
        KeyState::Denied,
        KeyState::Pending,
        KeyState::Rejected,
    ];

    /// The folder name under `pki_dir`.
    pub fn dir_name(self) -> &'static str {
        match self {
            KeyState::Accepted => "minions",
            KeyState::Pending => "minions_pre",
            KeyState::Rejected => "minions_rejected",
            KeyState::Denied => "minions_denied",
        }
    }

    /// The heading `salt-key -L` prints.
    pub fn heading(self) -> &'static str {
        match self {
            KeyState::Accepted => "Accepted Keys:",
            KeyState::Pending => "Unaccepted Keys:",
            KeyState::Rejected => "Rejected Keys:",
            KeyState::Denied => "Denied Keys:",
        }
    }

    /// The key `salt-key -L --out json` uses.
    pub fn out_key(self) -> &'static str {
        self.dir_name()
    }
}

/// A key store error.
#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    /// The id cannot name a key (path separators, `..`, NUL, empty, too long).
    #[error("invalid minion id {0:?}")]
    InvalidId(String),
    /// I/O or parse failure.
    #[error("{0}")]
    Io(String),
}

/// Salt's `valid_id`, stricter: an id never becomes a path outside its folder.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 255
        && id != "."
        && id != ".."
        && !id.starts_with('.')
        && !id.chars().any(|c| c == '/' || c == '\\' || c.is_control())
}

/// Storage of minion public keys by state.
pub trait KeyStore: Send + Sync {
    /// The key of `id` in `state`, if any.
    fn get(&self, state: KeyState, id: &str) -> Result<Option<PublicKey>, KeyStoreError>;
    /// Stores `key` for `id` in `state`.
    fn put(&self, state: KeyState, id: &str, key: &PublicKey) -> Result<(), KeyStoreError>;
    /// Removes `id` from `state`; true if it was there.
    fn remove(&self, state: KeyState, id: &str) -> Result<bool, KeyStoreError>;
    /// The ids in `state`, sorted.
    fn list(&self, state: KeyState) -> Result<Vec<String>, KeyStoreError>;
}

/// Keys as files under `pki_dir`, as Salt keeps them.
#[derive(Debug, Clone)]
pub struct FsKeyStore {
    pki_dir: PathBuf,
}

impl FsKeyStore {
    /// A store over `pki_dir` (the folders are created).
    pub fn new(pki_dir: &Path) -> Result<FsKeyStore, KeyStoreError> {
        for s in KeyState::ALL {
            fs::create_dir_all(pki_dir.join(s.dir_name()))
                .map_err(|e| KeyStoreError::Io(format!("{}: {e}", pki_dir.display())))?;
        }
        Ok(FsKeyStore {
            pki_dir: pki_dir.to_path_buf(),
        })
    }

    fn path(&self, state: KeyState, id: &str) -> Result<PathBuf, KeyStoreError> {
        if !valid_id(id) {
            return Err(KeyStoreError::InvalidId(id.to_string()));
        }
        Ok(self.pki_dir.join(state.dir_name()).join(id))
    }
}

impl KeyStore for FsKeyStore {
    fn get(&self, state: KeyState, id: &str) -> Result<Option<PublicKey>, KeyStoreError> {
        let p = self.path(state, id)?;
        if !p.is_file() {
            return Ok(None);
        }
        read_public(&p)
            .map(Some)
            .map_err(|e| KeyStoreError::Io(e.to_string()))
    }

    fn put(&self, state: KeyState, id: &str, key: &PublicKey) -> Result<(), KeyStoreError> {
        let p = self.path(state, id)?;
        write_public(&p, key).map_err(|e| KeyStoreError::Io(e.to_string()))
    }

    fn remove(&self, state: KeyState, id: &str) -> Result<bool, KeyStoreError> {
        let p = self.path(state, id)?;
        match fs::remove_file(&p) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(KeyStoreError::Io(format!("{}: {e}", p.display()))),
        }
    }

    fn list(&self, state: KeyState) -> Result<Vec<String>, KeyStoreError> {
        let dir = self.pki_dir.join(state.dir_name());
        let mut ids: Vec<String> = match fs::read_dir(&dir) {
            Ok(rd) => rd
                .filter_map(Result::ok)
                .filter(|e| e.path().is_file())
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter(|n| valid_id(n))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(KeyStoreError::Io(format!("{}: {e}", dir.display()))),
        };
        ids.sort();
        Ok(ids)
    }
}

/// The outcome of a minion presenting `key` for `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Trusted: the session may proceed.
    Accepted,
    /// Waiting for `rsalt-key -a` (stored in `minions_pre`).
    Pending,
    /// Rejected by an operator.
    Rejected,
    /// Another key is already known for this id; this one went to `minions_denied`.
    Denied,
}

/// Auto-acceptance settings.
#[derive(Debug, Clone, Default)]
pub struct AutoSign {
    /// `auto_accept`.
    pub accept_all: bool,
    /// Glob patterns from `autosign_file`.
    pub patterns: Vec<String>,
    /// Glob patterns from `autoreject_file`.
    pub reject_patterns: Vec<String>,
}

impl AutoSign {
    /// Reads `autosign_file`/`autoreject_file` (one glob per line, `#` comments).
    pub fn load(accept_all: bool, autosign: &Path, autoreject: &Path) -> AutoSign {
        let read = |p: &Path| -> Vec<String> {
            fs::read_to_string(p)
                .map(|t| {
                    t.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty() && !l.starts_with('#'))
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        AutoSign {
            accept_all,
            patterns: read(autosign),
            reject_patterns: read(autoreject),
        }
    }

    fn matches(patterns: &[String], id: &str) -> bool {
        patterns
            .iter()
            .any(|p| p == id || rsalt_sls::fnmatch::fnmatch(id, p))
    }
}

/// Salt's `_auth` decision for `id` presenting `key`, updating the store.
pub fn admit(
    store: &dyn KeyStore,
    id: &str,
    key: &PublicKey,
    auto: &AutoSign,
) -> Result<Admission, KeyStoreError> {
    if !valid_id(id) {
        return Err(KeyStoreError::InvalidId(id.to_string()));
    }
    if store.get(KeyState::Rejected, id)?.is_some() {
        return Ok(Admission::Rejected);
    }
    if let Some(accepted) = store.get(KeyState::Accepted, id)? {
        if accepted == *key {
            return Ok(Admission::Accepted);
        }
        store.put(KeyState::Denied, id, key)?;
        return Ok(Admission::Denied);
    }
    if AutoSign::matches(&auto.reject_patterns, id) {
        store.put(KeyState::Rejected, id, key)?;
        store.remove(KeyState::Pending, id)?;
        return Ok(Admission::Rejected);
    }
    if let Some(pending) = store.get(KeyState::Pending, id)? {
        if pending != *key {
            store.put(KeyState::Denied, id, key)?;
            return Ok(Admission::Denied);
        }
    }
    if auto.accept_all || AutoSign::matches(&auto.patterns, id) {
        store.put(KeyState::Accepted, id, key)?;
        store.remove(KeyState::Pending, id)?;
        return Ok(Admission::Accepted);
    }
    store.put(KeyState::Pending, id, key)?;
    Ok(Admission::Pending)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsalt_proto::keys::Identity;

    #[test]
    fn admission_follows_salt() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = FsKeyStore::new(dir.path()).expect("store");
        let k1 = Identity::generate().expect("k").public();
        let k2 = Identity::generate().expect("k").public();
        let auto = AutoSign::default();
        assert_eq!(
            admit(&store, "web1", &k1, &auto).expect("a"),
            Admission::Pending
        );
        assert_eq!(store.list(KeyState::Pending).expect("l"), vec!["web1"]);
        assert_eq!(
            admit(&store, "web1", &k2, &auto).expect("a"),
            Admission::Denied
        );
        store.remove(KeyState::Pending, "web1").expect("rm");
        store.put(KeyState::Accepted, "web1", &k1).expect("put");
        assert_eq!(
            admit(&store, "web1", &k1, &auto).expect("a"),
            Admission::Accepted
        );
        assert_eq!(
            admit(&store, "web1", &k2, &auto).expect("a"),
            Admission::Denied
        );
        assert_eq!(store.list(KeyState::Denied).expect("l"), vec!["web1"]);
        let auto = AutoSign {
            patterns: vec!["db*".into()],
            ..Default::default()
        };
        assert_eq!(
            admit(&store, "db7", &k2, &auto).expect("a"),
            Admission::Accepted
        );
        for bad in ["../x", "a/b", "", "..", ".hidden", "a\0b"] {
            assert!(admit(&store, bad, &k1, &auto).is_err(), "{bad:?}");
        }
    }
}
