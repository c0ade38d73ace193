//! The state runner: executes ordered low chunks with Salt's requisite semantics
//! (`require`, `watch`/`mod_watch`, `onchanges`, `onfail`, `prereq`, `listen`, their
//! `_any`/`_all` forms), guards (`unless`, `onlyif`, `creates`, `check_cmd`), `failhard`,
//! `test=True`, and the return structure (`__run_num__`, `__sls__`, `__id__`,
//! `start_time`, `duration`). It mirrors Salt's `State.call_high`/`call_chunks`.

mod guards;
mod requisites;

use crate::state::{Registry, StateCall, StateReturn};
use crate::RunContext;
use requisites::Status;
use rsalt_data::{Dict, Key, Value};
use rsalt_sls::compile::{self, gen_tag};
use rsalt_sls::fnmatch::fnmatch;
use std::collections::HashSet;
use std::time::Instant;

/// Runs states for one `state.*` call.
pub struct StateRunner<'a> {
    ctx: &'a RunContext,
    registry: &'a Registry,
    test: bool,
    failhard: bool,
    run_num: i64,
    pre: Dict,
    active: HashSet<String>,
    disabled_requisites: Vec<String>,
    /// The chunks of the current run (Salt's `__lowstate__`), for states that need it.
    lowstate: Vec<Dict>,
}

/// The wall-clock start of a state, as Salt reports it: local `time().isoformat()`
/// (`HH:MM:SS.ffffff`, no fraction when it is zero).
fn local_time_of_day() -> String {
    let now = chrono::Local::now();
    if now.timestamp_subsec_micros() == 0 {
        now.format("%H:%M:%S").to_string()
    } else {
        now.format("%H:%M:%S%.6f").to_string()
    }
}

fn ms_since(start: Instant) -> f64 {
    (start.elapsed().as_micros() as f64) / 1000.0
}

fn fake_timing() -> (String, f64) {
    (local_time_of_day(), 0.0)
}

impl<'a> StateRunner<'a> {
    /// A runner over `ctx` with the state modules in `registry`.
    pub fn new(ctx: &'a RunContext, registry: &'a Registry, test: bool) -> Self {
        let failhard = ctx.opt("failhard").is_some_and(Value::truthy);
        let disabled_requisites = match ctx.opt("disabled_requisites") {
            Some(Value::List(l)) => l.iter().map(Value::to_py_str).collect(),
            Some(Value::Str(s)) => vec![s.clone()],
            _ => Vec::new(),
        };
        StateRunner {
            ctx,
            registry,
            test,
            failhard,
            run_num: 0,
            pre: Dict::new(),
            active: HashSet::new(),
            disabled_requisites,
            lowstate: Vec::new(),
        }
    }

    /// `call_high`: compile high data and run it. Errors are Salt's error list.
    pub fn call_high(&mut self, high: Dict) -> Result<Dict, Vec<String>> {
        let mut chunks = compile::compile(high, &self.disabled_requisites)?;
        self.lowstate = chunks.clone();
        let running = self.call_chunks(&mut chunks);
        let result = running.and_then(|r| self.call_listen(&chunks, r));
        // Salt deletes the accumulator data at the end of every state run.
        crate::state::file::accumulated::clear();
        result
    }

    /// `call_high` after the compile step: runs chunks compiled elsewhere (the master) with
    /// listen/watch handling and the end-of-run cleanup.
    pub fn call_compiled(&mut self, mut chunks: Vec<Dict>) -> Result<Dict, Vec<String>> {
        self.lowstate = chunks.clone();
        let running = self.call_chunks(&mut chunks);
        let result = running.and_then(|r| self.call_listen(&chunks, r));
        crate::state::file::accumulated::clear();
        result
    }

    /// Runs already-compiled chunks (used by `state.single` and `call_high`).
    pub fn call_chunks(&mut self, chunks: &mut Vec<Dict>) -> Result<Dict, Vec<String>> {
        let mut running = Dict::new();
        for idx in 0..chunks.len() {
            if running.remove("__FAILHARD__").is_some() {
                return Ok(running);
            }
            let tag = gen_tag(&chunks[idx]);
            if !running.contains_key(&tag) {
                self.call_chunk(idx, chunks, &mut running, 0)?;
                if self.check_failhard(&chunks[idx], &running) {
                    return Ok(running);
                }
            }
            self.active.clear();
        }
        running.remove("__FAILHARD__");
        Ok(running)
    }

