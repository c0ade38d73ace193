//! The minion's request channel to its master: one task owns the ZeroMQ DEALER socket,
//! performs the handshake (pinning the master key), sends sealed requests with ids,
//! matches replies, sends heartbeats, and rebuilds the socket and session when the master
//! goes silent (the zeromq crate's DEALER does not reconnect by itself). Requests not yet
//! answered when the link drops are sent again, with the same id, on the new session.

use rsalt_data::Value;
use rsalt_proto::codec::{decode, encode};
use rsalt_proto::frame::{self, Kind};
use rsalt_proto::handshake::{Challenge, MinionHandshake, Refusal, Welcome};
use rsalt_proto::keys::{read_public, write_public, Identity, PublicKey};
use rsalt_proto::msg::{Request, RequestBody, Response, ResponseBody};
use rsalt_proto::publish::PublishKey;
use rsalt_proto::session::{Role, Session};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot, watch};
use zeromq::{Socket, SocketRecv, SocketSend, ZmqMessage};

/// How the minion finds and trusts its master.
#[derive(Clone)]
pub struct ChannelConfig {
    /// Minion id.
    pub id: String,
    /// `tcp://host:ret_port`.
    pub endpoint: String,
    /// The minion's identity.
    pub identity: Arc<Identity>,
    /// `master_finger` (empty: trust on first use, then pin `minion_master.pub`).
    pub master_finger: String,
    /// `pki_dir/minion_master.pub`.
    pub pinned_master: PathBuf,
    /// `acceptance_wait_time` (seconds) and `acceptance_wait_time_max`.
    pub acceptance_wait: (f64, f64),
    /// Heartbeat interval.
    pub heartbeat: Duration,
    /// Grains sent with `Connect`.
    pub grains: Value,
    /// Options sent with `Connect`.
    pub opts: Value,
    /// Stop after the first refusal instead of waiting (rsalt-call).
    pub give_up_on_refusal: bool,
}

/// The link's state, observable by the rest of the minion.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkState {
    /// Not connected (yet).
    Down,
    /// Authenticated; the publish key the master gave.
    Up {
        /// Current publish key.
        publish_key: PublishKey,
        /// The master's identity key.
        master: PublicKeyBytes,
    },
    /// The master refused us and we will not retry (rsalt-call).
    Refused(String),
}

/// A master key as bytes (for `PartialEq`/`Debug` in [`LinkState`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKeyBytes(pub [u8; 32]);

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    /// The channel task is gone.
    #[error("the master channel is closed")]
    Closed,
    /// No answer in time.
    #[error("no answer from the master within {0:?}")]
    Timeout(Duration),
    /// The master refused the minion.
    #[error("{0}")]
    Refused(String),
}

struct Outgoing {
    body: RequestBody,
    reply: oneshot::Sender<ResponseBody>,
}

/// A handle to the channel task.
#[derive(Clone)]
pub struct Channel {
    tx: mpsc::Sender<Outgoing>,
    state: watch::Receiver<LinkState>,
    running: Arc<Mutex<Vec<String>>>,
}

impl Channel {
    /// Starts the channel task.
    pub fn start(cfg: ChannelConfig) -> Channel {
        let (tx, rx) = mpsc::channel(256);
        let (state_tx, state_rx) = watch::channel(LinkState::Down);
        let running = Arc::new(Mutex::new(Vec::new()));
        tokio::spawn(task(cfg, rx, state_tx, running.clone()));
        Channel {
            tx,
            state: state_rx,
            running,
        }
    }

    /// The link state now.
    pub fn state(&self) -> LinkState {
        self.state.borrow().clone()
    }

    /// Waits until the link is up (or refused) for at most `timeout`.
    pub async fn wait_up(&self, timeout: Duration) -> Result<LinkState, ChannelError> {
        let mut rx = self.state.clone();
        let fut = async {
            loop {
                let s = rx.borrow_and_update().clone();
                match s {
                    LinkState::Up { .. } => return Ok(s),
                    LinkState::Refused(m) => return Err(ChannelError::Refused(m)),
                    LinkState::Down => {}
                }
                if rx.changed().await.is_err() {
                    return Err(ChannelError::Closed);
                }
            }
        };
        tokio::time::timeout(timeout, fut)
            .await
            .map_err(|_| ChannelError::Timeout(timeout))?
    }

    /// Watches link changes.
    pub fn watch(&self) -> watch::Receiver<LinkState> {
        self.state.clone()
    }

