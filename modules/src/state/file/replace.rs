//! `file.replace`, plus the Python regex translation it shares with `file.comment` /
//! `file.uncomment` (see `comment.rs`).

use super::util;
use super::{arg, arg_bool, arg_str, new_ret};
use crate::state::{StateCall, StateReturn};
use rsalt_data::Value;
use std::fs;
use std::path::Path;

/// Python `re` flags (`8` = MULTILINE, names or lists of names) → Rust inline flags.
pub fn py_flags(v: Option<&Value>) -> Result<String, String> {
    let bits: i64 = match v {
        None => 8,
        Some(Value::Int(i)) => *i,
        Some(Value::Str(s)) => flag_bit(s)?,
        Some(Value::List(l)) => {
            let mut b = 0;
            for f in l {
                b |= flag_bit(&f.to_py_str())?;
            }
            b
        }
        Some(other) => {
            return Err(format!(
                "Invalid re flags: \"{}\", must be given either as a single flag string, a list of strings, as an integer, or as an re flag",
                other.to_py_str()
            ))
        }
    };
    let mut f = String::new();
    if bits & 2 != 0 {
        f.push('i');
    }
    if bits & 8 != 0 {
        f.push('m');
    }
    if bits & 16 != 0 {
        f.push('s');
    }
    if bits & 64 != 0 {
        f.push('x');
    }
    Ok(f)
}

fn flag_bit(name: &str) -> Result<i64, String> {
    Ok(match name.to_ascii_uppercase().as_str() {
        "I" | "IGNORECASE" => 2,
        "L" | "LOCALE" => 4,
        "M" | "MULTILINE" => 8,
        "S" | "DOTALL" => 16,
        "U" | "UNICODE" => 32,
        "X" | "VERBOSE" => 64,
        "A" | "ASCII" => 256,
        _ => return Err(format!("Invalid re flag given: {name}")),
    })
}

/// Compiles a Python pattern with flags as a bytes regex.
pub fn compile(pattern: &str, flags: &str) -> Result<regex::bytes::Regex, String> {
    let p = if flags.is_empty() {
        pattern.to_string()
    } else {
        format!("(?{flags}){pattern}")
    };
    regex::bytes::Regex::new(&p).map_err(|e| format!("Invalid regular expression {pattern:?}: {e}"))
}

