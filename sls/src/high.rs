//! Rendering SLS files into high data, as Salt's `BaseHighState` does: `render_state`
//! (include with relative `.x` and `{env: sls}` forms, `exclude`, `extend`, short
//! declarations, auto-order) and `render_highstate` for a set of top-file matches.

use crate::fnmatch::filter;
use crate::jinja::JinjaEnv;
use crate::render;
use crate::FileClient;
use indexmap::IndexMap;
use rsalt_data::{Dict, Key, Value};
use std::collections::{BTreeMap, HashSet};

/// Top-file matches: `{saltenv: [sls, ...]}` in order.
pub type Matches = IndexMap<String, Vec<String>>;

/// Lists the SLS names available in `saltenv` (`foo/init.sls` → `foo`, `a/b.sls` → `a.b`).
pub fn list_states(files: &dyn FileClient, saltenv: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in files.list_files(saltenv, "") {
        let Some(stem) = f.strip_suffix(".sls") else {
            continue;
        };
        let name = stem.strip_suffix("/init").unwrap_or(stem).replace('/', ".");
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out.sort();
    out
}

/// Where an SLS lives: `(relative path, came from init.sls)`.
pub fn find_sls(files: &dyn FileClient, saltenv: &str, sls: &str) -> Option<(String, bool)> {
    let base = sls.replace('.', "/");
    let direct = format!("{base}.sls");
    if files.find(saltenv, &direct).is_some() {
        return Some((direct, false));
    }
    let init = format!("{base}/init.sls");
    files.find(saltenv, &init).map(|_| (init, true))
}

/// Builds high data from SLS files for one minion.
pub struct HighState<'a> {
    env: &'a JinjaEnv,
    /// `grains`, `pillar`, `opts` for templates.
    base_context: Dict,
    default_renderer: String,
    auto_order: bool,
    iorder: i64,
    avail: BTreeMap<String, Vec<String>>,
}

impl<'a> HighState<'a> {
    /// `base_context` holds `grains`, `pillar` and `opts`; `default_renderer` is the
    /// `renderer` option (`jinja|yaml`).
    pub fn new(
        env: &'a JinjaEnv,
        base_context: Dict,
        default_renderer: &str,
        auto_order: bool,
    ) -> Self {
        HighState {
            env,
            base_context,
            default_renderer: default_renderer.to_string(),
            auto_order,
            iorder: 10000,
            avail: BTreeMap::new(),
        }
    }

    /// The Jinja environment (file server, caller).
    pub fn jinja_env(&self) -> &JinjaEnv {
        self.env
    }

    /// `grains`, `pillar`, `opts` for templates.
    pub fn base_context(&self) -> &Dict {
        &self.base_context
    }

    /// The default renderer pipe.
    pub fn default_renderer(&self) -> &str {
        &self.default_renderer
    }

    /// The SLS names available in `saltenv` (cached).
    pub fn avail(&mut self, saltenv: &str) -> Vec<String> {
        if !self.avail.contains_key(saltenv) {
            let l = list_states(self.env.files.as_ref(), saltenv);
            self.avail.insert(saltenv.to_string(), l);
        }
        self.avail.get(saltenv).cloned().unwrap_or_default()
    }

    fn env_known(&self, saltenv: &str) -> bool {
        self.env.files.envs().iter().any(|e| e == saltenv)
    }

    /// The Jinja context for rendering `sls` from `tpl_path`.
    pub fn context_for(&self, sls: &str, tpl_path: &str, saltenv: &str) -> Dict {
        let mut ctx = crate::jinja::sls_context(Some(sls), tpl_path, saltenv);
        if let Some(full) = self.env.files.find(saltenv, tpl_path) {
            ctx.insert("tplpath", Value::from(full.to_string_lossy().to_string()));
        }
        for (k, v) in self.base_context.iter() {
            ctx.map.insert(k.clone(), v.clone());
        }
        ctx.insert("saltenv", Value::from(saltenv));
        ctx.insert("sls", Value::from(sls));
        ctx
    }

