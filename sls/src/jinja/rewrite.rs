//! Source rewrite over minijinja's token stream, so that templates written for jinja2 +
//! Salt run on minijinja with Python semantics:
//!
//! - `{...}` / `[...]` literals become mutable dicts/lists (`__dict(...)`, `__list(...)`);
//! - `a % b` becomes `__pymod(a, b)` (Python `%` formatting and modulo);
//! - `a ~ b ~ c` becomes `__cat(a, b, c)` (Python `str()` of each operand);
//! - Salt's tags: `import_yaml/json/text EXPR as x`, `load_yaml/json/text as x ... endload`,
//!   `profile as X ... endprofile`.
//!
//! Newlines are never added or removed, so line numbers in errors stay those of the
//! original source. A block the rewriter cannot parse is left untouched (minijinja then
//! reports its own syntax error).

use minijinja::machinery::{Span, Token, Tokenizer};
use minijinja::syntax::SyntaxConfig;

struct Tok<'s> {
    tok: Token<'s>,
    span: Span,
}

/// Rewrites a template source (see module docs).
pub fn rewrite(source: &str) -> String {
    let syntax = match SyntaxConfig::builder().keep_trailing_newline(true).build() {
        Ok(s) => s,
        Err(_) => return source.to_string(),
    };
    let mut tz = Tokenizer::new(source, "<rewrite>", false, syntax);
    let mut toks = Vec::new();
    loop {
        match tz.next_token() {
            Ok(Some((tok, span))) => toks.push(Tok { tok, span }),
            Ok(None) => break,
            Err(_) => return source.to_string(),
        }
    }
    let cx = Cx {
        src: source,
        toks: &toks,
    };
    let mut w = Writer {
        cx,
        out: String::with_capacity(source.len() + 64),
        load_stack: Vec::new(),
        after_block: None,
        macro_stack: Vec::new(),
    };
    w.run();
    w.out
}

#[derive(Clone, Copy)]
struct Cx<'a, 's> {
    src: &'s str,
    toks: &'a [Tok<'s>],
}

impl<'a, 's> Cx<'a, 's> {
    fn start(&self, i: usize) -> usize {
        self.toks[i].span.start_offset as usize
    }
    fn end(&self, i: usize) -> usize {
        self.toks[i].span.end_offset as usize
    }
    fn gap(&self, i: usize) -> &'s str {
        let from = if i == 0 { 0 } else { self.end(i - 1) };
        self.src.get(from..self.start(i)).unwrap_or("")
    }
    fn text(&self, i: usize) -> &'s str {
        self.src.get(self.start(i)..self.end(i)).unwrap_or("")
    }
    /// The token with its preceding gap.
    fn full(&self, i: usize) -> String {
        format!("{}{}", self.gap(i), self.text(i))
    }
    /// A dropped token: only its newlines (and a space) survive, to keep line numbers.
    fn blank(&self, i: usize) -> String {
        let n = self.gap(i).matches('\n').count() + self.text(i).matches('\n').count();
        if n == 0 {
            " ".into()
        } else {
            "\n".repeat(n)
        }
    }
    fn tok(&self, i: usize) -> Option<&'a Token<'s>> {
        self.toks.get(i).map(|t| &t.tok)
    }
    fn ident(&self, i: usize) -> Option<&'s str> {
        match self.tok(i) {
            Some(Token::Ident(s)) => Some(s),
            _ => None,
        }
    }
}

struct Writer<'a, 's> {
    cx: Cx<'a, 's>,
    out: String,
    /// Open `load_*` / `profile` tags: (tag, target name).
    load_stack: Vec<(String, String)>,
    /// Text to append after the end of the current block (`%}` replaced by the block's end).
    after_block: Option<String>,
    /// Open macros: `Some((name, params))` when the macro uses `kwargs`/`varargs` and is
    /// wrapped by `__macro_kw` after its `endmacro`.
    macro_stack: Vec<Option<(String, Vec<String>)>>,
}

