//! `file.symlink`.

use super::util::{self, Owner};
use super::{arg, arg_bool, arg_str, group_arg, new_ret, user_arg};
use crate::state::{StateCall, StateReturn};
use rsalt_data::Value;
use std::fs;
use std::path::{Component, Path, PathBuf};

/// `os.path.normpath` (lexical).
pub fn normpath(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let abs = p.starts_with('/');
    let mut parts: Vec<String> = Vec::new();
    for c in Path::new(p).components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().to_string()),
            Component::ParentDir => {
                if parts.last().is_some_and(|l| l != "..") {
                    parts.pop();
                } else if !abs {
                    parts.push("..".into());
                }
            }
            _ => {}
        }
    }
    let j = parts.join("/");
    match (abs, j.is_empty()) {
        (true, _) => format!("/{j}"),
        (false, true) => ".".into(),
        (false, false) => j,
    }
}

fn link_owner(p: &Path) -> (String, String) {
    util::stats(p, false)
        .map(|s| (s.user, s.group))
        .unwrap_or_default()
}

fn owner_ok(p: &Path, user: &str, group: &str) -> bool {
    let (u, g) = link_owner(p);
    u == user && g == group
}

fn set_owner(p: &Path, user: &str, group: &str) -> bool {
    let uid = Owner::Name(user.into()).uid();
    let gid = Owner::Name(group.into()).gid();
    let _ = std::os::unix::fs::lchown(p, uid, gid);
    owner_ok(p, user, group)
}

