//! `grains.*` execution functions (salt/modules/grains.py), read-only, plus Salt's
//! `traverse_dict_and_list` and `filter_by` data helpers they share with `pillar.*` and
//! `config.*`.

use super::{Args, ExecRegistry, Sig};
use crate::RunContext;
use rsalt_data::{Dict, Key, Value};
use rsalt_sls::CallError;

/// Registers the `grains.*` functions.
pub fn register(r: &mut ExecRegistry) {
    r.add_doc(
        "grains.get",
        get,
        "Attempt to retrieve the named value from grains, if the named value is not\navailable return the passed default. The default return is an empty string.\n\nThe value can also represent a value in a nested dict using a \":\" delimiter\nfor the dict. This means that if a dict in grains looks like this::\n\n    {'pkg': {'apache': 'httpd'}}\n\nTo retrieve the value associated with the apache key in the pkg dict this\nkey can be passed::\n\n    pkg:apache\n",
    );
    r.add_doc("grains.items", items, "Return all of the minion's grains\n");
    r.add_doc("grains.item", item, "Return one or more grains\n");
    r.add_doc("grains.ls", ls, "Return a list of all available grains\n");
    r.add_doc(
        "grains.has_value",
        has_value,
        "Determine whether a key exists in the grains dictionary.\n",
    );
    r.add_doc(
        "grains.filter_by",
        filter_by,
        "Look up the given grain in a given dictionary for the current OS and return\nthe result\n",
    );
    r.add_doc(
        "grains.equals",
        equals,
        "Used to make sure the minion's grain key/value matches.\n",
    );
}

/// Salt's `yamlify_arg` for a dict key that was not found as a string: the key read as a
/// YAML scalar (`0` → int, `true` → bool, `None`/`null` → None), if that differs.
fn yamlified_key(each: &str) -> Option<Key> {
    let t = each.trim();
    if t.is_empty() || t == "---" || t == "..." {
        return None;
    }
    if each.contains('_') && t.chars().all(|c| c.is_ascii_digit() || c == '_') {
        return None;
    }
    if each.contains(['\t', '\r', '\n']) {
        return None;
    }
    if each == "None" {
        return Some(Key::None);
    }
    let v = rsalt_data::yaml::load(each).ok()?;
    match v {
        Value::Str(ref s) if s == each => None,
        Value::None if each.trim_start().starts_with('#') || each == "!" => None,
        Value::List(_) | Value::Dict(_) => None,
        other => Key::from_value(&other),
    }
}

/// `salt.utils.data.traverse_dict_and_list`: walks `data` along `key` split on
/// `delimiter`. Lists are indexed by int segments, or searched for an embedded dict
/// holding the segment. Returns `None` when the path does not exist.
pub fn traverse<'a>(data: &'a Value, key: &str, delimiter: &str) -> Option<&'a Value> {
    let parts: Vec<&str> = if delimiter.is_empty() {
        vec![key]
    } else {
        key.split(delimiter).collect()
    };
    traverse_parts(data, &parts)
}

/// Like [`traverse`] over a dict.
pub fn traverse_dict<'a>(data: &'a Dict, key: &str, delimiter: &str) -> Option<&'a Value> {
    let parts: Vec<&str> = if delimiter.is_empty() {
        vec![key]
    } else {
        key.split(delimiter).collect()
    };
    let (first, rest) = parts.split_first()?;
    let v = dict_lookup(data, first)?;
    traverse_parts(v, rest)
}

fn dict_lookup<'a>(d: &'a Dict, each: &str) -> Option<&'a Value> {
    if let Some(v) = d.get(each) {
        return Some(v);
    }
    let k = yamlified_key(each)?;
    d.map.get(&k)
}

fn traverse_parts<'a>(data: &'a Value, parts: &[&str]) -> Option<&'a Value> {
    let mut ptr = data;
    for each in parts {
        ptr = match ptr {
            Value::List(list) => {
                let embedded = |k: &Key| {
                    list.iter()
                        .filter_map(Value::as_dict)
                        .find_map(|d| d.map.get(k))
                };
                match each.trim().parse::<i64>() {
                    Err(_) => embedded(&Key::Str((*each).to_string()))?,
                    Ok(idx) => match embedded(&Key::Int(idx)) {
                        Some(v) => v,
                        None => {
                            let len = list.len() as i64;
                            let i = if idx < 0 { len + idx } else { idx };
                            if i < 0 || i >= len {
                                return None;
                            }
                            &list[i as usize]
                        }
                    },
                }
            }
            Value::Dict(d) => dict_lookup(d, each)?,
            // str[...] in Python: a string indexed by a str key raises TypeError → default.
            _ => return None,
        };
    }
    Some(ptr)
}

