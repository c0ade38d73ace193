//! `state.*` execution functions: `apply`, `sls`, `highstate`, `top`, `single`, `sls_id`,
//! `test`, `show_sls`, `show_low_sls`, `show_highstate`, `show_lowstate`, `show_top`,
//! `sls_exists`, `id_exists`, with Salt's return shapes and exit codes
//! (`__context__["retcode"]`: 1 compile error, 2 state failure, 5 pillar error).

use super::{set_retcode, Args, ExecRegistry};
use crate::highstate::{self, TopOutcome};
use crate::runner::StateRunner;
use crate::RunContext;
use rsalt_data::{Dict, Value};
use rsalt_sls::dictupdate;
use rsalt_sls::high::Matches;
use rsalt_sls::CallError;

/// Salt's exit codes.
pub(crate) const EX_STATE_COMPILER_ERROR: i64 = 1;
pub(crate) const EX_STATE_FAILURE: i64 = 2;
pub(crate) const EX_PILLAR_FAILURE: i64 = 5;

/// Registers the `state.*` functions.
pub fn register(r: &mut ExecRegistry) {
    r.add_doc(
        "state.apply",
        apply,
        "Apply states: highstate without arguments, else state.sls.",
    );
    r.add_doc(
        "state.sls",
        sls,
        "Execute the states in one or more SLS files.",
    );
    r.add_doc(
        "state.highstate",
        highstate,
        "Retrieve the state data from the top file and apply it.",
    );
    r.add_doc("state.test", test, "state.apply with test=True.");
    r.add_doc(
        "state.top",
        top,
        "Execute a specific top file instead of the default.",
    );
    r.add_doc(
        "state.single",
        single,
        "Execute a single state function with the named kwargs.",
    );
    r.add_doc(
        "state.sls_id",
        sls_id,
        "Call a single ID from the named module(s).",
    );
    r.add_doc(
        "state.show_sls",
        show_sls,
        "Display the state data from a specific sls.",
    );
    r.add_doc(
        "state.show_low_sls",
        show_low_sls,
        "Display the low data from a specific sls.",
    );
    r.add_doc(
        "state.show_highstate",
        show_highstate,
        "Retrieve the highstate data from the salt master and display it.",
    );
    r.add_doc(
        "state.show_lowstate",
        show_lowstate,
        "List out the low data that will be applied to this minion.",
    );
    r.add_doc(
        "state.show_top",
        show_top,
        "Return the top data that the minion will use for a highstate.",
    );
    r.add_doc(
        "state.sls_exists",
        sls_exists,
        "Tests for the existence of a specific SLS or list of SLS files.",
    );
    r.add_doc(
        "state.id_exists",
        id_exists,
        "Tests for the existence of a specific ID or list of IDs.",
    );
}

fn is_true(v: &Value) -> bool {
    match v {
        Value::Str(s) => matches!(s.to_ascii_lowercase().as_str(), "true" | "1" | "yes"),
        other => other.truthy(),
    }
}

/// `_get_test_value`.
fn test_value(ctx: &RunContext, args: &Args, pos: usize) -> bool {
    match args.get(pos, "test") {
        Some(v) if !v.is_none() => is_true(v),
        _ => ctx.opts.get("test").is_some_and(is_true),
    }
}

/// `salt.utils.args.split_input`: a comma-separated string or a list.
fn split_input(v: &Value) -> Vec<String> {
    match v {
        Value::List(l) => l.iter().map(Value::to_py_str).collect(),
        other => other
            .to_py_str()
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    }
}

/// Restores the pillar a `pillar=` override replaced, when dropped.
pub(crate) struct PillarGuard {
    ctx: RunContext,
    saved: Option<Dict>,
}

impl Drop for PillarGuard {
    fn drop(&mut self) {
        if let Some(saved) = self.saved.take() {
            if let Ok(mut p) = self.ctx.pillar.write() {
                *p = saved;
            }
        }
    }
}

