//! Jobs: targeting against the master's view of each minion, publishing (sealed with the
//! publish key, signed), tracking returns, and housekeeping.

use super::{ActiveJob, Shared};
use crate::jobcache::{gen_jid, valid_jid, JobRecord};
use crate::keystore::KeyState;
use crate::localapi::{LocalEvent, PublishSpec};
use rsalt_data::{Dict, Value};
use rsalt_proto::codec;
use rsalt_proto::msg::{Job, JobReturn};
use rsalt_proto::publish;
use rsalt_sls::matcher::{match_by, MatchTarget};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use zeromq::{Socket, SocketSend};

/// Binds the PUB socket; publications queued on the channel go out in order.
pub(crate) async fn start_publisher(
    endpoint: &str,
    mut rx: mpsc::Receiver<Vec<u8>>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let mut socket = zeromq::PubSocket::new();
    socket
        .bind(endpoint)
        .await
        .map_err(|e| anyhow::anyhow!("binding the publish port {endpoint}: {e}"))?;
    Ok(tokio::spawn(async move {
        while let Some(frame) = rx.recv().await {
            if let Err(e) = socket.send(zeromq::ZmqMessage::from(frame)).await {
                tracing::warn!(error = %e, "publish failed");
            }
        }
    }))
}

fn hex_id(id: &str) -> String {
    rsalt_proto::session::hex(id.as_bytes())
}

/// Records a minion's grains (memory and `cachedir/minions/<hex id>/grains.mp`, so
/// targeting works after a master restart) and drops its cached pillar.
pub(crate) fn store_grains(shared: &Shared, id: &str, grains: &Value) {
    let dir = shared.minion_cache.join(hex_id(id));
    let bytes = match grains {
        Value::Dict(_) => codec::encode(&codec::WireValue::from(grains)).unwrap_or_default(),
        _ => Vec::new(),
    };
    if !bytes.is_empty() {
        let _ = std::fs::create_dir_all(&dir);
        if let Err(e) =
            rsalt_proto::keys::write_atomic_nosync(&dir.join("grains.mp"), &bytes, 0o600)
        {
            tracing::warn!(minion = id, error = %e, "cannot cache grains");
        }
    }
    let mut st = shared.lock();
    let m = st.minions.entry(id.to_string()).or_default();
    m.grains_mp = Arc::new(bytes);
    m.pillar = None;
}

/// Loads cached grains of accepted minions at start.
pub(crate) fn load_cached_grains(shared: &Shared) {
    let ids = shared.keys.list(KeyState::Accepted).unwrap_or_default();
    let mut st = shared.lock();
    for id in ids {
        let path = shared.minion_cache.join(hex_id(&id)).join("grains.mp");
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        if codec::decode::<codec::WireValue>(&bytes).is_ok() {
            st.minions.entry(id).or_default().grains_mp = Arc::new(bytes);
        }
    }
}

/// The `roles` shorthand (`rsalt state.apply role=api`): minions whose `role` grain equals
/// the value or whose `roles` grain (a list) contains it.
fn roles_match(tgt: &str, grains: &Dict) -> bool {
    let eq = |v: &Value| v.to_py_str() == tgt;
    grains.get("role").is_some_and(eq)
        || grains
            .get("roles")
            .and_then(Value::as_list)
            .is_some_and(|l| l.iter().any(eq))
        || grains.get("roles").is_some_and(eq)
}

/// The accepted minions a target matches, from the master's view (cached grains; pillar
/// compiled on demand for pillar targets).
pub fn expected_minions(shared: &Shared, tgt: &Value, tgt_type: &str) -> Vec<String> {
    let accepted = shared.keys.list(KeyState::Accepted).unwrap_or_default();
    let nodegroups = shared
        .cfg
        .opts
        .get("nodegroups")
        .and_then(Value::as_dict)
        .cloned()
        .unwrap_or_default();
    let needs_pillar = matches!(
        tgt_type,
        "pillar" | "pillar_pcre" | "pillar_exact" | "compound" | "nodegroup"
    );
    // Id-only matchers need neither grains nor pillar.
    let id_only = matches!(tgt_type, "glob" | "pcre" | "list");
    let mut out = Vec::new();
    for id in accepted {
        if id_only {
            let empty = Dict::new();
            let t = MatchTarget {
                id: &id,
                grains: &empty,
                pillar: &empty,
                nodegroups: &nodegroups,
            };
            if match_by(tgt_type, tgt, &t) {
                out.push(id);
            }
            continue;
        }
        let (grains, mut pillar) = {
            let st = shared.lock();
            let m = st.minions.get(&id);
            (
                m.map(|m| m.grains()).unwrap_or_default(),
                m.and_then(|m| m.pillar.clone()),
            )
        };
        if tgt_type == "roles" {
            if roles_match(&tgt.to_py_str(), &grains) {
                out.push(id);
            }
            continue;
        }
        if needs_pillar && pillar.is_none() && !grains.is_empty() {
            let p = crate::render::compile_pillar(&shared.cfg, shared.files.clone(), &id, &grains);
            if let Some(m) = shared.lock().minions.get_mut(&id) {
                m.pillar = Some(p.clone());
            }
            pillar = Some(p);
        }
        let pillar = pillar.unwrap_or_default();
        let t = MatchTarget {
            id: &id,
            grains: &grains,
            pillar: &pillar,
            nodegroups: &nodegroups,
        };
        if match_by(tgt_type, tgt, &t) {
            out.push(id);
        }
    }
    out
}

