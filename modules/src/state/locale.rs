//! The `locale` state module (salt/states/locale.py): `system` and `present`, on top of
//! [`crate::exec::locale`].

use super::{StateCall, StateModule, StateReturn};
use crate::exec::locale;
use rsalt_data::Value;

/// The `locale` state module.
#[derive(Debug, Default, Clone, Copy)]
pub struct Locale;

impl StateModule for Locale {
    fn name(&self) -> &'static str {
        "locale"
    }

    fn functions(&self) -> &'static [&'static str] {
        &["system", "present"]
    }

    fn call(&self, fun: &str, call: &StateCall<'_>) -> StateReturn {
        match fun {
            "system" => system(call),
            "present" => present(call),
            other => StateReturn::new(call.name.clone())
                .fail(format!("State 'locale.{other}' was not found")),
        }
    }
}

fn system(call: &StateCall<'_>) -> StateReturn {
    let name = call.name.clone();
    let mut ret = StateReturn::new(name.clone());
    ret.result = None;
    let cur = match locale::get_locale(call.ctx) {
        Ok(c) => c,
        Err(e) => return ret.fail(format!("Failed to set system locale: {e}")),
    };
    if cur == name {
        ret.result = Some(true);
        ret.comment = format!("System locale {name} already set");
        return ret;
    }
    if call.test {
        ret.comment = format!("System locale {name} needs to be set");
        return ret;
    }
    match locale::set_locale(call.ctx, &name) {
        Ok(true) => {
            ret.changes.insert("locale", Value::from(name.as_str()));
            ret.result = Some(true);
            ret.comment = format!("Set system locale {name}");
        }
        Ok(false) => return ret.fail(format!("Failed to set system locale to {name}")),
        Err(e) => return ret.fail(format!("Failed to set system locale: {e}")),
    }
    ret
}

fn present(call: &StateCall<'_>) -> StateReturn {
    let name = call.name.clone();
    let mut ret = StateReturn::new(name.clone());
    ret.result = None;
    match locale::avail(call.ctx, &name) {
        Ok(true) => {
            ret.result = Some(true);
            ret.comment = format!("Locale {name} is already present");
            return ret;
        }
        Ok(false) => {}
        Err(e) => return ret.fail(e.to_string()),
    }
    if call.test {
        ret.comment = format!("Locale {name} needs to be generated");
        return ret;
    }
    match locale::gen_locale(call.ctx, &name) {
        Ok(true) => {
            ret.changes.insert("locale", Value::from(name.as_str()));
            ret.result = Some(true);
            ret.comment = format!("Generated locale {name}");
        }
        Ok(false) => return ret.fail(format!("Failed to generate locale {name}")),
        Err(e) => return ret.fail(e.to_string()),
    }
    ret
}
