//! `file.serialize` (yaml and json), with Python-compatible JSON output.

use super::managed::{check_file_meta, manage_file, ManageOpts};
use super::util;
use super::{arg, arg_bool, arg_str, group_arg, new_ret, traverse, user_arg};
use crate::state::{StateCall, StateReturn};
use rsalt_data::Value;

fn json_str(s: &str, ensure_ascii: bool) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (ensure_ascii && (c as u32) > 0x7e) => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_key(k: &rsalt_data::Key) -> String {
    match k.to_value() {
        Value::Str(s) => s,
        Value::Bool(b) => {
            if b {
                "true".into()
            } else {
                "false".into()
            }
        }
        Value::None => "null".into(),
        other => other.to_py_str(),
    }
}

/// Python's `json.dumps(v, indent=indent, separators=(",", ": "), sort_keys=sort)`.
pub(crate) fn json_dumps(v: &Value, indent: usize, sort: bool, ensure_ascii: bool) -> String {
    fn rec(v: &Value, level: usize, indent: usize, sort: bool, ea: bool, out: &mut String) {
        let pad = |n: usize| " ".repeat(n * indent);
        match v {
            Value::None => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => out.push_str(&i.to_string()),
            Value::Float(f) => {
                if f.is_nan() {
                    out.push_str("NaN")
                } else if f.is_infinite() {
                    out.push_str(if *f > 0.0 { "Infinity" } else { "-Infinity" })
                } else {
                    out.push_str(&Value::Float(*f).to_py_str())
                }
            }
            Value::Str(s) => out.push_str(&json_str(s, ea)),
            Value::List(l) => {
                if l.is_empty() {
                    out.push_str("[]");
                    return;
                }
                out.push('[');
                for (i, x) in l.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push('\n');
                    out.push_str(&pad(level + 1));
                    rec(x, level + 1, indent, sort, ea, out);
                }
                out.push('\n');
                out.push_str(&pad(level));
                out.push(']');
            }
            Value::Dict(d) => {
                if d.is_empty() {
                    out.push_str("{}");
                    return;
                }
                let mut items: Vec<(String, &Value)> =
                    d.iter().map(|(k, v)| (json_key(k), v)).collect();
                if sort {
                    items.sort_by(|a, b| a.0.cmp(&b.0));
                }
                out.push('{');
                for (i, (k, x)) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push('\n');
                    out.push_str(&pad(level + 1));
                    out.push_str(&json_str(k, ea));
                    out.push_str(": ");
                    rec(x, level + 1, indent, sort, ea, out);
                }
                out.push('\n');
                out.push_str(&pad(level));
                out.push('}');
            }
        }
    }
    let mut out = String::new();
    rec(v, 0, indent, sort, ensure_ascii, &mut out);
    out
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
    let _ = existing;
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
        return ret;
    }
    manage_file(&mut ret, &opts);
    ret
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
