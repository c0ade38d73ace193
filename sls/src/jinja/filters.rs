//! Filters: jinja2 builtins where minijinja differs, and Salt's registered filters.

use super::methods::{iter_items, map_entries, split_args};
use super::objects::{
    err, float_repr, from_mj, num_str, py_eq, py_repr, py_str, to_mj, type_name, PyDict, PyList,
};
use minijinja::value::{Kwargs, Rest, Value as MjValue, ValueKind, ValueOrKwargs};
use minijinja::{Environment, Error, State};
use rsalt_data::yaml::{dump, DumpOptions};
use std::cmp::Ordering;

/// Fails with minijinja's own undefined error (which names the variable) in strict mode.
pub fn check_undef(state: &State, v: &MjValue) -> Result<(), Error> {
    if v.is_undefined() {
        use minijinja::value::ArgType;
        <String as ArgType>::from_state_and_value(Some(state), Some(v))?;
    }
    Ok(())
}

/// Python-ish ordering used by `sort` (numbers < strings < others, like a stable total order).
pub fn py_cmp(a: &MjValue, b: &MjValue) -> Ordering {
    let rank = |v: &MjValue| match v.kind() {
        ValueKind::None | ValueKind::Undefined => 0,
        ValueKind::Bool | ValueKind::Number => 1,
        ValueKind::String => 2,
        ValueKind::Seq => 3,
        _ => 4,
    };
    match (rank(a), rank(b)) {
        (1, 1) => {
            let x = f64::try_from(a.clone()).unwrap_or(if a.is_true() { 1.0 } else { 0.0 });
            let y = f64::try_from(b.clone()).unwrap_or(if b.is_true() { 1.0 } else { 0.0 });
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
        (2, 2) => a.as_str().cmp(&b.as_str()),
        (3, 3) => {
            let (x, y) = (
                iter_items(a).unwrap_or_default(),
                iter_items(b).unwrap_or_default(),
            );
            for (p, q) in x.iter().zip(y.iter()) {
                let c = py_cmp(p, q);
                if c != Ordering::Equal {
                    return c;
                }
            }
            x.len().cmp(&y.len())
        }
        (r1, r2) if r1 != r2 => r1.cmp(&r2),
        _ => a.cmp(b),
    }
}

fn lower_key(v: &MjValue, case_sensitive: bool) -> MjValue {
    if case_sensitive {
        return v.clone();
    }
    match v.as_str() {
        Some(s) => MjValue::from(s.to_lowercase()),
        None => v.clone(),
    }
}

fn get_attr_path(v: &MjValue, attr: &str) -> MjValue {
    let mut cur = v.clone();
    for part in attr.split('.') {
        let key = match part.parse::<i64>() {
            Ok(n) => MjValue::from(n),
            Err(_) => MjValue::from(part),
        };
        cur = cur.get_item(&key).unwrap_or_default();
    }
    cur
}

fn kwarg<T: for<'a> minijinja::value::ArgType<'a, Output = T>>(
    kw: &Option<Kwargs>,
    name: &str,
) -> Option<T> {
    kw.as_ref()
        .and_then(|k| k.get::<Option<T>>(name).ok().flatten())
}

fn tuple(items: Vec<MjValue>) -> MjValue {
    MjValue::from(minijinja::value::Tuple::from(items))
}

/// Python `json.dumps`.
pub fn json_dumps(
    v: &MjValue,
    sort_keys: bool,
    indent: Option<usize>,
    ensure_ascii: bool,
) -> Result<String, Error> {
    let mut out = String::new();
    json_write(&mut out, v, sort_keys, indent, ensure_ascii, 0)?;
    Ok(out)
}

fn json_str(out: &mut String, s: &str, ensure_ascii: bool) {
    rsalt_data::json::encode_str(s, ensure_ascii, out);
}

fn json_key(k: &MjValue) -> Result<String, Error> {
    Ok(match k.kind() {
        ValueKind::String => k.as_str().unwrap_or_default().to_string(),
        ValueKind::None => "null".into(),
        ValueKind::Bool => if k.is_true() { "true" } else { "false" }.into(),
        ValueKind::Number => num_str(k),
        _ => {
            return Err(err(format!(
                "keys must be str, int, float, bool or None, not {}",
                type_name(k)
            )))
        }
    })
}

fn json_write(
    out: &mut String,
    v: &MjValue,
    sort_keys: bool,
    indent: Option<usize>,
    ea: bool,
    depth: usize,
) -> Result<(), Error> {
    if depth > 200 {
        return Err(err("Circular reference detected"));
    }
    let nl = |out: &mut String, d: usize| {
        if let Some(n) = indent {
            out.push('\n');
            out.push_str(&" ".repeat(n * d));
        }
    };
    let item_sep = if indent.is_some() { "," } else { ", " };
    match v.kind() {
        ValueKind::Undefined | ValueKind::None => out.push_str("null"),
        ValueKind::Bool => out.push_str(if v.is_true() { "true" } else { "false" }),
        ValueKind::Number => {
            if v.is_integer() {
                out.push_str(&v.to_string());
            } else {
                let f = f64::try_from(v.clone()).unwrap_or(f64::NAN);
                out.push_str(&if f.is_nan() {
                    "NaN".to_string()
                } else if f.is_infinite() {
                    if f > 0.0 { "Infinity" } else { "-Infinity" }.to_string()
                } else {
                    float_repr(f)
                });
            }
        }
        ValueKind::String => json_str(out, v.as_str().unwrap_or_default(), ea),
        ValueKind::Map => {
            let mut entries = map_entries(v).unwrap_or_default();
            if entries.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            let mut keyed = Vec::with_capacity(entries.len());
            for (k, val) in entries.drain(..) {
                keyed.push((json_key(&k)?, k, val));
            }
            if sort_keys {
                keyed.sort_by(|a, b| py_cmp(&a.1, &b.1));
            }
            out.push('{');
            for (i, (ks, _, val)) in keyed.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                nl(out, depth + 1);
                json_str(out, ks, ea);
                out.push_str(": ");
                json_write(out, val, sort_keys, indent, ea, depth + 1)?;
            }
            nl(out, depth);
            out.push('}');
        }
        ValueKind::Seq | ValueKind::Iterable => {
            let items = iter_items(v)?;
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                nl(out, depth + 1);
                json_write(out, x, sort_keys, indent, ea, depth + 1)?;
            }
            nl(out, depth);
            out.push(']');
        }
        _ => {
            return Err(err(format!(
                "Object of type {} is not JSON serializable",
                type_name(v)
            )))
        }
    }
    Ok(())
}

