//! Python methods on template values: `dict.update`, `list.append`, `str.split`, ...

use super::objects::{
    err, lock, map_get, norm_key, py_eq, py_repr, py_str, type_name, PyDict, PyList,
};
use super::pyfmt;
use indexmap::IndexMap;
use minijinja::value::{Kwargs, Value as MjValue, ValueKind};
use minijinja::{Error, ErrorKind, State};
use std::sync::Arc;

/// Splits positional arguments from trailing keyword arguments.
pub fn split_args(args: &[MjValue]) -> (Vec<MjValue>, Option<Kwargs>) {
    if let Some(last) = args.last() {
        if last.is_kwargs() {
            if let Ok(kw) = Kwargs::try_from(last.clone()) {
                return (args[..args.len() - 1].to_vec(), Some(kw));
            }
        }
    }
    (args.to_vec(), None)
}

fn kw_get(kw: &Option<Kwargs>, name: &str) -> Option<MjValue> {
    kw.as_ref()
        .and_then(|k| k.get::<Option<MjValue>>(name).ok().flatten())
}

fn kw_names(kw: &Option<Kwargs>) -> Vec<String> {
    kw.as_ref()
        .map(|k| k.args().map(String::from).collect())
        .unwrap_or_default()
}

fn find_key(map: &IndexMap<MjValue, MjValue>, key: &MjValue) -> Option<MjValue> {
    if map.contains_key(key) {
        return Some(key.clone());
    }
    if key.kind() == ValueKind::String {
        return None;
    }
    let nk = norm_key(key);
    map.keys()
        .find(|k| k.kind() != ValueKind::String && norm_key(k) == nk)
        .cloned()
}

/// Inserts into a map, keeping Python's key identity (`1` and `True` are one key).
pub fn map_insert(map: &mut IndexMap<MjValue, MjValue>, key: MjValue, value: MjValue) {
    match find_key(map, &key) {
        Some(k) => {
            map.insert(k, value);
        }
        None => {
            map.insert(key, value);
        }
    }
}

/// The (key, value) pairs of any mapping value.
pub fn map_entries(v: &MjValue) -> Option<Vec<(MjValue, MjValue)>> {
    if let Some(d) = v.downcast_object_ref::<PyDict>() {
        return Some(d.entries());
    }
    if v.kind() != ValueKind::Map {
        return None;
    }
    let iter = v.try_iter().ok()?;
    Some(
        iter.map(|k| {
            let val = v.get_item(&k).unwrap_or_default();
            (k, val)
        })
        .collect(),
    )
}

/// Items of any iterable value (snapshot).
pub fn iter_items(v: &MjValue) -> Result<Vec<MjValue>, Error> {
    if let Some(l) = v.downcast_object_ref::<PyList>() {
        return Ok(l.snapshot());
    }
    if let Some(s) = v.as_str() {
        return Ok(s.chars().map(|c| MjValue::from(c.to_string())).collect());
    }
    if v.is_undefined() {
        return Err(Error::from(ErrorKind::UndefinedError));
    }
    match v.kind() {
        ValueKind::Seq | ValueKind::Map | ValueKind::Iterable => Ok(v.try_iter()?.collect()),
        _ => Err(err(format!("'{}' object is not iterable", type_name(v)))),
    }
}

fn tuple(items: Vec<MjValue>) -> MjValue {
    MjValue::from(minijinja::value::Tuple::from(items))
}

