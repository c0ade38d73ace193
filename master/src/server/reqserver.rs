//! The request port: handshakes and sealed requests from minions.
//!
//! Nothing but the handshake is answered for a peer without a session: any other frame
//! from an unauthenticated peer is dropped and counted. Every request is answered only
//! about the session's own minion id, whatever the message claims.

use super::outbox::{hex, Outboxes};
use super::{SessionEntry, Shared};
use crate::keystore::{admit, Admission};
use crate::render::{self, Rendered};
use rsalt_data::{Dict, Value};
use rsalt_proto::codec::{decode, encode};
use rsalt_proto::frame::{self, Kind};
use rsalt_proto::handshake::{self, Hello, HelloInit};
use rsalt_proto::msg::{Request, RequestBody, Response, ResponseBody};
use rsalt_proto::session::{sealed_session_id, Role, Session};
use rsalt_proto::unix_now;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;
use zeromq::{Socket, SocketEvent, SocketRecv};

/// Sessions one minion id may hold at once.
const MAX_SESSIONS_PER_MINION: usize = 4;

/// Unauthenticated messages allowed per peer per second (burst = 2×).
const UNAUTH_RATE: f64 = 20.0;

/// Session messages allowed per peer per second (burst = 2×).
const SESSION_RATE: f64 = 500.0;

struct Bucket {
    tokens: f64,
    at: Instant,
}

fn allow(buckets: &mut HashMap<Vec<u8>, Bucket>, peer: &[u8], rate: f64) -> bool {
    if buckets.len() > 100_000 {
        buckets.retain(|_, b| b.at.elapsed().as_secs() < 10);
    }
    let b = buckets.entry(peer.to_vec()).or_insert(Bucket {
        tokens: rate * 2.0,
        at: Instant::now(),
    });
    let now = Instant::now();
    b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * rate).min(rate * 2.0);
    b.at = now;
    if b.tokens >= 1.0 {
        b.tokens -= 1.0;
        true
    } else {
        false
    }
}

/// Binds the ROUTER socket and spawns the receive loop.
pub(crate) async fn start(
    shared: Arc<Shared>,
    endpoint: &str,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let mut router = zeromq::RouterSocket::new();
    router
        .bind(endpoint)
        .await
        .map_err(|e| anyhow::anyhow!("binding the request port {endpoint}: {e}"))?;
    let mut monitor = router.monitor();
    let (send, mut recv) = router.split();
    let outboxes = Outboxes::new(send);
    let ob = outboxes.clone();
    let sh = shared.clone();
    tokio::spawn(async move {
        use futures_util::StreamExt;
        while let Some(ev) = monitor.next().await {
            if let SocketEvent::Disconnected(peer) = ev {
                let peer = peer.as_ref().to_vec();
                ob.forget(&peer);
                let gone: Vec<String> = {
                    let mut st = sh.lock();
                    let mut ids: Vec<String> = Vec::new();
                    st.sessions.retain(|_, s| {
                        if s.peer == peer {
                            ids.push(s.minion_id.clone());
                            false
                        } else {
                            true
                        }
                    });
                    ids.retain(|id| !st.sessions.values().any(|s| &s.minion_id == id));
                    for id in &ids {
                        if let Some(m) = st.minions.get_mut(id) {
                            m.connected = false;
                            m.session_id = None;
                        }
                    }
                    ids
                };
                for id in gone {
                    tracing::info!(minion = %id, "minion disconnected");
                    sh.event(format!("minion/disconnected/{id}"), Value::dict());
                }
            }
        }
    });
    Ok(tokio::spawn(async move {
        let mut buckets: HashMap<Vec<u8>, Bucket> = HashMap::new();
        loop {
            let msg = match recv.recv().await {
                Ok(m) => m,
                Err(e) => {
                    tracing::debug!(error = %e, "request socket receive error");
                    continue;
                }
            };
            let frames = msg.into_vec();
            if frames.len() != 2 {
                shared.metrics.inc_dropped();
                continue;
            }
            let peer = frames[0].to_vec();
            let payload = &frames[1];
            let kind = match frame::split(payload) {
                Ok((kind, _)) => kind,
                Err(e) => {
                    shared.metrics.inc_dropped();
                    tracing::debug!(peer = %hex(&peer), error = %e, "dropping a non-rsalt frame");
                    continue;
                }
            };
            // Every peer is rate limited: handshakes tightly, sessions generously (a state
            // run fetches files and render answers in bursts).
            let rate = if kind == Kind::Sealed {
                SESSION_RATE
            } else {
                UNAUTH_RATE
            };
            let bucket_key = if kind == Kind::Sealed {
                let mut k = b"s".to_vec();
                k.extend_from_slice(&peer);
                k
            } else {
                peer.clone()
            };
            if !allow(&mut buckets, &bucket_key, rate) {
                shared.metrics.inc_dropped();
                continue;
            }
            let payload = payload.to_vec();
            match kind {
                Kind::HelloInit => on_hello_init(&shared, &outboxes, &peer, &payload),
                Kind::Hello => on_hello(&shared, &outboxes, &peer, &payload),
                Kind::Sealed => on_sealed(shared.clone(), outboxes.clone(), peer, payload),
                other => {
                    shared.metrics.inc_auth_failure();
                    tracing::warn!(peer = %hex(&peer), kind = ?other, "dropping an unexpected frame kind from an unauthenticated peer");
                }
            }
        }
    }))
}

