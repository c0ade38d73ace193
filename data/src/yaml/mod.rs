//! YAML as Salt reads and writes it.
//!
//! - [`load`]: YAML 1.1 with PyYAML's resolvers plus Salt's `SaltYamlSafeLoader` tweaks
//!   (mappings become `OrderedDict`, leading zeros stripped from ints, duplicate keys
//!   rejected, timestamps kept as strings).
//! - [`dump`]: PyYAML-compatible `safe_dump` in block or flow style.
//!
//! (Skeleton: the loader and emitter are filled in by their own modules.)

use crate::value::Value;

/// A YAML error with a 1-based line and column, as PyYAML reports it.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[error("{message}; line {line}")]
pub struct YamlError {
    /// What went wrong, in PyYAML's words where possible.
    pub message: String,
    /// 1-based line of the problem.
    pub line: usize,
    /// 1-based column of the problem.
    pub column: usize,
}

/// Loads one YAML document the way Salt's YAML renderer does.
pub fn load(text: &str) -> Result<Value, YamlError> {
    let _ = text;
    Err(YamlError {
        message: "YAML loader not implemented yet".into(),
        line: 1,
        column: 1,
    })
}

/// Options for [`dump`], mirroring `yaml.safe_dump` keyword arguments.
#[derive(Debug, Clone)]
pub struct DumpOptions {
    /// `default_flow_style`: `Some(true)` all flow, `Some(false)` block, `None` PyYAML's default.
    pub default_flow_style: Option<bool>,
    /// `indent` (default 2).
    pub indent: usize,
    /// Sort plain dict keys (`sort_keys=True`, PyYAML's default). `OrderedDict`s keep order.
    pub sort_keys: bool,
    /// `width` (default 80).
    pub width: usize,
    /// Whether `explicit_end` style `...` is written for a bare scalar document.
    pub explicit_end_for_scalars: bool,
}

impl Default for DumpOptions {
    fn default() -> Self {
        DumpOptions {
            default_flow_style: Some(false),
            indent: 2,
            sort_keys: true,
            width: 80,
            explicit_end_for_scalars: true,
        }
    }
}

/// Dumps a value as PyYAML's `safe_dump` (with Salt's OrderedDict representer) would.
pub fn dump(value: &Value, opts: &DumpOptions) -> String {
    let _ = opts;
    format!("{}\n", crate::repr::repr(value))
}
