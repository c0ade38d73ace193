//! Local accounts: Salt's `useradd` (`user.*`), `groupadd` (`group.*`) and `linux_shadow`
//! (`shadow.*`) execution modules for Linux. Reads `/etc/passwd`, `/etc/group` and
//! `/etc/shadow` directly and changes them with the shadow-utils commands (`useradd`,
//! `usermod`, `userdel`, `groupadd`, `groupmod`, `groupdel`, `gpasswd`, `chage`), with the
//! same argument lists Salt builds.

use super::cmd::{run_command, CmdLine, RunResult, RunSpec};
use super::iptables::which;
use super::{Args, ExecRegistry, Sig};
use crate::RunContext;
use rsalt_data::{Dict, Value};
use rsalt_sls::CallError;

/// Registers `user.*`, `group.*` and `shadow.*`.
pub fn register(r: &mut ExecRegistry) {
    r.add("user.info", x_user_info);
    r.add("user.list_groups", x_list_groups);
    r.add("user.delete", x_user_delete);
    r.add("group.info", x_group_info);
    r.add("group.add", x_group_add);
    r.add("group.delete", x_group_delete);
    r.add("group.adduser", x_group_adduser);
    r.add("group.deluser", x_group_deluser);
    r.add("shadow.info", x_shadow_info);
    r.add("shadow.set_password", x_set_password);
}

/// One `/etc/passwd` line.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Passwd {
    /// Login.
    pub name: String,
    /// Password field (`x`).
    pub passwd: String,
    /// uid.
    pub uid: i64,
    /// Primary gid.
    pub gid: i64,
    /// GECOS.
    pub gecos: String,
    /// Home.
    pub home: String,
    /// Shell.
    pub shell: String,
}

/// One `/etc/group` line.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Group {
    /// Name.
    pub name: String,
    /// Password field.
    pub passwd: String,
    /// gid.
    pub gid: i64,
    /// Members (supplementary).
    pub members: Vec<String>,
}

/// One `/etc/shadow` line (`-1` for empty numeric fields, as Python's `spwd`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Shadow {
    /// Login.
    pub name: String,
    /// Hash.
    pub passwd: String,
    /// Last change (days since epoch).
    pub lstchg: i64,
    /// Min days.
    pub min: i64,
    /// Max days.
    pub max: i64,
    /// Warn days.
    pub warn: i64,
    /// Inactive days.
    pub inact: i64,
    /// Expiry day.
    pub expire: i64,
}

fn num(s: &str) -> i64 {
    s.trim().parse().unwrap_or(-1)
}

/// Parses `/etc/passwd` text.
pub fn parse_passwd(text: &str) -> Vec<Passwd> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.trim().split(':').collect();
            (f.len() >= 7).then(|| Passwd {
                name: f[0].into(),
                passwd: f[1].into(),
                uid: num(f[2]),
                gid: num(f[3]),
                gecos: f[4].into(),
                home: f[5].into(),
                shell: f[6].into(),
            })
        })
        .collect()
}

/// Parses `/etc/group` text.
pub fn parse_group(text: &str) -> Vec<Group> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.trim().split(':').collect();
            (f.len() >= 4).then(|| Group {
                name: f[0].into(),
                passwd: f[1].into(),
                gid: num(f[2]),
                members: f[3]
                    .split(',')
                    .filter(|m| !m.is_empty())
                    .map(str::to_string)
                    .collect(),
            })
        })
        .collect()
}

/// Parses `/etc/shadow` text.
pub fn parse_shadow(text: &str) -> Vec<Shadow> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.trim().split(':').collect();
            (f.len() >= 8).then(|| Shadow {
                name: f[0].into(),
                passwd: f[1].into(),
                lstchg: num(f[2]),
                min: num(f[3]),
                max: num(f[4]),
                warn: num(f[5]),
                inact: num(f[6]),
                expire: num(f[7]),
            })
        })
        .collect()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// All users.
pub fn getpwall() -> Vec<Passwd> {
    parse_passwd(&read("/etc/passwd"))
}