    /// `render_state`: renders one SLS and, recursively, its includes.
    pub fn render_state(
        &mut self,
        sls: &str,
        saltenv: &str,
        mods: &mut HashSet<String>,
        matches: &Matches,
    ) -> (Dict, Vec<String>) {
        let mut errors = Vec::new();
        let Some((tpl_path, is_init)) = find_sls(self.env.files.as_ref(), saltenv, sls) else {
            errors.push(format!(
                "Specified SLS {sls} in saltenv {saltenv} is not available on the salt master or through a configured fileserver"
            ));
            return (Dict::ordered(), errors);
        };
        let text = self.env.files.read(saltenv, &tpl_path).unwrap_or_default();
        let ctx = self.context_for(sls, &tpl_path, saltenv);
        let rendered = render::render_data(
            self.env,
            &self.default_renderer,
            &text,
            &tpl_path,
            saltenv,
            &ctx,
        );
        mods.insert(format!("{saltenv}:{sls}"));
        let data = match rendered {
            Ok(v) => v,
            Err(e) => {
                // Salt's message (kept verbatim for compatibility) omits the line for YAML
                // scanner errors; the log always names the file and line.
                let (file, line) = match &e {
                    crate::SlsError::Yaml { file, line, .. } => (file.clone(), Some(*line)),
                    crate::SlsError::Render { file, line, .. } => (file.clone(), *line),
                    _ => (tpl_path.clone(), None),
                };
                tracing::error!(%saltenv, %sls, %file, line, error = %e, "Rendering SLS failed.");
                errors.push(format!("Rendering SLS '{saltenv}:{sls}' failed: {e}"));
                return (Dict::ordered(), errors);
            }
        };
        if !data.truthy() {
            return (Dict::ordered(), errors);
        }
        let Value::Dict(mut state) = data else {
            errors.push(format!("SLS {sls} does not render to a dictionary"));
            return (Dict::ordered(), errors);
        };
        let mut include: Vec<Value> = Vec::new();
        if let Some(inc) = state.get("include") {
            match inc {
                Value::List(_) => {
                    if let Some(Value::List(l)) = state.remove("include") {
                        include = l;
                    }
                }
                _ => errors.push(format!(
                    "Include Declaration in SLS {sls} is not formed as a list"
                )),
            }
        }
        handle_extend(&mut state, sls, saltenv, &mut errors);
        handle_exclude(&mut state, sls, &mut errors);
        handle_state_decls(&mut state, sls, saltenv, &mut errors);

        for inc in include {
            let (env_key, mut inc_sls) = match &inc {
                Value::Dict(d) => match d.map.iter().last() {
                    Some((k, v)) => (k.to_string(), v.to_py_str()),
                    None => continue,
                },
                other => (saltenv.to_string(), other.to_py_str()),
            };
            if !self.env_known(&env_key) && env_key != "_xenv" {
                errors.push(format!(
                    "Nonexistent saltenv '{env_key}' found in include of '{inc_sls}' within SLS '{saltenv}:{sls}'"
                ));
                continue;
            }
            if inc_sls.starts_with('.') {
                let levels = inc_sls.chars().take_while(|c| *c == '.').count();
                let rest = inc_sls[levels..].to_string();
                let mut p_comps: Vec<String> = sls.split('.').map(String::from).collect();
                if is_init {
                    p_comps.push("init".into());
                }
                if levels > p_comps.len() {
                    errors.push(format!(
                        "Attempted relative include of '{inc_sls}' within SLS '{saltenv}:{sls}' goes beyond top level package "
                    ));
                    continue;
                }
                let mut parts: Vec<String> = p_comps[..p_comps.len() - levels].to_vec();
                parts.push(rest);
                inc_sls = parts.join(".");
            }
            let resolved_envs: Vec<String> = if env_key != "_xenv" {
                let avail = self.avail(&env_key);
                if matches.contains_key(&env_key) || !filter(&avail, &inc_sls).is_empty() {
                    vec![env_key.clone()]
                } else {
                    Vec::new()
                }
            } else {
                let envs: Vec<String> = matches.keys().cloned().collect();
                envs.into_iter()
                    .filter(|e| !filter(&self.avail(e), &inc_sls).is_empty())
                    .collect()
            };
            if resolved_envs.len() == 1 || resolved_envs.iter().any(|e| e == saltenv) {
                let avail = self.avail(saltenv);
                let mut targets: Vec<String> =
                    filter(&avail, &inc_sls).into_iter().cloned().collect();
                if targets.is_empty() {
                    targets.push(inc_sls.clone());
                }
                for target in targets {
                    let r_env = if resolved_envs.len() == 1 {
                        resolved_envs[0].clone()
                    } else {
                        saltenv.to_string()
                    };
                    if mods.contains(&format!("{r_env}:{target}")) {
                        continue;
                    }
                    let (mut nstate, err) = self.render_state(&target, &r_env, mods, matches);
                    if !nstate.is_empty() {
                        for (item, body) in nstate.map.iter_mut() {
                            if matches!(item, Key::Str(s) if s.starts_with("__")) {
                                continue;
                            }
                            if let Value::Dict(bd) = body {
                                let entry = bd
                                    .map
                                    .entry(Key::Str("__sls_included_from__".into()))
                                    .or_insert_with(|| Value::List(Vec::new()));
                                if let Value::List(l) = entry {
                                    l.push(Value::from(sls));
                                }
                            }
                        }
                        merge_included_states(&mut state, nstate, &mut errors);
                    }
                    errors.extend(err);
                }
            } else {
                let msg = if resolved_envs.is_empty() {
                    format!(
                        "Unknown include: Specified SLS {env_key}: {inc_sls} is not available on the salt master in saltenv(s): {} ",
                        if env_key == "_xenv" {
                            matches.keys().cloned().collect::<Vec<_>>().join(", ")
                        } else {
                            env_key.clone()
                        }
                    )
                } else {
                    format!(
                        "Ambiguous include: Specified SLS {env_key}: {inc_sls} is available on the salt master in multiple available saltenvs: {}",
                        resolved_envs.join(", ")
                    )
                };
                errors.push(msg);
            }
        }
        self.handle_iorder(&mut state);
        (state, errors)
    }

