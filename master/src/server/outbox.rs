//! Per-peer bounded outboxes in front of the ROUTER socket: a peer that stops reading fills
//! only its own queue (then its messages are dropped and logged), never the master's loop.

use bytes::Bytes;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use zeromq::{RouterSendHalf, SocketSend, ZmqMessage};

const OUTBOX_CAPACITY: usize = 128;
const SEND_TIMEOUT: Duration = Duration::from_secs(2);
const IDLE_CLOSE: Duration = Duration::from_secs(20);

/// Sends frames to peers of a ROUTER socket through one bounded queue per peer.
#[derive(Clone)]
pub struct Outboxes {
    router: RouterSendHalf,
    boxes: Arc<Mutex<BoxMap>>,
}

/// Peer id → its queue.
type BoxMap = HashMap<Vec<u8>, mpsc::Sender<Vec<u8>>>;

impl Outboxes {
    /// Outboxes over the send half of the ROUTER socket.
    pub fn new(router: RouterSendHalf) -> Outboxes {
        Outboxes {
            router,
            boxes: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Queues `frame` for `peer`; drops it (false) when the peer's queue is full.
    pub fn send(&self, peer: &[u8], frame: Vec<u8>) -> bool {
        let Ok(mut boxes) = self.boxes.lock() else {
            return false;
        };
        if let Some(tx) = boxes.get(peer) {
            match tx.try_send(frame) {
                Ok(()) => return true,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    tracing::warn!(peer = %hex(peer), "outbox full: dropping a message for a peer that does not read");
                    return false;
                }
                Err(mpsc::error::TrySendError::Closed(f)) => {
                    boxes.remove(peer);
                    return self.spawn_box(&mut boxes, peer, f);
                }
            }
        }
        self.spawn_box(&mut boxes, peer, frame)
    }

    fn spawn_box(&self, boxes: &mut BoxMap, peer: &[u8], first: Vec<u8>) -> bool {
        let (tx, mut rx) = mpsc::channel::<Vec<u8>>(OUTBOX_CAPACITY);
        if tx.try_send(first).is_err() {
            return false;
        }
        boxes.insert(peer.to_vec(), tx);
        let mut router = self.router.clone();
        let peer_id = Bytes::copy_from_slice(peer);
        let all = self.boxes.clone();
        let key = peer.to_vec();
        tokio::spawn(async move {
            loop {
                let frame = match tokio::time::timeout(IDLE_CLOSE, rx.recv()).await {
                    Ok(Some(f)) => f,
                    _ => break,
                };
                let mut msg = ZmqMessage::from(frame);
                msg.push_front(peer_id.clone());
                match tokio::time::timeout(SEND_TIMEOUT, router.send(msg)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        tracing::debug!(error = %e, "send to peer failed");
                        break;
                    }
                    Err(_) => {
                        tracing::warn!("peer not reading for {SEND_TIMEOUT:?}: closing its outbox");
                        break;
                    }
                }
            }
            if let Ok(mut b) = all.lock() {
                if b.get(&key)
                    .is_some_and(|tx| tx.is_closed() || tx.capacity() == OUTBOX_CAPACITY)
                {
                    b.remove(&key);
                }
            }
        });
        true
    }

    /// Forgets a peer's queue (the peer disconnected).
    pub fn forget(&self, peer: &[u8]) {
        if let Ok(mut b) = self.boxes.lock() {
            b.remove(peer);
        }
    }
}

/// Lower-case hex of a peer id, for logs.
pub fn hex(b: &[u8]) -> String {
    rsalt_proto::session::hex(b)
}
