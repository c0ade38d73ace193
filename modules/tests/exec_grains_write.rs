//! grains.set/setval/setvals/append/remove/delval/delkey (writing the grains file next to
//! `conf_file`), pillar.obfuscate/file_exists/ext and state.show_states/show_state_usage,
//! with expectations recorded from Salt 3007.8 (`salt-call --local`).

use rsalt_data::{Dict, Value};
use rsalt_modules::exec::{self, LocalCaller};
use rsalt_sls::jinja::JinjaOptions;
use rsalt_sls::{CallError, Caller, RootsFileClient};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

fn j(s: &str) -> Value {
    Value::from_json(&serde_json::from_str(s).expect("test JSON"))
}

fn d(s: &str) -> Dict {
    match j(s) {
        Value::Dict(d) => d,
        _ => panic!("not a dict"),
    }
}

/// A caller whose grains are those of `conf/grains` (as the minion loads them).
fn caller(dir: &Path, salt: Option<PathBuf>, pillar_dir: Option<PathBuf>) -> Arc<LocalCaller> {
    let conf = dir.join("conf");
    std::fs::create_dir_all(&conf).expect("conf dir");
    let conf_file = conf.join("minion");
    std::fs::write(&conf_file, "id: m1\n").expect("minion");
    let gfile = conf.join("grains");
    let grains = match std::fs::read_to_string(&gfile) {
        Ok(t) => match rsalt_data::yaml::safe_load(&t) {
            Ok(Value::Dict(d)) => d,
            _ => Dict::new(),
        },
        Err(_) => Dict::new(),
    };
    let mut opts = Dict::new();
    opts.insert("id", Value::from("m1"));
    opts.insert("conf_file", Value::from(conf_file.display().to_string()));
    opts.insert("config_dir", Value::from(conf.display().to_string()));
    let roots: Vec<PathBuf> = salt.into_iter().collect();
    let mut fr = Dict::new();
    fr.insert(
        "base",
        Value::List(
            roots
                .iter()
                .map(|p| Value::from(p.display().to_string()))
                .collect(),
        ),
    );
    opts.insert("file_roots", Value::Dict(fr));
    if let Some(p) = pillar_dir {
        let mut pr = Dict::new();
        pr.insert(
            "base",
            Value::List(vec![Value::from(p.display().to_string())]),
        );
        opts.insert("pillar_roots", Value::Dict(pr));
    }
    let files = Arc::new(RootsFileClient::new(vec![("base".into(), roots)]));
    LocalCaller::new(
        Arc::new(opts),
        Arc::new(grains),
        Arc::new(RwLock::new(d(
            r#"{"a": 1, "b": ["x", 2, 1.5, true, null], "c": {"d": "e"}}"#,
        ))),
        files,
        JinjaOptions::default(),
        exec::registry(),
    )
}

/// One call in a fresh process-like caller (grains re-read from the file).
fn call(dir: &Path, fun: &str, args: &str, kwargs: &str) -> Result<Value, CallError> {
    let c = caller(dir, None, None);
    let a = j(args).as_list().cloned().unwrap_or_default();
    c.call(fun, a, d(kwargs))
}

fn ok(dir: &Path, fun: &str, args: &str, kwargs: &str) -> Value {
    call(dir, fun, args, kwargs).unwrap_or_else(|e| panic!("{fun} failed: {e}"))
}

fn grains_file(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("conf/grains")).unwrap_or_default()
}

