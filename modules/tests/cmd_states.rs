//! The `cmd` state module, with returns recorded from Salt 3007.8 (`state.sls` runs of
//! cmd.run / cmd.script / cmd.wait / mod_watch in temp dirs).

use rsalt_data::{Dict, Value};
use rsalt_modules::exec;
use rsalt_modules::state::{self, StateCall, StateReturn};
use rsalt_modules::RunContext;
use rsalt_sls::jinja::JinjaOptions;
use rsalt_sls::RootsFileClient;
use std::path::Path;
use std::sync::Arc;

fn j(s: &str) -> Value {
    Value::from_json(&serde_json::from_str(s).expect("test JSON"))
}

fn ctx(root: &Path) -> RunContext {
    let files = Arc::new(RootsFileClient::new(vec![(
        "base".into(),
        vec![root.to_path_buf()],
    )]));
    let mut grains = Dict::new();
    grains.insert("role", Value::from("api"));
    grains.insert("shell", Value::from("/bin/sh"));
    exec::new_context(
        Dict::new(),
        grains,
        Dict::new(),
        files,
        JinjaOptions::default(),
        exec::registry(),
    )
}

fn low(fun: &str, name: &str, args: &str) -> Dict {
    let mut l = Dict::new();
    l.insert("state", Value::from("cmd"));
    l.insert("fun", Value::from(fun));
    l.insert("name", Value::from(name));
    l.insert("__id__", Value::from(name));
    l.insert("__env__", Value::from("base"));
    l.insert("__sls__", Value::from("t"));
    if let Value::Dict(a) = j(args) {
        for (k, v) in a.iter() {
            l.insert(k.clone(), v.clone());
        }
    }
    l
}

fn run_state(ctx: &RunContext, fun: &str, name: &str, args: &str, test: bool) -> StateReturn {
    let l = low(fun, name, args);
    let reg = state::registry();
    let m = reg.get("cmd").expect("cmd module");
    let call = StateCall {
        low: &l,
        name: name.to_string(),
        test,
        ctx,
    };
    if fun == "mod_watch" {
        m.mod_watch(&call).expect("cmd has mod_watch")
    } else {
        m.call(fun, &call)
    }
}

/// The changes without `pid` (the corpus drops it; it must be present).
fn changes(r: &StateReturn) -> Value {
    let mut c = r.changes.clone();
    if !c.is_empty() && r.changes.contains_key("retcode") {
        assert!(
            matches!(c.remove("pid"), Some(Value::Int(_))),
            "pid missing"
        );
    }
    Value::Dict(c)
}

