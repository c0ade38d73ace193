//! Job ids and the job cache behind [`JobCache`]; [`FsJobCache`] is the embedded default
//! (Salt's `local_cache` layout idea: one folder per job, one file per minion return,
//! msgpack). Minion ids are hex-encoded in file names and job ids must be 20 digits, so no
//! id from the network ever becomes a path.

use rsalt_data::Value;
use rsalt_proto::codec::{self, value, values};
use rsalt_proto::msg::JobReturn;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What the master published for a job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobRecord {
    /// Job id.
    pub jid: String,
    /// Function.
    pub fun: String,
    /// Positional arguments.
    #[serde(with = "values")]
    pub arg: Vec<Value>,
    /// Keyword arguments.
    #[serde(with = "value")]
    pub kwarg: Value,
    /// Target as given.
    #[serde(with = "value")]
    pub tgt: Value,
    /// Target type as given.
    pub tgt_type: String,
    /// Who published it.
    pub user: String,
    /// Minions expected to answer.
    pub minions: Vec<String>,
    /// State tree revision at publish time.
    pub tree: String,
}

/// A job cache error.
#[derive(Debug, thiserror::Error)]
#[error("job cache: {0}")]
pub struct JobCacheError(pub String);

/// Storage of jobs and their returns.
pub trait JobCache: Send + Sync {
    /// Records a published job.
    fn save_load(&self, job: &JobRecord) -> Result<(), JobCacheError>;
    /// Records one minion's return (idempotent: a retried delivery overwrites itself).
    fn save_return(&self, ret: &JobReturn) -> Result<(), JobCacheError>;
    /// The job, if known.
    fn get_load(&self, jid: &str) -> Option<JobRecord>;
    /// The returns of a job by minion id.
    fn get_returns(&self, jid: &str) -> BTreeMap<String, JobReturn>;
    /// All job ids, oldest first.
    fn list_jids(&self) -> Vec<String>;
    /// Deletes jobs older than `keep_seconds`; returns how many.
    fn clean_old(&self, keep_seconds: u64) -> usize;
}

/// A Salt job id is 20 digits (`%Y%m%d%H%M%S%f`).
pub fn valid_jid(jid: &str) -> bool {
    jid.len() == 20 && jid.bytes().all(|b| b.is_ascii_digit())
}

static LAST_JID: Mutex<u128> = Mutex::new(0);

/// A new, unique, increasing job id in Salt's format (local time, microseconds).
pub fn gen_jid() -> String {
    let now = chrono::Local::now();
    let mut n: u128 = now
        .format("%Y%m%d%H%M%S%6f")
        .to_string()
        .parse()
        .unwrap_or(0);
    if let Ok(mut last) = LAST_JID.lock() {
        if n <= *last {
            n = *last + 1;
        }
        *last = n;
    }
    format!("{n:020}")
}

