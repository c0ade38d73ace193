//! `check_requisite`: the status of a chunk's requisites given what has run.

use super::StateRunner;
use rsalt_data::{Dict, Value};
use rsalt_sls::compile::gen_tag;
use rsalt_sls::fnmatch::fnmatch;

/// The outcome of checking a chunk's requisites (Salt's status strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    Met,
    Unmet,
    Fail,
    Pre,
    Onfail,
    Onchanges,
    Change,
}

/// `trim_req`: `{file.managed: x}` → `("file", Some("x"))`; a bare string is an `id`.
pub(super) fn trim_req(req: &Value) -> Option<(String, Option<String>)> {
    match req {
        Value::Str(s) => Some(("id".into(), Some(s.clone()))),
        Value::Dict(d) => {
            let (k, v) = d.map.iter().next()?;
            let k = k.to_string();
            let k = k.split('.').next().unwrap_or("").to_string();
            let v = match v {
                Value::None => None,
                other => Some(other.to_py_str()),
            };
            Some((k, v))
        }
        _ => None,
    }
}

/// Whether `chunk` is named by the requisite `req_key: req_val` (`sls` matches the chunk's SLS
/// or an SLS that included it; otherwise the name or ID as a glob, and the state module
/// unless the key is `id`).
pub(super) fn req_matches(chunk: &Dict, req_key: &str, req_val: &str) -> bool {
    let text = |k: &str| chunk.get(k).map(Value::to_py_str).unwrap_or_default();
    if req_key == "sls" {
        let included = chunk
            .get("__sls_included_from__")
            .and_then(Value::as_list)
            .is_some_and(|l| l.iter().any(|x| x.to_py_str() == req_val));
        return fnmatch(&text("__sls__"), req_val) || included;
    }
    (fnmatch(&text("name"), req_val) || fnmatch(&text("__id__"), req_val))
        && (req_key == "id" || text("state") == req_key)
}

const REQ_TYPES: &[&str] = &[
    "require",
    "require_any",
    "watch",
    "watch_any",
    "prereq",
    "onfail",
    "onfail_any",
    "onfail_all",
    "onchanges",
    "onchanges_any",
];

fn move_into(low: &mut Dict, from: &str, to: &str) {
    if let Some(w) = low.remove(from) {
        let items = w.as_list().cloned().unwrap_or_default();
        match low.get_mut(to) {
            Some(Value::List(r)) => r.extend(items),
            _ => {
                low.insert(to, Value::List(items));
            }
        }
    }
}

