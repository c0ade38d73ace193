//! The `pkgrepo` state module (Salt's `salt/states/pkgrepo.py`): `managed` and `absent`.
//!
//! - apt (Debian family): `name` is a sources.list line (`deb [signed-by=/etc/apt/keyrings/
//!   x.gpg] URI DIST COMP...`), written to `file` (default `/etc/apt/sources.list`) as
//!   Salt writes it (`type [opts] uri dist comps`, one line, a trailing space when there
//!   are no components). The repo counts as configured when some sources file (list
//!   format) has an enabled entry with the same type, options, URI, dist and component
//!   set. `key_url` (`salt://`, `file://`, `http(s)://` through curl, or a path) or
//!   `key_text` is stored dearmored at the `signed-by` path (without `signed-by`:
//!   `/etc/apt/trusted.gpg.d/<key file stem>.gpg`). After a change, `apt-get update`
//!   runs unless `refresh: False`. `absent` removes the matching entries and deletes a
//!   sources file left empty.
//! - dnf/yum (RedHat family): an INI section `[name]` in `file` (default
//!   `/etc/yum.repos.d/<name>.repo`) with `name` (`humanname`), `baseurl`, `mirrorlist`,
//!   `metalink`, `gpgcheck`, `gpgkey`, `enabled`, `priority`, ... (every other string/
//!   number/bool argument).

use super::{StateCall, StateModule, StateReturn};
use crate::exec::pkg::run;
use rsalt_data::{Dict, Value};
use std::path::{Path, PathBuf};

/// The `pkgrepo` state module.
#[derive(Debug, Default, Clone, Copy)]
pub struct Pkgrepo;

const FUNCTIONS: &[&str] = &["managed", "absent"];

impl StateModule for Pkgrepo {
    fn name(&self) -> &'static str {
        "pkgrepo"
    }

    fn functions(&self) -> &'static [&'static str] {
        FUNCTIONS
    }

    fn call(&self, fun: &str, call: &StateCall<'_>) -> StateReturn {
        let redhat = matches!(
            call.ctx.grains.get("os_family").and_then(Value::as_str),
            Some("RedHat") | Some("Suse")
        );
        let res = match (fun, redhat) {
            ("managed", false) => apt_managed(call),
            ("absent", false) => apt_absent(call),
            ("managed", true) => yum_managed(call),
            ("absent", true) => yum_absent(call),
            (other, _) => Err(format!("State 'pkgrepo.{other}' was not found in SLS")),
        };
        res.unwrap_or_else(|e| StateReturn::new(call.name.clone()).fail(e))
    }
}

fn arg<'a>(call: &'a StateCall<'_>, k: &str) -> Option<&'a Value> {
    call.low.get(k).filter(|v| !v.is_none())
}

const MAY_DIFFER: &str = "This may cause pkg states to behave differently than stated if this action is repeated without test=True, due to the differences in the configured repositories.";

/// One sources.list entry.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceLine {
    /// Commented out (`# deb ...`).
    pub disabled: bool,
    /// `deb` or `deb-src`.
    pub kind: String,
    /// Options inside `[...]`, in order.
    pub opts: Vec<String>,
    /// The URI.
    pub uri: String,
    /// The suite (`bookworm`, or `./` for a flat repository).
    pub dist: String,
    /// Components.
    pub comps: Vec<String>,
}

impl SourceLine {
    /// Parses one line; None for blank lines, comments and malformed lines.
    pub fn parse(line: &str) -> Option<SourceLine> {
        let mut t = line.trim();
        let mut disabled = false;
        if let Some(rest) = t.strip_prefix('#') {
            disabled = true;
            t = rest.trim_start();
        }
        let t = t.split(" #").next().unwrap_or(t).trim();
        let (kind, rest) = t.split_once(char::is_whitespace)?;
        if kind != "deb" && kind != "deb-src" {
            return None;
        }
        let mut rest = rest.trim_start();
        let mut opts = Vec::new();
        if let Some(r) = rest.strip_prefix('[') {
            let (inner, after) = r.split_once(']')?;
            opts = inner.split_whitespace().map(String::from).collect();
            rest = after.trim_start();
        }
        let mut words = rest.split_whitespace();
        let uri = words.next()?.to_string();
        let dist = words.next()?.to_string();
        let comps = words.map(String::from).collect();
        Some(SourceLine {
            disabled,
            kind: kind.to_string(),
            opts,
            uri,
            dist,
            comps,
        })
    }