/// Publishes a job; returns the receiver of its events for the client.
pub(crate) fn publish(
    shared: &Arc<Shared>,
    spec: PublishSpec,
    user: &str,
) -> Result<mpsc::Receiver<LocalEvent>, String> {
    const TGT_TYPES: &[&str] = &[
        "glob",
        "pcre",
        "list",
        "grain",
        "grain_pcre",
        "pillar",
        "pillar_pcre",
        "pillar_exact",
        "ipcidr",
        "compound",
        "nodegroup",
        "roles",
    ];
    if !TGT_TYPES.contains(&spec.tgt_type.as_str()) {
        return Err(format!("unknown target type {}", spec.tgt_type));
    }
    let expected = expected_minions(shared, &spec.tgt, &spec.tgt_type);
    let jid = gen_jid();
    // Minions match id-based targets themselves; for the rest the master's list is the
    // target (minions do not hold their pillar, and the master's view is authoritative).
    let (tgt, tgt_type) = match spec.tgt_type.as_str() {
        "glob" | "pcre" | "list" => (spec.tgt.clone(), spec.tgt_type.clone()),
        _ => (
            Value::List(expected.iter().map(|s| Value::from(s.as_str())).collect()),
            "list".to_string(),
        ),
    };
    let job = Job {
        jid: jid.clone(),
        tgt,
        tgt_type,
        fun: spec.fun.clone(),
        arg: spec.arg.clone(),
        kwarg: spec.kwarg.clone(),
        user: user.to_string(),
        issued: rsalt_proto::unix_now(),
    };
    let record = JobRecord {
        jid: jid.clone(),
        fun: spec.fun.clone(),
        arg: spec.arg.clone(),
        kwarg: spec.kwarg.clone(),
        tgt: spec.tgt.clone(),
        tgt_type: spec.tgt_type.clone(),
        user: user.to_string(),
        minions: expected.clone(),
        tree: String::new(),
    };
    if let Err(e) = shared.jobs.save_load(&record) {
        tracing::error!(error = %e, "cannot record the job");
    }
    let plain = codec::encode(&job).map_err(|e| e.to_string())?;
    let (tx, rx) = mpsc::channel(1024);
    let (frame, disconnected) = {
        let mut st = shared.lock();
        st.pub_seq += 1;
        let seq = st.pub_seq;
        let frame = publish::seal(&st.publish_key, seq, &shared.identity, &plain)
            .map_err(|e| e.to_string())?;
        let disconnected: Vec<String> = expected
            .iter()
            .filter(|id| {
                !st.minions
                    .get(*id)
                    .is_some_and(|m| Shared::is_connected(m, shared.heartbeat))
            })
            .cloned()
            .collect();
        st.jobs.insert(
            jid.clone(),
            ActiveJob {
                expected: expected.iter().cloned().collect(),
                returned: BTreeSet::new(),
                watchers: vec![tx.clone()],
                published: Instant::now(),
                job: job.clone(),
            },
        );
        (frame, disconnected)
    };
    let _ = tx.try_send(LocalEvent::Started {
        jid: jid.clone(),
        minions: expected.clone(),
        disconnected: disconnected.clone(),
    });
    shared.metrics.inc_published();
    let mut d = Dict::new();
    d.insert("jid", Value::from(jid.as_str()));
    d.insert("fun", Value::from(spec.fun.as_str()));
    d.insert(
        "minions",
        Value::List(expected.iter().map(|s| Value::from(s.as_str())).collect()),
    );
    shared.event(format!("salt/job/{jid}/new"), Value::Dict(d));
    if shared.publish_tx.try_send(frame).is_err() {
        return Err("the publisher queue is full; try again".into());
    }
    tokio::spawn(watch_job(
        shared.clone(),
        jid,
        spec.timeout.max(1),
        disconnected,
    ));
    Ok(rx)
}

