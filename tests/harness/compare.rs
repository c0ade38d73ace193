//! Comparison of a normalised output with the recording: strict JSON types
//! (`1` vs `1.0` vs `true`), soft `comment` values and soft error wording.

use serde_json::Value;

use crate::pyjson::{self, DumpOpts};

/// Whether a difference fails the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Fails the case.
    Hard,
    /// Counted only: inside a `comment` value, or an error message's wording.
    Soft,
}

/// One difference: where, what was expected and what came out. Markers such
/// as `<missing>` are JSON strings starting with `<` and ending with `>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Diff {
    /// Hard or soft.
    pub kind: Kind,
    /// JSON path (`$.local["file_|-a_|-a_|-managed"].result`) or `<exit status>`.
    pub path: String,
    /// Expected value (or marker).
    pub expected: Value,
    /// Actual value (or marker).
    pub actual: Value,
}

fn marker(s: &str) -> Value {
    Value::String(s.to_string())
}

fn is_identifier(k: &str) -> bool {
    let mut chars = k.chars();
    match chars.next() {
        Some(c) if c == '_' || c.is_alphabetic() => {}
        _ => return false,
    }
    chars.all(|c| c == '_' || c.is_alphanumeric())
}

fn jpath_key(path: &str, key: &str) -> String {
    if is_identifier(key) {
        format!("{path}.{key}")
    } else {
        format!("{path}[{}]", pyjson::dumps_arg(&Value::String(key.into())))
    }
}

/// Python's type equality for JSON values: bool, int and float are all
/// different types; ints and floats never compare equal.
fn same_scalar(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => match (x.is_f64(), y.is_f64()) {
            (true, true) => x.as_f64() == y.as_f64(),
            (false, false) => as_i128(x) == as_i128(y),
            _ => false,
        },
        _ => false,
    }
}

