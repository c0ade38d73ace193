//! `file.managed` (and the `manage_file` / `check_file_meta` machinery shared with
//! `file.recurse` and `file.serialize`).

use super::util::{self, Owner, Perms};
use super::{arg, arg_bool, arg_str, group_arg, new_ret, parse_salt_url, traverse, user_arg};
use crate::state::{StateCall, StateReturn};
use rsalt_data::{Dict, Value};
use std::fs;
use std::path::{Path, PathBuf};

/// Everything `manage_file` needs.
pub(crate) struct ManageOpts<'a> {
    /// Target path.
    pub name: &'a Path,
    /// Whether a `source` was given (and its bytes, rendered when templated).
    pub sfn: Option<Vec<u8>>,
    /// Literal contents (after newline handling and templating).
    pub contents: Option<Vec<u8>>,
    /// Owner.
    pub user: Option<&'a Owner>,
    /// Group.
    pub group: Option<&'a Owner>,
    /// Normalised mode.
    pub mode: Option<String>,
    /// Create missing parents.
    pub makedirs: bool,
    /// Mode of created parents.
    pub dir_mode: Option<String>,
    /// Put the diff into `changes`.
    pub show_changes: bool,
    /// Follow a symlink at `name`.
    pub follow_symlinks: bool,
    /// test=True.
    pub test: bool,
}

fn read_bytes(p: &Path) -> Option<Vec<u8>> {
    fs::read(p).ok()
}

/// `file.check_file_meta`: the changes test mode predicts.
pub(crate) fn check_file_meta(o: &ManageOpts<'_>) -> Dict {
    let mut changes = Dict::new();
    let Some(st) = util::stats(o.name, o.follow_symlinks) else {
        changes.insert("newfile", Value::from(o.name.display().to_string()));
        return changes;
    };
    let current = read_bytes(o.name).unwrap_or_default();
    if let Some(src) = &o.sfn {
        if *src != current {
            changes.insert("diff", Value::from(util::content_diff(&current, src)));
        }
    }
    if let Some(c) = &o.contents {
        let d = util::content_diff(&current, c);
        if !d.is_empty() {
            changes.insert("diff", Value::from(d));
        }
    }
    if let Some(u) = o.user {
        if !u.matches(&st.user, st.uid) {
            changes.insert("user", u.to_value());
        }
    }
    if let Some(g) = o.group {
        if !g.matches(&st.group, st.gid) {
            changes.insert("group", g.to_value());
        }
    }
    if let Some(m) = &o.mode {
        if *m != st.mode {
            changes.insert("mode", Value::from(m.clone()));
        }
    }
    changes
}

