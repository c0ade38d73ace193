//! SSH keys (Salt's `salt/modules/ssh.py`): authorized_keys management (`check_key`,
//! `set_auth_key`, `rm_auth_key`, `auth_keys`) and known_hosts entries through
//! `ssh-keygen -F/-R/-H` and `ssh-keyscan`, as Salt does them.

use super::user::{run_argv, user_info};
use super::{Args, ExecRegistry, Sig};
use crate::RunContext;
use regex::Regex;
use rsalt_data::{Dict, Value};
use rsalt_sls::CallError;
use sha2::Digest;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Registers `ssh.*`.
pub fn register(r: &mut ExecRegistry) {
    r.add("ssh.auth_keys", x_auth_keys);
    r.add("ssh.check_key", x_check_key);
    r.add("ssh.set_auth_key", x_set_auth_key);
    r.add("ssh.rm_auth_key", x_rm_auth_key);
}

fn failed(s: impl Into<String>) -> CallError {
    CallError::Failed(s.into())
}

/// Python's `base64.b64decode(s, validate=True)`: `None` for invalid input.
pub fn b64decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(4) {
        return None;
    }
    let val = |c: u8| -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    };
    let mut out = Vec::with_capacity(b.len() / 4 * 3);
    let chunks = b.len() / 4;
    for (i, ch) in b.chunks(4).enumerate() {
        let last = i + 1 == chunks;
        let pad = ch.iter().rev().take_while(|c| **c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n: u32 = 0;
        for (j, c) in ch.iter().enumerate() {
            let v = if j >= 4 - pad { 0 } else { val(*c)? };
            n = (n << 6) | v;
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

/// Salt's `_fingerprint`: colon-separated hex digest of the decoded key (`sha256`
/// unless `hash_type` is given), `None` when the key is not valid base64.
pub fn fingerprint(key: &str, hash_type: Option<&str>) -> Result<Option<String>, CallError> {
    let Some(raw) = b64decode(key) else {
        return Ok(None);
    };
    let ht = hash_type.unwrap_or("sha256").to_ascii_lowercase();
    let hex: String = match ht.as_str() {
        "sha256" => sha2::Sha256::digest(&raw)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        "sha512" => sha2::Sha512::digest(&raw)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        "md5" => md5::Md5::digest(&raw)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        other => {
            return Err(failed(format!(
                "The fingerprint_hash_type {other} is not supported."
            )))
        }
    };
    let chunks: Vec<&str> = hex
        .as_bytes()
        .chunks(2)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    Ok(Some(chunks.join(":")))
}

/// Salt's `_refine_enc`: the canonical key type, or its error.
pub fn refine_enc(enc: &str) -> Result<String, CallError> {
    const ALSO: &[&str] = &[
        "rsa-sha2-512",
        "rsa-sha2-256",
        "rsa-sha2-512-cert-v01@openssh.com",
        "rsa-sha2-256-cert-v01@openssh.com",
        "ssh-rsa-cert-v01@openssh.com",
        "ecdsa-sha2-nistp256-cert-v01@openssh.com",
        "ecdsa-sha2-nistp384-cert-v01@openssh.com",
        "ecdsa-sha2-nistp521-cert-v01@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
        "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
        "ssh-ed25519-cert-v01@openssh.com",
        "sk-ssh-ed25519@openssh.com",
        "sk-ssh-ed25519-cert-v01@openssh.com",
    ];
    Ok(match enc {
        "r" | "rsa" | "ssh-rsa" => "ssh-rsa".into(),
        "d" | "dsa" | "dss" | "ssh-dss" => "ssh-dss".into(),
        "e" | "ecdsa" => "ecdsa-sha2-nistp256".into(),
        "ecdsa-sha2-nistp521" | "ecdsa-sha2-nistp384" | "ecdsa-sha2-nistp256" => enc.into(),
        "ed25519" | "ssh-ed25519" => "ssh-ed25519".into(),
        e if ALSO.contains(&e) => e.into(),
        _ => return Err(failed(format!("Incorrect encryption key type '{enc}'."))),
    })
}

/// Salt's `_format_auth_line`.
pub fn format_auth_line(key: &str, enc: &str, comment: &str, options: &[String]) -> String {
    let mut line = String::new();
    if !options.is_empty() {
        line.push_str(&options.join(","));
        line.push(' ');
    }
    line.push_str(&format!("{enc} {key} {comment}\n"));
    line
}

/// Salt's `_expand_authorized_keys_path` (`%u`, `%h`, `%%`).
fn expand_path(path: &str, user: &str, home: &str) -> Result<String, CallError> {
    let mut out = String::new();
    let mut esc = false;
    for c in path.chars() {
        if esc {
            esc = false;
            match c {
                '%' => out.push('%'),
                'u' => out.push_str(user),
                'h' => out.push_str(home),
                other => {
                    return Err(failed(format!(
                        "AuthorizedKeysFile path: unknown token character \"%{other}\""
                    )))
                }
            }
        } else if c == '%' {
            esc = true;
        } else {
            out.push(c);
        }
    }
    if esc {
        return Err(failed(
            "AuthorizedKeysFile path: Last character can't be escape character",
        ));
    }
    Ok(out)
}

/// The authorized_keys path for `user` (`config` relative to the home).
pub fn config_file(user: &str, config: &str) -> Result<String, CallError> {
    let u = user_info(user);
    if u.is_empty() {
        return Err(failed(format!("User '{user}' does not exist")));
    }
    let home = u.get("home").map(Value::to_py_str).unwrap_or_default();
    let c = expand_path(config, user, &home)?;
    Ok(if Path::new(&c).is_absolute() {
        c
    } else {
        Path::new(&home).join(c).to_string_lossy().into_owned()
    })
}

/// One authorized key.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthKey {
    /// Key type.
    pub enc: String,
    /// Comment.
    pub comment: String,
    /// Options.
    pub options: Vec<String>,
    /// Fingerprint.
    pub fingerprint: String,
}

fn key_line_re() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(.*?)\s?((?:sk-)?(?:ssh\-|ecds)[\w@.-]+\s.+)$").expect("static regex")
    })
}

