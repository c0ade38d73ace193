//! `file.blockreplace`.

use super::replace::{backup_arg, check_file};
use super::util;
use super::{arg, arg_bool, arg_str, new_ret};
use crate::state::{StateCall, StateReturn};
use rsalt_data::Value;
use std::fs;
use std::path::Path;

/// Options of the `file.blockreplace` execution function.
pub(crate) struct BlockOpts<'a> {
    pub marker_start: &'a str,
    pub marker_end: &'a str,
    pub content: &'a str,
    pub append_if_not_found: bool,
    pub prepend_if_not_found: bool,
    pub insert_before_match: Option<&'a str>,
    pub insert_after_match: Option<&'a str>,
    pub backup: Option<&'a str>,
    pub dry_run: bool,
    pub append_newline: Option<bool>,
}

/// `file.blockreplace` (execution function): returns the diff.
pub(crate) fn blockreplace_file(path: &Path, o: &BlockOpts<'_>) -> Result<String, String> {
    let exclusive = [
        o.append_if_not_found,
        o.prepend_if_not_found,
        o.insert_before_match.is_some(),
        o.insert_after_match.is_some(),
    ];
    if exclusive.iter().filter(|b| **b).count() > 1 {
        return Err("Only one of append_if_not_found, prepend_if_not_found, insert_before_match, and insert_after_match is permitted".into());
    }
    let data = fs::read(path).map_err(|_| format!("File not found: {}", path.display()))?;
    if !util::is_text(&data) {
        return Err(format!(
            "Cannot perform string replacements on a binary file: {}",
            path.display()
        ));
    }
    let text = util::decode(&data);
    let append_newline = o.append_newline.unwrap_or(!o.content.ends_with('\n'));
    let split_content: Vec<&str> = o
        .content
        .split("\r\n")
        .flat_map(|l| l.split('\n'))
        .collect();
    let add_content =
        |linesep: &str, lines: &mut Vec<String>, include_start: bool, end_line: Option<&str>| {
            let end = format!(
                "{}{linesep}",
                end_line
                    .unwrap_or(o.marker_end)
                    .trim_end_matches(['\r', '\n'])
            );
            if include_start {
                lines.push(format!("{}{linesep}", o.marker_start));
            }
            let n = split_content.len();
            for (i, l) in split_content.iter().enumerate() {
                if i + 1 != n {
                    lines.push(format!("{l}{linesep}"));
                } else if append_newline {
                    lines.push(format!("{l}{linesep}"));
                    lines.push(end.clone());
                } else {
                    lines.push(format!("{l}{end}"));
                }
            }
        };
    let mut orig: Vec<String> = Vec::new();
    let mut new: Vec<String> = Vec::new();
    let mut in_block = false;
    let mut found = false;
    let mut linesep: Option<&str> = None;
    for line in text.split_inclusive('\n') {
        let mut write = true;
        if linesep.is_none() {
            linesep = Some(if line.ends_with("\r\n") { "\r\n" } else { "\n" });
        }
        let ls = linesep.unwrap_or("\n");
        if line.contains(o.marker_start) {
            in_block = true;
        } else if in_block {
            write = false;
            if let Some(pos) = line.find(o.marker_end) {
                in_block = false;
                found = true;
                add_content(ls, &mut new, false, Some(&line[pos..]));
            }
        }
        orig.push(line.to_string());
        if write {
            new.push(line.to_string());
        }
    }
    let ls = linesep.unwrap_or("\n");
    if in_block {
        return Err("Unterminated marked block. End of file reached before marker_end.".into());
    }
    if !found {
        if o.prepend_if_not_found {
            let mut pre = Vec::new();
            add_content(ls, &mut pre, true, None);
            pre.append(&mut new);
            new = pre;
            found = true;
        } else if o.append_if_not_found {
            if let Some(last) = new.last_mut() {
                if !last.ends_with(ls) {
                    last.push_str(ls);
                }
            }
            add_content(ls, &mut new, true, None);
            found = true;
        } else if let Some(rx) = o.insert_before_match.or(o.insert_after_match) {
            let re = regex::Regex::new(rx).map_err(|e| e.to_string())?;
            if let Some(mut idx) = orig.iter().position(|l| re.is_match(l)) {
                let mut block = Vec::new();
                add_content(ls, &mut block, true, None);
                for l in block {
                    if o.insert_after_match.is_some() {
                        idx += 1;
                    }
                    new.insert(idx.min(new.len()), l);
                    if o.insert_before_match.is_some() {
                        idx += 1;
                    }
                }
                found = true;
            }
        }
    }
    if !found {
        return Err("Cannot edit marked block. Markers were not found in file.".into());
    }
    let diff = super::difflib::get_diff(&orig, &new);
    if !diff.is_empty() && !o.dry_run {
        if let Some(b) = o.backup {
            util::backup_file(path, b)?;
        }
        util::copy_into(new.concat().as_bytes(), path)?;
    }
    Ok(diff)
}