/// `salt.utils.data.filter_by`.
pub fn filter_by_data(
    lookup_dict: &Dict,
    lookup: &str,
    traverse_in: &Dict,
    merge: Option<&Value>,
    default: &str,
    base: Option<&str>,
) -> Result<Value, CallError> {
    let val = traverse_dict(traverse_in, lookup, ":")
        .cloned()
        .unwrap_or(Value::List(Vec::new()));
    let candidates = match val {
        Value::List(l) => l,
        other => vec![other],
    };
    let mut ret: Option<Value> = None;
    for each in &candidates {
        let test_each = each.to_py_str();
        if let Some((_, v)) = lookup_dict
            .iter()
            .find(|(k, _)| rsalt_sls::fnmatch::fnmatch(&test_each, &k.to_string()))
        {
            if !v.is_none() {
                ret = Some(v.clone());
                break;
            }
        }
    }
    let mut ret = ret.or_else(|| lookup_dict.get(default).filter(|v| !v.is_none()).cloned());
    if let Some(base) = base.filter(|b| !b.is_empty()) {
        if let Some(base_values) = lookup_dict.get(base) {
            match (&ret, base_values) {
                (None, _) => ret = Some(base_values.clone()),
                (Some(r), Value::Dict(bd)) => {
                    let Value::Dict(rd) = r else {
                        return Err(CallError::Failed(
                            "filter_by default and look-up values must both be dictionaries."
                                .into(),
                        ));
                    };
                    let mut merged = bd.clone();
                    super::slsutil::update(&mut merged, rd, true, false);
                    ret = Some(Value::Dict(merged));
                }
                _ => {}
            }
        }
    }
    if let Some(m) = merge.filter(|m| m.truthy()) {
        let Value::Dict(md) = m else {
            return Err(CallError::Failed(
                "filter_by merge argument must be a dictionary.".into(),
            ));
        };
        match ret {
            None => ret = Some(m.clone()),
            Some(Value::Dict(ref mut rd)) => {
                super::slsutil::update(rd, md, true, false);
            }
            Some(_) => {
                return Err(CallError::Failed(
                    "Cannot update using non-dict types in dictupdate.update()".into(),
                ))
            }
        }
    }
    Ok(ret.unwrap_or(Value::None))
}

/// `grains.get(key, default='', delimiter=':', ordered=True)`.
pub fn get(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "get",
        params: &["key", "default", "delimiter", "ordered"],
        required: 1,
        varargs: false,
        varkw: false,
    })?;
    let key = b.get("key").map(Value::to_py_str).unwrap_or_default();
    let delim = b.str("delimiter").unwrap_or_else(|| ":".into());
    let default = b.get("default").cloned().unwrap_or_else(|| Value::from(""));
    Ok(traverse_dict(&ctx.grains, &key, &delim)
        .cloned()
        .unwrap_or(default))
}

/// `grains.items(sanitize=False)`: all grains as a plain dict.
pub fn items(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&Sig {
        name: "items",
        params: &["sanitize"],
        required: 0,
        varargs: false,
        varkw: false,
    })?;
    let mut d = (*ctx.grains).clone();
    d.kind = rsalt_data::DictKind::Plain;
    Ok(Value::Dict(d))
}

/// `grains.item(*args, default='', delimiter=':')`: the named grains, in argument order.
pub fn item(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "item",
        params: &[],
        required: 0,
        varargs: true,
        varkw: true,
    })?;
    let default = b
        .kwargs
        .get("default")
        .cloned()
        .unwrap_or_else(|| Value::from(""));
    let delim = b
        .kwargs
        .get("delimiter")
        .map(Value::to_py_str)
        .unwrap_or_else(|| ":".into());
    let mut out = Dict::new();
    for a in &b.varargs {
        let k = a.to_py_str();
        let v = traverse_dict(&ctx.grains, &k, &delim)
            .cloned()
            .unwrap_or_else(|| default.clone());
        match Key::from_value(a) {
            Some(key) => out.insert(key, v),
            None => out.insert(k, v),
        };
    }
    Ok(Value::Dict(out))
}

/// `grains.ls()`: sorted grain names.
pub fn ls(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&Sig {
        name: "ls",
        params: &[],
        required: 0,
        varargs: false,
        varkw: false,
    })?;
    let mut keys: Vec<Key> = ctx.grains.map.keys().cloned().collect();
    keys.sort();
    Ok(Value::List(keys.iter().map(Key::to_value).collect()))
}

/// `grains.has_value(key)`: whether the (`:`-nested) key exists.
pub fn has_value(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "has_value",
        params: &["key"],
        required: 1,
        varargs: false,
        varkw: false,
    })?;
    let key = b.get("key").map(Value::to_py_str).unwrap_or_default();
    Ok(Value::Bool(traverse_dict(&ctx.grains, &key, ":").is_some()))
}

/// `grains.equals(key, value)`.
pub fn equals(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "equals",
        params: &["key", "value"],
        required: 2,
        varargs: false,
        varkw: false,
    })?;
    let key = b.get("key").map(Value::to_py_str).unwrap_or_default();
    let found = traverse_dict(&ctx.grains, &key, ":")
        .cloned()
        .unwrap_or(Value::from(""));
    Ok(Value::Bool(Some(&found) == b.get("value")))
}

/// `grains.filter_by(lookup_dict, grain='os_family', merge=None, default='default',
/// base=None)`.
pub fn filter_by(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "filter_by",
        params: &["lookup_dict", "grain", "merge", "default", "base"],
        required: 1,
        varargs: false,
        varkw: false,
    })?;
    let lookup = match b.get("lookup_dict") {
        Some(Value::Dict(d)) => d.clone(),
        Some(other) => {
            return Err(CallError::Failed(format!(
                "'{}' object has no attribute 'get'",
                other.type_name()
            )))
        }
        None => Dict::new(),
    };
    let grain = b.str("grain").unwrap_or_else(|| "os_family".into());
    let default = b.str("default").unwrap_or_else(|| "default".into());
    let base = b.str("base");
    filter_by_data(
        &lookup,
        &grain,
        &ctx.grains,
        b.get("merge"),
        &default,
        base.as_deref(),
    )
}
