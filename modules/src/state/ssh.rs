//! The `ssh_auth` (`present`, `absent`) and `ssh_known_hosts` (`present`, `absent`) state
//! modules (Salt's `salt/states/ssh_auth.py` and `ssh_known_hosts.py`), on top of
//! [`crate::exec::ssh`]. Keys come from `name` (a bare key, or a whole `options enc key
//! comment` line) or from a `source` file (`salt://...` or a local path).

use super::{StateCall, StateModule, StateReturn};
use crate::exec::ssh::{self as ssh, KnownHost, KnownHostResult};
use regex::Regex;
use rsalt_data::{Dict, Value};
use rsalt_sls::CallError;

/// The `ssh_auth` state module.
#[derive(Debug, Default, Clone, Copy)]
pub struct SshAuth;

/// The `ssh_known_hosts` state module.
#[derive(Debug, Default, Clone, Copy)]
pub struct SshKnownHosts;

impl StateModule for SshAuth {
    fn name(&self) -> &'static str {
        "ssh_auth"
    }

    fn functions(&self) -> &'static [&'static str] {
        &["present", "absent"]
    }

    fn call(&self, fun: &str, call: &StateCall<'_>) -> StateReturn {
        let r = match fun {
            "present" => auth_present(call),
            "absent" => auth_absent(call),
            other => return super::not_found("ssh_auth", other, call),
        };
        super::or_exception(call, r)
    }
}

impl StateModule for SshKnownHosts {
    fn name(&self) -> &'static str {
        "ssh_known_hosts"
    }

    fn functions(&self) -> &'static [&'static str] {
        &["present", "absent"]
    }

    fn call(&self, fun: &str, call: &StateCall<'_>) -> StateReturn {
        let r = match fun {
            "present" => known_present(call),
            "absent" => known_absent(call),
            other => return super::not_found("ssh_known_hosts", other, call),
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

fn full_key_re() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(.*?)\s?((?:sk-)?(?:ssh\-|ecds)[\w-]+\s.+)$").expect("static regex")
    })
}

fn starts_key_re() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^(sk-)?(ssh\-|ecds).*").expect("static regex"))
}

/// The key arguments after parsing `name` as Salt does.
struct KeySpec {
    user: String,
    name: String,
    enc: String,
    comment: String,
    options: Vec<String>,
    source: String,
    config: String,
    hash_type: Option<String>,
}

fn key_spec(call: &StateCall<'_>, split_limit: bool) -> Result<KeySpec, String> {
    let Some(user) = arg_str(call, "user") else {
        return Err(format!(
            "Missing parameter user for state ssh_auth.{}\n",
            call.low
                .get("fun")
                .map(Value::to_py_str)
                .unwrap_or_default()
        ));
    };
    let mut k = KeySpec {
        user,
        name: call.name.clone(),
        enc: arg_str(call, "enc").unwrap_or_else(|| "ssh-rsa".into()),
        comment: arg_str(call, "comment").unwrap_or_default(),
        options: match arg(call, "options") {
            Some(Value::List(l)) => l.iter().map(Value::to_py_str).collect(),
            Some(v) if v.truthy() => vec![v.to_py_str()],
            _ => Vec::new(),
        },
        source: arg_str(call, "source").unwrap_or_default(),
        config: arg_str(call, "config").unwrap_or_else(|| ".ssh/authorized_keys".into()),
        hash_type: arg_str(call, "fingerprint_hash_type"),
    };
    if k.source.is_empty() {
        match full_key_re().captures(&call.name) {
            None => {
                let mut it = call.name.trim().splitn(2, char::is_whitespace);
                k.name = it.next().unwrap_or_default().to_string();
                if let Some(c) = it.next() {
                    k.comment = c.trim().to_string();
                }
            }
            Some(c) => {
                let opts = c.get(1).map_or("", |m| m.as_str());
                if !opts.is_empty() {
                    k.options = opts.split(',').map(str::to_string).collect();
                }
                let rest = c.get(2).map_or("", |m| m.as_str());
                let comps: Vec<String> = if split_limit {
                    let mut v: Vec<String> = Vec::new();
                    let mut r = rest.trim_start();
                    for _ in 0..2 {
                        let end = r.find(char::is_whitespace).unwrap_or(r.len());
                        v.push(r[..end].to_string());
                        r = r[end..].trim_start();
                    }
                    if !r.is_empty() {
                        v.push(r.trim_end().to_string());
                    }
                    v
                } else {
                    rest.split_whitespace().map(str::to_string).collect()
                };
                if let Some(e) = comps.first() {
                    k.enc = e.clone();
                }
                if let Some(n) = comps.get(1) {
                    k.name = n.clone();
                }
                if comps.len() == 3 {
                    k.comment = comps[2].clone();
                }
            }
        }
    }
    Ok(k)
}