    /// Runs the chunk at `idx` (and, as needed, its requisites among `chunks`) in a fresh
    /// running dict: Salt's `call_chunk(chunk, {}, chunks)` as `state.sls_id` uses it.
    pub fn call_one(&mut self, idx: usize, chunks: &mut Vec<Dict>) -> Result<Dict, Vec<String>> {
        let mut running = Dict::new();
        self.lowstate = chunks.clone();
        self.call_chunk(idx, chunks, &mut running, 0)?;
        running.remove("__FAILHARD__");
        Ok(running)
    }

    fn check_failhard(&self, low: &Dict, running: &Dict) -> bool {
        if self.test {
            return false;
        }
        let fh = low
            .get("failhard")
            .map(Value::truthy)
            .unwrap_or(self.failhard);
        let tag = gen_tag(low);
        if fh {
            if let Some(r) = running.get(&tag) {
                return match r.get("result") {
                    Some(Value::None) | None => false,
                    Some(v) => !v.truthy(),
                };
            }
        }
        false
    }

    fn has_mod_watch(&self, state: &str) -> bool {
        self.registry.get(state).is_some_and(|m| m.has_mod_watch())
    }

    fn next_run_num(&mut self) -> i64 {
        let n = self.run_num;
        self.run_num += 1;
        n
    }

    /// A return for a state that did not run (requisite outcome), Salt's key order.
    fn synthetic(
        &mut self,
        low: &Dict,
        result: Value,
        comment: String,
        state_ran: Option<bool>,
    ) -> Value {
        let (start, dur) = fake_timing();
        let mut d = Dict::new();
        d.insert("changes", Value::dict());
        d.insert("result", result);
        d.insert("duration", Value::Float(dur));
        d.insert("start_time", Value::Str(start));
        d.insert("comment", Value::Str(comment));
        if let Some(r) = state_ran {
            d.insert("__state_ran__", Value::Bool(r));
        }
        d.insert("__run_num__", Value::Int(self.next_run_num()));
        for k in ["__sls__", "__id__", "name"] {
            d.insert(k, low.get(k).cloned().unwrap_or_default());
        }
        Value::Dict(d)
    }

    /// The return for a chunk caught in a requisite loop.
    fn recursive_requisite(&mut self, low: &Dict) -> Value {
        let id = low.get("__id__").map(Value::to_py_str).unwrap_or_default();
        tracing::error!(%id, "Recursive requisite found.");
        let mut d = Dict::new();
        d.insert("changes", Value::dict());
        d.insert("result", Value::Bool(false));
        d.insert("comment", Value::from("Recursive requisite found"));
        d.insert("__run_num__", Value::Int(self.next_run_num()));
        for k in ["__sls__", "__id__", "name"] {
            d.insert(k, low.get(k).cloned().unwrap_or_default());
        }
        Value::Dict(d)
    }

