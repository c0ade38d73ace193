//! `slsutil.*` execution functions (salt/modules/slsutil.py) and Salt's
//! `salt.utils.dictupdate` merge helpers.

use super::{Args, ExecRegistry, Sig};
use crate::RunContext;
use rsalt_data::{Dict, Value};
use rsalt_sls::CallError;

/// Registers the `slsutil.*` functions.
pub fn register(r: &mut ExecRegistry) {
    r.add_doc(
        "slsutil.update",
        update_fn,
        "Merge ``upd`` recursively into ``dest``\n\nIf ``merge_lists=True``, will aggregate list object types instead of\nreplacing. This behavior is only activated when ``recursive_update=True``.\n",
    );
    r.add_doc(
        "slsutil.merge",
        merge_fn,
        "Merge a data structure into another by choosing a merge strategy\n\nStrategies:\n\n* aggregate\n* list\n* overwrite\n* recurse\n* smart\n",
    );
    r.add_doc(
        "slsutil.merge_all",
        merge_all,
        "Merge a list of objects into each other in order\n",
    );
    r.add_doc(
        "slsutil.file_exists",
        file_exists,
        "Return ``True`` if a file exists in the state tree, ``False`` otherwise.\n",
    );
    r.add_doc(
        "slsutil.dir_exists",
        dir_exists,
        "Return ``True`` if a directory exists in the state tree, ``False`` otherwise.\n",
    );
    r.add_doc(
        "slsutil.path_exists",
        path_exists,
        "Return ``True`` if a path exists in the state tree, ``False`` otherwise.\n",
    );
    r.add_doc(
        "slsutil.boolstr",
        boolstr,
        "Convert a boolean value into a string.\n",
    );
}

/// `salt.utils.dictupdate.update(dest, upd, recursive_update, merge_lists)`: merges `upd`
/// into `dest` in place. Without a common key the update is shallow, as in Salt.
pub fn update(dest: &mut Dict, upd: &Dict, recursive_update: bool, merge_lists: bool) {
    let common = upd.map.keys().any(|k| dest.map.contains_key(k));
    if !(recursive_update && common) {
        for (k, v) in upd.iter() {
            dest.insert(k.clone(), v.clone());
        }
        return;
    }
    for (k, val) in upd.iter() {
        let new = match (dest.map.get_mut(k), val) {
            (Some(Value::Dict(sub)), Value::Dict(vd)) => {
                update(sub, vd, true, merge_lists);
                continue;
            }
            (Some(Value::List(sub)), Value::List(vl)) if merge_lists => {
                let add: Vec<Value> = vl.iter().filter(|x| !sub.contains(x)).cloned().collect();
                sub.extend(add);
                continue;
            }
            _ => val.clone(),
        };
        dest.insert(k.clone(), new);
    }
}

/// `dictupdate.merge_list`: values of keys present in both become `[a, b]`; keys only
/// in `b` are dropped.
pub fn merge_list(a: &Dict, b: &Dict) -> Dict {
    let mut out = Dict::new();
    for (k, v) in a.iter() {
        match b.map.get(k) {
            Some(bv) => out.insert(k.clone(), Value::List(vec![v.clone(), bv.clone()])),
            None => out.insert(k.clone(), v.clone()),
        };
    }
    out
}

/// `dictupdate.merge(obj_a, obj_b, strategy, renderer, merge_lists)`. Returns the merged
/// dict, and `obj_a` as the `overwrite` strategy leaves it (Salt mutates it in place).
pub fn merge(
    a: &Dict,
    b: &Dict,
    strategy: &str,
    renderer: &str,
    merge_lists: bool,
) -> (Dict, Option<Dict>) {
    let strategy = if strategy == "smart" {
        let last = renderer.rsplit('|').next().unwrap_or("");
        if last == "yamlex" || renderer.starts_with("yamlex_") {
            "aggregate"
        } else {
            "recurse"
        }
    } else {
        strategy
    };
    let recurse = |a: &Dict, ml: bool| {
        let mut c = a.clone();
        update(&mut c, b, true, ml);
        c
    };
    match strategy {
        "list" => (merge_list(a, b), None),
        "recurse" => (recurse(a, merge_lists), None),
        // yamlex aggregation is not modelled: merge recursively instead.
        "aggregate" => (recurse(a, merge_lists), None),
        "overwrite" => {
            let mut a2 = a.clone();
            for (k, v) in b.iter() {
                if a2.map.contains_key(k) {
                    a2.insert(k.clone(), v.clone());
                }
            }
            let merged = {
                let mut c = a2.clone();
                update(&mut c, b, true, merge_lists);
                c
            };
            (merged, Some(a2))
        }
        "none" => (recurse(a, false), None),
        other => {
            tracing::warn!("Unknown merging strategy '{other}', fallback to recurse");
            (recurse(a, false), None)
        }
    }
}

