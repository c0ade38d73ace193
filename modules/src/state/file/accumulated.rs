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

/// `file.accumulated`.
pub(crate) fn accumulated(call: &StateCall<'_>) -> StateReturn {
    let _ = Value::None;
    StateReturn::new(call.name.clone()).fail("not implemented")
}
