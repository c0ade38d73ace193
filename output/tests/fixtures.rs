//! Replays the fixtures recorded from Salt 3007.8's own outputters (see
//! `fixtures/generate.py`): every render must match byte for byte.

use rsalt_data::{Dict, DictKind, Key, Value};
use rsalt_output::{display, OutputOptions, StateOutput};
use std::path::PathBuf;

fn decode(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Object(o) => {
            if let Some(f) = o.get("$float").and_then(|f| f.as_str()) {
                return Value::Float(match f {
                    "inf" => f64::INFINITY,
                    "-inf" => f64::NEG_INFINITY,
                    "nan" => f64::NAN,
                    s => s.parse().expect("float fixture"),
                });
            }
            let (kind, items) = if let Some(i) = o.get("$dict") {
                (DictKind::Plain, i)
            } else {
                (DictKind::Ordered, o.get("$odict").expect("typed dict"))
            };
            let mut d = Dict {
                kind,
                ..Dict::default()
            };
            for pair in items.as_array().expect("pairs") {
                let k = Key::from_value(&decode(&pair[0])).expect("hashable key");
                d.map.insert(k, decode(&pair[1]));
            }
            Value::Dict(d)
        }
        serde_json::Value::Array(a) => Value::List(a.iter().map(decode).collect()),
        other => Value::from_json(other),
    }
}

fn strs(r: &serde_json::Value, k: &str) -> Vec<String> {
    r.get(k)
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn opts_from(r: &serde_json::Value, retcode: i64) -> OutputOptions {
    let b = |k: &str, d: bool| r.get(k).and_then(|v| v.as_bool()).unwrap_or(d);
    OutputOptions {
        color: b("color", false),
        state_output: StateOutput::parse(
            r.get("state_output")
                .and_then(|v| v.as_str())
                .unwrap_or("full"),
        ),
        state_verbose: b("state_verbose", true),
        output_diff: b("output_diff", false),
        indent: r.get("indent").and_then(|v| v.as_i64()),
        state_tabular: b("state_tabular", false),
        state_output_profile: b("state_output_profile", true),
        state_output_pct: b("state_output_pct", false),
        state_compress_ids: b("state_compress_ids", false),
        state_output_exclude: strs(r, "state_output_exclude"),
        state_output_terse: strs(r, "state_output_terse"),
        retcode,
        ..OutputOptions::default()
    }
}

struct Failure {
    file: String,
    idx: usize,
    out: String,
    expected: String,
    got: String,
}

fn run(filter: impl Fn(&str) -> bool) -> (usize, Vec<Failure>) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() > 50, "fixtures missing");
    let mut n = 0;
    let mut failures = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read fixture");
        let j: serde_json::Value = serde_json::from_str(&text).expect("fixture json");
        let input = decode(&j["input"]);
        let retcode = j["retcode"].as_i64().unwrap_or(0);
        for (idx, r) in j["renders"].as_array().expect("renders").iter().enumerate() {
            let out = r["out"].as_str().expect("out");
            if !filter(out) {
                continue;
            }
            n += 1;
            let expected = r["expected"].as_str().expect("expected");
            let got = display(out, &input, &opts_from(r, retcode)).expect("display");
            if got != expected {
                failures.push(Failure {
                    file: f.file_name().expect("name").to_string_lossy().into(),
                    idx,
                    out: format!("{out} {}", r),
                    expected: expected.to_string(),
                    got,
                });
            }
        }
    }
    (n, failures)
}

fn report(n: usize, failures: &[Failure]) {
    for f in failures.iter().take(6) {
        eprintln!(
            "=== {} render {}: {}",
            f.file,
            f.idx,
            f.out.chars().take(200).collect::<String>()
        );
        let (e, g): (Vec<&str>, Vec<&str>) =
            (f.expected.lines().collect(), f.got.lines().collect());
        let k = e
            .iter()
            .zip(g.iter())
            .position(|(a, b)| a != b)
            .unwrap_or(e.len().min(g.len()));
        for i in k.saturating_sub(2)..(k + 3) {
            eprintln!("  exp {:?}", e.get(i));
            eprintln!(
                "  got {:?}",
                g.get(i).map(|l| l.chars().take(300).collect::<String>())
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} renders differ",
        failures.len(),
        n
    );
}

#[test]
fn highstate_renders_match_salt() {
    let (n, f) = run(|o| o == "highstate");
    report(n, &f);
}

#[test]
fn nested_renders_match_salt() {
    let (n, f) = run(|o| o == "nested");
    report(n, &f);
}

#[test]
fn json_txt_raw_quiet_render_match_salt() {
    let (n, f) = run(|o| matches!(o, "json" | "txt" | "raw" | "quiet"));
    report(n, &f);
}

#[test]
fn pprint_renders_match_salt() {
    let (n, f) = run(|o| o == "pprint");
    report(n, &f);
}

#[test]
fn yaml_renders_match_salt() {
    let (n, f) = run(|o| o == "yaml");
    report(n, &f);
}