/// `file.symlink`.
pub(crate) fn symlink(call: &StateCall<'_>) -> StateReturn {
    let (mut ret, name) = new_ret(call);
    let name_s = ret.name.clone();
    if name_s.is_empty() {
        return ret.fail("Must provide name to file.symlink");
    }
    let Some(target) = arg_str(call, "target") else {
        return ret.fail("symlink() missing 1 required positional argument: 'target'");
    };
    let force = arg_bool(call, "force", false);
    let follow = arg_bool(call, "follow_symlinks", true);
    let mode = util::normalize_mode(arg(call, "mode"));
    let exists = |p: &Path| if follow { p.exists() } else { util::lexists(p) };
    let mut user = user_arg(call).map(|o| o.text());
    let mut group = group_arg(call).map(|o| o.text());
    if arg_bool(call, "inherit_user_and_group", false)
        && (user.is_none() || group.is_none())
        && util::is_link(&name)
    {
        let (u, g) = link_owner(&name);
        user.get_or_insert(u);
        group.get_or_insert(g);
    }
    let user = user.unwrap_or_else(|| {
        call.ctx
            .opt("user")
            .map(Value::to_py_str)
            .unwrap_or_else(|| "root".into())
    });
    let group = group.unwrap_or_else(|| {
        Owner::Name(user.clone())
            .uid()
            .and_then(|uid| {
                fs::read_to_string("/etc/passwd").ok().and_then(|t| {
                    t.lines().find_map(|l| {
                        let f: Vec<&str> = l.split(':').collect();
                        (f.len() > 3 && f[2].parse::<u32>().ok() == Some(uid))
                            .then(|| f[3].parse::<u32>().ok())
                            .flatten()
                    })
                })
            })
            .map(util::gid_to_group)
            .unwrap_or_else(|| user.clone())
    });
    let mut errors = Vec::new();
    if Owner::Name(user.clone()).uid().is_none() {
        errors.push(format!("User {user} does not exist"));
    }
    if Owner::Name(group.clone()).gid().is_none() {
        errors.push(format!("Group {group} does not exist"));
    }
    if !name.is_absolute() {
        errors.push(format!("Specified file {name_s} is not an absolute path"));
    }
    if !errors.is_empty() {
        let mut msg = errors.join(". ");
        if errors.len() > 1 {
            msg.push('.');
        }
        return ret.fail(msg);
    }
    // _symlink_check
    let (tresult, mut tcomment, tchanges) = if !exists(&name) && !util::is_link(&name) {
        (
            None,
            format!("Symlink {name_s} to {target} is set for creation"),
            super::dict1("new", Value::from(name_s.clone())),
        )
    } else if util::is_link(&name) {
        let cur = fs::read_link(&name)
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        if cur != target {
            (
                None,
                format!("Link {name_s} target is set to be changed to {target}"),
                super::dict1("change", Value::from(name_s.clone())),
            )
        } else if !owner_ok(&name, &user, &group) {
            let (cu, cg) = link_owner(&name);
            (
                None,
                format!("The symlink {name_s} is present, but the ownership of the symlink would be changed from {cu}:{cg} to {user}:{group}"),
                super::dict1("ownership", Value::from(format!("{cu}:{cg}"))),
            )
        } else {
            (
                Some(true),
                format!("The symlink {name_s} is present"),
                rsalt_data::Dict::new(),
            )
        }
    } else if force {
        (None, format!("The file or directory {name_s} is set for removal to make way for a new symlink targeting {target}"), rsalt_data::Dict::new())
    } else {
        (Some(false), format!("File or directory exists where the symlink {name_s} should be. Did you mean to use force?"), rsalt_data::Dict::new())
    };
    let parent = name
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"));
    if !parent.is_dir() {
        if arg_bool(call, "makedirs", false) {
            if call.test {
                tcomment.push_str(&format!("\n{} will be created", parent.display()));
            } else {
                let uo = Owner::Name(user.clone());
                let go = Owner::Name(group.clone());
                if let Err(e) = util::makedirs_parent(&name, Some(&uo), Some(&go), mode.as_deref())
                {
                    return ret.fail(e);
                }
            }
        } else if call.test {
            tcomment.push_str(&format!(
                "\nDirectory {} for symlink is not present",
                parent.display()
            ));
        } else {
            return ret.fail(format!(
                "Directory {} for symlink is not present",
                parent.display()
            ));
        }
    }
    if call.test {
        ret.result = tresult;
        ret.comment = tcomment;
        ret.changes = tchanges;
        return ret;
    }
    if util::is_link(&name) {
        let cur = fs::read_link(&name)
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        if normpath(&cur) != normpath(&target) {
            let _ = fs::remove_file(&name);
        } else {
            if owner_ok(&name, &user, &group) {
                ret.comment = format!("Symlink {name_s} is present and owned by {user}:{group}");
            } else if set_owner(&name, &user, &group) {
                ret.comment = format!("Set ownership of symlink {name_s} to {user}:{group}");
                ret.changes
                    .insert("ownership", Value::from(format!("{user}:{group}")));
            } else {
                ret.result = Some(false);
                ret.comment.push_str(&format!(
                    "Failed to set ownership of symlink {name_s} to {user}:{group}"
                ));
            }
            return ret;
        }
    } else if exists(&name) {
        if let Some(mut backupname) = arg_str(call, "backupname") {
            if !backupname.starts_with('/') {
                if !backupname.contains('/') {
                    backupname = parent.join(&backupname).display().to_string();
                } else {
                    return ret.fail(format!(
                        "Backupname must be an absolute path or a file name: {backupname}"
                    ));
                }
            }
            let bp = PathBuf::from(&backupname);
            if util::lexists(&bp) {
                if !force {
                    return ret.fail(format!("Symlink & backup dest exists and Force not set. {name_s} -> {target} - backup: {backupname}"));
                }
                let _ = util::remove_path(&bp);
            }
            if let Err(e) = fs::rename(&name, &bp) {
                return ret.fail(format!(
                    "Unable to rename {name_s} to backup {backupname} -> : {}",
                    util::os_error(&e, &name)
                ));
            }
        } else if !force && !arg_bool(call, "atomic", false) {
            let kind = if name.is_file() {
                "File"
            } else if name.is_dir() {
                "Directory"
            } else {
                "File system entry"
            };
            return ret.fail(format!(
                "{kind} exists where the symlink {name_s} should be"
            ));
        }
    }
    if util::lexists(&name) && force {
        let _ = util::remove_path(&name);
    }
    if let Err(e) = std::os::unix::fs::symlink(&target, &name) {
        ret.result = Some(false);
        ret.comment = format!(
            "Unable to create new symlink {name_s} -> {target}: {}",
            util::os_error(&e, &name)
        );
        return ret;
    }
    ret.comment = format!("Created new symlink {name_s} -> {target}");
    ret.changes.insert("new", Value::from(name_s.clone()));
    if !owner_ok(&name, &user, &group) && !set_owner(&name, &user, &group) {
        ret.result = Some(false);
        ret.comment.push_str(&format!(
            ", but was unable to set ownership to {user}:{group}"
        ));
    }
    ret
}
