//! `file.recurse`.

use crate::state::{StateCall, StateReturn};

/// `file.recurse`.
pub(crate) fn recurse(call: &StateCall<'_>) -> StateReturn {
    StateReturn::new(call.name.clone()).fail("not implemented")
}