    fn call_chunk(
        &mut self,
        idx: usize,
        chunks: &mut Vec<Dict>,
        running: &mut Dict,
        depth: usize,
    ) -> Result<(), Vec<String>> {
        let tag = gen_tag(&chunks[idx]);
        if !chunks[idx].get("prerequired").is_some_and(Value::truthy) {
            self.active.insert(tag.clone());
        }
        let is_prereq = chunks[idx].get("__prereq__").is_some_and(Value::truthy);
        let (status, reqs) = self.check_requisite(idx, chunks, running, !is_prereq)?;
        match status {
            Status::Unmet => {
                let mut requisites = vec![
                    "require",
                    "require_any",
                    "watch",
                    "watch_any",
                    "prereq",
                    "onfail",
                    "onfail_any",
                    "onchanges",
                    "onchanges_any",
                ];
                if !is_prereq {
                    requisites.push("prerequired");
                }
                let mut lost: Vec<(String, Vec<(String, String)>)> = Vec::new();
                let mut to_run: Vec<usize> = Vec::new();
                for requisite in &requisites {
                    let mut lost_here = Vec::new();
                    let reqlist = chunks[idx].get(requisite).and_then(Value::as_list).cloned();
                    for req in reqlist.into_iter().flatten() {
                        let Some((req_key, req_val)) = requisites::trim_req(&req) else {
                            continue;
                        };
                        let mut found = false;
                        let Some(req_val) = req_val else { continue };
                        for (ci, chunk) in chunks.iter_mut().enumerate() {
                            if requisites::req_matches(chunk, &req_key, &req_val) {
                                // Only named chunks carry the prereq flags, as in Salt.
                                if *requisite == "prereq" {
                                    chunk.insert("__prereq__", Value::Bool(true));
                                } else if *requisite == "prerequired" && req_key != "sls" {
                                    chunk.insert("__prerequired__", Value::Bool(true));
                                }
                                to_run.push(ci);
                                found = true;
                            }
                        }
                        if !found {
                            lost_here.push((req_key.clone(), req_val.clone()));
                        }
                    }
                    lost.push((requisite.to_string(), lost_here));
                }
                if lost.iter().any(|(_, l)| !l.is_empty()) {
                    let mut comment = "The following requisites were not found:\n".to_string();
                    for (requisite, lreqs) in &lost {
                        if lreqs.is_empty() {
                            continue;
                        }
                        comment.push_str(&format!("{}{}:\n", " ".repeat(19), requisite));
                        for (k, v) in lreqs {
                            comment.push_str(&format!("{}{}: {}\n", " ".repeat(23), k, v));
                        }
                    }
                    let low = chunks[idx].clone();
                    let ret = self.synthetic(&low, Value::Bool(false), comment, None);
                    if is_prereq {
                        self.pre.insert(tag.as_str(), ret);
                    } else {
                        running.insert(tag.as_str(), ret);
                    }
                    return Ok(());
                }
                let mut last_chunk = idx;
                for ci in to_run {
                    last_chunk = ci;
                    let ctag = gen_tag(&chunks[ci]);
                    if running.contains_key(&ctag) {
                        continue;
                    }
                    if self.active.contains(&ctag) {
                        if chunks[ci].get("__prerequired__").is_some_and(Value::truthy) {
                            if !self.pre.contains_key(&tag) {
                                chunks[idx].insert("__prereq__", Value::Bool(true));
                                let r = self.call(idx, chunks, running);
                                self.pre.insert(ctag.as_str(), r);
                            }
                            return Ok(());
                        }
                        let low = chunks[idx].clone();
                        let r = self.recursive_requisite(&low);
                        running.insert(tag.as_str(), r);
                        return Ok(());
                    }
                    self.call_chunk(ci, chunks, running, 0)?;
                    if self.check_failhard(&chunks[ci], running) {
                        running.insert("__FAILHARD__", Value::Bool(true));
                        return Ok(());
                    }
                }
                if chunks[idx].get("__prereq__").is_some_and(Value::truthy) {
                    let (status, _) = self.check_requisite(idx, chunks, running, false)?;
                    let mut r = self.call(idx, chunks, running);
                    if let Value::Dict(rd) = &mut r {
                        let no_changes = !rd.get("changes").is_some_and(Value::truthy);
                        if no_changes && status == Status::Change {
                            let mut w = Dict::new();
                            w.insert("watch", Value::from("watch"));
                            rd.insert("changes", Value::Dict(w));
                            rd.insert("result", Value::None);
                        }
                    }
                    self.pre.insert(tag.as_str(), r);
                } else if depth + 1 >= 20 {
                    let low = chunks[idx].clone();
                    let r = self.recursive_requisite(&low);
                    running.insert(tag.as_str(), r);
                } else {
                    self.call_chunk(idx, chunks, running, depth + 1)?;
                }
                if self.check_failhard(&chunks[last_chunk], running) {
                    running.insert("__FAILHARD__", Value::Bool(true));
                }
                return Ok(());
            }
            Status::Met => {
                let r = self.call(idx, chunks, running);
                if is_prereq {
                    self.pre.insert(tag.as_str(), r);
                } else {
                    running.insert(tag.as_str(), r);
                }
            }
            Status::Fail => {
                let low = chunks[idx].clone();
                if let Some(prev) = self.pre.get(&tag).cloned() {
                    let mut prev = prev;
                    if let Value::Dict(p) = &mut prev {
                        if p.get("changes").is_some_and(Value::truthy) {
                            p.insert("changes", Value::dict());
                        }
                        p.insert("__run_num__", Value::Int(self.run_num));
                        for k in ["__sls__", "__id__", "name"] {
                            p.insert(k, low.get(k).cloned().unwrap_or_default());
                        }
                    }
                    running.insert(tag.as_str(), prev);
                } else {
                    let mut failed: Vec<String> = Vec::new();
                    for (_, req_idxs) in &reqs {
                        for ri in req_idxs {
                            let rl = &chunks[*ri];
                            let rtag = gen_tag(rl);
                            let rret = self.pre.get(&rtag).or_else(|| running.get(&rtag));
                            let Some(rret) = rret else { continue };
                            if rret.get("result") == Some(&Value::Bool(false)) {
                                let key = format!(
                                    "{}.{}",
                                    rl.get("__sls__").map(Value::to_py_str).unwrap_or_default(),
                                    rl.get("__id__").map(Value::to_py_str).unwrap_or_default()
                                );
                                if !failed.contains(&key) {
                                    failed.push(key);
                                }
                            }
                        }
                    }
                    let comment = format!("One or more requisite failed: {}", failed.join(", "));
                    let (start, dur) = fake_timing();
                    let mut d = Dict::new();
                    d.insert("changes", Value::dict());
                    d.insert("result", Value::Bool(false));
                    d.insert("duration", Value::Float(dur));
                    d.insert("start_time", Value::Str(start));
                    d.insert("comment", Value::Str(comment));
                    d.insert("__run_num__", Value::Int(self.run_num));
                    for k in ["__sls__", "__id__", "name"] {
                        d.insert(k, low.get(k).cloned().unwrap_or_default());
                    }
                    running.insert(tag.as_str(), Value::Dict(d.clone()));
                    self.pre.insert(tag.as_str(), Value::Dict(d));
                }
                self.run_num += 1;
            }
            Status::Change if !is_prereq => {
                let mut ret = self.call(idx, chunks, running);
                let no_changes = !ret.get("changes").is_some_and(Value::truthy);
                let skip_watch = ret.get("skip_watch").is_some_and(Value::truthy);
                if no_changes && !skip_watch {
                    let mut low = chunks[idx].clone();
                    let fun = low.get("fun").cloned().unwrap_or_default();
                    low.insert("sfun", fun);
                    low.insert("fun", Value::from("mod_watch"));
                    let mut reqv = Dict::new();
                    for (rtype, idxs) in &reqs {
                        let list: Vec<Value> = idxs
                            .iter()
                            .map(|ri| {
                                let mut c = chunks[*ri].clone();
                                let ctag = gen_tag(&c);
                                let changed = running
                                    .get(&ctag)
                                    .and_then(|r| r.get("changes"))
                                    .is_some_and(Value::truthy);
                                c.insert("__changed__", Value::Bool(changed));
                                Value::Dict(c)
                            })
                            .collect();
                        reqv.insert(rtype.as_str(), Value::List(list));
                    }
                    low.insert("__reqs__", Value::Dict(reqv));
                    ret = self.call_low(low, running);
                }
                running.insert(tag.as_str(), ret);
            }
            Status::Pre => {
                let low = chunks[idx].clone();
                let ret =
                    self.synthetic(&low, Value::Bool(true), "No changes detected".into(), None);
                running.insert(tag.as_str(), ret.clone());
                self.pre.insert(tag.as_str(), ret);
            }
            Status::Onfail => {
                let low = chunks[idx].clone();
                let ret = self.synthetic(
                    &low,
                    Value::Bool(true),
                    "State was not run because onfail req did not change".into(),
                    Some(false),
                );
                running.insert(tag.as_str(), ret);
            }
            Status::Onchanges => {
                let low = chunks[idx].clone();
                let ret = self.synthetic(
                    &low,
                    Value::Bool(true),
                    "State was not run because none of the onchanges reqs changed".into(),
                    Some(false),
                );
                running.insert(tag.as_str(), ret);
            }
            Status::Change => {
                let r = self.call(idx, chunks, running);
                self.pre.insert(tag.as_str(), r);
            }
        }
        Ok(())
    }

