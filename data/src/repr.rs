//! Python `repr()` of [`Value`]s: `'str'`, `True`, `None`, `1.5`, `OrderedDict([...])`.
//!
//! (Skeleton: to be completed to match CPython byte for byte.)

use crate::value::{DictKind, Key, Value};

/// Python's `repr(float)`: shortest round-trip digits, `1.0`, `1e+16`, `inf`, `nan`.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let s = format!("{f:?}");
    s
}

/// Python `repr()` of a string (single quotes unless the string holds `'` and no `"`).
pub fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn key_repr(k: &Key) -> String {
    match k {
        Key::Str(s) => str_repr(s),
        other => other.to_string(),
    }
}

/// Python `repr()` of a value.
pub fn repr(v: &Value) -> String {
    match v {
        Value::None => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => float_repr(*f),
        Value::Str(s) => str_repr(s),
        Value::List(l) => {
            let items: Vec<String> = l.iter().map(repr).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Dict(d) => match d.kind {
            DictKind::Plain => {
                let items: Vec<String> = d
                    .iter()
                    .map(|(k, v)| format!("{}: {}", key_repr(k), repr(v)))
                    .collect();
                format!("{{{}}}", items.join(", "))
            }
            DictKind::Ordered => {
                if d.is_empty() {
                    return "OrderedDict()".into();
                }
                let items: Vec<String> = d
                    .iter()
                    .map(|(k, v)| format!("({}, {})", key_repr(k), repr(v)))
                    .collect();
                format!("OrderedDict([{}])", items.join(", "))
            }
        },
    }
}
