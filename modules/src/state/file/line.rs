//! `file.line`, `file.append`, `file.prepend`.

use crate::state::{StateCall, StateReturn};

/// `file.append` / `file.prepend`.
pub(crate) fn append(call: &StateCall<'_>, prepend: bool) -> StateReturn {
    let _ = prepend;
    StateReturn::new(call.name.clone()).fail("not implemented")
}

/// `file.line`.
pub(crate) fn line(call: &StateCall<'_>) -> StateReturn {
    StateReturn::new(call.name.clone()).fail("not implemented")
}
