//! Top files: gathering them per environment, merging them (`top_file_merging_strategy`
//! `merge`, `same`, `merge_all`), verifying, and matching a minion (`top_matches`).

use crate::high::{HighState, Matches};
use crate::matcher::{confirm_top, MatchTarget};
use crate::render;
use indexmap::IndexMap;
use rsalt_data::{Dict, Key, Value};

/// Options that steer top-file handling (Salt's keys of the same names).
#[derive(Debug, Clone)]
pub struct TopOptions {
    /// `top_file_merging_strategy`: `merge` (default), `same`, `merge_all`.
    pub strategy: String,
    /// `default_top` (default `base`).
    pub default_top: String,
    /// `env_order`.
    pub env_order: Vec<String>,
    /// `state_top` without `salt://` (default `top.sls`).
    pub state_top: String,
    /// `state_top_saltenv`.
    pub state_top_saltenv: Option<String>,
    /// `saltenv` (a run restricted to one environment).
    pub saltenv: Option<String>,
}

impl Default for TopOptions {
    fn default() -> Self {
        TopOptions {
            strategy: "merge".into(),
            default_top: "base".into(),
            env_order: Vec::new(),
            state_top: "top.sls".into(),
            state_top_saltenv: None,
            saltenv: None,
        }
    }
}

/// Raw top files per environment, in order.
pub type Tops = IndexMap<String, Vec<Value>>;

impl HighState<'_> {
    /// `_get_envs`.
    fn top_envs(&self, opts: &TopOptions) -> Vec<String> {
        let client_envs = self.jinja_env().files.envs();
        let mut seen = Vec::new();
        let env_order: Vec<String> = opts
            .env_order
            .iter()
            .filter(|e| {
                if seen.contains(e) {
                    false
                } else {
                    seen.push(*e);
                    true
                }
            })
            .cloned()
            .collect();
        if !env_order.is_empty() && !client_envs.is_empty() {
            return env_order
                .into_iter()
                .filter(|e| client_envs.contains(e))
                .collect();
        }
        if !env_order.is_empty() {
            return env_order;
        }
        let mut envs = vec!["base".to_string()];
        for e in client_envs {
            if !envs.contains(&e) {
                envs.push(e);
            }
        }
        envs
    }

    fn render_top(&self, saltenv: &str, path: &str) -> Result<Value, String> {
        let text = self
            .jinja_env()
            .files
            .read(saltenv, path)
            .unwrap_or_default();
        let mut ctx = crate::jinja::sls_context(Some(""), path, saltenv);
        for (k, v) in self.base_context().iter() {
            ctx.map.insert(k.clone(), v.clone());
        }
        ctx.insert("saltenv", Value::from(saltenv));
        render::render_data(
            self.jinja_env(),
            self.default_renderer(),
            &text,
            path,
            saltenv,
            &ctx,
        )
        .map_err(|e| e.to_string())
    }

    /// `get_tops`: renders the top file of each environment (and top includes).
    pub fn get_tops(&mut self, opts: &TopOptions) -> Result<Tops, String> {
        let mut tops: Tops = IndexMap::new();
        if opts.strategy == "same" && opts.saltenv.is_none() && opts.default_top.is_empty() {
            return Err("top_file_merging_strategy set to 'same', but no default_top configuration option was set".into());
        }
        let envs: Vec<String> = if let Some(env) = &opts.saltenv {
            vec![env.clone()]
        } else if let Some(env) = &opts.state_top_saltenv {
            vec![env.clone()]
        } else {
            self.top_envs(opts)
        };
        for env in envs {
            let has = self.jinja_env().files.find(&env, &opts.state_top).is_some();
            let top = if has {
                self.render_top(&env, &opts.state_top)?
            } else {
                Value::Dict(Dict::new())
            };
            tops.entry(env).or_default().push(top);
        }
        // Top-file includes.
        let mut include: IndexMap<String, Vec<String>> = IndexMap::new();
        for (env, ctops) in tops.iter_mut() {
            for ctop in ctops.iter_mut() {
                if let Some(d) = ctop.as_dict_mut() {
                    if let Some(inc) = d.remove("include") {
                        for s in inc.as_list().into_iter().flatten() {
                            include.entry(env.clone()).or_default().push(s.to_py_str());
                        }
                    }
                }
            }
        }
        let mut done: IndexMap<String, Vec<String>> = IndexMap::new();
        for (env, states) in include {
            for sls_match in states {
                let avail = self.avail(&env);
                for sls in crate::fnmatch::filter(&avail, &sls_match) {
                    if done.get(&env).is_some_and(|d| d.contains(sls)) {
                        continue;
                    }
                    if let Some((path, _)) =
                        crate::high::find_sls(self.jinja_env().files.as_ref(), &env, sls)
                    {
                        let t = self.render_top(&env, &path)?;
                        tops.entry(env.clone()).or_default().push(t);
                    }
                    done.entry(env.clone()).or_default().push(sls.clone());
                }
            }
        }
        Ok(tops)
    }
}

