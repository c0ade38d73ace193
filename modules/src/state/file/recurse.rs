//! `file.recurse`: mirrors a `salt://` directory with `file.managed` per file and
//! `file.directory` per directory.

use super::util;
use super::{arg, arg_bool, arg_str, new_ret, parse_salt_url};
use crate::state::{StateCall, StateReturn};
use rsalt_data::{Dict, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Keys of `file.recurse` that are not passed on to `file.managed`.
const OWN: &[&str] = &[
    "name",
    "source",
    "keep_source",
    "clean",
    "require",
    "user",
    "group",
    "dir_mode",
    "file_mode",
    "sym_mode",
    "template",
    "context",
    "replace",
    "defaults",
    "include_empty",
    "backup",
    "include_pat",
    "exclude_pat",
    "maxdepth",
    "keep_symlinks",
    "force_symlinks",
    "win_owner",
    "win_perms",
    "win_deny_perms",
    "win_inheritance",
    "mode",
    "makedirs",
    "state",
    "fun",
    "__id__",
    "__sls__",
    "__env__",
    "order",
    "watch",
    "onchanges",
];

/// `file.recurse`.
pub(crate) fn recurse(call: &StateCall<'_>) -> StateReturn {
    let (mut ret, name) = new_ret(call);
    let n = ret.name.clone();
    if n.is_empty() {
        return ret.fail("Must provide name to file.recurse");
    }
    if !name.is_absolute() {
        return ret.fail(format!("Specified file {n} is not an absolute path"));
    }
    let Some(source) = arg_str(call, "source") else {
        return ret.fail("recurse() missing 1 required positional argument: 'source'");
    };
    if !source.starts_with("salt://") {
        return ret.fail(format!("Invalid source '{source}' (must be a salt:// URI)"));
    }
    let (srcpath, senv) = parse_salt_url(&source);
    let srcpath = srcpath.trim_end_matches('/').to_string();
    let senv = senv.unwrap_or_else(|| call.saltenv().to_string());
    let files = call.ctx.files.list_files(&senv, &format!("{srcpath}/"));
    let dirs = call.ctx.files.list_dirs(&senv, &format!("{srcpath}/"));
    if files.is_empty()
        && dirs.is_empty()
        && call
            .ctx
            .files
            .list_dirs(&senv, &srcpath)
            .iter()
            .all(|d| *d != srcpath)
    {
        return ret.fail(format!(
            "The directory '{srcpath}' does not exist on the salt fileserver in saltenv '{senv}'"
        ));
    }
    let dir_mode = util::normalize_mode(arg(call, "dir_mode"));
    let file_mode = util::normalize_mode(arg(call, "file_mode"));
    let user = super::user_arg(call);
    let group = super::group_arg(call);
    if !name.is_dir() {
        if util::lexists(&name) {
            return ret.fail(format!("The path {n} exists and is not a directory"));
        }
        if !call.test {
            if let Err(e) =
                util::mkdir_all(&name, user.as_ref(), group.as_ref(), dir_mode.as_deref())
            {
                return ret.fail(e);
            }
        }
    }
    let mut comments: Vec<(String, String)> = Vec::new();
    let mut result = Some(true);
    let mut merge = |path: &str, r: StateReturn, ret: &mut StateReturn| {
        if r.result == Some(false) || result == Some(true) {
            result = r.result;
        }
        if r.result != Some(true) && !r.comment.is_empty() {
            comments.push((path.to_string(), r.comment.clone()));
        }
        if !r.changes.is_empty() {
            ret.changes.insert(path.to_string(), Value::Dict(r.changes));
        }
    };
    let base_low = |path: &str| {
        let mut low = Dict::ordered();
        for k in ["__id__", "__sls__", "__env__"] {
            if let Some(v) = call.low.get(k) {
                low.insert(k, v.clone());
            }
        }
        low.insert("name", Value::from(path));
        low
    };
    let mut keep: BTreeSet<PathBuf> = BTreeSet::new();
    let include_empty = arg_bool(call, "include_empty", false);
    if include_empty {
        for d in &dirs {
            let Some(rel) = d.strip_prefix(&format!("{srcpath}/")) else {
                continue;
            };
            let dest = name.join(rel);
            keep.insert(dest.clone());
            let ds = dest.display().to_string();
            let mut low = base_low(&ds);
            low.insert("state", Value::from("file"));
            low.insert("fun", Value::from("directory"));
            low.insert("makedirs", Value::Bool(true));
            low.insert("recurse", Value::List(Vec::new()));
            for (k, v) in [
                ("user", arg(call, "user")),
                ("group", arg(call, "group")),
                ("dir_mode", arg(call, "dir_mode")),
            ] {
                if let Some(v) = v {
                    low.insert(k, v.clone());
                }
            }
            let sub = StateCall {
                low: &low,
                name: ds.clone(),
                test: call.test,
                ctx: call.ctx,
            };
            let r = super::directory::directory(&sub);
            merge(&ds, r, &mut ret);
        }
    }
    for f in &files {
        let Some(rel) = f.strip_prefix(&format!("{srcpath}/")) else {
            continue;
        };
        let dest = name.join(rel);
        keep.insert(dest.clone());
        let ds = dest.display().to_string();
        let mut low = base_low(&ds);
        low.insert("state", Value::from("file"));
        low.insert("fun", Value::from("managed"));
        let src_url = match source.split_once('?') {
            Some((_, q)) => format!("salt://{f}?{q}"),
            None => format!("salt://{f}"),
        };
        low.insert("source", Value::from(src_url));
        low.insert("makedirs", Value::Bool(true));
        if let Some(m) = &file_mode {
            low.insert("mode", Value::from(m.clone()));
        }
        if arg_bool(call, "keep_source", true) {
            low.insert("keep_source", Value::Bool(true));
        }
        for k in [
            "user", "group", "template", "context", "defaults", "replace", "backup",
        ] {
            if let Some(v) = arg(call, k) {
                low.insert(k, v.clone());
            }
        }
        for (k, v) in call.low.iter() {
            let ks = k.to_json_key();
            if !OWN.contains(&ks.as_str()) && !low.contains_key(&ks) && !ks.starts_with("__") {
                low.insert(k.clone(), v.clone());
            }
        }
        let sub = StateCall {
            low: &low,
            name: ds.clone(),
            test: call.test,
            ctx: call.ctx,
        };
        let r = super::managed::managed(&sub);
        merge(&ds, r, &mut ret);
    }
    if arg_bool(call, "clean", false) {
        let ex = arg_str(call, "exclude_pat");
        let removed = super::directory::clean_list(&name, &keep, ex.as_deref());
        if !removed.is_empty() {
            let list: Vec<Value> = removed
                .iter()
                .map(|p| Value::from(p.display().to_string()))
                .collect();
            if call.test {
                if result == Some(true) {
                    result = None;
                }
                comments.push((
                    "removed".into(),
                    removed
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join("\n"),
                ));
            } else {
                for p in &removed {
                    if util::lexists(p) {
                        let _ = util::remove_path(p);
                    }
                }
                ret.changes.insert("removed", Value::List(list));
            }
        }
    }
    ret.result = result;
    ret.comment = comments
        .iter()
        .map(|(k, v)| format!("\n#### {k} ####\n{v}"))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string();
    if ret.comment.is_empty() {
        ret.comment = format!("Recursively updated {n}");
    }
    if ret.changes.is_empty() && ret.result == Some(true) {
        ret.comment = format!("The directory {n} is in the correct state");
    }
    ret
}