/// Methods of `dict` / `OrderedDict`.
pub fn dict_method(
    d: &Arc<PyDict>,
    _state: &mut State<'_, '_>,
    method: &str,
    args: &[MjValue],
) -> Result<MjValue, Error> {
    let (pos, kw) = split_args(args);
    match method {
        "get" => {
            let key = pos.first().cloned().unwrap_or_default();
            let default = pos.get(1).cloned().unwrap_or(MjValue::from(()));
            Ok(map_get(&lock(&d.map), &key).unwrap_or(default))
        }
        "keys" => Ok(MjValue::from(
            lock(&d.map).keys().cloned().collect::<Vec<_>>(),
        )),
        "values" => Ok(MjValue::from(
            lock(&d.map).values().cloned().collect::<Vec<_>>(),
        )),
        "items" => Ok(MjValue::from(
            d.entries()
                .into_iter()
                .map(|(k, v)| tuple(vec![k, v]))
                .collect::<Vec<_>>(),
        )),
        "update" => {
            let mut new: Vec<(MjValue, MjValue)> = Vec::new();
            if let Some(other) = pos.first() {
                if let Some(entries) = map_entries(other) {
                    new.extend(entries);
                } else {
                    for item in iter_items(other)? {
                        let pair = iter_items(&item)?;
                        if pair.len() != 2 {
                            return Err(err(format!(
                                "dictionary update sequence element has length {}; 2 is required",
                                pair.len()
                            )));
                        }
                        new.push((pair[0].clone(), pair[1].clone()));
                    }
                }
            }
            if let Some(kw) = &kw {
                for name in kw_names(&Some(kw.clone())) {
                    let v: MjValue = kw.get(name.as_str())?;
                    new.push((MjValue::from(name), v));
                }
            }
            let mut m = lock(&d.map);
            for (k, v) in new {
                map_insert(&mut m, k, v);
            }
            Ok(MjValue::from(()))
        }
        "setdefault" => {
            let key = pos.first().cloned().unwrap_or_default();
            let default = pos.get(1).cloned().unwrap_or(MjValue::from(()));
            let mut m = lock(&d.map);
            if let Some(v) = map_get(&m, &key) {
                return Ok(v);
            }
            m.insert(key, default.clone());
            Ok(default)
        }
        "pop" => {
            let key = pos.first().cloned().unwrap_or_default();
            let mut m = lock(&d.map);
            match find_key(&m, &key) {
                Some(k) => Ok(m.shift_remove(&k).unwrap_or_default()),
                None => pos
                    .get(1)
                    .cloned()
                    .ok_or_else(|| err(format!("KeyError: {}", py_repr(&key)))),
            }
        }
        "popitem" => {
            let mut m = lock(&d.map);
            match m.pop() {
                Some((k, v)) => Ok(tuple(vec![k, v])),
                None => Err(err("'popitem(): dictionary is empty'")),
            }
        }
        "copy" => Ok(PyDict::new_value(lock(&d.map).clone(), d.ordered)),
        "clear" => {
            lock(&d.map).clear();
            Ok(MjValue::from(()))
        }
        "__contains__" | "has_key" => {
            let key = pos.first().cloned().unwrap_or_default();
            Ok(MjValue::from(map_get(&lock(&d.map), &key).is_some()))
        }
        "__getitem__" => {
            let key = pos.first().cloned().unwrap_or_default();
            map_get(&lock(&d.map), &key).ok_or_else(|| err(format!("KeyError: {}", py_repr(&key))))
        }
        _ => Err(Error::from(ErrorKind::UnknownMethod)),
    }
}

/// Methods of `list`.
pub fn list_method(
    l: &Arc<PyList>,
    _state: &mut State<'_, '_>,
    method: &str,
    args: &[MjValue],
) -> Result<MjValue, Error> {
    let (pos, kw) = split_args(args);
    let arg0 = || pos.first().cloned().unwrap_or_default();
    match method {
        "append" => {
            lock(&l.items).push(arg0());
            Ok(MjValue::from(()))
        }
        "extend" => {
            let new = iter_items(&arg0())?;
            lock(&l.items).extend(new);
            Ok(MjValue::from(()))
        }
        "insert" => {
            let idx = pos.first().and_then(|v| v.as_i64()).unwrap_or(0);
            let x = pos.get(1).cloned().unwrap_or_default();
            let mut items = lock(&l.items);
            let n = items.len() as i64;
            let i = if idx < 0 {
                (idx + n).max(0)
            } else {
                idx.min(n)
            };
            items.insert(i as usize, x);
            Ok(MjValue::from(()))
        }
        "pop" => {
            let mut items = lock(&l.items);
            if items.is_empty() {
                return Err(err("pop from empty list"));
            }
            let n = items.len() as i64;
            let idx = pos.first().and_then(|v| v.as_i64()).unwrap_or(-1);
            let i = if idx < 0 { idx + n } else { idx };
            if i < 0 || i >= n {
                return Err(err("pop index out of range"));
            }
            Ok(items.remove(i as usize))
        }
        "remove" => {
            let x = arg0();
            let mut items = lock(&l.items);
            match items.iter().position(|v| py_eq(v, &x)) {
                Some(i) => {
                    items.remove(i);
                    Ok(MjValue::from(()))
                }
                None => Err(err("list.remove(x): x not in list")),
            }
        }
        "index" => {
            let x = arg0();
            let items = lock(&l.items);
            items
                .iter()
                .position(|v| py_eq(v, &x))
                .map(|i| MjValue::from(i as i64))
                .ok_or_else(|| err(format!("{} is not in list", py_repr(&x))))
        }
        "count" => {
            let x = arg0();
            Ok(MjValue::from(
                lock(&l.items).iter().filter(|v| py_eq(v, &x)).count() as i64,
            ))
        }
        "reverse" => {
            lock(&l.items).reverse();
            Ok(MjValue::from(()))
        }
        "sort" => {
            let reverse = kw_get(&kw, "reverse").map(|v| v.is_true()).unwrap_or(false);
            let mut items = lock(&l.items).clone();
            items.sort_by(super::filters::py_cmp);
            if reverse {
                items.reverse();
            }
            *lock(&l.items) = items;
            Ok(MjValue::from(()))
        }
        "copy" => Ok(PyList::new_value(l.snapshot())),
        "clear" => {
            lock(&l.items).clear();
            Ok(MjValue::from(()))
        }
        _ => Err(Error::from(ErrorKind::UnknownMethod)),
    }
}

