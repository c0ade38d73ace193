//! `cron.*` execution functions (salt/modules/cron.py): user crontabs through the
//! `crontab` command, with Salt's layout — everything below
//! `# Lines below here are managed by Salt, do not edit` is parsed into environment
//! lines, jobs and `@special` jobs; a job's comment line carries
//! `# COMMENT SALT_CRON_IDENTIFIER:ID`, disabled jobs start with `#DISABLED#`.
//!
//! As root, another user's table is read with `crontab -u USER -l` and written with
//! `crontab -u USER FILE` (Salt does the same when running as root).

use super::cmd::{current_uid, getpwnam};
use super::sysutil::{self, failed};
use super::{Args, ExecRegistry, Sig};
use crate::RunContext;
use rsalt_data::{Dict, Value};
use rsalt_sls::CallError;

/// The marker line above Salt-managed entries.
pub const TAG: &str = "# Lines below here are managed by Salt, do not edit\n";
/// The identifier marker in a job's comment line.
pub const SALT_CRON_IDENTIFIER: &str = "SALT_CRON_IDENTIFIER";
/// The identifier of jobs written without one.
pub const SALT_CRON_NO_IDENTIFIER: &str = "NO ID SET";

/// Registers the `cron.*` functions.
pub fn register(r: &mut ExecRegistry) {
    r.add_doc(
        "cron.raw_cron",
        raw_cron_fn,
        "Return the contents of the user's crontab\n",
    );
    r.add_doc(
        "cron.list_tab",
        list_tab_fn,
        "Return the contents of the specified user's crontab\n",
    );
    r.add_doc(
        "cron.ls",
        list_tab_fn,
        "Return the contents of the specified user's crontab\n",
    );
    r.add_doc(
        "cron.get_entry",
        get_entry_fn,
        "Return the specified entry from user's crontab.\n",
    );
    r.add_doc(
        "cron.set_job",
        set_job_fn,
        "Sets a cron job up for a specified user.\n",
    );
    r.add_doc(
        "cron.set_special",
        set_special_fn,
        "Set up a special command in the crontab.\n",
    );
    r.add_doc(
        "cron.rm_job",
        rm_job_fn,
        "Remove a cron job for a specified user.\n",
    );
    r.add_doc(
        "cron.rm",
        rm_job_fn,
        "Remove a cron job for a specified user.\n",
    );
    r.add_doc(
        "cron.rm_special",
        rm_special_fn,
        "Remove a special cron job for a specified user.\n",
    );
    r.add_doc(
        "cron.set_env",
        set_env_fn,
        "Set up an environment variable in the crontab.\n",
    );
    r.add_doc(
        "cron.rm_env",
        rm_env_fn,
        "Remove cron environment variable for a specified user.\n",
    );
    r.add_doc(
        "cron.write_cron_file",
        write_cron_file_fn,
        "Writes the contents of a file to a user's crontab\n",
    );
}

/// One cron line (a timed job when `spec` is None, an `@special` job otherwise).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Job {
    /// Minute field (timed jobs).
    pub minute: String,
    /// Hour field.
    pub hour: String,
    /// Day of month field.
    pub daymonth: String,
    /// Month field.
    pub month: String,
    /// Day of week field.
    pub dayweek: String,
    /// `@reboot`, `@daily`, ... for special jobs.
    pub spec: Option<String>,
    /// The command.
    pub cmd: String,
    /// `SALT_CRON_IDENTIFIER`.
    pub identifier: Option<String>,
    /// Comment (lines joined with `\n`).
    pub comment: Option<String>,
    /// `#DISABLED#`.
    pub commented: bool,
}

/// A parsed crontab (`cron.list_tab`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tab {
    /// Lines above the Salt marker, kept verbatim.
    pub pre: Vec<String>,
    /// `NAME=value` lines.
    pub env: Vec<(String, String)>,
    /// Timed jobs.
    pub crons: Vec<Job>,
    /// `@special` jobs.
    pub special: Vec<Job>,
}

