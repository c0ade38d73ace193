//! Pillar compilation as Salt's `Pillar.compile_pillar` does it: the pillar top file(s),
//! `render_pstate` with includes (`key:` and `defaults:` forms), merging with
//! `pillar_source_merging_strategy`, `_errors`, and the command-line override.

use crate::dictupdate::merge;
use crate::fnmatch::filter;
use crate::high::{find_sls, list_states, HighState};
use crate::jinja::JinjaEnv;
use crate::matcher::{confirm_top, MatchTarget};
use crate::render;
use indexmap::IndexMap;
use rsalt_data::{Dict, Value};

/// Pillar options (Salt's keys).
#[derive(Debug, Clone)]
pub struct PillarOptions {
    /// `pillarenv`.
    pub pillarenv: Option<String>,
    /// `pillar_source_merging_strategy` (`smart`).
    pub merge_strategy: String,
    /// `pillar_merge_lists`.
    pub merge_lists: bool,
    /// `renderer`.
    pub renderer: String,
    /// `state_top` (`top.sls`).
    pub state_top: String,
    /// `pillar_safe_render_error` (default true).
    pub safe_render_error: bool,
    /// `pillar_includes_override_sls`.
    pub includes_override_sls: bool,
}

impl Default for PillarOptions {
    fn default() -> Self {
        PillarOptions {
            pillarenv: None,
            merge_strategy: "smart".into(),
            merge_lists: false,
            renderer: "jinja|yaml".into(),
            state_top: "top.sls".into(),
            safe_render_error: true,
            includes_override_sls: false,
        }
    }
}

