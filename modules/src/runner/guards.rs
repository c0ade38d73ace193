//! Guards run before or after a state: `unless`, `onlyif`, `creates` (Salt's
//! `_run_check`), `check_cmd` (`_run_check_cmd`) and `retry` settings.

use crate::RunContext;
use rsalt_data::{Dict, Value};

fn cmd_opts(ctx: &RunContext, low: &Dict) -> Dict {
    let exclude: Vec<String> = match low.get("cmd_opts_exclude") {
        Some(Value::List(l)) => l.iter().map(Value::to_py_str).collect(),
        Some(v) => vec![v.to_py_str()],
        None => Vec::new(),
    };
    let mut o = Dict::new();
    for k in [
        "cwd",
        "root",
        "runas",
        "env",
        "prepend_path",
        "umask",
        "timeout",
        "success_retcodes",
    ] {
        if !exclude.iter().any(|e| e == k) {
            if let Some(v) = low.get(k) {
                o.insert(k, v.clone());
            }
        }
    }
    if let (Some(sh), false) = (low.get("shell"), exclude.iter().any(|e| e == "shell")) {
        o.insert("shell", sh.clone());
    } else if let Some(sh) = ctx.grains.get("shell") {
        o.insert("shell", sh.clone());
    }
    o
}

/// `cmd.retcode(cmd, ignore_retcode=True, python_shell=True, **opts)`; an error counts as
/// `on_error`.
fn retcode(ctx: &RunContext, cmd: &str, opts: &Dict, on_error: i64) -> i64 {
    let mut kw = opts.clone();
    kw.insert("ignore_retcode", Value::Bool(true));
    kw.insert("python_shell", Value::Bool(true));
    match ctx.caller.call("cmd.retcode", vec![Value::from(cmd)], kw) {
        Ok(Value::Int(i)) => i,
        Ok(other) => other.to_py_str().parse().unwrap_or(on_error),
        Err(_) => on_error,
    }
}

/// Runs a `{fun: mod.fun, args: [...], ...kwargs}` guard.
fn run_function(ctx: &RunContext, entry: &Dict) -> Value {
    let mut kw = entry.clone();
    let fun = kw.remove("fun").map(|v| v.to_py_str()).unwrap_or_default();
    kw.remove("get_return");
    let args = match kw.remove("args") {
        Some(Value::List(l)) => l,
        Some(other) => vec![other],
        None => Vec::new(),
    };
    ctx.caller
        .call(&fun, args, kw)
        .unwrap_or(Value::Bool(false))
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::List(l) => l.clone(),
        other => vec![other.clone()],
    }
}

/// `_run_check`: returns `result` (True means "skip the state"), `comment` (a list, joined
/// later), `skip_watch`, plus `__sls__`, `__id__`, `name`.
pub(super) fn run_check(ctx: &RunContext, low: &Dict) -> Dict {
    let mut ret = Dict::new();
    ret.insert("result", Value::Bool(false));
    let mut comments: Vec<Value> = Vec::new();
    for k in ["__sls__", "__id__", "name"] {
        ret.insert(k, low.get(k).cloned().unwrap_or_default());
    }
    let opts = cmd_opts(ctx, low);
    let mut skip_watch: Option<bool> = None;
    let mut result = false;

    if let Some(onlyif) = low.get("onlyif") {
        let (r, c, sw) = check_onlyif(ctx, &as_list(onlyif), &opts);
        result = r;
        comments.push(Value::Str(c));
        if let Some(sw) = sw {
            skip_watch = Some(sw);
        }
    }
    if let Some(unless) = low.get("unless") {
        let (r, c, sw) = check_unless(ctx, &as_list(unless), &opts);
        result = r || result;
        comments.push(Value::Str(c));
        if let Some(sw) = sw {
            skip_watch = Some(sw || skip_watch.unwrap_or(false));
        }
    }
    if let Some(creates) = low.get("creates") {
        let (r, c, sw) = check_creates(creates);
        result = r || result;
        comments.push(Value::Str(c));
        if let Some(sw) = sw {
            skip_watch = Some(sw || skip_watch.unwrap_or(false));
        }
    }
    ret.insert("result", Value::Bool(result));
    // Salt's key order: result, comment, __sls__, __id__, name, skip_watch.
    let mut out = Dict::new();
    out.insert("result", Value::Bool(result));
    out.insert("comment", Value::List(comments));
    for k in ["__sls__", "__id__", "name"] {
        out.insert(k, ret.get(k).cloned().unwrap_or_default());
    }
    if let Some(sw) = skip_watch {
        out.insert("skip_watch", Value::Bool(sw));
    }
    out
}

