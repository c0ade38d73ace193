//! Python's `pprint.pformat(obj, indent=N, width=80)` (sorted plain dicts; `OrderedDict`s in
//! insertion order), used by the `pprint` outputter.

use crate::pyfmt::{is_py_space, py_len, splitlines};
use rsalt_data::repr::{key_repr, repr, str_repr};
use rsalt_data::{DictKind, Key, Value};
use std::cmp::Ordering;

const WIDTH: i64 = 80;

/// `pprint.pformat(value, indent=indent_per_level)`.
pub fn pformat(value: &Value, indent_per_level: usize) -> String {
    let pp = Pp {
        ipl: indent_per_level as i64,
    };
    let mut out = String::new();
    pp.format(&P::Val(value), &mut out, 0, 0, 0);
    out
}

/// What pprint walks: values, dict keys, and the `(key, value)` tuples of an `OrderedDict`.
enum P<'a> {
    Val(&'a Value),
    Key(&'a Key),
    Tuple(Vec<P<'a>>),
    List(Vec<P<'a>>),
}

fn type_name(k: &Key) -> &'static str {
    match k {
        Key::None => "<class 'NoneType'>",
        Key::Bool(_) => "<class 'bool'>",
        Key::Int(_) => "<class 'int'>",
        Key::Str(_) => "<class 'str'>",
    }
}

/// pprint's `_safe_key` ordering: natural where Python can compare, else by type name.
fn safe_key_cmp(a: &Key, b: &Key) -> Ordering {
    let num = |k: &Key| match k {
        Key::Int(i) => Some(*i),
        Key::Bool(b) => Some(i64::from(*b)),
        _ => None,
    };
    match (a, b) {
        (Key::Str(x), Key::Str(y)) => x.cmp(y),
        _ => match (num(a), num(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => type_name(a).cmp(type_name(b)),
        },
    }
}

fn sorted_items(d: &rsalt_data::Dict) -> Vec<(&Key, &Value)> {
    let mut items: Vec<(&Key, &Value)> = d.iter().collect();
    items.sort_by(|a, b| safe_key_cmp(a.0, b.0));
    items
}

/// `_safe_repr`: like `repr` but plain dicts (outside `OrderedDict`s) sorted.
fn safe_repr(p: &P) -> String {
    match p {
        P::Key(k) => key_repr(k),
        P::Tuple(items) => {
            let parts: Vec<String> = items.iter().map(safe_repr).collect();
            if parts.len() == 1 {
                format!("({},)", parts[0])
            } else {
                format!("({})", parts.join(", "))
            }
        }
        P::List(items) => {
            let parts: Vec<String> = items.iter().map(safe_repr).collect();
            format!("[{}]", parts.join(", "))
        }
        P::Val(v) => safe_repr_value(v),
    }
}

fn safe_repr_value(v: &Value) -> String {
    match v {
        Value::Dict(d) if d.kind == DictKind::Plain => {
            let parts: Vec<String> = sorted_items(d)
                .into_iter()
                .map(|(k, v)| format!("{}: {}", key_repr(k), safe_repr_value(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::List(l) => {
            let parts: Vec<String> = l.iter().map(safe_repr_value).collect();
            format!("[{}]", parts.join(", "))
        }
        other => repr(other),
    }
}

struct Pp {
    ipl: i64,
}

impl Pp {
    fn format(&self, p: &P, out: &mut String, indent: i64, allowance: i64, level: i64) {
        let rep = safe_repr(p);
        let max_width = WIDTH - indent - allowance;
        if (py_len(&rep) as i64) <= max_width {
            out.push_str(&rep);
            return;
        }
        match p {
            P::Val(Value::Dict(d)) if d.kind == DictKind::Plain => {
                out.push('{');
                if self.ipl > 1 {
                    out.push_str(&" ".repeat((self.ipl - 1) as usize));
                }
                if !d.is_empty() {
                    let items: Vec<(P, P)> = sorted_items(d)
                        .into_iter()
                        .map(|(k, v)| (P::Key(k), P::Val(v)))
                        .collect();
                    self.dict_items(&items, out, indent, allowance + 1, level + 1);
                }
                out.push('}');
            }
            P::Val(Value::Dict(d)) => {
                if d.is_empty() {
                    out.push_str(&repr(&Value::Dict(d.clone())));
                    return;
                }
                out.push_str("OrderedDict(");
                let items: Vec<P> = d
                    .iter()
                    .map(|(k, v)| P::Tuple(vec![P::Key(k), P::Val(v)]))
                    .collect();
                self.format(&P::List(items), out, indent + 12, allowance + 1, level + 1);
                out.push(')');
            }
            P::Val(Value::List(l)) => {
                let items: Vec<P> = l.iter().map(P::Val).collect();
                out.push('[');
                self.items(&items, out, indent, allowance + 1, level + 1);
                out.push(']');
            }
            P::List(items) => {
                out.push('[');
                self.items(items, out, indent, allowance + 1, level + 1);
                out.push(']');
            }
            P::Tuple(items) => {
                let endchar = if items.len() == 1 { ",)" } else { ")" };
                out.push('(');
                self.items(
                    items,
                    out,
                    indent,
                    allowance + endchar.len() as i64,
                    level + 1,
                );
                out.push_str(endchar);
            }
            P::Val(Value::Str(s)) => self.pstr(s, out, indent, allowance, level + 1),
            P::Key(Key::Str(s)) => self.pstr(s, out, indent, allowance, level + 1),
            _ => out.push_str(&rep),
        }
    }

    fn dict_items(
        &self,
        items: &[(P, P)],
        out: &mut String,
        indent: i64,
        allowance: i64,
        level: i64,
    ) {
        let indent = indent + self.ipl;
        let delimnl = format!(",\n{}", " ".repeat(indent.max(0) as usize));
        let last_index = items.len().saturating_sub(1);
        for (i, (k, v)) in items.iter().enumerate() {
            let last = i == last_index;
            let rep = safe_repr(k);
            out.push_str(&rep);
            out.push_str(": ");
            let a = if last { allowance } else { 1 };
            self.format(v, out, indent + py_len(&rep) as i64 + 2, a, level);
            if !last {
                out.push_str(&delimnl);
            }
        }
    }

    fn items(&self, items: &[P], out: &mut String, indent: i64, allowance: i64, level: i64) {
        let indent = indent + self.ipl;
        if self.ipl > 1 {
            out.push_str(&" ".repeat((self.ipl - 1) as usize));
        }
        let delimnl = format!(",\n{}", " ".repeat(indent.max(0) as usize));
        let n = items.len();
        for (i, ent) in items.iter().enumerate() {
            let last = i + 1 == n;
            if i > 0 {
                out.push_str(&delimnl);
            }
            self.format(ent, out, indent, if last { allowance } else { 1 }, level);
        }
    }

    fn pstr(&self, s: &str, out: &mut String, indent: i64, allowance: i64, level: i64) {
        if s.is_empty() {
            out.push_str(&str_repr(s));
            return;
        }
        let (mut indent, mut allowance) = (indent, allowance);
        if level == 1 {
            indent += 1;
            allowance += 1;
        }
        let mut chunks: Vec<String> = Vec::new();
        let lines = splitlines(s, true);
        let max_width = WIDTH - indent;
        let mut max_width1 = max_width;
        let mut rep = String::new();
        for (i, line) in lines.iter().enumerate() {
            rep = str_repr(line);
            let last_line = i + 1 == lines.len();
            if last_line {
                max_width1 -= allowance;
            }
            if py_len(&rep) as i64 <= max_width1 {
                chunks.push(rep.clone());
                continue;
            }
            let parts = word_parts(line);
            let mut max_width2 = max_width;
            let mut current = String::new();
            for (j, part) in parts.iter().enumerate() {
                let candidate = format!("{current}{part}");
                if j + 1 == parts.len() && last_line {
                    max_width2 -= allowance;
                }
                if py_len(&str_repr(&candidate)) as i64 > max_width2 {
                    if !current.is_empty() {
                        chunks.push(str_repr(&current));
                    }
                    current = part.to_string();
                } else {
                    current = candidate;
                }
            }
            if !current.is_empty() {
                chunks.push(str_repr(&current));
            }
        }
        if chunks.len() == 1 {
            out.push_str(&rep);
            return;
        }
        if level == 1 {
            out.push('(');
        }
        for (i, chunk) in chunks.iter().enumerate() {
            if i > 0 {
                out.push('\n');
                out.push_str(&" ".repeat(indent.max(0) as usize));
            }
            out.push_str(chunk);
        }
        if level == 1 {
            out.push(')');
        }
    }
}

/// `re.findall(r'\S*\s*', line)` without the final empty match.
fn word_parts(line: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && !is_py_space(chars[i].1) {
            i += 1;
        }
        while i < chars.len() && is_py_space(chars[i].1) {
            i += 1;
        }
        let end = chars.get(i).map_or(line.len(), |c| c.0);
        parts.push(&line[start..end]);
        start = end;
    }
    parts
}