impl Job {
    fn to_value(&self) -> Value {
        let mut d = Dict::new();
        let o = |v: &Option<String>| v.as_deref().map_or(Value::None, Value::from);
        if let Some(s) = &self.spec {
            d.insert("spec", Value::from(s.as_str()));
            d.insert("cmd", Value::from(self.cmd.as_str()));
            d.insert("identifier", o(&self.identifier));
            d.insert("comment", o(&self.comment));
            d.insert("commented", Value::Bool(self.commented));
        } else {
            d.insert("minute", Value::from(self.minute.as_str()));
            d.insert("hour", Value::from(self.hour.as_str()));
            d.insert("daymonth", Value::from(self.daymonth.as_str()));
            d.insert("month", Value::from(self.month.as_str()));
            d.insert("dayweek", Value::from(self.dayweek.as_str()));
            d.insert("identifier", o(&self.identifier));
            d.insert("cmd", Value::from(self.cmd.as_str()));
            d.insert("comment", o(&self.comment));
            d.insert("commented", Value::Bool(self.commented));
        }
        Value::Dict(d)
    }
}

impl Tab {
    /// The `cron.list_tab` dict.
    pub fn to_value(&self) -> Value {
        let mut d = Dict::new();
        d.insert(
            "pre",
            Value::List(self.pre.iter().map(|s| Value::from(s.as_str())).collect()),
        );
        d.insert(
            "crons",
            Value::List(self.crons.iter().map(Job::to_value).collect()),
        );
        d.insert(
            "special",
            Value::List(self.special.iter().map(Job::to_value).collect()),
        );
        d.insert(
            "env",
            Value::List(
                self.env
                    .iter()
                    .map(|(n, v)| {
                        let mut e = Dict::new();
                        e.insert("name", Value::from(n.as_str()));
                        e.insert("value", Value::from(v.as_str()));
                        Value::Dict(e)
                    })
                    .collect(),
            ),
        );
        Value::Dict(d)
    }
}

fn is_self(user: &str) -> bool {
    match (getpwnam(user), current_uid()) {
        (Some(pw), Some(uid)) => pw.uid == uid,
        _ => false,
    }
}

/// `cron.raw_cron`: the user's crontab text (without the 3-line header some crontab
/// implementations print).
pub fn raw_cron(ctx: &RunContext, user: &str) -> Result<String, CallError> {
    let argv: Vec<String> = if is_self(user) {
        vec!["crontab".into(), "-l".into()]
    } else {
        vec!["crontab".into(), "-u".into(), user.into(), "-l".into()]
    };
    let r = sysutil::run_spec(ctx, &argv, None, &[], false, true)?;
    let mut lines: Vec<&str> = r.stdout.split_inclusive('\n').collect();
    if lines
        .first()
        .is_some_and(|l| l.starts_with("# DO NOT EDIT THIS FILE - edit the master and reinstall."))
    {
        lines.drain(0..lines.len().min(3));
    }
    Ok(lines.concat())
}

/// Parses crontab text as `cron.list_tab` does.
pub fn parse_tab(data: &str) -> Tab {
    let mut ret = Tab::default();
    let mut flag = false;
    let mut comment: Option<String> = None;
    let mut identifier: Option<String> = None;
    for line in rsalt_data::pystr::splitlines(data, false) {
        if line == TAG.trim_end_matches('\n') {
            flag = true;
            continue;
        }
        if !flag {
            ret.pre.push(line.to_string());
            continue;
        }
        let (line, commented) = match line.strip_prefix("#DISABLED#") {
            Some(rest) => (rest, true),
            None => (line, false),
        };
        if line.starts_with('@') {
            let comps: Vec<&str> = line.split_whitespace().collect();
            if comps.len() < 2 {
                continue;
            }
            ret.special.push(Job {
                spec: Some(comps[0].to_string()),
                cmd: comps[1..].join(" "),
                identifier: identifier.take(),
                comment: comment.take(),
                commented,
                ..Default::default()
            });
        } else if line.starts_with('#') {
            let mut comment_line = line.trim_start_matches(['#', ' ']).to_string();
            if comment_line.contains(SALT_CRON_IDENTIFIER) {
                let mut parts = comment_line.splitn(2, SALT_CRON_IDENTIFIER);
                let before = parts.next().unwrap_or("").trim_end().to_string();
                let after = parts.next().unwrap_or("");
                if after.chars().count() > 1 {
                    identifier = Some(after.chars().skip(1).collect());
                }
                comment_line = before;
            }
            comment = Some(match comment {
                None => comment_line,
                Some(c) => format!("{c}\n{comment_line}"),
            });
        } else if line
            .find('=')
            .is_some_and(|i| i > 0 && line.find(' ').is_none_or(|s| i < s))
        {
            let (n, v) = line.split_once('=').unwrap_or((line, ""));
            ret.env.push((n.to_string(), v.to_string()));
        } else if line.split(' ').count() > 5 {
            let comps: Vec<&str> = line.split(' ').collect();
            ret.crons.push(Job {
                minute: comps[0].into(),
                hour: comps[1].into(),
                daymonth: comps[2].into(),
                month: comps[3].into(),
                dayweek: comps[4].into(),
                spec: None,
                cmd: comps[5..].join(" "),
                identifier: identifier.take(),
                comment: comment.take(),
                commented,
            });
        }
    }
    ret
}

