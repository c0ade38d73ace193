//! Salt's outputters, byte-compatible with what `salt-call` (Salt 3007) prints.
//!
//! [`display`] takes the outputter name and the data as salt-call wraps it
//! (`{"local": return}`) and returns exactly the bytes salt-call writes to stdout:
//! the outputter's text with trailing whitespace stripped plus one newline, or nothing
//! when the text is empty (`quiet`). Like Salt's `try_printout`, an outputter that cannot
//! handle the data (Python would raise KeyError/AttributeError/TypeError) falls back to
//! `nested`, and an unknown outputter name means `nested`.
//!
//! - `highstate`: [`highstate`] module (state blocks, terse lines, `Summary for local`).
//! - `nested`: [`nested::nested`].
//! - `json`: [`json::dumps`] (indent 4 unless `--out-indent`).
//! - `yaml`: `rsalt_data::yaml::dump` (block style, `--out-indent` indent).
//! - `txt`, `raw`, `pprint`, `quiet`.
//!
//! [`resolve_outputter`] reproduces how salt-call picks the outputter from `--out` and the
//! function (`--out=highstate` means "the function's own outputter").
#![forbid(unsafe_code)]

pub mod color;
mod highstate;
pub mod json;
pub mod logging;
pub mod nested;
pub mod pprint;
pub mod pyfmt;

pub use color::Colors;
use rsalt_data::Value;
use std::str::FromStr;

/// Errors from [`display`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OutputError {
    /// The outputter exists in Salt but is not implemented here.
    #[error("outputter '{0}' is not supported")]
    Unsupported(String),
}

/// The family of `state_output` (`full`, `terse`, `mixed`, `changes`, `filter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StateMode {
    /// A block per state.
    #[default]
    Full,
    /// One line per state.
    Terse,
    /// Terse lines, full blocks for failures.
    Mixed,
    /// Terse lines for clean states, full blocks for changes and failures.
    Changes,
    /// `state_output_exclude` / `state_output_terse` lists decide.
    Filter,
}

/// `state_output` as Salt interprets it: a mode plus the `_id` modifier (show the state ID
/// where the name would be).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StateOutput {
    /// full / terse / mixed / changes / filter.
    pub mode: StateMode,
    /// The `_id` suffix.
    pub by_id: bool,
}

impl StateOutput {
    /// Parses like highstate.py: lower-cased, prefix decides the mode (anything else is
    /// full), suffix `_id` sets `by_id`.
    pub fn parse(s: &str) -> StateOutput {
        let l = s.to_lowercase();
        let mode = if l.starts_with("filter") {
            StateMode::Filter
        } else if l.starts_with("terse") {
            StateMode::Terse
        } else if l.starts_with("mixed") {
            StateMode::Mixed
        } else if l.starts_with("changes") {
            StateMode::Changes
        } else {
            StateMode::Full
        };
        StateOutput {
            mode,
            by_id: l.ends_with("_id"),
        }
    }
}

impl FromStr for StateOutput {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(StateOutput::parse(s))
    }
}

/// Options that shape the output (salt-call flags and minion config keys).
#[derive(Debug, Clone, PartialEq)]
pub struct OutputOptions {
    /// ANSI colours (`--force-color`, or stdout is a TTY without `--no-color`).
    pub color: bool,
    /// `--state-output` / `state_output` (default full).
    pub state_output: StateOutput,
    /// `--state-verbose` / `state_verbose` (default true): false hides successful
    /// unchanged states.
    pub state_verbose: bool,
    /// `--output-diff` / `state_output_diff`: hide successful unchanged states.
    pub output_diff: bool,
    /// `--out-indent` / `output_indent` (`None`: not given; json then uses 4, yaml 2).
    pub indent: Option<i64>,
    /// `state_tabular: True`: aligned terse lines.
    pub state_tabular: bool,
    /// `state_output_profile` (default true): Started/Duration lines and Total run time.
    pub state_output_profile: bool,
    /// `state_output_pct`: Success %/Failure % in the summary.
    pub state_output_pct: bool,
    /// `state_compress_ids`: merge states of one ID (from `names:`).
    pub state_compress_ids: bool,
    /// `state_output_exclude` (filter mode): results (`True`/`False`/`None`) to hide.
    pub state_output_exclude: Vec<String>,
    /// `state_output_terse` (filter mode): results to print tersely.
    pub state_output_terse: Vec<String>,
    /// `nested_indent` (default 0): base indent of the nested outputter.
    pub nested_indent: usize,
    /// `strip_colors` (default true): ESC characters in data print as `?`.
    pub strip_colors: bool,
    /// The call's retcode (salt-call's `_retcode`): non-zero makes nested output red.
    pub retcode: i64,
}

impl Default for OutputOptions {
    fn default() -> Self {
        OutputOptions {
            color: false,
            state_output: StateOutput::default(),
            state_verbose: true,
            output_diff: false,
            indent: None,
            state_tabular: false,
            state_output_profile: true,
            state_output_pct: false,
            state_compress_ids: false,
            state_output_exclude: Vec::new(),
            state_output_terse: Vec::new(),
            nested_indent: 0,
            strip_colors: true,
            retcode: 0,
        }
    }
}

