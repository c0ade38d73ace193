//! `file.blockreplace`.

use crate::state::{StateCall, StateReturn};

/// `file.blockreplace`.
pub(crate) fn blockreplace(call: &StateCall<'_>) -> StateReturn {
    StateReturn::new(call.name.clone()).fail("not implemented")
}