/// Applies a `pillar=` override for the duration of one call (merged into the current
/// pillar as Salt's `State` does). The pillar is shared with the caller, so templates'
/// `salt['pillar.get']` sees the override too. Errors if the override is not a dict.
pub(crate) fn with_pillar_override(
    ctx: &RunContext,
    args: &Args,
) -> Result<(RunContext, PillarGuard), CallError> {
    let mut guard = PillarGuard {
        ctx: ctx.clone(),
        saved: None,
    };
    match args.kwargs.get("pillar") {
        None | Some(Value::None) => {}
        Some(Value::Dict(over)) => {
            let opts = highstate::pillar_options(&ctx.opts, None);
            let current = ctx.pillar();
            let merged = dictupdate::merge(
                &current,
                over,
                &opts.merge_strategy,
                &opts.renderer,
                opts.merge_lists,
            );
            if let Ok(mut p) = ctx.pillar.write() {
                *p = merged;
                guard.saved = Some(current);
            }
        }
        Some(_) if args.kwargs.get("pillar_enc").is_some_and(|v| !v.is_none()) => {}
        Some(_) => {
            return Err(CallError::Failed(
                "Pillar data must be formatted as a dictionary, unless pillar_enc is specified."
                    .into(),
            ))
        }
    }
    Ok((ctx.clone(), guard))
}

fn pillar_errors(ctx: &RunContext, args: &Args) -> Option<Vec<Value>> {
    if args.kwargs.get("force").is_some_and(Value::truthy) {
        return None;
    }
    ctx.pillar()
        .get("_errors")
        .and_then(Value::as_list)
        .cloned()
}

/// The error list a state run returns when the pillar failed to render (retcode 5).
fn pillar_failure(ctx: &RunContext, args: &Args) -> Option<Value> {
    let errs = pillar_errors(ctx, args)?;
    set_retcode(EX_PILLAR_FAILURE);
    let mut out = vec![Value::from(
        "Pillar failed to render with the following messages:",
    )];
    out.extend(errs);
    Some(Value::List(out))
}

pub(crate) fn error_list(errors: Vec<String>) -> Value {
    Value::List(errors.into_iter().map(Value::Str).collect())
}

/// `_set_retcode` / `check_result`.
fn set_state_retcode(ret: &Value) {
    match ret {
        Value::List(_) => set_retcode(EX_STATE_COMPILER_ERROR),
        Value::Dict(d) => {
            if !check_result(d) {
                set_retcode(EX_STATE_FAILURE);
            } else {
                set_retcode(0);
            }
        }
        _ => set_retcode(EX_STATE_FAILURE),
    }
}

/// `salt.utils.state.check_result` (without onfail-handler forgiveness): every entry a
/// dict (`__extend__` a list) whose `result` is not False, nested dicts checked too.
pub fn check_result(running: &Dict) -> bool {
    check_result_at(running, false)
}

fn check_result_at(running: &Dict, recurse: bool) -> bool {
    if running.is_empty() {
        return false;
    }
    for (id, r) in running.iter() {
        let expected_list = id.as_str() == Some("__extend__");
        let type_ok = if expected_list {
            matches!(r, Value::List(_))
        } else {
            matches!(r, Value::Dict(_))
        };
        if !recurse && !type_ok {
            return false;
        }
        if let Value::Dict(rd) = r {
            match rd.get("result") {
                Some(Value::Bool(false)) => return false,
                None if !check_result_at(rd, true) => return false,
                _ => {}
            }
        }
    }
    true
}

fn saltenv_of(ctx: &RunContext, args: &Args) -> String {
    args.kwargs
        .get("saltenv")
        .map(Value::to_py_str)
        .or_else(|| {
            ctx.opts
                .get("saltenv")
                .filter(|v| !v.is_none())
                .map(Value::to_py_str)
        })
        .unwrap_or_else(|| "base".into())
}

fn add_exclude(high: &mut Dict, exclude: Option<&Value>) {
    let Some(ex) = exclude.filter(|v| v.truthy()) else {
        return;
    };
    let items: Vec<Value> = match ex {
        Value::List(l) => l.clone(),
        other => split_input(other).into_iter().map(Value::Str).collect(),
    };
    match high.get_mut("__exclude__") {
        Some(Value::List(l)) => l.extend(items),
        _ => {
            high.insert("__exclude__", Value::List(items));
        }
    }
}

fn run_high(ctx: &RunContext, high: Dict, test: bool) -> Value {
    let registry = crate::state::registry();
    let mut runner = StateRunner::new(ctx, &registry, test);
    match runner.call_high(high) {
        Ok(r) => Value::Dict(r),
        Err(e) => error_list(e),
    }
}

