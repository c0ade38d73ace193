//! `ini.*` execution functions (Salt's `salt/modules/ini_manage.py`) and the ini file model
//! they share with the `ini` state module ([`crate::state::ini`]).
//!
//! Salt does not use `configparser`: it keeps each section as an ordered dict of options,
//! comments (`#commentN`) and unparsed lines (`#unknownN`), and *rewrites the whole file* on
//! every change. [`Section`] reproduces that model, including its quirks:
//!
//! - section headers are found with `^\s*\[(.+?)\]\s*$` (multiline), so blank lines around a
//!   header are swallowed; the file is written back with exactly one blank line before each
//!   section header and none elsewhere unless they were inside a section;
//! - key/value lines are written as `key = value` (`key value` for a space separator, `key=value`
//!   with `no_spaces`), whatever spacing the file had;
//! - top-level options stay on top, sections (including `DEFAULT`) follow in order;
//! - a new option replaces a commented-out `#key = value` line (comments starting with `#` only);
//! - indented lines continue the previous entry's value;
//! - duplicate sections are merged into the first one.
//!
//! Differences from Salt: keys that are not strings are converted with Python's `str()`
//! (Salt truncates the file and crashes with a `TypeError`); a separator starting with a
//! letter or digit is matched literally (Salt builds a regex escape such as `\d` from it);
//! only the `utf-8`, `latin-1` and `ascii` encodings are known.

use super::{Args, ExecRegistry, Sig};
use crate::state::file::util;
use crate::RunContext;
use indexmap::IndexMap;
use regex::Regex;
use rsalt_data::{Dict, Value};
use rsalt_sls::CallError;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// Registers the `ini.*` functions.
pub fn register(r: &mut ExecRegistry) {
    r.add_doc(
        "ini.set_option",
        exec_set_option,
        "Edit an ini file, replacing one or more sections. Returns a dictionary\ncontaining the changes made.\n",
    );
    r.add_doc(
        "ini.get_option",
        exec_get_option,
        "Get value of a key from a section in an ini file. Returns ``None`` if\nno matching key was found.\n",
    );
    r.add_doc(
        "ini.remove_option",
        exec_remove_option,
        "Remove a key/value pair from a section in an ini file. Returns the value of\nthe removed key, or ``None`` if nothing was removed.\n",
    );
    r.add_doc(
        "ini.get_section",
        exec_get_section,
        "Retrieve a section from an ini file. Returns the section as a dictionary. If\nthe section is not found, an empty dictionary is returned.\n",
    );
    r.add_doc(
        "ini.remove_section",
        exec_remove_section,
        "Remove a section in an ini file. Returns the removed section as a\ndictionary, or ``None`` if nothing is removed.\n",
    );
    r.add_doc(
        "ini.get_ini",
        exec_get_ini,
        "Retrieve the whole structure from an ini file and return it as a dictionary.\n",
    );
}

/// Errors of the ini functions, named after the Python exception Salt raises.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IniError {
    /// Salt's `CommandExecutionError` (unreadable or unwritable file).
    #[error("{0}")]
    Command(String),
    /// A Python exception Salt does not catch (`AttributeError`, `UnicodeDecodeError`, ...):
    /// class name and message.
    #[error("{0}: {1}")]
    Python(&'static str, String),
}

impl IniError {
    /// The Python exception class name.
    pub fn class(&self) -> &'static str {
        match self {
            IniError::Command(_) => "CommandExecutionError",
            IniError::Python(c, _) => c,
        }
    }

    /// The exception message without the class.
    pub fn message(&self) -> &str {
        match self {
            IniError::Command(m) | IniError::Python(_, m) => m,
        }
    }

    /// How Salt's state system reports it when a state raised it.
    pub fn state_comment(&self) -> String {
        format!(
            "An exception occurred in this state: {}: {}",
            self.class(),
            self.message()
        )
    }

    fn attr(obj: &str, attr: &str) -> IniError {
        IniError::Python(
            "AttributeError",
            format!("'{obj}' object has no attribute '{attr}'"),
        )
    }
}

