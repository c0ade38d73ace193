//! Rendering on the master: compiles one minion's states with the shared engine, using that
//! minion's grains and a pillar compiled for it, and lists the `salt://` files the result
//! needs (by content hash). Execution functions that read the minion's own system are not
//! run on the master: the first such call stops the render with [`Rendered::NeedCall`]; the
//! minion runs it and asks again with the answer (renders are deterministic, so each
//! round replays the earlier answers and gets one call further).

use crate::config::MasterConfig;
use rsalt_data::{Dict, Value};
use rsalt_modules::exec::caller::{CallInterceptor, LocalCaller};
use rsalt_modules::exec::state::{compile_for_minion, Compiled};
use rsalt_modules::exec::{self, Args};
use rsalt_proto::msg::{CallAnswer, CallRequest, CompiledStates, FileRef, WireResult};
use rsalt_sls::jinja::JinjaOptions;
use rsalt_sls::opts::OptsExt;
use rsalt_sls::{CallError, FileClient, RootsFileClient};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// Execution-function modules whose functions only compute on data (grains, pillar,
/// options, the template's own arguments) and so may run on the master while rendering.
const MASTER_SAFE_MODULES: &[&str] = &[
    "grains", "pillar", "config", "defaults", "slsutil", "match", "test", "sys",
];

/// Whether `fun` may run on the master during a render.
pub fn master_safe(fun: &str) -> bool {
    let module = fun.split('.').next().unwrap_or("");
    MASTER_SAFE_MODULES.contains(&module) && !matches!(fun, "test.sleep" | "test.rand_sleep")
}

/// The state tree as the master serves it: `file_roots`, refusing any path (symlinks
/// included) that resolves outside its root.
pub struct ConfinedFileClient {
    inner: RootsFileClient,
    roots: Vec<(String, Vec<PathBuf>)>,
}

impl ConfinedFileClient {
    /// The client over the master's `file_roots`.
    pub fn new(opts: &Dict) -> ConfinedFileClient {
        let roots: Vec<(String, Vec<PathBuf>)> = opts
            .opt_roots("file_roots")
            .into_iter()
            .map(|(env, dirs)| {
                let dirs = dirs
                    .into_iter()
                    .map(|d| {
                        let p = PathBuf::from(&d);
                        p.canonicalize().unwrap_or(p)
                    })
                    .collect();
                (env, dirs)
            })
            .collect();
        ConfinedFileClient {
            inner: RootsFileClient::new(roots.clone()),
            roots,
        }
    }

    fn inside(&self, saltenv: &str, p: &Path) -> bool {
        let Ok(real) = p.canonicalize() else {
            return false;
        };
        self.roots
            .iter()
            .filter(|(e, _)| e == saltenv)
            .flat_map(|(_, d)| d)
            .any(|root| real.starts_with(root))
    }
}

impl FileClient for ConfinedFileClient {
    fn envs(&self) -> Vec<String> {
        self.inner.envs()
    }

    fn find(&self, saltenv: &str, path: &str) -> Option<PathBuf> {
        if path.contains('\0') || path.contains('\\') || path.contains('%') {
            return None;
        }
        let p = self.inner.find(saltenv, path)?;
        if self.inside(saltenv, &p) {
            Some(p)
        } else {
            tracing::warn!(
                saltenv,
                path,
                "refusing a state tree path that resolves outside file_roots"
            );
            None
        }
    }

    fn list_files(&self, saltenv: &str, prefix: &str) -> Vec<String> {
        self.inner
            .list_files(saltenv, prefix)
            .into_iter()
            .filter(|f| self.find(saltenv, f).is_some())
            .collect()
    }

    fn list_dirs(&self, saltenv: &str, prefix: &str) -> Vec<String> {
        self.inner.list_dirs(saltenv, prefix)
    }
}

/// Answers master-safe calls locally, replays the minion's answers for the others, and
/// records the first call the minion still has to answer.
struct Deferrer {
    answers: Vec<CallAnswer>,
    pending: Mutex<Option<CallRequest>>,
}

impl CallInterceptor for Deferrer {
    fn intercept(&self, fun: &str, args: &Args) -> Option<Result<Value, CallError>> {
        if master_safe(fun) {
            return None;
        }
        let call = CallRequest {
            fun: fun.to_string(),
            arg: args.args.clone(),
            kwarg: Value::Dict(args.kwargs.clone()),
        };
        if let Some(a) = self.answers.iter().find(|a| a.call == call) {
            return Some(match &a.outcome {
                Ok(WireResult(v)) => Ok(v.clone()),
                Err(e) => Err(CallError::Failed(e.clone())),
            });
        }
        if let Ok(mut p) = self.pending.lock() {
            if p.is_none() {
                *p = Some(call);
            }
        }
        Some(Err(CallError::Failed(format!(
            "{fun} must run on the minion (asked it)"
        ))))
    }
}

