//! `pillar.*` execution functions (salt/modules/pillar.py) over the compiled pillar of the
//! run context.

use super::grains::{filter_by_data, traverse_dict};
use super::{Args, ExecRegistry, Sig};
use crate::RunContext;
use rsalt_data::{Dict, DictKind, Key, Value};
use rsalt_sls::CallError;

/// Registers the `pillar.*` functions.
pub fn register(r: &mut ExecRegistry) {
    r.add_doc(
        "pillar.get",
        get,
        "Attempt to retrieve the named value from pillar, if the named value is not\navailable return the passed default. The default return is an empty string\nexcept ``__opts__['pillar_raise_on_missing']`` is set to True, in which\ncase a ``KeyError`` exception will be raised.\n\nIf the merge parameter is set to ``True``, the default will be recursively\nmerged into the returned pillar data.\n\nThe value can also represent a value in a nested dict using a \":\" delimiter\nfor the dict. This means that if a dict in pillar looks like this::\n\n    {'pkg': {'apache': 'httpd'}}\n\nTo retrieve the value associated with the ``apache`` key in the ``pkg``\ndict this key can be passed as::\n\n    pkg:apache\n",
    );
    r.add_doc(
        "pillar.items",
        items,
        "Calls the master for a fresh pillar and generates the pillar data on the\nfly\n",
    );
    r.add_doc("pillar.fetch", get, "Same as pillar.get (Salt's alias).\n");
    r.add_doc("pillar.data", items, "Calls the master for a fresh pillar, generates the pillar data on the\nfly (same as :py:func:`items`)\n");
    r.add_doc(
        "pillar.item",
        item,
        "Return one or more pillar entries from the pillar data.\n",
    );
    r.add_doc("pillar.ls", ls, "Calls the master for a fresh pillar, generates the pillar data on the\nfly (same as :py:func:`items`), but only shows the available main keys.\n");
    r.add_doc(
        "pillar.raw",
        raw,
        "Return the raw pillar data that is currently loaded into the minion.\n",
    );
    r.add_doc(
        "pillar.keys",
        keys,
        "Attempt to retrieve a list of keys from the named value from the pillar.\n",
    );
    r.add_doc(
        "pillar.filter_by",
        filter_by,
        "Look up the given pillar in a given dictionary and return the result\n",
    );
    r.add_doc(
        "pillar.obfuscate",
        obfuscate,
        "Same as :py:func:`items`, but replace pillar values with a simple type indication.\n",
    );
    r.add_doc(
        "pillar.ext",
        ext,
        "Generate the pillar and apply an explicit external pillar\n",
    );
    r.add_doc(
        "pillar.file_exists",
        file_exists,
        "This is a master-only function. Calling from the minion is not supported.\n\nUse the given path and search relative to the pillar environments to see if\na file exists at that path.\n",
    );
}

/// `pillar.get(key, default=<missing>, merge=False, merge_nested_lists=None,
/// delimiter=':', pillarenv=None, saltenv=None)`.
pub fn get(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "get",
        params: &[
            "key",
            "default",
            "merge",
            "merge_nested_lists",
            "delimiter",
            "pillarenv",
            "saltenv",
        ],
        required: 1,
        varargs: false,
        varkw: false,
    })?;
    let key = b.get("key").map(Value::to_py_str).unwrap_or_default();
    let delim = b.str("delimiter").unwrap_or_else(|| ":".into());
    let raise = ctx
        .opt("pillar_raise_on_missing")
        .is_some_and(Value::truthy);
    let default: Option<Value> = match b.get("default") {
        Some(v) => Some(v.clone()),
        None if raise => None,
        None => Some(Value::from("")),
    };
    let merge_lists = match b.get("merge_nested_lists") {
        Some(Value::None) | None => ctx.opt("pillar_merge_lists").is_some_and(Value::truthy),
        Some(v) => v.truthy(),
    };
    let pillar = ctx.pillar();
    let found = traverse_dict(&pillar, &key, &delim);
    if b.truthy("merge", false) {
        match &default {
            Some(Value::Dict(dd)) => match found {
                Some(Value::Dict(fd)) => {
                    let mut out = dd.clone();
                    super::slsutil::update(&mut out, fd, true, merge_lists);
                    return Ok(Value::Dict(out));
                }
                None => return Ok(Value::Dict(dd.clone())),
                Some(other) => tracing::error!(
                    "pillar.get: Default is a dict, but the returned pillar value is of type '{}'. Merge will be skipped.",
                    other.type_name()
                ),
            },
            Some(Value::List(dl)) => match found {
                Some(Value::List(fl)) => {
                    let mut out = dl.clone();
                    let add: Vec<Value> =
                        fl.iter().filter(|x| !dl.contains(x)).cloned().collect();
                    out.extend(add);
                    return Ok(Value::List(out));
                }
                None => return Ok(Value::List(dl.clone())),
                Some(other) => tracing::error!(
                    "pillar.get: Default is a list, but the returned pillar value is of type '{}'. Merge will be skipped.",
                    other.type_name()
                ),
            },
            other => tracing::error!(
                "pillar.get: Default is of type '{}', must be a dict or list to merge. Merge will be skipped.",
                other.as_ref().map_or("NoneType", |v| v.type_name())
            ),
        }
    }
    match (found, default) {
        (Some(v), _) => Ok(v.clone()),
        (None, Some(d)) => Ok(d),
        (None, None) => Err(CallError::Failed(format!("'Pillar key not found: {key}'"))),
    }
}

