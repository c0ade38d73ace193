//! Kernel, distribution, init system, locale, paths and process grains.

use super::{set, str_list};
use rsalt_data::{Dict, Value};
use rsalt_sls::opts::OptsExt;
use std::collections::HashMap;
use std::path::Path;

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

fn read_trim(path: &str) -> String {
    read(path).map(|s| s.trim().to_string()).unwrap_or_default()
}

/// `kernel`, `nodename`, `kernelrelease`, `kernelversion`, `cpuarch` (Python's
/// `platform.uname()`), from `/proc/sys/kernel`.
pub fn uname(g: &mut Dict) {
    let kernel = read_trim("/proc/sys/kernel/ostype");
    set(
        g,
        "kernel",
        if kernel.is_empty() {
            "Linux".to_string()
        } else {
            kernel
        },
    );
    set(g, "nodename", rsalt_sls::opts::gethostname());
    set(g, "kernelrelease", read_trim("/proc/sys/kernel/osrelease"));
    set(g, "kernelversion", read_trim("/proc/sys/kernel/version"));
    let arch = read_trim("/proc/sys/kernel/arch");
    let arch = if arch.is_empty() {
        std::env::consts::ARCH.to_string()
    } else {
        arch
    };
    set(g, "cpuarch", arch);
}

/// Parses os-release text like Python's `platform.freedesktop_os_release()`.
pub fn parse_os_release(text: &str) -> HashMap<String, String> {
    let mut info: HashMap<String, String> =
        [("NAME", "Linux"), ("ID", "linux"), ("PRETTY_NAME", "Linux")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
    for line in text.lines() {
        let Some((name, rest)) = line.split_once('=') else {
            continue;
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let value = match rest.chars().next() {
            Some(q @ ('"' | '\'')) if rest.len() >= 2 && rest.ends_with(q) => {
                &rest[1..rest.len() - 1]
            }
            _ => rest,
        };
        let mut out = String::new();
        let mut chars = value.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\\' {
                if let Some(&n) = chars.peek() {
                    if matches!(n, '\\' | '$' | '"' | '\'' | '`') {
                        out.push(n);
                        chars.next();
                        continue;
                    }
                }
            }
            out.push(c);
        }
        info.insert(name.to_string(), out);
    }
    info
}

/// Parses `/etc/lsb-release` into `lsb_distrib_*` grains (Salt's `_parse_lsb_release`).
pub fn parse_lsb_release(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        for key in ["ID", "RELEASE", "CODENAME", "DESCRIPTION"] {
            let prefix = format!("DISTRIB_{key}=");
            let Some(rest) = line.strip_prefix(&prefix) else {
                continue;
            };
            let rest = rest.strip_prefix(['\'', '"']).unwrap_or(rest);
            let value: String = rest
                .chars()
                .take_while(|c| {
                    c.is_alphanumeric() || c.is_whitespace() || matches!(c, '.' | '-' | '_')
                })
                .collect();
            if !value.is_empty() {
                let grain = format!("lsb_distrib_{}", key.to_lowercase());
                let value = value.trim_end().to_string();
                if let Some(slot) = out
                    .iter_mut()
                    .find(|(k, _): &&mut (String, String)| *k == grain)
                {
                    slot.1 = value;
                } else {
                    out.push((grain, value));
                }
            }
        }
    }
    out
}

