//! Salt's data model.
//!
//! Salt is written in Python, and what users see (JSON, YAML, `txt`/`raw` reprs, Jinja
//! behaviour) depends on Python's types: `dict` vs `OrderedDict`, `int` vs `float` vs
//! `bool`, `None`, and non-string dict keys. [`Value`] models exactly those types so that
//! every crate of rsalt speaks the same data.
//!
//! # Layout
//! - [`value`]: [`Value`], [`Dict`], [`Key`] and conversions to/from `serde_json`.
//! - [`yaml`]: YAML 1.1 loading with PyYAML + Salt semantics, and PyYAML-compatible dumping.
//! - [`json`]: Python's `json.dumps` (the `json` outputter, `file.serialize`, Jinja filters).
//! - [`pystr`]: Python `str` whitespace and line rules (`strip`, `splitlines`).
//! - [`repr`]: Python `repr()` of values (the `txt` and `raw` outputters, Jinja `python` filter).

#![forbid(unsafe_code)]

pub mod json;
pub mod pystr;
pub mod repr;
pub mod value;
pub mod yaml;

pub use value::{Dict, DictKind, Key, Value};