/// `cron.list_tab`.
pub fn list_tab(ctx: &RunContext, user: &str) -> Result<Tab, CallError> {
    Ok(parse_tab(&raw_cron(ctx, user)?))
}

fn comment_line(job: &Job, rstrip: bool) -> Option<String> {
    if job.comment.is_none() && job.identifier.is_none() {
        return None;
    }
    let mut c = String::from("#");
    if let Some(cm) = job.comment.as_deref().filter(|c| !c.is_empty()) {
        let cm = if rstrip { cm.trim_end() } else { cm };
        c.push(' ');
        c.push_str(&cm.replace('\n', "\n# "));
    }
    if let Some(id) = job.identifier.as_deref().filter(|i| !i.is_empty()) {
        c.push_str(&format!(" {SALT_CRON_IDENTIFIER}:{id}"));
    }
    c.push('\n');
    Some(c)
}

/// `_render_tab`: the crontab text Salt writes.
pub fn render_tab(tab: &Tab) -> String {
    let mut ret: Vec<String> = tab.pre.iter().map(|p| format!("{p}\n")).collect();
    if ret.last().map(String::as_str) != Some(TAG) {
        ret.push(TAG.to_string());
    }
    for (n, v) in &tab.env {
        if v.is_empty() {
            ret.push(format!("{n}=\"\"\n"));
        } else {
            ret.push(format!("{n}={v}\n"));
        }
    }
    for c in &tab.crons {
        if let Some(l) = comment_line(c, false) {
            ret.push(l);
        }
        ret.push(format!(
            "{}{} {} {} {} {} {}\n",
            if c.commented { "#DISABLED#" } else { "" },
            c.minute,
            c.hour,
            c.daymonth,
            c.month,
            c.dayweek,
            c.cmd
        ));
    }
    for c in &tab.special {
        if let Some(l) = comment_line(c, true) {
            ret.push(l);
        }
        ret.push(format!(
            "{}{} {}\n",
            if c.commented { "#DISABLED#" } else { "" },
            c.spec.as_deref().unwrap_or(""),
            c.cmd
        ));
    }
    ret.concat()
}

/// Installs `path` as the user's crontab (`crontab [-u USER] PATH`).
pub fn write_cron_file(
    ctx: &RunContext,
    user: &str,
    path: &str,
) -> Result<super::cmd::RunResult, CallError> {
    let argv: Vec<String> = if is_self(user) {
        vec!["crontab".into(), path.into()]
    } else {
        vec!["crontab".into(), "-u".into(), user.into(), path.into()]
    };
    sysutil::run_opts(ctx, &argv, None, &[], true)
}

/// Writes `text` as the user's crontab; `Err(stderr)` when `crontab` fails.
pub fn write_tab_text(
    ctx: &RunContext,
    user: &str,
    text: &str,
) -> Result<Result<(), String>, CallError> {
    let dir = std::env::temp_dir();
    let path = crate::state::file::util::write_temp_in(&dir, "__salt.tmp.", text.as_bytes())
        .map_err(|e| failed(e.to_string()))?;
    let r = write_cron_file(ctx, user, &path.to_string_lossy());
    let _ = std::fs::remove_file(&path);
    let r = r?;
    Ok(if r.retcode == Some(0) {
        Ok(())
    } else {
        Err(r.stderr)
    })
}

fn write_tab(ctx: &RunContext, user: &str, tab: &Tab) -> Result<Result<(), String>, CallError> {
    write_tab_text(ctx, user, &render_tab(tab))
}

fn cron_id(job: &Job) -> String {
    job.identifier
        .clone()
        .filter(|i| !i.is_empty())
        .unwrap_or_else(|| SALT_CRON_NO_IDENTIFIER.into())
}

