//! `mount.*` execution functions (salt/modules/mount.py) for Linux: active mounts from
//! `/proc/self/mountinfo` (extended) or `/proc/self/mounts`, `/etc/fstab` in Salt's
//! format (`{device}\t\t{name}\t{fstype}\t{opts}\t{dump} {pass}\n`), `mount`/`umount`/
//! remount through the commands, and Salt's mount cache (`{cachedir}/mounts`, YAML).
//!
//! Not reproduced: `blkid` UUID/label lookups of active devices (`device_uuid`/
//! `device_label` are None) and `uid=`/`gid=` name resolution in active options.

use super::sysutil::{self, failed};
use super::{Args, ExecRegistry, Sig};
use crate::RunContext;
use rsalt_data::{Dict, Value};
use rsalt_sls::CallError;
use std::path::{Path, PathBuf};

/// Registers the `mount.*` functions.
pub fn register(r: &mut ExecRegistry) {
    r.add_doc("mount.active", active_fn, "List the active mounts.\n");
    r.add_doc("mount.fstab", fstab_fn, "List the contents of the fstab\n");
    r.add_doc("mount.set_fstab", set_fstab_fn, "Verify that this mount is represented in the fstab, change the mount\nto match the data passed, or add the mount if it is not present.\n");
    r.add_doc(
        "mount.rm_fstab",
        rm_fstab_fn,
        "Remove the mount point from the fstab\n",
    );
    r.add_doc("mount.mount", mount_fn, "Mount a device\n");
    r.add_doc(
        "mount.umount",
        umount_fn,
        "Attempt to unmount a device by specifying the directory it is mounted on\n",
    );
    r.add_doc(
        "mount.remount",
        remount_fn,
        "Attempt to remount a device, if the device is not already mounted, mount\nis called\n",
    );
    r.add_doc(
        "mount.is_mounted",
        is_mounted_fn,
        "Return True if the named mount is mounted\n",
    );
    r.add_doc(
        "mount.read_mount_cache",
        read_mount_cache_fn,
        "Provide information if the path is mounted\n",
    );
}

/// One active mount.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActiveMount {
    /// Source device (`tmpfs`, `/dev/sda1`).
    pub device: String,
    /// Filesystem type.
    pub fstype: String,
    /// Per-mount options.
    pub opts: Vec<String>,
    /// Superblock options (mountinfo only).
    pub superopts: Vec<String>,
    /// The device `mount -l` shows.
    pub alt_device: Option<String>,
    /// Extended fields (mountinfo).
    pub extended: bool,
    /// mountinfo: mount id, parent id, major, minor, root.
    pub ids: [String; 5],
}

impl ActiveMount {
    /// The `mount.active` dict of this mount.
    pub fn to_value(&self) -> Value {
        let list = |l: &[String]| Value::List(l.iter().map(|s| Value::from(s.as_str())).collect());
        let mut d = Dict::new();
        if self.extended {
            d.insert("mountid", Value::from(self.ids[0].as_str()));
            d.insert("parentid", Value::from(self.ids[1].as_str()));
            d.insert("major", Value::from(self.ids[2].as_str()));
            d.insert("minor", Value::from(self.ids[3].as_str()));
            d.insert("root", Value::from(self.ids[4].as_str()));
            d.insert("opts", list(&self.opts));
            d.insert("fstype", Value::from(self.fstype.as_str()));
            d.insert("device", Value::from(self.device.as_str()));
            d.insert(
                "alt_device",
                self.alt_device.as_deref().map_or(Value::None, Value::from),
            );
            d.insert("superopts", list(&self.superopts));
            d.insert("device_uuid", Value::None);
            d.insert("device_label", Value::None);
        } else {
            d.insert("device", Value::from(self.device.as_str()));
            d.insert(
                "alt_device",
                self.alt_device.as_deref().map_or(Value::None, Value::from),
            );
            d.insert("fstype", Value::from(self.fstype.as_str()));
            d.insert("opts", list(&self.opts));
        }
        Value::Dict(d)
    }
}

fn fix_opts(s: &str) -> Vec<String> {
    s.split(',').map(|o| o.replace("\\040", "\\ ")).collect()
}