    /// The line as Salt writes it (a trailing space when there are no components).
    pub fn render(&self) -> String {
        let opts = if self.opts.is_empty() {
            String::new()
        } else {
            format!("[{}] ", self.opts.join(" "))
        };
        format!(
            "{}{} {opts}{} {} {}",
            if self.disabled { "# " } else { "" },
            self.kind,
            self.uri,
            self.dist,
            self.comps.join(" ")
        )
    }

    /// Same repository (type, URI, dist).
    pub fn same_repo(&self, o: &SourceLine) -> bool {
        self.kind == o.kind
            && self.uri.trim_end_matches('/') == o.uri.trim_end_matches('/')
            && self.dist == o.dist
    }

    /// Same repository with the same options and component set, enabled.
    pub fn same_config(&self, o: &SourceLine) -> bool {
        let mut a = self.comps.clone();
        let mut b = o.comps.clone();
        a.sort();
        b.sort();
        let mut oa = self.opts.clone();
        let mut ob = o.opts.clone();
        oa.sort();
        ob.sort();
        self.same_repo(o) && a == b && oa == ob && self.disabled == o.disabled
    }

    /// The `signed-by=` option.
    pub fn signed_by(&self) -> Option<&str> {
        self.opts.iter().find_map(|o| o.strip_prefix("signed-by="))
    }
}

/// The one-line-style sources files apt reads.
fn source_files() -> Vec<PathBuf> {
    let mut v = vec![PathBuf::from("/etc/apt/sources.list")];
    if let Ok(rd) = std::fs::read_dir("/etc/apt/sources.list.d") {
        let mut more: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "list"))
            .collect();
        more.sort();
        v.extend(more);
    }
    v
}

