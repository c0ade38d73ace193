//! YAML as Salt reads and writes it (Salt 3007.8 uses PyYAML with libyaml: `CSafeLoader`,
//! `CSafeDumper`).
//!
//! Loading:
//! - [`load`]: the SLS renderer (`SaltYamlSafeLoader(dictclass=OrderedDict)`): YAML 1.1
//!   implicit resolvers (`yes/no/on/off` → bool, `1:30` → 90, `1e3` stays a string...),
//!   Salt's tweaks (`0644` → 644, timestamps stay strings, duplicate keys are
//!   "found conflicting ID", Salt's `<<` merge order), mappings become `OrderedDict`s.
//! - [`safe_load`]: `salt.utils.yaml.safe_load` (Jinja `load_yaml`/`import_yaml`): the
//!   same with plain dicts.
//! - [`load_with`] + [`LoadOptions`]: also PyYAML's plain `SafeLoader`
//!   (`salt.serializers.yaml.deserialize`).
//! - Errors ([`YamlError`]) carry libyaml's wording and marks; [`YamlError::salt_render_message`]
//!   is what Salt prints after "Rendering SLS '...' failed: ".
//! - Bounded: nesting deeper than [`MAX_DEPTH`] or alias expansion beyond [`MAX_NODES`]
//!   values is an error ([`YamlErrorKind::Limit`]); flow collections nest at most 255 deep.
//!
//! Dumping ([`dump`] with [`DumpOptions`]): libyaml's emitter byte for byte, in the
//! configurations Salt uses: [`DumpOptions::outputter`] (`--out yaml`), [`format_yaml`]
//! (Jinja `|yaml`), [`serialize`]/[`serialize_with`] (`salt.serializers.yaml`,
//! `file.serialize`).
//!
//! Known differences from Salt: integers beyond `i64` load as their decimal string;
//! `!!binary` loads as a (lossy UTF-8) string, `!!set` as a list of its members,
//! `!!pairs`/plain `!!omap` as lists of 2-item lists, PyYAML `datetime`s (plain loader only)
//! as strings; recursive aliases are refused; flow collections whose continuation lines are
//! not indented past the enclosing block, and tabs indenting a continuation line of a quoted
//! scalar, are errors here but accepted by libyaml; marks of scanner errors may differ (Salt
//! does not print them).
//!
//! Modules: `resolve` (YAML 1.1 implicit resolvers), `load` (composer + constructor),
//! `emit` (emitter).

mod emit;
mod load;
pub mod resolve;

pub use load::{MAX_DEPTH, MAX_NODES};

use crate::value::{DictKind, Value};

/// Which stage of PyYAML (libyaml) raised a [`YamlError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YamlErrorKind {
    /// `ReaderError`: a character YAML does not allow.
    Reader,
    /// `ScannerError`: a token-level problem (tabs, `mapping values are not allowed`...).
    Scanner,
    /// `ParserError`: a structure problem (unclosed flow collection...).
    Parser,
    /// `ComposerError`: aliases, several documents.
    Composer,
    /// `ConstructorError`: duplicate keys, bad merges, unknown tags.
    Constructor,
    /// A Python exception other than a YAML error (e.g. `ValueError` from `!!int abc`).
    Value,
    /// rsalt's own limits on nesting depth and alias expansion.
    Limit,
}

/// A YAML error with 1-based marks, as PyYAML's C loader reports it.
///
/// `Display` gives Python's `str(exc)`:
/// `context\n  in "<unicode string>", line L, column C\nproblem\n  in ...`.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    /// The problem, in libyaml's words where possible.
    pub message: String,
    /// 1-based line of the problem.
    pub line: usize,
    /// 1-based column of the problem.
    pub column: usize,
    /// The stage that failed.
    pub kind: YamlErrorKind,
    /// What was being done (e.g. `while constructing a mapping`).
    pub context: Option<String>,
    /// 1-based (line, column) of the context.
    pub context_mark: Option<(usize, usize)>,
}

impl std::error::Error for YamlError {}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mark =
            |(l, c): (usize, usize)| format!("  in \"<unicode string>\", line {l}, column {c}");
        match self.kind {
            YamlErrorKind::Value | YamlErrorKind::Limit => return f.write_str(&self.message),
            YamlErrorKind::Reader => {
                return write!(
                    f,
                    "{}\n  in \"<unicode string>\", {}",
                    self.message,
                    self.context.as_deref().unwrap_or("position 0")
                )
            }
            _ => {}
        }
        let mut lines: Vec<String> = Vec::new();
        if let Some(c) = &self.context {
            lines.push(c.clone());
        }
        if let Some(cm) = self.context_mark {
            if cm != (self.line, self.column) {
                lines.push(mark(cm));
            }
        }
        lines.push(self.message.clone());
        lines.push(mark((self.line, self.column)));
        f.write_str(&lines.join("\n"))
    }
}

impl YamlError {
    /// The text Salt's YAML renderer puts after `Rendering SLS '...' failed: `.
    ///
    /// Scanner errors show only the problem (salt/renderers/yaml.py builds a
    /// `SaltRenderError` from `exc.problem`); parser and constructor errors show the
    /// whole `str(exc)`.
    pub fn salt_render_message(&self) -> String {
        match self.kind {
            YamlErrorKind::Scanner => self.message.clone(),
            _ => self.to_string(),
        }
    }
}

/// Options for [`load_with`].
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Mapping type produced (`OrderedDict` for the SLS renderer, `dict` for `safe_load`).
    pub dict_kind: DictKind,
    /// Salt's `SaltYamlSafeLoader` semantics (strip int leading zeros, reject duplicate
    /// keys, Salt's merge order). `false` gives PyYAML's plain `SafeLoader`
    /// (`salt.serializers.yaml.deserialize`).
    pub salt: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            dict_kind: DictKind::Ordered,
            salt: true,
        }
    }
}

