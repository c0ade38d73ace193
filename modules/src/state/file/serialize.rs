//! `file.serialize` (yaml and json), with Python-compatible JSON output.

use super::managed::{check_file_meta, manage_file, ManageOpts};
use super::util;
use super::{arg, arg_bool, arg_str, group_arg, new_ret, traverse, user_arg};
use crate::state::{StateCall, StateReturn};
use rsalt_data::Value;

/// Python's `json.dumps(v, indent=indent, separators=(",", ": "), sort_keys=sort)`.
pub(crate) fn json_dumps(v: &Value, indent: usize, sort: bool, ensure_ascii: bool) -> String {
    rsalt_data::json::dumps(
        v,
        &rsalt_data::json::JsonOptions {
            indent: Some(indent),
            sort_keys: sort,
            ensure_ascii,
        },
    )
}

/// `salt.serializers.yaml.serialize(obj, default_flow_style=False)`.
pub(crate) fn yaml_dumps(v: &Value) -> String {
    rsalt_data::yaml::serialize_with(v, &rsalt_data::yaml::DumpOptions::file_serialize())
}

/// `salt.utils.dictupdate.merge_recurse(existing, new)`.
fn merge_recurse(base: &Value, upd: &Value) -> Value {
    match (base, upd) {
        (Value::Dict(b), Value::Dict(u)) => {
            let mut out = b.clone();
            for (k, v) in u.iter() {
                let merged = match out.map.get(k) {
                    Some(old) if matches!((old, v), (Value::Dict(_), Value::Dict(_))) => {
                        merge_recurse(old, v)
                    }
                    _ => v.clone(),
                };
                out.map.insert(k.clone(), merged);
            }
            Value::Dict(out)
        }
        (_, u) => u.clone(),
    }
}

/// `file.serialize`.
pub(crate) fn serialize(call: &StateCall<'_>) -> StateReturn {
    let (mut ret, name) = new_ret(call);
    let n = ret.name.clone();
    if n.is_empty() {
        return ret.fail("Must provide name to file.serialize");
    }
    if !arg_bool(call, "create", true) && !name.is_file() {
        return ret.with_comment(format!(
            "File {n} is not present and is not set for creation"
        ));
    }
    let (ser, fmt) = (arg_str(call, "serializer"), arg_str(call, "formatter"));
    if ser.is_some() && fmt.is_some() {
        return ret.fail("Only one of serializer and formatter are allowed");
    }
    let serializer = ser.or(fmt).unwrap_or_else(|| "yaml".into()).to_lowercase();
    let (dataset, dpillar) = (
        arg(call, "dataset").filter(|v| v.truthy()),
        arg(call, "dataset_pillar").filter(|v| v.truthy()),
    );
    if dataset.is_some() && dpillar.is_some() {
        return ret.fail("Only one of 'dataset' and 'dataset_pillar' is permitted");
    }
    let mut dataset = match dpillar {
        Some(p) => {
            traverse(&Value::Dict(call.ctx.pillar()), &p.to_py_str(), ":").unwrap_or_default()
        }
        None => arg(call, "dataset").cloned().unwrap_or(Value::None),
    };
    if dataset.is_none() {
        return ret.fail("Neither 'dataset' nor 'dataset_pillar' was defined");
    }
    if !matches!(serializer.as_str(), "yaml" | "json") {
        return ret.fail(format!(
            "The {serializer} serializer could not be found. It either does not exist or its prerequisites are not installed."
        ));
    }
    let encoding = arg(call, "encoding").is_some();
    let mut indent = 2usize;
    let mut sort_keys = true;
    if let Some(Value::List(opts)) = arg(call, "serializer_opts") {
        for o in opts.iter().filter_map(Value::as_dict) {
            if let Some(i) = o.get("indent").and_then(Value::as_int) {
                indent = usize::try_from(i).unwrap_or(2);
            }
            if let Some(s) = o.get("sort_keys") {
                sort_keys = s.truthy();
            }
        }
    }
    let mut existing: Option<Value> = None;
    if arg_bool(call, "merge_if_exists", false) && name.is_file() {
        let text = std::fs::read_to_string(&name).unwrap_or_default();
        let parsed = if serializer == "json" {
            serde_json::from_str::<serde_json::Value>(&text)
                .map(|j| Value::from_json(&j))
                .map_err(|e| e.to_string())
        } else {
            rsalt_data::yaml::load(&text).map_err(|e| e.to_string())
        };
        match parsed {
            Ok(v) => {
                if !v.is_none() {
                    let merged = merge_recurse(&v, &dataset);
                    if merged == v {
                        return ret.with_comment(format!("The file {n} is in the correct state"));
                    }
                    existing = Some(v);
                    dataset = merged;
                }
            }
            Err(e) => return ret.fail(format!("Failed to deserialize existing data: {e}")),
        }
    }
    let mut contents = if serializer == "json" {
        json_dumps(&dataset, indent, sort_keys, !encoding)
    } else {
        yaml_dumps(&dataset)
    };
    contents.push('\n');
    let user = user_arg(call);
    let group = group_arg(call);
    let opts = ManageOpts {
        name: &name,
        sfn: None,
        contents: Some(contents.into_bytes()),
        user: user.as_ref(),
        group: group.as_ref(),
        mode: util::normalize_mode(arg(call, "mode")),
        makedirs: arg_bool(call, "makedirs", false),
        dir_mode: None,
        show_changes: arg_bool(call, "show_changes", true),
        follow_symlinks: false,
        test: call.test,
    };
    if call.test {
        ret.changes = check_file_meta(&opts);
        if !ret.changes.is_empty() {
            ret.result = None;
            ret.comment = format!("Dataset will be serialized and stored into {n}");
            if !opts.show_changes {
                ret.changes
                    .insert("diff", Value::from("<show_changes=False>"));
            }
        } else {
            ret.comment = format!("The file {n} is in the correct state");
        }
        set_merge_diff(&mut ret, existing.as_ref(), &dataset);
        return ret;
    }
    manage_file(&mut ret, &opts);
    set_merge_diff(&mut ret, existing.as_ref(), &dataset);
    ret
}

