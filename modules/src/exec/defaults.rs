//! `defaults.*` execution functions (salt/modules/defaults.py).

use super::{Args, ExecRegistry, Sig};
use crate::RunContext;
use rsalt_data::{Dict, Value};
use rsalt_sls::CallError;

/// Registers the `defaults.*` functions.
pub fn register(r: &mut ExecRegistry) {
    r.add_doc(
        "defaults.merge",
        merge,
        "Allows deep merging of dicts in formulas.\n\nmerge_lists : False\n    If True, it will also merge lists instead of replace their items.\n\nin_place : True\n    If True, it will merge into dest dict,\n    if not it will make a new copy from that dict and return it.\n\nconvert_none : True\n    If True, it will convert src and dest to empty dicts if they are None.\n",
    );
    r.add_doc(
        "defaults.deepcopy",
        deepcopy,
        "Creates a deep copy of the source object\n",
    );
    r.add_doc(
        "defaults.update",
        update,
        "Allows setting defaults for group of data set e.g. group for nodes.\n",
    );
    r.add_doc(
        "defaults.get",
        get,
        "defaults.get is used much like pillar.get except that it will read\na default value for a pillar from defaults.json or defaults.yaml\nfiles that are stored in the root of a salt formula.\n",
    );
}

fn as_dict(v: &Value, what: &str) -> Result<Dict, CallError> {
    match v {
        Value::Dict(d) => Ok(d.clone()),
        other => Err(CallError::Failed(format!(
            "Cannot update using non-dict types in dictupdate.update() ({what} is {})",
            other.type_name()
        ))),
    }
}

/// `defaults.merge(dest, src, merge_lists=False, in_place=True, convert_none=True)`.
/// With `in_place` the merge result is also recorded as the new value of `dest`.
pub fn merge(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "merge",
        params: &["dest", "src", "merge_lists", "in_place", "convert_none"],
        required: 2,
        varargs: false,
        varkw: false,
    })?;
    let convert_none = b.truthy("convert_none", true);
    let in_place = b.truthy("in_place", true);
    let src = match b.get("src") {
        Some(Value::None) | None if convert_none => Value::dict(),
        Some(v) => v.clone(),
        None => Value::None,
    };
    let dest = match b.get("dest") {
        Some(Value::None) | None if convert_none => {
            if in_place {
                return Err(CallError::Failed(
                    "Can't perform in-place merge into NoneType".into(),
                ));
            }
            Value::dict()
        }
        Some(v) => v.clone(),
        None => Value::None,
    };
    let mut d = as_dict(&dest, "dest")?;
    let s = as_dict(&src, "src")?;
    super::slsutil::update(&mut d, &s, true, b.truthy("merge_lists", false));
    if in_place && !args.args.is_empty() {
        super::set_mutated_arg(0, Value::Dict(d.clone()));
    }
    Ok(Value::Dict(d))
}

/// `defaults.deepcopy(source)`.
pub fn deepcopy(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "deepcopy",
        params: &["source"],
        required: 1,
        varargs: false,
        varkw: false,
    })?;
    Ok(b.get("source").cloned().unwrap_or_default())
}

/// `defaults.update(dest, defaults, merge_lists=True, in_place=True, convert_none=True)`:
/// each value of `dest` becomes `defaults` merged with that value.
pub fn update(_ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "update",
        params: &[
            "dest",
            "defaults",
            "merge_lists",
            "in_place",
            "convert_none",
        ],
        required: 2,
        varargs: false,
        varkw: false,
    })?;
    let in_place = b.truthy("in_place", true);
    let convert_none = b.truthy("convert_none", true);
    let merge_lists = b.truthy("merge_lists", true);
    let dest = match b.get("dest") {
        Some(Value::None) | None => {
            if in_place {
                return Err(CallError::Failed(
                    "Can't perform in-place update into NoneType".into(),
                ));
            }
            if convert_none {
                Value::dict()
            } else {
                Value::None
            }
        }
        Some(v) => v.clone(),
    };
    let defaults = match b.get("defaults") {
        Some(Value::None) | None if convert_none => Value::dict(),
        Some(v) => v.clone(),
        None => Value::None,
    };
    let mut nodes = as_dict(&dest, "dest")?;
    let defaults = as_dict(&defaults, "defaults")?;
    let keys: Vec<_> = nodes.map.keys().cloned().collect();
    for k in keys {
        let mut merged = defaults.clone();
        match nodes.map.get(&k) {
            Some(Value::Dict(nv)) => super::slsutil::update(&mut merged, nv, true, merge_lists),
            Some(Value::None) if convert_none => {}
            Some(other) => {
                return Err(CallError::Failed(format!(
                    "Cannot update using non-dict types in dictupdate.update() ({})",
                    other.type_name()
                )))
            }
            None => {}
        }
        nodes.insert(k, Value::Dict(merged));
    }
    if in_place && !args.args.is_empty() {
        super::set_mutated_arg(0, Value::Dict(nodes.clone()));
    }
    Ok(Value::Dict(nodes))
}

/// `defaults.get(key, default='')`: reads `FORMULA/defaults.yaml` (or `.json`) from the
/// state tree; `key` is `formula:nested:key`.
pub fn get(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&Sig {
        name: "get",
        params: &["key", "default"],
        required: 1,
        varargs: false,
        varkw: false,
    })?;
    let key = b.str("key").unwrap_or_default();
    let default = b.get("default").cloned().unwrap_or_else(|| Value::from(""));
    let (namespace, sub) = match key.split_once(':') {
        Some((n, k)) => (n.to_string(), Some(k.to_string())),
        None => (key.clone(), None),
    };
    let saltenv = ctx
        .opt("saltenv")
        .and_then(Value::as_str)
        .unwrap_or("base")
        .to_string();
    let mut defaults = Value::None;
    for ext in ["yaml", "json"] {
        let path = format!("{namespace}/defaults.{ext}");
        if let Some(text) = ctx.files.read(&saltenv, &path) {
            let loaded = if ext == "yaml" {
                rsalt_data::yaml::load(&text).map_err(|e| CallError::Failed(e.to_string()))?
            } else {
                let j: serde_json::Value =
                    serde_json::from_str(&text).map_err(|e| CallError::Failed(e.to_string()))?;
                Value::from_json(&j)
            };
            defaults = if loaded.truthy() {
                loaded
            } else {
                Value::dict()
            };
            break;
        }
    }
    match sub {
        Some(k) => Ok(super::grains::traverse(&defaults, &k, ":")
            .cloned()
            .unwrap_or(default)),
        None => Ok(defaults),
    }
}