    /// `_handle_iorder`: gives every state declaration without `order` the next number.
    fn handle_iorder(&mut self, state: &mut Dict) {
        if !self.auto_order {
            return;
        }
        for (_, body) in state.map.iter_mut() {
            let Value::Dict(bd) = body else { continue };
            for (s_dec, run) in bd.map.iter_mut() {
                let Key::Str(s) = s_dec else { continue };
                if s.starts_with('_') {
                    continue;
                }
                let Value::List(args) = run else { continue };
                let found = args
                    .iter()
                    .any(|a| crate::compile::first_key(a) == Some(&Key::Str("order".into())));
                if !found {
                    let mut d = Dict::new();
                    d.insert("order", Value::Int(self.iorder));
                    args.push(Value::Dict(d));
                    self.iorder += 1;
                }
            }
        }
    }

    /// `render_highstate`: renders every matched SLS into one high data dict.
    pub fn render_highstate(&mut self, matches: &Matches) -> (Dict, Vec<String>) {
        let mut highstate = Dict::ordered();
        let mut all_errors = Vec::new();
        let mut mods: HashSet<String> = HashSet::new();
        for (saltenv, states) in matches {
            for sls_match in states {
                let known = self.env_known(saltenv);
                let mut statefiles: Vec<String> = if known {
                    let avail = self.avail(saltenv);
                    filter(&avail, sls_match).into_iter().cloned().collect()
                } else {
                    all_errors.push(format!(
                        "No matching salt environment for environment '{saltenv}' found"
                    ));
                    Vec::new()
                };
                if statefiles.is_empty() {
                    statefiles.push(sls_match.clone());
                }
                for sls in statefiles {
                    if mods.contains(&format!("{saltenv}:{sls}")) {
                        continue;
                    }
                    let (state, mut errors) = self.render_state(&sls, saltenv, &mut mods, matches);
                    if !state.is_empty() {
                        merge_included_states(&mut highstate, state, &mut errors);
                    }
                    let this_sls = format!("SLS {sls_match} in saltenv");
                    for e in errors.iter_mut() {
                        if e.contains("is not available") && e.contains(&this_sls) {
                            *e = format!(
                                "No matching sls found for '{sls_match}' in env '{saltenv}'"
                            );
                        }
                    }
                    all_errors.extend(errors);
                }
            }
        }
        clean_duplicate_extends(&mut highstate);
        (highstate, all_errors)
    }
}

fn split_dotted_decls(
    body: &mut Dict,
    name: &str,
    sls: &str,
    errors: &mut Vec<String>,
    check_dups: bool,
) {
    let keys: Vec<Key> = body.map.keys().cloned().collect();
    let mut skeys: Vec<String> = Vec::new();
    for key in keys {
        let Key::Str(k) = &key else { continue };
        if k.starts_with('_') {
            continue;
        }
        if !matches!(body.map.get(&key), Some(Value::List(_))) {
            continue;
        }
        if let Some((module, fun)) = k.split_once('.') {
            let module = module.to_string();
            // Python splits on every dot and appends comps[1].
            let fun = fun.split('.').next().unwrap_or(fun).to_string();
            if check_dups && skeys.contains(&module) {
                errors.push(format!(
                    "ID '{name}' in SLS '{sls}' contains multiple state declarations of the same type"
                ));
                continue;
            }
            if let Some(Value::List(mut args)) = body.map.shift_remove(&key) {
                args.push(Value::Str(fun));
                body.insert(module.clone(), Value::List(args));
            }
            skeys.push(module);
            continue;
        }
        skeys.push(k.clone());
    }
}