/// Parses `/proc/self/mounts` text: mount point → mount (later entries win, as in Salt).
pub fn parse_mounts(text: &str) -> Vec<(String, ActiveMount)> {
    let mut out: Vec<(String, ActiveMount)> = Vec::new();
    for line in text.lines() {
        let c: Vec<&str> = line.split_whitespace().collect();
        if c.len() < 4 {
            continue;
        }
        let m = ActiveMount {
            device: c[0].to_string(),
            fstype: c[2].to_string(),
            opts: fix_opts(c[3]),
            alt_device: Some(c[0].to_string()),
            ..Default::default()
        };
        upsert(&mut out, c[1], m);
    }
    out
}

fn upsert(out: &mut Vec<(String, ActiveMount)>, k: &str, m: ActiveMount) {
    match out.iter_mut().find(|(kk, _)| kk == k) {
        Some((_, v)) => *v = m,
        None => out.push((k.to_string(), m)),
    }
}

/// Parses `/proc/self/mountinfo` text.
pub fn parse_mountinfo(text: &str) -> Vec<(String, ActiveMount)> {
    let mut out: Vec<(String, ActiveMount)> = Vec::new();
    for line in text.lines() {
        let c: Vec<&str> = line.split_whitespace().collect();
        let Some(sep) = c.iter().position(|x| *x == "-") else {
            continue;
        };
        if c.len() < sep + 4 || c.len() < 6 {
            continue;
        }
        let (major, minor) = c[2].split_once(':').unwrap_or((c[2], ""));
        let m = ActiveMount {
            device: c[sep + 2].replace("\\040", "\\ "),
            fstype: c[sep + 1].to_string(),
            opts: fix_opts(c[5]),
            superopts: fix_opts(c[sep + 3]),
            alt_device: Some(c[sep + 2].to_string()),
            extended: true,
            ids: [
                c[0].to_string(),
                c[1].to_string(),
                major.to_string(),
                minor.to_string(),
                c[3].to_string(),
            ],
        };
        upsert(&mut out, c[4], m);
    }
    out
}

/// `mount.active(extended)`.
pub fn active(extended: bool) -> Vec<(String, ActiveMount)> {
    if extended {
        if let Ok(t) = std::fs::read_to_string("/proc/self/mountinfo") {
            return parse_mountinfo(&t);
        }
    }
    std::fs::read_to_string("/proc/self/mounts")
        .map(|t| parse_mounts(&t))
        .unwrap_or_default()
}

/// One fstab line's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct FstabEntry {
    /// Device.
    pub device: String,
    /// Mount point.
    pub name: String,
    /// Filesystem type.
    pub fstype: String,
    /// Options, comma-joined.
    pub opts: String,
    /// dump.
    pub dump: String,
    /// pass.
    pub pass_num: String,
}

impl FstabEntry {
    /// `_fstab_entry.dict_from_line`: None for comments and malformed lines.
    pub fn parse(line: &str) -> Option<FstabEntry> {
        if line.starts_with('#') {
            return None;
        }
        let mut c: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        if c.len() < 4 || c.len() > 6 {
            return None;
        }
        while c.len() < 6 {
            c.push("0".into());
        }
        Some(FstabEntry {
            device: c[0].clone(),
            name: c[1].clone(),
            fstype: c[2].clone(),
            opts: c[3].clone(),
            dump: c[4].clone(),
            pass_num: c[5].clone(),
        })
    }

    /// The line Salt writes.
    pub fn line(&self) -> String {
        format!(
            "{}\t\t{}\t{}\t{}\t{} {}\n",
            self.device, self.name, self.fstype, self.opts, self.dump, self.pass_num
        )
    }

    fn field(&self, key: &str) -> Option<&str> {
        Some(match key {
            "device" => &self.device,
            "name" => &self.name,
            "fstype" => &self.fstype,
            "opts" => &self.opts,
            "dump" => &self.dump,
            "pass_num" => &self.pass_num,
            _ => return None,
        })
    }

