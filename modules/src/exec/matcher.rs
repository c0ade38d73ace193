//! `match.*`: whether this minion matches a target, with the same matchers as top files
//! (`rsalt_sls::matcher`).

use super::{Args, ExecRegistry, Sig};
use crate::highstate::minion_id;
use crate::RunContext;
use rsalt_data::Value;
use rsalt_sls::matcher::{self, MatchTarget};
use rsalt_sls::CallError;

/// Registers `match.*`.
pub fn register(r: &mut ExecRegistry) {
    r.add_doc(
        "match.compound",
        compound,
        "Return True if the minion ID matches the given compound target.\n",
    );
    r.add_doc(
        "match.glob",
        glob,
        "Return True if the minion ID matches the given glob target.\n",
    );
    r.add_doc(
        "match.pcre",
        pcre,
        "Return True if the minion ID matches the given pcre target.\n",
    );
    r.add_doc(
        "match.list",
        list,
        "Return True if the minion ID matches the given list target.\n",
    );
    r.add_doc(
        "match.grain",
        grain,
        "Return True if the minion matches the given grain target.\n",
    );
    r.add_doc(
        "match.grain_pcre",
        grain_pcre,
        "Return True if the minion matches the given grain_pcre target.\n",
    );
    r.add_doc(
        "match.pillar",
        pillar,
        "Return True if the minion matches the given pillar target.\n",
    );
    r.add_doc(
        "match.pillar_pcre",
        pillar_pcre,
        "Return True if the minion matches the given pillar_pcre target.\n",
    );
    r.add_doc(
        "match.ipcidr",
        ipcidr,
        "Return True if the minion matches the given ipcidr target.\n",
    );
    r.add_doc(
        "match.nodegroup",
        nodegroup,
        "Return True if the minion matches the given nodegroup.\n",
    );
}

fn sig(name: &'static str, params: &'static [&'static str]) -> Sig {
    Sig {
        name,
        params,
        required: 1,
        varargs: false,
        varkw: false,
    }
}

/// Runs `kind` for the bound `tgt` (and optional `delimiter`/`minion_id`).
fn run(
    ctx: &RunContext,
    args: &Args,
    name: &'static str,
    params: &'static [&'static str],
    kind: &str,
) -> Result<Value, CallError> {
    let b = args.bind(&sig(name, params))?;
    let tgt = b.get("tgt").cloned().unwrap_or_default();
    let id = b
        .get("minion_id")
        .filter(|v| !v.is_none())
        .map(Value::to_py_str)
        .unwrap_or_else(|| minion_id(&ctx.opts));
    let pillar = ctx.pillar();
    let nodegroups = ctx
        .opts
        .get("nodegroups")
        .and_then(Value::as_dict)
        .cloned()
        .unwrap_or_default();
    let t = MatchTarget {
        id: &id,
        grains: &ctx.grains,
        pillar: &pillar,
        nodegroups: &nodegroups,
    };
    let delimiter = b
        .get("delimiter")
        .map(Value::to_py_str)
        .unwrap_or_else(|| ":".into());
    let s = tgt.to_py_str();
    Ok(Value::Bool(match kind {
        "grain" => matcher::grain_match(&s, &delimiter, false, &t),
        "grain_pcre" => matcher::grain_match(&s, &delimiter, true, &t),
        "pillar" => matcher::pillar_match(&s, &delimiter, false, &t),
        "pillar_pcre" => matcher::pillar_match(&s, &delimiter, true, &t),
        other => matcher::match_by(other, &tgt, &t),
    }))
}

/// `match.compound(tgt, minion_id=None)`.
pub fn compound(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    run(ctx, args, "compound", &["tgt", "minion_id"], "compound")
}
/// `match.glob(tgt, minion_id=None)`.
pub fn glob(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    run(ctx, args, "glob", &["tgt", "minion_id"], "glob")
}
/// `match.pcre(tgt, minion_id=None)`.
pub fn pcre(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    run(ctx, args, "pcre", &["tgt", "minion_id"], "pcre")
}
/// `match.list(tgt, minion_id=None)`.
pub fn list(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    run(ctx, args, "list", &["tgt", "minion_id"], "list")
}
/// `match.grain(tgt, delimiter=':')`.
pub fn grain(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    run(ctx, args, "grain", &["tgt", "delimiter"], "grain")
}
/// `match.grain_pcre(tgt, delimiter=':')`.
pub fn grain_pcre(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    run(ctx, args, "grain_pcre", &["tgt", "delimiter"], "grain_pcre")
}
/// `match.pillar(tgt, delimiter=':')`.
pub fn pillar(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    run(ctx, args, "pillar", &["tgt", "delimiter"], "pillar")
}
/// `match.pillar_pcre(tgt, delimiter=':')`.
pub fn pillar_pcre(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    run(
        ctx,
        args,
        "pillar_pcre",
        &["tgt", "delimiter"],
        "pillar_pcre",
    )
}
/// `match.ipcidr(tgt)`.
pub fn ipcidr(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    run(ctx, args, "ipcidr", &["tgt"], "ipcidr")
}
/// `match.nodegroup(tgt)`.
pub fn nodegroup(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    run(ctx, args, "nodegroup", &["tgt"], "nodegroup")
}
