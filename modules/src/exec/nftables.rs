//! `nftables.*` execution functions (Salt's `salt/modules/nftables.py`): rule building from
//! keyword arguments, table/chain checks and changes, rules, policies, flush and save.
//!
//! Difference from Salt (on purpose): Salt looks a rule up by searching for the text it
//! built (`tcp dport { 22 } accept`) in `nft list chain`, which prints rules in nft's
//! canonical form (`tcp dport 22 accept`), so its rule states add the rule again on every
//! run. [`check`] also compares the canonical form, obtained by adding the rule to a
//! scratch table, so a second run changes nothing.

use super::iptables::{run, which};
use super::{Args, ExecRegistry, Sig};
use crate::RunContext;
use rsalt_data::{Dict, Value};
use rsalt_sls::CallError;

/// Registers `nftables.*`.
pub fn register(r: &mut ExecRegistry) {
    r.add("nftables.build_rule", x_build_rule);
    r.add("nftables.check_table", x_check_table);
    r.add("nftables.check_chain", x_check_chain);
    r.add("nftables.check", x_check);
    r.add("nftables.get_policy", x_get_policy);
    r.add("nftables.save", x_save);
}

/// Salt's `_NFTABLES_FAMILIES`: the nft family for a Salt family name.
pub fn nft_family(family: &str) -> Option<&'static str> {
    Some(match family {
        "ipv4" | "ip4" | "ip" => "ip",
        "ipv6" | "ip6" => "ip6",
        "inet" => "inet",
        "arp" => "arp",
        "bridge" => "bridge",
        "netdev" => "netdev",
        _ => return None,
    })
}

/// Whether `nft` is installed.
pub fn available() -> bool {
    !which("nft").is_empty()
}

/// `{comment, result}` as Salt's nftables functions return it.
#[derive(Debug, Clone, PartialEq)]
pub struct NftRet {
    /// Success.
    pub result: bool,
    /// Salt's comment.
    pub comment: String,
}

impl NftRet {
    fn ok(c: String) -> Self {
        NftRet {
            result: true,
            comment: c,
        }
    }
    fn no(c: String) -> Self {
        NftRet {
            result: false,
            comment: c,
        }
    }
    /// As a Salt dict.
    pub fn to_value(&self) -> Value {
        let mut d = Dict::new();
        d.insert("comment", Value::from(self.comment.as_str()));
        d.insert("result", Value::Bool(self.result));
        Value::Dict(d)
    }
}