/// `file.manage_file`: writes the file, fixes permissions, fills `ret`.
pub(crate) fn manage_file(ret: &mut StateReturn, o: &ManageOpts<'_>) {
    let name = o.name;
    let name_s = name.display().to_string();
    let exists = name.is_file() || util::is_link(name);
    if exists {
        let real_name: PathBuf = if util::is_link(name) && o.follow_symlinks {
            fs::canonicalize(name).unwrap_or_else(|_| name.to_path_buf())
        } else {
            name.to_path_buf()
        };
        let link_kept = util::is_link(name) && !o.follow_symlinks;
        if let Some(src) = &o.sfn {
            let current = if link_kept {
                None
            } else {
                read_bytes(&real_name)
            };
            if current.as_deref() != Some(src.as_slice()) {
                if !o.show_changes {
                    ret.changes
                        .insert("diff", Value::from("<show_changes=False>"));
                } else {
                    let d = util::content_diff(&current.unwrap_or_default(), src);
                    if !d.is_empty() {
                        ret.changes.insert("diff", Value::from(d));
                    }
                }
                if !link_kept {
                    if let Err(e) = util::copy_into(src, &real_name) {
                        ret.result = Some(false);
                        ret.comment = format!("Failed to commit change: {e}");
                        return;
                    }
                }
            }
        }
        if let Some(c) = &o.contents {
            if !link_kept {
                let current = read_bytes(&real_name).unwrap_or_default();
                let differences = if current == *c {
                    String::new()
                } else if !o.show_changes {
                    "<show_changes=False>".to_string()
                } else {
                    util::content_diff(&current, c)
                };
                if !differences.is_empty() {
                    ret.changes.insert("diff", Value::from(differences));
                    if let Err(e) = util::copy_into(c, &real_name) {
                        ret.result = Some(false);
                        ret.comment = format!("Failed to commit change: {e}");
                        return;
                    }
                }
            }
        }
        if link_kept {
            let data = o
                .sfn
                .clone()
                .or_else(|| o.contents.clone())
                .unwrap_or_default();
            let _ = fs::remove_file(name);
            if let Err(e) = util::copy_into(&data, name) {
                ret.result = Some(false);
                ret.comment = format!("Failed to commit change: {e}");
                return;
            }
            ret.changes.insert(
                "diff",
                Value::from("Replace symbolic link with regular file"),
            );
        }
        let perms = Perms {
            user: o.user,
            group: o.group,
            mode: o.mode.as_deref(),
            follow_symlinks: o.follow_symlinks,
        };
        util::check_perms(
            name,
            &mut ret.changes,
            &mut ret.result,
            &mut ret.comment,
            &perms,
            o.test,
        );
        if !ret.changes.is_empty() {
            ret.comment = format!("File {name_s} updated");
        } else if ret.result == Some(true) {
            ret.comment = format!("File {name_s} is in the correct state");
        }
        return;
    }
    // The target does not exist.
    let parent_ok = name.parent().is_some_and(Path::is_dir);
    let make_parents = |ret: &mut StateReturn| -> bool {
        if parent_ok {
            return true;
        }
        if !o.makedirs {
            ret.changes.remove("diff");
            ret.result = Some(false);
            ret.comment = "Parent directory not present".into();
            return false;
        }
        let dir_mode = match (&o.dir_mode, &o.mode) {
            (Some(d), _) => Some(util::normalize_mode_str(d)),
            (None, Some(m)) => Some(util::normalize_mode_str(&util::dir_mode_from_file_mode(m))),
            (None, None) => None,
        };
        if let Err(e) = util::makedirs_parent(name, o.user, o.group, dir_mode.as_deref()) {
            ret.result = Some(false);
            ret.comment = e;
            return false;
        }
        true
    };
    let mask = util::umask();
    if let Some(src) = &o.sfn {
        ret.changes.insert("diff", Value::from("New file"));
        if !make_parents(ret) {
            return;
        }
        if let Err(e) = util::copy_into(src, name) {
            ret.result = Some(false);
            ret.comment = e;
            return;
        }
    } else {
        if !make_parents(ret) {
            return;
        }
        let touch_mask = if o.mode.is_some() { 0o077 } else { mask };
        let bits = 0o666 & !touch_mask;
        if let Err(e) = util::touch_new(name, bits) {
            ret.result = Some(false);
            ret.comment = if o.contents.is_none() {
                format!("Empty file {name_s} not created")
            } else {
                format!("File {name_s} not created")
            };
            tracing::debug!("touch {name_s}: {e}");
            return;
        }
        if o.contents.is_none() {
            ret.changes
                .insert("new", Value::from(format!("file {name_s} created")));
            ret.comment = "Empty file".into();
        } else {
            ret.changes.insert("diff", Value::from("New file"));
        }
        if let Some(c) = &o.contents {
            if let Err(e) = util::copy_into(c, name) {
                ret.result = Some(false);
                ret.comment = format!("Failed to commit change: {e}");
                return;
            }
        }
    }
    let mode = o
        .mode
        .clone()
        .unwrap_or_else(|| util::mode_str((0o777 ^ mask) & 0o666));
    let perms = Perms {
        user: o.user,
        group: o.group,
        mode: Some(&mode),
        follow_symlinks: false,
    };
    util::check_perms(
        name,
        &mut ret.changes,
        &mut ret.result,
        &mut ret.comment,
        &perms,
        false,
    );
    if ret.comment.is_empty() {
        ret.comment = format!("File {name_s} updated");
    }
}

