//! `file.line`, `file.append`, `file.prepend`.

use super::difflib;
use super::replace::{check_file, compile};
use super::util;
use super::{arg, arg_bool, arg_str, new_ret};
use crate::state::{StateCall, StateReturn};
use rsalt_data::Value;
use std::fs;
use std::path::Path;

/// `_regex_to_static`: lines matching `regex` (DOTALL regex search or substring).
fn regex_to_static(src: &[String], regex: Option<&str>) -> Option<Vec<String>> {
    let regex = regex.filter(|r| !r.is_empty())?;
    if src.is_empty() {
        return None;
    }
    let re = regex::Regex::new(&format!("(?s){regex}")).ok();
    Some(
        src.iter()
            .filter(|l| re.as_ref().is_some_and(|r| r.is_match(l)) || l.contains(regex))
            .cloned()
            .collect(),
    )
}

fn assert_occurrence(probe: &[String], target: &str) -> Result<(), String> {
    let msg = match probe.len() {
        0 => "less than",
        1 => return Ok(()),
        _ => "more than",
    };
    Err(format!(
        "Found {msg} expected occurrences in \"{target}\" expression"
    ))
}

fn set_line_indent(src: &str, line: &str, indent: bool) -> String {
    if !indent {
        return line.to_string();
    }
    let idt: String = src
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    format!("{idt}{}", line.trim_start())
}

fn get_eol(line: &str) -> &'static str {
    if line.ends_with("\r\n") {
        "\r\n"
    } else if line.ends_with('\n') {
        "\n"
    } else if line.ends_with('\r') {
        "\r"
    } else {
        ""
    }
}

fn set_line_eol(src: &str, line: &str) -> String {
    let e = get_eol(src);
    format!("{}{}", line.trim_end(), if e.is_empty() { "\n" } else { e })
}

fn index_of(lines: &[String], l: &str) -> usize {
    lines.iter().position(|x| x == l).unwrap_or(0)
}

/// Options of `_set_line`.
struct LineOpts<'a> {
    content: Option<&'a str>,
    match_: Option<&'a str>,
    mode: &'a str,
    location: Option<&'a str>,
    before: Option<&'a str>,
    after: Option<&'a str>,
    indent: bool,
}