impl Writer<'_, '_> {
    fn run(&mut self) {
        let cx = self.cx;
        let n = cx.toks.len();
        let mut i = 0;
        while i < n {
            let is_var = matches!(cx.toks[i].tok, Token::VariableStart);
            if is_var || matches!(cx.toks[i].tok, Token::BlockStart) {
                let mut j = i + 1;
                while j < n
                    && !matches!(
                        (&cx.toks[j].tok, is_var),
                        (Token::VariableEnd, true) | (Token::BlockEnd, false)
                    )
                {
                    j += 1;
                }
                let body = if is_var {
                    let mut p = Parser {
                        cx,
                        pos: i + 1,
                        end: j,
                    };
                    match p.tuple_expr() {
                        Ok(s) if p.pos == j => Some(s),
                        _ => None,
                    }
                } else {
                    self.statement(i + 1, j)
                };
                let body = body.unwrap_or_else(|| (i + 1..j).map(|k| cx.full(k)).collect());
                self.out.push_str(&cx.full(i));
                self.out.push_str(&body);
                if j < n {
                    self.out.push_str(&cx.full(j));
                    if let Some(extra) = self.after_block.take() {
                        self.out.push_str(&extra.replace("%}", cx.text(j)));
                    }
                }
                i = j + 1;
            } else {
                self.out.push_str(&cx.full(i));
                i += 1;
            }
        }
        match n.checked_sub(1) {
            Some(last) => self.out.push_str(cx.src.get(cx.end(last)..).unwrap_or("")),
            None => self.out.push_str(cx.src),
        }
    }