fn py_title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_cased = false;
    for c in s.chars() {
        if prev_cased {
            out.extend(c.to_lowercase());
        } else {
            out.extend(c.to_uppercase());
        }
        prev_cased = c.is_alphabetic();
    }
    out
}

fn py_capitalize(s: &str) -> String {
    let mut cs = s.chars();
    match cs.next() {
        Some(f) => f
            .to_uppercase()
            .chain(cs.flat_map(|c| c.to_lowercase()))
            .collect(),
        None => String::new(),
    }
}

fn strip_set<'a>(s: &'a str, chars: Option<&MjValue>, left: bool, right: bool) -> &'a str {
    match chars.and_then(|c| c.as_str()) {
        Some(set) => {
            let f = |c: char| set.contains(c);
            match (left, right) {
                (true, true) => s.trim_matches(f),
                (true, false) => s.trim_start_matches(f),
                _ => s.trim_end_matches(f),
            }
        }
        None => match (left, right) {
            (true, true) => s.trim(),
            (true, false) => s.trim_start(),
            _ => s.trim_end(),
        },
    }
}

/// Python `str.split` / `str.rsplit`.
pub fn py_split(
    s: &str,
    sep: Option<&str>,
    maxsplit: i64,
    right: bool,
) -> Result<Vec<String>, Error> {
    let max = if maxsplit < 0 {
        usize::MAX
    } else {
        maxsplit as usize
    };
    match sep {
        Some("") => Err(err("empty separator")),
        Some(sep) => {
            if right {
                let mut parts: Vec<String> = s
                    .rsplitn(max.saturating_add(1), sep)
                    .map(String::from)
                    .collect();
                parts.reverse();
                Ok(parts)
            } else {
                Ok(s.splitn(max.saturating_add(1), sep)
                    .map(String::from)
                    .collect())
            }
        }
        None => {
            let mut out = Vec::new();
            if right {
                let mut rest = s.trim_end();
                while !rest.is_empty() {
                    if out.len() == max {
                        out.push(rest.to_string());
                        break;
                    }
                    match rest.rfind(char::is_whitespace) {
                        Some(i) => {
                            let ch_len = rest[i..].chars().next().map(char::len_utf8).unwrap_or(1);
                            out.push(rest[i + ch_len..].to_string());
                            rest = rest[..i].trim_end();
                        }
                        None => {
                            out.push(rest.to_string());
                            break;
                        }
                    }
                }
                out.reverse();
            } else {
                let mut rest = s.trim_start();
                while !rest.is_empty() {
                    if out.len() == max {
                        out.push(rest.to_string());
                        break;
                    }
                    match rest.find(char::is_whitespace) {
                        Some(i) => {
                            out.push(rest[..i].to_string());
                            rest = rest[i..].trim_start();
                        }
                        None => {
                            out.push(rest.to_string());
                            break;
                        }
                    }
                }
            }
            Ok(out)
        }
    }
}

fn str_list(v: Vec<String>) -> MjValue {
    PyList::new_value(v.into_iter().map(MjValue::from).collect())
}

fn affix_match(s: &str, arg: &MjValue, start: bool) -> Result<bool, Error> {
    let test = |p: &str| {
        if start {
            s.starts_with(p)
        } else {
            s.ends_with(p)
        }
    };
    if let Some(p) = arg.as_str() {
        return Ok(test(p));
    }
    if arg.is_tuple() {
        for p in iter_items(arg)? {
            match p.as_str() {
                Some(p) if test(p) => return Ok(true),
                Some(_) => {}
                None => return Err(err("tuple for startswith must only contain str")),
            }
        }
        return Ok(false);
    }
    Err(err(format!(
        "{} first arg must be str or a tuple of str, not {}",
        if start { "startswith" } else { "endswith" },
        type_name(arg)
    )))
}

