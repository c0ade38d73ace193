//! `file.keyvalue` (Salt's `salt/states/file.py`, new in 3001): key/value editing of a
//! file line by line, with Salt's diff format (`- old` / `+ new` lines, `<EOF>`/`<SOF>`
//! markers) and its quirks (uncomment characters are a *set*; `uncomment: None` strips
//! leading whitespace; `count: -1` never appends; lines after `count` matches are removed).
//!
//! Difference from Salt: a file that is not UTF-8 is read as latin-1 (Salt raises
//! `UnicodeDecodeError`); bad argument types fail with Salt's exception text instead of a
//! traceback.

use super::{arg, new_ret};
use crate::state::{StateCall, StateReturn};
use rsalt_data::{DictKind, Value};
use std::fs;

/// Python's text-mode `readlines()` with `newline=''`: lines end after `\n`, `\r\n` or a
/// lone `\r`, endings kept.
fn text_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let end = match b[i] {
            b'\n' => i + 1,
            b'\r' if b.get(i + 1) == Some(&b'\n') => i + 2,
            b'\r' => i + 1,
            _ => {
                i += 1;
                continue;
            }
        };
        out.push(text[start..end].to_string());
        start = end;
        i = end;
    }
    if start < text.len() {
        out.push(text[start..].to_string());
    }
    out
}

/// `str.lstrip(chars)`: `None` strips whitespace.
fn lstrip<'a>(s: &'a str, chars: Option<&str>) -> &'a str {
    match chars {
        None => s.trim_start(),
        Some(set) => s.trim_start_matches(|c| set.contains(c)),
    }
}

fn error(mut ret: StateReturn, msg: impl Into<String>) -> StateReturn {
    ret.result = Some(false);
    ret.comment = msg.into();
    ret
}