fn as_i128(n: &serde_json::Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

/// Collect the differences between `exp` and `act` under `path` into `out`;
/// everything under a `comment` key is soft (as is everything when `soft`).
pub fn compare(exp: &Value, act: &Value, path: &str, soft: bool, out: &mut Vec<Diff>) {
    let kind = if soft { Kind::Soft } else { Kind::Hard };
    match (exp, act) {
        (Value::Object(e), Value::Object(a)) => {
            let mut keys: Vec<&String> = e
                .keys()
                .chain(a.keys().filter(|k| !e.contains_key(*k)))
                .collect();
            keys.sort();
            for k in keys {
                let p = jpath_key(path, k);
                match (e.get(k), a.get(k)) {
                    (Some(x), None) => out.push(Diff {
                        kind,
                        path: p,
                        expected: x.clone(),
                        actual: marker("<missing>"),
                    }),
                    (None, Some(y)) => out.push(Diff {
                        kind,
                        path: p,
                        expected: marker("<absent>"),
                        actual: y.clone(),
                    }),
                    (Some(x), Some(y)) => compare(x, y, &p, soft || k == "comment", out),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                out.push(Diff {
                    kind,
                    path: format!("{path}.length"),
                    expected: Value::from(e.len()),
                    actual: Value::from(a.len()),
                });
            }
            for (i, (x, y)) in e.iter().zip(a).enumerate() {
                compare(x, y, &format!("{path}[{i}]"), soft, out);
            }
        }
        _ => {
            if !same_scalar(exp, act) {
                out.push(Diff {
                    kind,
                    path: path.to_string(),
                    expected: exp.clone(),
                    actual: act.clone(),
                });
            }
        }
    }
}

/// What one call produced, as the comparison needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed<'a> {
    /// Exit status (`None`: did not finish).
    pub rc: Option<i32>,
    /// Normalised JSON output (`Null` for empty stdout).
    pub output: &'a Value,
    /// Runner error (not JSON, timeout, cannot run).
    pub error: Option<&'a str>,
}

/// Compare one JSON call with the recording (`exp_rc` `None`: the sandbox
/// snapshot, no exit status). An expected error list
/// (`{"local": [...]}` with a non-zero exit) keeps its length strict and its
/// messages' wording soft.
pub fn compare_call(exp: &Value, exp_rc: Option<i32>, obs: &Observed) -> Vec<Diff> {
    let mut diffs = Vec::new();
    if let Some(err) = obs.error {
        diffs.push(Diff {
            kind: Kind::Hard,
            path: "$".into(),
            expected: marker("JSON output"),
            actual: Value::String(err.to_string()),
        });
        return diffs;
    }
    if let Some(rc) = exp_rc {
        if obs.rc != Some(rc) {
            diffs.push(Diff {
                kind: Kind::Hard,
                path: "<exit status>".into(),
                expected: Value::from(rc),
                actual: obs.rc.map_or(Value::Null, Value::from),
            });
        }
    }
    let error_lists = match (exp, obs.output) {
        (Value::Object(e), Value::Object(a)) if exp_rc.unwrap_or(0) != 0 => {
            match (e.get("local"), a.get("local")) {
                (Some(Value::Array(x)), Some(Value::Array(y))) => Some((e, a, x, y)),
                _ => None,
            }
        }
        _ => None,
    };
    if let Some((e, a, x, y)) = error_lists {
        if x.len() != y.len() {
            diffs.push(Diff {
                kind: Kind::Hard,
                path: "$.local.length".into(),
                expected: Value::from(x.len()),
                actual: Value::from(y.len()),
            });
        }
        for (i, (m, n)) in x.iter().zip(y).enumerate() {
            compare(m, n, &format!("$.local[{i}]"), m.is_string(), &mut diffs);
        }
        let rest = |m: &serde_json::Map<String, Value>| {
            Value::Object(
                m.iter()
                    .filter(|(k, _)| k.as_str() != "local")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            )
        };
        compare(&rest(e), &rest(a), "$", false, &mut diffs);
        return diffs;
    }
    compare(exp, obs.output, "$", false, &mut diffs);
    diffs
}

/// Compare a text call: exit status, then the text exactly. Returns the
/// diffs (a text difference has path `<text line N>`) and the first lines of
/// a unified diff expected -> actual.
pub fn compare_text(
    exp_text: &str,
    exp_rc: i32,
    rc: Option<i32>,
    text: Result<&str, &str>,
    name: &str,
) -> (Vec<Diff>, Vec<String>) {
    let mut diffs = Vec::new();
    let text = match text {
        Ok(t) => t,
        Err(err) => {
            diffs.push(Diff {
                kind: Kind::Hard,
                path: "$".into(),
                expected: marker("text output"),
                actual: Value::String(err.into()),
            });
            return (diffs, Vec::new());
        }
    };
    if rc != Some(exp_rc) {
        diffs.push(Diff {
            kind: Kind::Hard,
            path: "<exit status>".into(),
            expected: Value::from(exp_rc),
            actual: rc.map_or(Value::Null, Value::from),
        });
    }
    let mut udiff = Vec::new();
    if text != exp_text {
        let el: Vec<&str> = exp_text.lines().collect();
        let al: Vec<&str> = text.lines().collect();
        let k = el
            .iter()
            .zip(&al)
            .position(|(x, y)| x != y)
            .unwrap_or(el.len().min(al.len()));
        let mut e = el
            .get(k)
            .map_or("<end of output>".to_string(), |s| s.to_string());
        let mut a = al
            .get(k)
            .map_or("<end of output>".to_string(), |s| s.to_string());
        if e == a {
            e = format!("{:?}", last_char(exp_text));
            a = format!("{:?}", last_char(text));
        }
        diffs.push(Diff {
            kind: Kind::Hard,
            path: format!("<text line {}>", k + 1),
            expected: Value::String(e),
            actual: Value::String(a),
        });
        udiff = unified_diff(exp_text, text, name, 20);
    }
    (diffs, udiff)
}

fn last_char(s: &str) -> String {
    s.chars().last().map(String::from).unwrap_or_default()
}

/// The first `n` lines of a unified diff (3 lines of context).
pub fn unified_diff(exp: &str, act: &str, name: &str, n: usize) -> Vec<String> {
    let diff = similar::TextDiff::from_lines(exp, act);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("expected/{name}"), "actual")
        .to_string();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        return vec!["(line breaks differ)".into()];
    }
    if lines.len() > n {
        let more = lines.len() - n;
        lines.truncate(n);
        lines.push(format!("... ({more} more diff lines)"));
    }
    lines
}