    /// `_fstab_entry.match` restricted to `keys` (options compared as sorted sets).
    fn matches(&self, other: &FstabEntry, keys: &[String]) -> bool {
        keys.iter().all(|k| {
            let (a, b) = (self.field(k), other.field(k));
            if k == "opts" {
                let mut x: Vec<&str> = a.unwrap_or("").split(',').collect();
                let mut y: Vec<&str> = b.unwrap_or("").split(',').collect();
                x.sort_unstable();
                y.sort_unstable();
                x == y
            } else {
                a == b
            }
        })
    }
}

/// `mount.fstab(config)`: mount point → entry (duplicate names get `_` suffixes).
pub fn fstab(config: &str) -> Vec<(String, FstabEntry)> {
    let mut out: Vec<(String, FstabEntry)> = Vec::new();
    let Ok(text) = std::fs::read_to_string(config) else {
        return out;
    };
    for line in text.lines() {
        if let Some(e) = FstabEntry::parse(line) {
            let mut name = e.name.clone();
            while out.iter().any(|(k, _)| *k == name) {
                name.push('_');
            }
            out.push((name, e));
        }
    }
    out
}

fn fstab_value(entries: &[(String, FstabEntry)]) -> Value {
    let mut d = Dict::new();
    for (k, e) in entries {
        let mut v = Dict::new();
        v.insert("device", Value::from(e.device.as_str()));
        v.insert("fstype", Value::from(e.fstype.as_str()));
        v.insert(
            "opts",
            Value::List(e.opts.split(',').map(Value::from).collect()),
        );
        v.insert("dump", Value::from(e.dump.as_str()));
        v.insert("pass", Value::from(e.pass_num.as_str()));
        d.insert(k.as_str(), Value::Dict(v));
    }
    Value::Dict(d)
}

const SPECIAL_FSES: &[&str] = &[
    "none",
    "tmpfs",
    "sysfs",
    "proc",
    "fusectl",
    "debugfs",
    "securityfs",
    "devtmpfs",
    "cgroup",
    "nfs",
    "nfs4",
    "glusterfs",
    "btrfs",
];

/// `mount.set_fstab`: `present`, `change` or `new` (`test` writes nothing).
#[allow(clippy::too_many_arguments)]
pub fn set_fstab(
    name: &str,
    device: &str,
    fstype: &str,
    opts: &str,
    dump: &str,
    pass_num: &str,
    config: &str,
    test: bool,
    match_on: &Value,
) -> Result<&'static str, CallError> {
    let entry = FstabEntry {
        device: device.replace("\\ ", "\\040"),
        name: name.to_string(),
        fstype: fstype.to_string(),
        opts: opts.replace("\\ ", "\\040"),
        dump: dump.to_string(),
        pass_num: pass_num.to_string(),
    };
    let keys: Vec<String> = match match_on {
        Value::List(l) => l.iter().map(Value::to_py_str).collect(),
        Value::Str(s) if s == "auto" => {
            if SPECIAL_FSES.contains(&fstype) {
                vec!["name".into()]
            } else {
                vec!["device".into()]
            }
        }
        Value::Str(s) => vec![s.clone()],
        _ => return Err(failed("match_on must be a string or list of strings")),
    };
    if let Some(bad) = keys.iter().find(|k| entry.field(k).is_none()) {
        return Err(failed(format!("Unrecognized keys in match_on: \"{bad}\"")));
    }
    if !Path::new(config).is_file() {
        return Err(failed(format!("Bad config file \"{config}\"")));
    }
    let text = std::fs::read_to_string(config)
        .map_err(|e| failed(format!("Couldn't read from {config}: {e}")))?;
    let all: Vec<String> = ["device", "name", "fstype", "opts", "dump", "pass_num"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut ret: Option<&'static str> = None;
    let mut lines: Vec<String> = Vec::new();
    for line in text.split_inclusive('\n') {
        match FstabEntry::parse(line) {
            Some(e) if e.matches(&entry, &keys) => {
                if e.matches(&entry, &all) {
                    ret = Some("present");
                    lines.push(line.to_string());
                } else {
                    ret = Some("change");
                    lines.push(entry.line());
                }
            }
            _ => lines.push(line.to_string()),
        }
    }
    let ret = match ret {
        Some(r) => r,
        None => {
            lines.push(entry.line());
            "new"
        }
    };
    if ret != "present" && !test {
        std::fs::write(config, lines.concat())
            .map_err(|_| failed(format!("File not writable {config}")))?;
    }
    Ok(ret)
}