impl From<IniError> for CallError {
    fn from(e: IniError) -> Self {
        match e {
            IniError::Command(m) => CallError::Failed(m),
            other => CallError::Failed(other.to_string()),
        }
    }
}

/// One entry of a [`Section`]: a value line (or comment/unknown line) or a nested section.
#[derive(Debug, Clone)]
pub enum Item {
    /// An option value, or the raw text of a `#commentN` / `#unknownN` line.
    Value(String),
    /// A section (only at the top level of a file).
    Section(Section),
}

/// What [`Section::update`] accepts: a value (Python `str()` already applied) or a dict.
#[derive(Debug, Clone)]
pub enum Input {
    /// A scalar, as text.
    Str(String),
    /// A dict: becomes a section.
    Dict(Vec<(String, Input)>),
}

impl Input {
    /// Converts a Salt value: dicts become [`Input::Dict`] (keys through `str()`), anything
    /// else its Python `str()`.
    pub fn from_value(v: &Value) -> Input {
        match v {
            Value::Dict(d) => Input::Dict(
                d.iter()
                    .map(|(k, v)| (k.to_string(), Input::from_value(v)))
                    .collect(),
            ),
            other => Input::Str(other.to_py_str()),
        }
    }
}

/// Salt's `_Section`: an ordered dict of options, comments and unknown lines.
#[derive(Debug, Clone)]
pub struct Section {
    /// The section name (the file name for the top level).
    pub name: String,
    sep: String,
    no_spaces: bool,
    opt_re: Regex,
    /// Entries in file order. Comment lines are `#commentN`, unparsed lines `#unknownN`.
    pub items: IndexMap<String, Item>,
}

fn com_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^\s*(#|;)\s*(.*)").expect("static regex"))
}

fn indented_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^(\s+)(.*)").expect("static regex"))
}

fn ini_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?m)^\s*\[(.+?)\]\s*$").expect("static regex"))
}

/// The key/value regex for a separator (Salt's `opt_regx`), compiled once per separator.
fn opt_regex(sep: &str) -> Regex {
    static CACHE: OnceLock<Mutex<HashMap<String, Regex>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(re) = cache.lock().ok().and_then(|c| c.get(sep).cloned()) {
        return re;
    }
    let pat = format!(r"^(\s*)(.+?)\s*({})\s*(.*)\s*", regex::escape(sep));
    // An escaped literal always compiles; fall back to "=" defensively.
    let re = Regex::new(&pat)
        .or_else(|_| Regex::new(r"^(\s*)(.+?)\s*(=)\s*(.*)\s*"))
        .expect("static regex");
    if let Ok(mut c) = cache.lock() {
        c.insert(sep.to_string(), re.clone());
    }
    re
}

impl Section {
    /// An empty section using `sep` between keys and values.
    pub fn new(name: &str, sep: &str, no_spaces: bool) -> Section {
        Section {
            name: name.to_string(),
            sep: sep.to_string(),
            no_spaces,
            opt_re: opt_regex(sep),
            items: IndexMap::new(),
        }
    }

    /// `_Section.refresh`: parses the lines of one section body.
    fn refresh(&mut self, text: &str) -> Result<(), IniError> {
        let text = text.trim_matches('\n');
        if text.is_empty() {
            return Ok(());
        }
        self.items.clear();
        let mut comments = 1;
        let mut unknowns = 1;
        let mut curr_indent = String::new();
        for line in text.split('\n') {
            if com_re().is_match(line) {
                let name = format!("#comment{comments}");
                comments += 1;
                self.update(vec![(name, Input::Str(line.to_string()))])?;
                continue;
            }
            if let Some(c) = indented_re().captures(line) {
                let indent = c.get(1).map_or("", |m| m.as_str()).replace('\t', "    ");
                if indent > curr_indent {
                    let prev = self.items.last().map(|(k, v)| (k.clone(), v.clone()));
                    if let Some((k, Item::Value(v))) = prev {
                        self.update(vec![(k, Input::Str(format!("{v}\n{line}")))])?;
                    }
                    continue;
                }
            }
            if let Some(c) = self.opt_re.captures(line) {
                let g = |i: usize| c.get(i).map_or("", |m| m.as_str()).to_string();
                curr_indent = g(1).replace('\t', "    ");
                let (name, value) = (g(2), g(4));
                self.update(vec![(name, Input::Str(value))])?;
                continue;
            }
            let name = format!("#unknown{unknowns}");
            unknowns += 1;
            self.update(vec![(name, Input::Str(line.to_string()))])?;
        }
        Ok(())
    }