/// A value for a report line: markers verbatim, others as sorted JSON,
/// cut to `n` characters.
pub fn short(v: &Value, n: usize) -> String {
    let s = match v {
        Value::String(s) if s.starts_with('<') && s.ends_with('>') => s.clone(),
        other => pyjson::dumps(
            other,
            DumpOpts {
                indent: None,
                sort_keys: true,
                ensure_ascii: false,
            },
        ),
    };
    if s.chars().count() > n {
        let cut: String = s.chars().take(n.saturating_sub(3)).collect();
        format!("{cut}...")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hard(d: &[Diff]) -> Vec<&str> {
        d.iter()
            .filter(|x| x.kind == Kind::Hard)
            .map(|x| x.path.as_str())
            .collect()
    }

    #[test]
    fn int_float_bool_are_different_types() {
        let mut d = Vec::new();
        compare(&json!({"a": 1}), &json!({"a": 1.0}), "$", false, &mut d);
        compare(&json!({"b": 1}), &json!({"b": true}), "$", false, &mut d);
        compare(&json!({"c": 0}), &json!({"c": false}), "$", false, &mut d);
        compare(&json!({"d": "1"}), &json!({"d": 1}), "$", false, &mut d);
        compare(&json!({"e": 2.5}), &json!({"e": 2.5}), "$", false, &mut d);
        compare(&json!({"f": -3}), &json!({"f": -3}), "$", false, &mut d);
        assert_eq!(hard(&d), ["$.a", "$.b", "$.c", "$.d"]);
    }

    #[test]
    fn missing_absent_length_and_paths() {
        let mut d = Vec::new();
        compare(
            &json!({"x y": [1, 2], "k": 1, "ok": {}}),
            &json!({"x y": [1], "z": 0, "ok": {}}),
            "$",
            false,
            &mut d,
        );
        let got: Vec<(String, Value, Value)> = d
            .into_iter()
            .map(|x| (x.path, x.expected, x.actual))
            .collect();
        assert_eq!(
            got,
            vec![
                ("$.k".into(), json!(1), json!("<missing>")),
                (r#"$["x y"].length"#.into(), json!(2), json!(1)),
                ("$.z".into(), json!("<absent>"), json!(0)),
            ]
        );
    }

    #[test]
    fn comments_are_soft_at_any_depth() {
        let mut d = Vec::new();
        compare(
            &json!({"s": {"comment": {"a": ["x"]}, "result": true}}),
            &json!({"s": {"comment": {"a": ["y"], "b": 1}, "result": null}}),
            "$",
            false,
            &mut d,
        );
        assert_eq!(hard(&d), ["$.s.result"]);
        assert_eq!(d.iter().filter(|x| x.kind == Kind::Soft).count(), 2);
    }

    #[test]
    fn error_lists_have_soft_wording_but_strict_length() {
        let exp = json!({"local": ["Rendering SLS 'base:a' failed: x"]});
        let act = json!({"local": ["Rendering SLS 'base:a' failed: something else"]});
        let obs = Observed {
            rc: Some(1),
            output: &act,
            error: None,
        };
        let d = compare_call(&exp, Some(1), &obs);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].kind, Kind::Soft);
        // a second message is a hard difference, and so is the exit status
        let act2 = json!({"local": ["a", "b"]});
        let obs2 = Observed {
            rc: Some(0),
            output: &act2,
            error: None,
        };
        let d2 = compare_call(&exp, Some(1), &obs2);
        assert_eq!(hard(&d2), ["<exit status>", "$.local.length"]);
        // with exit status 0 expected, a list is compared strictly
        let d3 = compare_call(&exp, Some(0), &Observed { rc: Some(0), ..obs });
        assert_eq!(hard(&d3), ["$.local[0]"]);
    }

    #[test]
    fn runner_error_is_hard() {
        let obs = Observed {
            rc: Some(0),
            output: &Value::Null,
            error: Some("output is not JSON"),
        };
        let d = compare_call(&Value::Null, Some(0), &obs);
        assert_eq!(hard(&d), ["$"]);
    }

    #[test]
    fn text_comparison_reports_first_differing_line() {
        let (d, u) = compare_text("a\nb\nc\n", 0, Some(0), Ok("a\nB\nc\n"), "01.txt");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].path, "<text line 2>");
        assert_eq!(d[0].expected, json!("b"));
        assert!(u.iter().any(|l| l == "-b") && u.iter().any(|l| l == "+B"));
        let (d, _) = compare_text("a\n", 0, Some(0), Ok("a"), "01.txt");
        assert_eq!(d[0].path, "<text line 2>");
        assert_eq!(
            (&d[0].expected, &d[0].actual),
            (&json!("\"\\n\""), &json!("\"a\""))
        );
        let (d, _) = compare_text("", 1, Some(0), Ok(""), "01.txt");
        assert_eq!(hard(&d), ["<exit status>"]);
        let (d, u) = compare_text("x", 0, Some(0), Ok("x"), "01.txt");
        assert!(d.is_empty() && u.is_empty());
    }

    #[test]
    fn short_cuts_and_keeps_markers() {
        assert_eq!(short(&json!("<missing>"), 160), "<missing>");
        assert_eq!(short(&json!("é"), 160), "\"é\"");
        assert_eq!(
            short(&json!({"b": 1, "a": [true]}), 160),
            r#"{"a": [true], "b": 1}"#
        );
        assert_eq!(short(&json!("abcdefgh"), 6), "\"ab...");
    }
}