/// Reads a `source`: `salt://` from the state tree, else a local path (`file://` too).
fn read_source(call: &StateCall<'_>, source: &str) -> Option<String> {
    if let Some(p) = source.strip_prefix("salt://") {
        let (path, env) = match p.split_once("?saltenv=") {
            Some((a, b)) => (a, b.to_string()),
            None => (p, call.saltenv().to_string()),
        };
        call.ctx.files.read(&env, path)
    } else {
        let p = source.strip_prefix("file://").unwrap_or(source);
        std::fs::read_to_string(p).ok()
    }
}

fn h(k: &KeySpec) -> Option<&str> {
    k.hash_type.as_deref()
}

fn auth_present(call: &StateCall<'_>) -> Result<StateReturn, CallError> {
    let mut ret = StateReturn::new(call.name.clone());
    let k = match key_spec(call, true) {
        Ok(k) => k,
        Err(e) => return Ok(ret.fail(e)),
    };
    let (user, name) = (&k.user, &k.name);
    if call.test {
        if !k.source.is_empty() {
            let Some(text) = read_source(call, &k.source) else {
                ret.result = Some(true);
                ret.comment = format!("All host keys in file {} are already present", k.source);
                return Ok(ret);
            };
            let keys = ssh::validate_keys(&text, h(&k))?;
            if keys.is_empty() {
                return Ok(ret.fail(format!(
                    "No keys detected in {}. Is file properly formatted?",
                    k.source
                )));
            }
            let mut comment = String::new();
            for (key, info) in &keys {
                let st = ssh::check_key(
                    user,
                    key,
                    &info.enc,
                    &info.comment,
                    &info.options,
                    &k.config,
                    h(&k),
                )?;
                if st != "exists" {
                    comment += &format!("Set to {st}: {key}\n");
                }
            }
            if !comment.is_empty() {
                ret.result = None;
                ret.comment = comment;
            } else {
                ret.result = Some(true);
                ret.comment = format!("All host keys in file {} are already present", k.source);
            }
            return Ok(ret);
        }
        ret.result = None;
        match ssh::check_key(user, name, &k.enc, &k.comment, &k.options, &k.config, h(&k))? {
            "update" => ret.comment = format!("Key {name} for user {user} is set to be updated"),
            "add" => ret.comment = format!("Key {name} for user {user} is set to be added"),
            _ => {
                ret.result = Some(true);
                ret.comment =
                    format!("The authorized host key {name} is already present for user {user}");
            }
        }
        return Ok(ret);
    }
    let data: String = if !k.source.is_empty() {
        match read_source(call, &k.source) {
            None => "no key".into(),
            Some(text) => {
                let mut data = String::from("no change");
                for line in text.trim_end().split('\n') {
                    if starts_key_re().is_match(line) {
                        let parts: Vec<&str> = line.split(' ').collect();
                        data = ssh::set_auth_key(
                            user,
                            parts.get(1).copied().unwrap_or_default(),
                            parts[0],
                            parts.get(2).copied().unwrap_or_default(),
                            &k.options,
                            &k.config,
                            h(&k),
                        )?
                        .into();
                    } else {
                        let keys = ssh::validate_keys(&text, h(&k))?;
                        if keys.is_empty() {
                            data = "fail".into();
                            ret.comment = format!(
                                "No keys detected in {}. Is file properly formatted?",
                                k.source
                            );
                            continue;
                        }
                        let mut rval = String::new();
                        for (key, info) in &keys {
                            rval += ssh::set_auth_key(
                                user,
                                key,
                                &info.enc,
                                &info.comment,
                                &info.options,
                                &k.config,
                                h(&k),
                            )?;
                        }
                        data = if rval.contains("fail") {
                            "fail"
                        } else if rval.contains("replace") {
                            "replace"
                        } else if rval.contains("new") {
                            "new"
                        } else {
                            "no change"
                        }
                        .into();
                    }
                }
                data
            }
        }
    } else {
        ssh::set_auth_key(user, name, &k.enc, &k.comment, &k.options, &k.config, h(&k))?.into()
    };
    match data.as_str() {
        "replace" => {
            ret.changes.insert(name.as_str(), Value::from("Updated"));
            ret.comment = format!("The authorized host key {name} for user {user} was updated");
        }
        "no change" => {
            ret.comment =
                format!("The authorized host key {name} is already present for user {user}");
        }
        "new" => {
            ret.changes.insert(name.as_str(), Value::from("New"));
            ret.comment = format!("The authorized host key {name} for user {user} was added");
        }
        "no key" => {
            ret = ret.fail(format!(
                "Failed to add the ssh key. Source file {} is missing",
                k.source
            ));
        }
        "fail" => {
            let c = if ret.comment.is_empty() {
                "Failed to add the ssh key. Is the home directory available, and/or does the key file exist?".to_string()
            } else {
                ret.comment.clone()
            };
            ret = ret.fail(c);
        }
        _ => {
            ret = ret.fail("Invalid public ssh key, most likely has spaces or invalid syntax");
        }
    }
    Ok(ret)
}