/// `_set_line`.
fn set_line(mut lines: Vec<String>, o: &LineOpts<'_>) -> Result<Vec<String>, String> {
    let content = o.content.unwrap_or_default();
    let match_ = if o.match_.is_none_or(str::is_empty) && o.before.is_none() && o.after.is_none() {
        o.content
    } else {
        o.match_
    };
    let after = regex_to_static(&lines, o.after);
    let before = regex_to_static(&lines, o.before);
    let match_ = regex_to_static(&lines, match_);
    let first = |v: &Option<Vec<String>>| v.as_ref().and_then(|v| v.first().cloned());
    let nonempty = |v: &Option<Vec<String>>| v.as_ref().is_some_and(|v| !v.is_empty());
    if lines.is_empty() && matches!(o.mode, "delete" | "replace") {
        return Ok(Vec::new());
    }
    match o.mode {
        "delete" if nonempty(&match_) => {
            let m = first(&match_).unwrap_or_default();
            lines.retain(|l| *l != m);
        }
        "replace" if nonempty(&match_) => {
            let m = first(&match_).unwrap_or_default();
            let idx = index_of(&lines, &m);
            let orig = lines.remove(idx);
            lines.insert(idx, set_line_indent(&orig, content, o.indent));
        }
        "insert" => {
            if o.before.is_none() && o.after.is_none() && o.location.is_none() {
                return Err(
                    "On insert either \"location\" or \"before/after\" conditions are required."
                        .into(),
                );
            }
            if let Some(loc) = o.location.filter(|l| !l.is_empty()) {
                if loc == "end" {
                    if let Some(last) = lines.last().cloned() {
                        lines.push(set_line_indent(&last, content, o.indent));
                    } else {
                        lines.push(content.to_string());
                    }
                } else if loc == "start" {
                    if let Some(f) = lines.first().cloned() {
                        lines.insert(0, set_line_eol(&f, content));
                    } else {
                        lines = vec![format!("{content}\n")];
                    }
                }
            } else if nonempty(&before) && nonempty(&after) {
                let (b, a) = (before.unwrap_or_default(), after.unwrap_or_default());
                assert_occurrence(&b, "before")?;
                assert_occurrence(&a, "after")?;
                let last = index_of(&lines, &b[0]);
                let l = set_line_indent(&lines[last], content, o.indent);
                lines.insert(last, l);
            } else if nonempty(&after) {
                let a = after.unwrap_or_default();
                assert_occurrence(&a, "after")?;
                let idx = index_of(&lines, &a[0]);
                let next = lines.get(idx + 1);
                if next.is_none_or(|n| {
                    n.trim_end_matches(['\r', '\n']) != content.trim_end_matches(['\r', '\n'])
                }) {
                    let l = set_line_indent(&lines[idx], content, o.indent);
                    lines.insert(idx + 1, l);
                }
            } else if nonempty(&before) {
                let b = before.unwrap_or_default();
                assert_occurrence(&b, "before")?;
                let idx = index_of(&lines, &b[0]);
                let prev = if idx == 0 {
                    lines.last()
                } else {
                    lines.get(idx - 1)
                };
                if prev.is_none_or(|p| {
                    p.trim_end_matches(['\r', '\n']) != content.trim_end_matches(['\r', '\n'])
                }) {
                    let l = set_line_indent(&lines[idx], content, o.indent);
                    lines.insert(idx, l);
                }
            } else {
                return Err("Neither before or after was found in file".into());
            }
        }
        "ensure" => {
            if nonempty(&before) && nonempty(&after) {
                let (b, a) = (before.unwrap_or_default(), after.unwrap_or_default());
                assert_occurrence(&a, "after")?;
                assert_occurrence(&b, "before")?;
                let ai = index_of(&lines, &a[0]);
                let bi = index_of(&lines, &b[0]);
                if !lines.iter().any(|l| l.trim_start() == content) {
                    if ai + 1 == bi {
                        let l = set_line_indent(&lines[ai], content, o.indent);
                        lines.insert(ai + 1, l);
                    } else if ai + 2 == bi {
                        lines[ai + 1] = set_line_indent(&lines[ai], content, o.indent);
                    } else {
                        return Err(
                            "Found more than one line between boundaries \"before\" and \"after\"."
                                .into(),
                        );
                    }
                }
            } else if nonempty(&before) {
                let b = before.unwrap_or_default();
                assert_occurrence(&b, "before")?;
                let bi = index_of(&lines, &b[0]);
                if bi == 0
                    || lines[bi - 1].trim_end_matches(['\r', '\n'])
                        != content.trim_end_matches(['\r', '\n'])
                {
                    let src = if bi == 0 {
                        lines.last().cloned().unwrap_or_default()
                    } else {
                        lines[bi - 1].clone()
                    };
                    lines.insert(bi, set_line_indent(&src, content, o.indent));
                }
            } else if nonempty(&after) {
                let a = after.unwrap_or_default();
                assert_occurrence(&a, "after")?;
                let ai = index_of(&lines, &a[0]);
                if ai + 1 >= lines.len()
                    || lines[ai + 1].trim_end_matches(['\r', '\n'])
                        != content.trim_end_matches(['\r', '\n'])
                {
                    let l = set_line_indent(&lines[ai], content, o.indent);
                    lines.insert(ai + 1, l);
                }
            } else {
                return Err("Wrong conditions? Unable to ensure line without knowing where to put it before and/or after.".into());
            }
        }
        _ => {}
    }
    Ok(lines)
}

/// Reads a file in Python text mode (universal newlines) as `readlines()`.
fn read_text_lines(path: &Path) -> Result<Vec<String>, String> {
    let data = fs::read(path).map_err(|e| util::os_error(&e, path))?;
    let text = util::decode(&data)
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    Ok(difflib::readlines(&text))
}

/// `file.line` (execution function): returns the diff (or "changed" marker) and writes
/// unless `test`.
fn line_file(
    path: &Path,
    o: &LineOpts<'_>,
    show_changes: bool,
    backup: bool,
    test: bool,
) -> Result<Option<String>, String> {
    let path = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if !path.is_file() {
        return Err(format!(
            "File \"{}\" does not exists or is not a file.",
            path.display()
        ));
    }
    let orig = read_text_lines(&path)?;
    let mut body = orig.clone();
    if body.last().is_some_and(|l| !get_eol(l).is_empty()) {
        body.push(String::new());
    }
    if fs::metadata(&path).map(|m| m.len()).unwrap_or(0) == 0
        && matches!(o.mode, "delete" | "replace")
    {
        body = Vec::new();
    }
    let mut body = set_line(body, o)?;
    if !body.is_empty() {
        let n = body.len();
        for idx in 0..n {
            if get_eol(&body[idx]).is_empty() && idx + 1 < n {
                let prev = if idx == 0 { 1 } else { idx - 1 };
                let p = body[prev].clone();
                body[idx] = set_line_eol(&p, &body[idx]);
            }
        }
        if body.last().is_some_and(String::is_empty) {
            body.pop();
        }
    }
    if body.concat() == orig.concat() {
        return Ok(None);
    }
    if backup && !test {
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let _ = fs::copy(&path, format!("{}.{ts}", path.display()));
    }
    let diff = difflib::get_diff(&orig, &body);
    if !test {
        util::copy_into(body.concat().as_bytes(), &path)?;
    }
    Ok(Some(if show_changes { diff } else { String::new() }))
}

