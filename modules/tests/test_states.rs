//! The `test` state module, with returns recorded from Salt 3007.8 (corpus case 051 and
//! watch runs like case 028).

use rsalt_data::{Dict, Value};
use rsalt_modules::exec;
use rsalt_modules::state::{self, StateCall, StateReturn};
use rsalt_modules::RunContext;
use rsalt_sls::jinja::JinjaOptions;
use rsalt_sls::RootsFileClient;
use std::sync::Arc;

fn j(s: &str) -> Value {
    Value::from_json(&serde_json::from_str(s).expect("test JSON"))
}

fn ctx() -> RunContext {
    let files = Arc::new(RootsFileClient::new(vec![("base".into(), vec![])]));
    let mut pillar = Dict::new();
    pillar.insert("flag", Value::Bool(true));
    pillar.insert("name", Value::from("x"));
    exec::new_context(
        Dict::new(),
        Dict::new(),
        pillar,
        files,
        JinjaOptions::default(),
        exec::registry(),
    )
}

fn run(fun: &str, name: &str, args: &str, test: bool) -> StateReturn {
    let c = ctx();
    let mut l = Dict::new();
    l.insert("state", Value::from("test"));
    l.insert("fun", Value::from(fun));
    l.insert("name", Value::from(name));
    l.insert("__id__", Value::from(name));
    if let Value::Dict(a) = j(args) {
        for (k, v) in a.iter() {
            l.insert(k.clone(), v.clone());
        }
    }
    let reg = state::registry();
    let m = reg.get("test").expect("test module");
    let call = StateCall {
        low: &l,
        name: name.to_string(),
        test,
        ctx: &c,
    };
    if fun == "mod_watch" {
        m.mod_watch(&call).expect("test has mod_watch")
    } else {
        m.call(fun, &call)
    }
}