/// Translates a Python `re.sub` replacement (`\1`, `\g<name>`, `\n`, `\\`) into a
/// Rust replacement string.
pub(crate) fn py_repl(repl: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = repl.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '$' {
            out.push_str("$$");
        } else if c == '\\' && i + 1 < chars.len() {
            let n = chars[i + 1];
            i += 1;
            match n {
                '0'..='9' => {
                    let mut num = n.to_string();
                    if i + 1 < chars.len() && chars[i + 1].is_ascii_digit() {
                        num.push(chars[i + 1]);
                        i += 1;
                    }
                    out.push_str(&format!("${{{num}}}"));
                }
                'g' if chars.get(i + 1) == Some(&'<') => {
                    let rest: String = chars[i + 2..].iter().collect();
                    if let Some(end) = rest.find('>') {
                        out.push_str(&format!("${{{}}}", &rest[..end]));
                        i += 2 + rest[..end].chars().count();
                    } else {
                        out.push_str("\\g");
                    }
                }
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'f' => out.push('\x0c'),
                'v' => out.push('\x0b'),
                'a' => out.push('\x07'),
                'b' => out.push('\x08'),
                '\\' => out.push('\\'),
                other => {
                    out.push('\\');
                    out.push(other);
                }
            }
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

/// Python `bytes.splitlines(True)`.
pub(crate) fn bytes_splitlines(data: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < data.len() {
        let b = data[i];
        if b == b'\n' || b == b'\r' || matches!(b, 0x0b | 0x0c | 0x1c | 0x1d | 0x1e) {
            let mut end = i + 1;
            if b == b'\r' && data.get(i + 1) == Some(&b'\n') {
                end += 1;
            }
            out.push(data[start..end].to_vec());
            start = end;
            i = end;
            continue;
        }
        i += 1;
    }
    if start < data.len() {
        out.push(data[start..].to_vec());
    }
    out
}

fn lines_diff(a: &[Vec<u8>], b: &[Vec<u8>]) -> String {
    let a: Vec<String> = a.iter().map(|l| util::decode(l)).collect();
    let b: Vec<String> = b.iter().map(|l| util::decode(l)).collect();
    super::difflib::get_diff(&a, &b)
}

/// Options of the `file.replace` execution function.
pub(crate) struct ReplaceOpts<'a> {
    pub pattern: &'a str,
    pub repl: &'a str,
    pub count: usize,
    pub flags: &'a str,
    pub append_if_not_found: bool,
    pub prepend_if_not_found: bool,
    pub not_found_content: Option<&'a str>,
    pub backup: Option<&'a str>,
    pub dry_run: bool,
    pub backslash_literal: bool,
}

/// `file.replace` (the execution function); returns the diff (empty = no change).
pub(crate) fn replace_file(path: &Path, o: &ReplaceOpts<'_>) -> Result<String, String> {
    let path = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let data = fs::read(&path).map_err(|_| format!("File not found: {}", path.display()))?;
    if !util::is_text(&data) {
        return Err(format!(
            "Cannot perform string replacements on a binary file: {}",
            path.display()
        ));
    }
    if o.append_if_not_found && o.prepend_if_not_found {
        return Err("Only one of append and prepend_if_not_found is permitted".into());
    }
    let re = compile(o.pattern, o.flags)?;
    let repl = if o.backslash_literal {
        o.repl.replace('\\', "\\\\")
    } else {
        o.repl.to_string()
    };
    let rrepl = py_repl(&repl);
    let mut nrepl = 0usize;
    let result: Vec<u8> = {
        let mut out = Vec::new();
        let mut last = 0;
        for caps in re.captures_iter(&data) {
            if o.count > 0 && nrepl >= o.count {
                break;
            }
            let Some(m) = caps.get(0) else { continue };
            out.extend_from_slice(&data[last..m.start()]);
            caps.expand(rrepl.as_bytes(), &mut out);
            last = m.end();
            nrepl += 1;
        }
        out.extend_from_slice(&data[last..]);
        out
    };
    let mut found = nrepl > 0;
    let mut has_changes = nrepl > 0 && o.pattern != o.repl;
    let content = match o.not_found_content {
        Some(c) if o.append_if_not_found || o.prepend_if_not_found => c.to_string(),
        _ => o.repl.to_string(),
    };
    if o.append_if_not_found || o.prepend_if_not_found {
        let probe = format!("^{}($|(?:\r\n))", regex::escape(&content));
        if compile(&probe, o.flags).is_ok_and(|r| r.is_match(&data)) {
            found = true;
        }
    }
    let orig = bytes_splitlines(&data);
    let mut new = bytes_splitlines(&result);
    if orig == new {
        has_changes = false;
    }
    let mut write: Option<Vec<u8>> = has_changes.then(|| result.clone());
    if !found && (o.append_if_not_found || o.prepend_if_not_found) {
        let nfc = o.not_found_content.unwrap_or(o.repl).as_bytes().to_vec();
        let mut line = nfc;
        line.push(b'\n');
        if o.prepend_if_not_found {
            new.insert(0, line);
        } else {
            if let Some(last) = new.last_mut() {
                if !last.ends_with(b"\n") {
                    last.push(b'\n');
                }
            }
            new.push(line);
        }
        has_changes = true;
        write = Some(new.concat());
    }
    if !o.dry_run {
        if let Some(w) = &write {
            if let Some(b) = o.backup.filter(|b| !b.is_empty()) {
                util::backup_file(&path, b)?;
            }
            let pre = util::stats(&path, true);
            fs::write(&path, w).map_err(|e| {
                format!(
                    "Unable to write file '{}'. Exception: {}",
                    path.display(),
                    util::os_error(&e, &path)
                )
            })?;
            if let Some(st) = pre {
                if let Some(bits) = util::parse_mode(&st.mode) {
                    use std::os::unix::fs::PermissionsExt;
                    let _ = fs::set_permissions(&path, fs::Permissions::from_mode(bits));
                }
            }
        }
    }
    let _ = has_changes;
    Ok(lines_diff(&orig, &new))
}

/// `_check_file`.
pub(crate) fn check_file(name: &Path) -> Result<(), String> {
    if !name.is_absolute() {
        return Err(format!(
            "Specified file {} is not an absolute path",
            name.display()
        ));
    }
    if !name.exists() {
        return Err(format!("{}: file not found", name.display()));
    }
    Ok(())
}

/// The backup suffix argument (`.bak` default; False/"" disables).
pub(crate) fn backup_arg(call: &StateCall<'_>, default: &str) -> Option<String> {
    match call.low.get("backup") {
        None => Some(default.to_string()),
        Some(Value::Bool(false)) | Some(Value::None) => None,
        Some(v) => Some(v.to_py_str()).filter(|s| !s.is_empty()),
    }
}

/// `file.replace`.
pub(crate) fn replace(call: &StateCall<'_>) -> StateReturn {
    let (mut ret, name) = new_ret(call);
    if ret.name.is_empty() {
        return ret.fail("Must provide name to file.replace");
    }
    if let Err(m) = check_file(&name) {
        if arg_bool(call, "ignore_if_missing", false) && m.contains("file not found") {
            return ret.with_comment("No changes needed to be made");
        }
        return ret.fail(m);
    }
    let (Some(pattern), Some(repl)) = (
        arg_str(call, "pattern"),
        call.low.get("repl").map(Value::to_py_str),
    ) else {
        return ret.fail("replace() missing required arguments: 'pattern' and 'repl'");
    };
    let flags = match py_flags(arg(call, "flags")) {
        Ok(f) => f,
        Err(e) => return ret.fail(e),
    };
    let backup = backup_arg(call, ".bak");
    let nfc = arg_str(call, "not_found_content");
    let o = ReplaceOpts {
        pattern: &pattern,
        repl: &repl,
        count: arg(call, "count")
            .and_then(Value::as_int)
            .and_then(|c| usize::try_from(c).ok())
            .unwrap_or(0),
        flags: &flags,
        append_if_not_found: arg_bool(call, "append_if_not_found", false),
        prepend_if_not_found: arg_bool(call, "prepend_if_not_found", false),
        not_found_content: nfc.as_deref(),
        backup: backup.as_deref(),
        dry_run: call.test,
        backslash_literal: arg_bool(call, "backslash_literal", false),
    };
    match replace_file(&name, &o) {
        Err(e) => ret.fail(e),
        Ok(diff) if !diff.is_empty() => {
            let show = arg_bool(call, "show_changes", true);
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
                ret.comment = "Changes would have been made".into();
            } else {
                ret.comment = "Changes were made".into();
            }
            ret
        }
        Ok(_) => ret.with_comment("No changes needed to be made"),
    }
}