/// `file.keyvalue(name, key=None, value=None, key_values=None, separator='=',
/// append_if_not_found=False, prepend_if_not_found=False, search_only=False,
/// show_changes=True, ignore_if_missing=False, count=1, uncomment=None,
/// key_ignore_case=False, value_ignore_case=False, create_if_missing=False)`.
pub(crate) fn keyvalue(call: &StateCall<'_>) -> StateReturn {
    let (mut ret, path) = new_ret(call);
    ret.result = None;
    let flag = |k: &str| call.low.get(k).is_some_and(Value::truthy);
    if ret.name.is_empty() {
        return error(ret, "Must provide name to file.keyvalue");
    }
    let key_values_arg = call.low.get("key_values").cloned().unwrap_or(Value::None);
    let pairs: Vec<(Value, Value)> = match (arg(call, "key"), arg(call, "value")) {
        (Some(k), Some(v)) => {
            // Salt checks `type(key_values) is dict`: an OrderedDict from SLS passes.
            if matches!(&key_values_arg, Value::Dict(d) if d.kind == DictKind::Plain) {
                return error(
                    ret,
                    "file.keyvalue can not combine key_values with key and value",
                );
            }
            vec![(Value::Str(k.to_py_str()), v.clone())]
        }
        _ => match &key_values_arg {
            Value::Dict(d) if !d.is_empty() => {
                d.iter().map(|(k, v)| (k.to_value(), v.clone())).collect()
            }
            other => {
                let msg = if other.truthy() {
                    "is not a dictionary"
                } else {
                    "is empty"
                };
                return error(
                    ret,
                    format!("file.keyvalue key and value not supplied and key_values {msg}"),
                );
            }
        },
    };
    let mut kv: Vec<(String, Value)> = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        match k {
            Value::Str(s) => kv.push((s, v)),
            other => {
                return error(
                    ret,
                    format!(
                        "An exception occurred in this state: TypeError: startswith first arg must be str or a tuple of str, not {}",
                        other.type_name()
                    ),
                )
            }
        }
    }
    let separator = arg(call, "separator")
        .map(Value::to_py_str)
        .unwrap_or_else(|| "=".into());
    if separator.is_empty() {
        return error(
            ret,
            "An exception occurred in this state: ValueError: empty separator",
        );
    }
    let count = match call.low.get("count") {
        None => 1,
        Some(Value::Int(i)) => *i,
        Some(Value::Bool(b)) => i64::from(*b),
        Some(other) => {
            return error(
                ret,
                format!(
                    "An exception occurred in this state: TypeError: '>' not supported between instances of '{}' and 'int'",
                    other.type_name()
                ),
            )
        }
    };
    let uncomment = arg(call, "uncomment").map(Value::to_py_str);
    let key_ignore_case = flag("key_ignore_case");
    let value_ignore_case = flag("value_ignore_case");
    let show_changes = call.low.get("show_changes").is_none_or(Value::truthy);
    let mut append = flag("append_if_not_found");
    let prepend = flag("prepend_if_not_found");

    let file_contents = match fs::read(&path) {
        Ok(data) => text_lines(&super::util::decode(&data)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && flag("create_if_missing") => {
            append = true;
            Vec::new()
        }
        Err(_) => {
            ret.comment = format!("unable to open {}", ret.name);
            ret.result = Some(flag("ignore_if_missing"));
            return ret;
        }
    };

    let mut diff: Vec<String> = Vec::new();
    let mut content: Vec<String> = Vec::new();
    let mut changes = 0usize;
    let mut diff_count: Vec<i64> = vec![count; kv.len()];
    let fmt_line = |k: &str, sep: &str, v: &Value| format!("{k}{sep}{}\n", v.to_py_str());

    for orig in &file_contents {
        let mut line = orig.clone();
        let stripped = lstrip(orig, uncomment.as_deref());
        let did_uncomment = orig.chars().count() > stripped.chars().count();
        let test_line = if key_ignore_case {
            stripped.to_lowercase()
        } else {
            stripped.to_string()
        };
        for (idx, (key, value)) in kv.iter().enumerate() {
            let test_key = if key_ignore_case {
                key.to_lowercase()
            } else {
                key.clone()
            };
            if !test_line.starts_with(&test_key) {
                continue;
            }
            let working = if did_uncomment {
                lstrip(&line, uncomment.as_deref()).to_string()
            } else {
                line.clone()
            };
            let Some((line_key, line_value)) = working.split_once(separator.as_str()) else {
                continue;
            };
            let keys_match = if key_ignore_case {
                line_key.to_lowercase() == test_key
            } else {
                line_key == test_key
            };
            if !keys_match {
                continue;
            }
            let mut lv = line_value.trim().to_string();
            let mut tv = value.to_py_str().trim().to_string();
            if value_ignore_case {
                lv = lv.to_lowercase();
                tv = tv.to_lowercase();
            }
            let mut values_match = lv == tv;
            let mut needs_changing = false;
            if did_uncomment {
                if diff_count[idx] > 0 {
                    needs_changing = true;
                } else if !values_match {
                    values_match = true;
                }
            } else if diff_count[idx] == 0 {
                needs_changing = true;
            }
            if !values_match || needs_changing {
                diff.push(format!("- {line}"));
                let line_key = line_key.to_string();
                line = String::new();
                if diff_count[idx] != 0 {
                    line = fmt_line(&line_key, &separator, value);
                    if matches!(value, Value::Str(_)) {
                        diff.push(format!("+ {line}"));
                    } else {
                        diff.push(format!(
                            "+ {} (from {} type)\n",
                            line.trim_end(),
                            value.type_name()
                        ));
                    }
                }
                changes += 1;
            }
            if diff_count[idx] > 0 {
                diff_count[idx] -= 1;
            }
        }
        content.push(line);
    }

    if append {
        let mut tmp = Vec::new();
        for (idx, (key, value)) in kv.iter().enumerate() {
            if diff_count[idx] > 0 {
                let line = fmt_line(key, &separator, value);
                tmp.push(format!("+ {line}"));
                content.push(line);
                changes += 1;
            }
        }
        if !tmp.is_empty() {
            diff.push("- <EOF>\n".into());
            diff.extend(tmp);
            diff.push("+ <EOF>\n".into());
        }
    } else if prepend {
        let mut did_diff = false;
        for (idx, (key, value)) in kv.iter().enumerate() {
            if diff_count[idx] > 0 {
                let line = fmt_line(key, &separator, value);
                if !did_diff {
                    diff.insert(0, "  <SOF>\n".into());
                    did_diff = true;
                }
                diff.insert(1, format!("+ {line}"));
                content.insert(0, line);
                changes += 1;
            }
        }
    }

    if changes == 0 {
        ret.result = Some(true);
        return ret;
    }
    if call.test {
        ret.comment = format!("File {} is set to be changed ({changes} lines)", ret.name);
        if show_changes {
            ret.changes.insert("diff", Value::from(diff.concat()));
            ret.comment += "\nPredicted diff:\n\r\t\t";
            ret.comment += &diff.join("\r\t\t");
            ret.result = None;
        }
        return ret;
    }
    ret.comment = format!("Changed {changes} lines");
    if show_changes {
        ret.changes.insert("diff", Value::from(diff.concat()));
    }
    if fs::write(&path, content.concat()).is_err() {
        ret.comment = format!("{} not writable", ret.name);
        ret.result = Some(false);
        return ret;
    }
    ret.result = Some(true);
    ret
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_endings() {
        assert_eq!(text_lines("a\r\nb\rc\nd"), vec!["a\r\n", "b\r", "c\n", "d"]);
        assert!(text_lines("").is_empty());
    }

    #[test]
    fn lstrip_sets() {
        assert_eq!(lstrip("# #x", Some("# ")), "x");
        assert_eq!(lstrip("  x ", None), "x ");
    }
}
