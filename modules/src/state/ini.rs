//! The `ini` state module (Salt's `salt/states/ini_manage.py`): `options_present`,
//! `options_absent`, `sections_present`, `sections_absent`, on top of the ini file model in
//! [`crate::exec::ini`].
//!
//! As in Salt, every non-test run that may change something rewrites the whole file in
//! Salt's normalised format (see [`crate::exec::ini`]), `test=True` never touches the file
//! and reports what would change only in the comment (`changes` stays empty), and the
//! comments are Salt's (`No anomaly detected`, `Changes take effect`, `Changed key x in
//! section s.` ...).

use super::{StateCall, StateModule, StateReturn};
use crate::exec::ini::{self as ini, IniError, IniOpts};
use rsalt_data::{Dict, Value};
use std::path::PathBuf;

/// The `ini` state module.
#[derive(Debug, Default, Clone, Copy)]
pub struct Ini;

const FUNCTIONS: &[&str] = &[
    "options_present",
    "options_absent",
    "sections_present",
    "sections_absent",
];

impl StateModule for Ini {
    fn name(&self) -> &'static str {
        "ini"
    }

    fn functions(&self) -> &'static [&'static str] {
        FUNCTIONS
    }

    fn call(&self, fun: &str, call: &StateCall<'_>) -> StateReturn {
        let res = match fun {
            "options_present" => options_present(call),
            "options_absent" => options_absent(call),
            "sections_present" => sections_present(call),
            "sections_absent" => sections_absent(call),
            other => return super::not_found("ini", other, call),
        };
        match res {
            Ok(r) => r,
            Err(e) => StateReturn::new(call.name.clone()).fail(e.state_comment()),
        }
    }
}

/// Arguments shared by the four states.
struct Common {
    ret: StateReturn,
    path: PathBuf,
    opts: IniOpts,
    sections: Value,
}

fn common(call: &StateCall<'_>, with_no_spaces: bool) -> Common {
    let get = |k: &str| call.low.get(k).filter(|v| !v.is_none());
    // Salt does not expand `~` for ini states; the path is used as given.
    Common {
        ret: StateReturn::new(call.name.clone()),
        path: PathBuf::from(&call.name),
        opts: IniOpts {
            separator: get("separator")
                .map(Value::to_py_str)
                .unwrap_or_else(|| "=".into()),
            encoding: get("encoding").map(Value::to_py_str),
            no_spaces: with_no_spaces && get("no_spaces").is_some_and(Value::truthy),
            test: call.test,
        },
        sections: get("sections").cloned().unwrap_or(Value::None),
    }
}

/// Python's `for x in obj or []` over a state argument: nothing for a falsy value, else
/// dict keys, list items, string characters; anything else is Salt's `TypeError`.
fn py_iter_or_empty(v: &Value) -> Result<Vec<Value>, IniError> {
    if !v.truthy() {
        return Ok(Vec::new());
    }
    py_iter(v)
}

/// Python's `for x in obj`: dict keys, list items, string characters; anything else is
/// Salt's `TypeError`.
fn py_iter(v: &Value) -> Result<Vec<Value>, IniError> {
    match v {
        Value::Dict(d) => Ok(d.iter().map(|(k, _)| k.to_value()).collect()),
        Value::List(l) => Ok(l.clone()),
        Value::Str(s) => Ok(s.chars().map(|c| Value::Str(c.to_string())).collect()),
        other => Err(IniError::Python(
            "TypeError",
            format!("'{}' object is not iterable", other.type_name()),
        )),
    }
}

/// `sections.items()` on a state argument: only dicts have it.
fn py_items(v: &Value) -> Result<Vec<(String, Value)>, IniError> {
    match v {
        Value::Dict(d) => Ok(d.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()),
        other => Err(IniError::Python(
            "AttributeError",
            format!("'{}' object has no attribute 'items'", other.type_name()),
        )),
    }
}

