//! The `file` state module (Salt's `salt/states/file.py`): one file per group of
//! functions, shared helpers in [`util`] and a port of Python's `difflib` in [`difflib`].
//!
//! Accumulators (`file.accumulated`) live in a process-wide store keyed by target file;
//! see [`accumulated`]. The runner must call [`accumulated::clear`] at the end of every
//! state run (Salt deletes its accumulator file at the end of `call_high`).

pub mod accumulated;
mod blockreplace;
mod comment;
pub mod difflib;
mod directory;
mod keyvalue;
mod line;
mod managed;
mod misc;
mod recurse;
mod replace;
mod serialize;
mod symlink;
pub mod util;

pub(crate) use managed::{fetch_source, render_template, source_list};
pub use misc::touch_path as misc_touch;
pub use replace::{compile as compile_regex, py_flags};
pub use symlink::normpath;

use super::{StateCall, StateModule, StateReturn};
use rsalt_data::{Dict, Value};
use std::path::PathBuf;

/// The `file` state module.
#[derive(Debug, Default, Clone, Copy)]
pub struct File;

const FUNCTIONS: &[&str] = &[
    "managed",
    "directory",
    "symlink",
    "absent",
    "exists",
    "missing",
    "touch",
    "append",
    "prepend",
    "line",
    "replace",
    "blockreplace",
    "comment",
    "uncomment",
    "keyvalue",
    "serialize",
    "recurse",
    "copy",
    "rename",
    "accumulated",
];

impl StateModule for File {
    fn name(&self) -> &'static str {
        "file"
    }

    fn functions(&self) -> &'static [&'static str] {
        FUNCTIONS
    }

    fn call(&self, fun: &str, call: &StateCall<'_>) -> StateReturn {
        match fun {
            "managed" => managed::managed(call),
            "directory" => directory::directory(call),
            "symlink" => symlink::symlink(call),
            "absent" => misc::absent(call),
            "exists" => misc::exists(call),
            "missing" => misc::missing(call),
            "touch" => misc::touch(call),
            "copy" => misc::copy(call),
            "rename" => misc::rename(call),
            "append" => line::append(call, false),
            "prepend" => line::append(call, true),
            "line" => line::line(call),
            "replace" => replace::replace(call),
            "comment" => comment::comment(call),
            "uncomment" => comment::uncomment(call),
            "blockreplace" => blockreplace::blockreplace(call),
            "keyvalue" => keyvalue::keyvalue(call),
            "serialize" => serialize::serialize(call),
            "recurse" => recurse::recurse(call),
            "accumulated" => accumulated::accumulated(call),
            other => crate::state::not_found("file", other, call),
        }
    }

    fn mod_watch(&self, call: &StateCall<'_>) -> Option<StateReturn> {
        // Salt's file.mod_watch only exists for file.serialize-less cases; states rerun.
        let _ = call;
        None
    }
}

/// Argument `key` of the chunk, with Python `None` treated as absent.
pub(crate) fn arg<'a>(call: &'a StateCall<'_>, key: &str) -> Option<&'a Value> {
    call.low.get(key).filter(|v| !v.is_none())
}

/// A string argument (Python `str()` of scalars).
pub(crate) fn arg_str(call: &StateCall<'_>, key: &str) -> Option<String> {
    arg(call, key).map(Value::to_py_str)
}

/// A boolean argument with Python truthiness.
pub(crate) fn arg_bool(call: &StateCall<'_>, key: &str, default: bool) -> bool {
    match call.low.get(key) {
        None => default,
        Some(v) => v.truthy(),
    }
}

/// `os.path.expanduser` for `~` and `~/...`.
pub fn expanduser(name: &str) -> String {
    if name == "~" || name.starts_with("~/") {
        if let Ok(home) = std::env::var("HOME") {
            return format!("{home}{}", &name[1..]);
        }
    }
    name.to_string()
}

/// A fresh return for the chunk's `name` after `expanduser`.
pub(crate) fn new_ret(call: &StateCall<'_>) -> (StateReturn, PathBuf) {
    let name = expanduser(&call.name);
    (StateReturn::new(name.clone()), PathBuf::from(name))
}

/// The user argument (`user`, or the undocumented `owner` alias).
pub(crate) fn user_arg(call: &StateCall<'_>) -> Option<util::Owner> {
    util::Owner::from_value(arg(call, "user"))
        .or_else(|| util::Owner::from_value(arg(call, "owner")))
}

/// The group argument.
pub(crate) fn group_arg(call: &StateCall<'_>) -> Option<util::Owner> {
    util::Owner::from_value(arg(call, "group"))
}

/// Salt's `traverse_dict_and_list(data, key, delimiter)`.
pub(crate) fn traverse(data: &Value, key: &str, delim: &str) -> Option<Value> {
    let mut ptr = data.clone();
    for part in key.split(delim) {
        ptr = match &ptr {
            Value::List(items) => {
                let embedded = items
                    .iter()
                    .filter_map(Value::as_dict)
                    .find_map(|d| d.get(part).cloned());
                match embedded {
                    Some(v) => v,
                    None => {
                        let idx: i64 = part.trim().parse().ok()?;
                        let idx = if idx < 0 {
                            items.len() as i64 + idx
                        } else {
                            idx
                        };
                        items.get(usize::try_from(idx).ok()?)?.clone()
                    }
                }
            }
            Value::Dict(d) => match d.get(part) {
                Some(v) => v.clone(),
                None => {
                    let k = part.parse::<i64>().ok()?;
                    d.map.get(&rsalt_data::Key::Int(k))?.clone()
                }
            },
            _ => return None,
        };
    }
    Some(ptr)
}

/// A `Dict` with one string entry.
pub(crate) fn dict1(k: &str, v: Value) -> Dict {
    let mut d = Dict::new();
    d.insert(k, v);
    d
}

/// Splits Salt's `salt://path?saltenv=env` into path and environment.
pub(crate) fn parse_salt_url(url: &str) -> (String, Option<String>) {
    let rest = url.strip_prefix("salt://").unwrap_or(url);
    match rest.split_once('?') {
        Some((p, q)) => {
            let env = q
                .split('&')
                .find_map(|kv| kv.strip_prefix("saltenv=").map(str::to_string));
            (p.to_string(), env)
        }
        None => (rest.to_string(), None),
    }
}