/// All groups.
pub fn getgrall() -> Vec<Group> {
    parse_group(&read("/etc/group"))
}

/// A user by name.
pub fn getpwnam(name: &str) -> Option<Passwd> {
    getpwall().into_iter().find(|p| p.name == name)
}

/// A group by name.
pub fn getgrnam(name: &str) -> Option<Group> {
    getgrall().into_iter().find(|g| g.name == name)
}

/// A shadow entry by name.
pub fn getspnam(name: &str) -> Option<Shadow> {
    parse_shadow(&read("/etc/shadow"))
        .into_iter()
        .find(|s| s.name == name)
}

/// `salt.utils.user.get_group_list`: names of the user's groups (primary included),
/// sorted.
pub fn group_list(name: &str) -> Vec<String> {
    let Some(pw) = getpwnam(name) else {
        return Vec::new();
    };
    let mut v: Vec<String> = getgrall()
        .into_iter()
        .filter(|g| g.gid == pw.gid || g.members.iter().any(|m| m == name))
        .map(|g| g.name)
        .collect();
    v.sort();
    v.dedup();
    v
}

/// `user.info`: Salt's dict (empty when the user does not exist).
pub fn user_info(name: &str) -> Dict {
    let mut d = Dict::new();
    let Some(p) = getpwnam(name) else {
        return d;
    };
    let mut gecos: Vec<String> = p.gecos.splitn(5, ',').map(str::to_string).collect();
    while gecos.len() < 5 {
        gecos.push(String::new());
    }
    d.insert("gid", Value::Int(p.gid));
    d.insert(
        "groups",
        Value::List(group_list(name).into_iter().map(Value::from).collect()),
    );
    d.insert("home", Value::from(p.home));
    d.insert("name", Value::from(p.name));
    d.insert("passwd", Value::from(p.passwd));
    d.insert("shell", Value::from(p.shell));
    d.insert("uid", Value::Int(p.uid));
    for (k, v) in ["fullname", "roomnumber", "workphone", "homephone", "other"]
        .iter()
        .zip(gecos)
    {
        d.insert(*k, Value::from(v));
    }
    d
}

/// `group.info`: `{name, passwd, gid, members}` (empty when absent).
pub fn group_info(name: &str) -> Dict {
    let mut d = Dict::new();
    if let Some(g) = getgrnam(name) {
        d.insert("name", Value::from(g.name));
        d.insert("passwd", Value::from(g.passwd));
        d.insert("gid", Value::Int(g.gid));
        d.insert(
            "members",
            Value::List(g.members.into_iter().map(Value::from).collect()),
        );
    }
    d
}

/// `shadow.info` as a dict (Salt's empty-string dict when absent).
pub fn shadow_info(name: &str) -> Dict {
    let mut d = Dict::new();
    match getspnam(name) {
        Some(s) => {
            d.insert("name", Value::from(s.name));
            d.insert("passwd", Value::from(s.passwd));
            d.insert("lstchg", Value::Int(s.lstchg));
            d.insert("min", Value::Int(s.min));
            d.insert("max", Value::Int(s.max));
            d.insert("warn", Value::Int(s.warn));
            d.insert("inact", Value::Int(s.inact));
            d.insert("expire", Value::Int(s.expire));
        }
        None => {
            for k in [
                "name", "passwd", "lstchg", "min", "max", "warn", "inact", "expire",
            ] {
                d.insert(k, Value::from(""));
            }
        }
    }
    d
}

/// Runs an argument vector (no shell); the caller judges the return code (see
/// [`super::iptables::run`]).
pub fn run_argv(ctx: &RunContext, argv: Vec<String>) -> Result<RunResult, CallError> {
    let mut spec = RunSpec::new(CmdLine::List(argv));
    spec.ignore_retcode = true;
    run_command(ctx, &spec)
}

/// `_which`: the full path, or Salt's `CommandExecutionError`.
pub fn need(cmd: &str) -> Result<String, CallError> {
    let p = which(cmd);
    if p.is_empty() {
        Err(CallError::Failed(format!(
            "Command '{cmd}' cannot be found"
        )))
    } else {
        Ok(p)
    }
}