fn char_len(s: &str) -> usize {
    s.chars().count()
}

fn justify(s: &str, width: i64, fill: char, how: char) -> String {
    let n = char_len(s) as i64;
    if width <= n {
        return s.to_string();
    }
    let marg = (width - n) as usize;
    let f = |k: usize| fill.to_string().repeat(k);
    match how {
        'l' => format!("{s}{}", f(marg)),
        'r' => format!("{}{s}", f(marg)),
        _ => {
            let left = marg / 2 + (marg & width as usize & 1);
            format!("{}{s}{}", f(left), f(marg - left))
        }
    }
}

fn find_idx(s: &str, sub: &str, right: bool) -> i64 {
    let pos = if right { s.rfind(sub) } else { s.find(sub) };
    pos.map(|b| char_len(&s[..b]) as i64).unwrap_or(-1)
}

/// Python `str` methods.
pub fn str_method(s: &str, method: &str, args: &[MjValue]) -> Result<MjValue, Error> {
    let (pos, kw) = split_args(args);
    let a = |i: usize| pos.get(i).cloned();
    let astr = |i: usize| pos.get(i).and_then(|v| v.as_str().map(String::from));
    let v = |x: String| Ok(MjValue::from(x));
    match method {
        "upper" => v(s.to_uppercase()),
        "lower" | "casefold" => v(s.to_lowercase()),
        "title" => v(py_title(s)),
        "capitalize" => v(py_capitalize(s)),
        "swapcase" => v(s
            .chars()
            .flat_map(|c| -> Vec<char> {
                if c.is_uppercase() {
                    c.to_lowercase().collect()
                } else {
                    c.to_uppercase().collect()
                }
            })
            .collect()),
        "strip" => v(strip_set(s, pos.first().filter(|x| !x.is_none()), true, true).into()),
        "lstrip" => v(strip_set(s, pos.first().filter(|x| !x.is_none()), true, false).into()),
        "rstrip" => v(strip_set(s, pos.first().filter(|x| !x.is_none()), false, true).into()),
        "split" | "rsplit" => {
            let sep = a(0).or_else(|| kw_get(&kw, "sep"));
            let sep = sep.filter(|x| !x.is_none());
            let max = a(1)
                .or_else(|| kw_get(&kw, "maxsplit"))
                .and_then(|x| x.as_i64())
                .unwrap_or(-1);
            let sep_s = sep.as_ref().and_then(|x| x.as_str().map(String::from));
            if sep.is_some() && sep_s.is_none() {
                return Err(err("must be str or None"));
            }
            Ok(str_list(py_split(
                s,
                sep_s.as_deref(),
                max,
                method == "rsplit",
            )?))
        }
        "splitlines" => {
            let keep = a(0)
                .or_else(|| kw_get(&kw, "keepends"))
                .map(|x| x.is_true())
                .unwrap_or(false);
            let out: Vec<String> = rsalt_data::pystr::splitlines(s, keep)
                .into_iter()
                .map(String::from)
                .collect();
            Ok(str_list(out))
        }
        "startswith" | "endswith" => {
            let arg =
                a(0).ok_or_else(|| err(format!("{method}() takes at least 1 argument (0 given)")))?;
            let start = a(1).and_then(|x| x.as_i64()).unwrap_or(0).max(0) as usize;
            let sub: String = s.chars().skip(start).collect();
            Ok(MjValue::from(affix_match(
                &sub,
                &arg,
                method == "startswith",
            )?))
        }
        "replace" => {
            let old = astr(0).ok_or_else(|| err("replace() argument 1 must be str"))?;
            let new = astr(1).ok_or_else(|| err("replace() argument 2 must be str"))?;
            let count = a(2).and_then(|x| x.as_i64()).unwrap_or(-1);
            if count < 0 {
                v(s.replace(&old, &new))
            } else {
                v(s.replacen(&old, &new, count as usize))
            }
        }
        "join" => {
            let items = iter_items(&a(0).unwrap_or_default())?;
            let mut parts = Vec::with_capacity(items.len());
            for (i, it) in items.iter().enumerate() {
                match it.as_str() {
                    Some(x) => parts.push(x.to_string()),
                    None => {
                        return Err(err(format!(
                            "sequence item {i}: expected str instance, {} found",
                            type_name(it)
                        )))
                    }
                }
            }
            v(parts.join(s))
        }
        "format" => {
            let kwf = |name: &str| {
                kw.as_ref()
                    .filter(|k| k.has(name))
                    .and_then(|k| k.get::<MjValue>(name).ok())
            };
            v(pyfmt::str_format(s, &pos, &kwf)?)
        }
        "format_map" => {
            let m = a(0).unwrap_or_default();
            let f = pyfmt::dict_lookup(&m);
            v(pyfmt::str_format(s, &[], &f)?)
        }
        "count" => {
            let sub = astr(0).ok_or_else(|| err("must be str"))?;
            if sub.is_empty() {
                return Ok(MjValue::from(char_len(s) as i64 + 1));
            }
            Ok(MjValue::from(s.matches(sub.as_str()).count() as i64))
        }
        "find" | "rfind" | "index" | "rindex" => {
            let sub = astr(0).ok_or_else(|| err("must be str"))?;
            let i = find_idx(s, &sub, method.starts_with('r'));
            if i < 0 && method.ends_with("index") {
                return Err(err("substring not found"));
            }
            Ok(MjValue::from(i))
        }
        "zfill" => {
            let w = a(0).and_then(|x| x.as_i64()).unwrap_or(0);
            let n = char_len(s) as i64;
            if w <= n {
                return v(s.to_string());
            }
            let zeros = "0".repeat((w - n) as usize);
            match s.strip_prefix(['+', '-']) {
                Some(rest) => v(format!("{}{zeros}{rest}", &s[..1])),
                None => v(format!("{zeros}{s}")),
            }
        }
        "ljust" | "rjust" | "center" => {
            let w = a(0).and_then(|x| x.as_i64()).unwrap_or(0);
            let fill = astr(1).and_then(|f| f.chars().next()).unwrap_or(' ');
            v(justify(s, w, fill, method.chars().next().unwrap_or('c')))
        }
        "isdigit" | "isnumeric" | "isdecimal" => Ok(MjValue::from(
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_digit() || (method != "isdecimal" && c.is_numeric())),
        )),
        "isalpha" => Ok(MjValue::from(
            !s.is_empty() && s.chars().all(char::is_alphabetic),
        )),
        "isalnum" => Ok(MjValue::from(
            !s.is_empty() && s.chars().all(char::is_alphanumeric),
        )),
        "isspace" => Ok(MjValue::from(
            !s.is_empty() && s.chars().all(char::is_whitespace),
        )),
        "isupper" => Ok(MjValue::from(
            s.chars().any(char::is_uppercase) && !s.chars().any(char::is_lowercase),
        )),
        "islower" => Ok(MjValue::from(
            s.chars().any(char::is_lowercase) && !s.chars().any(char::is_uppercase),
        )),
        "istitle" => Ok(MjValue::from(
            !s.is_empty() && py_title(s) == s && s.chars().any(char::is_alphabetic),
        )),
        "isidentifier" => Ok(MjValue::from(
            s.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
                && s.chars().all(|c| c.is_alphanumeric() || c == '_'),
        )),
        "partition" | "rpartition" => {
            let sep = astr(0).ok_or_else(|| err("must be str"))?;
            if sep.is_empty() {
                return Err(err("empty separator"));
            }
            let found = if method == "partition" {
                s.find(&sep)
            } else {
                s.rfind(&sep)
            };
            let parts = match found {
                Some(i) => vec![
                    s[..i].to_string(),
                    sep.clone(),
                    s[i + sep.len()..].to_string(),
                ],
                None if method == "partition" => vec![s.to_string(), String::new(), String::new()],
                None => vec![String::new(), String::new(), s.to_string()],
            };
            Ok(tuple(parts.into_iter().map(MjValue::from).collect()))
        }
        "removeprefix" => {
            let p = astr(0).unwrap_or_default();
            v(s.strip_prefix(p.as_str()).unwrap_or(s).to_string())
        }
        "removesuffix" => {
            let p = astr(0).unwrap_or_default();
            v(s.strip_suffix(p.as_str()).unwrap_or(s).to_string())
        }
        "expandtabs" => {
            let size = a(0).and_then(|x| x.as_i64()).unwrap_or(8).max(0) as usize;
            let mut out = String::new();
            let mut col = 0;
            for c in s.chars() {
                match c {
                    '\t' => {
                        if size > 0 {
                            let n = size - col % size;
                            out.push_str(&" ".repeat(n));
                            col += n;
                        }
                    }
                    '\n' | '\r' => {
                        out.push(c);
                        col = 0;
                    }
                    c => {
                        out.push(c);
                        col += 1;
                    }
                }
            }
            v(out)
        }
        "encode" | "decode" => v(s.to_string()),
        "__len__" => Ok(MjValue::from(char_len(s) as i64)),
        "__contains__" => Ok(MjValue::from(
            s.contains(astr(0).unwrap_or_default().as_str()),
        )),
        _ => Err(err(format!("'str' object has no attribute '{method}'"))),
    }
}

