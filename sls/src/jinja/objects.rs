//! Mutable Python-like containers for minijinja (`dict`, `OrderedDict`, `list`),
//! conversions to and from [`rsalt_data::Value`], and Python `str()` / `repr()` of values.

use indexmap::IndexMap;
use minijinja::value::{Enumerator, Object, ObjectRepr, Value as MjValue, ValueKind};
use minijinja::{Error, ErrorKind, State};
use rsalt_data::{Dict, DictKind, Key, Value};
use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex, MutexGuard};

/// Locks a mutex, ignoring poisoning (a panic elsewhere must not wedge rendering).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

thread_local! {
    /// The last failed key lookup on a container: (jinja2 type repr, key), used to word
    /// "'dict object' has no attribute 'x'" errors the way jinja2 does.
    static LAST_MISS: RefCell<Option<(String, MjValue)>> = const { RefCell::new(None) };
}

/// Records a failed lookup (for error messages).
pub(crate) fn record_miss(type_repr: &str, key: &MjValue) {
    LAST_MISS.with(|m| *m.borrow_mut() = Some((type_repr.to_string(), key.clone())));
}

/// Takes the last failed lookup.
pub(crate) fn take_miss() -> Option<(String, MjValue)> {
    LAST_MISS.with(|m| m.borrow_mut().take())
}

/// A Python `dict` / `OrderedDict` with interior mutability.
#[derive(Debug, Default)]
pub struct PyDict {
    /// Whether this is an `OrderedDict`.
    pub ordered: bool,
    /// The entries in insertion order.
    pub map: Mutex<IndexMap<MjValue, MjValue>>,
}

/// A Python `list` with interior mutability.
#[derive(Debug, Default)]
pub struct PyList {
    /// The items.
    pub items: Mutex<Vec<MjValue>>,
}

impl PyDict {
    /// Wraps entries into a new dict value.
    pub fn new_value(map: IndexMap<MjValue, MjValue>, ordered: bool) -> MjValue {
        MjValue::from_object(PyDict {
            ordered,
            map: Mutex::new(map),
        })
    }

    /// A snapshot of the entries.
    pub fn entries(&self) -> Vec<(MjValue, MjValue)> {
        lock(&self.map)
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// jinja2's `object_type_repr`.
    pub fn type_repr(&self) -> &'static str {
        if self.ordered {
            "collections.OrderedDict object"
        } else {
            "dict object"
        }
    }
}

impl PyList {
    /// Wraps items into a new list value.
    pub fn new_value(items: Vec<MjValue>) -> MjValue {
        MjValue::from_object(PyList {
            items: Mutex::new(items),
        })
    }

    /// A snapshot of the items.
    pub fn snapshot(&self) -> Vec<MjValue> {
        lock(&self.items).clone()
    }
}

/// Normalises a key so that `1`, `1.0` and `True` find the same entry (as in Python).
pub(crate) fn norm_key(key: &MjValue) -> MjValue {
    if key.kind() == ValueKind::Bool {
        return MjValue::from(i64::from(key.is_true()));
    }
    if key.kind() == ValueKind::Number && !key.is_integer() {
        if let Ok(f) = f64::try_from(key.clone()) {
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                return MjValue::from(f as i64);
            }
        }
    }
    key.clone()
}

/// Looks a key up in an entry map, treating `True`/`1` alike.
pub(crate) fn map_get(map: &IndexMap<MjValue, MjValue>, key: &MjValue) -> Option<MjValue> {
    if let Some(v) = map.get(key) {
        return Some(v.clone());
    }
    let nk = norm_key(key);
    if nk != *key || matches!(key.kind(), ValueKind::Number) {
        for (k, v) in map.iter() {
            if norm_key(k) == nk && k.kind() != ValueKind::String {
                return Some(v.clone());
            }
        }
    }
    None
}

