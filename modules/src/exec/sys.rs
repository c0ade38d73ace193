//! `sys.*` execution functions (salt/modules/sysmod.py): introspection of the functions
//! rsalt implements. They need the function table, so [`super::LocalCaller`] serves them
//! through [`introspect`]; the registry entries only make them listed and callable.

use super::{Args, ExecRegistry, Sig};
use crate::RunContext;
use rsalt_data::{Dict, Value};
use rsalt_sls::CallError;
use std::collections::BTreeSet;

/// An introspection function: sees the exec function table.
pub type SysFn = fn(&ExecRegistry, &RunContext, &Args) -> Result<Value, CallError>;

/// Registers the `sys.*` names (served by [`introspect`] through the caller).
pub fn register(r: &mut ExecRegistry) {
    r.add_doc("sys.doc", placeholder, "Return the docstrings for all modules. Optionally, specify a module or a\nfunction to narrow the selection.\n");
    r.add_doc("sys.list_functions", placeholder, "List the functions for all modules. Optionally, specify a module or modules\nfrom which to list.\n");
    r.add_doc(
        "sys.list_modules",
        placeholder,
        "List the modules loaded on the minion\n",
    );
    r.add_doc("sys.list_state_functions", placeholder, "List the functions for all state modules. Optionally, specify a state\nmodule or modules from which to list.\n");
    r.add_doc(
        "sys.list_state_modules",
        placeholder,
        "List the modules loaded on the minion\n",
    );
    r.add_doc("sys.state_doc", placeholder, "Return the docstrings for all states. Optionally, specify a state or a\nfunction to narrow the selection.\n");
}

/// The introspection function for `name`, if it is one.
pub fn introspect(name: &str) -> Option<SysFn> {
    Some(match name {
        "sys.doc" => doc,
        "sys.list_functions" => list_functions,
        "sys.list_modules" => list_modules,
        "sys.list_state_functions" => list_state_functions,
        "sys.list_state_modules" => list_state_modules,
        "sys.state_doc" => state_doc,
        _ => return None,
    })
}

/// Called only when a `sys.*` function is looked up in the table directly instead of
/// through a caller: asks the context's caller, which knows the table.
fn placeholder(_ctx: &RunContext, _args: &Args) -> Result<Value, CallError> {
    Err(CallError::Failed(
        "sys.* functions must be called through the caller".into(),
    ))
}

fn star_args(fun: &'static str, args: &Args) -> Result<Vec<String>, CallError> {
    let b = args.bind(&Sig {
        name: fun,
        params: &[],
        required: 0,
        varargs: true,
        varkw: true,
    })?;
    Ok(b.varargs.iter().map(Value::to_py_str).collect())
}

fn fnmatch(name: &str, pat: &str) -> bool {
    rsalt_sls::fnmatch::fnmatch(name, pat)
}

/// Functions selected by `sys.doc`-style patterns (`mod`, `mod.fun`, globs).
fn select_doc<'a>(all: &[&'a str], pats: &[String]) -> Vec<&'a str> {
    if pats.is_empty() {
        return all.to_vec();
    }
    let mut out = BTreeSet::new();
    for m in pats {
        if m.contains('*') {
            out.extend(all.iter().filter(|f| fnmatch(f, m)));
        } else {
            let target = if m.is_empty() || m.ends_with('.') {
                m.clone()
            } else {
                format!("{m}.")
            };
            out.extend(
                all.iter()
                    .filter(|f| **f == m.as_str() || f.starts_with(&target)),
            );
        }
    }
    out.into_iter().collect()
}

/// Functions selected by `sys.list_functions`-style patterns.
fn select_list<'a>(all: &[&'a str], pats: &[String]) -> Vec<&'a str> {
    if pats.is_empty() {
        return all.to_vec();
    }
    let mut out = BTreeSet::new();
    for m in pats {
        if m.contains('*') || m.contains('.') {
            out.extend(all.iter().filter(|f| fnmatch(f, m)));
        } else {
            let dot = format!("{m}.");
            out.extend(all.iter().filter(|f| f.starts_with(&dot)));
        }
    }
    out.into_iter().collect()
}

fn modules_of(all: &[&str], pats: &[String]) -> Value {
    let mut mods = BTreeSet::new();
    for f in all {
        let m = f.split('.').next().unwrap_or(f);
        let keep = pats.is_empty()
            || pats.iter().any(|p| {
                if p.contains('*') {
                    fnmatch(f, p)
                } else {
                    m == p
                }
            });
        if keep {
            mods.insert(m.to_string());
        }
    }
    Value::List(mods.into_iter().map(Value::from).collect())
}

/// `sys.doc(*names)`: `{function: doc}`.
pub fn doc(reg: &ExecRegistry, _ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let pats = star_args("doc", args)?;
    let all: Vec<&str> = reg.names().collect();
    let mut d = Dict::new();
    for f in select_doc(&all, &pats) {
        d.insert(f, reg.doc(f).map_or(Value::None, Value::from));
    }
    Ok(Value::Dict(d))
}

/// `sys.list_functions(*modules)`: sorted function names.
pub fn list_functions(
    reg: &ExecRegistry,
    _ctx: &RunContext,
    args: &Args,
) -> Result<Value, CallError> {
    let pats = star_args("list_functions", args)?;
    let all: Vec<&str> = reg.names().collect();
    Ok(Value::List(
        select_list(&all, &pats)
            .into_iter()
            .map(Value::from)
            .collect(),
    ))
}

/// `sys.list_modules(*patterns)`: sorted module names.
pub fn list_modules(
    reg: &ExecRegistry,
    _ctx: &RunContext,
    args: &Args,
) -> Result<Value, CallError> {
    let pats = star_args("list_modules", args)?;
    let all: Vec<&str> = reg.names().collect();
    Ok(modules_of(&all, &pats))
}

fn state_functions() -> Vec<String> {
    let reg = crate::state::registry();
    let mut v = Vec::new();
    for m in reg.names() {
        if let Some(module) = reg.get(m) {
            for f in module.functions() {
                v.push(format!("{m}.{f}"));
            }
        }
    }
    v.sort();
    v
}

/// `sys.list_state_functions(*modules)`.
pub fn list_state_functions(
    _reg: &ExecRegistry,
    _ctx: &RunContext,
    args: &Args,
) -> Result<Value, CallError> {
    let pats = star_args("list_state_functions", args)?;
    let all = state_functions();
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    Ok(Value::List(
        select_list(&refs, &pats)
            .into_iter()
            .map(Value::from)
            .collect(),
    ))
}

/// `sys.list_state_modules(*patterns)`.
pub fn list_state_modules(
    _reg: &ExecRegistry,
    _ctx: &RunContext,
    args: &Args,
) -> Result<Value, CallError> {
    let pats = star_args("list_state_modules", args)?;
    let all = state_functions();
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    Ok(modules_of(&refs, &pats))
}

/// `sys.state_doc(*names)`: state functions mapped to (absent) docs.
pub fn state_doc(_reg: &ExecRegistry, _ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let pats = star_args("state_doc", args)?;
    let all = state_functions();
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let mut d = Dict::new();
    for f in select_doc(&refs, &pats) {
        d.insert(f, Value::None);
    }
    Ok(Value::Dict(d))
}
