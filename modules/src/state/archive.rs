//! The `archive` state module (salt/states/archive.py): `extracted`, on top of
//! [`crate::exec::archive`].
//!
//! Supported: tar (any compression GNU tar detects) and zip archives; `source` as
//! `salt://`, a local path, `file://`, or `http(s)://` (downloaded with curl into the
//! cache); `source_hash` as `type=hash`, a bare hash, or a hash file (path or URL, with
//! `source_hash_name`); `source_hash_update`, `skip_verify`, `enforce_toplevel`,
//! `if_missing`, `trim_output`, `options` (tar CLI options, `--strip-components`),
//! `overwrite`, `force`, `clean`, `clean_parent`, `user`/`group` (+
//! `enforce_ownership_on`), `keep_source`.
//!
//! As in Salt: with a remote source, `test=True` never inspects the archive ("would be
//! cached (if necessary) and checked"), and a successful extraction's comment always
//! ends with `. Output was trimmed to <trim_output> number of lines` (Salt prints
//! `False` when trimming is off). Not supported: rar, password-protected zips, gpg
//! signatures, `use_etag`.

use super::{StateCall, StateModule, StateReturn};
use crate::exec::archive::{self as ar, Contents, SourceSum};
use crate::exec::cmd::{getgrnam, getpwnam};
use crate::exec::sysutil::{self, arg, arg_bool, arg_str};
use rsalt_data::Value;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The `archive` state module.
#[derive(Debug, Default, Clone, Copy)]
pub struct Archive;

impl StateModule for Archive {
    fn name(&self) -> &'static str {
        "archive"
    }

    fn functions(&self) -> &'static [&'static str] {
        &["extracted"]
    }

    fn required_args(&self, fun: &str) -> &'static [&'static str] {
        match fun {
            "extracted" => &["source"],
            _ => &[],
        }
    }

    fn call(&self, fun: &str, call: &StateCall<'_>) -> StateReturn {
        match fun {
            "extracted" => extracted(call),
            other => StateReturn::new(call.name.clone())
                .fail(format!("State 'archive.{other}' was not found")),
        }
    }
}

fn rm_rf(p: &Path) -> std::io::Result<()> {
    crate::state::file::util::remove_path(p)
}

fn list_names(v: &[String]) -> Value {
    Value::List(v.iter().map(|s| Value::from(s.as_str())).collect())
}

fn push_removed(ret: &mut StateReturn, path: &str) {
    let mut l = match ret.changes.remove("removed") {
        Some(Value::List(l)) => l,
        _ => Vec::new(),
    };
    l.push(Value::from(path));
    ret.changes.insert("removed", Value::List(l));
}

/// `_checksum_file_path`: `{cachedir}/archive_hash/<path relative to cachedir>.hash`, or
/// `.../archive_hash/local/<abs path>` for files outside the cache.
fn checksum_file(call: &StateCall<'_>, cached: &Path) -> PathBuf {
    let cd = PathBuf::from(
        call.ctx
            .opt("cachedir")
            .map(Value::to_py_str)
            .unwrap_or_else(|| "/var/cache/salt/minion".into()),
    );
    let rel = match cached.strip_prefix(&cd) {
        Ok(r) => PathBuf::from(format!("{}.hash", r.display())),
        Err(_) => Path::new("local").join(cached.to_string_lossy().trim_start_matches('/')),
    };
    cd.join("archive_hash").join(rel)
}

fn read_cached_checksum(call: &StateCall<'_>, cached: &Path, form: &str) -> Option<SourceSum> {
    let text = std::fs::read_to_string(checksum_file(call, cached)).ok()?;
    text.lines().find_map(|l| {
        let (t, h) = l.split_once(':')?;
        (t == form).then(|| SourceSum {
            hsum: h.to_string(),
            hash_type: t.to_string(),
        })
    })
}

fn update_checksum(call: &StateCall<'_>, cached: &Path, form: &str) {
    let Some(h) = ar::file_hash(call.ctx, cached, form) else {
        return;
    };
    let f = checksum_file(call, cached);
    if let Some(d) = f.parent() {
        let _ = std::fs::create_dir_all(d);
    }
    let mut lines: Vec<(String, String)> = std::fs::read_to_string(&f)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            l.split_once(':')
                .map(|(a, b)| (a.to_string(), b.to_string()))
        })
        .collect();
    match lines.iter_mut().find(|(t, _)| t == form) {
        Some(l) => l.1 = h,
        None => lines.push((form.to_string(), h)),
    }
    let text: String = lines.iter().map(|(t, h)| format!("{t}:{h}\n")).collect();
    let _ = std::fs::write(f, text);
}