/// Fetches key material from `key_url` / `key_text`.
fn fetch_key(call: &StateCall<'_>) -> Result<Option<(Vec<u8>, String)>, String> {
    if let Some(t) = arg(call, "key_text") {
        return Ok(Some((t.to_py_str().into_bytes(), "key".into())));
    }
    let Some(url) = arg(call, "key_url").map(Value::to_py_str) else {
        return Ok(None);
    };
    let stem = Path::new(url.trim_end_matches('/'))
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "key".into());
    let data = if let Some(p) = url.strip_prefix("salt://") {
        let local = call
            .ctx
            .files
            .find(call.saltenv(), p)
            .ok_or_else(|| format!("Error: file not found: {url}"))?;
        std::fs::read(&local).map_err(|e| format!("{url}: {e}"))?
    } else if url.starts_with("http://") || url.starts_with("https://") || url.starts_with("ftp://")
    {
        let o = std::process::Command::new("curl")
            .args(["-fsSL", &url])
            .output()
            .map_err(|e| format!("fetching {url}: {e}"))?;
        if !o.status.success() {
            return Err(format!(
                "Error fetching {url}: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ));
        }
        o.stdout
    } else {
        let p = url.strip_prefix("file://").unwrap_or(&url);
        std::fs::read(p).map_err(|e| format!("{url}: {e}"))?
    };
    Ok(Some((data, stem)))
}

/// Stores key material at `dest`, dearmored (`gpg --dearmor`) when ASCII-armored.
fn store_key(data: &[u8], dest: &Path) -> Result<(), String> {
    let armored = data.starts_with(b"-----BEGIN PGP");
    let bin = if armored {
        use std::io::Write;
        let mut child = std::process::Command::new("gpg")
            .args(["--batch", "--yes", "--dearmor"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| format!("gpg --dearmor: {e}"))?;
        if let Some(mut si) = child.stdin.take() {
            si.write_all(data)
                .map_err(|e| format!("gpg --dearmor: {e}"))?;
        }
        let o = child
            .wait_with_output()
            .map_err(|e| format!("gpg --dearmor: {e}"))?;
        if !o.status.success() {
            return Err(format!(
                "gpg --dearmor failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ));
        }
        o.stdout
    } else {
        data.to_vec()
    };
    if let Some(d) = dest.parent() {
        std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
    }
    std::fs::write(dest, bin).map_err(|e| format!("{}: {e}", dest.display()))
}

fn refresh_wanted(call: &StateCall<'_>) -> bool {
    arg(call, "refresh").is_none_or(crate::exec::is_true)
        && arg(call, "refresh_db").is_none_or(crate::exec::is_true)
}

fn common_checks(call: &StateCall<'_>) -> Option<String> {
    let has = |k: &str| call.low.contains_key(k);
    if has("key_url") && (has("keyid") || has("keyserver")) {
        return Some(
            "You may not use both \"keyid\"/\"keyserver\" and \"key_url\" argument.".into(),
        );
    }
    if has("key_text") && (has("keyid") || has("keyserver")) {
        return Some(
            "You may not use both \"keyid\"/\"keyserver\" and \"key_text\" argument.".into(),
        );
    }
    if has("key_text") && has("key_url") {
        return Some("You may not use both \"key_url\" and \"key_text\" argument.".into());
    }
    if has("repo") {
        return Some("'repo' is not a supported argument for this state. The 'name' argument is probably what was intended.".into());
    }
    if has("enabled") && has("disabled") {
        return Some("Only one of enabled/disabled is allowed".into());
    }
    None
}

fn apt_managed(call: &StateCall<'_>) -> Result<StateReturn, String> {
    let name = call.name.clone();
    let mut ret = StateReturn::new(&name);
    if let Some(e) = common_checks(call) {
        return Ok(ret.fail(e));
    }
    let Some(mut want) = SourceLine::parse(&name) else {
        return Ok(ret.fail(format!(
            "Failed to configure repo '{name}': Malformed repo line: expected 'deb [options] URI suite [components]'"
        )));
    };
    let enabled = match (arg(call, "enabled"), arg(call, "disabled")) {
        (Some(e), _) => crate::exec::is_true(e),
        (None, Some(d)) => !crate::exec::is_true(d),
        _ => true,
    };
    want.disabled = !enabled;
    if let Some(c) = arg(call, "comps") {
        want.comps = match c {
            Value::List(l) => l.iter().map(Value::to_py_str).collect(),
            v => v
                .to_py_str()
                .split(',')
                .map(|s| s.trim().to_string())
                .collect(),
        };
    }
    if let Some(a) = arg(call, "architectures") {
        let archs = match a {
            Value::List(l) => l.iter().map(Value::to_py_str).collect::<Vec<_>>().join(","),
            v => v.to_py_str(),
        };
        want.opts.retain(|o| !o.starts_with("arch="));
        want.opts.insert(0, format!("arch={archs}"));
    }
    if let Some(s) = arg(call, "signedby") {
        want.opts.retain(|o| !o.starts_with("signed-by="));
        want.opts.push(format!("signed-by={}", s.to_py_str()));
    }
    let target = arg(call, "file")
        .map(|f| PathBuf::from(f.to_py_str()))
        .unwrap_or_else(|| PathBuf::from("/etc/apt/sources.list"));

    // Configured already?
    let files = source_files();
    let mut existing: Option<(PathBuf, SourceLine)> = None;
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        for l in text.lines() {
            if let Some(s) = SourceLine::parse(l) {
                if s.same_config(&want) {
                    ret.comment = format!("Package repo '{name}' already configured");
                    return Ok(ret);
                }
                if s.same_repo(&want) && existing.is_none() {
                    existing = Some((f.clone(), s));
                }
            }
        }
    }
    if call.test {
        ret.result = None;
        ret.comment = format!("Package repo '{name}' would be configured. {MAY_DIFFER}");
        match &existing {
            Some((_, pre)) => {
                let mut d = Dict::new();
                d.insert("old", Value::from(pre.render()));
                d.insert("new", Value::from(want.render()));
                ret.changes.insert("line", Value::Dict(d));
            }
            None => {
                ret.changes.insert("repo", Value::from(name.as_str()));
            }
        }
        return Ok(ret);
    }
    // The key first: apt must trust the repo before the refresh.
    match fetch_key(call) {
        Ok(Some((data, stem))) => {
            let dest = want
                .signed_by()
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(format!("/etc/apt/trusted.gpg.d/{stem}.gpg")));
            if let Err(e) = store_key(&data, &dest) {
                return Ok(ret.fail(format!("Failed to configure repo '{name}': {e}")));
            }
        }
        Ok(None) => {}
        Err(e) => return Ok(ret.fail(format!("Failed to configure repo '{name}': {e}"))),
    }
    // Replace the entry in place (or in `file` when given), else append to `file`.
    let mut replaced = false;
    let mut written: Vec<PathBuf> = Vec::new();
    let explicit_file = arg(call, "file").is_some();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let mut out = Vec::new();
        let mut touched = false;
        for l in text.lines() {
            match SourceLine::parse(l) {
                Some(s) if s.same_repo(&want) => {
                    touched = true;
                    if !replaced && (!explicit_file || *f == target) {
                        out.push(want.render());
                        replaced = true;
                    }
                }
                _ => out.push(l.to_string()),
            }
        }
        if touched {
            write_lines(f, &out)?;
            written.push(f.clone());
        }
    }
    if !replaced {
        let mut lines: Vec<String> = std::fs::read_to_string(&target)
            .map(|t| t.lines().map(String::from).collect())
            .unwrap_or_default();
        lines.push(want.render());
        write_lines(&target, &lines)?;
    }
    if refresh_wanted(call) {
        let _ = run(call.ctx, &["apt-get", "-q", "update"]);
    }
    match existing {
        Some((_, pre)) => {
            let mut d = Dict::new();
            d.insert("new", Value::from(want.render()));
            d.insert("old", Value::from(pre.render()));
            ret.changes.insert("line", Value::Dict(d));
        }
        None => {
            ret.changes.insert("repo", Value::from(name.as_str()));
        }
    }
    ret.comment = format!("Configured package repo '{name}'");
    Ok(ret)
}

/// Writes `lines` (newline-terminated); an empty list removes the file (as Salt does for
/// files under sources.list.d).
fn write_lines(path: &Path, lines: &[String]) -> Result<(), String> {
    if lines.iter().all(|l| l.trim().is_empty()) && path != Path::new("/etc/apt/sources.list") {
        return match std::fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        };
    }
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
    }
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn apt_absent(call: &StateCall<'_>) -> Result<StateReturn, String> {
    let name = call.name.clone();
    let mut ret = StateReturn::new(&name);
    let Some(want) = SourceLine::parse(&name) else {
        return Ok(ret.fail(format!("Failed to remove repo {name}: Malformed repo line")));
    };
    let files = source_files();
    let mut hits: Vec<(PathBuf, Vec<String>)> = Vec::new();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let mut out = Vec::new();
        let mut hit = false;
        for l in text.lines() {
            match SourceLine::parse(l) {
                Some(s) if s.same_repo(&want) && !s.disabled => hit = true,
                _ => out.push(l.to_string()),
            }
        }
        if hit {
            hits.push((f.clone(), out));
        }
    }
    if hits.is_empty() {
        ret.comment = format!("Package repo {name} is absent");
        return Ok(ret);
    }
    if call.test {
        ret.result = None;
        ret.comment = format!("Package repo '{name}' will be removed. {MAY_DIFFER}");
        return Ok(ret);
    }
    for (f, lines) in &hits {
        write_lines(f, lines)?;
    }
    ret.changes.insert("repo", Value::from(name.as_str()));
    ret.comment = format!("Removed repo {name}");
    Ok(ret)
}