    /// `_uncomment_if_commented`: puts a placeholder for `key` where a `#key = value`
    /// comment was (removing that comment), or at the end.
    fn uncomment_if_commented(&mut self, key: &str) {
        let mut found = None;
        for (i, (k, v)) in self.items.iter().enumerate() {
            if !k.contains("#comment") {
                continue;
            }
            let Item::Value(text) = v else { continue };
            let stripped = text.trim_start_matches('#');
            if let Some(c) = self.opt_re.captures(stripped) {
                if c.get(2).map(|m| m.as_str()) == Some(key) {
                    found = Some(i);
                    break;
                }
            }
        }
        match found {
            Some(i) => {
                self.items.shift_remove_index(i);
                self.items
                    .shift_insert(i, key.to_string(), Item::Value(String::new()));
            }
            None => {
                self.items
                    .insert(key.to_string(), Item::Value(String::new()));
            }
        }
    }

    /// `_Section.update`: merges entries, returning Salt's changes dict
    /// (`{key: {before, after}}`, nested for existing sections).
    pub fn update(&mut self, entries: Vec<(String, Input)>) -> Result<Dict, IniError> {
        let mut changes = Dict::new();
        for (key, input) in entries {
            let (value, plain) = match input {
                Input::Dict(d) => {
                    let mut s = Section::new(&key, &self.sep, self.no_spaces);
                    s.update(d)?;
                    let plain = s.to_value(true);
                    (Item::Section(s), plain)
                }
                Input::Str(s) => (Item::Value(s.clone()), Value::Str(s)),
            };
            match self.items.get_mut(&key) {
                None => {
                    changes.insert(key.as_str(), before_after(Value::None, plain));
                    if matches!(value, Item::Value(_)) {
                        self.uncomment_if_commented(&key);
                    }
                    self.items.insert(key, value);
                }
                Some(Item::Section(cur)) => match value {
                    Item::Section(new) => {
                        let sub = cur.update(new.into_inputs())?;
                        if !sub.is_empty() {
                            changes.insert(key.as_str(), Value::Dict(sub));
                        }
                    }
                    Item::Value(_) => return Err(IniError::attr("str", "items")),
                },
                Some(Item::Value(cur)) => {
                    let differs = match &value {
                        Item::Value(v) => v != cur,
                        Item::Section(_) => true,
                    };
                    if differs {
                        let before = Value::Str(cur.clone());
                        changes.insert(key.as_str(), before_after(before, plain));
                        self.items.insert(key, value);
                    }
                }
            }
        }
        Ok(changes)
    }

    /// The entries as [`Input`]s (what iterating a `_Section` yields).
    fn into_inputs(self) -> Vec<(String, Input)> {
        self.items
            .into_iter()
            .map(|(k, v)| {
                let i = match v {
                    Item::Value(s) => Input::Str(s),
                    Item::Section(s) => Input::Dict(s.into_inputs()),
                };
                (k, i)
            })
            .collect()
    }

    /// The section as a dict; `all` keeps `#comment`/`#unknown` entries (Salt's
    /// `as_dict()` / JSON of a `_Section`), otherwise they are dropped (`get_ini`).
    pub fn to_value(&self, all: bool) -> Value {
        let mut d = Dict::new();
        for (k, v) in &self.items {
            if !all && k.starts_with('#') {
                continue;
            }
            d.insert(
                k.as_str(),
                match v {
                    Item::Value(s) => Value::Str(s.clone()),
                    Item::Section(s) => s.to_value(all),
                },
            );
        }
        Value::Dict(d)
    }