const OS_NAME_MAP: &[(&str, &str)] = &[
    ("redhatente", "RedHat"),
    ("gentoobase", "Gentoo"),
    ("archarm", "Arch ARM"),
    ("arch", "Arch"),
    ("debian", "Debian"),
    ("Junos", "Junos"),
    ("raspbian", "Raspbian"),
    ("fedoraremi", "Fedora"),
    ("chapeau", "Chapeau"),
    ("korora", "Korora"),
    ("amazonami", "Amazon"),
    ("alt", "ALT"),
    ("enterprise", "OEL"),
    ("oracleserv", "OEL"),
    ("cloudserve", "CloudLinux"),
    ("cloudlinux", "CloudLinux"),
    ("almalinux", "AlmaLinux"),
    ("pidora", "Fedora"),
    ("scientific", "ScientificLinux"),
    ("synology", "Synology"),
    ("nilrt", "NILinuxRT"),
    ("poky", "Poky"),
    ("manjaro", "Manjaro"),
    ("manjarolin", "Manjaro"),
    ("univention", "Univention"),
    ("antergos", "Antergos"),
    ("sles", "SUSE"),
    ("void", "Void"),
    ("slesexpand", "RES"),
    ("linuxmint", "Mint"),
    ("neon", "KDE neon"),
    ("pop", "Pop"),
    ("rocky", "Rocky"),
    ("alibabaclo", "Alinux"),
    ("mendel", "Mendel"),
];

const OS_FAMILY_MAP: &[(&str, &str)] = &[
    ("Ubuntu", "Debian"),
    ("Fedora", "RedHat"),
    ("Chapeau", "RedHat"),
    ("Korora", "RedHat"),
    ("FedBerry", "RedHat"),
    ("CentOS", "RedHat"),
    ("CentOS Stream", "RedHat"),
    ("GoOSe", "RedHat"),
    ("Scientific", "RedHat"),
    ("Amazon", "RedHat"),
    ("CloudLinux", "RedHat"),
    ("AlmaLinux", "RedHat"),
    ("OVS", "RedHat"),
    ("OEL", "RedHat"),
    ("XCP", "RedHat"),
    ("XCP-ng", "RedHat"),
    ("XenServer", "RedHat"),
    ("RES", "RedHat"),
    ("Sangoma", "RedHat"),
    ("VMware Photon OS", "RedHat"),
    ("Mandrake", "Mandriva"),
    ("Mint", "Debian"),
    ("VMwareESX", "VMware"),
    ("Bluewhite64", "Bluewhite"),
    ("Slamd64", "Slackware"),
    ("SLES", "Suse"),
    ("SUSE Enterprise Server", "Suse"),
    ("SUSE  Enterprise Server", "Suse"),
    ("SLED", "Suse"),
    ("openSUSE", "Suse"),
    ("SUSE", "Suse"),
    ("openSUSE Leap", "Suse"),
    ("openSUSE Tumbleweed", "Suse"),
    ("SLES_SAP", "Suse"),
    ("Arch ARM", "Arch"),
    ("Manjaro", "Arch"),
    ("Manjaro ARM", "Arch"),
    ("Antergos", "Arch"),
    ("EndeavourOS", "Arch"),
    ("ALT", "RedHat"),
    ("Trisquel", "Debian"),
    ("GCEL", "Debian"),
    ("Linaro", "Debian"),
    ("elementary OS", "Debian"),
    ("elementary", "Debian"),
    ("Univention", "Debian"),
    ("ScientificLinux", "RedHat"),
    ("Raspbian", "Debian"),
    ("Devuan", "Debian"),
    ("antiX", "Debian"),
    ("Kali", "Debian"),
    ("Parrot OS", "Debian"),
    ("neon", "Debian"),
    ("Cumulus", "Debian"),
    ("Deepin", "Debian"),
    ("NILinuxRT", "NILinuxRT"),
    ("KDE neon", "Debian"),
    ("Void", "Void"),
    ("IDMS", "Debian"),
    ("Funtoo", "Gentoo"),
    ("TurnKey", "Debian"),
    ("Pop", "Debian"),
    ("Rocky", "RedHat"),
    ("AstraLinuxCE", "Debian"),
    ("AstraLinuxSE", "Debian"),
    ("Alinux", "RedHat"),
    ("Mendel", "Debian"),
    ("OSMC", "Debian"),
];

