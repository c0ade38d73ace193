//! High data → ordered low chunks, as Salt's `State` does it: `reconcile_extend`,
//! `verify_high`, `requisite_in`, `apply_exclude`, `compile_high_data`, `order_chunks`.
//!
//! High data is `{id: {state: [fun, {arg: val}, ...], __sls__, __env__}, __extend__: [...],
//! __exclude__: [...]}`; a low chunk is a flat dict (`state`, `name`, `__sls__`, `__env__`,
//! `__id__`, the arguments, `order`, `fun`). Error texts are Salt's.

use crate::fnmatch::fnmatch;
use rsalt_data::{Dict, Key, Value};

/// Requisites that live on the requiring state (Salt's `STATE_REQUISITE_KEYWORDS`).
pub const REQUISITE_KEYWORDS: &[&str] = &[
    "onchanges",
    "onchanges_any",
    "onfail",
    "onfail_any",
    "onfail_all",
    "onfail_stop",
    "prereq",
    "prerequired",
    "watch",
    "watch_any",
    "require",
    "require_any",
    "listen",
];

/// `*_in` requisites (Salt's `STATE_REQUISITE_IN_KEYWORDS`).
pub const REQUISITE_IN_KEYWORDS: &[&str] = &[
    "onchanges_in",
    "onfail_in",
    "prereq_in",
    "watch_in",
    "require_in",
    "listen_in",
];

/// Keywords the runner consumes and state functions never see as arguments
/// (Salt's `STATE_RUNTIME_KEYWORDS`).
pub const RUNTIME_KEYWORDS: &[&str] = &[
    "fun",
    "state",
    "check_cmd",
    "cmd_opts_exclude",
    "failhard",
    "onlyif",
    "unless",
    "creates",
    "retry",
    "order",
    "parallel",
    "prereq",
    "prereq_in",
    "prerequired",
    "reload_modules",
    "reload_grains",
    "reload_pillar",
    "runas",
    "runas_password",
    "fire_event",
    "saltenv",
    "umask",
    "use",
    "use_in",
    "__env__",
    "__sls__",
    "__id__",
    "__sls_included_from__",
    "__orchestration_jid__",
    "__pub_user",
    "__pub_arg",
    "__pub_jid",
    "__pub_fun",
    "__pub_tgt",
    "__pub_ret",
    "__pub_pid",
    "__pub_tgt_type",
    "__prereq__",
    "__prerequired__",
    "__umask__",
];

/// Whether `key` is any internal keyword (requisites, `_in` forms, runtime keys).
pub fn is_internal_keyword(key: &str) -> bool {
    REQUISITE_KEYWORDS.contains(&key)
        || REQUISITE_IN_KEYWORDS.contains(&key)
        || RUNTIME_KEYWORDS.contains(&key)
}

fn key_str(k: &Key) -> String {
    k.to_string()
}

fn starts_dunder(k: &Key) -> bool {
    matches!(k, Key::Str(s) if s.starts_with("__"))
}

/// The first key of a dict value (Python `next(iter(d))`).
pub fn first_key(v: &Value) -> Option<&Key> {
    v.as_dict().and_then(|d| d.map.keys().next())
}

fn first_entry(v: &Value) -> Option<(&Key, &Value)> {
    v.as_dict().and_then(|d| d.map.iter().next())
}

fn sls_of(body: &Value) -> String {
    body.get("__sls__")
        .map(Value::to_py_str)
        .unwrap_or_default()
}

fn single(k: &str, v: Value) -> Value {
    let mut d = Dict::new();
    d.insert(k, v);
    Value::Dict(d)
}

/// `find_name`: the `(id, state)` pairs whose ID or `name` argument is `name`.
pub fn find_name(name: &str, state: &str, high: &Dict, strict: bool) -> Vec<(Key, String)> {
    let mut out = Vec::new();
    let id_key = Key::Str(name.to_string());
    let check2 = !strict
        || high
            .map
            .get(&id_key)
            .and_then(Value::as_dict)
            .is_some_and(|b| b.contains_key(state));
    if high.map.contains_key(&id_key) && check2 {
        out.push((id_key, state.to_string()));
    } else if state == "sls" {
        for (nid, item) in high.iter() {
            if item.get("__sls__").and_then(Value::as_str) == Some(name) {
                if let Some(k) = item
                    .as_dict()
                    .and_then(|d| d.map.keys().next())
                    .map(key_str)
                {
                    out.push((nid.clone(), k));
                }
            }
        }
    } else {
        for (nid, item) in high.iter() {
            let Some(run) = item.get(state).and_then(Value::as_list) else {
                continue;
            };
            for arg in run {
                let Some(d) = arg.as_dict() else { continue };
                if d.len() != 1 {
                    continue;
                }
                if let Some((_, v)) = d.map.iter().next() {
                    if v.as_str() == Some(name) {
                        out.push((nid.clone(), state.to_string()));
                    }
                }
            }
        }
    }
    out
}

