//! `firewalld.*` execution functions (Salt's `salt/modules/firewalld.py`): `firewall-cmd`
//! calls with Salt's argument strings and its `firewall-cmd failed: ...` errors.

use super::iptables::{run, which};
use super::{Args, ExecRegistry, Sig};
use crate::RunContext;
use rsalt_data::Value;
use rsalt_sls::CallError;

/// Registers `firewalld.*`.
pub fn register(r: &mut ExecRegistry) {
    r.add("firewalld.get_zones", x_get_zones);
    r.add("firewalld.list_ports", x_list_ports);
    r.add("firewalld.list_services", x_list_services);
    r.add("firewalld.default_zone", x_default_zone);
    r.add("firewalld.reload_rules", x_reload);
}

/// Whether `firewall-cmd` is installed.
pub fn available() -> bool {
    !which("firewall-cmd").is_empty()
}

/// Salt's `__firewall_cmd`: runs `firewall-cmd ARGS` (shlex-split), stdout on success,
/// `firewall-cmd failed: <stderr or stdout>` otherwise.
pub fn fw(ctx: &RunContext, args: &str) -> Result<String, CallError> {
    let r = run(ctx, &format!("{} {args}", which("firewall-cmd")))?;
    if r.retcode != Some(0) {
        let msg = if r.stderr.is_empty() {
            r.stdout
        } else {
            r.stderr
        };
        return Err(CallError::Failed(format!("firewall-cmd failed: {msg}")));
    }
    Ok(r.stdout)
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

/// Zones (`--get-zones --permanent`).
pub fn get_zones(ctx: &RunContext) -> Result<Vec<String>, CallError> {
    Ok(words(&fw(ctx, "--get-zones --permanent")?))
}

/// Services known to firewalld (`--get-services --permanent`).
pub fn get_services(ctx: &RunContext) -> Result<Vec<String>, CallError> {
    Ok(words(&fw(ctx, "--get-services --permanent")?))
}

/// A whitespace-separated zone list (`--zone=Z --list-<what> --permanent`).
pub fn zone_list(ctx: &RunContext, zone: &str, what: &str) -> Result<Vec<String>, CallError> {
    Ok(words(&fw(
        ctx,
        &format!("--zone={zone} --list-{what} --permanent"),
    )?))
}

/// Rich rules of a zone, one per line.
pub fn rich_rules(ctx: &RunContext, zone: &str) -> Result<Vec<String>, CallError> {
    Ok(
        fw(ctx, &format!("--zone={zone} --list-rich-rules --permanent"))?
            .lines()
            .map(str::to_string)
            .collect(),
    )
}

/// Whether masquerading is on (`--list-all` shows `masquerade: yes`), as
/// `firewalld.get_masquerade`.
pub fn get_masquerade(ctx: &RunContext, zone: &str) -> Result<bool, CallError> {
    let out = fw(ctx, &format!("--zone={zone} --list-all --permanent"))?;
    Ok(!out.lines().any(|l| {
        l.trim()
            .strip_prefix("masquerade:")
            .is_some_and(|v| v.trim() == "no")
    }))
}

/// Ports or protocols of a service (`--service=S --get-ports|--get-protocols`).
pub fn service_list(ctx: &RunContext, service: &str, what: &str) -> Result<Vec<String>, CallError> {
    Ok(words(&fw(
        ctx,
        &format!("--permanent --service={service} --get-{what}"),
    )?))
}

fn sig(name: &'static str, params: &'static [&'static str]) -> Sig {
    Sig {
        name,
        params,
        required: 0,
        varargs: false,
        varkw: false,
    }
}

fn list(v: Vec<String>) -> Value {
    Value::List(v.into_iter().map(Value::from).collect())
}

fn x_get_zones(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    a.bind(&sig("get_zones", &["permanent"]))?;
    Ok(list(get_zones(ctx)?))
}

fn x_list_ports(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&Sig {
        required: 1,
        ..sig("list_ports", &["zone", "permanent"])
    })?;
    Ok(list(zone_list(
        ctx,
        &b.str("zone").unwrap_or_default(),
        "ports",
    )?))
}

fn x_list_services(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig("list_services", &["zone", "permanent"]))?;
    Ok(list(zone_list(
        ctx,
        &b.str("zone").unwrap_or_default(),
        "services",
    )?))
}

fn x_default_zone(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    a.bind(&sig("default_zone", &[]))?;
    Ok(Value::from(fw(ctx, "--get-default-zone")?))
}

fn x_reload(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    a.bind(&sig("reload_rules", &[]))?;
    Ok(Value::from(fw(ctx, "--reload")?))
}