/// `_cron_matched`: whether `job` is the one meant by `cmd`/`identifier`.
pub fn cron_matched(job: &Job, cmd: &str, identifier: Option<&str>) -> bool {
    let mut cid = cron_id(job);
    let eid = identifier
        .filter(|i| !i.is_empty())
        .unwrap_or(SALT_CRON_NO_IDENTIFIER)
        .to_string();
    if job.cmd != cmd && cid == SALT_CRON_NO_IDENTIFIER && eid == SALT_CRON_NO_IDENTIFIER {
        return false;
    }
    if job.cmd == cmd && cid == SALT_CRON_NO_IDENTIFIER {
        cid = eid.clone();
    }
    eid == cid
}

/// `_needs_change(old, new)`.
pub fn needs_change(old: Option<&str>, new: Option<&str>) -> bool {
    if old != new {
        match new {
            Some("random") => old == Some("*"),
            Some(_) => true,
            None => false,
        }
    } else {
        false
    }
}

fn b(v: bool) -> Option<&'static str> {
    Some(if v { "True" } else { "False" })
}

/// What `set_job`/`set_special` want.
#[derive(Debug, Clone, Default)]
pub struct Want {
    /// minute, hour, daymonth, month, dayweek (timed jobs).
    pub times: [String; 5],
    /// `@special` (special jobs).
    pub special: Option<String>,
    /// Command.
    pub cmd: String,
    /// `#DISABLED#`.
    pub commented: bool,
    /// Comment.
    pub comment: Option<String>,
    /// Identifier.
    pub identifier: Option<String>,
}

fn rand_below(n: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(n);
    if n == 0 {
        0
    } else {
        h.finish() % n
    }
}

/// `_get_cron_date_time`: resolves `random` and `a:b` ranges.
fn resolve_times(t: &[String; 5]) -> [String; 5] {
    let pick = |v: &str, max: u64, base: u64| -> String {
        if v == "random" {
            (base + rand_below(max)).to_string()
        } else if let Some((a, b)) = v.split_once(':').filter(|_| v.split(':').count() == 2) {
            let (mut a, mut b) = (a.to_string(), b.to_string());
            if a > b {
                std::mem::swap(&mut a, &mut b);
            }
            match (a.parse::<u64>(), b.parse::<u64>()) {
                (Ok(s), Ok(e)) if e >= s => (s + rand_below(e - s + 1)).to_string(),
                _ => v.to_string(),
            }
        } else {
            v.to_string()
        }
    };
    let minute = pick(&t[0], 60, 0);
    let hour = pick(&t[1], 24, 0);
    let month = pick(&t[3], 12, 1);
    let dayweek = pick(&t[4], 7, 0);
    let dm_max = match month.as_str() {
        "1" | "3" | "5" | "7" | "8" | "10" | "12" => 31,
        "4" | "6" | "9" | "11" => 30,
        _ => 28,
    };
    let daymonth = if t[2] == "random" {
        (1 + rand_below(dm_max)).to_string()
    } else {
        t[2].clone()
    };
    [minute, hour, daymonth, month, dayweek]
}

