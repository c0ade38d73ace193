//! `state.show_states` and `state.show_state_usage` (salt/modules/state.py): which SLS
//! files a highstate would apply, and which available SLS files the top file uses.

use super::state::{
    compile_lowstate, error_list, with_pillar_override, EX_PILLAR_FAILURE, EX_STATE_COMPILER_ERROR,
    EX_STATE_FAILURE,
};
use super::{set_retcode, Args, ExecRegistry, Sig};
use crate::highstate::{self, TopOutcome};
use crate::RunContext;
use rsalt_data::{Dict, Value};
use rsalt_sls::high::Matches;
use rsalt_sls::CallError;

/// Registers `state.show_states` and `state.show_state_usage`.
pub fn register(r: &mut ExecRegistry) {
    r.add_doc(
        "state.show_states",
        show_states,
        "Returns the list of states that will be applied on highstate.\n",
    );
    r.add_doc(
        "state.show_state_usage",
        show_state_usage,
        "Retrieve the highstate data from the salt master to analyse used and unused states\n\nCustom Pillar data can be passed with the ``pillar`` kwarg.\n",
    );
}

const SIG_QUEUE: Sig = Sig {
    name: "show_states",
    params: &["queue"],
    required: 0,
    varargs: false,
    varkw: true,
};

/// `state.show_states(queue=None, **kwargs)`: the SLS names of the highstate's low
/// chunks, first-seen order; compile errors are returned as a list (retcode 1).
pub fn show_states(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&SIG_QUEUE)?;
    if !b.kwargs.get("force").is_some_and(Value::truthy) {
        if let Some(errs) = ctx.pillar().get("_errors").and_then(Value::as_list) {
            set_retcode(EX_PILLAR_FAILURE);
            return Err(CallError::Failed(format!(
                "Pillar failed to render: {}",
                rsalt_data::repr::repr(&Value::List(errs.clone()))
            )));
        }
    }
    let saltenv = b
        .kwargs
        .get("saltenv")
        .filter(|v| !v.is_none())
        .map(Value::to_py_str);
    let chunks = match compile_lowstate(ctx, saltenv.as_deref()) {
        Ok(c) => c,
        Err(errors) => {
            set_retcode(EX_STATE_COMPILER_ERROR);
            return Ok(error_list(errors));
        }
    };
    let mut seen: Vec<Value> = Vec::new();
    for chunk in chunks {
        if let Some(sls) = chunk.get("__sls__") {
            if !seen.contains(sls) {
                seen.push(sls.clone());
            }
        }
    }
    Ok(Value::List(seen))
}

/// Salt's `BaseHighState._get_envs`: `base`, the `file_roots` environments, then the
/// file server's; `env_order` (when set) restricts and orders them.
fn avail_envs(ctx: &RunContext) -> Vec<String> {
    let client_envs = ctx.files.envs();
    let mut env_order: Vec<String> = Vec::new();
    if let Some(Value::List(l)) = ctx.opt("env_order") {
        for e in l.iter().map(Value::to_py_str) {
            if !env_order.contains(&e) {
                env_order.push(e);
            }
        }
    }
    let mut envs = vec!["base".to_string()];
    if !env_order.is_empty() {
        let ordered: Vec<String> = if client_envs.is_empty() {
            env_order
        } else {
            env_order
                .into_iter()
                .filter(|e| client_envs.contains(e))
                .collect()
        };
        for e in ordered {
            if !envs.contains(&e) {
                envs.push(e);
            }
        }
        return envs;
    }
    if let Some(Value::Dict(roots)) = ctx.opt("file_roots") {
        for k in roots.map.keys() {
            let k = k.to_string();
            if !envs.contains(&k) {
                envs.push(k);
            }
        }
    }
    for e in client_envs {
        if !envs.contains(&e) {
            envs.push(e);
        }
    }
    envs
}

/// `state.show_state_usage(queue=None, **kwargs)`: per environment, the available SLS
/// names split into those the top file matches (`used`) and the rest (`unused`), with
/// counts; top file errors are returned as a list (retcode 1).
pub fn show_state_usage(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&Sig {
        name: "show_state_usage",
        ..SIG_QUEUE
    })?;
    let (_, _restore) = with_pillar_override(ctx, args)?;
    let mut hs = highstate::high_state(ctx);
    let matches = match highstate::top_matches(ctx, &mut hs, None) {
        TopOutcome::RenderError(_) => Matches::new(),
        TopOutcome::Matches(_, errors) if !errors.is_empty() => {
            set_retcode(EX_STATE_COMPILER_ERROR);
            return Ok(error_list(errors));
        }
        TopOutcome::Matches(m, _) => m,
    };
    let mut usage = Dict::new();
    for env in avail_envs(ctx) {
        let env_matches = matches.get(&env);
        let mut used = Vec::new();
        let mut unused = Vec::new();
        let states = rsalt_sls::high::list_states(&*ctx.files, &env);
        for state in &states {
            if env_matches.is_some_and(|m| m.contains(state)) {
                used.push(Value::from(state.as_str()));
            } else {
                unused.push(Value::from(state.as_str()));
            }
        }
        let mut e = Dict::new();
        let (n_used, n_unused) = (used.len() as i64, unused.len() as i64);
        e.insert("used", Value::List(used));
        e.insert("unused", Value::List(unused));
        e.insert("count_all", Value::Int(states.len() as i64));
        e.insert("count_used", Value::Int(n_used));
        e.insert("count_unused", Value::Int(n_unused));
        usage.insert(env, Value::Dict(e));
    }
    set_retcode(if usage.is_empty() {
        EX_STATE_FAILURE
    } else {
        0
    });
    Ok(Value::Dict(usage))
}
