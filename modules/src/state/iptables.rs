//! The `iptables` state module (Salt's `salt/states/iptables.py`): `append`, `insert`,
//! `delete`, `chain_present`, `chain_absent`, `set_policy`, `flush`, with `save` and
//! `family` (ipv4/ipv6). Rules are built from the state's keyword arguments by
//! [`crate::exec::iptables::build_rule`] and checked with `iptables -C`, so a second run
//! changes nothing. Comments are Salt's, word for word.

use super::{StateCall, StateModule, StateReturn};
use crate::exec::iptables::{self as ipt, is_internal_keyword, RuleSpec};
use rsalt_data::{Dict, Value};

/// The `iptables` state module.
#[derive(Debug, Default, Clone, Copy)]
pub struct Iptables;

const FUNCTIONS: &[&str] = &[
    "append",
    "insert",
    "delete",
    "chain_present",
    "chain_absent",
    "set_policy",
    "flush",
];

impl StateModule for Iptables {
    fn name(&self) -> &'static str {
        "iptables"
    }

    fn functions(&self) -> &'static [&'static str] {
        FUNCTIONS
    }

    fn call(&self, fun: &str, call: &StateCall<'_>) -> StateReturn {
        if ipt::which("iptables").is_empty() {
            return unavailable(call, "iptables", fun, "iptables module could not be loaded");
        }
        let a = StateArgs::from(call);
        let mut ret = StateReturn::new(call.name.clone());
        ret.result = None;
        let r = match fun {
            "append" => rule_state(call, &a, ret, Op::Append),
            "insert" => rule_state(call, &a, ret, Op::Insert),
            "delete" => rule_state(call, &a, ret, Op::Delete),
            "chain_present" => chain_present(call, &a, ret),
            "chain_absent" => chain_absent(call, &a, ret),
            "set_policy" => set_policy(call, &a, ret),
            "flush" => flush(call, &a, ret),
            other => return super::not_found("iptables", other, call),
        };
        r.unwrap_or_else(|e| StateReturn::new(call.name.clone()).fail(e))
    }
}

/// Salt's result when a state module's `__virtual__` refused to load (its binary is
/// missing): `State 'm.f' was not found in SLS 's'` plus the reason.
pub fn unavailable(call: &StateCall<'_>, module: &str, fun: &str, reason: &str) -> StateReturn {
    StateReturn::new(call.name.clone()).fail(format!(
        "State '{module}.{fun}' was not found in SLS '{}'\nReason: '{module}' __virtual__ returned False: {reason}\n",
        call.sls().unwrap_or_default()
    ))
}

/// The state's arguments: `table`, `family` and the remaining keyword arguments in SLS
/// order (internal keywords removed, as Salt's `format_call` does).
struct StateArgs {
    table: String,
    family: String,
    kwargs: Dict,
}

impl StateArgs {
    fn from(call: &StateCall<'_>) -> Self {
        let mut kwargs = Dict::new();
        let mut table = "filter".to_string();
        let mut family = "ipv4".to_string();
        for (k, v) in call.low.iter() {
            let key = k.to_string();
            match key.as_str() {
                "table" => table = v.to_py_str(),
                "family" => family = v.to_py_str(),
                "name" | "__agg__" => {}
                other if is_internal_keyword(other) => {}
                _ => {
                    kwargs.insert(k.clone(), v.clone());
                }
            }
        }
        StateArgs {
            table,
            family,
            kwargs,
        }
    }

    fn get(&self, k: &str) -> Option<&Value> {
        self.kwargs.get(k)
    }

    /// `kwargs["x"]`: a missing key is Salt's `KeyError`.
    fn need(&self, k: &str) -> Result<String, String> {
        self.get(k)
            .map(Value::to_py_str)
            .ok_or_else(|| format!("An exception occurred in this state: KeyError: '{k}'"))
    }