/// A resolved `source`: the URL as written and where its bytes come from.
pub(crate) enum Src {
    /// `salt://path` in an environment.
    Salt {
        url: String,
        path: String,
        env: String,
    },
    /// A local file (`/path` or `file:///path`).
    Local { url: String, path: PathBuf },
}

impl Src {
    pub(crate) fn url(&self) -> &str {
        match self {
            Src::Salt { url, .. } | Src::Local { url, .. } => url,
        }
    }
}

fn classify(url: &str, saltenv: &str) -> Result<Src, String> {
    if url.starts_with("salt://") {
        let (path, env) = parse_salt_url(url);
        return Ok(Src::Salt {
            url: url.to_string(),
            path,
            env: env.unwrap_or_else(|| saltenv.to_string()),
        });
    }
    if let Some(p) = url.strip_prefix("file://") {
        return Ok(Src::Local {
            url: url.to_string(),
            path: PathBuf::from(p),
        });
    }
    if url.starts_with('/') {
        return Ok(Src::Local {
            url: url.to_string(),
            path: PathBuf::from(url),
        });
    }
    if url.contains("://") {
        return Err(format!(
            "Unable to manage file: remote source {url} is not supported by rsalt"
        ));
    }
    Err(format!("Invalid source {url}"))
}

/// `file.source_list`: picks the first existing source of a list (strings or
/// one-key `{url: hash}` dicts); a single string is used as is.
pub(crate) fn source_list(call: &StateCall<'_>, source: &Value) -> Result<Src, String> {
    let saltenv = call.saltenv();
    match source {
        Value::List(items) => {
            for item in items {
                let url = match item {
                    Value::Dict(d) if d.len() == 1 => d
                        .iter()
                        .next()
                        .map(|(k, _)| k.to_json_key())
                        .unwrap_or_default(),
                    Value::Dict(_) => continue,
                    other => other.to_py_str(),
                };
                let Ok(src) = classify(&url, saltenv) else {
                    continue;
                };
                let found = match &src {
                    Src::Salt { path, env, .. } => {
                        call.ctx.files.find(env, path).is_some()
                            || !call.ctx.files.list_dirs(env, path).is_empty()
                    }
                    Src::Local { path, .. } => path.exists(),
                };
                if found {
                    return Ok(src);
                }
            }
            Err("none of the specified sources were found".into())
        }
        other => classify(&other.to_py_str(), saltenv),
    }
}

/// Reads a source's bytes; the error is Salt's comment.
pub(crate) fn fetch_source(call: &StateCall<'_>, src: &Src) -> Result<Vec<u8>, String> {
    match src {
        Src::Salt { url, path, env } => call
            .ctx
            .files
            .find(env, path)
            .and_then(|p| fs::read(p).ok())
            .ok_or_else(|| format!("Source file {url} not found in saltenv '{env}'")),
        Src::Local { path, .. } => fs::read(path)
            .map_err(|_| format!("Local file source {} does not exist", path.display())),
    }
}