fn check_onlyif(ctx: &RunContext, entries: &[Value], opts: &Dict) -> (bool, String, Option<bool>) {
    let mut result = false;
    let mut comment = String::new();
    let mut skip_watch = None;
    for entry in entries {
        match entry {
            Value::Str(cmd) => {
                let rc = retcode(ctx, cmd, opts, 100);
                if rc != 0 && !result {
                    return (true, "onlyif condition is false".into(), Some(true));
                } else if rc == 0 {
                    result = false;
                    comment = "onlyif condition is true".into();
                }
            }
            Value::Dict(d) => {
                if !d.contains_key("fun") {
                    return (
                        result,
                        format!(
                            "no `fun` argument in onlyif: {}",
                            rsalt_data::repr::repr(entry)
                        ),
                        skip_watch,
                    );
                }
                let mut r = run_function(ctx, d);
                if let Some(gr) = d.get("get_return") {
                    r = rsalt_sls::matcher::traverse(&r, &gr.to_py_str(), ":")
                        .cloned()
                        .unwrap_or_default();
                }
                if !r.truthy() {
                    skip_watch = Some(true);
                    return (true, "onlyif condition is false".into(), skip_watch);
                }
                result = false;
                comment = "onlyif condition is true".into();
            }
            _ => {
                return (
                    false,
                    "onlyif execution failed, bad type passed".into(),
                    skip_watch,
                )
            }
        }
    }
    (result, comment, skip_watch)
}

fn check_unless(ctx: &RunContext, entries: &[Value], opts: &Dict) -> (bool, String, Option<bool>) {
    let mut result = false;
    let mut comment = String::new();
    let mut skip_watch = None;
    for entry in entries {
        match entry {
            Value::Str(cmd) => {
                let rc = retcode(ctx, cmd, opts, 0);
                if rc == 0 {
                    result = true;
                    comment = "unless condition is true".into();
                    skip_watch = Some(true);
                } else {
                    return (false, "unless condition is false".into(), None);
                }
            }
            Value::Dict(d) => {
                if !d.contains_key("fun") {
                    return (
                        result,
                        format!(
                            "no `fun` argument in unless: {}",
                            rsalt_data::repr::repr(entry)
                        ),
                        skip_watch,
                    );
                }
                let mut r = run_function(ctx, d);
                if let Some(gr) = d.get("get_return") {
                    r = rsalt_sls::matcher::traverse(&r, &gr.to_py_str(), ":")
                        .cloned()
                        .unwrap_or_default();
                }
                if r.truthy() {
                    result = true;
                    comment = "unless condition is true".into();
                    skip_watch = Some(true);
                } else {
                    return (false, "unless condition is false".into(), skip_watch);
                }
            }
            _ => {
                result = false;
                comment = "unless condition is false, bad type passed".into();
            }
        }
    }
    (result, comment, skip_watch)
}

fn check_creates(creates: &Value) -> (bool, String, Option<bool>) {
    match creates {
        Value::Str(p) if std::path::Path::new(p).exists() => {
            (true, format!("{p} exists"), Some(true))
        }
        Value::List(l)
            if l.iter()
                .all(|p| std::path::Path::new(&p.to_py_str()).exists()) =>
        {
            (true, "All files in creates exist".into(), Some(true))
        }
        _ => (false, "Creates files not found".into(), None),
    }
}

/// `_run_check_cmd`: a state succeeded only if every `check_cmd` exits 0.
pub(super) fn run_check_cmd(ctx: &RunContext, low: &Dict) -> Dict {
    let mut ret = Dict::new();
    ret.insert("result", Value::Bool(false));
    for k in ["__sls__", "__id__", "name"] {
        ret.insert(k, low.get(k).cloned().unwrap_or_default());
    }
    let mut opts = Dict::new();
    if let Some(sh) = ctx.grains.get("shell") {
        opts.insert("shell", sh.clone());
    }
    for entry in as_list(low.get("check_cmd").unwrap_or(&Value::None)) {
        let rc = retcode(ctx, &entry.to_py_str(), &opts, 1);
        if rc == 0 && ret.get("result") == Some(&Value::Bool(false)) {
            ret.insert(
                "comment",
                Value::from("check_cmd determined the state succeeded"),
            );
            ret.insert("result", Value::Bool(true));
        } else if rc != 0 {
            ret.insert(
                "comment",
                Value::from("check_cmd determined the state failed"),
            );
            ret.insert("result", Value::Bool(false));
            return ret;
        }
    }
    ret
}

/// `retry` settings with Salt's defaults.
pub(super) struct Retry {
    pub attempts: i64,
    pub until: bool,
    pub interval: i64,
    pub splay: i64,
}

/// `verify_retry_data`: `retry: True` or a dict with attempts/until/interval/splay.
pub(super) fn retry_data(low: &Dict) -> Option<Retry> {
    let mut r = Retry {
        attempts: 2,
        until: true,
        interval: 30,
        splay: 0,
    };
    match low.get("retry")? {
        Value::Bool(true) => Some(r),
        Value::Dict(d) => {
            if let Some(Value::Int(a)) = d.get("attempts") {
                r.attempts = *a;
            }
            if let Some(u) = d.get("until") {
                r.until = u.truthy();
            }
            if let Some(Value::Int(i)) = d.get("interval") {
                r.interval = *i;
            }
            if let Some(Value::Int(s)) = d.get("splay") {
                r.splay = *s;
            }
            Some(r)
        }
        _ => None,
    }
}