/// Parses JSON text into a mutable value (objects keep their order, as Python's json).
pub fn json_loads(s: &str) -> Result<MjValue, Error> {
    let j: serde_json::Value =
        serde_json::from_str(s).map_err(|e| err(format!("Unable to load json from {s}: {e}")))?;
    Ok(to_mj(&rsalt_data::Value::from_json(&j)))
}

/// PyYAML's double-quoted scalar (`yaml_dquote`).
pub fn yaml_dquote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\x0b' => out.push_str("\\v"),
            '\x0c' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\x1b' => out.push_str("\\e"),
            '\u{85}' => out.push_str("\\N"),
            '\u{a0}' => out.push_str("\\_"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if (' '..='~').contains(&c) => out.push(c),
            c if (c as u32) <= 0xff => out.push_str(&format!("\\x{:02X}", c as u32)),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// PyYAML's float representation.
fn yaml_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let r = float_repr(f).to_lowercase();
    if !r.contains('.') && r.contains('e') {
        // PyYAML: '1e+17' -> '1.0e+17'
        let (m, e) = r.split_once('e').unwrap_or((&r, ""));
        return format!("{m}.0e{e}");
    }
    r
}

fn do_yaml(v: &MjValue, flow: Option<bool>) -> String {
    let opts = DumpOptions {
        default_flow_style: flow,
        ..DumpOptions::default()
    };
    let text = dump(&from_mj(v), &opts);
    let mut t = text.trim().to_string();
    if t.ends_with("\n...") {
        t.truncate(t.len() - 4);
    }
    t
}

fn do_indent(s: &str, width: &MjValue, first: bool, blank: bool) -> String {
    let ind = match width.as_str() {
        Some(w) => w.to_string(),
        None => " ".repeat(width.as_usize().unwrap_or(4)),
    };
    let s = format!("{s}\n");
    let lines: Vec<&str> = py_splitlines(&s);
    let mut rv = if blank {
        lines.join(&format!("\n{ind}"))
    } else {
        let mut it = lines.into_iter();
        let mut rv = it.next().unwrap_or("").to_string();
        let rest: Vec<String> = it
            .map(|l| {
                if l.is_empty() {
                    String::new()
                } else {
                    format!("{ind}{l}")
                }
            })
            .collect();
        if !rest.is_empty() {
            rv.push('\n');
            rv.push_str(&rest.join("\n"));
        }
        rv
    };
    if first {
        rv = format!("{ind}{rv}");
    }
    rv
}

fn py_splitlines(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = s.as_bytes();
    let mut i = 0;
    while i < s.len() {
        let c = b[i];
        if c == b'\n' || c == b'\r' {
            out.push(&s[start..i]);
            if c == b'\r' && i + 1 < s.len() && b[i + 1] == b'\n' {
                i += 1;
            }
            start = i + 1;
        }
        i += 1;
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

fn py_round(v: f64, prec: i32) -> f64 {
    if prec >= 0 {
        let s = format!("{:.*}", prec as usize, v);
        s.parse().unwrap_or(v)
    } else {
        let m = 10f64.powi(-prec);
        (v / m).round() * m
    }
}

fn shell_quote(s: &str) -> String {
    if s.is_empty() {
        return "''".into();
    }
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\"'\"'"))
}