impl Object for PyDict {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &MjValue) -> Option<MjValue> {
        let rv = map_get(&lock(&self.map), key);
        if rv.is_none() {
            record_miss(self.type_repr(), key);
        }
        rv
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(lock(&self.map).keys().cloned().collect())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(lock(&self.map).len())
    }

    fn is_true(self: &Arc<Self>) -> bool {
        !lock(&self.map).is_empty()
    }

    fn call_method(
        self: &Arc<Self>,
        state: &mut State<'_, '_>,
        method: &str,
        args: &[MjValue],
    ) -> Result<MjValue, Error> {
        super::methods::dict_method(self, state, method, args)
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&py_repr(&MjValue::from_dyn_object(self.clone())))
    }
}

impl Object for PyList {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &MjValue) -> Option<MjValue> {
        let items = lock(&self.items);
        let idx = key.as_i64().filter(|_| key.kind() == ValueKind::Number);
        let rv = idx.and_then(|i| {
            let i = if i < 0 { i + items.len() as i64 } else { i };
            usize::try_from(i).ok().and_then(|i| items.get(i).cloned())
        });
        if rv.is_none() {
            record_miss("list object", key);
        }
        rv
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(lock(&self.items).clone())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(lock(&self.items).len())
    }

    fn is_true(self: &Arc<Self>) -> bool {
        !lock(&self.items).is_empty()
    }

    fn call_method(
        self: &Arc<Self>,
        state: &mut State<'_, '_>,
        method: &str,
        args: &[MjValue],
    ) -> Result<MjValue, Error> {
        super::methods::list_method(self, state, method, args)
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&py_repr(&MjValue::from_dyn_object(self.clone())))
    }
}

/// Converts an rsalt value into a (mutable) template value.
pub fn to_mj(v: &Value) -> MjValue {
    match v {
        Value::None => MjValue::from(()),
        Value::Bool(b) => MjValue::from(*b),
        Value::Int(i) => MjValue::from(*i),
        Value::Float(f) => MjValue::from(*f),
        Value::Str(s) => MjValue::from(s.as_str()),
        Value::List(l) => PyList::new_value(l.iter().map(to_mj).collect()),
        Value::Dict(d) => PyDict::new_value(
            d.iter().map(|(k, v)| (key_to_mj(k), to_mj(v))).collect(),
            d.kind == DictKind::Ordered,
        ),
    }
}

/// Converts a dict key into a template value.
pub fn key_to_mj(k: &Key) -> MjValue {
    match k {
        Key::None => MjValue::from(()),
        Key::Bool(b) => MjValue::from(*b),
        Key::Int(i) => MjValue::from(*i),
        Key::Str(s) => MjValue::from(s.as_str()),
    }
}

/// Converts a template value into a dict key (Python's hashable scalars).
pub fn mj_to_key(v: &MjValue) -> Key {
    match v.kind() {
        ValueKind::None | ValueKind::Undefined => Key::None,
        ValueKind::Bool => Key::Bool(v.is_true()),
        ValueKind::Number if v.is_integer() => match v.as_i64() {
            Some(i) => Key::Int(i),
            None => Key::Str(v.to_string()),
        },
        ValueKind::Number => Key::Str(py_str(v)),
        ValueKind::String => Key::Str(v.as_str().unwrap_or_default().to_string()),
        _ => Key::Str(py_str(v)),
    }
}

/// Converts a template value back into an rsalt value (dict kinds and order kept).
pub fn from_mj(v: &MjValue) -> Value {
    from_mj_depth(v, 0)
}

fn from_mj_depth(v: &MjValue, depth: usize) -> Value {
    if depth > 200 {
        return Value::None;
    }
    match v.kind() {
        ValueKind::Undefined | ValueKind::None => Value::None,
        ValueKind::Bool => Value::Bool(v.is_true()),
        ValueKind::Number => {
            if v.is_integer() {
                match v.as_i64() {
                    Some(i) => Value::Int(i),
                    None => Value::Str(v.to_string()),
                }
            } else {
                Value::Float(f64::try_from(v.clone()).unwrap_or(f64::NAN))
            }
        }
        ValueKind::String => Value::Str(v.as_str().unwrap_or_default().to_string()),
        ValueKind::Bytes => {
            Value::Str(String::from_utf8_lossy(v.as_bytes().unwrap_or_default()).into())
        }
        ValueKind::Map => {
            if let Some(d) = v.downcast_object_ref::<PyDict>() {
                let mut out = if d.ordered {
                    Dict::ordered()
                } else {
                    Dict::new()
                };
                for (k, val) in d.entries() {
                    out.map
                        .insert(mj_to_key(&k), from_mj_depth(&val, depth + 1));
                }
                return Value::Dict(out);
            }
            let mut out = Dict::new();
            if let Ok(iter) = v.try_iter() {
                for k in iter {
                    let val = v.get_item(&k).unwrap_or_default();
                    out.map
                        .insert(mj_to_key(&k), from_mj_depth(&val, depth + 1));
                }
            }
            Value::Dict(out)
        }
        ValueKind::Seq | ValueKind::Iterable => match v.try_iter() {
            Ok(iter) => Value::List(iter.map(|x| from_mj_depth(&x, depth + 1)).collect()),
            Err(_) => Value::List(Vec::new()),
        },
        _ => Value::Str(v.to_string()),
    }
}

