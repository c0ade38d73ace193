//! `timezone.*` execution functions (salt/modules/timezone.py) for Linux.
//!
//! With `timedatectl` on `PATH` (systemd) Salt asks it; otherwise, as on Debian in a
//! container, the zone is read from `/etc/timezone` (Debian/Gentoo), `/etc/sysconfig/clock`
//! (RedHat/Suse) or the `/etc/localtime` symlink, and `set_zone` replaces the
//! `/etc/localtime` symlink and writes `/etc/timezone` (Debian). The hardware clock setting
//! comes from `/etc/default/rcS` (`UTC=`) or the last line of `/etc/adjtime`; when neither
//! exists and there is no `/dev/rtc` (a container), `get_hwclock` returns None, which the
//! state treats as UTC.

use super::sysutil::{self, failed, grain};
use super::{Args, ExecRegistry, Sig};
use crate::RunContext;
use rsalt_data::Value;
use rsalt_sls::CallError;
use std::path::Path;

const LOCALTIME: &str = "/etc/localtime";
const ZONEINFO: &str = "/usr/share/zoneinfo/";

/// Registers the `timezone.*` functions.
pub fn register(r: &mut ExecRegistry) {
    r.add_doc(
        "timezone.get_zone",
        get_zone_fn,
        "Get current timezone (i.e. America/Denver)\n",
    );
    r.add_doc(
        "timezone.set_zone",
        set_zone_fn,
        "Unlinks, then symlinks /etc/localtime to the set timezone.\n",
    );
    r.add_doc(
        "timezone.zone_compare",
        zone_compare_fn,
        "Compares the given timezone name with the system timezone name.\n",
    );
    r.add_doc(
        "timezone.get_hwclock",
        get_hwclock_fn,
        "Get current hardware clock setting (UTC or localtime)\n",
    );
    r.add_doc(
        "timezone.set_hwclock",
        set_hwclock_fn,
        "Sets the hardware clock to be either UTC or localtime\n",
    );
    r.add_doc(
        "timezone.get_offset",
        get_offset_fn,
        "Get current numeric timezone offset from UTC (i.e. -0700)\n",
    );
    r.add_doc(
        "timezone.get_zonecode",
        get_zonecode_fn,
        "Get current timezone (i.e. PST, MDT, etc)\n",
    );
}

fn family_has(ctx: &RunContext, fams: &[&str]) -> bool {
    let f = grain(ctx, "os_family");
    fams.iter().any(|x| f.contains(x))
}

/// Whether to ask `timedatectl`: Salt checks only that it is on `PATH`; rsalt also
/// requires systemd to be running (`/run/systemd/system`), so a host or container with
/// systemd installed but another init (timedatectl then fails: "System has not been
/// booted with systemd") uses the files, as Salt does on such hosts without timedatectl.
fn use_timedatectl() -> bool {
    sysutil::which("timedatectl").is_some() && std::path::Path::new("/run/systemd/system").is_dir()
}

fn timedatectl(ctx: &RunContext) -> Result<Option<String>, CallError> {
    if !use_timedatectl() {
        return Ok(None);
    }
    let r = sysutil::run(ctx, &["timedatectl"])?;
    if r.retcode != Some(0) {
        return Err(failed(format!("timedatectl failed: {}", r.stderr)));
    }
    Ok(Some(r.stdout))
}

fn read_key_file(path: &str, key: &str) -> Result<String, CallError> {
    let text = std::fs::read_to_string(path)
        .map_err(|_| failed(format!("Unable to get timezone from {path}")))?;
    for line in text.lines() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        if line.contains(key) && line.contains('=') {
            let v = line.rsplit('=').next().unwrap_or("");
            let v = v.trim_matches(|c| c == '\'' || c == '"');
            return Ok(if v.is_empty() { "UTC".into() } else { v.into() });
        }
    }
    Err(failed(format!("Unable to get timezone from {path}")))
}