    /// `call` for the chunk at `idx` (clears `__prereq__` afterwards as Salt does).
    fn call(&mut self, idx: usize, chunks: &mut [Dict], running: &Dict) -> Value {
        let low = chunks[idx].clone();
        let was_prereq = low.get("__prereq__").is_some_and(Value::truthy);
        let r = self.call_low(low, running);
        if was_prereq {
            chunks[idx].insert("__prereq__", Value::Bool(false));
        }
        r
    }

    /// `verify_data` for one chunk: missing keys, unknown state functions, recursive
    /// requires. (`state.single` reports these as its result.)
    pub fn verify_data(&self, low: &mut Dict) -> Vec<String> {
        let mut errors = Vec::new();
        for (k, msg) in [
            ("state", "Missing \"state\" data"),
            ("fun", "Missing \"fun\" data"),
            ("name", "Missing \"name\" data"),
        ] {
            if !low.contains_key(k) {
                errors.push(msg.to_string());
            }
        }
        if let Some(name) = low.get("name") {
            if name.truthy() && name.as_str().is_none() {
                errors.push(format!(
                    "ID '{}' {}is not formed as a string, but is a {}",
                    name.to_py_str(),
                    low.get("__sls__")
                        .map(|s| format!("in SLS '{}' ", s.to_py_str()))
                        .unwrap_or_default(),
                    name.type_name()
                ));
            }
        }
        if let Some(umask) = low.remove("umask") {
            match i64::from_str_radix(&umask.to_py_str(), 8) {
                Ok(u) => {
                    low.insert("__umask__", Value::Int(u));
                }
                Err(_) => errors.push(format!("Invalid umask: {}", umask.to_py_str())),
            }
        }
        if !errors.is_empty() {
            return errors;
        }
        let state = low.get("state").map(Value::to_py_str).unwrap_or_default();
        let fun = low.get("fun").map(Value::to_py_str).unwrap_or_default();
        let full = format!("{state}.{fun}");
        let exists = if fun == "mod_watch" {
            self.has_mod_watch(&state)
        } else {
            self.registry.has(&state, &fun)
        };
        if !exists {
            match low.get("__sls__") {
                Some(sls) => {
                    errors.push(format!(
                        "State '{full}' was not found in SLS '{}'",
                        sls.to_py_str()
                    ));
                    if self.registry.get(&state).is_none() {
                        errors.push(format!("Reason: '{state}' __virtual__ returned False"));
                    }
                }
                None => errors.push(format!("Specified state '{full}' was not found")),
            }
        }
        if errors.is_empty() {
            if let Some(m) = self.registry.get(&state) {
                for p in m.required_args(&fun) {
                    if !low.contains_key(p) {
                        errors.push(format!("Missing parameter {p} for state {full}"));
                    }
                }
            }
        }
        // watch without mod_watch becomes require
        let mut reqdec = "";
        if low.contains_key("require") {
            reqdec = "require";
        }
        if low.contains_key("watch") {
            if !self.has_mod_watch(&state) {
                if let Some(w) = low.remove("watch") {
                    match low.get_mut("require") {
                        Some(Value::List(r)) => r.extend(w.as_list().cloned().unwrap_or_default()),
                        _ => {
                            low.insert("require", w);
                        }
                    }
                }
                reqdec = "require";
            } else {
                reqdec = "watch";
            }
        }
        if !reqdec.is_empty() {
            let name = low.get("name").map(Value::to_py_str).unwrap_or_default();
            let id = low.get("__id__").map(Value::to_py_str).unwrap_or_default();
            for req in low
                .get(reqdec)
                .and_then(Value::as_list)
                .into_iter()
                .flatten()
            {
                let Some((rk, rv)) = req.as_dict().and_then(|d| d.map.iter().next()) else {
                    continue;
                };
                if rk.to_string() == state {
                    let rv = rv.to_py_str();
                    if fnmatch(&name, &rv) || fnmatch(&id, &rv) {
                        errors.push(format!(
                            "Recursive require detected in SLS {} for require {} in ID {}",
                            low.get("__sls__").map(Value::to_py_str).unwrap_or_default(),
                            rsalt_data::repr::repr(req),
                            id
                        ));
                    }
                }
            }
        }
        errors
    }

