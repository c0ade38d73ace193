//! Fuzzes the Jinja renderer (token rewrite + minijinja + Salt filters): any input must
//! render or fail with an error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rsalt_data::{Dict, Value};
use rsalt_sls::jinja::{render, sls_context, JinjaEnv, JinjaOptions};
use rsalt_sls::{CallError, Caller, RootsFileClient};
use std::sync::Arc;

struct EchoCaller;

impl Caller for EchoCaller {
    fn call(&self, fun: &str, args: Vec<Value>, _kwargs: Dict) -> Result<Value, CallError> {
        match fun {
            "test.echo" => Ok(args.into_iter().next().unwrap_or_default()),
            _ => Err(CallError::NotAvailable(fun.to_string())),
        }
    }

    fn has(&self, fun: &str) -> bool {
        fun == "test.echo"
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let _ = rsalt_sls::jinja::rewrite::rewrite(src);
    let env = JinjaEnv {
        files: Arc::new(RootsFileClient::new(Vec::new())),
        caller: Arc::new(EchoCaller),
        options: JinjaOptions::default(),
    };
    let mut ctx = sls_context(Some("fuzz"), "fuzz.sls", "base");
    ctx.insert("grains", Value::Dict(Dict::new()));
    ctx.insert("pillar", Value::Dict(Dict::new()));
    let _ = render(&env, src, "fuzz.sls", "base", &ctx);
});