/// Deep-copies plain minijinja containers into mutable ones (e.g. filter results).
pub fn to_mutable(v: &MjValue) -> MjValue {
    match v.kind() {
        ValueKind::Map if v.downcast_object_ref::<PyDict>().is_none() => to_mj(&from_mj(v)),
        ValueKind::Seq | ValueKind::Iterable
            if v.downcast_object_ref::<PyList>().is_none() && !v.is_tuple() =>
        {
            let items: Vec<MjValue> = v.try_iter().map(|i| i.collect()).unwrap_or_default();
            PyList::new_value(items)
        }
        _ => v.clone(),
    }
}

/// Python `repr()` of a float.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    if f == f.trunc() && f.abs() < 1e16 {
        return format!("{f:.1}");
    }
    let s = format!("{f:e}");
    // Rust's shortest repr: pick positional if exponent in Python's range.
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..16).contains(&exp) {
        return format!("{f}");
    }
    format!(
        "{}e{}{:02}",
        mant,
        if exp < 0 { '-' } else { '+' },
        exp.abs()
    )
}

/// Python `repr()` of a string.
pub fn str_repr(s: &str) -> String {
    rsalt_data::repr::str_repr(s)
}

thread_local! {
    static DEPTH: RefCell<usize> = const { RefCell::new(0) };
}

/// How containers print.
#[derive(Clone, Copy, PartialEq)]
enum Style {
    /// `repr()`: OrderedDicts as `OrderedDict([...])`.
    Repr,
    /// Salt's finalizer (`PrintableDict`): every mapping prints as `{...}`.
    Printable,
}

fn write_repr(out: &mut String, v: &MjValue, style: Style, depth: usize) {
    if depth > 100 {
        out.push_str("...");
        return;
    }
    match v.kind() {
        ValueKind::Undefined => out.push_str(""),
        ValueKind::None => out.push_str("None"),
        ValueKind::Bool => out.push_str(if v.is_true() { "True" } else { "False" }),
        ValueKind::Number => out.push_str(&num_str(v)),
        ValueKind::String => out.push_str(&str_repr(v.as_str().unwrap_or_default())),
        ValueKind::Bytes => {
            let _ = write!(
                out,
                "b{}",
                str_repr(&String::from_utf8_lossy(v.as_bytes().unwrap_or_default()))
            );
        }
        ValueKind::Map => {
            let (entries, ordered) = match v.downcast_object_ref::<PyDict>() {
                Some(d) => (d.entries(), d.ordered),
                None => (
                    v.try_iter()
                        .map(|it| {
                            it.map(|k| {
                                let val = v.get_item(&k).unwrap_or_default();
                                (k, val)
                            })
                            .collect()
                        })
                        .unwrap_or_default(),
                    false,
                ),
            };
            if ordered && style == Style::Repr {
                if entries.is_empty() {
                    out.push_str("OrderedDict()");
                    return;
                }
                out.push_str("OrderedDict([");
                for (i, (k, val)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push('(');
                    write_repr(out, k, style, depth + 1);
                    out.push_str(", ");
                    write_repr(out, val, style, depth + 1);
                    out.push(')');
                }
                out.push_str("])");
            } else {
                out.push('{');
                for (i, (k, val)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_repr(out, k, style, depth + 1);
                    out.push_str(": ");
                    write_repr(out, val, style, depth + 1);
                }
                out.push('}');
            }
        }
        ValueKind::Seq | ValueKind::Iterable => {
            let items: Vec<MjValue> = match v.downcast_object_ref::<PyList>() {
                Some(l) => l.snapshot(),
                None => v.try_iter().map(|i| i.collect()).unwrap_or_default(),
            };
            let tuple = v.is_tuple();
            out.push(if tuple { '(' } else { '[' });
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(out, x, style, depth + 1);
            }
            if tuple && items.len() == 1 {
                out.push(',');
            }
            out.push(if tuple { ')' } else { ']' });
        }
        _ => {
            let _ = write!(out, "{v}");
        }
    }
}

