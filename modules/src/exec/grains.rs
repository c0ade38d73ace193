//! `grains.*` execution functions (salt/modules/grains.py), including the writers of the
//! grains file (`grains.set`, `grains.setval`, ...), plus Salt's
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
    register_writers(r);
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

/// Registers the `grains.*` functions that write the grains file.
pub fn register_writers(r: &mut ExecRegistry) {
    r.add_doc("grains.fetch", get, "Same as grains.get (Salt's alias).\n");
    r.add_doc(
        "grains.setvals",
        setvals,
        "Set new grains values in the grains config file\n",
    );
    r.add_doc(
        "grains.setval",
        setval,
        "Set a grains value in the grains config file\n",
    );
    r.add_doc(
        "grains.set",
        set,
        "Set a key to an arbitrary value. It is used like setval but works\nwith nested keys.\n",
    );
    r.add_doc(
        "grains.append",
        append,
        "Append a value to a list in the grains config file. If the grain doesn't\nexist, the grain key is added and the value is appended to the new grain\nas a list item.\n",
    );
    r.add_doc(
        "grains.remove",
        remove,
        "Remove a value from a list in the grains config file\n",
    );
    r.add_doc(
        "grains.delkey",
        delkey,
        "Remove a grain completely from the grain system, this will remove the\ngrain key and value\n",
    );
    r.add_doc(
        "grains.delval",
        delval,
        "Delete a grain value from the grains config file. This will just set the\ngrain value to ``None``. To completely remove the grain, run ``grains.delkey``\nor pass ``destructive=True`` to ``grains.delval``.\n",
    );
}

/// The grains file Salt writes: `grains` next to `conf_file` (or inside it when
/// `conf_file` is a directory).
pub fn grains_file(ctx: &RunContext) -> std::path::PathBuf {
    use std::path::{Path, PathBuf};
    let conf = match ctx.opt("conf_file").and_then(Value::as_str) {
        Some(c) => PathBuf::from(c),
        None => match ctx.opt("config_dir").and_then(Value::as_str) {
            Some(d) => return Path::new(d).join("grains"),
            None => return PathBuf::from("grains"),
        },
    };
    if conf.is_dir() {
        conf.join("grains")
    } else {
        conf.parent().unwrap_or(Path::new("")).join("grains")
    }
}

/// A Python dict key from a value, or Python's `unhashable type` TypeError.
fn hashable(v: &Value) -> Result<Key, CallError> {
    Key::from_value(v)
        .ok_or_else(|| CallError::BadArguments(format!("unhashable type: '{}'", v.type_name())))
}

/// Python `==`: `True == 1 == 1.0`, containers compared element by element.
fn py_eq(a: &Value, b: &Value) -> bool {
    fn num(v: &Value) -> Option<f64> {
        match v {
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q))
        }
        (Value::Dict(x), Value::Dict(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.map.get(k).is_some_and(|w| py_eq(v, w)))
        }
        _ => match (num(a), num(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
    }
}

/// `destructive is True`.
fn is_true_bool(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(true)))
}

/// The core of `grains.setvals`: merges `new` into the grains file (a `None` value with
/// `destructive` removes the key) and returns `new`, or Salt's message when the
/// existing file cannot be read.
pub fn write_grains(ctx: &RunContext, new: &Dict, destructive: bool) -> Value {
    let gfn = grains_file(ctx);
    let mut grains = Dict::new();
    if gfn.is_file() {
        let text = match std::fs::read(&gfn) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => return Value::from(format!("Unable to read existing grains file: {e}")),
        };
        match rsalt_data::yaml::safe_load(&text) {
            Ok(Value::Dict(d)) => grains = d,
            Ok(_) => {}
            Err(e) => {
                return Value::from(format!("Unable to read existing grains file: {e}"));
            }
        }
    }
    for (k, v) in new.iter() {
        if v.is_none() && destructive {
            grains.map.shift_remove(k);
        } else {
            grains.insert(k.clone(), v.clone());
        }
    }
    let text = rsalt_data::yaml::dump(
        &Value::Dict(grains),
        &rsalt_data::yaml::DumpOptions::default(),
    );
    if let Err(e) = std::fs::write(&gfn, text) {
        tracing::error!(
            "Unable to write to grains file at {}. Check permissions. ({e})",
            gfn.display()
        );
    }
    if let Some(cachedir) = ctx.opt("cachedir").and_then(Value::as_str) {
        let fn_ = std::path::Path::new(cachedir).join("module_refresh");
        if let Err(e) = std::fs::write(&fn_, b"") {
            tracing::error!(
                "Unable to write to cache file {}. Check permissions. ({e})",
                fn_.display()
            );
        }
    }
    Value::Dict(new.clone())
}

/// `grains.setvals(grains, destructive=False, refresh_pillar=True)`.
pub fn setvals(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "setvals",
        params: &["grains", "destructive", "refresh_pillar"],
        required: 1,
        varargs: false,
        varkw: false,
    })?;
    let Some(Value::Dict(new)) = b.get("grains") else {
        return Err(CallError::Failed(
            "SaltException: setvals grains must be a dictionary.".into(),
        ));
    };
    Ok(write_grains(ctx, new, is_true_bool(b.get("destructive"))))
}