    /// Rewrites the body of a `{% ... %}` block (tokens `a..b`).
    fn statement(&mut self, a: usize, b: usize) -> Option<String> {
        let cx = self.cx;
        let kw = cx.ident(a)?;
        let verbatim =
            |from: usize, to: usize| -> String { (from..to).map(|k| cx.full(k)).collect() };
        let expr_at = |pos: usize, tuple: bool| -> Option<(String, usize)> {
            let mut p = Parser { cx, pos, end: b };
            let s = if tuple { p.tuple_expr() } else { p.expr() }.ok()?;
            Some((s, p.pos))
        };
        match kw {
            "if" | "elif" | "do" | "autoescape" => {
                let (s, pos) = expr_at(a + 1, true)?;
                (pos == b).then(|| cx.full(a) + &s)
            }
            "include" | "extends" | "import" | "from" => {
                let (s, pos) = expr_at(a + 1, false)?;
                Some(cx.full(a) + &s + &verbatim(pos, b))
            }
            "for" => {
                // targets up to `in`
                let mut k = a + 1;
                while k < b && cx.ident(k) != Some("in") {
                    k += 1;
                }
                if k >= b {
                    return None;
                }
                let mut out = verbatim(a, k + 1);
                let mut p = Parser {
                    cx,
                    pos: k + 1,
                    end: b,
                };
                out += &p.or_expr().ok()?;
                while p.pos < b && matches!(cx.tok(p.pos), Some(Token::Comma)) {
                    out += &cx.full(p.pos);
                    p.pos += 1;
                    out += &p.or_expr().ok()?;
                }
                if p.pos < b && cx.ident(p.pos) == Some("if") {
                    out += &cx.full(p.pos);
                    p.pos += 1;
                    out += &p.expr().ok()?;
                }
                out += &verbatim(p.pos, b);
                Some(out)
            }
            "set" => {
                let mut k = a + 1;
                while k < b && !matches!(cx.tok(k), Some(Token::Assign)) {
                    k += 1;
                }
                if k >= b {
                    return None; // block set: leave alone
                }
                let (s, pos) = expr_at(k + 1, true)?;
                (pos == b).then(|| verbatim(a, k + 1) + &s)
            }
            "with" => {
                let mut out = cx.full(a);
                let mut k = a + 1;
                while k < b {
                    if matches!(cx.tok(k), Some(Token::Assign)) {
                        out += &cx.full(k);
                        let (s, pos) = expr_at(k + 1, false)?;
                        out += &s;
                        k = pos;
                    } else {
                        out += &cx.full(k);
                        k += 1;
                    }
                }
                Some(out)
            }
            "endmacro" => {
                if let Some(Some((name, params))) = self.macro_stack.pop() {
                    let list: Vec<String> = params.iter().map(|p| format!("'{p}'")).collect();
                    self.after_block = Some(format!(
                        "{{% set {name} = __macro_kw(__mk_{name}, [{}]) %}}",
                        list.join(", ")
                    ));
                }
                None
            }
            "macro" | "call" => {
                // defaults in the parameter list, then (for call) the call expression
                let wrap = if kw == "macro" {
                    self.macro_wrap(a, b)
                } else {
                    None
                };
                if kw == "macro" {
                    self.macro_stack.push(wrap.clone());
                }
                let mut out = cx.full(a);
                let mut k = a + 1;
                let mut depth = 0i32;
                let mut seen_params = false;
                while k < b {
                    match cx.tok(k) {
                        Some(Token::Ident(n)) if wrap.is_some() && k == a + 1 => {
                            out += &format!("{}__mk_{}", cx.gap(k), n);
                            k += 1;
                            continue;
                        }
                        Some(Token::ParenOpen) => depth += 1,
                        Some(Token::ParenClose) => {
                            depth -= 1;
                            if depth == 0 {
                                seen_params = true;
                                if let Some((_, params)) = &wrap {
                                    out += if params.is_empty() { "" } else { ", " };
                                    out += "kwargs=none, varargs=none";
                                }
                                out += &cx.full(k);
                                k += 1;
                                break;
                            }
                        }
                        Some(Token::Assign) if depth == 1 => {
                            out += &cx.full(k);
                            let (s, pos) = expr_at(k + 1, false)?;
                            out += &s;
                            k = pos;
                            continue;
                        }
                        _ => {}
                    }
                    out += &cx.full(k);
                    k += 1;
                }
                if kw == "call" {
                    if !seen_params || k >= b {
                        // `call name(...)` without a parameter list: the whole rest is the call
                        let start = if seen_params { k } else { a + 1 };
                        let (s, pos) = expr_at(start, false)?;
                        return (pos == b).then(|| cx.full(a) + &s);
                    }
                    let (s, pos) = expr_at(k, false)?;
                    out += &s;
                    k = pos;
                }
                out += &verbatim(k, b);
                Some(out)
            }
            "import_yaml" | "import_json" | "import_text" => {
                let conv = &kw["import_".len()..];
                let (s, pos) = expr_at(a + 1, false)?;
                if cx.ident(pos) != Some("as") {
                    return None;
                }
                let name = cx.ident(pos + 1)?;
                let mut out = format!("{}set {} = __import_{}({})", cx.gap(a), name, conv, s);
                for k in pos..b {
                    out += &cx.blank(k);
                }
                Some(out)
            }
            "load_yaml" | "load_json" | "load_text" => {
                if cx.ident(a + 1) != Some("as") {
                    return None;
                }
                let name = cx.ident(a + 2)?;
                self.load_stack.push((kw.to_string(), name.to_string()));
                let mut out = format!("{}set {}", cx.gap(a), name);
                for k in a + 1..b {
                    out += &cx.blank(k);
                }
                Some(out)
            }
            "endload" => {
                let (tag, name) = self.load_stack.pop()?;
                self.after_block = Some(format!("{{% set {name} = __{tag}({name}) %}}"));
                Some(format!("{}endset", cx.gap(a)) + &verbatim(a + 1, b))
            }
            "profile" => {
                let mut out = format!("{}if true", cx.gap(a));
                for k in a + 1..b {
                    out += &cx.blank(k);
                }
                Some(out)
            }
            "endprofile" => Some(format!("{}endif", cx.gap(a)) + &verbatim(a + 1, b)),
            _ => None,
        }
    }

    /// For `{% macro name(params) %}` (tokens `a..b`): whether its body uses `kwargs` or
    /// `varargs` (then it is wrapped), with its name and parameter names.
    fn macro_wrap(&self, a: usize, b: usize) -> Option<(String, Vec<String>)> {
        let cx = self.cx;
        let name = cx.ident(a + 1)?;
        let mut params = Vec::new();
        let mut depth = 0;
        for k in a + 2..b {
            match cx.tok(k) {
                Some(Token::ParenOpen | Token::BracketOpen | Token::BraceOpen) => depth += 1,
                Some(Token::ParenClose | Token::BracketClose | Token::BraceClose) => depth -= 1,
                Some(Token::Ident(p))
                    if depth == 1
                        && matches!(cx.tok(k - 1), Some(Token::ParenOpen | Token::Comma)) =>
                {
                    params.push(p.to_string());
                }
                _ => {}
            }
        }
        // scan the body up to the matching endmacro
        let mut level = 0;
        let mut k = b;
        let mut uses = false;
        while k < cx.toks.len() {
            if matches!(cx.tok(k), Some(Token::BlockStart)) {
                match cx.ident(k + 1) {
                    Some("macro") => level += 1,
                    Some("endmacro") => {
                        if level == 0 {
                            break;
                        }
                        level -= 1;
                    }
                    _ => {}
                }
            }
            if matches!(cx.ident(k), Some("kwargs" | "varargs"))
                && !matches!(cx.tok(k.wrapping_sub(1)), Some(Token::Dot))
            {
                uses = true;
            }
            k += 1;
        }
        uses.then(|| (name.to_string(), params))
    }
}