/// Salt's `_validate_keys`: the valid keys of a file, in order.
pub fn validate_keys(
    text: &str,
    hash_type: Option<&str>,
) -> Result<Vec<(String, AuthKey)>, CallError> {
    let re = key_line_re();
    let mut out: Vec<(String, AuthKey)> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some(c) = re.captures(line) else { continue };
        let opts = c.get(1).map_or("", |m| m.as_str());
        let comps: Vec<&str> = c
            .get(2)
            .map_or("", |m| m.as_str())
            .split_whitespace()
            .collect();
        if comps.len() < 2 {
            continue;
        }
        let Some(fp) = fingerprint(comps[1], hash_type)? else {
            continue;
        };
        let k = AuthKey {
            enc: comps[0].into(),
            comment: comps[2..].join(" "),
            options: if opts.is_empty() {
                Vec::new()
            } else {
                opts.split(',').map(str::to_string).collect()
            },
            fingerprint: fp,
        };
        if let Some(e) = out.iter_mut().find(|(kk, _)| kk == comps[1]) {
            e.1 = k;
        } else {
            out.push((comps[1].to_string(), k));
        }
    }
    Ok(out)
}

/// `ssh.auth_keys` for one user (empty when the file or user does not exist).
pub fn auth_keys(
    user: &str,
    config: &str,
    hash_type: Option<&str>,
) -> Result<Vec<(String, AuthKey)>, CallError> {
    let Ok(full) = config_file(user, config) else {
        return Ok(Vec::new());
    };
    match std::fs::read_to_string(&full) {
        Ok(t) => validate_keys(&t, hash_type),
        Err(_) if !Path::new(&full).exists() => Ok(Vec::new()),
        Err(_) => Err(failed(format!("Problem reading ssh key file {full}"))),
    }
}

/// `ssh.check_key`: `add`, `update` or `exists`.
pub fn check_key(
    user: &str,
    key: &str,
    enc: &str,
    comment: &str,
    options: &[String],
    config: &str,
    hash_type: Option<&str>,
) -> Result<&'static str, CallError> {
    let enc = refine_enc(enc)?;
    let current = auth_keys(user, config, hash_type)?;
    let nline = format_auth_line(key, &enc, comment, options);
    match current.iter().find(|(k, _)| k == key) {
        None => Ok("add"),
        Some((_, c)) => {
            if format_auth_line(key, &c.enc, &c.comment, &c.options) != nline {
                Ok("update")
            } else {
                Ok("exists")
            }
        }
    }
}