/// Ends the job for its clients once every expected minion returned or is known to be
/// gone, or the timeout passed for the silent connected ones (extended while they report
/// the job running).
async fn watch_job(shared: Arc<Shared>, jid: String, timeout: u64, initially_down: Vec<String>) {
    let deadline_base = Instant::now();
    let mut deadline = deadline_base + Duration::from_secs(timeout);
    let hard_limit = deadline_base + Duration::from_secs(timeout.max(1) * 60 + 3600);
    let down: BTreeSet<String> = initially_down.into_iter().collect();
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut st = shared.lock();
        let Some(job) = st.jobs.get(&jid) else {
            return;
        };
        let waiting: Vec<String> = job
            .expected
            .iter()
            .filter(|id| !job.returned.contains(*id) && !down.contains(*id))
            .cloned()
            .collect();
        let mut still: Vec<String> = Vec::new();
        let mut gone: Vec<String> = Vec::new();
        for id in &waiting {
            match st.minions.get(id) {
                Some(m) if Shared::is_connected(m, shared.heartbeat) => still.push(id.clone()),
                _ => gone.push(id.clone()),
            }
        }
        let now = Instant::now();
        if now >= deadline && now < hard_limit {
            let running = still
                .iter()
                .any(|id| st.minions.get(id).is_some_and(|m| m.running.contains(&jid)));
            if running {
                deadline = now + Duration::from_secs(timeout.max(1));
            }
        }
        if still.is_empty() || now >= deadline {
            let job = st.jobs.remove(&jid);
            drop(st);
            let Some(job) = job else { return };
            let mut missing: Vec<(String, String)> = Vec::new();
            for id in job.expected.iter().filter(|id| !job.returned.contains(*id)) {
                let reason = if down.contains(id) || gone.contains(id) {
                    "Not connected"
                } else {
                    "No response"
                };
                missing.push((id.clone(), reason.to_string()));
            }
            for w in job.watchers {
                let _ = w.try_send(LocalEvent::Done {
                    missing: missing.clone(),
                });
            }
            return;
        }
    }
}

/// Stores a return and hands it to the waiting clients.
pub(crate) fn on_return(shared: &Shared, ret: JobReturn) {
    if !valid_jid(&ret.jid) {
        tracing::warn!(minion = %ret.id, "return with an invalid job id dropped");
        return;
    }
    if let Err(e) = shared.jobs.save_return(&ret) {
        tracing::error!(error = %e, "cannot store a return");
    }
    shared.metrics.inc_returns();
    let mut d = Dict::new();
    d.insert("id", Value::from(ret.id.as_str()));
    d.insert("jid", Value::from(ret.jid.as_str()));
    d.insert("fun", Value::from(ret.fun.as_str()));
    d.insert("retcode", Value::Int(ret.retcode));
    d.insert("success", Value::Bool(ret.success));
    d.insert("return", ret.ret.clone());
    shared.event(
        format!("salt/job/{}/ret/{}", ret.jid, ret.id),
        Value::Dict(d),
    );
    let mut st = shared.lock();
    if let Some(m) = st.minions.get_mut(&ret.id) {
        m.running.remove(&ret.jid);
    }
    if let Some(job) = st.jobs.get_mut(&ret.jid) {
        shared.metrics.observe_latency(job.published.elapsed());
        if job.returned.insert(ret.id.clone()) {
            job.watchers
                .retain(|w| w.try_send(LocalEvent::Return(ret.clone())).is_ok() || !w.is_closed());
        }
    }
}

/// Periodic work: expire old jobs from the cache, notice key changes made on disk.
pub(crate) async fn housekeeping(shared: Arc<Shared>) {
    let keep = u64::try_from(shared.cfg.int("keep_jobs_seconds")).unwrap_or(86400);
    let mut last_keys = key_snapshot(&shared);
    let mut tick = 0u64;
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        tick += 1;
        let now_keys = key_snapshot(&shared);
        if now_keys != last_keys {
            let removed = last_keys.iter().any(|k| !now_keys.contains(k));
            shared.recheck_keys_and_rotate(removed);
            last_keys = now_keys;
        }
        if tick.is_multiple_of(3600) {
            let n = shared.jobs.clean_old(keep);
            if n > 0 {
                tracing::info!(removed = n, "expired old jobs from the job cache");
            }
        }
    }
}

fn key_snapshot(shared: &Shared) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for id in shared.keys.list(KeyState::Accepted).unwrap_or_default() {
        if let Ok(Some(k)) = shared.keys.get(KeyState::Accepted, &id) {
            out.insert((id, k.fingerprint()));
        }
    }
    out
}
