//! The `user` and `group` state modules (Salt's `salt/states/user.py` and
//! `salt/states/group.py`) for Linux: `user.present`/`absent`, `group.present`/`absent`,
//! on top of [`crate::exec::user`]. Changes and comments follow Salt: a new user reports
//! `user.info`, an update reports the `user.info`/`shadow.info` keys that changed, and
//! password hashes are shown as `XXX-REDACTED-XXX`.

use super::{StateCall, StateModule, StateReturn};
use crate::exec::user::{self as acct, AddUser, GECOS};
use rsalt_data::{Dict, Value};
use rsalt_sls::CallError;

/// The `user` state module.
#[derive(Debug, Default, Clone, Copy)]
pub struct User;

/// The `group` state module.
#[derive(Debug, Default, Clone, Copy)]
pub struct Group;

const REDACTED: &str = "XXX-REDACTED-XXX";

impl StateModule for User {
    fn name(&self) -> &'static str {
        "user"
    }

    fn functions(&self) -> &'static [&'static str] {
        &["present", "absent"]
    }

    fn call(&self, fun: &str, call: &StateCall<'_>) -> StateReturn {
        let r = match fun {
            "present" => user_present(call),
            "absent" => user_absent(call),
            other => return super::not_found("user", other, call),
        };
        super::or_exception(call, r)
    }
}

impl StateModule for Group {
    fn name(&self) -> &'static str {
        "group"
    }

    fn functions(&self) -> &'static [&'static str] {
        &["present", "absent"]
    }

    fn call(&self, fun: &str, call: &StateCall<'_>) -> StateReturn {
        let r = match fun {
            "present" => group_present(call),
            "absent" => group_absent(call),
            other => return super::not_found("group", other, call),
        };
        super::or_exception(call, r)
    }
}

fn arg<'a>(call: &'a StateCall<'_>, k: &str) -> Option<&'a Value> {
    call.low.get(k).filter(|v| !v.is_none())
}

fn arg_str(call: &StateCall<'_>, k: &str) -> Option<String> {
    arg(call, k).map(Value::to_py_str)
}

fn arg_bool(call: &StateCall<'_>, k: &str, default: bool) -> bool {
    arg(call, k).map_or(default, Value::truthy)
}

/// A list argument: a list of scalars, or a comma-separated string.
fn arg_list(call: &StateCall<'_>, k: &str) -> Result<Option<Vec<String>>, CallError> {
    match arg(call, k) {
        None => Ok(None),
        Some(Value::List(l)) => Ok(Some(l.iter().map(Value::to_py_str).collect())),
        Some(Value::Str(s)) => Ok(Some(
            s.split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect(),
        )),
        Some(other) => Err(CallError::Failed(format!(
            "TypeError: '{}' must be a list, got {}",
            k,
            other.type_name()
        ))),
    }
}

fn arg_int(call: &StateCall<'_>, k: &str) -> Result<Option<i64>, CallError> {
    arg(call, k).map(|v| acct::parse_id(v, k)).transpose()
}

/// Resolves a group name or gid to a gid (`file.group_to_gid`).
fn group_to_gid(g: &str) -> Option<i64> {
    g.parse::<i64>()
        .ok()
        .or_else(|| acct::getgrnam(g).map(|x| x.gid))
}

/// `file.gid_to_group`.
fn gid_to_group(gid: i64) -> String {
    acct::getgrall()
        .into_iter()
        .find(|g| g.gid == gid)
        .map_or_else(|| gid.to_string(), |g| g.name)
}