    /// `gen_ini`: the text of this section (header included unless `top`).
    fn gen(&self, top: bool, out: &mut Vec<String>) {
        if !top {
            out.push(format!("\n[{}]\n", self.name));
        }
        let mut sep = self.sep.clone();
        let mut deferred = Vec::new();
        for (name, value) in &self.items {
            match value {
                Item::Section(s) => deferred.push(s),
                Item::Value(v) if com_re().is_match(name) => out.push(format!("{v}\n")),
                Item::Value(v) => {
                    // Salt mutates its separator on every line; reproduce the sequence.
                    if sep.chars().all(|c| c == ' ') {
                        sep = " ".into();
                    }
                    if sep != " " {
                        sep = if self.no_spaces {
                            sep.trim().to_string()
                        } else {
                            format!(" {} ", sep.trim())
                        };
                    }
                    out.push(format!("{name}{sep}{v}\n"));
                }
            }
        }
        for s in deferred {
            s.gen(false, out);
        }
    }

    /// Looks up an entry.
    pub fn get(&self, key: &str) -> Option<&Item> {
        self.items.get(key)
    }
}

fn before_after(before: Value, after: Value) -> Value {
    let mut d = Dict::new();
    d.insert("before", before);
    d.insert("after", after);
    Value::Dict(d)
}

/// A text encoding Salt may be asked to use.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Encoding {
    Utf8,
    Latin1,
    Ascii,
}

impl Encoding {
    fn parse(name: Option<&str>) -> Result<Encoding, IniError> {
        let Some(n) = name else {
            return Ok(Encoding::Utf8);
        };
        let norm = n.to_ascii_lowercase().replace(['-', '_'], "");
        match norm.as_str() {
            "utf8" | "u8" | "utf" => Ok(Encoding::Utf8),
            "latin1" | "latin" | "iso88591" | "l1" => Ok(Encoding::Latin1),
            "ascii" | "usascii" => Ok(Encoding::Ascii),
            _ => Err(IniError::Python(
                "LookupError",
                format!("unknown encoding: {n}"),
            )),
        }
    }

    fn decode(self, data: &[u8]) -> Result<String, IniError> {
        match self {
            Encoding::Utf8 => std::str::from_utf8(data).map(str::to_string).map_err(|e| {
                let pos = e.valid_up_to();
                IniError::Python(
                    "UnicodeDecodeError",
                    format!(
                        "'utf-8' codec can't decode byte 0x{:02x} in position {pos}: invalid start byte",
                        data.get(pos).copied().unwrap_or(0)
                    ),
                )
            }),
            Encoding::Latin1 => Ok(data.iter().map(|&b| char::from(b)).collect()),
            Encoding::Ascii => match data.iter().position(|b| !b.is_ascii()) {
                Some(pos) => Err(IniError::Python(
                    "UnicodeDecodeError",
                    format!(
                        "'ascii' codec can't decode byte 0x{:02x} in position {pos}: ordinal not in range(128)",
                        data[pos]
                    ),
                )),
                None => Ok(data.iter().map(|&b| char::from(b)).collect()),
            },
        }
    }

    fn encode(self, text: &str) -> Result<Vec<u8>, IniError> {
        let limit = match self {
            Encoding::Utf8 => return Ok(text.as_bytes().to_vec()),
            Encoding::Latin1 => 0xff,
            Encoding::Ascii => 0x7f,
        };
        let mut out = Vec::with_capacity(text.len());
        for (i, c) in text.chars().enumerate() {
            let n = u32::from(c);
            if n > limit {
                let codec = if self == Encoding::Ascii {
                    "ascii"
                } else {
                    "latin-1"
                };
                return Err(IniError::Python(
                    "UnicodeEncodeError",
                    format!(
                        "'{codec}' codec can't encode character '\\u{n:04x}' in position {i}: ordinal not in range({})",
                        limit + 1
                    ),
                ));
            }
            out.push(u8::try_from(n).unwrap_or(b'?'));
        }
        Ok(out)
    }
}

