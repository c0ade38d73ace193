//! The `firewalld` state module (Salt's `salt/states/firewalld.py`): `present` (zone with
//! `ports`, `services`, `interfaces`, `sources`, `rich_rules`, `block_icmp`, each with its
//! `prune_*`, plus `masquerade` and `default`) and `service` (`ports`, `protocols`).
//! Changes are made `--permanent` and applied with `firewall-cmd --reload`, as Salt does.
//! Under `test=True` nothing is touched (Salt 3007 creates the service of
//! `firewalld.service` even then, and fails on a zone that does not exist yet).

use super::{StateCall, StateModule, StateReturn};
use crate::exec::firewalld::{self as fwd, fw};
use rsalt_data::{Dict, Value};
use rsalt_sls::CallError;

/// The `firewalld` state module.
#[derive(Debug, Default, Clone, Copy)]
pub struct Firewalld;

impl StateModule for Firewalld {
    fn name(&self) -> &'static str {
        "firewalld"
    }

    fn functions(&self) -> &'static [&'static str] {
        &["present", "service"]
    }

    fn call(&self, fun: &str, call: &StateCall<'_>) -> StateReturn {
        if !fwd::available() {
            return super::iptables::unavailable(
                call,
                "firewalld",
                fun,
                "firewall-cmd is not available, firewalld is probably not installed.",
            );
        }
        match fun {
            "present" => present(call),
            "service" => service(call),
            other => crate::state::not_found("firewalld", other, call),
        }
    }
}

fn list_arg(call: &StateCall<'_>, k: &str) -> Result<Option<Vec<String>>, String> {
    match call.low.get(k) {
        None | Some(Value::None) => Ok(None),
        Some(Value::List(l)) => Ok(Some(l.iter().map(Value::to_py_str).collect())),
        Some(other) => Err(format!(
            "'{k}' must be a list, got {}: {}",
            other.type_name(),
            other.to_py_str()
        )),
    }
}

fn flag(call: &StateCall<'_>, k: &str) -> bool {
    call.low.get(k).is_some_and(Value::truthy)
}

fn strs(v: &[String]) -> Value {
    Value::List(v.iter().map(|s| Value::from(s.as_str())).collect())
}

fn old_new(old: Value, new: Value) -> Value {
    let mut d = Dict::new();
    d.insert("old", old);
    d.insert("new", new);
    Value::Dict(d)
}