/// `mount.rm_fstab`: removes the lines for `name` (and `device`, when given).
pub fn rm_fstab(name: &str, device: Option<&str>, config: &str) -> Result<bool, CallError> {
    let text = std::fs::read_to_string(config)
        .map_err(|e| failed(format!("Couldn't read from {config}: {e}")))?;
    let mut modified = false;
    let mut lines = String::new();
    for line in text.split_inclusive('\n') {
        match FstabEntry::parse(line) {
            Some(e) if e.name == name && device.is_none_or(|d| e.device == d) => modified = true,
            _ => lines.push_str(line),
        }
    }
    if modified {
        std::fs::write(config, lines)
            .map_err(|e| failed(format!("Couldn't write to {config}: {e}")))?;
    }
    Ok(true)
}

fn run_mount(ctx: &RunContext, argv: Vec<String>) -> Result<Result<(), String>, CallError> {
    let r = sysutil::run_opts(ctx, &argv, None, &[], true)?;
    Ok(if r.retcode == Some(0) {
        Ok(())
    } else {
        Err(r.stderr)
    })
}

/// `mount.mount`: `Err(stderr)` when the command fails.
pub fn mount(
    ctx: &RunContext,
    name: &str,
    device: &str,
    mkmnt: bool,
    fstype: &str,
    opts: &[String],
) -> Result<Result<(), String>, CallError> {
    if !Path::new(name).exists() && mkmnt {
        std::fs::create_dir_all(name).map_err(|e| failed(e.to_string()))?;
    }
    let mut argv = vec!["mount".to_string(), "-o".into(), opts.join(",")];
    if !fstype.is_empty() {
        argv.push("-t".into());
        argv.push(fstype.into());
    }
    if !device.is_empty() {
        argv.push(device.into());
    }
    argv.push(name.into());
    run_mount(ctx, argv)
}

/// `mount.remount` (mounts when not mounted yet).
pub fn remount(
    ctx: &RunContext,
    name: &str,
    device: &str,
    mkmnt: bool,
    fstype: &str,
    opts: &[String],
) -> Result<Result<(), String>, CallError> {
    if !active(false).iter().any(|(k, _)| k == name) {
        return mount(ctx, name, device, mkmnt, fstype, opts);
    }
    let mut opts = opts.to_vec();
    if !opts.iter().any(|o| o == "remount") {
        opts.push("remount".into());
    }
    let mut argv = vec!["mount".to_string(), "-o".into(), opts.join(",")];
    if !fstype.is_empty() {
        argv.push("-t".into());
        argv.push(fstype.into());
    }
    argv.push(device.into());
    argv.push(name.into());
    run_mount(ctx, argv)
}

/// `mount.umount`: `Err(text)` when nothing is mounted there or the command fails.
pub fn umount(
    ctx: &RunContext,
    name: &str,
    device: Option<&str>,
    lazy: bool,
) -> Result<Result<(), String>, CallError> {
    if !active(false).iter().any(|(k, _)| k == name) {
        return Ok(Err(format!("{name} does not have anything mounted")));
    }
    let mut argv = vec!["umount".to_string()];
    if lazy {
        argv.push("-l".into());
    }
    argv.push(device.unwrap_or(name).to_string());
    run_mount(ctx, argv)
}

fn cache_path(ctx: &RunContext) -> PathBuf {
    let dir = ctx
        .opt("cachedir")
        .map(Value::to_py_str)
        .unwrap_or_else(|| "/var/cache/salt/minion".into());
    Path::new(&dir).join("mounts")
}

fn read_cache(ctx: &RunContext) -> Dict {
    std::fs::read_to_string(cache_path(ctx))
        .ok()
        .and_then(|t| rsalt_data::yaml::safe_load(&t).ok())
        .and_then(|v| v.as_dict().cloned())
        .unwrap_or_default()
}