/// Options shared by every ini function: separator, encoding, `no_spaces`, and whether
/// Salt runs in test mode (an unreadable file then reads as empty instead of failing).
#[derive(Debug, Clone)]
pub struct IniOpts {
    /// Key/value separator (`=`).
    pub separator: String,
    /// File encoding (`None` = utf-8).
    pub encoding: Option<String>,
    /// Write `key=value` instead of `key = value`.
    pub no_spaces: bool,
    /// `__opts__['test']`.
    pub test: bool,
}

impl Default for IniOpts {
    fn default() -> Self {
        IniOpts {
            separator: "=".into(),
            encoding: None,
            no_spaces: false,
            test: false,
        }
    }
}

/// Salt's `_Ini`: a parsed ini file (the top-level [`Section`]) bound to its path.
#[derive(Debug, Clone)]
pub struct IniFile {
    /// The file.
    pub path: PathBuf,
    encoding: Encoding,
    /// Top-level options, comments and the sections.
    pub root: Section,
}

impl IniFile {
    /// `_Ini.get_ini_file`: reads and parses `path` (a missing file is empty).
    pub fn load(path: &Path, o: &IniOpts) -> Result<IniFile, IniError> {
        let encoding = Encoding::parse(o.encoding.as_deref())?;
        let name = path.display().to_string();
        let mut ini = IniFile {
            path: path.to_path_buf(),
            encoding,
            root: Section::new(&name, &o.separator, o.no_spaces),
        };
        if !path.exists() {
            tracing::trace!("File {name} does not exist and will be created");
            return Ok(ini);
        }
        let data = match std::fs::read(path) {
            Ok(d) => d,
            Err(_) if o.test => return Ok(ini),
            Err(e) => {
                return Err(IniError::Command(format!(
                    "Unable to open file '{name}'. Exception: {}",
                    util::os_error(&e, path)
                )))
            }
        };
        let text = encoding.decode(&data)?;
        let text = util::py_splitlines(&text, false).join("\n");
        if text.is_empty() {
            return Ok(ini);
        }
        let mut parts = Vec::new();
        let mut last = 0;
        for c in ini_re().captures_iter(&text) {
            let (Some(m), Some(g)) = (c.get(0), c.get(1)) else {
                continue;
            };
            parts.push(&text[last..m.start()]);
            parts.push(g.as_str());
            last = m.end();
        }
        parts.push(&text[last..]);
        let mut iter = parts.into_iter();
        if let Some(pre) = iter.next() {
            ini.root.refresh(pre)?;
        }
        while let (Some(sname), Some(body)) = (iter.next(), iter.next()) {
            let mut s = Section::new(sname, &o.separator, false);
            s.refresh(body)?;
            ini.root
                .update(vec![(sname.to_string(), Input::Dict(s.into_inputs()))])?;
        }
        Ok(ini)
    }

    /// The file text Salt's `flush()` writes.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        self.root.gen(true, &mut out);
        if let Some(first) = out.first_mut() {
            *first = first.trim_start_matches('\n').to_string();
        }
        out.concat()
    }

    /// `_Ini.flush`: rewrites the file.
    pub fn flush(&self) -> Result<(), IniError> {
        let data = self.encoding.encode(&self.render())?;
        std::fs::write(&self.path, data).map_err(|e| {
            IniError::Command(format!(
                "Unable to write file '{}'. Exception: {}",
                self.path.display(),
                util::os_error(&e, &self.path)
            ))
        })
    }

    /// `get_ini`'s dict: sections and options without comment entries.
    pub fn to_value(&self) -> Value {
        self.root.to_value(false)
    }
}

/// `ini.set_option`: merges `sections` (a dict; `None` = nothing) and rewrites the file.
pub fn set_option(path: &Path, sections: &Value, o: &IniOpts) -> Result<Dict, IniError> {
    let entries = match sections {
        Value::None => Vec::new(),
        Value::Dict(_) => match Input::from_value(sections) {
            Input::Dict(e) => e,
            Input::Str(_) => Vec::new(),
        },
        v if !v.truthy() => Vec::new(),
        other => return Err(IniError::attr(other.type_name(), "items")),
    };
    let mut ini = IniFile::load(path, o)?;
    let changes = ini.root.update(entries)?;
    ini.flush()?;
    Ok(changes)
}