fn body(payload: &[u8]) -> &[u8] {
    frame::split(payload).map(|(_, b)| b).unwrap_or(&[])
}

fn on_hello_init(shared: &Shared, out: &Outboxes, peer: &[u8], payload: &[u8]) {
    let Ok(init) = decode::<HelloInit>(body(payload)) else {
        shared.metrics.inc_auth_failure();
        return;
    };
    let challenge = shared.lock().cookies.issue(&init.id, unix_now());
    match challenge.and_then(|c| encode(&c)) {
        Ok(b) => {
            out.send(peer, frame::join(Kind::Challenge, &b));
        }
        Err(e) => tracing::error!(error = %e, "cannot issue a cookie"),
    }
}

fn refuse(
    shared: &Shared,
    out: &Outboxes,
    peer: &[u8],
    hello: Option<&Hello>,
    code: &str,
    msg: &str,
) {
    shared.metrics.inc_auth_failure();
    if let Ok(f) = handshake::refusal(&shared.identity, hello, code, msg) {
        out.send(peer, f);
    }
}

fn on_hello(shared: &Shared, out: &Outboxes, peer: &[u8], payload: &[u8]) {
    let Ok(hello) = decode::<Hello>(body(payload)) else {
        return refuse(shared, out, peer, None, "bad-request", "malformed hello");
    };
    let key = match handshake::verify_hello(&hello) {
        Ok(k) => k,
        Err(e) => {
            tracing::warn!(peer = %hex(peer), claimed = %hello.id, error = %e, "handshake signature refused");
            return refuse(shared, out, peer, None, "bad-request", "bad signature");
        }
    };
    if let Err(e) = shared
        .lock()
        .cookies
        .redeem(&hello.id, &hello.cookie, unix_now())
    {
        tracing::warn!(peer = %hex(peer), claimed = %hello.id, error = %e, "handshake cookie refused");
        return refuse(
            shared,
            out,
            peer,
            None,
            "cookie",
            "invalid, expired or reused cookie",
        );
    }
    let autosign = shared.lock().autosign.clone();
    let admission = match admit(shared.keys.as_ref(), &hello.id, &key, &autosign) {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!(claimed = %hello.id, error = %e, "handshake refused");
            return refuse(
                shared,
                out,
                peer,
                Some(&hello),
                "bad-request",
                &e.to_string(),
            );
        }
    };
    match admission {
        Admission::Accepted => {}
        Admission::Pending => {
            tracing::info!(minion = %hello.id, "key pending acceptance");
            shared.event(
                "salt/auth".to_string(),
                auth_event(&hello.id, "pend", &key.to_pem()),
            );
            return refuse(
                shared,
                out,
                peer,
                Some(&hello),
                "pending",
                "the minion key is waiting for acceptance (rsalt-key -a)",
            );
        }
        Admission::Rejected => {
            return refuse(
                shared,
                out,
                peer,
                Some(&hello),
                "rejected",
                "the minion key was rejected",
            );
        }
        Admission::Denied => {
            tracing::warn!(minion = %hello.id, "a different key was presented for an accepted id: stored in minions_denied");
            return refuse(
                shared,
                out,
                peer,
                Some(&hello),
                "denied",
                "another key is already accepted for this id",
            );
        }
    }
    let (welcome, keys) = match handshake::welcome(&shared.identity, &hello) {
        Ok(w) => w,
        Err(e) => {
            tracing::error!(error = %e, "cannot build a welcome");
            return;
        }
    };
    let session = match Session::new(&keys, Role::Master) {
        Ok(s) => s,
        Err(_) => return,
    };
    {
        let mut st = shared.lock();
        // A minion may hold a few sessions at once (the daemon and `rsalt-call`); beyond
        // that the oldest end. A new session only counts once it is authenticated.
        let mut own: Vec<([u8; 16], u64)> = st
            .sessions
            .iter()
            .filter(|(_, s)| s.minion_id == hello.id)
            .map(|(k, s)| (*k, s.serial))
            .collect();
        own.sort_by_key(|(_, serial)| *serial);
        while own.len() >= MAX_SESSIONS_PER_MINION {
            let (old, _) = own.remove(0);
            st.sessions.remove(&old);
        }
        st.session_serial += 1;
        let serial = st.session_serial;
        st.sessions.insert(
            keys.id,
            SessionEntry {
                session,
                minion_id: hello.id.clone(),
                peer: peer.to_vec(),
                serial,
            },
        );
        let m = st.minions.entry(hello.id.clone()).or_default();
        m.session_id = Some(keys.id);
        m.peer = Some(peer.to_vec());
    }
    out.send(peer, welcome);
    tracing::info!(minion = %hello.id, "minion authenticated");
}