fn section_descr(name: &str) -> String {
    if name.is_empty() {
        String::new()
    } else {
        format!(" in section {name}")
    }
}

/// Merges `from` into `into` (Python `dict.update`).
fn dict_update(into: &mut Dict, from: Dict) {
    for (k, v) in from.map {
        into.map.insert(k, v);
    }
}

/// `ini.options_present(name, sections=None, separator='=', strict=False, encoding=None,
/// no_spaces=False)`.
fn options_present(call: &StateCall<'_>) -> Result<StateReturn, IniError> {
    let Common {
        mut ret,
        path,
        opts,
        sections,
    } = common(call, true);
    let test = call.test;
    let strict = call.low.get("strict").is_some_and(Value::truthy);
    ret.comment = if test {
        String::new()
    } else {
        "No anomaly detected".into()
    };
    let mut changes = Dict::new();
    if sections.truthy() {
        let entries = py_items(&sections)?;
        let options: Vec<(String, Value)> = entries
            .iter()
            .filter(|(_, v)| v.as_dict().is_none())
            .cloned()
            .collect();
        let cur_ini = ini::get_ini(&path, &opts)?;
        let cur = cur_ini.as_dict().cloned().unwrap_or_default();
        let orig_top: Vec<(String, Value)> = cur
            .iter()
            .filter(|(_, v)| v.as_dict().is_none())
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let orig_sections = |s: &str| cur.get(s).and_then(Value::as_dict).cloned();
        if test {
            for (opt, val) in &options {
                match orig_top.iter().find(|(k, _)| k == opt) {
                    Some((_, o)) if o.to_py_str() == val.to_py_str() => {
                        ret.comment += &format!("Unchanged key {opt}.\n");
                    }
                    _ => {
                        ret.comment += &format!("Changed key {opt}.\n");
                        ret.result = None;
                    }
                }
            }
        } else {
            let mut d = Dict::ordered();
            for (k, v) in &options {
                d.insert(k.as_str(), v.clone());
            }
            dict_update(
                &mut changes,
                ini::set_option(&path, &Value::Dict(d), &opts)?,
            );
        }
        if strict {
            // Salt iterates a Python set here (arbitrary order); file order is used.
            for (opt, before) in orig_top
                .iter()
                .filter(|(k, _)| !options.iter().any(|(o, _)| o == k))
            {
                if test {
                    ret.comment += &format!("Removed key {opt}.\n");
                    ret.result = None;
                } else {
                    ini::remove_option(&path, &Value::None, &Value::from(opt.as_str()), &opts)?;
                    changes.insert(opt.as_str(), before_after(before.clone(), Value::None));
                }
            }
        }
        for (sname, body) in entries.iter().filter(|(_, v)| v.as_dict().is_some()) {
            let Some(body) = body.as_dict() else { continue };
            let descr = section_descr(sname);
            let mut sec_changes = Dict::new();
            let body_keys: Vec<String> = body.iter().map(|(k, _)| k.to_string()).collect();
            if strict {
                let original = match cur.get(sname) {
                    None => Dict::new(),
                    Some(Value::Dict(d)) => d.clone(),
                    Some(_) => {
                        return Err(IniError::Python(
                            "AttributeError",
                            "'str' object has no attribute 'keys'".into(),
                        ))
                    }
                };
                for (k, v) in original.iter() {
                    let k = k.to_string();
                    if body_keys.contains(&k) {
                        continue;
                    }
                    if test {
                        ret.comment += &format!("Deleted key {k}{descr}.\n");
                        ret.result = None;
                    } else {
                        ini::remove_option(
                            &path,
                            &Value::from(sname.as_str()),
                            &Value::from(k.as_str()),
                            &opts,
                        )?;
                        sec_changes.insert(k.as_str(), before_after(v.clone(), Value::None));
                    }
                }
            }
            if test {
                let orig = orig_sections(sname).unwrap_or_default();
                for (opt, val) in body.iter() {
                    let opt = opt.to_string();
                    let before = orig
                        .get(&opt)
                        .map(Value::to_py_str)
                        .unwrap_or_else(|| "#-#-".into());
                    if val.to_py_str() == before {
                        ret.comment += &format!("Unchanged key {opt}{descr}.\n");
                    } else {
                        ret.comment += &format!("Changed key {opt}{descr}.\n");
                        ret.result = None;
                    }
                }
                changes.insert(sname.as_str(), Value::Dict(sec_changes));
            } else {
                let mut one = Dict::ordered();
                one.insert(sname.as_str(), Value::Dict(body.clone()));
                let updated = ini::set_option(&path, &Value::Dict(one), &opts)?;
                if let Some(Value::Dict(u)) = updated.get(sname) {
                    dict_update(&mut sec_changes, u.clone());
                }
                if sec_changes.is_empty() {
                    changes.remove(sname);
                } else {
                    changes.insert(sname.as_str(), Value::Dict(sec_changes));
                }
            }
        }
    } else if !test {
        changes = ini::set_option(&path, &Value::None, &opts)?;
    }
    if let Some(err) = changes.get("error") {
        ret.result = Some(false);
        ret.comment = format!("Errors encountered. {}", err.to_py_str());
        ret.changes = Dict::new();
        return Ok(ret);
    }
    for (k, body) in changes.map {
        if body.truthy() {
            ret.comment = "Changes take effect".into();
            ret.changes.map.insert(k, body);
        }
    }
    Ok(ret)
}

