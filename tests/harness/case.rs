//! Case files (`case.json`), call validation, case selection and the
//! salt-call command line built for each call.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use regex::Regex;
use serde_json::{Map, Value};

use crate::pyjson;
use crate::HarnessError;

/// Outputters compared as text (everything except `json`).
pub const TEXT_OUTPUTTERS: &[&str] = &[
    "highstate",
    "yaml",
    "nested",
    "txt",
    "raw",
    "quiet",
    "pprint",
];

/// Extra salt-call options a case may pass in `flags` (full-match regexes).
///
/// The first five are the shared corpus' list; `--retcode-passthrough` is
/// ours (this repo's cases use it to pin exit codes).
pub const FLAG_PATTERNS: &[&str] = &[
    r"--state-output=(full|terse|mixed|changes)(_id)?",
    r"--state-verbose=(True|False)",
    r"--output-diff",
    r"--out-indent=-?[0-9]+",
    r"--no-color",
    r"--retcode-passthrough",
];

const CALL_KEYS: &[&str] = &["fun", "args", "kwargs", "out", "flags"];

fn flag_res() -> &'static [Regex] {
    static RES: OnceLock<Vec<Regex>> = OnceLock::new();
    RES.get_or_init(|| {
        FLAG_PATTERNS
            .iter()
            .map(|p| Regex::new(&format!("^(?:{p})$")).expect("flag patterns are valid"))
            .collect()
    })
}

/// One entry of a case's `calls`.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// Salt function, e.g. `state.apply`.
    pub fun: String,
    /// Positional arguments (strings verbatim, others JSON-encoded).
    pub args: Vec<Value>,
    /// `key=value` arguments in file order.
    pub kwargs: Map<String, Value>,
    /// Outputter (`json` unless the case says otherwise).
    pub out: String,
    /// Extra allowed salt-call flags.
    pub flags: Vec<String>,
}

impl Call {
    /// Parse and validate one `calls` entry (the rules of the shared `conflib.validate_call`).
    pub fn from_value(v: &Value) -> Result<Call, HarnessError> {
        let bad = || HarnessError::Case(format!("bad call entry: {v}"));
        let obj = v.as_object().ok_or_else(bad)?;
        if obj.keys().any(|k| !CALL_KEYS.contains(&k.as_str())) {
            return Err(bad());
        }
        let fun = obj.get("fun").and_then(Value::as_str).ok_or_else(bad)?;
        let args = match obj.get("args") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a.clone(),
            Some(_) => return Err(bad()),
        };
        let kwargs = match obj.get("kwargs") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => return Err(bad()),
        };
        let out = match obj.get("out") {
            None | Some(Value::Null) => "json".to_string(),
            Some(Value::String(s)) if s == "json" || TEXT_OUTPUTTERS.contains(&s.as_str()) => {
                s.clone()
            }
            Some(o) => {
                return Err(HarnessError::Case(format!(
                    "call {fun}: out {o} not one of json, {}",
                    TEXT_OUTPUTTERS.join(", ")
                )))
            }
        };
        let flags = match obj.get("flags") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => {
                let mut flags = Vec::new();
                for f in a {
                    match f.as_str() {
                        Some(s) if flag_res().iter().any(|r| r.is_match(s)) => {
                            flags.push(s.to_string())
                        }
                        _ => {
                            return Err(HarnessError::Case(format!(
                                "call {fun}: flag {f} not allowed"
                            )))
                        }
                    }
                }
                flags
            }
            Some(_) => {
                return Err(HarnessError::Case(format!(
                    "call {fun}: flags must be a list"
                )))
            }
        };
        Ok(Call {
            fun: fun.to_string(),
            args,
            kwargs,
            out,
            flags,
        })
    }

    /// True when the output is compared as text (`out` other than `json`).
    pub fn is_text(&self) -> bool {
        self.out != "json"
    }

    /// `BIN -c CONF --local --out=OUT [--no-color] [FLAGS...] FUN ARGS... k=v...`
    /// (`--no-color` added for text outputs); `@SANDBOX@` in args and kwargs
    /// becomes the sandbox path.
    pub fn argv(&self, bin: &str, conf: &Path, sandbox: &Path) -> Vec<String> {
        let sb = sandbox.to_string_lossy();
        let mut argv = vec![
            bin.to_string(),
            "-c".into(),
            conf.to_string_lossy().into_owned(),
            "--local".into(),
            format!("--out={}", self.out),
        ];
        if self.is_text() && !self.flags.iter().any(|f| f == "--no-color") {
            argv.push("--no-color".into());
        }
        argv.extend(self.flags.iter().cloned());
        argv.push(self.fun.clone());
        for a in &self.args {
            argv.push(fmt_arg(&subst(a, &sb)));
        }
        for (k, v) in &self.kwargs {
            argv.push(format!("{k}={}", fmt_arg(&subst(v, &sb))));
        }
        argv
    }
}

/// One CLI argument as a salt-call user types it: strings verbatim, other
/// values as Python's `json.dumps(v, sort_keys=True)`.
pub fn fmt_arg(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => pyjson::dumps_arg(other),
    }
}

