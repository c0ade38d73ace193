//! Jinja as Salt renders it: minijinja plus Salt's context, tags, filters, tests,
//! Python methods, `%` formatting and in-place mutation.
//!
//! # How
//! - [`rewrite`]: a pass over minijinja's token stream turns `{}`/`[]` literals into
//!   mutable dicts/lists, `%` and `~` into Python-semantics functions, and Salt's tags
//!   (`import_yaml`, `load_yaml ... endload`, ...) into `set` statements.
//! - [`objects`]: mutable `dict`/`OrderedDict`/`list` objects, Python `str()`/`repr()`.
//! - [`methods`]: Python methods on values; [`pyfmt`]: `%` and `str.format`.
//! - [`filters`]: jinja2 builtins where minijinja differs, and Salt's filters and tests.
//! - [`context`]: [`sls_context`] and the `salt` object.
//!
//! Undefined variables are errors (jinja2's `StrictUndefined`) unless
//! [`JinjaOptions::allow_undefined`]; error messages follow Salt's
//! `Jinja variable ...; line N` + context excerpt format.

pub mod context;
pub mod filters;
pub mod methods;
pub mod objects;
pub mod pyfmt;
pub mod rewrite;

pub use context::sls_context;

use crate::{Caller, FileClient, SlsError};
use minijinja::value::{Rest, Value as MjValue, ValueKind, ValueOrKwargs};
use minijinja::{Environment, Error, ErrorKind, State, TemplateSource, UndefinedBehavior};
use objects::{err, py_str, to_mj, PyDict, PyList};
use rsalt_data::{Dict, Value};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

/// Environment-wide settings (from the minion options).
#[derive(Debug, Clone, Default)]
pub struct JinjaOptions {
    /// `jinja_trim_blocks` / `jinja_env: {trim_blocks: ...}`.
    pub trim_blocks: bool,
    /// `jinja_lstrip_blocks` / `jinja_env: {lstrip_blocks: ...}`.
    pub lstrip_blocks: bool,
    /// `allow_undefined`: lenient undefined variables (Salt's default is strict).
    pub allow_undefined: bool,
}

/// What a template can reach: the file server (for imports/includes and `import_yaml`),
/// the execution functions (for `salt[...]`), and environment options.
#[derive(Clone)]
pub struct JinjaEnv {
    /// The file server templates are loaded from (`salt://` paths).
    pub files: Arc<dyn FileClient>,
    /// Execution functions for `salt['mod.fun']`.
    pub caller: Arc<dyn Caller>,
    /// Options.
    pub options: JinjaOptions,
}

thread_local! {
    /// The root contexts of the renders in progress (for `import_yaml` & co., which render
    /// the imported file with the template's globals).
    static RENDER_CTX: RefCell<Vec<MjValue>> = const { RefCell::new(Vec::new()) };
}

/// Marker for `raise('...')` errors.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
struct RaisedError(String);