fn before_after(before: Value, after: Value) -> Value {
    let mut d = Dict::new();
    d.insert("before", before);
    d.insert("after", after);
    Value::Dict(d)
}

/// `ini.options_absent(name, sections=None, separator='=', encoding=None)`.
fn options_absent(call: &StateCall<'_>) -> Result<StateReturn, IniError> {
    let Common {
        mut ret,
        path,
        opts,
        sections,
    } = common(call, false);
    ret.comment = "No anomaly detected".into();
    if call.test {
        ret.comment = String::new();
        for section in py_iter_or_empty(&sections)? {
            let sname = section.to_py_str();
            let descr = if section.truthy() {
                format!(" in section {sname}")
            } else {
                String::new()
            };
            let keys = match &sections {
                Value::Dict(d) => d.get(&sname).cloned().unwrap_or(Value::None),
                other => {
                    return Err(IniError::Python(
                        "TypeError",
                        format!(
                            "{} indices must be integers or slices, not str",
                            other.type_name()
                        ),
                    ))
                }
            };
            if let Value::List(keys) = keys {
                // Salt falls back to the section *name* when it is a plain option (and
                // then crashes on `.get`); report that as the AttributeError it raises.
                let cur = match ini::get_section(&path, &section, &opts) {
                    Ok(v) => v,
                    Err(IniError::Python("AttributeError", _)) => {
                        return Err(IniError::Python(
                            "AttributeError",
                            "'str' object has no attribute 'get'".into(),
                        ))
                    }
                    Err(e) => return Err(e),
                };
                for key in keys {
                    let k = key.to_py_str();
                    let present = cur.get(&k).is_some_and(Value::truthy) && key.as_str().is_some();
                    if present {
                        ret.comment += &format!("Deleted key {k}{descr}.\n");
                        ret.result = None;
                    } else {
                        ret.comment += &format!("Key {k}{descr} does not exist.\n");
                    }
                }
            } else {
                let v = ini::get_option(&path, &Value::None, &section, &opts)?;
                if v.truthy() {
                    ret.comment += &format!("Deleted key {sname}.\n");
                    ret.result = None;
                } else {
                    ret.comment += &format!("Key {sname} does not exist.\n");
                }
            }
        }
        if ret.comment.is_empty() {
            ret.comment = "No changes detected.".into();
        }
        return Ok(ret);
    }
    let entries = if sections.truthy() {
        py_items(&sections)?
    } else {
        Vec::new()
    };
    for (section, keys) in entries {
        for key in py_iter(&keys)? {
            let removed = ini::remove_option(&path, &Value::from(section.as_str()), &key, &opts)?;
            if !removed.truthy() {
                continue;
            }
            let k = key.to_py_str();
            let entry = ret
                .changes
                .map
                .entry(section.as_str().into())
                .or_insert_with(Value::dict);
            match entry {
                Value::Dict(d) => {
                    d.insert(k.as_str(), removed.clone());
                }
                other => {
                    // Salt would call `.update` on the value stored below; keep the dict.
                    let mut d = Dict::new();
                    d.insert(k.as_str(), removed.clone());
                    *other = Value::Dict(d);
                }
            }
            if !matches!(keys, Value::List(_)) {
                ret.changes.insert(section.as_str(), removed);
            }
            ret.comment = "Changes take effect".into();
        }
    }
    Ok(ret)
}

