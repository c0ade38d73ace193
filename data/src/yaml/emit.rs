//! The emitter: PyYAML's `SafeRepresenter` + libyaml's emitter (Salt's dumpers derive
//! from `CSafeDumper`), reproduced for [`Value`]s.
//!
//! The representer turns values into nodes (choosing flow or block style for
//! collections, and the scalar text); the emitter writes them with libyaml's rules for
//! scalar styles, indentation, simple keys and line wrapping.

use super::resolve::{self, resolve_plain};
use super::DumpOptions;
use crate::value::{DictKind, Key, Value};

/// A node ready for emitting.
enum ENode {
    Scalar {
        value: String,
        /// The plain text resolves back to the node's tag.
        plain_implicit: bool,
    },
    Seq {
        items: Vec<ENode>,
        flow: bool,
    },
    Map {
        pairs: Vec<(ENode, ENode)>,
        flow: bool,
    },
}

impl ENode {
    fn is_plain_scalar(&self) -> bool {
        matches!(self, ENode::Scalar { .. })
    }
}

/// Python's `repr(float)` lowered, with PyYAML's `.0` fix-up (`1e+16` → `1.0e+16`).
fn float_text(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        };
    }
    let mut s = crate::repr::float_repr(f).to_lowercase();
    if !s.contains('.') && s.contains('e') {
        s = s.replacen('e', ".0e", 1);
    }
    s
}

fn scalar_node(value: String, tag: &str) -> ENode {
    let plain_implicit = resolve_plain(&value) == tag;
    ENode::Scalar {
        value,
        plain_implicit,
    }
}

fn key_node(k: &Key) -> ENode {
    represent(&k.to_value(), &DumpOptions::default())
}

/// Python's ordering for `sorted(dict.items())`, or None where Python raises TypeError.
fn sorted_keys<'a>(keys: Vec<(&'a Key, &'a Value)>) -> Vec<(&'a Key, &'a Value)> {
    if keys.len() < 2 {
        return keys;
    }
    let all_str = keys.iter().all(|(k, _)| matches!(k, Key::Str(_)));
    let all_num = keys
        .iter()
        .all(|(k, _)| matches!(k, Key::Int(_) | Key::Bool(_)));
    let mut keys = keys;
    if all_str {
        keys.sort_by(|a, b| a.0.as_str().cmp(&b.0.as_str()));
    } else if all_num {
        let n = |k: &Key| match k {
            Key::Int(i) => *i,
            Key::Bool(b) => i64::from(*b),
            _ => 0,
        };
        keys.sort_by_key(|(k, _)| n(k));
    }
    keys
}

