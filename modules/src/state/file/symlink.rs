//! `file.symlink`.

use crate::state::{StateCall, StateReturn};

/// `file.symlink`.
pub(crate) fn symlink(call: &StateCall<'_>) -> StateReturn {
    StateReturn::new(call.name.clone()).fail("not implemented")
}
