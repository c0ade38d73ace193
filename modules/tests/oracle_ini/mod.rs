//! Replays the state groups recorded from Salt 3007.8 by `record.py` (states.json): each
//! group seeds a sandbox, then applies its states four times (test, real, real, test) and
//! compares every state's `result`/`comment`/`changes` and every sandbox file (content and
//! mode) with what Salt produced.
#![allow(dead_code)]

use crate::file_support::Env;
use rsalt_data::{Dict, Value};
use std::collections::BTreeMap;

/// The recorded groups.
pub fn groups() -> serde_json::Map<String, serde_json::Value> {
    let text = include_str!("states.json");
    match serde_json::from_str(text) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => panic!("states.json is not a JSON object"),
    }
}

/// JSON → Value with every dict an `OrderedDict`, as Salt's YAML renderer produces.
pub fn ordered(v: &serde_json::Value) -> Value {
    reorder(Value::from_json(v))
}

fn reorder(v: Value) -> Value {
    match v {
        Value::Dict(d) => {
            let mut out = Dict::ordered();
            for (k, v) in d.map {
                out.map.insert(k, reorder(v));
            }
            Value::Dict(out)
        }
        Value::List(l) => Value::List(l.into_iter().map(reorder).collect()),
        other => other,
    }
}

/// The JSON with object keys sorted (Salt and rsalt may insert in different orders).
pub fn sorted_json(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            let b: BTreeMap<_, _> = m.iter().map(|(k, v)| (k.clone(), sorted_json(v))).collect();
            serde_json::Value::Object(b.into_iter().collect())
        }
        serde_json::Value::Array(a) => {
            serde_json::Value::Array(a.iter().map(sorted_json).collect())
        }
        other => other.clone(),
    }
}

/// Salt reports exceptions with a traceback; compare its last line (the exception) with
/// our `Class: message`.
fn comments_match(expected: &str, actual: &str) -> bool {
    const PREFIX: &str = "An exception occurred in this state: ";
    if let Some(tb) = expected.strip_prefix(PREFIX) {
        if tb.starts_with("Traceback") {
            let last = tb.trim_end().lines().last().unwrap_or_default();
            let last = last.rsplit_once("exceptions.").map_or(last, |(_, r)| r);
            return actual.strip_prefix(PREFIX) == Some(last);
        }
    }
    expected == actual
}

/// Replays every group whose name starts with `prefix`; returns the mismatches.
pub fn replay(prefix: &str) -> Vec<String> {
    let mut errors = Vec::new();
    let mut seen = 0;
    for (gname, g) in groups() {
        if !gname.starts_with(prefix) {
            continue;
        }
        seen += 1;
        let env = Env::new();
        let sandbox = env.sandbox.display().to_string();
        if let Some(seed) = g["seed"].as_object() {
            for (rel, content) in seed {
                env.seed(rel, content.as_str().unwrap_or_default());
            }
        }
        let states = g["states"].as_array().cloned().unwrap_or_default();
        for (ri, run) in g["runs"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let test = run["test"].as_bool().unwrap_or(false);
            for st in &states {
                let id = st["id"].as_str().unwrap_or_default();
                let fun = st["fun"].as_str().unwrap_or_default();
                let mut args: Vec<(String, Value)> = Vec::new();
                let mut name = String::new();
                if let Some(a) = st["args"].as_object() {
                    for (k, v) in a {
                        if k == "name" {
                            name = format!("{sandbox}/{}", v.as_str().unwrap_or_default());
                        } else {
                            args.push((k.clone(), ordered(v)));
                        }
                    }
                }
                let argrefs: Vec<(&str, Value)> =
                    args.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
                let r = env.run(fun, &name, &argrefs, test);
                let exp = &run["results"][id];
                let ctx = format!("{gname} run {ri} (test={test}) {id}");
                let exp_result = exp["result"].as_bool();
                if exp_result != r.result {
                    errors.push(format!("{ctx}: result {:?} != {:?}", r.result, exp_result));
                }
                let exp_comment = exp["comment"]
                    .as_str()
                    .unwrap_or_default()
                    .replace("@SANDBOX@", &sandbox);
                if !comments_match(&exp_comment, &r.comment) {
                    errors.push(format!(
                        "{ctx}: comment\n  got:  {:?}\n  want: {:?}",
                        r.comment, exp_comment
                    ));
                }
                let want = sorted_json(&exp["changes"])
                    .to_string()
                    .replace("@SANDBOX@", &sandbox);
                let got = sorted_json(&Value::Dict(r.changes.clone()).to_json()).to_string();
                if want != got {
                    errors.push(format!("{ctx}: changes\n  got:  {got}\n  want: {want}"));
                }
            }
            let files = run["files"].as_object().cloned().unwrap_or_default();
            let mut actual = BTreeMap::new();
            collect(&env.sandbox, &env.sandbox, &mut actual);
            for (rel, f) in &files {
                let want_c = f["content"]
                    .as_str()
                    .unwrap_or_default()
                    .replace("@SANDBOX@", &sandbox);
                let want_m = f["mode"].as_str().unwrap_or_default();
                match actual.get(rel) {
                    None => errors.push(format!("{gname} run {ri}: missing file {rel}")),
                    Some((c, m)) => {
                        if *c != want_c {
                            errors.push(format!(
                                "{gname} run {ri}: {rel} content\n  got:  {c:?}\n  want: {want_c:?}"
                            ));
                        }
                        if m != want_m {
                            errors.push(format!("{gname} run {ri}: {rel} mode {m} != {want_m}"));
                        }
                    }
                }
            }
            for rel in actual.keys() {
                if !files.contains_key(rel) {
                    errors.push(format!("{gname} run {ri}: unexpected file {rel}"));
                }
            }
        }
    }
    assert!(seen > 0, "no recorded group starts with {prefix}");
    errors
}

fn collect(
    root: &std::path::Path,
    dir: &std::path::Path,
    out: &mut BTreeMap<String, (String, String)>,
) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(root, &p, out);
        } else if let Ok(md) = std::fs::metadata(&p) {
            let rel = p
                .strip_prefix(root)
                .map(|r| r.display().to_string())
                .unwrap_or_default();
            let content =
                String::from_utf8_lossy(&std::fs::read(&p).unwrap_or_default()).to_string();
            out.insert(
                rel,
                (content, format!("{:04o}", md.permissions().mode() & 0o7777)),
            );
        }
    }
}