/// The outcome of one render round.
#[derive(Debug)]
pub enum Rendered {
    /// Done: what the minion runs or returns.
    States(CompiledStates),
    /// The minion must run this call and ask again with its answer.
    NeedCall(CallRequest),
}

/// Jinja options from an options dict.
pub fn jinja_options(opts: &Dict) -> JinjaOptions {
    JinjaOptions {
        trim_blocks: opts.opt_bool("jinja_trim_blocks", false),
        lstrip_blocks: opts.opt_bool("jinja_lstrip_blocks", false),
        allow_undefined: opts.opt_bool("allow_undefined", false),
    }
}

/// Compiles `id`'s pillar on the master (as Salt does: pillar never leaves the master
/// except to its own minion).
pub fn compile_pillar(
    cfg: &MasterConfig,
    files: Arc<dyn FileClient>,
    id: &str,
    grains: &Dict,
) -> Dict {
    let opts = cfg.render_opts(id);
    let ctx = exec::new_context(
        opts.clone(),
        grains.clone(),
        Dict::new(),
        files,
        jinja_options(&opts),
        exec::registry(),
    );
    rsalt_modules::highstate::compile_pillar(&ctx, &Dict::new(), None)
}

/// One render round of `fun` for minion `id`.
#[allow(clippy::too_many_arguments)]
pub fn render_for_minion(
    cfg: &MasterConfig,
    files: Arc<dyn FileClient>,
    id: &str,
    minion_opts: &Dict,
    grains: &Dict,
    pillar: &Dict,
    fun: &str,
    arg: Vec<Value>,
    kwarg: Dict,
    answers: Vec<CallAnswer>,
) -> Result<Rendered, String> {
    let opts = cfg.render_opts_for(id, Some(minion_opts));
    let deferrer = Arc::new(Deferrer {
        answers,
        pending: Mutex::new(None),
    });
    let caller = LocalCaller::with_interceptor(
        Arc::new(opts.clone()),
        Arc::new(grains.clone()),
        Arc::new(RwLock::new(pillar.clone())),
        files.clone(),
        jinja_options(&opts),
        exec::registry(),
        Some(deferrer.clone()),
    );
    let ctx = caller.context();
    let args = Args::new(arg, kwarg);
    let compiled = compile_for_minion(&ctx, fun, &args);
    if let Some(call) = deferrer.pending.lock().ok().and_then(|mut p| p.take()) {
        return Ok(Rendered::NeedCall(call));
    }
    let compiled = compiled.map_err(|e| e.to_string())?;
    let pillar_now = ctx.pillar();
    Ok(Rendered::States(match compiled {
        Compiled::Run { chunks, test } => {
            let files_needed = referenced_files(files.as_ref(), &chunks);
            let mut data = Dict::new();
            data.insert(
                "chunks",
                Value::List(chunks.into_iter().map(Value::Dict).collect()),
            );
            data.insert("test", Value::Bool(test));
            let data = Value::Dict(data);
            let tree = tree_id(&data, &files_needed);
            CompiledStates {
                mode: "run".into(),
                data,
                pillar: Value::Dict(pillar_now),
                files: files_needed,
                tree,
                retcode: 0,
            }
        }
        Compiled::Done { ret, retcode } => CompiledStates {
            mode: "done".into(),
            tree: tree_id(&ret, &[]),
            data: ret,
            pillar: Value::Dict(Dict::new()),
            files: Vec::new(),
            retcode,
        },
    }))
}

/// `sha256:` + the first 16 hex digits of a hash over the compiled data and file hashes:
/// the same tree and inputs give the same id.
fn tree_id(data: &Value, files: &[FileRef]) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    if let Ok(bytes) = rsalt_proto::codec::encode(&rsalt_proto::codec::WireValue::from(data)) {
        ctx.update(&bytes);
    }
    for f in files {
        ctx.update(f.saltenv.as_bytes());
        ctx.update(f.path.as_bytes());
        ctx.update(f.hash.as_bytes());
    }
    let d = ctx.finish();
    format!("sha256:{}", rsalt_proto::session::hex(&d.as_ref()[..8]))
}

/// SHA-256 of a file, lower-case hex.
pub fn file_sha256(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    Some(rsalt_proto::session::hex(
        ring::digest::digest(&ring::digest::SHA256, &bytes).as_ref(),
    ))
}

fn parse_salt_url(url: &str, default_env: &str) -> Option<(String, String)> {
    let rest = url.strip_prefix("salt://")?;
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let env = query
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("saltenv=")))
        .unwrap_or(default_env);
    Some((env.to_string(), path.trim_start_matches('/').to_string()))
}