/// Loads one YAML document the way Salt's YAML renderer does
/// (`SaltYamlSafeLoader` with `dictclass=OrderedDict`): mappings become `OrderedDict`s.
///
/// An empty document is `Value::None` (the renderer itself then substitutes `{}`).
pub fn load(text: &str) -> Result<Value, YamlError> {
    load::load_with(text, &LoadOptions::default())
}

/// `salt.utils.yaml.safe_load` (used by Jinja's `load_yaml`/`import_yaml`): like [`load`]
/// but mappings are plain `dict`s.
pub fn safe_load(text: &str) -> Result<Value, YamlError> {
    load::load_with(
        text,
        &LoadOptions {
            dict_kind: DictKind::Plain,
            salt: true,
        },
    )
}

/// Loads with explicit [`LoadOptions`].
pub fn load_with(text: &str, opts: &LoadOptions) -> Result<Value, YamlError> {
    load::load_with(text, opts)
}

/// Options for [`dump`], mirroring `yaml.dump` keyword arguments.
#[derive(Debug, Clone)]
pub struct DumpOptions {
    /// `default_flow_style`: `Some(true)` all flow, `Some(false)` block, `None` PyYAML's
    /// default (flow for collections holding only scalars).
    pub default_flow_style: Option<bool>,
    /// `indent` (default 2; libyaml takes 2..=9, anything else means 2).
    pub indent: usize,
    /// Sort plain dict keys (`sort_keys=True`, PyYAML's default).
    pub sort_keys: bool,
    /// Sort `OrderedDict` keys too: `salt.serializers.yaml` represents them as plain dicts.
    /// Salt's `SafeOrderedDumper` (outputter, `|yaml`) keeps their order.
    pub sort_ordered_dicts: bool,
    /// `width` (default 80).
    pub width: usize,
    /// `allow_unicode`: write non-ASCII characters as they are (Salt's `safe_dump` sets it);
    /// otherwise they are escaped in double quotes.
    pub allow_unicode: bool,
    /// Write the `...` document end marker after a bare plain scalar, as PyYAML's pure-Python
    /// emitter does (libyaml, which Salt uses, does not).
    pub explicit_end_for_scalars: bool,
}

impl Default for DumpOptions {
    /// `salt.utils.yaml.safe_dump(data, default_flow_style=False)`.
    fn default() -> Self {
        DumpOptions {
            default_flow_style: Some(false),
            indent: 2,
            sort_keys: true,
            sort_ordered_dicts: false,
            width: 80,
            allow_unicode: true,
            explicit_end_for_scalars: false,
        }
    }
}

impl DumpOptions {
    /// The `yaml` outputter (salt/output/yaml_out.py) for `--out-indent` (`None` when not
    /// given): block style with the given indent; a negative indent means flow style.
    pub fn outputter(output_indent: Option<i64>) -> Self {
        match output_indent {
            None => DumpOptions::default(),
            Some(n) if n >= 0 => DumpOptions {
                indent: usize::try_from(n).unwrap_or(2),
                ..DumpOptions::default()
            },
            Some(_) => DumpOptions {
                default_flow_style: Some(true),
                indent: 0,
                ..DumpOptions::default()
            },
        }
    }

    /// `salt.utils.yaml.safe_dump(data, default_flow_style=flow_style)`, as the Jinja
    /// `|yaml` filter calls it (see [`format_yaml`]).
    pub fn jinja(flow_style: Option<bool>) -> Self {
        DumpOptions {
            default_flow_style: flow_style,
            ..DumpOptions::default()
        }
    }

    /// What `file.serialize` passes to the yaml serializer: [`DumpOptions::serializer`]
    /// with `default_flow_style=False` (salt/states/file.py).
    pub fn file_serialize() -> Self {
        DumpOptions {
            default_flow_style: Some(false),
            ..DumpOptions::serializer()
        }
    }

    /// `salt.serializers.yaml.serialize` (`file.serialize` with `serializer: yaml`): plain
    /// `CSafeDumper`, `default_flow_style=None`, no `allow_unicode`, OrderedDicts sorted.
    pub fn serializer() -> Self {
        DumpOptions {
            default_flow_style: None,
            sort_ordered_dicts: true,
            allow_unicode: false,
            ..DumpOptions::default()
        }
    }
}

/// Dumps a value as `yaml.dump` with Salt's dumpers (libyaml's emitter) would.
pub fn dump(value: &Value, opts: &DumpOptions) -> String {
    emit::dump(value, opts)
}

/// The Jinja `|yaml` filter (`SerializerExtension.format_yaml`): `safe_dump`, stripped of
/// surrounding whitespace and of a trailing `...` document end. `flow_style` defaults to
/// `Some(true)` in Salt.
pub fn format_yaml(value: &Value, flow_style: Option<bool>) -> String {
    let text = dump(value, &DumpOptions::jinja(flow_style));
    let text = text.trim_matches(|c: char| c.is_whitespace());
    text.strip_suffix("\n...").unwrap_or(text).to_string()
}

/// `salt.serializers.yaml.serialize` with its defaults: the dump without its final newline
/// (or `\n...\n`).
pub fn serialize(value: &Value) -> String {
    serialize_with(value, &DumpOptions::serializer())
}

/// `salt.serializers.yaml.serialize(obj, **options)`; `file.serialize` uses
/// [`DumpOptions::file_serialize`] (`default_flow_style=False`).
pub fn serialize_with(value: &Value, opts: &DumpOptions) -> String {
    let text = dump(value, opts);
    if let Some(t) = text.strip_suffix("\n...\n") {
        return t.to_string();
    }
    text.strip_suffix('\n').unwrap_or(&text).to_string()
}
