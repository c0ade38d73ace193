//! The render context: Salt's path variables (`sls`, `slspath`, `tpldir`, ...) and the
//! `salt` object that calls execution functions through [`Caller`](crate::Caller).

use super::methods::split_args;
use super::objects::{err, from_mj, lock, record_miss, to_mj, PyDict};
use crate::{CallError, Caller};
use minijinja::value::{Enumerator, Object, ObjectRepr, Value as MjValue, ValueKind};
use minijinja::{Error, ErrorKind, State};
use rsalt_data::{Dict, Value};
use std::fmt;
use std::sync::Arc;

/// Computes Salt's SLS/template path variables exactly as `generate_sls_context` does.
///
/// - `sls`: the SLS name (`web.nginx`), or `None` for a plain template (file.managed);
/// - `tpl_path`: the template's path (relative to the file roots, or absolute);
///   `tplpath` is set to it verbatim.
///
/// Returns `saltenv`, `sls`, `slspath`, `sls_path`, `slsdotpath`, `slscolonpath`,
/// `tplpath`, `tplfile`, `tpldir`, `tpldot`. Callers add `grains`, `pillar`, `opts`.
pub fn sls_context(sls: Option<&str>, tpl_path: &str, saltenv: &str) -> Dict {
    let mut ctx = Dict::new();
    ctx.insert("saltenv", Value::from(saltenv));
    let Some(sls) = sls else {
        // wrap_tmpl_func only computes the path variables when `sls` is in the context.
        return ctx;
    };
    ctx.insert("sls", Value::from(sls));
    let mut slspath = sls.replace('.', "/");
    if !tpl_path.is_empty() {
        let template = tpl_path.replace('\\', "/");
        let template = if sls.is_empty() {
            template.rsplit('/').next().unwrap_or("").to_string()
        } else if template.ends_with(&format!("{slspath}.sls")) {
            let n = 4 + slspath.len();
            template[template.len() - n..].to_string()
        } else if template.ends_with(&format!("{slspath}/init.sls")) {
            let n = 9 + slspath.len();
            template[template.len() - n..].to_string()
        } else {
            tracing::warn!("Failed to determine proper template path");
            template
        };
        slspath = match template.rsplit_once('/') {
            Some((dir, _)) => dir.to_string(),
            None => String::new(),
        };
        ctx.insert("tplpath", Value::from(tpl_path));
        ctx.insert("tplfile", Value::from(template.as_str()));
        ctx.insert(
            "tpldir",
            Value::from(if slspath.is_empty() {
                "."
            } else {
                slspath.as_str()
            }),
        );
        ctx.insert("tpldot", Value::from(slspath.replace('/', ".")));
    }
    ctx.insert("slspath", Value::from(slspath.as_str()));
    ctx.insert("slsdotpath", Value::from(slspath.replace('/', ".")));
    ctx.insert("slscolonpath", Value::from(slspath.replace('/', ":")));
    ctx.insert("sls_path", Value::from(slspath.replace('/', "_")));
    ctx
}

/// The error type carried by a failed `salt[...]` call (so the renderer can word it).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct SaltCallFailed(pub String);

/// The `salt` object: `salt['mod.fun'](...)`, `salt.mod.fun(...)`, `'mod.fun' in salt`.
pub struct SaltObj {
    /// The execution functions.
    pub caller: Arc<dyn Caller>,
}

impl fmt::Debug for SaltObj {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<salt>")
    }
}

/// One module (`salt.pillar`) of the `salt` object.
pub struct SaltModule {
    caller: Arc<dyn Caller>,
    module: String,
}

impl fmt::Debug for SaltModule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<salt module {}>", self.module)
    }
}

/// One function (`salt['pillar.get']`).
pub struct SaltFunc {
    caller: Arc<dyn Caller>,
    name: String,
}

impl fmt::Debug for SaltFunc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<function {}>", self.name)
    }
}

impl Object for SaltObj {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &MjValue) -> Option<MjValue> {
        let name = key.as_str()?;
        if name.contains('.') {
            if self.caller.has(name) {
                return Some(MjValue::from_object(SaltFunc {
                    caller: self.caller.clone(),
                    name: name.to_string(),
                }));
            }
            record_miss("dict object", key);
            return None;
        }
        Some(MjValue::from_object(SaltModule {
            caller: self.caller.clone(),
            module: name.to_string(),
        }))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Empty
    }
}