    /// Sends a request and waits for its answer (across reconnects) up to `timeout`.
    pub async fn request(
        &self,
        body: RequestBody,
        timeout: Duration,
    ) -> Result<ResponseBody, ChannelError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Outgoing { body, reply })
            .await
            .map_err(|_| ChannelError::Closed)?;
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(_)) => Err(ChannelError::Closed),
            Err(_) => Err(ChannelError::Timeout(timeout)),
        }
    }

    /// The job ids reported as running in heartbeats.
    pub fn running(&self) -> Arc<Mutex<Vec<String>>> {
        self.running.clone()
    }
}

async fn recv_frame(socket: &mut zeromq::DealerSocket, timeout: Duration) -> Option<Vec<u8>> {
    match tokio::time::timeout(timeout, socket.recv()).await {
        Ok(Ok(m)) => m.into_vec().last().map(|b| b.to_vec()),
        _ => None,
    }
}

enum HandshakeOutcome {
    Up(Box<(zeromq::DealerSocket, Session, PublicKey)>),
    Retry(Duration, String),
    Fatal(String),
}

fn check_pin(cfg: &ChannelConfig, master: &PublicKey) -> Result<(), String> {
    let fp = master.fingerprint();
    if !cfg.master_finger.is_empty() {
        if !rsalt_proto::handshake::constant_time_eq(
            cfg.master_finger.to_ascii_lowercase().as_bytes(),
            fp.as_bytes(),
        ) {
            return Err(format!(
                "The master key fingerprint {fp} does not match master_finger {}: refusing to connect (possible man-in-the-middle)",
                cfg.master_finger
            ));
        }
        return Ok(());
    }
    match read_public(&cfg.pinned_master) {
        Ok(pinned) if pinned == *master => Ok(()),
        Ok(pinned) => Err(format!(
            "The master's public key changed (pinned {}, presented {fp}); refusing to connect. If the master key was replaced on purpose, delete {} on this minion.",
            pinned.fingerprint(),
            cfg.pinned_master.display()
        )),
        Err(_) if !cfg.pinned_master.exists() => {
            write_public(&cfg.pinned_master, master).map_err(|e| e.to_string())?;
            tracing::info!(fingerprint = %fp, "trusting the master key on first use");
            Ok(())
        }
        Err(e) => Err(format!("cannot read the pinned master key: {e}")),
    }
}

