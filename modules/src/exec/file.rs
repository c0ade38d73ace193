//! `file.*` execution functions (Salt's `salt/modules/file.py`), the ones templates and
//! states use most.

use super::{Args, ExecRegistry};
use crate::state::file::util;
use crate::RunContext;
use rsalt_data::{Dict, Value};
use rsalt_sls::CallError;
use std::fs;
use std::path::{Path, PathBuf};

/// Registers the `file.*` functions.
pub fn register(r: &mut ExecRegistry) {
    r.add("file.file_exists", file_exists);
    r.add("file.directory_exists", directory_exists);
    r.add("file.path_exists_glob", path_exists_glob);
    r.add("file.is_link", is_link);
    r.add("file.read", read);
    r.add("file.write", write);
    r.add("file.touch", touch);
    r.add("file.remove", remove);
    r.add("file.mkdir", mkdir);
    r.add("file.makedirs", makedirs);
    r.add("file.stats", stats);
    r.add("file.get_hash", get_hash);
    r.add("file.get_sum", get_hash);
    r.add("file.contains", contains);
    r.add("file.search", search);
    r.add("file.basename", basename);
    r.add("file.dirname", dirname);
    r.add("file.join", join);
    r.add("file.normpath", normpath);
    r.add("file.get_mode", get_mode);
    r.add("file.get_user", get_user);
    r.add("file.get_group", get_group);
    r.add("file.get_uid", get_uid);
    r.add("file.get_gid", get_gid);
    r.add("file.readlink", readlink);
    r.add("file.readdir", readdir);
    r.add("file.find", find);
}

fn path_arg(a: &Args, fun: &str, pos: usize, name: &str) -> Result<PathBuf, CallError> {
    let v = a.require(fun, pos, name)?;
    Ok(PathBuf::from(crate::state::file::expanduser(
        &v.to_py_str(),
    )))
}

fn failed(msg: impl Into<String>) -> CallError {
    CallError::Failed(msg.into())
}

fn file_exists(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    Ok(Value::Bool(
        path_arg(a, "file_exists", 0, "path")?.is_file(),
    ))
}

fn directory_exists(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    Ok(Value::Bool(
        path_arg(a, "directory_exists", 0, "path")?.is_dir(),
    ))
}

fn path_exists_glob(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let p = path_arg(a, "path_exists_glob", 0, "path")?;
    let found = glob::glob(&p.display().to_string())
        .map(|mut g| g.any(|x| x.is_ok()))
        .unwrap_or(false);
    Ok(Value::Bool(found))
}

fn is_link(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    Ok(Value::Bool(util::is_link(&path_arg(
        a, "is_link", 0, "path",
    )?)))
}

fn read(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let p = path_arg(a, "read", 0, "path")?;
    let data = fs::read(&p).map_err(|e| failed(util::os_error(&e, &p)))?;
    Ok(Value::Str(util::decode(&data)))
}

fn write(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let p = path_arg(a, "write", 0, "path")?;
    let lines: Vec<String> = match a.kwargs.get("args") {
        Some(Value::List(l)) => l.iter().map(Value::to_py_str).collect(),
        Some(v) => vec![v.to_py_str()],
        None => a.args.iter().skip(1).map(Value::to_py_str).collect(),
    };
    let mut text = String::new();
    for l in &lines {
        text.push_str(l);
        text.push('\n');
    }
    fs::write(&p, text).map_err(|e| failed(util::os_error(&e, &p)))?;
    Ok(Value::Str(format!(
        "Wrote {} lines to \"{}\"",
        lines.len(),
        p.display()
    )))
}

fn touch(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let p = path_arg(a, "touch", 0, "name")?;
    crate::state::file::misc_touch(&p, a.get(1, "atime"), a.get(2, "mtime")).map_err(failed)?;
    Ok(Value::Bool(p.exists()))
}

fn remove(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let p = path_arg(a, "remove", 0, "path")?;
    if !p.is_absolute() {
        return Err(failed(format!(
            "File path must be absolute: {}",
            p.display()
        )));
    }
    if !util::lexists(&p) {
        return Ok(Value::Bool(false));
    }
    util::remove_path(&p)
        .map(|()| Value::Bool(true))
        .map_err(|e| {
            failed(format!(
                "Could not remove '{}': {}",
                p.display(),
                util::os_error(&e, &p)
            ))
        })
}

fn owner(a: &Args, pos: usize, name: &str) -> Option<util::Owner> {
    util::Owner::from_value(a.get(pos, name))
}