/// The environment's unknown-method callback: Python methods on strings, tuples and
/// plain minijinja maps/sequences.
pub fn unknown_method(
    state: &mut State,
    value: &MjValue,
    method: &str,
    args: &[MjValue],
) -> Result<MjValue, Error> {
    if let Some(s) = value.as_str() {
        return str_method(s, method, args);
    }
    match value.kind() {
        ValueKind::Map => {
            // a callable member (imported template module: `m.macro()`)
            if let Ok(member) = value.get_attr(method) {
                if !member.is_undefined()
                    && matches!(member.kind(), ValueKind::Plain | ValueKind::Map)
                    && member.as_object().is_some()
                {
                    match member.call(state, args) {
                        Err(e) if e.detail() == Some("object is not callable") => {}
                        other => return other,
                    }
                }
            }
            let entries = map_entries(value).unwrap_or_default();
            let tmp = Arc::new(PyDict {
                ordered: false,
                map: std::sync::Mutex::new(entries.into_iter().collect()),
            });
            match method {
                "get" | "keys" | "values" | "items" | "copy" | "__contains__" => {
                    let mut st = None::<()>;
                    let _ = &mut st;
                    dict_method_ro(&tmp, method, args)
                }
                _ => Err(err(format!(
                    "'{}' object has no attribute '{method}'",
                    type_name(value)
                ))),
            }
        }
        ValueKind::Seq | ValueKind::Iterable => {
            let items = iter_items(value)?;
            let (pos, _) = split_args(args);
            let x = pos.first().cloned().unwrap_or_default();
            match method {
                "count" => Ok(MjValue::from(
                    items.iter().filter(|v| py_eq(v, &x)).count() as i64
                )),
                "index" => items
                    .iter()
                    .position(|v| py_eq(v, &x))
                    .map(|i| MjValue::from(i as i64))
                    .ok_or_else(|| err(format!("{} is not in list", py_repr(&x)))),
                "copy" => Ok(PyList::new_value(items)),
                _ => Err(err(format!(
                    "'{}' object has no attribute '{method}'",
                    type_name(value)
                ))),
            }
        }
        ValueKind::Number if method == "is_integer" => {
            let f = f64::try_from(value.clone()).unwrap_or(0.0);
            Ok(MjValue::from(f.fract() == 0.0))
        }
        _ => Err(err(format!(
            "'{}' object has no attribute '{method}'",
            type_name(value)
        ))),
    }
}

