//! `file.serialize`.

use crate::state::{StateCall, StateReturn};

/// `file.serialize`.
pub(crate) fn serialize(call: &StateCall<'_>) -> StateReturn {
    StateReturn::new(call.name.clone()).fail("not implemented")
}