/// With `merge_if_exists` and dicts on both sides Salt reports `changes.diff` as
/// `salt.utils.dictdiffer.recursive_diff(existing, merged).diffs`.
fn set_merge_diff(ret: &mut StateReturn, existing: Option<&Value>, merged: &Value) {
    if let (Some(Value::Dict(old)), Value::Dict(new)) = (existing, merged) {
        ret.changes
            .insert("diff", Value::Dict(recursive_diff(new, old)));
    }
}

/// `RecursiveDictDiffer._get_diffs(current, past, ignore_missing_keys=True)`.
fn recursive_diff(cur: &rsalt_data::Dict, past: &rsalt_data::Dict) -> rsalt_data::Dict {
    let mut out = rsalt_data::Dict::new();
    for (k, v) in cur.iter() {
        match past.map.get(k) {
            None => {
                let mut d = rsalt_data::Dict::new();
                d.insert("new", v.clone());
                d.insert("old", Value::from("<_null_>"));
                out.map.insert(k.clone(), Value::Dict(d));
            }
            Some(p) if p != v => {
                if let (Value::Dict(a), Value::Dict(b)) = (v, p) {
                    let sub = recursive_diff(a, b);
                    if !sub.is_empty() {
                        out.map.insert(k.clone(), Value::Dict(sub));
                    }
                } else {
                    let mut d = rsalt_data::Dict::new();
                    d.insert("new", v.clone());
                    d.insert("old", p.clone());
                    out.map.insert(k.clone(), Value::Dict(d));
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsalt_data::Dict;

    #[test]
    fn json_like_python() {
        let mut d = Dict::ordered();
        d.insert("name", Value::from("metrics"));
        d.insert("ports", Value::List(vec![Value::Int(9090)]));
        d.insert("labels", Value::Dict(Dict::new()));
        d.insert("u", Value::from("é"));
        assert_eq!(
            json_dumps(&Value::Dict(d), 2, true, true),
            "{\n  \"labels\": {},\n  \"name\": \"metrics\",\n  \"ports\": [\n    9090\n  ],\n  \"u\": \"\\u00e9\"\n}"
        );
    }
}
