//! [`FileClient`]: read-only access to the state tree (`salt://`) by environment.

use std::path::{Path, PathBuf};

/// Read access to a Salt file server. Paths are relative (`foo/init.sls`), `/`-separated,
/// without the `salt://` prefix; implementations must reject `..` components.
pub trait FileClient: Send + Sync {
    /// The environments this file server knows, in configuration order.
    fn envs(&self) -> Vec<String>;

    /// Finds `path` in `saltenv`; returns the local path it can be read from.
    fn find(&self, saltenv: &str, path: &str) -> Option<PathBuf>;

    /// Reads `path` in `saltenv` as text.
    fn read(&self, saltenv: &str, path: &str) -> Option<String> {
        self.find(saltenv, path)
            .and_then(|p| std::fs::read_to_string(p).ok())
    }

    /// Lists the files (not directories) under `prefix` in `saltenv`, sorted, relative paths.
    fn list_files(&self, saltenv: &str, prefix: &str) -> Vec<String>;

    /// Lists the directories under `prefix` in `saltenv`, sorted, relative paths.
    fn list_dirs(&self, saltenv: &str, prefix: &str) -> Vec<String>;
}

/// A file server over local `file_roots` (or `pillar_roots`): `{env: [dir, ...]}`, first
/// directory holding the file wins.
#[derive(Debug, Clone, Default)]
pub struct RootsFileClient {
    roots: Vec<(String, Vec<PathBuf>)>,
}

/// Rejects absolute paths and `..` so a template can never read outside the roots.
fn safe_rel(path: &str) -> Option<&str> {
    let p = path.trim_start_matches("salt://").trim_start_matches('/');
    if p.split('/').any(|c| c == "..") {
        return None;
    }
    Some(p)
}

impl RootsFileClient {
    /// Builds a client from `(env, dirs)` pairs in configuration order.
    pub fn new(roots: Vec<(String, Vec<PathBuf>)>) -> Self {
        RootsFileClient { roots }
    }

    fn dirs(&self, saltenv: &str) -> &[PathBuf] {
        self.roots
            .iter()
            .find(|(e, _)| e == saltenv)
            .map(|(_, d)| d.as_slice())
            .unwrap_or(&[])
    }

    fn walk(base: &Path, dir: &Path, files: bool, out: &mut Vec<String>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in rd.flatten() {
            let p = entry.path();
            let is_dir = p.is_dir();
            if let Ok(rel) = p.strip_prefix(base) {
                let rel = rel.to_string_lossy().replace('\\', "/");
                if is_dir != files {
                    out.push(rel);
                }
            }
            if is_dir {
                Self::walk(base, &p, files, out);
            }
        }
    }

    fn list(&self, saltenv: &str, prefix: &str, files: bool) -> Vec<String> {
        let Some(prefix) = safe_rel(prefix) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for root in self.dirs(saltenv) {
            Self::walk(root, root, files, &mut out);
        }
        out.retain(|p| prefix.is_empty() || p.starts_with(prefix));
        out.sort();
        out.dedup();
        out
    }
}

impl FileClient for RootsFileClient {
    fn envs(&self) -> Vec<String> {
        self.roots.iter().map(|(e, _)| e.clone()).collect()
    }

    fn find(&self, saltenv: &str, path: &str) -> Option<PathBuf> {
        let rel = safe_rel(path)?;
        self.dirs(saltenv)
            .iter()
            .map(|d| d.join(rel))
            .find(|p| p.is_file())
    }

    fn list_files(&self, saltenv: &str, prefix: &str) -> Vec<String> {
        self.list(saltenv, prefix, true)
    }

    fn list_dirs(&self, saltenv: &str, prefix: &str) -> Vec<String> {
        self.list(saltenv, prefix, false)
    }
}
