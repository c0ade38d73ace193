//! The `mount` state module (salt/states/mount.py): `mounted`, `unmounted` and
//! `mod_watch` (remount), on top of [`crate::exec::mount`], for Linux.
//!
//! Follows Salt's flow: options of an active mount are compared after Salt's
//! translations (`size=64m` → `size=65536k`, invisible options such as `defaults`,
//! `nofail`, `bind`), a changed option forces a remount, a changed device an unmount,
//! and `persist: True` (the default) writes the fstab entry in Salt's format (`match_on:
//! auto` matches tmpfs/proc/nfs... entries by mount point, others by device).
//!
//! Salt quirk kept: when the active mount carries a `size=` superblock option (tmpfs),
//! Salt compares every wanted option as that size, so changing e.g. `mode=` on a mounted
//! tmpfs triggers no remount (only the fstab entry is updated). Not supported: LABEL=
//! devices (blkid), LVM mapper aliases, bind-mount option copying, macOS/AIX/Solaris
//! tables.

use super::{StateCall, StateModule, StateReturn};
use crate::exec::mount::{self as mnt, opts_list};
use crate::exec::sysutil::{arg, arg_bool, arg_str};
use rsalt_data::Value;
use std::path::Path;

/// The `mount` state module.
#[derive(Debug, Default, Clone, Copy)]
pub struct Mount;

impl StateModule for Mount {
    fn name(&self) -> &'static str {
        "mount"
    }

    fn functions(&self) -> &'static [&'static str] {
        &["mounted", "unmounted", "mod_watch"]
    }

    fn required_args(&self, fun: &str) -> &'static [&'static str] {
        match fun {
            "mounted" => &["device", "fstype"],
            _ => &[],
        }
    }

    fn call(&self, fun: &str, call: &StateCall<'_>) -> StateReturn {
        match fun {
            "mounted" => mounted(call),
            "unmounted" => unmounted(call),
            "mod_watch" => mod_watch_impl(call),
            other => StateReturn::new(call.name.clone())
                .fail(format!("State 'mount.{other}' was not found")),
        }
    }

    fn has_mod_watch(&self) -> bool {
        true
    }

    fn mod_watch(&self, call: &StateCall<'_>) -> Option<StateReturn> {
        Some(mod_watch_impl(call))
    }
}

const INVISIBLE_OPTS: &[&str] = &[
    "_netdev",
    "actimeo",
    "bg",
    "comment",
    "defaults",
    "delay_connect",
    "direct-io-mode",
    "intr",
    "loop",
    "nointr",
    "nobootwait",
    "nofail",
    "password",
    "reconnect",
    "retry",
    "soft",
    "auto",
    "users",
    "bind",
    "nonempty",
    "transform_symlinks",
    "port",
    "backup-volfile-servers",
];

const INVISIBLE_KEYS: &[&str] = &[
    "actimeo",
    "comment",
    "credentials",
    "direct-io-mode",
    "password",
    "port",
    "retry",
    "secretfile",
];

/// `size=N[kmg]` → `size=Nk` (Salt's `_size_convert`), None when not a size option.
fn size_k(opt: &str) -> Option<String> {
    let re = regex::Regex::new(r"^size=(?P<v>[0-9]+)(?P<u>k|m|g)").ok()?;
    let c = re.captures(opt)?;
    let v: u64 = c["v"].parse().ok()?;
    let k = match &c["u"] {
        "m" => v * 1024,
        "g" => v * 1024 * 1024,
        _ => v,
    };
    Some(format!("size={k}k"))
}

fn realpath(p: &str) -> String {
    std::fs::canonicalize(p)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| {
            if p.starts_with('/') {
                crate::state::file::normpath(p)
            } else {
                let cwd = std::env::current_dir().unwrap_or_default();
                crate::state::file::normpath(&cwd.join(p).to_string_lossy())
            }
        })
}

fn dict_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::List(l)) => l.iter().map(Value::to_py_str).collect(),
        Some(Value::Str(s)) => s.split(',').map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

