//! Application messages carried inside sealed frames (requests and replies on the request
//! port) and inside publications.

use crate::codec::{value, values};
use crate::publish::PublishKey;
use rsalt_data::Value;
use serde::{Deserialize, Serialize};

/// A minion's request to the master. `req_id` pairs replies with requests and lets the
/// minion retry a request after a reconnect without the master running it twice.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    /// Chosen by the minion, increasing.
    pub req_id: u64,
    /// What is asked.
    pub body: RequestBody,
}

/// What a minion may ask. Every variant is answered only inside the minion's own
/// authenticated session, about the minion's own id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum RequestBody {
    /// First request of a session: the minion's grains and version.
    Connect {
        /// The minion's grains.
        #[serde(with = "value")]
        grains: Value,
        /// rsalt version string.
        version: String,
        /// The minion's options (what `config.get` and `opts` see while the master renders
        /// its states). Paths and the file-server options are the master's.
        #[serde(default, with = "value")]
        opts: Value,
    },
    /// Liveness; answered with [`ResponseBody::Ack`]. Lists the jobs still running, so the
    /// master keeps waiting for them past the CLI timeout.
    Heartbeat {
        /// Job ids running on the minion.
        running: Vec<String>,
    },
    /// The current publish key (after a rotation).
    GetPublishKey,
    /// New grains (`saltutil.refresh_grains`).
    Grains {
        /// The minion's grains.
        #[serde(with = "value")]
        grains: Value,
    },
    /// The compiled states for a state function of a job. `answers` carries results of
    /// execution functions the master asked the minion to run while rendering.
    GetStates {
        /// The job (or empty for `rsalt-call` without `--local`).
        jid: String,
        /// `state.apply`, `state.highstate`, `state.sls`, `state.show_*`, ...
        fun: String,
        /// Positional arguments.
        #[serde(with = "values")]
        arg: Vec<Value>,
        /// Keyword arguments (a dict).
        #[serde(with = "value")]
        kwarg: Value,
        /// Answers to [`ResponseBody::NeedCall`] so far, in order.
        answers: Vec<CallAnswer>,
    },
    /// File contents by SHA-256 (only hashes the master listed for this minion).
    GetFile {
        /// Lower-case hex SHA-256.
        hash: String,
    },
    /// A job's result.
    Return(JobReturn),
    /// Jobs still waiting for this minion's return (after its publish subscription was
    /// (re)established: a publication sent before then was not received).
    PendingJobs,
}

/// A master's reply.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Response {
    /// The request's id.
    pub req_id: u64,
    /// The answer.
    pub body: ResponseBody,
}

/// The master's answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ResponseBody {
    /// Session accepted.
    Connected {
        /// The current publish key.
        publish_key: PublishKey,
        /// The master's id (for logs).
        master_id: String,
    },
    /// Done.
    Ack,
    /// The current publish key.
    PublishKey(PublishKey),
    /// The compiled states.
    States(CompiledStates),
    /// Rendering needs the result of an execution function on the minion's own system.
    NeedCall(CallRequest),
    /// File contents.
    File {
        /// The bytes.
        #[serde(with = "serde_bytes")]
        data: Vec<u8>,
    },
    /// Jobs for [`RequestBody::PendingJobs`].
    Jobs(Vec<Job>),
    /// Refused or failed.
    Error {
        /// Why.
        message: String,
    },
}

/// An execution function the master needs the minion to run (while rendering its states).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRequest {
    /// `mod.fun`.
    pub fun: String,
    /// Positional arguments.
    #[serde(with = "values")]
    pub arg: Vec<Value>,
    /// Keyword arguments (a dict).
    #[serde(with = "value")]
    pub kwarg: Value,
}

/// The minion's answer to a [`CallRequest`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CallAnswer {
    /// The request answered.
    pub call: CallRequest,
    /// `Ok(value)` or the error text.
    pub outcome: Result<WireResult, String>,
}

/// A returned value (wrapper so `Result` serializes cleanly).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireResult(#[serde(with = "value")] pub Value);

/// What the master compiled for one minion.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CompiledStates {
    /// What to do with the data: `run` (ordered low chunks), `errors` (a list of compile
    /// errors, returned as Salt returns them) or `data` (a `state.show_*` result).
    pub mode: String,
    /// Low chunks (`run`), the error list (`errors`) or the data (`data`).
    #[serde(with = "value")]
    pub data: Value,
    /// The minion's compiled pillar (what states and file templates see).
    #[serde(with = "value")]
    pub pillar: Value,
    /// `salt://` files the states reference: (saltenv, path, sha256).
    pub files: Vec<FileRef>,
    /// Identifies the state tree the states came from (git commit or content hash).
    pub tree: String,
    /// Exit code to use when `mode` is `errors` (Salt's 1 or 5).
    pub retcode: i64,
}

/// A file a minion may fetch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRef {
    /// Environment.
    pub saltenv: String,
    /// Path relative to the environment's roots.
    pub path: String,
    /// Lower-case hex SHA-256 of the contents.
    pub hash: String,
}

/// A job announcement (the plaintext of a publication).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    /// Salt-format job id (`20261129143622123456`).
    pub jid: String,
    /// Target expression (string, or list for `list`).
    #[serde(with = "value")]
    pub tgt: Value,
    /// `glob`, `pcre`, `list`, `grain`, `grain_pcre`, `pillar`, `ipcidr`, `compound`,
    /// `nodegroup` (expanded by the master to `compound`).
    pub tgt_type: String,
    /// Execution function.
    pub fun: String,
    /// Positional arguments.
    #[serde(with = "values")]
    pub arg: Vec<Value>,
    /// Keyword arguments (dict).
    #[serde(with = "value")]
    pub kwarg: Value,
    /// Who asked.
    pub user: String,
    /// Unix time the master published it; minions drop jobs older than a few minutes
    /// (a late replay after a key rotation window).
    pub issued: u64,
}

/// A job's result from one minion.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobReturn {
    /// Job id.
    pub jid: String,
    /// Minion id (the master overwrites it with the session's id).
    pub id: String,
    /// Function run.
    pub fun: String,
    /// Its arguments.
    #[serde(with = "values")]
    pub fun_args: Vec<Value>,
    /// The return value.
    #[serde(with = "value")]
    pub ret: Value,
    /// Exit code (`__context__['retcode']`).
    pub retcode: i64,
    /// False when the function raised.
    pub success: bool,
    /// Outputter the function asks for (`highstate` for states).
    pub out: Option<String>,
    /// The state tree revision the states came from.
    pub tree: Option<String>,
}
