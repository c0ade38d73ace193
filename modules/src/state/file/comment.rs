//! `file.comment` and `file.uncomment` (Salt's `salt/states/file.py`) and the
//! `file.comment_line` execution logic they run (`salt/modules/file.py`).
//!
//! Salt checks the file with `file.search` (a multiline regex over the whole file), then
//! edits it line by line with `re.match`. `file.comment`'s search pattern uses a negative
//! lookahead (`^(?!\s*#)\s*<regex>`), which the `regex` crate lacks; [`search_uncommented`]
//! evaluates it by hand at every line start.
//!
//! Differences from Salt: patterns go to the `regex` crate, so user patterns with
//! lookaround or backreferences fail (result False) where Python accepts them, and inline
//! flags in the middle of a pattern are accepted where Python 3.11 raises; files that are
//! not UTF-8 are read as latin-1 instead of raising `UnicodeDecodeError`.

use super::difflib;
use super::replace::{backup_arg, check_file, compile};
use super::util;
use super::{arg_bool, arg_str, dict1, new_ret};
use crate::state::{StateCall, StateReturn};
use rsalt_data::Value;
use std::fs;
use std::path::{Path, PathBuf};

/// Why a search or edit failed: Salt raises these from `file.search` / `file.comment_line`
/// (the state then reports an exception).
#[derive(Debug, Clone, PartialEq)]
struct Raised {
    class: &'static str,
    msg: String,
}

impl Raised {
    fn invocation(msg: String) -> Raised {
        Raised {
            class: "SaltInvocationError",
            msg,
        }
    }

    fn command(msg: String) -> Raised {
        Raised {
            class: "CommandExecutionError",
            msg,
        }
    }

    fn comment(&self) -> String {
        format!(
            "An exception occurred in this state: {}: {}",
            self.class, self.msg
        )
    }
}

/// The file as `file.search` sees it (after its existence and binary checks).
fn search_data(path: &Path) -> Result<Vec<u8>, Raised> {
    let real = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let data = fs::read(&real)
        .map_err(|_| Raised::invocation(format!("File not found: {}", real.display())))?;
    if !util::is_text(&data) {
        return Err(Raised::invocation(format!(
            "Cannot perform string replacements on a binary file: {}",
            real.display()
        )));
    }
    Ok(data)
}

/// `file.search(path, pattern, multiline=True)`.
fn search(path: &Path, pattern: &str) -> Result<bool, Raised> {
    let data = search_data(path)?;
    let re = compile(pattern, "m").map_err(Raised::command)?;
    Ok(re.is_match(&data))
}

/// Splits a Python pattern at its top-level `|` (outside groups and classes).
fn split_alternation(p: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut depth = 0usize;
    let mut in_class = false;
    let mut chars = p.chars().peekable();
    let mut class_start = false;
    while let Some(c) = chars.next() {
        let cur = parts.last_mut().expect("parts is never empty");
        match c {
            '\\' => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                class_start = false;
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                class_start = true;
                cur.push(c);
                if chars.peek() == Some(&'^') {
                    if let Some(n) = chars.next() {
                        cur.push(n);
                    }
                }
                continue;
            }
            ']' if in_class && !class_start => in_class = false,
            '(' if !in_class => depth += 1,
            ')' if !in_class => depth = depth.saturating_sub(1),
            '|' if !in_class && depth == 0 => {
                parts.push(String::new());
                continue;
            }
            _ => {}
        }
        class_start = false;
        cur.push(c);
    }
    parts
}

