//! The `sysctl` state module (salt/states/sysctl.py): `present`, on top of
//! [`crate::exec::sysctl`]. `config` defaults to `sysctl.default_config`
//! (`/etc/sysctl.d/99-salt.conf` under systemd ≥ 207, else `/etc/sysctl.conf`).

use super::{StateCall, StateModule, StateReturn};
use crate::exec::sysctl;
use crate::exec::sysutil::{arg, arg_str};
use rsalt_data::Value;

/// The `sysctl` state module.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sysctl;

impl StateModule for Sysctl {
    fn name(&self) -> &'static str {
        "sysctl"
    }

    fn functions(&self) -> &'static [&'static str] {
        &["present"]
    }

    fn required_args(&self, fun: &str) -> &'static [&'static str] {
        match fun {
            "present" => &["value"],
            _ => &[],
        }
    }

    fn call(&self, fun: &str, call: &StateCall<'_>) -> StateReturn {
        match fun {
            "present" => present(call),
            other => StateReturn::new(call.name.clone())
                .fail(format!("State 'sysctl.{other}' was not found")),
        }
    }
}

fn collapse(s: &str) -> String {
    let re = regex::Regex::new(" +|\t+");
    match re {
        Ok(re) => re.replace_all(s, " ").into_owned(),
        Err(_) => s.to_string(),
    }
}

/// `sysctl.present(name, value, config=None)`.
fn present(call: &StateCall<'_>) -> StateReturn {
    let name = call.name.clone();
    let mut ret = StateReturn::new(name.clone());
    let value_v = arg(call.low, "value").cloned().unwrap_or(Value::None);
    let value = value_v.to_py_str();
    let config = arg_str(call.low, "config").unwrap_or_else(|| sysctl::default_config(call.ctx));
    if call.test {
        let Some(configured) = sysctl::show_config(&config) else {
            ret.result = None;
            ret.comment = format!(
                "Sysctl option {name} might be changed, we failed to check config file at {config}. The file is either unreadable, or missing."
            );
            return ret;
        };
        let current = match sysctl::get(call.ctx, &name) {
            Ok(c) => c,
            Err(e) => return ret.fail(e.to_string()),
        };
        let in_config = configured.contains_key(name.as_str());
        if !current.is_empty() {
            if in_config {
                let want: Vec<&str> = value.split_whitespace().collect();
                let have: Vec<&str> = current.split_whitespace().collect();
                if want == have {
                    ret.comment = format!("Sysctl value {name} = {value} is already set");
                    return ret;
                }
            } else if collapse(&current) != collapse(&value) {
                ret.result = None;
                ret.comment = format!("Sysctl option {name} set to be changed to {value}");
                return ret;
            } else {
                ret.result = None;
                ret.comment = format!(
                    "Sysctl value is currently set on the running system but not in a config file. Sysctl option {name} set to be changed to {value} in config file."
                );
                return ret;
            }
        } else if in_config {
            ret.result = None;
            ret.comment = format!(
                "Sysctl value {name} is present in configuration file but is not present in the running config. The value {name} is set to be changed to {value}"
            );
            return ret;
        }
        ret.result = None;
        ret.comment = format!("Sysctl option {name} would be changed to {value}");
        return ret;
    }
    match sysctl::persist(call.ctx, &name, &value, &config) {
        Ok("Updated") => {
            ret.changes.insert(name.as_str(), value_v);
            ret.comment = format!("Updated sysctl value {name} = {value}");
        }
        Ok(_) => ret.comment = format!("Sysctl value {name} = {value} is already set"),
        Err(e) => return ret.fail(format!("Failed to set {name} to {value}: {e}")),
    }
    ret
}