/// `cron.set_job` / `cron.set_special`: `present`, `new`, `updated`, or the crontab
/// error text.
pub fn set(ctx: &RunContext, user: &str, want: &Want) -> Result<String, CallError> {
    let mut want = want.clone();
    for t in want.times.iter_mut() {
        *t = t.to_lowercase();
    }
    let mut lst = list_tab(ctx, user)?;
    let all: Vec<Job> = lst
        .crons
        .iter()
        .chain(lst.special.iter())
        .cloned()
        .collect();
    for cron in all {
        let cid = cron_id(&cron);
        if !cron_matched(&cron, &want.cmd, want.identifier.as_deref()) {
            continue;
        }
        let test_setted_id = cron
            .identifier
            .clone()
            .unwrap_or_else(|| SALT_CRON_NO_IDENTIFIER.into());
        let is_special = want.special.is_some();
        let timed = |i: usize| -> Option<&str> {
            if is_special {
                None
            } else {
                Some(want.times[i].as_str())
            }
        };
        let cur_t = |s: &str| -> Option<String> {
            if cron.spec.is_some() {
                None
            } else {
                Some(s.to_string())
            }
        };
        let cur_times = [
            cur_t(&cron.minute),
            cur_t(&cron.hour),
            cur_t(&cron.daymonth),
            cur_t(&cron.month),
            cur_t(&cron.dayweek),
        ];
        let mut tests: Vec<(Option<String>, Option<String>)> = vec![
            (cron.comment.clone(), want.comment.clone()),
            (
                b(cron.commented).map(String::from),
                b(want.commented).map(String::from),
            ),
            (want.identifier.clone(), Some(test_setted_id)),
        ];
        for (i, ct) in cur_times.iter().enumerate() {
            tests.push((ct.clone(), timed(i).map(String::from)));
        }
        tests.push((cron.spec.clone(), want.special.clone()));
        tests.push((Some(cron.cmd.clone()), Some(want.cmd.clone())));
        if !tests
            .iter()
            .any(|(o, n)| needs_change(o.as_deref(), n.as_deref()))
        {
            return Ok("present".into());
        }
        if cron.spec.is_some() {
            rm(
                ctx,
                user,
                &want.cmd,
                true,
                None,
                &[None, None, None, None, None],
                Some(&cid),
            )?;
        } else {
            rm(
                ctx,
                user,
                &want.cmd,
                false,
                None,
                &[None, None, None, None, None],
                Some(&cid),
            )?;
        }
        let mut next = want.clone();
        if is_special {
            if !needs_change(cron.spec.as_deref(), want.special.as_deref()) {
                next.special = cron.spec.clone();
            }
        } else {
            for (i, ct) in cur_times.iter().enumerate() {
                if !needs_change(ct.as_deref(), Some(&want.times[i])) {
                    if let Some(c) = ct {
                        next.times[i] = c.clone();
                    }
                }
            }
        }
        if !needs_change(b(cron.commented), b(want.commented)) {
            next.commented = cron.commented;
        }
        if !needs_change(cron.comment.as_deref(), want.comment.as_deref()) {
            next.comment = cron.comment.clone();
        }
        let mut cid_opt = Some(cid.clone());
        if !needs_change(Some(&cron.cmd), Some(&want.cmd)) {
            next.cmd = cron.cmd.clone();
            if cid == SALT_CRON_NO_IDENTIFIER {
                if let Some(i) = want.identifier.as_deref().filter(|i| !i.is_empty()) {
                    cid_opt = Some(i.to_string());
                }
                if cid_opt.as_deref() == Some(SALT_CRON_NO_IDENTIFIER) && cron.identifier.is_none()
                {
                    cid_opt = None;
                }
            }
        }
        match &cid_opt {
            None => next.identifier = None,
            Some(c) if !needs_change(Some(c), want.identifier.as_deref()) => {
                next.identifier = Some(c.clone());
            }
            _ => {}
        }
        let r = set(ctx, user, &next)?;
        return Ok(if r == "new" { "updated".into() } else { r });
    }
    let job = match &want.special {
        Some(s) => Job {
            spec: Some(s.clone()),
            cmd: want.cmd.clone(),
            identifier: want.identifier.clone(),
            comment: want.comment.clone(),
            commented: want.commented,
            ..Default::default()
        },
        None => {
            let [minute, hour, daymonth, month, dayweek] = resolve_times(&want.times);
            Job {
                minute,
                hour,
                daymonth,
                month,
                dayweek,
                spec: None,
                cmd: want.cmd.clone(),
                identifier: want.identifier.clone(),
                comment: want.comment.clone(),
                commented: want.commented,
            }
        }
    };
    if job.spec.is_some() {
        lst.special.push(job);
    } else {
        lst.crons.push(job);
    }
    Ok(match write_tab(ctx, user, &lst)? {
        Ok(()) => "new".into(),
        Err(e) => e,
    })
}

/// `cron.rm_job` (`special == false`) / `cron.rm_special`: `removed`, `absent`, or the
/// crontab error text. `times` filter timed jobs, `spec` filters special ones.
pub fn rm(
    ctx: &RunContext,
    user: &str,
    cmd: &str,
    special: bool,
    spec: Option<&str>,
    times: &[Option<String>; 5],
    identifier: Option<&str>,
) -> Result<String, CallError> {
    let mut lst = list_tab(ctx, user)?;
    let list = if special {
        &mut lst.special
    } else {
        &mut lst.crons
    };
    let pos = list.iter().position(|val| {
        if !cron_matched(val, cmd, identifier) {
            return false;
        }
        if special {
            spec.is_none_or(|s| val.spec.as_deref() == Some(s))
        } else if times.iter().all(Option::is_none) {
            true
        } else {
            let cur = [
                &val.minute,
                &val.hour,
                &val.daymonth,
                &val.month,
                &val.dayweek,
            ];
            times.iter().zip(cur).all(|(w, c)| match w {
                None => true,
                Some(w) => c == w || (w.eq_ignore_ascii_case("random") && c != "*"),
            })
        }
    });
    let ret = match pos {
        Some(i) => {
            list.remove(i);
            "removed"
        }
        None => "absent",
    };
    // rm_special always rewrites the table; rm_job only when something was removed.
    if special || pos.is_some() {
        if let Err(e) = write_tab(ctx, user, &lst)? {
            return Ok(e);
        }
    }
    Ok(ret.into())
}