fn chown(path: &str, uid: i64, gid: i64) {
    let (Ok(u), Ok(g)) = (u32::try_from(uid), u32::try_from(gid)) else {
        return;
    };
    if let Err(e) = std::os::unix::fs::chown(path, Some(u), Some(g)) {
        tracing::debug!(%path, error = %e, "chown failed");
    }
}

fn chmod(path: &str, mode: u32) {
    if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
        tracing::debug!(%path, error = %e, "chmod failed");
    }
}

/// `ssh.set_auth_key`: `new`, `replace`, `no change`, `fail`, `invalid` or `Invalid public
/// key`.
pub fn set_auth_key(
    user: &str,
    key: &str,
    enc: &str,
    comment: &str,
    options: &[String],
    config: &str,
    hash_type: Option<&str>,
) -> Result<&'static str, CallError> {
    if key.split_whitespace().count() > 1 {
        return Ok("invalid");
    }
    let enc = refine_enc(enc)?;
    let u = user_info(user);
    if u.is_empty() {
        return Ok("fail");
    }
    if fingerprint(key, hash_type)?.is_none() {
        return Ok("Invalid public key");
    }
    let full = config_file(user, config)?;
    match check_key(user, key, &enc, comment, options, config, hash_type)? {
        "update" => {
            let text = std::fs::read_to_string(&full)
                .map_err(|e| failed(format!("Problem reading or writing to key file: {e}")))?;
            let re = Regex::new(
                r"((.*)\s)?((?:sk-)?(?:ssh|ecdsa)-[a-z0-9@.-]+)\s([a-zA-Z0-9+/]+={0,2})(\s(.*))?",
            )
            .map_err(|e| failed(e.to_string()))?;
            let new_line = format_auth_line(key, &enc, comment, options);
            let mut out = String::new();
            for line in text.lines() {
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                if !line.starts_with('#')
                    && re
                        .captures(line)
                        .and_then(|c| c.get(4))
                        .is_some_and(|m| m.as_str() == key)
                {
                    out.push_str(&new_line);
                } else {
                    out.push_str(line);
                    out.push('\n');
                }
            }
            std::fs::write(&full, out)
                .map_err(|e| failed(format!("Problem reading or writing to key file: {e}")))?;
            Ok("replace")
        }
        "exists" => Ok("no change"),
        _ => {
            let home = u.get("home").map(Value::to_py_str).unwrap_or_default();
            if full.starts_with(&home) && !Path::new(&home).is_dir() {
                return Ok("fail");
            }
            let uid = u.get("uid").and_then(Value::as_int).unwrap_or(0);
            let gid = u.get("gid").and_then(Value::as_int).unwrap_or(0);
            let dir = Path::new(&full)
                .parent()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            if !Path::new(&dir).is_dir() {
                std::fs::create_dir_all(&dir).map_err(|e| failed(format!("{dir}: {e}")))?;
                chown(&dir, uid, gid);
                chmod(&dir, 0o700);
            }
            let new_file = !Path::new(&full).is_file();
            let mut content = std::fs::read(&full).unwrap_or_default();
            if !content.is_empty() && content.last() != Some(&b'\n') {
                content.push(b'\n');
            }
            content.extend_from_slice(format_auth_line(key, &enc, comment, options).as_bytes());
            std::fs::write(&full, content)
                .map_err(|e| failed(format!("Could not write to key file: {e}")))?;
            if new_file {
                chown(&full, uid, gid);
                chmod(&full, 0o600);
            }
            Ok("new")
        }
    }
}