/// Arguments that are state machinery, not repo options.
const INTERNAL: &[&str] = &[
    "name",
    "file",
    "humanname",
    "state",
    "fun",
    "__id__",
    "__sls__",
    "__env__",
    "order",
    "require",
    "watch",
    "onchanges",
    "onfail",
    "prereq",
    "listen",
    "require_in",
    "watch_in",
    "onchanges_in",
    "onfail_in",
    "prereq_in",
    "listen_in",
    "use",
    "use_in",
    "unless",
    "onlyif",
    "creates",
    "check_cmd",
    "retry",
    "reload_modules",
    "failhard",
    "refresh",
    "refresh_db",
    "saltenv",
    "disabled",
    "enabled",
    "copr",
    "comments",
    "__umask__",
    "__reqs__",
    "sfun",
    "parallel",
    "runas",
    "fire_event",
    "names",
    "__agg__",
];

fn yum_value(v: &Value) -> String {
    match v {
        Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        Value::List(l) => l
            .iter()
            .map(Value::to_py_str)
            .collect::<Vec<_>>()
            .join("\n        "),
        v => v.to_py_str(),
    }
}

/// The `[name]` section wanted: key → value.
fn yum_wanted(call: &StateCall<'_>) -> Vec<(String, String)> {
    let mut kv: Vec<(String, String)> = Vec::new();
    let human = arg(call, "humanname")
        .map(Value::to_py_str)
        .unwrap_or_else(|| call.name.clone());
    kv.push(("name".into(), human));
    let enabled = match (arg(call, "enabled"), arg(call, "disabled")) {
        (Some(e), _) => crate::exec::is_true(e),
        (None, Some(d)) => !crate::exec::is_true(d),
        _ => true,
    };
    for (k, v) in call.low.iter() {
        let k = k.to_json_key();
        if INTERNAL.contains(&k.as_str()) || k.starts_with("__") || v.is_none() {
            continue;
        }
        if matches!(v, Value::Dict(_)) {
            continue;
        }
        kv.push((k, yum_value(v)));
    }
    kv.push(("enabled".into(), if enabled { "1" } else { "0" }.into()));
    kv
}