/// `_handle_state_decls`: `file.managed: [...]` → `file: [..., managed]`, short
/// `id: pkg.installed` forms, and `__sls__`/`__env__` on every ID.
fn handle_state_decls(state: &mut Dict, sls: &str, saltenv: &str, errors: &mut Vec<String>) {
    for (name, body) in state.map.iter_mut() {
        let name_s = name.to_string();
        match body {
            Value::Dict(bd) => {
                split_dotted_decls(bd, &name_s, sls, errors, true);
                if !bd.contains_key("__sls__") {
                    bd.insert("__sls__", Value::from(sls));
                }
                if !bd.contains_key("__env__") {
                    bd.insert("__env__", Value::from(saltenv));
                }
            }
            _ if name_s == "__extend__" || name_s == "__exclude__" => {}
            Value::Str(s) if s.contains('.') => {
                let comps: Vec<&str> = s.split('.').collect();
                let mut d = Dict::ordered();
                d.insert("__sls__", Value::from(sls));
                d.insert("__env__", Value::from(saltenv));
                d.insert(comps[0], Value::List(vec![Value::from(comps[1])]));
                *body = Value::Dict(d);
            }
            _ => errors.push(format!("ID {name_s} in SLS {sls} is not a dictionary")),
        }
    }
}

/// `_handle_extend`: moves `extend:` into `__extend__`.
fn handle_extend(state: &mut Dict, sls: &str, saltenv: &str, errors: &mut Vec<String>) {
    let Some(ext) = state.remove("extend") else {
        return;
    };
    let Value::Dict(mut ext) = ext else {
        errors.push(format!(
            "Extension value in SLS '{sls}' is not a dictionary"
        ));
        return;
    };
    for (name, body) in ext.map.iter_mut() {
        let Value::Dict(bd) = body else {
            errors.push(format!(
                "Extension name '{name}' in SLS '{sls}' is not a dictionary"
            ));
            continue;
        };
        if !bd.contains_key("__sls__") {
            bd.insert("__sls__", Value::from(sls));
        }
        if !bd.contains_key("__env__") {
            bd.insert("__env__", Value::from(saltenv));
        }
        split_dotted_decls(bd, &name.to_string(), sls, errors, false);
    }
    let entry = state
        .map
        .entry(Key::Str("__extend__".into()))
        .or_insert_with(|| Value::List(Vec::new()));
    if let Value::List(l) = entry {
        l.push(Value::Dict(ext));
    }
}

/// `_handle_exclude`: moves `exclude:` into `__exclude__`.
fn handle_exclude(state: &mut Dict, sls: &str, errors: &mut Vec<String>) {
    let Some(exc) = state.remove("exclude") else {
        return;
    };
    let items = match exc {
        Value::List(l) => l,
        other => {
            errors.push(format!(
                "Exclude Declaration in SLS {sls} is not formed as a list"
            ));
            vec![other]
        }
    };
    let entry = state
        .map
        .entry(Key::Str("__exclude__".into()))
        .or_insert_with(|| Value::List(Vec::new()));
    if let Value::List(l) = entry {
        l.extend(items);
    }
}

/// `merge_included_states`: merges `state` into `highstate`, reporting conflicting IDs.
pub fn merge_included_states(highstate: &mut Dict, mut state: Dict, errors: &mut Vec<String>) {
    for special in ["__extend__", "__exclude__"] {
        if let Some(Value::List(items)) = state.remove(special) {
            let entry = highstate
                .map
                .entry(Key::Str(special.into()))
                .or_insert_with(|| Value::List(Vec::new()));
            if let Value::List(l) = entry {
                l.extend(items);
            }
        }
    }
    for (id, body) in state.map {
        if let Some(existing) = highstate.map.get(&id) {
            if existing != &body {
                errors.push(format!(
                    "Detected conflicting IDs, SLS IDs need to be globally unique.\n    The conflicting ID is '{}' and is found in SLS '{}:{}' and SLS '{}:{}'",
                    id,
                    existing.get("__env__").map(Value::to_py_str).unwrap_or_default(),
                    existing.get("__sls__").map(Value::to_py_str).unwrap_or_default(),
                    body.get("__env__").map(Value::to_py_str).unwrap_or_default(),
                    body.get("__sls__").map(Value::to_py_str).unwrap_or_default(),
                ));
            }
        }
        highstate.map.insert(id, body);
    }
}

fn clean_duplicate_extends(highstate: &mut Dict) {
    let Some(Value::List(exts)) = highstate.get_mut("__extend__") else {
        return;
    };
    let mut seen: Vec<(Key, Value)> = Vec::new();
    for ext in exts.iter() {
        if let Value::Dict(d) = ext {
            for (k, v) in d.iter() {
                let item = (k.clone(), v.clone());
                if !seen.contains(&item) {
                    seen.push(item);
                }
            }
        }
    }
    *exts = seen
        .into_iter()
        .map(|(k, v)| {
            let mut d = Dict::new();
            d.map.insert(k, v);
            Value::Dict(d)
        })
        .collect();
}