    /// `call`: runs one low chunk (guards, the state function, check_cmd) and builds the
    /// return in Salt's shape.
    fn call_low(&mut self, low: Dict, running: &Dict) -> Value {
        self.call_low_attempt(low, running, 1)
    }

    /// One attempt of `call`; `retries` counts attempts as Salt's `retries` argument does.
    fn call_low_attempt(&mut self, mut low: Dict, running: &Dict, retries: i64) -> Value {
        let started = Instant::now();
        let start_time = local_time_of_day();
        let errors = self.verify_data(&mut low);
        let name_v = low.get("name").cloned().unwrap_or_default();
        if !errors.is_empty() {
            let mut d = Dict::new();
            d.insert("result", Value::Bool(false));
            d.insert("name", name_v);
            d.insert("changes", Value::dict());
            let mut c = String::new();
            for e in errors {
                c.push_str(&e);
                c.push('\n');
            }
            d.insert("comment", Value::Str(c));
            d.insert("__run_num__", Value::Int(self.next_run_num()));
            return Value::Dict(d);
        }
        let is_prereq = low.get("__prereq__").is_some_and(Value::truthy);
        let mut ret = Dict::new();
        ret.insert("result", Value::Bool(false));
        ret.insert("name", name_v.clone());
        ret.insert("changes", Value::dict());
        if ["unless", "onlyif", "creates"]
            .iter()
            .any(|k| low.contains_key(k))
        {
            let chk = guards::run_check(self.ctx, &low);
            for (k, v) in chk.map {
                ret.map.insert(k, v);
            }
        }
        let state = low.get("state").map(Value::to_py_str).unwrap_or_default();
        let fun = low.get("fun").map(Value::to_py_str).unwrap_or_default();
        if ret.get("result") == Some(&Value::Bool(false)) {
            let test = self.test || is_prereq;
            let sr = self.run_function(&state, &fun, &low, test);
            ret = state_return_dict(sr);
        }
        if low.contains_key("check_cmd") && !(state == "file" && fun == "managed") {
            let chk = guards::run_check_cmd(self.ctx, &low);
            for (k, v) in chk.map {
                ret.map.insert(k, v);
            }
        }
        if let Some(Value::List(parts)) = ret.get("comment").cloned() {
            let joined: Vec<String> = parts.iter().map(Value::to_py_str).collect();
            ret.insert("comment", Value::Str(joined.join("\n")));
        }
        if is_prereq {
            return Value::Dict(ret);
        }
        ret.insert("__sls__", low.get("__sls__").cloned().unwrap_or_default());
        ret.insert("__run_num__", Value::Int(self.next_run_num()));
        ret.insert("start_time", Value::Str(start_time));
        ret.insert(
            "duration",
            Value::Float((ms_since(started) * 1000.0).round() / 1000.0),
        );
        ret.insert("__id__", low.get("__id__").cloned().unwrap_or_default());
        if low.contains_key("retry") && !low.contains_key("parallel") {
            if let Some(r) = guards::retry_data(&low) {
                return self.retry(ret, r, low, running, retries);
            }
        }
        Value::Dict(ret)
    }

