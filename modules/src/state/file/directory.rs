//! `file.directory`.

use crate::state::{StateCall, StateReturn};

/// `file.directory`.
pub(crate) fn directory(call: &StateCall<'_>) -> StateReturn {
    StateReturn::new(call.name.clone()).fail("not implemented")
}
