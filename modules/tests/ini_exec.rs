//! `ini.*` execution functions against calls recorded from Salt 3007.8
//! (oracle_ini/exec.json): return values and the files left behind.

mod file_support;
use file_support::*;
use rsalt_data::{Dict, Value};
use rsalt_modules::exec::{registry, Args};

fn subst(v: &serde_json::Value, from: &str, to: &str) -> serde_json::Value {
    match v {
        serde_json::Value::String(s) => serde_json::Value::String(s.replace(from, to)),
        serde_json::Value::Array(a) => {
            serde_json::Value::Array(a.iter().map(|x| subst(x, from, to)).collect())
        }
        serde_json::Value::Object(m) => serde_json::Value::Object(
            m.iter()
                .map(|(k, x)| (k.replace(from, to), subst(x, from, to)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn sorted(v: &serde_json::Value) -> String {
    fn go(v: &serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => {
                let b: std::collections::BTreeMap<_, _> =
                    m.iter().map(|(k, v)| (k.clone(), go(v))).collect();
                serde_json::Value::Object(b.into_iter().collect())
            }
            serde_json::Value::Array(a) => serde_json::Value::Array(a.iter().map(go).collect()),
            other => other.clone(),
        }
    }
    go(v).to_string()
}

#[test]
fn ini_exec_functions_match_recorded_salt() {
    let data: serde_json::Value =
        serde_json::from_str(include_str!("oracle_ini/exec.json")).expect("exec.json");
    let reg = registry();
    let mut errors = Vec::new();
    for (i, call) in data["calls"].as_array().expect("calls").iter().enumerate() {
        let env = Env::new();
        let sb = env.sandbox.display().to_string();
        for (rel, content) in data["seed"].as_object().expect("seed") {
            env.seed(rel, content.as_str().unwrap_or_default());
        }
        let fun = call["fun"].as_str().expect("fun");
        let args: Vec<Value> = call["args"]
            .as_array()
            .expect("args")
            .iter()
            .map(|a| Value::from_json(&subst(a, "@SANDBOX@", &sb)))
            .collect();
        let mut kwargs = Dict::new();
        for (k, v) in call["kwargs"].as_object().expect("kwargs") {
            kwargs.insert(k.as_str(), Value::from_json(v));
        }
        let f = reg.get(fun).expect("registered");
        let got = f(&env.ctx, &Args::new(args, kwargs)).map(|v| v.to_json());
        let want = subst(&call["return"], "@SANDBOX@", &sb);
        match got {
            Ok(v) if sorted(&v) == sorted(&want) => {}
            other => errors.push(format!("call {i} {fun}: got {other:?}, want {want}")),
        }
        for (rel, f) in call["files"].as_object().expect("files") {
            let want = f["content"].as_str().unwrap_or_default();
            if env.read(rel) != want {
                errors.push(format!(
                    "call {i} {fun}: {rel}\n  got:  {:?}\n  want: {want:?}",
                    env.read(rel)
                ));
            }
            if env.mode(rel) != f["mode"].as_str().unwrap_or_default() {
                errors.push(format!("call {i} {fun}: {rel} mode {}", env.mode(rel)));
            }
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn unreadable_file_is_an_error_outside_test_mode() {
    let env = Env::new();
    std::fs::create_dir_all(env.p("dir.ini")).expect("mkdir");
    let f = registry().get("ini.get_ini").expect("registered");
    let err = f(
        &env.ctx,
        &Args::new(vec![s(&env.s("dir.ini"))], Dict::new()),
    )
    .expect_err("a directory cannot be read");
    assert_eq!(
        err.to_string(),
        format!(
            "Unable to open file '{0}'. Exception: [Errno 21] Is a directory: '{0}'",
            env.s("dir.ini")
        )
    );
}

#[test]
fn wrong_argument_types_are_errors_not_panics() {
    let env = Env::new();
    env.seed("a.ini", "[s]\nk = v\n");
    let reg = registry();
    let set = reg.get("ini.set_option").expect("registered");
    let err = set(
        &env.ctx,
        &Args::new(vec![s(&env.s("a.ini")), list(&["x"])], Dict::new()),
    )
    .expect_err("sections must be a dict");
    assert!(
        err.to_string()
            .contains("'list' object has no attribute 'items'"),
        "{err}"
    );
    // A plain value where a section exists: Salt's AttributeError, file untouched.
    let err = set(
        &env.ctx,
        &Args::new(
            vec![s(&env.s("a.ini")), dict(&[("s", s("flat"))])],
            Dict::new(),
        ),
    )
    .expect_err("cannot replace a section by a value");
    assert!(err.to_string().starts_with("AttributeError"), "{err}");
    assert_eq!(env.read("a.ini"), "[s]\nk = v\n");
    let get = reg.get("ini.get_option").expect("registered");
    let err = get(&env.ctx, &Args::new(vec![s(&env.s("a.ini"))], Dict::new()))
        .expect_err("missing arguments");
    assert_eq!(
        err.to_string(),
        "get_option() missing 2 required positional arguments: 'section' and 'option'"
    );
    let mut kw = Dict::new();
    kw.insert("encoding", s("klingon"));
    let err = reg.get("ini.get_ini").expect("registered")(
        &env.ctx,
        &Args::new(vec![s(&env.s("a.ini"))], kw),
    )
    .expect_err("unknown encoding");
    assert_eq!(err.to_string(), "LookupError: unknown encoding: klingon");
}