/// Compiles pillar for one minion. `env.files` must serve `pillar_roots`; `base_context`
/// holds `grains` and `opts` (the pillar being compiled is exposed as `pillar`, starting
/// from the override, as Salt does).
pub fn compile_pillar(
    env: &JinjaEnv,
    base_context: &Dict,
    opts: &PillarOptions,
    target_id: &str,
    grains: &Dict,
    nodegroups: &Dict,
    pillar_override: &Dict,
) -> Dict {
    let mut errors: Vec<String> = Vec::new();
    let files = env.files.as_ref();
    let mut ctx = base_context.clone();
    ctx.insert("pillar", Value::Dict(pillar_override.clone()));
    let hs = HighState::new(env, ctx.clone(), &opts.renderer, false);

    // get_tops
    let mut envs: Vec<String> = Vec::new();
    if let Some(pe) = &opts.pillarenv {
        if files.envs().contains(pe) {
            envs.push(pe.clone());
        }
    } else {
        envs.push("base".into());
        for e in files.envs() {
            if !envs.contains(&e) {
                envs.push(e);
            }
        }
        if opts.merge_strategy == "none" {
            envs.retain(|e| e == "base");
        }
    }
    let mut tops: IndexMap<String, Vec<Value>> = IndexMap::new();
    for e in &envs {
        if files.find(e, &opts.state_top).is_none() {
            continue;
        }
        let text = files.read(e, &opts.state_top).unwrap_or_default();
        let mut tctx = crate::jinja::sls_context(Some(""), &opts.state_top, e);
        for (k, v) in ctx.iter() {
            tctx.map.insert(k.clone(), v.clone());
        }
        tctx.insert("saltenv", Value::from(e.as_str()));
        match render::render_data(
            hs.jinja_env(),
            &opts.renderer,
            &text,
            &opts.state_top,
            e,
            &tctx,
        ) {
            Ok(v) => tops.entry(e.clone()).or_default().push(v),
            Err(err) => errors.push(format!(
                "Rendering Primary Top file failed, render error:\n{err}"
            )),
        }
    }
    // merge_tops (pillar flavour): order by `order`, keep match dicts then sls names.
    let mut top: IndexMap<String, Vec<(Value, Value, i64)>> = IndexMap::new();
    for ctops in tops.values() {
        for ctop in ctops {
            for (saltenv, targets) in ctop.as_dict().into_iter().flat_map(|d| d.iter()) {
                let saltenv = saltenv.to_string();
                if saltenv == "include" {
                    continue;
                }
                let Some(td) = targets.as_dict() else {
                    errors.push("Error encountered while rendering pillar top file.".into());
                    continue;
                };
                for (tgt, comps) in td.iter() {
                    let mut matches: Vec<Value> = Vec::new();
                    let mut states: Vec<Value> = Vec::new();
                    let mut order = 0i64;
                    for comp in comps.as_list().into_iter().flatten() {
                        match comp {
                            Value::Dict(cd) => {
                                if cd.contains_key("match") {
                                    matches.push(comp.clone());
                                }
                                if let Some(o) = cd.get("order") {
                                    order = match o {
                                        Value::Int(i) => *i,
                                        other => other.to_py_str().trim().parse().unwrap_or(0),
                                    };
                                }
                            }
                            Value::Str(_) if !states.contains(comp) => states.push(comp.clone()),
                            _ => {}
                        }
                    }
                    matches.extend(states);
                    let slot = top.entry(saltenv.clone()).or_default();
                    slot.retain(|(t, _, _)| t != &tgt.to_value());
                    slot.push((tgt.to_value(), Value::List(matches), order));
                }
            }
        }
    }
    for targets in top.values_mut() {
        targets.sort_by_key(|(_, _, o)| *o);
    }
    // top_matches
    let empty = Dict::new();
    let mt = MatchTarget {
        id: target_id,
        grains,
        pillar: &empty,
        nodegroups,
    };
    let mut matches: IndexMap<String, Vec<String>> = IndexMap::new();
    for (saltenv, body) in &top {
        if let Some(pe) = &opts.pillarenv {
            if pe != saltenv {
                continue;
            }
        }
        for (tgt, data, _) in body {
            let items = data.as_list().cloned().unwrap_or_default();
            if confirm_top(tgt, &items, &mt) {
                let env_matches = matches.entry(saltenv.clone()).or_default();
                for item in &items {
                    if let Value::Str(s) = item {
                        if !env_matches.contains(s) {
                            env_matches.push(s.clone());
                        }
                    }
                }
            }
        }
    }
    // render_pillar
    let mut pillar = pillar_override.clone();
    pillar.kind = rsalt_data::DictKind::Plain;
    for (saltenv, pstates) in &matches {
        let avail = list_states(files, saltenv);
        let mut pstatefiles: Vec<String> = Vec::new();
        for m in pstates {
            let hits: Vec<String> = filter(&avail, m).into_iter().cloned().collect();
            if hits.is_empty() {
                pstatefiles.push(m.clone());
            } else {
                pstatefiles.extend(hits);
            }
        }
        let mut mods: IndexMap<String, Option<Value>> = IndexMap::new();
        for sls in pstatefiles {
            let (pstate, errs) = render_pstate(
                &hs,
                opts,
                &ctx,
                &sls,
                saltenv,
                &avail,
                &mut mods,
                &Dict::new(),
            );
            errors.extend(errs);
            if let Some(Value::Dict(p)) = pstate {
                pillar = merge(
                    &pillar,
                    &p,
                    &opts.merge_strategy,
                    &opts.renderer,
                    opts.merge_lists,
                );
            }
        }
    }
    if !errors.is_empty() {
        pillar.insert(
            "_errors",
            Value::List(errors.into_iter().map(Value::Str).collect()),
        );
    }
    if !pillar_override.is_empty() {
        pillar = merge(
            &pillar,
            pillar_override,
            &opts.merge_strategy,
            &opts.renderer,
            opts.merge_lists,
        );
    }
    pillar
}

