//! The `cmd` state module (Salt's `salt/states/cmd.py`): `run`, `script`, their `wait`
//! variants and `mod_watch`. The `unless`/`onlyif`/`creates` guards are generic in Salt
//! (`State._run_check`) and live in the runner.

use super::{StateCall, StateModule, StateReturn};
use crate::exec::cmd::{grains_shell, run_all_spec, script_spec, shlex_split, CmdLine, RunSpec};
use rsalt_data::{Dict, Value};
use std::path::Path;

/// The `cmd` state module.
#[derive(Debug, Default, Clone, Copy)]
pub struct Cmd;

const FUNCTIONS: &[&str] = &["run", "wait", "watch", "script", "wait_script"];

/// `stateful` as Salt reads it: the flag, and a `test_name` from `[{test_name: ...}]`.
fn stateful_arg(low: &Dict) -> (bool, Option<String>) {
    match low.get("stateful") {
        Some(Value::List(l)) => {
            let test_name = l
                .first()
                .and_then(|f| f.get("test_name"))
                .map(Value::to_py_str);
            (!l.is_empty(), test_name)
        }
        Some(Value::Bool(true)) => (true, None),
        _ => (false, None),
    }
}

fn is_true_flag(v: &Value) -> Result<bool, String> {
    let s = v.to_py_str().to_lowercase();
    if v.truthy() && matches!(s.as_str(), "true" | "yes" | "1") {
        Ok(true)
    } else if matches!(s.as_str(), "false" | "no" | "0") {
        Ok(false)
    } else {
        Err(format!("Failed parsing boolean value: {}", v.to_py_str()))
    }
}

/// Salt's `_reinterpreted_state`: reads the command's last stdout line
/// (`changed=yes comment='...' k=v`) or its JSON object to decide changes and comment.
pub fn reinterpret(mut state: StateReturn) -> StateReturn {
    let ret = std::mem::take(&mut state.changes);
    state.comment = String::new();
    let out = ret.get("stdout").map(Value::to_py_str).unwrap_or_default();
    if out.is_empty() || ret.get("stdout").is_some_and(Value::is_none) {
        if let Some(err) = ret.get("stderr").filter(|e| e.truthy()) {
            state.comment = err.to_py_str();
        }
        return state;
    }
    let fail = |mut s: StateReturn, msg: &str| {
        s.comment = msg.to_string();
        s.result = Some(false);
        s
    };
    let mut is_json = false;
    let mut idx: i64 = -1;
    let mut data: Dict;
    match serde_json::from_str::<serde_json::Value>(&out) {
        Ok(j) => match Value::from_json(&j) {
            Value::Dict(d) => {
                data = d;
                is_json = true;
            }
            _ => {
                return fail(
                    state,
                    "script JSON output must be a JSON object (e.g., {})!",
                )
            }
        },
        Err(_) => {
            let trimmed = out.trim_end();
            let mut line = out.as_str();
            if let Some(i) = trimmed.rfind('\n') {
                // Python indexes characters, Rust bytes: count chars for the later slice.
                idx = trimmed[..i].chars().count() as i64;
                line = &out[i + 1..];
            }
            let parsed = shlex_split(line).ok().and_then(|items| {
                let mut d = Dict::new();
                for item in items {
                    let parts: Vec<&str> = item.split('=').collect();
                    if parts.len() != 2 {
                        return None;
                    }
                    d.insert(parts[0], Value::from(parts[1]));
                }
                Some(d)
            });
            match parsed {
                Some(d) => data = d,
                None => {
                    let mut s = fail(
                        state,
                        "Failed parsing script output! Stdout must be JSON or a line of name=value pairs.",
                    );
                    for (k, v) in ret.iter() {
                        s.changes.insert(k.clone(), v.clone());
                    }
                    return s;
                }
            }
        }
    }
    let changed = match is_true_flag(data.get("changed").unwrap_or(&Value::from("no"))) {
        Ok(c) => c,
        Err(e) => {
            return fail(
                state,
                &format!("An exception occurred in this state: ValueError: {e}"),
            )
        }
    };
    if let Some(c) = data.remove("comment") {
        state.comment = c.to_py_str();
    }
    if changed {
        for (k, v) in ret.iter() {
            if !data.map.contains_key(k) {
                data.insert(k.clone(), v.clone());
            }
        }
        let stdout = if is_json {
            String::new()
        } else {
            let s = data.get("stdout").map(Value::to_py_str).unwrap_or_default();
            let n = s.chars().count() as i64;
            // Python's s[:idx]; idx -1 drops the last character.
            let end = if idx < 0 {
                (n + idx).max(0)
            } else {
                idx.min(n)
            };
            s.chars().take(end as usize).collect()
        };
        data.insert("stdout", Value::from(stdout));
        state.changes = data;
    }
    state
}