fn auth_absent(call: &StateCall<'_>) -> Result<StateReturn, CallError> {
    let mut ret = StateReturn::new(call.name.clone());
    // Salt parses `name` only when there is no source, and (in test mode) with a plain
    // split.
    let k = match key_spec(call, false) {
        Ok(k) => k,
        Err(e) => return Ok(ret.fail(e)),
    };
    let (user, name) = (&k.user, &k.name);
    if call.test {
        if !k.source.is_empty() {
            let text = read_source(call, &k.source).unwrap_or_default();
            let keys = ssh::validate_keys(&text, h(&k))?;
            if keys.is_empty() {
                return Ok(ret.fail(format!(
                    "No keys detected in {}. Is file properly formatted?",
                    k.source
                )));
            }
            let mut comment = String::new();
            for (key, info) in &keys {
                let st = ssh::check_key(
                    user,
                    key,
                    &info.enc,
                    &info.comment,
                    &info.options,
                    &k.config,
                    h(&k),
                )?;
                if st != "add" {
                    comment += &format!("Set to remove: {key}\n");
                }
            }
            if comment.is_empty() {
                ret.result = Some(true);
                ret.comment = format!("All host keys in file {} are already absent", k.source);
            } else {
                ret.result = None;
                ret.comment = comment;
            }
            return Ok(ret);
        }
        match ssh::check_key(user, name, &k.enc, &k.comment, &k.options, &k.config, h(&k))? {
            "update" | "exists" => {
                ret.result = None;
                ret.comment = format!("Key {name} for user {user} is set for removal");
            }
            _ => {
                ret.comment = "Key is already absent".into();
            }
        }
        return Ok(ret);
    }
    if !k.source.is_empty() {
        let Some(text) = read_source(call, &k.source) else {
            return Ok(ret.fail("Failed to pull key file from salt file server"));
        };
        for line in text.trim_end().split('\n') {
            if starts_key_re().is_match(line) {
                let parts: Vec<&str> = line.split(' ').collect();
                ret.comment = ssh::rm_auth_key(
                    user,
                    parts.get(1).copied().unwrap_or_default(),
                    &k.config,
                    h(&k),
                )?;
            } else {
                let keys = ssh::validate_keys(&text, h(&k))?;
                if keys.is_empty() {
                    ret.comment = "fail".into();
                    continue;
                }
                let mut rval = String::new();
                for (key, _) in &keys {
                    rval += &ssh::rm_auth_key(user, key, &k.config, h(&k))?;
                }
                ret.comment = if rval.contains("Key not removed") {
                    "Key not removed"
                } else if rval.contains("Key removed") {
                    "Key removed"
                } else {
                    "Key not present"
                }
                .into();
            }
        }
    } else {
        ret.comment = ssh::rm_auth_key(user, name, &k.config, h(&k))?;
    }
    if ret.comment == "User authorized keys file not present" {
        ret.result = Some(false);
    } else if ret.comment == "Key removed" {
        ret.changes
            .insert(call.name.as_str(), Value::from("Removed"));
    }
    Ok(ret)
}

fn entries_value(e: &[ssh::HostEntry]) -> Value {
    if e.is_empty() {
        Value::None
    } else {
        Value::List(e.iter().map(ssh::HostEntry::to_value).collect())
    }
}

