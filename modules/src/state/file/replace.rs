//! `file.replace`, `file.comment`, `file.uncomment`, `file.keyvalue`.

use crate::state::{StateCall, StateReturn};

/// `file.replace`.
pub(crate) fn replace(call: &StateCall<'_>) -> StateReturn {
    StateReturn::new(call.name.clone()).fail("not implemented")
}

/// `file.comment` / `file.uncomment`.
pub(crate) fn comment(call: &StateCall<'_>, on: bool) -> StateReturn {
    let _ = on;
    StateReturn::new(call.name.clone()).fail("not implemented")
}

/// `file.keyvalue`.
pub(crate) fn keyvalue(call: &StateCall<'_>) -> StateReturn {
    StateReturn::new(call.name.clone()).fail("not implemented")
}
