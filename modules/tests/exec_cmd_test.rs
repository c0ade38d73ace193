//! test.*, cmd.*, sys.* execution functions and the caller's error texts, with
//! expectations recorded from Salt 3007.8.

use rsalt_data::{Dict, Value};
use rsalt_modules::exec::{self, LocalCaller};
use rsalt_sls::jinja::JinjaOptions;
use rsalt_sls::{CallError, Caller, RootsFileClient};
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

fn caller_with_root(root: &std::path::Path) -> Arc<LocalCaller> {
    let files = Arc::new(RootsFileClient::new(vec![(
        "base".into(),
        vec![root.to_path_buf()],
    )]));
    let mut grains = Dict::new();
    grains.insert("role", Value::from("api"));
    LocalCaller::new(
        Arc::new(d(r#"{"id": "web1"}"#)),
        Arc::new(grains),
        Arc::new(RwLock::new(Dict::new())),
        files,
        JinjaOptions::default(),
        exec::registry(),
    )
}

fn caller() -> Arc<LocalCaller> {
    caller_with_root(std::path::Path::new("/nonexistent-root"))
}

fn call(c: &LocalCaller, fun: &str, args: &str, kwargs: &str) -> Result<Value, CallError> {
    c.call(
        fun,
        j(args).as_list().cloned().unwrap_or_default(),
        d(kwargs),
    )
}

#[test]
fn test_functions() {
    let c = caller();
    assert_eq!(call(&c, "test.ping", "[]", "{}"), Ok(Value::Bool(true)));
    assert_eq!(
        call(&c, "test.echo", r#"["two words"]"#, "{}"),
        Ok(j(r#""two words""#))
    );
    assert_eq!(
        call(&c, "test.echo", "[]", r#"{"text": "a"}"#),
        Ok(j(r#""a""#))
    );
    assert_eq!(call(&c, "test.version", "[]", "{}"), Ok(j(r#""3007.8""#)));
    assert_eq!(call(&c, "test.true", "[]", "{}"), Ok(Value::Bool(true)));
    assert_eq!(call(&c, "test.false", "[]", "{}"), Ok(Value::Bool(false)));
    assert_eq!(
        call(
            &c,
            "test.arg",
            r#"[1, "a", 2.5, [1, 2], {"a": 1}]"#,
            r#"{"x": true, "y": null}"#
        ),
        Ok(j(
            r#"{"args": [1, "a", 2.5, [1, 2], {"a": 1}], "kwargs": {"x": true, "y": null}}"#
        ))
    );
    assert_eq!(
        call(&c, "test.kwarg", "[]", r#"{"a": 1}"#),
        Ok(j(r#"{"a": 1}"#))
    );
    assert_eq!(
        call(&c, "test.arg_repr", r#"[1, "a"]"#, r#"{"b": 2}"#),
        Ok(j(r#"{"args": "(1, 'a')", "kwargs": "{'b': 2}"}"#))
    );
    assert_eq!(
        call(&c, "test.arg_type", r#"[1, "a"]"#, "{}"),
        Ok(j(
            r#"{"args": ["<class 'int'>", "<class 'str'>"], "kwargs": {}}"#
        ))
    );
    assert_eq!(
        call(&c, "test.outputter", r#"[{"a": [1, 2]}]"#, "{}"),
        Ok(j(r#"{"a": [1, 2]}"#))
    );
    match call(&c, "test.rand_str", "[]", "{}") {
        Ok(Value::Str(s)) => assert_eq!(s.len(), 64),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        call(&c, "test.conf_test", "[]", "{}"),
        Ok(j(r#""unconfigured""#))
    );
    assert_eq!(
        call(&c, "test.provider", r#"["cmd"]"#, "{}"),
        Ok(j(r#""cmdmod""#))
    );
    assert_eq!(
        call(&c, "test.cross_test", r#"["test.echo", ["hi"]]"#, "{}"),
        Ok(j(r#""hi""#))
    );
    assert_eq!(
        call(&c, "test.try", r#"["test.echo"]"#, "{}"),
        Ok(Value::None)
    );
    assert_eq!(
        call(&c, "test.arg_clean", "[1]", r#"{"a": 2, "__pub_fun": "x"}"#),
        Ok(j(r#"{"args": [1], "kwargs": {"a": 2}}"#))
    );
    match call(&c, "test.collatz", "[6]", "{}") {
        Ok(Value::List(l)) => assert_eq!(l[0], j("[6, 3.0, 10.0, 5.0, 16.0, 8.0, 4.0, 2.0]")),
        other => panic!("{other:?}"),
    }
    match call(&c, "test.fib", "[10]", "{}") {
        Ok(Value::List(l)) => assert_eq!(l[0], Value::Int(55)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn retcode_side_channel() {
    let c = caller();
    let _ = exec::take_retcode();
    assert_eq!(call(&c, "test.retcode", "[3]", "{}"), Ok(Value::Bool(true)));
    assert_eq!(exec::take_retcode(), Some(3));
    assert_eq!(call(&c, "test.retcode", "[]", "{}"), Ok(Value::Bool(true)));
    assert_eq!(exec::take_retcode(), Some(42));
    call(&c, "cmd.run", r#"["exit 3"]"#, r#"{"python_shell": true}"#).expect("run");
    assert_eq!(exec::take_retcode(), Some(3));
    call(
        &c,
        "cmd.run",
        r#"["exit 3"]"#,
        r#"{"python_shell": true, "ignore_retcode": true}"#,
    )
    .expect("run");
    assert_eq!(exec::take_retcode(), Some(0));
}

fn nested(ctx: &rsalt_modules::RunContext, _args: &exec::Args) -> Result<Value, CallError> {
    ctx.caller.call(
        "cmd.run",
        vec![Value::from("exit 3")],
        d(r#"{"python_shell": true}"#),
    )
}

#[test]
fn nested_calls_do_not_set_the_exit_status() {
    let mut reg = exec::registry();
    reg.add("probe.nested", nested);
    let files = Arc::new(RootsFileClient::new(vec![("base".into(), vec![])]));
    let c = LocalCaller::new(
        Arc::new(Dict::new()),
        Arc::new(Dict::new()),
        Arc::new(RwLock::new(Dict::new())),
        files,
        JinjaOptions::default(),
        reg,
    );
    let _ = exec::take_retcode();
    assert_eq!(call(&c, "probe.nested", "[]", "{}"), Ok(Value::from("")));
    assert_eq!(exec::take_retcode(), None);
}

#[test]
fn argument_errors_use_python_wording() {
    let c = caller();
    assert_eq!(
        call(&c, "test.echo", "[]", "{}"),
        Err(CallError::BadArguments(
            "echo() missing 1 required positional argument: 'text'".into()
        ))
    );
    assert_eq!(
        call(&c, "test.echo", r#"["a", "b"]"#, "{}"),
        Err(CallError::BadArguments(
            "echo() takes 1 positional argument but 2 were given".into()
        ))
    );
    assert_eq!(
        call(&c, "test.ping", "[1]", "{}"),
        Err(CallError::BadArguments(
            "ping() takes 0 positional arguments but 1 was given".into()
        ))
    );
    assert_eq!(
        call(&c, "grains.get", r#"["a", "b", "c", "d", "e", "f"]"#, "{}"),
        Err(CallError::BadArguments(
            "get() takes from 1 to 4 positional arguments but 6 were given".into()
        ))
    );
    assert_eq!(
        call(&c, "test.echo", r#"["a"]"#, r#"{"text": "b"}"#),
        Err(CallError::BadArguments(
            "echo() got multiple values for argument 'text'".into()
        ))
    );
    assert_eq!(
        call(&c, "test.ping", "[]", r#"{"foo": "bar"}"#),
        Err(CallError::BadArguments(
            "The following keyword arguments are not valid: foo=bar".into()
        ))
    );
    // Salt's __pub_* keys are dropped for functions without **kwargs.
    assert_eq!(
        call(&c, "test.ping", "[]", r#"{"__pub_fun": "x"}"#),
        Ok(Value::Bool(true))
    );
    assert_eq!(
        call(&c, "nosuch.fun", "[]", "{}"),
        Err(CallError::NotAvailable("nosuch.fun".into()))
    );
    assert_eq!(
        CallError::NotAvailable("nosuch.fun".into()).to_string(),
        "'nosuch.fun' is not available."
    );
    assert!(!c.has("nosuch.fun"));
    assert!(c.has("cmd.run_all"));
}

#[test]
fn cmd_run_variants() {
    let c = caller();
    // No shell from the CLI: the string is split, `;` is an argument.
    assert_eq!(
        call(&c, "cmd.run", r#"["echo $0; pwd"]"#, "{}"),
        Ok(j(r#""$0; pwd""#))
    );
    assert_eq!(
        call(
            &c,
            "cmd.run",
            r#"["echo a; exit 2"]"#,
            r#"{"python_shell": true}"#
        ),
        Ok(j(r#""a""#))
    );
    // cmd.run merges stderr into stdout.
    assert_eq!(
        call(
            &c,
            "cmd.run",
            r#"["sh -c \"echo a; echo b >&2; exit 3\""]"#,
            "{}"
        ),
        Ok(j(r#""a\nb""#))
    );
    let all = call(
        &c,
        "cmd.run_all",
        r#"["echo a; echo b >&2; exit 2"]"#,
        r#"{"python_shell": true}"#,
    )
    .expect("run_all");
    let dd = all.as_dict().expect("dict");
    let keys: Vec<String> = dd.iter().map(|(k, _)| k.to_string()).collect();
    assert_eq!(keys, ["pid", "retcode", "stdout", "stderr"]);
    assert_eq!(dd.get("retcode"), Some(&Value::Int(2)));
    assert_eq!(dd.get("stdout"), Some(&j(r#""a""#)));
    assert_eq!(dd.get("stderr"), Some(&j(r#""b""#)));
    assert_eq!(
        call(
            &c,
            "cmd.run_stdout",
            r#"["echo a; echo b >&2"]"#,
            r#"{"python_shell": true}"#
        ),
        Ok(j(r#""a""#))
    );
    assert_eq!(
        call(
            &c,
            "cmd.run_stderr",
            r#"["echo a; echo b >&2"]"#,
            r#"{"python_shell": true}"#
        ),
        Ok(j(r#""b""#))
    );
    assert_eq!(
        call(
            &c,
            "cmd.retcode",
            r#"["exit 5"]"#,
            r#"{"python_shell": true}"#
        ),
        Ok(Value::Int(5))
    );
    assert_eq!(
        call(
            &c,
            "cmd.shell",
            r#"["echo $FOO"]"#,
            r#"{"env": {"FOO": "bar"}}"#
        ),
        Ok(j(r#""bar""#))
    );
    assert_eq!(
        call(&c, "cmd.run", r#"["pwd"]"#, r#"{"cwd": "/tmp"}"#),
        Ok(j(r#""/tmp""#))
    );
    assert_eq!(
        call(
            &c,
            "cmd.run",
            r#"["echo $LC_ALL-$LC_CTYPE-$LANGUAGE"]"#,
            r#"{"python_shell": true}"#
        )
        .map(|v| v.to_py_str().ends_with("-C-C")),
        Ok(true)
    );
    assert_eq!(
        call(&c, "cmd.run", r#"["cat"]"#, r#"{"stdin": "hello\\nworld"}"#),
        Ok(j(r#""hello\nworld""#))
    );
    assert_eq!(
        call(
            &c,
            "cmd.run",
            r#"["printf 'a\tb  \n\n'"]"#,
            r#"{"python_shell": true}"#
        ),
        Ok(j(r#""a\tb""#))
    );
    let sr = call(
        &c,
        "cmd.run_all",
        r#"["exit 3"]"#,
        r#"{"python_shell": true, "success_retcodes": [1, 3]}"#,
    )
    .expect("run_all");
    assert_eq!(sr.get("retcode"), Some(&Value::Int(0)));
    let so = call(
        &c,
        "cmd.run_all",
        r#"["echo ok; exit 3"]"#,
        r#"{"python_shell": true, "success_stdout": "ok"}"#,
    )
    .expect("run_all");
    assert_eq!(so.get("retcode"), Some(&Value::Int(0)));
    let hidden = call(
        &c,
        "cmd.run_all",
        r#"["echo secret"]"#,
        r#"{"hide_output": true}"#,
    )
    .expect("run_all");
    assert_eq!(hidden.get("stdout"), Some(&j(r#""""#)));
}

#[test]
fn cmd_errors_and_timeout() {
    let c = caller();
    assert_eq!(
        call(&c, "cmd.run", r#"["pwd"]"#, r#"{"cwd": "/nonexistent"}"#),
        Err(CallError::Failed(
            "Specified cwd '/nonexistent' either not absolute or does not exist".into()
        ))
    );
    assert_eq!(
        call(
            &c,
            "cmd.run",
            r#"["echo x"]"#,
            r#"{"shell": "/bin/nosuch"}"#
        ),
        Err(CallError::Failed(
            "The shell /bin/nosuch is not available".into()
        ))
    );
    assert_eq!(
        call(&c, "cmd.run", r#"["whoami"]"#, r#"{"runas": "nosuchuser"}"#),
        Err(CallError::Failed(
            "User 'nosuchuser' is not available".into()
        ))
    );
    match call(&c, "cmd.run", r#"["nonexistentcmd"]"#, "{}") {
        Err(CallError::Failed(m)) => {
            assert!(
                m.starts_with("Unable to run command '['nonexistentcmd']' with the context"),
                "{m}"
            );
            assert!(
                m.ends_with("reason: [Errno 2] No such file or directory: 'nonexistentcmd'"),
                "{m}"
            );
        }
        other => panic!("{other:?}"),
    }
    let start = std::time::Instant::now();
    assert_eq!(
        call(&c, "cmd.run", r#"["sleep 3"]"#, r#"{"timeout": 1}"#),
        Ok(j(r#""['sleep', '3'] : Timed out after 1 seconds""#))
    );
    let t = call(
        &c,
        "cmd.run_all",
        r#"["sleep 3"]"#,
        r#"{"timeout": 1, "python_shell": true}"#,
    )
    .expect("run_all");
    let keys: Vec<String> = t
        .as_dict()
        .expect("dict")
        .iter()
        .map(|(k, _)| k.to_string())
        .collect();
    assert_eq!(keys, ["stdout", "stderr", "retcode", "pid"]);
    assert_eq!(
        t.get("stdout"),
        Some(&j(r#""sleep 3 : Timed out after 1 seconds""#))
    );
    assert_eq!(t.get("retcode"), Some(&Value::Int(1)));
    assert!(start.elapsed().as_secs_f64() < 2.9);
}

#[test]
fn cmd_script_from_file_server() {
    let root = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(root.path().join("scripts")).expect("mkdir");
    std::fs::write(
        root.path().join("scripts/hello.sh"),
        "#!/bin/sh\necho \"hello $1 $2\"\necho \"args: $#\"\n",
    )
    .expect("write");
    let c = caller_with_root(root.path());
    let r = call(
        &c,
        "cmd.script",
        r#"["salt://scripts/hello.sh"]"#,
        r#"{"args": "a b"}"#,
    )
    .expect("script");
    // Without a shell the args string is one argument, as in Salt.
    assert_eq!(r.get("stdout"), Some(&j(r#""hello a b \nargs: 1""#)));
    assert_eq!(r.get("retcode"), Some(&Value::Int(0)));
    assert_eq!(
        call(&c, "cmd.script", r#"["salt://scripts/nope.sh"]"#, "{}"),
        Ok(j(
            r#"{"pid": 0, "retcode": 1, "stdout": "", "stderr": "", "cache_error": true}"#
        ))
    );
    assert_eq!(
        call(
            &c,
            "cmd.script_retcode",
            r#"["salt://scripts/hello.sh"]"#,
            "{}"
        ),
        Ok(Value::Int(0))
    );
    assert_eq!(
        call(&c, "cmd.has_exec", r#"["sh"]"#, "{}"),
        Ok(Value::Bool(true))
    );
    assert_eq!(
        call(&c, "cmd.which", r#"["nosuchbin"]"#, "{}"),
        Ok(Value::None)
    );
}

#[test]
fn sys_introspection() {
    let c = caller();
    let funcs = call(&c, "sys.list_functions", r#"["test"]"#, "{}").expect("list");
    let l = funcs.as_list().expect("list");
    assert!(l.contains(&j(r#""test.ping""#)));
    assert!(l.iter().all(|f| f.to_py_str().starts_with("test.")));
    let mods = call(&c, "sys.list_modules", "[]", "{}").expect("mods");
    for m in [
        "cmd", "config", "defaults", "grains", "pillar", "slsutil", "sys", "test",
    ] {
        assert!(
            mods.as_list().expect("list").contains(&Value::from(m)),
            "{m}"
        );
    }
    let doc = call(&c, "sys.doc", r#"["test.ping"]"#, "{}").expect("doc");
    assert_eq!(doc.as_dict().map(Dict::len), Some(1));
    assert!(doc
        .get("test.ping")
        .is_some_and(|v| v.to_py_str().contains("Not an ICMP ping")));
    let sf = call(&c, "sys.list_state_functions", r#"["cmd"]"#, "{}").expect("states");
    assert!(sf
        .as_list()
        .expect("list")
        .contains(&Value::from("cmd.run")));
}
