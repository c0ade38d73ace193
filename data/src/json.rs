//! Python's `json.dumps` for [`Value`]s: the separators, float spellings (`1.0`, `NaN`,
//! `Infinity`), key conversion (`1` → `"1"`, `None` → `"null"`), `sort_keys`,
//! `ensure_ascii` (`\uXXXX` with surrogate pairs) and `indent` layout of CPython's encoder.
//! Used by the `json` outputter, `file.serialize` and the Jinja `json` filters.

use crate::repr::float_repr;
use crate::value::{Key, Value};

/// `json.dumps` keyword arguments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JsonOptions {
    /// `indent`: `None` is the one-line form.
    pub indent: Option<usize>,
    /// `sort_keys`.
    pub sort_keys: bool,
    /// `ensure_ascii` (Python's default is true; Salt's outputter passes false).
    pub ensure_ascii: bool,
}

/// Writes a JSON string literal as CPython's encoder does.
pub fn encode_str(s: &str, ensure_ascii: bool, out: &mut String) {
    out.push('"');
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
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A float as `json.dumps` spells it.
pub fn float_str(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        float_repr(f)
    }
}

/// A dict key as `json.dumps` converts it to a string.
pub fn key_str(k: &Key) -> String {
    match k {
        Key::Str(s) => s.clone(),
        Key::Int(i) => i.to_string(),
        Key::Bool(b) => if *b { "true" } else { "false" }.into(),
        Key::None => "null".into(),
    }
}

/// `json.dumps(value, indent=..., sort_keys=..., ensure_ascii=...)`.
pub fn dumps(value: &Value, opts: &JsonOptions) -> String {
    let mut out = String::new();
    write(value, opts, 0, &mut out);
    out
}

fn newline(indent: Option<usize>, level: usize, out: &mut String) {
    if let Some(n) = indent {
        out.push('\n');
        out.push_str(&" ".repeat(n * level));
    }
}

fn write(v: &Value, opts: &JsonOptions, level: usize, out: &mut String) {
    let item_sep = if opts.indent.is_some() { "," } else { ", " };
    match v {
        Value::None => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&float_str(*f)),
        Value::Str(s) => encode_str(s, opts.ensure_ascii, out),
        Value::List(l) => {
            if l.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in l.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                newline(opts.indent, level + 1, out);
                write(item, opts, level + 1, out);
            }
            newline(opts.indent, level, out);
            out.push(']');
        }
        Value::Dict(d) => {
            if d.is_empty() {
                out.push_str("{}");
                return;
            }
            let mut items: Vec<(String, &Value)> = d.iter().map(|(k, v)| (key_str(k), v)).collect();
            if opts.sort_keys {
                items.sort_by(|a, b| a.0.cmp(&b.0));
            }
            out.push('{');
            for (i, (k, item)) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                newline(opts.indent, level + 1, out);
                encode_str(k, opts.ensure_ascii, out);
                out.push_str(": ");
                write(item, opts, level + 1, out);
            }
            newline(opts.indent, level, out);
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Dict;

    #[test]
    fn like_python() {
        let mut d = Dict::new();
        d.insert("b", Value::Float(1.0));
        d.insert(
            "a",
            Value::List(vec![Value::None, Value::Str("é\n".into())]),
        );
        d.map.insert(Key::Int(3), Value::Bool(true));
        let v = Value::Dict(d);
        // json.dumps(v) / json.dumps(v, indent=2, sort_keys=True, ensure_ascii=False)
        assert_eq!(
            dumps(
                &v,
                &JsonOptions {
                    ensure_ascii: true,
                    ..Default::default()
                }
            ),
            r#"{"b": 1.0, "a": [null, "\u00e9\n"], "3": true}"#
        );
        assert_eq!(
            dumps(
                &v,
                &JsonOptions {
                    indent: Some(2),
                    sort_keys: true,
                    ensure_ascii: false
                }
            ),
            "{\n  \"3\": true,\n  \"a\": [\n    null,\n    \"é\\n\"\n  ],\n  \"b\": 1.0\n}"
        );
        assert_eq!(
            dumps(&Value::Float(f64::NAN), &JsonOptions::default()),
            "NaN"
        );
    }
}