/// Options of `user.add`.
#[derive(Debug, Clone, Default)]
pub struct AddUser {
    /// Login.
    pub name: String,
    /// uid.
    pub uid: Option<String>,
    /// Primary group (name or gid).
    pub gid: Option<String>,
    /// Supplementary groups.
    pub groups: Option<Vec<String>>,
    /// Home directory.
    pub home: Option<String>,
    /// Shell.
    pub shell: Option<String>,
    /// `unique` (false adds `-o`).
    pub unique: bool,
    /// System account (`-r`).
    pub system: bool,
    /// Create the home (`-m`, else `-M`).
    pub createhome: bool,
    /// `-l`.
    pub nologinit: bool,
    /// `usergroup`: `Some(true)` adds `-U`, `Some(false)` `-N`.
    pub usergroup: Option<bool>,
}

/// The `useradd` argument vector Salt builds.
pub fn useradd_argv(useradd: &str, o: &AddUser, usergroups_enab: bool) -> Vec<String> {
    let mut cmd = vec![useradd.to_string()];
    if let Some(s) = o.shell.as_ref().filter(|s| !s.is_empty()) {
        cmd.extend(["-s".into(), s.clone()]);
    }
    if let Some(u) = o.uid.as_ref().filter(|s| !s.is_empty()) {
        cmd.extend(["-u".into(), u.clone()]);
    }
    if let Some(g) = o.gid.as_ref().filter(|s| !s.is_empty()) {
        cmd.extend(["-g".into(), g.clone()]);
    } else if o.usergroup == Some(true) {
        cmd.push("-U".into());
    } else if o.groups.as_ref().is_some_and(|g| g.contains(&o.name)) && usergroups_enab {
        cmd.extend(["-g".into(), o.name.clone()]);
    }
    if o.usergroup == Some(false) {
        cmd.push("-N".into());
    }
    cmd.push(if o.createhome { "-m" } else { "-M" }.into());
    if o.nologinit {
        cmd.push("-l".into());
    }
    if let Some(h) = &o.home {
        cmd.extend(["-d".into(), h.clone()]);
    }
    if !o.unique {
        cmd.push("-o".into());
    }
    if o.system {
        cmd.push("-r".into());
    }
    cmd.push(o.name.clone());
    cmd
}

fn usergroups_enab() -> bool {
    read("/etc/login.defs")
        .lines()
        .find(|l| {
            l.get(..15.min(l.len()))
                .is_some_and(|p| p.contains("USERGROUPS_ENAB"))
        })
        .is_some_and(|l| l.contains("yes"))
}

/// `user.add`: creates the user, then sets supplementary groups and GECOS fields.
pub fn user_add(
    ctx: &RunContext,
    o: &AddUser,
    gecos: &[(&str, String)],
) -> Result<bool, CallError> {
    let argv = useradd_argv(&need("useradd")?, o, usergroups_enab());
    let r = run_argv(ctx, argv)?;
    if r.retcode != Some(0) {
        tracing::warn!(stderr = %r.stderr, "useradd failed");
        return Ok(false);
    }
    if let Some(g) = o.groups.as_ref().filter(|g| !g.is_empty()) {
        chgroups(ctx, &o.name, g, false)?;
    }
    for (k, v) in gecos {
        if !v.is_empty() {
            update_gecos(ctx, &o.name, k, v)?;
        }
    }
    Ok(true)
}

/// `user.delete` (`userdel [-r] [-f] name`); Debian's exit code 12 for a missing mail
/// spool counts as success, as in Salt.
pub fn user_delete(
    ctx: &RunContext,
    name: &str,
    remove: bool,
    force: bool,
) -> Result<bool, CallError> {
    let mut cmd = vec![need("userdel")?];
    if remove {
        cmd.push("-r".into());
    }
    if force {
        cmd.push("-f".into());
    }
    cmd.push(name.into());
    let r = run_argv(ctx, cmd)?;
    Ok(r.retcode == Some(0)
        || r.retcode == Some(12)
            && ctx.grains.get("os_family").and_then(Value::as_str) == Some("Debian")
            && (r.stderr.contains("var/mail") || r.stderr.contains("var/spool/mail")))
}