fn known_present(call: &StateCall<'_>) -> Result<StateReturn, CallError> {
    let name = call.name.clone();
    let mut ret = StateReturn::new(name.clone());
    ret.result = if call.test { None } else { Some(true) };
    let user = arg_str(call, "user");
    let config = arg_str(call, "config").unwrap_or_else(|| {
        if user.is_some() {
            ".ssh/known_hosts".into()
        } else {
            "/etc/ssh/ssh_known_hosts".into()
        }
    });
    if user.is_none() && !config.starts_with('/') {
        return Ok(ret.fail("If not specifying a \"user\", specify an absolute \"config\"."));
    }
    let key = arg_str(call, "key");
    let fingerprint = arg_str(call, "fingerprint");
    let enc = arg_str(call, "enc");
    let port = match arg(call, "port") {
        None => None,
        Some(v) => match crate::exec::user::parse_id(v, "port") {
            Ok(p) => Some(p),
            Err(e) => return Ok(ret.fail(e.to_string())),
        },
    };
    let hash_type = arg_str(call, "fingerprint_hash_type");
    if call.test {
        if key.is_some() && fingerprint.is_some() {
            return Ok(ret.fail("Specify either \"key\" or \"fingerprint\", not both."));
        }
        if key.is_some() && enc.is_none() {
            return Ok(ret.fail("Required argument \"enc\" if using \"key\" argument."));
        }
        let entries = match ssh::known_host_entries(
            call.ctx,
            user.as_deref(),
            &name,
            Some(&config),
            port,
            hash_type.as_deref(),
        )? {
            Ok(e) => e,
            Err(e) => return Ok(ret.fail(e)),
        };
        let st = if entries.is_empty() {
            "add"
        } else if let Some(k) = &key {
            if entries.iter().any(|e| e.key == *k) {
                "exists"
            } else {
                "update"
            }
        } else if let Some(f) = &fingerprint {
            if entries
                .iter()
                .any(|e| e.fingerprint.as_deref() == Some(f.as_str()))
            {
                "exists"
            } else {
                "update"
            }
        } else {
            "exists"
        };
        match st {
            "exists" => {
                ret.result = Some(true);
                ret.comment = format!("Host {name} is already in {config}");
            }
            "add" => ret.comment = format!("Key for {name} is set to be added to {config}"),
            _ => ret.comment = format!("Key for {name} is set to be updated in {config}"),
        }
        return Ok(ret);
    }
    let r = ssh::set_known_host(
        call.ctx,
        &KnownHost {
            user,
            hostname: name.clone(),
            fingerprint: fingerprint.clone(),
            key: key.clone(),
            port,
            enc: enc.clone(),
            config: Some(config.clone()),
            hash_known_hosts: arg(call, "hash_known_hosts").is_none_or(Value::truthy),
            timeout: arg(call, "timeout").and_then(Value::as_int).unwrap_or(5),
            hash_type,
        },
    )?;
    match r {
        KnownHostResult::Exists => ret.comment = format!("{name} already exists in {config}"),
        KnownHostResult::Error(e) => ret = ret.fail(e),
        KnownHostResult::Updated(old, new) => {
            let mut ch = Dict::new();
            ch.insert("old", entries_value(&old));
            ch.insert("new", entries_value(&new));
            ret.changes = ch;
            let first = new.first();
            ret.comment = if key.is_some() {
                format!(
                    "{name}'s key saved to {config} (key: {})",
                    first.map(|e| e.key.as_str()).unwrap_or_default()
                )
            } else if fingerprint.is_some() {
                format!(
                    "{name}'s key saved to {config} (fingerprint: {})",
                    first
                        .and_then(|e| e.fingerprint.as_deref())
                        .unwrap_or_default()
                )
            } else if let Some(e) = &enc {
                format!(
                    "{name}'s {e} key saved to {config} (key: {})",
                    first.map(|e| e.key.as_str()).unwrap_or_default()
                )
            } else {
                format!("{name}'s key(s) saved to {config}")
            };
        }
    }
    Ok(ret)
}

fn known_absent(call: &StateCall<'_>) -> Result<StateReturn, CallError> {
    let name = call.name.clone();
    let mut ret = StateReturn::new(name.clone());
    let user = arg_str(call, "user");
    let config = arg_str(call, "config").unwrap_or_else(|| {
        if user.is_some() {
            ".ssh/known_hosts".into()
        } else {
            "/etc/ssh/ssh_known_hosts".into()
        }
    });
    if user.is_none() && !config.starts_with('/') {
        return Ok(ret.fail("If not specifying a \"user\", specify an absolute \"config\"."));
    }
    let entries =
        match ssh::known_host_entries(call.ctx, user.as_deref(), &name, Some(&config), None, None)?
        {
            Ok(e) => e,
            Err(e) => return Ok(ret.fail(e)),
        };
    if entries.is_empty() {
        ret.comment = "Host is already absent".into();
        return Ok(ret);
    }
    if call.test {
        ret.result = None;
        ret.comment = format!("Key for {name} is set to be removed from {config}");
        return Ok(ret);
    }
    match ssh::rm_known_host(call.ctx, user.as_deref(), &name, Some(&config))? {
        Err(e) => ret = ret.fail(e),
        Ok(out) => {
            ret.changes.insert("old", entries_value(&entries));
            ret.changes.insert("new", Value::None);
            ret.comment = out;
        }
    }
    Ok(ret)
}
