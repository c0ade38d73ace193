//! `rsalt-minion`: connects to the master, keeps the session alive, runs published jobs
//! addressed to it, and delivers every return (kept on disk until the master acknowledges
//! it, so a return survives a lost connection or a minion restart).

pub mod channel;
pub mod exec;

use anyhow::Context;
use channel::{Channel, ChannelConfig, LinkState};
use exec::{Local, Outcome};
use rsalt_data::{Dict, Value};
use rsalt_modules::exec::Args;
use rsalt_proto::codec;
use rsalt_proto::frame::{self, Kind};
use rsalt_proto::keys::{Identity, PublicKey};
use rsalt_proto::msg::{Job, JobReturn, RequestBody, ResponseBody};
use rsalt_proto::publish::{self, PublicationGuard};
use rsalt_sls::matcher::{match_by, MatchTarget};
use rsalt_sls::opts::OptsExt;
use std::collections::VecDeque;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use zeromq::{Socket, SocketRecv};

/// Publications older than this (by the master's clock) are not run.
const MAX_JOB_AGE_SECS: u64 = 15 * 60;

/// Everything the daemon needs, loaded from the config dir.
pub struct MinionSetup {
    /// Options.
    pub opts: Dict,
    /// Minion id.
    pub id: String,
    /// Identity.
    pub identity: Arc<Identity>,
    /// Grains.
    pub grains: Dict,
    /// Channel settings.
    pub channel: ChannelConfig,
    /// `tcp://master:publish_port`.
    pub publish_endpoint: String,
    /// `cachedir`.
    pub cachedir: PathBuf,
}

/// The first master address of the `master` option (a string or a list).
pub fn master_host(opts: &Dict) -> String {
    match opts.get("master") {
        Some(Value::List(l)) => l
            .first()
            .map(Value::to_py_str)
            .unwrap_or_else(|| "salt".into()),
        Some(v) => v.to_py_str(),
        None => "salt".into(),
    }
}

/// Loads options, grains and keys for `config_dir` (creating the minion key on first
/// start, as Salt does).
pub fn setup(config_dir: &Path, give_up_on_refusal: bool) -> anyhow::Result<MinionSetup> {
    let opts = rsalt_sls::opts::load_minion_opts(config_dir).with_context(|| {
        format!(
            "reading the minion configuration in {}",
            config_dir.display()
        )
    })?;
    let grains = crate::grains::load_grains(&opts, config_dir).context("loading grains")?;
    setup_with(opts, grains, give_up_on_refusal)
}

/// [`setup`] from options and grains already loaded (the swarm builds many from one).
pub fn setup_with(
    opts: Dict,
    grains: Dict,
    give_up_on_refusal: bool,
) -> anyhow::Result<MinionSetup> {
    let id = rsalt_modules::highstate::minion_id(&opts);
    let pki = PathBuf::from(opts.opt_str("pki_dir").unwrap_or_default());
    let (identity, created) = Identity::load_or_create(&pki, "minion")
        .with_context(|| format!("minion key in {}", pki.display()))?;
    if created {
        tracing::info!(fingerprint = %identity.public().fingerprint(), "generated the minion key");
    }
    let identity = Arc::new(identity);
    let host = master_host(&opts);
    let ret_port = opts.opt_int("master_port").unwrap_or(4506);
    let pub_port = opts.opt_int("publish_port").unwrap_or(4505);
    let heartbeat = opts.opt_int("heartbeat_interval").unwrap_or(5).max(1) as u64;
    let wait = |k: &str, d: f64| match opts.get(k) {
        Some(Value::Int(i)) => *i as f64,
        Some(Value::Float(f)) => *f,
        _ => d,
    };
    let channel = ChannelConfig {
        id: id.clone(),
        endpoint: format!("tcp://{host}:{ret_port}"),
        identity: identity.clone(),
        master_finger: opts.opt_str("master_finger").unwrap_or_default(),
        pinned_master: pki.join("minion_master.pub"),
        acceptance_wait: (
            wait("acceptance_wait_time", 10.0),
            wait("acceptance_wait_time_max", 0.0),
        ),
        heartbeat: Duration::from_secs(heartbeat),
        grains: Value::Dict(grains.clone()),
        opts: Value::Dict(non_default_opts(&opts)),
        give_up_on_refusal,
    };
    Ok(MinionSetup {
        cachedir: PathBuf::from(opts.opt_str("cachedir").unwrap_or_default()),
        publish_endpoint: format!("tcp://{host}:{pub_port}"),
        opts,
        id,
        identity,
        grains,
        channel,
    })
}

