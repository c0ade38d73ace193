//! `file.absent`, `file.exists`, `file.missing`, `file.touch`, `file.copy`, `file.rename`.

use crate::state::{StateCall, StateReturn};

macro_rules! todo_fn {
    ($($n:ident),*) => {$(
        /// Not implemented yet.
        pub(crate) fn $n(call: &StateCall<'_>) -> StateReturn {
            StateReturn::new(call.name.clone()).fail("not implemented")
        }
    )*};
}
todo_fn!(absent, exists, missing, touch, copy, rename);