#[allow(clippy::too_many_arguments)]
fn render_pstate(
    hs: &HighState<'_>,
    opts: &PillarOptions,
    ctx: &Dict,
    sls: &str,
    saltenv: &str,
    avail: &[String],
    mods: &mut IndexMap<String, Option<Value>>,
    defaults: &Dict,
) -> (Option<Value>, Vec<String>) {
    let mut errors = Vec::new();
    let files = hs.jinja_env().files.as_ref();
    let Some((path, is_init)) = find_sls(files, saltenv, sls) else {
        if files.envs().iter().any(|e| e == saltenv) {
            errors.push(format!("Specified SLS '{sls}' in environment '{saltenv}' is not available on the salt master"));
        }
        return (None, errors);
    };
    let text = files.read(saltenv, &path).unwrap_or_default();
    let mut sctx = crate::jinja::sls_context(Some(sls), &path, saltenv);
    for (k, v) in ctx.iter() {
        sctx.map.insert(k.clone(), v.clone());
    }
    for (k, v) in defaults.iter() {
        sctx.map.insert(k.clone(), v.clone());
    }
    sctx.insert("saltenv", Value::from(saltenv));
    sctx.insert("sls", Value::from(sls));
    let mut state =
        match render::render_data(hs.jinja_env(), &opts.renderer, &text, &path, saltenv, &sctx) {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::error!(sls, error = %e, "Pillar SLS failed to render.");
                if opts.safe_render_error {
                    errors.push(format!(
                        "Rendering SLS '{sls}' failed. Please see master log for details."
                    ));
                } else {
                    errors.push(format!("Rendering SLS '{sls}' failed, render error:\n{e}"));
                }
                None
            }
        };
    mods.insert(sls.to_string(), state.clone());
    let Some(st) = state.as_mut() else {
        return (None, errors);
    };
    if !st.truthy() {
        return (state, errors);
    }
    let Value::Dict(sd) = st else {
        errors.push(format!("SLS '{sls}' does not render to a dictionary"));
        return (state, errors);
    };
    let Some(include) = sd.remove("include") else {
        return (state, errors);
    };
    let Value::List(include) = include else {
        errors.push(format!(
            "Include Declaration in SLS '{sls}' is not formed as a list"
        ));
        return (state, errors);
    };
    let mut include_states: Vec<Value> = Vec::new();
    let mut own = Some(Value::Dict(sd.clone()));
    for sub in include {
        let (mut sub_sls, sub_defaults, key) = match &sub {
            Value::Dict(d) => match d.map.iter().next() {
                Some((k, v)) => (
                    k.to_string(),
                    v.get("defaults")
                        .and_then(Value::as_dict)
                        .cloned()
                        .unwrap_or_default(),
                    v.get("key").map(Value::to_py_str),
                ),
                None => continue,
            },
            other => (other.to_py_str(), Dict::new(), None),
        };
        let mut matched: Vec<String> =
            filter(avail, &sub_sls.trim_start_matches('.').replace('/', "."))
                .into_iter()
                .cloned()
                .collect();
        if let Some(rest) = sub_sls.strip_prefix('.') {
            let mut parts: Vec<String> = sls.split('.').map(String::from).collect();
            if !is_init {
                parts.pop();
            }
            parts.push(rest.to_string());
            sub_sls = parts.join(".");
        }
        matched.extend(filter(avail, &sub_sls).into_iter().cloned());
        if matched.is_empty() {
            matched.push(sub_sls.clone());
        }
        for m in matched {
            let nstate = if let Some(done) = mods.get(&m) {
                done.clone()
            } else {
                let (n, errs) =
                    render_pstate(hs, opts, ctx, &m, saltenv, avail, mods, &sub_defaults);
                errors.extend(errs);
                n
            };
            if let Some(mut n) = nstate.filter(Value::truthy) {
                if let Some(key) = &key {
                    for frag in key.split(':').rev() {
                        let mut d = Dict::new();
                        d.insert(frag, n);
                        n = Value::Dict(d);
                    }
                }
                if opts.includes_override_sls {
                    if let (Some(Value::Dict(o)), Value::Dict(nd)) = (own.as_ref(), &n) {
                        own = Some(Value::Dict(merge(
                            o,
                            nd,
                            &opts.merge_strategy,
                            &opts.renderer,
                            opts.merge_lists,
                        )));
                    }
                } else {
                    include_states.push(n);
                }
            }
        }
    }
    if opts.includes_override_sls {
        return (own, errors);
    }
    if let Some(o) = own {
        include_states.push(o);
    }
    let mut merged: Option<Value> = None;
    for s in include_states {
        merged = Some(match (merged, s) {
            (None, s) => s,
            (Some(Value::Dict(a)), Value::Dict(b)) => Value::Dict(merge(
                &a,
                &b,
                &opts.merge_strategy,
                &opts.renderer,
                opts.merge_lists,
            )),
            (Some(a), _) => a,
        });
    }
    (merged, errors)
}