fn normpath(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                if matches!(parts.last(), Some(l) if *l != "..") {
                    parts.pop();
                } else {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

fn dirname(p: &str) -> &str {
    p.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

thread_local! {
    /// Salt's loader `tpldir` global for the renders in progress (innermost last).
    static LOADER_TPLDIR: RefCell<Vec<Option<String>>> = const { RefCell::new(Vec::new()) };
}

thread_local! {
    /// Main-template sources waiting to be picked up by the loader (keyed by template
    /// name). Per thread: minijinja calls the loader on the thread that asked for the
    /// template, and renders of the same file on other threads (the master renders many
    /// minions at once) must not see or remove this thread's entry.
    static PENDING: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
}

/// Cached environments: one per (file server, saltenv, options).
type EnvKey = (usize, String, bool, bool, bool);
static ENVS: Mutex<Option<HashMap<EnvKey, Arc<Environment<'static>>>>> = Mutex::new(None);

/// How many distinct main templates an environment may cache before it is rebuilt.
const MAX_CACHED_MAIN: usize = 512;

/// Separates a main template's path from its content hash in its cache name.
const MAIN_SEP: char = '\u{1}';

fn cached_env(env: &JinjaEnv, saltenv: &str) -> Arc<Environment<'static>> {
    let key: EnvKey = (
        Arc::as_ptr(&env.files) as *const () as usize,
        saltenv.to_string(),
        env.options.trim_blocks,
        env.options.lstrip_blocks,
        env.options.allow_undefined,
    );
    let mut guard = objects::lock(&ENVS);
    let map = guard.get_or_insert_with(HashMap::new);
    if let Some(e) = map.get(&key) {
        let mains = e.templates().filter(|(n, _)| n.contains(MAIN_SEP)).count();
        if mains < MAX_CACHED_MAIN {
            return e.clone();
        }
    }
    if map.len() > 32 {
        map.clear();
    }
    let e = Arc::new(build_env(env, saltenv));
    map.insert(key, e.clone());
    e
}

/// Builds the minijinja environment for a file server / saltenv / options.
fn build_env(env: &JinjaEnv, saltenv: &str) -> Environment<'static> {
    let mut e = Environment::new();
    let mut syntax = minijinja::syntax::SyntaxConfig::builder();
    syntax
        .trim_blocks(env.options.trim_blocks)
        .lstrip_blocks(env.options.lstrip_blocks)
        .keep_trailing_newline(false);
    if let Ok(s) = syntax.build() {
        e.set_syntax(s);
    }
    e.set_undefined_behavior(if env.options.allow_undefined {
        UndefinedBehavior::Lenient
    } else {
        UndefinedBehavior::Strict
    });
    e.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    e.set_recursion_limit(400);
    // Debug info (expression names in undefined errors) in release builds too: the
    // messages must not depend on how rsalt was compiled.
    e.set_debug(true);
    e.set_auto_reload(true);
    e.set_formatter(|out, _state, value| {
        out.write_str(&objects::printable(value))
            .map_err(|_| Error::new(ErrorKind::WriteFailure, "write failed"))
    });
    e.set_unknown_method_callback(methods::unknown_method);

    let files = env.files.clone();
    let senv = saltenv.to_string();
    e.set_loader(move |name: &str| -> Result<Option<TemplateSource>, Error> {
        if name.contains(MAIN_SEP) {
            let src = PENDING.with(|p| p.borrow().get(name).cloned());
            return Ok(src.map(TemplateSource::new));
        }
        if name.starts_with("./") || name.starts_with("../") || name.split('/').any(|c| c == "..") {
            return Ok(None);
        }
        let Some(src) = files.read(&senv, name) else {
            return Ok(None);
        };
        let rewritten = rewrite::rewrite(&src);
        let (files, senv, name) = (files.clone(), senv.clone(), name.to_string());
        Ok(Some(TemplateSource::new(rewritten).with_uptodate_check(
            move || files.read(&senv, &name).as_deref() == Some(src.as_str()),
        )))
    });
    e.set_path_join_callback(move |name: &str, _parent: &str| -> Cow<'_, str> {
        LOADER_TPLDIR.with(|t| {
            let mut t = t.borrow_mut();
            let Some(cur) = t.last_mut() else {
                return Cow::Borrowed(name);
            };
            let first = name.split('/').next().unwrap_or("");
            if first == "." || first == ".." {
                match cur {
                    Some(base) => Cow::Owned(normpath(&format!("{base}/{name}"))),
                    None => Cow::Borrowed(name),
                }
            } else {
                let d = dirname(name);
                *cur = Some(if d.is_empty() {
                    ".".into()
                } else {
                    d.to_string()
                });
                Cow::Borrowed(name)
            }
        })
    });

    filters::register(&mut e);
    filters::register_tests(&mut e);
    register_functions(&mut e);
    e
}