/// State functions whose default outputter is `highstate` (`state.__outputter__`).
const HIGHSTATE_FUNS: &[&str] = &[
    "sls",
    "sls_id",
    "pkg",
    "top",
    "single",
    "highstate",
    "template",
    "template_str",
    "apply",
    "test",
    "request",
    "check_request",
    "run_request",
];

/// The outputter a function declares (`__outputter__`), else `nested`.
pub fn default_outputter(fun: &str) -> &'static str {
    match fun.split_once('.') {
        Some(("state", f)) if HIGHSTATE_FUNS.contains(&f) => "highstate",
        _ => "nested",
    }
}

/// The outputter salt-call uses: `--out` unless it is absent or `highstate` (then the
/// function's own, see [`default_outputter`]); `text` means `txt`.
pub fn resolve_outputter(cli_out: Option<&str>, fun: &str) -> String {
    let out = match cli_out {
        Some(o) if !o.is_empty() && o != "highstate" => o,
        _ => default_outputter(fun),
    };
    if out == "text" {
        "txt".into()
    } else {
        out.into()
    }
}

/// What salt-call prints to stdout for `ret` (normally `{"local": data}`): the outputter's
/// text, right-stripped, plus a newline; empty when there is no text.
pub fn display(outputter: &str, ret: &Value, opts: &OutputOptions) -> Result<String, OutputError> {
    let s = format(outputter, ret, opts)?;
    Ok(if s.is_empty() { s } else { s + "\n" })
}

/// Salt's `out_format`/`try_printout`: the outputter's text, right-stripped, no newline.
pub fn format(outputter: &str, ret: &Value, opts: &OutputOptions) -> Result<String, OutputError> {
    let out = match outputter {
        "" | "text" => {
            if outputter.is_empty() {
                "nested"
            } else {
                "txt"
            }
        }
        o => o,
    };
    let text = match run(out, ret, opts) {
        Ok(t) => t,
        Err(Fail::Fallback) => {
            tracing::debug!("outputter {out} failed on this data, falling back to nested");
            nested_out(ret, opts)
        }
        Err(Fail::Error(e)) => return Err(e),
    };
    Ok(pyfmt::py_rstrip(&text).to_string())
}

enum Fail {
    Fallback,
    Error(OutputError),
}

fn nested_out(ret: &Value, opts: &OutputOptions) -> String {
    nested::nested(
        ret,
        opts.nested_indent,
        opts.retcode,
        &Colors::new(opts.color),
    )
}

fn run(out: &str, ret: &Value, opts: &OutputOptions) -> Result<String, Fail> {
    Ok(match out {
        "highstate" => highstate::output(ret, opts, 1).map_err(|_| Fail::Fallback)?,
        "nested" => nested_out(ret, opts),
        "json" => {
            let indent = match opts.indent {
                None => Some(4),
                Some(i) if i < 0 => None,
                Some(i) => Some(i as usize),
            };
            json::dumps(ret, indent)
        }
        "yaml" => yaml_out(ret, opts),
        "txt" => txt(ret),
        "raw" => match ret {
            Value::Str(s) => s.clone(),
            other => rsalt_data::repr::repr(other),
        },
        "pprint" => {
            let ipl = match opts.indent {
                Some(i) if i >= 0 => i as usize,
                _ => 1,
            };
            pprint::pformat(ret, ipl)
        }
        "quiet" => String::new(),
        "no_return"
        | "progress"
        | "table"
        | "profile"
        | "key"
        | "dson"
        | "pony"
        | "virt_query"
        | "overstatestage"
        | "newline_values_only" => {
            return Err(Fail::Error(OutputError::Unsupported(out.to_string())))
        }
        other => {
            tracing::error!("Invalid outputter {other} specified, fall back to nested");
            nested_out(ret, opts)
        }
    })
}

fn yaml_out(ret: &Value, opts: &OutputOptions) -> String {
    use rsalt_data::yaml::{dump, DumpOptions};
    dump(ret, &DumpOptions::outputter(opts.indent))
}

/// The `txt` outputter: `key: line` for each line of a string value, `key: str(value)`
/// otherwise.
fn txt(ret: &Value) -> String {
    let mut out = String::new();
    match ret {
        Value::Dict(d) => {
            for (k, v) in d.iter() {
                match v {
                    Value::Str(s) => {
                        for line in pyfmt::splitlines(s, false) {
                            out.push_str(&std::format!("{k}: {line}\n"));
                        }
                    }
                    other => out.push_str(&std::format!("{k}: {}\n", other.to_py_str())),
                }
            }
        }
        Value::Str(s) => {
            out.push_str(s);
            out.push('\n');
        }
        other => {
            out.push_str(&pprint::pformat(other, 1));
            out.push('\n');
        }
    }
    out
}
