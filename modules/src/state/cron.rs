//! The `cron` state module (salt/states/cron.py): `present`, `absent`, `file`,
//! `env_present`, `env_absent`, on top of [`crate::exec::cron`].
//!
//! `identifier` defaults to the command (`name`), as in Salt, so every job rsalt writes
//! carries a `# SALT_CRON_IDENTIFIER:...` line. `cron.file` installs a whole crontab from
//! `source` (`salt://` or a local path, optional `template: jinja`), reporting the unified
//! diff in `changes.diff`.

use super::file::{fetch_source, render_template, source_list};
use super::{StateCall, StateModule, StateReturn};
use crate::exec::cmd::getpwnam;
use crate::exec::cron::{self, cron_matched, needs_change, Want};
use crate::exec::sysutil::{arg, arg_str};
use rsalt_data::{Dict, Value};

/// The `cron` state module.
#[derive(Debug, Default, Clone, Copy)]
pub struct Cron;

impl StateModule for Cron {
    fn name(&self) -> &'static str {
        "cron"
    }

    fn functions(&self) -> &'static [&'static str] {
        &["present", "absent", "file", "env_present", "env_absent"]
    }

    fn call(&self, fun: &str, call: &StateCall<'_>) -> StateReturn {
        match fun {
            "present" => present(call),
            "absent" => absent(call),
            "file" => file(call),
            "env_present" => env_present(call),
            "env_absent" => env_absent(call),
            other => StateReturn::new(call.name.clone())
                .fail(format!("State 'cron.{other}' was not found")),
        }
    }
}

fn user_of(call: &StateCall<'_>) -> String {
    arg_str(call.low, "user").unwrap_or_else(|| "root".into())
}

/// `identifier=False` means "use the command"; an explicit None/empty means no id.
fn identifier_of(call: &StateCall<'_>, name: &str) -> Option<String> {
    match call.low.get("identifier") {
        None | Some(Value::Bool(false)) => Some(name.to_string()),
        Some(Value::None) => None,
        Some(v) => Some(v.to_py_str()),
    }
}

fn time_arg(call: &StateCall<'_>, key: &str) -> String {
    arg(call.low, key)
        .map(Value::to_py_str)
        .unwrap_or_else(|| "*".into())
}

/// `_check_cron` (test mode): `present`, `update` or `absent`.
fn check_cron(
    call: &StateCall<'_>,
    user: &str,
    want: Option<&Want>,
    cmd: &str,
    identifier: Option<&str>,
) -> Result<&'static str, String> {
    let lst = cron::list_tab(call.ctx, user).map_err(|e| e.to_string())?;
    let special = want.and_then(|w| w.special.clone());
    let jobs = if special.is_none() {
        &lst.crons
    } else {
        &lst.special
    };
    for c in jobs {
        if !cron_matched(c, cmd, identifier) {
            continue;
        }
        let mut pairs: Vec<(Option<String>, Option<String>)> = Vec::new();
        match want {
            Some(w) if special.is_none() => {
                let cur = [&c.minute, &c.hour, &c.daymonth, &c.month, &c.dayweek];
                for (i, cv) in cur.iter().enumerate() {
                    pairs.push((Some(cv.to_string()), Some(w.times[i].to_lowercase())));
                }
            }
            Some(w) => pairs.push((c.spec.clone(), w.special.clone())),
            None => {}
        }
        pairs.push((c.identifier.clone(), identifier.map(String::from)));
        pairs.push((Some(c.cmd.clone()), Some(cmd.to_string())));
        if let Some(w) = want {
            pairs.push((c.comment.clone(), w.comment.clone()));
            let b = |v: bool| Some(if v { "True" } else { "False" }.to_string());
            pairs.push((b(c.commented), b(w.commented)));
        }
        if pairs
            .iter()
            .any(|(o, n)| needs_change(o.as_deref(), n.as_deref()))
        {
            return Ok("update");
        }
        return Ok("present");
    }
    Ok("absent")
}