fn zone_from_localtime() -> Result<String, CallError> {
    match std::fs::read_link(LOCALTIME) {
        Ok(t) => {
            let full = crate::state::file::normpath(&Path::new("/etc").join(t).to_string_lossy());
            match full.strip_prefix(ZONEINFO) {
                Some(z) => Ok(z.to_string()),
                None => Err(failed("Unable to determine timezone")),
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(failed(format!("{LOCALTIME} does not exist")))
        }
        Err(_) => Err(failed("Unable to determine timezone")),
    }
}

/// `timezone.get_zone`.
pub fn get_zone(ctx: &RunContext) -> Result<String, CallError> {
    if let Some(out) = timedatectl(ctx)? {
        let re = regex::Regex::new(r"^Time ?zone:\s+(\S+)").map_err(|e| failed(e.to_string()))?;
        for line in out.lines() {
            if let Some(c) = re.captures(line.trim()) {
                return Ok(c[1].to_string());
            }
        }
        return Err(failed(format!(
            "Failed to parse timedatectl output: {out}\nPlease file an issue with SaltStack"
        )));
    }
    if grain(ctx, "os").eq_ignore_ascii_case("centos") {
        return zone_from_localtime();
    }
    if family_has(ctx, &["RedHat", "Suse"]) {
        return read_key_file("/etc/sysconfig/clock", "ZONE");
    }
    if family_has(ctx, &["Debian", "Gentoo"]) {
        return std::fs::read_to_string("/etc/timezone")
            .map(|s| s.trim().to_string())
            .map_err(|e| {
                failed(format!(
                    "Problem reading timezone file /etc/timezone: {}",
                    sysutil::strerror(&e)
                ))
            });
    }
    zone_from_localtime()
}

/// `timezone.zone_compare`: whether `/etc/localtime` has the same bytes as the zone file.
/// Errors are Salt's (`Can't find a local timezone "X"` for an unknown zone).
pub fn zone_compare(timezone: &str) -> Result<bool, CallError> {
    let zonepath = format!("{ZONEINFO}{timezone}");
    let want = std::fs::read(&zonepath)
        .map_err(|_| failed(format!("Can't find a local timezone \"{timezone}\"")))?;
    let have = std::fs::read(LOCALTIME).map_err(|e| {
        failed(format!(
            "Failed to read {LOCALTIME} to determine current timezone: {}",
            sysutil::strerror(&e)
        ))
    })?;
    Ok(want == have)
}

/// `timezone.set_zone`: `Ok(Err(msg))` is Salt's truthy `Zone does not exist: PATH` string.
pub fn set_zone(ctx: &RunContext, timezone: &str) -> Result<Result<(), String>, CallError> {
    if use_timedatectl() {
        let _ = sysutil::run(ctx, &["timedatectl", "set-timezone", timezone]);
    }
    let zonepath = format!("{ZONEINFO}{timezone}");
    if !Path::new(&zonepath).exists() {
        return Ok(Err(format!("Zone does not exist: {zonepath}")));
    }
    if std::fs::symlink_metadata(LOCALTIME).is_ok() {
        std::fs::remove_file(LOCALTIME).map_err(|e| failed(e.to_string()))?;
    }
    std::os::unix::fs::symlink(&zonepath, LOCALTIME).map_err(|e| failed(e.to_string()))?;
    if family_has(ctx, &["RedHat"]) {
        sed_line(
            "/etc/sysconfig/clock",
            "ZONE=",
            &format!("ZONE=\"{timezone}\""),
        );
    } else if family_has(ctx, &["Suse"]) {
        sed_line(
            "/etc/sysconfig/clock",
            "TIMEZONE=",
            &format!("TIMEZONE=\"{timezone}\""),
        );
    } else if family_has(ctx, &["Debian", "Gentoo"]) {
        std::fs::write("/etc/timezone", format!("{}\n", timezone.trim()))
            .map_err(|e| failed(e.to_string()))?;
    }
    Ok(Ok(()))
}

/// `file.sed FILE '^KEY.*' REPL`: replaces lines starting with `prefix` (no-op when the
/// file is missing).
fn sed_line(path: &str, prefix: &str, repl: &str) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    let out: String = text
        .split_inclusive('\n')
        .map(|l| {
            if l.starts_with(prefix) {
                if l.ends_with('\n') {
                    format!("{repl}\n")
                } else {
                    repl.to_string()
                }
            } else {
                l.to_string()
            }
        })
        .collect();
    if out != text {
        let _ = std::fs::write(path, out);
    }
}

fn adjtime(ctx: &RunContext) -> Result<Option<String>, CallError> {
    if Path::new("/etc/adjtime").exists() {
        let r = sysutil::run(ctx, &["tail", "-n", "1", "/etc/adjtime"])?;
        return Ok(Some(r.stdout));
    }
    if Path::new("/dev/rtc").exists() {
        return Err(failed("Unable to get hwclock timezone from /etc/adjtime"));
    }
    Ok(None)
}

