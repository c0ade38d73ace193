//! The master daemon.
//!
//! ```text
//!  minions ──ZeroMQ DEALER──► ret_port ROUTER ──► reqserver: handshake, sealed requests
//!                                                 (render, files, returns) ──► outboxes
//!  minions ◄──ZeroMQ SUB───── publish_port PUB ◄── jobs: target, seal+sign, publish
//!  rsalt / rsalt-key / rsalt-run ──unix socket──► local: publish, stream returns, runners
//! ```
//! All shared state sits in [`Shared`] behind one `std::sync::Mutex` that is never held
//! across an `.await`; rendering runs on the blocking pool, bounded by `worker_threads`.

pub mod guard;
mod jobs;
mod local;
mod metrics;
pub mod outbox;
mod reqserver;

use crate::config::MasterConfig;
use crate::jobcache::{FsJobCache, JobCache};
use crate::keystore::{AutoSign, FsKeyStore, KeyState, KeyStore};
use crate::render::ConfinedFileClient;
use anyhow::Context;
use rsalt_data::{Dict, Value};
use rsalt_proto::handshake::CookieJar;
use rsalt_proto::keys::{Identity, PublicKey};
use rsalt_proto::publish::PublishKey;
use rsalt_proto::session::{Session, SESSION_ID_LEN};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, mpsc, Semaphore};

pub use jobs::expected_minions;

/// An authenticated session.
pub(crate) struct SessionEntry {
    pub session: Session,
    pub minion_id: String,
    pub peer: Vec<u8>,
    /// Creation order (the oldest of a minion's sessions is dropped first).
    pub serial: u64,
}

/// What the master knows about a minion.
#[derive(Default)]
pub(crate) struct MinionEntry {
    pub session_id: Option<[u8; SESSION_ID_LEN]>,
    pub peer: Option<Vec<u8>>,
    /// Grains as msgpack (a decoded tree is ~5× larger; 5,000 minions made that the
    /// master's largest memory user). Decode with [`MinionEntry::grains`].
    pub grains_mp: Arc<Vec<u8>>,
    /// The minion's own options (sent at connect).
    pub opts: Dict,
    pub pillar: Option<Dict>,
    pub last_seen: Option<Instant>,
    pub connected: bool,
    /// Hash → (saltenv, path) of files this minion's states referenced.
    pub allowed_files: HashMap<String, (String, String)>,
    /// Jobs the minion reports running (heartbeats).
    pub running: HashSet<String>,
    /// Jobs the minion ever reported running (never handed to it again: a job
    /// interrupted by a minion restart is not re-run behind the operator's back).
    pub started: HashSet<String>,
}

impl MinionEntry {
    /// The minion's grains (empty when unknown).
    pub fn grains(&self) -> Dict {
        if self.grains_mp.is_empty() {
            return Dict::new();
        }
        match rsalt_proto::codec::decode::<rsalt_proto::codec::WireValue>(&self.grains_mp) {
            Ok(w) => match Value::from(w) {
                Value::Dict(d) => d,
                _ => Dict::new(),
            },
            Err(_) => Dict::new(),
        }
    }
}

/// A job some client is waiting on.
pub(crate) struct ActiveJob {
    pub expected: BTreeSet<String>,
    pub returned: BTreeSet<String>,
    pub watchers: Vec<mpsc::Sender<crate::localapi::LocalEvent>>,
    pub published: Instant,
    /// The job as published (handed again to a minion that missed the publication).
    pub job: rsalt_proto::msg::Job,
}

/// Mutable state.
pub(crate) struct State {
    pub sessions: HashMap<[u8; SESSION_ID_LEN], SessionEntry>,
    pub minions: HashMap<String, MinionEntry>,
    pub publish_key: PublishKey,
    pub pub_seq: u64,
    pub jobs: HashMap<String, ActiveJob>,
    pub autosign: AutoSign,
    pub cookies: CookieJar,
    pub session_serial: u64,
}

