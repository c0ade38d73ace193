//! The `host` state module (salt/states/host.py): `present`, `absent`, `only`, on top of
//! [`crate::exec::hosts`].
//!
//! Differences from Salt: Salt iterates Python sets when adding several addresses, so
//! the order of its comment lines and of new file lines varies between runs; rsalt uses
//! the order of `ip`. Salt adds an address that is not an IP (`ip: not-an-ip`) to the
//! file; rsalt refuses it with Salt's own `Invalid IP Address for NAME (ADDR)` comment
//! and `result: False`.

use super::{StateCall, StateModule, StateReturn};
use crate::exec::hosts::{self, Entry};
use crate::exec::sysutil::{arg, arg_bool, arg_str};
use rsalt_data::{Dict, Value};

/// The `host` state module.
#[derive(Debug, Default, Clone, Copy)]
pub struct Host;

impl StateModule for Host {
    fn name(&self) -> &'static str {
        "host"
    }

    fn functions(&self) -> &'static [&'static str] {
        &["present", "absent", "only"]
    }

    fn required_args(&self, fun: &str) -> &'static [&'static str] {
        match fun {
            "present" | "absent" => &["ip"],
            "only" => &["hostnames"],
            _ => &[],
        }
    }

    fn call(&self, fun: &str, call: &StateCall<'_>) -> StateReturn {
        match fun {
            "present" => present(call),
            "absent" => absent(call),
            "only" => only(call),
            other => StateReturn::new(call.name.clone())
                .fail(format!("State 'host.{other}' was not found")),
        }
    }
}

fn ip_list(call: &StateCall<'_>) -> Vec<String> {
    match arg(call.low, "ip") {
        Some(Value::List(l)) => l.iter().map(Value::to_py_str).collect(),
        Some(v) => vec![v.to_py_str()],
        None => Vec::new(),
    }
}

/// `salt.utils.validate.net.ip_addr`: an IPv4 or IPv6 address (optionally with a CIDR
/// prefix).
pub fn is_ip(addr: &str) -> bool {
    let (a, prefix) = match addr.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (addr, None),
    };
    let ok = a.parse::<std::net::IpAddr>().is_ok();
    ok && prefix.is_none_or(|p| {
        p.parse::<u8>()
            .is_ok_and(|n| n <= if a.contains(':') { 128 } else { 32 })
    })
}

fn push_change(changes: &mut Dict, kind: &str, addr: &str, item: &str) {
    let mut k = match changes.remove(kind) {
        Some(Value::Dict(d)) => d,
        _ => Dict::new(),
    };
    let mut l = match k.remove(addr) {
        Some(Value::List(l)) => l,
        _ => Vec::new(),
    };
    l.push(Value::from(item));
    k.insert(addr, Value::List(l));
    changes.insert(kind, Value::Dict(k));
}

