//! `file.accumulated` and the accumulator store `file.managed`/`file.blockreplace` read.
//!
//! Interface for the runner: accumulators are process-wide, keyed by target filename;
//! call [`clear`] at the end of each state run.

use crate::state::{StateCall, StateReturn};
use rsalt_data::{Dict, Value};
use std::collections::HashMap;
use std::sync::Mutex;

/// filename → accumulator name → texts.
static STORE: Mutex<Option<HashMap<String, Dict>>> = Mutex::new(None);

/// Drops all accumulator data (end of a state run).
pub fn clear() {
    if let Ok(mut g) = STORE.lock() {
        *g = None;
    }
}

/// The accumulators for `filename` (`{name: [text, ...]}`), if any.
pub fn get(filename: &str) -> Option<Dict> {
    STORE.lock().ok()?.as_ref()?.get(filename).cloned()
}

/// `file.accumulated`: needs a `require_in`/`watch_in` on a `file` state in the chunk
/// (kept by the compiler in the low chunk, as Salt's `__low__`).
pub(crate) fn accumulated(call: &StateCall<'_>) -> StateReturn {
    let mut ret = StateReturn::new(call.name.clone());
    if call.name.is_empty() {
        return ret.fail("Must provide name to file.accumulated");
    }
    let Some(text) = call.low.get("text").filter(|v| !v.is_none()) else {
        return ret.fail("No text supplied for accumulator");
    };
    let filename = call
        .low
        .get("filename")
        .map(Value::to_py_str)
        .unwrap_or_default();
    let deps: Vec<Value> = ["require_in", "watch_in"]
        .iter()
        .filter_map(|k| call.low.get(k))
        .flat_map(|v| match v {
            Value::List(l) => l.clone(),
            other => vec![other.clone()],
        })
        .collect();
    let has_file = deps.iter().any(|d| match d {
        Value::Dict(m) => m.contains_key("file"),
        Value::Str(s) => s.contains("file"),
        _ => false,
    });
    if !has_file {
        return ret.fail(format!(
            "Orphaned accumulator {} in {}:{}",
            call.name,
            call.low
                .get("__sls__")
                .map(Value::to_py_str)
                .unwrap_or_default(),
            call.low
                .get("__id__")
                .map(Value::to_py_str)
                .unwrap_or_default()
        ));
    }
    let chunks = match text {
        Value::List(l) => l.clone(),
        other => vec![other.clone()],
    };
    let Ok(mut guard) = STORE.lock() else {
        return ret.fail("accumulator store unavailable");
    };
    let store = guard.get_or_insert_with(HashMap::new);
    let file = store.entry(filename.clone()).or_insert_with(Dict::new);
    if file.get(&call.name).is_none() {
        file.insert(call.name.clone(), Value::List(Vec::new()));
    }
    if let Some(Value::List(items)) = file.get_mut(&call.name) {
        for c in chunks {
            if !items.contains(&c) {
                items.push(c);
                ret.comment = format!(
                    "Accumulator {} for file {filename} was charged by text",
                    call.name
                );
            }
        }
    }
    ret
}