/// `cron.set_env`.
pub fn set_env(
    ctx: &RunContext,
    user: &str,
    name: &str,
    value: Option<&str>,
) -> Result<String, CallError> {
    let mut lst = list_tab(ctx, user)?;
    if let Some((_, v)) = lst.env.iter().find(|(n, _)| n == name) {
        if Some(v.as_str()) != value {
            rm_env(ctx, user, name)?;
            let r = set_env(ctx, user, name, value)?;
            return Ok(if r == "new" { "updated".into() } else { r });
        }
        return Ok("present".into());
    }
    lst.env
        .push((name.to_string(), value.unwrap_or("").to_string()));
    Ok(match write_tab(ctx, user, &lst)? {
        Ok(()) => "new".into(),
        Err(e) => e,
    })
}

/// `cron.rm_env`.
pub fn rm_env(ctx: &RunContext, user: &str, name: &str) -> Result<String, CallError> {
    let mut lst = list_tab(ctx, user)?;
    let pos = lst.env.iter().rposition(|(n, _)| n == name);
    let ret = match pos {
        Some(i) => {
            lst.env.remove(i);
            "removed"
        }
        None => "absent",
    };
    if let Err(e) = write_tab(ctx, user, &lst)? {
        return Ok(e);
    }
    Ok(ret.into())
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

fn raw_cron_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("raw_cron", &["user"], 1))?;
    raw_cron(ctx, &b.str("user").unwrap_or_default()).map(Value::from)
}

fn list_tab_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("list_tab", &["user"], 1))?;
    Ok(list_tab(ctx, &b.str("user").unwrap_or_default())?.to_value())
}

fn get_entry_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("get_entry", &["user", "identifier", "cmd"], 1))?;
    let tab = list_tab(ctx, &b.str("user").unwrap_or_default())?;
    let id = b.str("identifier");
    let cmd = if id.is_some() { None } else { b.str("cmd") };
    for j in tab.crons.iter().chain(tab.special.iter()) {
        if id.is_some() && j.identifier == id {
            return Ok(j.to_value());
        }
        if cmd.is_some() && Some(&j.cmd) == cmd.as_ref() {
            return Ok(j.to_value());
        }
    }
    Ok(Value::Bool(false))
}

fn opt_s(b: &super::Bound, k: &str) -> Option<String> {
    b.str(k)
}

fn set_job_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig(
        "set_job",
        &[
            "user",
            "minute",
            "hour",
            "daymonth",
            "month",
            "dayweek",
            "cmd",
            "commented",
            "comment",
            "identifier",
        ],
        7,
    ))?;
    let t = |k: &str| b.get(k).map(Value::to_py_str).unwrap_or_default();
    let want = Want {
        times: [
            t("minute"),
            t("hour"),
            t("daymonth"),
            t("month"),
            t("dayweek"),
        ],
        special: None,
        cmd: t("cmd"),
        commented: b.get("commented").is_some_and(|v| v == &Value::Bool(true)),
        comment: opt_s(&b, "comment"),
        identifier: opt_s(&b, "identifier"),
    };
    set(ctx, &t("user"), &want).map(Value::from)
}

fn set_special_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig(
        "set_special",
        &[
            "user",
            "special",
            "cmd",
            "commented",
            "comment",
            "identifier",
        ],
        3,
    ))?;
    let t = |k: &str| b.get(k).map(Value::to_py_str).unwrap_or_default();
    let want = Want {
        special: Some(t("special")),
        cmd: t("cmd"),
        commented: b.get("commented").is_some_and(|v| v == &Value::Bool(true)),
        comment: opt_s(&b, "comment"),
        identifier: opt_s(&b, "identifier"),
        ..Default::default()
    };
    set(ctx, &t("user"), &want).map(Value::from)
}