async fn handshake(cfg: &ChannelConfig) -> HandshakeOutcome {
    let mut socket = zeromq::DealerSocket::new();
    let connect = tokio::time::timeout(Duration::from_secs(5), socket.connect(&cfg.endpoint)).await;
    match connect {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            return HandshakeOutcome::Retry(
                Duration::ZERO,
                format!("connect {}: {e}", cfg.endpoint),
            )
        }
        Err(_) => {
            return HandshakeOutcome::Retry(
                Duration::ZERO,
                format!("connect {}: timed out", cfg.endpoint),
            )
        }
    }
    let Ok(init) = MinionHandshake::init_frame(&cfg.id) else {
        return HandshakeOutcome::Fatal("cannot build the handshake".into());
    };
    if socket.send(ZmqMessage::from(init)).await.is_err() {
        return HandshakeOutcome::Retry(Duration::ZERO, "send failed".into());
    }
    let t = Duration::from_secs(5);
    let Some(f) = recv_frame(&mut socket, t).await else {
        return HandshakeOutcome::Retry(Duration::ZERO, "no challenge from the master".into());
    };
    let challenge: Challenge = match frame::split(&f) {
        Ok((Kind::Challenge, b)) => match decode(b) {
            Ok(c) => c,
            Err(e) => return HandshakeOutcome::Retry(Duration::ZERO, e.to_string()),
        },
        _ => return HandshakeOutcome::Retry(Duration::ZERO, "unexpected answer to hello".into()),
    };
    let (hs, hello) = match MinionHandshake::hello(&cfg.identity, &cfg.id, &challenge) {
        Ok(x) => x,
        Err(e) => return HandshakeOutcome::Fatal(e.to_string()),
    };
    if socket.send(ZmqMessage::from(hello)).await.is_err() {
        return HandshakeOutcome::Retry(Duration::ZERO, "send failed".into());
    }
    let Some(f) = recv_frame(&mut socket, t).await else {
        return HandshakeOutcome::Retry(Duration::ZERO, "no welcome from the master".into());
    };
    match frame::split(&f) {
        Ok((Kind::Welcome, b)) => {
            let w: Welcome = match decode(b) {
                Ok(w) => w,
                Err(e) => return HandshakeOutcome::Retry(Duration::ZERO, e.to_string()),
            };
            let (master, keys) = match hs.finish(&w) {
                Ok(x) => x,
                Err(e) => {
                    return HandshakeOutcome::Retry(Duration::ZERO, format!("welcome refused: {e}"))
                }
            };
            if let Err(e) = check_pin(cfg, &master) {
                return HandshakeOutcome::Fatal(e);
            }
            match Session::new(&keys, Role::Minion) {
                Ok(s) => HandshakeOutcome::Up(Box::new((socket, s, master))),
                Err(e) => HandshakeOutcome::Fatal(e.to_string()),
            }
        }
        Ok((Kind::Refusal, b)) => {
            let r: Refusal = match decode(b) {
                Ok(r) => r,
                Err(e) => return HandshakeOutcome::Retry(Duration::ZERO, e.to_string()),
            };
            // A refusal only counts when signed by the master we trust; otherwise it is
            // noise (or an attacker) and we simply retry.
            let trusted = PublicKey::from_slice(&r.master_pub)
                .ok()
                .filter(|k| check_pin(cfg, k).is_ok())
                .is_some_and(|k| hs.refusal_is_authentic(&r, &k));
            let wait = Duration::from_secs_f64(cfg.acceptance_wait.0.max(0.1));
            match (r.code.as_str(), trusted) {
                ("pending", true) => HandshakeOutcome::Retry(
                    wait,
                    format!(
                        "The master has not accepted this minion's key yet (rsalt-key -a {}): {}",
                        cfg.id, r.message
                    ),
                ),
                ("rejected", true) | ("denied", true) => HandshakeOutcome::Retry(
                    wait * 6,
                    format!(
                        "The master refused this minion's key ({}): {}",
                        r.code, r.message
                    ),
                ),
                _ => HandshakeOutcome::Retry(
                    Duration::ZERO,
                    format!("handshake refused ({}): {}", r.code, r.message),
                ),
            }
        }
        _ => HandshakeOutcome::Retry(Duration::ZERO, "unexpected handshake frame".into()),
    }
}