fn render_mods(ctx: &RunContext, saltenv: &str, mods: &[String]) -> (Dict, Vec<String>) {
    let mut hs = highstate::high_state(ctx);
    let mut matches = Matches::new();
    matches.insert(saltenv.to_string(), mods.to_vec());
    hs.render_highstate(&matches)
}

/// `state.apply`.
pub fn apply(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    match args.get(0, "mods") {
        Some(m) if m.truthy() => sls(ctx, args),
        _ => highstate(ctx, args),
    }
}

/// `state.test`.
pub fn test(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let mut a = args.clone();
    a.kwargs.insert("test", Value::Bool(true));
    apply(ctx, &a)
}

/// `state.sls`.
pub fn sls(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let (ctx, _pillar_guard) = with_pillar_override(ctx, args)?;
    let ctx = &ctx;
    let test = test_value(ctx, args, 1);
    let ret = match sls_high(ctx, args)? {
        Ok(high) => run_high(ctx, high, test),
        Err(ret) => ret,
    };
    set_state_retcode(&ret);
    Ok(ret)
}

/// The high data of `state.sls` (pillar override already applied), or the final return
/// when rendering failed (pillar or compile errors, retcode set).
fn sls_high(ctx: &RunContext, args: &Args) -> Result<Result<Dict, Value>, CallError> {
    let mods = args.require("sls", 0, "mods")?.clone();
    if let Some(failure) = pillar_failure(ctx, args) {
        return Ok(Err(failure));
    }
    let saltenv = saltenv_of(ctx, args);
    let mods = split_input(&mods);
    let (mut high, errors) = render_mods(ctx, &saltenv, &mods);
    if !errors.is_empty() {
        set_retcode(EX_STATE_COMPILER_ERROR);
        return Ok(Err(error_list(errors)));
    }
    add_exclude(&mut high, args.get(2, "exclude"));
    Ok(Ok(high))
}

fn no_states(comment: &str) -> Value {
    let mut r = Dict::new();
    r.insert("result", Value::Bool(false));
    r.insert("comment", Value::from(comment));
    r.insert("name", Value::from("No States"));
    r.insert("changes", Value::dict());
    r.insert("__run_num__", Value::Int(0));
    let mut d = Dict::new();
    d.insert("no_|-states_|-states_|-None", Value::Dict(r));
    Value::Dict(d)
}

/// `call_highstate` for the given context.
fn call_highstate(ctx: &RunContext, args: &Args, test: bool) -> Value {
    match highstate_high(ctx, args) {
        Ok(high) => run_high(ctx, high, test),
        Err(ret) => ret,
    }
}

/// The high data of a highstate, or the final return when there is nothing to run.
fn highstate_high(ctx: &RunContext, args: &Args) -> Result<Dict, Value> {
    let mut hs = highstate::high_state(ctx);
    let saltenv = args.kwargs.get("saltenv").map(Value::to_py_str);
    let (matches, mut err) = match highstate::top_matches(ctx, &mut hs, saltenv.as_deref()) {
        TopOutcome::RenderError(e) => {
            return Err(no_states(&format!("Unable to render top file: {e}")))
        }
        TopOutcome::Matches(m, e) => (m, e),
    };
    if matches.is_empty() {
        return Err(no_states(
            "No Top file or master_tops data matches found. Please see master log for details.",
        ));
    }
    let (mut high, errors) = hs.render_highstate(&matches);
    add_exclude(&mut high, args.kwargs.get("exclude"));
    err.extend(errors);
    if !err.is_empty() {
        return Err(error_list(err));
    }
    if high.is_empty() {
        return Err(no_states("No states found for this minion"));
    }
    Ok(high)
}

/// `state.highstate`.
pub fn highstate(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let (ctx, _pillar_guard) = with_pillar_override(ctx, args)?;
    let ctx = &ctx;
    let test = test_value(ctx, args, 0);
    if let Some(failure) = pillar_failure(ctx, args) {
        return Ok(failure);
    }
    let ret = call_highstate(ctx, args, test);
    set_state_retcode(&ret);
    Ok(ret)
}

