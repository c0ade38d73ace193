//! `sysctl.*` execution functions (salt/modules/linux_sysctl.py).
//!
//! `default_config` is `/etc/sysctl.d/99-salt.conf` when systemd (≥ 207) is the running
//! init (`/run/systemd/system` exists), else `/etc/sysctl.conf` — so in a container
//! without systemd Salt (and rsalt) persist to `/etc/sysctl.conf`. `persist` rewrites the
//! config file (creating it with Salt's `#\n# Kernel sysctl configuration\n#\n` header)
//! and applies the value with `sysctl -w`.

use super::sysutil::{self, failed};
use super::{Args, ExecRegistry, Sig};
use crate::RunContext;
use rsalt_data::{Dict, Value};
use rsalt_sls::CallError;
use std::path::Path;

/// Registers the `sysctl.*` functions.
pub fn register(r: &mut ExecRegistry) {
    r.add_doc("sysctl.default_config", default_config_fn, "Linux hosts using systemd 207 or later ignore ``/etc/sysctl.conf`` and only\nload from ``/etc/sysctl.d/*.conf``.\n");
    r.add_doc(
        "sysctl.show",
        show_fn,
        "Return a list of sysctl parameters for this minion\n",
    );
    r.add_doc(
        "sysctl.get",
        get_fn,
        "Return a single sysctl parameter for this minion\n",
    );
    r.add_doc(
        "sysctl.assign",
        assign_fn,
        "Assign a single sysctl parameter for this minion\n",
    );
    r.add_doc(
        "sysctl.persist",
        persist_fn,
        "Assign and persist a simple sysctl parameter for this minion.\n",
    );
}

/// `salt.utils.systemd.booted` and `version() >= 207`.
fn systemd_207(ctx: &RunContext) -> bool {
    if !Path::new("/run/systemd/system").is_dir() {
        return false;
    }
    sysutil::run(ctx, &["systemctl", "--version"])
        .ok()
        .and_then(|r| {
            r.stdout
                .lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u32>().ok())
        })
        .is_some_and(|v| v >= 207)
}

/// `sysctl.default_config`.
pub fn default_config(ctx: &RunContext) -> String {
    if systemd_207(ctx) {
        "/etc/sysctl.d/99-salt.conf".into()
    } else {
        "/etc/sysctl.conf".into()
    }
}

fn sysctl_bin() -> Result<String, CallError> {
    sysutil::which("sysctl").ok_or_else(|| failed("Command 'sysctl' cannot be found"))
}

/// `sysctl.show(config_file)`: the `key = value` lines of a config file (`Ok(None)` when
/// the file exists but cannot be read, an empty dict when it is missing).
pub fn show_config(config_file: &str) -> Option<Dict> {
    let mut ret = Dict::new();
    if !Path::new(config_file).exists() {
        return Some(ret);
    }
    let text = std::fs::read_to_string(config_file).ok()?;
    for line in text.lines() {
        let line = line.trim();
        if !line.starts_with('#') {
            if let Some((k, v)) = line.split_once('=') {
                ret.insert(k.trim_end(), Value::from(v.trim_start()));
            }
        }
    }
    Some(ret)
}

/// `sysctl.get(name)`: `sysctl -n name` (stdout; errors give an empty/diagnostic string
/// as Salt's `cmd.run` does).
pub fn get(ctx: &RunContext, name: &str) -> Result<String, CallError> {
    let bin = sysctl_bin()?;
    let r = sysutil::run(ctx, &[&bin, "-n", name])?;
    if r.stdout.is_empty() && !r.stderr.is_empty() {
        return Ok(r.stderr);
    }
    Ok(r.stdout)
}

/// `sysctl.assign(name, value)`: `sysctl -w name=value`, checked against the echoed line.
pub fn assign(ctx: &RunContext, name: &str, value: &str) -> Result<Dict, CallError> {
    let tran: String = name
        .chars()
        .map(|c| match c {
            '.' => '/',
            '/' => '.',
            c => c,
        })
        .collect();
    if !Path::new(&format!("/proc/sys/{tran}")).exists() {
        return Err(failed(format!("sysctl {name} does not exist")));
    }
    let bin = sysctl_bin()?;
    let r = sysutil::run(ctx, &[&bin, "-w", &format!("{name}={value}")])?;
    let re = regex::Regex::new(&format!(
        r"^{}\s+=\s+{}$",
        regex::escape(name),
        regex::escape(value)
    ))
    .map_err(|e| failed(e.to_string()))?;
    if !re.is_match(&r.stdout) || r.stderr.contains("Invalid argument") {
        let error = if r.retcode != Some(0) && !r.stderr.is_empty() {
            r.stderr
        } else {
            r.stdout
        };
        return Err(failed(format!("sysctl -w failed: {error}")));
    }
    let mut d = Dict::new();
    if let Some((k, v)) = r.stdout.split_once(" = ") {
        d.insert(k, Value::from(v));
    }
    Ok(d)
}