fn present(call: &StateCall<'_>) -> StateReturn {
    let name = call.name.clone();
    let mut ret = StateReturn::new(name.clone());
    let ip = ip_list(call);
    let comment = arg_str(call.low, "comment").unwrap_or_default();
    let clean = arg_bool(call.low, "clean", false);
    let entries = hosts::read_hosts(call.ctx);
    let known = |addr: &str| {
        entries
            .iter()
            .any(|e| matches!(e, Entry::Host { ip, .. } if ip == addr))
    };
    let mut comments: Vec<String> = Vec::new();
    let mut to_add: Vec<String> = Vec::new();
    let mut to_remove: Vec<String> = Vec::new();
    let mut update_comment: Vec<String> = Vec::new();
    let mut warnings: Vec<Value> = Vec::new();
    for addr in &ip {
        if !known(addr) {
            if !is_ip(addr) {
                ret.result = Some(false);
                comments.push(format!("Invalid IP Address for {name} ({addr})"));
                continue;
            }
            to_add.push(addr.clone());
            if !comment.is_empty() {
                update_comment.push(addr.clone());
            }
        }
    }
    for e in &entries {
        let Entry::Host {
            ip: addr,
            aliases,
            comment: cur,
        } = e
        else {
            continue;
        };
        let has = aliases.contains(&name);
        if !ip.contains(addr) {
            if has {
                if clean {
                    to_remove.push(addr.clone());
                } else {
                    warnings.push(Value::from(format!(
                        "Host {name} present for IP address {addr}. To get rid of this warning, either run this state with 'clean' set to True to remove {name} from {addr}, or add {addr} to the 'ip' argument."
                    )));
                }
            }
        } else if has {
            if !comment.is_empty() && cur.as_deref() != Some(comment.as_str()) {
                update_comment.push(addr.clone());
            } else {
                comments.push(format!("Host {name} ({addr}) already present"));
            }
        } else if is_ip(addr) {
            to_add.push(addr.clone());
            if !comment.is_empty() {
                update_comment.push(addr.clone());
            }
        } else {
            ret.result = Some(false);
            comments.push(format!("Invalid IP Address for {name} ({addr})"));
        }
    }
    for addr in &to_add {
        if call.test {
            ret.result = None;
            comments.push(format!("Host {name} ({addr}) would be added"));
        } else {
            match hosts::add_host(call.ctx, addr, &name) {
                Ok(true) => comments.push(format!("Added host {name} ({addr})")),
                _ => {
                    ret.result = Some(false);
                    comments.push(format!("Failed to add host {name} ({addr})"));
                    continue;
                }
            }
        }
        push_change(&mut ret.changes, "added", addr, &name);
    }
    for addr in &update_comment {
        if call.test {
            comments.push(format!("Comment for {addr} ({comment}) would be added"));
        } else {
            match hosts::set_comment(call.ctx, addr, &comment) {
                Ok(true) => comments.push(format!("Set comment for host {addr} ({comment})")),
                _ => {
                    ret.result = Some(false);
                    comments.push(format!("Failed to add comment for host {addr} ({comment})"));
                    continue;
                }
            }
        }
        push_change(&mut ret.changes, "comment_added", addr, &comment);
    }
    for addr in &to_remove {
        if call.test {
            ret.result = None;
            comments.push(format!("Host {name} ({addr}) would be removed"));
        } else {
            match hosts::rm_host(call.ctx, addr, &name) {
                Ok(true) => comments.push(format!("Removed host {name} ({addr})")),
                _ => {
                    ret.result = Some(false);
                    comments.push(format!("Failed to remove host {name} ({addr})"));
                    continue;
                }
            }
        }
        push_change(&mut ret.changes, "removed", addr, &name);
    }
    if !warnings.is_empty() {
        ret.extra.insert("warnings", Value::List(warnings));
    }
    ret.comment = comments.join("\n");
    ret
}

fn absent(call: &StateCall<'_>) -> StateReturn {
    let name = call.name.clone();
    let mut ret = StateReturn::new(name.clone());
    ret.result = None;
    let mut comments = Vec::new();
    for addr in ip_list(call) {
        if !hosts::has_pair(&hosts::read_hosts(call.ctx), &addr, &name) {
            ret.result = Some(true);
            comments.push(format!("Host {name} ({addr}) already absent"));
        } else if call.test {
            comments.push(format!("Host {name} ({addr}) needs to be removed"));
        } else if let Ok(true) = hosts::rm_host(call.ctx, &addr, &name) {
            ret.changes = Dict::new();
            ret.changes.insert("host", Value::from(name.as_str()));
            ret.result = Some(true);
            comments.push(format!("Removed host {name} ({addr})"));
        } else {
            ret.result = Some(false);
            comments.push("Failed to remove host".into());
        }
    }
    ret.comment = comments.join("\n");
    ret
}

fn only(call: &StateCall<'_>) -> StateReturn {
    let name = call.name.clone();
    let mut ret = StateReturn::new(name.clone());
    ret.result = None;
    let hostnames: Vec<String> = match arg(call.low, "hostnames") {
        Some(Value::List(l)) => l.iter().map(|v| v.to_py_str().trim().to_string()).collect(),
        Some(v) => vec![v.to_py_str().trim().to_string()],
        None => Vec::new(),
    };
    let old = hosts::get_alias(&hosts::read_hosts(call.ctx), &name).join(" ");
    let new = hostnames.join(" ");
    if old == new {
        ret.result = Some(true);
        ret.comment = format!("IP address {name} already set to \"{new}\"");
        return ret;
    }
    if call.test {
        ret.comment = format!("Would change {name} from \"{old}\" to \"{new}\"");
        return ret;
    }
    match hosts::set_host(call.ctx, &name, &new, None) {
        Ok(true) => {
            ret.result = Some(true);
            ret.comment = format!("successfully changed {name} from \"{old}\" to \"{new}\"");
            let mut c = Dict::new();
            c.insert("old", Value::from(old.as_str()));
            c.insert("new", Value::from(new.as_str()));
            ret.changes.insert(name.as_str(), Value::Dict(c));
        }
        _ => {
            ret.result = Some(false);
            ret.comment =
                format!("hosts.set_host failed to change {name} from \"{old}\" to \"{new}\"");
        }
    }
    ret
}

#[cfg(test)]
mod tests {
    use super::is_ip;

    #[test]
    fn ip_validation() {
        assert!(is_ip("10.0.0.1"));
        assert!(is_ip("::1"));
        assert!(is_ip("fe80::1/64"));
        assert!(!is_ip("not-an-ip"));
        assert!(!is_ip("10.0.0.1/40"));
    }
}
