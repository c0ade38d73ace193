//! Execution functions (`test.ping`, `cmd.run`, `grains.get`, ...): one name → function
//! table, served to Jinja (`salt[...]`) and the CLI by [`LocalCaller`].

use crate::RunContext;
use rsalt_data::{Dict, Value};
use rsalt_sls::CallError;
use std::collections::BTreeMap;

/// Positional and keyword arguments of one call.
#[derive(Debug, Clone, Default)]
pub struct Args {
    /// Positional arguments.
    pub args: Vec<Value>,
    /// Keyword arguments.
    pub kwargs: Dict,
}

impl Args {
    /// Argument `name`: keyword if given, else positional `pos`.
    pub fn get(&self, pos: usize, name: &str) -> Option<&Value> {
        self.kwargs.get(name).or_else(|| self.args.get(pos))
    }

    /// Like [`Args::get`], but a missing argument is Salt's TypeError text.
    pub fn require(&self, fun: &str, pos: usize, name: &str) -> Result<&Value, CallError> {
        self.get(pos, name).ok_or_else(|| {
            CallError::BadArguments(format!(
                "{fun}() missing 1 required positional argument: '{name}'"
            ))
        })
    }

    /// A string argument (Python `str()` of scalars), or None.
    pub fn str(&self, pos: usize, name: &str) -> Option<String> {
        self.get(pos, name).map(Value::to_py_str)
    }

    /// A boolean argument with Python truthiness (strings "true"/"false" as Salt's
    /// `salt.utils.data.is_true`).
    pub fn bool(&self, pos: usize, name: &str, default: bool) -> bool {
        match self.get(pos, name) {
            None => default,
            Some(Value::Str(s)) => matches!(s.to_ascii_lowercase().as_str(), "true" | "1" | "yes"),
            Some(v) => v.truthy(),
        }
    }
}

/// An execution function.
pub type ExecFn = fn(&RunContext, &Args) -> Result<Value, CallError>;

/// The function table.
#[derive(Clone, Default)]
pub struct ExecRegistry {
    funcs: BTreeMap<&'static str, ExecFn>,
}

impl ExecRegistry {
    /// Registers `name` (`"mod.fun"`).
    pub fn add(&mut self, name: &'static str, f: ExecFn) {
        self.funcs.insert(name, f);
    }

    /// Looks up a function.
    pub fn get(&self, name: &str) -> Option<ExecFn> {
        self.funcs.get(name).copied()
    }

    /// All function names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.funcs.keys().copied()
    }
}

/// The built-in execution functions. One line per module.
pub fn registry() -> ExecRegistry {
    let r = ExecRegistry::default();
    r
}