#[allow(clippy::too_many_lines)]
fn mounted(call: &StateCall<'_>) -> StateReturn {
    let mut name = call.name.clone();
    let mut ret = StateReturn::new(name.clone());
    let device = arg_str(call.low, "device").unwrap_or_default();
    let fstype = arg_str(call.low, "fstype").unwrap_or_default();
    if name.is_empty() {
        return ret.fail("Must provide name to mount.mounted");
    }
    if device.is_empty() {
        return ret.fail("Must provide device to mount.mounted");
    }
    if fstype.is_empty() {
        return ret.fail("Must provide fstype to mount.mounted");
    }
    let mkmnt = arg_bool(call.low, "mkmnt", false);
    let mut opts = opts_list(arg(call.low, "opts"));
    let dump = arg_str(call.low, "dump").unwrap_or_else(|| "0".into());
    let pass_num = arg_str(call.low, "pass_num").unwrap_or_else(|| "0".into());
    let config = arg_str(call.low, "config").unwrap_or_else(|| "/etc/fstab".into());
    let persist = arg_bool(call.low, "persist", true);
    let mount = arg_bool(call.low, "mount", true);
    let match_on = arg(call.low, "match_on")
        .cloned()
        .unwrap_or_else(|| Value::from("auto"));
    let device_name_regex = dict_list(arg(call.low, "device_name_regex"));
    let mut invisible: Vec<String> = INVISIBLE_OPTS.iter().map(|s| s.to_string()).collect();
    invisible.extend(dict_list(arg(call.low, "extra_mount_invisible_options")));
    invisible.extend(dict_list(arg(call.low, "hidden_opts")));
    let mut invisible_keys: Vec<String> = INVISIBLE_KEYS.iter().map(|s| s.to_string()).collect();
    invisible_keys.extend(dict_list(arg(call.low, "extra_mount_invisible_keys")));
    let ignore_fs_keys: Vec<String> = if fstype == "ramfs" {
        vec!["size".into()]
    } else {
        Vec::new()
    };
    if name != "/" {
        name = name.trim_end_matches('/').to_string();
    }
    let mut update_mount_cache = false;
    let mut active = mnt::active(true);
    let real_name = realpath(&name);
    let comp_real_name = real_name.replace(' ', "\\040");
    let real_device = if device.starts_with('/') {
        realpath(&device)
    } else if device.to_uppercase().starts_with("UUID=") {
        device
            .split('=')
            .nth(1)
            .unwrap_or("")
            .trim_matches('"')
            .to_lowercase()
    } else {
        device.clone()
    };
    let find = |a: &[(String, mnt::ActiveMount)]| {
        a.iter()
            .find(|(k, _)| *k == comp_real_name)
            .map(|(_, m)| m.clone())
    };
    if let Some(act) = find(&active) {
        if mount {
            let mut device_list = vec![act.device.clone()];
            device_list.push(realpath(&act.device));
            if let Some(alt) = &act.alt_device {
                if !device_list.contains(alt) {
                    device_list.push(alt.clone());
                }
            }
            if !opts.is_empty() {
                let mut superopts = act.superopts.clone();
                let mut trigger_remount: Vec<String> = Vec::new();
                // Salt's comment for a cache-triggered remount names the loop variable
                // `opt` left over from this loop (the last option after translation).
                let mut last_opt = String::new();
                for o in &opts {
                    let mut opt = match o.as_str() {
                        "tcp" => "proto=tcp".to_string(),
                        "udp" => "proto=udp".to_string(),
                        other => other.to_string(),
                    };
                    let key = opt.split('=').next().unwrap_or("").to_string();
                    if invisible_keys.contains(&key) {
                        opt = key.clone();
                    }
                    if let Some(s) = size_k(&opt) {
                        opt = s;
                    }
                    if ignore_fs_keys.contains(&key) {
                        opt = key.clone();
                    }
                    // Salt's loop over the active superopts: any size= option replaces
                    // the wanted option being checked (see the module docs).
                    let snapshot = superopts.clone();
                    for a in snapshot {
                        if let Some(s) = size_k(&a) {
                            opt = s.clone();
                            if let Some(i) = superopts.iter().position(|x| *x == a) {
                                superopts.remove(i);
                            }
                            superopts.push(s);
                        }
                    }
                    if !act.opts.contains(&opt)
                        && !superopts.contains(&opt)
                        && !invisible.contains(&opt)
                        && !ignore_fs_keys.contains(&opt)
                        && !invisible_keys.contains(&opt)
                    {
                        trigger_remount.push(opt.clone());
                    }
                    last_opt = opt;
                }
                if !trigger_remount.is_empty() {
                    trigger_remount.sort();
                    let list = trigger_remount.join(",");
                    if call.test {
                        ret.result = None;
                        ret.comment =
                            format!("Remount would be forced because options ({list}) changed");
                        return ret;
                    }
                    ret.changes.insert(
                        "umount",
                        Value::from(format!("Forced remount because options ({list}) changed")),
                    );
                    match mnt::remount(call.ctx, &real_name, &device, mkmnt, &fstype, &opts) {
                        Ok(Ok(())) => ret.result = Some(true),
                        Ok(Err(e)) => {
                            ret.result = Some(false);
                            ret.comment = e;
                        }
                        Err(e) => return ret.fail(e.to_string()),
                    }
                    opts.retain(|o| o != "remount");
                    update_mount_cache = true;
                }
                let cache = mnt::read_mount_cache(call.ctx, &real_name);
                match cache.get("opts") {
                    Some(Value::List(cached)) => {
                        let missing: Vec<String> = cached
                            .iter()
                            .map(Value::to_py_str)
                            .filter(|o| !opts.contains(o))
                            .collect();
                        if !missing.is_empty() {
                            if call.test {
                                ret.result = None;
                                ret.comment = format!(
                                    "Remount would be forced because options ({})changed",
                                    missing.join(",")
                                );
                                return ret;
                            }
                            ret.changes.insert(
                                "umount",
                                Value::from(format!(
                                    "Forced remount because options ({last_opt}) changed"
                                )),
                            );
                            match mnt::remount(call.ctx, &real_name, &device, mkmnt, &fstype, &opts)
                            {
                                Ok(Ok(())) => ret.result = Some(true),
                                Ok(Err(e)) => {
                                    ret.result = Some(false);
                                    ret.comment = e;
                                }
                                Err(e) => return ret.fail(e.to_string()),
                            }
                            opts.retain(|o| o != "remount");
                            update_mount_cache = true;
                        }
                    }
                    _ => update_mount_cache = true,
                }
            }
            if !device_list.contains(&real_device) {
                let ignored = device_name_regex.iter().find_map(|re| {
                    let re = regex::Regex::new(&format!("^(?:{re})")).ok()?;
                    device_list.iter().find(|d| re.is_match(d)).cloned()
                });
                if let Some(d) = ignored {
                    ret.result = Some(true);
                    ret.comment = format!(
                        "An umount will not be forced because device matched device_name_regex: {d}"
                    );
                } else if call.test {
                    ret.result = None;
                    ret.comment = format!(
                        "An umount would have been forced because devices do not match.  Watched: {device}"
                    );
                } else {
                    let mut msg =
                        format!("Forced unmount because devices don't match. Wanted: {device}");
                    if real_device != device {
                        msg += &format!(" ({real_device})");
                    }
                    msg += &format!(", current: {}", device_list.join(", "));
                    ret.changes.insert("umount", Value::from(msg));
                    let _ = mnt::umount(call.ctx, &real_name, None, false);
                    active = mnt::active(true);
                    if find(&active).is_some() {
                        return ret.fail("Unable to unmount");
                    }
                    update_mount_cache = true;
                }
            } else {
                ret.comment = "Target was already mounted".into();
            }
        }
    }
    if find(&active).is_none() {
        if mount {
            if call.test {
                ret.result = None;
                ret.comment = if Path::new(&name).exists() {
                    format!("{name} would be mounted")
                } else if mkmnt {
                    format!("{name} would be created and mounted")
                } else {
                    format!("{name} does not exist and would not be created")
                };
                return ret;
            }
            if !Path::new(&name).exists() && !mkmnt {
                return ret.fail("Mount directory is not present");
            }
            let out = match mnt::mount(call.ctx, &name, &device, mkmnt, &fstype, &opts) {
                Ok(o) => o,
                Err(e) => return ret.fail(e.to_string()),
            };
            active = mnt::active(true);
            update_mount_cache = true;
            if let Err(e) = out {
                return ret.fail(e);
            }
            if find(&active).is_some() {
                ret.comment = "Target was successfully mounted".into();
                ret.changes.insert("mount", Value::Bool(true));
            }
        } else if !Path::new(&name).exists() {
            if call.test {
                ret.result = None;
                ret.comment = if mkmnt {
                    format!("{name} would be created, but not mounted")
                } else {
                    format!("{name} does not exist and would neither be created nor mounted")
                };
            } else if mkmnt {
                if let Err(e) = std::fs::create_dir_all(&name) {
                    return ret.fail(e.to_string());
                }
                ret.comment = format!("{name} was created, not mounted");
            } else {
                ret.comment = format!("{name} not present and not mounted");
            }
        } else if call.test {
            ret.comment = format!("{name} would not be mounted");
        } else {
            ret.comment = format!("{name} not mounted");
        }
    }
    if persist {
        let opts_s = opts.join(",");
        if call.test {
            let out = mnt::set_fstab(
                &name, &device, &fstype, &opts_s, &dump, &pass_num, &config, true, &match_on,
            );
            let comment = match out {
                Ok("present") => {
                    // Salt also (re)writes its mount cache here, even under test=True;
                    // rsalt touches nothing in test mode.
                    ret.comment += ". Entry already exists in the fstab.";
                    return ret;
                }
                Ok("new") => {
                    ret.result = None;
                    if mount {
                        format!("{name} is mounted, but needs to be written to the fstab in order to be made persistent.")
                    } else {
                        format!("{name} needs to be written to the fstab in order to be made persistent.")
                    }
                }
                Ok(_) => {
                    ret.result = None;
                    if mount {
                        format!("{name} is mounted, but its fstab entry must be updated.")
                    } else {
                        format!("The {name} fstab entry must be updated.")
                    }
                }
                Err(e) => {
                    ret.result = Some(false);
                    e.to_string()
                }
            };
            ret.comment = format!("{}. {comment}", ret.comment);
            return ret;
        }
        let out = match mnt::set_fstab(
            &name, &device, &fstype, &opts_s, &dump, &pass_num, &config, false, &match_on,
        ) {
            Ok(o) => o,
            Err(e) if e.to_string().starts_with("Bad config file") => "bad config",
            Err(e) => return ret.fail(e.to_string()),
        };
        if update_mount_cache {
            if let Err(e) =
                mnt::write_mount_cache(call.ctx, &real_name, &device, mkmnt, &fstype, &opts)
            {
                return ret.fail(e.to_string());
            }
        }
        match out {
            "present" => ret.comment += ". Entry already exists in the fstab.",
            "new" => {
                ret.changes.insert("persist", Value::from("new"));
                ret.comment += ". Added new entry to the fstab.";
            }
            "change" => {
                ret.changes.insert("persist", Value::from("update"));
                ret.comment += ". Updated the entry in the fstab.";
            }
            _ => {
                ret.result = Some(false);
                ret.comment += ". However, the fstab was not found.";
            }
        }
    }
    ret
}

