//! Execution functions (`test.ping`, `cmd.run`, `grains.get`, ...): one name → function
//! table, served to Jinja (`salt[...]`) and the CLI by [`LocalCaller`].

pub mod archive;
pub mod caller;
pub mod cmd;
pub mod config;
pub mod cron;
pub mod crypt;
pub mod defaults;
pub mod file;
pub mod firewalld;
pub mod grains;
pub mod hosts;
pub mod ini;
pub mod iptables;
pub mod locale;
pub mod matcher;
pub mod mount;
pub mod nftables;
pub mod pillar;
pub mod pkg;
pub mod pkgver;
pub mod service;
pub mod slsutil;
pub mod ssh;
pub mod state;
pub mod state_usage;
pub mod sys;
pub mod sysctl;
pub mod sysutil;
pub mod test;
pub mod timezone;
pub mod user;

pub use caller::{new_context, LocalCaller};

use crate::RunContext;
use rsalt_data::{Dict, Key, Value};
use rsalt_sls::CallError;
use std::cell::{Cell, RefCell};
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
    docs: BTreeMap<&'static str, &'static str>,
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

    /// Registers `name` with a short doc string (shown by `sys.doc`).
    pub fn add_doc(&mut self, name: &'static str, f: ExecFn, doc: &'static str) {
        self.funcs.insert(name, f);
        self.docs.insert(name, doc);
    }

    /// The doc string of `name`, if any.
    pub fn doc(&self, name: &str) -> Option<&'static str> {
        self.docs.get(name).copied()
    }
}

/// The built-in execution functions. One line per module.
pub fn registry() -> ExecRegistry {
    let mut r = ExecRegistry::default();
    test::register(&mut r);
    cmd::register(&mut r);
    grains::register(&mut r);
    matcher::register(&mut r);
    pillar::register(&mut r);
    config::register(&mut r);
    defaults::register(&mut r);
    slsutil::register(&mut r);
    sys::register(&mut r);
    state::register(&mut r);
    state_usage::register(&mut r);
    file::register(&mut r);
    ini::register(&mut r);
    iptables::register(&mut r);
    user::register(&mut r);
    ssh::register(&mut r);
    nftables::register(&mut r);
    firewalld::register(&mut r);
    hosts::register(&mut r);
    timezone::register(&mut r);
    sysctl::register(&mut r);
    locale::register(&mut r);
    cron::register(&mut r);
    mount::register(&mut r);
    archive::register(&mut r);
    pkg::register(&mut r);
    service::register(&mut r);
    r
}

/// A Python function signature, for binding [`Args`] with Python's rules and `TypeError`
/// texts.
#[derive(Debug, Clone, Copy)]
pub struct Sig {
    /// The bare function name (`echo`), used in error texts.
    pub name: &'static str,
    /// Parameter names in order.
    pub params: &'static [&'static str],
    /// How many leading parameters have no default.
    pub required: usize,
    /// Whether it takes `*args`.
    pub varargs: bool,
    /// Whether it takes `**kwargs`.
    pub varkw: bool,
}

/// Arguments bound to a [`Sig`].
#[derive(Debug, Clone, Default)]
pub struct Bound {
    /// Named parameters that were given (positionally or by keyword).
    pub named: Dict,
    /// Extra positional arguments (`*args`).
    pub varargs: Vec<Value>,
    /// Extra keyword arguments (`**kwargs`), in call order.
    pub kwargs: Dict,
}

impl Bound {
    /// A bound parameter.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.named.get(name)
    }

    /// A bound parameter; `None` values count as missing.
    pub fn some(&self, name: &str) -> Option<&Value> {
        self.named.get(name).filter(|v| !v.is_none())
    }

    /// A parameter as a string (Python `str()` of scalars), `None` counting as missing.
    pub fn str(&self, name: &str) -> Option<String> {
        self.some(name).map(Value::to_py_str)
    }

    /// A parameter with Python truthiness, or `default`.
    pub fn truthy(&self, name: &str, default: bool) -> bool {
        self.get(name).map_or(default, Value::truthy)
    }

    /// A parameter with `salt.utils.data.is_true` semantics (`"True"`, `1`, ...), or `default`.
    pub fn is_true(&self, name: &str, default: bool) -> bool {
        self.get(name).map_or(default, is_true)
    }
}