fn write_cache(ctx: &RunContext, cache: &Dict) -> Result<(), CallError> {
    let p = cache_path(ctx);
    if let Some(d) = p.parent() {
        let _ = std::fs::create_dir_all(d);
    }
    let text = rsalt_data::yaml::dump(
        &Value::Dict(cache.clone()),
        &rsalt_data::yaml::DumpOptions {
            default_flow_style: None,
            ..Default::default()
        },
    );
    std::fs::write(&p, text).map_err(|_| failed("Unable to write mount cache."))
}

/// `mount.read_mount_cache(name)`: the cached entry (empty when none).
pub fn read_mount_cache(ctx: &RunContext, name: &str) -> Dict {
    read_cache(ctx)
        .get("mounts")
        .and_then(Value::as_dict)
        .and_then(|m| m.get(name))
        .and_then(Value::as_dict)
        .cloned()
        .unwrap_or_default()
}

/// `mount.write_mount_cache`.
pub fn write_mount_cache(
    ctx: &RunContext,
    real_name: &str,
    device: &str,
    mkmnt: bool,
    fstype: &str,
    opts: &[String],
) -> Result<(), CallError> {
    let mut cache = read_cache(ctx);
    let mut mounts = cache
        .get("mounts")
        .and_then(Value::as_dict)
        .cloned()
        .unwrap_or_default();
    let mut e = Dict::new();
    e.insert("device", Value::from(device));
    e.insert("fstype", Value::from(fstype));
    e.insert("mkmnt", Value::Bool(mkmnt));
    e.insert(
        "opts",
        Value::List(opts.iter().map(|s| Value::from(s.as_str())).collect()),
    );
    mounts.insert(real_name, Value::Dict(e));
    cache.insert("mounts", Value::Dict(mounts));
    write_cache(ctx, &cache)
}

/// `mount.delete_mount_cache`.
pub fn delete_mount_cache(ctx: &RunContext, real_name: &str) -> Result<(), CallError> {
    let mut cache = read_cache(ctx);
    if let Some(Value::Dict(m)) = cache.get_mut("mounts") {
        if m.remove(real_name).is_some() {
            return write_cache(ctx, &cache);
        }
    }
    Ok(())
}

fn sig(name: &'static str, params: &'static [&'static str], required: usize) -> Sig {
    Sig {
        name,
        params,
        required,
        varargs: false,
        varkw: false,
    }
}

fn active_fn(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("active", &["extended"], 0))?;
    let mut d = Dict::new();
    for (k, m) in active(b.truthy("extended", false)) {
        d.insert(k.as_str(), m.to_value());
    }
    Ok(Value::Dict(d))
}

fn fstab_fn(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("fstab", &["config"], 0))?;
    Ok(fstab_value(&fstab(
        &b.str("config").unwrap_or_else(|| "/etc/fstab".into()),
    )))
}

/// An `opts` argument: a list, or a comma-separated string.
pub fn opts_list(v: Option<&Value>) -> Vec<String> {
    match v {
        None | Some(Value::None) => vec!["defaults".into()],
        Some(Value::List(l)) => l.iter().map(Value::to_py_str).collect(),
        Some(v) => v.to_py_str().split(',').map(str::to_string).collect(),
    }
}

fn set_fstab_fn(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "set_fstab",
        params: &[
            "name",
            "device",
            "fstype",
            "opts",
            "dump",
            "pass_num",
            "config",
            "test",
            "match_on",
            "not_change",
        ],
        required: 3,
        varargs: false,
        varkw: true,
    })?;
    let s = |k: &str, d: &str| b.str(k).unwrap_or_else(|| d.to_string());
    set_fstab(
        &s("name", ""),
        &s("device", ""),
        &s("fstype", ""),
        &opts_list(b.get("opts")).join(","),
        &s("dump", "0"),
        &s("pass_num", "0"),
        &s("config", "/etc/fstab"),
        b.truthy("test", false),
        b.get("match_on").unwrap_or(&Value::from("auto")),
    )
    .map(Value::from)
}

fn rm_fstab_fn(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("rm_fstab", &["name", "device", "config"], 2))?;
    rm_fstab(
        &b.str("name").unwrap_or_default(),
        b.str("device").as_deref(),
        &b.str("config").unwrap_or_else(|| "/etc/fstab".into()),
    )
    .map(Value::Bool)
}