    /// `save`: `None` when not saving, `Some(None)` for the distribution's file,
    /// `Some(Some(path))` for a file name.
    fn save(&self) -> Option<Option<String>> {
        match self.get("save") {
            None => None,
            Some(v) if !v.truthy() => None,
            Some(Value::Bool(true)) => Some(None),
            Some(v) => Some(Some(v.to_py_str())),
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Append,
    Insert,
    Delete,
}

fn err_s(e: impl std::fmt::Display) -> String {
    format!("An exception occurred in this state: {e}")
}

/// Saves and returns `iptables.save`'s message.
fn do_save(call: &StateCall<'_>, a: &StateArgs, file: Option<String>) -> Result<String, String> {
    ipt::save(call.ctx, file.as_deref(), &a.family).map_err(err_s)
}

fn rule_state(
    call: &StateCall<'_>,
    a: &StateArgs,
    mut ret: StateReturn,
    op: Op,
) -> Result<StateReturn, String> {
    let name = &call.name;
    let fam = &a.family;
    let chain = a.need("chain")?;
    let position = a.get("position").map(Value::to_py_str).unwrap_or_default();
    let rule = ipt::build_rule(
        &RuleSpec {
            table: a.table.clone(),
            chain: Some(chain.clone()),
            command: None,
            position: String::new(),
            full: false,
            family: fam.clone(),
        },
        &without(&a.kwargs, "position"),
    );
    let letter = match op {
        Op::Append => "A",
        Op::Insert => "I",
        Op::Delete => "D",
    };
    let command = ipt::build_rule(
        &RuleSpec {
            table: a.table.clone(),
            chain: Some(chain.clone()),
            command: Some(letter.into()),
            position: if op == Op::Append {
                String::new()
            } else {
                position.clone()
            },
            full: true,
            family: fam.clone(),
        },
        &without(&a.kwargs, "position"),
    );
    let command = command.trim().to_string();
    let present = ipt::check(call.ctx, &a.table, &chain, &rule, fam) == Ok(true);
    if op == Op::Delete {
        if !present && a.get("position").is_none() {
            ret.result = Some(true);
            ret.comment = format!("iptables rule for {name} already absent for {fam} ({command})");
            return Ok(ret);
        }
        if call.test {
            ret.comment =
                format!("iptables rule for {name} needs to be deleted for {fam} ({command})");
            return Ok(ret);
        }
        let what = if a.get("position").is_some() {
            position
        } else {
            rule
        };
        let out =
            ipt::ipt(call.ctx, fam, &format!("-t {} -D {chain} {what}", a.table)).map_err(err_s)?;
        if out.is_empty() {
            ret.changes.insert("locale", Value::from(name.as_str()));
            ret.result = Some(true);
            ret.comment = format!("Delete iptables rule for {name} {command}");
            if let Some(file) = a.save() {
                let out = do_save(call, a, file)?;
                ret.comment =
                    format!("Deleted and saved iptables rule {name} for {fam}\n{command}\n{out}");
            }
        } else {
            ret.result = Some(false);
            ret.comment =
                format!("Failed to delete iptables rule for {name}.\nAttempted rule was {command}");
        }
        return Ok(ret);
    }
    if present {
        ret.result = Some(true);
        ret.comment = if op == Op::Append {
            format!("iptables rule for {name} already set ({command}) for {fam}")
        } else {
            format!("iptables rule for {name} already set for {fam} ({command})")
        };
        if let Some(file) = a.save() {
            let saved = ipt::get_saved_rules(call.ctx, file.as_deref(), fam).map_err(err_s)?;
            let live = ipt::get_rules(call.ctx, fam).map_err(err_s)?;
            if ipt::rule_lists(&live) != ipt::rule_lists(&saved) {
                let out = do_save(call, a, file)?;
                ret.comment += &format!("\nSaved iptables rule {name} for {fam}\n{command}\n{out}");
            }
        }
        return Ok(ret);
    }
    if call.test {
        ret.comment = if op == Op::Append {
            format!("iptables rule for {name} needs to be set ({command}) for {fam}")
        } else {
            format!("iptables rule for {name} needs to be set for {fam} ({command})")
        };
        return Ok(ret);
    }
    let ok = match op {
        Op::Append => ipt::append(call.ctx, &a.table, &chain, &rule, fam).map_err(err_s)?,
        _ => {
            let pos = a.get("position").ok_or_else(|| {
                "An exception occurred in this state: KeyError: 'position'".to_string()
            })?;
            let pos = ipt::parse_position(pos).map_err(err_s)?;
            ipt::insert(call.ctx, &a.table, &chain, pos, &rule, fam)
                .map_err(err_s)?
                .is_empty()
        }
    };
    if ok {
        ret.changes.insert("locale", Value::from(name.as_str()));
        ret.result = Some(true);
        ret.comment = format!("Set iptables rule for {name} to: {command} for {fam}");
        if let Some(file) = a.save() {
            let out = do_save(call, a, file)?;
            ret.comment = format!("Set and saved iptables rule {name} for {fam}\n{command}\n{out}");
        }
    } else {
        ret.result = Some(false);
        ret.comment = if op == Op::Append {
            format!(
                "Failed to set iptables rule for {name}.\nAttempted rule was {command} for {fam}"
            )
        } else {
            format!("Failed to set iptables rule for {name}.\nAttempted rule was {command}")
        };
    }
    Ok(ret)
}

fn without(d: &Dict, key: &str) -> Dict {
    let mut d = d.clone();
    d.remove(key);
    d
}

fn chain_present(
    call: &StateCall<'_>,
    a: &StateArgs,
    mut ret: StateReturn,
) -> Result<StateReturn, String> {
    let (name, table, fam) = (&call.name, &a.table, &a.family);
    if ipt::check_chain(call.ctx, table, name, fam) {
        ret.result = Some(true);
        ret.comment = format!("iptables {name} chain is already exist in {table} table for {fam}");
        return Ok(ret);
    }
    if call.test {
        ret.comment = format!("iptables {name} chain in {table} table needs to be set for {fam}");
        return Ok(ret);
    }
    let out = ipt::ipt(call.ctx, fam, &format!("-t {table} -N {name}")).map_err(err_s)?;
    if out.is_empty() {
        ret.changes.insert("locale", Value::from(name.as_str()));
        ret.result = Some(true);
        ret.comment = format!("iptables {name} chain in {table} table create success for {fam}");
    } else {
        ret.result = Some(false);
        ret.comment = format!(
            "Failed to create {name} chain in {table} table: {} for {fam}",
            out.trim()
        );
    }
    Ok(ret)
}

fn chain_absent(
    call: &StateCall<'_>,
    a: &StateArgs,
    mut ret: StateReturn,
) -> Result<StateReturn, String> {
    let (name, table, fam) = (&call.name, &a.table, &a.family);
    if !ipt::check_chain(call.ctx, table, name, fam) {
        ret.result = Some(true);
        ret.comment = format!("iptables {name} chain is already absent in {table} table for {fam}");
        return Ok(ret);
    }
    if call.test {
        ret.comment = format!("iptables {name} chain in {table} table needs to be removed {fam}");
        return Ok(ret);
    }
    let flushed = ipt::ipt(call.ctx, fam, &format!("-t {table} -F {name}")).map_err(err_s)?;
    if !flushed.is_empty() {
        ret.result = Some(false);
        ret.comment = format!(
            "Failed to flush {name} chain in {table} table: {} for {fam}",
            flushed.trim()
        );
        return Ok(ret);
    }
    let out = ipt::ipt(call.ctx, fam, &format!("-t {table} -X {name}")).map_err(err_s)?;
    if out.is_empty() {
        ret.changes.insert("locale", Value::from(name.as_str()));
        ret.result = Some(true);
        ret.comment = format!("iptables {name} chain in {table} table delete success for {fam}");
    } else {
        ret.result = Some(false);
        ret.comment = format!(
            "Failed to delete {name} chain in {table} table: {} for {fam}",
            out.trim()
        );
    }
    Ok(ret)
}

fn set_policy(
    call: &StateCall<'_>,
    a: &StateArgs,
    mut ret: StateReturn,
) -> Result<StateReturn, String> {
    let (name, table, fam) = (&call.name, &a.table, &a.family);
    let chain = a.need("chain")?;
    let policy = a.need("policy")?;
    let current = ipt::get_policy(call.ctx, table, &chain, fam).map_err(err_s)?;
    if current.as_deref() == Some(policy.as_str()) {
        ret.result = Some(true);
        ret.comment = format!(
            "iptables default policy for chain {chain} on table {table} for {fam} already set to {policy}"
        );
        return Ok(ret);
    }
    if call.test {
        ret.comment = format!(
            "iptables default policy for chain {chain} on table {table} for {fam} needs to be set to {policy}"
        );
        return Ok(ret);
    }
    let out = ipt::ipt(call.ctx, fam, &format!("-t {table} -P {chain} {policy}")).map_err(err_s)?;
    if out.is_empty() {
        ret.changes.insert("locale", Value::from(name.as_str()));
        ret.result = Some(true);
        ret.comment = format!("Set default policy for {chain} to {policy} family {fam}");
        if let Some(file) = a.save() {
            do_save(call, a, file)?;
            ret.comment =
                format!("Set and saved default policy for {chain} to {policy} family {fam}");
        }
    } else {
        ret.result = Some(false);
        ret.comment = "Failed to set iptables default policy".into();
    }
    Ok(ret)
}

fn flush(call: &StateCall<'_>, a: &StateArgs, mut ret: StateReturn) -> Result<StateReturn, String> {
    let (name, table, fam) = (&call.name, &a.table, &a.family);
    let chain = a.get("chain").map(Value::to_py_str).unwrap_or_default();
    if call.test {
        ret.comment = format!(
            "iptables rules in {name} table {table} chain {fam} family needs to be flushed"
        );
        return Ok(ret);
    }
    let out = ipt::ipt(call.ctx, fam, &format!("-t {table} -F {chain}")).map_err(err_s)?;
    if out.is_empty() {
        ret.changes.insert("locale", Value::from(name.as_str()));
        ret.result = Some(true);
        ret.comment = format!("Flush iptables rules in {table} table {chain} chain {fam} family");
    } else {
        ret.result = Some(false);
        ret.comment = "Failed to flush iptables rules".into();
    }
    Ok(ret)
}