type PResult = Result<String, ()>;

/// Inserts `prefix` before `s`, keeping `s`'s leading whitespace in front of it.
fn ins(prefix: &str, s: &str) -> String {
    let body = s.trim_start();
    let lead = &s[..s.len() - body.len()];
    format!("{lead}{prefix}{body}")
}

struct Parser<'a, 's> {
    cx: Cx<'a, 's>,
    pos: usize,
    end: usize,
}

impl Parser<'_, '_> {
    fn peek(&self) -> Option<&Token<'_>> {
        if self.pos < self.end {
            self.cx.tok(self.pos)
        } else {
            None
        }
    }
    fn peek_at(&self, off: usize) -> Option<&Token<'_>> {
        if self.pos + off < self.end {
            self.cx.tok(self.pos + off)
        } else {
            None
        }
    }
    fn peek_ident(&self) -> Option<&str> {
        match self.peek() {
            Some(Token::Ident(s)) => Some(s),
            _ => None,
        }
    }
    /// Emits the current token (with its gap) and advances.
    fn take(&mut self) -> String {
        let s = self.cx.full(self.pos);
        self.pos += 1;
        s
    }
    /// Emits the current token's gap and a replacement text.
    fn take_as(&mut self, text: &str) -> String {
        let s = format!("{}{}", self.cx.gap(self.pos), text);
        self.pos += 1;
        s
    }
    fn expect(&mut self, f: impl Fn(&Token) -> bool) -> PResult {
        match self.peek() {
            Some(t) if f(t) => Ok(self.take()),
            _ => Err(()),
        }
    }

    fn tuple_expr(&mut self) -> PResult {
        let mut s = self.expr()?;
        while matches!(self.peek(), Some(Token::Comma)) {
            s += &self.take();
            if self.peek().is_none() {
                break;
            }
            s += &self.expr()?;
        }
        Ok(s)
    }

    fn expr(&mut self) -> PResult {
        let mut s = self.or_expr()?;
        if self.peek_ident() == Some("if") {
            s += &self.take();
            s += &self.or_expr()?;
            if self.peek_ident() == Some("else") {
                s += &self.take();
                s += &self.expr()?;
            }
        }
        Ok(s)
    }

    fn or_expr(&mut self) -> PResult {
        let mut s = self.and_expr()?;
        while self.peek_ident() == Some("or") {
            s += &self.take();
            s += &self.and_expr()?;
        }
        Ok(s)
    }

    fn and_expr(&mut self) -> PResult {
        let mut s = self.not_expr()?;
        while self.peek_ident() == Some("and") {
            s += &self.take();
            s += &self.not_expr()?;
        }
        Ok(s)
    }

    fn not_expr(&mut self) -> PResult {
        if self.peek_ident() == Some("not") {
            let s = self.take();
            return Ok(s + &self.not_expr()?);
        }
        self.compare()
    }

    fn compare(&mut self) -> PResult {
        let mut s = self.math1()?;
        loop {
            match self.peek() {
                Some(Token::Eq | Token::Ne | Token::Lt | Token::Lte | Token::Gt | Token::Gte) => {
                    s += &self.take();
                }
                Some(Token::Ident("in")) => s += &self.take(),
                Some(Token::Ident("not"))
                    if matches!(self.peek_at(1), Some(Token::Ident("in"))) =>
                {
                    s += &self.take();
                    s += &self.take();
                }
                _ => break,
            }
            s += &self.math1()?;
        }
        Ok(s)
    }

    fn math1(&mut self) -> PResult {
        let mut s = self.concat()?;
        while matches!(self.peek(), Some(Token::Plus | Token::Minus)) {
            s += &self.take();
            s += &self.concat()?;
        }
        Ok(s)
    }

    fn concat(&mut self) -> PResult {
        let first = self.math2()?;
        if !matches!(self.peek(), Some(Token::Tilde)) {
            return Ok(first);
        }
        let mut s = ins("__cat(", &first);
        while matches!(self.peek(), Some(Token::Tilde)) {
            s += &self.take_as(",");
            s += &self.math2()?;
        }
        s.push(')');
        Ok(s)
    }

    fn math2(&mut self) -> PResult {
        let mut s = self.pow()?;
        loop {
            match self.peek() {
                Some(Token::Mul | Token::Div | Token::FloorDiv) => {
                    s += &self.take();
                    s += &self.pow()?;
                }
                Some(Token::Mod) => {
                    let comma = self.take_as(",");
                    let rhs = self.pow()?;
                    s = format!("{}{comma}{rhs})", ins("__pymod(", &s));
                }
                _ => break,
            }
        }
        Ok(s)
    }

    fn pow(&mut self) -> PResult {
        let mut s = self.unary()?;
        while matches!(self.peek(), Some(Token::Pow)) {
            s += &self.take();
            s += &self.unary()?;
        }
        Ok(s)
    }

    fn unary(&mut self) -> PResult {
        let s = if matches!(self.peek(), Some(Token::Minus | Token::Plus)) {
            let op = self.take();
            op + &self.unary_nofilter()?
        } else {
            self.primary_postfix()?
        };
        self.filters(s)
    }

    fn unary_nofilter(&mut self) -> PResult {
        if matches!(self.peek(), Some(Token::Minus | Token::Plus)) {
            let op = self.take();
            return Ok(op + &self.unary_nofilter()?);
        }
        self.primary_postfix()
    }

    fn filters(&mut self, mut s: String) -> PResult {
        loop {
            match self.peek() {
                Some(Token::Pipe) => {
                    s += &self.take();
                    s += &self.expect(|t| matches!(t, Token::Ident(_)))?;
                    while matches!(self.peek(), Some(Token::Dot)) {
                        s += &self.take();
                        s += &self.expect(|t| matches!(t, Token::Ident(_)))?;
                    }
                    if matches!(self.peek(), Some(Token::ParenOpen)) {
                        s += &self.call_args()?;
                    }
                }
                Some(Token::Ident("is")) => {
                    s += &self.take();
                    if self.peek_ident() == Some("not") {
                        s += &self.take();
                    }
                    s += &self.expect(|t| matches!(t, Token::Ident(_)))?;
                    while matches!(self.peek(), Some(Token::Dot)) {
                        s += &self.take();
                        s += &self.expect(|t| matches!(t, Token::Ident(_)))?;
                    }
                    match self.peek() {
                        Some(Token::ParenOpen) => s += &self.call_args()?,
                        Some(Token::Ident("else" | "or" | "and")) => {}
                        Some(
                            Token::Ident(_)
                            | Token::Str(_)
                            | Token::String(_)
                            | Token::Int(_)
                            | Token::Int128(_)
                            | Token::Float(_)
                            | Token::BracketOpen
                            | Token::BraceOpen,
                        ) => {
                            s += &self.primary_postfix()?;
                        }
                        _ => {}
                    }
                }
                _ => return Ok(s),
            }
        }
    }

    fn call_args(&mut self) -> PResult {
        let mut s = self.expect(|t| matches!(t, Token::ParenOpen))?;
        loop {
            match self.peek() {
                Some(Token::ParenClose) => {
                    s += &self.take();
                    return Ok(s);
                }
                Some(Token::Comma) => s += &self.take(),
                Some(Token::Mul | Token::Pow) => {
                    s += &self.take();
                    s += &self.expr()?;
                }
                Some(Token::Ident(_)) if matches!(self.peek_at(1), Some(Token::Assign)) => {
                    s += &self.take();
                    s += &self.take();
                    s += &self.expr()?;
                }
                Some(_) => s += &self.expr()?,
                None => return Err(()),
            }
        }
    }

    fn primary_postfix(&mut self) -> PResult {
        let mut s = self.primary()?;
        loop {
            match self.peek() {
                Some(Token::Dot) => {
                    s += &self.take();
                    s += &self.expect(|t| matches!(t, Token::Ident(_) | Token::Int(_)))?;
                }
                Some(Token::BracketOpen) => {
                    s += &self.take();
                    loop {
                        match self.peek() {
                            Some(Token::BracketClose) => {
                                s += &self.take();
                                break;
                            }
                            Some(Token::Colon | Token::Comma) => s += &self.take(),
                            Some(_) => s += &self.expr()?,
                            None => return Err(()),
                        }
                    }
                }
                Some(Token::ParenOpen) => s += &self.call_args()?,
                _ => return Ok(s),
            }
        }
    }

    fn primary(&mut self) -> PResult {
        match self.peek() {
            Some(Token::Ident(_)) | Some(Token::Int(_) | Token::Int128(_) | Token::Float(_)) => {
                Ok(self.take())
            }
            Some(Token::Str(_) | Token::String(_)) => {
                let mut s = self.take();
                while matches!(self.peek(), Some(Token::Str(_) | Token::String(_))) {
                    s += &self.take();
                }
                Ok(s)
            }
            Some(Token::ParenOpen) => {
                let mut s = self.take();
                loop {
                    match self.peek() {
                        Some(Token::ParenClose) => {
                            s += &self.take();
                            return Ok(s);
                        }
                        Some(Token::Comma) => s += &self.take(),
                        Some(_) => s += &self.expr()?,
                        None => return Err(()),
                    }
                }
            }
            Some(Token::BracketOpen) => {
                let t = self.take();
                let mut s = ins("__list(", &t);
                loop {
                    match self.peek() {
                        Some(Token::BracketClose) => {
                            s += &self.take();
                            s.push(')');
                            return Ok(s);
                        }
                        Some(Token::Comma) => s += &self.take(),
                        Some(_) => s += &self.expr()?,
                        None => return Err(()),
                    }
                }
            }
            Some(Token::BraceOpen) => {
                let t = self.take();
                let mut s = ins("__dict(", &t);
                loop {
                    match self.peek() {
                        Some(Token::BraceClose) => {
                            s += &self.take();
                            s.push(')');
                            return Ok(s);
                        }
                        Some(Token::Comma | Token::Colon) => s += &self.take(),
                        Some(_) => s += &self.expr()?,
                        None => return Err(()),
                    }
                }
            }
            _ => Err(()),
        }
    }
}