/// `ssh.rm_auth_key`: `Key removed`, `Key not present`, ...
pub fn rm_auth_key(
    user: &str,
    key: &str,
    config: &str,
    hash_type: Option<&str>,
) -> Result<String, CallError> {
    let current = auth_keys(user, config, hash_type)?;
    if !current.iter().any(|(k, _)| k == key) {
        return Ok("Key not present".into());
    }
    let full = config_file(user, config)?;
    if !Path::new(&full).is_file() {
        return Ok(format!("Authorized keys file {full} not present"));
    }
    let re = key_line_re();
    let Ok(text) = std::fs::read_to_string(&full) else {
        return Ok("Key not removed".into());
    };
    let mut out = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with('#') {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let Some(c) = re.captures(line) else { continue };
        let comps: Vec<&str> = c
            .get(2)
            .map_or("", |m| m.as_str())
            .split_whitespace()
            .collect();
        if comps.len() >= 2 && comps[1] == key {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    if std::fs::write(&full, out).is_err() {
        return Ok("Key not removed".into());
    }
    Ok("Key removed".into())
}

/// A known_hosts entry as Salt returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct HostEntry {
    /// Host name (possibly hashed).
    pub hostname: String,
    /// Key type.
    pub enc: String,
    /// Base64 key.
    pub key: String,
    /// Fingerprint (None for entries built from a given key).
    pub fingerprint: Option<String>,
}

impl HostEntry {
    /// Salt's dict (`hostname`, `key`, `enc`, `fingerprint`).
    pub fn to_value(&self) -> Value {
        let mut d = Dict::new();
        d.insert("hostname", Value::from(self.hostname.as_str()));
        match &self.fingerprint {
            Some(f) => {
                d.insert("key", Value::from(self.key.as_str()));
                d.insert("enc", Value::from(self.enc.as_str()));
                d.insert("fingerprint", Value::from(f.as_str()));
            }
            None => {
                // A key given without `enc`: Salt keeps enc None (and writes "None").
                let enc = if self.enc.is_empty() {
                    Value::None
                } else {
                    Value::from(self.enc.as_str())
                };
                d.insert("enc", enc);
                d.insert("key", Value::from(self.key.as_str()));
            }
        }
        Value::Dict(d)
    }
}

/// Salt's `_parse_openssh_output`.
pub fn parse_openssh(text: &str, hash_type: Option<&str>) -> Result<Vec<HostEntry>, CallError> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() != 3 {
            continue;
        }
        let Some(fp) = fingerprint(f[2], hash_type)? else {
            continue;
        };
        out.push(HostEntry {
            hostname: f[0].into(),
            enc: f[1].into(),
            key: f[2].into(),
            fingerprint: Some(fp),
        });
    }
    Ok(out)
}

/// Salt's `_get_known_hosts_file`: the absolute path, or the error text.
pub fn known_hosts_file(config: Option<&str>, user: Option<&str>) -> Result<String, String> {
    let config = match (config, user) {
        (Some(c), _) => c.to_string(),
        (None, Some(_)) => ".ssh/known_hosts".into(),
        (None, None) => "/etc/ssh/ssh_known_hosts".into(),
    };
    if Path::new(&config).is_absolute() {
        return Ok(config);
    }
    match user {
        Some(u) => {
            let i = user_info(u);
            if i.is_empty() {
                return Err(format!("User {u} does not exist"));
            }
            let home = i.get("home").map(Value::to_py_str).unwrap_or_default();
            Ok(Path::new(&home).join(config).to_string_lossy().into_owned())
        }
        None => Err("Cannot determine absolute path to file.".into()),
    }
}

/// `[host]:port` unless the port is empty or 22.
pub fn ssh_hostname(host: &str, port: Option<i64>) -> String {
    match port {
        None | Some(22) | Some(0) => host.to_string(),
        Some(p) => format!("[{host}]:{p}"),
    }
}

/// `ssh.get_known_host_entries` (`ssh-keygen -F host -f file`).
pub fn known_host_entries(
    ctx: &RunContext,
    user: Option<&str>,
    host: &str,
    config: Option<&str>,
    port: Option<i64>,
    hash_type: Option<&str>,
) -> Result<Result<Vec<HostEntry>, String>, CallError> {
    let full = match known_hosts_file(config, user) {
        Ok(f) => f,
        Err(e) => return Ok(Err(e)),
    };
    let r = run_argv(
        ctx,
        vec![
            "ssh-keygen".into(),
            "-F".into(),
            ssh_hostname(host, port),
            "-f".into(),
            full,
        ],
    )?;
    Ok(Ok(parse_openssh(&r.stdout, hash_type)?))
}

fn chown_to_user(path: &str, user: Option<&str>) {
    if let Some(u) = user {
        let i = user_info(u);
        chown(
            path,
            i.get("uid").and_then(Value::as_int).unwrap_or(0),
            i.get("gid").and_then(Value::as_int).unwrap_or(0),
        );
    }
}

/// What `ssh.set_known_host` did.
#[derive(Debug, Clone, PartialEq)]
pub enum KnownHostResult {
    /// Already there, with the stored keys.
    Exists,
    /// Written: the old and new entries.
    Updated(Vec<HostEntry>, Vec<HostEntry>),
    /// Salt's error text.
    Error(String),
}

