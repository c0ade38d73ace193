//! The loader: saphyr-parser events → nodes (composer) → [`Value`]s (constructor).
//!
//! The composer mirrors PyYAML's: it resolves plain scalars with the YAML 1.1 implicit
//! resolvers and shares aliased nodes. The constructor follows `SaltYamlSafeLoader`
//! (salt/utils/yamlloader.py) or, with `salt: false`, PyYAML's plain `SafeLoader`.

use std::collections::HashMap;
use std::rc::Rc;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};

use super::resolve::{self, IntValue};
use super::{LoadOptions, YamlError, YamlErrorKind};
use crate::value::{Dict, DictKind, Key, Value};

/// Deepest nesting of collections accepted (PyYAML would hit Python's recursion limit).
pub const MAX_DEPTH: usize = 512;
/// Most values a document may expand to through aliases (guards against "billion laughs").
pub const MAX_NODES: usize = 1_000_000;

/// A 1-based (line, column) position.
type Mark = (usize, usize);

#[derive(Debug)]
enum NodeKind {
    Scalar { value: String, style: ScalarStyle },
    Seq(Vec<Rc<Node>>),
    Map(Vec<(Rc<Node>, Rc<Node>)>),
}

#[derive(Debug)]
struct Node {
    kind: NodeKind,
    /// The resolved tag (full form).
    tag: String,
    mark: Mark,
    /// Nesting depth of this node (1 for a scalar).
    depth: usize,
    /// How many values this node expands to, aliases included (saturating).
    size: usize,
}

impl Node {
    fn id(&self) -> &'static str {
        match self.kind {
            NodeKind::Scalar { .. } => "scalar",
            NodeKind::Seq(_) => "sequence",
            NodeKind::Map(_) => "mapping",
        }
    }
}

fn mark_of(m: &saphyr_parser::Marker) -> Mark {
    (m.line(), m.col() + 1)
}

fn err(kind: YamlErrorKind, problem: impl Into<String>, mark: Mark) -> YamlError {
    YamlError {
        message: problem.into(),
        line: mark.0,
        column: mark.1,
        kind,
        context: None,
        context_mark: None,
    }
}

fn err_ctx(
    kind: YamlErrorKind,
    context: &str,
    cmark: Mark,
    problem: impl Into<String>,
    mark: Mark,
) -> YamlError {
    YamlError {
        message: problem.into(),
        line: mark.0,
        column: mark.1,
        kind,
        context: Some(context.to_string()),
        context_mark: Some(cmark),
    }
}

