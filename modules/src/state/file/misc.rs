//! `file.absent`, `file.exists`, `file.missing`, `file.touch`, `file.copy`, `file.rename`.

use super::util::{self, Owner, Perms};
use super::{arg, arg_bool, arg_str, expanduser, group_arg, new_ret, user_arg};
use crate::state::{StateCall, StateReturn};
use rsalt_data::Value;
use std::fs;
use std::path::{Path, PathBuf};

/// `file.absent`.
pub(crate) fn absent(call: &StateCall<'_>) -> StateReturn {
    let (mut ret, name) = new_ret(call);
    let n = ret.name.clone();
    if n.is_empty() {
        return ret.fail("Must provide name to file.absent");
    }
    if !name.is_absolute() {
        return ret.fail(format!("Specified file {n} is not an absolute path"));
    }
    if n == "/" {
        return ret.fail("Refusing to make \"/\" absent");
    }
    let is_file = name.is_file() || util::is_link(&name);
    if is_file || name.is_dir() {
        let what = if is_file { "File" } else { "Directory" };
        ret.changes.insert("removed", Value::from(n.clone()));
        if call.test {
            ret.result = None;
            ret.comment = format!("{what} {n} is set for removal");
            return ret;
        }
        return match util::remove_path(&name) {
            Ok(()) => ret.with_comment(format!("Removed {} {n}", what.to_lowercase())),
            Err(e) => {
                ret.changes = rsalt_data::Dict::new();
                if is_file {
                    ret.fail(util::os_error(&e, &name))
                } else {
                    ret.fail(format!("Failed to remove directory {n}"))
                }
            }
        };
    }
    ret.with_comment(format!("File {n} is not present"))
}

/// `file.exists`.
pub(crate) fn exists(call: &StateCall<'_>) -> StateReturn {
    let (ret, name) = new_ret(call);
    let n = ret.name.clone();
    if n.is_empty() {
        return ret.fail("Must provide name to file.exists");
    }
    if !name.exists() {
        return ret.fail(format!("Specified path {n} does not exist"));
    }
    ret.with_comment(format!("Path {n} exists"))
}

/// `file.missing`.
pub(crate) fn missing(call: &StateCall<'_>) -> StateReturn {
    let (ret, name) = new_ret(call);
    let n = ret.name.clone();
    if n.is_empty() {
        return ret.fail("Must provide name to file.missing");
    }
    if name.exists() {
        return ret.fail(format!("Specified path {n} exists"));
    }
    ret.with_comment(format!("Path {n} is missing"))
}

fn parse_time(v: Option<&Value>) -> Result<Option<std::time::SystemTime>, String> {
    let Some(v) = v else { return Ok(None) };
    let secs = match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Str(s) => s
            .trim()
            .parse::<f64>()
            .map_err(|_| "atime and mtime must be integers".to_string())?,
        _ => return Err("atime and mtime must be integers".into()),
    };
    let d = std::time::Duration::try_from_secs_f64(secs.max(0.0))
        .map_err(|_| "atime and mtime must be integers".to_string())?;
    Ok(Some(std::time::UNIX_EPOCH + d))
}

/// Creates `path` if missing and sets its times (`file.touch` execution function).
pub fn touch_path(path: &Path, atime: Option<&Value>, mtime: Option<&Value>) -> Result<(), String> {
    let at = parse_time(atime)?;
    let mt = parse_time(mtime)?;
    if !path.exists() {
        util::touch_new(path, 0o666).map_err(|e| util::strerror(&e))?;
    }
    let f = fs::OpenOptions::new()
        .append(true)
        .open(path)
        .or_else(|_| fs::File::open(path))
        .map_err(|e| util::strerror(&e))?;
    let now = std::time::SystemTime::now();
    let times = fs::FileTimes::new()
        .set_accessed(at.unwrap_or(now))
        .set_modified(mt.unwrap_or(now));
    f.set_times(times).map_err(|e| util::strerror(&e))?;
    Ok(())
}