/// `grains.setval(key, val, destructive=False, refresh_pillar=True)`.
pub fn setval(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "setval",
        params: &["key", "val", "destructive", "refresh_pillar"],
        required: 2,
        varargs: false,
        varkw: false,
    })?;
    let key = hashable(b.get("key").unwrap_or(&Value::None))?;
    let mut new = Dict::new();
    new.insert(key, b.get("val").cloned().unwrap_or(Value::None));
    Ok(write_grains(ctx, &new, is_true_bool(b.get("destructive"))))
}

/// `grains.get(key, default, delimiter)` on the grains of this call, cloned.
fn lookup(ctx: &RunContext, key: &Value, delimiter: &str) -> Option<Value> {
    traverse_dict(&ctx.grains, &key.to_py_str(), delimiter).cloned()
}

/// The string key of the nesting loops (`delimiter in key` is a TypeError otherwise).
fn str_key(key: &Value) -> Result<String, CallError> {
    match key {
        Value::Str(s) => Ok(s.clone()),
        other => Err(CallError::BadArguments(format!(
            "argument of type '{}' is not iterable",
            other.type_name()
        ))),
    }
}

fn delimiter_of(b: &super::Bound) -> String {
    b.get("delimiter")
        .map(Value::to_py_str)
        .unwrap_or_else(|| ":".into())
}

fn single(key: Value, val: Value) -> Result<Dict, CallError> {
    let mut d = Dict::new();
    d.insert(hashable(&key)?, val);
    Ok(d)
}

fn is_complex(v: &Value) -> bool {
    matches!(v, Value::Dict(_) | Value::List(_))
}

fn set_ret(comment: String, changes: Value, result: bool) -> Value {
    let mut ret = Dict::new();
    ret.insert("comment", Value::from(comment));
    ret.insert("changes", changes);
    ret.insert("result", Value::Bool(result));
    Value::Dict(ret)
}

/// `grains.set(key, val='', force=False, destructive=False, delimiter=':')`.
pub fn set(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "set",
        params: &["key", "val", "force", "destructive", "delimiter"],
        required: 1,
        varargs: false,
        varkw: false,
    })?;
    let key_v = b.get("key").cloned().unwrap_or(Value::None);
    let val = b.get("val").cloned().unwrap_or_else(|| Value::from(""));
    let force = b.truthy("force", false);
    let destructive_v = b.get("destructive").cloned();
    let destructive_true = is_true_bool(destructive_v.as_ref());
    let destructive = destructive_v.as_ref().is_some_and(Value::truthy);
    let delim = delimiter_of(&b);
    set_impl(
        ctx,
        key_v,
        val,
        force,
        destructive,
        destructive_true,
        &delim,
    )
}

fn set_impl(
    ctx: &RunContext,
    key_v: Value,
    val: Value,
    force: bool,
    destructive: bool,
    destructive_true: bool,
    delim: &str,
) -> Result<Value, CallError> {
    let existing = lookup(ctx, &key_v, delim);
    if let Some(e) = &existing {
        if py_eq(e, &val) && (!val.is_none() || !destructive_true) {
            return Ok(set_ret("Grain is already set".into(), Value::dict(), true));
        }
    }
    if existing.as_ref().is_some_and(|e| !e.is_none()) && !force {
        let key = key_v.to_py_str();
        if existing.as_ref().is_some_and(is_complex) {
            return Ok(set_ret(
                format!(
                    "The key '{key}' exists but is a dict or a list. Use 'force=True' to overwrite."
                ),
                Value::dict(),
                false,
            ));
        } else if is_complex(&val) {
            return Ok(set_ret(
                format!("The key '{key}' exists and the given value is a dict or a list. Use 'force=True' to overwrite."),
                Value::dict(),
                false,
            ));
        }
    }
    let mut value = val;
    let mut key_v = key_v;
    loop {
        let key = str_key(&key_v)?;
        if delim.is_empty() || !key.contains(delim) {
            break;
        }
        let Some((parent, rest)) = key.rsplit_once(delim) else {
            break;
        };
        let parent_v = Value::from(parent);
        let current = lookup(ctx, &parent_v, delim).unwrap_or_else(Value::dict);
        let updated = match current {
            Value::Dict(mut d) => {
                if value.is_none() && destructive {
                    d.map.shift_remove(&Key::Str(rest.to_string()));
                } else {
                    d.insert(rest, value.clone());
                }
                Value::Dict(d)
            }
            Value::List(mut l) => {
                let mut updated = false;
                for item in l.iter_mut() {
                    if item.as_str() == Some(rest) {
                        let mut d = Dict::new();
                        d.insert(rest, value.clone());
                        *item = Value::Dict(d);
                        updated = true;
                    } else if let Value::Dict(d) = item {
                        if d.contains_key(rest) {
                            d.insert(rest, value.clone());
                            updated = true;
                        }
                    }
                }
                if !updated {
                    let mut d = Dict::new();
                    d.insert(rest, value.clone());
                    l.push(Value::Dict(d));
                }
                Value::List(l)
            }
            other => {
                if other.as_str() == Some(rest) || force {
                    let mut d = Dict::new();
                    d.insert(rest, value.clone());
                    Value::Dict(d)
                } else {
                    return Ok(set_ret(
                        format!(
                            "The key '{parent}' value is '{}', which is different from the provided key '{rest}'. Use 'force=True' to overwrite.",
                            other.to_py_str()
                        ),
                        Value::dict(),
                        false,
                    ));
                }
            }
        };
        value = updated;
        key_v = parent_v;
    }
    let new = single(key_v, value)?;
    match write_grains(ctx, &new, destructive_true) {
        changes @ Value::Dict(_) => Ok(set_ret(String::new(), changes, true)),
        msg => Ok(set_ret(msg.to_py_str(), Value::dict(), false)),
    }
}