    /// Salt's `retry`: re-runs the state until its result is `until` or the attempts run
    /// out, sleeping `interval` (+ up to `splay`) seconds between attempts. Under
    /// `test=True` it only says what it would do.
    fn retry(
        &mut self,
        mut ret: Dict,
        r: guards::Retry,
        low: Dict,
        running: &Dict,
        retries: i64,
    ) -> Value {
        let py_bool = |v: Option<&Value>| match v {
            Some(Value::Bool(true)) => "True".to_string(),
            Some(Value::Bool(false)) => "False".to_string(),
            Some(Value::None) | None => "None".to_string(),
            Some(other) => other.to_py_str(),
        };
        let comment = ret.get("comment").map(Value::to_py_str).unwrap_or_default();
        if self.test {
            ret.insert(
                "comment",
                Value::Str(format!(
                    "{comment}  The state would be retried every {} seconds (with a splay of up to {} seconds) a maximum of {} times or until a result of {} is returned",
                    r.interval, r.splay, r.attempts, if r.until { "True" } else { "False" }
                )),
            );
            return Value::Dict(ret);
        }
        if ret.get("result") == Some(&Value::Bool(r.until)) || r.attempts <= retries {
            return Value::Dict(ret);
        }
        let splay = if r.splay > 0 {
            i64::from(std::process::id()).wrapping_add(retries) % (r.splay + 1)
        } else {
            0
        };
        let interval = r.interval + splay;
        tracing::info!(
            interval,
            "State result does not match retry until value, state will be re-run."
        );
        std::thread::sleep(std::time::Duration::from_secs(
            u64::try_from(interval).unwrap_or(0),
        ));
        let retried = self.call_low_attempt(low, running, retries + 1);
        let Value::Dict(mut out) = retried else {
            return retried;
        };
        let new_comment = out.get("comment").map(Value::to_py_str).unwrap_or_default();
        out.insert(
            "comment",
            Value::Str(format!(
                "Attempt {retries}: Returned a result of \"{}\", with the following comment: \"{comment}\"\n{new_comment}",
                py_bool(ret.get("result"))
            )),
        );
        let dur = |d: &Dict| match d.get("duration") {
            Some(Value::Float(f)) => *f,
            Some(Value::Int(i)) => *i as f64,
            _ => 0.0,
        };
        let total = dur(&out) + dur(&ret) + (interval * 1000) as f64;
        out.insert("duration", Value::Float(total));
        if retries == 1 {
            if let Some(st) = ret.get("start_time") {
                out.insert("start_time", st.clone());
            }
        }
        Value::Dict(out)
    }

