//! Running one function on the minion, with states compiled by the master: the master
//! renders, asks the minion to run the calls that read its own system, and returns ordered
//! chunks plus the hashes of the files they need; the minion fetches those files into its
//! content-addressed cache and runs the chunks with the shared runner.

use super::channel::{Channel, ChannelError};
use rsalt_data::{Dict, Value};
use rsalt_modules::exec::{self, Args};
use rsalt_modules::RunContext;
use rsalt_proto::msg::{
    CallAnswer, CompiledStates, FileRef, RequestBody, ResponseBody, WireResult,
};
use rsalt_sls::jinja::JinjaOptions;
use rsalt_sls::{CallError, FileClient};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Answers and limits for one remote state compile.
const MAX_RENDER_ROUNDS: usize = 500;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);

/// The outcome of a function run: return value, retcode, outputter, tree revision.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Return value.
    pub ret: Value,
    /// Exit code.
    pub retcode: i64,
    /// Whether the function ran (false: not available / raised).
    pub success: bool,
    /// Outputter (`highstate` for state runs).
    pub out: Option<String>,
    /// State tree revision.
    pub tree: Option<String>,
}

/// The minion's files from the master: `salt://` paths of the compiled states, each mapped
/// to a file in the content-addressed cache `cachedir/files/<sha256>`.
pub struct ManifestFileClient {
    files: HashMap<(String, String), PathBuf>,
}

impl FileClient for ManifestFileClient {
    fn envs(&self) -> Vec<String> {
        let mut e: Vec<String> = self.files.keys().map(|(e, _)| e.clone()).collect();
        e.sort();
        e.dedup();
        e
    }

    fn find(&self, saltenv: &str, path: &str) -> Option<PathBuf> {
        let p = path.trim_start_matches("salt://").trim_start_matches('/');
        self.files
            .get(&(saltenv.to_string(), p.to_string()))
            .cloned()
    }

    fn list_files(&self, saltenv: &str, prefix: &str) -> Vec<String> {
        let prefix = prefix.trim_start_matches("salt://").trim_start_matches('/');
        let mut out: Vec<String> = self
            .files
            .keys()
            .filter(|(e, p)| e == saltenv && p.starts_with(prefix))
            .map(|(_, p)| p.clone())
            .collect();
        out.sort();
        out
    }

    fn list_dirs(&self, saltenv: &str, prefix: &str) -> Vec<String> {
        let mut dirs: Vec<String> = Vec::new();
        for f in self.list_files(saltenv, prefix) {
            let mut p = Path::new(&f).parent();
            while let Some(d) = p {
                let s = d.to_string_lossy().into_owned();
                if s.is_empty() {
                    break;
                }
                if !dirs.contains(&s) {
                    dirs.push(s);
                }
                p = d.parent();
            }
        }
        dirs.sort();
        dirs
    }
}

fn sha256_hex(data: &[u8]) -> String {
    rsalt_proto::session::hex(ring::digest::digest(&ring::digest::SHA256, data).as_ref())
}