fn auth_event(id: &str, act: &str, pubkey: &str) -> Value {
    let mut d = Dict::new();
    d.insert("id", Value::from(id));
    d.insert("act", Value::from(act));
    d.insert("pub", Value::from(pubkey));
    d.insert("result", Value::Bool(act == "accept"));
    Value::Dict(d)
}

/// Seals `body` for `sid` and queues it.
fn reply(shared: &Shared, out: &Outboxes, sid: &[u8; 16], req_id: u64, body: ResponseBody) {
    let resp = Response { req_id, body };
    let Ok(plain) = encode(&resp) else {
        return;
    };
    let sealed = {
        let mut st = shared.lock();
        match st.sessions.get_mut(sid) {
            Some(s) => s.session.seal(&plain).map(|f| (f, s.peer.clone())),
            None => return,
        }
    };
    if let Ok((f, peer)) = sealed {
        out.send(&peer, f);
    }
}

fn on_sealed(shared: Arc<Shared>, out: Outboxes, peer: Vec<u8>, payload: Vec<u8>) {
    let b = body(&payload);
    let Some(sid) = sealed_session_id(b) else {
        shared.metrics.inc_dropped();
        return;
    };
    let opened = {
        let mut st = shared.lock();
        match st.sessions.get_mut(&sid) {
            Some(s) => s.session.open(b).map(|p| (p, s.minion_id.clone())),
            None => Err(rsalt_proto::ProtoError::UnknownSession),
        }
    };
    let (plain, minion_id) = match opened {
        Ok(x) => x,
        Err(e) => {
            shared.metrics.inc_auth_failure();
            tracing::warn!(peer = %hex(&peer), error = %e, "dropping a sealed frame that does not open");
            return;
        }
    };
    let req: Request = match decode(&plain) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(minion = %minion_id, error = %e, "malformed request");
            return;
        }
    };
    {
        let mut st = shared.lock();
        if let Some(m) = st.minions.get_mut(&minion_id) {
            m.last_seen = Some(Instant::now());
            m.peer = Some(peer.clone());
            m.connected = true;
        }
    }
    let req_id = req.req_id;
    match req.body {
        RequestBody::Connect {
            grains,
            version,
            opts,
        } => {
            super::jobs::store_grains(&shared, &minion_id, &grains);
            if let Some(o) = opts.as_dict() {
                if let Some(m) = shared.lock().minions.get_mut(&minion_id) {
                    m.opts = o.clone();
                }
            }
            let key = {
                let mut st = shared.lock();
                if let Some(m) = st.minions.get_mut(&minion_id) {
                    m.connected = true;
                }
                st.publish_key.clone()
            };
            tracing::info!(minion = %minion_id, version, "minion connected");
            shared.event(format!("minion/refresh/{minion_id}"), Value::dict());
            let mut d = Dict::new();
            d.insert("id", Value::from(minion_id.as_str()));
            shared.event(format!("salt/minion/{minion_id}/start"), Value::Dict(d));
            reply(
                &shared,
                &out,
                &sid,
                req_id,
                ResponseBody::Connected {
                    publish_key: key,
                    master_id: shared.cfg.str("id"),
                },
            );
        }
        RequestBody::Heartbeat { running } => {
            if let Some(m) = shared.lock().minions.get_mut(&minion_id) {
                m.running = running.into_iter().take(1000).collect();
                let started: Vec<String> = m.running.iter().cloned().collect();
                m.started.extend(started);
                if m.started.len() > 10_000 {
                    m.started.clear();
                }
            }
            reply(&shared, &out, &sid, req_id, ResponseBody::Ack)
        }
        RequestBody::GetPublishKey => {
            let key = shared.lock().publish_key.clone();
            reply(&shared, &out, &sid, req_id, ResponseBody::PublishKey(key));
        }
        RequestBody::Grains { grains } => {
            super::jobs::store_grains(&shared, &minion_id, &grains);
            reply(&shared, &out, &sid, req_id, ResponseBody::Ack);
        }
        RequestBody::GetStates {
            jid,
            fun,
            arg,
            kwarg,
            answers,
        } => {
            tokio::spawn(async move {
                let permit = shared.render_slots.clone().acquire_owned().await;
                let sh = shared.clone();
                let id = minion_id.clone();
                let rendered = tokio::task::spawn_blocking(move || {
                    let _permit = permit;
                    render_states(&sh, &id, &fun, arg, kwarg, answers)
                })
                .await
                .unwrap_or_else(|e| Err(format!("render task failed: {e}")));
                let body = match rendered {
                    Ok(Rendered::States(states)) => {
                        let mut st = shared.lock();
                        if let Some(m) = st.minions.get_mut(&minion_id) {
                            for f in &states.files {
                                m.allowed_files
                                    .insert(f.hash.clone(), (f.saltenv.clone(), f.path.clone()));
                            }
                        }
                        ResponseBody::States(states)
                    }
                    Ok(Rendered::NeedCall(call)) => ResponseBody::NeedCall(call),
                    Err(message) => {
                        tracing::warn!(minion = %minion_id, jid, message, "render failed");
                        ResponseBody::Error { message }
                    }
                };
                reply(&shared, &out, &sid, req_id, body);
            });
        }
        RequestBody::GetFile { hash } => {
            let allowed = shared
                .lock()
                .minions
                .get(&minion_id)
                .and_then(|m| m.allowed_files.get(&hash).cloned());
            let body = match allowed {
                None => {
                    tracing::warn!(minion = %minion_id, hash, "refusing a file its states do not reference");
                    ResponseBody::Error {
                        message: "file not available to this minion".into(),
                    }
                }
                Some((env, path)) => {
                    use rsalt_sls::FileClient;
                    match shared
                        .files
                        .find(&env, &path)
                        .and_then(|p| std::fs::read(p).ok())
                    {
                        Some(data)
                            if rsalt_proto::session::hex(
                                ring::digest::digest(&ring::digest::SHA256, &data).as_ref(),
                            ) == hash =>
                        {
                            ResponseBody::File { data }
                        }
                        Some(_) => ResponseBody::Error {
                            message: format!(
                                "salt://{path} changed since the states were compiled; apply again"
                            ),
                        },
                        None => ResponseBody::Error {
                            message: format!("salt://{path} is no longer available"),
                        },
                    }
                }
            };
            reply(&shared, &out, &sid, req_id, body);
        }
        RequestBody::PendingJobs => {
            let jobs: Vec<rsalt_proto::msg::Job> = {
                let st = shared.lock();
                let started = st.minions.get(&minion_id).map(|m| &m.started);
                st.jobs
                    .values()
                    .filter(|j| j.expected.contains(&minion_id) && !j.returned.contains(&minion_id))
                    .filter(|j| !started.is_some_and(|s| s.contains(&j.job.jid)))
                    .map(|j| j.job.clone())
                    .collect()
            };
            reply(&shared, &out, &sid, req_id, ResponseBody::Jobs(jobs));
        }
        RequestBody::Return(mut ret) => {
            // The session, not the message, says who returned.
            ret.id = minion_id.clone();
            super::jobs::on_return(&shared, ret);
            reply(&shared, &out, &sid, req_id, ResponseBody::Ack);
        }
    }
}