#[test]
fn run_success_failure_cwd_and_test_mode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = ctx(dir.path());
    let d = dir.path().display().to_string();

    let r = run_state(
        &c,
        "run",
        "echo built > marker",
        &format!(r#"{{"cwd": "{d}"}}"#),
        false,
    );
    assert_eq!(r.result, Some(true));
    assert_eq!(r.comment, "Command \"echo built > marker\" run");
    assert_eq!(
        changes(&r),
        j(r#"{"retcode": 0, "stdout": "", "stderr": ""}"#)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("marker"))
            .ok()
            .as_deref(),
        Some("built\n")
    );
    let keys: Vec<String> = r.changes.iter().map(|(k, _)| k.to_string()).collect();
    assert_eq!(keys, ["pid", "retcode", "stdout", "stderr"]);

    let r = run_state(&c, "run", "pwd", &format!(r#"{{"cwd": "{d}"}}"#), false);
    assert_eq!(r.changes.get("stdout"), Some(&Value::from(d.as_str())));

    let r = run_state(
        &c,
        "run",
        "sh -c 'echo partial; echo err >&2; exit 4'",
        "{}",
        false,
    );
    assert_eq!(r.result, Some(false));
    assert_eq!(
        r.comment,
        "Command \"sh -c 'echo partial; echo err >&2; exit 4'\" run"
    );
    assert_eq!(
        changes(&r),
        j(r#"{"retcode": 4, "stdout": "partial", "stderr": "err"}"#)
    );

    let r = run_state(&c, "run", "echo hi", r#"{"cwd": "/nonexistent"}"#, false);
    assert_eq!(r.result, Some(false));
    assert_eq!(
        r.comment,
        "Desired working directory \"/nonexistent\" is not available"
    );
    assert!(r.changes.is_empty());

    // test=True: nothing runs, cwd is not checked.
    let r = run_state(
        &c,
        "run",
        "touch never",
        &format!(r#"{{"cwd": "{d}"}}"#),
        true,
    );
    assert_eq!(r.result, None);
    assert_eq!(
        r.comment,
        "Command \"touch never\" would have been executed"
    );
    assert_eq!(
        Value::Dict(r.changes.clone()),
        j(r#"{"cmd": "touch never"}"#)
    );
    assert!(!dir.path().join("never").exists());
    let r = run_state(&c, "run", "echo hi", r#"{"cwd": "/nonexistent"}"#, true);
    assert_eq!(r.result, None);
}

#[test]
fn run_env_shell_and_success_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = ctx(dir.path());
    let r = run_state(
        &c,
        "run",
        "echo \"$GREETING $TARGET\"",
        r#"{"env": [{"GREETING": "hello"}, {"TARGET": "world"}]}"#,
        false,
    );
    assert_eq!(r.changes.get("stdout"), Some(&Value::from("hello world")));
    let r = run_state(
        &c,
        "run",
        "echo $FOO $BAR $BAZ",
        r#"{"env": {"FOO": 1, "BAR": true, "BAZ": null}}"#,
        false,
    );
    assert_eq!(r.changes.get("stdout"), Some(&Value::from("1 True")));
    let r = run_state(&c, "run", "echo hi", r#"{"env": "FOO=bar"}"#, false);
    assert_eq!(r.result, Some(false));
    assert_eq!(
        r.comment,
        "Invalidly-formatted 'env' parameter. See documentation."
    );
    let r = run_state(&c, "run", "echo hi", r#"{"env": "FOO=bar"}"#, true);
    assert_eq!(r.result, Some(false));
    // The grain shell runs the command.
    let r = run_state(&c, "run", "echo $0", "{}", false);
    assert_eq!(r.changes.get("stdout"), Some(&Value::from("/bin/sh")));
    let r = run_state(
        &c,
        "run",
        "echo to-stderr 1>&2; echo to-stdout",
        "{}",
        false,
    );
    assert_eq!(
        changes(&r),
        j(r#"{"retcode": 0, "stdout": "to-stdout", "stderr": "to-stderr"}"#)
    );
    let r = run_state(&c, "run", "exit 3", r#"{"success_retcodes": [3]}"#, false);
    assert_eq!(
        (r.result, r.changes.get("retcode")),
        (Some(true), Some(&Value::Int(0)))
    );
    let r = run_state(
        &c,
        "run",
        "echo magic; exit 2",
        r#"{"success_stdout": "magic"}"#,
        false,
    );
    assert_eq!(r.result, Some(true));
    let r = run_state(&c, "run", "echo secret", r#"{"hide_output": true}"#, false);
    assert_eq!(
        changes(&r),
        j(r#"{"retcode": 0, "stdout": "", "stderr": ""}"#)
    );
    let r = run_state(&c, "run", "nonexistentcommand arg", "{}", false);
    assert_eq!(r.result, Some(false));
    assert_eq!(r.changes.get("retcode"), Some(&Value::Int(127)));
    // The runner passes `umask: '027'` as `__umask__` (an int).
    let r = run_state(&c, "run", "umask", r#"{"__umask__": 23}"#, false);
    assert_eq!(r.changes.get("stdout"), Some(&Value::from("0027")));
    let r = run_state(&c, "run", "whoami", r#"{"runas": "nosuchuser"}"#, false);
    assert_eq!(
        (r.result, r.comment.as_str()),
        (Some(false), "User 'nosuchuser' is not available")
    );
}

#[test]
fn run_timeout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = ctx(dir.path());
    let r = run_state(&c, "run", "sleep 5", r#"{"timeout": 1}"#, false);
    assert_eq!(r.result, Some(false));
    assert_eq!(r.comment, "Command \"sleep 5\" run");
    let keys: Vec<String> = r.changes.iter().map(|(k, _)| k.to_string()).collect();
    assert_eq!(keys, ["stdout", "stderr", "retcode", "pid"]);
    assert_eq!(
        r.changes.get("stdout"),
        Some(&Value::from("sleep 5 : Timed out after 1 seconds"))
    );
    let r = run_state(
        &c,
        "run",
        "sleep 5",
        r#"{"timeout": 1, "ignore_timeout": true}"#,
        false,
    );
    assert_eq!(
        (r.result, r.changes.get("retcode")),
        (Some(true), Some(&Value::Int(0)))
    );
}

#[test]
fn stateful_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = ctx(dir.path());
    let r = run_state(
        &c,
        "run",
        "echo line1; echo \"changed=yes comment='all good' extra=1\"",
        r#"{"stateful": true}"#,
        false,
    );
    assert_eq!(r.result, Some(true));
    assert_eq!(r.comment, "all good");
    assert_eq!(
        changes(&r),
        j(r#"{"changed": "yes", "extra": "1", "retcode": 0, "stdout": "line1", "stderr": ""}"#)
    );
    let r = run_state(
        &c,
        "run",
        "echo \"changed=no comment='nothing'\"",
        r#"{"stateful": true}"#,
        false,
    );
    assert_eq!((r.result, r.comment.as_str()), (Some(true), "nothing"));
    assert!(r.changes.is_empty());
    let r = run_state(
        &c,
        "run",
        "echo '{\"changed\": true, \"comment\": \"js\", \"k\": 2}'",
        r#"{"stateful": true}"#,
        false,
    );
    assert_eq!(r.comment, "js");
    assert_eq!(
        changes(&r),
        j(r#"{"changed": true, "k": 2, "retcode": 0, "stdout": "", "stderr": ""}"#)
    );
    let r = run_state(
        &c,
        "run",
        "echo 'garbage here'",
        r#"{"stateful": true}"#,
        false,
    );
    assert_eq!(r.result, Some(false));
    assert_eq!(
        r.comment,
        "Failed parsing script output! Stdout must be JSON or a line of name=value pairs."
    );
    assert_eq!(
        changes(&r),
        j(r#"{"retcode": 0, "stdout": "garbage here", "stderr": ""}"#)
    );
    let r = run_state(&c, "run", "echo err >&2", r#"{"stateful": true}"#, false);
    assert_eq!((r.result, r.comment.as_str()), (Some(true), "err"));
    assert!(r.changes.is_empty());
    // test=True with stateful: the prediction is reinterpreted into nothing.
    let r = run_state(&c, "run", "echo x", r#"{"stateful": true}"#, true);
    assert_eq!((r.result, r.comment.as_str()), (None, ""));
    assert!(r.changes.is_empty());
    // test_name runs the test command under test=True; the state keeps its name.
    let r = run_state(
        &c,
        "run",
        "echo x",
        r#"{"stateful": [{"test_name": "echo testname"}]}"#,
        true,
    );
    assert_eq!(r.name, "echo x");
    assert_eq!(r.result, None);
    assert_eq!(
        changes(&r),
        j(r#"{"retcode": 0, "stdout": "testname", "stderr": ""}"#)
    );
}

#[test]
fn script_wait_and_mod_watch() {
    let root = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(root.path().join("scripts")).expect("mkdir");
    std::fs::write(
        root.path().join("scripts/hello.sh"),
        "#!/bin/sh\necho \"hello $1 $2\"\necho \"args: $#\"\n",
    )
    .expect("write");
    std::fs::write(
        root.path().join("scripts/tpl.sh"),
        "#!/bin/sh\necho \"role={{ grains['role'] }} {{ foo }}\"\n",
    )
    .expect("write");
    let c = ctx(root.path());
    let d = root.path().display().to_string();

    // source defaults to name, args included: Salt cannot cache it.
    let r = run_state(
        &c,
        "script",
        "salt://scripts/hello.sh world there",
        "{}",
        false,
    );
    assert_eq!(r.result, Some(false));
    assert_eq!(
        r.comment,
        "Unable to cache script salt://scripts/hello.sh world there from saltenv 'base'"
    );
    assert_eq!(
        Value::Dict(r.changes.clone()),
        j(r#"{"pid": 0, "retcode": 1, "stdout": "", "stderr": "", "cache_error": true}"#)
    );
    // Through the shell, `args` do not reach the script (Salt passes them to `sh -c`).
    let r = run_state(
        &c,
        "script",
        "myscript",
        &format!(r#"{{"source": "salt://scripts/hello.sh", "args": "a 'b c'", "cwd": "{d}"}}"#),
        false,
    );
    assert_eq!(r.result, Some(true));
    assert_eq!(r.comment, "Command 'myscript' run");
    assert_eq!(
        r.changes.get("stdout"),
        Some(&Value::from("hello  \nargs: 0"))
    );
    let leftovers: Vec<_> = std::fs::read_dir(root.path())
        .expect("readdir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("__salt.tmp."))
        .collect();
    assert!(leftovers.is_empty(), "temp script not removed");
    let r = run_state(
        &c,
        "script",
        "script3",
        r#"{"source": "salt://scripts/tpl.sh", "template": "jinja", "context": {"foo": "bar"}}"#,
        false,
    );
    assert_eq!(r.changes.get("stdout"), Some(&Value::from("role=api bar")));
    let r = run_state(
        &c,
        "script",
        "myscript",
        r#"{"source": "salt://scripts/hello.sh"}"#,
        true,
    );
    assert_eq!(
        (r.result, r.comment.as_str()),
        (None, "Command 'myscript' would have been executed")
    );
    assert!(r.changes.is_empty());

    // cmd.wait does nothing by itself; mod_watch runs it.
    let r = run_state(&c, "wait", "echo fired", "{}", false);
    assert_eq!((r.result, r.comment.as_str()), (Some(true), ""));
    assert!(r.changes.is_empty());
    let r = run_state(&c, "mod_watch", "echo fired", r#"{"sfun": "wait"}"#, false);
    assert_eq!(r.comment, "Command \"echo fired\" run");
    assert_eq!(
        changes(&r),
        j(r#"{"retcode": 0, "stdout": "fired", "stderr": ""}"#)
    );
    let r = run_state(&c, "mod_watch", "echo fired", r#"{"sfun": "wait"}"#, true);
    assert_eq!(
        (r.result, r.comment.as_str()),
        (None, "Command \"echo fired\" would have been executed")
    );
    let r = run_state(
        &c,
        "mod_watch",
        "x",
        r#"{"sfun": "wait_script", "source": "salt://scripts/hello.sh"}"#,
        false,
    );
    assert_eq!(
        r.changes.get("stdout"),
        Some(&Value::from("hello  \nargs: 0"))
    );
    let r = run_state(&c, "mod_watch", "x", r#"{"sfun": "bogus"}"#, false);
    assert_eq!(r.result, Some(false));
    assert_eq!(
        r.comment,
        "cmd.bogus does not work with the watch requisite, please use cmd.wait or cmd.wait_script"
    );
    let reg = state::registry();
    assert!(reg.get("cmd").is_some_and(|m| m.has_mod_watch()));
    assert!(reg.has("cmd", "wait_script"));
}