fn unmounted(call: &StateCall<'_>) -> StateReturn {
    let name = call.name.clone();
    let mut ret = StateReturn::new(name.clone());
    if name.is_empty() {
        return ret.fail("Must provide name to mount.unmounted");
    }
    let device = arg_str(call.low, "device");
    let config = arg_str(call.low, "config").unwrap_or_else(|| "/etc/fstab".into());
    let persist = arg_bool(call.low, "persist", false);
    let comp_name = name.replace(' ', "\\040");
    let is_active = mnt::active(true).iter().any(|(k, _)| *k == comp_name);
    if !is_active {
        ret.comment = "Target was already unmounted".into();
    } else {
        if call.test {
            ret.result = None;
            ret.comment = format!("Mount point {name} is mounted but should not be");
            return ret;
        }
        match mnt::umount(call.ctx, &name, device.as_deref(), false) {
            Ok(Ok(())) => {
                ret.comment = "Target was successfully unmounted".into();
                ret.changes.insert("umount", Value::Bool(true));
            }
            Ok(Err(e)) => {
                ret.result = Some(false);
                ret.comment = e;
            }
            Err(e) => return ret.fail(e.to_string()),
        }
        if let Err(e) = mnt::delete_mount_cache(call.ctx, &name) {
            return ret.fail(e.to_string());
        }
    }
    if persist {
        let tab = mnt::fstab(&config);
        match tab.iter().find(|(k, _)| *k == name) {
            None => ret.comment += ". fstab entry not found",
            Some((_, e)) => {
                if let Some(d) = &device {
                    if e.device != *d {
                        ret.comment += &format!(". fstab entry for device {d} not found");
                        return ret;
                    }
                }
                if call.test {
                    ret.result = None;
                    ret.comment = format!(
                        "Mount point {name} is unmounted but needs to be purged from {config} to be made persistent"
                    );
                    return ret;
                }
                match mnt::rm_fstab(&name, device.as_deref(), &config) {
                    Ok(true) => {
                        ret.comment += ". Removed target from fstab";
                        ret.changes.insert("persist", Value::from("purged"));
                    }
                    _ => {
                        ret.result = Some(false);
                        ret.comment += ". Failed to persist purge";
                    }
                }
            }
        }
    }
    ret
}

