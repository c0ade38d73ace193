//! A ZMTP-aware guard in front of the master's public ports.
//!
//! The zeromq crate sizes its read buffer from the length a peer declares in a frame
//! header, before any authentication: one frame header claiming 2^50 bytes makes the
//! process abort on allocation (measured: `tests/fleet_security.rs`). So the master binds
//! its ZeroMQ sockets on unix sockets in `sock_dir` (mode 0700), and the public TCP ports
//! are served by this guard: it parses the ZMTP 3 stream from each peer (64-byte greeting,
//! then `flags | size | body` frames), refuses any frame larger than the protocol allows
//! by closing the connection, bounds the number of connections, and copies everything
//! else through unchanged. Replies flow back untouched.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, UnixStream};

/// Largest ZMTP frame a peer may send (a full rsalt message plus framing slack).
pub const MAX_FRAME: u64 = rsalt_proto::MAX_MESSAGE_BYTES as u64 + 1024;
/// Most simultaneous connections per public port.
pub const MAX_CONNECTIONS: usize = 50_000;
const GREETING_LEN: usize = 64;
/// Read size while data is moving.
const CHUNK: usize = 16 * 1024;

/// Incremental checker of the peer → master byte stream.
#[derive(Debug, Default)]
pub struct ZmtpChecker {
    greeting_left: Option<usize>,
    header: Vec<u8>,
    body_left: u64,
}

impl ZmtpChecker {
    /// A checker at the start of a connection.
    pub fn new() -> ZmtpChecker {
        ZmtpChecker {
            greeting_left: Some(GREETING_LEN),
            ..Default::default()
        }
    }

    /// Feeds bytes; `Err` when the peer declared a frame that is too large or malformed.
    pub fn feed(&mut self, mut data: &[u8]) -> Result<(), String> {
        while !data.is_empty() {
            if let Some(left) = self.greeting_left {
                let n = left.min(data.len());
                if left == GREETING_LEN && data[0] != 0xff {
                    return Err("not a ZMTP greeting".into());
                }
                data = &data[n..];
                self.greeting_left = if left - n == 0 { None } else { Some(left - n) };
                continue;
            }
            if self.body_left > 0 {
                let n = usize::try_from(self.body_left)
                    .unwrap_or(usize::MAX)
                    .min(data.len());
                self.body_left -= n as u64;
                data = &data[n..];
                continue;
            }
            self.header.push(data[0]);
            data = &data[1..];
            let flags = self.header[0];
            if flags & 0xf8 != 0 {
                return Err(format!("invalid ZMTP frame flags {flags:#04x}"));
            }
            let need = if flags & 0x02 != 0 { 9 } else { 2 };
            if self.header.len() == need {
                let size = self.header[1..]
                    .iter()
                    .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
                if size > MAX_FRAME {
                    return Err(format!("frame of {size} bytes refused"));
                }
                self.body_left = size;
                self.header.clear();
            }
        }
        Ok(())
    }
}

/// Serves `public` (`host:port`), forwarding each connection to the unix socket `inner`.
pub async fn start(public: &str, inner: PathBuf) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let listener = TcpListener::bind(public)
        .await
        .map_err(|e| anyhow::anyhow!("binding {public}: {e}"))?;
    let open = Arc::new(AtomicUsize::new(0));
    Ok(tokio::spawn(async move {
        loop {
            let Ok((tcp, addr)) = listener.accept().await else {
                continue;
            };
            if open.load(Ordering::Relaxed) >= MAX_CONNECTIONS {
                tracing::warn!(%addr, "connection limit reached: refusing");
                continue;
            }
            let _ = tcp.set_nodelay(true);
            let inner = inner.clone();
            let open = open.clone();
            open.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(async move {
                if let Ok(unix) = UnixStream::connect(&inner).await {
                    let (tr, mut tw) = tcp.into_split();
                    let (ur, mut uw) = unix.into_split();
                    // Buffers exist only while data is moving: an idle connection (most
                    // of a fleet, most of the time) holds none.
                    let up = async {
                        let mut checker = ZmtpChecker::new();
                        loop {
                            if tr.readable().await.is_err() {
                                break;
                            }
                            let mut buf = vec![0u8; CHUNK];
                            let n = match tr.try_read(&mut buf) {
                                Ok(0) => break,
                                Ok(n) => n,
                                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                                Err(_) => break,
                            };
                            if let Err(e) = checker.feed(&buf[..n]) {
                                tracing::warn!(%addr, "closing connection: {e}");
                                break;
                            }
                            if uw.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                    };
                    let down = async {
                        loop {
                            if ur.readable().await.is_err() {
                                break;
                            }
                            let mut buf = vec![0u8; CHUNK];
                            let n = match ur.try_read(&mut buf) {
                                Ok(0) => break,
                                Ok(n) => n,
                                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                                Err(_) => break,
                            };
                            if tw.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                    };
                    tokio::select! {
                        _ = up => {}
                        _ = down => {}
                    }
                }
                open.fetch_sub(1, Ordering::Relaxed);
            });
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_checked_across_reads() {
        let mut c = ZmtpChecker::new();
        let mut greeting = vec![0xffu8];
        greeting.extend(vec![0u8; 63]);
        c.feed(&greeting[..10]).expect("part");
        c.feed(&greeting[10..]).expect("rest");
        c.feed(&[0x00, 3, b'a']).expect("short frame, partial");
        c.feed(&[b'b', b'c', 0x02]).expect("next header");
        let mut long = (1u64 << 50).to_be_bytes().to_vec();
        assert!(c.feed(&long).is_err());
        let mut c = ZmtpChecker::new();
        c.feed(&greeting).expect("greeting");
        long = 100u64.to_be_bytes().to_vec();
        let mut f = vec![0x02];
        f.extend(long);
        f.extend(vec![0u8; 100]);
        c.feed(&f).expect("100-byte long frame");
        assert!(c.feed(&[0x80]).is_err());
        assert!(ZmtpChecker::new().feed(&[0x00]).is_err());
    }
}