fn b64_encode(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk.len();
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let x = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= n {
                out.push(T[((x >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn b64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\n' | b'\r' => continue,
            _ => return None,
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn regex_flags(
    pattern: &str,
    kw: &Option<Kwargs>,
    pos: &[MjValue],
    off: usize,
) -> Result<regex::Regex, Error> {
    let ic = pos
        .get(off)
        .map(|v| v.is_true())
        .or_else(|| kwarg::<bool>(kw, "ignorecase"))
        .unwrap_or(false);
    let ml = pos
        .get(off + 1)
        .map(|v| v.is_true())
        .or_else(|| kwarg::<bool>(kw, "multiline"))
        .unwrap_or(false);
    regex::RegexBuilder::new(pattern)
        .case_insensitive(ic)
        .multi_line(ml)
        .build()
        .map_err(|e| err(format!("bad regex: {e}")))
}

fn groups(caps: &regex::Captures) -> MjValue {
    tuple(
        caps.iter()
            .skip(1)
            .map(|m| {
                m.map(|m| MjValue::from(m.as_str()))
                    .unwrap_or(MjValue::from(()))
            })
            .collect(),
    )
}

/// Converts Python `re.sub` replacement syntax (`\1`, `\g<name>`) to the regex crate's.
fn py_repl(r: &str) -> String {
    let mut out = String::new();
    let mut chars = r.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => out.push_str("$$"),
            '\\' => match chars.peek() {
                Some(d) if d.is_ascii_digit() => {
                    let mut n = String::new();
                    while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                        n.push(*d);
                        chars.next();
                    }
                    out.push_str(&format!("${{{n}}}"));
                }
                Some('g') => {
                    chars.next();
                    if chars.peek() == Some(&'<') {
                        chars.next();
                        let name: String = chars.by_ref().take_while(|c| *c != '>').collect();
                        out.push_str(&format!("${{{name}}}"));
                    }
                }
                Some('n') => {
                    chars.next();
                    out.push('\n');
                }
                Some('t') => {
                    chars.next();
                    out.push('\t');
                }
                Some('\\') => {
                    chars.next();
                    out.push('\\');
                }
                _ => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out
}

fn jinja_title(s: &str) -> String {
    let mut out = String::new();
    let mut word_start = true;
    for c in s.chars() {
        let delim = c.is_whitespace() || "-({[<".contains(c);
        if delim {
            out.push(c);
            word_start = true;
        } else if word_start {
            out.extend(c.to_uppercase());
            word_start = false;
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

fn unique_list(items: Vec<MjValue>) -> Vec<MjValue> {
    let mut out: Vec<MjValue> = Vec::new();
    for it in items {
        if !out.iter().any(|x| py_eq(x, &it)) {
            out.push(it);
        }
    }
    out
}

fn traverse(data: &MjValue, key: &str, default: MjValue, delim: &str) -> MjValue {
    let mut cur = data.clone();
    for part in key.split(delim) {
        let next = if cur.kind() == ValueKind::Map {
            cur.get_item(&MjValue::from(part))
                .ok()
                .filter(|v| !v.is_undefined())
        } else if cur.kind() == ValueKind::Seq {
            part.parse::<i64>()
                .ok()
                .and_then(|i| cur.get_item(&MjValue::from(i)).ok())
                .filter(|v| !v.is_undefined())
                .or_else(|| {
                    // list of dicts: first dict holding the key
                    iter_items(&cur).ok().and_then(|items| {
                        items.into_iter().find_map(|it| {
                            if it.kind() == ValueKind::Map {
                                it.get_item(&MjValue::from(part))
                                    .ok()
                                    .filter(|v| !v.is_undefined())
                            } else {
                                None
                            }
                        })
                    })
                })
        } else {
            None
        };
        match next {
            Some(n) => cur = n,
            None => return default,
        }
    }
    cur
}

fn to_num(v: &MjValue) -> MjValue {
    if let Some(s) = v.as_str() {
        let t = s.trim();
        if let Ok(i) = t.parse::<i64>() {
            return MjValue::from(i);
        }
        if let Ok(f) = t.parse::<f64>() {
            return MjValue::from(f);
        }
    }
    v.clone()
}

/// Registers the filters on an environment.
pub fn register(env: &mut Environment<'static>) {
    env.add_filter(
        "string",
        |state: &State, v: MjValue| -> Result<MjValue, Error> {
            check_undef(state, &v)?;
            Ok(MjValue::from(py_str(&v)))
        },
    );
    env.add_filter(
        "list",
        |state: &State, v: MjValue| -> Result<MjValue, Error> {
            check_undef(state, &v)?;
            Ok(PyList::new_value(iter_items(&v)?))
        },
    );
    env.add_filter(
        "tojson",
        |state: &State, v: MjValue, rest: Rest<ValueOrKwargs>| -> Result<MjValue, Error> {
            check_undef(state, &v)?;
            let (pos, kw) = split_args(&rest.into_values());
            let indent = pos
                .first()
                .and_then(|x| x.as_usize())
                .or_else(|| kwarg::<usize>(&kw, "indent"));
            let sort = kwarg::<bool>(&kw, "sort_keys").unwrap_or(false);
            let s = json_dumps(&v, sort, indent, true)?
                .replace('<', "\\u003c")
                .replace('>', "\\u003e")
                .replace('&', "\\u0026")
                .replace('\'', "\\u0027");
            Ok(MjValue::from_safe_string(s))
        },
    );
    env.add_filter(
        "json",
        |state: &State, v: MjValue, rest: Rest<ValueOrKwargs>| -> Result<MjValue, Error> {
            check_undef(state, &v)?;
            let (pos, kw) = split_args(&rest.into_values());
            let sort = pos
                .first()
                .map(|x| x.is_true())
                .or_else(|| kwarg::<bool>(&kw, "sort_keys"))
                .unwrap_or(true);
            let indent = pos
                .get(1)
                .and_then(|x| x.as_usize())
                .or_else(|| kwarg::<usize>(&kw, "indent"));
            Ok(MjValue::from_safe_string(
                json_dumps(&v, sort, indent, false)?.trim().to_string(),
            ))
        },
    );
    env.add_filter(
        "yaml",
        |state: &State, v: MjValue, rest: Rest<ValueOrKwargs>| -> Result<MjValue, Error> {
            check_undef(state, &v)?;
            let (pos, kw) = split_args(&rest.into_values());
            let flow = match pos
                .first()
                .cloned()
                .or_else(|| kwarg::<MjValue>(&kw, "flow_style"))
            {
                Some(f) if f.is_none() => None,
                Some(f) => Some(f.is_true()),
                None => Some(true),
            };
            Ok(MjValue::from_safe_string(do_yaml(&v, flow)))
        },
    );
    env.add_filter(
        "dict_to_sls_yaml_params",
        |v: MjValue, rest: Rest<ValueOrKwargs>| -> Result<MjValue, Error> {
            let (pos, kw) = split_args(&rest.into_values());
            let flow = pos
                .first()
                .map(|x| x.is_true())
                .or_else(|| kwarg::<bool>(&kw, "flow_style"))
                .unwrap_or(false);
            let items: Vec<MjValue> = map_entries(&v)
                .ok_or_else(|| err("'dict_to_sls_yaml_params' needs a dict"))?
                .into_iter()
                .map(|(k, val)| {
                    let mut m = indexmap::IndexMap::new();
                    m.insert(k, val);
                    PyDict::new_value(m, false)
                })
                .collect();
            Ok(MjValue::from_safe_string(do_yaml(
                &PyList::new_value(items),
                Some(flow),
            )))
        },
    );
    env.add_filter("python", |v: MjValue| {
        MjValue::from_safe_string(py_repr(&v))
    });
    env.add_filter("load_yaml", |v: MjValue| load_yaml_value(&py_str(&v)));
    env.add_filter("load_json", |v: MjValue| json_loads(&py_str(&v)));
    env.add_filter("load_text", |v: MjValue| MjValue::from(py_str(&v)));
    env.add_filter("yaml_dquote", |v: MjValue| {
        MjValue::from(yaml_dquote(&py_str(&v)))
    });
    env.add_filter("yaml_squote", |v: MjValue| {
        MjValue::from(format!("'{}'", py_str(&v).replace('\'', "''")))
    });
    env.add_filter("yaml_encode", |v: MjValue| -> Result<MjValue, Error> {
        Ok(MjValue::from(match v.kind() {
            ValueKind::None | ValueKind::Undefined => "null".to_string(),
            ValueKind::Bool => if v.is_true() { "true" } else { "false" }.to_string(),
            ValueKind::Number if v.is_integer() => v.to_string(),
            ValueKind::Number => yaml_float(f64::try_from(v.clone()).unwrap_or(0.0)),
            ValueKind::String => yaml_dquote(v.as_str().unwrap_or_default()),
            _ => {
                return Err(err(format!(
                    "yaml_encode() only works with YAML scalar data; failed for <class '{}'>",
                    type_name(&v)
                )))
            }
        }))
    });
    env.add_filter(
        "sort",
        |state: &State, v: MjValue, rest: Rest<ValueOrKwargs>| -> Result<MjValue, Error> {
            check_undef(state, &v)?;
            let (pos, kw) = split_args(&rest.into_values());
            let reverse = pos
                .first()
                .map(|x| x.is_true())
                .or_else(|| kwarg::<bool>(&kw, "reverse"))
                .unwrap_or(false);
            let cs = pos
                .get(1)
                .map(|x| x.is_true())
                .or_else(|| kwarg::<bool>(&kw, "case_sensitive"))
                .unwrap_or(false);
            let attr = pos
                .get(2)
                .and_then(|x| x.as_str().map(String::from))
                .or_else(|| kwarg::<String>(&kw, "attribute"));
            let mut items = iter_items(&v)?;
            let key = |x: &MjValue| {
                let k = match &attr {
                    Some(a) => get_attr_path(x, a),
                    None => x.clone(),
                };
                lower_key(&k, cs)
            };
            items.sort_by(|a, b| py_cmp(&key(a), &key(b)));
            if reverse {
                // Python's sorted(reverse=True) keeps equal items in original order
                items = {
                    let mut idx: Vec<usize> = (0..items.len()).collect();
                    idx.sort_by(|&a, &b| py_cmp(&key(&items[b]), &key(&items[a])));
                    idx.into_iter().map(|i| items[i].clone()).collect()
                };
            }
            Ok(PyList::new_value(items))
        },
    );
    env.add_filter(
        "dictsort",
        |state: &State, v: MjValue, rest: Rest<ValueOrKwargs>| -> Result<MjValue, Error> {
            check_undef(state, &v)?;
            let (pos, kw) = split_args(&rest.into_values());
            let cs = pos
                .first()
                .map(|x| x.is_true())
                .or_else(|| kwarg::<bool>(&kw, "case_sensitive"))
                .unwrap_or(false);
            let by_value = pos
                .get(1)
                .and_then(|x| x.as_str().map(String::from))
                .or_else(|| kwarg::<String>(&kw, "by"))
                .as_deref()
                == Some("value");
            let reverse = pos
                .get(2)
                .map(|x| x.is_true())
                .or_else(|| kwarg::<bool>(&kw, "reverse"))
                .unwrap_or(false);
            let mut entries = map_entries(&v)
                .ok_or_else(|| err("You can only sort by either \"key\" or \"value\""))?;
            entries.sort_by(|a, b| {
                let (x, y) = if by_value { (&a.1, &b.1) } else { (&a.0, &b.0) };
                py_cmp(&lower_key(x, cs), &lower_key(y, cs))
            });
            if reverse {
                entries.reverse();
            }
            Ok(PyList::new_value(
                entries
                    .into_iter()
                    .map(|(k, v)| tuple(vec![k, v]))
                    .collect(),
            ))
        },
    );
    env.add_filter(
        "join",
        |state: &State, v: MjValue, rest: Rest<ValueOrKwargs>| -> Result<MjValue, Error> {
            check_undef(state, &v)?;
            let (pos, kw) = split_args(&rest.into_values());
            let sep = pos
                .first()
                .map(py_str)
                .or_else(|| kwarg::<String>(&kw, "d"))
                .unwrap_or_default();
            let attr = pos
                .get(1)
                .and_then(|x| x.as_str().map(String::from))
                .or_else(|| kwarg::<String>(&kw, "attribute"));
            let items = iter_items(&v)?;
            let parts: Vec<String> = items
                .iter()
                .map(|x| match &attr {
                    Some(a) => py_str(&get_attr_path(x, a)),
                    None => py_str(x),
                })
                .collect();
            Ok(MjValue::from(parts.join(&sep)))
        },
    );
    env.add_filter(
        "int",
        |state: &State, v: MjValue, rest: Rest<ValueOrKwargs>| -> Result<MjValue, Error> {
            check_undef(state, &v)?;
            let (pos, kw) = split_args(&rest.into_values());
            let default = pos
                .first()
                .cloned()
                .or_else(|| kwarg::<MjValue>(&kw, "default"))
                .unwrap_or(MjValue::from(0));
            let base = pos
                .get(1)
                .and_then(|x| x.as_i64())
                .or_else(|| kwarg::<i64>(&kw, "base"))
                .unwrap_or(10);
            Ok(match v.kind() {
                ValueKind::Bool => MjValue::from(i64::from(v.is_true())),
                ValueKind::Number if v.is_integer() => v.clone(),
                ValueKind::Number => {
                    MjValue::from(f64::try_from(v.clone()).unwrap_or(0.0).trunc() as i64)
                }
                ValueKind::String => {
                    let s = v.as_str().unwrap_or_default().trim().replace('_', "");
                    let (neg, body) = match s.strip_prefix('-') {
                        Some(b) => (true, b.to_string()),
                        None => (false, s.strip_prefix('+').unwrap_or(&s).to_string()),
                    };
                    let body_l = body.to_lowercase();
                    let (b, digits) = if base == 16 && body_l.starts_with("0x") {
                        (16, &body[2..])
                    } else if base == 8 && body_l.starts_with("0o") {
                        (8, &body[2..])
                    } else if base == 2 && body_l.starts_with("0b") {
                        (2, &body[2..])
                    } else {
                        (base as u32, body.as_str())
                    };
                    match i64::from_str_radix(digits, b) {
                        Ok(i) if !digits.is_empty() => MjValue::from(if neg { -i } else { i }),
                        _ => match s.parse::<f64>() {
                            Ok(f)
                                if f.is_finite()
                                    && !s.to_lowercase().contains("inf")
                                    && !s.to_lowercase().contains("nan") =>
                            {
                                MjValue::from(f.trunc() as i64)
                            }
                            _ => default,
                        },
                    }
                }
                _ => default,
            })
        },
    );
    env.add_filter(
        "float",
        |state: &State, v: MjValue, rest: Rest<ValueOrKwargs>| -> Result<MjValue, Error> {
            check_undef(state, &v)?;
            let (pos, kw) = split_args(&rest.into_values());
            let default = pos
                .first()
                .cloned()
                .or_else(|| kwarg::<MjValue>(&kw, "default"))
                .unwrap_or(MjValue::from(0.0));
            Ok(match v.kind() {
                ValueKind::Bool => MjValue::from(if v.is_true() { 1.0 } else { 0.0 }),
                ValueKind::Number => MjValue::from(f64::try_from(v.clone()).unwrap_or(0.0)),
                ValueKind::String => match v.as_str().unwrap_or_default().trim().parse::<f64>() {
                    Ok(f) => MjValue::from(f),
                    Err(_) => default,
                },
                _ => default,
            })
        },
    );
    env.add_filter(
        "round",
        |state: &State, v: MjValue, rest: Rest<ValueOrKwargs>| -> Result<MjValue, Error> {
            check_undef(state, &v)?;
            let (pos, kw) = split_args(&rest.into_values());
            let prec = pos
                .first()
                .and_then(|x| x.as_i64())
                .or_else(|| kwarg::<i64>(&kw, "precision"))
                .unwrap_or(0) as i32;
            let method = pos
                .get(1)
                .and_then(|x| x.as_str().map(String::from))
                .or_else(|| kwarg::<String>(&kw, "method"))
                .unwrap_or_else(|| "common".into());
            if v.is_integer() && method == "common" {
                return Ok(v);
            }
            let f = f64::try_from(v.clone()).map_err(|_| {
                err(format!(
                    "type {} doesn't define __round__ method",
                    type_name(&v)
                ))
            })?;
            let m = 10f64.powi(prec);
            Ok(MjValue::from(match method.as_str() {
                "common" => py_round(f, prec),
                "ceil" => (f * m).ceil() / m,
                "floor" => (f * m).floor() / m,
                _ => return Err(err("method must be common, ceil or floor")),
            }))
        },
    );
    env.add_filter(
        "format",
        |v: MjValue, rest: Rest<ValueOrKwargs>| -> Result<MjValue, Error> {
            let (pos, kw) = split_args(&rest.into_values());
            let fmt = py_str(&v);
            let args = match &kw {
                Some(k) if pos.is_empty() => {
                    let mut m = indexmap::IndexMap::new();
                    for name in k.args() {
                        m.insert(MjValue::from(name), k.get::<MjValue>(name)?);
                    }
                    PyDict::new_value(m, false)
                }
                _ => tuple(pos),
            };
            super::pyfmt::percent_format(&fmt, &args).map(MjValue::from)
        },
    );
    env.add_filter(
        "indent",
        |v: MjValue, rest: Rest<ValueOrKwargs>| -> MjValue {
            let (pos, kw) = split_args(&rest.into_values());
            let width = pos
                .first()
                .cloned()
                .or_else(|| kwarg::<MjValue>(&kw, "width"))
                .unwrap_or(MjValue::from(4));
            let first = pos
                .get(1)
                .map(|x| x.is_true())
                .or_else(|| kwarg::<bool>(&kw, "first"))
                .or_else(|| kwarg::<bool>(&kw, "indentfirst"))
                .unwrap_or(false);
            let blank = pos
                .get(2)
                .map(|x| x.is_true())
                .or_else(|| kwarg::<bool>(&kw, "blank"))
                .unwrap_or(false);
            let safe = v.is_safe();
            let s = do_indent(&py_str(&v), &width, first, blank);
            if safe {
                MjValue::from_safe_string(s)
            } else {
                MjValue::from(s)
            }
        },
    );
    env.add_filter("title", |v: MjValue| {
        MjValue::from(jinja_title(&py_str(&v)))
    });
    env.add_filter("capitalize", |v: MjValue| -> Result<MjValue, Error> {
        super::methods::str_method(&py_str(&v), "capitalize", &[])
    });
    env.add_filter(
        "center",
        |v: MjValue, width: Option<i64>| -> Result<MjValue, Error> {
            super::methods::str_method(&py_str(&v), "center", &[MjValue::from(width.unwrap_or(80))])
        },
    );
    env.add_filter(
        "truncate",
        |v: MjValue, rest: Rest<ValueOrKwargs>| -> MjValue {
            let (pos, kw) = split_args(&rest.into_values());
            let s = py_str(&v);
            let length = pos
                .first()
                .and_then(|x| x.as_usize())
                .or_else(|| kwarg::<usize>(&kw, "length"))
                .unwrap_or(255);
            let killwords = pos
                .get(1)
                .map(|x| x.is_true())
                .or_else(|| kwarg::<bool>(&kw, "killwords"))
                .unwrap_or(false);
            let end = pos
                .get(2)
                .map(py_str)
                .or_else(|| kwarg::<String>(&kw, "end"))
                .unwrap_or_else(|| "...".into());
            let leeway = pos
                .get(3)
                .and_then(|x| x.as_usize())
                .or_else(|| kwarg::<usize>(&kw, "leeway"))
                .unwrap_or(5);
            let n = s.chars().count();
            if n <= length + leeway {
                return MjValue::from(s);
            }
            let cut: String = s
                .chars()
                .take(length.saturating_sub(end.chars().count()))
                .collect();
            if killwords {
                return MjValue::from(cut + &end);
            }
            let cut = match cut.rsplit_once(' ') {
                Some((a, _)) => a.to_string(),
                None => cut,
            };
            MjValue::from(cut + &end)
        },
    );
    env.add_filter("wordcount", |v: MjValue| {
        let s = py_str(&v);
        let n = s
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .count();
        MjValue::from(n as i64)
    });
    env.add_filter("unique", |v: MjValue| -> Result<MjValue, Error> {
        Ok(PyList::new_value(unique_list(iter_items(&v)?)))
    });
    env.add_filter(
        "union",
        |a: MjValue, b: MjValue| -> Result<MjValue, Error> {
            let mut items = iter_items(&a)?;
            items.extend(iter_items(&b)?);
            Ok(PyList::new_value(unique_list(items)))
        },
    );
    env.add_filter(
        "intersect",
        |a: MjValue, b: MjValue| -> Result<MjValue, Error> {
            let bi = iter_items(&b)?;
            let items: Vec<MjValue> = iter_items(&a)?
                .into_iter()
                .filter(|x| bi.iter().any(|y| py_eq(x, y)))
                .collect();
            Ok(PyList::new_value(unique_list(items)))
        },
    );
    env.add_filter(
        "difference",
        |a: MjValue, b: MjValue| -> Result<MjValue, Error> {
            let bi = iter_items(&b)?;
            let items: Vec<MjValue> = iter_items(&a)?
                .into_iter()
                .filter(|x| !bi.iter().any(|y| py_eq(x, y)))
                .collect();
            Ok(PyList::new_value(unique_list(items)))
        },
    );
    env.add_filter(
        "symmetric_difference",
        |a: MjValue, b: MjValue| -> Result<MjValue, Error> {
            let (ai, bi) = (iter_items(&a)?, iter_items(&b)?);
            let mut items: Vec<MjValue> = ai
                .iter()
                .filter(|x| !bi.iter().any(|y| py_eq(x, y)))
                .cloned()
                .collect();
            items.extend(
                bi.iter()
                    .filter(|x| !ai.iter().any(|y| py_eq(x, y)))
                    .cloned(),
            );
            Ok(PyList::new_value(unique_list(items)))
        },
    );
    env.add_filter("avg", |v: MjValue| -> Result<MjValue, Error> {
        let items = iter_items(&v)?;
        if items.is_empty() {
            return Err(err("division by zero"));
        }
        let sum: f64 = items
            .iter()
            .map(|x| f64::try_from(x.clone()).unwrap_or(0.0))
            .sum();
        Ok(MjValue::from(sum / items.len() as f64))
    });
    env.add_filter("to_bool", |v: MjValue| {
        MjValue::from(match v.kind() {
            ValueKind::None | ValueKind::Undefined => false,
            ValueKind::Bool => v.is_true(),
            ValueKind::String => matches!(
                v.as_str().unwrap_or_default().to_lowercase().as_str(),
                "yes" | "1" | "true"
            ),
            ValueKind::Number if v.is_integer() => v.as_i64().unwrap_or(0) > 0,
            ValueKind::Map => v.len().unwrap_or(0) > 0,
            ValueKind::Seq if !v.is_tuple() => v.len().unwrap_or(0) > 0,
            _ => false,
        })
    });
    env.add_filter("sequence", |v: MjValue| match v.kind() {
        ValueKind::Seq | ValueKind::Map => v,
        _ => PyList::new_value(vec![v]),
    });
    env.add_filter("skip", |_v: MjValue| MjValue::from(""));
    env.add_filter("quote", |v: MjValue| {
        MjValue::from(shell_quote(&py_str(&v)))
    });
    env.add_filter("regex_escape", |v: MjValue| {
        MjValue::from(regex::escape(&py_str(&v)))
    });
    env.add_filter(
        "regex_search",
        |v: MjValue, rgx: String, rest: Rest<ValueOrKwargs>| -> Result<MjValue, Error> {
            let (pos, kw) = split_args(&rest.into_values());
            let re = regex_flags(&rgx, &kw, &pos, 0)?;
            Ok(re
                .captures(&py_str(&v))
                .map(|c| groups(&c))
                .unwrap_or(MjValue::from(())))
        },
    );
    env.add_filter(
        "regex_match",
        |v: MjValue, rgx: String, rest: Rest<ValueOrKwargs>| -> Result<MjValue, Error> {
            let (pos, kw) = split_args(&rest.into_values());
            let re = regex_flags(&format!("^(?:{rgx})"), &kw, &pos, 0)?;
            Ok(re
                .captures(&py_str(&v))
                .map(|c| groups(&c))
                .unwrap_or(MjValue::from(())))
        },
    );
    env.add_filter(
        "regex_replace",
        |v: MjValue,
         rgx: String,
         repl: String,
         rest: Rest<ValueOrKwargs>|
         -> Result<MjValue, Error> {
            let (pos, kw) = split_args(&rest.into_values());
            let re = regex_flags(&rgx, &kw, &pos, 0)?;
            Ok(MjValue::from(
                re.replace_all(&py_str(&v), py_repl(&repl).as_str())
                    .into_owned(),
            ))
        },
    );
    env.add_filter(
        "traverse",
        |v: MjValue, key: String, rest: Rest<ValueOrKwargs>| {
            let (pos, kw) = split_args(&rest.into_values());
            let default = pos
                .first()
                .cloned()
                .or_else(|| kwarg::<MjValue>(&kw, "default"))
                .unwrap_or(MjValue::from(()));
            let delim = pos
                .get(1)
                .map(py_str)
                .or_else(|| kwarg::<String>(&kw, "delimiter"))
                .unwrap_or_else(|| ":".into());
            traverse(&v, &key, default, &delim)
        },
    );
    env.add_filter("is_list", |v: MjValue| {
        MjValue::from(v.kind() == ValueKind::Seq && !v.is_tuple())
    });
    env.add_filter("is_iter", |v: MjValue| {
        MjValue::from(matches!(
            v.kind(),
            ValueKind::Seq | ValueKind::Map | ValueKind::Iterable
        ))
    });
    env.add_filter("exactly_one_true", |v: MjValue| -> Result<MjValue, Error> {
        Ok(MjValue::from(
            iter_items(&v)?.iter().filter(|x| x.is_true()).count() == 1,
        ))
    });
    env.add_filter(
        "exactly_n_true",
        |v: MjValue, n: Option<usize>| -> Result<MjValue, Error> {
            Ok(MjValue::from(
                iter_items(&v)?.iter().filter(|x| x.is_true()).count() == n.unwrap_or(1),
            ))
        },
    );
    env.add_filter("md5", |v: MjValue| {
        use md5::Digest;
        MjValue::from(hex(&md5::Md5::digest(py_str(&v).as_bytes())))
    });
    env.add_filter("sha256", |v: MjValue| {
        use sha2::Digest;
        MjValue::from(hex(&sha2::Sha256::digest(py_str(&v).as_bytes())))
    });
    env.add_filter("sha512", |v: MjValue| {
        use sha2::Digest;
        MjValue::from(hex(&sha2::Sha512::digest(py_str(&v).as_bytes())))
    });
    env.add_filter("base64_encode", |v: MjValue| {
        MjValue::from(b64_encode(py_str(&v).as_bytes()))
    });
    env.add_filter("base64_decode", |v: MjValue| -> Result<MjValue, Error> {
        let bytes = b64_decode(&py_str(&v)).ok_or_else(|| err("Incorrect padding"))?;
        Ok(MjValue::from(String::from_utf8_lossy(&bytes).into_owned()))
    });
    env.add_filter("path_join", |v: MjValue, rest: Rest<ValueOrKwargs>| {
        let (pos, _) = split_args(&rest.into_values());
        let mut parts = vec![py_str(&v)];
        parts.extend(pos.iter().map(py_str));
        let mut out = String::new();
        for p in parts {
            if p.starts_with('/') {
                out = p;
            } else if out.is_empty() || out.ends_with('/') {
                out.push_str(&p);
            } else {
                out.push('/');
                out.push_str(&p);
            }
        }
        MjValue::from(out)
    });
    env.add_filter("to_num", |v: MjValue| to_num(&v));
    env.add_filter("str_to_num", |v: MjValue| to_num(&v));
    env.add_filter("flatten", |v: MjValue| -> Result<MjValue, Error> {
        fn flat(items: Vec<MjValue>, out: &mut Vec<MjValue>, depth: usize) {
            for it in items {
                if it.kind() == ValueKind::Seq && depth < 100 {
                    flat(iter_items(&it).unwrap_or_default(), out, depth + 1);
                } else {
                    out.push(it);
                }
            }
        }
        let mut out = Vec::new();
        flat(iter_items(&v)?, &mut out, 0);
        Ok(PyList::new_value(out))
    });
    env.add_filter(
        "sorted_ignorecase",
        |v: MjValue| -> Result<MjValue, Error> {
            let mut items = iter_items(&v)?;
            items.sort_by(|a, b| py_cmp(&lower_key(a, false), &lower_key(b, false)));
            Ok(PyList::new_value(items))
        },
    );
    env.add_filter(
        "substring_in_list",
        |s: String, l: MjValue| -> Result<MjValue, Error> {
            Ok(MjValue::from(
                iter_items(&l)?.iter().any(|x| py_str(x).contains(&s)),
            ))
        },
    );
    env.add_filter("is_hex", |v: MjValue| {
        let s = py_str(&v);
        let s = s.strip_prefix("0x").unwrap_or(&s);
        MjValue::from(!s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit()))
    });
    env.add_filter("contains_whitespace", |v: MjValue| {
        MjValue::from(py_str(&v).chars().any(char::is_whitespace))
    });
    env.add_filter("to_snake_case", |v: MjValue| {
        let s = py_str(&v);
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if c.is_uppercase() && i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        }
        MjValue::from(out)
    });
    env.add_filter("to_camelcase", |v: MjValue, uppercamel: Option<bool>| {
        let s = py_str(&v);
        let mut out = String::new();
        for (i, part) in s.split('_').enumerate() {
            if i == 0 && !uppercamel.unwrap_or(false) {
                out.push_str(part);
            } else {
                let mut cs = part.chars();
                if let Some(f) = cs.next() {
                    out.extend(f.to_uppercase());
                    out.push_str(cs.as_str());
                }
            }
        }
        MjValue::from(out)
    });
    env.add_filter("is_ip", |v: MjValue| {
        MjValue::from(py_str(&v).parse::<std::net::IpAddr>().is_ok())
    });
    env.add_filter("is_ipv4", |v: MjValue| {
        MjValue::from(py_str(&v).parse::<std::net::Ipv4Addr>().is_ok())
    });
    env.add_filter("is_ipv6", |v: MjValue| {
        MjValue::from(py_str(&v).parse::<std::net::Ipv6Addr>().is_ok())
    });
    env.add_filter(
        "zip",
        |v: MjValue, rest: Rest<ValueOrKwargs>| -> Result<MjValue, Error> {
            let mut lists = vec![iter_items(&v)?];
            for r in rest.into_values().iter() {
                lists.push(iter_items(r)?);
            }
            let n = lists.iter().map(Vec::len).min().unwrap_or(0);
            Ok(MjValue::from(
                (0..n)
                    .map(|i| tuple(lists.iter().map(|l| l[i].clone()).collect()))
                    .collect::<Vec<_>>(),
            ))
        },
    );
    env.add_filter("to_entries", |v: MjValue| -> Result<MjValue, Error> {
        let entries = map_entries(&v).ok_or_else(|| err("to_entries needs a dict"))?;
        Ok(PyList::new_value(
            entries
                .into_iter()
                .map(|(k, val)| {
                    let mut m = indexmap::IndexMap::new();
                    m.insert(MjValue::from("key"), k);
                    m.insert(MjValue::from("value"), val);
                    PyDict::new_value(m, false)
                })
                .collect(),
        ))
    });
    env.add_filter(
        "method_call",
        |obj: MjValue, name: String, rest: Rest<ValueOrKwargs>| -> Result<MjValue, Error> {
            match obj.as_str() {
                Some(s) => super::methods::str_method(s, &name, &rest.into_values())
                    .or(Ok(MjValue::from(()))),
                None => Ok(MjValue::from(())),
            }
        },
    );
}

/// Loads YAML text into a mutable value (Salt's `load_yaml`).
pub fn load_yaml_value(text: &str) -> Result<MjValue, Error> {
    match rsalt_data::yaml::safe_load(text) {
        Ok(v) => Ok(to_mj(&v)),
        Err(e) => Err(err(format!(
            "Encountered error loading yaml: {}",
            e.message
        ))),
    }
}

/// Registers the tests on an environment.
pub fn register_tests(env: &mut Environment<'static>) {
    env.add_test(
        "match",
        |v: MjValue, rgx: String, rest: Rest<ValueOrKwargs>| -> Result<bool, Error> {
            let (pos, kw) = split_args(&rest.into_values());
            let re = regex_flags(&format!("^(?:{rgx})"), &kw, &pos, 0)?;
            Ok(re.is_match(&py_str(&v)))
        },
    );
    env.add_test("equalto", |a: MjValue, b: MjValue| py_eq(&a, &b));
    env.add_test("list", |v: MjValue| {
        v.kind() == ValueKind::Seq && !v.is_tuple()
    });
    env.add_test("number", |v: MjValue| {
        matches!(v.kind(), ValueKind::Number | ValueKind::Bool)
    });
}