/// `file.touch` (not idempotent: an existing file reports `touched`).
pub(crate) fn touch(call: &StateCall<'_>) -> StateReturn {
    let (mut ret, name) = new_ret(call);
    let n = ret.name.clone();
    ret.result = None;
    if n.is_empty() {
        return ret.fail("Must provide name to file.touch");
    }
    if !name.is_absolute() {
        return ret.fail(format!("Specified file {n} is not an absolute path"));
    }
    let (atime, mtime) = (arg(call, "atime"), arg(call, "mtime"));
    if call.test {
        ret.result = None;
        if !name.exists() {
            ret.comment = format!("File {n} is set to be created");
            ret.changes.insert("new", Value::from(n.clone()));
        } else if atime.is_some() || mtime.is_some() {
            ret.comment = format!("Times set to be updated on file {n}");
            ret.changes.insert("touched", Value::from(n.clone()));
        } else {
            ret.result = Some(true);
            ret.comment = format!("File {n} exists and has the correct times");
            ret.changes.insert("new", Value::from(n.clone()));
        }
        return ret;
    }
    if arg_bool(call, "makedirs", false) {
        if let Err(e) = util::makedirs_parent(&name, None, None, None) {
            return ret.fail(e);
        }
    }
    if !name.parent().is_some_and(Path::is_dir) {
        return ret.fail(format!("Directory not present to touch file {n}"));
    }
    let extant = name.exists();
    if let Err(e) = touch_path(&name, atime, mtime) {
        return ret.fail(e);
    }
    ret.result = Some(true);
    if !extant {
        ret.comment = format!("Created empty file {n}");
        ret.changes.insert("new", Value::from(n));
    } else {
        let kind = if name.is_dir() { "directory" } else { "file" };
        ret.comment = format!("Updated times on {kind} {n}");
        ret.changes.insert("touched", Value::from(n));
    }
    ret
}

fn copy_tree(src: &Path, dst: &Path) -> std::io::Result<()> {
    fs::create_dir(dst)?;
    for e in fs::read_dir(src)? {
        let e = e?;
        let from = e.path();
        let to = dst.join(e.file_name());
        let ft = e.file_type()?;
        if ft.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(&from)?, &to)?;
        } else if ft.is_dir() {
            copy_tree(&from, &to)?;
        } else {
            fs::copy(&from, &to)?;
        }
    }
    let perm = fs::metadata(src)?.permissions();
    fs::set_permissions(dst, perm)
}

/// `file.copy`.
pub(crate) fn copy(call: &StateCall<'_>) -> StateReturn {
    let (mut ret, mut name) = new_ret(call);
    let source_s = expanduser(&arg_str(call, "source").unwrap_or_default());
    let source = PathBuf::from(&source_s);
    let mut n = ret.name.clone();
    ret.comment = format!("Copied \"{source_s}\" to \"{n}\"");
    if n.is_empty() {
        return ret.fail("Must provide name to file.copy");
    }
    if !name.is_absolute() {
        return ret.fail(format!("Specified file {n} is not an absolute path"));
    }
    if source_s.is_empty() || !source.exists() {
        return ret.fail(format!("Source file \"{source_s}\" is not present"));
    }
    let preserve = arg_bool(call, "preserve", false);
    let (user, group, mode) = if preserve {
        let st = util::stats(&source, true);
        (
            st.as_ref().map(|s| Owner::Name(s.user.clone())),
            st.as_ref().map(|s| Owner::Name(s.group.clone())),
            st.map(|s| s.mode),
        )
    } else {
        let user = user_arg(call).or_else(|| {
            Some(Owner::Name(
                call.ctx
                    .opt("user")
                    .map(Value::to_py_str)
                    .unwrap_or_else(|| "root".into()),
            ))
        });
        let group = group_arg(call).or_else(|| {
            Some(Owner::Name("root".into()))
                .filter(|_| user.as_ref().is_some_and(|u| u.text() == "root"))
        });
        let u_check = util::check_user(user.as_ref(), group.as_ref(), call.test);
        if !u_check.is_empty() {
            return ret.fail(u_check);
        }
        let mode = util::normalize_mode(arg(call, "mode"))
            .or_else(|| util::stats(&source, true).map(|s| s.mode));
        (user, group, mode)
    };
    if name.is_dir() && arg_bool(call, "subdir", false) {
        if let Some(b) = source.file_name() {
            name = name.join(b);
            n = name.display().to_string();
        }
    }
    let force = arg_bool(call, "force", false);
    let mut changed = true;
    if util::lexists(&source) && util::lexists(&name) {
        if force && name.is_file() && fs::read(&name).ok() == fs::read(&source).ok() {
            ret.comment = format!(
                "{} - files are identical but force flag is set",
                ret.comment
            );
        }
        if !force {
            changed = false;
        } else if !call.test && util::remove_path(&name).is_err() {
            return ret.fail(format!(
                "Failed to delete \"{n}\" in preparation for forced move"
            ));
        }
    }
    if call.test {
        if changed {
            ret.comment = format!("File \"{source_s}\" is set to be copied to \"{n}\"");
            ret.result = None;
        } else {
            ret.comment = format!("The target file \"{n}\" exists and will not be overwritten");
        }
        return ret;
    }
    if !changed {
        ret.comment = format!("The target file \"{n}\" exists and will not be overwritten");
        return ret;
    }
    let dname = name.parent().map(Path::to_path_buf).unwrap_or_default();
    if !dname.is_dir() {
        if arg_bool(call, "makedirs", false) {
            let dir_mode = util::normalize_mode(arg(call, "dir_mode")).or_else(|| {
                mode.as_ref()
                    .map(|m| util::normalize_mode_str(&util::dir_mode_from_file_mode(m)))
            });
            if let Err(e) =
                util::makedirs_parent(&name, user.as_ref(), group.as_ref(), dir_mode.as_deref())
            {
                return ret.fail(e);
            }
        } else {
            return ret.fail(format!(
                "The target directory {} is not present",
                dname.display()
            ));
        }
    }
    let r = if source.is_dir() {
        copy_tree(&source, &name)
    } else {
        fs::copy(&source, &name).map(|_| ())
    };
    if r.is_err() {
        return ret.fail(format!("Failed to copy \"{source_s}\" to \"{n}\""));
    }
    ret.changes.insert(n.clone(), Value::from(source_s.clone()));
    if !preserve {
        let mut ch = rsalt_data::Dict::new();
        let mut res = Some(true);
        let mut com = ret.comment.clone();
        let perms = Perms {
            user: user.as_ref(),
            group: group.as_ref(),
            mode: mode.as_deref(),
            follow_symlinks: false,
        };
        util::check_perms(&name, &mut ch, &mut res, &mut com, &perms, false);
        for (k, v) in ch.iter() {
            ret.changes.insert(k.clone(), v.clone());
        }
        if res != Some(true) {
            ret.result = res;
            ret.comment = com;
        }
    }
    ret
}

