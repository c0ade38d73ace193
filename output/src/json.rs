//! The `json` outputter: Python's `json.dumps(data, indent=N, ensure_ascii=False)`.

use rsalt_data::repr::float_repr;
use rsalt_data::{Key, Value};

/// `json.dumps(value, indent=indent, ensure_ascii=False)`; `indent: None` is the compact
/// one-line form with `", "` / `": "` separators.
pub fn dumps(value: &Value, indent: Option<usize>) -> String {
    let mut out = String::new();
    write(value, indent, 0, &mut out);
    out
}

/// A JSON string literal as Python's encoder writes it with `ensure_ascii=False`.
pub fn encode_str(s: &str, out: &mut String) {
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
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        float_repr(f)
    }
}

fn key(k: &Key) -> String {
    match k {
        Key::Str(s) => s.clone(),
        Key::Int(i) => i.to_string(),
        Key::Bool(b) => if *b { "true" } else { "false" }.into(),
        Key::None => "null".into(),
    }
}

fn newline(indent: Option<usize>, level: usize, out: &mut String) {
    if let Some(n) = indent {
        out.push('\n');
        out.push_str(&" ".repeat(n * level));
    }
}

fn write(v: &Value, indent: Option<usize>, level: usize, out: &mut String) {
    let item_sep = if indent.is_some() { "," } else { ", " };
    match v {
        Value::None => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&float(*f)),
        Value::Str(s) => encode_str(s, out),
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
                newline(indent, level + 1, out);
                write(item, indent, level + 1, out);
            }
            newline(indent, level, out);
            out.push(']');
        }
        Value::Dict(d) => {
            if d.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (k, item)) in d.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                newline(indent, level + 1, out);
                encode_str(&key(k), out);
                out.push_str(": ");
                write(item, indent, level + 1, out);
            }
            newline(indent, level, out);
            out.push('}');
        }
    }
}