fn result_value(r: Result<(), String>) -> Value {
    match r {
        Ok(()) => Value::Bool(true),
        Err(e) => Value::from(e),
    }
}

fn mount_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig(
        "mount",
        &["name", "device", "mkmnt", "fstype", "opts", "user", "util"],
        1,
    ))?;
    mount(
        ctx,
        &b.str("name").unwrap_or_default(),
        &b.str("device").unwrap_or_default(),
        b.truthy("mkmnt", false),
        &b.str("fstype").unwrap_or_default(),
        &opts_list(b.get("opts")),
    )
    .map(result_value)
}

fn remount_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig(
        "remount",
        &["name", "device", "mkmnt", "fstype", "opts", "user"],
        2,
    ))?;
    remount(
        ctx,
        &b.str("name").unwrap_or_default(),
        &b.str("device").unwrap_or_default(),
        b.truthy("mkmnt", false),
        &b.str("fstype").unwrap_or_default(),
        &opts_list(b.get("opts")),
    )
    .map(result_value)
}

fn umount_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig(
        "umount",
        &["name", "device", "user", "util", "lazy"],
        1,
    ))?;
    umount(
        ctx,
        &b.str("name").unwrap_or_default(),
        b.str("device").as_deref(),
        b.truthy("lazy", false),
    )
    .map(result_value)
}

fn is_mounted_fn(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("is_mounted", &["name"], 1))?;
    let n = b.str("name").unwrap_or_default();
    Ok(Value::Bool(active(false).iter().any(|(k, _)| *k == n)))
}

fn read_mount_cache_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("read_mount_cache", &["name"], 1))?;
    Ok(Value::Dict(read_mount_cache(
        ctx,
        &b.str("name").unwrap_or_default(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountinfo_parsing() {
        let t =
            "1262 1180 0:85 / /mnt/scratch rw,relatime - tmpfs tmpfs rw,size=65536k,mode=1777\n";
        let m = parse_mountinfo(t);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].0, "/mnt/scratch");
        assert_eq!(m[0].1.device, "tmpfs");
        assert_eq!(m[0].1.superopts, vec!["rw", "size=65536k", "mode=1777"]);
        assert_eq!(m[0].1.opts, vec!["rw", "relatime"]);
    }

    #[test]
    fn fstab_set_and_remove() {
        let d = tempfile::tempdir().expect("tmp");
        let p = d.path().join("fstab");
        let cfg = p.to_string_lossy().to_string();
        std::fs::write(&p, "# static\nproc /proc proc defaults 0 0\n").expect("w");
        let auto = Value::from("auto");
        let r = set_fstab(
            "/mnt/s",
            "tmpfs",
            "tmpfs",
            "size=64m,mode=1777",
            "0",
            "0",
            &cfg,
            false,
            &auto,
        );
        assert_eq!(r.ok(), Some("new"));
        let text = std::fs::read_to_string(&p).expect("r");
        assert!(
            text.ends_with("tmpfs\t\t/mnt/s\ttmpfs\tsize=64m,mode=1777\t0 0\n"),
            "{text}"
        );
        let r = set_fstab(
            "/mnt/s",
            "tmpfs",
            "tmpfs",
            "mode=1777,size=64m",
            "0",
            "0",
            &cfg,
            false,
            &auto,
        );
        assert_eq!(r.ok(), Some("present"));
        let r = set_fstab(
            "/mnt/s", "tmpfs", "tmpfs", "size=32m", "0", "0", &cfg, true, &auto,
        );
        assert_eq!(r.ok(), Some("change"));
        assert_eq!(std::fs::read_to_string(&p).expect("r"), text);
        assert_eq!(fstab(&cfg).len(), 2);
        assert!(rm_fstab("/mnt/s", None, &cfg).is_ok());
        assert_eq!(
            std::fs::read_to_string(&p).expect("r"),
            "# static\nproc /proc proc defaults 0 0\n"
        );
        let bad = set_fstab(
            "/m",
            "d",
            "ext4",
            "defaults",
            "0",
            "0",
            "/nonexistent/fstab",
            false,
            &auto,
        );
        assert!(bad.is_err());
    }
}