/// The requested user attributes.
struct Want {
    uid: Option<i64>,
    gid: Option<String>,
    groups: Option<Vec<String>>,
    optional: Option<Vec<String>>,
    remove_groups: bool,
    home: Option<String>,
    createhome: bool,
    password: Option<String>,
    enforce_password: bool,
    empty_password: bool,
    shell: Option<String>,
    gecos: Vec<(&'static str, Option<String>)>,
    mindays: Option<i64>,
    maxdays: Option<i64>,
    inactdays: Option<i64>,
    warndays: Option<i64>,
    expire: Option<i64>,
    date: Option<i64>,
    password_lock: Option<bool>,
    allow_uid_change: bool,
    allow_gid_change: bool,
}

/// Salt's `_changes`: the attributes that differ (ordered as Salt adds them), `None`
/// when the user does not exist, `Err` with Salt's message for forbidden uid/gid changes.
fn user_changes(name: &str, w: &Want, gid: Option<&str>) -> Result<Option<Dict>, Vec<String>> {
    let lusr = acct::user_info(name);
    if lusr.is_empty() {
        return Ok(None);
    }
    let lshad = acct::shadow_info(name);
    let mut change = Dict::new();
    let mut cur_groups: Vec<String> = lusr
        .get("groups")
        .and_then(Value::as_list)
        .map(|l| l.iter().map(Value::to_py_str).collect())
        .unwrap_or_default();
    let mut wanted: Vec<String> = w
        .groups
        .iter()
        .flatten()
        .chain(w.optional.iter().flatten())
        .cloned()
        .collect();
    wanted.sort();
    wanted.dedup();
    if !w.remove_groups || w.groups.is_none() && w.optional.as_ref().is_none_or(Vec::is_empty) {
        wanted.extend(cur_groups.iter().cloned());
        wanted.sort();
        wanted.dedup();
    }
    let cur_uid = lusr.get("uid").and_then(Value::as_int).unwrap_or(-1);
    let cur_gid = lusr.get("gid").and_then(Value::as_int).unwrap_or(-1);
    if let Some(u) = w.uid.filter(|u| *u != 0 && *u != cur_uid) {
        change.insert("uid", Value::Int(u));
    }
    if let Some(g) = gid {
        if group_to_gid(g) != Some(cur_gid) {
            change.insert(
                "gid",
                g.parse::<i64>().map_or_else(|_| Value::from(g), Value::Int),
            );
        }
    }
    let default_grp = match gid {
        Some(g) => g
            .parse::<i64>()
            .map_or_else(|_| g.to_string(), gid_to_group),
        None => gid_to_group(cur_gid),
    };
    let old_default = gid_to_group(cur_gid);
    cur_groups.retain(|g| *g != default_grp);
    wanted.retain(|g| *g != default_grp);
    if old_default != default_grp {
        cur_groups.retain(|g| *g != old_default);
    }
    if cur_groups.iter().any(|g| g == name) && !wanted.iter().any(|g| g == name) {
        cur_groups.retain(|g| g != name);
    }
    let cur_set: std::collections::BTreeSet<&String> = cur_groups.iter().collect();
    let want_set: std::collections::BTreeSet<&String> = wanted.iter().collect();
    let differs = cur_set != want_set && (w.remove_groups || !want_set.is_subset(&cur_set));
    if differs && (!wanted.is_empty() || w.remove_groups) {
        change.insert(
            "groups",
            Value::List(wanted.iter().map(|s| Value::from(s.as_str())).collect()),
        );
    }
    let cur_home = lusr.get("home").map(Value::to_py_str).unwrap_or_default();
    if let Some(h) = w.home.as_ref().filter(|h| !h.is_empty() && **h != cur_home) {
        change.insert("home", Value::from(h.as_str()));
    }
    if w.createhome {
        let newhome = w.home.clone().filter(|h| !h.is_empty()).unwrap_or(cur_home);
        if !std::path::Path::new(&newhome).is_dir() {
            change.insert("homeDoesNotExist", Value::from(newhome));
        }
    }
    let cur_shell = lusr.get("shell").map(Value::to_py_str).unwrap_or_default();
    if let Some(s) = w
        .shell
        .as_ref()
        .filter(|s| !s.is_empty() && **s != cur_shell)
    {
        change.insert("shell", Value::from(s.as_str()));
    }
    let cur_pw = lshad
        .get("passwd")
        .map(Value::to_py_str)
        .unwrap_or_default();
    if let Some(p) = w.password.as_ref().filter(|p| !p.is_empty()) {
        if !w.empty_password && (cur_pw == "!" || w.enforce_password) && cur_pw != *p {
            change.insert("passwd", Value::from(p.as_str()));
        }
    }
    if w.empty_password && !cur_pw.is_empty() {
        change.insert("empty_password", Value::Bool(true));
    }
    let sh = |k: &str| lshad.get(k).and_then(Value::as_int);
    for (key, field, val) in [
        ("date", "lstchg", w.date),
        ("mindays", "min", w.mindays),
        ("maxdays", "max", w.maxdays),
        ("inactdays", "inact", w.inactdays),
        ("warndays", "warn", w.warndays),
    ] {
        if let Some(v) = val {
            if sh(field) != Some(v) {
                change.insert(key, Value::Int(v));
            }
        }
    }
    if let Some(e) = w.expire.filter(|e| *e != 0) {
        if sh("expire") != Some(e) {
            change.insert("expire", Value::Int(e));
        }
    }
    if w.password_lock == Some(true) && !cur_pw.starts_with('!')
        || w.password_lock == Some(false) && cur_pw.starts_with('!')
    {
        change.insert("password_lock", Value::Bool(w.password_lock == Some(true)));
    }
    for (k, v) in &w.gecos {
        if let Some(v) = v {
            if lusr.get(k).map(Value::to_py_str).as_deref() != Some(v.as_str()) {
                change.insert(*k, Value::from(v.as_str()));
            }
        }
    }
    let mut errors = Vec::new();
    if !w.allow_uid_change && change.contains_key("uid") {
        errors.push(format!(
            "Changing uid ({cur_uid} -> {}) not permitted, set allow_uid_change to True to force this change. Note that this will not change file ownership.",
            w.uid.unwrap_or_default()
        ));
    }
    if !w.allow_gid_change && change.contains_key("gid") {
        errors.push(format!(
            "Changing gid ({cur_gid} -> {}) not permitted, set allow_gid_change to True to force this change. Note that this will not change file ownership.",
            gid.unwrap_or_default()
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Some(change))
}

fn user_present(call: &StateCall<'_>) -> Result<StateReturn, CallError> {
    let name = call.name.clone();
    let ctx = call.ctx;
    let mut ret = StateReturn::new(name.clone())
        .with_comment(format!("User {name} is present and up to date"));
    // hash_password: SHA-512 crypt, reusing the salt of the current `$6$` hash so an
    // unchanged password gives the same hash (Salt reuses salt and algorithm).
    let mut password = arg_str(call, "password");
    if arg_bool(call, "hash_password", false) {
        if let Some(clear) = password.as_deref().filter(|p| !p.is_empty()) {
            let cur = acct::getspnam(&name).map(|s| s.passwd).unwrap_or_default();
            let parts: Vec<&str> = cur.split('$').collect();
            let salt = match parts.as_slice() {
                [_, "6", salt, _] => (*salt).to_string(),
                _ => crate::exec::crypt::random_salt(),
            };
            password = Some(crate::exec::crypt::sha512_crypt(clear, &salt));
        }
    }
    let gecos: Vec<(&'static str, Option<String>)> =
        GECOS.iter().map(|k| (*k, arg_str(call, k))).collect();
    for (_, v) in gecos.iter().take(3) {
        if let Some(v) = v.as_ref().filter(|v| v.contains(',')) {
            return Ok(ret.fail(format!("Unsupported char ',' in {v}")));
        }
    }
    let groups = arg_list(call, "groups")?;
    if let Some(g) = groups.as_ref().filter(|g| !g.is_empty()) {
        let missing: Vec<String> = g
            .iter()
            .filter(|x| acct::getgrnam(x).is_none())
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Ok(ret.fail(format!(
                "The following group(s) are not present: {}",
                missing.join(",")
            )));
        }
    }
    let optional = arg_list(call, "optional_groups")?.map(|o| {
        o.into_iter()
            .filter(|x| acct::getgrnam(x).is_some())
            .collect::<Vec<_>>()
    });
    let gid = arg_str(call, "gid");
    let usergroup = arg(call, "usergroup").map(Value::truthy);
    let changes_gid = if usergroup == Some(true) && acct::getgrnam(&name).is_some() {
        Some(name.clone())
    } else {
        gid.clone()
    };
    let want = Want {
        uid: arg_int(call, "uid")?,
        gid: gid.clone(),
        groups: groups.clone(),
        optional: optional.clone(),
        remove_groups: arg_bool(call, "remove_groups", true),
        home: arg_str(call, "home"),
        createhome: arg_bool(call, "createhome", true),
        password: password.clone(),
        enforce_password: arg_bool(call, "enforce_password", true),
        empty_password: arg_bool(call, "empty_password", false),
        shell: arg_str(call, "shell"),
        gecos,
        mindays: arg_int(call, "mindays")?,
        maxdays: arg_int(call, "maxdays")?,
        inactdays: arg_int(call, "inactdays")?,
        warndays: arg_int(call, "warndays")?,
        expire: arg_int(call, "expire")?,
        date: arg_int(call, "date")?,
        password_lock: arg(call, "password_lock").map(Value::truthy),
        allow_uid_change: arg_bool(call, "allow_uid_change", false),
        allow_gid_change: arg_bool(call, "allow_gid_change", false),
    };
    let changes = match user_changes(&name, &want, changes_gid.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            return Ok(ret.fail(format!(
                "Encountered error checking for needed changes. Additional info follows:\n\n- {}",
                e.join("\n- ")
            )))
        }
    };
    match changes {
        Some(ch) if !ch.is_empty() => update_user(call, &name, &want, ch, ret),
        Some(_) => Ok(ret),
        None => {
            if call.test {
                ret.result = None;
                ret.comment = format!("User {name} set to be added");
                return Ok(ret);
            }
            let mut all_groups = groups.clone();
            if let Some(o) = optional.as_ref().filter(|o| !o.is_empty()) {
                all_groups
                    .get_or_insert_with(Vec::new)
                    .extend(o.iter().cloned());
            }
            let opts = AddUser {
                name: name.clone(),
                uid: arg_str(call, "uid"),
                gid: gid.clone(),
                groups: all_groups,
                home: want.home.clone(),
                shell: want.shell.clone(),
                unique: arg_bool(call, "unique", true),
                system: arg_bool(call, "system", false),
                createhome: want.createhome,
                nologinit: arg_bool(call, "nologinit", false),
                usergroup,
            };
            let gecos_vals: Vec<(&str, String)> = want
                .gecos
                .iter()
                .map(|(k, v)| (*k, v.clone().unwrap_or_default()))
                .collect();
            if !acct::user_add(ctx, &opts, &gecos_vals)? {
                return Ok(ret.fail(format!("Failed to create new user {name}")));
            }
            ret.comment = format!("New user {name} created");
            ret.changes = acct::user_info(&name);
            if !want.createhome {
                ret.changes.insert("home", Value::from(""));
            }
            if let Some(p) = want.password.as_ref().filter(|p| !p.is_empty()) {
                if !want.empty_password {
                    acct::set_password(&name, p)?;
                    if acct::getspnam(&name).map(|s| s.passwd).as_deref() != Some(p.as_str()) {
                        ret.comment =
                            format!("User {name} created but failed to set password to {REDACTED}");
                        ret.result = Some(false);
                    }
                    ret.changes.insert("password", Value::from(REDACTED));
                }
            }
            if want.empty_password && want.password.is_none() {
                acct::run_argv(ctx, vec!["passwd".into(), "-d".into(), name.clone()])?;
                ret.changes.insert("password", Value::from(""));
            }
            if let Some(d) = want.date {
                acct::chage(ctx, &name, "lstchg", d, "-d")?;
                ret.changes.insert("date", Value::Int(d));
            }
            for (key, field, param, val) in [
                ("mindays", "min", "-m", want.mindays),
                ("maxdays", "max", "-M", want.maxdays),
                ("inactdays", "inact", "-I", want.inactdays),
                ("warndays", "warn", "-W", want.warndays),
                ("expire", "expire", "-E", want.expire),
            ] {
                if let Some(v) = val.filter(|v| *v != 0) {
                    if !acct::chage(ctx, &name, field, v, param)? {
                        ret.comment = format!("User {name} created but failed to set {key} to {v}");
                        ret.result = Some(false);
                    }
                    ret.changes.insert(key, Value::Int(v));
                }
            }
            Ok(ret)
        }
    }
}

fn update_user(
    call: &StateCall<'_>,
    name: &str,
    want: &Want,
    mut ch: Dict,
    mut ret: StateReturn,
) -> Result<StateReturn, CallError> {
    let ctx = call.ctx;
    if call.test {
        ret.result = None;
        ret.comment = "The following user attributes are set to be changed:\n".into();
        for (k, v) in ch.iter() {
            let k = k.to_string();
            let v = if k == "passwd" {
                REDACTED.to_string()
            } else {
                v.to_py_str()
            };
            ret.comment += &format!("{k}: {v}\n");
        }
        return Ok(ret);
    }
    let lshad = acct::shadow_info(name);
    let pre = acct::user_info(name);
    if ch.remove("passwd").is_some() && !want.empty_password {
        if let Some(p) = &want.password {
            acct::set_password(name, p)?;
        }
    }
    if ch.remove("empty_password").is_some() {
        acct::run_argv(ctx, vec!["passwd".into(), "-d".into(), name.into()])?;
    }
    if let Some(lock) = ch.remove("password_lock") {
        let flag = if lock.truthy() { "-l" } else { "-u" };
        acct::run_argv(ctx, vec!["passwd".into(), flag.into(), name.into()])?;
    }
    if ch.remove("date").is_some() {
        if let Some(d) = want.date {
            acct::chage(ctx, name, "lstchg", d, "-d")?;
        }
    }
    let mut home_changed = false;
    if let Some(h) = ch.remove("home") {
        if !ch.contains_key("homeDoesNotExist") {
            acct::chattrib(ctx, name, "home", &h, "-d")?;
            home_changed = true;
        }
    }
    if let Some(h) = ch.remove("homeDoesNotExist") {
        let h = h.to_py_str();
        if !home_changed {
            acct::chattrib(ctx, name, "home", &Value::from(h.as_str()), "-d")?;
        }
        if !std::path::Path::new(&h).is_dir() {
            std::fs::create_dir_all(&h).map_err(|e| CallError::Failed(format!("{h}: {e}")))?;
            let uid = pre.get("uid").and_then(Value::as_int).unwrap_or(0);
            let gid = pre.get("gid").and_then(Value::as_int).unwrap_or(0);
            acct::run_argv(ctx, vec!["chown".into(), format!("{uid}:{gid}"), h.clone()])?;
            acct::run_argv(ctx, vec!["chmod".into(), "755".into(), h])?;
        }
    }
    for (key, field, param) in [
        ("mindays", "min", "-m"),
        ("maxdays", "max", "-M"),
        ("inactdays", "inact", "-I"),
        ("warndays", "warn", "-W"),
        ("expire", "expire", "-E"),
    ] {
        if let Some(v) = ch.remove(key) {
            if let Some(v) = v.as_int() {
                acct::chage(ctx, name, field, v, param)?;
            }
        }
    }
    let keys: Vec<String> = ch.iter().map(|(k, _)| k.to_string()).collect();
    for k in keys {
        let Some(v) = ch.get(&k).cloned() else {
            continue;
        };
        match k.as_str() {
            "uid" => {
                acct::chattrib(ctx, name, "uid", &v, "-u")?;
            }
            "gid" => {
                let gid = group_to_gid(&v.to_py_str()).map_or(v.clone(), Value::Int);
                acct::chattrib(ctx, name, "gid", &gid, "-g")?;
            }
            "shell" => {
                acct::chattrib(ctx, name, "shell", &v, "-s")?;
            }
            f if GECOS.contains(&f) => {
                acct::update_gecos(ctx, name, f, &v.to_py_str())?;
            }
            _ => continue,
        }
        ch.remove(&k);
    }
    if let Some(g) = ch.remove("groups") {
        let list: Vec<String> = g
            .as_list()
            .map(|l| l.iter().map(Value::to_py_str).collect())
            .unwrap_or_default();
        acct::chgroups(ctx, name, &list, !want.remove_groups)?;
    }
    let post = acct::user_info(name);
    for (k, v) in post.iter() {
        if pre.get(&k.to_string()) != Some(v) {
            ret.changes.insert(k.clone(), v.clone());
        }
    }
    if lshad.get("passwd").map(Value::to_py_str) != want.password {
        let spost = acct::shadow_info(name);
        for (k, v) in spost.iter() {
            let k = k.to_string();
            if lshad.get(&k) != Some(v) {
                let v = if k == "passwd" {
                    Value::from(REDACTED)
                } else {
                    v.clone()
                };
                ret.changes.insert(k.as_str(), v);
            }
        }
    }
    if !ret.changes.is_empty() {
        ret.comment = format!("Updated user {name}");
    }
    let again = Want {
        allow_uid_change: true,
        allow_gid_change: true,
        ..clone_want(want)
    };
    if let Ok(Some(left)) = user_changes(name, &again, want.gid.as_deref()) {
        if !left.is_empty() {
            ret.comment = format!(
                "These values could not be changed: {}",
                rsalt_data::repr::repr(&Value::Dict(left))
            );
            ret.result = Some(false);
        }
    }
    Ok(ret)
}

fn clone_want(w: &Want) -> Want {
    Want {
        uid: w.uid,
        gid: w.gid.clone(),
        groups: w.groups.clone(),
        optional: w.optional.clone(),
        remove_groups: w.remove_groups,
        home: w.home.clone(),
        createhome: w.createhome,
        password: w.password.clone(),
        enforce_password: w.enforce_password,
        empty_password: w.empty_password,
        shell: w.shell.clone(),
        gecos: w.gecos.clone(),
        mindays: w.mindays,
        maxdays: w.maxdays,
        inactdays: w.inactdays,
        warndays: w.warndays,
        expire: w.expire,
        date: w.date,
        password_lock: w.password_lock,
        allow_uid_change: w.allow_uid_change,
        allow_gid_change: w.allow_gid_change,
    }
}

fn user_absent(call: &StateCall<'_>) -> Result<StateReturn, CallError> {
    let name = call.name.clone();
    let mut ret = StateReturn::new(name.clone());
    if acct::user_info(&name).is_empty() {
        ret.comment = format!("User {name} is not present");
        return Ok(ret);
    }
    if call.test {
        ret.result = None;
        ret.comment = format!("User {name} set for removal");
        return Ok(ret);
    }
    let before = acct::group_list(&name);
    let ok = acct::user_delete(
        call.ctx,
        &name,
        arg_bool(call, "purge", false),
        arg_bool(call, "force", false),
    )?;
    if ok {
        for g in before.iter().filter(|g| acct::getgrnam(g).is_none()) {
            ret.changes
                .insert(format!("{g} group"), Value::from("removed"));
        }
        ret.changes.insert(name.as_str(), Value::from("removed"));
        ret.comment = format!("Removed user {name}");
    } else {
        ret = ret.fail(format!("Failed to remove user {name}"));
    }
    Ok(ret)
}

/// Salt's `group._changes`; `Err` carries "Invalid gid".
fn group_changes(
    name: &str,
    gid: Option<&Value>,
    addusers: Option<&Vec<String>>,
    delusers: Option<&Vec<String>>,
    members: Option<&Vec<String>>,
) -> Result<Option<Dict>, String> {
    let Some(g) = acct::getgrnam(name) else {
        return Ok(None);
    };
    let mut change = Dict::new();
    if let Some(gid) = gid.filter(|v| v.truthy()) {
        let gid = acct::parse_id(gid, "gid").map_err(|_| "Invalid gid".to_string())?;
        if g.gid != gid {
            change.insert("gid", Value::Int(gid));
        }
    }
    let cur: std::collections::BTreeSet<&String> = g.members.iter().collect();
    match members {
        Some(m) if m.is_empty() && !cur.is_empty() => {
            change.insert(
                "delusers",
                Value::List(g.members.iter().map(|s| Value::from(s.as_str())).collect()),
            );
        }
        Some(m) if m.is_empty() => {}
        Some(m) => {
            let want: std::collections::BTreeSet<&String> = m.iter().collect();
            if want != cur {
                change.insert(
                    "members",
                    Value::List(m.iter().map(|s| Value::from(s.as_str())).collect()),
                );
            }
        }
        None => {}
    }
    if let Some(a) = addusers.filter(|a| !a.is_empty()) {
        let add: Vec<Value> = a
            .iter()
            .filter(|u| !g.members.contains(u))
            .map(|s| Value::from(s.as_str()))
            .collect();
        if !add.is_empty() {
            change.insert("addusers", Value::List(add));
        }
    }
    if let Some(d) = delusers.filter(|d| !d.is_empty()) {
        let del: Vec<Value> = d
            .iter()
            .filter(|u| g.members.contains(u))
            .map(|s| Value::from(s.as_str()))
            .collect();
        if !del.is_empty() {
            change.insert("delusers", Value::List(del));
        }
    }
    Ok(Some(change))
}

/// [`group_changes`] with Salt's quirk for a non-numeric gid: the error dict itself
/// (`{result: False, comment: 'Invalid gid'}`) is treated as the changes to make, so the
/// state lists it, and fails with it under `Failed` after "applying" nothing.
fn group_changes_or_quirk(
    name: &str,
    gid: Option<&Value>,
    addusers: Option<&Vec<String>>,
    delusers: Option<&Vec<String>>,
    members: Option<&Vec<String>>,
) -> Option<Dict> {
    match group_changes(name, gid, addusers, delusers, members) {
        Ok(c) => c,
        Err(e) => {
            let mut d = Dict::new();
            d.insert("result", Value::Bool(false));
            d.insert("comment", Value::from(e));
            Some(d)
        }
    }
}

fn group_present(call: &StateCall<'_>) -> Result<StateReturn, CallError> {
    let name = call.name.clone();
    let ctx = call.ctx;
    let mut ret = StateReturn::new(name.clone())
        .with_comment(format!("Group {name} is present and up to date"));
    let gid = arg(call, "gid");
    let addusers = arg_list(call, "addusers")?;
    let delusers = arg_list(call, "delusers")?;
    let members = arg_list(call, "members")?;
    let non_unique = arg_bool(call, "non_unique", false);
    if members.is_some() && (addusers.is_some() || delusers.is_some()) {
        ret.result = None;
        ret.comment = "Error: Conflicting options \"members\" with \"addusers\" and/or \"delusers\" can not be used together. ".into();
        return Ok(ret);
    }
    if let (Some(a), Some(d)) = (&addusers, &delusers) {
        if a.iter().any(|x| d.contains(x)) {
            ret.result = None;
            ret.comment = "Error. Same user(s) can not be added and deleted simultaneously".into();
            return Ok(ret);
        }
    }
    let changes = group_changes_or_quirk(
        &name,
        gid,
        addusers.as_ref(),
        delusers.as_ref(),
        members.as_ref(),
    );
    match changes {
        Some(ch) if !ch.is_empty() => {
            ret.comment = "The following group attributes are set to be changed:\n".into();
            for (k, v) in ch.iter() {
                let shown = match (k.to_string().as_str(), v) {
                    ("delusers", Value::List(l)) if members.as_ref().is_some_and(Vec::is_empty) => {
                        let items: Vec<String> = l.iter().map(rsalt_data::repr::repr).collect();
                        format!("{{{}}}", items.join(", "))
                    }
                    _ => v.to_py_str(),
                };
                ret.comment += &format!("{k}: {shown}\n");
            }
            if call.test {
                ret.result = None;
                return Ok(ret);
            }
            for (k, v) in ch.iter() {
                let list: Vec<String> = v
                    .as_list()
                    .map(|l| l.iter().map(Value::to_py_str).collect())
                    .unwrap_or_default();
                match k.to_string().as_str() {
                    "gid" => {
                        acct::group_chgid(ctx, &name, v.as_int().unwrap_or(-1), non_unique)?;
                    }
                    "addusers" => {
                        for u in &list {
                            acct::group_adduser(ctx, &name, u)?;
                        }
                    }
                    "delusers" => {
                        for u in &list {
                            acct::group_deluser(ctx, &name, u)?;
                        }
                    }
                    "members" => {
                        acct::group_members(ctx, &name, &list.join(","))?;
                    }
                    _ => {}
                }
            }
            let left = group_changes_or_quirk(
                &name,
                gid,
                addusers.as_ref(),
                delusers.as_ref(),
                members.as_ref(),
            )
            .unwrap_or_default();
            if left.is_empty() {
                ret.changes
                    .insert("Final", Value::from("All changes applied successfully"));
            } else {
                ret.result = Some(false);
                ret.comment += "Some changes could not be applied";
                ret.changes.insert("Failed", Value::Dict(left));
            }
            Ok(ret)
        }
        Some(_) => Ok(ret),
        None => {
            if call.test {
                ret.result = None;
                ret.comment = format!("Group {name} set to be added");
                return Ok(ret);
            }
            let gid_num = match gid {
                Some(v) => match acct::parse_id(v, "gid") {
                    Ok(g) => Some(g),
                    // Salt passes the value to groupadd, which refuses it.
                    Err(_) => return Ok(ret.fail(format!("Failed to create new group {name}"))),
                },
                None => None,
            };
            if let Some(g) = gid_num.filter(|_| !non_unique) {
                if let Some(other) = acct::getgrall().into_iter().find(|x| x.gid == g) {
                    return Ok(ret.fail(format!(
                        "Group {name} is not present but gid {g} is already taken by group {}",
                        other.name
                    )));
                }
            }
            if !acct::group_add(
                ctx,
                &name,
                gid_num,
                arg_bool(call, "system", false),
                non_unique,
            )? {
                return Ok(ret.fail(format!("Failed to create new group {name}")));
            }
            let mut grp_members = None;
            if let Some(m) = members.as_ref().filter(|m| !m.is_empty()) {
                grp_members = Some(m.join(","));
            }
            if let Some(a) = addusers.as_ref().filter(|a| !a.is_empty()) {
                grp_members = Some(a.join(","));
            }
            if let Some(m) = grp_members {
                acct::group_members(ctx, &name, &m)?;
            }
            ret.comment = format!("New group {name} created");
            ret.changes = acct::group_info(&name);
            let left = group_changes_or_quirk(
                &name,
                gid,
                addusers.as_ref(),
                delusers.as_ref(),
                members.as_ref(),
            )
            .unwrap_or_default();
            if !left.is_empty() {
                ret.result = Some(false);
                ret.comment =
                    format!("Group {name} has been created but, some changes could not be applied");
                ret.changes = Dict::new();
                ret.changes.insert("Failed", Value::Dict(left));
            }
            Ok(ret)
        }
    }
}

fn group_absent(call: &StateCall<'_>) -> Result<StateReturn, CallError> {
    let name = call.name.clone();
    let mut ret = StateReturn::new(name.clone());
    if acct::getgrnam(&name).is_none() {
        ret.comment = "Group not present".into();
        return Ok(ret);
    }
    if call.test {
        ret.result = None;
        ret.comment = format!("Group {name} is set for removal");
        return Ok(ret);
    }
    if acct::group_delete(call.ctx, &name)? {
        ret.changes.insert(name.as_str(), Value::from(""));
        ret.comment = format!("Removed group {name}");
    } else {
        ret = ret.fail(format!("Failed to remove group {name}"));
    }
    Ok(ret)
}