/// `find_sls_ids`: every `(id, state)` declared in `sls`.
pub fn find_sls_ids(sls: &str, high: &Dict) -> Vec<(Key, String)> {
    let mut out = Vec::new();
    for (nid, item) in high.iter() {
        let Some(d) = item.as_dict() else { continue };
        if d.get("__sls__").and_then(Value::as_str) == Some(sls) {
            for k in d.map.keys() {
                if !starts_dunder(k) {
                    out.push((nid.clone(), key_str(k)));
                }
            }
        }
    }
    out
}

/// `state_args`: the argument names given to `id.state`.
fn state_args(id: &Key, state: &str, high: &Dict) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(run) = high
        .map
        .get(id)
        .and_then(|b| b.get(state))
        .and_then(Value::as_list)
    {
        for item in run {
            if let Some(d) = item.as_dict() {
                if d.len() == 1 {
                    if let Some(k) = d.map.keys().next() {
                        out.push(key_str(k));
                    }
                }
            }
        }
    }
    out
}

/// `reconcile_extend`: merges `__extend__` into the high data.
pub fn reconcile_extend(high: &mut Dict, strict: bool) -> Vec<String> {
    let mut errors = Vec::new();
    let Some(Value::List(ext)) = high.remove("__extend__") else {
        return errors;
    };
    let sls_excludes: Vec<String> = high
        .get("__exclude__")
        .and_then(Value::as_list)
        .map(|l| {
            l.iter()
                .filter_map(|e| match e {
                    Value::Str(s) => Some(s.clone()),
                    Value::Dict(d) => d.get("sls").filter(|v| v.truthy()).map(Value::to_py_str),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    for ext_chunk in ext {
        let Value::Dict(ext_chunk) = ext_chunk else {
            continue;
        };
        for (name_key, body) in ext_chunk.map {
            let Value::Dict(body) = body else { continue };
            let Some(state_type) = body.map.keys().find(|k| !starts_dunder(k)).map(key_str) else {
                continue;
            };
            let mut name = name_key.clone();
            let present = high
                .map
                .get(&name)
                .and_then(Value::as_dict)
                .is_some_and(|b| b.contains_key(&state_type));
            if !present {
                let ids = find_name(&key_str(&name_key), &state_type, high, strict);
                if ids.len() != 1 {
                    errors.push(format!(
                        "Cannot extend ID '{0}' in '{1}:{2}'. It is not part of the high state.\n\
                         This is likely due to a missing include statement or an incorrectly typed ID.\n\
                         Ensure that a state with an ID of '{0}' is available\nin environment '{1}' and to SLS '{2}'",
                        key_str(&name_key),
                        body.get("__env__").map(Value::to_py_str).unwrap_or_else(|| "base".into()),
                        body.get("__sls__").map(Value::to_py_str).unwrap_or_else(|| "base".into()),
                    ));
                    continue;
                }
                name = ids[0].0.clone();
            }
            if let Some(s) = body.get("__sls__").and_then(Value::as_str) {
                if sls_excludes.iter().any(|e| e == s) {
                    continue;
                }
            }
            let Some(Value::Dict(target)) = high.map.get_mut(&name) else {
                continue;
            };
            for (state, run) in body.map {
                if starts_dunder(&state) {
                    continue;
                }
                let Some(existing) = target.map.get_mut(&state) else {
                    target.map.insert(state, run);
                    continue;
                };
                let Value::List(existing) = existing else {
                    continue;
                };
                let run = match run {
                    Value::List(l) => l,
                    other => vec![other],
                };
                for arg in run {
                    let mut update = false;
                    for hind in 0..existing.len() {
                        if arg.as_str().is_some() && existing[hind].as_str().is_some() {
                            existing[hind] = arg.clone();
                            update = true;
                            continue;
                        }
                        if let (Some(argfirst), Some(valfirst)) = (
                            first_key(&arg).cloned(),
                            first_key(&existing[hind]).cloned(),
                        ) {
                            if argfirst == valfirst {
                                let af = key_str(&argfirst);
                                if REQUISITE_KEYWORDS.contains(&af.as_str()) {
                                    let add = arg.get(&af).cloned().unwrap_or_default();
                                    if let Some(Value::Dict(d)) = existing.get_mut(hind) {
                                        if let Some(slot) = d.map.get_mut(&argfirst) {
                                            extend_list(slot, add);
                                        }
                                    }
                                } else {
                                    existing[hind] = arg.clone();
                                }
                                update = true;
                            }
                            if argfirst == Key::Str("name".into())
                                && first_key(&existing[hind]) == Some(&Key::Str("names".into()))
                            {
                                existing[hind] = arg.clone();
                            }
                        }
                    }
                    if !update {
                        existing.push(arg);
                    }
                }
            }
        }
    }
    errors
}

/// Python `list.extend` on a value that should be a list (a scalar becomes a list).
fn extend_list(slot: &mut Value, add: Value) {
    let items = match add {
        Value::List(l) => l,
        Value::None => Vec::new(),
        other => vec![other],
    };
    match slot {
        Value::List(l) => l.extend(items),
        other => {
            let mut l = vec![std::mem::take(other)];
            l.extend(items);
            *other = Value::List(l);
        }
    }
}

/// `verify_high`: structural checks with Salt's error texts.
pub fn verify_high(high: &Dict) -> Vec<String> {
    let mut errors = Vec::new();
    // reqs[name] = {"state": state, req_val: req_key, ...}
    let mut reqs: indexmap::IndexMap<String, indexmap::IndexMap<String, String>> =
        indexmap::IndexMap::new();
    for (name, body) in high.iter() {
        if starts_dunder(name) {
            continue;
        }
        let sls = sls_of(body);
        if !matches!(name, Key::Str(_)) {
            errors.push(format!(
                "ID '{}' in SLS '{}' is not formed as a string, but is a {}. It may need to be quoted.",
                name,
                sls,
                name.to_value().type_name()
            ));
        }
        let name_s = key_str(name);
        let Some(bd) = body.as_dict() else {
            errors.push(format!(
                "The type {} in {} is not formatted as a dictionary",
                name_s,
                rsalt_data::repr::repr(body)
            ));
            continue;
        };
        for (state, run) in bd.iter() {
            if starts_dunder(state) {
                continue;
            }
            let state_s = key_str(state);
            if run.is_none() {
                errors.push(format!(
                    "ID '{name_s}' in SLS '{sls}' contains a short declaration ({state_s}) with a trailing colon. When not passing any arguments to a state, the colon must be omitted."
                ));
                continue;
            }
            let Some(run) = run.as_list() else {
                errors.push(format!(
                    "State '{name_s}' in SLS '{sls}' is not formed as a list"
                ));
                continue;
            };
            let mut fun = 0;
            if state_s.contains('.') {
                fun += 1;
            }
            for arg in run {
                match arg {
                    Value::Str(a) => {
                        fun += 1;
                        if a.trim().contains(' ') {
                            errors.push(format!(
                                "The function \"{a}\" in state \"{name_s}\" in SLS \"{sls}\" has whitespace, a function with whitespace is not supported, perhaps this is an argument that is missing a \":\""
                            ));
                        }
                    }
                    Value::Dict(ad) => {
                        let Some((argfirst, argval)) = ad.map.iter().next() else {
                            continue;
                        };
                        let argfirst = key_str(argfirst);
                        if argfirst == "names" && argval.as_list().is_none() {
                            errors.push(format!(
                                "The 'names' argument in state '{name_s}' in SLS '{sls}' needs to be formed as a list"
                            ));
                        }
                        if ["require", "watch", "prereq", "onchanges"].contains(&argfirst.as_str())
                        {
                            match argval.as_list() {
                                None => errors.push(format!(
                                    "The {argfirst} statement in state '{name_s}' in SLS '{sls}' needs to be formed as a list"
                                )),
                                Some(list) => {
                                    let mut entry = indexmap::IndexMap::new();
                                    entry.insert("state".to_string(), state_s.clone());
                                    reqs.insert(name_s.clone(), entry);
                                    for req in list {
                                        let req = match req {
                                            Value::Str(s) => single("id", Value::Str(s.clone())),
                                            other => other.clone(),
                                        };
                                        let Some((rk, rv)) = first_entry(&req) else {
                                            errors.push(format!(
                                                "Requisite declaration {} in SLS {} is not formed as a single key dictionary",
                                                rsalt_data::repr::repr(&req), sls
                                            ));
                                            continue;
                                        };
                                        let rk = key_str(rk);
                                        if rk.contains('.') {
                                            errors.push(format!(
                                                "Invalid requisite type '{rk}' in state '{name_s}', in SLS '{sls}'. Requisite types must not contain dots, did you mean '{}'?",
                                                &rk[..rk.find('.').unwrap_or(rk.len())]
                                            ));
                                        }
                                        if matches!(rv, Value::List(_) | Value::Dict(_)) {
                                            errors.push(format!(
                                                "Illegal requisite \"{}\", please check your syntax.\n",
                                                rsalt_data::repr::repr(rv)
                                            ));
                                            continue;
                                        }
                                        let rv = rv.to_py_str();
                                        if let Some(e) = reqs.get_mut(&name_s) {
                                            e.insert(rv.clone(), rk.clone());
                                        }
                                        let recursive = reqs.get(&rv).is_some_and(|other| {
                                            other.get(&name_s) == Some(&state_s)
                                                && other.get("state")
                                                    == reqs.get(&name_s).and_then(|m| m.get(&rv))
                                        });
                                        if recursive {
                                            errors.push(format!(
                                                "A recursive requisite was found, SLS \"{sls}\" ID \"{name_s}\" ID \"{rv}\""
                                            ));
                                        }
                                    }
                                }
                            }
                        }
                        if ad.len() != 1 {
                            errors.push(format!(
                                "Multiple dictionaries defined in argument of state '{name_s}' in SLS '{sls}'"
                            ));
                        }
                    }
                    _ => {}
                }
            }
            if fun == 0 {
                if state_s == "require" || state_s == "watch" {
                    continue;
                }
                errors.push(format!(
                    "No function declared in state '{name_s}' in SLS '{sls}'"
                ));
            } else if fun > 1 {
                let mut funs: Vec<String> = Vec::new();
                if let Some((_, f)) = state_s.split_once('.') {
                    funs.push(f.to_string());
                }
                funs.extend(run.iter().filter_map(|a| a.as_str().map(String::from)));
                errors.push(format!(
                    "Too many functions declared in state '{name_s}' in SLS '{sls}'. Please choose one of the following: {}",
                    funs.join(", ")
                ));
            }
        }
    }
    errors
}

/// Adds `{rkey: [{state: id}]}` to `extend[name][_state]`, merging with an existing rkey.
/// The state declaring a `*_in` requisite: its state module, ID, `__env__` and `__sls__`.
struct ReqOrigin<'a> {
    state: &'a str,
    id: &'a Key,
    env: &'a Value,
    sls: &'a Value,
}

fn add_extend(extend: &mut Dict, name: &Key, req_state: &str, rkey: &str, origin: &ReqOrigin<'_>) {
    let ReqOrigin {
        state,
        id,
        env,
        sls,
    } = *origin;
    let entry = extend
        .map
        .entry(name.clone())
        .or_insert_with(|| Value::Dict(Dict::ordered()));
    let Value::Dict(ed) = entry else { return };
    let slot = ed
        .map
        .entry(Key::Str(req_state.to_string()))
        .or_insert_with(|| Value::List(Vec::new()));
    let new_ref = single(state, id.to_value());
    let mut found = false;
    if let Value::List(items) = slot {
        for item in items.iter_mut() {
            if first_key(item) == Some(&Key::Str(rkey.to_string())) {
                if let Some(Value::List(l)) = item.as_dict_mut().and_then(|d| d.get_mut(rkey)) {
                    l.push(new_ref.clone());
                }
                found = true;
            }
        }
        if !found {
            items.push(single(rkey, Value::List(vec![new_ref])));
        }
    }
    ed.insert("__env__", env.clone());
    ed.insert("__sls__", sls.clone());
}

fn push_extend_arg(extend: &mut Dict, id: &Key, state: &str, arg: Value) {
    let entry = extend
        .map
        .entry(id.clone())
        .or_insert_with(|| Value::Dict(Dict::ordered()));
    if let Value::Dict(ed) = entry {
        let slot = ed
            .map
            .entry(Key::Str(state.to_string()))
            .or_insert_with(|| Value::List(Vec::new()));
        if let Value::List(l) = slot {
            l.push(arg);
        }
    }
}

/// `requisite_in`: turns `*_in`, `use`, `prereq` into forward requisites (via extend).
pub fn requisite_in(high: &mut Dict, disabled: &[String]) -> Vec<String> {
    const REQ_IN: &[&str] = &[
        "require_in",
        "watch_in",
        "onfail_in",
        "onchanges_in",
        "use",
        "use_in",
        "prereq",
        "prereq_in",
    ];
    let mut req_in_all: Vec<&str> = REQ_IN.to_vec();
    req_in_all.extend(["require", "watch", "onfail", "onfail_stop", "onchanges"]);
    let mut extend = Dict::ordered();
    let mut errors = Vec::new();
    let snapshot = high.clone();
    for (id, body) in snapshot.iter() {
        let Some(bd) = body.as_dict() else { continue };
        let env = bd.get("__env__").cloned().unwrap_or_default();
        let sls = bd.get("__sls__").cloned().unwrap_or_default();
        let sls_s = sls.to_py_str();
        for (state, run) in bd.iter() {
            if starts_dunder(state) {
                continue;
            }
            let state = key_str(state);
            let origin = ReqOrigin {
                state: &state,
                id,
                env: &env,
                sls: &sls,
            };
            let Some(run) = run.as_list() else { continue };
            for arg in run {
                let Some(ad) = arg.as_dict() else { continue };
                let Some((key, items)) = ad.map.iter().next() else {
                    continue;
                };
                let key = key_str(key);
                if !REQ_IN.contains(&key.as_str()) {
                    continue;
                }
                if disabled.iter().any(|d| d == &key) {
                    tracing::warn!(requisite = %key, "The requisite has been disabled, ignoring.");
                    continue;
                }
                let rkey = key.split('_').next().unwrap_or(&key).to_string();
                if let Value::Dict(items) = items {
                    for (req_state, name) in items.iter() {
                        let mut req_state = key_str(req_state);
                        let name_key = Key::from_value(name).unwrap_or(Key::None);
                        if req_state.contains('.') {
                            errors.push(format!(
                                "Invalid requisite in {rkey}: {req_state} for {}, in SLS '{sls_s}'. Requisites must not contain dots, did you mean '{}'?",
                                name.to_py_str(),
                                &req_state[..req_state.find('.').unwrap_or(0)]
                            ));
                            req_state = req_state.split('.').next().unwrap_or("").to_string();
                        }
                        add_extend(&mut extend, &name_key, &req_state, &rkey, &origin);
                    }
                }
                if let Value::List(items) = items {
                    let mut hinges: Vec<(Key, String)> = Vec::new();
                    for ind in items {
                        let ind: Value = if ind.as_dict().is_none() {
                            // A bare ID or name.
                            let ind_s = ind.to_py_str();
                            if let Some(b) = snapshot.get(&ind_s).and_then(Value::as_dict) {
                                match b.map.keys().find(|k| !starts_dunder(k)) {
                                    Some(st) => single(&key_str(st), ind.clone()),
                                    None => continue,
                                }
                            } else {
                                let mut found: Option<Value> = None;
                                for (nid, nb) in snapshot.iter() {
                                    let Some(nbd) = nb.as_dict() else { continue };
                                    for (st8, sr) in nbd.iter() {
                                        if starts_dunder(st8) {
                                            continue;
                                        }
                                        for j in sr.as_list().into_iter().flatten() {
                                            if j.get("name") == Some(ind) {
                                                found = Some(single(&key_str(st8), nid.to_value()));
                                            }
                                        }
                                    }
                                }
                                match found {
                                    Some(f) => f,
                                    None => continue,
                                }
                            }
                        } else {
                            ind.clone()
                        };
                        let Some((pstate, pname)) = first_entry(&ind) else {
                            continue;
                        };
                        let mut pstate = key_str(pstate);
                        let pname_s = pname.to_py_str();
                        if pstate == "sls" {
                            hinges = find_sls_ids(&pname_s, &snapshot);
                        } else {
                            hinges.push((
                                Key::from_value(pname).unwrap_or(Key::None),
                                pstate.clone(),
                            ));
                        }
                        if pstate.contains('.') {
                            errors.push(format!(
                                "Invalid requisite in {rkey}: {pstate} for {pname_s}, in SLS '{sls_s}'. Requisites must not contain dots, did you mean '{}'?",
                                &pstate[..pstate.find('.').unwrap_or(0)]
                            ));
                            pstate = pstate.split('.').next().unwrap_or("").to_string();
                        }
                        let _ = &pstate;
                        for (name, req_state) in hinges.clone() {
                            let name_s = key_str(&name);
                            if key == "prereq_in" {
                                push_extend_arg(
                                    &mut extend,
                                    id,
                                    &state,
                                    single(
                                        "prerequired",
                                        Value::List(vec![single(&req_state, name.to_value())]),
                                    ),
                                );
                            }
                            if key == "prereq" {
                                for (ext_id, rs) in find_name(&name_s, &req_state, &snapshot, true)
                                {
                                    push_extend_arg(
                                        &mut extend,
                                        &ext_id,
                                        &rs,
                                        single(
                                            "prerequired",
                                            Value::List(vec![single(&state, id.to_value())]),
                                        ),
                                    );
                                }
                                continue;
                            }
                            if key == "use_in" {
                                for (ext_id, rs) in find_name(&name_s, &req_state, &snapshot, true)
                                {
                                    let ext_args = state_args(&ext_id, &rs, &snapshot);
                                    let own = snapshot
                                        .map
                                        .get(id)
                                        .and_then(|b| b.get(&state))
                                        .and_then(Value::as_list)
                                        .cloned()
                                        .unwrap_or_default();
                                    // Make sure the entry exists even if nothing is added.
                                    push_extend_placeholder(&mut extend, &ext_id, &rs);
                                    for a in own {
                                        if let Some(k) = single_key(&a) {
                                            if req_in_all.contains(&k.as_str())
                                                || ext_args.contains(&k)
                                                || k == "name"
                                                || k == "names"
                                            {
                                                continue;
                                            }
                                            push_extend_arg(&mut extend, &ext_id, &rs, a);
                                        }
                                    }
                                }
                                continue;
                            }
                            if key == "use" {
                                for (ext_id, rs) in find_name(&name_s, &req_state, &snapshot, true)
                                {
                                    let loc_args = state_args(id, &state, &snapshot);
                                    push_extend_placeholder(&mut extend, id, &state);
                                    let theirs = snapshot
                                        .map
                                        .get(&ext_id)
                                        .and_then(|b| b.get(&rs))
                                        .and_then(Value::as_list)
                                        .cloned()
                                        .unwrap_or_default();
                                    for a in theirs {
                                        if let Some(k) = single_key(&a) {
                                            if req_in_all.contains(&k.as_str())
                                                || loc_args.contains(&k)
                                                || k == "name"
                                                || k == "names"
                                            {
                                                continue;
                                            }
                                            push_extend_arg(&mut extend, id, &state, a);
                                        }
                                    }
                                }
                                continue;
                            }
                            add_extend(&mut extend, &name, &req_state, &rkey, &origin);
                        }
                    }
                }
            }
        }
    }
    let ext_list: Vec<Value> = extend
        .map
        .into_iter()
        .map(|(k, v)| {
            let mut d = Dict::ordered();
            d.map.insert(k, v);
            Value::Dict(d)
        })
        .collect();
    high.insert("__extend__", Value::List(ext_list));
    errors.extend(reconcile_extend(high, true));
    errors
}

fn push_extend_placeholder(extend: &mut Dict, id: &Key, state: &str) {
    let entry = extend
        .map
        .entry(id.clone())
        .or_insert_with(|| Value::Dict(Dict::ordered()));
    if let Value::Dict(ed) = entry {
        ed.map
            .entry(Key::Str(state.to_string()))
            .or_insert_with(|| Value::List(Vec::new()));
    }
}

fn single_key(v: &Value) -> Option<String> {
    let d = v.as_dict()?;
    if d.len() != 1 {
        return None;
    }
    d.map.keys().next().map(key_str)
}

/// `apply_exclude`: removes excluded IDs and SLS (globs allowed) from the high data.
pub fn apply_exclude(high: &mut Dict) {
    let Some(exclude) = high.remove("__exclude__") else {
        return;
    };
    let mut ex_sls: Vec<String> = Vec::new();
    let mut ex_id: Vec<String> = Vec::new();
    for exc in exclude.as_list().into_iter().flatten() {
        match exc {
            Value::Str(s) => ex_sls.push(s.clone()),
            Value::Dict(d) if d.len() == 1 => {
                if let Some(v) = d.get("sls") {
                    ex_sls.push(v.to_py_str());
                } else if let Some(v) = d.get("id") {
                    ex_id.push(v.to_py_str());
                }
            }
            _ => {}
        }
    }
    if !ex_sls.is_empty() {
        for (name, body) in high.iter() {
            if starts_dunder(name) {
                continue;
            }
            let sls = sls_of(body);
            if sls.is_empty() {
                continue;
            }
            if ex_sls.iter().any(|p| fnmatch(&sls, p)) {
                ex_id.push(key_str(name));
            }
        }
    }
    for id in ex_id {
        high.remove(&id);
    }
}

/// `compile_high_data`: expands IDs into low chunks (one per function and per `names`
/// entry) and orders them.
pub fn compile_high_data(high: &Dict) -> Vec<Dict> {
    let mut chunks: Vec<Dict> = Vec::new();
    for (name, body) in high.iter() {
        if starts_dunder(name) {
            continue;
        }
        let Some(bd) = body.as_dict() else { continue };
        for (state, run) in bd.iter() {
            if starts_dunder(state) {
                continue;
            }
            let mut funcs: Vec<String> = Vec::new();
            let mut names: Vec<Value> = Vec::new();
            let mut chunk = Dict::new();
            chunk.insert("state", state.to_value());
            chunk.insert("name", name.to_value());
            for k in ["__sls__", "__env__", "__sls_included_from__"] {
                if let Some(v) = bd.get(k) {
                    chunk.insert(k, v.clone());
                }
            }
            chunk.insert("__id__", name.to_value());
            for arg in run.as_list().into_iter().flatten() {
                match arg {
                    Value::Str(f) if !funcs.contains(f) => funcs.push(f.clone()),
                    Value::Str(_) => {}
                    Value::Dict(ad) => {
                        for (k, v) in ad.iter() {
                            match k.as_str() {
                                Some("names") => {
                                    for n in v.as_list().into_iter().flatten() {
                                        if !names.contains(n) {
                                            names.push(n.clone());
                                        }
                                    }
                                }
                                Some("state") => {}
                                Some("name") if v.as_str().is_none() => {
                                    chunk.insert("name", name.to_value());
                                }
                                _ => {
                                    chunk.map.insert(k.clone(), v.clone());
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            if !names.is_empty() {
                for (i, entry) in names.iter().enumerate() {
                    let mut live = chunk.clone();
                    match entry {
                        Value::Dict(ed) => {
                            if let Some((low_name, overrides)) = ed.map.iter().next() {
                                live.insert("name", low_name.to_value());
                                for o in overrides.as_list().into_iter().flatten() {
                                    if let Some(od) = o.as_dict() {
                                        for (k, v) in od.iter() {
                                            live.map.insert(k.clone(), v.clone());
                                        }
                                    }
                                }
                            }
                        }
                        other => {
                            live.insert("name", other.clone());
                        }
                    }
                    live.insert("name_order", Value::Int(i as i64 + 1));
                    for f in &funcs {
                        let mut c = live.clone();
                        c.insert("fun", Value::Str(f.clone()));
                        chunks.push(c);
                    }
                }
            } else {
                for f in &funcs {
                    let mut c = chunk.clone();
                    c.insert("fun", Value::Str(f.clone()));
                    chunks.push(c);
                }
            }
        }
    }
    order_chunks(&mut chunks);
    chunks
}

fn order_num(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

/// `order_chunks`: resolves `order` (`first`, `last`, numbers, `names` sub-order) and
/// sorts stably by `(order, state+name+fun)`.
pub fn order_chunks(chunks: &mut [Dict]) {
    let mut cap: i64 = 1;
    for c in chunks.iter() {
        if let Some(Value::Int(o)) = c.get("order") {
            if *o > cap - 1 && *o > 0 {
                cap = o + 100;
            }
        }
    }
    for c in chunks.iter_mut() {
        let Some(order) = c.get("order").cloned() else {
            c.insert("order", Value::Int(cap));
            continue;
        };
        let mut o = match order_num(&order) {
            Some(_) => order.clone(),
            None => match order.as_str() {
                Some("last") => Value::Int(cap + 1_000_000),
                Some("first") => Value::Int(0),
                _ => Value::Int(cap),
            },
        };
        if let Some(no) = c.remove("name_order") {
            let n = order_num(&no).unwrap_or(0.0);
            o = Value::Float(order_num(&o).unwrap_or(0.0) + n / 10000.0);
        }
        if order_num(&o).unwrap_or(0.0) < 0.0 {
            o = match o {
                Value::Int(i) => Value::Int(cap + 1_000_000 + i),
                other => Value::Float((cap + 1_000_000) as f64 + order_num(&other).unwrap_or(0.0)),
            };
        }
        c.insert("order", o);
    }
    chunks.sort_by(|a, b| {
        let oa = a.get("order").and_then(order_num).unwrap_or(0.0);
        let ob = b.get("order").and_then(order_num).unwrap_or(0.0);
        oa.partial_cmp(&ob)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| sort_name(a).cmp(&sort_name(b)))
    });
}

fn sort_name(c: &Dict) -> String {
    format!(
        "{}{}{}",
        c.get("state").map(Value::to_py_str).unwrap_or_default(),
        c.get("name").map(Value::to_py_str).unwrap_or_default(),
        c.get("fun").map(Value::to_py_str).unwrap_or_default()
    )
}

/// Salt's running-dict tag for a chunk: `state_|-id_|-name_|-fun`.
pub fn gen_tag(low: &Dict) -> String {
    format!(
        "{}_|-{}_|-{}_|-{}",
        low.get("state").map(Value::to_py_str).unwrap_or_default(),
        low.get("__id__").map(Value::to_py_str).unwrap_or_default(),
        low.get("name").map(Value::to_py_str).unwrap_or_default(),
        low.get("fun").map(Value::to_py_str).unwrap_or_default()
    )
}

/// The whole compile step of `call_high`: extend, verify, requisite_in, exclude, compile.
/// Returns the ordered chunks or the list of errors.
pub fn compile(mut high: Dict, disabled_requisites: &[String]) -> Result<Vec<Dict>, Vec<String>> {
    let mut errors = reconcile_extend(&mut high, false);
    errors.extend(verify_high(&high));
    if !errors.is_empty() {
        return Err(errors);
    }
    errors.extend(requisite_in(&mut high, disabled_requisites));
    apply_exclude(&mut high);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(compile_high_data(&high))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn high_from_json(j: &str) -> Dict {
        match Value::from_json(&serde_json::from_str(j).expect("json")) {
            Value::Dict(d) => d,
            _ => panic!("not a dict"),
        }
    }

    #[test]
    fn names_expand_and_order() {
        let high = high_from_json(
            r#"{"pkgs": {"__sls__": "a", "__env__": "base",
                 "test": ["nop", {"names": ["b", "a"]}, {"order": 10000}]},
                "first": {"__sls__": "a", "__env__": "base", "test": ["nop", {"order": "first"}]}}"#,
        );
        let chunks = compile(high, &[]).expect("compiles");
        let names: Vec<String> = chunks
            .iter()
            .map(|c| c.get("name").unwrap().to_py_str())
            .collect();
        assert_eq!(names, vec!["first", "b", "a"]);
        assert_eq!(chunks[1].get("order"), Some(&Value::Float(10000.0001)));
    }

    #[test]
    fn require_in_becomes_require() {
        let high = high_from_json(
            r#"{"a": {"__sls__": "s", "__env__": "base", "test": ["nop", {"require_in": [{"test": "b"}]}]},
                "b": {"__sls__": "s", "__env__": "base", "test": ["nop"]}}"#,
        );
        let chunks = compile(high, &[]).expect("compiles");
        let b = chunks
            .iter()
            .find(|c| c.get("__id__").unwrap().as_str() == Some("b"))
            .unwrap();
        assert_eq!(
            b.get("require").map(|v| v.to_json()),
            Some(serde_json::json!([{"test": "a"}]))
        );
    }

    #[test]
    fn two_functions_is_an_error() {
        let high = high_from_json(
            r#"{"a": {"__sls__": "s", "__env__": "base", "test": ["nop", "succeed_with_changes"]}}"#,
        );
        let err = compile(high, &[]).expect_err("must fail");
        assert!(err[0].starts_with("Too many functions declared in state 'a' in SLS 's'"));
    }
}