fn register_functions(e: &mut Environment<'static>) {
    e.add_function("__dict", |v: MjValue| -> Result<MjValue, Error> {
        let entries = methods::map_entries(&v).unwrap_or_default();
        let mut m = indexmap::IndexMap::with_capacity(entries.len());
        for (k, val) in entries {
            methods::map_insert(&mut m, k, val);
        }
        Ok(PyDict::new_value(m, false))
    });
    e.add_function("__list", |v: MjValue| -> Result<MjValue, Error> {
        Ok(PyList::new_value(methods::iter_items(&v)?))
    });
    e.add_function(
        "__pymod",
        |state: &State, a: MjValue, b: MjValue| -> Result<MjValue, Error> {
            filters::check_undef(state, &a)?;
            filters::check_undef(state, &b)?;
            pyfmt::py_mod(&a, &b)
        },
    );
    e.add_function(
        "__cat",
        |state: &State, args: Rest<MjValue>| -> Result<MjValue, Error> {
            let mut s = String::new();
            for a in args.iter() {
                filters::check_undef(state, a)?;
                s.push_str(&py_str(a));
            }
            Ok(MjValue::from(s))
        },
    );
    for conv in ["yaml", "json", "text"] {
        e.add_function(
            format!("__import_{conv}"),
            move |state: &State, path: MjValue| -> Result<MjValue, Error> {
                filters::check_undef(state, &path)?;
                let name = py_str(&path);
                let tmpl = state.get_template(&name)?;
                let ctx = RENDER_CTX
                    .with(|c| c.borrow().last().cloned())
                    .unwrap_or_default();
                let text = tmpl.render(ctx)?;
                load_as(conv, &text)
            },
        );
        e.add_function(
            format!("__load_{conv}"),
            move |v: MjValue| -> Result<MjValue, Error> { load_as(conv, &py_str(&v)) },
        );
    }
    e.add_function(
        "__macro_kw",
        |inner: MjValue, params: MjValue| -> Result<MjValue, Error> {
            let params = methods::iter_items(&params)?.iter().map(py_str).collect();
            Ok(MjValue::from_object(MacroKw { inner, params }))
        },
    );
    e.add_function("raise", |msg: MjValue| -> Result<MjValue, Error> {
        let m = py_str(&msg);
        Err(Error::new(ErrorKind::InvalidOperation, m.clone()).with_source(RaisedError(m)))
    });
    e.add_function(
        "odict",
        |args: Rest<ValueOrKwargs>| -> Result<MjValue, Error> {
            build_dict(&args.into_values(), true)
        },
    );
    e.add_function(
        "dict",
        |args: Rest<ValueOrKwargs>| -> Result<MjValue, Error> {
            build_dict(&args.into_values(), false)
        },
    );
    e.add_function("show_full_context", |state: &State| -> MjValue {
        let mut m = indexmap::IndexMap::new();
        for name in state.known_variables() {
            if let Some(v) = state.lookup(&name) {
                m.insert(MjValue::from(name.as_ref()), v);
            }
        }
        PyDict::new_value(m, false)
    });
}

/// A macro using `kwargs`/`varargs`: collects extra arguments the way jinja2 does.
#[derive(Debug)]
struct MacroKw {
    inner: MjValue,
    params: Vec<String>,
}

impl minijinja::value::Object for MacroKw {
    fn repr(self: &Arc<Self>) -> minijinja::value::ObjectRepr {
        minijinja::value::ObjectRepr::Plain
    }

    fn call(
        self: &Arc<Self>,
        state: &mut State<'_, '_>,
        args: &[MjValue],
    ) -> Result<MjValue, Error> {
        let (pos, kw) = methods::split_args(args);
        let n = self.params.len();
        let mut call_args: Vec<MjValue> = pos.iter().take(n).cloned().collect();
        let varargs: Vec<MjValue> = pos.iter().skip(n).cloned().collect();
        let mut pass: Vec<(String, MjValue)> = Vec::new();
        let mut extra = indexmap::IndexMap::new();
        if let Some(kw) = &kw {
            for name in kw.args() {
                let v: MjValue = kw.get(name)?;
                if name == "caller" || self.params.iter().any(|p| p == name) {
                    pass.push((name.to_string(), v));
                } else {
                    extra.insert(MjValue::from(name), v);
                }
            }
        }
        pass.push(("kwargs".into(), PyDict::new_value(extra, false)));
        pass.push((
            "varargs".into(),
            MjValue::from(minijinja::value::Tuple::from(varargs)),
        ));
        call_args.push(MjValue::from(minijinja::value::Kwargs::from_iter(pass)));
        self.inner.call(state, &call_args)
    }
}

fn build_dict(args: &[MjValue], ordered: bool) -> Result<MjValue, Error> {
    let (pos, kw) = methods::split_args(args);
    let mut m = indexmap::IndexMap::new();
    if let Some(first) = pos.first() {
        match methods::map_entries(first) {
            Some(entries) => {
                for (k, v) in entries {
                    methods::map_insert(&mut m, k, v);
                }
            }
            None => {
                for item in methods::iter_items(first)? {
                    let pair = methods::iter_items(&item)?;
                    if pair.len() != 2 {
                        return Err(err("dictionary update sequence element has wrong length"));
                    }
                    methods::map_insert(&mut m, pair[0].clone(), pair[1].clone());
                }
            }
        }
    }
    if let Some(kw) = kw {
        for name in kw.args() {
            let v: MjValue = kw.get(name)?;
            methods::map_insert(&mut m, MjValue::from(name), v);
        }
    }
    Ok(PyDict::new_value(m, ordered))
}

