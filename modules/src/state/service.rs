//! The `service` state module (Salt's `salt/states/service.py`): `running`, `dead`,
//! `enabled`, `disabled` and `mod_watch` (`watch` → restart, or reload with
//! `reload: True`, `force`/`full_restart`), on [`crate::exec::service::Backend`]
//! (systemctl when systemd is PID 1, init scripts otherwise). Comments and changes are
//! Salt's (`The service nginx is already running`, `Started service nginx`,
//! `{nginx: True}`).

use super::{StateCall, StateModule, StateReturn};
use crate::exec::service::Backend;
use rsalt_data::{Dict, Value};

/// The `service` state module.
#[derive(Debug, Default, Clone, Copy)]
pub struct Service;

const FUNCTIONS: &[&str] = &["running", "dead", "enabled", "disabled", "mod_watch"];

impl StateModule for Service {
    fn name(&self) -> &'static str {
        "service"
    }

    fn functions(&self) -> &'static [&'static str] {
        FUNCTIONS
    }

    fn call(&self, fun: &str, call: &StateCall<'_>) -> StateReturn {
        let res = match fun {
            "running" => running(call),
            "dead" => dead(call),
            "enabled" => enabled(call),
            "disabled" => disabled(call),
            other => Err(format!("State 'service.{other}' was not found in SLS")),
        };
        res.unwrap_or_else(|e| StateReturn::new(call.name.clone()).fail(e))
    }

    fn mod_watch(&self, call: &StateCall<'_>) -> Option<StateReturn> {
        Some(mod_watch(call).unwrap_or_else(|e| StateReturn::new(call.name.clone()).fail(e)))
    }

    fn has_mod_watch(&self) -> bool {
        true
    }
}

type R = Result<StateReturn, String>;

fn arg<'a>(call: &'a StateCall<'_>, k: &str) -> Option<&'a Value> {
    call.low.get(k).filter(|v| !v.is_none())
}

/// `enable` as Salt reads it: None, or a bool (strings through `is_true`).
fn enable_arg(call: &StateCall<'_>) -> Option<bool> {
    arg(call, "enable").map(|v| match v {
        Value::Str(_) => crate::exec::is_true(v),
        v => v.truthy(),
    })
}

/// Partial return of `_enable`/`_disable`: Salt `ret.update()`s it into the state return.
#[derive(Default)]
struct Partial {
    result: Option<Option<bool>>,
    comment: Option<String>,
    changes: Option<Dict>,
}