fn render_states(
    shared: &Shared,
    id: &str,
    fun: &str,
    arg: Vec<Value>,
    kwarg: Value,
    answers: Vec<rsalt_proto::msg::CallAnswer>,
) -> Result<Rendered, String> {
    if !fun.starts_with("state.") && !fun.starts_with("pillar.") {
        return Err(format!("{fun} is not a state or pillar function"));
    }
    let (grains, pillar, minion_opts) = {
        let st = shared.lock();
        let m = st.minions.get(id);
        (
            m.map(|m| m.grains()).unwrap_or_default(),
            m.and_then(|m| m.pillar.clone()),
            m.map(|m| m.opts.clone()).unwrap_or_default(),
        )
    };
    let pillar = match pillar {
        Some(p) => p,
        None => {
            let p = render::compile_pillar(&shared.cfg, shared.files.clone(), id, &grains);
            if let Some(m) = shared.lock().minions.get_mut(id) {
                m.pillar = Some(p.clone());
            }
            p
        }
    };
    let kwarg = kwarg.as_dict().cloned().unwrap_or_default();
    render::render_for_minion(
        &shared.cfg,
        shared.files.clone(),
        id,
        &minion_opts,
        &grains,
        &pillar,
        fun,
        arg,
        kwarg,
        answers,
    )
}