/// Checks for characters libyaml's reader refuses.
fn check_printable(text: &str) -> Result<(), YamlError> {
    let mut line = 1;
    let mut col = 1;
    for (pos, c) in text.chars().enumerate() {
        let ok = matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{85}')
            || matches!(c, '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
                && (c != '\u{feff}' || pos == 0);
        if !ok {
            let mut e = err(
                YamlErrorKind::Reader,
                format!(
                    "unacceptable character #x{:04x}: control characters are not allowed",
                    c as u32
                ),
                (line, col),
            );
            e.context = Some(format!("position {pos}"));
            return Err(e);
        }
        if c == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    Ok(())
}

enum Frame {
    Seq {
        items: Vec<Rc<Node>>,
        tag: Option<String>,
        anchor: usize,
        mark: Mark,
        flow: bool,
    },
    Map {
        pairs: Vec<(Rc<Node>, Rc<Node>)>,
        key: Option<Rc<Node>>,
        tag: Option<String>,
        anchor: usize,
        mark: Mark,
        flow: bool,
    },
}

fn tag_string(tag: Option<&saphyr_parser::Tag>) -> Option<String> {
    tag.map(|t| format!("{}{}", t.handle, t.suffix))
}

/// Composes the single document of `text` into a node tree (None for an empty stream).
fn compose(text: &str) -> Result<Option<Rc<Node>>, YamlError> {
    check_printable(text)?;
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let chars_at = |m: Mark| -> Option<char> {
        let start = *line_starts.get(m.0.checked_sub(1)?)?;
        let line = text.get(start..)?;
        let line = line.split('\n').next().unwrap_or("");
        line.chars().nth(m.1.checked_sub(1)?)
    };
    let chars_from = |m: Mark| -> String {
        let Some(start) = m.0.checked_sub(1).and_then(|i| line_starts.get(i)) else {
            return String::new();
        };
        let line = text.get(*start..).unwrap_or("");
        let line = line.split('\n').next().unwrap_or("");
        line.chars().skip(m.1.saturating_sub(1)).collect()
    };
    // first character of a collection, past any anchor or tag on the same line
    let opener_at = |m: Mark| -> Option<char> {
        let mut m = m;
        let mut in_prop = false;
        for _ in 0..4096 {
            let c = chars_at(m)?;
            match c {
                '&' | '!' if !in_prop => in_prop = true,
                ' ' | '\t' => in_prop = false,
                _ if in_prop => {}
                c => return Some(c),
            }
            m.1 += 1;
        }
        None
    };
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Rc<Node>> = HashMap::new();
    let mut root: Option<Rc<Node>> = None;
    let mut documents = 0usize;
    let mut first_doc_mark: Option<Mark> = None;
    // lines (first, last) inside multi-line scalars or flow collections, where tabs are fine
    let mut exempt: Vec<(usize, usize)> = Vec::new();
    // lines on which a plain scalar ended
    let mut plain_end_lines: Vec<usize> = Vec::new();
    let mut flow_starts: Vec<usize> = Vec::new();
    let mut anchor_names: HashMap<String, Mark> = HashMap::new();
    let anchor_name_at = |m: Mark| -> Option<String> {
        let start = *line_starts.get(m.0.checked_sub(1)?)?;
        let line = text.get(start..)?.split('\n').next().unwrap_or("");
        let rest: String = line.chars().skip(m.1.checked_sub(1)?).collect();
        let mut it = rest.as_str();
        loop {
            it = it.trim_start_matches([' ', '\t']);
            if let Some(a) = it.strip_prefix('&') {
                let end = a
                    .find([' ', '\t', ',', '[', ']', '{', '}', '\r'])
                    .unwrap_or(a.len());
                return Some(a[..end].to_string());
            } else if it.starts_with('!') {
                let end = it.find([' ', '\t']).unwrap_or(it.len());
                it = &it[end..];
                if it.is_empty() {
                    return None;
                }
            } else {
                return None;
            }
        }
    };

    loop {
        let (event, span) = match parser.next_event() {
            None => break,
            Some(Ok(ev)) => ev,
            Some(Err(e)) => {
                let line = e.marker().line();
                tab_check(text, &exempt, &plain_end_lines, line + 1)?;
                return Err(scan_error(&e, &stack, &chars_at));
            }
        };
        let start = mark_of(&span.start);
        let anchor_id = match &event {
            Event::Scalar(_, _, a, _) | Event::SequenceStart(a, _) | Event::MappingStart(a, _) => {
                *a
            }
            _ => 0,
        };
        if anchor_id != 0 {
            if let Some(name) = anchor_name_at(start) {
                if let Some(first) = anchor_names.insert(name, start) {
                    return Err(err_ctx(
                        YamlErrorKind::Composer,
                        "found duplicate anchor; first occurrence",
                        first,
                        "second occurrence",
                        start,
                    ));
                }
            }
        }
        match &event {
            Event::Scalar(_, style, _, _) => {
                let (l0, l1) = (span.start.line(), span.end.line());
                match style {
                    ScalarStyle::Literal | ScalarStyle::Folded => {
                        if let Event::Scalar(v, ..) = &event {
                            // libyaml detects the indentation first; a tab there is an error
                            if let Some((n, _)) =
                                v.split('\n').enumerate().find(|(_, l)| !l.is_empty())
                            {
                                if v.split('\n').nth(n).is_some_and(|l| l.starts_with('\t')) {
                                    return Err(err(
                                        YamlErrorKind::Scanner,
                                        "found a tab character where an indentation space is expected",
                                        (l0 + n, 1),
                                    ));
                                }
                            }
                        }
                        let last = if span.end.col() == 0 {
                            l1.saturating_sub(1)
                        } else {
                            l1
                        };
                        exempt.push((l0, last));
                    }
                    _ if l1 > l0 => exempt.push((l0 + 1, l1)),
                    _ => {}
                }
                if *style == ScalarStyle::Plain {
                    // only a plain scalar that ends its line scans on into the next lines
                    let rest = chars_from(mark_of(&span.end));
                    let rest = rest.trim_start_matches([' ', '\t']);
                    if rest.is_empty() || rest.starts_with('#') {
                        plain_end_lines.push(l1);
                    }
                }
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                flow_starts.push(span.start.line())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(l0) = flow_starts.pop() {
                    if matches!(
                        stack.last(),
                        Some(Frame::Seq { flow: true, .. } | Frame::Map { flow: true, .. })
                    ) && span.end.line() > l0
                    {
                        exempt.push((l0 + 1, span.end.line()));
                    }
                }
            }
            _ => {}
        }
        let mut done: Option<Rc<Node>> = None;
        match event {
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => {}
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(err_ctx(
                        YamlErrorKind::Composer,
                        "expected a single document in the stream",
                        first_doc_mark.unwrap_or((1, 1)),
                        "but found another document",
                        start,
                    ));
                }
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(n) => done = Some(n.clone()),
                None => {
                    return Err(err(
                        YamlErrorKind::Composer,
                        "found undefined or recursive alias",
                        start,
                    ))
                }
            },
            Event::Scalar(value, style, anchor, tag) => {
                let tag = tag_string(tag.as_deref());
                let tag = match tag.as_deref() {
                    None if style == ScalarStyle::Plain => {
                        resolve::resolve_plain(&value).to_string()
                    }
                    // libyaml treats the non-specific `!` tag as "plain implicit"
                    Some("!") => resolve::resolve_plain(&value).to_string(),
                    None => resolve::TAG_STR.to_string(),
                    Some(t) => t.to_string(),
                };
                let node = Rc::new(Node {
                    kind: NodeKind::Scalar {
                        value: value.into_owned(),
                        style,
                    },
                    tag,
                    mark: start,
                    depth: 1,
                    size: 1,
                });
                if anchor != 0 {
                    anchors.insert(anchor, node.clone());
                }
                done = Some(node);
            }
            Event::SequenceStart(anchor, tag) => {
                let flow = opener_at(start) == Some('[')
                    || matches!(
                        stack.last(),
                        Some(Frame::Seq { flow: true, .. } | Frame::Map { flow: true, .. })
                    );
                stack.push(Frame::Seq {
                    items: Vec::new(),
                    tag: tag_string(tag.as_deref()),
                    anchor,
                    mark: start,
                    flow,
                });
            }
            Event::MappingStart(anchor, tag) => {
                let flow = opener_at(start) == Some('{')
                    || matches!(
                        stack.last(),
                        Some(Frame::Seq { flow: true, .. } | Frame::Map { flow: true, .. })
                    );
                stack.push(Frame::Map {
                    pairs: Vec::new(),
                    key: None,
                    tag: tag_string(tag.as_deref()),
                    anchor,
                    mark: start,
                    flow,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = stack.pop() else {
                    return Err(err(
                        YamlErrorKind::Parser,
                        "unexpected end of collection",
                        start,
                    ));
                };
                let (node, anchor) = match frame {
                    Frame::Seq {
                        items,
                        tag,
                        anchor,
                        mark,
                        ..
                    } => {
                        let depth = 1 + items.iter().map(|n| n.depth).max().unwrap_or(0);
                        let size = items.iter().fold(1usize, |a, n| a.saturating_add(n.size));
                        let tag = match tag.as_deref() {
                            None | Some("!") => resolve::TAG_SEQ.to_string(),
                            Some(t) => t.to_string(),
                        };
                        (
                            Node {
                                kind: NodeKind::Seq(items),
                                tag,
                                mark,
                                depth,
                                size,
                            },
                            anchor,
                        )
                    }
                    Frame::Map {
                        pairs,
                        tag,
                        anchor,
                        mark,
                        ..
                    } => {
                        let depth = 1 + pairs
                            .iter()
                            .map(|(k, v)| k.depth.max(v.depth))
                            .max()
                            .unwrap_or(0);
                        let size = pairs.iter().fold(1usize, |a, (k, v)| {
                            a.saturating_add(k.size).saturating_add(v.size)
                        });
                        let tag = match tag.as_deref() {
                            None | Some("!") => resolve::TAG_MAP.to_string(),
                            Some(t) => t.to_string(),
                        };
                        (
                            Node {
                                kind: NodeKind::Map(pairs),
                                tag,
                                mark,
                                depth,
                                size,
                            },
                            anchor,
                        )
                    }
                };
                if node.depth > MAX_DEPTH {
                    return Err(err(
                        YamlErrorKind::Limit,
                        format!("document nests deeper than {MAX_DEPTH} levels"),
                        node.mark,
                    ));
                }
                if node.size > MAX_NODES {
                    return Err(err(
                        YamlErrorKind::Limit,
                        format!("document expands to more than {MAX_NODES} values through aliases"),
                        node.mark,
                    ));
                }
                let node = Rc::new(node);
                if anchor != 0 {
                    anchors.insert(anchor, node.clone());
                }
                done = Some(node);
            }
        }
        if stack.len() > MAX_DEPTH {
            return Err(err(
                YamlErrorKind::Limit,
                format!("document nests deeper than {MAX_DEPTH} levels"),
                start,
            ));
        }
        if let Some(node) = done {
            match stack.last_mut() {
                None => {
                    first_doc_mark = Some(node.mark);
                    root = Some(node);
                }
                Some(Frame::Seq { items, .. }) => items.push(node),
                Some(Frame::Map { pairs, key, .. }) => match key.take() {
                    None => *key = Some(node),
                    Some(k) => pairs.push((k, node)),
                },
            }
        }
    }
    tab_check(text, &exempt, &plain_end_lines, usize::MAX)?;
    Ok(root)
}

/// libyaml refuses a tab in the indentation of a line in block context (before the line's
/// first token); saphyr accepts some of those. Checks lines before `upto`.
fn tab_check(
    text: &str,
    exempt: &[(usize, usize)],
    plain_end_lines: &[usize],
    upto: usize,
) -> Result<(), YamlError> {
    if !text.contains('\t') {
        return Ok(());
    }
    for (i, line) in text.split('\n').enumerate() {
        let lineno = i + 1;
        if lineno >= upto {
            break;
        }
        let indent: &str = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
        let Some(tab_col) = indent.find('\t') else {
            continue;
        };
        if exempt.iter().any(|&(a, b)| lineno >= a && lineno <= b) {
            continue;
        }
        let after_plain = plain_end_lines
            .iter()
            .rev()
            .find(|&&l| l < lineno)
            .is_some_and(|&l| {
                text.split('\n')
                    .skip(l)
                    .take(lineno - l - 1)
                    .all(|b| b.trim().is_empty())
            });
        let problem = if after_plain {
            "found a tab character that violates indentation"
        } else {
            "found character that cannot start any token"
        };
        return Err(err(YamlErrorKind::Scanner, problem, (lineno, tab_col + 1)));
    }
    Ok(())
}

/// Turns a saphyr scan/parse error into a libyaml-worded error.
fn scan_error(
    e: &ScanError,
    stack: &[Frame],
    chars_at: &dyn Fn(Mark) -> Option<char>,
) -> YamlError {
    let mark = mark_of(e.marker());
    let info = e.info();
    // innermost open collection of a given flavour
    let innermost = |want_map: bool, want_flow: bool| -> Option<Mark> {
        stack.iter().rev().find_map(|f| match f {
            Frame::Map { mark, flow, .. } if want_map && *flow == want_flow => Some(*mark),
            Frame::Seq { mark, flow, .. } if !want_map && *flow == want_flow => Some(*mark),
            _ => None,
        })
    };
    let fix_flow_mark = |m: Mark, open: char| -> Mark {
        // an anchor or tag may precede the bracket on the same line
        let mut m2 = m;
        for _ in 0..256 {
            match chars_at(m2) {
                Some(c) if c == open => return m2,
                Some(_) => m2.1 += 1,
                None => break,
            }
        }
        m
    };
    let parser_ctx = |ctx: &str, problem: &str, cmark: Option<Mark>| -> YamlError {
        match cmark {
            Some(c) => err_ctx(YamlErrorKind::Parser, ctx, c, problem, mark),
            None => {
                let mut e = err(YamlErrorKind::Parser, problem, mark);
                e.context = Some(ctx.to_string());
                e.context_mark = Some(mark);
                e
            }
        }
    };
    if let Some(p) = info.strip_prefix("while parsing a flow mapping, ") {
        let c = innermost(true, true).map(|m| fix_flow_mark(m, '{'));
        return parser_ctx("while parsing a flow mapping", p, c);
    }
    if let Some(p) = info.strip_prefix("while parsing a flow sequence, ") {
        let c = innermost(false, true).map(|m| fix_flow_mark(m, '['));
        let p = if p == "expected ',' or ']'" {
            "did not find expected ',' or ']'"
        } else {
            p
        };
        return parser_ctx("while parsing a flow sequence", p, c);
    }
    if let Some(p) = info.strip_prefix("while parsing a block mapping, ") {
        let mut e = parser_ctx("while parsing a block mapping", p, innermost(true, false));
        // saphyr points past a `- ` indicator; libyaml points at it
        if e.column > 2
            && chars_at((e.line, e.column - 2)) == Some('-')
            && chars_at((e.line, e.column - 1)) == Some(' ')
        {
            e.column -= 2;
        }
        return e;
    }
    if let Some(p) = info.strip_prefix("while parsing a block collection, ") {
        return parser_ctx(
            "while parsing a block collection",
            p,
            innermost(false, false),
        );
    }
    let in_flow = matches!(
        stack.last(),
        Some(Frame::Map { flow: true, .. } | Frame::Seq { flow: true, .. })
    );
    if let Some(p) = info.strip_prefix("while parsing a node, ") {
        let ctx = if in_flow {
            "while parsing a flow node"
        } else {
            "while parsing a block node"
        };
        return parser_ctx(ctx, p, Some(mark));
    }
    if info.starts_with("did not find expected <document") {
        return err(
            YamlErrorKind::Parser,
            "did not find expected <document start>",
            mark,
        );
    }
    if info == "recursion limit exceeded" {
        // saphyr counts flow levels in a u8
        return err(
            YamlErrorKind::Limit,
            "flow collections nest deeper than 255 levels",
            mark,
        );
    }
    if info.contains("unknown anchor") {
        return err(YamlErrorKind::Composer, "found undefined alias", mark);
    }
    // tokens the parser would not expect where they are: libyaml words these by the
    // enclosing block collection
    if matches!(
        info,
        "misplaced bracket"
            | "invalid trailing content after double-quoted scalar"
            | "invalid trailing content after single-quoted scalar"
    ) && !in_flow
    {
        return match stack.last() {
            Some(Frame::Map { mark: c, .. }) => err_ctx(
                YamlErrorKind::Parser,
                "while parsing a block mapping",
                *c,
                "did not find expected key",
                mark,
            ),
            Some(Frame::Seq { mark: c, .. }) => err_ctx(
                YamlErrorKind::Parser,
                "while parsing a block collection",
                *c,
                "did not find expected '-' indicator",
                mark,
            ),
            None => err(
                YamlErrorKind::Parser,
                "did not find expected <document start>",
                mark,
            ),
        };
    }
    let (context, problem) = match info.strip_prefix("while ") {
        Some(rest) => match rest.split_once(", ") {
            Some((c, p)) => (Some(format!("while {c}")), p),
            None => (None, info),
        },
        None => (None, info),
    };
    let at_block_indicator = matches!(chars_at(mark), Some('|' | '>'));
    let problem = match problem {
        _ if at_block_indicator
            && (problem.contains("tab") || problem.contains("cannot start")) =>
        {
            "found a tab character where an indentation space is expected".to_string()
        }
        "simple key expected" => "could not find expected ':'".to_string(),
        i if i.contains("tab") || i.starts_with("unexpected character") => {
            "found character that cannot start any token".to_string()
        }
        other => other.to_string(),
    };
    let mut e = err(YamlErrorKind::Scanner, problem, mark);
    if let Some(c) = context {
        e.context = Some(c.replace(
            "while parsing a quoted scalar",
            "while scanning a quoted scalar",
        ));
        e.context_mark = Some(mark);
    }
    e
}

/// Builds values from nodes.
struct Constructor {
    opts: LoadOptions,
}

fn node_repr(n: &Node) -> String {
    match &n.kind {
        NodeKind::Scalar { value, .. } => format!(
            "ScalarNode(tag={}, value={})",
            crate::repr::str_repr(&n.tag),
            crate::repr::str_repr(value)
        ),
        NodeKind::Seq(items) => {
            let v: Vec<String> = items.iter().map(|i| node_full_repr(i)).collect();
            format!("[{}]", v.join(", "))
        }
        NodeKind::Map(pairs) => {
            let v: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("({}, {})", node_full_repr(k), node_full_repr(v)))
                .collect();
            format!("[{}]", v.join(", "))
        }
    }
}

fn node_full_repr(n: &Node) -> String {
    match &n.kind {
        NodeKind::Scalar { .. } => node_repr(n),
        NodeKind::Seq(_) => format!(
            "SequenceNode(tag={}, value={})",
            crate::repr::str_repr(&n.tag),
            node_repr(n)
        ),
        NodeKind::Map(_) => format!(
            "MappingNode(tag={}, value={})",
            crate::repr::str_repr(&n.tag),
            node_repr(n)
        ),
    }
}

fn raw_key(n: &Node) -> Option<&str> {
    match &n.kind {
        NodeKind::Scalar { value, .. } => Some(value),
        _ => None,
    }
}

type Pairs = Vec<(Rc<Node>, Rc<Node>)>;

impl Constructor {
    fn construct(&self, node: &Rc<Node>) -> Result<Value, YamlError> {
        let tag = node.tag.as_str();
        match tag {
            resolve::TAG_MAP => self.construct_map(node),
            "tag:yaml.org,2002:omap"
                if self.opts.salt && self.opts.dict_kind == DictKind::Ordered =>
            {
                self.construct_map(node)
            }
            "tag:yaml.org,2002:omap" | "tag:yaml.org,2002:pairs" => self.construct_pairs(node),
            "tag:yaml.org,2002:set" => {
                // a Python set; we keep its members as a list
                let d = self.construct_mapping(node)?;
                Ok(Value::List(d.map.keys().map(Key::to_value).collect()))
            }
            resolve::TAG_SEQ => match &node.kind {
                NodeKind::Seq(items) => Ok(Value::List(
                    items
                        .iter()
                        .map(|i| self.construct(i))
                        .collect::<Result<_, _>>()?,
                )),
                _ => Err(err(
                    YamlErrorKind::Constructor,
                    format!("expected a sequence node, but found {}", node.id()),
                    node.mark,
                )),
            },
            resolve::TAG_STR | "tag:yaml.org,2002:python/unicode" => {
                Ok(Value::Str(self.scalar(node)?.to_string()))
            }
            resolve::TAG_NULL => {
                self.scalar(node)?;
                Ok(Value::None)
            }
            resolve::TAG_BOOL => {
                let v = self.scalar(node)?;
                resolve::construct_bool(v)
                    .map(Value::Bool)
                    .map_err(|m| err(YamlErrorKind::Value, format!("KeyError: {m}"), node.mark))
            }
            resolve::TAG_INT => {
                let raw = self.scalar(node)?;
                let v = if self.opts.salt {
                    resolve::salt_strip_int(raw)
                } else {
                    raw.to_string()
                };
                match resolve::construct_int(&v) {
                    Ok(IntValue::Small(i)) => Ok(Value::Int(i)),
                    Ok(IntValue::Big(s)) => Ok(Value::Str(s)),
                    Err(m) => Err(err(YamlErrorKind::Value, m, node.mark)),
                }
            }
            resolve::TAG_FLOAT => {
                let v = self.scalar(node)?;
                resolve::construct_float(v)
                    .map(Value::Float)
                    .map_err(|m| err(YamlErrorKind::Value, m, node.mark))
            }
            resolve::TAG_TIMESTAMP => {
                // Salt keeps timestamps as strings; PyYAML would build a datetime,
                // which this model has no type for, so it stays a string too.
                Ok(Value::Str(self.scalar(node)?.to_string()))
            }
            "tag:yaml.org,2002:binary" => {
                let v = self.scalar(node)?;
                let clean: String = v.chars().filter(|c| !c.is_whitespace()).collect();
                match base64_decode(&clean) {
                    Some(bytes) => Ok(Value::Str(String::from_utf8_lossy(&bytes).into_owned())),
                    None => Err(err_ctx(
                        YamlErrorKind::Constructor,
                        "failed to convert base64 data into ascii",
                        node.mark,
                        "invalid base64",
                        node.mark,
                    )),
                }
            }
            other => Err(err(
                YamlErrorKind::Constructor,
                format!("could not determine a constructor for the tag '{other}'"),
                node.mark,
            )),
        }
    }

    fn scalar<'n>(&self, node: &'n Node) -> Result<&'n str, YamlError> {
        match &node.kind {
            NodeKind::Scalar { value, .. } => Ok(value),
            _ => Err(err(
                YamlErrorKind::Constructor,
                format!("expected a scalar node, but found {}", node.id()),
                node.mark,
            )),
        }
    }

    fn construct_pairs(&self, node: &Rc<Node>) -> Result<Value, YamlError> {
        let ctx = "while constructing an ordered map";
        let NodeKind::Seq(items) = &node.kind else {
            return Err(err_ctx(
                YamlErrorKind::Constructor,
                ctx,
                node.mark,
                format!("expected a sequence, but found {}", node.id()),
                node.mark,
            ));
        };
        let mut out = Vec::new();
        for sub in items {
            let NodeKind::Map(pairs) = &sub.kind else {
                return Err(err_ctx(
                    YamlErrorKind::Constructor,
                    ctx,
                    node.mark,
                    format!("expected a mapping of length 1, but found {}", sub.id()),
                    sub.mark,
                ));
            };
            if pairs.len() != 1 {
                return Err(err_ctx(
                    YamlErrorKind::Constructor,
                    ctx,
                    node.mark,
                    format!(
                        "expected a single mapping item, but found {} items",
                        pairs.len()
                    ),
                    sub.mark,
                ));
            }
            let (k, v) = &pairs[0];
            out.push(Value::List(vec![self.construct(k)?, self.construct(v)?]));
        }
        Ok(Value::List(out))
    }

    fn construct_map(&self, node: &Rc<Node>) -> Result<Value, YamlError> {
        let mut d = self.construct_mapping(node)?;
        d.kind = self.opts.dict_kind;
        Ok(Value::Dict(d))
    }

    /// Salt's `flatten_mapping`: merged pairs first (later maps of a merge list first),
    /// minus those whose key text the mapping itself has.
    fn flatten_salt(
        &self,
        node: &Node,
        pairs: &[(Rc<Node>, Rc<Node>)],
    ) -> Result<Pairs, YamlError> {
        let ctx = "while constructing a mapping";
        let mut merge: Pairs = Vec::new();
        let mut own: Pairs = Vec::new();
        for (k, v) in pairs {
            if k.tag == resolve::TAG_MERGE {
                match &v.kind {
                    NodeKind::Map(sub) => merge.extend(self.flatten_salt(v, sub)?),
                    NodeKind::Seq(items) => {
                        let mut submerge = Vec::new();
                        for s in items {
                            let NodeKind::Map(sp) = &s.kind else {
                                return Err(err_ctx(
                                    YamlErrorKind::Constructor,
                                    ctx,
                                    node.mark,
                                    format!("expected a mapping for merging, but found {}", s.id()),
                                    s.mark,
                                ));
                            };
                            submerge.push(self.flatten_salt(s, sp)?);
                        }
                        for sm in submerge.into_iter().rev() {
                            merge.extend(sm);
                        }
                    }
                    NodeKind::Scalar { .. } => {
                        return Err(err_ctx(
                            YamlErrorKind::Constructor,
                            ctx,
                            node.mark,
                            "expected a mapping or list of mappings for merging, but found scalar",
                            v.mark,
                        ))
                    }
                }
            } else if k.tag == resolve::TAG_VALUE {
                own.push((retag_str(k), v.clone()));
            } else {
                own.push((k.clone(), v.clone()));
            }
        }
        if merge.is_empty() {
            return Ok(own);
        }
        let existing: Vec<&Rc<Node>> = own.iter().map(|(k, _)| k).collect();
        let same = |a: &Rc<Node>, b: &Rc<Node>| match (raw_key(a), raw_key(b)) {
            (Some(x), Some(y)) => x == y,
            _ => Rc::ptr_eq(a, b),
        };
        let mut out: Pairs = merge
            .into_iter()
            .filter(|(k, _)| !existing.iter().any(|e| same(e, k)))
            .collect();
        out.extend(own);
        Ok(out)
    }

    /// PyYAML 6's `flatten_mapping`: merged pairs (first occurrence of each key node) first.
    fn flatten_pyyaml(
        &self,
        node: &Node,
        pairs: &[(Rc<Node>, Rc<Node>)],
    ) -> Result<Pairs, YamlError> {
        let ctx = "while constructing a mapping";
        let mut merge: Pairs = Vec::new();
        let mut own: Pairs = Vec::new();
        let push_unique = |merge: &mut Pairs, p: (Rc<Node>, Rc<Node>)| {
            if !merge.iter().any(|(k, _)| Rc::ptr_eq(k, &p.0)) {
                merge.push(p);
            }
        };
        for (k, v) in pairs {
            if k.tag == resolve::TAG_MERGE {
                match &v.kind {
                    NodeKind::Map(sub) => {
                        for p in self.flatten_pyyaml(v, sub)? {
                            push_unique(&mut merge, p);
                        }
                    }
                    NodeKind::Seq(items) => {
                        for s in items {
                            let NodeKind::Map(sp) = &s.kind else {
                                return Err(err_ctx(
                                    YamlErrorKind::Constructor,
                                    ctx,
                                    node.mark,
                                    format!("expected a mapping for merging, but found {}", s.id()),
                                    s.mark,
                                ));
                            };
                            for p in self.flatten_pyyaml(s, sp)? {
                                push_unique(&mut merge, p);
                            }
                        }
                    }
                    NodeKind::Scalar { .. } => {
                        return Err(err_ctx(
                            YamlErrorKind::Constructor,
                            ctx,
                            node.mark,
                            "expected a mapping or list of mappings for merging, but found scalar",
                            v.mark,
                        ))
                    }
                }
            } else if k.tag == resolve::TAG_VALUE {
                own.push((retag_str(k), v.clone()));
            } else {
                own.push((k.clone(), v.clone()));
            }
        }
        merge.extend(own);
        Ok(merge)
    }

    fn construct_mapping(&self, node: &Rc<Node>) -> Result<Dict, YamlError> {
        let NodeKind::Map(pairs) = &node.kind else {
            return Err(err(
                YamlErrorKind::Constructor,
                format!("expected a mapping node, but found {}", node.id()),
                node.mark,
            ));
        };
        let ctx = "while constructing a mapping";
        let pairs = if self.opts.salt {
            self.flatten_salt(node, pairs)?
        } else {
            self.flatten_pyyaml(node, pairs)?
        };
        let mut d = Dict {
            kind: self.opts.dict_kind,
            map: indexmap::IndexMap::with_capacity(pairs.len()),
        };
        for (kn, vn) in &pairs {
            let kv = self.construct(kn)?;
            let key = match Key::from_value(&kv) {
                Some(k) => k,
                None => {
                    let problem = if self.opts.salt {
                        format!("found unacceptable key {}", node_repr(kn))
                    } else {
                        "found unhashable key".to_string()
                    };
                    return Err(err_ctx(
                        YamlErrorKind::Constructor,
                        ctx,
                        node.mark,
                        problem,
                        kn.mark,
                    ));
                }
            };
            let value = self.construct(vn)?;
            let existing = py_equal_key(&d, &key);
            if self.opts.salt {
                if existing.is_some() {
                    return Err(err_ctx(
                        YamlErrorKind::Constructor,
                        ctx,
                        node.mark,
                        format!("found conflicting ID '{key}'"),
                        kn.mark,
                    ));
                }
                d.map.insert(key, value);
            } else {
                // Python keeps the first key object and takes the last value
                d.map.insert(existing.unwrap_or(key), value);
            }
        }
        Ok(d)
    }
}

