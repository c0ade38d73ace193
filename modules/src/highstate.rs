//! Orchestration of one state run for a minion: options → top → matches → high data →
//! runner, and pillar compilation. Shared by the `state.*` functions, `rsalt-call` and
//! (later) the master.

use crate::RunContext;
use rsalt_data::{Dict, Value};
use rsalt_sls::high::{HighState, Matches};
use rsalt_sls::matcher::MatchTarget;
use rsalt_sls::pillar::PillarOptions;
use rsalt_sls::top::{self, TopOptions};
use rsalt_sls::{FileClient, RootsFileClient};
use std::path::PathBuf;
use std::sync::Arc;

fn opt_str(opts: &Dict, key: &str) -> Option<String> {
    match opts.get(key) {
        None | Some(Value::None) => None,
        Some(v) => Some(v.to_py_str()),
    }
}

/// A file client over a `{env: [dir, ...]}` option (`file_roots`, `pillar_roots`).
pub fn roots_client(opts: &Dict, key: &str) -> RootsFileClient {
    let mut roots = Vec::new();
    if let Some(Value::Dict(d)) = opts.get(key) {
        for (env, dirs) in d.iter() {
            let dirs: Vec<PathBuf> = match dirs {
                Value::List(l) => l.iter().map(|v| PathBuf::from(v.to_py_str())).collect(),
                Value::Str(s) => vec![PathBuf::from(s)],
                _ => Vec::new(),
            };
            roots.push((env.to_string(), dirs));
        }
    }
    RootsFileClient::new(roots)
}

/// Top-file options from `__opts__`.
pub fn top_options(opts: &Dict, saltenv: Option<&str>) -> TopOptions {
    let d = TopOptions::default();
    TopOptions {
        strategy: opt_str(opts, "top_file_merging_strategy").unwrap_or(d.strategy),
        default_top: opt_str(opts, "default_top").unwrap_or(d.default_top),
        env_order: match opts.get("env_order") {
            Some(Value::List(l)) => l.iter().map(Value::to_py_str).collect(),
            _ => Vec::new(),
        },
        state_top: opt_str(opts, "state_top")
            .map(|s| {
                s.trim_start_matches("salt://")
                    .trim_start_matches('/')
                    .to_string()
            })
            .unwrap_or(d.state_top),
        state_top_saltenv: opt_str(opts, "state_top_saltenv"),
        saltenv: saltenv
            .map(String::from)
            .or_else(|| opt_str(opts, "saltenv")),
    }
}

/// Pillar options from `__opts__`.
pub fn pillar_options(opts: &Dict, pillarenv: Option<&str>) -> PillarOptions {
    let d = PillarOptions::default();
    PillarOptions {
        pillarenv: pillarenv
            .map(String::from)
            .or_else(|| opt_str(opts, "pillarenv")),
        merge_strategy: opt_str(opts, "pillar_source_merging_strategy").unwrap_or(d.merge_strategy),
        merge_lists: opts.get("pillar_merge_lists").is_some_and(Value::truthy),
        renderer: opt_str(opts, "renderer").unwrap_or(d.renderer),
        state_top: d.state_top,
        safe_render_error: opts
            .get("pillar_safe_render_error")
            .map(Value::truthy)
            .unwrap_or(true),
        includes_override_sls: opts
            .get("pillar_includes_override_sls")
            .is_some_and(Value::truthy),
    }
}

fn nodegroups(opts: &Dict) -> Dict {
    opts.get("nodegroups")
        .and_then(Value::as_dict)
        .cloned()
        .unwrap_or_default()
}

/// The minion id from the options.
pub fn minion_id(opts: &Dict) -> String {
    opt_str(opts, "id").unwrap_or_else(|| "localhost".into())
}

/// Compiles the pillar for this minion (pillar_roots from `ctx.opts`), with `override_`
/// merged on top as Salt does for `pillar=...`.
pub fn compile_pillar(ctx: &RunContext, override_: &Dict, pillarenv: Option<&str>) -> Dict {
    let files: Arc<dyn FileClient> = Arc::new(roots_client(&ctx.opts, "pillar_roots"));
    let env = rsalt_sls::jinja::JinjaEnv {
        files,
        caller: ctx.caller.clone(),
        options: ctx.jinja.options.clone(),
    };
    let mut base = Dict::new();
    base.insert("grains", Value::Dict((*ctx.grains).clone()));
    base.insert("opts", Value::Dict((*ctx.opts).clone()));
    rsalt_sls::pillar::compile_pillar(
        &env,
        &base,
        &pillar_options(&ctx.opts, pillarenv),
        &minion_id(&ctx.opts),
        &ctx.grains,
        &nodegroups(&ctx.opts),
        override_,
    )
}

/// The template context every SLS sees (`grains`, `pillar`, `opts`).
pub fn base_context(ctx: &RunContext) -> Dict {
    let mut base = Dict::new();
    base.insert("grains", Value::Dict((*ctx.grains).clone()));
    base.insert("pillar", Value::Dict(ctx.pillar()));
    base.insert("opts", Value::Dict((*ctx.opts).clone()));
    base
}

fn renderer(ctx: &RunContext) -> String {
    opt_str(&ctx.opts, "renderer").unwrap_or_else(|| "jinja|yaml".into())
}

fn auto_order(ctx: &RunContext) -> bool {
    ctx.opts
        .get("state_auto_order")
        .map(Value::truthy)
        .unwrap_or(true)
}

/// A [`HighState`] builder for this context.
pub fn high_state(ctx: &RunContext) -> HighState<'_> {
    HighState::new(
        &ctx.jinja,
        base_context(ctx),
        &renderer(ctx),
        auto_order(ctx),
    )
}

/// What the top file gives this minion, or an error message for `no_|-states`.
pub enum TopOutcome {
    /// `{saltenv: [sls...]}` plus verify errors.
    Matches(Matches, Vec<String>),
    /// The top file could not be rendered.
    RenderError(String),
}

/// Gathers, merges, verifies and matches the top file(s).
pub fn top_matches(ctx: &RunContext, hs: &mut HighState<'_>, saltenv: Option<&str>) -> TopOutcome {
    let topts = top_options(&ctx.opts, saltenv);
    let tops = match hs.get_tops(&topts) {
        Ok(t) => t,
        Err(e) => return TopOutcome::RenderError(e),
    };
    let merged = match top::merge_tops(tops, &topts) {
        Ok(m) => m,
        Err(e) => return TopOutcome::RenderError(e),
    };
    let errors = top::verify_tops(&merged);
    let pillar = ctx.pillar();
    let ng = nodegroups(&ctx.opts);
    let id = minion_id(&ctx.opts);
    let target = MatchTarget {
        id: &id,
        grains: &ctx.grains,
        pillar: &pillar,
        nodegroups: &ng,
    };
    let envs = ctx.files.envs();
    let m = top::top_matches(&merged, topts.saltenv.as_deref(), &target, &envs);
    TopOutcome::Matches(m, errors)
}