fn apply(ret: &mut StateReturn, p: Partial) {
    if let Some(r) = p.result {
        ret.result = r;
    }
    if let Some(c) = p.comment {
        ret.comment = c;
    }
    if let Some(c) = p.changes {
        ret.changes = c;
    }
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Salt's `_enable(name, started, result)` / `_disable`: `started` is Some(true) running,
/// None "desired state", Some(false) dead.
fn toggle(
    call: &StateCall<'_>,
    b: Backend,
    on: bool,
    started: Option<bool>,
    result: Option<bool>,
) -> Result<Partial, String> {
    let name = call.name.as_str();
    let ctx = call.ctx;
    let mut p = Partial::default();
    if !b.available(ctx, name).map_err(err)? {
        p.result = Some(Some(!on));
        p.comment = Some(format!("The named service {name} is not available"));
        return Ok(p);
    }
    p.result = Some(result);
    let (word, past) = if on {
        ("enabled", "enabled")
    } else {
        ("disabled", "disabled")
    };
    let before = if on {
        b.enabled(ctx, name).map_err(err)?
    } else {
        b.disabled(ctx, name).map_err(err)?
    };
    let tail = |verb: &str| match started {
        Some(true) => format!("Service {name} {verb}, and is running"),
        None => format!("Service {name} {verb}, and is in the desired state"),
        Some(false) => format!("Service {name} {verb}, and is dead"),
    };
    if before {
        if started.is_none() {
            p.changes = Some(Dict::new());
        }
        p.comment = Some(tail(&format!("is already {word}")));
        return Ok(p);
    }
    if call.test {
        p.result = Some(None);
        p.comment = Some(format!("Service {name} set to be {word}"));
        return Ok(p);
    }
    if b.set_enabled(ctx, name, on).map_err(err)? {
        let mut ch = Dict::new();
        let after = if on {
            b.enabled(ctx, name).map_err(err)?
        } else {
            b.disabled(ctx, name).map_err(err)?
        };
        if before != after {
            ch.insert(name, Value::Bool(true));
        }
        p.changes = Some(ch);
        p.comment = Some(tail(&format!("has been {past}")));
        return Ok(p);
    }
    p.result = Some(Some(false));
    p.comment = Some(if on {
        match started {
            Some(true) => format!("Failed when setting service {name} to start at boot, but the service is running"),
            None => format!("Failed when setting service {name} to start at boot, but the service was already running"),
            Some(false) => format!("Failed when setting service {name} to start at boot, and the service is dead"),
        }
    } else {
        match started {
            Some(true) => format!("Failed when setting service {name} to not start at boot, and is running"),
            None => format!("Failed when setting service {name} to not start at boot, but the service was already running"),
            Some(false) => format!("Failed when setting service {name} to not start at boot, and the service is dead"),
        }
    });
    Ok(p)
}

fn enabled_used(call: &StateCall<'_>) -> Option<StateReturn> {
    call.low.contains_key("enabled").then(|| {
        StateReturn::new(call.name.clone()).fail(format!(
            "Service {} uses non-existent option \"enabled\".  Perhaps \"enable\" option was intended?",
            call.name
        ))
    })
}

fn running(call: &StateCall<'_>) -> R {
    let name = call.name.as_str();
    let mut ret = StateReturn::new(name);
    if let Some(r) = enabled_used(call) {
        return Ok(r);
    }
    let enable = enable_arg(call);
    let sig = arg(call, "sig").map(Value::to_py_str);
    let b = Backend::detect(call.ctx);
    let ctx = call.ctx;
    if !b.available(ctx, name).map_err(err)? {
        ret.result = Some(false);
        ret.comment = format!("The named service {name} is not available");
        if call.test {
            ret.result = None;
            ret.comment = format!(
                "Service {name} not present; if created in this state run, it would have been started"
            );
        }
        return Ok(ret);
    }
    let before = b.status(ctx, name, sig.as_deref()).map_err(err)?;
    let before_en = b.enabled(ctx, name).map_err(err)?;
    if before {
        ret.comment = format!("The service {name} is already running");
        if enable == Some(true) && !before_en {
            apply(&mut ret, toggle(call, b, true, None, Some(true))?);
        } else if enable == Some(false) && before_en {
            apply(&mut ret, toggle(call, b, false, None, Some(true))?);
        }
        return Ok(ret);
    }
    if call.test {
        ret.result = None;
        ret.comment = format!("Service {name} is set to start");
        return Ok(ret);
    }
    if !b.action(ctx, name, "start").map_err(err)? {
        ret.result = Some(false);
        ret.comment = format!("Service {name} failed to start");
        match enable {
            Some(true) => apply(&mut ret, toggle(call, b, true, Some(false), Some(false))?),
            Some(false) => apply(&mut ret, toggle(call, b, false, Some(false), Some(false))?),
            None => {}
        }
        return Ok(ret);
    }
    if let Some(d) = arg(call, "init_delay").and_then(|v| v.to_py_str().parse::<f64>().ok()) {
        std::thread::sleep(std::time::Duration::from_secs_f64(d.max(0.0)));
    }
    let after = b.status(ctx, name, sig.as_deref()).map_err(err)?;
    let after_en = b.enabled(ctx, name).map_err(err)?;
    if (before_en != after_en || before != after) && ret.changes.is_empty() {
        ret.changes.insert(name, Value::Bool(after));
    }
    if after {
        ret.comment = format!("Started service {name}");
    } else {
        ret.comment = format!("Service {name} failed to start");
        ret.result = Some(false);
    }
    match enable {
        Some(true) => apply(&mut ret, toggle(call, b, true, Some(after), Some(after))?),
        Some(false) => apply(&mut ret, toggle(call, b, false, Some(after), Some(after))?),
        None => {}
    }
    if let Some(d) = arg(call, "init_delay") {
        if d.truthy() {
            ret.comment = format!(
                "{}\nDelayed return for {} seconds",
                ret.comment,
                d.to_py_str()
            );
        }
    }
    Ok(ret)
}

fn dead(call: &StateCall<'_>) -> R {
    let name = call.name.as_str();
    let mut ret = StateReturn::new(name);
    if let Some(r) = enabled_used(call) {
        return Ok(r);
    }
    let enable = enable_arg(call);
    let sig = arg(call, "sig").map(Value::to_py_str);
    let b = Backend::detect(call.ctx);
    let ctx = call.ctx;
    if !b.available(ctx, name).map_err(err)? {
        if call.test {
            ret.result = None;
            ret.comment = format!(
                "Service {name} not present; if created in this state run, it would have been stopped"
            );
        } else {
            ret.comment = format!("The named service {name} is not available");
        }
        return Ok(ret);
    }
    let before = b.status(ctx, name, sig.as_deref()).map_err(err)?;
    let before_en = b.enabled(ctx, name).map_err(err)?;
    if !before {
        ret.comment = format!("The service {name} is already dead");
        if enable == Some(true) && !before_en {
            apply(&mut ret, toggle(call, b, true, None, Some(true))?);
        } else if enable == Some(false) && before_en {
            apply(&mut ret, toggle(call, b, false, None, Some(true))?);
        }
        return Ok(ret);
    }
    if call.test {
        ret.result = None;
        ret.comment = format!("Service {name} is set to be killed");
        return Ok(ret);
    }
    if !b.action(ctx, name, "stop").map_err(err)? {
        ret.result = Some(false);
        ret.comment = format!("Service {name} failed to die");
        match enable {
            Some(true) => apply(&mut ret, toggle(call, b, true, Some(true), Some(false))?),
            Some(false) => apply(&mut ret, toggle(call, b, false, Some(true), Some(false))?),
            None => {}
        }
        return Ok(ret);
    }
    if let Some(d) = arg(call, "init_delay").and_then(|v| v.to_py_str().parse::<f64>().ok()) {
        std::thread::sleep(std::time::Duration::from_secs_f64(d.max(0.0)));
    }
    let after = b.status(ctx, name, None).map_err(err)?;
    let after_en = b.enabled(ctx, name).map_err(err)?;
    if (before_en != after_en || before != after) && ret.changes.is_empty() {
        ret.changes.insert(name, Value::Bool(after));
    }
    if after {
        ret.result = Some(false);
        ret.comment = format!("Service {name} failed to die");
    } else {
        ret.comment = format!("Service {name} was killed");
    }
    match enable {
        Some(true) => apply(&mut ret, toggle(call, b, true, Some(after), Some(!after))?),
        Some(false) => apply(&mut ret, toggle(call, b, false, Some(after), Some(!after))?),
        None => {}
    }
    Ok(ret)
}

fn enabled(call: &StateCall<'_>) -> R {
    let mut ret = StateReturn::new(call.name.clone());
    let b = Backend::detect(call.ctx);
    apply(&mut ret, toggle(call, b, true, None, Some(true))?);
    if call.test && ret.comment == format!("The named service {} is not available", call.name) {
        ret.result = None;
        ret.comment = format!(
            "Service {} not present; if created in this state run, it would have been enabled",
            call.name
        );
    }
    Ok(ret)
}

fn disabled(call: &StateCall<'_>) -> R {
    let mut ret = StateReturn::new(call.name.clone());
    let b = Backend::detect(call.ctx);
    apply(&mut ret, toggle(call, b, false, None, Some(true))?);
    Ok(ret)
}

fn mod_watch(call: &StateCall<'_>) -> R {
    let name = call.name.as_str();
    let mut ret = StateReturn::new(name);
    let b = Backend::detect(call.ctx);
    let ctx = call.ctx;
    let sfun = arg(call, "sfun").map(Value::to_py_str).unwrap_or_default();
    let sig = arg(call, "sig").map(Value::to_py_str);
    let flag = |k: &str| arg(call, k).is_some_and(crate::exec::is_true);
    let (action, verb, past) = match sfun.as_str() {
        "dead" => {
            if b.status(ctx, name, sig.as_deref()).map_err(err)? {
                ("stop", "stop", "stopped".to_string())
            } else {
                ret.comment = "Service is already stopped".into();
                return Ok(ret);
            }
        }
        "running" => {
            let (a, v) = if b.status(ctx, name, sig.as_deref()).map_err(err)? {
                if flag("reload") {
                    if flag("force") {
                        ("force-reload", "forcefully reload")
                    } else {
                        ("reload", "reload")
                    }
                } else {
                    ("restart", "restart")
                }
            } else {
                ("start", "start")
            };
            (a, v, format!("{v}ed"))
        }
        other => {
            ret.result = Some(false);
            ret.comment = format!("Unable to trigger watch for service.{other}");
            return Ok(ret);
        }
    };
    if call.test {
        ret.result = None;
        ret.comment = format!("Service is set to be {past}");
        return Ok(ret);
    }
    if action == "start" {
        let _ = b.action(ctx, name, "stop");
    }
    let ok = b.action(ctx, name, action).map_err(err)?;
    if let Some(d) = arg(call, "init_delay").and_then(|v| v.to_py_str().parse::<f64>().ok()) {
        std::thread::sleep(std::time::Duration::from_secs_f64(d.max(0.0)));
    }
    ret.changes.insert(name, Value::Bool(ok));
    ret.result = Some(ok);
    ret.comment = if ok {
        format!("Service {past}")
    } else {
        format!("Failed to {verb} the service")
    };
    Ok(ret)
}