fn mkdir(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let p = path_arg(a, "mkdir", 0, "dir_path")?;
    let mode = util::normalize_mode(a.get(3, "mode"));
    util::mkdir_all(
        &p,
        owner(a, 1, "user").as_ref(),
        owner(a, 2, "group").as_ref(),
        mode.as_deref(),
    )
    .map_err(failed)?;
    Ok(Value::Bool(true))
}

fn makedirs(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let p = path_arg(a, "makedirs", 0, "path")?;
    let s = p.display().to_string();
    let target = if s.ends_with('/') {
        p.join("x")
    } else {
        p.clone()
    };
    let parent = target.parent().map(Path::to_path_buf).unwrap_or_default();
    if parent.is_dir() {
        return Ok(Value::Str(format!(
            "Directory '{}' already exists",
            parent.display()
        )));
    }
    let mode = util::normalize_mode(a.get(3, "mode"));
    util::makedirs_parent(
        &target,
        owner(a, 1, "user").as_ref(),
        owner(a, 2, "group").as_ref(),
        mode.as_deref(),
    )
    .map_err(failed)?;
    Ok(Value::None)
}

fn stats_of(p: &Path, follow: bool) -> Result<util::Stats, CallError> {
    util::stats(p, follow).ok_or_else(|| failed(format!("Path not found: {}", p.display())))
}

fn stats(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    use std::os::unix::fs::MetadataExt;
    let p = path_arg(a, "stats", 0, "path")?;
    let follow = a.bool(2, "follow_symlinks", true);
    let st = stats_of(&p, follow)?;
    let md = if follow {
        fs::metadata(&p)
    } else {
        fs::symlink_metadata(&p)
    }
    .map_err(|e| failed(util::os_error(&e, &p)))?;
    let mut d = Dict::new();
    d.insert("inode", Value::Int(md.ino() as i64));
    d.insert("uid", Value::Int(i64::from(st.uid)));
    d.insert("gid", Value::Int(i64::from(st.gid)));
    d.insert("group", Value::from(st.group.clone()));
    d.insert("user", Value::from(st.user.clone()));
    d.insert(
        "atime",
        Value::Float(md.atime() as f64 + md.atime_nsec() as f64 / 1e9),
    );
    d.insert(
        "mtime",
        Value::Float(md.mtime() as f64 + md.mtime_nsec() as f64 / 1e9),
    );
    d.insert(
        "ctime",
        Value::Float(md.ctime() as f64 + md.ctime_nsec() as f64 / 1e9),
    );
    d.insert("size", Value::Int(st.size as i64));
    d.insert("mode", Value::from(st.mode.clone()));
    if let Some(h) = a.get(1, "hash_type").filter(|v| v.truthy()) {
        let data = fs::read(&p).map_err(|e| failed(util::os_error(&e, &p)))?;
        d.insert(
            "sum",
            Value::from(util::hash_hex(&data, &h.to_py_str()).unwrap_or_default()),
        );
    }
    d.insert("type", Value::from(st.kind));
    let target = if follow {
        fs::canonicalize(&p).unwrap_or(p.clone())
    } else {
        p.clone()
    };
    d.insert("target", Value::from(target.display().to_string()));
    Ok(Value::Dict(d))
}

fn get_hash(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let p = path_arg(a, "get_hash", 0, "path")?;
    let form = a.str(1, "form").unwrap_or_else(|| "sha256".into());
    let data = fs::read(&p).map_err(|e| failed(util::os_error(&e, &p)))?;
    util::hash_hex(&data, &form)
        .map(Value::Str)
        .ok_or_else(|| failed(format!("Invalid hash type: {form}")))
}

fn contains(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let p = path_arg(a, "contains", 0, "path")?;
    let text = a.str(1, "text").unwrap_or_default();
    Ok(Value::Bool(
        fs::read(&p).is_ok_and(|d| util::decode(&d).contains(&text)),
    ))
}

fn search(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let p = path_arg(a, "search", 0, "path")?;
    let pattern = a.require("search", 1, "pattern")?.to_py_str();
    let mut flags = crate::state::file::py_flags(a.get(2, "flags")).map_err(failed)?;
    if a.bool(5, "multiline", false) && !flags.contains('m') {
        flags.push('m');
    }
    let data = match fs::read(&p) {
        Ok(d) => d,
        Err(_) if a.bool(4, "ignore_if_missing", false) => return Ok(Value::Bool(false)),
        Err(_) => return Err(failed(format!("File not found: {}", p.display()))),
    };
    let re = crate::state::file::compile_regex(&pattern, &flags).map_err(failed)?;
    Ok(Value::Bool(re.is_match(&data)))
}