/// Ownership to enforce: (uid, gid), -1 meaning "leave".
fn chown_tree(p: &Path, uid: Option<u32>, gid: Option<u32>, test: bool) -> Result<bool, String> {
    let mut changed = false;
    let mut stack = vec![p.to_path_buf()];
    while let Some(cur) = stack.pop() {
        let md = std::fs::symlink_metadata(&cur).map_err(|e| e.to_string())?;
        let need = uid.is_some_and(|u| u != md.uid()) || gid.is_some_and(|g| g != md.gid());
        if need {
            changed = true;
            if !test {
                std::os::unix::fs::lchown(&cur, uid, gid).map_err(|e| e.to_string())?;
            }
        }
        if md.is_dir() {
            for e in std::fs::read_dir(&cur)
                .map_err(|e| e.to_string())?
                .flatten()
            {
                stack.push(e.path());
            }
        }
    }
    Ok(changed)
}

enum Source {
    Local(PathBuf),
    Remote(String),
}

#[allow(clippy::too_many_lines)]
fn extracted(call: &StateCall<'_>) -> StateReturn {
    let mut ret = StateReturn::new(call.name.clone());
    ret.result = Some(false);
    let low = call.low;
    let test = call.test;
    let saltenv = call.saltenv().to_string();
    let skip_verify = arg_bool(low, "skip_verify", false);
    if arg_bool(low, "skip_files_list_verify", false) && skip_verify {
        ret.comment =
            "Only one of \"skip_files_list_verify\" and \"skip_verify\" can be set to True".into();
        return ret;
    }
    let keep_source = if low.contains_key("keep_source") {
        arg_bool(low, "keep_source", true)
    } else {
        arg_bool(low, "keep", true)
    };
    // name
    let raw_name = call.name.clone();
    if !raw_name.starts_with('/') {
        ret.comment = format!("{raw_name} is not an absolute path");
        return ret;
    }
    let mut name = raw_name.trim_end_matches('/').to_string();
    if Path::new(&name).is_file() {
        ret.comment = format!("{name} exists and is not a directory");
        return ret;
    }
    name.push('/');
    let if_missing = arg_str(low, "if_missing");
    if if_missing.as_deref().is_some_and(|p| !p.starts_with('/')) {
        ret.comment = "Value for 'if_missing' is not an absolute path".into();
        return ret;
    }
    let enforce_on = arg_str(low, "enforce_ownership_on");
    if let Some(e) = &enforce_on {
        if !e.starts_with('/') {
            ret.comment = "Value for 'enforce_ownership_on' is not an absolute path".into();
            return ret;
        }
        if !Path::new(e).starts_with(&name) {
            ret.comment = format!("Value for 'enforce_ownership_on' must be within {name}");
            return ret;
        }
    }
    if let Some(p) = &if_missing {
        if Path::new(p).exists() {
            ret.result = Some(true);
            ret.comment = format!("Path {p} exists");
            return ret;
        }
    }
    let user = arg_str(low, "user");
    let group = arg_str(low, "group");
    let mut uid = None;
    let mut gid = None;
    if let Some(u) = &user {
        match getpwnam(u) {
            Some(pw) => uid = Some(pw.uid),
            None => {
                ret.comment = format!("User {u} does not exist");
                return ret;
            }
        }
    }
    if let Some(g) = &group {
        match getgrnam(g) {
            Some(id) => gid = Some(id),
            None => {
                ret.comment = format!("Group {g} does not exist");
                return ret;
            }
        }
    }
    let source_hash = arg_str(low, "source_hash").filter(|s| !s.is_empty());
    let source_hash_update = arg_bool(low, "source_hash_update", false);
    if source_hash_update && source_hash.is_none() {
        ret.extra.insert(
            "warnings",
            Value::List(vec![Value::from(
                "The 'source_hash_update' argument is ignored when 'source_hash' is not also specified.",
            )]),
        );
    }
    // source (a list: the first that exists, as file.source_list)
    let source_val = arg(low, "source").cloned().unwrap_or(Value::None);
    let source_match = match &source_val {
        Value::List(items) => items
            .iter()
            .map(|i| match i {
                Value::Dict(d) => d
                    .iter()
                    .next()
                    .map(|(k, _)| k.to_string())
                    .unwrap_or_default(),
                v => v.to_py_str(),
            })
            .find(|u| {
                if u.starts_with("salt://") {
                    let (p, e) = crate::state::file::parse_salt_url(u);
                    call.ctx
                        .files
                        .find(e.as_deref().unwrap_or(&saltenv), &p)
                        .is_some()
                } else if let Some(p) = u.strip_prefix("file://") {
                    Path::new(p).exists()
                } else if u.starts_with('/') {
                    Path::new(u).exists()
                } else {
                    u.contains("://")
                }
            })
            .unwrap_or_default(),
        Value::None => String::new(),
        v => v.to_py_str(),
    };
    if source_match.is_empty() {
        ret.comment = format!("Invalid source \"{}\"", source_val.to_py_str());
        return ret;
    }
    let source = if source_match.starts_with('/') {
        Source::Local(PathBuf::from(&source_match))
    } else if let Some(p) = source_match.strip_prefix("file://") {
        Source::Local(PathBuf::from(p))
    } else if ["salt://", "http://", "https://", "ftp://"]
        .iter()
        .any(|p| source_match.starts_with(p))
    {
        Source::Remote(source_match.clone())
    } else {
        ret.comment = format!("Invalid source \"{source_match}\"");
        return ret;
    };
    if let Source::Local(p) = &source {
        if !p.is_file() {
            ret.comment = format!("Source file '{}' does not exist", p.display());
            return ret;
        }
    }
    let basename_src = source_match
        .split(['?', '#'])
        .next()
        .unwrap_or(&source_match)
        .to_string();
    let archive_format = match arg_str(low, "archive_format") {
        Some(f) => f.to_lowercase(),
        None => match ar::guess_archive_type(&basename_src) {
            Some(f) => f.to_string(),
            None => {
                ret.comment = "Could not guess archive_format from the value of the 'source' argument. Please set this archive_format to one of the following: tar, rar, zip".into();
                return ret;
            }
        },
    };
    if !["tar", "rar", "zip"].contains(&archive_format.as_str()) {
        ret.comment = format!("Invalid archive_format '{archive_format}'. Either set it to a supported value (tar, rar, zip) or remove this argument and the archive format will be guessed based on file extension.");
        return ret;
    }
    if archive_format == "rar" {
        ret.comment =
            "archive.unrar function not available, rar/unrar might not be installed on minion"
                .into();
        return ret;
    }
    let options = arg(low, "options").map(Value::to_py_str);
    let mut strip_components = None;
    if let (Some(o), "tar") = (&options, archive_format.as_str()) {
        if let Ok(re) = regex::Regex::new(r#"--strip(?:-components)?(?:\s+|=)["']?(\d+)["']?"#) {
            strip_components = re.captures(o).and_then(|c| c[1].parse::<usize>().ok());
        }
    }
    let trim_output: Option<usize>;
    let trim_display: String;
    match low.get("trim_output") {
        None | Some(Value::Bool(false)) | Some(Value::None) => {
            trim_output = None;
            trim_display = "False".into();
        }
        Some(Value::Bool(true)) => {
            trim_output = Some(100);
            trim_display = "100".into();
        }
        Some(v) => match v.to_py_str().trim().parse::<i64>() {
            Ok(n) => {
                trim_output = (n > 0).then_some(n as usize);
                trim_display = n.to_string();
            }
            Err(_) => {
                ret.comment =
                    "Invalid value for trim_output, must be True/False or an integer".into();
                return ret;
            }
        },
    }
    let source_sum = match &source_hash {
        Some(sh) => match ar::get_source_sum(
            call.ctx,
            &basename_src,
            sh,
            arg_str(low, "source_hash_name").as_deref(),
            &saltenv,
        ) {
            Ok(s) => Some(s),
            Err(e) => {
                ret.comment = e.to_string();
                return ret;
            }
        },
        None => None,
    };
    // cache the source
    let cached = match &source {
        Source::Local(p) => p.clone(),
        Source::Remote(url) => {
            if test {
                ret.result = None;
                ret.comment = format!("Archive {url} would be cached (if necessary) and checked to discover if extraction is needed");
                return ret;
            }
            let path = match ar::cache_file(call.ctx, url, &saltenv) {
                Ok(p) => p,
                Err(_) => {
                    ret.comment =
                        format!("Failed to cache {url}, check minion log for more information");
                    return ret;
                }
            };
            if let (Some(sum), false) = (&source_sum, skip_verify) {
                let actual = ar::file_hash(call.ctx, &path, &sum.hash_type).unwrap_or_default();
                if actual != sum.hsum {
                    let mut h = rsalt_data::Dict::new();
                    h.insert("new", Value::from(actual.as_str()));
                    h.insert("old", Value::None);
                    ret.changes.insert("hash", Value::Dict(h));
                    ret.comment = format!(
                        "File is cached to {}, but the hash ({actual}) does not match the specified hash ({})",
                        path.display(),
                        sum.hsum
                    );
                    return ret;
                }
            }
            path
        }
    };
    let hash_form = source_sum
        .as_ref()
        .map_or_else(|| "sha256".to_string(), |s| s.hash_type.clone());
    let existing_cached_sum = read_cached_checksum(call, &cached, &hash_form);
    if source_hash.is_some() && source_hash_update && !skip_verify && !test {
        update_checksum(call, &cached, &hash_form);
    }
    let contents: Contents = match ar::list_local(
        call.ctx,
        &cached.to_string_lossy(),
        &archive_format,
        strip_components,
    ) {
        Ok(c) => c,
        Err(e) => {
            let mut msg = e.to_string();
            let mut errors = Vec::new();
            if if_missing.is_none() {
                errors.push("'if_missing' must be set");
            }
            if enforce_on.is_none() && (user.is_some() || group.is_some()) {
                errors.push("Ownership cannot be managed without setting 'enforce_ownership_on'.");
            }
            if !errors.is_empty() {
                msg += "\n\nThe following workarounds must be used for this state to proceed";
                msg +=
                    &format!(" (assuming the source file is a valid {archive_format} archive):\n");
                for er in errors {
                    msg += &format!("\n- {er}");
                }
            }
            ret.comment = msg;
            return ret;
        }
    };
    if arg_bool(low, "enforce_toplevel", true)
        && (contents.top_level_dirs.len() > 1 || !contents.top_level_files.is_empty())
    {
        ret.comment = format!(
            "Archive does not have a single top-level directory. To allow this archive to be extracted, set 'enforce_toplevel' to False. To avoid a '{archive_format}-bomb' it may also be advisable to set a top-level directory by adding it to the 'name' value (for example, setting 'name' to {name}some_dir instead of {name})."
        );
        return ret;
    }
    let clean = arg_bool(low, "clean", false);
    let clean_parent = arg_bool(low, "clean_parent", false);
    if clean && clean_parent {
        ret.comment = "Only one of 'clean' and 'clean_parent' can be set to True".into();
        return ret;
    }
    let force = arg_bool(low, "force", false);
    let mut extraction_needed = arg_bool(low, "overwrite", false);
    let mut contents_missing = false;
    let mut incorrect: Vec<String> = Vec::new();
    type IsKind = fn(&std::fs::Metadata) -> bool;
    let kinds: [(&Vec<String>, IsKind); 3] = [
        (&contents.dirs, |m| m.is_dir()),
        (&contents.files, |m| {
            !m.is_dir() && !m.file_type().is_symlink()
        }),
        (&contents.links, |m| m.file_type().is_symlink()),
    ];
    for (paths, ok) in kinds {
        for p in paths {
            let full = format!("{name}{p}");
            match std::fs::symlink_metadata(full.trim_end_matches('/')) {
                Ok(m) => {
                    if !ok(&m) {
                        incorrect.push(p.clone());
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    extraction_needed = true;
                    contents_missing = true;
                }
                Err(e) if e.raw_os_error() == Some(20) => {}
                Err(e) => {
                    ret.comment = e.to_string();
                    return ret;
                }
            }
        }
    }
    if !incorrect.is_empty() {
        let paths: String = incorrect.iter().map(|x| format!("\n- {x}")).collect();
        ret.comment = format!("The below paths (relative to {name}) exist, but are the incorrect type (file instead of directory, symlink instead of file, etc.).");
        if test && clean {
            ret.result = None;
            ret.comment += &format!(" Since the 'clean' option is enabled, the destination paths would be cleared and the archive would be extracted.\n{paths}");
            return ret;
        }
        if test && clean_parent {
            ret.result = None;
            ret.comment += " Since the 'clean_parent' option is enabled, the destination parent directory would be removed first and then re-created and the archive would be extracted";
            return ret;
        }
        if !clean {
            if !force {
                ret.comment += &format!(" To proceed with extraction, set 'force' to True. Note that this will remove these paths before extracting.\n{paths}");
                return ret;
            }
            for p in &incorrect {
                let full = format!("{name}{p}");
                match rm_rf(Path::new(full.trim_end_matches('/'))) {
                    Ok(()) => {
                        push_removed(&mut ret, &full);
                        extraction_needed = true;
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        ret.comment = format!("One or more paths existed by were the incorrect type (i.e. file instead of directory or vice-versa), but could not be removed. The following errors were observed:\n\n- {e}");
                        return ret;
                    }
                }
            }
        }
    }
    let mut source_hash_trigger = false;
    if !extraction_needed && source_hash_update {
        if let Some(old) = &existing_cached_sum {
            let now = read_cached_checksum(call, &cached, &hash_form);
            let differs = if test {
                ar::file_hash(call.ctx, &cached, &hash_form).as_deref() != Some(old.hsum.as_str())
            } else {
                now.as_ref() != Some(old)
            };
            if differs {
                extraction_needed = true;
                source_hash_trigger = true;
            }
        }
    }
    let explain = |c: &mut String| {
        if source_hash_trigger {
            c.push_str(", due to source_hash update");
        } else if contents_missing {
            c.push_str(", due to absence of one or more files/dirs");
        }
    };
    let mut created_destdir = false;
    let mut files: Vec<String> = Vec::new();
    if extraction_needed {
        if let (Source::Local(p), Some(sum), false) = (&source, &source_sum, skip_verify) {
            if ar::file_hash(call.ctx, p, &sum.hash_type).as_deref() != Some(sum.hsum.as_str()) {
                ret.comment = format!(
                    "{} does not match the desired source_hash {}",
                    p.display(),
                    sum.hsum
                );
                return ret;
            }
        }
        if test {
            ret.result = None;
            ret.comment = format!("Archive {source_match} would be extracted to {name}");
            if clean {
                ret.comment += ", after cleaning destination path(s)";
            }
            explain(&mut ret.comment);
            return ret;
        }
        if clean_parent {
            match rm_rf(Path::new(name.trim_end_matches('/'))) {
                Ok(()) => {
                    ret.changes.insert(
                        "removed",
                        Value::from(format!(
                            "Directory {name} was removed prior to the extraction"
                        )),
                    );
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    ret.comment = format!("Unable to remove the directory {name}. The following errors were observed:\n\n- {e}");
                    return ret;
                }
            }
        }
        if clean {
            for p in contents
                .top_level_dirs
                .iter()
                .chain(contents.top_level_files.iter())
            {
                let full = format!("{name}{p}");
                match rm_rf(Path::new(full.trim_end_matches('/'))) {
                    Ok(()) => push_removed(&mut ret, &full),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        ret.comment = format!("One or more paths could not be cleaned. The following errors were observed:\n\n- {e}");
                        return ret;
                    }
                }
            }
        }
        if !Path::new(&name).is_dir() {
            if let Err(e) = std::fs::create_dir_all(&name) {
                ret.comment = e.to_string();
                return ret;
            }
            if let Some(u) = uid {
                let _ = std::os::unix::fs::lchown(&name, Some(u), None);
            }
            created_destdir = true;
        }
        let cached_s = cached.to_string_lossy().to_string();
        let result = if archive_format == "zip" {
            let mut argv: Vec<String> = vec!["unzip".into(), "-o".into()];
            if let Some(o) = &options {
                match crate::exec::cmd::shlex_split(o) {
                    Ok(v) => argv.extend(v),
                    Err(e) => {
                        ret.comment = e;
                        return ret;
                    }
                }
            }
            argv.extend([cached_s.clone(), "-d".into(), name.clone()]);
            sysutil::run_spec(call.ctx, &argv, None, &[], true, true)
                .map(|r| (r, contents.names.clone()))
        } else {
            match &options {
                None => {
                    let argv: Vec<String> = vec![
                        "tar".into(),
                        "-xf".into(),
                        cached_s.clone(),
                        "-C".into(),
                        name.clone(),
                    ];
                    sysutil::run_spec(call.ctx, &argv, None, &[], true, true)
                        .map(|r| (r, contents.names.clone()))
                }
                Some(o) => {
                    let opts = match crate::exec::cmd::shlex_split(o) {
                        Ok(v) => v,
                        Err(e) => {
                            ret.comment = e;
                            return ret;
                        }
                    };
                    let opts: Vec<String> = opts
                        .into_iter()
                        .filter(|x| !matches!(x.as_str(), "v" | "-v" | "--verbose"))
                        .collect();
                    let mut short = String::from("xv");
                    let mut long = Vec::new();
                    for (i, opt) in opts.iter().enumerate() {
                        if opt.starts_with('-') || i > 0 {
                            long.push(opt.clone());
                        } else {
                            short.push_str(&opt.replace(['x', 'f'], ""));
                        }
                    }
                    let mut argv: Vec<String> = vec!["tar".into(), short];
                    argv.extend(long);
                    argv.extend(["-f".into(), cached_s.clone()]);
                    sysutil::run_spec(call.ctx, &argv, Some(&name), &[], true, true).map(|r| {
                        let lines: Vec<String> = r.stdout.lines().map(str::to_string).collect();
                        (r, lines)
                    })
                }
            }
        };
        match result {
            Ok((r, names)) if r.retcode == Some(0) => files = names,
            Ok((r, _)) => {
                if created_destdir {
                    let _ = std::fs::remove_dir(&name);
                }
                ret.changes = rsalt_data::Dict::new();
                let mut d = rsalt_data::Dict::new();
                d.insert("pid", Value::Int(i64::from(r.pid)));
                d.insert("retcode", r.retcode.map_or(Value::None, Value::Int));
                d.insert("stdout", Value::from(r.stdout));
                d.insert("stderr", Value::from(r.stderr));
                ret.changes = d;
                return ret;
            }
            Err(e) => {
                ret.comment = e.to_string();
                return ret;
            }
        }
        if let Some(n) = trim_output {
            files.truncate(n);
        }
    }
    // ownership
    let mut enforce_missing: Vec<String> = Vec::new();
    let mut enforce_failed: Vec<String> = Vec::new();
    if uid.is_some() || gid.is_some() {
        let targets: Vec<String> = match &enforce_on {
            Some(e) => vec![e.clone()],
            None => contents
                .top_level_dirs
                .iter()
                .chain(contents.top_level_files.iter())
                .chain(contents.top_level_links.iter())
                .map(|p| format!("{name}{p}"))
                .collect(),
        };
        for t in targets {
            let p = Path::new(t.trim_end_matches('/'));
            if std::fs::symlink_metadata(p).is_err() {
                if !test {
                    enforce_missing.push(t);
                }
                continue;
            }
            match chown_tree(p, uid, gid, test) {
                Ok(true) => {
                    ret.changes.insert("updated ownership", Value::Bool(true));
                }
                Ok(false) => {}
                Err(_) => enforce_failed.push(t),
            }
        }
    }
    if extraction_needed {
        if files.is_empty() {
            ret.result = Some(false);
            ret.comment = format!("No files were extracted from {source_match}");
        } else {
            if created_destdir {
                ret.changes
                    .insert("directories_created", list_names(&[name.clone()]));
            }
            ret.changes.insert("extracted_files", list_names(&files));
            ret.comment = format!("{source_match} extracted to {name}");
            explain(&mut ret.comment);
            ret.comment += &format!(". Output was trimmed to {trim_display} number of lines");
            ret.result = Some(true);
        }
    } else {
        ret.result = Some(true);
        ret.comment = "All files in archive are already present".into();
        if test && ret.changes.contains_key("updated ownership") {
            ret.result = None;
            ret.comment += ". Ownership would be updated on one or more files/directories.";
        }
    }
    if !enforce_missing.is_empty() {
        if if_missing.is_none() {
            ret.result = Some(false);
        }
        ret.comment +=
            "\n\nWhile trying to enforce user/group ownership, the following paths were missing:\n";
        for i in &enforce_missing {
            ret.comment += &format!("\n- {i}");
        }
    }
    if !enforce_failed.is_empty() {
        ret.result = Some(false);
        ret.comment += "\n\nWhile trying to enforce user/group ownership, Salt was unable to change ownership on the following paths:\n";
        for i in &enforce_failed {
            ret.comment += &format!("\n- {i}");
        }
    }
    if let (Source::Remote(_), false) = (&source, keep_source) {
        let _ = std::fs::remove_file(&cached);
    }
    ret
}