/// The key already in `d` that Python would consider equal to `key` (`1 == True`).
fn py_equal_key(d: &Dict, key: &Key) -> Option<Key> {
    if d.map.contains_key(key) {
        return Some(key.clone());
    }
    let alt = match key {
        Key::Bool(b) => Key::Int(i64::from(*b)),
        Key::Int(0) => Key::Bool(false),
        Key::Int(1) => Key::Bool(true),
        _ => return None,
    };
    d.map.contains_key(&alt).then_some(alt)
}

fn retag_str(k: &Rc<Node>) -> Rc<Node> {
    let kind = match &k.kind {
        NodeKind::Scalar { value, style } => NodeKind::Scalar {
            value: value.clone(),
            style: *style,
        },
        _ => return k.clone(),
    };
    Rc::new(Node {
        kind,
        tag: resolve::TAG_STR.to_string(),
        mark: k.mark,
        depth: k.depth,
        size: k.size,
    })
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for &c in s.as_bytes() {
        acc = (acc << 6) | val(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// saphyr refuses tabs between a `:` value indicator and a value starting with a letter
/// or `-`; libyaml accepts them as separation. Returns the text with those tabs (ending at
/// the error position) turned into spaces, or None if the error is not that.
fn patch_tab_after_colon(text: &str, e: &YamlError) -> Option<String> {
    if e.message != "':' must be followed by a valid YAML whitespace" {
        return None;
    }
    let line_start = if e.line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(e.line - 2)?.0 + 1
    };
    let line = &text[line_start..];
    let col_byte = line
        .char_indices()
        .nth(e.column.saturating_sub(1))
        .map_or(line.len(), |(i, _)| i);
    let mut end = line_start + col_byte;
    let bytes = text.as_bytes();
    // walk back over the separating blanks to the colon
    let mut start = end;
    while start > 0 && matches!(bytes[start - 1], b'\t' | b' ') {
        start -= 1;
    }
    if start == 0 || bytes[start - 1] != b':' || !text[start..end].contains('\t') {
        return None;
    }
    end = end.min(text.len());
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..start]);
    out.push_str(&text[start..end].replace('\t', " "));
    out.push_str(&text[end..]);
    Some(out)
}

/// Loads one document with the given options.
pub fn load_with(text: &str, opts: &LoadOptions) -> Result<Value, YamlError> {
    let mut patched: Option<String> = None;
    let mut tries = 0;
    let root = loop {
        let current = patched.as_deref().unwrap_or(text);
        match compose(current) {
            Ok(r) => break r,
            Err(e) => {
                tries += 1;
                match patch_tab_after_colon(current, &e) {
                    Some(p) if tries < 64 => patched = Some(p),
                    _ => return Err(e),
                }
            }
        }
    };
    let Some(root) = root else {
        return Ok(Value::None);
    };
    Constructor { opts: opts.clone() }.construct(&root)
}