fn mod_watch_impl(call: &StateCall<'_>) -> StateReturn {
    let name = call.name.clone();
    let mut ret = StateReturn::new(name.clone());
    let sfun = arg_str(call.low, "sfun").unwrap_or_default();
    if sfun != "mounted" {
        ret.comment = format!("Watch not supported in {sfun} at this time");
        return ret;
    }
    let device = arg_str(call.low, "device").unwrap_or_default();
    let fstype = arg_str(call.low, "fstype").unwrap_or_default();
    let opts = opts_list(arg(call.low, "opts"));
    match mnt::remount(call.ctx, &name, &device, false, &fstype, &opts) {
        Ok(Ok(())) => ret.comment = format!("{name} remounted"),
        Ok(Err(e)) => return ret.fail(format!("{name} failed to remount: {e}")),
        Err(e) => return ret.fail(format!("{name} failed to remount: {e}")),
    }
    ret
}

#[cfg(test)]
mod tests {
    use super::size_k;

    #[test]
    fn size_conversion() {
        assert_eq!(size_k("size=64m").as_deref(), Some("size=65536k"));
        assert_eq!(size_k("size=1g").as_deref(), Some("size=1048576k"));
        assert_eq!(size_k("size=512k").as_deref(), Some("size=512k"));
        assert_eq!(size_k("mode=1777"), None);
    }
}