/// Keys of `file.managed`'s signature: everything else in the chunk reaches templates as
/// `**kwargs`.
const MANAGED_ARGS: &[&str] = &[
    "name",
    "source",
    "source_hash",
    "source_hash_name",
    "keep_source",
    "user",
    "group",
    "mode",
    "attrs",
    "template",
    "makedirs",
    "dir_mode",
    "context",
    "replace",
    "defaults",
    "backup",
    "show_changes",
    "create",
    "contents",
    "tmp_dir",
    "tmp_ext",
    "contents_pillar",
    "contents_grains",
    "contents_newline",
    "contents_delimiter",
    "encoding",
    "encoding_errors",
    "allow_empty",
    "follow_symlinks",
    "check_cmd",
    "skip_verify",
    "selinux",
    "win_owner",
    "win_perms",
    "win_deny_perms",
    "win_inheritance",
    "win_perms_reset",
    "verify_ssl",
    "use_etag",
    "signature",
    "source_hash_sig",
    "signed_by_any",
    "signed_by_all",
    "keyring",
    "gnupghome",
    "state",
    "fun",
    "order",
    "require",
    "watch",
    "prereq",
    "onchanges",
    "onfail",
    "use",
    "listen",
    "require_in",
    "watch_in",
    "prereq_in",
    "onchanges_in",
    "onfail_in",
    "use_in",
    "listen_in",
    "unless",
    "onlyif",
    "creates",
    "check_cmd",
    "retry",
    "reload_modules",
    "failhard",
    "names",
    "parallel",
];

/// Renders a Jinja template the way `file.managed` does: the base context, then the
/// call's extra keywords, then `defaults` updated by `context`.
pub(crate) fn render_template(
    call: &StateCall<'_>,
    template: &str,
    text: &str,
    tpl_path: &str,
    extra: &Dict,
    defaults: Option<&Dict>,
    context: Option<&Dict>,
) -> Result<String, String> {
    if !template.eq_ignore_ascii_case("jinja") {
        return Err(format!(
            "Specified template format {template} is not supported"
        ));
    }
    let saltenv = call.saltenv();
    let mut ctx = call.ctx.template_context(None, tpl_path, saltenv);
    for (k, v) in extra.iter() {
        ctx.insert(k.clone(), v.clone());
    }
    if let Some(d) = defaults {
        for (k, v) in d.iter() {
            ctx.insert(k.clone(), v.clone());
        }
    }
    if let Some(c) = context {
        for (k, v) in c.iter() {
            ctx.insert(k.clone(), v.clone());
        }
    }
    rsalt_sls::jinja::render(&call.ctx.jinja, text, tpl_path, saltenv, &ctx)
        .map_err(|e| e.to_string())
}

/// Joins a contents value the way `file.managed` does: every line gets a newline.
pub(crate) fn contents_text(v: &Value) -> Option<String> {
    let parts: Vec<String> = match v {
        Value::List(items) => items.iter().map(Value::to_py_str).collect(),
        other => vec![other.to_py_str()],
    };
    if parts.is_empty() {
        return None;
    }
    let mut out = String::new();
    for part in parts {
        for line in util::py_splitlines(&part, false) {
            out.push_str(line.trim_end_matches('\n').trim_end_matches('\r'));
            out.push('\n');
        }
    }
    Some(out)
}

fn lookup_contents(call: &StateCall<'_>, key: &str, from_pillar: bool) -> Result<Value, String> {
    let delim = arg_str(call, "contents_delimiter").unwrap_or_else(|| ":".into());
    let data = if from_pillar {
        Value::Dict(call.ctx.pillar())
    } else {
        Value::Dict((*call.ctx.grains).clone())
    };
    let get = |k: &str| traverse(&data, k, &delim);
    let label = if from_pillar { "Pillar" } else { "Grain" };
    match arg(call, key) {
        Some(Value::List(keys)) => {
            let mut parts = Vec::new();
            for k in keys {
                let k = k.to_py_str();
                match get(&k) {
                    Some(v) => parts.push(v.to_py_str()),
                    None => return Err(format!("{label} {k} does not exist")),
                }
            }
            Ok(Value::Str(parts.join("\n")))
        }
        Some(v) => {
            let k = v.to_py_str();
            get(&k).ok_or_else(|| format!("{label} {k} does not exist"))
        }
        None => Ok(Value::None),
    }
}