/// What the master hands a minion for a state function (see [`compile_for_minion`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Compiled {
    /// Ordered low chunks to run, and whether in test mode.
    Run {
        /// The chunks, as `compile` produced them.
        chunks: Vec<Dict>,
        /// `test=True`.
        test: bool,
    },
    /// The function's final return, computed without running anything on the minion
    /// (compile errors, pillar errors, "No States", `state.show_*` data), and its retcode.
    Done {
        /// The return value.
        ret: Value,
        /// The exit code.
        retcode: i64,
    },
}

/// The state functions whose states the master compiles and the minion runs.
pub const RUN_ON_MINION: &[&str] = &["state.apply", "state.sls", "state.highstate", "state.test"];

/// Renders and compiles what `fun` would run, without running it: the master's half of a
/// state run. Functions outside [`RUN_ON_MINION`] that only read the tree
/// (`state.show_*`, `state.sls_exists`, ...) are evaluated whole.
pub fn compile_for_minion(ctx: &RunContext, fun: &str, args: &Args) -> Result<Compiled, CallError> {
    let mut args = args.clone();
    if fun == "state.test" {
        args.kwargs.insert("test", Value::Bool(true));
    }
    let fun = match fun {
        "state.apply" | "state.test" => match args.get(0, "mods") {
            Some(m) if m.truthy() => "state.sls",
            _ => "state.highstate",
        },
        other => other,
    };
    let (ctx, _pillar_guard) = with_pillar_override(ctx, &args)?;
    let ctx = &ctx;
    let high = match fun {
        "state.sls" => {
            let test = test_value(ctx, &args, 1);
            sls_high(ctx, &args)?.map(|h| (h, test))
        }
        "state.highstate" => {
            let test = test_value(ctx, &args, 0);
            match pillar_failure(ctx, &args) {
                Some(f) => Err(f),
                None => highstate_high(ctx, &args).map(|h| (h, test)),
            }
        }
        other => {
            let f = super::registry()
                .get(other)
                .ok_or_else(|| CallError::NotAvailable(other.to_string()))?;
            super::take_retcode();
            let ret = f(ctx, &args)?;
            return Ok(Compiled::Done {
                ret,
                retcode: super::take_retcode().unwrap_or(0),
            });
        }
    };
    match high {
        Err(ret) => {
            set_state_retcode(&ret);
            Ok(Compiled::Done {
                ret,
                retcode: super::take_retcode().unwrap_or(0),
            })
        }
        Ok((high, test)) => {
            let disabled = match ctx.opt("disabled_requisites") {
                Some(Value::List(l)) => l.iter().map(Value::to_py_str).collect(),
                Some(Value::Str(s)) => vec![s.clone()],
                _ => Vec::new(),
            };
            match rsalt_sls::compile::compile(high, &disabled) {
                Ok(chunks) => Ok(Compiled::Run { chunks, test }),
                Err(errors) => Ok(Compiled::Done {
                    ret: error_list(errors),
                    retcode: EX_STATE_COMPILER_ERROR,
                }),
            }
        }
    }
}

/// The minion's half of a state run: runs chunks the master compiled; sets the retcode as
/// the state functions do.
pub fn run_compiled(ctx: &RunContext, chunks: Vec<Dict>, test: bool) -> Value {
    let registry = crate::state::registry();
    let mut runner = StateRunner::new(ctx, &registry, test);
    let ret = match runner.call_compiled(chunks) {
        Ok(r) => Value::Dict(r),
        Err(e) => error_list(e),
    };
    set_state_retcode(&ret);
    ret
}

/// `state.top`: a highstate from a given top file.
pub fn top(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let topfn = args.require("top", 0, "topfn")?.to_py_str();
    let mut opts = (*ctx.opts).clone();
    opts.insert("state_top", Value::Str(topfn));
    let mut c = ctx.clone();
    c.opts = std::sync::Arc::new(opts);
    highstate(&c, args)
}