fn yum_file(call: &StateCall<'_>) -> PathBuf {
    arg(call, "file")
        .map(|f| PathBuf::from(f.to_py_str()))
        .unwrap_or_else(|| PathBuf::from(format!("/etc/yum.repos.d/{}.repo", call.name)))
}

/// Parses a `.repo` file: sections in order with their key/value pairs.
pub fn parse_repo_file(text: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        if let Some(sec) = t.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            out.push((sec.to_string(), Vec::new()));
        } else if let Some((k, v)) = t.split_once('=') {
            if let Some(last) = out.last_mut() {
                last.1.push((k.trim().to_string(), v.trim().to_string()));
            }
        } else if line.starts_with(char::is_whitespace) {
            if let Some((_, kv)) = out.last_mut() {
                if let Some((_, v)) = kv.last_mut() {
                    v.push_str("\n        ");
                    v.push_str(t);
                }
            }
        }
    }
    out
}

/// Renders sections as yum writes them.
pub fn render_repo_file(secs: &[(String, Vec<(String, String)>)]) -> String {
    let mut s = String::new();
    for (i, (name, kv)) in secs.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        s.push_str(&format!("[{name}]\n"));
        for (k, v) in kv {
            s.push_str(&format!("{k}={v}\n"));
        }
    }
    s
}

fn yum_managed(call: &StateCall<'_>) -> Result<StateReturn, String> {
    let name = call.name.clone();
    let mut ret = StateReturn::new(&name);
    if let Some(e) = common_checks(call) {
        return Ok(ret.fail(e));
    }
    if arg(call, "baseurl").is_none()
        && arg(call, "mirrorlist").is_none()
        && arg(call, "metalink").is_none()
    {
        return Ok(ret.fail(format!(
            "Failed to configure repo '{name}': One of 'baseurl', 'mirrorlist' or 'metalink' is required"
        )));
    }
    let path = yum_file(call);
    let mut secs = std::fs::read_to_string(&path)
        .map(|t| parse_repo_file(&t))
        .unwrap_or_default();
    let want = yum_wanted(call);
    let pre = secs
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, kv)| kv.clone());
    let mut diff = Dict::new();
    for (k, v) in &want {
        let old = pre
            .as_ref()
            .and_then(|kv| kv.iter().find(|(pk, _)| pk == k).map(|(_, pv)| pv.clone()));
        if old.as_deref() != Some(v.as_str()) {
            let mut d = Dict::new();
            d.insert("new", Value::from(v.as_str()));
            d.insert("old", old.map(Value::from).unwrap_or(Value::None));
            diff.insert(k.as_str(), Value::Dict(d));
        }
    }
    if pre.is_some() && diff.is_empty() {
        ret.comment = format!("Package repo '{name}' already configured");
        return Ok(ret);
    }
    if call.test {
        ret.result = None;
        ret.comment = format!("Package repo '{name}' would be configured. {MAY_DIFFER}");
        if pre.is_some() {
            ret.changes = diff;
        } else {
            ret.changes.insert("repo", Value::from(name.as_str()));
        }
        return Ok(ret);
    }
    match secs.iter_mut().find(|(n, _)| *n == name) {
        Some((_, kv)) => {
            for (k, v) in &want {
                match kv.iter_mut().find(|(pk, _)| pk == k) {
                    Some(e) => e.1 = v.clone(),
                    None => kv.push((k.clone(), v.clone())),
                }
            }
        }
        None => secs.push((name.clone(), want)),
    }
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
    }
    std::fs::write(&path, render_repo_file(&secs))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if pre.is_some() {
        ret.changes = diff;
    } else {
        ret.changes.insert("repo", Value::from(name.as_str()));
    }
    ret.comment = format!("Configured package repo '{name}'");
    Ok(ret)
}

