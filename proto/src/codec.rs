//! Bounded msgpack: every message from the network is checked by [`check_msgpack`] (size,
//! nesting depth, declared lengths against the bytes actually present) before serde sees
//! it, so a hostile length prefix or a deeply nested payload cannot allocate or recurse
//! without bound. [`WireValue`] carries [`Value`] with its Python types intact.

use crate::{ProtoError, MAX_DEPTH, MAX_MESSAGE_BYTES};
use rsalt_data::{Dict, DictKind, Key, Value};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Encodes a message as msgpack (struct fields by name, so fields can be added compatibly).
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, ProtoError> {
    rmp_serde::to_vec_named(value).map_err(|e| ProtoError::Malformed(e.to_string()))
}

/// Decodes a message after [`check_msgpack`].
pub fn decode<T: DeserializeOwned>(buf: &[u8]) -> Result<T, ProtoError> {
    check_msgpack(buf, MAX_DEPTH)?;
    rmp_serde::from_slice(buf).map_err(|e| ProtoError::Malformed(e.to_string()))
}

fn need(buf: &[u8], pos: usize, n: usize) -> Result<&[u8], ProtoError> {
    buf.get(pos..pos.checked_add(n).ok_or_else(|| truncated(pos))?)
        .ok_or_else(|| truncated(pos))
}

fn truncated(pos: usize) -> ProtoError {
    ProtoError::Malformed(format!("truncated at byte {pos}"))
}

fn be_len(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
}

/// Checks that `buf` is exactly one well-formed msgpack object no deeper than `max_depth`,
/// with every declared string/binary/array/map length backed by bytes in the buffer.
pub fn check_msgpack(buf: &[u8], max_depth: usize) -> Result<(), ProtoError> {
    if buf.len() > MAX_MESSAGE_BYTES {
        return Err(ProtoError::TooLarge(buf.len()));
    }
    let mut pos = 0usize;
    // Items still to read at each open nesting level.
    let mut stack: Vec<usize> = vec![1];
    while let Some(top) = stack.last_mut() {
        if *top == 0 {
            stack.pop();
            continue;
        }
        *top -= 1;
        let b = *need(buf, pos, 1)?.first().ok_or_else(|| truncated(pos))?;
        pos += 1;
        // (payload bytes to skip, nested items to push)
        let (skip, items): (usize, Option<usize>) = match b {
            0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => (0, None),
            0x80..=0x8f => (0, Some(2 * usize::from(b & 0x0f))),
            0x90..=0x9f => (0, Some(usize::from(b & 0x0f))),
            0xa0..=0xbf => (usize::from(b & 0x1f), None),
            0xc4 | 0xd9 => (be_len(need(buf, pos, 1)?), None).pipe_len(&mut pos, 1),
            0xc5 | 0xda => (be_len(need(buf, pos, 2)?), None).pipe_len(&mut pos, 2),
            0xc6 | 0xdb => (be_len(need(buf, pos, 4)?), None).pipe_len(&mut pos, 4),
            0xc7 => (be_len(need(buf, pos, 1)?) + 1, None).pipe_len(&mut pos, 1),
            0xc8 => (be_len(need(buf, pos, 2)?) + 1, None).pipe_len(&mut pos, 2),
            0xc9 => (be_len(need(buf, pos, 4)?) + 1, None).pipe_len(&mut pos, 4),
            0xca => (4, None),
            0xcb => (8, None),
            0xcc | 0xd0 => (1, None),
            0xcd | 0xd1 => (2, None),
            0xce | 0xd2 => (4, None),
            0xcf | 0xd3 => (8, None),
            0xd4 => (2, None),
            0xd5 => (3, None),
            0xd6 => (5, None),
            0xd7 => (9, None),
            0xd8 => (17, None),
            0xdc => (0, Some(be_len(need(buf, pos, 2)?))).pipe_len(&mut pos, 2),
            0xdd => (0, Some(be_len(need(buf, pos, 4)?))).pipe_len(&mut pos, 4),
            0xde => (0, Some(2 * be_len(need(buf, pos, 2)?))).pipe_len(&mut pos, 2),
            0xdf => (0, Some(2 * be_len(need(buf, pos, 4)?))).pipe_len(&mut pos, 4),
            0xc1 => return Err(ProtoError::Malformed("reserved byte 0xc1".into())),
        };
        need(buf, pos, skip)?;
        pos += skip;
        if let Some(n) = items {
            // Every item takes at least one byte: a count beyond the rest is a lie.
            if n > buf.len() - pos {
                return Err(ProtoError::Malformed(format!(
                    "declared {n} items with {} bytes left",
                    buf.len() - pos
                )));
            }
            if n > 0 {
                if stack.len() >= max_depth {
                    return Err(ProtoError::Malformed(format!(
                        "nesting deeper than {max_depth}"
                    )));
                }
                stack.push(n);
            }
        }
    }
    if pos != buf.len() {
        return Err(ProtoError::Malformed(format!(
            "{} trailing bytes",
            buf.len() - pos
        )));
    }
    Ok(())
}

trait PipeLen {
    fn pipe_len(self, pos: &mut usize, header: usize) -> Self;
}

impl PipeLen for (usize, Option<usize>) {
    /// Advances past a length header of `header` bytes once it has been read.
    fn pipe_len(self, pos: &mut usize, header: usize) -> Self {
        *pos += header;
        self
    }
}

/// A dict key on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WireKey {
    /// `None`
    N,
    /// bool
    B(bool),
    /// int
    I(i64),
    /// str
    S(String),
}

