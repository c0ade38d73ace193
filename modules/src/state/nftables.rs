//! The `nftables` state module (Salt's `salt/states/nftables.py`): `table_present`,
//! `table_absent`, `chain_present`, `chain_absent`, `append`, `insert`, `delete`,
//! `set_policy`, `flush`. Comments are Salt's; where Salt 3007 is not idempotent (rule
//! states re-add rules, `set_policy` always re-sets, `chain_absent` crashes or ignores
//! `test`), rsalt checks the real state instead (see `docs/state-modules.md`).

use super::{StateCall, StateModule, StateReturn};
use crate::exec::iptables::is_internal_keyword;
use crate::exec::nftables::{self as nft, nft_family};
use rsalt_data::{Dict, Value};
use rsalt_sls::CallError;

/// The `nftables` state module.
#[derive(Debug, Default, Clone, Copy)]
pub struct Nftables;

const FUNCTIONS: &[&str] = &[
    "table_present",
    "table_absent",
    "chain_present",
    "chain_absent",
    "append",
    "insert",
    "delete",
    "set_policy",
    "flush",
];

impl StateModule for Nftables {
    fn name(&self) -> &'static str {
        "nftables"
    }

    fn functions(&self) -> &'static [&'static str] {
        FUNCTIONS
    }

    fn call(&self, fun: &str, call: &StateCall<'_>) -> StateReturn {
        if !nft::available() {
            return super::iptables::unavailable(
                call,
                "nftables",
                fun,
                "nftables module could not be loaded",
            );
        }
        let a = A::from(call);
        if nft_family(&a.family).is_none() {
            return StateReturn::new(call.name.clone()).fail(format!(
                "An exception occurred in this state: KeyError: '{}'",
                a.family
            ));
        }
        let mut ret = StateReturn::new(call.name.clone());
        ret.result = None;
        let r = match fun {
            "table_present" => table_present(call, &a, ret),
            "table_absent" => table_absent(call, &a, ret),
            "chain_present" => chain_present(call, &a, ret),
            "chain_absent" => chain_absent(call, &a, ret),
            "append" => rule_state(call, &a, ret, Op::Append),
            "insert" => rule_state(call, &a, ret, Op::Insert),
            "delete" => rule_state(call, &a, ret, Op::Delete),
            "set_policy" => set_policy(call, &a, ret),
            "flush" => flush(call, &a, ret),
            other => return super::not_found("nftables", other, call),
        };
        super::or_exception(call, r)
    }
}

struct A {
    family: String,
    kwargs: Dict,
}

impl A {
    fn from(call: &StateCall<'_>) -> Self {
        let mut kwargs = Dict::new();
        let mut family = "ipv4".to_string();
        for (k, v) in call.low.iter() {
            let key = k.to_string();
            match key.as_str() {
                "family" => family = v.to_py_str(),
                "name" => {}
                other if is_internal_keyword(other) => {}
                _ => {
                    kwargs.insert(k.clone(), v.clone());
                }
            }
        }
        A { family, kwargs }
    }

    fn s(&self, k: &str) -> Option<String> {
        self.kwargs
            .get(k)
            .filter(|v| !v.is_none())
            .map(Value::to_py_str)
    }

    fn need(&self, k: &str) -> Result<String, CallError> {
        self.s(k)
            .ok_or_else(|| CallError::Failed(format!("KeyError: '{k}'")))
    }

    fn table(&self) -> String {
        self.s("table").unwrap_or_else(|| "filter".into())
    }
}

fn fam(a: &A) -> &'static str {
    nft_family(&a.family).unwrap_or("ip")
}

fn table_present(
    call: &StateCall<'_>,
    a: &A,
    mut ret: StateReturn,
) -> Result<StateReturn, CallError> {
    let (name, family) = (&call.name, &a.family);
    if nft::check_table(call.ctx, name, family)?.result {
        ret.result = Some(true);
        ret.comment = format!("nftables table {name} already exists in family {family}");
        return Ok(ret);
    }
    if call.test {
        ret.comment = format!("nftables table {name} would be created in family {family}");
        return Ok(ret);
    }
    if nft::nft_quiet(call.ctx, &format!("add table {} {name}", fam(a)))? {
        ret.changes.insert("locale", Value::from(name.as_str()));
        ret.result = Some(true);
        ret.comment = format!("nftables table {name} successfully created in family {family}");
    } else {
        ret = ret.fail(format!("Failed to create table {name} for family {family}"));
    }
    Ok(ret)
}