#[test]
fn grains_writers_match_salt_sequence() {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path();
    assert_eq!(
        ok(dir, "grains.setval", r#"["foo", "bar"]"#, "{}"),
        j(r#"{"foo": "bar"}"#)
    );
    assert_eq!(grains_file(dir), "foo: bar\n");
    ok(
        dir,
        "grains.setvals",
        r#"[{"a": 1, "b": [1, 2], "c": {"x": "y"}}]"#,
        "{}",
    );
    assert_eq!(
        grains_file(dir),
        "a: 1\nb:\n- 1\n- 2\nc:\n  x: y\nfoo: bar\n"
    );
    assert_eq!(
        ok(dir, "grains.set", r#"["c:z", 3]"#, "{}"),
        j(r#"{"comment": "", "changes": {"c": {"x": "y", "z": 3}}, "result": true}"#)
    );
    assert_eq!(
        ok(dir, "grains.set", r#"["b", 3]"#, "{}"),
        j(
            r#"{"comment": "The key 'b' exists but is a dict or a list. Use 'force=True' to overwrite.", "changes": {}, "result": false}"#
        )
    );
    assert_eq!(
        ok(dir, "grains.set", r#"["b", 3]"#, r#"{"force": true}"#),
        j(r#"{"comment": "", "changes": {"b": 3}, "result": true}"#)
    );
    assert_eq!(
        ok(dir, "grains.append", r#"["l", 5]"#, "{}"),
        j(r#"{"l": [5]}"#)
    );
    assert_eq!(
        ok(dir, "grains.append", r#"["l", 5]"#, "{}"),
        j(r#""The val 5 was already in the list l""#)
    );
    assert_eq!(
        ok(dir, "grains.append", r#"["foo", 5]"#, "{}"),
        j(r#""The key foo is not a valid list""#)
    );
    assert_eq!(
        ok(
            dir,
            "grains.append",
            r#"["foo", 5]"#,
            r#"{"convert": true}"#
        ),
        j(r#"{"foo": ["bar", 5]}"#)
    );
    assert_eq!(
        ok(dir, "grains.append", r#"["c:q:r", 7]"#, "{}"),
        j(r#"{"c": {"x": "y", "z": 3, "q": {"r": [7]}}}"#)
    );
    assert_eq!(
        ok(dir, "grains.delval", r#"["a"]"#, "{}"),
        j(r#"{"comment": "", "changes": {"a": null}, "result": true}"#)
    );
    assert!(grains_file(dir).contains("a: null\n"));
    ok(dir, "grains.delkey", r#"["a"]"#, "{}");
    assert!(!grains_file(dir).contains("a: null"));
    assert_eq!(
        ok(dir, "grains.remove", r#"["foo", "bar"]"#, "{}"),
        j(r#"{"foo": [5]}"#)
    );
    assert_eq!(
        ok(dir, "grains.remove", r#"["foo", "zz"]"#, "{}"),
        j(r#""The val zz was not in the list foo""#)
    );
    assert_eq!(
        ok(dir, "grains.set", r#"["c:x:deep", 1]"#, "{}"),
        j(
            r#"{"comment": "The key 'c:x' value is 'y', which is different from the provided key 'deep'. Use 'force=True' to overwrite.", "changes": {}, "result": false}"#
        )
    );
    ok(
        dir,
        "grains.set",
        r#"["c:x:deep", 1]"#,
        r#"{"force": true}"#,
    );
    assert_eq!(
        grains_file(dir),
        "b: 3\nc:\n  q:\n    r:\n    - 7\n  x:\n    deep: 1\n  z: 3\nfoo:\n- 5\nl:\n- 5\n"
    );
    assert_eq!(
        ok(dir, "grains.fetch", r#"["c:x:deep"]"#, "{}"),
        Value::Int(1)
    );
}

#[test]
fn grains_set_into_lists_and_destructive_delval() {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path();
    ok(dir, "grains.set", r#"["lst", ["a", {"k": 1}]]"#, "{}");
    assert_eq!(
        ok(dir, "grains.set", r#"["lst:k", 2]"#, "{}"),
        j(r#"{"comment": "", "changes": {"lst": ["a", {"k": 2}]}, "result": true}"#)
    );
    ok(dir, "grains.set", r#"["lst:a", 3]"#, r#"{"force": true}"#);
    assert_eq!(
        ok(dir, "grains.set", r#"["lst:new", 4]"#, r#"{"force": true}"#),
        j(
            r#"{"comment": "", "changes": {"lst": [{"a": 3}, {"k": 2}, {"new": 4}]}, "result": true}"#
        )
    );
    ok(dir, "grains.set", r#"["c", {"x": 1, "z": 2}]"#, "{}");
    assert_eq!(
        ok(
            dir,
            "grains.delval",
            r#"["c:z"]"#,
            r#"{"destructive": true}"#
        ),
        j(r#"{"comment": "", "changes": {"c": {"x": 1}}, "result": true}"#)
    );
    assert_eq!(
        ok(dir, "grains.set", r#"["c:x", 1]"#, "{}"),
        j(r#"{"comment": "Grain is already set", "changes": {}, "result": true}"#)
    );
}

#[test]
fn grains_writers_bad_input() {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path();
    let e = call(dir, "grains.set", "[1, 2]", "{}").expect_err("int key");
    assert_eq!(e.to_string(), "argument of type 'int' is not iterable");
    let e = call(dir, "grains.setval", "[[1], 2]", "{}").expect_err("list key");
    assert_eq!(e.to_string(), "unhashable type: 'list'");
    let e = call(dir, "grains.setvals", "[[1]]", "{}").expect_err("not a dict");
    assert!(e
        .to_string()
        .contains("setvals grains must be a dictionary."));
    std::fs::create_dir_all(dir.join("conf")).expect("conf");
    std::fs::write(dir.join("conf/grains"), "a: [\n").expect("bad grains");
    let c = caller(dir, None, None);
    let v = c
        .call("grains.setval", vec![j(r#""k""#), j("1")], Dict::new())
        .expect("setval");
    assert!(v
        .as_str()
        .is_some_and(|s| s.starts_with("Unable to read existing grains file: ")));
}

#[test]
fn pillar_obfuscate_and_file_exists() {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path();
    let pdir = dir.join("pillar");
    std::fs::create_dir_all(pdir.join("sub")).expect("pillar dir");
    std::fs::write(pdir.join("sub/f.txt"), "").expect("file");
    let c = caller(dir, None, Some(pdir));
    let r = |fun: &str, a: &str, k: &str| {
        c.call(fun, j(a).as_list().cloned().unwrap_or_default(), d(k))
            .unwrap_or_else(|e| panic!("{fun}: {e}"))
    };
    assert_eq!(
        r("pillar.obfuscate", "[]", "{}"),
        j(
            r#"{"a": "<int>", "b": ["<str>", "<int>", "<float>", "<bool>", "<NoneType>"], "c": {"d": "<str>"}}"#
        )
    );
    assert_eq!(
        r("pillar.obfuscate", r#"["a"]"#, "{}"),
        j(r#"{"a": "<int>"}"#)
    );
    assert_eq!(r("pillar.file_exists", r#"["sub/f.txt"]"#, "{}"), j("true"));
    assert_eq!(r("pillar.file_exists", r#"["sub"]"#, "{}"), j("false"));
    assert_eq!(
        r(
            "pillar.file_exists",
            r#"["sub/f.txt"]"#,
            r#"{"saltenv": "dev"}"#
        ),
        j("false")
    );
    assert!(c
        .call("pillar.obfuscate", vec![], d(r#"{"foo": 1}"#))
        .is_err());
    let no_roots = caller(&dir.join("x"), None, None);
    assert!(no_roots
        .call("pillar.file_exists", vec![j(r#""a""#)], Dict::new())
        .is_err());
}

#[test]
fn state_show_states_and_usage() {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path();
    let salt = dir.join("salt");
    std::fs::create_dir_all(salt.join("web")).expect("web");
    std::fs::create_dir_all(salt.join("db")).expect("db");
    let files = [
        ("top.sls", "base:\n  '*':\n    - web\n    - db.mysql\n"),
        ("web/init.sls", "w1:\n  test.nop\ninclude:\n  - common\n"),
        ("common.sls", "c:\n  test.nop\n"),
        ("db/mysql.sls", "m:\n  test.nop\n"),
        ("unused.sls", "x:\n  test.nop\n"),
    ];
    for (p, text) in files {
        std::fs::write(salt.join(p), text).expect("sls");
    }
    let c = caller(dir, Some(salt), None);
    assert_eq!(
        c.call("state.show_states", vec![], Dict::new())
            .expect("show_states"),
        j(r#"["common", "web", "db.mysql"]"#)
    );
    assert_eq!(
        c.call("state.show_state_usage", vec![], Dict::new())
            .expect("usage"),
        j(
            r#"{"base": {"used": ["db.mysql", "web"], "unused": ["common", "top", "unused"],
              "count_all": 5, "count_used": 2, "count_unused": 3}}"#
        )
    );
    let e = c
        .call("state.show_state_usage", vec![], d(r#"{"pillar": 1}"#))
        .expect_err("non-dict pillar");
    assert!(e.to_string().starts_with("Pillar data must be formatted"));
}