/// Runs `check_cmd` against `path`; `Err(comment)` when it fails.
pub(crate) fn run_check_cmd(call: &StateCall<'_>, cmd: &str, path: &Path) -> Result<(), String> {
    let full = format!("{cmd} {}", path.display());
    let (rc, out, err) =
        match call
            .ctx
            .caller
            .call("cmd.run_all", vec![Value::from(full.clone())], Dict::new())
        {
            Ok(v) => (
                v.get("retcode").and_then(Value::as_int).unwrap_or(1),
                v.get("stdout").map(Value::to_py_str).unwrap_or_default(),
                v.get("stderr").map(Value::to_py_str).unwrap_or_default(),
            ),
            Err(_) => {
                let parts: Vec<&str> = full.split_whitespace().collect();
                let Some((prog, rest)) = parts.split_first() else {
                    return Err("check_cmd execution failed".into());
                };
                match std::process::Command::new(prog).args(rest).output() {
                    Ok(o) => (
                        i64::from(o.status.code().unwrap_or(1)),
                        String::from_utf8_lossy(&o.stdout).trim_end().to_string(),
                        String::from_utf8_lossy(&o.stderr).trim_end().to_string(),
                    ),
                    Err(e) => (1, String::new(), e.to_string()),
                }
            }
        };
    if rc == 0 {
        return Ok(());
    }
    let mut c = "check_cmd execution failed".to_string();
    if !out.is_empty() {
        c.push('\n');
        c.push_str(&out);
    }
    if !err.is_empty() {
        c.push('\n');
        c.push_str(&err);
    }
    Err(c)
}

fn dict_arg<'a>(call: &'a StateCall<'_>, key: &str) -> Result<Option<&'a Dict>, ()> {
    match arg(call, key) {
        None => Ok(None),
        Some(Value::Dict(d)) => Ok(Some(d)),
        Some(v) if !v.truthy() => Ok(None),
        Some(_) => Err(()),
    }
}