fn env_invalid(low: &Dict) -> bool {
    matches!(
        low.get("env"),
        Some(v) if !matches!(v, Value::None | Value::List(_) | Value::Dict(_))
    )
}

fn spec_for(call: &StateCall<'_>, cmd: CmdLine) -> RunSpec {
    let low = call.low;
    let mut spec = RunSpec::new(cmd);
    spec.apply_kwargs(|k| low.get(k));
    spec.shell = Some(spec.shell.clone().unwrap_or_else(|| grains_shell(call.ctx)));
    spec.python_shell = true;
    spec.saltenv = Some(call.saltenv().to_string());
    // The runner turns `umask` into `__umask__` (Salt runs the whole state under it).
    if let Some(Value::Int(u)) = low.get("__umask__") {
        spec.umask = Some(format!("{u:o}"));
    }
    spec
}

/// `cmd.run`.
pub fn run(call: &StateCall<'_>) -> StateReturn {
    let low = call.low;
    let (stateful, test_name) = stateful_arg(low);
    // Salt builds the return before swapping in `test_name`: the name stays.
    let mut ret = StateReturn::new(&call.name);
    let mut name = call.name.clone();
    if call.test {
        if let Some(t) = &test_name {
            name = t.clone();
        }
    }
    ret.result = Some(false);
    if env_invalid(low) {
        ret.comment = "Invalidly-formatted 'env' parameter. See documentation.".into();
        return ret;
    }
    if call.test && test_name.is_none() {
        ret.result = None;
        ret.comment = format!("Command \"{name}\" would have been executed");
        ret.changes.insert("cmd", Value::from(name.as_str()));
        return if stateful { reinterpret(ret) } else { ret };
    }
    if let Some(cwd) = low.get("cwd").filter(|c| c.truthy()).map(Value::to_py_str) {
        if !Path::new(&cwd).is_dir() {
            ret.comment = format!("Desired working directory \"{cwd}\" is not available");
            return ret;
        }
    }
    if low.get("root").is_some_and(Value::truthy) {
        ret.comment = "cmd.run with 'root' (chroot) is not supported by rsalt".into();
        return ret;
    }
    let spec = spec_for(call, CmdLine::Str(name.clone()));
    let hide = low.get("hide_output").is_some_and(Value::truthy);
    let result = match crate::exec::preserve_retcode(|| run_all_spec(call.ctx, &spec, hide)) {
        Ok(r) => r,
        Err(e) => {
            ret.comment = e.to_string();
            return ret;
        }
    };
    let rc = result.retcode;
    if let Value::Dict(d) = result.to_value() {
        ret.changes = d;
    }
    ret.result = Some(rc.unwrap_or(0) == 0);
    ret.comment = format!("Command \"{name}\" run");
    if low.get("ignore_timeout").is_some_and(Value::truthy)
        && rc == Some(1)
        && result.stdout.contains("Timed out after")
    {
        ret.changes.insert("retcode", Value::Int(0));
        ret.result = Some(true);
    }
    if stateful {
        ret = reinterpret(ret);
    }
    if call.test && rc == Some(0) && !ret.changes.is_empty() {
        ret.result = None;
    }
    ret
}