/// The options that differ from Salt's minion defaults (what the master needs to render
/// like this minion; the master fills in the defaults).
pub fn non_default_opts(opts: &Dict) -> Dict {
    let defaults = rsalt_sls::opts::default_minion_opts();
    let mut out = Dict::new();
    for (k, v) in opts.iter() {
        if k.as_str() == Some("grains") {
            continue;
        }
        if defaults.map.get(k) != Some(v) {
            out.map.insert(k.clone(), v.clone());
        }
    }
    out
}

/// Setups for a swarm of `count` identities `ID-0000`… built from one configuration:
/// each gets its own key (`pki_dir/swarm/ID-n`), cache and `id` grain, all in one process
/// (Salt's minionswarm, without one Python process per minion).
pub fn swarm_setups(config_dir: &Path, count: usize) -> anyhow::Result<Vec<MinionSetup>> {
    let opts = rsalt_sls::opts::load_minion_opts(config_dir).with_context(|| {
        format!(
            "reading the minion configuration in {}",
            config_dir.display()
        )
    })?;
    let grains = crate::grains::load_grains(&opts, config_dir).context("loading grains")?;
    let base_id = rsalt_modules::highstate::minion_id(&opts);
    let pki = PathBuf::from(opts.opt_str("pki_dir").unwrap_or_default());
    let cache = PathBuf::from(opts.opt_str("cachedir").unwrap_or_default());
    (0..count)
        .map(|i| {
            let id = format!("{base_id}-{i:04}");
            let mut o = opts.clone();
            o.insert("id", Value::from(id.as_str()));
            o.insert(
                "pki_dir",
                Value::Str(pki.join("swarm").join(&id).display().to_string()),
            );
            o.insert(
                "cachedir",
                Value::Str(cache.join("swarm").join(&id).display().to_string()),
            );
            let mut g = grains.clone();
            g.insert("id", Value::from(id.as_str()));
            setup_with(o, g, false)
        })
        .collect()
}

/// Runs the minion until `shutdown` resolves.
pub async fn run(
    setup: MinionSetup,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let endpoint = setup.publish_endpoint.clone();
    let minion = start(&setup)?;
    let sub = tokio::spawn(minion.clone().subscribe(endpoint));
    tracing::info!(id = %setup.id, master = %setup.channel.endpoint, "rsalt-minion running");
    shutdown.await;
    tracing::info!("shutting down");
    sub.abort();
    Ok(())
}

