//! [`RunContext`]: what states and execution functions can see.

use rsalt_data::{Dict, Value};
use rsalt_sls::jinja::JinjaEnv;
use rsalt_sls::{Caller, FileClient};
use std::sync::{Arc, RwLock};

/// Everything a state or execution function may read: Salt's `__opts__`, `__grains__`,
/// `__pillar__`, the file server (`salt://`), the execution functions (`__salt__`) and the
/// Jinja environment for `template: jinja`.
#[derive(Clone)]
pub struct RunContext {
    /// `__opts__`.
    pub opts: Arc<Dict>,
    /// `__grains__`.
    pub grains: Arc<Dict>,
    /// `__pillar__` (replaced once pillar is compiled, and by a `pillar=` override).
    pub pillar: Arc<RwLock<Dict>>,
    /// The state tree file server.
    pub files: Arc<dyn FileClient>,
    /// `__salt__`.
    pub caller: Arc<dyn Caller>,
    /// Jinja environment for templates rendered by states (`template: jinja`).
    pub jinja: JinjaEnv,
}

impl RunContext {
    /// A snapshot of the current pillar.
    pub fn pillar(&self) -> Dict {
        self.pillar.read().map(|p| p.clone()).unwrap_or_default()
    }

    /// An option value (`__opts__[key]`).
    pub fn opt(&self, key: &str) -> Option<&Value> {
        self.opts.get(key)
    }

    /// The base Jinja context for a template: `grains`, `pillar`, `opts`, `saltenv`, plus the
    /// path variables for `tpl_path` (and `sls` when rendering an SLS).
    pub fn template_context(&self, sls: Option<&str>, tpl_path: &str, saltenv: &str) -> Dict {
        let mut ctx = rsalt_sls::jinja::sls_context(sls, tpl_path, saltenv);
        ctx.insert("grains", Value::Dict((*self.grains).clone()));
        ctx.insert("pillar", Value::Dict(self.pillar()));
        ctx.insert("opts", Value::Dict((*self.opts).clone()));
        ctx.insert("saltenv", Value::from(saltenv));
        ctx
    }
}
