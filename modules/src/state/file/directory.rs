//! `file.directory`.

use super::util::{self, Owner, Perms};
use super::{arg, arg_bool, arg_str, group_arg, new_ret, user_arg};
use crate::state::{StateCall, StateReturn};
use rsalt_data::{Dict, Value};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

const RECURSE_TYPES: &[&str] = &[
    "user",
    "group",
    "mode",
    "ignore_files",
    "ignore_dirs",
    "silent",
];

/// `_get_recurse_set`.
fn recurse_set(v: Option<&Value>) -> Result<BTreeSet<String>, String> {
    let Some(v) = v.filter(|v| v.truthy()) else {
        return Ok(BTreeSet::new());
    };
    let Value::List(items) = v else {
        return Err("\"recurse\" must be formed as a list of strings".into());
    };
    let set: BTreeSet<String> = items.iter().map(Value::to_py_str).collect();
    if items.iter().any(|i| !matches!(i, Value::Str(_)))
        || !set.iter().all(|s| RECURSE_TYPES.contains(&s.as_str()))
    {
        return Err(format!(
            "Types for \"recurse\" limited to {}.",
            RECURSE_TYPES
                .iter()
                .map(|t| format!("\"{t}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if set.contains("ignore_files") && set.contains("ignore_dirs") {
        return Err("Must not specify \"recurse\" options \"ignore_files\" and \"ignore_dirs\" at the same time.".into());
    }
    Ok(set)
}

/// One `os.walk` entry: (root, dirs, files), sorted.
pub(crate) type WalkEntry = (PathBuf, Vec<String>, Vec<String>);

/// `os.walk(top)` (top-down, names sorted, symlinks to dirs listed as dirs but not
/// followed), limited to `max_depth`.
pub(crate) fn walk(top: &Path, max_depth: Option<usize>) -> Vec<WalkEntry> {
    let mut out = Vec::new();
    fn rec(dir: &Path, depth: usize, max: Option<usize>, out: &mut Vec<WalkEntry>) {
        let Ok(rd) = fs::read_dir(dir) else { return };
        let mut dirs = Vec::new();
        let mut files = Vec::new();
        for e in rd.flatten() {
            let n = e.file_name().to_string_lossy().to_string();
            if e.path().is_dir() {
                dirs.push(n);
            } else {
                files.push(n);
            }
        }
        dirs.sort();
        files.sort();
        if max.is_some_and(|m| depth >= m) {
            return;
        }
        out.push((dir.to_path_buf(), dirs.clone(), files));
        for d in dirs {
            let p = dir.join(&d);
            if !util::is_link(&p) {
                rec(&p, depth + 1, max, out);
            }
        }
    }
    rec(top, 0, max_depth, &mut out);
    out
}

fn dir_meta(
    path: &Path,
    user: Option<&Owner>,
    group: Option<&Owner>,
    mode: Option<&str>,
    follow: bool,
) -> Dict {
    let mut ch = Dict::new();
    let Some(st) = util::stats(path, follow) else {
        ch.insert("directory", Value::from("new"));
        return ch;
    };
    if let Some(u) = user {
        if !u.matches(&st.user, st.uid) {
            ch.insert("user", u.to_value());
        }
    }
    if let Some(g) = group {
        if !g.matches(&st.group, st.gid) {
            ch.insert("group", g.to_value());
        }
    }
    if let Some(m) = mode {
        if m != st.mode && (follow || st.kind != "link") {
            ch.insert("mode", Value::from(m));
        }
    }
    ch
}

/// Files to keep for `clean`: the names of required `file` states (and their trees).
fn keep_files(call: &StateCall<'_>, name: &Path) -> BTreeSet<PathBuf> {
    let mut keep = BTreeSet::new();
    let Some(Value::List(reqs)) = call.low.get("require") else {
        return keep;
    };
    let lowstate: Vec<Dict> = match call.low.get("__lowstate__") {
        Some(Value::List(l)) => l.iter().filter_map(Value::as_dict).cloned().collect(),
        _ => Vec::new(),
    };
    for req in reqs {
        let Some(target) = req.get("file").map(Value::to_py_str) else {
            continue;
        };
        let mut names: Vec<String> = lowstate
            .iter()
            .filter(|l| {
                l.get("name").map(Value::to_py_str).as_deref() == Some(target.as_str())
                    || l.get("__id__").map(Value::to_py_str).as_deref() == Some(target.as_str())
            })
            .filter_map(|l| l.get("name").map(Value::to_py_str))
            .collect();
        if lowstate.is_empty() {
            names.push(target.clone());
        }
        for n in names {
            let p = PathBuf::from(&n);
            if p.is_dir() {
                if p.starts_with(name) {
                    keep.insert(p.clone());
                    for (root, dirs, files) in walk(&p, None) {
                        for x in dirs.iter().chain(files.iter()) {
                            keep.insert(root.join(x));
                        }
                    }
                }
            } else {
                keep.insert(p);
            }
        }
    }
    keep
}

/// `_find_keep_files`: kept paths plus all their parents.
fn real_keep(root: &Path, keep: &BTreeSet<PathBuf>) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    out.insert(root.to_path_buf());
    for k in keep {
        if !k.is_absolute() {
            continue;
        }
        let mut cur = Some(k.as_path());
        while let Some(c) = cur {
            out.insert(c.to_path_buf());
            cur = c.parent();
        }
    }
    out
}

fn excluded(rel: &str, exclude_pat: Option<&str>) -> bool {
    // check_include_exclude(rel, None, exclude_pat): True means "include".
    let Some(pat) = exclude_pat else { return false };
    if let Some(re) = pat.strip_prefix("E@") {
        return regex::Regex::new(re).is_ok_and(|r| r.is_match(rel));
    }
    glob::Pattern::new(pat).is_ok_and(|g| g.matches(rel))
}

/// The paths `clean` removes (sorted).
pub(crate) fn clean_list(
    root: &Path,
    keep: &BTreeSet<PathBuf>,
    exclude_pat: Option<&str>,
) -> Vec<PathBuf> {
    let rk = real_keep(root, keep);
    let mut out = Vec::new();
    for (r, dirs, files) in walk(root, None) {
        for n in dirs.iter().chain(files.iter()) {
            let p = r.join(n);
            if rk.contains(&p) {
                continue;
            }
            let rel = p
                .strip_prefix(root)
                .map(|x| x.display().to_string())
                .unwrap_or_default();
            if excluded(&rel, exclude_pat) {
                continue;
            }
            out.push(p);
        }
    }
    out.sort();
    out
}

/// `file.directory`.
pub(crate) fn directory(call: &StateCall<'_>) -> StateReturn {
    let (mut ret, _) = new_ret(call);
    let mut name_s = ret.name.clone();
    if name_s.is_empty() {
        return ret.fail("Must provide name to file.directory");
    }
    if name_s.ends_with('/') && name_s != "/" {
        name_s.pop();
    }
    let name = PathBuf::from(&name_s);
    let clean = arg_bool(call, "clean", false);
    let max_depth = arg(call, "max_depth")
        .and_then(Value::as_int)
        .and_then(|i| usize::try_from(i).ok());
    if arg(call, "max_depth").is_some() && clean {
        return ret.fail("Cannot specify both max_depth and clean");
    }
    let user = user_arg(call);
    let group = group_arg(call);
    let mut dir_mode_v = arg(call, "dir_mode").cloned();
    if dir_mode_v.as_ref().is_none_or(|v| !v.truthy()) {
        if let Some(m) = arg(call, "mode") {
            dir_mode_v = Some(m.clone());
        }
    }
    let mut file_mode_v = arg(call, "file_mode").cloned();
    if file_mode_v.as_ref().is_none_or(|v| !v.truthy()) {
        file_mode_v = dir_mode_v.clone();
    }
    let dir_mode = util::normalize_mode(dir_mode_v.as_ref());
    let file_mode = util::normalize_mode(file_mode_v.as_ref());
    let u_check = util::check_user(user.as_ref(), group.as_ref(), call.test);
    if !u_check.is_empty() {
        return ret.fail(u_check);
    }
    if !name.is_absolute() {
        return ret.fail(format!("Specified file {name_s} is not an absolute path"));
    }
    let force = arg_bool(call, "force", false);
    let allow_symlink = arg_bool(call, "allow_symlink", true);
    let follow = arg_bool(call, "follow_symlinks", false);
    let children_only = arg_bool(call, "children_only", false);
    let exclude_pat = arg_str(call, "exclude_pat");
    if name.is_file() || (!allow_symlink && util::is_link(&name)) || (force && util::is_link(&name))
    {
        if let Some(backupname) = arg_str(call, "backupname") {
            let bp = PathBuf::from(&backupname);
            if util::lexists(&bp) {
                if !force {
                    return ret.fail(format!(
                        "File exists where the backup target {backupname} should go"
                    ));
                }
                if call.test {
                    ret.changes.insert(
                        "forced",
                        Value::from(format!(
                            "Existing file at backup path {backupname} would be removed"
                        )),
                    );
                } else {
                    let _ = util::remove_path(&bp);
                }
            }
            if call.test {
                ret.changes.insert(
                    "backup",
                    Value::from(format!("{name_s} would be renamed to {backupname}")),
                );
                ret.changes.insert(
                    name_s.clone(),
                    super::dict1("directory", Value::from("new")).into(),
                );
                ret.comment =
                    format!("{name_s} would be backed up and replaced with a new directory");
                ret.result = None;
                return ret;
            }
            if let Err(e) = fs::rename(&name, &bp) {
                return ret.fail(util::os_error(&e, &name));
            }
        } else if force {
            let (what, _) = if name.is_file() {
                ("File", ())
            } else if util::is_link(&name) {
                ("Symlink", ())
            } else {
                ("Directory", ())
            };
            if call.test {
                ret.changes.insert(
                    "forced",
                    Value::from(format!("{what} would be forcibly replaced")),
                );
            } else {
                let _ = util::remove_path(&name);
                ret.changes.insert(
                    "forced",
                    Value::from(format!("{what} was forcibly replaced")),
                );
            }
        } else if name.is_file() {
            return ret.fail(format!("Specified location {name_s} exists and is a file"));
        } else if util::is_link(&name) {
            return ret.fail(format!(
                "Specified location {name_s} exists and is a symlink"
            ));
        }
    }
    let rset = match recurse_set(arg(call, "recurse")) {
        Ok(s) => s,
        Err(e) => {
            if call.test {
                return ret.fail(e);
            }
            BTreeSet::new()
        }
    };
    let recurse_err = recurse_set(arg(call, "recurse")).err();
    // _check_directory
    let mut tchanges = Dict::new();
    let walk_l = if !rset.is_empty() || clean {
        walk(&name, max_depth)
    } else {
        Vec::new()
    };
    if !rset.is_empty() {
        let ru = if rset.contains("user") {
            user.as_ref()
        } else {
            None
        };
        let rg = if rset.contains("group") {
            group.as_ref()
        } else {
            None
        };
        let (rdm, rfm) = if rset.contains("mode") {
            (dir_mode.as_deref(), file_mode.as_deref())
        } else {
            (None, None)
        };
        for (root, dirs, files) in &walk_l {
            if !rset.contains("ignore_files") {
                for f in files {
                    let p = root.join(f);
                    let Some(st) = util::stats(&p, follow) else {
                        continue;
                    };
                    let mut fc = Dict::new();
                    if let Some(u) = ru {
                        if !u.matches(&st.user, st.uid) {
                            fc.insert("user", u.to_value());
                        }
                    }
                    if let Some(g) = rg {
                        if !g.matches(&st.group, st.gid) {
                            fc.insert("group", g.to_value());
                        }
                    }
                    if let Some(m) = rfm {
                        if m != st.mode && (follow || st.kind != "link") {
                            fc.insert("mode", Value::from(m));
                        }
                    }
                    if !fc.is_empty() {
                        tchanges.insert(p.display().to_string(), Value::Dict(fc));
                    }
                }
            }
            if !rset.contains("ignore_dirs") {
                for d in dirs {
                    let p = root.join(d);
                    let fc = dir_meta(&p, ru, rg, rdm, follow);
                    if !fc.is_empty() {
                        tchanges.insert(p.display().to_string(), Value::Dict(fc));
                    }
                }
            }
        }
    }
    if !children_only {
        let fc = dir_meta(
            &name,
            user.as_ref(),
            group.as_ref(),
            dir_mode.as_deref(),
            follow,
        );
        if !fc.is_empty() {
            tchanges.insert(name_s.clone(), Value::Dict(fc));
        }
    }
    let keep = if clean {
        keep_files(call, &name)
    } else {
        BTreeSet::new()
    };
    if clean {
        for (root, dirs, files) in &walk_l {
            for n in files.iter().chain(dirs.iter()) {
                let p = root.join(n);
                if keep.contains(&p) {
                    continue;
                }
                let rel = p
                    .strip_prefix(&name)
                    .map(|x| x.display().to_string())
                    .unwrap_or_default();
                if excluded(&rel, exclude_pat.as_deref()) {
                    continue;
                }
                tchanges.insert(
                    p.display().to_string(),
                    super::dict1("removed", Value::from("Removed due to clean")).into(),
                );
            }
        }
    }
    if !name.is_dir() {
        tchanges.insert(
            name_s.clone(),
            super::dict1("directory", Value::from("new")).into(),
        );
    }
    let (tresult, tcomment) = if !tchanges.is_empty() {
        let mut c = String::from("The following files will be changed:\n");
        for (k, v) in tchanges.iter() {
            if let Value::Dict(d) = v {
                for (kk, vv) in d.iter() {
                    c.push_str(&format!(
                        "{}: {} - {}\n",
                        k.to_json_key(),
                        kk.to_json_key(),
                        vv.to_py_str()
                    ));
                }
            }
        }
        (None, c)
    } else {
        (
            Some(true),
            format!("The directory {name_s} is in the correct state"),
        )
    };
    for (k, v) in tchanges.iter() {
        ret.changes.insert(k.clone(), v.clone());
    }
    if call.test {
        ret.result = tresult;
        ret.comment = tcomment;
        return ret;
    }
    if ret.changes.is_empty() {
        ret.result = tresult;
        ret.comment = tcomment;
        return ret;
    }
    if !name.is_dir() {
        if !name.parent().is_some_and(Path::is_dir) {
            if arg_bool(call, "makedirs", false) {
                if let Err(e) =
                    util::makedirs_parent(&name, user.as_ref(), group.as_ref(), dir_mode.as_deref())
                {
                    return ret.fail(e);
                }
            } else {
                return ret.fail(format!("No directory to create {name_s} in"));
            }
        }
        if let Err(e) = util::mkdir_one(&name, user.as_ref(), group.as_ref(), dir_mode.as_deref()) {
            return ret.fail(format!("Failed to create directory {name_s}: {e}"));
        }
        if !name.is_dir() {
            return ret.fail(format!("Failed to create directory {name_s}"));
        }
        ret.changes.insert(
            name_s.clone(),
            super::dict1("directory", Value::from("new")).into(),
        );
        return ret;
    }
    if !children_only {
        let perms = Perms {
            user: user.as_ref(),
            group: group.as_ref(),
            mode: dir_mode.as_deref(),
            follow_symlinks: follow,
        };
        util::check_perms(
            &name,
            &mut ret.changes,
            &mut ret.result,
            &mut ret.comment,
            &perms,
            false,
        );
    }
    if let Some(e) = recurse_err {
        ret.result = Some(false);
        ret.comment = e;
    }
    if !rset.is_empty() {
        let mut ru = None;
        let mut rg = None;
        if rset.contains("user") {
            match &user {
                Some(u) if u.uid().is_some() => ru = Some(u),
                Some(u) => {
                    ret.result = Some(false);
                    ret.comment = format!(
                        "Failed to enforce ownership for user {} (user does not exist)",
                        u.text()
                    );
                }
                None => {
                    ret.result = Some(false);
                    ret.comment = "user not specified, but configured as a target for recursive ownership management".into();
                }
            }
        }
        if rset.contains("group") {
            match &group {
                Some(g) if g.gid().is_some() => rg = Some(g),
                Some(g) => {
                    ret.result = Some(false);
                    ret.comment =
                        format!("Failed to enforce group ownership for group {}", g.text());
                }
                None => {
                    ret.result = Some(false);
                    ret.comment = "group not specified, but configured as a target for recursive ownership management".into();
                }
            }
        }
        let (rdm, rfm) = if rset.contains("mode") {
            (dir_mode.as_deref(), file_mode.as_deref())
        } else {
            (None, None)
        };
        if rset.contains("silent") {
            ret.changes = super::dict1("recursion", Value::from("Changes silenced"));
        }
        for (root, dirs, files) in &walk_l {
            if !rset.contains("ignore_files") {
                for f in files {
                    let perms = Perms {
                        user: ru,
                        group: rg,
                        mode: rfm,
                        follow_symlinks: follow,
                    };
                    util::check_perms(
                        &root.join(f),
                        &mut ret.changes,
                        &mut ret.result,
                        &mut ret.comment,
                        &perms,
                        false,
                    );
                }
            }
            if !rset.contains("ignore_dirs") {
                for d in dirs {
                    let perms = Perms {
                        user: ru,
                        group: rg,
                        mode: rdm,
                        follow_symlinks: follow,
                    };
                    util::check_perms(
                        &root.join(d),
                        &mut ret.changes,
                        &mut ret.result,
                        &mut ret.comment,
                        &perms,
                        false,
                    );
                }
            }
        }
    }
    if clean {
        let removed = clean_list(&name, &keep, exclude_pat.as_deref());
        let mut removed_v = Vec::new();
        for p in &removed {
            if util::lexists(p) {
                let _ = util::remove_path(p);
            }
            removed_v.push(Value::from(p.display().to_string()));
        }
        if !removed_v.is_empty() {
            ret.changes.insert("removed", Value::List(removed_v));
            ret.comment = format!("Files cleaned from directory {name_s}");
        }
    }
    if ret.comment.is_empty() {
        if children_only {
            ret.comment = format!("Directory {name_s}/* updated");
        } else if !ret.changes.is_empty() {
            ret.comment = format!("Directory {name_s} updated");
        }
    }
    if ret.changes.is_empty() && ret.result == Some(true) {
        let orig = std::mem::take(&mut ret.comment);
        ret.comment = format!("Directory {name_s} is in the correct state");
        if !orig.is_empty() {
            ret.comment = format!("{}\n{orig}", ret.comment);
        }
    }
    ret
}