fn add_targets(
    top: &mut IndexMap<String, Dict>,
    saltenv: &str,
    targets: &Value,
) -> Result<(), String> {
    let Some(td) = targets.as_dict() else {
        return Err("Unable to render top file. No targets found.".into());
    };
    let slot = top.entry(saltenv.to_string()).or_insert_with(Dict::ordered);
    for (tgt, v) in td.iter() {
        slot.map.insert(tgt.clone(), v.clone());
    }
    Ok(())
}

/// `merge_tops` with the configured strategy (unknown strategies fall back to `merge`).
pub fn merge_tops(mut tops: Tops, opts: &TopOptions) -> Result<IndexMap<String, Dict>, String> {
    let mut top: IndexMap<String, Dict> = IndexMap::new();
    match opts.strategy.as_str() {
        "same" => {
            let snapshot = tops.clone();
            for (cenv, ctops) in snapshot.iter() {
                let empty = ctops.iter().all(|t| !t.truthy());
                if empty {
                    let fallback = snapshot.get(&opts.default_top).cloned().unwrap_or_default();
                    if fallback.iter().all(|t| !t.truthy()) {
                        continue;
                    }
                    for ctop in &fallback {
                        if let Some(targets) = ctop.get(cenv) {
                            add_targets(&mut top, cenv, targets)?;
                            break;
                        }
                    }
                    continue;
                }
                for ctop in ctops {
                    for (saltenv, targets) in ctop.as_dict().into_iter().flat_map(|d| d.iter()) {
                        let saltenv = saltenv.to_string();
                        if saltenv == "include" || &saltenv != cenv {
                            continue;
                        }
                        add_targets(&mut top, &saltenv, targets)?;
                    }
                }
            }
        }
        "merge_all" => {
            for ctops in tops.values() {
                for ctop in ctops {
                    for (saltenv, targets) in ctop.as_dict().into_iter().flat_map(|d| d.iter()) {
                        let saltenv = saltenv.to_string();
                        if saltenv == "include" {
                            continue;
                        }
                        let Some(td) = targets.as_dict() else {
                            return Err("Unable to render top file. No targets found.".into());
                        };
                        let slot = top.entry(saltenv).or_insert_with(Dict::ordered);
                        for (tgt, data) in td.iter() {
                            let Some(existing) = slot.map.get(tgt) else {
                                slot.map.insert(tgt.clone(), data.clone());
                                continue;
                            };
                            let read = |v: &Value| {
                                let mut mt = None;
                                let mut states = Vec::new();
                                for item in v.as_list().into_iter().flatten() {
                                    match item {
                                        Value::Dict(_) => mt = Some(item.clone()),
                                        Value::Str(_) => states.push(item.clone()),
                                        _ => {}
                                    }
                                }
                                (mt, states)
                            };
                            let (m1, s1) = read(existing);
                            let (m2, s2) = read(data);
                            let mut merged = Vec::new();
                            if let Some(m) = m2.or(m1) {
                                merged.push(m);
                            }
                            merged.extend(s1);
                            for s in s2 {
                                if !merged.contains(&s) {
                                    merged.push(s);
                                }
                            }
                            slot.map.insert(tgt.clone(), Value::List(merged));
                        }
                    }
                }
            }
        }
        other => {
            if other != "merge" {
                tracing::warn!(
                    strategy = other,
                    "Invalid top_file_merging_strategy, falling back to 'merge'."
                );
            }
            let base = tops.shift_remove("base").unwrap_or_default();
            for ctop in &base {
                for (saltenv, targets) in ctop.as_dict().into_iter().flat_map(|d| d.iter()) {
                    let saltenv = saltenv.to_string();
                    if saltenv == "include" {
                        continue;
                    }
                    add_targets(&mut top, &saltenv, targets)?;
                }
            }
            for (cenv, ctops) in tops.iter() {
                for ctop in ctops {
                    for (saltenv, targets) in ctop.as_dict().into_iter().flat_map(|d| d.iter()) {
                        let saltenv = saltenv.to_string();
                        if saltenv == "include" || &saltenv != cenv || top.contains_key(&saltenv) {
                            continue;
                        }
                        add_targets(&mut top, &saltenv, targets)?;
                    }
                }
            }
        }
    }
    Ok(top)
}