/// `file.line`.
pub(crate) fn line(call: &StateCall<'_>) -> StateReturn {
    let (mut ret, name) = new_ret(call);
    if ret.name.is_empty() {
        return ret.fail("Must provide name to file.line");
    }
    if arg_bool(call, "create", false) && !name.exists() && name.is_absolute() && !call.test {
        if let Some(parent) = name.parent().filter(|p| p.is_dir()) {
            let _ = parent;
            let _ = util::touch_new(&name, 0o666 & !util::umask());
        }
    }
    if let Err(m) = check_file(&name) {
        return ret.fail(m);
    }
    let mode = arg_str(call, "mode").map(|m| m.to_lowercase());
    let Some(mode) = mode else {
        return ret.fail("Mode was not defined. How to process the file?");
    };
    let content = arg(call, "content").map(Value::to_py_str);
    if mode != "delete" && content.is_none() {
        return ret.fail("Content can only be empty if mode is ['delete']");
    }
    if !matches!(mode.as_str(), "insert" | "ensure" | "delete" | "replace") {
        return ret.fail(format!("Unknown mode: \"{mode}\""));
    }
    let (m, loc, b, a) = (
        arg_str(call, "match"),
        arg_str(call, "location"),
        arg_str(call, "before"),
        arg_str(call, "after"),
    );
    let o = LineOpts {
        content: content.as_deref(),
        match_: m.as_deref(),
        mode: &mode,
        location: loc.as_deref(),
        before: b.as_deref(),
        after: a.as_deref(),
        indent: arg_bool(call, "indent", true),
    };
    let show = arg_bool(call, "show_changes", true);
    match line_file(&name, &o, show, arg_bool(call, "backup", false), call.test) {
        Err(e) => ret.fail(e),
        Ok(Some(diff)) => {
            ret.changes.insert(
                "diff",
                if show {
                    Value::from(diff)
                } else {
                    Value::Bool(true)
                },
            );
            if call.test {
                ret.result = None;
                ret.comment = "Changes would be made".into();
            } else {
                ret.comment = "Changes were made".into();
            }
            ret
        }
        Ok(None) => ret.with_comment("No changes needed to be made"),
    }
}

/// `build_whitespace_split_regex` (without shlex quote handling).
fn whitespace_split_regex(text: &str) -> String {
    let mut re = String::new();
    for line in util::py_splitlines(text, false) {
        let parts: Vec<String> = line.split_whitespace().map(regex::escape).collect();
        re.push_str(&format!("(?:[\\s]+)?{}", parts.join("(?:[\\s]+)?")));
    }
    format!("(?m)^{re}$")
}

/// `file.search(path, pattern, multiline=True)`.
fn search(data: &[u8], pattern: &str) -> bool {
    match compile(pattern, "m") {
        Ok(r) => r.is_match(data),
        Err(_) => util::decode(data).contains(pattern),
    }
}

fn text_chunks(call: &StateCall<'_>) -> Vec<String> {
    match arg(call, "text") {
        None => Vec::new(),
        Some(Value::List(l)) => l.iter().map(Value::to_py_str).collect(),
        Some(v) => vec![v.to_py_str()],
    }
}