fn table_absent(
    call: &StateCall<'_>,
    a: &A,
    mut ret: StateReturn,
) -> Result<StateReturn, CallError> {
    let (name, family) = (&call.name, &a.family);
    if !nft::check_table(call.ctx, name, family)?.result {
        ret.result = Some(true);
        ret.comment = format!("nftables table {name} is already absent from family {family}");
        return Ok(ret);
    }
    if call.test {
        ret.comment = format!("nftables table {name} would be deleted from family {family}");
        return Ok(ret);
    }
    if nft::nft_quiet(call.ctx, &format!("delete table {} {name}", fam(a)))? {
        ret.changes.insert("locale", Value::from(name.as_str()));
        ret.result = Some(true);
        ret.comment = format!("nftables table {name} successfully deleted from family {family}");
    } else {
        ret = ret.fail(format!(
            "Failed to delete table {name} from family {family}"
        ));
    }
    Ok(ret)
}

fn chain_present(
    call: &StateCall<'_>,
    a: &A,
    mut ret: StateReturn,
) -> Result<StateReturn, CallError> {
    let (name, family, table) = (&call.name, &a.family, a.table());
    if nft::check_chain(call.ctx, &table, name, family)?.result {
        ret.result = Some(true);
        ret.comment =
            format!("nftables {name} chain is already exist in {table} table for {family}");
        return Ok(ret);
    }
    if call.test {
        ret.comment =
            format!("nftables chain {name} would be created in table {table} for family {family}");
        return Ok(ret);
    }
    let res = new_chain(call, a, &table, name)?;
    if res.result {
        ret.changes.insert("locale", Value::from(name.as_str()));
        ret.result = Some(true);
        ret.comment = format!("nftables {name} chain in {table} table create success for {family}");
    } else {
        ret = ret.fail(format!(
            "Failed to create {name} chain in {table} table: {} for {family}",
            res.comment.trim()
        ));
    }
    Ok(ret)
}

/// Salt's `nftables.new_chain`.
fn new_chain(
    call: &StateCall<'_>,
    a: &A,
    table: &str,
    chain: &str,
) -> Result<nft::NftRet, CallError> {
    let family = &a.family;
    let t = nft::check_table(call.ctx, table, family)?;
    if !t.result {
        return Ok(t);
    }
    let mut cmd = format!("-- add chain {} {table} {chain}", fam(a));
    let (tt, hook, prio) = (a.s("table_type"), a.s("hook"), a.s("priority"));
    if tt.is_some() || hook.is_some() || prio.is_some() {
        match (tt, hook, prio) {
            (Some(tt), Some(h), Some(p)) => {
                cmd = format!("{cmd} \\{{ type {tt} hook {h} priority {p}\\; \\}}");
            }
            _ => {
                return Ok(nft::NftRet {
                    result: false,
                    comment: "Table_type, hook, and priority required.".into(),
                })
            }
        }
    }
    Ok(if nft::nft_quiet(call.ctx, &cmd)? {
        nft::NftRet {
            result: true,
            comment: format!("Chain {chain} in table {table} in family {family} created"),
        }
    } else {
        nft::NftRet {
            result: false,
            comment: format!(
                "Chain {chain} in table {table} in family {family} could not be created"
            ),
        }
    })
}