/// `file.rename`.
pub(crate) fn rename(call: &StateCall<'_>) -> StateReturn {
    let (mut ret, name) = new_ret(call);
    let n = ret.name.clone();
    let source_s = expanduser(&arg_str(call, "source").unwrap_or_default());
    let source = PathBuf::from(&source_s);
    if n.is_empty() {
        return ret.fail("Must provide name to file.rename");
    }
    if !name.is_absolute() {
        return ret.fail(format!("Specified file {n} is not an absolute path"));
    }
    if !util::lexists(&source) {
        return ret.with_comment(format!(
            "Source file \"{source_s}\" has already been moved out of place"
        ));
    }
    let force = arg_bool(call, "force", false);
    if util::lexists(&source) && util::lexists(&name) {
        if !force {
            return ret.with_comment(format!(
                "The target file \"{n}\" exists and will not be overwritten"
            ));
        } else if !call.test && util::remove_path(&name).is_err() {
            return ret.fail(format!(
                "Failed to delete \"{n}\" in preparation for forced move"
            ));
        }
    }
    if call.test {
        ret.comment = format!("File \"{source_s}\" is set to be moved to \"{n}\"");
        ret.result = None;
        return ret;
    }
    let dname = name.parent().map(Path::to_path_buf).unwrap_or_default();
    if !dname.is_dir() {
        if arg_bool(call, "makedirs", false) {
            if let Err(e) = util::makedirs_parent(&name, None, None, None) {
                return ret.fail(e);
            }
        } else {
            return ret.fail(format!(
                "The target directory {} is not present",
                dname.display()
            ));
        }
    }
    let r = if util::is_link(&source) {
        fs::read_link(&source)
            .and_then(|t| std::os::unix::fs::symlink(t, &name))
            .and_then(|_| fs::remove_file(&source))
    } else {
        fs::rename(&source, &name)
    };
    if r.is_err() {
        return ret.fail(format!("Failed to move \"{source_s}\" to \"{n}\""));
    }
    ret.comment = format!("Moved \"{source_s}\" to \"{n}\"");
    ret.changes.insert(n, Value::from(source_s));
    ret
}