/// `file.managed`.
pub(crate) fn managed(call: &StateCall<'_>) -> StateReturn {
    let (mut ret, name) = new_ret(call);
    let name_s = ret.name.clone();
    if name_s.is_empty() {
        return ret.fail("Destination file name is required");
    }
    let mut mode_v = arg(call, "mode").cloned();
    let keep_mode = matches!(&mode_v, Some(Value::Str(s)) if s.eq_ignore_ascii_case("keep"));
    if keep_mode {
        mode_v = None;
    }
    let mut mode = util::normalize_mode(mode_v.as_ref());
    let source = arg(call, "source").filter(|v| v.truthy());
    let contents_count = ["contents", "contents_pillar", "contents_grains"]
        .iter()
        .filter(|k| arg(call, k).is_some())
        .count();
    if source.is_some() && contents_count > 0 {
        return ret.fail(
            "'source' cannot be used in combination with 'contents', 'contents_pillar', or 'contents_grains'",
        );
    } else if keep_mode && contents_count > 0 {
        return ret.fail(
            "Mode preservation cannot be used in combination with 'contents', 'contents_pillar', or 'contents_grains'",
        );
    } else if contents_count > 1 {
        return ret
            .fail("Only one of 'contents', 'contents_pillar', and 'contents_grains' is permitted");
    }
    let mut replace = arg_bool(call, "replace", true);
    if source.is_none() && contents_count == 0 {
        replace = false;
    }
    if call.low.contains_key("file_mode") {
        ret.extra.insert(
            "warnings",
            Value::List(vec![Value::from(
                "The 'file_mode' argument will be ignored.  Please use 'mode' instead to set file permissions.",
            )]),
        );
    }
    let use_contents = if arg(call, "contents_pillar").is_some() {
        match lookup_contents(call, "contents_pillar", true) {
            Ok(v) => Some(v),
            Err(e) => return ret.fail(e),
        }
    } else if arg(call, "contents_grains").is_some() {
        match lookup_contents(call, "contents_grains", false) {
            Ok(v) => Some(v),
            Err(e) => return ret.fail(e),
        }
    } else {
        arg(call, "contents").cloned()
    };
    let template = arg_str(call, "template").filter(|t| !t.is_empty());
    let (defaults, context) = match (dict_arg(call, "defaults"), dict_arg(call, "context")) {
        (_, Err(())) => return ret.fail("Context must be formed as a dict"),
        (Err(()), _) => return ret.fail("Defaults must be formed as a dict"),
        (Ok(d), Ok(c)) => (d.cloned(), c.cloned()),
    };
    let mut context = context;
    let mut contents: Option<String> = None;
    if let Some(uc) = &use_contents {
        if !arg_bool(call, "allow_empty", true) && !uc.truthy() {
            let id = if let Some(p) = arg(call, "contents_pillar") {
                format!("contents_pillar {}", p.to_py_str())
            } else if let Some(g) = arg(call, "contents_grains") {
                format!("contents_grains {}", g.to_py_str())
            } else {
                "'contents'".into()
            };
            return ret.fail(format!(
                "{id} value would result in empty contents. Set allow_empty to True to allow the managed file to be empty."
            ));
        }
        let Some(mut text) = contents_text(uc) else {
            return ret.fail(
                "Contents specified by contents/contents_pillar/contents_grains is not a string or list of strings, and is not binary data. SLS is likely malformed.",
            );
        };
        if !arg_bool(call, "contents_newline", true) {
            text = text
                .trim_end_matches('\n')
                .trim_end_matches('\r')
                .to_string();
        }
        if let Some(t) = &template {
            match render_template(
                call,
                t,
                &text,
                "<contents>",
                &Dict::new(),
                defaults.as_ref(),
                context.as_ref(),
            ) {
                Ok(s) => text = s,
                Err(e) => return ret.fail(e),
            }
        }
        contents = Some(text);
    }
    let user = user_arg(call);
    let group = group_arg(call);
    if !arg_bool(call, "create", true) && !name.is_file() {
        return ret.with_comment(format!(
            "File {name_s} is not present and is not set for creation"
        ));
    }
    let u_check = util::check_user(user.as_ref(), group.as_ref(), call.test);
    if !u_check.is_empty() {
        return ret.fail(u_check);
    }
    if !name.is_absolute() {
        return ret.fail(format!("Specified file {name_s} is not an absolute path"));
    }
    if name.is_dir() {
        return ret.fail(format!("Specified target {name_s} is a directory"));
    }
    let follow_symlinks = arg_bool(call, "follow_symlinks", true);
    if !replace && util::lexists(&name) {
        let perms = Perms {
            user: user.as_ref(),
            group: group.as_ref(),
            mode: mode.as_deref(),
            follow_symlinks,
        };
        let lmode = util::check_perms(
            &name,
            &mut ret.changes,
            &mut ret.result,
            &mut ret.comment,
            &perms,
            call.test,
        );
        if call.test {
            ret.comment = match (&mode, &lmode) {
                (Some(m), Some(l)) if m != l => format!(
                    "File {name_s} will be updated with permissions {m} from its current state of {l}"
                ),
                _ => format!("File {name_s} not updated"),
            };
        } else if ret.changes.is_empty() && ret.result == Some(true) {
            ret.comment = format!("File {name_s} exists with proper permissions. No changes made.");
        }
        return ret;
    }
    if let Some(acc) = super::accumulated::get(&name_s) {
        context
            .get_or_insert_with(Dict::new)
            .insert("accumulator", Value::Dict(acc));
    }
    // Resolve and fetch the source (rendering templates).
    let mut sfn: Option<Vec<u8>> = None;
    let mut source_url: Option<String> = None;
    if let Some(sv) = source {
        let src = match source_list(call, sv) {
            Ok(s) => s,
            Err(e) => {
                return ret.fail(if e.starts_with("Unable") {
                    e
                } else {
                    format!("Unable to manage file: {e}")
                })
            }
        };
        source_url = Some(src.url().to_string());
        let data = match fetch_source(call, &src) {
            Ok(d) => d,
            Err(e) => {
                return ret.fail(e);
            }
        };
        if keep_mode {
            let p = match &src {
                Src::Salt { path, env, .. } => call.ctx.files.find(env, path),
                Src::Local { path, .. } => Some(path.clone()),
            };
            if let Some(st) = p.and_then(|p| util::stats(&p, true)) {
                mode = Some(st.mode);
            }
        }
        let data = if let Some(t) = &template {
            let tpl_path = match &src {
                Src::Salt { path, .. } => path.clone(),
                Src::Local { path, .. } => path.display().to_string(),
            };
            let mut extra = Dict::new();
            extra.insert("name", Value::from(name_s.clone()));
            extra.insert("source", Value::from(src.url()));
            extra.insert("user", arg(call, "user").cloned().unwrap_or_default());
            extra.insert("group", arg(call, "group").cloned().unwrap_or_default());
            extra.insert("mode", mode.clone().map(Value::from).unwrap_or_default());
            extra.insert("attrs", arg(call, "attrs").cloned().unwrap_or_default());
            for (k, v) in call.low.iter() {
                let ks = k.to_json_key();
                if !ks.starts_with("__") && !MANAGED_ARGS.contains(&ks.as_str()) {
                    extra.insert(k.clone(), v.clone());
                }
            }
            let text = util::decode(&data);
            match render_template(
                call,
                t,
                &text,
                &tpl_path,
                &extra,
                defaults.as_ref(),
                context.as_ref(),
            ) {
                Ok(s) => s.into_bytes(),
                Err(e) => return ret.fail(format!("Unable to manage file: {e}")),
            }
        } else {
            data
        };
        sfn = Some(data);
    }
    let _ = source_url;
    let opts = ManageOpts {
        name: &name,
        sfn,
        contents: contents.map(String::into_bytes),
        user: user.as_ref(),
        group: group.as_ref(),
        mode,
        makedirs: arg_bool(call, "makedirs", false),
        dir_mode: arg(call, "dir_mode").and_then(|v| util::normalize_mode(Some(v))),
        show_changes: arg_bool(call, "show_changes", true),
        follow_symlinks,
        test: call.test,
    };
    if call.test {
        ret.changes = check_file_meta(&opts);
        if !ret.changes.is_empty() {
            ret.result = None;
            ret.comment = format!(
                "The file {name_s} is set to be changed\nNote: No changes made, actual changes may\nbe different due to other states."
            );
            if ret.changes.contains_key("diff") && !opts.show_changes {
                ret.changes
                    .insert("diff", Value::from("<show_changes=False>"));
            }
        } else {
            ret.result = Some(true);
            ret.comment = format!("The file {name_s} is in the correct state");
        }
        return ret;
    }
    if let Some(cmd) = arg_str(call, "check_cmd") {
        let new_data = opts
            .sfn
            .clone()
            .or_else(|| opts.contents.clone())
            .unwrap_or_default();
        let current = fs::read(&name).ok();
        if current.as_deref() != Some(new_data.as_slice()) {
            let dir = std::env::temp_dir();
            match util::write_temp_in(&dir, "__salt.tmp.", &new_data) {
                Ok(tmp) => {
                    let r = run_check_cmd(call, &cmd, &tmp);
                    let _ = fs::remove_file(&tmp);
                    if let Err(c) = r {
                        ret.comment = c;
                        ret.result = Some(false);
                        ret.extra.insert("skip_watch", Value::Bool(true));
                        return ret;
                    }
                }
                Err(e) => return ret.fail(format!("Unable to check_cmd file: {e}")),
            }
        }
    }
    manage_file(&mut ret, &opts);
    ret
}