/// [`Value`] on the wire, keeping `dict` vs `OrderedDict`, int vs float and non-string keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WireValue {
    /// `None`
    N,
    /// bool
    B(bool),
    /// int
    I(i64),
    /// float
    F(f64),
    /// str
    S(String),
    /// list
    L(Vec<WireValue>),
    /// dict
    D(Vec<(WireKey, WireValue)>),
    /// OrderedDict
    O(Vec<(WireKey, WireValue)>),
}

impl From<&Key> for WireKey {
    fn from(k: &Key) -> Self {
        match k {
            Key::None => WireKey::N,
            Key::Bool(b) => WireKey::B(*b),
            Key::Int(i) => WireKey::I(*i),
            Key::Str(s) => WireKey::S(s.clone()),
        }
    }
}

impl From<WireKey> for Key {
    fn from(k: WireKey) -> Self {
        match k {
            WireKey::N => Key::None,
            WireKey::B(b) => Key::Bool(b),
            WireKey::I(i) => Key::Int(i),
            WireKey::S(s) => Key::Str(s),
        }
    }
}

impl From<&Value> for WireValue {
    fn from(v: &Value) -> Self {
        match v {
            Value::None => WireValue::N,
            Value::Bool(b) => WireValue::B(*b),
            Value::Int(i) => WireValue::I(*i),
            Value::Float(f) => WireValue::F(*f),
            Value::Str(s) => WireValue::S(s.clone()),
            Value::List(l) => WireValue::L(l.iter().map(WireValue::from).collect()),
            Value::Dict(d) => {
                let entries = d
                    .map
                    .iter()
                    .map(|(k, v)| (WireKey::from(k), WireValue::from(v)))
                    .collect();
                match d.kind {
                    DictKind::Plain => WireValue::D(entries),
                    DictKind::Ordered => WireValue::O(entries),
                }
            }
        }
    }
}

impl From<WireValue> for Value {
    fn from(v: WireValue) -> Self {
        match v {
            WireValue::N => Value::None,
            WireValue::B(b) => Value::Bool(b),
            WireValue::I(i) => Value::Int(i),
            WireValue::F(f) => Value::Float(f),
            WireValue::S(s) => Value::Str(s),
            WireValue::L(l) => Value::List(l.into_iter().map(Value::from).collect()),
            WireValue::D(entries) => Value::Dict(dict_from(DictKind::Plain, entries)),
            WireValue::O(entries) => Value::Dict(dict_from(DictKind::Ordered, entries)),
        }
    }
}

fn dict_from(kind: DictKind, entries: Vec<(WireKey, WireValue)>) -> Dict {
    let mut d = Dict {
        kind,
        ..Dict::default()
    };
    for (k, v) in entries {
        d.map.insert(Key::from(k), Value::from(v));
    }
    d
}

/// `#[serde(with = "rsalt_proto::codec::value")]` for [`Value`] fields.
pub mod value {
    use super::WireValue;
    use rsalt_data::Value;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Serializes a [`Value`] as a [`WireValue`].
    pub fn serialize<S: Serializer>(v: &Value, s: S) -> Result<S::Ok, S::Error> {
        WireValue::from(v).serialize(s)
    }

    /// Deserializes a [`Value`] from a [`WireValue`].
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        Ok(Value::from(WireValue::deserialize(d)?))
    }
}

/// `#[serde(with = "rsalt_proto::codec::values")]` for `Vec<Value>` fields.
pub mod values {
    use super::WireValue;
    use rsalt_data::Value;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Serializes a list of [`Value`]s.
    pub fn serialize<S: Serializer>(v: &[Value], s: S) -> Result<S::Ok, S::Error> {
        v.iter()
            .map(WireValue::from)
            .collect::<Vec<_>>()
            .serialize(s)
    }

    /// Deserializes a list of [`Value`]s.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Value>, D::Error> {
        Ok(Vec::<WireValue>::deserialize(d)?
            .into_iter()
            .map(Value::from)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Msg {
        #[serde(with = "value")]
        v: Value,
    }

    #[test]
    fn value_round_trip_keeps_python_types() {
        let mut od = Dict::ordered();
        od.insert("b", Value::Float(1.0));
        od.map.insert(Key::Int(3), Value::Int(1));
        let mut d = Dict::new();
        d.insert("x", Value::Dict(od));
        d.insert(
            "l",
            Value::List(vec![Value::None, Value::Bool(true), "s".into()]),
        );
        let m = Msg { v: Value::Dict(d) };
        let back: Msg = decode(&encode(&m).expect("encode")).expect("decode");
        assert_eq!(back, m);
    }

    #[test]
    fn lying_lengths_depth_and_trailing_bytes_are_refused() {
        // array32 claiming 2^32-1 items with 1 byte present
        assert!(check_msgpack(&[0xdd, 0xff, 0xff, 0xff, 0xff, 0x01], 10).is_err());
        // str32 claiming 4 GiB
        assert!(check_msgpack(&[0xdb, 0xff, 0xff, 0xff, 0xff, b'a'], 10).is_err());
        // 300 nested fixarrays
        let mut deep = vec![0x91u8; 300];
        deep.push(0x01);
        assert!(check_msgpack(&deep, 200).is_err());
        assert!(check_msgpack(&deep[250..], 200).is_ok());
        assert!(check_msgpack(&[0x01, 0x02], 10).is_err());
        assert!(check_msgpack(&[], 10).is_err());
        assert!(check_msgpack(&[0xc1], 10).is_err());
        assert!(check_msgpack(&[0x82, 0x01, 0x02, 0x03], 10).is_err());
        assert!(check_msgpack(&[0x82, 0x01, 0x02, 0x03, 0x04], 10).is_ok());
    }
}