/// Arguments of `ssh.set_known_host`.
#[derive(Debug, Clone, Default)]
pub struct KnownHost {
    /// Owner of the file (None: the system file).
    pub user: Option<String>,
    /// Host name.
    pub hostname: String,
    /// Expected fingerprint.
    pub fingerprint: Option<String>,
    /// The key itself (no network lookup then).
    pub key: Option<String>,
    /// Port.
    pub port: Option<i64>,
    /// Key type.
    pub enc: Option<String>,
    /// File.
    pub config: Option<String>,
    /// Hash host names (`ssh-keygen -H`).
    pub hash_known_hosts: bool,
    /// ssh-keyscan timeout.
    pub timeout: i64,
    /// Fingerprint hash.
    pub hash_type: Option<String>,
}

/// `ssh.set_known_host`.
pub fn set_known_host(ctx: &RunContext, a: &KnownHost) -> Result<KnownHostResult, CallError> {
    let user = a.user.as_deref();
    let ht = a.hash_type.as_deref();
    if a.port.is_some_and(|p| p != 22) && a.hash_known_hosts {
        return Ok(KnownHostResult::Error(
            "argument port can not be used in conjunction with argument hash_known_hosts".into(),
        ));
    }
    let stored = match known_host_entries(ctx, user, &a.hostname, a.config.as_deref(), a.port, ht)?
    {
        Ok(s) => s,
        Err(e) => return Ok(KnownHostResult::Error(e)),
    };
    let stored_keys: Vec<&str> = stored
        .iter()
        .filter(|h| a.enc.as_ref().is_none_or(|e| *e == h.enc))
        .map(|h| h.key.as_str())
        .collect();
    let stored_fps: Vec<&str> = stored
        .iter()
        .filter_map(|h| h.fingerprint.as_deref())
        .collect();
    let update = stored.is_empty()
        || a.fingerprint
            .as_ref()
            .is_some_and(|f| !stored_fps.contains(&f.as_str()))
        || a.key
            .as_ref()
            .is_some_and(|k| !stored_keys.contains(&k.as_str()));
    let check = !update && a.key.is_none() && a.fingerprint.is_none();
    if !update && !check {
        return Ok(KnownHostResult::Exists);
    }
    let new_entries = match &a.key {
        Some(k) => vec![HostEntry {
            hostname: a.hostname.clone(),
            enc: a.enc.clone().unwrap_or_default(),
            key: k.clone(),
            fingerprint: None,
        }],
        None => {
            let mut cmd = vec!["ssh-keyscan".to_string()];
            if let Some(p) = a.port {
                cmd.extend(["-p".into(), p.to_string()]);
            }
            if let Some(e) = &a.enc {
                cmd.extend(["-t".into(), e.clone()]);
            }
            if a.hash_known_hosts {
                cmd.push("-H".into());
            }
            cmd.extend(["-T".into(), a.timeout.to_string(), a.hostname.clone()]);
            let mut remote = Vec::new();
            for _ in 0..5 {
                let r = run_argv(ctx, cmd.clone())?;
                if !r.stdout.trim().is_empty() {
                    remote = parse_openssh(&r.stdout, ht)?;
                    break;
                }
            }
            if remote.is_empty() {
                return Ok(KnownHostResult::Error(
                    "Unable to receive remote host keys".into(),
                ));
            }
            if let Some(f) = &a.fingerprint {
                if !remote
                    .iter()
                    .any(|h| h.fingerprint.as_deref() == Some(f.as_str()))
                {
                    return Ok(KnownHostResult::Error("Remote host public keys found but none of their fingerprints match the one you have provided".into()));
                }
            }
            if check {
                let mut a1: Vec<&str> = remote.iter().map(|h| h.key.as_str()).collect();
                let mut b1 = stored_keys.clone();
                a1.sort_unstable();
                a1.dedup();
                b1.sort_unstable();
                b1.dedup();
                if a1 == b1 {
                    return Ok(KnownHostResult::Exists);
                }
            }
            remote
        }
    };
    let full = match known_hosts_file(a.config.as_deref(), user) {
        Ok(f) => f,
        Err(e) => return Ok(KnownHostResult::Error(e)),
    };
    let origmode = std::fs::metadata(&full)
        .ok()
        .map(|m| m.permissions().mode());
    if origmode.is_some() {
        let r = run_argv(
            ctx,
            vec![
                "ssh-keygen".into(),
                "-F".into(),
                ssh_hostname(&a.hostname, a.port),
                "-f".into(),
                full.clone(),
            ],
        )?;
        // ssh-keygen -F prints "# Host x found: line N" followed by the line.
        let lines: Vec<&str> = r.stdout.lines().collect();
        let mut remove = Vec::new();
        let mut i = 0;
        while i + 1 < lines.len() {
            let no = lines[i]
                .split_whitespace()
                .last()
                .and_then(|n| n.parse::<usize>().ok());
            let enc = lines[i + 1]
                .split_whitespace()
                .rev()
                .nth(1)
                .unwrap_or_default();
            if let Some(no) = no {
                if a.enc.as_ref().is_none_or(|e| e == enc) {
                    remove.push(no);
                }
            }
            i += 2;
        }
        if !remove.is_empty() {
            let text = std::fs::read_to_string(&full).map_err(|e| {
                failed(format!(
                    "Couldn't remove old entry(ies) from known hosts file: '{e}'"
                ))
            })?;
            let kept: String = text
                .split_inclusive('\n')
                .enumerate()
                .filter(|(n, _)| !remove.contains(&(n + 1)))
                .map(|(_, l)| l)
                .collect();
            std::fs::write(&full, kept).map_err(|e| {
                failed(format!(
                    "Couldn't remove old entry(ies) from known hosts file: '{e}'"
                ))
            })?;
        }
    }
    let mut add = String::new();
    for e in &new_entries {
        let enc = if e.enc.is_empty() {
            "None"
        } else {
            e.enc.as_str()
        };
        if a.hash_known_hosts || a.port.is_none_or(|p| p == 22) || e.hostname.contains(':') {
            add.push_str(&format!("{} {enc} {}\n", e.hostname, e.key));
        } else {
            add.push_str(&format!(
                "[{}]:{} {enc} {}\n",
                e.hostname,
                a.port.unwrap_or(22),
                e.key
            ));
        }
    }
    if let Some(dir) = Path::new(&full).parent() {
        if !dir.exists() && std::fs::create_dir_all(dir).is_ok() && user.is_some() {
            let d = dir.to_string_lossy().into_owned();
            chown_to_user(&d, user);
            chmod(&d, 0o700);
        }
    }
    let mut content = std::fs::read(&full).unwrap_or_default();
    content.extend_from_slice(add.as_bytes());
    std::fs::write(&full, content)
        .map_err(|e| failed(format!("Couldn't append to known hosts file: '{e}'")))?;
    chown_to_user(&full, user);
    chmod(&full, origmode.unwrap_or(0o600) & 0o7777);
    if a.key.is_some() && a.hash_known_hosts {
        run_argv(
            ctx,
            vec!["ssh-keygen".into(), "-H".into(), "-f".into(), full.clone()],
        )?;
        chmod(&full, origmode.unwrap_or(0o600) & 0o7777);
        chown_to_user(&full, user);
    }
    Ok(KnownHostResult::Updated(stored, new_entries))
}