/// Walks a nested key back up to its top-level grain as `grains.append`/`grains.remove`
/// do: each parent dict (from `get(parent, default)`) gets `{rest: value}`.
fn nest_up(
    ctx: &RunContext,
    key_v: Value,
    mut value: Value,
    delim: &str,
    default: fn() -> Value,
) -> Result<Dict, CallError> {
    let mut key_v = key_v;
    loop {
        let key = str_key(&key_v)?;
        if delim.is_empty() || !key.contains(delim) {
            break;
        }
        let Some((parent, rest)) = key.rsplit_once(delim) else {
            break;
        };
        let parent_v = Value::from(parent);
        let mut grain = lookup(ctx, &parent_v, delim).unwrap_or_else(default);
        if let Value::Dict(d) = &mut grain {
            d.insert(rest, value);
        }
        value = grain;
        key_v = parent_v;
    }
    single(key_v, value)
}

/// `grains.append(key, val, convert=False, delimiter=':')`.
pub fn append(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "append",
        params: &["key", "val", "convert", "delimiter"],
        required: 2,
        varargs: false,
        varkw: false,
    })?;
    let key_v = b.get("key").cloned().unwrap_or(Value::None);
    let val = b.get("val").cloned().unwrap_or(Value::None);
    let delim = delimiter_of(&b);
    let key = key_v.to_py_str();
    let mut grains = lookup(ctx, &key_v, &delim).unwrap_or(Value::List(Vec::new()));
    if b.truthy("convert", false) && !matches!(grains, Value::List(_)) {
        grains = match grains {
            Value::None => Value::List(Vec::new()),
            other => Value::List(vec![other]),
        };
    }
    let Value::List(mut list) = grains else {
        return Ok(Value::from(format!("The key {key} is not a valid list")));
    };
    if list.iter().any(|x| py_eq(x, &val)) {
        return Ok(Value::from(format!(
            "The val {} was already in the list {key}",
            val.to_py_str()
        )));
    }
    match val {
        Value::List(items) => list.extend(items),
        other => list.push(other),
    }
    let new = nest_up(ctx, key_v, Value::List(list), &delim, Value::dict)?;
    Ok(write_grains(ctx, &new, false))
}

/// `grains.remove(key, val, delimiter=':')`.
pub fn remove(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "remove",
        params: &["key", "val", "delimiter"],
        required: 2,
        varargs: false,
        varkw: false,
    })?;
    let key_v = b.get("key").cloned().unwrap_or(Value::None);
    let val = b.get("val").cloned().unwrap_or(Value::None);
    let delim = delimiter_of(&b);
    let key = key_v.to_py_str();
    let grains = lookup(ctx, &key_v, &delim).unwrap_or(Value::List(Vec::new()));
    let Value::List(mut list) = grains else {
        return Ok(Value::from(format!("The key {key} is not a valid list")));
    };
    let Some(pos) = list.iter().position(|x| py_eq(x, &val)) else {
        return Ok(Value::from(format!(
            "The val {} was not in the list {key}",
            val.to_py_str()
        )));
    };
    list.remove(pos);
    let new = nest_up(ctx, key_v, Value::List(list), &delim, || Value::None)?;
    Ok(write_grains(ctx, &new, false))
}

/// `grains.delkey(key, force=False)`: `delval(key, destructive=True, force=force)`.
pub fn delkey(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "delkey",
        params: &["key", "force"],
        required: 1,
        varargs: false,
        varkw: false,
    })?;
    let key_v = b.get("key").cloned().unwrap_or(Value::None);
    set_impl(
        ctx,
        key_v,
        Value::None,
        b.truthy("force", false),
        true,
        true,
        ":",
    )
}

/// `grains.delval(key, destructive=False, force=False)`: `set(key, None, ...)`.
pub fn delval(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "delval",
        params: &["key", "destructive", "force"],
        required: 1,
        varargs: false,
        varkw: false,
    })?;
    let key_v = b.get("key").cloned().unwrap_or(Value::None);
    let destructive_v = b.get("destructive");
    set_impl(
        ctx,
        key_v,
        Value::None,
        b.truthy("force", false),
        destructive_v.is_some_and(Value::truthy),
        is_true_bool(destructive_v),
        ":",
    )
}