/// `ini.get_option`: the value of `option` in `section` (top level when `section` is
/// falsy), or `None`.
pub fn get_option(
    path: &Path,
    section: &Value,
    option: &Value,
    o: &IniOpts,
) -> Result<Value, IniError> {
    let ini = IniFile::load(path, o)?;
    let Some(opt) = option.as_str() else {
        return Ok(Value::None);
    };
    if section.truthy() {
        match section.as_str().and_then(|s| ini.root.get(s)) {
            Some(Item::Section(s)) => Ok(item_value(s.get(opt))),
            _ => Ok(Value::None),
        }
    } else {
        Ok(item_value(ini.root.get(opt)))
    }
}

fn item_value(i: Option<&Item>) -> Value {
    match i {
        None => Value::None,
        Some(Item::Value(s)) => Value::Str(s.clone()),
        Some(Item::Section(s)) => s.to_value(true),
    }
}

/// `ini.remove_option`: removes `option` from `section` (from the top level when `section`
/// is not a section), rewrites the file and returns the removed value or `None`.
pub fn remove_option(
    path: &Path,
    section: &Value,
    option: &Value,
    o: &IniOpts,
) -> Result<Value, IniError> {
    let mut ini = IniFile::load(path, o)?;
    let key = option.as_str();
    let in_section = section
        .as_str()
        .is_some_and(|s| matches!(ini.root.get(s), Some(Item::Section(_))));
    let removed = match (in_section, section.as_str(), key) {
        (true, Some(s), Some(k)) => match ini.root.items.get_mut(s) {
            Some(Item::Section(sec)) => sec.items.shift_remove(k),
            _ => None,
        },
        (false, _, Some(k)) => ini.root.items.shift_remove(k),
        _ => None,
    };
    ini.flush()?;
    Ok(match removed {
        None => Value::None,
        Some(Item::Value(s)) => Value::Str(s),
        Some(Item::Section(s)) => s.to_value(true),
    })
}

/// `ini.get_section`: the options of `section` (no comments); `{}` when missing.
pub fn get_section(path: &Path, section: &Value, o: &IniOpts) -> Result<Value, IniError> {
    let ini = IniFile::load(path, o)?;
    match section.as_str().and_then(|s| ini.root.get(s)) {
        None => Ok(Value::dict()),
        Some(Item::Section(s)) => Ok(s.to_value_shallow()),
        Some(Item::Value(_)) => Err(IniError::attr("str", "items")),
    }
}

impl Section {
    /// The non-comment entries, nested sections kept whole (Salt's `get_section`).
    fn to_value_shallow(&self) -> Value {
        let mut d = Dict::new();
        for (k, v) in &self.items {
            if !k.starts_with('#') {
                d.insert(k.as_str(), item_value(Some(v)));
            }
        }
        Value::Dict(d)
    }
}

/// `ini.remove_section`: removes `section`, rewrites the file and returns its options, or
/// `None` when it did not exist (the file is then left alone).
pub fn remove_section(path: &Path, section: &Value, o: &IniOpts) -> Result<Value, IniError> {
    let mut ini = IniFile::load(path, o)?;
    let Some(name) = section.as_str() else {
        return Ok(Value::None);
    };
    let Some(removed) = ini.root.items.shift_remove(name) else {
        return Ok(Value::None);
    };
    ini.flush()?;
    match removed {
        Item::Section(s) => Ok(s.to_value_shallow()),
        Item::Value(_) => Err(IniError::attr("str", "items")),
    }
}

/// `ini.get_ini`: the whole file as a dict of sections and top-level options.
pub fn get_ini(path: &Path, o: &IniOpts) -> Result<Value, IniError> {
    Ok(IniFile::load(path, o)?.to_value())
}

fn opts_from(ctx: &RunContext, b: &super::Bound, with_no_spaces: bool) -> IniOpts {
    IniOpts {
        separator: b.str("separator").unwrap_or_else(|| "=".into()),
        encoding: b.str("encoding"),
        no_spaces: with_no_spaces && b.truthy("no_spaces", false),
        test: ctx.opt("test").is_some_and(Value::truthy),
    }
}