/// `timezone.get_hwclock`: `UTC`, `localtime`, or None when unknown (no adjtime, no rtc).
pub fn get_hwclock(ctx: &RunContext) -> Result<Option<String>, CallError> {
    if let Some(out) = timedatectl(ctx)? {
        for line in out.lines().map(str::trim) {
            if line.to_lowercase().contains("rtc in local tz") {
                let v = line.rsplit(':').next().unwrap_or("").trim().to_lowercase();
                return Ok(Some(if v == "yes" { "localtime" } else { "UTC" }.into()));
            }
        }
        return Err(failed(format!(
            "Failed to parse timedatectl output: {out}\nPlease file an issue with SaltStack"
        )));
    }
    if family_has(ctx, &["RedHat", "Suse", "NILinuxRT"]) {
        return adjtime(ctx);
    }
    if family_has(ctx, &["Debian"]) {
        if let Ok(text) = std::fs::read_to_string("/etc/default/rcS") {
            for line in text.lines() {
                if line.trim_start().starts_with('#') {
                    continue;
                }
                if line.contains("UTC=") {
                    let v = line.rsplit('=').next().unwrap_or("").to_lowercase();
                    return Ok(Some(if v == "yes" { "UTC" } else { "localtime" }.into()));
                }
            }
        }
        return adjtime(ctx);
    }
    adjtime(ctx)
}

/// `timezone.set_hwclock`.
pub fn set_hwclock(ctx: &RunContext, clock: &str) -> Result<bool, CallError> {
    if use_timedatectl() {
        let v = if clock == "localtime" {
            "true"
        } else {
            "false"
        };
        let r = sysutil::run(ctx, &["timedatectl", "set-local-rtc", v])?;
        return Ok(r.retcode == Some(0));
    }
    let timezone = get_zone(ctx)?;
    let zonepath = format!("{ZONEINFO}{timezone}");
    if !Path::new(&zonepath).exists() {
        return Err(failed(format!("Zone '{zonepath}' does not exist")));
    }
    let _ = std::fs::remove_file(LOCALTIME);
    std::os::unix::fs::symlink(&zonepath, LOCALTIME).map_err(|e| failed(e.to_string()))?;
    if family_has(ctx, &["RedHat"]) {
        sed_line(
            "/etc/sysconfig/clock",
            "ZONE=",
            &format!("ZONE=\"{timezone}\""),
        );
    } else if family_has(ctx, &["Suse"]) {
        sed_line(
            "/etc/sysconfig/clock",
            "TIMEZONE=",
            &format!("TIMEZONE=\"{timezone}\""),
        );
    } else if family_has(ctx, &["Debian"]) {
        match clock {
            "UTC" => sed_line("/etc/default/rcS", "UTC=", "UTC=yes"),
            "localtime" => sed_line("/etc/default/rcS", "UTC=", "UTC=no"),
            _ => {}
        }
    }
    Ok(true)
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

fn get_zone_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&sig("get_zone", &[], 0))?;
    get_zone(ctx).map(Value::from)
}

fn set_zone_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("set_zone", &["timezone"], 1))?;
    Ok(
        match set_zone(ctx, &b.str("timezone").unwrap_or_default())? {
            Ok(()) => Value::Bool(true),
            Err(msg) => Value::from(msg),
        },
    )
}

fn zone_compare_fn(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("zone_compare", &["timezone"], 1))?;
    zone_compare(&b.str("timezone").unwrap_or_default()).map(Value::Bool)
}

fn get_hwclock_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&sig("get_hwclock", &[], 0))?;
    Ok(get_hwclock(ctx)?.map_or(Value::None, Value::from))
}

fn set_hwclock_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("set_hwclock", &["clock"], 1))?;
    set_hwclock(ctx, &b.str("clock").unwrap_or_default()).map(Value::Bool)
}

fn get_offset_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&sig("get_offset", &[], 0))?;
    Ok(Value::from(sysutil::run(ctx, &["date", "+%z"])?.stdout))
}

fn get_zonecode_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&sig("get_zonecode", &[], 0))?;
    Ok(Value::from(sysutil::run(ctx, &["date", "+%Z"])?.stdout))
}