/// `state.single`.
pub fn single(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let fun = args.require("single", 0, "fun")?.to_py_str();
    let name = args.require("single", 1, "name")?.clone();
    let (ctx, _pillar_guard) = with_pillar_override(ctx, args)?;
    let ctx = &ctx;
    let test = test_value(ctx, args, 2);
    let Some((state, f)) = fun.split_once('.') else {
        set_retcode(EX_STATE_COMPILER_ERROR);
        return Ok(Value::from("Invalid function passed"));
    };
    let mut low = Dict::new();
    for (k, v) in args.kwargs.iter() {
        if matches!(
            k.as_str(),
            Some("test" | "pillar" | "queue" | "saltenv" | "pillarenv")
        ) {
            continue;
        }
        low.map.insert(k.clone(), v.clone());
    }
    low.insert("state", Value::from(state));
    low.insert("fun", Value::from(f.split('.').next().unwrap_or(f)));
    low.insert("__id__", name.clone());
    low.insert("name", name);
    let tag = rsalt_sls::compile::gen_tag(&low);
    let registry = crate::state::registry();
    let mut runner = StateRunner::new(ctx, &registry, test);
    let errors = runner.verify_data(&mut low.clone());
    if !errors.is_empty() {
        set_retcode(EX_STATE_COMPILER_ERROR);
        return Ok(error_list(errors));
    }
    let mut chunks = vec![low];
    let ret = match runner.call_chunks(&mut chunks) {
        Ok(r) => r,
        Err(e) => {
            set_retcode(EX_STATE_COMPILER_ERROR);
            return Ok(error_list(e));
        }
    };
    // A chunk that failed verification carries its errors in `comment`.
    let mut out = Dict::new();
    if let Some(r) = ret.get(&tag) {
        out.insert(tag.as_str(), r.clone());
    }
    let out = Value::Dict(out);
    set_state_retcode(&out);
    Ok(out)
}

/// `state.sls_id`.
pub fn sls_id(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let id = args.require("sls_id", 0, "id_")?.to_py_str();
    let mods_v = args.require("sls_id", 1, "mods")?.clone();
    let (ctx, _pillar_guard) = with_pillar_override(ctx, args)?;
    let ctx = &ctx;
    let test = test_value(ctx, args, 2);
    if let Some(failure) = pillar_failure(ctx, args) {
        return Ok(failure);
    }
    let saltenv = saltenv_of(ctx, args);
    let mods = split_input(&mods_v);
    let (mut high, mut errors) = render_mods(ctx, &saltenv, &mods);
    errors.extend(rsalt_sls::compile::verify_high(&high));
    errors.extend(rsalt_sls::compile::requisite_in(&mut high, &[]));
    if !errors.is_empty() {
        set_retcode(EX_STATE_COMPILER_ERROR);
        return Ok(error_list(errors));
    }
    let mut chunks = rsalt_sls::compile::compile_high_data(&high);
    let registry = crate::state::registry();
    let mut runner = StateRunner::new(ctx, &registry, test);
    let mut out = Dict::new();
    // Each matching chunk runs with its requisites, in a fresh running dict (Salt's
    // `call_chunk(chunk, {}, chunks)`).
    for idx in 0..chunks.len() {
        if chunks[idx].get("__id__").map(Value::to_py_str) != Some(id.clone()) {
            continue;
        }
        if let Ok(r) = runner.call_one(idx, &mut chunks) {
            for (k, v) in r.map {
                out.map.insert(k, v);
            }
        }
    }
    if out.is_empty() {
        return Err(CallError::Failed(format!(
            "No matches for ID '{id}' found in SLS '{}' within saltenv '{saltenv}'",
            mods_v.to_py_str()
        )));
    }
    let out = Value::Dict(out);
    set_state_retcode(&out);
    Ok(out)
}

/// `state.show_sls`.
pub fn show_sls(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let mods = args.require("show_sls", 0, "mods")?.clone();
    let (ctx, _pillar_guard) = with_pillar_override(ctx, args)?;
    let ctx = &ctx;
    if let Some(errs) = pillar_errors(ctx, args) {
        set_retcode(EX_PILLAR_FAILURE);
        return Err(CallError::Failed(format!(
            "Pillar failed to render: {}",
            rsalt_data::repr::repr(&Value::List(errs))
        )));
    }
    let saltenv = saltenv_of(ctx, args);
    let (high, mut errors) = render_mods(ctx, &saltenv, &split_input(&mods));
    errors.extend(rsalt_sls::compile::verify_high(&high));
    if !errors.is_empty() {
        set_retcode(EX_STATE_COMPILER_ERROR);
        return Ok(error_list(errors));
    }
    Ok(Value::Dict(high))
}