async fn task(
    cfg: ChannelConfig,
    mut rx: mpsc::Receiver<Outgoing>,
    state: watch::Sender<LinkState>,
    running: Arc<Mutex<Vec<String>>>,
) {
    let mut next_id: u64 = 1;
    // Requests not answered yet: id → (body, reply), kept across reconnects.
    let mut pending: HashMap<u64, Outgoing> = HashMap::new();
    let mut backoff = Duration::from_millis(200);
    let mut acceptance_wait = cfg.acceptance_wait.0;
    let mut pending_wait = Duration::from_secs(1);
    loop {
        let (mut socket, mut session, master) = match handshake(&cfg).await {
            HandshakeOutcome::Up(up) => *up,
            HandshakeOutcome::Retry(wait, why) => {
                let _ = state.send(LinkState::Down);
                let refused = wait > Duration::ZERO;
                if refused && cfg.give_up_on_refusal {
                    let _ = state.send(LinkState::Refused(why));
                    return;
                }
                if refused {
                    tracing::warn!("{why}");
                    let base = Duration::from_secs_f64(cfg.acceptance_wait.0.max(0.1));
                    let w = if wait > base {
                        // rejected / denied: back off hard.
                        wait
                    } else if pending_wait < base {
                        // Pending: ask again after 1 s, 2 s, 4 s ... up to acceptance_wait_time,
                        // so a freshly accepted minion joins within a second or two.
                        let w = pending_wait;
                        pending_wait *= 2;
                        w
                    } else {
                        // Then acceptance_wait_time, growing to acceptance_wait_time_max, as Salt's.
                        let w = Duration::from_secs_f64(acceptance_wait.max(0.1));
                        if cfg.acceptance_wait.1 > 0.0 {
                            acceptance_wait = (acceptance_wait + cfg.acceptance_wait.0)
                                .min(cfg.acceptance_wait.1);
                        }
                        w
                    };
                    tokio::time::sleep(w).await;
                } else {
                    tracing::debug!("master unreachable: {why}; retrying in {backoff:?}");
                    tokio::time::sleep(jitter(backoff)).await;
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                }
                continue;
            }
            HandshakeOutcome::Fatal(why) => {
                tracing::error!("{why}");
                let _ = state.send(LinkState::Refused(why.clone()));
                if cfg.give_up_on_refusal {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(30)).await;
                continue;
            }
        };
        backoff = Duration::from_millis(200);
        acceptance_wait = cfg.acceptance_wait.0;
        pending_wait = Duration::from_secs(1);
        // Connect: the first request of every session.
        let connect_id = next_id;
        next_id += 1;
        let connect = Request {
            req_id: connect_id,
            body: RequestBody::Connect {
                grains: cfg.grains.clone(),
                version: env!("CARGO_PKG_VERSION").to_string(),
                opts: cfg.opts.clone(),
            },
        };
        let sent = match encode(&connect).and_then(|p| session.seal(&p)) {
            Ok(f) => socket.send(ZmqMessage::from(f)).await.is_ok(),
            Err(_) => false,
        };
        if !sent {
            continue;
        }
        let mut up = false;
        let mut last_rx = Instant::now();
        let mut hb = tokio::time::interval(cfg.heartbeat);
        hb.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut rx_closed = false;
        'session: loop {
            tokio::select! {
                out = rx.recv(), if up && !rx_closed => {
                    let Some(out) = out else { rx_closed = true; continue; };
                    let id = next_id;
                    next_id += 1;
                    let req = Request { req_id: id, body: out.body.clone() };
                    pending.insert(id, out);
                    if let Ok(f) = encode(&req).and_then(|p| session.seal(&p)) {
                        if socket.send(ZmqMessage::from(f)).await.is_err() {
                            break 'session;
                        }
                    }
                }
                msg = socket.recv() => {
                    let Ok(msg) = msg else { break 'session; };
                    let Some(f) = msg.into_vec().last().map(|b| b.to_vec()) else { continue };
                    let body = match frame::split(&f) {
                        Ok((Kind::Sealed, b)) => b,
                        _ => continue,
                    };
                    let Ok(plain) = session.open(body) else {
                        tracing::warn!("dropping a reply that does not open in this session");
                        continue;
                    };
                    let Ok(resp) = decode::<Response>(&plain) else { continue };
                    last_rx = Instant::now();
                    if resp.req_id == connect_id {
                        if let ResponseBody::Connected { publish_key, master_id } = resp.body {
                            tracing::info!(master = %master_id, "connected to the master");
                            up = true;
                            let _ = state.send(LinkState::Up { publish_key, master: PublicKeyBytes(master.0) });
                            // Resend what the last session left unanswered.
                            let ids: Vec<u64> = pending.keys().copied().collect();
                            for id in ids {
                                if let Some(o) = pending.get(&id) {
                                    let req = Request { req_id: id, body: o.body.clone() };
                                    if let Ok(f) = encode(&req).and_then(|p| session.seal(&p)) {
                                        let _ = socket.send(ZmqMessage::from(f)).await;
                                    }
                                }
                            }
                        }
                        continue;
                    }
                    if let ResponseBody::PublishKey(k) = &resp.body {
                        let _ = state.send(LinkState::Up { publish_key: k.clone(), master: PublicKeyBytes(master.0) });
                    }
                    if let Some(o) = pending.remove(&resp.req_id) {
                        let _ = o.reply.send(resp.body);
                    }
                }
                _ = hb.tick() => {
                    if last_rx.elapsed() > cfg.heartbeat * 3 {
                        tracing::warn!("the master has been silent for {:?}: reconnecting", last_rx.elapsed());
                        break 'session;
                    }
                    if !up && last_rx.elapsed() > Duration::from_secs(10) {
                        break 'session;
                    }
                    let running_now = running.lock().map(|r| r.clone()).unwrap_or_default();
                    let req = Request { req_id: next_id, body: RequestBody::Heartbeat { running: running_now } };
                    next_id += 1;
                    if let Ok(f) = encode(&req).and_then(|p| session.seal(&p)) {
                        if socket.send(ZmqMessage::from(f)).await.is_err() {
                            break 'session;
                        }
                    }
                }
            }
            // Drop requests whose callers gave up.
            pending.retain(|_, o| !o.reply.is_closed());
        }
        let _ = state.send(LinkState::Down);
        drop(socket);
        tokio::time::sleep(jitter(backoff)).await;
    }
}

/// `d` plus up to 50% random jitter (so a fleet does not reconnect in lockstep).
pub fn jitter(d: Duration) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|t| t.subsec_nanos())
        .unwrap_or(0);
    let frac = f64::from(nanos % 1000) / 2000.0;
    d + d.mul_f64(frac)
}
