//! State modules: one file per Salt state module, all behind [`StateModule`].
//!
//! Adding a module (pkg, service, iptables, ...) means one new file and one line in
//! [`registry`].

pub mod archive;
pub mod cmd;
pub mod cron;
pub mod file;
pub mod firewalld;
pub mod git;
pub mod host;
pub mod ini;
pub mod iptables;
pub mod locale;
pub mod mount;
pub mod nftables;
pub mod pkg;
pub mod pkgrepo;
pub mod service;
pub mod ssh;
pub mod sysctl;
pub mod test;
pub mod timezone;
pub mod user;

use crate::RunContext;
use rsalt_data::{Dict, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// The outcome of one state function call, before the runner adds `__id__`, `__sls__`,
/// `__run_num__`, `start_time` and `duration`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StateReturn {
    /// The state's `name`.
    pub name: String,
    /// `changes` (empty dict when nothing changed).
    pub changes: Dict,
    /// `True` / `False`, or `None` for "would change" under `test=True`.
    pub result: Option<bool>,
    /// Human-readable comment (Salt's wording).
    pub comment: String,
    /// Extra keys some states return (e.g. `warnings`), kept in order.
    pub extra: Dict,
}

impl StateReturn {
    /// A return for `name` with no changes, `result: True` and an empty comment.
    pub fn new(name: impl Into<String>) -> Self {
        StateReturn {
            name: name.into(),
            result: Some(true),
            ..Default::default()
        }
    }

    /// Sets the result to False with a comment.
    pub fn fail(mut self, comment: impl Into<String>) -> Self {
        self.result = Some(false);
        self.comment = comment.into();
        self
    }

    /// Sets the comment.
    pub fn with_comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = comment.into();
        self
    }

    /// The result as a Salt value (`True`/`False`/`None`).
    pub fn result_value(&self) -> Value {
        match self.result {
            Some(b) => Value::Bool(b),
            None => Value::None,
        }
    }
}

/// Salt's return for a function the state module does not have.
pub fn not_found(module: &str, fun: &str, call: &StateCall<'_>) -> StateReturn {
    StateReturn::new(call.name.clone()).fail(format!("State '{module}.{fun}' was not found in SLS"))
}

/// A state function's `Result` as Salt reports it: an error is an exception in the state.
pub fn or_exception<E: std::fmt::Display>(
    call: &StateCall<'_>,
    r: Result<StateReturn, E>,
) -> StateReturn {
    r.unwrap_or_else(|e| {
        StateReturn::new(call.name.clone())
            .fail(format!("An exception occurred in this state: {e}"))
    })
}

/// One call of a state function: the low chunk plus the run context.
pub struct StateCall<'a> {
    /// The low chunk: `state`, `fun`, `name`, `__id__`, `__sls__`, `__env__` and the
    /// state's arguments.
    pub low: &'a Dict,
    /// The `name` argument.
    pub name: String,
    /// `test=True`.
    pub test: bool,
    /// opts, grains, pillar, file server, caller.
    pub ctx: &'a RunContext,
}

impl StateCall<'_> {
    /// The environment the chunk came from (`__env__`, default `base`).
    pub fn saltenv(&self) -> &str {
        self.low
            .get("__env__")
            .and_then(Value::as_str)
            .unwrap_or("base")
    }

    /// The SLS the chunk came from.
    pub fn sls(&self) -> Option<&str> {
        self.low.get("__sls__").and_then(Value::as_str)
    }
}

/// A Salt state module (`file`, `cmd`, `test`, ...).
pub trait StateModule: Send + Sync {
    /// The module name as written in SLS (`file`).
    fn name(&self) -> &'static str;

    /// The functions it provides (`managed`, `directory`, ...), for validation and `sys.*`.
    fn functions(&self) -> &'static [&'static str];

    /// Runs `fun` (e.g. `managed`) for one chunk.
    fn call(&self, fun: &str, call: &StateCall<'_>) -> StateReturn;

    /// `mod_watch`: what a `watch` requisite triggers when a watched state changed.
    /// `None` means the module has no `mod_watch` (Salt then just runs the state normally
    /// and reports "Watch statement fired" style results as it does).
    fn mod_watch(&self, call: &StateCall<'_>) -> Option<StateReturn> {
        let _ = call;
        None
    }

    /// Whether the module has a `mod_watch` (Salt turns `watch` into `require` when it
    /// does not). Modules that implement [`StateModule::mod_watch`] return true.
    ///
    /// When `mod_watch` runs, the low chunk carries `sfun` (the original function) and
    /// `__reqs__`: `{requisite: [chunk, ...]}`, each chunk with `__changed__: bool` telling
    /// whether its run returned changes.
    fn has_mod_watch(&self) -> bool {
        false
    }

    /// The parameters of `fun` without a default (besides `name`): the runner reports
    /// Salt's `Missing parameter X for state mod.fun` when one is absent from the chunk.
    fn required_args(&self, fun: &str) -> &'static [&'static str] {
        let _ = fun;
        &[]
    }
}

/// State modules by name.
#[derive(Clone, Default)]
pub struct Registry {
    modules: HashMap<&'static str, Arc<dyn StateModule>>,
}

impl Registry {
    /// Registers a module under its name.
    pub fn add(&mut self, m: Arc<dyn StateModule>) {
        self.modules.insert(m.name(), m);
    }

    /// Looks up a module.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn StateModule>> {
        self.modules.get(name)
    }

    /// Whether `module.fun` exists.
    pub fn has(&self, module: &str, fun: &str) -> bool {
        self.get(module)
            .is_some_and(|m| m.functions().contains(&fun))
    }

    /// All module names, sorted.
    pub fn names(&self) -> Vec<&'static str> {
        let mut v: Vec<_> = self.modules.keys().copied().collect();
        v.sort_unstable();
        v
    }
}

/// The built-in state modules. One line per module.
pub fn registry() -> Registry {
    let mut r = Registry::default();
    r.add(Arc::new(cmd::Cmd));
    r.add(Arc::new(file::File));
    r.add(Arc::new(ini::Ini));
    r.add(Arc::new(iptables::Iptables));
    r.add(Arc::new(firewalld::Firewalld));
    r.add(Arc::new(nftables::Nftables));
    r.add(Arc::new(ssh::SshAuth));
    r.add(Arc::new(ssh::SshKnownHosts));
    r.add(Arc::new(pkg::Pkg));
    r.add(Arc::new(pkgrepo::Pkgrepo));
    r.add(Arc::new(service::Service));
    r.add(Arc::new(test::Test));
    r.add(Arc::new(user::User));
    r.add(Arc::new(user::Group));
    r.add(Arc::new(host::Host));
    r.add(Arc::new(timezone::Timezone));
    r.add(Arc::new(sysctl::Sysctl));
    r.add(Arc::new(locale::Locale));
    r.add(Arc::new(cron::Cron));
    r.add(Arc::new(mount::Mount));
    r.add(Arc::new(archive::Archive));
    r.add(Arc::new(git::Git));
    r
}
