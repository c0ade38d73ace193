//! Scratch probe (prints renders of templates given in JINJA_PROBE).
mod jinja_common;
use jinja_common::TestCaller;
use rsalt_data::Value;
use rsalt_sls::jinja::{render, sls_context, JinjaEnv, JinjaOptions};
use rsalt_sls::RootsFileClient;
use std::sync::Arc;

#[test]
fn probe() {
    let Ok(src) = std::env::var("JINJA_PROBE") else { return };
    let env = JinjaEnv {
        files: Arc::new(RootsFileClient::new(vec![("base".into(), vec!["/tmp/jprobe".into()])])),
        caller: Arc::new(TestCaller { grains: Value::dict(), pillar: Value::dict(), opts: Value::dict() }),
        options: JinjaOptions::default(),
    };
    let ctx = sls_context(Some("probe"), "probe.sls", "base");
    match render(&env, &src, "probe.sls", "base", &ctx) {
        Ok(s) => println!("OK<<{s}>>"),
        Err(e) => println!("ERR<<{e:?}>>"),
    }
}
