//! The `test` state module (Salt's `salt/states/test.py`): states that pretend, for
//! testing requisites and outputs.

use super::{StateCall, StateModule, StateReturn};
use rsalt_data::{Dict, Value};

/// The `test` state module.
#[derive(Debug, Default, Clone, Copy)]
pub struct Test;

const FUNCTIONS: &[&str] = &[
    "nop",
    "succeed_without_changes",
    "succeed_with_changes",
    "fail_without_changes",
    "fail_with_changes",
    "configurable_test_state",
    "show_notification",
    "check_pillar",
];

/// The pretend change all `*_with_changes` states report.
pub fn pretend_changes() -> Dict {
    let mut inner = Dict::new();
    inner.insert("old", Value::from("Unchanged"));
    inner.insert("new", Value::from("Something pretended to change"));
    let mut d = Dict::new();
    d.insert("testing", Value::Dict(inner));
    d
}

fn exception(name: &str, msg: &str) -> StateReturn {
    StateReturn::new(name).fail(format!(
        "An exception occurred in this state: SaltInvocationError: {msg}"
    ))
}

fn comment_arg(call: &StateCall<'_>, default: &str) -> String {
    match call.low.get("comment") {
        Some(v) => v.to_py_str(),
        None => default.to_string(),
    }
}

fn succeed_without_changes(call: &StateCall<'_>) -> StateReturn {
    StateReturn::new(&call.name).with_comment(comment_arg(call, "Success!"))
}

fn fail_without_changes(call: &StateCall<'_>) -> StateReturn {
    let mut r = StateReturn::new(&call.name).fail(comment_arg(call, "Failure!"));
    if call.test {
        r.comment = "If we weren't testing, this would be a failure!".into();
    }
    r
}

fn succeed_with_changes(call: &StateCall<'_>) -> StateReturn {
    let mut r = StateReturn::new(&call.name).with_comment(comment_arg(call, "Success!"));
    r.changes = pretend_changes();
    if call.test {
        r.result = None;
        r.comment = "If we weren't testing, this would be successful with changes".into();
    }
    r
}

fn fail_with_changes(call: &StateCall<'_>) -> StateReturn {
    let mut r = StateReturn::new(&call.name).fail(comment_arg(call, "Failure!"));
    r.changes = pretend_changes();
    if call.test {
        r.result = None;
        r.comment = "If we weren't testing, this would be failed with changes".into();
    }
    r
}

fn coin() -> bool {
    crate::exec::test::random_u64() & 1 == 1
}

fn configurable_test_state(call: &StateCall<'_>) -> StateReturn {
    let low = call.low;
    let changes_arg = low.get("changes").cloned().unwrap_or(Value::Bool(true));
    let result_arg = low.get("result").cloned().unwrap_or(Value::Bool(true));
    let comment = low.get("comment").map(Value::to_py_str).unwrap_or_default();
    let mut r = StateReturn::new(&call.name).fail(comment.clone());
    match &changes_arg {
        Value::Bool(true) => r.changes = pretend_changes(),
        Value::Bool(false) => {}
        other if other.to_py_str().to_lowercase() == "random" => {
            if coin() {
                r.changes = pretend_changes();
            }
        }
        _ => {
            return exception(
                &call.name,
                "You have specified the state option 'changes' with invalid arguments. It must be either True, False, or 'Random'",
            )
        }
    }
    match &result_arg {
        Value::Bool(b) => r.result = Some(*b),
        other if other.to_py_str().to_lowercase() == "random" => r.result = Some(coin()),
        _ => {
            return exception(
                &call.name,
                "You have specified the state option 'result' with invalid arguments. It must be either True, False, or 'Random'",
            )
        }
    }
    match low.get("warnings") {
        None | Some(Value::None) => {}
        Some(Value::Str(s)) => {
            r.extra
                .insert("warnings", Value::List(vec![Value::from(s.as_str())]));
        }
        Some(Value::List(l)) => {
            r.extra.insert("warnings", Value::List(l.clone()));
        }
        Some(_) => {
            return exception(
                &call.name,
                "You have specified the state option 'warnings' with invalid arguments. It must be a string or a list of strings",
            )
        }
    }
    if call.test {
        let allow_fail = low
            .get("allow_test_mode_failure")
            .is_some_and(Value::truthy);
        r.result = if allow_fail && result_arg == Value::Bool(false) {
            Some(false)
        } else if changes_arg == Value::Bool(false) {
            Some(true)
        } else {
            None
        };
        r.comment = if comment.is_empty() {
            "This is a test".into()
        } else {
            comment
        };
    }
    r
}

fn show_notification(call: &StateCall<'_>) -> StateReturn {
    match call.low.get("text").filter(|t| t.truthy()) {
        Some(t) => StateReturn::new(&call.name).with_comment(t.to_py_str()),
        None => exception(&call.name, "Missing required argument text."),
    }
}

/// Salt's `_check_key_type` over `pillar.get(key)`.
fn check_key(pillar: &Dict, key: &str, ty: Option<&str>) -> Option<bool> {
    let v = crate::exec::grains::traverse_dict(pillar, key, ":")?;
    if v.is_none() {
        return None;
    }
    Some(match ty {
        None => true,
        Some("bool") => matches!(v, Value::Bool(_)),
        Some("int") => matches!(v, Value::Int(_) | Value::Bool(_)),
        Some("str") => matches!(v, Value::Str(_)),
        Some("list") => matches!(v, Value::List(_)),
        Some("dict") => matches!(v, Value::Dict(_)),
        Some(_) => false,
    })
}