fn collect_urls(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Str(s) if s.starts_with("salt://") => out.push(s.clone()),
        Value::List(l) => l.iter().for_each(|x| collect_urls(x, out)),
        Value::Dict(d) => d.map.values().for_each(|x| collect_urls(x, out)),
        _ => {}
    }
}

/// Template paths a Jinja file imports or includes (`import`, `from ... import`,
/// `include`, `import_yaml`/`import_json`/`import_text`), literal names only.
fn template_refs(text: &str) -> Vec<String> {
    let re = regex::Regex::new(
        r#"\{%-?\s*(?:import|from|include|import_yaml|import_json|import_text)\s+["']([^"']+)["']"#,
    );
    match re {
        Ok(re) => re
            .captures_iter(text)
            .filter_map(|c| c.get(1).map(|m| m.as_str().to_string()))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// The files the chunks reference: `salt://` URLs anywhere in their arguments (a
/// directory means every file below it, for `file.recurse`), plus what templated sources
/// import or include.
pub fn referenced_files(files: &dyn FileClient, chunks: &[Dict]) -> Vec<FileRef> {
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut todo: Vec<(String, String, bool)> = Vec::new();
    for chunk in chunks {
        let env = chunk
            .get("__env__")
            .map(Value::to_py_str)
            .unwrap_or_else(|| "base".into());
        let templated = chunk.get("template").is_some_and(|t| t.truthy());
        let mut urls = Vec::new();
        for (k, v) in chunk.iter() {
            if k.as_str().is_some_and(|k| k.starts_with("__")) {
                continue;
            }
            collect_urls(v, &mut urls);
        }
        for u in urls {
            if let Some((e, p)) = parse_salt_url(&u, &env) {
                todo.push((e, p, templated));
            }
        }
    }
    let mut out = Vec::new();
    while let Some((env, path, templated)) = todo.pop() {
        if !seen.insert((env.clone(), path.clone())) {
            continue;
        }
        match files.find(&env, &path) {
            Some(p) if p.is_file() => {
                if let Some(hash) = file_sha256(&p) {
                    if templated {
                        if let Ok(text) = std::fs::read_to_string(&p) {
                            let dir = Path::new(&path)
                                .parent()
                                .map(|d| d.to_string_lossy().into_owned())
                                .unwrap_or_default();
                            for r in template_refs(&text) {
                                let r = match r.strip_prefix("./") {
                                    Some(rel) if !dir.is_empty() => format!("{dir}/{rel}"),
                                    Some(rel) => rel.to_string(),
                                    None => r,
                                };
                                todo.push((env.clone(), r, true));
                            }
                        }
                    }
                    out.push(FileRef {
                        saltenv: env,
                        path,
                        hash,
                    });
                }
            }
            _ => {
                // A directory (file.recurse): every file below it.
                for f in files.list_files(&env, &path) {
                    let prefix = format!("{}/", path.trim_end_matches('/'));
                    if f.starts_with(&prefix) || path.is_empty() {
                        todo.push((env.clone(), f, false));
                    }
                }
            }
        }
    }
    out.sort_by(|a, b| (&a.saltenv, &a.path).cmp(&(&b.saltenv, &b.path)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_template_refs() {
        assert_eq!(
            parse_salt_url("salt://a/b.conf?saltenv=dev", "base"),
            Some(("dev".into(), "a/b.conf".into()))
        );
        assert_eq!(
            template_refs("{% from 'x/map.jinja' import m with context %}{% include \"y\" %}"),
            vec!["x/map.jinja", "y"]
        );
        assert!(
            master_safe("pillar.get")
                && !master_safe("cmd.run")
                && !master_safe("file.file_exists")
        );
    }

    #[test]
    fn symlinks_out_of_the_tree_are_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let root = dir.path().join("states");
        std::fs::create_dir(&root).expect("mkdir");
        std::fs::write(dir.path().join("secret"), "s").expect("w");
        std::fs::write(root.join("ok"), "ok").expect("w");
        std::os::unix::fs::symlink(dir.path().join("secret"), root.join("evil")).expect("ln");
        let mut opts = Dict::new();
        let mut roots = Dict::new();
        roots.insert(
            "base",
            Value::List(vec![Value::Str(root.display().to_string())]),
        );
        opts.insert("file_roots", Value::Dict(roots));
        let c = ConfinedFileClient::new(&opts);
        assert!(c.find("base", "ok").is_some());
        assert!(c.find("base", "evil").is_none());
        assert!(c.find("base", "../secret").is_none());
        assert!(c.find("base", "%2e%2e/secret").is_none());
        assert!(c.find("../x", "ok").is_none());
    }
}