/// `ssh.rm_known_host` (`ssh-keygen -R`): the command output, or the error text.
pub fn rm_known_host(
    ctx: &RunContext,
    user: Option<&str>,
    host: &str,
    config: Option<&str>,
) -> Result<Result<String, String>, CallError> {
    let full = match known_hosts_file(config, user) {
        Ok(f) => f,
        Err(e) => return Ok(Err(e)),
    };
    if !Path::new(&full).is_file() {
        return Ok(Err(format!("Known hosts file {full} does not exist")));
    }
    let r = run_argv(
        ctx,
        vec![
            "ssh-keygen".into(),
            "-R".into(),
            host.into(),
            "-f".into(),
            full.clone(),
        ],
    )?;
    chown_to_user(&full, user);
    let mut out = r.stdout;
    if !r.stderr.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&r.stderr);
    }
    Ok(Ok(out))
}

fn sig(name: &'static str, params: &'static [&'static str], required: usize) -> Sig {
    Sig {
        name,
        params,
        required,
        varargs: false,
        varkw: false,
    }
}

fn str_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::List(l)) => l.iter().map(Value::to_py_str).collect(),
        Some(Value::Str(s)) if !s.is_empty() => s.split(',').map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

fn x_auth_keys(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig(
        "auth_keys",
        &["user", "config", "fingerprint_hash_type"],
        0,
    ))?;
    let user = b.str("user").unwrap_or_default();
    let cfg = b
        .str("config")
        .unwrap_or_else(|| ".ssh/authorized_keys".into());
    let mut d = Dict::new();
    for (k, v) in auth_keys(&user, &cfg, b.str("fingerprint_hash_type").as_deref())? {
        let mut e = Dict::new();
        e.insert("enc", Value::from(v.enc));
        e.insert("comment", Value::from(v.comment));
        e.insert(
            "options",
            Value::List(v.options.into_iter().map(Value::from).collect()),
        );
        e.insert("fingerprint", Value::from(v.fingerprint));
        d.insert(k.as_str(), Value::Dict(e));
    }
    Ok(Value::Dict(d))
}

