//! The `timezone` state module (salt/states/timezone.py): `system`, on top of
//! [`crate::exec::timezone`].

use super::{StateCall, StateModule, StateReturn};
use crate::exec::timezone as tz;
use rsalt_data::Value;

/// The `timezone` state module.
#[derive(Debug, Default, Clone, Copy)]
pub struct Timezone;

impl StateModule for Timezone {
    fn name(&self) -> &'static str {
        "timezone"
    }

    fn functions(&self) -> &'static [&'static str] {
        &["system"]
    }

    fn call(&self, fun: &str, call: &StateCall<'_>) -> StateReturn {
        match fun {
            "system" => system(call),
            other => StateReturn::new(call.name.clone())
                .fail(format!("State 'timezone.{other}' was not found")),
        }
    }
}

/// `timezone.system(name, utc=True)`.
fn system(call: &StateCall<'_>) -> StateReturn {
    let name = call.name.clone();
    let mut ret = StateReturn::new(name.clone());
    ret.result = None;
    let utc_v = call.low.get("utc").cloned().unwrap_or(Value::Bool(true));
    let utc = utc_v.truthy();
    let compzone = match tz::zone_compare(&name) {
        Ok(b) => b,
        Err(e) => {
            return ret.fail(format!(
                "Unable to compare desired timezone '{name}' to system timezone: {e}"
            ))
        }
    };
    let myutc = match tz::get_hwclock(call.ctx) {
        Ok(Some(c)) => c != "localtime",
        Ok(None) => true,
        Err(e) => return ret.fail(e.to_string()),
    };
    let mut messages = Vec::new();
    let mut do_zone = false;
    let mut do_utc = false;
    if compzone {
        ret.result = Some(true);
        messages.push(format!("Timezone {name} already set"));
    } else {
        do_zone = true;
    }
    if utc && utc != myutc {
        ret.result = None;
        do_utc = true;
    } else if utc && utc == myutc {
        messages.push(format!("UTC already set to {name}"));
    }
    if ret.result == Some(true) {
        ret.comment = messages.join(", ");
        return ret;
    }
    let utc_s = utc_v.to_py_str();
    if call.test {
        let mut m = Vec::new();
        if !compzone {
            m.push(format!("Timezone {name} needs to be set"));
        }
        if utc && myutc != utc {
            m.push(format!("UTC needs to be set to {utc_s}"));
        }
        ret.comment = m.join(", ");
        return ret;
    }
    let mut messages = Vec::new();
    if do_zone {
        match tz::set_zone(call.ctx, &name) {
            Ok(_) => {
                ret.changes.insert("timezone", Value::from(name.as_str()));
                messages.push(format!("Set timezone {name}"));
                ret.result = Some(true);
            }
            Err(e) => return ret.fail(format!("An exception occurred in this state: {e}")),
        }
    }
    if do_utc {
        let clock = if utc { "UTC" } else { "localtime" };
        match tz::set_hwclock(call.ctx, clock) {
            Ok(true) => {
                ret.changes.insert("utc", utc_v.clone());
                messages.push(format!("Set UTC to {utc_s}"));
                ret.result = Some(true);
            }
            _ => {
                messages.push(format!("Failed to set UTC to {utc_s}"));
                ret.result = Some(false);
            }
        }
    }
    ret.comment = messages.join(", ");
    ret
}