/// `usermod <param> <value> name` when the value differs (`_chattrib`).
pub fn chattrib(
    ctx: &RunContext,
    name: &str,
    key: &str,
    value: &Value,
    param: &str,
) -> Result<bool, CallError> {
    let pre = user_info(name);
    if pre.is_empty() {
        return Err(CallError::Failed(format!("User '{name}' does not exist")));
    }
    if pre.get(key).is_some_and(|v| same(v, value)) {
        return Ok(true);
    }
    run_argv(
        ctx,
        vec![
            need("usermod")?,
            param.into(),
            value.to_py_str(),
            name.into(),
        ],
    )?;
    Ok(user_info(name).get(key).is_some_and(|v| same(v, value)))
}

/// Python equality between a stored value and a requested one (ints compare with ints,
/// strings with strings).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        _ => false,
    }
}

/// GECOS fields in order.
pub const GECOS: [&str; 5] = ["fullname", "roomnumber", "workphone", "homephone", "other"];

/// `_update_gecos`: sets one GECOS field with `usermod -c`.
pub fn update_gecos(
    ctx: &RunContext,
    name: &str,
    key: &str,
    value: &str,
) -> Result<bool, CallError> {
    let pre = user_info(name);
    if pre.is_empty() {
        return Ok(false);
    }
    let mut fields: Vec<String> = GECOS
        .iter()
        .map(|k| pre.get(k).map(Value::to_py_str).unwrap_or_default())
        .collect();
    let Some(i) = GECOS.iter().position(|k| *k == key) else {
        return Ok(false);
    };
    if fields[i] == value {
        return Ok(true);
    }
    fields[i] = value.to_string();
    let gecos = fields.join(",").trim_end_matches(',').to_string();
    run_argv(ctx, vec![need("usermod")?, "-c".into(), gecos, name.into()])?;
    Ok(user_info(name).get(key).map(Value::to_py_str).as_deref() == Some(value))
}

/// `user.chgroups`: `usermod [-a] -G g1,g2 name`.
pub fn chgroups(
    ctx: &RunContext,
    name: &str,
    groups: &[String],
    append: bool,
) -> Result<bool, CallError> {
    let mut cur = group_list(name);
    cur.sort();
    let mut want: Vec<String> = groups.to_vec();
    want.sort();
    want.dedup();
    if cur == want {
        return Ok(true);
    }
    let mut cmd = vec![need("usermod")?];
    if append {
        cmd.push("-a".into());
    }
    cmd.push("-G".into());
    cmd.push(groups.join(","));
    cmd.push(name.into());
    let r = run_argv(ctx, cmd)?;
    Ok(r.retcode == Some(0))
}

/// `shadow.set_password`: writes the hash into `/etc/shadow` (and the last-change day).
pub fn set_password(name: &str, hash: &str) -> Result<bool, CallError> {
    if getpwnam(name).is_none() {
        return Ok(false);
    }
    let path = "/etc/shadow";
    let text =
        std::fs::read_to_string(path).map_err(|e| CallError::Failed(format!("{path}: {e}")))?;
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400);
    let mut found = false;
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let mut comps: Vec<String> = line.trim().split(':').take(9).map(str::to_string).collect();
        if comps.first().map(String::as_str) == Some(name) {
            while comps.len() < 9 {
                comps.push(String::new());
            }
            comps[1] = hash.to_string();
            comps[2] = days.to_string();
            out.push_str(&comps.join(":"));
            out.push('\n');
            found = true;
        } else {
            out.push_str(line);
        }
    }
    if !found {
        out.push_str(&format!("{name}:{hash}:{days}::::::\n"));
    }
    std::fs::write(path, out).map_err(|e| CallError::Failed(format!("{path}: {e}")))?;
    Ok(getspnam(name).is_some_and(|s| s.passwd == hash))
}