/// Salt's `build_rule` without `full` (Salt's states pass `full=True`, which its
/// `full in ["True", "true"]` test ignores, so the "command" shown is the rule too).
/// `Err` is Salt's `KeyError`/`ValueError` text for a bad family or port list.
pub fn build_rule(family: &str, kwargs: &Dict) -> Result<String, String> {
    let fam = nft_family(family).ok_or_else(|| format!("KeyError: '{family}'"))?;
    let get = |k: &str| kwargs.get(k).map(Value::to_py_str);
    let mut rule = String::new();
    if let Some(v) = get("if") {
        rule += &format!("meta iifname {v} ");
    }
    if let Some(v) = get("of") {
        rule += &format!("meta oifname {v} ");
    }
    let proto = get("proto").unwrap_or_default();
    if let Some(v) = get("connstate") {
        rule += &format!("ct state {{ {v} }} ");
    }
    if let Some(v) = get("icmp-type") {
        rule += &format!("icmp type {{ {v} }} ");
    }
    if let Some(v) = get("icmpv6-type") {
        rule += &format!("icmpv6 type {{ {v} }} ");
    }
    if let Some(v) = get("pkttype") {
        rule += &format!("meta pkttype {{ {v} }} ");
    }
    if kwargs.contains_key("counter") {
        rule += "counter ";
    }
    let first = |a: &str, b: &str| {
        kwargs
            .get(a)
            .filter(|v| v.truthy())
            .or_else(|| kwargs.get(b))
            .map(Value::to_py_str)
    };
    if kwargs.contains_key("saddr") || kwargs.contains_key("source") {
        rule += &format!(
            "{fam} saddr {} ",
            first("saddr", "source").unwrap_or_default()
        );
    }
    if kwargs.contains_key("daddr") || kwargs.contains_key("destination") {
        rule += &format!(
            "{fam} daddr {} ",
            first("daddr", "destination").unwrap_or_default()
        );
    }
    if let Some(v) = get("dport") {
        rule += &format!("dport {{ {} }} ", v.replace(':', "-"));
    }
    if let Some(v) = get("sport") {
        rule += &format!("sport {{ {} }} ", v.replace(':', "-"));
    }
    for (k, word) in [("dports", "dport"), ("sports", "sport")] {
        if let Some(v) = kwargs.get(k) {
            let s = match v {
                Value::Str(s) => s.clone(),
                other => {
                    return Err(format!(
                        "AttributeError: '{}' object has no attribute 'split'",
                        other.type_name()
                    ))
                }
            };
            let mut ports = Vec::new();
            for p in s.split(',') {
                ports.push(p.trim().parse::<i64>().map_err(|_| {
                    format!("ValueError: invalid literal for int() with base 10: '{p}'")
                })?);
            }
            ports.sort_unstable_by(|a, b| b.cmp(a));
            let list: Vec<String> = ports.iter().map(i64::to_string).collect();
            rule += &format!("{word} {{ {} }} ", list.join(", "));
        }
    }
    let mut after = Vec::new();
    if let Some(v) = get("jump") {
        after.push(format!("{v} "));
    }
    if let Some(v) = get("j") {
        after.push(format!("{v} "));
    }
    if kwargs.contains_key("redirect-to") || kwargs.contains_key("to-port") {
        after.push(format!(
            "redirect to {} ",
            first("redirect-to", "to-port").unwrap_or_default()
        ));
    }
    if let Some(v) = get("to-ports") {
        after.push(format!("--to-ports {v} "));
    }
    if let Some(v) = get("to-source") {
        after.push(format!("{v} "));
    }
    if let Some(v) = get("to-destination") {
        after.push(format!("{v} "));
    }
    if let Some(v) = get("reject-with") {
        after.push(format!("reject with {v} "));
    }
    for a in after {
        rule += &a;
    }
    let rule = rule.trim().to_string();
    let rule = rule.replace("dport", &format!("{proto} dport"));
    Ok(rule.replace("sport", &format!("{proto} sport")))
}

fn nft(ctx: &RunContext, args: &str) -> Result<(bool, String), CallError> {
    let r = run(ctx, &format!("nft {args}"))?;
    let mut out = r.stdout;
    if !r.stderr.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&r.stderr);
    }
    Ok((r.retcode == Some(0), out))
}

/// `nftables.check_table`.
pub fn check_table(ctx: &RunContext, table: &str, family: &str) -> Result<NftRet, CallError> {
    if table.is_empty() {
        return Ok(NftRet::no("Table needs to be specified".into()));
    }
    let fam = nft_family(family).unwrap_or("ip");
    let (_, out) = nft(ctx, &format!("list tables {fam}"))?;
    Ok(if out.contains(&format!("table {fam} {table}")) {
        NftRet::ok(format!("Table {table} in family {family} exists"))
    } else {
        NftRet::no(format!("Table {table} in family {family} does not exist"))
    })
}

/// `nftables.check_chain`.
pub fn check_chain(
    ctx: &RunContext,
    table: &str,
    chain: &str,
    family: &str,
) -> Result<NftRet, CallError> {
    if chain.is_empty() {
        return Ok(NftRet::no("Chain needs to be specified".into()));
    }
    let fam = nft_family(family).unwrap_or("ip");
    let (_, out) = nft(ctx, &format!("list table {fam} {table}"))?;
    Ok(if out.contains(&format!("chain {chain} {{")) {
        NftRet::ok(format!(
            "Chain {chain} in table {table} in family {family} exists"
        ))
    } else {
        NftRet::no(format!(
            "Chain {chain} in table {table} in family {family} does not exist"
        ))
    })
}