/// `file.search(path, r"^(?!\s*CHAR)\s*" + pattern, multiline=True)` without lookahead
/// support: a line start matches when `\s*CHAR` does not match there and `\s*pattern` does
/// (later top-level alternatives of `pattern` match anywhere, as in Python).
fn search_uncommented(path: &Path, ch: &str, pattern: &str) -> Result<bool, Raised> {
    let data = search_data(path)?;
    let alts = split_alternation(pattern);
    let (first, rest) = alts
        .split_first()
        .map_or(("", &[][..]), |(f, r)| (f.as_str(), r));
    if !rest.is_empty() {
        let re = compile(&rest.join("|"), "m").map_err(Raised::command)?;
        if re.is_match(&data) {
            return Ok(true);
        }
    }
    let la = compile(&format!(r"\A\s*(?:{ch})"), "m").map_err(Raised::command)?;
    let main = compile(&format!(r"\A\s*(?:{first})"), "m").map_err(Raised::command)?;
    let starts = std::iter::once(0).chain(
        data.iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .map(|(i, _)| i + 1),
    );
    for p in starts {
        let tail = &data[p..];
        if !la.is_match(tail) && main.is_match(tail) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `re.sub(r"^(\(\?[iLmsux]\))?\^?(.*?)\$?$", r"\2", regex)`: drops one leading inline
/// flag group, a leading `^` and a trailing `$`.
fn unanchor(regex: &str) -> String {
    if regex.trim_end_matches('\n').contains('\n') {
        return regex.to_string();
    }
    let mut s = regex;
    let bytes = s.as_bytes();
    if bytes.len() >= 4
        && bytes[0] == b'('
        && bytes[1] == b'?'
        && b"iLmsux".contains(&bytes[2])
        && bytes[3] == b')'
    {
        s = &s[4..];
    }
    let s = s.strip_prefix('^').unwrap_or(s);
    let (body, nl) = match s.strip_suffix('\n') {
        Some(b) => (b, "\n"),
        None => (s, ""),
    };
    let body = body.strip_suffix('$').unwrap_or(body);
    format!("{body}{nl}")
}

/// Splits bytes after every `\n` (binary `readlines()`).
fn bin_lines(data: &[u8]) -> Vec<&[u8]> {
    data.split_inclusive(|b| *b == b'\n').collect()
}

/// `file.comment_line(path, regex, char, cmnt, backup)`: comments (or uncomments) every
/// line that `re.match`es, keeping owner and mode, with an optional backup of the old
/// file. Returns whether anything matched.
fn comment_line(
    path: &Path,
    regex: &str,
    ch: &str,
    cmnt: bool,
    backup: Option<&str>,
) -> Result<bool, Raised> {
    let core = regex.trim_start_matches('^').trim_end_matches('$');
    let tail = if regex.ends_with('$') { "$" } else { "" };
    let full = if cmnt {
        let head = if regex.starts_with('^') { "^" } else { "" };
        format!("{head}({core}){tail}")
    } else {
        format!(r"^{ch}\s*({core}){tail}")
    };
    let real: PathBuf = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if !real.is_file() {
        return Err(Raised::invocation(format!(
            "File not found: {}",
            real.display()
        )));
    }
    let data = fs::read(&real).map_err(|e| {
        Raised::command(format!(
            "Unable to open file '{}'. Exception: {}",
            real.display(),
            util::os_error(&e, &real)
        ))
    })?;
    if !util::is_text(&data) {
        return Err(Raised::invocation(format!(
            "Cannot perform string replacements on a binary file: {}",
            real.display()
        )));
    }
    let re = compile(&format!(r"\A(?:{full})"), "m").map_err(Raised::command)?;
    let mut found = false;
    let mut out = String::with_capacity(data.len() + 16);
    for raw in bin_lines(&data) {
        let line = util::decode(raw);
        if re.is_match(line.as_bytes()) {
            found = true;
            if cmnt {
                out.push_str(ch);
                out.push_str(&line);
            } else {
                out.push_str(line.trim_start_matches(|c| ch.contains(c)));
            }
        } else {
            out.push_str(&line);
        }
    }
    if !found {
        return Ok(false);
    }
    write_keeping_perms(&real, out.as_bytes(), backup)?;
    Ok(true)
}

/// Replaces `path` with `data` (new inode, same owner and mode); with `backup`, the old file
/// is kept as `path + backup`.
fn write_keeping_perms(path: &Path, data: &[u8], backup: Option<&str>) -> Result<(), Raised> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let err = |e: std::io::Error, p: &Path| {
        Raised::command(format!("Exception: {}", util::os_error(&e, p)))
    };
    let md = fs::metadata(path).map_err(|e| err(e, path))?;
    let dir = path.parent().unwrap_or_else(|| Path::new("/"));
    let prefix = format!(
        ".{}",
        path.file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default()
    );
    let tmp = util::write_temp_in(dir, &prefix, data).map_err(|e| err(e, dir))?;
    let _ = std::os::unix::fs::chown(&tmp, Some(md.uid()), Some(md.gid()));
    let _ = fs::set_permissions(&tmp, fs::Permissions::from_mode(md.mode() & 0o7777));
    if let Some(b) = backup {
        let mut bpath = path.as_os_str().to_owned();
        bpath.push(b);
        if let Err(e) = fs::rename(path, &bpath) {
            let _ = fs::remove_file(&tmp);
            return Err(Raised::command(format!(
                "Unable to move the temp file '{}' to the backup file '{}'. Exception: {}",
                path.display(),
                PathBuf::from(&bpath).display(),
                util::os_error(&e, path)
            )));
        }
    }
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        err(e, path)
    })
}

fn read_text(path: &Path) -> String {
    util::decode(&fs::read(path).unwrap_or_default())
}

