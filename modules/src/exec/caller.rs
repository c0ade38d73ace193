//! [`LocalCaller`]: serves the execution functions of an [`ExecRegistry`] to Jinja
//! (`salt['mod.fun'](...)`), to states and to the CLI, and [`new_context`], which wires a
//! caller, a Jinja environment and a [`RunContext`] together.
//!
//! The context holds the caller and the caller needs a context to run functions: the
//! caller keeps the context's parts (not the context itself) plus a weak reference to
//! itself, and builds a [`RunContext`] per call. No reference cycle, no late init.

use super::{Args, ExecRegistry};
use crate::RunContext;
use rsalt_data::{Dict, Value};
use rsalt_sls::jinja::{JinjaEnv, JinjaOptions};
use rsalt_sls::{CallError, Caller, FileClient};
use std::cell::Cell;
use std::sync::{Arc, RwLock, Weak};

thread_local! {
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// Decides, before the registry, how a call is answered. The master uses one to send
/// calls that must read the minion's own system to that minion instead of running them on
/// the master.
pub trait CallInterceptor: Send + Sync {
    /// `Some(answer)` to answer `fun` without the registry; `None` to run it locally.
    fn intercept(&self, fun: &str, args: &Args) -> Option<Result<Value, CallError>>;
}

/// Runs execution functions from a registry, locally.
pub struct LocalCaller {
    me: Weak<LocalCaller>,
    interceptor: Option<Arc<dyn CallInterceptor>>,
    opts: Arc<Dict>,
    grains: Arc<Dict>,
    pillar: Arc<RwLock<Dict>>,
    files: Arc<dyn FileClient>,
    jinja_options: JinjaOptions,
    registry: ExecRegistry,
}

impl LocalCaller {
    /// A caller over `registry` (usually [`super::registry`] plus extra functions such as
    /// `state.*`) with the given context parts.
    pub fn new(
        opts: Arc<Dict>,
        grains: Arc<Dict>,
        pillar: Arc<RwLock<Dict>>,
        files: Arc<dyn FileClient>,
        jinja_options: JinjaOptions,
        registry: ExecRegistry,
    ) -> Arc<LocalCaller> {
        Self::with_interceptor(opts, grains, pillar, files, jinja_options, registry, None)
    }

    /// [`LocalCaller::new`] with a [`CallInterceptor`] consulted before the registry.
    pub fn with_interceptor(
        opts: Arc<Dict>,
        grains: Arc<Dict>,
        pillar: Arc<RwLock<Dict>>,
        files: Arc<dyn FileClient>,
        jinja_options: JinjaOptions,
        registry: ExecRegistry,
        interceptor: Option<Arc<dyn CallInterceptor>>,
    ) -> Arc<LocalCaller> {
        Arc::new_cyclic(|me| LocalCaller {
            me: me.clone(),
            interceptor,
            opts,
            grains,
            pillar,
            files,
            jinja_options,
            registry,
        })
    }

    fn arc(&self) -> Arc<LocalCaller> {
        // A LocalCaller only exists inside the Arc built by `new`, and `&self` proves the
        // Arc is alive, so the upgrade cannot fail.
        self.me
            .upgrade()
            .expect("LocalCaller is always owned by an Arc while in use")
    }

    /// The run context functions called through this caller see.
    pub fn context(&self) -> RunContext {
        let caller: Arc<dyn Caller> = self.arc();
        RunContext {
            opts: self.opts.clone(),
            grains: self.grains.clone(),
            pillar: self.pillar.clone(),
            files: self.files.clone(),
            caller: caller.clone(),
            jinja: JinjaEnv {
                files: self.files.clone(),
                caller,
                options: self.jinja_options.clone(),
            },
        }
    }

    /// The function table.
    pub fn registry(&self) -> &ExecRegistry {
        &self.registry
    }

    /// Calls `fun` with already-built [`Args`]. Only the outermost call on a thread may
    /// set the exit status ([`super::take_retcode`]); calls made while another is running
    /// (Jinja in `state.show_sls`, guards, ...) leave it alone, as in Salt.
    pub fn call_args(&self, fun: &str, args: &Args) -> Result<Value, CallError> {
        let depth = DEPTH.with(|d| {
            d.set(d.get() + 1);
            d.get()
        });
        let ret = if depth > 1 {
            super::preserve_retcode(|| self.dispatch(fun, args))
        } else {
            self.dispatch(fun, args)
        };
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
        ret
    }

    fn dispatch(&self, fun: &str, args: &Args) -> Result<Value, CallError> {
        if let Some(answer) = self
            .interceptor
            .as_ref()
            .and_then(|i| i.intercept(fun, args))
        {
            return answer;
        }
        let ctx = self.context();
        if let Some(f) = super::sys::introspect(fun) {
            if self.registry.get(fun).is_some() {
                return f(&self.registry, &ctx, args);
            }
        }
        let f = self
            .registry
            .get(fun)
            .ok_or_else(|| CallError::NotAvailable(fun.to_string()))?;
        tracing::debug!(fun, "calling execution function");
        f(&ctx, args)
    }

    /// Calls `fun` and writes back positional arguments the function changed in place
    /// (Python mutation, e.g. `defaults.merge(dest, src)` updates `dest`).
    pub fn call_in_place(
        &self,
        fun: &str,
        args: &mut [Value],
        kwargs: Dict,
    ) -> Result<Value, CallError> {
        let _ = super::take_mutated_args();
        let a = Args::new(args.to_vec(), kwargs);
        let ret = self.call_args(fun, &a);
        for (i, v) in super::take_mutated_args() {
            if let Some(slot) = args.get_mut(i) {
                *slot = v;
            }
        }
        ret
    }
}

impl Caller for LocalCaller {
    fn call(&self, fun: &str, args: Vec<Value>, kwargs: Dict) -> Result<Value, CallError> {
        self.call_args(fun, &Args::new(args, kwargs))
    }

    fn has(&self, fun: &str) -> bool {
        self.registry.get(fun).is_some()
    }
}

/// Builds a [`RunContext`] whose caller is a [`LocalCaller`] over `registry` and whose
/// Jinja environment uses that caller and `files`.
pub fn new_context(
    opts: Dict,
    grains: Dict,
    pillar: Dict,
    files: Arc<dyn FileClient>,
    jinja_options: JinjaOptions,
    registry: ExecRegistry,
) -> RunContext {
    LocalCaller::new(
        Arc::new(opts),
        Arc::new(grains),
        Arc::new(RwLock::new(pillar)),
        files,
        jinja_options,
        registry,
    )
    .context()
}