/// The rule lines of a chain (`nft -nnn --handle list chain`), as `(rule, handle)`.
pub fn chain_rules(
    ctx: &RunContext,
    table: &str,
    chain: &str,
    family: &str,
) -> Result<Vec<(String, String)>, CallError> {
    let fam = nft_family(family).unwrap_or("ip");
    let (_, out) = nft(
        ctx,
        &format!("--handle --numeric --numeric --numeric list chain {fam} {table} {chain}"),
    )?;
    Ok(out
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let (rule, handle) = l.rsplit_once(" # handle ")?;
            if rule.starts_with("chain ") || rule.starts_with("table ") {
                return None;
            }
            Some((rule.to_string(), handle.to_string()))
        })
        .collect())
}

/// How nft prints `rule` (added to a scratch table of the same family and read back);
/// `None` when nft refuses it there. The chains of `table` are created (empty) in the
/// scratch table first, so `jump`/`goto` to them work.
pub fn canonical(ctx: &RunContext, rule: &str, family: &str, table: &str) -> Option<String> {
    let fam = nft_family(family)?;
    let t = format!("rsalt_check_{}", std::process::id());
    let scratch = "rsalt_scratch";
    let chains: Vec<String> = nft(ctx, &format!("list table {fam} {table}"))
        .map(|(_, out)| {
            out.lines()
                .filter_map(|l| {
                    let name = l.trim().strip_prefix("chain ")?.strip_suffix(" {")?;
                    (name != scratch).then(|| name.to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    let mut ok = nft(ctx, &format!("add table {fam} {t}")).is_ok_and(|r| r.0);
    for c in &chains {
        ok = ok && nft(ctx, &format!("add chain {fam} {t} {c}")).is_ok_and(|r| r.0);
    }
    ok = ok
        && nft(ctx, &format!("add chain {fam} {t} {scratch}")).is_ok_and(|r| r.0)
        && nft(ctx, &format!("add rule {fam} {t} {scratch} {rule}")).is_ok_and(|r| r.0);
    let out = if ok {
        chain_rules(ctx, &t, scratch, family)
            .ok()
            .and_then(|r| r.into_iter().next().map(|(rule, _)| rule))
    } else {
        None
    };
    if let Err(e) = nft(ctx, &format!("delete table {fam} {t}")) {
        tracing::debug!(error = %e, "scratch table cleanup failed");
    }
    out
}

/// The handle of `rule` in the chain (literal or canonical match).
pub fn find_rule(
    ctx: &RunContext,
    table: &str,
    chain: &str,
    rule: &str,
    family: &str,
) -> Result<Option<String>, CallError> {
    let rules = chain_rules(ctx, table, chain, family)?;
    if let Some((_, h)) = rules.iter().find(|(r, _)| r == rule) {
        return Ok(Some(h.clone()));
    }
    if rules.is_empty() {
        return Ok(None);
    }
    let Some(c) = canonical(ctx, rule, family, table) else {
        return Ok(None);
    };
    Ok(rules.into_iter().find(|(r, _)| *r == c).map(|(_, h)| h))
}

/// `nftables.check`: whether the rule is in the chain.
pub fn check(
    ctx: &RunContext,
    table: &str,
    chain: &str,
    rule: &str,
    family: &str,
) -> Result<NftRet, CallError> {
    if chain.is_empty() {
        return Ok(NftRet::no("Chain needs to be specified".into()));
    }
    if rule.is_empty() {
        return Ok(NftRet::no("Rule needs to be specified".into()));
    }
    let t = check_table(ctx, table, family)?;
    if !t.result {
        return Ok(t);
    }
    let c = check_chain(ctx, table, chain, family)?;
    if !c.result {
        return Ok(c);
    }
    Ok(if find_rule(ctx, table, chain, rule, family)?.is_some() {
        NftRet::ok(format!(
            "Rule {rule} in chain {chain} in table {table} in family {family} exists"
        ))
    } else {
        NftRet::no(format!(
            "Rule {rule} in chain {chain} in table {table} in family {family} does not exist"
        ))
    })
}

/// Runs an nft command; ok when it succeeded silently (as Salt's `not out`).
pub fn nft_quiet(ctx: &RunContext, args: &str) -> Result<bool, CallError> {
    let (ok, out) = nft(ctx, args)?;
    Ok(ok && out.trim().is_empty())
}

/// The chain object of `nft -j list ruleset <fam>`.
fn chain_json(
    ctx: &RunContext,
    table: &str,
    chain: &str,
    family: &str,
) -> Result<Option<serde_json::Value>, CallError> {
    let fam = nft_family(family).unwrap_or("ip");
    let (_, out) = nft(
        ctx,
        &format!("--numeric --numeric --numeric --json list ruleset {fam}"),
    )?;
    let Ok(j) = serde_json::from_str::<serde_json::Value>(&out) else {
        return Ok(None);
    };
    Ok(j.get("nftables").and_then(|v| v.as_array()).and_then(|a| {
        a.iter().find_map(|item| {
            let c = item.get("chain")?;
            (c.get("table")?.as_str()? == table && c.get("name")?.as_str()? == chain)
                .then(|| c.clone())
        })
    }))
}

/// `nftables.get_policy` (the policy of a base chain, or None).
pub fn get_policy(
    ctx: &RunContext,
    table: &str,
    chain: &str,
    family: &str,
) -> Result<Option<String>, CallError> {
    Ok(chain_json(ctx, table, chain, family)?
        .and_then(|c| c.get("policy").and_then(|p| p.as_str()).map(str::to_string)))
}

/// `nftables.set_policy`: re-declares the base chain with the policy.
pub fn set_policy(
    ctx: &RunContext,
    table: &str,
    chain: &str,
    policy: &str,
    family: &str,
) -> Result<bool, CallError> {
    let fam = nft_family(family).unwrap_or("ip");
    let Some(c) = chain_json(ctx, table, chain, family)? else {
        return Ok(false);
    };
    let (Some(t), Some(h), Some(p)) = (c.get("type"), c.get("hook"), c.get("prio")) else {
        return Ok(false);
    };
    let s = |v: &serde_json::Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
    let cmd = format!(
        "add chain {fam} {table} {chain} \"{{ type {} hook {} priority {}; policy {policy}; }}\"",
        s(t),
        s(h),
        s(p)
    );
    Ok(nft(ctx, &cmd)?.0)
}

/// `nftables.save`: writes every table of every family to `filename` (default
/// `/etc/nftables`, `salt-all-in-one.nft` inside it when it is a directory), as Salt
/// does. Returns the text written.
pub fn save(ctx: &RunContext, filename: Option<&str>) -> Result<String, CallError> {
    let mut path = filename.unwrap_or("/etc/nftables").to_string();
    let mut rules = String::from("#! nft -f\n");
    for fam in ["ip", "ip6", "inet", "arp", "bridge", "netdev"] {
        let (_, out) = nft(
            ctx,
            &format!("--json --numeric --numeric --numeric list tables {fam}"),
        )?;
        let tables: Vec<String> = serde_json::from_str::<serde_json::Value>(&out)
            .ok()
            .and_then(|j| j.get("nftables").and_then(|a| a.as_array()).cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|i| i.get("table")?.get("name")?.as_str().map(str::to_string))
            .collect();
        let mut outs = Vec::new();
        for t in tables {
            let r = run(
                ctx,
                &format!("nft --numeric --numeric --numeric list table {fam} {t}"),
            )?;
            outs.push(r.stdout);
        }
        if !outs.is_empty() {
            rules.push('\n');
        }
        rules.push_str(&outs.join("\n"));
    }
    rules.push('\n');
    if std::path::Path::new(&path).is_dir() {
        path = format!("{path}/salt-all-in-one.nft");
    }
    std::fs::write(&path, &rules)
        .map_err(|e| CallError::Failed(format!("Problem writing to configuration file: {e}")))?;
    Ok(rules)
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

fn fam_of(b: &super::Bound) -> String {
    b.str("family").unwrap_or_else(|| "ipv4".into())
}

fn x_build_rule(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&Sig {
        name: "build_rule",
        params: &["table", "chain", "command", "position", "full", "family"],
        required: 0,
        varargs: false,
        varkw: true,
    })?;
    let mut d = Dict::new();
    match build_rule(&fam_of(&b), &b.kwargs) {
        Ok(r) => {
            d.insert(
                "comment",
                Value::from(if r.is_empty() {
                    ""
                } else {
                    "Successfully built rule"
                }),
            );
            d.insert("rule", Value::from(r));
            d.insert("result", Value::Bool(true));
        }
        Err(e) => return Err(CallError::Failed(e)),
    }
    Ok(Value::Dict(d))
}

fn x_check_table(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig("check_table", &["table", "family"]))?;
    Ok(check_table(ctx, &b.str("table").unwrap_or_default(), &fam_of(&b))?.to_value())
}

fn x_check_chain(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig("check_chain", &["table", "chain", "family"]))?;
    Ok(check_chain(
        ctx,
        &b.str("table").unwrap_or_else(|| "filter".into()),
        &b.str("chain").unwrap_or_default(),
        &fam_of(&b),
    )?
    .to_value())
}

fn x_check(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig("check", &["table", "chain", "rule", "family"]))?;
    Ok(check(
        ctx,
        &b.str("table").unwrap_or_else(|| "filter".into()),
        &b.str("chain").unwrap_or_default(),
        &b.str("rule").unwrap_or_default(),
        &fam_of(&b),
    )?
    .to_value())
}

fn x_get_policy(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig("get_policy", &["table", "chain", "family"]))?;
    let Some(chain) = b.str("chain").filter(|c| !c.is_empty()) else {
        return Ok(Value::from("Error: Chain needs to be specified"));
    };
    Ok(get_policy(
        ctx,
        &b.str("table").unwrap_or_else(|| "filter".into()),
        &chain,
        &fam_of(&b),
    )?
    .map_or(Value::None, Value::from))
}

fn x_save(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig("save", &["filename", "family"]))?;
    Ok(Value::from(save(ctx, b.str("filename").as_deref())?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::iptables::dict_of;

    /// Expected strings from Salt 3007.8 (see the recorded comments in the fixtures).
    #[test]
    fn builds_rules_as_salt() {
        let r = |p: &[(&str, Value)]| build_rule("inet", &dict_of(p));
        assert_eq!(
            r(&[
                ("proto", "tcp".into()),
                ("dport", Value::Int(22)),
                ("jump", "accept".into())
            ]),
            Ok("tcp dport { 22 } accept".into())
        );
        assert_eq!(
            r(&[
                ("proto", "tcp".into()),
                ("dports", "80,443".into()),
                ("jump", "accept".into())
            ]),
            Ok("tcp dport { 443, 80 } accept".into())
        );
        assert_eq!(
            r(&[
                ("connstate", "established,related".into()),
                ("jump", "accept".into())
            ]),
            Ok("ct state { established,related } accept".into())
        );
        assert_eq!(
            r(&[
                ("source", "10.0.0.0/8".into()),
                ("if", "eth0".into()),
                ("jump", "drop".into())
            ]),
            Ok("meta iifname eth0 inet saddr 10.0.0.0/8 drop".into())
        );
        assert!(r(&[("dports", "80,x".into())]).is_err());
        assert!(build_rule("nope", &Dict::new()).is_err());
    }
}