/// `state.show_low_sls`.
pub fn show_low_sls(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let mods = args.require("show_low_sls", 0, "mods")?.clone();
    let (ctx, _pillar_guard) = with_pillar_override(ctx, args)?;
    let ctx = &ctx;
    let saltenv = saltenv_of(ctx, args);
    let (high, mut errors) = render_mods(ctx, &saltenv, &split_input(&mods));
    errors.extend(rsalt_sls::compile::verify_high(&high));
    if !errors.is_empty() {
        set_retcode(EX_STATE_COMPILER_ERROR);
        return Ok(error_list(errors));
    }
    let chunks = rsalt_sls::compile::compile_high_data(&high);
    Ok(Value::List(chunks.into_iter().map(Value::Dict).collect()))
}

pub(crate) fn saltenv_arg(args: &Args) -> Option<String> {
    args.kwargs.get("saltenv").map(Value::to_py_str)
}

fn compile_highstate(ctx: &RunContext, saltenv: Option<&str>) -> Result<Dict, Vec<String>> {
    let mut hs = highstate::high_state(ctx);
    let (matches, mut err) = match highstate::top_matches(ctx, &mut hs, saltenv) {
        TopOutcome::RenderError(_) => (Matches::new(), Vec::new()),
        TopOutcome::Matches(m, e) => (m, e),
    };
    let (high, errors) = hs.render_highstate(&matches);
    err.extend(errors);
    if err.is_empty() {
        Ok(high)
    } else {
        Err(err)
    }
}

/// `state.show_highstate`.
pub fn show_highstate(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let (ctx, _pillar_guard) = with_pillar_override(ctx, args)?;
    let ctx = &ctx;
    let ret = match compile_highstate(ctx, saltenv_arg(args).as_deref()) {
        Ok(h) => Value::Dict(h),
        Err(e) => error_list(e),
    };
    set_state_retcode(&ret);
    Ok(ret)
}

/// `state.show_lowstate`.
pub fn show_lowstate(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    match compile_lowstate(ctx, saltenv_arg(args).as_deref()) {
        Ok(chunks) => Ok(Value::List(chunks.into_iter().map(Value::Dict).collect())),
        Err(errors) => Ok(error_list(errors)),
    }
}

/// Salt's `compile_low_chunks`: top → high data → extend, verify, requisite_in, exclude
/// → ordered low chunks, or the compile errors.
pub(crate) fn compile_lowstate(
    ctx: &RunContext,
    saltenv: Option<&str>,
) -> Result<Vec<Dict>, Vec<String>> {
    let mut hs = highstate::high_state(ctx);
    let matches = match highstate::top_matches(ctx, &mut hs, saltenv) {
        TopOutcome::RenderError(_) => Matches::new(),
        TopOutcome::Matches(m, _) => m,
    };
    let (mut high, mut errors) = hs.render_highstate(&matches);
    errors.extend(rsalt_sls::compile::reconcile_extend(&mut high, false));
    errors.extend(rsalt_sls::compile::verify_high(&high));
    errors.extend(rsalt_sls::compile::requisite_in(&mut high, &[]));
    rsalt_sls::compile::apply_exclude(&mut high);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(rsalt_sls::compile::compile_high_data(&high))
}

/// `state.show_top`.
pub fn show_top(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let mut hs = highstate::high_state(ctx);
    match highstate::top_matches(ctx, &mut hs, saltenv_arg(args).as_deref()) {
        TopOutcome::RenderError(_) => Ok(Value::dict()),
        TopOutcome::Matches(m, errors) => {
            if !errors.is_empty() {
                set_retcode(EX_STATE_COMPILER_ERROR);
                return Ok(error_list(errors));
            }
            let mut d = Dict::new();
            for (env, list) in m {
                d.insert(env, Value::List(list.into_iter().map(Value::Str).collect()));
            }
            Ok(Value::Dict(d))
        }
    }
}

/// `state.sls_exists`.
pub fn sls_exists(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    match show_sls(ctx, args)? {
        Value::Dict(_) => Ok(Value::Bool(true)),
        _ => {
            set_retcode(0);
            Ok(Value::Bool(false))
        }
    }
}

/// `state.id_exists`.
pub fn id_exists(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let ids = split_input(args.require("id_exists", 0, "ids")?);
    let mods = args.require("id_exists", 1, "mods")?.clone();
    let saltenv = saltenv_of(ctx, args);
    let (high, _) = render_mods(ctx, &saltenv, &split_input(&mods));
    Ok(Value::Bool(ids.iter().all(|i| high.contains_key(i))))
}