/// Everything the daemon's tasks share.
pub struct Shared {
    pub(crate) cfg: Arc<MasterConfig>,
    pub(crate) identity: Arc<Identity>,
    pub(crate) keys: Arc<dyn KeyStore>,
    pub(crate) jobs: Arc<dyn JobCache>,
    pub(crate) files: Arc<ConfinedFileClient>,
    pub(crate) state: Mutex<State>,
    pub(crate) publish_tx: mpsc::Sender<Vec<u8>>,
    pub(crate) events: broadcast::Sender<(String, Value)>,
    pub(crate) render_slots: Arc<Semaphore>,
    pub(crate) metrics: metrics::Metrics,
    pub(crate) heartbeat: Duration,
    pub(crate) minion_cache: PathBuf,
}

impl Shared {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock means a task panicked mid-update; the data is still the best we
        // have, so keep serving rather than take the whole master down.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Fires an event on the bus (`state.event`).
    pub(crate) fn event(&self, tag: String, data: Value) {
        let _ = self.events.send((tag, data));
    }

    /// Whether the master considers `id` connected now.
    pub(crate) fn is_connected(m: &MinionEntry, heartbeat: Duration) -> bool {
        m.connected && m.last_seen.is_some_and(|t| t.elapsed() < heartbeat * 3)
    }

    /// Moves to a new publish key epoch: sessions of minions whose key is no longer
    /// accepted are dropped first, so only trusted minions can fetch the new key.
    pub(crate) fn recheck_keys_and_rotate(&self, force_rotate: bool) {
        // Sessions whose minion is not accepted (any more), confirmed one by one against
        // the store so that a minion accepted meanwhile keeps its new session.
        let accepted_now = |id: &str, key: Option<&PublicKey>| -> bool {
            matches!(self.keys.get(KeyState::Accepted, id), Ok(Some(k)) if key.is_none_or(|x| *x == k))
        };
        let ids: HashSet<String> = self
            .lock()
            .sessions
            .values()
            .map(|s| s.minion_id.clone())
            .collect();
        let gone: HashSet<String> = ids
            .into_iter()
            .filter(|id| !accepted_now(id, None))
            .collect();
        let mut st = self.lock();
        let before = st.sessions.len();
        let mut dropped = Vec::new();
        st.sessions.retain(|_, s| {
            let keep = !gone.contains(&s.minion_id);
            if !keep {
                dropped.push(s.minion_id.clone());
            }
            keep
        });
        for id in &dropped {
            if let Some(m) = st.minions.get_mut(id) {
                m.connected = false;
                m.session_id = None;
            }
        }
        st.minions.retain(|id, _| !gone.contains(id));
        let removed = before != st.sessions.len();
        if removed || force_rotate {
            let epoch = st.publish_key.epoch.wrapping_add(1);
            match PublishKey::generate(epoch) {
                Ok(k) => {
                    st.publish_key = k;
                    st.pub_seq = 0;
                    tracing::info!(epoch, dropped = ?dropped, "publish key rotated");
                }
                Err(e) => tracing::error!(error = %e, "cannot generate a publish key"),
            }
        }
        st.autosign = AutoSign::load(
            self.cfg.bool("auto_accept"),
            &self.cfg.path("autosign_file"),
            &self.cfg.path("autoreject_file"),
        );
    }
}

/// Loads (or creates) the master's identity and prints nothing secret.
pub fn master_identity(cfg: &MasterConfig) -> anyhow::Result<Identity> {
    let pki = cfg.path("pki_dir");
    let (id, created) = Identity::load_or_create(&pki, "master")
        .with_context(|| format!("master key in {}", pki.display()))?;
    if created {
        tracing::info!(fingerprint = %id.public().fingerprint(), "generated the master key");
    }
    Ok(id)
}

