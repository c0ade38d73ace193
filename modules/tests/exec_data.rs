//! grains/pillar/config/defaults/slsutil execution functions, with expectations recorded
//! from Salt 3007.8 (`salt-call --local`, conformance base grains, case 010's pillar).

use rsalt_data::{Dict, Value};
use rsalt_modules::exec::{self, LocalCaller};
use rsalt_modules::RunContext;
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

fn grains() -> Dict {
    d(
        r#"{"os": "Debian", "os_family": "Debian", "osrelease": "12", "osmajorrelease": 12,
          "kernel": "Linux", "num_cpus": 4, "mem_total": 7936, "host": "web1",
          "role": "api", "roles": ["web", "api"], "datacenter": "dc1"}"#,
    )
}

fn pillar() -> Dict {
    let mut p = d(r#"{"app": {"db": {"host": "db.internal", "port": 5432},
                              "features": ["search", "export"]},
                      "shared_key": "pillar", "list_of_maps": [{"a": 1}]}"#);
    p.kind = rsalt_data::DictKind::Ordered;
    p
}

fn opts() -> Dict {
    d(r#"{"id": "web1", "ntp_server": "ntp-from-minion", "shared_key": "minion"}"#)
}

fn caller() -> Arc<LocalCaller> {
    let files = Arc::new(RootsFileClient::new(vec![("base".into(), vec![])]));
    LocalCaller::new(
        Arc::new(opts()),
        Arc::new(grains()),
        Arc::new(RwLock::new(pillar())),
        files,
        JinjaOptions::default(),
        exec::registry(),
    )
}

fn call(fun: &str, args: &str, kwargs: &str) -> Value {
    let c = caller();
    let a = j(args).as_list().cloned().unwrap_or_default();
    c.call(fun, a, d(kwargs))
        .unwrap_or_else(|e| panic!("{fun} failed: {e}"))
}

#[test]
fn grains_get_nested_default_delimiter() {
    assert_eq!(call("grains.get", r#"["role"]"#, "{}"), j(r#""api""#));
    assert_eq!(call("grains.get", r#"["roles:0"]"#, "{}"), j(r#""web""#));
    assert_eq!(call("grains.get", r#"["roles:-1"]"#, "{}"), j(r#""api""#));
    assert_eq!(
        call("grains.get", r#"["roles:5", "def"]"#, "{}"),
        j(r#""def""#)
    );
    assert_eq!(call("grains.get", r#"["nosuch"]"#, "{}"), j(r#""""#));
    assert_eq!(
        call("grains.get", r#"["nosuch"]"#, r#"{"default": "x"}"#),
        j(r#""x""#)
    );
    assert_eq!(
        call("grains.get", r#"["os"]"#, r#"{"delimiter": "/"}"#),
        j(r#""Debian""#)
    );
}

#[test]
fn grains_item_ls_has_value_filter_by() {
    let v = call("grains.item", r#"["roles", "os", "mem_total"]"#, "{}");
    let keys: Vec<String> = v
        .as_dict()
        .expect("dict")
        .iter()
        .map(|(k, _)| k.to_string())
        .collect();
    assert_eq!(keys, ["roles", "os", "mem_total"]);
    assert_eq!(
        call(
            "grains.item",
            r#"["roles:1", "nosuch"]"#,
            r#"{"default": "dd"}"#
        ),
        j(r#"{"roles:1": "api", "nosuch": "dd"}"#)
    );
    let ls = call("grains.ls", "[]", "{}");
    assert_eq!(
        ls.as_list().map(|l| l[0].clone()),
        Some(j(r#""datacenter""#))
    );
    assert_eq!(
        call("grains.has_value", r#"["roles:0"]"#, "{}"),
        Value::Bool(true)
    );
    assert_eq!(
        call("grains.has_value", r#"["nosuch"]"#, "{}"),
        Value::Bool(false)
    );
    assert_eq!(
        call(
            "grains.filter_by",
            r#"[{"Debian": "apt", "RedHat": "yum"}]"#,
            r#"{"grain": "os"}"#
        ),
        j(r#""apt""#)
    );
    assert_eq!(
        call(
            "grains.filter_by",
            r#"[{"Debian": "x", "default": "generic"}]"#,
            r#"{"grain": "role"}"#
        ),
        j(r#""generic""#)
    );
    assert_eq!(
        call(
            "grains.filter_by",
            r#"[{"default": {"a": 1, "b": 1}, "Debian": {"b": 2}}]"#,
            r#"{"base": "default"}"#
        ),
        j(r#"{"a": 1, "b": 2}"#)
    );
    assert_eq!(
        call(
            "grains.filter_by",
            r#"[{"Debian": {"x": 1}, "default": {"y": 2}}]"#,
            r#"{"merge": {"z": 3}}"#
        ),
        j(r#"{"x": 1, "z": 3}"#)
    );
    assert_eq!(
        call(
            "grains.filter_by",
            r#"[{"Deb*": "apt"}]"#,
            r#"{"grain": "os"}"#
        ),
        j(r#""apt""#)
    );
    assert_eq!(
        call(
            "grains.filter_by",
            r#"[{"web": "W", "api": "A"}]"#,
            r#"{"grain": "roles"}"#
        ),
        j(r#""W""#)
    );
}

#[test]
fn pillar_get_nesting_defaults_merge() {
    assert_eq!(
        call("pillar.get", r#"["app:db:host", "localhost"]"#, "{}"),
        j(r#""db.internal""#)
    );
    assert_eq!(call("pillar.get", r#"["app:db:port"]"#, "{}"), j("5432"));
    assert_eq!(
        call("pillar.get", r#"["app:db:user", "postgres"]"#, "{}"),
        j(r#""postgres""#)
    );
    assert_eq!(call("pillar.get", r#"["nope:nothing"]"#, "{}"), j(r#""""#));
    assert_eq!(
        call(
            "pillar.get",
            r#"["app/db/host", "x"]"#,
            r#"{"delimiter": "/"}"#
        ),
        j(r#""db.internal""#)
    );
    assert_eq!(
        call("pillar.get", r#"["list_of_maps:0:a", "no"]"#, "{}"),
        j("1")
    );
    assert_eq!(call("pillar.get", r#"["list_of_maps:a"]"#, "{}"), j("1"));
    assert_eq!(
        call(
            "pillar.get",
            r#"["app:db"]"#,
            r#"{"default": {"user": "u", "host": "h"}, "merge": true}"#
        ),
        j(r#"{"user": "u", "host": "db.internal", "port": 5432}"#)
    );
    assert_eq!(
        call(
            "pillar.get",
            r#"["app:features"]"#,
            r#"{"default": ["a", "search"], "merge": true}"#
        ),
        j(r#"["a", "search", "export"]"#)
    );
    assert_eq!(
        call(
            "pillar.get",
            r#"["app:db:host"]"#,
            r#"{"default": ["a"], "merge": true}"#
        ),
        j(r#""db.internal""#)
    );
    assert_eq!(
        call(
            "pillar.get",
            r#"["nope:x"]"#,
            r#"{"default": {"a": 1}, "merge": true}"#
        ),
        j(r#"{"a": 1}"#)
    );
    match call("pillar.get", r#"["app"]"#, "{}") {
        Value::Dict(dd) => assert_eq!(dd.len(), 2),
        other => panic!("{other:?}"),
    }
}

#[test]
fn pillar_items_item_ls_raw_keys() {
    let items = call("pillar.items", "[]", "{}");
    let dd = items.as_dict().expect("dict");
    assert_eq!(dd.kind, rsalt_data::DictKind::Plain);
    assert_eq!(dd.len(), 3);
    assert_eq!(
        call(
            "pillar.item",
            r#"["app:db:host", "nope"]"#,
            r#"{"default": "zz"}"#
        ),
        j(r#"{"app:db:host": "db.internal", "nope": "zz"}"#)
    );
    assert_eq!(
        call("pillar.ls", "[]", "{}"),
        j(r#"["app", "shared_key", "list_of_maps"]"#)
    );
    assert_eq!(
        call("pillar.raw", r#"["shared_key"]"#, "{}"),
        j(r#""pillar""#)
    );
    assert_eq!(
        call("pillar.keys", r#"["app"]"#, "{}"),
        j(r#"["db", "features"]"#)
    );
    let c = caller();
    assert_eq!(
        c.call("pillar.keys", vec![Value::from("nope")], Dict::new()),
        Err(CallError::Failed("'Pillar key not found: nope'".into()))
    );
    assert_eq!(
        c.call("pillar.keys", vec![Value::from("shared_key")], Dict::new()),
        Err(CallError::Failed(
            "Pillar value in key shared_key is not a dict".into()
        ))
    );
}

#[test]
fn config_get_order_and_omit() {
    assert_eq!(
        call("config.get", r#"["ntp_server"]"#, "{}"),
        j(r#""ntp-from-minion""#)
    );
    assert_eq!(call("config.get", r#"["role"]"#, "{}"), j(r#""api""#));
    assert_eq!(
        call("config.get", r#"["app:db:host"]"#, "{}"),
        j(r#""db.internal""#)
    );
    assert_eq!(
        call("config.get", r#"["shared_key"]"#, "{}"),
        j(r#""minion""#)
    );
    assert_eq!(
        call("config.get", r#"["missing_key", "cdefault"]"#, "{}"),
        j(r#""cdefault""#)
    );
    assert_eq!(
        call("config.get", r#"["shared_key"]"#, r#"{"omit_opts": true}"#),
        j(r#""pillar""#)
    );
    assert_eq!(
        call("config.get", r#"["app:db"]"#, r#"{"omit_pillar": true}"#),
        j(r#""""#)
    );
    assert_eq!(
        call("config.get", r#"["test.foo"]"#, "{}"),
        j(r#""unconfigured""#)
    );
    assert_eq!(
        call("config.get", r#"["app"]"#, r#"{"merge": "recurse"}"#),
        j(r#"{"db": {"host": "db.internal", "port": 5432}, "features": ["search", "export"]}"#)
    );
    assert_eq!(
        call("config.option", r#"["ntp_server"]"#, "{}"),
        j(r#""ntp-from-minion""#)
    );
    assert_eq!(call("config.option", r#"["role"]"#, "{}"), j(r#""api""#));
    assert_eq!(
        call("config.option", r#"["ntp*"]"#, r#"{"wildcard": true}"#),
        j(r#"{"ntp_server": "ntp-from-minion"}"#)
    );
}

#[test]
fn defaults_merge_in_place_and_lists() {
    let c = caller();
    let mut args = vec![j(r#"{"a": {"b": 1}}"#), j(r#"{"a": {"c": 2}, "d": [1]}"#)];
    let r = c
        .call_in_place("defaults.merge", &mut args, Dict::new())
        .expect("merge");
    assert_eq!(r, j(r#"{"a": {"b": 1, "c": 2}, "d": [1]}"#));
    // in_place: the first argument was merged into.
    assert_eq!(args[0], r);
    let mut args = vec![j(r#"{"a": 1}"#), j(r#"{"b": 2}"#)];
    c.call_in_place("defaults.merge", &mut args, d(r#"{"in_place": false}"#))
        .expect("merge");
    assert_eq!(args[0], j(r#"{"a": 1}"#));
    assert_eq!(
        call(
            "defaults.merge",
            r#"[{"l": [1, 2]}, {"l": [2, 3, 3]}]"#,
            r#"{"merge_lists": true}"#
        ),
        j(r#"{"l": [1, 2, 3, 3]}"#)
    );
    assert_eq!(
        call("defaults.merge", r#"[{"a": 1}, null]"#, "{}"),
        j(r#"{"a": 1}"#)
    );
    assert_eq!(
        call(
            "defaults.update",
            r#"[{"n1": {"a": 1}, "n2": null}, {"a": 0, "b": 0}]"#,
            "{}"
        ),
        j(r#"{"n1": {"a": 1, "b": 0}, "n2": {"a": 0, "b": 0}}"#)
    );
    assert_eq!(
        call("defaults.deepcopy", r#"[{"a": [1]}]"#, "{}"),
        j(r#"{"a": [1]}"#)
    );
}

#[test]
fn slsutil_merge_strategies() {
    let base = r#"{"a": 1, "nested": {"x": 1, "y": 2}, "list": [1, 2]}"#;
    let over = r#"{"b": 2, "nested": {"y": 20, "z": 30}, "list": [3]}"#;
    let args = format!("[{base}, {over}]");
    assert_eq!(
        call("slsutil.merge", &args, "{}"),
        j(r#"{"a": 1, "nested": {"x": 1, "y": 20, "z": 30}, "list": [3], "b": 2}"#)
    );
    assert_eq!(
        call("slsutil.merge", &args, r#"{"merge_lists": true}"#),
        j(r#"{"a": 1, "nested": {"x": 1, "y": 20, "z": 30}, "list": [1, 2, 3], "b": 2}"#)
    );
    // overwrite replaces obj_a's top-level values in place (Salt mutates its argument).
    let c = caller();
    let mut a = vec![j(base), j(over)];
    let r = c
        .call_in_place("slsutil.merge", &mut a, d(r#"{"strategy": "overwrite"}"#))
        .expect("merge");
    assert_eq!(
        r,
        j(r#"{"a": 1, "nested": {"y": 20, "z": 30}, "list": [3], "b": 2}"#)
    );
    assert_eq!(
        a[0],
        j(r#"{"a": 1, "nested": {"y": 20, "z": 30}, "list": [3]}"#)
    );
    assert_eq!(
        call(
            "slsutil.merge",
            r#"[{"a": 1, "b": {"x": 1}}, {"b": {"y": 2}, "c": 3}]"#,
            r#"{"strategy": "list"}"#
        ),
        j(r#"{"a": 1, "b": [{"x": 1}, {"y": 2}]}"#)
    );
    assert_eq!(
        call(
            "slsutil.update",
            r#"[{"a": {"x": 1}}, {"a": {"y": 2}}]"#,
            r#"{"recursive_update": false}"#
        ),
        j(r#"{"a": {"y": 2}}"#)
    );
    assert_eq!(
        call(
            "slsutil.merge_all",
            r#"[[{"a": 1}, {"b": 2}, {"a": 3}]]"#,
            "{}"
        ),
        j(r#"{"a": 3, "b": 2}"#)
    );
}

#[test]
fn context_from_new_context_reaches_functions() {
    let files = Arc::new(RootsFileClient::new(vec![("base".into(), vec![])]));
    let ctx: RunContext = exec::new_context(
        opts(),
        grains(),
        pillar(),
        files,
        JinjaOptions::default(),
        exec::registry(),
    );
    assert_eq!(
        ctx.caller
            .call("pillar.get", vec![Value::from("shared_key")], Dict::new()),
        Ok(Value::from("pillar"))
    );
    assert!(ctx.caller.has("config.get"));
    assert!(ctx.jinja.caller.has("grains.get"));
    // A pillar replaced in the context is what functions see.
    if let Ok(mut p) = ctx.pillar.write() {
        p.insert("shared_key", Value::from("new"));
    }
    assert_eq!(
        ctx.caller
            .call("pillar.get", vec![Value::from("shared_key")], Dict::new()),
        Ok(Value::from("new"))
    );
}