fn lookup(map: &[(&str, &'static str)], key: &str) -> Option<&'static str> {
    map.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// Salt's `_derive_os_grain`: the `os` grain from a distribution's full name.
pub fn derive_os_grain(osfullname: &str, os_id: Option<&str>) -> String {
    match (os_id, osfullname) {
        (Some("astra"), "Astra Linux (Orel)") => return "AstraLinuxCE".into(),
        (Some("astra"), "Astra Linux (Smolensk)") => return "AstraLinuxSE".into(),
        (Some("pop"), "Pop!_OS") => return "Pop".into(),
        _ => {}
    }
    // Remove "\W(gnu/)?linux" (case-insensitive).
    let lower = osfullname.to_lowercase();
    let mut out = String::new();
    let chars: Vec<(usize, char)> = osfullname.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (pos, c) = chars[i];
        if !(c.is_alphanumeric() || c == '_') {
            let rest = &lower[pos + c.len_utf8()..];
            let skip = if rest.starts_with("gnu/linux") {
                Some("gnu/linux".len())
            } else if rest.starts_with("linux") {
                Some("linux".len())
            } else {
                None
            };
            if let Some(n) = skip {
                let end = pos + c.len_utf8() + n;
                while i < chars.len() && chars[i].0 < end {
                    i += 1;
                }
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    let distroname = out.trim().to_string();
    let shortname: String = distroname
        .replace(' ', "")
        .to_lowercase()
        .chars()
        .take(10)
        .collect();
    lookup(OS_NAME_MAP, &shortname).map_or(distroname, str::to_string)
}

fn family_id(os_id: &str, id_like: Option<&str>) -> String {
    let Some(like) = id_like.filter(|s| !s.is_empty()) else {
        return os_id.to_string();
    };
    let mut ids = vec![os_id];
    ids.extend(like.split_whitespace());
    if ids.contains(&"debian") || ids.contains(&"ubuntu") {
        return "debian".into();
    }
    ids.last().copied().unwrap_or(os_id).to_string()
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f
            .to_uppercase()
            .chain(c.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

/// The text between the first `(` and the following `)` of `s`, if any.
fn in_parens(s: &str) -> Option<&str> {
    let (_, rest) = s.split_once('(')?;
    Some(rest.split_once(')').map_or(rest, |(a, _)| a))
}

/// Distribution grains (`os`, `os_family`, `oscodename`, `osfullname`, `lsb_distrib_*`,
/// `osrelease`) from os-release and lsb-release text, as Salt 3007.8 computes them when
/// Python's `lsb_release` module is absent (Salt's onedir packages).
pub fn distribution_from(os_release: Option<&str>, lsb_release: Option<&str>) -> Dict {
    let mut g = Dict::new();
    for (k, v) in lsb_release.map(parse_lsb_release).unwrap_or_default() {
        set(&mut g, &k, v);
    }
    let osr = os_release.map(parse_os_release);
    if let Some(o) = &osr {
        let get = |k: &str| o.get(k).map(String::as_str);
        let id = get("ID").unwrap_or("linux");
        let name = get("NAME").unwrap_or("Linux");
        set(&mut g, "os", derive_os_grain(name, Some(id)));
        let fam = family_id(id, get("ID_LIKE"));
        set(
            &mut g,
            "os_family",
            if fam == "fedora" {
                "RedHat".to_string()
            } else {
                capitalize(&fam)
            },
        );
        let codename = get("VERSION_CODENAME")
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .or_else(|| match id {
                "astra" => get("VARIANT_ID").map(str::to_string),
                "almalinux" | "rocky" => get("VERSION").and_then(|v| {
                    v.starts_with(|c: char| c.is_ascii_digit())
                        .then(|| in_parens(v).map(str::to_string))
                        .flatten()
                }),
                _ => None,
            });
        set(
            &mut g,
            "oscodename",
            codename.map_or(Value::None, Value::Str),
        );
        set(&mut g, "osfullname", name.trim());
        // Legacy path: lsb_distrib_* from os-release when lsb-release gave no id.
        if !g.contains_key("lsb_distrib_id") {
            set(&mut g, "lsb_distrib_id", name.trim());
            if let Some(v) = get("VERSION_ID") {
                set(&mut g, "lsb_distrib_release", v);
            }
            if let Some(v) = get("VERSION_CODENAME") {
                set(&mut g, "lsb_distrib_codename", v);
            } else if let Some(v) = get("PRETTY_NAME") {
                set(&mut g, "lsb_distrib_codename", v);
            }
            if let Some(cpe) = get("CPE_NAME") {
                let parts: Vec<&str> = cpe.split(':').collect();
                let (vendor, version) = if parts.len() > 4 && parts[0] == "cpe" {
                    if parts[1].starts_with('/') {
                        (Some(parts[2]), Some(parts[4]))
                    } else if parts[1] == "2.3"
                        && parts.len() >= 6
                        && parts.len() <= 13
                        && parts.len() != 7
                    {
                        (
                            Some(parts[3]).filter(|s| *s != "*"),
                            Some(parts[5]).filter(|s| *s != "*"),
                        )
                    } else {
                        (None, None)
                    }
                } else {
                    (None, None)
                };
                if let Some(vendor) =
                    vendor.filter(|v| matches!(v.to_lowercase().as_str(), "suse" | "opensuse"))
                {
                    set(&mut g, "os", "SUSE");
                    if get("NAME") == Some("openSUSE Leap") {
                        set(&mut g, "osfullname", "Leap");
                    } else if get("VERSION") == Some("Tumbleweed") {
                        set(&mut g, "osfullname", "Tumbleweed");
                    }
                    if let Some(ver) = version.filter(|v| !v.is_empty() && vendor == "opensuse") {
                        set(&mut g, "lsb_distrib_release", ver);
                    }
                }
            }
            if id.trim() == "mendel" {
                if let Some(v) = get("PRETTY_NAME").and_then(|p| p.split_whitespace().nth(2)) {
                    set(&mut g, "lsb_distrib_release", v);
                }
            }
        }
    }
    let lsb = |g: &Dict, k: &str| g.opt_str(k).unwrap_or_default();
    if !g.contains_key("osfullname") {
        let id = lsb(&g, "lsb_distrib_id");
        let full = if id.to_lowercase().starts_with("nilrt") {
            "nilrt".to_string()
        } else if id.is_empty() {
            "Linux".into()
        } else {
            id
        };
        set(&mut g, "osfullname", full.trim());
    }
    let release = lsb(&g, "lsb_distrib_release");
    set(&mut g, "osrelease", release.trim());
    let os = g.opt_str("os").unwrap_or_default();
    let mut codename = lsb(&g, "lsb_distrib_codename");
    if !codename.is_empty()
        && ["Rocky", "AlmaLinux", "AstraLinuxSE"]
            .iter()
            .any(|o| os.contains(o))
    {
        if let Some((_, rest)) = codename.split_once('(') {
            let inner = rest.split_once(')').map_or(rest, |(a, _)| a).to_string();
            codename = if os == "AstraLinuxSE" {
                inner.split_whitespace().next().unwrap_or("").to_lowercase()
            } else {
                inner
            };
            set(&mut g, "lsb_distrib_codename", codename.clone());
        }
    }
    let codename = codename.trim().to_string();
    let oscodename = if codename.is_empty() || codename.contains("Red Hat") {
        String::new()
    } else {
        codename
    };
    set(&mut g, "oscodename", oscodename);
    if !g.contains_key("os") {
        let full = g.opt_str("osfullname").unwrap_or_default();
        set(&mut g, "os", derive_os_grain(&full, None));
    }
    let os = g.opt_str("os").unwrap_or_default();
    set(
        &mut g,
        "os_family",
        lookup(OS_FAMILY_MAP, &os).map_or(os.clone(), str::to_string),
    );
    // `osrelease` moves to the end, as Salt deletes and re-adds it.
    if let Some(r) = g.remove("osrelease") {
        g.insert("osrelease", r);
    }
    g
}

/// Distribution grains of this machine (see [`distribution_from`]).
pub fn distribution(g: &mut Dict) {
    let osr = read("/etc/os-release").or_else(|| read("/usr/lib/os-release"));
    let lsb = read("/etc/lsb-release");
    for (k, v) in distribution_from(osr.as_deref(), lsb.as_deref()).map {
        g.map.insert(k, v);
    }
}

/// `osrelease_info`, `osmajorrelease`, `osfinger` from `os`, `osfullname`, `osrelease`.
pub fn osrelease_data(g: &mut Dict) {
    let osrelease = g.opt_str("osrelease").unwrap_or_default();
    if osrelease.is_empty() {
        return;
    }
    let os = g.opt_str("os").unwrap_or_default();
    let full = g.opt_str("osfullname").unwrap_or_default();
    let info: Vec<Value> = osrelease
        .split('.')
        .map(|p| {
            if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) {
                p.parse::<i64>()
                    .map(Value::Int)
                    .unwrap_or_else(|_| Value::from(p))
            } else {
                Value::from(p)
            }
        })
        .collect();
    let first = info.first().cloned().unwrap_or_default();
    set(g, "osrelease_info", Value::List(info));
    let major = match &first {
        Value::Int(i) => Some(*i),
        Value::Str(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    if let Some(m) = major {
        set(g, "osmajorrelease", Value::Int(m));
    }
    let name =
        if ["Debian", "FreeBSD", "OpenBSD", "NetBSD", "Mac", "Raspbian"].contains(&os.as_str()) {
            os.clone()
        } else {
            full
        };
    let ver = if os == "Ubuntu" || os == "Pop" {
        osrelease
    } else {
        first.to_py_str()
    };
    set(g, "osfinger", format!("{name}-{ver}"));
}

/// The `osarch` grain: the package architecture (`dpkg --print-architecture` on Debian,
/// which rsalt derives from the CPU architecture), else the CPU architecture.
pub fn osarch(os_family: &str, cpuarch: &str) -> String {
    if os_family == "Debian" {
        return match cpuarch {
            "x86_64" => "amd64",
            "aarch64" | "arm64" => "arm64",
            "i386" | "i486" | "i586" | "i686" => "i386",
            "armv7l" | "armv6l" => "armhf",
            "ppc64le" => "ppc64el",
            other => other,
        }
        .to_string();
    }
    cpuarch.to_string()
}

/// Looks a command up in `PATH` (`salt.utils.path.which`).
pub fn which(cmd: &str) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let is_exec = |p: &Path| {
        p.metadata()
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    };
    if cmd.contains('/') {
        return is_exec(Path::new(cmd)).then(|| cmd.to_string());
    }
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .filter(|d| !d.is_empty())
        .map(|d| Path::new(d).join(cmd))
        .find(|p| is_exec(p))
        .map(|p| p.to_string_lossy().into_owned())
}

/// The `init` grain (Salt's `_linux_init_system`).
pub fn init_system() -> String {
    if Path::new("/run/systemd/system").exists() {
        return "systemd".into();
    }
    let Ok(raw) = std::fs::read("/proc/1/cmdline") else {
        return "unknown".into();
    };
    let cmdline: Vec<String> = String::from_utf8_lossy(&raw)
        .replace('\0', " ")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let Some(first) = cmdline.first() else {
        return "unknown".into();
    };
    let in_cmdline = |name: &str| which(name).is_some_and(|p| cmdline.contains(&p));
    match which(first) {
        Some(bin) if bin.ends_with("bin/init") => {
            if let Ok(data) = std::fs::read(&bin) {
                let lower = data.to_ascii_lowercase();
                let found = |needle: &[u8]| lower.windows(needle.len()).any(|w| w == needle);
                for item in ["upstart", "sysvinit", "systemd"] {
                    if found(item.as_bytes()) {
                        return item.into();
                    }
                }
            }
            "unknown".into()
        }
        _ if in_cmdline("supervisord") => "supervisord".into(),
        _ if in_cmdline("dumb-init") => "dumb-init".into(),
        _ if in_cmdline("tini") => "tini".into(),
        _ if cmdline == ["runit"] => "runit".into(),
        _ if cmdline.iter().any(|c| c == "/sbin/my_init") => "runit".into(),
        _ => "unknown".into(),
    }
}

/// `machine_id` from `/etc/machine-id` or `/var/lib/dbus/machine-id`.
pub fn machine_id(g: &mut Dict) {
    for p in ["/etc/machine-id", "/var/lib/dbus/machine-id"] {
        if Path::new(p).exists() {
            set(g, "machine_id", read_trim(p));
            return;
        }
    }
}

/// POSIX `shlex.split`.
pub fn shlex_split(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for n in chars.by_ref() {
                    if n == '\'' {
                        break;
                    }
                    cur.push(n);
                }
            }
            '"' => {
                in_word = true;
                while let Some(n) = chars.next() {
                    match n {
                        '"' => break,
                        '\\' => {
                            if let Some(e) = chars.next() {
                                if !matches!(e, '\\' | '"' | '$' | '`' | '\n') {
                                    cur.push('\\');
                                }
                                cur.push(e);
                            }
                        }
                        other => cur.push(other),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(e) = chars.next() {
                    cur.push(e);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            other => {
                in_word = true;
                cur.push(other);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

/// `kernelparams` from kernel command-line text: `[name, value-or-None]` pairs.
pub fn kernelparams_from(cmdline: &str) -> Value {
    Value::List(
        shlex_split(cmdline)
            .into_iter()
            .map(|item| {
                let parts: Vec<&str> = item.split('=').collect();
                let value = if parts.len() == 2 {
                    Value::from(parts[1].trim_matches('"'))
                } else {
                    Value::None
                };
                Value::List(vec![Value::from(parts[0]), value])
            })
            .collect(),
    )
}

/// `kernelparams` from `/proc/cmdline`.
pub fn kernelparams(g: &mut Dict) {
    if let Some(text) = read("/proc/cmdline") {
        set(g, "kernelparams", kernelparams_from(&text));
    }
}

/// Python's `locale.getlocale()` for a locale name (after PEP 538 coercion of `C`).
pub fn getlocale(name: &str) -> (String, String) {
    let name = if name.is_empty() || name == "C" || name == "POSIX" {
        "C.UTF-8"
    } else {
        name
    };
    let name = name.split('@').next().unwrap_or(name);
    let (lang, enc) = name.split_once('.').unwrap_or((name, ""));
    let enc = match enc.to_lowercase().replace('-', "").as_str() {
        "utf8" => "UTF-8".to_string(),
        "" => "ISO8859-1".to_string(),
        _ => enc.to_string(),
    };
    let lang = if lang == "C" || lang == "POSIX" {
        "en_US"
    } else {
        lang
    };
    (lang.to_string(), enc)
}

/// The abbreviation of the local time zone now, from a TZif file (v1 data block).
pub fn tz_abbrev(data: &[u8], now: i64) -> Option<String> {
    if data.len() < 44 || &data[..4] != b"TZif" {
        return None;
    }
    let be = |o: usize| -> Option<usize> {
        let b = data.get(o..o + 4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let (isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt) =
        (be(20)?, be(24)?, be(28)?, be(32)?, be(36)?, be(40)?);
    let _ = (isutcnt, isstdcnt, leapcnt);
    let times = 44;
    let idxs = times + timecnt * 4;
    let types = idxs + timecnt;
    let chars = types + typecnt * 6;
    let mut ty = 0usize;
    for i in 0..timecnt {
        let b = data.get(times + i * 4..times + i * 4 + 4)?;
        let t = i64::from(i32::from_be_bytes([b[0], b[1], b[2], b[3]]));
        if t <= now {
            ty = usize::from(*data.get(idxs + i)?);
        } else {
            break;
        }
    }
    let abbr_idx = usize::from(*data.get(types + ty * 6 + 5)?);
    let abbrs = data.get(chars..chars + charcnt)?;
    let rest = abbrs.get(abbr_idx..)?;
    let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    Some(String::from_utf8_lossy(&rest[..end]).into_owned())
}

/// `locale_info`: language and encoding of the locale, detected encoding and time zone.
pub fn locale_info(g: &mut Dict) {
    let name = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.is_empty())
        .unwrap_or_default();
    let (lang, enc) = getlocale(&name);
    let detected = if enc == "UTF-8" {
        "utf-8".to_string()
    } else {
        enc.clone()
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let tz = std::fs::read("/etc/localtime")
        .ok()
        .and_then(|d| tz_abbrev(&d, now))
        .unwrap_or_else(|| "UTC".into());
    let mut li = Dict::new();
    set(&mut li, "defaultlanguage", lang);
    set(&mut li, "defaultencoding", enc);
    set(&mut li, "detectedencoding", detected);
    set(&mut li, "timezone", tz);
    g.insert("locale_info", Value::Dict(li));
}

/// `path` and `systempath` from `PATH`.
pub fn path(g: &mut Dict) {
    let p = std::env::var("PATH").unwrap_or_default().trim().to_string();
    let parts: Vec<&str> = p.split(':').collect();
    set(g, "path", p.clone());
    set(g, "systempath", str_list(&parts));
}

/// The `extra` grain module: `shell`, `transactional`, `efi`, `efi-secure-boot`.
pub fn extra(g: &mut Dict) {
    set(
        g,
        "shell",
        std::env::var("SHELL").unwrap_or_else(|_| "/bin/sh".into()),
    );
    set(
        g,
        "transactional",
        Value::Bool(which("transactional-update").is_some()),
    );
    let efivars = ["/sys/firmware/efi/efivars", "/sys/firmware/efi/vars"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let secure = efivars.is_some_and(|dir| {
        let entries: Vec<_> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .filter(|e| e.file_name().to_string_lossy().starts_with("SecureBoot-"))
                    .map(|e| {
                        if dir.ends_with("efivars") {
                            e.path()
                        } else {
                            e.path().join("data")
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        entries.len() == 1 && std::fs::read(&entries[0]).is_ok_and(|d| d.last() == Some(&1))
    });
    set(g, "efi", Value::Bool(efivars.is_some()));
    set(g, "efi-secure-boot", Value::Bool(secure));
}

fn status_ids(field: &str) -> Option<i64> {
    let status = read("/proc/self/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The `minion_process` grain module: `username`, `groupname`, `pid`, `gid`, `uid`.
pub fn process(g: &mut Dict) {
    let uid = status_ids("Uid:");
    let gid = status_ids("Gid:");
    let passwd = read("/etc/passwd").unwrap_or_default();
    let pw = uid.and_then(|u| {
        passwd.lines().find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() > 3 && f[2].parse::<i64>().ok() == Some(u))
                .then(|| (f[0].to_string(), f[3].to_string()))
        })
    });
    let groupname = pw
        .as_ref()
        .and_then(|(_, pgid)| {
            read("/etc/group")
                .unwrap_or_default()
                .lines()
                .find_map(|l| {
                    let f: Vec<&str> = l.split(':').collect();
                    (f.len() > 2 && f[2] == pgid).then(|| f[0].to_string())
                })
        })
        .unwrap_or_default();
    set(
        g,
        "username",
        pw.map(|(n, _)| Value::Str(n)).unwrap_or(Value::None),
    );
    set(g, "groupname", groupname);
    set(g, "pid", Value::Int(i64::from(std::process::id())));
    set(g, "gid", gid.map_or(Value::None, Value::Int));
    set(g, "uid", uid.map_or(Value::None, Value::Int));
}