/// Runs the master until `shutdown` resolves (SIGTERM in the binary). `reload` resolving
/// (SIGHUP) re-reads keys and autosign files without a restart.
pub async fn run(
    cfg: MasterConfig,
    shutdown: impl Future<Output = ()> + Send,
    mut reload: mpsc::Receiver<()>,
) -> anyhow::Result<()> {
    let cfg = Arc::new(cfg);
    let identity = Arc::new(master_identity(&cfg)?);
    let keys: Arc<dyn KeyStore> = Arc::new(FsKeyStore::new(&cfg.path("pki_dir"))?);
    let cachedir = cfg.path("cachedir");
    let jobs: Arc<dyn JobCache> = Arc::new(FsJobCache::new(&cachedir)?);
    let files = Arc::new(ConfinedFileClient::new(&cfg.opts));
    std::fs::create_dir_all(cfg.path("sock_dir"))
        .with_context(|| format!("creating sock_dir {}", cfg.str("sock_dir")))?;
    let (publish_tx, publish_rx) = mpsc::channel::<Vec<u8>>(1024);
    let (events, _) = broadcast::channel(4096);
    let workers = usize::try_from(cfg.int("worker_threads").max(1)).unwrap_or(5);
    let heartbeat = Duration::from_millis(
        u64::try_from(
            cfg.opts
                .get("heartbeat_interval")
                .and_then(Value::as_int)
                .unwrap_or(5),
        )
        .unwrap_or(5)
        .max(1)
            * 1000,
    );
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            sessions: HashMap::new(),
            minions: HashMap::new(),
            publish_key: PublishKey::generate(1)?,
            pub_seq: 0,
            jobs: HashMap::new(),
            autosign: AutoSign::load(
                cfg.bool("auto_accept"),
                &cfg.path("autosign_file"),
                &cfg.path("autoreject_file"),
            ),
            cookies: CookieJar::new()?,
            session_serial: 0,
        }),
        cfg: cfg.clone(),
        identity,
        keys,
        jobs,
        files,
        publish_tx,
        events,
        render_slots: Arc::new(Semaphore::new(workers)),
        metrics: metrics::Metrics::default(),
        heartbeat,
        minion_cache: cachedir.join("minions"),
    });
    jobs::load_cached_grains(&shared);

    // ZeroMQ listens on private unix sockets; the public ports are served by the guard.
    let sock_dir = cfg.path("sock_dir");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&sock_dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("securing sock_dir {}", sock_dir.display()))?;
    }
    let pub_sock = sock_dir.join("publish_pull.ipc");
    let ret_sock = sock_dir.join("workers.ipc");
    for s in [&pub_sock, &ret_sock] {
        let _ = std::fs::remove_file(s);
    }
    let publisher =
        jobs::start_publisher(&format!("ipc://{}", pub_sock.display()), publish_rx).await?;
    let reqs = reqserver::start(shared.clone(), &format!("ipc://{}", ret_sock.display())).await?;
    let bind = |port: &str| format!("{}:{}", cfg.str("interface"), cfg.int(port));
    let guard_pub = guard::start(&bind("publish_port"), pub_sock.clone()).await?;
    let guard_ret = guard::start(&bind("ret_port"), ret_sock.clone()).await?;
    let local = local::start(shared.clone()).await?;
    let metrics = metrics::start(shared.clone()).await;
    let housekeeping = tokio::spawn(jobs::housekeeping(shared.clone()));
    tracing::info!(
        publish = %cfg.endpoint("publish_port"),
        ret = %cfg.endpoint("ret_port"),
        fingerprint = %shared.identity.public().fingerprint(),
        "rsalt-master running"
    );
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            r = reload.recv() => {
                if r.is_none() { continue; }
                tracing::info!("reloading keys and autosign files");
                shared.recheck_keys_and_rotate(false);
            }
        }
    }
    tracing::info!("shutting down");
    for h in [guard_pub, guard_ret, publisher, reqs, local, housekeeping] {
        h.abort();
    }
    if let Some(m) = metrics {
        m.abort();
    }
    let _ = std::fs::remove_file(cfg.cli_socket());
    Ok(())
}