/// `chage <param> <value> name` when the value differs (`shadow.set_mindays` & co).
pub fn chage(
    ctx: &RunContext,
    name: &str,
    key: &str,
    value: i64,
    param: &str,
) -> Result<bool, CallError> {
    let pre = shadow_info(name);
    if pre.get(key).and_then(Value::as_int) == Some(value) {
        return Ok(true);
    }
    run_argv(
        ctx,
        vec!["chage".into(), param.into(), value.to_string(), name.into()],
    )?;
    Ok(shadow_info(name).get(key).and_then(Value::as_int) == Some(value))
}

/// `group.add` (`groupadd [-g gid [-o]] [-r] name`).
pub fn group_add(
    ctx: &RunContext,
    name: &str,
    gid: Option<i64>,
    system: bool,
    non_unique: bool,
) -> Result<bool, CallError> {
    let mut cmd = vec![need("groupadd")?];
    if let Some(g) = gid.filter(|g| *g != 0) {
        cmd.push("-g".into());
        cmd.push(g.to_string());
        if non_unique {
            cmd.push("-o".into());
        }
    }
    if system {
        cmd.push("-r".into());
    }
    cmd.push(name.into());
    Ok(run_argv(ctx, cmd)?.retcode == Some(0))
}

/// `group.delete` (`groupdel name`).
pub fn group_delete(ctx: &RunContext, name: &str) -> Result<bool, CallError> {
    Ok(run_argv(ctx, vec![need("groupdel")?, name.into()])?.retcode == Some(0))
}

/// `group.chgid` (`groupmod -g gid name`, `-og` when non-unique).
pub fn group_chgid(
    ctx: &RunContext,
    name: &str,
    gid: i64,
    non_unique: bool,
) -> Result<bool, CallError> {
    let pre = group_info(name);
    if pre.is_empty() {
        return Ok(false);
    }
    if pre.get("gid").and_then(Value::as_int) == Some(gid) {
        return Ok(true);
    }
    let param = if non_unique { "-og" } else { "-g" };
    run_argv(
        ctx,
        vec![
            need("groupmod")?,
            param.into(),
            gid.to_string(),
            name.into(),
        ],
    )?;
    Ok(group_info(name).get("gid").and_then(Value::as_int) == Some(gid))
}

/// `group.adduser` (`gpasswd --add user group`).
pub fn group_adduser(ctx: &RunContext, name: &str, user: &str) -> Result<bool, CallError> {
    let r = run_argv(
        ctx,
        vec![need("gpasswd")?, "--add".into(), user.into(), name.into()],
    )?;
    Ok(r.retcode == Some(0))
}

/// `group.deluser` (`gpasswd --del user group`, only when a member).
pub fn group_deluser(ctx: &RunContext, name: &str, user: &str) -> Result<bool, CallError> {
    let is_member = getgrnam(name).is_some_and(|g| g.members.iter().any(|m| m == user));
    if !is_member {
        return Ok(true);
    }
    let r = run_argv(
        ctx,
        vec![need("gpasswd")?, "--del".into(), user.into(), name.into()],
    )?;
    Ok(r.retcode == Some(0))
}

/// `group.members` (`gpasswd --members a,b group`).
pub fn group_members(ctx: &RunContext, name: &str, members: &str) -> Result<bool, CallError> {
    let r = run_argv(
        ctx,
        vec![
            need("gpasswd")?,
            "--members".into(),
            members.into(),
            name.into(),
        ],
    )?;
    Ok(r.retcode == Some(0))
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

fn x_user_info(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig("info", &["name", "root"], 1))?;
    Ok(Value::Dict(user_info(&b.str("name").unwrap_or_default())))
}

fn x_list_groups(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig("list_groups", &["name"], 1))?;
    Ok(Value::List(
        group_list(&b.str("name").unwrap_or_default())
            .into_iter()
            .map(Value::from)
            .collect(),
    ))
}