fn present(call: &StateCall<'_>) -> StateReturn {
    let name = call.name.trim().to_string();
    let mut ret = StateReturn::new(name.clone());
    let user = user_of(call);
    let identifier = identifier_of(call, &name);
    let want = Want {
        times: [
            time_arg(call, "minute"),
            time_arg(call, "hour"),
            time_arg(call, "daymonth"),
            time_arg(call, "month"),
            time_arg(call, "dayweek"),
        ],
        special: arg_str(call.low, "special"),
        cmd: name.clone(),
        commented: call.low.get("commented") == Some(&Value::Bool(true)),
        comment: arg_str(call.low, "comment"),
        identifier: identifier.clone(),
    };
    if call.test {
        ret.result = None;
        match check_cron(call, &user, Some(&want), &name, identifier.as_deref()) {
            Ok("absent") => ret.comment = format!("Cron {name} is set to be added"),
            Ok("present") => {
                ret.result = Some(true);
                ret.comment = format!("Cron {name} already present");
            }
            Ok(_) => ret.comment = format!("Cron {name} is set to be updated"),
            Err(e) => return ret.fail(e),
        }
        return ret;
    }
    let data = match cron::set(call.ctx, &user, &want) {
        Ok(d) => d,
        Err(e) => e.to_string(),
    };
    match data.as_str() {
        "present" => ret.comment = format!("Cron {name} already present"),
        "new" => {
            ret.comment = format!("Cron {name} added to {user}'s crontab");
            ret.changes
                .insert(user.as_str(), Value::from(name.as_str()));
        }
        "updated" => {
            ret.comment = format!("Cron {name} updated");
            ret.changes
                .insert(user.as_str(), Value::from(name.as_str()));
        }
        err => {
            return ret.fail(format!(
                "Cron {name} for user {user} failed to commit with error \n{err}"
            ))
        }
    }
    ret
}

fn absent(call: &StateCall<'_>) -> StateReturn {
    let name = call.name.trim().to_string();
    let mut ret = StateReturn::new(name.clone());
    let user = user_of(call);
    let identifier = identifier_of(call, &name);
    let special = arg_str(call.low, "special");
    if call.test {
        ret.result = None;
        match check_cron(call, &user, None, &name, identifier.as_deref()) {
            Ok("absent") => {
                ret.result = Some(true);
                ret.comment = format!("Cron {name} is absent");
            }
            Ok(_) => ret.comment = format!("Cron {name} is set to be removed"),
            Err(e) => return ret.fail(e),
        }
        return ret;
    }
    let none5 = [None, None, None, None, None];
    let data = match cron::rm(
        call.ctx,
        &user,
        &name,
        special.is_some(),
        special.as_deref(),
        &none5,
        identifier.as_deref(),
    ) {
        Ok(d) => d,
        Err(e) => e.to_string(),
    };
    match data.as_str() {
        "absent" => ret.comment = format!("Cron {name} already absent"),
        "removed" => {
            ret.comment = format!("Cron {name} removed from {user}'s crontab");
            ret.changes
                .insert(user.as_str(), Value::from(name.as_str()));
        }
        err => {
            return ret.fail(format!(
                "Cron {name} for user {user} failed to commit with error {err}"
            ))
        }
    }
    ret
}