fn load_as(conv: &str, text: &str) -> Result<MjValue, Error> {
    match conv {
        "yaml" => filters::load_yaml_value(text),
        "json" => filters::json_loads(text),
        _ => Ok(MjValue::from(text)),
    }
}

/// Builds the template root context (context variables + `salt`).
fn root_context(env: &JinjaEnv, context: &Dict) -> MjValue {
    let mut m: indexmap::IndexMap<String, MjValue> = indexmap::IndexMap::new();
    for (k, v) in context.iter() {
        m.insert(k.to_string(), to_mj(v));
    }
    m.entry("salt".to_string()).or_insert_with(|| {
        MjValue::from_object(context::SaltObj {
            caller: env.caller.clone(),
        })
    });
    MjValue::from_object(RootCtx(m))
}

/// The root context: a read-only map of the context variables.
#[derive(Debug)]
struct RootCtx(indexmap::IndexMap<String, MjValue>);

impl minijinja::value::Object for RootCtx {
    fn get_value(self: &Arc<Self>, key: &MjValue) -> Option<MjValue> {
        self.0.get(key.as_str()?).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> minijinja::value::Enumerator {
        minijinja::value::Enumerator::Values(
            self.0.keys().map(|k| MjValue::from(k.as_str())).collect(),
        )
    }
}

/// Renders one template.
///
/// - `source`: the template text.
/// - `tpl_path`: its path relative to the file server root (`foo/map.jinja`), used for
///   relative imports, `tpldir`/`tplfile` and error messages; an absolute local path when the
///   template does not come from the file server.
/// - `saltenv`: environment for imports.
/// - `context`: the variables (`grains`, `pillar`, `opts`, `saltenv`, `sls`, `slspath`, ...,
///   plus any `context`/`defaults` of file.managed), already built by the caller
///   (see [`sls_context`]).
pub fn render(
    env: &JinjaEnv,
    source: &str,
    tpl_path: &str,
    saltenv: &str,
    context: &Dict,
) -> Result<String, SlsError> {
    let newline = source.ends_with('\n');
    let tpldir = context
        .get("tpldir")
        .and_then(Value::as_str)
        .map(str::to_string);
    let menv = cached_env(env, saltenv);
    let main = if tpl_path.is_empty() {
        "<template>"
    } else {
        tpl_path
    };
    let mut h = std::collections::hash_map::DefaultHasher::new();
    source.hash(&mut h);
    let cache_name = format!("{main}{MAIN_SEP}{:016x}", h.finish());
    if menv.templates().all(|(n, _)| n != cache_name) {
        PENDING.with(|p| {
            p.borrow_mut()
                .insert(cache_name.clone(), rewrite::rewrite(source))
        });
    }
    let root = root_context(env, context);
    RENDER_CTX.with(|c| c.borrow_mut().push(root.clone()));
    LOADER_TPLDIR.with(|t| t.borrow_mut().push(tpldir));
    let tmpl = menv.get_template(&cache_name);
    PENDING.with(|p| p.borrow_mut().remove(&cache_name));
    let result = tmpl.and_then(|t| t.render(root));
    LOADER_TPLDIR.with(|t| {
        t.borrow_mut().pop();
    });
    RENDER_CTX.with(|c| {
        c.borrow_mut().pop();
    });
    match result {
        Ok(mut out) => {
            if newline {
                out.push('\n');
            }
            Ok(out)
        }
        Err(e) => Err(convert_error(&e, main, source, env, saltenv)),
    }
}

/// Salt's `get_context`: up to 5 lines around `line`, the error line marked.
pub fn get_context(template: &str, line: usize, marker: &str) -> String {
    let lines: Vec<&str> = template.lines().collect();
    let n = lines.len();
    if line > n {
        return template.to_string();
    }
    let start = line.saturating_sub(6);
    let end = n.min(line + 5);
    let mut err_idx = line.saturating_sub(start).saturating_sub(1);
    let mut buf: Vec<String> = Vec::new();
    if start > 0 {
        buf.push("[...]".into());
        err_idx += 1;
    }
    buf.extend(lines[start..end].iter().map(|s| s.to_string()));
    if end < n {
        buf.push("[...]".into());
    }
    if let Some(l) = buf.get_mut(err_idx) {
        l.push_str(marker);
    }
    format!("---\n{}\n---", buf.join("\n"))
}

const MARKER: &str = "    <======================";

/// Walks to the innermost error (through include/import wrappers).
fn innermost(e: &Error) -> &Error {
    let mut cur = e;
    loop {
        let next = std::error::Error::source(cur).and_then(|s| s.downcast_ref::<Error>());
        match next {
            Some(n) if cur.kind() == ErrorKind::BadInclude || n.line().is_some() => cur = n,
            _ => return cur,
        }
    }
}

fn find_source<T: std::error::Error + 'static>(e: &Error) -> Option<&T> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cur {
        if let Some(t) = c.downcast_ref::<T>() {
            return Some(t);
        }
        cur = c.source();
    }
    None
}

