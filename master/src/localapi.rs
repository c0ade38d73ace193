//! The local API: how `rsalt`, `rsalt-key` and `rsalt-run` talk to the running master, over
//! the unix socket `sock_dir/master_cli.sock` (mode 0660; the master also checks the peer's
//! uid: root, the master's own user, and users named in `publisher_acl`).
//!
//! Framing: a 4-byte big-endian length, then a msgpack [`LocalRequest`] (client → master)
//! or [`LocalEvent`]s (master → client) until the master closes the stream.

use rsalt_data::Value;
use rsalt_proto::codec::{self, value, values};
use rsalt_proto::msg::JobReturn;
use serde::{Deserialize, Serialize};
use std::path::Path;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

/// Largest local frame accepted.
pub const MAX_LOCAL_FRAME: usize = 64 * 1024 * 1024;

/// A job to publish.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PublishSpec {
    /// Target.
    #[serde(with = "value")]
    pub tgt: Value,
    /// Target type (`glob`, `pcre`, `list`, `grain`, `grain_pcre`, `pillar`,
    /// `pillar_pcre`, `ipcidr`, `compound`, `nodegroup`, `roles`).
    pub tgt_type: String,
    /// Function.
    pub fun: String,
    /// Positional arguments.
    #[serde(with = "values")]
    pub arg: Vec<Value>,
    /// Keyword arguments (dict).
    #[serde(with = "value")]
    pub kwarg: Value,
    /// Seconds to wait for connected minions that are silent.
    pub timeout: u64,
}

/// A client's request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum LocalRequest {
    /// Publish a job and stream its returns.
    Publish(PublishSpec),
    /// Which minions a target matches (for `--batch-size`).
    Resolve {
        /// Target.
        #[serde(with = "value")]
        tgt: Value,
        /// Target type.
        tgt_type: String,
    },
    /// A runner function (`jobs.*`, `manage.*`, `fileserver.*`).
    Runner {
        /// `mod.fun`.
        fun: String,
        /// Positional arguments.
        #[serde(with = "values")]
        arg: Vec<Value>,
        /// Keyword arguments.
        #[serde(with = "value")]
        kwarg: Value,
    },
    /// Keys changed on disk (`rsalt-key`): re-check sessions and rotate the publish key.
    KeysChanged,
    /// Stream the event bus (`state.event`).
    Events,
}

/// What the master streams back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum LocalEvent {
    /// The job is published.
    Started {
        /// Job id.
        jid: String,
        /// Minions expected to answer.
        minions: Vec<String>,
        /// Of those, the ones the master knows are not connected (reported at once).
        disconnected: Vec<String>,
    },
    /// One minion's return.
    Return(JobReturn),
    /// The job is over for this client: who did not return, and why
    /// (`Not connected` or `No response`).
    Done {
        /// (minion id, reason).
        missing: Vec<(String, String)>,
    },
    /// Minions a target matched.
    Minions {
        /// Ids.
        ids: Vec<String>,
    },
    /// A runner's result.
    RunnerResult {
        /// Return value.
        #[serde(with = "value")]
        ret: Value,
        /// Exit code.
        retcode: i64,
    },
    /// An event from the bus.
    Event {
        /// Tag (`salt/job/<jid>/ret/<id>`, ...).
        tag: String,
        /// Data.
        #[serde(with = "value")]
        data: Value,
    },
    /// Acknowledged.
    Ok,
    /// Refused or failed.
    Error {
        /// Why.
        message: String,
    },
}

/// Writes one frame.
pub async fn write_frame<T: Serialize>(s: &mut UnixStream, msg: &T) -> std::io::Result<()> {
    let bytes = codec::encode(msg).map_err(std::io::Error::other)?;
    let len = u32::try_from(bytes.len()).map_err(std::io::Error::other)?;
    s.write_all(&len.to_be_bytes()).await?;
    s.write_all(&bytes).await?;
    s.flush().await
}

/// Reads one frame; `None` at end of stream.
pub async fn read_frame<T: serde::de::DeserializeOwned>(
    s: &mut UnixStream,
) -> std::io::Result<Option<T>> {
    let mut len = [0u8; 4];
    match s.read_exact(&mut len).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_LOCAL_FRAME {
        return Err(std::io::Error::other(format!("local frame of {len} bytes")));
    }
    let mut buf = vec![0u8; len];
    s.read_exact(&mut buf).await?;
    codec::decode(&buf).map(Some).map_err(std::io::Error::other)
}

/// Connects to the master's local socket with a clear error when it is not running.
pub async fn connect(sock: &Path) -> anyhow::Result<UnixStream> {
    UnixStream::connect(sock).await.map_err(|e| {
        anyhow::anyhow!(
            "cannot reach the rsalt master at {}: {e} (is rsalt-master running with this config dir?)",
            sock.display()
        )
    })
}