fn subst(v: &Value, sandbox: &str) -> Value {
    match v {
        Value::String(s) => Value::String(s.replace("@SANDBOX@", sandbox)),
        Value::Array(a) => Value::Array(a.iter().map(|x| subst(x, sandbox)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), subst(x, sandbox)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A parsed `case.json`.
#[derive(Debug, Clone)]
pub struct Case {
    /// Folder name, e.g. `001-top-merging`.
    pub name: String,
    /// Absolute, lexically normalised case folder.
    pub dir: PathBuf,
    /// Case grains (merged over the base grains).
    pub grains: Map<String, Value>,
    /// Extra minion config keys.
    pub minion: Map<String, Value>,
    /// The calls, in order.
    pub calls: Vec<Call>,
}

impl Case {
    /// Read `DIR/case.json`.
    pub fn load(dir: &Path) -> Result<Case, HarnessError> {
        let dir = abspath(dir);
        let path = dir.join("case.json");
        let text = fs::read_to_string(&path).map_err(|e| HarnessError::Io(path.clone(), e))?;
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| HarnessError::Case(format!("{}: {e}", path.display())))?;
        let obj = v
            .as_object()
            .ok_or_else(|| HarnessError::Case(format!("{}: not a mapping", path.display())))?;
        let map_of = |key: &str| -> Result<Map<String, Value>, HarnessError> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(Map::new()),
                Some(Value::Object(m)) => Ok(m.clone()),
                Some(_) => Err(HarnessError::Case(format!(
                    "{}: {key} must be a mapping",
                    path.display()
                ))),
            }
        };
        let calls = match obj.get("calls") {
            Some(Value::Array(a)) if !a.is_empty() => a
                .iter()
                .map(Call::from_value)
                .collect::<Result<Vec<_>, _>>()?,
            _ => return Err(HarnessError::Case(format!("{}: no calls", path.display()))),
        };
        Ok(Case {
            name: dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            grains: map_of("grains")?,
            minion: map_of("minion")?,
            calls,
            dir,
        })
    }
}

/// Case folder names under `cases_dir` (sorted), optionally restricted to
/// `names`: a full folder name, its number (`021`) or a path to the folder.
pub fn list_cases(cases_dir: &Path, names: &[String]) -> Result<Vec<String>, HarnessError> {
    let rd = fs::read_dir(cases_dir).map_err(|e| HarnessError::Io(cases_dir.to_path_buf(), e))?;
    let mut all: Vec<String> = rd
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    all.sort();
    if names.is_empty() {
        return Ok(all);
    }
    let mut out: Vec<String> = Vec::new();
    for n in names {
        let n = n.trim_end_matches('/');
        let n = n.rsplit('/').next().unwrap_or(n);
        let hits: Vec<&String> = all
            .iter()
            .filter(|c| {
                c.as_str() == n || c.starts_with(&format!("{n}-")) || c.split('-').next() == Some(n)
            })
            .collect();
        if hits.is_empty() {
            return Err(HarnessError::Case(format!("no such case: {n}")));
        }
        for h in hits {
            if !out.contains(h) {
                out.push(h.clone());
            }
        }
    }
    Ok(out)
}

/// Python's `os.path.abspath`: absolute and lexically normalised (`.` and
/// `..` collapsed, symlinks not resolved).
pub fn abspath(p: &Path) -> PathBuf {
    use std::path::Component;
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|c| c.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn argv_for_json_and_text_calls() {
        let c = Call::from_value(&json!({
            "fun": "state.apply", "args": ["a", 3],
            "kwargs": {"test": true, "pillar": {"v": 2, "p": "@SANDBOX@/x"}}
        }))
        .unwrap();
        let argv = c.argv("bin", Path::new("/c"), Path::new("/s"));
        assert_eq!(
            argv,
            [
                "bin",
                "-c",
                "/c",
                "--local",
                "--out=json",
                "state.apply",
                "a",
                "3",
                "test=true",
                r#"pillar={"p": "/s/x", "v": 2}"#
            ]
        );
        let t = Call::from_value(&json!({"fun": "test.ping", "out": "highstate",
            "flags": ["--state-output=terse_id"]}))
        .unwrap();
        assert_eq!(
            t.argv("b", Path::new("/c"), Path::new("/s"))[4..],
            [
                "--out=highstate",
                "--no-color",
                "--state-output=terse_id",
                "test.ping"
            ]
        );
    }

    #[test]
    fn rejects_unknown_keys_flags_and_outputters() {
        assert!(Call::from_value(&json!({"fun": "x", "bogus": 1})).is_err());
        assert!(Call::from_value(&json!({"args": []})).is_err());
        assert!(Call::from_value(&json!({"fun": "x", "out": "table"})).is_err());
        assert!(Call::from_value(&json!({"fun": "x", "flags": ["--force-color"]})).is_err());
        assert!(Call::from_value(&json!({"fun": "x", "flags": ["--state-output=fullx"]})).is_err());
        assert!(Call::from_value(&json!({"fun": "x", "flags": ["--retcode-passthrough"]})).is_ok());
        assert!(Call::from_value(&json!({"fun": "x", "flags": ["--out-indent=-1"]})).is_ok());
    }

    #[test]
    fn list_cases_by_number_name_and_path() {
        let d = tempfile::tempdir().unwrap();
        for n in ["001-a", "002-b-c", "010-d", ".hidden"] {
            fs::create_dir(d.path().join(n)).unwrap();
        }
        fs::write(d.path().join("README"), "x").unwrap();
        assert_eq!(
            list_cases(d.path(), &[]).unwrap(),
            ["001-a", "002-b-c", "010-d"]
        );
        let sel = ["010".to_string(), "cases/001-a/".into(), "002-b-c".into()];
        assert_eq!(
            list_cases(d.path(), &sel).unwrap(),
            ["010-d", "001-a", "002-b-c"]
        );
        assert!(list_cases(d.path(), &["003".into()]).is_err());
    }

    #[test]
    fn abspath_collapses_dots() {
        assert_eq!(abspath(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
    }
}