/// jinja2's wording for minijinja syntax errors (best effort).
fn syntax_message(detail: &str) -> String {
    let d = detail.trim();
    if let Some(rest) = d.strip_prefix("unexpected end of input, expected ") {
        // minijinja: "unexpected end of input, expected end of block" / "endfor or else"
        let tags: Vec<String> = rest
            .split(" or ")
            .filter(|t| t.starts_with("end") || *t == "else" || *t == "elif")
            .map(|t| format!("'{}'", t.trim_matches('`')))
            .collect();
        if !tags.is_empty() {
            let block = tags[0]
                .trim_matches('\'')
                .trim_start_matches("end")
                .to_string();
            return format!(
                "Unexpected end of template. Jinja was looking for the following tags: {}. The innermost block that needs to be closed is '{}'.",
                tags.join(" or "),
                block
            );
        }
    }
    if d.starts_with("unexpected end of variable block") || d.contains("unexpected `}}`") {
        return "unexpected 'end of print statement'".into();
    }
    if d.starts_with("unexpected end of block") || d.contains("unexpected `%}`") {
        return "unexpected 'end of statement block'".into();
    }
    if let Some(rest) = d.strip_prefix("unknown statement ") {
        let name = rest.trim_matches('`');
        return format!(
            "Encountered unknown tag '{name}'. Jinja was looking for the following tags: ..."
        );
    }
    d.to_string()
}

fn undefined_message(e: &Error) -> String {
    let detail = e.detail().unwrap_or("");
    // minijinja: "`expr` is undefined" (possibly with a prefix / suffix)
    let expr = detail.split('`').nth(1).unwrap_or("");
    let miss = objects::take_miss();
    let is_ident = !expr.is_empty() && expr.chars().all(|c| c.is_alphanumeric() || c == '_');
    if !is_ident {
        if let Some((ty, key)) = miss {
            if key.kind() == ValueKind::String {
                return format!("'{ty}' has no attribute {}", objects::py_repr(&key));
            }
            return format!("{ty} has no element {}", objects::py_repr(&key));
        }
    }
    if !expr.is_empty() {
        let base = expr.split(['.', '[', '(']).next().unwrap_or(expr);
        return format!("'{base}' is undefined");
    }
    "'undefined' is undefined".into()
}