fn rm_job_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig(
        "rm_job",
        &[
            "user",
            "cmd",
            "minute",
            "hour",
            "daymonth",
            "month",
            "dayweek",
            "identifier",
        ],
        2,
    ))?;
    let times = [
        opt_s(&b, "minute"),
        opt_s(&b, "hour"),
        opt_s(&b, "daymonth"),
        opt_s(&b, "month"),
        opt_s(&b, "dayweek"),
    ];
    rm(
        ctx,
        &b.str("user").unwrap_or_default(),
        &b.str("cmd").unwrap_or_default(),
        false,
        None,
        &times,
        opt_s(&b, "identifier").as_deref(),
    )
    .map(Value::from)
}

fn rm_special_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig(
        "rm_special",
        &["user", "cmd", "special", "identifier"],
        2,
    ))?;
    rm(
        ctx,
        &b.str("user").unwrap_or_default(),
        &b.str("cmd").unwrap_or_default(),
        true,
        opt_s(&b, "special").as_deref(),
        &[None, None, None, None, None],
        opt_s(&b, "identifier").as_deref(),
    )
    .map(Value::from)
}

fn set_env_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("set_env", &["user", "name", "value"], 2))?;
    set_env(
        ctx,
        &b.str("user").unwrap_or_default(),
        &b.str("name").unwrap_or_default(),
        opt_s(&b, "value").as_deref(),
    )
    .map(Value::from)
}

fn rm_env_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("rm_env", &["user", "name"], 2))?;
    rm_env(
        ctx,
        &b.str("user").unwrap_or_default(),
        &b.str("name").unwrap_or_default(),
    )
    .map(Value::from)
}

fn write_cron_file_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("write_cron_file", &["user", "path"], 2))?;
    let r = write_cron_file(
        ctx,
        &b.str("user").unwrap_or_default(),
        &b.str("path").unwrap_or_default(),
    )?;
    Ok(Value::Bool(r.retcode == Some(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "MAILTO=root\n# Lines below here are managed by Salt, do not edit\nSHELL=/bin/bash\n# nightly backup SALT_CRON_IDENTIFIER:backup\n30 2 * * * /usr/local/bin/backup.sh\n#DISABLED#*/5 * * * * /bin/true\n# SALT_CRON_IDENTIFIER:boot\n@reboot /bin/echo hi\n";

    #[test]
    fn parse_and_render_roundtrip() {
        let t = parse_tab(SAMPLE);
        assert_eq!(t.pre, vec!["MAILTO=root"]);
        assert_eq!(t.env, vec![("SHELL".to_string(), "/bin/bash".to_string())]);
        assert_eq!(t.crons.len(), 2);
        assert_eq!(t.crons[0].identifier.as_deref(), Some("backup"));
        assert_eq!(t.crons[0].comment.as_deref(), Some("nightly backup"));
        assert!(t.crons[1].commented);
        assert_eq!(t.crons[1].identifier, None);
        assert_eq!(t.special[0].spec.as_deref(), Some("@reboot"));
        assert_eq!(t.special[0].comment.as_deref(), Some(""));
        assert_eq!(render_tab(&t), SAMPLE);
    }

    #[test]
    fn matching_rules() {
        let j = Job {
            cmd: "/bin/true".into(),
            identifier: None,
            ..Default::default()
        };
        assert!(cron_matched(&j, "/bin/true", Some("/bin/true")));
        assert!(cron_matched(&j, "/bin/true", None));
        assert!(!cron_matched(&j, "/bin/false", None));
        let k = Job {
            cmd: "/bin/old".into(),
            identifier: Some("backup".into()),
            ..Default::default()
        };
        assert!(cron_matched(&k, "/bin/new", Some("backup")));
        assert!(!cron_matched(&k, "/bin/old", Some("other")));
        assert!(needs_change(Some("*"), Some("random")));
        assert!(!needs_change(Some("5"), Some("random")));
        assert!(!needs_change(Some("5"), None));
    }

    #[test]
    fn random_times_in_range() {
        let r = resolve_times(&[
            "random".into(),
            "1:3".into(),
            "random".into(),
            "2".into(),
            "*".into(),
        ]);
        let m: u32 = r[0].parse().expect("minute");
        assert!(m < 60);
        let h: u32 = r[1].parse().expect("hour");
        assert!((1..=3).contains(&h));
        let d: u32 = r[2].parse().expect("day");
        assert!((1..=28).contains(&d));
        assert_eq!(r[4], "*");
    }
}