fn path_of(b: &super::Bound) -> PathBuf {
    PathBuf::from(b.get("file_name").map(Value::to_py_str).unwrap_or_default())
}

fn exec_set_option(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "set_option",
        params: &[
            "file_name",
            "sections",
            "separator",
            "encoding",
            "no_spaces",
        ],
        required: 1,
        varargs: false,
        varkw: false,
    })?;
    let o = opts_from(ctx, &b, true);
    let sections = b.get("sections").cloned().unwrap_or(Value::None);
    Ok(Value::Dict(set_option(&path_of(&b), &sections, &o)?))
}

fn exec_get_option(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "get_option",
        params: &["file_name", "section", "option", "separator", "encoding"],
        required: 3,
        varargs: false,
        varkw: false,
    })?;
    let o = opts_from(ctx, &b, false);
    let section = b.get("section").cloned().unwrap_or(Value::None);
    let option = b.get("option").cloned().unwrap_or(Value::None);
    Ok(get_option(&path_of(&b), &section, &option, &o)?)
}

fn exec_remove_option(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "remove_option",
        params: &["file_name", "section", "option", "separator", "encoding"],
        required: 3,
        varargs: false,
        varkw: false,
    })?;
    let o = opts_from(ctx, &b, false);
    let section = b.get("section").cloned().unwrap_or(Value::None);
    let option = b.get("option").cloned().unwrap_or(Value::None);
    Ok(remove_option(&path_of(&b), &section, &option, &o)?)
}

fn exec_get_section(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "get_section",
        params: &["file_name", "section", "separator", "encoding"],
        required: 2,
        varargs: false,
        varkw: false,
    })?;
    let o = opts_from(ctx, &b, false);
    let section = b.get("section").cloned().unwrap_or(Value::None);
    Ok(get_section(&path_of(&b), &section, &o)?)
}

fn exec_remove_section(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "remove_section",
        params: &["file_name", "section", "separator", "encoding"],
        required: 2,
        varargs: false,
        varkw: false,
    })?;
    let o = opts_from(ctx, &b, false);
    let section = b.get("section").cloned().unwrap_or(Value::None);
    Ok(remove_section(&path_of(&b), &section, &o)?)
}

fn exec_get_ini(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "get_ini",
        params: &["file_name", "separator", "encoding"],
        required: 1,
        varargs: false,
        varkw: false,
    })?;
    let o = opts_from(ctx, &b, false);
    Ok(get_ini(&path_of(&b), &o)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> IniFile {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("t.ini");
        std::fs::write(&p, text).expect("write");
        IniFile::load(&p, &IniOpts::default()).expect("load")
    }

    #[test]
    fn roundtrip_normalises_like_salt() {
        let ini = parse("[a]\nx=1\n\n\n[b]\n  y = 2\n");
        // Salt drops an indented first line of a section.
        assert_eq!(ini.render(), "[a]\nx = 1\n\n[b]\n");
    }

    #[test]
    fn commented_key_is_replaced_in_place() {
        let mut ini = parse("[a]\n# x = 0\nz = 1\n");
        let ch = ini
            .root
            .update(vec![(
                "a".into(),
                Input::Dict(vec![("x".into(), Input::Str("5".into()))]),
            )])
            .expect("update");
        assert_eq!(ini.render(), "[a]\nx = 5\nz = 1\n");
        assert_eq!(
            Value::Dict(ch).to_json().to_string(),
            r#"{"a":{"x":{"before":null,"after":"5"}}}"#
        );
    }

    #[test]
    fn continuation_and_unknown_lines() {
        let ini = parse("top = 1\n[s]\nk = v\n  more\nnoise\n");
        assert_eq!(ini.render(), "top = 1\n\n[s]\nk = v\n  more\nnoise\n");
        assert_eq!(
            ini.to_value().to_json().to_string(),
            r#"{"top":"1","s":{"k":"v\n  more"}}"#
        );
    }
}