fn convert_error(e: &Error, main: &str, source: &str, env: &JinjaEnv, saltenv: &str) -> SlsError {
    let inner = innermost(e);
    let kind = inner.kind();
    let detail = inner.detail().unwrap_or("").to_string();
    let mut message = if let Some(r) = find_source::<RaisedError>(e) {
        format!("Jinja error: {}", r.0)
    } else if let Some(c) = find_source::<context::SaltCallFailed>(e) {
        format!("Problem running salt function in Jinja template: {}", c.0)
    } else {
        match kind {
            ErrorKind::SyntaxError => {
                let unclosed = if detail.starts_with("unexpected end of input") {
                    unclosed_block_message(source)
                } else {
                    None
                };
                format!(
                    "Jinja syntax error: {}",
                    unclosed.unwrap_or_else(|| syntax_message(&detail))
                )
            }
            ErrorKind::UndefinedError => format!("Jinja variable {}", undefined_message(inner)),
            ErrorKind::TemplateNotFound => {
                let name = detail
                    .split('"')
                    .nth(1)
                    .map(str::to_string)
                    .unwrap_or_else(|| detail.clone());
                format!("Jinja error: {name}")
            }
            _ => {
                if detail.is_empty() {
                    format!("Jinja error: {}", inner.kind())
                } else {
                    format!("Jinja error: {detail}")
                }
            }
        }
    };
    let _ = objects::take_miss();
    let err_file = inner
        .name()
        .map(|n| n.split(MAIN_SEP).next().unwrap_or(n))
        .unwrap_or(main)
        .to_string();
    let mut line = inner.line();
    if kind == ErrorKind::SyntaxError
        && detail.starts_with("unexpected end of input")
        && err_file == main
    {
        line = last_token_line(source).or(line);
    }
    if err_file != main {
        // Salt points at the other file and drops the main template's context.
        if let Some(l) = line {
            let other = env.files.read(saltenv, &err_file).unwrap_or_default();
            let text = other
                .lines()
                .nth(l.saturating_sub(1))
                .unwrap_or("")
                .trim()
                .to_string();
            message.push_str(&format!("\n{err_file}({l}):\n{text}\n"));
            message.push_str(&get_context(&other, l, MARKER));
        }
        return SlsError::Render {
            file: err_file,
            line,
            message,
        };
    }
    if let Some(l) = line.filter(|l| *l > 0) {
        message.push_str(&format!("; line {l}\n\n{}", get_context(source, l, MARKER)));
    }
    SlsError::Render {
        file: main.to_string(),
        line,
        message,
    }
}

/// jinja2's "Unexpected end of template" message for the innermost unclosed block.
fn unclosed_block_message(source: &str) -> Option<String> {
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build()
        .ok()?;
    let mut tz = minijinja::machinery::Tokenizer::new(source, "<x>", false, syntax);
    let mut stack: Vec<(String, Vec<&'static str>)> = Vec::new();
    let mut after_start = false;
    let mut block_has_assign = false;
    let mut pending_set = false;
    while let Ok(Some((tok, _))) = tz.next_token() {
        use minijinja::machinery::Token;
        match tok {
            Token::BlockStart => {
                after_start = true;
                block_has_assign = false;
                pending_set = false;
                continue;
            }
            Token::Assign => block_has_assign = true,
            Token::BlockEnd => {
                if pending_set && !block_has_assign {
                    stack.push(("set".into(), vec!["endset"]));
                }
                pending_set = false;
            }
            Token::Ident(name) if after_start => {
                let ends: Option<Vec<&'static str>> = match name {
                    "for" => Some(vec!["endfor", "else"]),
                    "if" => Some(vec!["elif", "else", "endif"]),
                    "macro" => Some(vec!["endmacro"]),
                    "call" => Some(vec!["endcall"]),
                    "filter" => Some(vec!["endfilter"]),
                    "with" => Some(vec!["endwith"]),
                    "block" => Some(vec!["endblock"]),
                    "autoescape" => Some(vec!["endautoescape"]),
                    "load_yaml" | "load_json" | "load_text" => Some(vec!["endload"]),
                    "profile" => Some(vec!["endprofile"]),
                    _ => None,
                };
                if let Some(ends) = ends {
                    stack.push((name.to_string(), ends));
                } else if name == "set" {
                    pending_set = true;
                } else if name == "else" || name == "elif" {
                    if let Some(top) = stack.last_mut() {
                        top.1 = match (top.0.as_str(), name) {
                            ("for", _) => vec!["endfor"],
                            ("if", "elif") => vec!["elif", "else", "endif"],
                            ("if", _) => vec!["endif"],
                            _ => top.1.clone(),
                        };
                    }
                } else if name.starts_with("end") {
                    stack.pop();
                }
            }
            _ => {}
        }
        after_start = false;
    }
    let (name, ends) = stack.pop()?;
    let tags: Vec<String> = ends.iter().map(|t| format!("'{t}'")).collect();
    Some(format!(
        "Unexpected end of template. Jinja was looking for the following tags: {}. The innermost block that needs to be closed is '{}'.",
        tags.join(" or "),
        name
    ))
}

/// The line of the last token of a template (jinja2 reports unexpected ends there).
fn last_token_line(source: &str) -> Option<usize> {
    let src = source.strip_suffix('\n').unwrap_or(source);
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build()
        .ok()?;
    let mut tz = minijinja::machinery::Tokenizer::new(src, "<x>", false, syntax);
    let mut last = None;
    while let Ok(Some((_, span))) = tz.next_token() {
        last = Some(span.start_line as usize);
    }
    last
}