fn pretend() -> Value {
    j(r#"{"testing": {"old": "Unchanged", "new": "Something pretended to change"}}"#)
}

#[test]
fn normal_run_matches_case_051() {
    let r = run("succeed_with_changes", "swc", "{}", false);
    assert_eq!((r.result, r.comment.as_str()), (Some(true), "Success!"));
    assert_eq!(Value::Dict(r.changes), pretend());
    let r = run("succeed_without_changes", "custom-name", "{}", false);
    assert_eq!(
        (r.result, r.comment.as_str(), r.name.as_str()),
        (Some(true), "Success!", "custom-name")
    );
    assert!(r.changes.is_empty());
    let r = run("fail_with_changes", "fwc", "{}", false);
    assert_eq!((r.result, r.comment.as_str()), (Some(false), "Failure!"));
    assert_eq!(Value::Dict(r.changes), pretend());
    let r = run(
        "fail_without_changes",
        "fwoc",
        r#"{"comment": "custom failure comment"}"#,
        false,
    );
    assert_eq!(
        (r.result, r.comment.as_str()),
        (Some(false), "custom failure comment")
    );
    let r = run(
        "nop",
        "nop-with-args",
        r#"{"anything": "goes", "comment": "ignored"}"#,
        false,
    );
    assert_eq!((r.result, r.comment.as_str()), (Some(true), "Success!"));
    let r = run(
        "configurable_test_state",
        "configurable",
        r#"{"changes": true, "result": true, "comment": "configured"}"#,
        false,
    );
    assert_eq!((r.result, r.comment.as_str()), (Some(true), "configured"));
    assert_eq!(Value::Dict(r.changes), pretend());
    let r = run(
        "show_notification",
        "notify",
        r#"{"text": "hello from notification"}"#,
        false,
    );
    assert_eq!(
        (r.result, r.comment.as_str()),
        (Some(true), "hello from notification")
    );
}

#[test]
fn test_mode_matches_case_051() {
    let r = run("succeed_with_changes", "swc", "{}", true);
    assert_eq!(r.result, None);
    assert_eq!(
        r.comment,
        "If we weren't testing, this would be successful with changes"
    );
    assert_eq!(Value::Dict(r.changes), pretend());
    let r = run("fail_with_changes", "fwc", "{}", true);
    assert_eq!(r.result, None);
    assert_eq!(
        r.comment,
        "If we weren't testing, this would be failed with changes"
    );
    let r = run(
        "fail_without_changes",
        "fwoc",
        r#"{"comment": "custom"}"#,
        true,
    );
    assert_eq!(r.result, Some(false));
    assert_eq!(r.comment, "If we weren't testing, this would be a failure!");
    let r = run("succeed_without_changes", "s", "{}", true);
    assert_eq!((r.result, r.comment.as_str()), (Some(true), "Success!"));
    let r = run(
        "configurable_test_state",
        "c",
        r#"{"changes": true, "result": true, "comment": "configured"}"#,
        true,
    );
    assert_eq!((r.result, r.comment.as_str()), (None, "configured"));
    let r = run(
        "configurable_test_state",
        "c",
        r#"{"changes": false}"#,
        true,
    );
    assert_eq!(
        (r.result, r.comment.as_str()),
        (Some(true), "This is a test")
    );
    let r = run(
        "configurable_test_state",
        "c",
        r#"{"result": false, "allow_test_mode_failure": true}"#,
        true,
    );
    assert_eq!(r.result, Some(false));
}

#[test]
fn configurable_arguments() {
    let r = run(
        "configurable_test_state",
        "c",
        r#"{"warnings": "careful"}"#,
        false,
    );
    assert_eq!(r.extra.get("warnings"), Some(&j(r#"["careful"]"#)));
    assert_eq!((r.result, r.comment.as_str()), (Some(true), ""));
    let r = run(
        "configurable_test_state",
        "c",
        r#"{"changes": false, "result": false}"#,
        false,
    );
    assert_eq!(r.result, Some(false));
    assert!(r.changes.is_empty());
    let r = run(
        "configurable_test_state",
        "c",
        r#"{"changes": "Random", "result": "random"}"#,
        false,
    );
    assert!(r.result.is_some());
    assert!(r.changes.is_empty() || Value::Dict(r.changes.clone()) == pretend());
    let r = run(
        "configurable_test_state",
        "c",
        r#"{"changes": "maybe"}"#,
        false,
    );
    assert_eq!(r.result, Some(false));
    assert!(r
        .comment
        .contains("It must be either True, False, or 'Random'"));
    let r = run("show_notification", "n", "{}", false);
    assert_eq!(r.result, Some(false));
    assert!(r.comment.contains("Missing required argument text."));
}

#[test]
fn mod_watch_lists_changed_requisites() {
    let reqs = r#"{"__reqs__": {"watch": [
        {"state": "test", "__id__": "trigger", "__changed__": true},
        {"state": "test", "__id__": "nochange", "__changed__": false}]},
        "sfun": "nop"}"#;
    let r = run("mod_watch", "tw", reqs, false);
    assert_eq!(
        (r.result, r.comment.as_str()),
        (Some(true), "Watch statement fired.")
    );
    assert_eq!(
        Value::Dict(r.changes),
        j(r#"{"Requisites with changes": ["test: trigger"]}"#)
    );
    // The state's own result/comment arguments are used.
    let r = run(
        "mod_watch",
        "tw2",
        r#"{"comment": "mycomment", "result": false, "sfun": "succeed_without_changes",
            "__reqs__": {"watch": [{"state": "file", "__id__": "svc-config", "__changed__": true}]}}"#,
        false,
    );
    assert_eq!((r.result, r.comment.as_str()), (Some(false), "mycomment"));
    assert_eq!(
        Value::Dict(r.changes),
        j(r#"{"Requisites with changes": ["file: svc-config"]}"#)
    );
    let r = run(
        "mod_watch",
        "tw3",
        r#"{"changes": false, "sfun": "configurable_test_state"}"#,
        false,
    );
    assert_eq!(r.result, Some(false));
    assert!(state::registry()
        .get("test")
        .is_some_and(|m| m.has_mod_watch()));
}

#[test]
fn check_pillar_types() {
    let r = run(
        "check_pillar",
        "cp",
        r#"{"boolean": "flag", "string": ["name"]}"#,
        false,
    );
    assert_eq!((r.result, r.comment.as_str()), (Some(true), ""));
    let r = run(
        "check_pillar",
        "cp",
        r#"{"present": "missing", "integer": "name"}"#,
        false,
    );
    assert_eq!(r.result, Some(false));
    assert_eq!(
        r.comment,
        "Pillar key \"missing\" is missing.\nPillar key \"name\" is not <class 'int'>.\n"
    );
}