/// Runs many minion identities in this process, sharing one subscription to the publish
/// port (every identity still checks, decrypts and targets each publication itself).
pub async fn run_swarm(
    setups: Vec<MinionSetup>,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let Some(endpoint) = setups.first().map(|s| s.publish_endpoint.clone()) else {
        return Ok(());
    };
    let mut minions = Vec::with_capacity(setups.len());
    for s in &setups {
        minions.push(start(s)?);
        // Do not hit the master with thousands of handshakes in the same millisecond.
        if minions.len() % 100 == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    tracing::info!(count = minions.len(), "swarm running");
    let minions = Arc::new(minions);
    let sub = tokio::spawn(async move {
        loop {
            let mut sub = zeromq::SubSocket::new();
            if !matches!(
                tokio::time::timeout(Duration::from_secs(10), sub.connect(&endpoint)).await,
                Ok(Ok(()))
            ) {
                tokio::time::sleep(Duration::from_millis(300)).await;
                continue;
            }
            if sub.subscribe("").await.is_err() {
                continue;
            }
            for m in minions.iter() {
                tokio::spawn(m.clone().catch_up_when_up());
            }
            while let Ok(msg) = sub.recv().await {
                let Some(frame) = msg.into_vec().last().map(|b| b.to_vec()) else {
                    continue;
                };
                let frame = Arc::new(frame);
                for m in minions.iter() {
                    let (m, f) = (m.clone(), frame.clone());
                    tokio::spawn(async move { m.on_publication((*f).clone()).await });
                }
            }
        }
    });
    shutdown.await;
    sub.abort();
    Ok(())
}

/// Starts one identity's channel, startup states and saved-return delivery.
fn start(setup: &MinionSetup) -> anyhow::Result<Arc<Minion>> {
    let channel = Channel::start(setup.channel.clone());
    let returns_dir = setup.cachedir.join("returns");
    std::fs::create_dir_all(&returns_dir)
        .with_context(|| format!("creating {}", returns_dir.display()))?;
    let local = Local {
        opts: setup.opts.clone(),
        grains: setup.grains.clone(),
        file_cache: setup.cachedir.join("files"),
    };
    let minion = Arc::new(Minion {
        id: setup.id.clone(),
        channel,
        local,
        returns_dir,
        guard: Mutex::new(PublicationGuard::default()),
        seen_jids: Mutex::new(VecDeque::new()),
    });
    // Returns a previous run could not deliver.
    minion.clone().resend_saved_returns();
    tokio::spawn(minion.clone().startup_states());
    Ok(minion)
}

struct Minion {
    id: String,
    channel: Channel,
    local: Local,
    returns_dir: PathBuf,
    guard: Mutex<PublicationGuard>,
    seen_jids: Mutex<VecDeque<String>>,
}

impl Minion {
    async fn startup_states(self: Arc<Self>) {
        let what = self
            .local
            .opts
            .opt_str("startup_states")
            .unwrap_or_default();
        if what.is_empty() {
            return;
        }
        if self
            .channel
            .wait_up(Duration::from_secs(3600))
            .await
            .is_err()
        {
            return;
        }
        let (fun, args) = match what.as_str() {
            "highstate" => ("state.highstate", Args::default()),
            "sls" => {
                let list = self
                    .local
                    .opts
                    .get("sls_list")
                    .cloned()
                    .unwrap_or(Value::List(vec![]));
                ("state.sls", Args::new(vec![list], Dict::new()))
            }
            "top" => {
                let top = self
                    .local
                    .opts
                    .get("top_file")
                    .cloned()
                    .unwrap_or(Value::None);
                ("state.top", Args::new(vec![top], Dict::new()))
            }
            other => {
                tracing::warn!(startup_states = other, "unknown startup_states value");
                return;
            }
        };
        let jid = crate::cli::call::gen_jid();
        tracing::info!(fun, jid, "running startup states");
        let outcome = exec::run_state(&self.channel, &self.local, &jid, fun, args.clone()).await;
        self.deliver(JobReturn {
            jid,
            id: self.id.clone(),
            fun: fun.to_string(),
            fun_args: args.args,
            ret: outcome.ret,
            retcode: outcome.retcode,
            success: outcome.success,
            out: outcome.out,
            tree: outcome.tree,
        });
    }

    /// Keeps a SUB socket on the publish port. It is rebuilt whenever the request channel
    /// comes back up after a drop, instead of waiting out the zeromq crate's own reconnect
    /// backoff (up to 30 s), so a restarted master reaches its minions at once.
    async fn subscribe(self: Arc<Self>, endpoint: String) {
        let mut link = self.channel.watch();
        loop {
            let mut sub = zeromq::SubSocket::new();
            match tokio::time::timeout(Duration::from_secs(10), sub.connect(&endpoint)).await {
                Ok(Ok(())) => {}
                _ => {
                    tokio::time::sleep(channel::jitter(Duration::from_millis(300))).await;
                    continue;
                }
            }
            if sub.subscribe("").await.is_err() {
                continue;
            }
            tokio::spawn(self.clone().catch_up_when_up());
            let mut was_down = !matches!(*link.borrow(), LinkState::Up { .. });
            loop {
                tokio::select! {
                    msg = sub.recv() => {
                        let msg = match msg {
                            Ok(m) => m,
                            Err(e) => {
                                tracing::debug!(error = %e, "publish socket error");
                                break;
                            }
                        };
                        let Some(frame) = msg.into_vec().last().map(|b| b.to_vec()) else {
                            continue;
                        };
                        self.clone().on_publication(frame).await;
                    }
                    changed = link.changed() => {
                        if changed.is_err() {
                            return;
                        }
                        let up = matches!(*link.borrow_and_update(), LinkState::Up { .. });
                        if up && was_down {
                            tracing::debug!("request channel back up: rebuilding the publish socket");
                            break;
                        }
                        was_down = !up;
                    }
                }
            }
        }
    }

    async fn on_publication(self: Arc<Self>, f: Vec<u8>) {
        let body = match frame::split(&f) {
            Ok((Kind::Publication, b)) => b,
            Ok(_) | Err(_) => {
                tracing::warn!("dropping a non-publication frame on the publish port");
                return;
            }
        };
        let LinkState::Up {
            mut publish_key,
            master,
        } = self.channel.state()
        else {
            tracing::debug!("publication while not connected: ignored");
            return;
        };
        let master = PublicKey(master.0);
        if publish::epoch_of(body) != Some(publish_key.epoch) {
            // The master rotated its publish key: fetch the new one in our session. A
            // minion whose key was deleted or rejected has no session and cannot.
            match self
                .channel
                .request(RequestBody::GetPublishKey, Duration::from_secs(5))
                .await
            {
                Ok(ResponseBody::PublishKey(k)) => publish_key = k,
                _ => {
                    tracing::warn!("publication under an unknown key epoch dropped");
                    return;
                }
            }
        }
        let opened = match publish::open(body, &master, &publish_key) {
            Ok(o) => o,
            Err(e) => {
                tracing::warn!(error = %e, "publication refused");
                return;
            }
        };
        if !self
            .guard
            .lock()
            .map(|mut g| g.first_time(opened.epoch, opened.seq))
            .unwrap_or(false)
        {
            tracing::warn!(
                epoch = opened.epoch,
                seq = opened.seq,
                "replayed publication dropped"
            );
            return;
        }
        let job: Job = match codec::decode(&opened.plaintext) {
            Ok(j) => j,
            Err(e) => {
                tracing::warn!(error = %e, "malformed job");
                return;
            }
        };
        self.accept_job(job);
    }

    /// [`Minion::catch_up`] once the request channel is up.
    async fn catch_up_when_up(self: Arc<Self>) {
        if self
            .channel
            .wait_up(Duration::from_secs(3600))
            .await
            .is_ok()
        {
            self.catch_up().await;
        }
    }

    /// Runs a job once: not stale, addressed to this minion, not seen before.
    fn accept_job(self: &Arc<Self>, job: Job) {
        if rsalt_proto::unix_now().saturating_sub(job.issued) > MAX_JOB_AGE_SECS {
            tracing::warn!(jid = %job.jid, "stale job dropped");
            return;
        }
        if !self.targeted(&job) {
            return;
        }
        {
            let Ok(mut seen) = self.seen_jids.lock() else {
                return;
            };
            if seen.contains(&job.jid) {
                return;
            }
            seen.push_back(job.jid.clone());
            if seen.len() > 1000 {
                seen.pop_front();
            }
        }
        tokio::spawn(self.clone().run_job(job));
    }

    /// Asks the master, inside the session, for jobs this minion has not returned: what
    /// was published while its subscription was not yet (or no longer) established.
    async fn catch_up(self: Arc<Self>) {
        // Let the subscription reach the publisher first, so nothing falls in between.
        tokio::time::sleep(Duration::from_millis(150)).await;
        if let Ok(ResponseBody::Jobs(jobs)) = self
            .channel
            .request(RequestBody::PendingJobs, Duration::from_secs(10))
            .await
        {
            for job in jobs {
                tracing::info!(jid = %job.jid, "running a job published before the subscription was up");
                self.accept_job(job);
            }
        }
    }

    fn targeted(&self, job: &Job) -> bool {
        let empty = Dict::new();
        let t = MatchTarget {
            id: &self.id,
            grains: &self.local.grains,
            pillar: &empty,
            nodegroups: &empty,
        };
        match job.tgt_type.as_str() {
            "glob" | "pcre" | "list" => match_by(&job.tgt_type, &job.tgt, &t),
            _ => false,
        }
    }

    async fn run_job(self: Arc<Self>, job: Job) {
        tracing::info!(jid = %job.jid, fun = %job.fun, "running job");
        if let Ok(mut r) = self.channel.running().lock() {
            r.push(job.jid.clone());
        }
        let mut kwargs = job.kwarg.as_dict().cloned().unwrap_or_default();
        kwargs.insert("__pub_fun", Value::from(job.fun.as_str()));
        kwargs.insert("__pub_jid", Value::from(job.jid.as_str()));
        kwargs.insert("__pub_user", Value::from(job.user.as_str()));
        kwargs.insert("__pub_tgt", job.tgt.clone());
        kwargs.insert("__pub_tgt_type", Value::from(job.tgt_type.as_str()));
        let args = Args::new(job.arg.clone(), kwargs);
        let outcome: Outcome = if exec::is_remote_state(&job.fun) {
            exec::run_state(&self.channel, &self.local, &job.jid, &job.fun, args).await
        } else if job.fun == "saltutil.refresh_grains" || job.fun == "saltutil.refresh_pillar" {
            let grains = Value::Dict(self.local.grains.clone());
            let ok = matches!(
                self.channel
                    .request(RequestBody::Grains { grains }, Duration::from_secs(30))
                    .await,
                Ok(ResponseBody::Ack)
            );
            Outcome {
                ret: Value::Bool(ok),
                retcode: i64::from(!ok),
                success: ok,
                out: None,
                tree: None,
            }
        } else {
            let l = self.local.clone();
            let fun = job.fun.clone();
            tokio::task::spawn_blocking(move || l.call(&fun, &args))
                .await
                .unwrap_or_else(|e| Outcome {
                    ret: Value::Str(format!("ERROR: {e}")),
                    retcode: 1,
                    success: false,
                    out: None,
                    tree: None,
                })
        };
        if let Ok(mut r) = self.channel.running().lock() {
            r.retain(|j| j != &job.jid);
        }
        self.deliver(JobReturn {
            jid: job.jid,
            id: self.id.clone(),
            fun: job.fun,
            fun_args: job.arg,
            ret: outcome.ret,
            retcode: outcome.retcode,
            success: outcome.success,
            out: outcome.out,
            tree: outcome.tree,
        });
    }

    fn return_path(&self, jid: &str) -> Option<PathBuf> {
        (jid.len() <= 32 && !jid.is_empty() && jid.bytes().all(|b| b.is_ascii_digit()))
            .then(|| self.returns_dir.join(format!("{jid}.mp")))
    }

    /// Saves the return, then sends it until the master acknowledges it.
    fn deliver(self: &Arc<Self>, ret: JobReturn) {
        let path = self.return_path(&ret.jid);
        if let Some(p) = &path {
            match codec::encode(&ret) {
                Ok(b) => {
                    if let Err(e) = rsalt_proto::keys::write_atomic_nosync(p, &b, 0o600) {
                        tracing::warn!(error = %e, "cannot keep the return on disk");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot encode the return"),
            }
        }
        let me = self.clone();
        tokio::spawn(async move {
            let mut wait = Duration::from_millis(500);
            loop {
                match me
                    .channel
                    .request(RequestBody::Return(ret.clone()), Duration::from_secs(60))
                    .await
                {
                    Ok(ResponseBody::Ack) => break,
                    Ok(other) => tracing::warn!(?other, "unexpected answer to a return"),
                    Err(e) => {
                        tracing::debug!(error = %e, jid = %ret.jid, "return not delivered yet")
                    }
                }
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(30));
            }
            if let Some(p) = path {
                let _ = std::fs::remove_file(p);
            }
        });
    }

    fn resend_saved_returns(self: Arc<Self>) {
        let Ok(rd) = std::fs::read_dir(&self.returns_dir) else {
            return;
        };
        for e in rd.filter_map(Result::ok) {
            let Ok(bytes) = std::fs::read(e.path()) else {
                continue;
            };
            match codec::decode::<JobReturn>(&bytes) {
                Ok(ret) => {
                    tracing::info!(jid = %ret.jid, "delivering a return saved by a previous run");
                    self.deliver(ret);
                }
                Err(_) => {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
    }
}