/// Salt's `nested` outputter (no colour), for the `test=True` comment.
fn nested(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Dict(d) => {
            if indent > 0 {
                out.push_str(&format!("{pad}----------\n"));
            }
            let mut keys: Vec<(String, &Value)> =
                d.iter().map(|(k, v)| (k.to_string(), v)).collect();
            keys.sort_by(|a, b| a.0.cmp(&b.0));
            for (k, v) in keys {
                out.push_str(&format!("{pad}{k}:\n"));
                nested(v, indent + 4, out);
            }
        }
        Value::List(l) => {
            for i in l {
                match i {
                    Value::Dict(_) | Value::List(_) => {
                        out.push_str(&format!("{pad}|_\n"));
                        nested(i, indent + 4, out);
                    }
                    other => out.push_str(&format!("{pad}- {}\n", other.to_py_str())),
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", other.to_py_str())),
    }
}

/// A list attribute of a zone and how to change it.
struct ListAttr {
    key: &'static str,
    arg: &'static str,
    prune: &'static str,
    list: &'static str,
    add: &'static str,
    remove: &'static str,
    quote: bool,
}

const ATTRS: &[ListAttr] = &[
    ListAttr {
        key: "icmp_types",
        arg: "block_icmp",
        prune: "prune_block_icmp",
        list: "icmp-blocks",
        add: "add-icmp-block",
        remove: "remove-icmp-block",
        quote: false,
    },
    ListAttr {
        key: "ports",
        arg: "ports",
        prune: "prune_ports",
        list: "ports",
        add: "add-port",
        remove: "remove-port",
        quote: false,
    },
    ListAttr {
        key: "services",
        arg: "services",
        prune: "prune_services",
        list: "services",
        add: "add-service",
        remove: "remove-service",
        quote: false,
    },
    ListAttr {
        key: "interfaces",
        arg: "interfaces",
        prune: "prune_interfaces",
        list: "interfaces",
        add: "add-interface",
        remove: "remove-interface",
        quote: false,
    },
    ListAttr {
        key: "sources",
        arg: "sources",
        prune: "prune_sources",
        list: "sources",
        add: "add-source",
        remove: "remove-source",
        quote: false,
    },
    ListAttr {
        key: "rich_rules",
        arg: "rich_rules",
        prune: "prune_rich_rules",
        list: "rich-rules",
        add: "add-rich-rule",
        remove: "remove-rich-rule",
        quote: true,
    },
];

fn present(call: &StateCall<'_>) -> StateReturn {
    let name = call.name.clone();
    let mut ret = StateReturn::new(name.clone());
    ret.result = Some(false);
    match present_inner(call, &name, &mut ret.changes) {
        Ok(()) => {}
        Err(e) => {
            ret.comment = format!("Error: {e}");
            return ret;
        }
    }
    if ret.changes.is_empty() {
        ret.result = Some(true);
        ret.comment = format!("'{name}' is already in the desired state.");
        return ret;
    }
    if call.test {
        let mut text = String::new();
        nested(&Value::Dict(ret.changes.clone()), 0, &mut text);
        ret.result = None;
        ret.comment = format!(
            "Configuration for '{name}' will change:\n{}",
            text.trim_end()
        );
        ret.changes = Dict::new();
        return ret;
    }
    if let Err(e) = fw(call.ctx, "--reload") {
        ret.comment = format!("Error: {e}");
        return ret;
    }
    ret.result = Some(true);
    ret.comment = format!("'{name}' was configured.");
    ret
}

fn err(e: CallError) -> String {
    match e {
        CallError::Failed(s) | CallError::BadArguments(s) => s,
        other => other.to_string(),
    }
}

fn present_inner(call: &StateCall<'_>, zone: &str, changes: &mut Dict) -> Result<(), String> {
    let ctx = call.ctx;
    let test = call.test;
    if call.low.get("port_fwd").is_some_and(Value::truthy) || flag(call, "prune_port_fwd") {
        return Err("port_fwd is not supported by rsalt's firewalld state".into());
    }
    let zones = fwd::get_zones(ctx).map_err(err)?;
    let new_zone = !zones.iter().any(|z| z == zone);
    if new_zone {
        if !test {
            fw(ctx, &format!("--new-zone={zone} --permanent")).map_err(err)?;
            fw(ctx, "--reload").map_err(err)?;
        }
        changes.insert(zone, old_new(strs(&zones), Value::from(zone)));
    }
    // A zone that test mode did not create has nothing yet.
    let current = |what: &str| -> Result<Vec<String>, String> {
        if new_zone && test {
            return Ok(Vec::new());
        }
        if what == "rich-rules" {
            fwd::rich_rules(ctx, zone).map_err(err)
        } else {
            fwd::zone_list(ctx, zone, what).map_err(err)
        }
    };
    let mut attrs = ATTRS.iter();
    // icmp_types come first, then default and masquerade, then the other lists.
    if let Some(a) = attrs.next() {
        list_attr(call, zone, a, &current, changes)?;
    }
    if flag(call, "default") {
        let def = fw(ctx, "--get-default-zone")
            .map_err(err)?
            .trim()
            .to_string();
        if def != zone {
            if !test {
                fw(ctx, &format!("--set-default-zone={zone}")).map_err(err)?;
            }
            changes.insert("default", old_new(Value::from(def), Value::from(zone)));
        }
    }
    let masq_now = if new_zone && test {
        false
    } else {
        fwd::get_masquerade(ctx, zone).map_err(err)?
    };
    if let Some(m) = call.low.get("masquerade").filter(|v| !v.is_none()) {
        let want = m.truthy();
        if want && !masq_now {
            if !test {
                fw(ctx, &format!("--zone={zone} --add-masquerade --permanent")).map_err(err)?;
            }
            changes.insert(
                "masquerade",
                old_new(
                    Value::Bool(false),
                    Value::from("Masquerading successfully set."),
                ),
            );
        } else if !want && masq_now {
            if !test {
                fw(
                    ctx,
                    &format!("--zone={zone} --remove-masquerade --permanent"),
                )
                .map_err(err)?;
            }
            changes.insert(
                "masquerade",
                old_new(
                    Value::Bool(true),
                    Value::from("Masquerading successfully disabled."),
                ),
            );
        }
    }
    for a in attrs {
        list_attr(call, zone, a, &current, changes)?;
    }
    Ok(())
}

fn list_attr(
    call: &StateCall<'_>,
    zone: &str,
    a: &ListAttr,
    current: &dyn Fn(&str) -> Result<Vec<String>, String>,
    changes: &mut Dict,
) -> Result<(), String> {
    let wanted = list_arg(call, a.arg)?;
    let prune = flag(call, a.prune);
    if wanted.as_ref().is_none_or(Vec::is_empty) && !prune {
        return Ok(());
    }
    let wanted = wanted.unwrap_or_default();
    let cur = current(a.list)?;
    let mut added = Vec::new();
    for w in &wanted {
        if !cur.contains(w) && !added.contains(w) {
            added.push(w.clone());
        }
    }
    let removed: Vec<String> = if prune {
        cur.iter()
            .filter(|c| !wanted.contains(c))
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    let q = |v: &str| {
        if a.quote {
            format!("'{v}'")
        } else {
            v.to_string()
        }
    };
    if !call.test {
        for v in &added {
            fw(
                call.ctx,
                &format!("--zone={zone} --{}={} --permanent", a.add, q(v)),
            )
            .map_err(err)?;
        }
        for v in &removed {
            fw(
                call.ctx,
                &format!("--zone={zone} --{}={} --permanent", a.remove, q(v)),
            )
            .map_err(err)?;
        }
    }
    if !added.is_empty() || !removed.is_empty() {
        let new = if prune {
            wanted.clone()
        } else {
            let mut n = cur.clone();
            n.extend(added);
            n
        };
        changes.insert(a.key, old_new(strs(&cur), strs(&new)));
    }
    Ok(())
}

fn service(call: &StateCall<'_>) -> StateReturn {
    let name = call.name.clone();
    let mut ret = StateReturn::new(name.clone());
    ret.result = Some(false);
    let r = (|| -> Result<(), String> {
        let ctx = call.ctx;
        let exists = fwd::get_services(ctx).map_err(err)?.contains(&name);
        if !exists && !call.test {
            fw(ctx, &format!("--new-service={name} --permanent")).map_err(err)?;
        }
        for (key, what, add, remove) in [
            ("ports", "ports", "add-port", "remove-port"),
            ("protocols", "protocols", "add-protocol", "remove-protocol"),
        ] {
            let wanted = list_arg(call, key)?.unwrap_or_default();
            let cur = if exists || !call.test {
                fwd::service_list(ctx, &name, what).map_err(err)?
            } else {
                Vec::new()
            };
            let added: Vec<&String> = wanted.iter().filter(|w| !cur.contains(w)).collect();
            let removed: Vec<&String> = cur.iter().filter(|c| !wanted.contains(c)).collect();
            if !call.test {
                for p in &added {
                    fw(ctx, &format!("--permanent --service={name} --{add}={p}")).map_err(err)?;
                }
                for p in &removed {
                    fw(ctx, &format!("--permanent --service={name} --{remove}={p}"))
                        .map_err(err)?;
                }
            }
            if !added.is_empty() || !removed.is_empty() {
                ret.changes.insert(key, old_new(strs(&cur), strs(&wanted)));
            }
        }
        if !ret.changes.is_empty() && !call.test {
            fw(ctx, "--reload").map_err(err)?;
        }
        Ok(())
    })();
    if let Err(e) = r {
        ret.comment = format!("Error: {e}");
        return ret;
    }
    ret.result = Some(true);
    if ret.changes.is_empty() {
        ret.comment = format!("'{name}' is already in the desired state.");
    } else if call.test {
        ret.result = None;
        ret.comment = format!("Configuration for '{name}' will change.");
    } else {
        ret.comment = format!("'{name}' was configured.");
    }
    ret
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_comment_like_salt() {
        let mut ch = Dict::new();
        ch.insert(
            "ports",
            old_new(Value::List(vec![]), Value::List(vec!["8080/tcp".into()])),
        );
        ch.insert(
            "masquerade",
            old_new(Value::Bool(false), "Masquerading successfully set.".into()),
        );
        let mut s = String::new();
        nested(&Value::Dict(ch), 0, &mut s);
        assert_eq!(
            s,
            "masquerade:\n    ----------\n    new:\n        Masquerading successfully set.\n    old:\n        False\nports:\n    ----------\n    new:\n        - 8080/tcp\n    old:\n"
        );
    }
}