/// `file.append` / `file.prepend`.
pub(crate) fn append(call: &StateCall<'_>, prepend: bool) -> StateReturn {
    let (mut ret, name) = new_ret(call);
    let n = ret.name.clone();
    ret.result = Some(false);
    let what = if prepend { "prepend" } else { "append" };
    if n.is_empty() {
        return ret.fail(format!("Must provide name to file.{what}"));
    }
    if arg_bool(call, "makedirs", false) {
        if call.test {
            ret.comment = format!(
                "Directory {} is set to be updated",
                name.parent()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            );
            ret.result = None;
        } else if let Err(e) = util::makedirs_parent(&name, None, None, None) {
            return ret.fail(e);
        }
    }
    if let Err(m) = check_file(&name) {
        if call.test {
            let mut r = StateReturn::new(n.clone());
            r.result = None;
            r.comment = format!("File {n} is set to be created");
            r.changes.insert("new", Value::from(n.clone()));
            return r;
        }
        if !name.is_absolute()
            || !name.parent().is_some_and(Path::is_dir)
            || util::touch_new(&name, 0o666 & !util::umask()).is_err()
        {
            return ret.fail(m);
        }
    }
    let mut chunks = text_chunks(call);
    if let Some(src) = arg(call, "source").or_else(|| arg(call, "sources")) {
        let srcs = match src {
            Value::List(l) => l.clone(),
            v => vec![v.clone()],
        };
        chunks.clear();
        for s in srcs {
            let url = s.to_py_str();
            let text = match super::managed::source_list(call, &s)
                .and_then(|src| super::managed::fetch_source(call, &src))
            {
                Ok(d) => util::decode(&d),
                Err(_) => return ret.fail(format!("Failed to load template file {url}")),
            };
            let text = match arg_str(call, "template") {
                Some(t) => {
                    let (path, _) = super::parse_salt_url(&url);
                    let defaults = arg(call, "defaults").and_then(Value::as_dict);
                    let context = arg(call, "context").and_then(Value::as_dict);
                    match super::managed::render_template(
                        call,
                        &t,
                        &text,
                        &path,
                        &rsalt_data::Dict::new(),
                        defaults,
                        context,
                    ) {
                        Ok(s) => s,
                        Err(e) => return ret.fail(e),
                    }
                }
                None => text,
            };
            chunks.push(text);
        }
    }
    let data = match fs::read(&name) {
        Ok(d) => d,
        Err(e) => return ret.fail(util::os_error(&e, &name)),
    };
    let text = util::decode(&data);
    let ignore_ws = arg_bool(call, "ignore_whitespace", true);
    if !prepend {
        let slines = util::py_splitlines(&text, false);
        let mut add = Vec::new();
        for chunk in &chunks {
            let pat = if ignore_ws {
                whitespace_split_regex(chunk)
            } else {
                chunk.clone()
            };
            if search(&data, &pat) {
                continue;
            }
            add.extend(util::py_splitlines(chunk, false));
        }
        let mut nlines = slines.clone();
        nlines.extend(add.iter().cloned());
        let diff = |a: &[String], b: &[String]| {
            if !util::is_text(&data) {
                "Replace binary file".to_string()
            } else {
                difflib::unified_diff_lines(a, b, "", "", "\n").join("\n")
            }
        };
        if call.test {
            ret.comment = format!("File {n} is set to be updated");
            ret.result = None;
            if slines != nlines {
                ret.changes
                    .insert("diff", Value::from(diff(&slines, &nlines)));
            } else {
                ret.comment = format!("File {n} is in correct state");
                ret.result = Some(true);
            }
            return ret;
        }
        if !add.is_empty() {
            let mut out = data.clone();
            if !out.is_empty() && !out.ends_with(b"\n") {
                out.push(b'\n');
            }
            for l in &add {
                out.extend_from_slice(l.as_bytes());
                out.push(b'\n');
            }
            if let Err(e) = fs::write(&name, &out) {
                return ret.fail(util::os_error(&e, &name));
            }
            ret.comment = format!("Appended {} lines", add.len());
        } else {
            ret.comment = format!("File {n} is in correct state");
        }
        let after = fs::read(&name)
            .map(|d| util::decode(&d))
            .unwrap_or_default();
        let nl = util::py_splitlines(&after, false);
        if slines != nl {
            ret.changes.insert("diff", Value::from(diff(&slines, &nl)));
        }
        ret.result = Some(true);
        return ret;
    }
    // prepend
    let header = arg_bool(call, "header", false);
    let slines = util::py_splitlines(&text, true);
    let mut preface: Vec<String> = Vec::new();
    for chunk in &chunks {
        if !header && search(&data, &whitespace_split_regex(chunk)) {
            continue;
        }
        preface.extend(util::py_splitlines(chunk, false));
    }
    let mut count = preface.len();
    let test_lines: Vec<String> = preface.iter().map(|l| format!("{l}\n")).collect();
    if call.test {
        let mut nlines = test_lines.clone();
        nlines.extend(slines.iter().cloned());
        if slines != nlines {
            ret.comment = format!("File {n} is set to be updated");
            ret.changes
                .insert("diff", Value::from(difflib::get_diff(&slines, &nlines)));
            ret.result = None;
        } else {
            ret.comment = format!("File {n} is in correct state");
            ret.result = Some(true);
        }
        return ret;
    }
    let do_write = if header {
        let head: Vec<String> = slines
            .iter()
            .take(preface.len())
            .flat_map(|l| util::py_splitlines(l, false))
            .collect();
        if head != preface {
            true
        } else {
            count = 0;
            false
        }
    } else {
        true
    };
    if do_write && !preface.is_empty() {
        let mut out = test_lines.concat().into_bytes();
        out.extend_from_slice(&data);
        if let Err(e) = fs::write(&name, &out) {
            return ret.fail(util::os_error(&e, &name));
        }
    }
    let after = fs::read(&name)
        .map(|d| util::decode(&d))
        .unwrap_or_default();
    let nl = util::py_splitlines(&after, true);
    if slines != nl {
        ret.changes
            .insert("diff", Value::from(difflib::get_diff(&slines, &nl)));
    }
    ret.comment = if count > 0 {
        format!("Prepended {count} lines")
    } else {
        format!("File {n} is in correct state")
    };
    ret.result = Some(true);
    ret
}