fn yum_absent(call: &StateCall<'_>) -> Result<StateReturn, String> {
    let name = call.name.clone();
    let mut ret = StateReturn::new(&name);
    let mut found: Option<PathBuf> = None;
    let mut candidates = vec![yum_file(call)];
    if let Ok(rd) = std::fs::read_dir("/etc/yum.repos.d") {
        candidates.extend(rd.flatten().map(|e| e.path()));
    }
    for p in candidates {
        if let Ok(t) = std::fs::read_to_string(&p) {
            if parse_repo_file(&t).iter().any(|(n, _)| *n == name) {
                found = Some(p);
                break;
            }
        }
    }
    let Some(path) = found else {
        ret.comment = format!("Package repo {name} is absent");
        return Ok(ret);
    };
    if call.test {
        ret.result = None;
        ret.comment = format!("Package repo '{name}' will be removed. {MAY_DIFFER}");
        return Ok(ret);
    }
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let secs: Vec<_> = parse_repo_file(&text)
        .into_iter()
        .filter(|(n, _)| *n != name)
        .collect();
    if secs.is_empty() {
        std::fs::remove_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    } else {
        std::fs::write(&path, render_repo_file(&secs))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    ret.changes.insert("repo", Value::from(name.as_str()));
    ret.comment = format!("Removed repo {name}");
    Ok(ret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_lines() {
        let l = SourceLine::parse("deb [signed-by=/etc/apt/keyrings/x.gpg arch=amd64] https://example.org/debian bookworm main contrib").unwrap();
        assert_eq!(l.signed_by(), Some("/etc/apt/keyrings/x.gpg"));
        assert_eq!(l.comps, vec!["main", "contrib"]);
        assert_eq!(
            l.render(),
            "deb [signed-by=/etc/apt/keyrings/x.gpg arch=amd64] https://example.org/debian bookworm main contrib"
        );
        let flat = SourceLine::parse("deb [trusted=yes] file:/opt/r ./").unwrap();
        assert_eq!(flat.render(), "deb [trusted=yes] file:/opt/r ./ ");
        let dis = SourceLine::parse("# deb http://x/ y z").unwrap();
        assert!(dis.disabled);
        assert!(SourceLine::parse("# just a comment").is_none());
        let other = SourceLine::parse("deb [arch=amd64 signed-by=/etc/apt/keyrings/x.gpg] https://example.org/debian/ bookworm contrib main").unwrap();
        assert!(other.same_config(&l));
    }

    #[test]
    fn repo_files() {
        let text = "[epel]\nname=EPEL\nbaseurl=https://mirror/epel/9/\ngpgcheck=1\nenabled=1\n\n[other]\nname=O\nbaseurl=http://a\n  http://b\n";
        let secs = parse_repo_file(text);
        assert_eq!(secs.len(), 2);
        assert_eq!(
            secs[0].1[1],
            ("baseurl".into(), "https://mirror/epel/9/".into())
        );
        assert_eq!(secs[1].1[1].1, "http://a\n        http://b");
        let again = parse_repo_file(&render_repo_file(&secs));
        assert_eq!(again, secs);
    }
}