/// `verify_tops`: structural errors in merged top data.
pub fn verify_tops(top: &IndexMap<String, Dict>) -> Vec<String> {
    let mut errors = Vec::new();
    for (saltenv, matches) in top {
        if saltenv == "include" {
            continue;
        }
        if saltenv.is_empty() {
            errors.push("Empty saltenv statement in top file".into());
        }
        for (_, slsmods) in matches.iter() {
            let Some(list) = slsmods.as_list() else {
                errors.push("Malformed topfile (state declarations not formed as a list)".into());
                continue;
            };
            for slsmod in list {
                match slsmod {
                    Value::Dict(d) => {
                        for (_, v) in d.iter() {
                            if !v.truthy() {
                                errors.push(format!(
                                    "Improperly formatted top file matcher in saltenv {}: {} file",
                                    rsalt_data::repr::repr(slsmod),
                                    v.to_py_str()
                                ));
                            }
                        }
                    }
                    Value::Str(s) if s.is_empty() => {
                        errors.push(format!("Environment {saltenv} contains an empty sls index"));
                    }
                    _ => {}
                }
            }
        }
    }
    errors
}

/// `top_matches`: the SLS this minion gets, per environment.
pub fn top_matches(
    top: &IndexMap<String, Dict>,
    restrict_env: Option<&str>,
    target: &MatchTarget<'_>,
    known_envs: &[String],
) -> Matches {
    let mut matches: Matches = IndexMap::new();
    for (saltenv, body) in top {
        if let Some(r) = restrict_env {
            if r != saltenv {
                continue;
            }
        }
        for (tgt, data) in body.iter() {
            filter_matches(
                saltenv,
                &tgt.to_value(),
                data,
                target,
                known_envs,
                &mut matches,
            );
        }
    }
    matches
}

fn filter_matches(
    saltenv: &str,
    tgt: &Value,
    data: &Value,
    target: &MatchTarget<'_>,
    known_envs: &[String],
    matches: &mut Matches,
) {
    let items: Vec<Value> = match data {
        Value::Str(_) => vec![data.clone()],
        Value::List(l) => l.clone(),
        _ => return,
    };
    if !confirm_top(tgt, &items, target) {
        return;
    }
    matches.entry(saltenv.to_string()).or_default();
    for item in items {
        if let Some(sub) = item.get("subfilter").and_then(Value::as_dict) {
            for (m, d) in sub.iter() {
                filter_matches(saltenv, &m.to_value(), d, target, known_envs, matches);
            }
        }
        match &item {
            Value::Str(s) => {
                if let Some(l) = matches.get_mut(saltenv) {
                    l.push(s.clone());
                }
            }
            Value::Dict(d) => {
                if let Some((k, v)) = d.map.iter().last() {
                    if matches!(k, Key::Str(s) if s == "match" || s == "subfilter") {
                        continue;
                    }
                    let env_key = k.to_string();
                    if !known_envs.contains(&env_key) {
                        continue;
                    }
                    matches.entry(env_key).or_default().push(v.to_py_str());
                }
            }
            _ => {}
        }
    }
}