fn chain_absent(
    call: &StateCall<'_>,
    a: &A,
    mut ret: StateReturn,
) -> Result<StateReturn, CallError> {
    let (name, family, table) = (&call.name, &a.family, a.table());
    let exists = nft::check_table(call.ctx, &table, family)?.result
        && nft::check_chain(call.ctx, &table, name, family)?.result;
    if !exists {
        ret.result = Some(true);
        ret.comment =
            format!("nftables {name} chain is already absent in {table} table for {family}");
        return Ok(ret);
    }
    if call.test {
        ret.comment =
            format!("nftables {name} chain in {table} table needs to be removed {family}");
        return Ok(ret);
    }
    if !nft::nft_quiet(call.ctx, &format!("flush chain {} {table} {name}", fam(a)))? {
        ret = ret.fail(format!(
            "Failed to flush {name} chain in {table} table: Failed to flush rules from chain {name} in table {table}. for {family}"
        ));
        return Ok(ret);
    }
    if nft::nft_quiet(call.ctx, &format!("delete chain {} {table} {name}", fam(a)))? {
        ret.changes.insert("locale", Value::from(name.as_str()));
        ret.result = Some(true);
        ret.comment = format!("nftables {name} chain in {table} table delete success for {family}");
    } else {
        ret = ret.fail(format!(
            "Failed to delete {name} chain in {table} table: Chain {name} in table {table} in family {family} could not be deleted for {family}"
        ));
    }
    Ok(ret)
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Append,
    Insert,
    Delete,
}

fn rule_state(
    call: &StateCall<'_>,
    a: &A,
    mut ret: StateReturn,
    op: Op,
) -> Result<StateReturn, CallError> {
    let (name, family) = (&call.name, &a.family);
    let mut kw = a.kwargs.clone();
    if kw.contains_key("target") {
        if let Some(v) = kw.remove("target") {
            kw.insert("jump", v);
        }
    }
    for k in ["chain", "save", "table", "position", "state"] {
        kw.remove(k);
    }
    let rule = match nft::build_rule(family, &kw) {
        Ok(r) => r,
        Err(e) => return Ok(ret.fail(format!("An exception occurred in this state: {e}"))),
    };
    let command = rule.clone();
    let table = a.need("table")?;
    let chain = a.need("chain")?;
    let check = nft::check(call.ctx, &table, &chain, &rule, family)?;
    let save = a.kwargs.get("save").is_some_and(Value::truthy);
    if op == Op::Delete {
        if !check.result {
            ret.result = Some(true);
            ret.comment =
                format!("nftables rule for {name} already absent for {family} ({command})");
            return Ok(ret);
        }
        if call.test {
            ret.comment =
                format!("nftables rule for {name} needs to be deleted for {family} ({command})");
            return Ok(ret);
        }
        let handle = match a.s("position") {
            Some(p) => Some(p),
            None => nft::find_rule(call.ctx, &table, &chain, &rule, family)?,
        };
        let ok = match handle {
            Some(h) => nft::nft_quiet(
                call.ctx,
                &format!("delete rule {} {table} {chain} handle {h}", fam(a)),
            )?,
            None => false,
        };
        if ok {
            ret.changes.insert("locale", Value::from(name.as_str()));
            ret.result = Some(true);
            ret.comment = format!("Delete nftables rule for {name} {command}");
            if save {
                nft::save(call.ctx, None)?;
                ret.comment =
                    format!("Deleted and Saved nftables rule for {name} for {command}{family}");
            }
        } else {
            ret = ret.fail(format!(
                "Failed to delete nftables rule for {name}.\nAttempted rule was {command}"
            ));
        }
        return Ok(ret);
    }
    if check.result {
        ret.result = Some(true);
        ret.comment = if op == Op::Append {
            format!("nftables rule for {name} already set ({command}) for {family}")
        } else {
            format!("nftables rule for {name} already set for {family} ({command})")
        };
        return Ok(ret);
    }
    if call.test {
        ret.comment = if op == Op::Append {
            format!("nftables rule for {name} needs to be set ({command}) for {family}")
        } else {
            format!("nftables rule for {name} needs to be set for {family} ({command})")
        };
        return Ok(ret);
    }
    let (ok, why) = if !nft::check_table(call.ctx, &table, family)?.result
        || !nft::check_chain(call.ctx, &table, &chain, family)?.result
    {
        let c = nft::check_table(call.ctx, &table, family)?;
        let c = if c.result {
            nft::check_chain(call.ctx, &table, &chain, family)?
        } else {
            c
        };
        (false, c.comment)
    } else {
        if op == Op::Insert {
            // Salt reads kwargs["position"] here (KeyError without it).
            a.need("position")?;
        }
        let cmd = match (op, a.s("position").filter(|p| p != "0" && !p.is_empty())) {
            (Op::Insert, Some(p)) => {
                format!("insert rule {} {table} {chain} position {p} {rule}", fam(a))
            }
            (Op::Insert, None) => format!("insert rule {} {table} {chain} {rule}", fam(a)),
            _ => format!("add rule {} {table} {chain} {rule}", fam(a)),
        };
        let ok = nft::nft_quiet(call.ctx, &cmd)?;
        (
            ok,
            format!(
                "Failed to add rule \"{rule}\" chain {chain} in table {table} in family {family}."
            ),
        )
    };
    if ok {
        ret.changes.insert("locale", Value::from(name.as_str()));
        ret.result = Some(true);
        ret.comment = format!("Set nftables rule for {name} to: {command} for {family}");
        if save {
            nft::save(call.ctx, None)?;
            ret.comment =
                format!("Set and Saved nftables rule for {name} to: {command} for {family}");
        }
    } else {
        ret = ret.fail(if op == Op::Append {
            format!("Failed to set nftables rule for {name}.\nAttempted rule was {command} for {family}.\n{why}")
        } else {
            format!("Failed to set nftables rule for {name}.\nAttempted rule was {command}")
        });
    }
    Ok(ret)
}