/// Python `str()` of a number value.
pub fn num_str(v: &MjValue) -> String {
    if v.is_integer() {
        return v.to_string();
    }
    match f64::try_from(v.clone()) {
        Ok(f) => float_repr(f),
        Err(_) => v.to_string(),
    }
}

/// Python `repr()` of a template value.
pub fn py_repr(v: &MjValue) -> String {
    let d = DEPTH.with(|d| {
        let mut d = d.borrow_mut();
        *d += 1;
        *d
    });
    let mut out = String::new();
    if d > 50 {
        out.push_str("[...]");
    } else {
        write_repr(&mut out, v, Style::Repr, 0);
    }
    DEPTH.with(|d| *d.borrow_mut() -= 1);
    out
}

/// Python `str()` of a template value.
pub fn py_str(v: &MjValue) -> String {
    match v.kind() {
        ValueKind::String => v.as_str().unwrap_or_default().to_string(),
        ValueKind::Undefined => String::new(),
        _ => py_repr(v),
    }
}

/// What `{{ value }}` prints in Salt (its finalizer turns every mapping into a
/// `PrintableDict`, so `OrderedDict`s print as `{...}`).
pub fn printable(v: &MjValue) -> String {
    match v.kind() {
        ValueKind::String => v.as_str().unwrap_or_default().to_string(),
        ValueKind::Undefined => String::new(),
        _ => {
            let mut out = String::new();
            write_repr(&mut out, v, Style::Printable, 0);
            out
        }
    }
}

/// jinja2's `object_type_repr` for error messages.
pub fn type_repr(v: &MjValue) -> String {
    if let Some(d) = v.downcast_object_ref::<PyDict>() {
        return d.type_repr().into();
    }
    match v.kind() {
        ValueKind::None => "None".into(),
        ValueKind::Bool => "bool object".into(),
        ValueKind::Number if v.is_integer() => "int object".into(),
        ValueKind::Number => "float object".into(),
        ValueKind::String => "str object".into(),
        ValueKind::Map => "dict object".into(),
        ValueKind::Seq if v.is_tuple() => "tuple object".into(),
        ValueKind::Seq => "list object".into(),
        _ => "object".into(),
    }
}

/// Python type name (`str`, `int`, `dict`, ...).
pub fn type_name(v: &MjValue) -> &'static str {
    if let Some(d) = v.downcast_object_ref::<PyDict>() {
        return if d.ordered { "OrderedDict" } else { "dict" };
    }
    match v.kind() {
        ValueKind::None | ValueKind::Undefined => "NoneType",
        ValueKind::Bool => "bool",
        ValueKind::Number if v.is_integer() => "int",
        ValueKind::Number => "float",
        ValueKind::String => "str",
        ValueKind::Map => "dict",
        ValueKind::Seq if v.is_tuple() => "tuple",
        ValueKind::Seq => "list",
        _ => "object",
    }
}

/// Python truthiness.
pub fn truthy(v: &MjValue) -> bool {
    v.is_true()
}

/// Builds an error with a message.
pub fn err(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg.into())
}

/// Python equality (`1 == 1.0`, `True == 1`), deep for containers.
pub fn py_eq(a: &MjValue, b: &MjValue) -> bool {
    match (a.kind(), b.kind()) {
        (ValueKind::Map, ValueKind::Map) | (ValueKind::Seq, ValueKind::Seq) => {
            from_mj(a) == from_mj(b)
        }
        _ => a == b,
    }
}