fn x_check_key(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig(
        "check_key",
        &[
            "user",
            "key",
            "enc",
            "comment",
            "options",
            "config",
            "cache_keys",
            "fingerprint_hash_type",
        ],
        5,
    ))?;
    Ok(Value::from(check_key(
        &b.str("user").unwrap_or_default(),
        &b.str("key").unwrap_or_default(),
        &b.str("enc").unwrap_or_default(),
        &b.str("comment").unwrap_or_default(),
        &str_list(b.get("options")),
        &b.str("config")
            .unwrap_or_else(|| ".ssh/authorized_keys".into()),
        b.str("fingerprint_hash_type").as_deref(),
    )?))
}

fn x_set_auth_key(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig(
        "set_auth_key",
        &[
            "user",
            "key",
            "enc",
            "comment",
            "options",
            "config",
            "cache_keys",
            "fingerprint_hash_type",
        ],
        2,
    ))?;
    Ok(Value::from(set_auth_key(
        &b.str("user").unwrap_or_default(),
        &b.str("key").unwrap_or_default(),
        &b.str("enc").unwrap_or_else(|| "ssh-rsa".into()),
        &b.str("comment").unwrap_or_default(),
        &str_list(b.get("options")),
        &b.str("config")
            .unwrap_or_else(|| ".ssh/authorized_keys".into()),
        b.str("fingerprint_hash_type").as_deref(),
    )?))
}

fn x_rm_auth_key(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig(
        "rm_auth_key",
        &["user", "key", "config", "fingerprint_hash_type"],
        2,
    ))?;
    Ok(Value::from(rm_auth_key(
        &b.str("user").unwrap_or_default(),
        &b.str("key").unwrap_or_default(),
        &b.str("config")
            .unwrap_or_else(|| ".ssh/authorized_keys".into()),
        b.str("fingerprint_hash_type").as_deref(),
    )?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_strict() {
        assert_eq!(b64decode("aGVsbG8="), Some(b"hello".to_vec()));
        assert_eq!(b64decode("aGVsbG8"), None);
        assert_eq!(b64decode("aGV=bG8="), None);
        assert_eq!(b64decode("a b="), None);
    }

    #[test]
    fn fingerprints_like_salt() -> Result<(), CallError> {
        // hashlib.sha256(b"hello").hexdigest() in colon pairs.
        assert_eq!(
            fingerprint("aGVsbG8=", None)?.as_deref().map(|s| &s[..11]),
            Some("2c:f2:4d:ba")
        );
        assert!(fingerprint("aGVsbG8=", Some("crc")).is_err());
        Ok(())
    }

    #[test]
    fn auth_lines_and_enc() -> Result<(), CallError> {
        assert_eq!(refine_enc("ed25519")?, "ssh-ed25519");
        assert_eq!(refine_enc("e")?, "ecdsa-sha2-nistp256");
        assert!(refine_enc("foo").is_err());
        assert_eq!(
            format_auth_line(
                "AAAA",
                "ssh-rsa",
                "me@x",
                &["no-pty".into(), "from=\"10.0.0.1\"".into()]
            ),
            "no-pty,from=\"10.0.0.1\" ssh-rsa AAAA me@x\n"
        );
        let keys = validate_keys(
            "# c\nno-pty ssh-ed25519 aGVsbG8= me@host\nssh-rsa notbase64! x\n",
            None,
        )?;
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].1.options, vec!["no-pty"]);
        assert_eq!(keys[0].1.comment, "me@host");
        Ok(())
    }
}