/// `file.comment(name, regex, char='#', backup='.bak', ignore_missing=False)`.
pub(crate) fn comment(call: &StateCall<'_>) -> StateReturn {
    let (mut ret, path) = new_ret(call);
    ret.result = Some(false);
    if ret.name.is_empty() {
        return ret.fail("Must provide name to file.comment");
    }
    if let Err(m) = check_file(&path) {
        return ret.fail(m);
    }
    let Some(regex) = arg_str(call, "regex") else {
        return ret.fail("Missing parameter regex for state file.comment");
    };
    let ch = arg_str(call, "char").unwrap_or_else(|| "#".into());
    let backup = backup_arg(call, ".bak");
    let unanchored = unanchor(&regex);
    let comment_regex = format!("{ch}{unanchored}");
    let run = || -> Result<StateReturn, Raised> {
        let mut ret = ret.clone();
        if !search_uncommented(&path, &ch, &unanchored)? {
            if search(&path, &comment_regex)? {
                ret.result = Some(true);
                return Ok(ret.with_comment("Pattern already commented"));
            }
            if arg_bool(call, "ignore_missing", false) {
                ret.result = Some(true);
                return Ok(ret.with_comment("Pattern not found and ignore_missing set to True"));
            }
            return Ok(ret.fail(format!("{unanchored}: Pattern not found")));
        }
        if call.test {
            ret.changes = dict1(&ret.name, Value::from("updated"));
            ret.result = None;
            let c = format!("File {} is set to be updated", ret.name);
            return Ok(ret.with_comment(c));
        }
        let before = util::py_splitlines(&read_text(&path), true);
        comment_line(&path, &regex, &ch, true, backup.as_deref())?;
        let after_bytes = fs::read(&path).unwrap_or_default();
        let after = util::py_splitlines(&util::decode(&after_bytes), true);
        let ok = search(&path, &comment_regex)?;
        ret.result = Some(ok);
        if before != after {
            let diff = if util::is_text(&after_bytes) {
                difflib::get_diff(&before, &after)
            } else {
                "Replace binary file".into()
            };
            ret.changes.insert("diff", Value::from(diff));
        }
        ret.comment = if ok {
            "Commented lines successfully".into()
        } else {
            "Expected commented lines not found".into()
        };
        Ok(ret)
    };
    match run() {
        Ok(r) => r,
        Err(e) => StateReturn::new(path.display().to_string()).fail(e.comment()),
    }
}

/// `file.uncomment(name, regex, char='#', backup='.bak')`.
pub(crate) fn uncomment(call: &StateCall<'_>) -> StateReturn {
    let (mut ret, path) = new_ret(call);
    ret.result = Some(false);
    if ret.name.is_empty() {
        return ret.fail("Must provide name to file.uncomment");
    }
    if let Err(m) = check_file(&path) {
        return ret.fail(m);
    }
    let Some(regex) = arg_str(call, "regex") else {
        return ret.fail("Missing parameter regex for state file.uncomment");
    };
    let ch = arg_str(call, "char").unwrap_or_else(|| "#".into());
    let backup = backup_arg(call, ".bak");
    let stripped = regex.trim_start_matches('^');
    let uncommented = format!("^[ \t]*{stripped}");
    let run = || -> Result<StateReturn, Raised> {
        let mut ret = ret.clone();
        if !search(&path, &format!("{ch}[ \t]*{stripped}"))? {
            if search(&path, &uncommented)? {
                ret.result = Some(true);
                return Ok(ret.with_comment("Pattern already uncommented"));
            }
            return Ok(ret.fail(format!("{regex}: Pattern not found")));
        }
        if call.test {
            ret.changes = dict1(&ret.name, Value::from("updated"));
            ret.result = None;
            let c = format!("File {} is set to be updated", ret.name);
            return Ok(ret.with_comment(c));
        }
        let lines =
            |b: &[u8]| -> Vec<String> { bin_lines(b).into_iter().map(util::decode).collect() };
        let before = lines(&fs::read(&path).unwrap_or_default());
        comment_line(&path, &regex, &ch, false, backup.as_deref())?;
        let after_bytes = fs::read(&path).unwrap_or_default();
        let after = lines(&after_bytes);
        let ok = search(&path, &uncommented)?;
        ret.result = Some(ok);
        if before != after {
            let diff = if util::is_text(&after_bytes) {
                difflib::get_diff(&before, &after)
            } else {
                "Replace binary file".into()
            };
            ret.changes.insert("diff", Value::from(diff));
        }
        ret.comment = if ok {
            "Uncommented lines successfully".into()
        } else {
            "Expected uncommented lines not found".into()
        };
        Ok(ret)
    };
    match run() {
        Ok(r) => r,
        Err(e) => StateReturn::new(path.display().to_string()).fail(e.comment()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unanchor_like_salt() {
        assert_eq!(unanchor("^bind 127.0.0.1"), "bind 127.0.0.1");
        assert_eq!(unanchor("(?i)^foo$"), "foo");
        assert_eq!(unanchor("foo$$"), "foo$");
        assert_eq!(unanchor("a|b"), "a|b");
    }

    #[test]
    fn alternation_split() {
        assert_eq!(split_alternation("a|b"), vec!["a", "b"]);
        assert_eq!(split_alternation("(a|b)c"), vec!["(a|b)c"]);
        assert_eq!(split_alternation(r"[|]x\|y|z"), vec![r"[|]x\|y", "z"]);
        assert_eq!(split_alternation("[]|]|q"), vec!["[]|]", "q"]);
    }
}