fn basename(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let p = a.require("basename", 0, "path")?.to_py_str();
    Ok(Value::Str(
        p.rsplit('/').next().unwrap_or_default().to_string(),
    ))
}

fn dirname(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let p = a.require("dirname", 0, "path")?.to_py_str();
    let Some(i) = p.rfind('/') else {
        return Ok(Value::Str(String::new()));
    };
    let head = &p[..=i];
    let trimmed = head.trim_end_matches('/');
    Ok(Value::Str(if trimmed.is_empty() {
        head.to_string()
    } else {
        trimmed.to_string()
    }))
}

fn join(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let mut out = String::new();
    for part in a.args.iter().map(Value::to_py_str) {
        if part.starts_with('/') || out.is_empty() {
            out = part;
        } else if out.ends_with('/') {
            out.push_str(&part);
        } else {
            out.push('/');
            out.push_str(&part);
        }
    }
    Ok(Value::Str(out))
}

fn normpath(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let p = a.require("normpath", 0, "path")?.to_py_str();
    Ok(Value::Str(crate::state::file::normpath(&p)))
}

fn get_mode(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let p = path_arg(a, "get_mode", 0, "path")?;
    Ok(Value::Str(
        stats_of(&p, a.bool(1, "follow_symlinks", true))?.mode,
    ))
}

fn get_user(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let p = path_arg(a, "get_user", 0, "path")?;
    Ok(Value::Str(
        stats_of(&p, a.bool(1, "follow_symlinks", true))?.user,
    ))
}

fn get_group(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let p = path_arg(a, "get_group", 0, "path")?;
    Ok(Value::Str(
        stats_of(&p, a.bool(1, "follow_symlinks", true))?.group,
    ))
}

fn get_uid(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let p = path_arg(a, "get_uid", 0, "path")?;
    Ok(Value::Int(i64::from(
        stats_of(&p, a.bool(1, "follow_symlinks", true))?.uid,
    )))
}

fn get_gid(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let p = path_arg(a, "get_gid", 0, "path")?;
    Ok(Value::Int(i64::from(
        stats_of(&p, a.bool(1, "follow_symlinks", true))?.gid,
    )))
}

fn readlink(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let p = path_arg(a, "readlink", 0, "path")?;
    if !p.is_absolute() {
        return Err(failed("Path to link must be absolute."));
    }
    if !util::is_link(&p) {
        return Err(failed("A valid link was not specified."));
    }
    if a.bool(1, "canonicalize", false) {
        return Ok(Value::Str(
            fs::canonicalize(&p).unwrap_or(p).display().to_string(),
        ));
    }
    let t = fs::read_link(&p).map_err(|e| failed(util::os_error(&e, &p)))?;
    Ok(Value::Str(t.display().to_string()))
}

fn readdir(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let p = path_arg(a, "readdir", 0, "path")?;
    if !p.is_absolute() {
        return Err(failed("Dir path must be absolute."));
    }
    if !p.is_dir() {
        return Err(failed("A valid directory was not specified."));
    }
    let mut names: Vec<String> = fs::read_dir(&p)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = vec![Value::from("."), Value::from("..")];
    out.extend(names.into_iter().map(Value::from));
    Ok(Value::List(out))
}

fn find(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let p = path_arg(a, "find", 0, "path")?;
    let name = a.kwargs.get("name").map(Value::to_py_str);
    let ftype = a.kwargs.get("type").map(Value::to_py_str);
    let pat = name.as_deref().and_then(|n| glob::Pattern::new(n).ok());
    let mut out = Vec::new();
    let mut stack = vec![p.clone()];
    while let Some(dir) = stack.pop() {
        let md = fs::symlink_metadata(&dir);
        let is_dir = md.as_ref().is_ok_and(|m| m.is_dir());
        let fname = dir
            .file_name()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let type_ok = match ftype.as_deref() {
            Some("f") => md.as_ref().is_ok_and(|m| m.is_file()),
            Some("d") => is_dir,
            Some("l") => md.as_ref().is_ok_and(|m| m.file_type().is_symlink()),
            _ => true,
        };
        if type_ok && pat.as_ref().is_none_or(|g| g.matches(&fname)) {
            out.push(dir.display().to_string());
        }
        if is_dir {
            if let Ok(rd) = fs::read_dir(&dir) {
                let mut kids: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
                kids.sort();
                kids.reverse();
                stack.extend(kids);
            }
        }
    }
    out.sort();
    Ok(Value::List(out.into_iter().map(Value::from).collect()))
}
