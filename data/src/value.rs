//! [`Value`]: a Python-like value as Salt handles it.

use indexmap::IndexMap;
use serde::ser::{SerializeMap, SerializeSeq};
use std::fmt;

/// Whether a mapping is a plain Python `dict` or a `collections.OrderedDict`.
///
/// Both keep insertion order (Python 3.7+); they differ in how outputters print them:
/// the `yaml`/`nested` outputters sort plain dict keys, `txt`/`raw` print
/// `OrderedDict([...])`. Salt's YAML renderer produces `OrderedDict`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum DictKind {
    /// A plain `dict`.
    #[default]
    Plain,
    /// A `collections.OrderedDict`.
    Ordered,
}

/// A dict key. Python allows any hashable; Salt data uses strings, ints, bools and None.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    /// `None`
    None,
    /// `True` / `False`
    Bool(bool),
    /// an `int`
    Int(i64),
    /// a `str` (floats used as keys are kept as their text)
    Str(String),
}

impl Key {
    /// The key as Python's `str()` would print it (`json.dumps` uses this for non-str keys,
    /// except `None` → `null`, `True` → `true`).
    pub fn to_json_key(&self) -> String {
        match self {
            Key::None => "null".into(),
            Key::Bool(b) => if *b { "true" } else { "false" }.into(),
            Key::Int(i) => i.to_string(),
            Key::Str(s) => s.clone(),
        }
    }

    /// The key as a string slice, if it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Key::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Converts the key back into a [`Value`].
    pub fn to_value(&self) -> Value {
        match self {
            Key::None => Value::None,
            Key::Bool(b) => Value::Bool(*b),
            Key::Int(i) => Value::Int(*i),
            Key::Str(s) => Value::Str(s.clone()),
        }
    }

    /// Builds a key from a scalar value; lists and dicts are not hashable (None returned).
    pub fn from_value(v: &Value) -> Option<Key> {
        Some(match v {
            Value::None => Key::None,
            Value::Bool(b) => Key::Bool(*b),
            Value::Int(i) => Key::Int(*i),
            Value::Float(f) => Key::Str(crate::repr::float_repr(*f)),
            Value::Str(s) => Key::Str(s.clone()),
            Value::List(_) | Value::Dict(_) => return None,
        })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::None => f.write_str("None"),
            Key::Bool(true) => f.write_str("True"),
            Key::Bool(false) => f.write_str("False"),
            Key::Int(i) => write!(f, "{i}"),
            Key::Str(s) => f.write_str(s),
        }
    }
}

impl From<&str> for Key {
    fn from(s: &str) -> Self {
        Key::Str(s.to_string())
    }
}
impl From<String> for Key {
    fn from(s: String) -> Self {
        Key::Str(s)
    }
}

/// An insertion-ordered mapping that remembers whether it is a `dict` or an `OrderedDict`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dict {
    /// `dict` or `OrderedDict`.
    pub kind: DictKind,
    /// The entries, in insertion order.
    pub map: IndexMap<Key, Value>,
}

impl Dict {
    /// An empty plain `dict`.
    pub fn new() -> Self {
        Dict::default()
    }

    /// An empty `OrderedDict`.
    pub fn ordered() -> Self {
        Dict {
            kind: DictKind::Ordered,
            map: IndexMap::new(),
        }
    }

    /// Looks up a string key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(&Key::Str(key.to_string()))
    }

    /// Looks up a string key for mutation.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.map.get_mut(&Key::Str(key.to_string()))
    }

    /// Inserts (or replaces in place, keeping the position) a string key.
    pub fn insert(&mut self, key: impl Into<Key>, value: Value) -> Option<Value> {
        self.map.insert(key.into(), value)
    }

    /// Removes a string key, keeping the order of the others (Python `del`).
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.map.shift_remove(&Key::Str(key.to_string()))
    }

    /// Whether a string key is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.map.contains_key(&Key::Str(key.to_string()))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Iterates over the entries in order.
    pub fn iter(&self) -> indexmap::map::Iter<'_, Key, Value> {
        self.map.iter()
    }
}

impl FromIterator<(Key, Value)> for Dict {
    fn from_iter<T: IntoIterator<Item = (Key, Value)>>(iter: T) -> Self {
        Dict {
            kind: DictKind::Plain,
            map: iter.into_iter().collect(),
        }
    }
}