/// Salt's `jid_to_time`: `2026, Nov 29 14:44:46.123456`.
pub fn jid_to_time(jid: &str) -> String {
    if !valid_jid(jid) {
        return String::new();
    }
    match chrono::NaiveDateTime::parse_from_str(&jid[..14], "%Y%m%d%H%M%S") {
        Ok(t) => format!("{}.{}", t.format("%Y, %b %d %H:%M:%S"), &jid[14..]),
        Err(_) => String::new(),
    }
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<String> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// The embedded job cache: `cachedir/jobs/<jid>/load.mp` and `.../ret/<hex id>.mp`.
#[derive(Debug, Clone)]
pub struct FsJobCache {
    root: PathBuf,
}

impl FsJobCache {
    /// A cache under `cachedir/jobs`.
    pub fn new(cachedir: &Path) -> Result<FsJobCache, JobCacheError> {
        let root = cachedir.join("jobs");
        fs::create_dir_all(&root).map_err(|e| JobCacheError(format!("{}: {e}", root.display())))?;
        Ok(FsJobCache { root })
    }

    fn job_dir(&self, jid: &str) -> Result<PathBuf, JobCacheError> {
        if !valid_jid(jid) {
            return Err(JobCacheError(format!("invalid job id {jid:?}")));
        }
        Ok(self.root.join(jid))
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), JobCacheError> {
    rsalt_proto::keys::write_atomic_nosync(path, bytes, 0o600)
        .map_err(|e| JobCacheError(e.to_string()))
}

impl JobCache for FsJobCache {
    fn save_load(&self, job: &JobRecord) -> Result<(), JobCacheError> {
        let dir = self.job_dir(&job.jid)?;
        let bytes = codec::encode(job).map_err(|e| JobCacheError(e.to_string()))?;
        write(&dir.join("load.mp"), &bytes)
    }

    fn save_return(&self, ret: &JobReturn) -> Result<(), JobCacheError> {
        let dir = self.job_dir(&ret.jid)?.join("ret");
        let bytes = codec::encode(ret).map_err(|e| JobCacheError(e.to_string()))?;
        write(&dir.join(format!("{}.mp", hex(&ret.id))), &bytes)
    }

    fn get_load(&self, jid: &str) -> Option<JobRecord> {
        let bytes = fs::read(self.job_dir(jid).ok()?.join("load.mp")).ok()?;
        codec::decode(&bytes).ok()
    }

    fn get_returns(&self, jid: &str) -> BTreeMap<String, JobReturn> {
        let mut out = BTreeMap::new();
        let Ok(dir) = self.job_dir(jid) else {
            return out;
        };
        let Ok(rd) = fs::read_dir(dir.join("ret")) else {
            return out;
        };
        for e in rd.filter_map(Result::ok) {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".mp").and_then(unhex) else {
                continue;
            };
            if let Ok(bytes) = fs::read(e.path()) {
                if let Ok(r) = codec::decode::<JobReturn>(&bytes) {
                    out.insert(id, r);
                }
            }
        }
        out
    }

    fn list_jids(&self) -> Vec<String> {
        let mut jids: Vec<String> = fs::read_dir(&self.root)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .filter_map(|e| e.file_name().to_str().map(str::to_string))
                    .filter(|n| valid_jid(n))
                    .collect()
            })
            .unwrap_or_default();
        jids.sort();
        jids
    }

    fn clean_old(&self, keep_seconds: u64) -> usize {
        let cutoff = chrono::Local::now() - chrono::Duration::seconds(keep_seconds as i64);
        let cutoff_jid = cutoff.format("%Y%m%d%H%M%S%6f").to_string();
        let mut n = 0;
        for jid in self.list_jids() {
            if jid < cutoff_jid && fs::remove_dir_all(self.root.join(&jid)).is_ok() {
                n += 1;
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jids_are_unique_and_salt_shaped() {
        let a = gen_jid();
        let b = gen_jid();
        assert!(valid_jid(&a) && valid_jid(&b) && b > a);
        assert!(jid_to_time("20261129144446123456").starts_with("2026, Nov 29 14:44:46.123456"));
    }

    #[test]
    fn returns_persist_and_ids_never_become_paths() {
        let dir = tempfile::tempdir().expect("tmp");
        let cache = FsJobCache::new(dir.path()).expect("cache");
        let jid = gen_jid();
        let ret = JobReturn {
            jid: jid.clone(),
            id: "../../etc/x".into(),
            fun: "test.ping".into(),
            fun_args: vec![],
            ret: Value::Bool(true),
            retcode: 0,
            success: true,
            out: None,
            tree: None,
        };
        cache.save_return(&ret).expect("save");
        let got = cache.get_returns(&jid);
        assert_eq!(got.len(), 1);
        assert!(got.contains_key("../../etc/x"));
        assert!(!dir.path().join("etc").exists());
        let mut bad = ret.clone();
        bad.jid = "../../../tmp/x".into();
        assert!(cache.save_return(&bad).is_err());
    }
}
