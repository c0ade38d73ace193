//! Scratch probe (prints renders of templates given in JINJA_PROBE).
mod jinja_common;
use jinja_common::TestCaller;
use rsalt_data::Value;
use rsalt_sls::jinja::{render, sls_context, JinjaEnv, JinjaOptions};
use rsalt_sls::RootsFileClient;
use std::sync::Arc;

#[test]
fn probe() {
    let Ok(src) = std::env::var("JINJA_PROBE") else {
        return;
    };
    let env = JinjaEnv {
        files: Arc::new(RootsFileClient::new(vec![(
            "base".into(),
            vec!["/tmp/jprobe".into()],
        )])),
        caller: Arc::new(TestCaller {
            grains: Value::dict(),
            pillar: Value::dict(),
            opts: Value::dict(),
        }),
        options: JinjaOptions::default(),
    };
    let ctx = sls_context(Some("probe"), "probe.sls", "base");
    match render(&env, &src, "probe.sls", "base", &ctx) {
        Ok(s) => println!("OK<<{s}>>"),
        Err(e) => println!("ERR<<{e:?}>>"),
    }
}

/// Timing probe: `JINJA_BENCH=1 cargo test --release --test jinja_probe -- --nocapture bench`.
#[test]
fn bench() {
    if std::env::var("JINJA_BENCH").is_err() {
        return;
    }
    let dir = jinja_common::inputs().join("c004");
    let env = JinjaEnv {
        files: Arc::new(RootsFileClient::new(vec![(
            "base".into(),
            vec![dir.join("salt")],
        )])),
        caller: Arc::new(TestCaller {
            grains: jinja_common::decode(
                &serde_json::json!({"__kind__": "dict", "items": [["os_family", "Debian"], ["num_cpus", 4], ["sandbox", "/S"]]}),
            ),
            pillar: Value::dict(),
            opts: Value::dict(),
        }),
        options: JinjaOptions::default(),
    };
    let src = std::fs::read_to_string(dir.join("salt/app/init.sls")).expect("src");
    let mut ctx = sls_context(Some("app"), "app/init.sls", "base");
    ctx.insert("grains", jinja_common::decode(&serde_json::json!({"__kind__": "dict", "items": [["os_family", "Debian"], ["num_cpus", 4], ["sandbox", "/S"]]})));
    ctx.insert("pillar", Value::dict());
    ctx.insert("opts", Value::dict());
    let n = 2000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        render(&env, &src, "app/init.sls", "base", &ctx).expect("render");
    }
    println!("per render: {:?}", t.elapsed() / n);
}