/// `cmd.script`.
pub fn script(call: &StateCall<'_>) -> StateReturn {
    let low = call.low;
    let (stateful, test_name) = stateful_arg(low);
    let mut name = call.name.clone();
    if call.test {
        if let Some(t) = &test_name {
            name = t.clone();
        }
    }
    let mut ret = StateReturn::new(&name);
    ret.result = Some(false);
    if env_invalid(low) {
        ret.comment = "Invalidly-formatted 'env' parameter. See documentation.".into();
        return ret;
    }
    let context = low.get("context").filter(|c| c.truthy());
    if context.is_some_and(|c| c.as_dict().is_none()) {
        ret.comment = "Invalidly-formatted 'context' parameter. Must be formed as a dict.".into();
        return ret;
    }
    let defaults = low.get("defaults").filter(|c| c.truthy());
    if defaults.is_some_and(|c| c.as_dict().is_none()) {
        ret.comment = "Invalidly-formatted 'defaults' parameter. Must be formed as a dict.".into();
        return ret;
    }
    let mut tmpctx = defaults
        .and_then(Value::as_dict)
        .cloned()
        .unwrap_or_default();
    if let Some(c) = context.and_then(Value::as_dict) {
        for (k, v) in c.iter() {
            tmpctx.insert(k.clone(), v.clone());
        }
    }
    let source = low
        .get("source")
        .filter(|s| !s.is_none())
        .map(Value::to_py_str)
        .unwrap_or_else(|| name.clone());
    let args = match low.get("args").filter(|a| a.truthy()) {
        Some(a) => Some(a.clone()),
        None => name.split_once(' ').map(|(_, rest)| Value::from(rest)),
    };
    if call.test && test_name.is_none() {
        ret.result = None;
        ret.comment = format!("Command '{name}' would have been executed");
        return if stateful { reinterpret(ret) } else { ret };
    }
    if let Some(cwd) = low.get("cwd").filter(|c| c.truthy()).map(Value::to_py_str) {
        if !Path::new(&cwd).is_dir() {
            ret.comment = format!("Desired working directory \"{cwd}\" is not available");
            return ret;
        }
    }
    let mut spec = spec_for(call, CmdLine::List(Vec::new()));
    spec.context = tmpctx;
    let hide = low.get("hide_output").is_some_and(Value::truthy);
    let cmd_all = match crate::exec::preserve_retcode(|| {
        script_spec(call.ctx, &source, args.as_ref(), spec, hide)
    }) {
        Ok(v) => v,
        Err(e) => {
            ret.comment = e.to_string();
            return ret;
        }
    };
    let Some(d) = cmd_all.as_dict().cloned() else {
        ret.comment = "An exception occurred in this state: KeyError: 'retcode'".into();
        return ret;
    };
    let rc = match d.get("retcode") {
        Some(Value::Int(i)) => Some(*i),
        Some(Value::None) => None,
        _ => {
            ret.comment = "An exception occurred in this state: KeyError: 'retcode'".into();
            return ret;
        }
    };
    ret.changes = d;
    ret.result = Some(rc.unwrap_or(0) == 0);
    ret.comment = if ret.changes.get("cache_error").is_some_and(Value::truthy) {
        format!(
            "Unable to cache script {source} from saltenv '{}'",
            call.saltenv()
        )
    } else {
        format!("Command '{name}' run")
    };
    if stateful {
        ret = reinterpret(ret);
    }
    if call.test && rc == Some(0) && !ret.changes.is_empty() {
        ret.result = None;
    }
    ret
}

/// `cmd.wait` / `cmd.watch` / `cmd.wait_script`: nothing unless a watch fires.
fn wait(call: &StateCall<'_>) -> StateReturn {
    StateReturn::new(&call.name)
}

/// `cmd.mod_watch`: runs the command of `sfun` (`run`/`wait`/`watch` or
/// `script`/`wait_script`).
pub fn mod_watch(call: &StateCall<'_>) -> StateReturn {
    let sfun = call
        .low
        .get("sfun")
        .map(Value::to_py_str)
        .or_else(|| call.low.get("fun").map(Value::to_py_str))
        .unwrap_or_default();
    match sfun.as_str() {
        "wait" | "run" | "watch" => run(call),
        "wait_script" | "script" => script(call),
        "wait_call" | "call" => StateReturn::new(&call.name).fail(format!(
            "cmd.{sfun} needs a named parameter func"
        )),
        other => StateReturn::new(&call.name).fail(format!(
            "cmd.{other} does not work with the watch requisite, please use cmd.wait or cmd.wait_script"
        )),
    }
}

impl StateModule for Cmd {
    fn name(&self) -> &'static str {
        "cmd"
    }

    fn functions(&self) -> &'static [&'static str] {
        FUNCTIONS
    }

    fn call(&self, fun: &str, call: &StateCall<'_>) -> StateReturn {
        match fun {
            "run" => run(call),
            "script" => script(call),
            "wait" | "watch" | "wait_script" => wait(call),
            other => crate::state::not_found("cmd", other, call),
        }
    }

    fn mod_watch(&self, call: &StateCall<'_>) -> Option<StateReturn> {
        Some(mod_watch(call))
    }

    fn has_mod_watch(&self) -> bool {
        true
    }
}