/// `SafeRepresenter` (with Salt's OrderedDict representer when asked).
fn represent(v: &Value, opts: &DumpOptions) -> ENode {
    match v {
        Value::None => scalar_node("null".into(), resolve::TAG_NULL),
        Value::Bool(b) => scalar_node(if *b { "true" } else { "false" }.into(), resolve::TAG_BOOL),
        Value::Int(i) => scalar_node(i.to_string(), resolve::TAG_INT),
        Value::Float(f) => scalar_node(float_text(*f), resolve::TAG_FLOAT),
        Value::Str(s) => scalar_node(s.clone(), resolve::TAG_STR),
        Value::List(items) => {
            let items: Vec<ENode> = items.iter().map(|i| represent(i, opts)).collect();
            let flow = match opts.default_flow_style {
                Some(f) => f,
                None => items.iter().all(ENode::is_plain_scalar),
            };
            ENode::Seq { items, flow }
        }
        Value::Dict(d) => {
            let entries: Vec<(&Key, &Value)> = d.iter().collect();
            let sort = opts.sort_keys && (d.kind == DictKind::Plain || opts.sort_ordered_dicts);
            let entries = if sort { sorted_keys(entries) } else { entries };
            let pairs: Vec<(ENode, ENode)> = entries
                .into_iter()
                .map(|(k, v)| (key_node(k), represent(v, opts)))
                .collect();
            let flow = match opts.default_flow_style {
                Some(f) => f,
                None => pairs
                    .iter()
                    .all(|(k, v)| k.is_plain_scalar() && v.is_plain_scalar()),
            };
            ENode::Map { pairs, flow }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    Plain,
    Single,
    Double,
}

#[derive(Default, Debug)]
struct Analysis {
    empty: bool,
    multiline: bool,
    flow_plain_allowed: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blankz(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => c == ' ' || c == '\t' || is_break(c) || c == '\0',
    }
}

/// libyaml's `IS_PRINTABLE` (note: no tab, and nothing beyond the BMP).
fn is_printable(c: char) -> bool {
    matches!(c, '\n' | '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
        && c != '\u{feff}'
}

/// libyaml's `yaml_emitter_analyze_scalar`.
fn analyze(value: &str, unicode: bool) -> Analysis {
    if value.is_empty() {
        return Analysis {
            empty: true,
            multiline: false,
            flow_plain_allowed: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
        };
    }
    let chars: Vec<char> = value.chars().collect();
    let mut block_ind = false;
    let mut flow_ind = false;
    let mut line_breaks = false;
    let mut special = false;
    let mut leading_space = false;
    let mut leading_break = false;
    let mut trailing_space = false;
    let mut trailing_break = false;
    let mut break_space = false;
    let mut space_break = false;
    let mut prev_space = false;
    let mut prev_break = false;
    if value.starts_with("---") || value.starts_with("...") {
        block_ind = true;
        flow_ind = true;
    }
    let mut preceded_ws = true;
    let mut followed_ws = is_blankz(chars.get(1).copied());
    let n = chars.len();
    for (i, &c) in chars.iter().enumerate() {
        if i == 0 {
            if matches!(
                c,
                '#' | ','
                    | '['
                    | ']'
                    | '{'
                    | '}'
                    | '&'
                    | '*'
                    | '!'
                    | '|'
                    | '>'
                    | '\''
                    | '"'
                    | '%'
                    | '@'
                    | '`'
            ) {
                flow_ind = true;
                block_ind = true;
            }
            if c == '?' || c == ':' {
                flow_ind = true;
                if followed_ws {
                    block_ind = true;
                }
            }
            if c == '-' && followed_ws {
                flow_ind = true;
                block_ind = true;
            }
        } else {
            if matches!(c, ',' | '?' | '[' | ']' | '{' | '}') {
                flow_ind = true;
            }
            if c == ':' {
                flow_ind = true;
                if followed_ws {
                    block_ind = true;
                }
            }
            if c == '#' && preceded_ws {
                flow_ind = true;
                block_ind = true;
            }
        }
        if !is_printable(c) || (!c.is_ascii() && !unicode) {
            special = true;
        }
        if is_break(c) {
            line_breaks = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i == n - 1 {
                trailing_space = true;
            }
            if prev_break {
                break_space = true;
            }
            prev_space = true;
            prev_break = false;
        } else if is_break(c) {
            if i == 0 {
                leading_break = true;
            }
            if i == n - 1 {
                trailing_break = true;
            }
            if prev_space {
                space_break = true;
            }
            prev_space = false;
            prev_break = true;
        } else {
            prev_space = false;
            prev_break = false;
        }
        preceded_ws = is_blankz(Some(c));
        if i + 1 < n {
            followed_ws = is_blankz(chars.get(i + 2).copied());
        }
    }
    let mut a = Analysis {
        empty: false,
        multiline: line_breaks,
        flow_plain_allowed: true,
        block_plain_allowed: true,
        single_quoted_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if break_space {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if line_breaks {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if flow_ind {
        a.flow_plain_allowed = false;
    }
    if block_ind {
        a.block_plain_allowed = false;
    }
    a
}

/// The emitter state (libyaml's `yaml_emitter_t`, the parts safe_dump uses).
struct Emitter {
    out: String,
    column: usize,
    whitespace: bool,
    indention: bool,
    open_ended: bool,
    indent: Option<usize>,
    indents: Vec<Option<usize>>,
    flow_level: usize,
    best_indent: usize,
    best_width: usize,
    unicode: bool,
    root_context: bool,
    mapping_context: bool,
    simple_key_context: bool,
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_str(&mut self, s: &str) {
        for c in s.chars() {
            self.put(c);
        }
    }

    /// libyaml's `WRITE_BREAK`.
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        match self.indent {
            None => self.indent = Some(if flow { self.best_indent } else { 0 }),
            Some(i) if !indentless => self.indent = Some(i + self.best_indent),
            Some(_) => {}
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().flatten();
    }

    fn write_indent(&mut self) {
        let indent = self.indent.unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, ind: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        self.write_str(ind);
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
        self.open_ended = false;
    }

    fn check_simple_key(&self, node: &ENode) -> bool {
        match node {
            ENode::Scalar { value, .. } => {
                let a = analyze(value, self.unicode);
                !a.multiline && value.len() <= 128
            }
            ENode::Seq { items, .. } => items.is_empty(),
            ENode::Map { pairs, .. } => pairs.is_empty(),
        }
    }

    fn emit_node(&mut self, node: &ENode, root: bool, mapping: bool, simple_key: bool) {
        self.root_context = root;
        self.mapping_context = mapping;
        self.simple_key_context = simple_key;
        match node {
            ENode::Scalar {
                value,
                plain_implicit,
            } => {
                let style = self.select_style(value, *plain_implicit);
                self.increase_indent(true, false);
                let split = !self.simple_key_context;
                match style {
                    Style::Plain => self.write_plain(value, split),
                    Style::Single => self.write_single(value, split),
                    Style::Double => self.write_double(value, split),
                }
                self.pop_indent();
            }
            ENode::Seq { items, flow } => {
                if self.flow_level > 0 || *flow || items.is_empty() {
                    self.emit_flow_seq(items);
                } else {
                    self.emit_block_seq(items);
                }
            }
            ENode::Map { pairs, flow } => {
                if self.flow_level > 0 || *flow || pairs.is_empty() {
                    self.emit_flow_map(pairs);
                } else {
                    self.emit_block_map(pairs);
                }
            }
        }
    }

    fn select_style(&self, value: &str, plain_implicit: bool) -> Style {
        let a = analyze(value, self.unicode);
        let mut style = Style::Plain;
        if self.simple_key_context && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain {
            if (self.flow_level > 0 && !a.flow_plain_allowed)
                || (self.flow_level == 0 && !a.block_plain_allowed)
            {
                style = Style::Single;
            }
            if a.empty && (self.flow_level > 0 || self.simple_key_context) {
                style = Style::Single;
            }
            if !plain_implicit {
                style = Style::Single;
            }
        }
        if style == Style::Single && !a.single_quoted_allowed {
            style = Style::Double;
        }
        style
    }

    fn emit_flow_seq(&mut self, items: &[ENode]) {
        self.write_indicator("[", true, true, false);
        self.increase_indent(true, false);
        self.flow_level += 1;
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.write_indicator(",", false, false, false);
            }
            if self.column > self.best_width {
                self.write_indent();
            }
            self.emit_node(item, false, false, false);
        }
        self.flow_level -= 1;
        self.pop_indent();
        self.write_indicator("]", false, false, false);
    }

    fn emit_flow_map(&mut self, pairs: &[(ENode, ENode)]) {
        self.write_indicator("{", true, true, false);
        self.increase_indent(true, false);
        self.flow_level += 1;
        for (i, (k, v)) in pairs.iter().enumerate() {
            if i > 0 {
                self.write_indicator(",", false, false, false);
            }
            if self.column > self.best_width {
                self.write_indent();
            }
            if self.check_simple_key(k) {
                self.emit_node(k, false, true, true);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, false);
                self.emit_node(k, false, true, false);
                if self.column > self.best_width {
                    self.write_indent();
                }
                self.write_indicator(":", true, false, false);
            }
            self.emit_node(v, false, true, false);
        }
        self.flow_level -= 1;
        self.pop_indent();
        self.write_indicator("}", false, false, false);
    }

    fn emit_block_seq(&mut self, items: &[ENode]) {
        let indentless = self.mapping_context && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.emit_node(item, false, false, false);
        }
        self.pop_indent();
    }

    fn emit_block_map(&mut self, pairs: &[(ENode, ENode)]) {
        self.increase_indent(false, false);
        for (k, v) in pairs {
            self.write_indent();
            if self.check_simple_key(k) {
                self.emit_node(k, false, true, true);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.emit_node(k, false, true, false);
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.emit_node(v, false, true, false);
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, value: &str, allow_breaks: bool) {
        if !self.whitespace && (!value.is_empty() || self.flow_level > 0) {
            self.put(' ');
        }
        let chars: Vec<char> = value.chars().collect();
        let mut spaces = false;
        let mut breaks = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
        if self.root_context {
            self.open_ended = true;
        }
    }

    fn write_single(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        let n = chars.len();
        let mut spaces = false;
        let mut breaks = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && i != 0
                    && i != n - 1
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        if breaks {
            self.write_indent();
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        let n = chars.len();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c)
                || (!self.unicode && !c.is_ascii())
                || c == '\u{feff}'
                || is_break(c)
                || c == '"'
                || c == '\\'
            {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{7}' => self.put('a'),
                    '\u{8}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{b}' => self.put('v'),
                    '\u{c}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1b}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{a0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    c => {
                        let v = c as u32;
                        let s = if v <= 0xff {
                            format!("x{v:02X}")
                        } else if v <= 0xffff {
                            format!("u{v:04X}")
                        } else {
                            format!("U{v:08X}")
                        };
                        self.write_str(&s);
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > self.best_width && i != 0 && i != n - 1
                {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }
}

/// Dumps one document as `yaml.dump(value, Dumper=..., **opts)` would.
pub fn dump(value: &Value, opts: &DumpOptions) -> String {
    let node = represent(value, opts);
    let mut e = Emitter {
        out: String::new(),
        column: 0,
        whitespace: true,
        indention: true,
        open_ended: false,
        indent: None,
        indents: Vec::new(),
        flow_level: 0,
        best_indent: if (2..10).contains(&opts.indent) {
            opts.indent
        } else {
            2
        },
        best_width: if opts.width > opts.indent.saturating_mul(2) {
            opts.width
        } else {
            80
        },
        unicode: opts.allow_unicode,
        root_context: false,
        mapping_context: false,
        simple_key_context: false,
    };
    e.emit_node(&node, true, false, false);
    // document end (implicit)
    e.write_indent();
    if e.open_ended && opts.explicit_end_for_scalars {
        e.write_indicator("...", true, false, false);
        e.write_indent();
    }
    e.out
}