/// `file.blockreplace`.
pub(crate) fn blockreplace(call: &StateCall<'_>) -> StateReturn {
    let (mut ret, name) = new_ret(call);
    ret.result = Some(false);
    if ret.name.is_empty() {
        return ret.fail("Must provide name to file.blockreplace");
    }
    if let Err(m) = check_file(&name) {
        return ret.fail(m);
    }
    let marker_start =
        arg_str(call, "marker_start").unwrap_or_else(|| "#-- start managed zone --".into());
    let marker_end =
        arg_str(call, "marker_end").unwrap_or_else(|| "#-- end managed zone --".into());
    let mut content = arg(call, "content")
        .map(Value::to_py_str)
        .unwrap_or_default();
    if let Some(acc) = super::accumulated::get(&ret.name) {
        for (_, texts) in acc.iter() {
            if let Value::List(items) = texts {
                for l in items {
                    if content.is_empty() {
                        content = l.to_py_str();
                    } else {
                        content = format!("{content}\n{}", l.to_py_str());
                    }
                }
            }
        }
    }
    if let Some(src) = arg(call, "source") {
        let text = match super::managed::source_list(call, src)
            .and_then(|s| super::managed::fetch_source(call, &s))
        {
            Ok(d) => util::decode(&d),
            Err(_) => return ret.fail(format!("Failed to load template file {}", src.to_py_str())),
        };
        let text = match arg_str(call, "template") {
            Some(t) => {
                let (path, _) = super::parse_salt_url(&src.to_py_str());
                match super::managed::render_template(
                    call,
                    &t,
                    &text,
                    &path,
                    &rsalt_data::Dict::new(),
                    arg(call, "defaults").and_then(Value::as_dict),
                    arg(call, "context").and_then(Value::as_dict),
                ) {
                    Ok(s) => s,
                    Err(e) => return ret.fail(e),
                }
            }
            None => text,
        };
        content.push_str(&text);
    }
    let backup = backup_arg(call, ".bak");
    let (ibm, iam) = (
        arg_str(call, "insert_before_match"),
        arg_str(call, "insert_after_match"),
    );
    let o = BlockOpts {
        marker_start: &marker_start,
        marker_end: &marker_end,
        content: &content,
        append_if_not_found: arg_bool(call, "append_if_not_found", false),
        prepend_if_not_found: arg_bool(call, "prepend_if_not_found", false),
        insert_before_match: ibm.as_deref(),
        insert_after_match: iam.as_deref(),
        backup: backup.as_deref(),
        dry_run: call.test,
        append_newline: arg(call, "append_newline").map(Value::truthy),
    };
    match blockreplace_file(&name, &o) {
        Err(e) => ret.with_comment(format!(
            "Encountered error managing block: {e}. See the log for details."
        )),
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
                ret.comment = "Changes would be made".into();
            } else {
                ret.result = Some(true);
                ret.comment = "Changes were made".into();
            }
            ret
        }
        Ok(_) => {
            ret.result = Some(true);
            ret.with_comment("No changes needed to be made")
        }
    }
}
