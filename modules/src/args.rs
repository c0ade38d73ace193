//! Typed access to state and function arguments, with Salt's coercions.
//!
//! Salt passes state arguments as Python objects from YAML; state functions then coerce
//! (e.g. `mode: 644` and `mode: '0644'` are the same). These helpers centralise that and
//! produce Salt-style error texts for wrong types.

use rsalt_data::{Dict, Value};

/// An argument had the wrong type or value.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[error("{0}")]
pub struct ArgError(pub String);

/// Reads a string argument; ints/floats/bools are converted with Python's `str()`.
pub fn opt_str(d: &Dict, key: &str) -> Result<Option<String>, ArgError> {
    match d.get(key) {
        None | Some(Value::None) => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s.clone())),
        Some(v @ (Value::Int(_) | Value::Float(_) | Value::Bool(_))) => Ok(Some(v.to_py_str())),
        Some(v) => Err(ArgError(format!(
            "Argument '{key}' must be a string, not {}",
            v.type_name()
        ))),
    }
}

/// Reads a boolean argument with Python truthiness for non-bools (Salt mostly does `if arg:`).
pub fn opt_bool(d: &Dict, key: &str, default: bool) -> bool {
    match d.get(key) {
        None => default,
        Some(v) => v.truthy(),
    }
}

/// Reads an argument as a list: a scalar becomes a one-element list, None/missing → empty.
pub fn opt_list(d: &Dict, key: &str) -> Vec<Value> {
    match d.get(key) {
        None | Some(Value::None) => Vec::new(),
        Some(Value::List(l)) => l.clone(),
        Some(v) => vec![v.clone()],
    }
}

/// Normalises a file mode as Salt does (`644`, `'0644'`, `0o644` → `"0644"`); `None` for
/// no mode. Errors on values that are not octal digits.
pub fn opt_mode(d: &Dict, key: &str) -> Result<Option<String>, ArgError> {
    let raw = match d.get(key) {
        None | Some(Value::None) => return Ok(None),
        Some(Value::Int(i)) => i.to_string(),
        Some(Value::Str(s)) => s.trim().to_string(),
        Some(v) => {
            return Err(ArgError(format!(
                "Invalid mode {}: must be an octal string",
                v.to_py_str()
            )))
        }
    };
    let digits = raw.trim_start_matches("0o");
    if digits.is_empty() || !digits.chars().all(|c| ('0'..='7').contains(&c)) || digits.len() > 5 {
        return Err(ArgError(format!("Invalid mode {raw}")));
    }
    let n = u32::from_str_radix(digits, 8).map_err(|_| ArgError(format!("Invalid mode {raw}")))?;
    Ok(Some(format!("{n:04o}")))
}

// ---- command-line arguments (salt.utils.args) ----

/// Python's `KWARG_REGEX`: `^([^\d\W][\w.-]*)=(?!=)(.*)$`.
pub fn parse_kwarg(s: &str) -> Option<(String, String)> {
    let (k, v) = s.split_once('=')?;
    if v.starts_with('=') {
        return None;
    }
    let mut chars = k.chars();
    let first = chars.next()?;
    if !(first.is_alphabetic() || first == '_') {
        return None;
    }
    if !chars.all(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '-') {
        return None;
    }
    Some((k.to_string(), v.to_string()))
}

/// `salt.utils.args.yamlify_arg`.
pub fn yamlify_arg(arg: &str) -> Value {
    let keep = || Value::Str(arg.to_string());
    let t = arg.trim();
    if t.is_empty() || t == "---" || t == "..." {
        return keep();
    }
    if arg.contains('_') && t.chars().all(|c| c.is_ascii_digit() || c == '_') {
        return keep();
    }
    if arg.contains(['\t', '\r', '\n']) {
        return keep();
    }
    if arg == "None" {
        return Value::None;
    }
    let Ok(parsed) = rsalt_data::yaml::load(arg).map(Value::into_plain_dicts) else {
        return keep();
    };
    if arg.contains('#') {
        return match parsed {
            Value::Str(_) | Value::None => keep(),
            other => other,
        };
    }
    match parsed {
        Value::Dict(_) if !arg.starts_with('{') => keep(),
        Value::List(_) if !arg.starts_with('[') => keep(),
        Value::Dict(_) | Value::List(_) => parsed,
        Value::Str(ref s) if s.is_empty() && (arg == "|" || arg == "!") => keep(),
        Value::None if t.starts_with('#') || arg == "!" => keep(),
        Value::Bool(_) => parsed,
        other => other,
    }
}