impl Object for SaltModule {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn get_value(self: &Arc<Self>, key: &MjValue) -> Option<MjValue> {
        let fun = format!("{}.{}", self.module, key.as_str()?);
        if !self.caller.has(&fun) {
            return None;
        }
        Some(MjValue::from_object(SaltFunc {
            caller: self.caller.clone(),
            name: fun,
        }))
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[MjValue],
    ) -> Result<MjValue, Error> {
        let fun = format!("{}.{}", self.module, method);
        if !self.caller.has(&fun) {
            return Err(err(format!("'{fun}' is not available.")));
        }
        call_salt(&self.caller, &fun, args)
    }
}

impl Object for SaltFunc {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn call(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        args: &[MjValue],
    ) -> Result<MjValue, Error> {
        call_salt(&self.caller, &self.name, args)
    }
}

/// How a function's result is written back into its first argument (Salt functions that
/// mutate their argument in place).
enum WriteBack {
    None,
    /// The whole first argument becomes the result (recursively, in place).
    Full,
    /// `slsutil.merge(a, b, strategy='overwrite')`: keys of `b` already in `a` are
    /// rebound to `b`'s values before merging.
    Overwrite,
}

fn writeback_mode(fun: &str, kwargs: &Dict) -> WriteBack {
    let kw_str = |k: &str| kwargs.get(k).and_then(Value::as_str).map(str::to_string);
    match fun {
        "defaults.merge" => {
            if kwargs.get("in_place").is_some_and(|v| !v.truthy()) {
                WriteBack::None
            } else {
                WriteBack::Full
            }
        }
        "defaults.update" => {
            if kwargs.get("in_place").is_some_and(|v| !v.truthy()) {
                WriteBack::None
            } else {
                WriteBack::Full
            }
        }
        "slsutil.update" => WriteBack::Full,
        "slsutil.merge" if kw_str("strategy").as_deref() == Some("overwrite") => {
            WriteBack::Overwrite
        }
        _ => WriteBack::None,
    }
}

/// Writes `new` into the mutable dict `target` the way `dictupdate.update` mutates in place:
/// nested dicts present on both sides are updated recursively, other keys replaced/added.
fn write_into(target: &PyDict, new: &Dict) {
    for (k, v) in new.iter() {
        let key = super::objects::key_to_mj(k);
        let existing = super::objects::map_get(&lock(&target.map), &key);
        match (existing, v) {
            (Some(cur), Value::Dict(nd)) if cur.downcast_object_ref::<PyDict>().is_some() => {
                if let Some(cd) = cur.downcast_object_ref::<PyDict>() {
                    write_into(cd, nd);
                }
            }
            _ => super::methods::map_insert(&mut lock(&target.map), key, to_mj(v)),
        }
    }
}

fn call_salt(caller: &Arc<dyn Caller>, fun: &str, args: &[MjValue]) -> Result<MjValue, Error> {
    let (pos, kw) = split_args(args);
    let mut kwargs = Dict::new();
    if let Some(kw) = &kw {
        for name in kw.args() {
            let v: MjValue = kw.get(name)?;
            kwargs.insert(name, from_mj(&v));
        }
    }
    for a in &pos {
        if a.is_undefined() {
            return Err(Error::from(ErrorKind::UndefinedError));
        }
    }
    let pargs: Vec<Value> = pos.iter().map(from_mj).collect();
    let mode = writeback_mode(fun, &kwargs);
    if let (WriteBack::Overwrite, Some(a), Some(b)) = (&mode, pos.first(), pos.get(1)) {
        if let (Some(ad), Some(entries)) = (
            a.downcast_object_ref::<PyDict>(),
            super::methods::map_entries(b),
        ) {
            let mut m = lock(&ad.map);
            for (k, v) in entries {
                if super::objects::map_get(&m, &k).is_some() {
                    super::methods::map_insert(&mut m, k, v);
                }
            }
        }
    }
    let result = caller.call(fun, pargs, kwargs).map_err(|e| match e {
        CallError::NotAvailable(_) => err(e.to_string()),
        CallError::Failed(m) => {
            Error::new(ErrorKind::InvalidOperation, m.clone()).with_source(SaltCallFailed(m))
        }
        CallError::BadArguments(m) => err(m),
    })?;
    if let (Some(first), Value::Dict(rd)) = (pos.first(), &result) {
        if let Some(target) = first.downcast_object_ref::<PyDict>() {
            match mode {
                WriteBack::Full => {
                    write_into(target, rd);
                    return Ok(first.clone());
                }
                WriteBack::Overwrite | WriteBack::None => {}
            }
        }
    }
    let _ = ValueKind::None;
    Ok(to_mj(&result))
}