    /// Runs the state module function (or `mod_watch`), catching panics as Salt catches
    /// exceptions in a state.
    fn run_function(&self, state: &str, fun: &str, low: &Dict, test: bool) -> StateReturn {
        let name = low.get("name").map(Value::to_py_str).unwrap_or_default();
        let Some(module) = self.registry.get(state) else {
            return StateReturn::new(name.clone())
                .fail(format!("State '{state}.{fun}' was not found"));
        };
        let mut args = low.clone();
        if let Some(Value::Str(saltenv)) = low.get("saltenv") {
            args.insert("__env__", Value::Str(saltenv.clone()));
        }
        if state == "file" && low.get("clean").is_some_and(Value::truthy) {
            args.insert(
                "__lowstate__",
                Value::List(self.lowstate.iter().cloned().map(Value::Dict).collect()),
            );
        }
        let call = StateCall {
            low: &args,
            name: name.clone(),
            test,
            ctx: self.ctx,
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            if fun == "mod_watch" {
                module.mod_watch(&call).unwrap_or_else(|| {
                    StateReturn::new(name.clone()).fail("mod_watch is not available")
                })
            } else {
                module.call(fun, &call)
            }
        }));
        match outcome {
            Ok(r) => r,
            Err(p) => {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "unknown error".into());
                StateReturn::new(name).fail(format!("An exception occurred in this state: {msg}"))
            }
        }
    }

    /// `call_listen`: after the run, fires `mod_watch` for states whose `listen`ed states
    /// changed.
    fn call_listen(&mut self, chunks: &[Dict], mut running: Dict) -> Result<Dict, Vec<String>> {
        let cref = |c: &Dict| -> (String, String, String) {
            (
                c.get("state").map(Value::to_py_str).unwrap_or_default(),
                c.get("__id__").map(Value::to_py_str).unwrap_or_default(),
                c.get("name").map(Value::to_py_str).unwrap_or_default(),
            )
        };
        let crefs: Vec<((String, String, String), &Dict)> =
            chunks.iter().map(|c| (cref(c), c)).collect();
        let in_cref = |r: &(String, String, String), kind: &str, val: &str| {
            r.0 == kind && (r.1 == val || r.2 == val || val == "lookup")
        };
        let mut listeners: Vec<((String, String, String), Vec<Value>)> = Vec::new();
        for c in chunks {
            if let Some(Value::List(l)) = c.get("listen") {
                listeners.push((cref(c), l.clone()));
            }
            if let Some(Value::List(l)) = c.get("listen_in") {
                for l_in in l {
                    for (k, v) in l_in.as_dict().into_iter().flat_map(|d| d.iter()) {
                        let mut target = Dict::new();
                        target.insert(
                            c.get("state").map(Value::to_py_str).unwrap_or_default(),
                            c.get("__id__").cloned().unwrap_or_default(),
                        );
                        listeners.push((
                            (k.to_string(), v.to_py_str(), "lookup".into()),
                            vec![Value::Dict(target)],
                        ));
                    }
                }
            }
        }
        let mut mod_watchers: Vec<Dict> = Vec::new();
        let mut errors = Dict::new();
        for (key, vals) in listeners {
            for listen_to in vals {
                let listen_to = match listen_to {
                    Value::Dict(d) => d,
                    other => {
                        let s = other.to_py_str();
                        let mut found = None;
                        for c in chunks {
                            if c.get("__id__").map(Value::to_py_str) == Some(s.clone())
                                || c.get("name").map(Value::to_py_str) == Some(s.clone())
                            {
                                let mut d = Dict::new();
                                d.insert(
                                    c.get("state").map(Value::to_py_str).unwrap_or_default(),
                                    c.get("__id__").cloned().unwrap_or_default(),
                                );
                                found = Some(d);
                            }
                        }
                        match found {
                            Some(d) => d,
                            None => continue,
                        }
                    }
                };
                for (lkey, lval) in listen_to.iter() {
                    let lkey = lkey.to_string();
                    let lval = lval.to_py_str();
                    let exists = crefs
                        .iter()
                        .any(|(r, _)| r.0 == lkey && (r.1 == lval || r.2 == lval));
                    if !exists {
                        let (tag, e) = listen_error(&lkey, &lval);
                        errors.insert(tag, e);
                        continue;
                    }
                    let to_tags: Vec<String> = crefs
                        .iter()
                        .filter(|(r, _)| r.0 == lkey && (r.1 == lval || r.2 == lval))
                        .map(|(_, c)| gen_tag(c))
                        .collect();
                    for to_tag in to_tags {
                        let changed = running
                            .get(&to_tag)
                            .and_then(|r| r.get("changes"))
                            .is_some_and(Value::truthy);
                        if !changed {
                            continue;
                        }
                        let (kk, kv, _) = &key;
                        let targets: Vec<&Dict> = crefs
                            .iter()
                            .filter(|(r, _)| in_cref(r, kk, kv) && (r.1 == *kv || r.2 == *kv))
                            .map(|(_, c)| *c)
                            .collect();
                        if targets.is_empty() {
                            let (tag, e) = listen_error(kk, kv);
                            errors.insert(tag, e);
                            continue;
                        }
                        for c in targets {
                            let mut low = c.clone();
                            let fun = low.get("fun").cloned().unwrap_or_default();
                            low.insert("sfun", fun);
                            low.insert("fun", Value::from("mod_watch"));
                            let id = low.get("__id__").map(Value::to_py_str).unwrap_or_default();
                            low.insert("__id__", Value::Str(format!("listener_{id}")));
                            for req in compile::REQUISITE_KEYWORDS {
                                low.remove(req);
                            }
                            if !mod_watchers.contains(&low) {
                                mod_watchers.push(low);
                            }
                        }
                    }
                }
            }
        }
        let ret = self.call_chunks(&mut mod_watchers)?;
        for (k, v) in ret.map {
            running.map.insert(k, v);
        }
        for (k, mut v) in errors.map {
            if let Value::Dict(d) = &mut v {
                d.insert("__run_num__", Value::Int(self.next_run_num()));
            }
            running.map.insert(k, v);
        }
        let _ = Key::None;
        Ok(running)
    }
}

/// The `Listen_Error` entry for a `listen` that names a state that does not exist.
fn listen_error(kind: &str, name: &str) -> (String, Value) {
    let mut e = Dict::new();
    e.insert(
        "comment",
        Value::Str(format!("Referenced state {kind}: {name} does not exist")),
    );
    e.insert("name", Value::Str(format!("listen_{kind}:{name}")));
    e.insert("result", Value::Bool(false));
    e.insert("changes", Value::dict());
    (
        format!("Listen_Error_|-listen_{name}_|-listen_{kind}_|-Listen_Error"),
        Value::Dict(e),
    )
}

/// A module's [`StateReturn`] as Salt's return dict (`name`, `changes`, `result`, `comment`
/// and any extra keys).
pub fn state_return_dict(sr: StateReturn) -> Dict {
    let mut d = Dict::new();
    d.insert("name", Value::Str(sr.name.clone()));
    d.insert("changes", Value::Dict(sr.changes.clone()));
    d.insert("result", sr.result_value());
    d.insert("comment", Value::Str(sr.comment.clone()));
    for (k, v) in sr.extra.map {
        d.map.insert(k, v);
    }
    d
}