fn valid_hash(h: &str) -> bool {
    h.len() == 64
        && h.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// Fetches the files of `refs` that are not cached yet; verifies every hash.
pub async fn fetch_files(
    channel: &Channel,
    cache: &Path,
    refs: &[FileRef],
) -> Result<ManifestFileClient, String> {
    let mut files = HashMap::new();
    for r in refs {
        if !valid_hash(&r.hash) || r.path.split('/').any(|c| c == "..") {
            return Err(format!("bad file reference from the master: {}", r.path));
        }
        let path = cache.join(&r.hash[..2]).join(&r.hash);
        let cached = std::fs::read(&path)
            .ok()
            .is_some_and(|d| sha256_hex(&d) == r.hash);
        if !cached {
            let resp = channel
                .request(
                    RequestBody::GetFile {
                        hash: r.hash.clone(),
                    },
                    REQUEST_TIMEOUT,
                )
                .await
                .map_err(|e| e.to_string())?;
            let data = match resp {
                ResponseBody::File { data } => data,
                ResponseBody::Error { message } => return Err(message),
                other => return Err(format!("unexpected answer to a file request: {other:?}")),
            };
            if sha256_hex(&data) != r.hash {
                return Err(format!(
                    "salt://{}: content does not match its hash",
                    r.path
                ));
            }
            rsalt_proto::keys::write_atomic_nosync(&path, &data, 0o600)
                .map_err(|e| e.to_string())?;
        }
        files.insert((r.saltenv.clone(), r.path.clone()), path);
    }
    Ok(ManifestFileClient { files })
}

/// The minion's local execution environment (options, grains, function table).
#[derive(Clone)]
pub struct Local {
    /// Minion options.
    pub opts: Dict,
    /// Grains.
    pub grains: Dict,
    /// Content-addressed file cache.
    pub file_cache: PathBuf,
}

impl Local {
    fn jinja_options(&self) -> JinjaOptions {
        use rsalt_sls::opts::OptsExt;
        JinjaOptions {
            trim_blocks: self.opts.opt_bool("jinja_trim_blocks", false),
            lstrip_blocks: self.opts.opt_bool("jinja_lstrip_blocks", false),
            allow_undefined: self.opts.opt_bool("allow_undefined", false),
        }
    }

    /// A run context over `files` and `pillar`.
    pub fn context(&self, files: Arc<dyn FileClient>, pillar: Dict) -> RunContext {
        exec::new_context(
            self.opts.clone(),
            self.grains.clone(),
            pillar,
            files,
            self.jinja_options(),
            exec::registry(),
        )
    }

    /// Runs a plain execution function here (no state tree).
    pub fn call(&self, fun: &str, args: &Args) -> Outcome {
        let ctx = self.context(
            Arc::new(ManifestFileClient {
                files: HashMap::new(),
            }),
            Dict::new(),
        );
        let _ = exec::take_retcode();
        match ctx.caller.call(fun, args.args.clone(), args.kwargs.clone()) {
            Ok(v) => {
                let mut retcode = exec::take_retcode().unwrap_or(0);
                if retcode == 0 {
                    if let Value::Dict(d) = &v {
                        if ["result", "success"]
                            .iter()
                            .any(|k| d.get(k).is_some_and(|x| !x.truthy()))
                        {
                            retcode = 1;
                        }
                    }
                }
                Outcome {
                    ret: v,
                    retcode,
                    success: true,
                    out: None,
                    tree: None,
                }
            }
            Err(CallError::NotAvailable(f)) => Outcome {
                ret: Value::Str(format!("'{f}' is not available.")),
                retcode: 254,
                success: false,
                out: None,
                tree: None,
            },
            Err(e) => Outcome {
                ret: Value::Str(format!("ERROR: {e}")),
                retcode: 1,
                success: false,
                out: None,
                tree: None,
            },
        }
    }
}

/// Whether `fun` is answered with the master's compile: state functions (but
/// `state.single`/`state.running`, which need no tree) and `pillar.*` (the pillar lives on
/// the master).
pub fn is_remote_state(fun: &str) -> bool {
    (fun.starts_with("state.") && fun != "state.single" && fun != "state.running")
        || fun.starts_with("pillar.")
}

fn outputter_for(fun: &str) -> Option<String> {
    match rsalt_output::default_outputter(fun) {
        "nested" => None,
        other => Some(other.to_string()),
    }
}

/// Runs a state function with states compiled by the master.
pub async fn run_state(
    channel: &Channel,
    local: &Local,
    jid: &str,
    fun: &str,
    args: Args,
) -> Outcome {
    let mut answers: Vec<CallAnswer> = Vec::new();
    let mut kwarg = args.kwargs.clone();
    if kwarg.get("test").is_none() {
        if let Some(t) = local.opts.get("test").filter(|t| t.truthy()) {
            kwarg.insert("test", t.clone());
        }
    }
    for k in kwarg.map.keys().cloned().collect::<Vec<_>>() {
        if k.as_str().is_some_and(|s| s.starts_with("__pub_")) {
            kwarg.map.shift_remove(&k);
        }
    }
    let mut rounds = 0;
    let compiled: CompiledStates = loop {
        rounds += 1;
        if rounds > MAX_RENDER_ROUNDS {
            return failure("rendering asked the minion for too many calls".into());
        }
        let resp = channel
            .request(
                RequestBody::GetStates {
                    jid: jid.to_string(),
                    fun: fun.to_string(),
                    arg: args.args.clone(),
                    kwarg: Value::Dict(kwarg.clone()),
                    answers: answers.clone(),
                },
                REQUEST_TIMEOUT,
            )
            .await;
        match resp {
            Ok(ResponseBody::States(s)) => break s,
            Ok(ResponseBody::NeedCall(call)) => {
                let l = local.clone();
                let c = call.clone();
                let outcome = tokio::task::spawn_blocking(move || {
                    let a = Args::new(
                        c.arg.clone(),
                        c.kwarg.as_dict().cloned().unwrap_or_default(),
                    );
                    let ctx = l.context(
                        Arc::new(ManifestFileClient {
                            files: HashMap::new(),
                        }),
                        Dict::new(),
                    );
                    ctx.caller.call(&c.fun, a.args, a.kwargs)
                })
                .await;
                let outcome = match outcome {
                    Ok(Ok(v)) => Ok(WireResult(v)),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                answers.push(CallAnswer { call, outcome });
            }
            Ok(ResponseBody::Error { message }) => return failure(message),
            Ok(other) => return failure(format!("unexpected answer from the master: {other:?}")),
            Err(ChannelError::Refused(m)) => return failure(m),
            Err(e) => return failure(e.to_string()),
        }
    };
    let tree = Some(compiled.tree.clone());
    if compiled.mode != "run" {
        return Outcome {
            ret: compiled.data,
            retcode: compiled.retcode,
            success: true,
            out: outputter_for(fun),
            tree,
        };
    }
    let files = match fetch_files(channel, &local.file_cache, &compiled.files).await {
        Ok(f) => f,
        Err(e) => return failure(e),
    };
    let chunks: Vec<Dict> = compiled
        .data
        .get("chunks")
        .and_then(Value::as_list)
        .map(|l| l.iter().filter_map(|c| c.as_dict().cloned()).collect())
        .unwrap_or_default();
    let test = compiled.data.get("test").is_some_and(Value::truthy);
    let pillar = compiled.pillar.as_dict().cloned().unwrap_or_default();
    let l = local.clone();
    let ran = tokio::task::spawn_blocking(move || {
        let ctx = l.context(Arc::new(files), pillar);
        let _ = exec::take_retcode();
        let ret = exec::state::run_compiled(&ctx, chunks, test);
        (ret, exec::take_retcode().unwrap_or(0))
    })
    .await;
    match ran {
        Ok((ret, retcode)) => Outcome {
            ret,
            retcode,
            success: true,
            out: Some("highstate".into()),
            tree,
        },
        Err(e) => failure(format!("state run failed: {e}")),
    }
}

fn failure(message: String) -> Outcome {
    Outcome {
        ret: Value::List(vec![Value::Str(message)]),
        retcode: 1,
        success: false,
        out: Some("highstate".into()),
        tree: None,
    }
}