fn file(call: &StateCall<'_>) -> StateReturn {
    let name = call.name.clone();
    let mut ret = StateReturn::new(name.clone());
    let user = user_of(call);
    if getpwnam(&user).is_none() {
        return ret.fail(format!("Could not identify group for user {user}"));
    }
    let mut raw = match cron::raw_cron(call.ctx, &user) {
        Ok(r) => r,
        Err(e) => return ret.fail(e.to_string()),
    };
    if !raw.ends_with('\n') {
        raw.push('\n');
    }
    let replace = call.low.get("replace").is_none_or(Value::truthy);
    if !replace {
        // Salt checks the size of its temp copy, which always holds at least "\n".
        ret.comment = format!("User {user} already has a crontab. No changes made");
        return ret;
    }
    let src = match source_list(call, &Value::from(name.as_str())) {
        Ok(s) => s,
        Err(e) => return ret.fail(e),
    };
    let bytes = match fetch_source(call, &src) {
        Ok(b) => b,
        Err(e) => return ret.fail(e),
    };
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    if let Some(t) = arg_str(call.low, "template") {
        let dict_arg = |k: &str| arg(call.low, k).and_then(Value::as_dict).cloned();
        match render_template(
            call,
            &t,
            &text,
            src.url(),
            &Dict::new(),
            dict_arg("defaults").as_ref(),
            dict_arg("context").as_ref(),
        ) {
            Ok(r) => text = r,
            Err(e) => return ret.fail(format!("Unable to manage file: {e}")),
        }
    }
    let diff = crate::state::file::util::content_diff(raw.as_bytes(), text.as_bytes());
    if call.test {
        if diff.is_empty() {
            ret.comment = format!("The crontab of user {user} is in the correct state");
        } else {
            ret.result = None;
            ret.comment = format!("The following values are set to be changed:\ndiff: {diff}\n");
        }
        return ret;
    }
    if diff.is_empty() {
        ret.comment = format!("Crontab for user {user} is in the correct state");
        return ret;
    }
    match cron::write_tab_text(call.ctx, &user, &text) {
        Ok(Ok(())) => {
            ret.changes.insert("diff", Value::from(diff));
            ret.comment = format!("Crontab for user {user} was updated");
        }
        Ok(Err(stderr)) => {
            return ret.fail(format!(
                "Unable to update user {user} crontab. Error: {stderr}"
            ))
        }
        Err(e) => return ret.fail(e.to_string()),
    }
    ret
}

fn env_present(call: &StateCall<'_>) -> StateReturn {
    let name = call.name.clone();
    let mut ret = StateReturn::new(name.clone());
    let user = user_of(call);
    let value = arg_str(call.low, "value");
    if call.test {
        ret.result = None;
        let lst = match cron::list_tab(call.ctx, &user) {
            Ok(l) => l,
            Err(e) => return ret.fail(e.to_string()),
        };
        let want = value.clone().unwrap_or_default();
        match lst.env.iter().find(|(n, _)| *n == name) {
            None => ret.comment = format!("Cron env {name} is set to be added"),
            Some((_, v)) if *v == want => {
                ret.result = Some(true);
                ret.comment = format!("Cron env {name} already present");
            }
            Some(_) => ret.comment = format!("Cron env {name} is set to be updated"),
        }
        return ret;
    }
    let data = match cron::set_env(call.ctx, &user, &name, value.as_deref()) {
        Ok(d) => d,
        Err(e) => e.to_string(),
    };
    match data.as_str() {
        "present" => ret.comment = format!("Cron env {name} already present"),
        "new" => {
            ret.comment = format!("Cron env {name} added to {user}'s crontab");
            ret.changes
                .insert(user.as_str(), Value::from(name.as_str()));
        }
        "updated" => {
            ret.comment = format!("Cron env {name} updated");
            ret.changes
                .insert(user.as_str(), Value::from(name.as_str()));
        }
        err => {
            return ret.fail(format!(
                "Cron env {name} for user {user} failed to commit with error \n{err}"
            ))
        }
    }
    ret
}

fn env_absent(call: &StateCall<'_>) -> StateReturn {
    let name = call.name.trim().to_string();
    let mut ret = StateReturn::new(name.clone());
    let user = user_of(call);
    if call.test {
        ret.result = None;
        let lst = match cron::list_tab(call.ctx, &user) {
            Ok(l) => l,
            Err(e) => return ret.fail(e.to_string()),
        };
        if lst.env.iter().any(|(n, _)| *n == name) {
            ret.comment = format!("Cron env {name} is set to be removed");
        } else {
            ret.result = Some(true);
            ret.comment = format!("Cron env {name} is absent");
        }
        return ret;
    }
    let data = match cron::rm_env(call.ctx, &user, &name) {
        Ok(d) => d,
        Err(e) => e.to_string(),
    };
    match data.as_str() {
        "absent" => ret.comment = format!("Cron env {name} already absent"),
        "removed" => {
            ret.comment = format!("Cron env {name} removed from {user}'s crontab");
            ret.changes
                .insert(user.as_str(), Value::from(name.as_str()));
        }
        err => {
            return ret.fail(format!(
                "Cron env {name} for user {user} failed to commit with error {err}"
            ))
        }
    }
    ret
}