/// A Python-like value.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// `None`
    #[default]
    None,
    /// `bool`
    Bool(bool),
    /// `int`
    Int(i64),
    /// `float`
    Float(f64),
    /// `str`
    Str(String),
    /// `list` (tuples are lists here)
    List(Vec<Value>),
    /// `dict` / `OrderedDict`
    Dict(Dict),
}

impl Value {
    /// A new empty plain dict value.
    pub fn dict() -> Value {
        Value::Dict(Dict::new())
    }

    /// The string, if this is a `str`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The dict, if this is one.
    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            Value::Dict(d) => Some(d),
            _ => None,
        }
    }

    /// The dict for mutation, if this is one.
    pub fn as_dict_mut(&mut self) -> Option<&mut Dict> {
        match self {
            Value::Dict(d) => Some(d),
            _ => None,
        }
    }

    /// The list, if this is one.
    pub fn as_list(&self) -> Option<&Vec<Value>> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// The bool, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The int, if this is one (bools are not ints here).
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// Whether this is `None`.
    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    /// Python truthiness (`bool(x)`).
    pub fn truthy(&self) -> bool {
        match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Dict(d) => !d.is_empty(),
        }
    }

    /// Looks up a string key if this is a dict.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_dict().and_then(|d| d.get(key))
    }

    /// Python's `str()` of the value (`None`, `True`, `1.5`, reprs for containers).
    pub fn to_py_str(&self) -> String {
        match self {
            Value::Str(s) => s.clone(),
            other => crate::repr::repr(other),
        }
    }

    /// Turns every `OrderedDict` inside into a plain `dict` (what `salt.utils.yaml.safe_load`
    /// returns, as opposed to the SLS renderer's ordered loader).
    pub fn into_plain_dicts(self) -> Value {
        match self {
            Value::Dict(d) => Value::Dict(Dict {
                kind: DictKind::Plain,
                map: d
                    .map
                    .into_iter()
                    .map(|(k, v)| (k, v.into_plain_dicts()))
                    .collect(),
            }),
            Value::List(l) => Value::List(l.into_iter().map(Value::into_plain_dicts).collect()),
            other => other,
        }
    }

    /// Python type name (`str`, `int`, `dict`, ...), for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::List(_) => "list",
            Value::Dict(d) if d.kind == DictKind::Ordered => "OrderedDict",
            Value::Dict(_) => "dict",
        }
    }

    /// Converts to `serde_json::Value` the way Python's `json.dumps` would
    /// (non-string keys become strings; NaN/inf become null).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::None => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Str(s) => serde_json::Value::String(s.clone()),
            Value::List(l) => serde_json::Value::Array(l.iter().map(Value::to_json).collect()),
            Value::Dict(d) => serde_json::Value::Object(
                d.iter()
                    .map(|(k, v)| (k.to_json_key(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// Builds a value from JSON (objects become plain dicts).
    pub fn from_json(j: &serde_json::Value) -> Value {
        match j {
            serde_json::Value::Null => Value::None,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Value::Int(i)
                } else {
                    Value::Float(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            serde_json::Value::String(s) => Value::Str(s.clone()),
            serde_json::Value::Array(a) => Value::List(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::Dict(
                o.iter()
                    .map(|(k, v)| (Key::Str(k.clone()), Value::from_json(v)))
                    .collect(),
            ),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}
impl From<Dict> for Value {
    fn from(d: Dict) -> Self {
        Value::Dict(d)
    }
}
impl From<Vec<Value>> for Value {
    fn from(l: Vec<Value>) -> Self {
        Value::List(l)
    }
}

impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::None => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Float(f) => s.serialize_f64(*f),
            Value::Str(v) => s.serialize_str(v),
            Value::List(l) => {
                let mut seq = s.serialize_seq(Some(l.len()))?;
                for v in l {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Value::Dict(d) => {
                let mut m = s.serialize_map(Some(d.len()))?;
                for (k, v) in d.iter() {
                    m.serialize_entry(&k.to_json_key(), v)?;
                }
                m.end()
            }
        }
    }
}

impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let j = serde_json::Value::deserialize(d)?;
        Ok(Value::from_json(&j))
    }
}

/// Builds a plain dict value from `key => value` pairs.
#[macro_export]
macro_rules! dict {
    ($($k:expr => $v:expr),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut d = $crate::Dict::new();
        $( d.insert($k, $crate::Value::from($v)); )*
        $crate::Value::Dict(d)
    }};
}