fn x_user_delete(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig(
        "delete",
        &["name", "remove", "force", "root", "local"],
        1,
    ))?;
    Ok(Value::Bool(user_delete(
        ctx,
        &b.str("name").unwrap_or_default(),
        b.truthy("remove", false),
        b.truthy("force", false),
    )?))
}

fn x_group_info(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig("info", &["name", "root"], 1))?;
    Ok(Value::Dict(group_info(&b.str("name").unwrap_or_default())))
}

fn x_group_add(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig(
        "add",
        &["name", "gid", "system", "root", "non_unique", "local"],
        1,
    ))?;
    let gid = match b.some("gid") {
        Some(v) => Some(parse_id(v, "gid")?),
        None => None,
    };
    Ok(Value::Bool(group_add(
        ctx,
        &b.str("name").unwrap_or_default(),
        gid,
        b.truthy("system", false),
        b.truthy("non_unique", false),
    )?))
}

fn x_group_delete(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig("delete", &["name", "root", "local"], 1))?;
    Ok(Value::Bool(group_delete(
        ctx,
        &b.str("name").unwrap_or_default(),
    )?))
}

fn x_group_adduser(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig("adduser", &["name", "username", "root"], 2))?;
    Ok(Value::Bool(group_adduser(
        ctx,
        &b.str("name").unwrap_or_default(),
        &b.str("username").unwrap_or_default(),
    )?))
}

fn x_group_deluser(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig("deluser", &["name", "username", "root"], 2))?;
    Ok(Value::Bool(group_deluser(
        ctx,
        &b.str("name").unwrap_or_default(),
        &b.str("username").unwrap_or_default(),
    )?))
}

fn x_shadow_info(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig("info", &["name", "root"], 1))?;
    Ok(Value::Dict(shadow_info(&b.str("name").unwrap_or_default())))
}

fn x_set_password(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig(
        "set_password",
        &["name", "password", "use_usermod", "root"],
        2,
    ))?;
    Ok(Value::Bool(set_password(
        &b.str("name").unwrap_or_default(),
        &b.str("password").unwrap_or_default(),
    )?))
}

/// An id argument (`uid`/`gid`) as an integer.
pub fn parse_id(v: &Value, what: &str) -> Result<i64, CallError> {
    match v {
        Value::Int(i) => Ok(*i),
        other => other
            .to_py_str()
            .trim()
            .parse()
            .map_err(|_| CallError::Failed(format!("Invalid {what}: {}", other.to_py_str()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_account_files() {
        let p = parse_passwd(
            "root:x:0:0:root:/root:/bin/bash\nbob:x:1000:1000:Bob B,1,2:/home/bob:/bin/sh\n",
        );
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].gecos, "Bob B,1,2");
        let g = parse_group("sudo:x:27:bob,alice\nbob:x:1000:\n");
        assert_eq!(g[0].members, vec!["bob", "alice"]);
        assert!(g[1].members.is_empty());
        let s = parse_shadow("bob:$6$x$y:19000:0:99999:7:::\n");
        assert_eq!(s[0].max, 99999);
        assert_eq!(s[0].inact, -1);
    }

    #[test]
    fn useradd_command_as_salt() {
        let o = AddUser {
            name: "deploy".into(),
            uid: Some("1500".into()),
            shell: Some("/bin/bash".into()),
            home: Some("/srv/deploy".into()),
            createhome: true,
            unique: true,
            system: true,
            ..Default::default()
        };
        assert_eq!(
            useradd_argv("/usr/sbin/useradd", &o, true),
            vec![
                "/usr/sbin/useradd",
                "-s",
                "/bin/bash",
                "-u",
                "1500",
                "-m",
                "-d",
                "/srv/deploy",
                "-r",
                "deploy"
            ]
        );
        let o = AddUser {
            name: "x".into(),
            groups: Some(vec!["x".into()]),
            usergroup: Some(false),
            unique: false,
            ..Default::default()
        };
        assert_eq!(
            useradd_argv("useradd", &o, true),
            vec!["useradd", "-g", "x", "-N", "-M", "-o", "x"]
        );
    }
}