/// `salt.utils.data.is_true`: numbers are true when `> 0`, strings when they read as a
/// positive number or `"true"` (any case), everything else by Python truthiness.
pub fn is_true(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Int(i) => *i > 0,
        Value::Float(f) => *f > 0.0,
        Value::Str(s) => {
            let t = s.trim();
            if let Ok(i) = t.parse::<i64>() {
                i > 0
            } else if let Ok(f) = t.parse::<f64>() {
                f > 0.0
            } else {
                s.eq_ignore_ascii_case("true")
            }
        }
        other => other.truthy(),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

fn py_name_list(names: &[&str]) -> String {
    let q: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    match q.len() {
        0 => String::new(),
        1 => q[0].clone(),
        2 => format!("{} and {}", q[0], q[1]),
        n => format!("{}, and {}", q[..n - 1].join(", "), q[n - 1]),
    }
}

impl Args {
    /// Positional arguments followed by keyword arguments.
    pub fn new(args: Vec<Value>, kwargs: Dict) -> Self {
        Args { args, kwargs }
    }

    /// Binds the arguments to `sig` as Python would, with Python's `TypeError` texts
    /// (and Salt's text for unknown keyword arguments). Keyword arguments starting with
    /// `__` (Salt's `__pub_*`, `__env__`, ...) are dropped unless the function takes
    /// `**kwargs`.
    pub fn bind(&self, sig: &Sig) -> Result<Bound, CallError> {
        let mut b = Bound::default();
        let n = sig.params.len();
        for (i, v) in self.args.iter().enumerate() {
            if i < n {
                b.named.insert(sig.params[i], v.clone());
            } else if sig.varargs {
                b.varargs.push(v.clone());
            }
        }
        if self.args.len() > n && !sig.varargs {
            let takes = if sig.required == n {
                plural(n, "positional argument", "positional arguments")
            } else {
                format!("from {} to {} positional arguments", sig.required, n)
            };
            let given = self.args.len();
            let verb = if given == 1 { "was" } else { "were" };
            return Err(CallError::BadArguments(format!(
                "{}() takes {takes} but {given} {verb} given",
                sig.name
            )));
        }
        let mut invalid = Vec::new();
        for (k, v) in self.kwargs.iter() {
            let name = k.as_str();
            match name.and_then(|s| sig.params.iter().find(|p| **p == s)) {
                Some(p) => {
                    if b.named.contains_key(p) {
                        return Err(CallError::BadArguments(format!(
                            "{}() got multiple values for argument '{p}'",
                            sig.name
                        )));
                    }
                    b.named.insert(*p, v.clone());
                }
                None if sig.varkw => {
                    b.kwargs.insert(k.clone(), v.clone());
                }
                None if name.is_some_and(|s| s.starts_with("__")) => {}
                None => invalid.push(format!("{k}={}", v.to_py_str())),
            }
        }
        if !invalid.is_empty() {
            return Err(CallError::BadArguments(format!(
                "The following keyword arguments are not valid: {}",
                invalid.join(", ")
            )));
        }
        let missing: Vec<&str> = sig.params[..sig.required]
            .iter()
            .copied()
            .filter(|p| !b.named.contains_key(p))
            .collect();
        if !missing.is_empty() {
            return Err(CallError::BadArguments(format!(
                "{}() missing {}: {}",
                sig.name,
                plural(
                    missing.len(),
                    "required positional argument",
                    "required positional arguments"
                ),
                py_name_list(&missing)
            )));
        }
        Ok(b)
    }
}

thread_local! {
    static RETCODE: Cell<Option<i64>> = const { Cell::new(None) };
    static MUTATED: RefCell<Vec<(usize, Value)>> = const { RefCell::new(Vec::new()) };
}

/// Sets the exit status the CLI should use (Salt's `__context__["retcode"]`), as
/// `test.retcode` and the `cmd.*` functions do.
pub fn set_retcode(code: i64) {
    RETCODE.with(|c| c.set(Some(code)));
}

/// Takes (and clears) the exit status set by the functions run on this thread.
pub fn take_retcode() -> Option<i64> {
    RETCODE.with(|c| c.take())
}

/// Runs `f` without letting it change the exit status: Salt's states and renderers call
/// functions through their own loader, whose `__context__["retcode"]` never reaches the
/// CLI.
pub fn preserve_retcode<T>(f: impl FnOnce() -> T) -> T {
    let saved = RETCODE.with(|c| c.get());
    let out = f();
    RETCODE.with(|c| c.set(saved));
    out
}

/// Records that a function changed its positional argument `index` in place (Python
/// mutation, e.g. `defaults.merge` merges into its first argument).
pub fn set_mutated_arg(index: usize, value: Value) {
    MUTATED.with(|m| m.borrow_mut().push((index, value)));
}

/// Takes (and clears) the in-place argument changes recorded on this thread.
pub fn take_mutated_args() -> Vec<(usize, Value)> {
    MUTATED.with(|m| std::mem::take(&mut *m.borrow_mut()))
}

/// A dict key from a string.
pub fn key(s: &str) -> Key {
    Key::Str(s.to_string())
}