/// Python dict assignment: an existing key keeps its position.
fn set_failed<'a>(failed: &mut Vec<(String, Option<&'a str>)>, k: String, ty: Option<&'a str>) {
    match failed.iter_mut().find(|(f, _)| *f == k) {
        Some(slot) => slot.1 = ty,
        None => failed.push((k, ty)),
    }
}

fn check_pillar(call: &StateCall<'_>) -> StateReturn {
    let low = call.low;
    let groups: [(&str, Option<&str>, &str); 6] = [
        ("present", None, ""),
        ("boolean", Some("bool"), "<class 'bool'>"),
        ("integer", Some("int"), "<class 'int'>"),
        ("string", Some("str"), "(<class 'str'>,)"),
        ("listing", Some("list"), "<class 'list'>"),
        ("dictionary", Some("dict"), "<class 'dict'>"),
    ];
    if !groups
        .iter()
        .any(|(k, _, _)| low.get(k).is_some_and(Value::truthy))
    {
        return exception(&call.name, "Missing required argument text.");
    }
    let verbose = low.get("verbose").is_some_and(Value::truthy);
    let pillar = call.ctx.pillar();
    let mut r = StateReturn::new(&call.name);
    let mut failed: Vec<(String, Option<&str>)> = Vec::new();
    let mut fine: Vec<(String, &str)> = Vec::new();
    for (arg, ty, shown) in groups {
        let keys: Vec<String> = match low.get(arg) {
            None | Some(Value::None) => Vec::new(),
            Some(Value::Str(s)) => vec![s.clone()],
            Some(Value::List(l)) => l.iter().map(Value::to_py_str).collect(),
            Some(_) => return exception(&call.name, "TypeError"),
        };
        for k in keys {
            match check_key(&pillar, &k, ty) {
                None => {
                    set_failed(&mut failed, k, None);
                    r.result = Some(false);
                }
                Some(false) => {
                    set_failed(&mut failed, k, Some(shown));
                    r.result = Some(false);
                }
                Some(true) if verbose => {
                    fine.push((k, if shown.is_empty() { "None" } else { shown }))
                }
                Some(true) => {}
            }
        }
    }
    for (k, ty) in failed {
        match ty {
            None => r
                .comment
                .push_str(&format!("Pillar key \"{k}\" is missing.\n")),
            Some(t) => r
                .comment
                .push_str(&format!("Pillar key \"{k}\" is not {t}.\n")),
        }
    }
    if verbose && !fine.is_empty() {
        r.comment.push_str("Those keys passed the check:\n");
        for (k, t) in fine {
            r.comment.push_str(&format!("- {k} ({t})\n"));
        }
    }
    r
}

/// `test.mod_watch`: "Watch statement fired." listing the watched states that changed
/// (from the runner's `__reqs__` / `__changed__` contract), honouring `result`,
/// `comment` and `changes` arguments of the state.
pub fn mod_watch(call: &StateCall<'_>) -> StateReturn {
    let low = call.low;
    let mut has_changes = Vec::new();
    if let Some(watch) = low
        .get("__reqs__")
        .and_then(|r| r.get("watch"))
        .and_then(Value::as_list)
    {
        for req in watch {
            let changed = req.get("__changed__").is_none_or(Value::truthy);
            if changed {
                let state = req.get("state").map(Value::to_py_str).unwrap_or_default();
                let id = req.get("__id__").map(Value::to_py_str).unwrap_or_default();
                has_changes.push(Value::from(format!("{state}: {id}")));
            }
        }
    }
    let mut r = StateReturn::new(&call.name);
    r.result = match low.get("result") {
        None => Some(true),
        Some(Value::None) => None,
        Some(v) => Some(v.truthy()),
    };
    r.comment = match low.get("comment") {
        None => "Watch statement fired.".into(),
        Some(v) => v.to_py_str(),
    };
    match low.get("changes") {
        None => {
            r.changes
                .insert("Requisites with changes", Value::List(has_changes));
        }
        Some(Value::Dict(d)) => r.changes = d.clone(),
        Some(_) => {
            return StateReturn::new(&call.name)
                .fail("An exception occurred in this state: 'Changes' should be a dictionary.")
        }
    }
    r
}

impl StateModule for Test {
    fn name(&self) -> &'static str {
        "test"
    }

    fn functions(&self) -> &'static [&'static str] {
        FUNCTIONS
    }

    fn call(&self, fun: &str, call: &StateCall<'_>) -> StateReturn {
        match fun {
            "nop" => StateReturn::new(&call.name).with_comment("Success!"),
            "succeed_without_changes" => succeed_without_changes(call),
            "succeed_with_changes" => succeed_with_changes(call),
            "fail_without_changes" => fail_without_changes(call),
            "fail_with_changes" => fail_with_changes(call),
            "configurable_test_state" => configurable_test_state(call),
            "show_notification" => show_notification(call),
            "check_pillar" => check_pillar(call),
            other => crate::state::not_found("test", other, call),
        }
    }

    fn mod_watch(&self, call: &StateCall<'_>) -> Option<StateReturn> {
        Some(mod_watch(call))
    }

    fn has_mod_watch(&self) -> bool {
        true
    }
}