/// `ini.sections_present(name, sections=None, separator='=', encoding=None)`.
///
/// Salt 3007.8 crashes here outside test mode: it calls `ini.set_option(section=...)`
/// instead of `sections=...` (`TypeError: set_option() got an unexpected keyword argument
/// 'section'`). This implements what the code intends: every listed section is created
/// empty when missing (existing ones are left alone), `changes` is `set_option`'s result.
/// Salt's intended code would also say "Changes take effect" when nothing changed; here an
/// unchanged file keeps "No anomaly detected" so a second run reads as idempotent.
fn sections_present(call: &StateCall<'_>) -> Result<StateReturn, IniError> {
    let Common {
        mut ret,
        path,
        opts,
        sections,
    } = common(call, false);
    ret.comment = "No anomaly detected".into();
    let names = py_iter_or_empty(&sections)?;
    if call.test {
        ret.comment = String::new();
        let cur = ini::get_ini(&path, &opts)?;
        for s in names {
            let n = s.to_py_str();
            if s.as_str().is_some_and(|k| cur.get(k).is_some()) {
                ret.comment += &format!("Section unchanged {n}.\n");
                continue;
            }
            ret.comment += &format!("Created new section {n}.\n");
            ret.result = None;
        }
        if ret.comment.is_empty() {
            ret.comment = "No changes detected.".into();
        }
        return Ok(ret);
    }
    let mut upd = Dict::ordered();
    for s in names {
        upd.insert(s.to_py_str(), Value::dict());
    }
    let changes = ini::set_option(&path, &Value::Dict(upd), &opts)?;
    if !changes.is_empty() {
        ret.changes = changes;
        ret.comment = "Changes take effect".into();
    }
    Ok(ret)
}

/// `ini.sections_absent(name, sections=None, separator='=', encoding=None)`.
fn sections_absent(call: &StateCall<'_>) -> Result<StateReturn, IniError> {
    let Common {
        mut ret,
        path,
        opts,
        sections,
    } = common(call, false);
    ret.comment = "No anomaly detected".into();
    let names = py_iter_or_empty(&sections)?;
    if call.test {
        ret.comment = String::new();
        let cur = ini::get_ini(&path, &opts)?;
        for s in names {
            let n = s.to_py_str();
            if s.as_str().is_none_or(|k| cur.get(k).is_none()) {
                ret.comment += &format!("Section {n} does not exist.\n");
                continue;
            }
            ret.comment += &format!("Deleted section {n}.\n");
            ret.result = None;
        }
        if ret.comment.is_empty() {
            ret.comment = "No changes detected.".into();
        }
        return Ok(ret);
    }
    for s in names {
        let removed = ini::remove_section(&path, &s, &opts)?;
        if !removed.truthy() {
            continue;
        }
        ret.changes.insert(s.to_py_str(), removed);
        ret.comment = "Changes take effect".into();
    }
    Ok(ret)
}