impl StateRunner<'_> {
    /// Returns the status and, per requisite type, the indices of the chunks it names.
    #[allow(clippy::type_complexity)]
    pub(super) fn check_requisite(
        &mut self,
        idx: usize,
        chunks: &mut [Dict],
        running: &Dict,
        pre: bool,
    ) -> Result<(Status, Vec<(String, Vec<usize>)>), Vec<String>> {
        let state = chunks[idx]
            .get("state")
            .map(Value::to_py_str)
            .unwrap_or_default();
        let has_mod_watch = self.has_mod_watch(&state);
        let low = &mut chunks[idx];
        let mut present = false;
        if low.contains_key("watch") {
            if !has_mod_watch {
                move_into(low, "watch", "require");
            } else {
                present = true;
            }
        }
        if low.contains_key("watch_any") {
            if !has_mod_watch {
                move_into(low, "watch_any", "require_any");
            } else {
                present = true;
            }
        }
        for k in [
            "require",
            "require_any",
            "prerequired",
            "prereq",
            "onfail",
            "onfail_any",
            "onfail_all",
            "onchanges",
            "onchanges_any",
        ] {
            if low.contains_key(k) {
                present = true;
            }
        }
        if !present {
            return Ok((Status::Met, Vec::new()));
        }
        let mut types: Vec<&str> = REQ_TYPES.to_vec();
        if pre {
            types.push("prerequired");
        }
        let mut reqs: Vec<(String, Vec<usize>)> =
            types.iter().map(|t| (t.to_string(), Vec::new())).collect();
        let low = chunks[idx].clone();
        for (ri, r_state) in types.iter().enumerate() {
            let Some(list) = low.get(r_state) else {
                continue;
            };
            if list.is_none() {
                continue;
            }
            if self.disabled_requisites.iter().any(|d| d == r_state) {
                tracing::warn!(
                    requisite = r_state,
                    "The requisite has been disabled, ignoring."
                );
                continue;
            }
            for req in list.as_list().cloned().unwrap_or_default() {
                let Some((req_key, req_val)) = trim_req(&req) else {
                    continue;
                };
                let Some(req_val) = req_val else { continue };
                let mut found = false;
                for (ci, chunk) in chunks.iter().enumerate() {
                    if req_matches(chunk, &req_key, &req_val) {
                        found = true;
                        reqs[ri].1.push(ci);
                    }
                }
                if !found {
                    return Ok((Status::Unmet, Vec::new()));
                }
            }
        }
        let mut fun_stats: Vec<&'static str> = Vec::new();
        for (r_state, idxs) in &reqs {
            let mut req_stats: Vec<&'static str> = Vec::new();
            let add = |s: &mut Vec<&'static str>, v: &'static str| {
                if !s.contains(&v) {
                    s.push(v)
                }
            };
            let use_pre = r_state.starts_with("prereq") && !r_state.starts_with("prerequired");
            for ci in idxs {
                let tag = gen_tag(&chunks[*ci]);
                let run = if use_pre {
                    self.pre.get(&tag)
                } else {
                    running.get(&tag)
                };
                let Some(run) = run else {
                    add(&mut req_stats, "unmet");
                    continue;
                };
                let result = run.get("result").cloned().unwrap_or_default();
                if r_state.starts_with("onfail") {
                    if result == Value::Bool(true) {
                        add(&mut req_stats, "onfail");
                        continue;
                    }
                } else if result == Value::Bool(false) {
                    add(&mut req_stats, "fail");
                    continue;
                }
                let changed = run.get("changes").is_some_and(Value::truthy);
                if r_state.starts_with("onchanges") {
                    add(
                        &mut req_stats,
                        if changed { "onchangesmet" } else { "onchanges" },
                    );
                    continue;
                }
                if r_state.starts_with("watch") && changed {
                    add(&mut req_stats, "change");
                    continue;
                }
                let is_pre = r_state.starts_with("prereq") && !r_state.starts_with("prerequired");
                if r_state.starts_with("prereq") && result.is_none() && is_pre {
                    add(&mut req_stats, "premet");
                }
                if r_state.starts_with("prereq") && !result.is_none() {
                    if is_pre {
                        add(&mut req_stats, "pre");
                    }
                } else if run.get("__state_ran__").map(Value::truthy).unwrap_or(true) {
                    add(&mut req_stats, "met");
                }
            }
            let remove = |s: &mut Vec<&'static str>, v: &str| s.retain(|x| *x != v);
            if r_state.ends_with("_any") || r_state == "onfail" {
                if req_stats.contains(&"met") || req_stats.contains(&"change") {
                    remove(&mut req_stats, "fail");
                }
                if req_stats.contains(&"onchangesmet") {
                    remove(&mut req_stats, "onchanges");
                    remove(&mut req_stats, "fail");
                }
                if req_stats.contains(&"onfail") && req_stats.contains(&"met") {
                    remove(&mut req_stats, "onfail");
                }
            }
            if r_state.ends_with("_all")
                && req_stats.contains(&"onfail")
                && req_stats.contains(&"met")
            {
                remove(&mut req_stats, "met");
            }
            for s in req_stats {
                if !fun_stats.contains(&s) {
                    fun_stats.push(s);
                }
            }
        }
        let has = |s: &str| fun_stats.contains(&s);
        let status = if has("unmet") {
            Status::Unmet
        } else if has("fail") {
            Status::Fail
        } else if has("pre") {
            if has("premet") {
                Status::Met
            } else {
                Status::Pre
            }
        } else if has("onfail") && !has("onchangesmet") {
            Status::Onfail
        } else if has("onchanges") && !has("onchangesmet") {
            Status::Onchanges
        } else if has("change") {
            Status::Change
        } else if has("onfail") {
            Status::Onfail
        } else {
            Status::Met
        };
        Ok((status, reqs))
    }
}