/// The pillar as `pillar.items` returns it: a plain dict at the top (nested values keep
/// their `OrderedDict`s), with a `pillar=` override merged over it.
fn current(ctx: &RunContext, override_: Option<&Value>) -> Dict {
    let mut p = ctx.pillar();
    if let Some(Value::Dict(o)) = override_ {
        super::slsutil::update(&mut p, o, true, false);
    }
    p.kind = DictKind::Plain;
    p
}

/// `pillar.items(*args, pillar=None, pillar_enc=None, pillarenv=None, saltenv=None)`.
pub fn items(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "items",
        params: &[],
        required: 0,
        varargs: true,
        varkw: true,
    })?;
    if !b.varargs.is_empty() {
        return item(ctx, &Args::new(b.varargs.clone(), Dict::new()));
    }
    Ok(Value::Dict(current(ctx, b.kwargs.get("pillar"))))
}

/// `pillar.item(*args, default=None, delimiter=None)`.
pub fn item(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "item",
        params: &[],
        required: 0,
        varargs: true,
        varkw: true,
    })?;
    let default = match b.kwargs.get("default") {
        Some(Value::None) | None => Value::from(""),
        Some(v) => v.clone(),
    };
    let delim = match b.kwargs.get("delimiter") {
        Some(Value::None) | None => ":".to_string(),
        Some(v) => v.to_py_str(),
    };
    let pillar = ctx.pillar();
    let mut out = Dict::new();
    for a in &b.varargs {
        let k = a.to_py_str();
        let v = traverse_dict(&pillar, &k, &delim)
            .cloned()
            .unwrap_or_else(|| default.clone());
        match Key::from_value(a) {
            Some(key) => out.insert(key, v),
            None => out.insert(k, v),
        };
    }
    Ok(Value::Dict(out))
}

/// `pillar.ls(*args, ...)`: the top-level pillar keys.
pub fn ls(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let v = items(ctx, args)?;
    Ok(Value::List(
        v.as_dict()
            .map(|d| d.map.keys().map(Key::to_value).collect())
            .unwrap_or_default(),
    ))
}

/// `pillar.raw(key=None)`.
pub fn raw(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "raw",
        params: &["key"],
        required: 0,
        varargs: false,
        varkw: false,
    })?;
    let pillar = ctx.pillar();
    match b.get("key").filter(|k| k.truthy()) {
        Some(k) => Ok(Key::from_value(k)
            .and_then(|k| pillar.map.get(&k).cloned())
            .unwrap_or_else(Value::dict)),
        None => {
            let mut p = pillar;
            p.kind = DictKind::Plain;
            Ok(Value::Dict(p))
        }
    }
}

/// `pillar.keys(key, delimiter=':')`.
pub fn keys(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "keys",
        params: &["key", "delimiter"],
        required: 1,
        varargs: false,
        varkw: false,
    })?;
    let key = b.get("key").map(Value::to_py_str).unwrap_or_default();
    let delim = b.str("delimiter").unwrap_or_else(|| ":".into());
    let pillar = ctx.pillar();
    match traverse_dict(&pillar, &key, &delim) {
        None => Err(CallError::Failed(format!("'Pillar key not found: {key}'"))),
        Some(Value::Dict(d)) => Ok(Value::List(d.map.keys().map(Key::to_value).collect())),
        Some(_) => Err(CallError::Failed(format!(
            "Pillar value in key {key} is not a dict"
        ))),
    }
}

/// `pillar.filter_by(lookup_dict, pillar, merge=None, default='default', base=None)`.
pub fn filter_by(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "filter_by",
        params: &["lookup_dict", "pillar", "merge", "default", "base"],
        required: 2,
        varargs: false,
        varkw: false,
    })?;
    let lookup = b
        .get("lookup_dict")
        .and_then(Value::as_dict)
        .cloned()
        .unwrap_or_default();
    let key = b.str("pillar").unwrap_or_default();
    let default = b.str("default").unwrap_or_else(|| "default".into());
    let base = b.str("base");
    filter_by_data(
        &lookup,
        &key,
        &ctx.pillar(),
        b.get("merge"),
        &default,
        base.as_deref(),
    )
}