/// `_sanitize_sysctl_value`: every whitespace run becomes one tab.
fn sanitize(v: &str) -> String {
    let mut out = String::new();
    let mut in_ws = false;
    for c in v.chars() {
        if c.is_whitespace() {
            if !in_ws {
                out.push('\t');
            }
            in_ws = true;
        } else {
            out.push(c);
            in_ws = false;
        }
    }
    out
}

/// `sysctl.persist(name, value, config)`: `Updated` or `Already set`.
pub fn persist(
    ctx: &RunContext,
    name: &str,
    value: &str,
    config: &str,
) -> Result<&'static str, CallError> {
    let cpath = Path::new(config);
    if !cpath.is_file() {
        if let Some(dir) = cpath.parent() {
            if !dir.exists() {
                std::fs::create_dir_all(dir).map_err(|e| failed(e.to_string()))?;
            }
        }
        std::fs::write(cpath, "#\n# Kernel sysctl configuration\n#\n")
            .map_err(|_| failed(format!("Could not write to file: {config}")))?;
    }
    let text = std::fs::read_to_string(cpath)
        .map_err(|_| failed(format!("Could not read from file: {config}")))?;
    let mut nlines: Vec<String> = Vec::new();
    let mut edited = false;
    for line in text.split_inclusive('\n') {
        let Some((k, v)) = line.split_once('=') else {
            nlines.push(line.to_string());
            continue;
        };
        let k = k.trim();
        if k.starts_with('#') {
            nlines.push(line.to_string());
            continue;
        }
        if k == name {
            let want = sanitize(value);
            if sanitize(v.trim()) == want {
                if sanitize(&get(ctx, name)?) != want {
                    assign(ctx, name, value)?;
                    return Ok("Updated");
                }
                return Ok("Already set");
            }
            nlines.push(format!("{name} = {value}\n"));
            edited = true;
        } else {
            nlines.push(line.to_string());
        }
    }
    if !edited {
        nlines.push(format!("{name} = {value}\n"));
    }
    std::fs::write(cpath, nlines.concat())
        .map_err(|_| failed(format!("Could not write to file: {config}")))?;
    assign(ctx, name, value)?;
    Ok("Updated")
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

fn default_config_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&sig("default_config", &[], 0))?;
    Ok(Value::from(default_config(ctx)))
}

fn show_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("show", &["config_file"], 0))?;
    if let Some(cf) = b.some("config_file").filter(|v| v.truthy()) {
        return Ok(show_config(&cf.to_py_str()).map_or(Value::None, Value::Dict));
    }
    let bin = sysctl_bin()?;
    let r = sysutil::run(ctx, &[&bin, "-a"])?;
    let mut d = Dict::new();
    for line in r.stdout.lines() {
        if let Some((k, v)) = line.split_once(" = ") {
            d.insert(k, Value::from(v));
        }
    }
    Ok(Value::Dict(d))
}

fn get_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("get", &["name"], 1))?;
    get(ctx, &b.str("name").unwrap_or_default()).map(Value::from)
}

fn assign_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("assign", &["name", "value"], 2))?;
    assign(
        ctx,
        &b.str("name").unwrap_or_default(),
        &b.str("value").unwrap_or_default(),
    )
    .map(Value::Dict)
}

fn persist_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("persist", &["name", "value", "config"], 2))?;
    let config = b.str("config").unwrap_or_else(|| default_config(ctx));
    persist(
        ctx,
        &b.str("name").unwrap_or_default(),
        &b.str("value").unwrap_or_default(),
        &config,
    )
    .map(Value::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_config_parses_like_salt() {
        let d = tempfile::tempdir().expect("tmp");
        let p = d.path().join("s.conf");
        std::fs::write(&p, "#\n# x = 1\nnet.ipv4.ip_forward = 1\nfoo=bar baz\n").expect("w");
        let c = show_config(&p.to_string_lossy()).expect("read");
        assert_eq!(
            c.get("net.ipv4.ip_forward")
                .map(Value::to_py_str)
                .as_deref(),
            Some("1")
        );
        assert_eq!(
            c.get("foo").map(Value::to_py_str).as_deref(),
            Some("bar baz")
        );
        assert_eq!(c.len(), 2);
        assert!(show_config("/nonexistent/x.conf").is_some_and(|d| d.is_empty()));
    }

    #[test]
    fn sanitize_collapses_whitespace() {
        assert_eq!(sanitize("4096  87380\t6291456"), "4096\t87380\t6291456");
    }
}
