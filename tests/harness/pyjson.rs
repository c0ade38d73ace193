//! Python-compatible `json.dumps` (the exact text the Python recorder and a
//! salt-call user produce): `", "`/`": "` separators, optional indent,
//! `sort_keys`, `ensure_ascii`, and Python's `float.__repr__`.

use serde_json::{Map, Number, Value};

/// Options of Python's `json.dumps` that the conformance tooling uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct DumpOpts {
    /// `indent=N` (pretty, `","` item separator) or `None` (one line, `", "`).
    pub indent: Option<usize>,
    /// `sort_keys=True`.
    pub sort_keys: bool,
    /// `ensure_ascii=True`: everything outside `' '..='~'` becomes `\uXXXX`.
    pub ensure_ascii: bool,
}

/// `json.dumps(v, sort_keys=True)`: how a non-string CLI argument is written.
pub fn dumps_arg(v: &Value) -> String {
    dumps(
        v,
        DumpOpts {
            indent: None,
            sort_keys: true,
            ensure_ascii: true,
        },
    )
}

/// Serialise `v` like Python's `json.dumps` with the given options.
pub fn dumps(v: &Value, opts: DumpOpts) -> String {
    let mut out = String::new();
    write_value(&mut out, v, opts, 0);
    out
}

fn write_value(out: &mut String, v: &Value, opts: DumpOpts, level: usize) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => out.push_str(&number_repr(n)),
        Value::String(s) => write_str(out, s, opts.ensure_ascii),
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                separator(out, i, opts, level + 1);
                write_value(out, item, opts, level + 1);
            }
            closing(out, opts, level);
            out.push(']');
        }
        Value::Object(map) => {
            if map.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (k, val)) in ordered(map, opts.sort_keys).into_iter().enumerate() {
                separator(out, i, opts, level + 1);
                write_str(out, k, opts.ensure_ascii);
                out.push_str(": ");
                write_value(out, val, opts, level + 1);
            }
            closing(out, opts, level);
            out.push('}');
        }
    }
}

fn ordered(map: &Map<String, Value>, sort: bool) -> Vec<(&String, &Value)> {
    let mut items: Vec<_> = map.iter().collect();
    if sort {
        // Python sorts str keys by code point; Rust's str ordering is by
        // UTF-8 bytes, which gives the same order.
        items.sort_by(|a, b| a.0.cmp(b.0));
    }
    items
}

fn separator(out: &mut String, i: usize, opts: DumpOpts, level: usize) {
    match opts.indent {
        Some(n) => {
            if i > 0 {
                out.push(',');
            }
            out.push('\n');
            out.push_str(&" ".repeat(n * level));
        }
        None => {
            if i > 0 {
                out.push_str(", ");
            }
        }
    }
}

fn closing(out: &mut String, opts: DumpOpts, level: usize) {
    if let Some(n) = opts.indent {
        out.push('\n');
        out.push_str(&" ".repeat(n * level));
    }
}

fn write_str(out: &mut String, s: &str, ensure_ascii: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if ensure_ascii && !(' '..='~').contains(&c) => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{:04x}", unit));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A JSON number as Python prints it (ints verbatim, floats via `float_repr`).
pub fn number_repr(n: &Number) -> String {
    if n.is_f64() {
        n.as_f64().map(float_repr).unwrap_or_else(|| n.to_string())
    } else {
        n.to_string()
    }
}

/// Python's `float.__repr__` (as used by `json.dumps`, with JSON's
/// `NaN`/`Infinity` spellings): shortest round-trip digits, fixed notation
/// when the decimal exponent is in -4..16, else `1e-05` / `1e+16` style.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "-1.2345e-5".
    let sci = format!("{:e}", f);
    let (neg, body) = match sci.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, sci.as_str()),
    };
    let (mant, exp) = body.split_once('e').unwrap_or((body, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let decpt = exp + 1;
    let mut s = String::new();
    if neg {
        s.push('-');
    }
    let nd = digits.len() as i32;
    if decpt > -4 && decpt <= 16 {
        if decpt <= 0 {
            s.push_str("0.");
            s.push_str(&"0".repeat((-decpt) as usize));
            s.push_str(&digits);
        } else if decpt >= nd {
            s.push_str(&digits);
            s.push_str(&"0".repeat((decpt - nd) as usize));
            s.push_str(".0");
        } else {
            s.push_str(&digits[..decpt as usize]);
            s.push('.');
            s.push_str(&digits[decpt as usize..]);
        }
    } else {
        s.push_str(&digits[..1]);
        if nd > 1 {
            s.push('.');
            s.push_str(&digits[1..]);
        }
        let e = decpt - 1;
        s.push_str(&format!("e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn float_repr_matches_python() {
        let cases = [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (1234567890123456.0, "1234567890123456.0"),
            (-2.5, "-2.5"),
            (1.5e300, "1.5e+300"),
            (123.456, "123.456"),
            (-0.0, "-0.0"),
            (f64::INFINITY, "Infinity"),
        ];
        for (f, want) in cases {
            assert_eq!(float_repr(f), want, "{f}");
        }
    }

    #[test]
    fn dumps_arg_uses_python_separators_and_sorted_keys() {
        let v = json!({"z": [1, 2.0, true, null], "a": {"v": "é"}});
        assert_eq!(
            dumps_arg(&v),
            r#"{"a": {"v": "\u00e9"}, "z": [1, 2.0, true, null]}"#
        );
    }

    #[test]
    fn dumps_indent_like_json_dump() {
        let v = json!({"b": [], "a": [1, {"x": "y\n"}]});
        let s = dumps(
            &v,
            DumpOpts {
                indent: Some(2),
                sort_keys: true,
                ensure_ascii: false,
            },
        );
        assert_eq!(
            s,
            "{\n  \"a\": [\n    1,\n    {\n      \"x\": \"y\\n\"\n    }\n  ],\n  \"b\": []\n}"
        );
    }

    #[test]
    fn non_bmp_is_a_surrogate_pair() {
        assert_eq!(dumps_arg(&json!("😀")), r#""\ud83d\ude00""#);
    }
}