fn need_dict(v: Option<&Value>) -> Result<Dict, CallError> {
    match v {
        Some(Value::Dict(d)) => Ok(d.clone()),
        _ => Err(CallError::Failed(
            "Cannot update using non-dict types in dictupdate.update()".into(),
        )),
    }
}

/// `slsutil.update(dest, upd, recursive_update=True, merge_lists=False)`.
pub fn update_fn(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "update",
        params: &["dest", "upd", "recursive_update", "merge_lists"],
        required: 2,
        varargs: false,
        varkw: false,
    })?;
    let mut dest = need_dict(b.get("dest"))?;
    let upd = need_dict(b.get("upd"))?;
    update(
        &mut dest,
        &upd,
        b.truthy("recursive_update", true),
        b.truthy("merge_lists", false),
    );
    if !args.args.is_empty() {
        super::set_mutated_arg(0, Value::Dict(dest.clone()));
    }
    Ok(Value::Dict(dest))
}

/// `slsutil.merge(obj_a, obj_b, strategy='smart', renderer='yaml', merge_lists=False)`.
pub fn merge_fn(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "merge",
        params: &["obj_a", "obj_b", "strategy", "renderer", "merge_lists"],
        required: 2,
        varargs: false,
        varkw: false,
    })?;
    let a = need_dict(b.get("obj_a"))?;
    let bb = need_dict(b.get("obj_b"))?;
    let strategy = b.str("strategy").unwrap_or_else(|| "smart".into());
    let renderer = b.str("renderer").unwrap_or_else(|| "yaml".into());
    let (merged, mutated) = merge(
        &a,
        &bb,
        &strategy,
        &renderer,
        b.truthy("merge_lists", false),
    );
    if let Some(m) = mutated {
        if !args.args.is_empty() {
            super::set_mutated_arg(0, Value::Dict(m));
        }
    }
    Ok(Value::Dict(merged))
}

/// `slsutil.merge_all(lst, strategy='smart', renderer='yaml', merge_lists=False)`.
pub fn merge_all(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "merge_all",
        params: &["lst", "strategy", "renderer", "merge_lists"],
        required: 1,
        varargs: false,
        varkw: false,
    })?;
    let strategy = b.str("strategy").unwrap_or_else(|| "smart".into());
    let renderer = b.str("renderer").unwrap_or_else(|| "yaml".into());
    let ml = b.truthy("merge_lists", false);
    let mut ret = Dict::new();
    for obj in b.get("lst").and_then(Value::as_list).into_iter().flatten() {
        let d = need_dict(Some(obj))?;
        ret = merge(&ret, &d, &strategy, &renderer, ml).0;
    }
    Ok(Value::Dict(ret))
}

fn tree_check(
    ctx: &RunContext,
    args: &Args,
    name: &'static str,
    what: u8,
) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name,
        params: &["path", "saltenv"],
        required: 1,
        varargs: false,
        varkw: false,
    })?;
    let path = b.str("path").unwrap_or_default();
    let saltenv = b.str("saltenv").unwrap_or_else(|| "base".into());
    let p = path
        .trim_start_matches("salt://")
        .trim_matches('/')
        .to_string();
    let is_file = ctx.files.find(&saltenv, &p).is_some();
    let is_dir = ctx.files.list_dirs(&saltenv, "").contains(&p);
    Ok(Value::Bool(match what {
        0 => is_file,
        1 => is_dir,
        _ => is_file || is_dir,
    }))
}

/// `slsutil.file_exists(path, saltenv='base')`.
pub fn file_exists(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    tree_check(ctx, args, "file_exists", 0)
}

/// `slsutil.dir_exists(path, saltenv='base')`.
pub fn dir_exists(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    tree_check(ctx, args, "dir_exists", 1)
}

/// `slsutil.path_exists(path, saltenv='base')`.
pub fn path_exists(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    tree_check(ctx, args, "path_exists", 2)
}

/// `slsutil.boolstr(value, true='true', false='false')`.
pub fn boolstr(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "boolstr",
        params: &["value", "true", "false"],
        required: 1,
        varargs: false,
        varkw: false,
    })?;
    let t = b
        .get("true")
        .cloned()
        .unwrap_or_else(|| Value::from("true"));
    let f = b
        .get("false")
        .cloned()
        .unwrap_or_else(|| Value::from("false"));
    Ok(if b.truthy("value", false) { t } else { f })
}