fn dict_method_ro(d: &Arc<PyDict>, method: &str, args: &[MjValue]) -> Result<MjValue, Error> {
    let (pos, _) = split_args(args);
    match method {
        "get" => {
            let key = pos.first().cloned().unwrap_or_default();
            let default = pos.get(1).cloned().unwrap_or(MjValue::from(()));
            Ok(map_get(&lock(&d.map), &key).unwrap_or(default))
        }
        "keys" => Ok(MjValue::from(
            lock(&d.map).keys().cloned().collect::<Vec<_>>(),
        )),
        "values" => Ok(MjValue::from(
            lock(&d.map).values().cloned().collect::<Vec<_>>(),
        )),
        "items" => Ok(MjValue::from(
            d.entries()
                .into_iter()
                .map(|(k, v)| tuple(vec![k, v]))
                .collect::<Vec<_>>(),
        )),
        "copy" => Ok(PyDict::new_value(lock(&d.map).clone(), false)),
        "__contains__" => {
            let key = pos.first().cloned().unwrap_or_default();
            Ok(MjValue::from(map_get(&lock(&d.map), &key).is_some()))
        }
        _ => Err(Error::from(ErrorKind::UnknownMethod)),
    }
}

/// `str()` helper re-exported for filters.
pub fn to_str(v: &MjValue) -> String {
    py_str(v)
}