fn set_policy(call: &StateCall<'_>, a: &A, mut ret: StateReturn) -> Result<StateReturn, CallError> {
    let (name, family) = (&call.name, &a.family);
    let table = a.table();
    let chain = a.need("chain")?;
    let policy = a.need("policy")?;
    let cur = nft::get_policy(call.ctx, &table, &chain, family)?;
    if cur.unwrap_or_default().to_lowercase() == policy.to_lowercase() {
        ret.result = Some(true);
        ret.comment = format!(
            "nftables default policy for chain {chain} on table {table} for {family} already set to {policy}"
        );
        return Ok(ret);
    }
    if call.test {
        ret.comment = format!(
            "nftables default policy for chain {chain} on table {table} for {family} needs to be set to {policy}"
        );
        return Ok(ret);
    }
    if nft::set_policy(call.ctx, &table, &chain, &policy.to_lowercase(), family)? {
        ret.changes.insert("locale", Value::from(name.as_str()));
        ret.result = Some(true);
        ret.comment = format!("Set default policy for {chain} to {policy} family {family}");
        if a.kwargs.get("save").is_some_and(Value::truthy) {
            nft::save(call.ctx, a.s("save_filename").as_deref())?;
            ret.comment =
                format!("Set and saved default policy for {chain} to {policy} family {family}");
        }
    } else {
        ret = ret.fail("Failed to set nftables default policy");
    }
    Ok(ret)
}

fn flush(call: &StateCall<'_>, a: &A, mut ret: StateReturn) -> Result<StateReturn, CallError> {
    let (name, family) = (&call.name, &a.family);
    if call.test {
        ret.comment = "nftables flush not performed in test mode.".into();
        return Ok(ret);
    }
    let ignore = a.kwargs.get("ignore_absence").is_some_and(Value::truthy);
    let table = a.table();
    let t = nft::check_table(call.ctx, &table, family)?;
    if !ignore && !t.result {
        return Ok(ret.fail(format!(
            "Failed to flush table {table} in family {family}, table does not exist."
        )));
    }
    let chain = a.s("chain").unwrap_or_default();
    let mut chain_ok = true;
    if !chain.is_empty() {
        chain_ok = nft::check_chain(call.ctx, &table, &chain, family)?.result;
        if !ignore && !chain_ok {
            return Ok(ret.fail(format!(
                "Failed to flush chain {chain} in table {table} in family {family}, chain does not exist."
            )));
        }
    }
    let flushed = t.result
        && chain_ok
        && if chain.is_empty() {
            nft::nft_quiet(call.ctx, &format!("flush table {} {table}", fam(a)))?
        } else {
            nft::nft_quiet(call.ctx, &format!("flush chain {} {table} {chain}", fam(a)))?
        };
    if flushed || ignore && (!t.result || !chain_ok) {
        ret.changes.insert("locale", Value::from(name.as_str()));
        ret.result = Some(true);
        ret.comment =
            format!("Flush nftables rules in {table} table {chain} chain {family} family");
    } else {
        ret = ret.fail("Failed to flush nftables rules");
    }
    Ok(ret)
}