#[cfg(test)]
mod unit {
    use super::rewrite;

    #[test]
    fn rewrites_literals_and_ops() {
        assert_eq!(
            rewrite("{{ '%s-%s' % (a, b) }}"),
            "{{ __pymod('%s-%s' , (a, b)) }}"
        );
        assert_eq!(
            rewrite("{% set x = {'a': [1]} %}"),
            "{% set x = __dict({'a': __list([1])}) %}"
        );
        assert_eq!(rewrite("{{ a ~ b ~ 'c' }}"), "{{ __cat(a , b , 'c') }}");
        assert_eq!(
            rewrite("{% for k, v in d.items() if v %}x{% endfor %}"),
            "{% for k, v in d.items() if v %}x{% endfor %}"
        );
        assert_eq!(
            rewrite("{% import_yaml 'a.yaml' as a %}\n"),
            "{% set a = __import_yaml( 'a.yaml')   %}\n"
        );
        assert_eq!(
            rewrite("{% load_yaml as x -%}\na: 1\n{% endload %}"),
            "{% set x   -%}\na: 1\n{% endset %}{% set x = __load_yaml(x) %}"
        );
        assert_eq!(
            rewrite("{{ x is divisibleby 2 }}"),
            "{{ x is divisibleby 2 }}"
        );
        assert_eq!(rewrite("{{ a * b % c }}"), "{{ __pymod(a * b , c) }}");
        // line structure is kept
        let src = "{{ {\n'a': 1} ~\n x }}\n{% set y = [\n1] %}";
        assert_eq!(
            rewrite(src).matches('\n').count(),
            src.matches('\n').count()
        );
        // unparsable blocks are left alone
        assert_eq!(rewrite("{{ 1 + }}"), "{{ 1 + }}");
    }
}