/// Salt's `_obfuscate_inner`: every leaf becomes `<type name>`; dict keys and the
/// dict/list structure are kept.
pub fn obfuscate_value(v: &Value) -> Value {
    match v {
        Value::Dict(d) => {
            let mut out = d.clone();
            for (_, val) in out.map.iter_mut() {
                *val = obfuscate_value(val);
            }
            Value::Dict(out)
        }
        Value::List(l) => Value::List(l.iter().map(obfuscate_value).collect()),
        other => Value::from(format!("<{}>", other.type_name())),
    }
}

/// `pillar.obfuscate(*args, pillar=None, pillar_enc=None, pillarenv=None, saltenv=None)`:
/// [`items`] with every value replaced by its type name.
pub fn obfuscate(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "obfuscate",
        params: &[],
        required: 0,
        varargs: true,
        varkw: true,
    })?;
    let allowed = ["pillar", "pillar_enc", "pillarenv", "saltenv"];
    let bad: Vec<String> = b
        .kwargs
        .iter()
        .filter(|(k, _)| {
            k.as_str()
                .is_some_and(|s| !s.starts_with("__") && !allowed.contains(&s))
        })
        .map(|(k, v)| format!("{k}={}", v.to_py_str()))
        .collect();
    if !bad.is_empty() {
        return Err(CallError::BadArguments(format!(
            "The following keyword arguments are not valid: {}",
            bad.join(", ")
        )));
    }
    Ok(obfuscate_value(&items(ctx, args)?))
}

/// `pillar.ext(external, pillar=None)`: the freshly compiled pillar. rsalt has no
/// external pillar modules, so `external` is only validated (and logged) as Salt does
/// before finding the module unavailable; `pillar=` is merged on top.
pub fn ext(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "ext",
        params: &["external", "pillar"],
        required: 1,
        varargs: false,
        varkw: false,
    })?;
    let external = match b.get("external") {
        Some(Value::Str(s)) => rsalt_data::yaml::safe_load(s)
            .map_err(|e| CallError::Failed(format!("YAMLError: {e}")))?,
        Some(v) => v.clone(),
        None => Value::None,
    };
    match &external {
        Value::Dict(d) => {
            let on_demand: Vec<String> = match ctx.opt("on_demand_ext_pillar") {
                Some(Value::List(l)) => l.iter().map(Value::to_py_str).collect(),
                None => vec!["libvirt".into(), "virtkey".into()],
                Some(_) => Vec::new(),
            };
            let mut invalid: Vec<String> = d
                .map
                .keys()
                .map(|k| k.to_string())
                .filter(|k| !on_demand.contains(k))
                .collect();
            invalid.sort();
            if invalid.is_empty() {
                for k in d.map.keys() {
                    tracing::error!("Specified ext_pillar interface {k} is unavailable");
                }
            } else {
                tracing::error!(
                    "The following ext_pillar modules are not allowed for on-demand pillar data: {}. Valid on-demand ext_pillar modules are: {}. The valid modules can be adjusted by setting the 'on_demand_ext_pillar' config option.",
                    invalid.join(", "),
                    on_demand.join(", ")
                );
            }
        }
        other => tracing::error!(
            "On-demand pillar {} is not formatted as a dictionary",
            other.to_py_str()
        ),
    }
    let override_ = match b.get("pillar") {
        Some(Value::Dict(d)) => d.clone(),
        Some(Value::None) | None => Dict::new(),
        Some(_) => {
            tracing::error!("Pillar data must be a dictionary");
            Dict::new()
        }
    };
    let mut p = crate::highstate::compile_pillar(ctx, &Dict::new(), None);
    super::slsutil::update(&mut p, &override_, true, false);
    p.kind = DictKind::Plain;
    Ok(Value::Dict(p))
}

/// `pillar.file_exists(path, saltenv=None)`: whether `path` exists under a directory of
/// `pillar_roots` (only `saltenv`'s when given).
pub fn file_exists(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "file_exists",
        params: &["path", "saltenv"],
        required: 1,
        varargs: false,
        varkw: false,
    })?;
    let path = b.get("path").map(Value::to_py_str).unwrap_or_default();
    let roots = match ctx.opt("pillar_roots") {
        Some(Value::Dict(d)) if !d.is_empty() => d.clone(),
        _ => {
            return Err(CallError::Failed(
                "No pillar_roots found. Are you running this on the master?".into(),
            ))
        }
    };
    let envs: Vec<(Key, Value)> = match b.some("saltenv").filter(|v| v.truthy()) {
        Some(env) => {
            let k = Key::from_value(env).unwrap_or(Key::Str(env.to_py_str()));
            match roots.map.get(&k) {
                Some(dirs) => vec![(k, dirs.clone())],
                None => return Ok(Value::Bool(false)),
            }
        }
        None => roots.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
    };
    for (_, dirs) in envs {
        let dirs = match dirs {
            Value::List(l) => l,
            other => vec![other],
        };
        for dir in dirs {
            // os.path.join: an absolute `path` replaces the directory.
            let full = std::path::Path::new(&dir.to_py_str()).join(&path);
            if full.is_file() {
                return Ok(Value::Bool(true));
            }
        }
    }
    Ok(Value::Bool(false))
}
