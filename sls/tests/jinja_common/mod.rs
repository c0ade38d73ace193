//! Shared helpers for the Jinja tests: a small test `Caller`, fixture loading.
#![allow(dead_code)]

use rsalt_data::{Dict, Key, Value};
use rsalt_sls::{CallError, Caller};
use std::path::{Path, PathBuf};

/// Decodes the recorder's `{"__kind__": ..., "items": [[k, v], ...]}` JSON into values.
pub fn decode(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Object(o) if o.contains_key("__kind__") => {
            let mut d = if o["__kind__"] == "OrderedDict" {
                Dict::ordered()
            } else {
                Dict::new()
            };
            for pair in o["items"].as_array().into_iter().flatten() {
                let k = match &pair[0] {
                    serde_json::Value::String(s) => Key::Str(s.clone()),
                    serde_json::Value::Number(n) => Key::Int(n.as_i64().unwrap_or(0)),
                    serde_json::Value::Bool(b) => Key::Bool(*b),
                    _ => Key::None,
                };
                d.map.insert(k, decode(&pair[1]));
            }
            Value::Dict(d)
        }
        serde_json::Value::Array(a) => Value::List(a.iter().map(decode).collect()),
        other => Value::from_json(other),
    }
}

/// A test double for execution functions used by templates.
pub struct TestCaller {
    pub grains: Value,
    pub pillar: Value,
    pub opts: Value,
}

fn traverse(data: &Value, key: &str, delim: &str) -> Option<Value> {
    let mut cur = data.clone();
    for part in key.split(delim) {
        cur = match &cur {
            Value::Dict(d) => d.get(part).cloned()?,
            Value::List(l) => l.get(part.parse::<usize>().ok()?).cloned()?,
            _ => return None,
        };
    }
    Some(cur)
}

/// `dictupdate.update` (recursive, optional list merging).
pub fn update(dest: &mut Value, upd: &Value, merge_lists: bool) {
    let (Value::Dict(d), Value::Dict(u)) = (dest, upd) else {
        return;
    };
    for (k, v) in u.iter() {
        match (d.map.get_mut(k), v) {
            (Some(cur @ Value::Dict(_)), Value::Dict(_)) => update(cur, v, merge_lists),
            (Some(Value::List(cur)), Value::List(nl)) if merge_lists => {
                for x in nl {
                    if !cur.contains(x) {
                        cur.push(x.clone());
                    }
                }
            }
            _ => {
                d.map.insert(k.clone(), v.clone());
            }
        }
    }
}

impl TestCaller {
    fn kw<'a>(kwargs: &'a Dict, args: &'a [Value], name: &str, pos: usize) -> Option<&'a Value> {
        args.get(pos).or_else(|| kwargs.get(name))
    }
}

impl Caller for TestCaller {
    fn call(&self, fun: &str, args: Vec<Value>, kwargs: Dict) -> Result<Value, CallError> {
        let delim = kwargs
            .get("delimiter")
            .and_then(Value::as_str)
            .unwrap_or(":")
            .to_string();
        let key = args
            .first()
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let default = Self::kw(&kwargs, &args, "default", 1)
            .cloned()
            .unwrap_or(Value::from(""));
        match fun {
            "test.echo" => Ok(args.first().cloned().unwrap_or_default()),
            "test.fail" => Err(CallError::Failed("boom".into())),
            "pillar.get" => Ok(traverse(&self.pillar, &key, &delim).unwrap_or(default)),
            "grains.get" => Ok(traverse(&self.grains, &key, &delim).unwrap_or(default)),
            "config.get" => Ok(traverse(&self.opts, &key, &delim)
                .or_else(|| traverse(&self.grains, &key, &delim))
                .or_else(|| traverse(&self.pillar, &key, &delim))
                .unwrap_or(default)),
            "grains.filter_by" => {
                let lookup = args.first().cloned().unwrap_or_default();
                let grain = Self::kw(&kwargs, &args, "grain", 1)
                    .and_then(Value::as_str)
                    .unwrap_or("os_family");
                let merge = Self::kw(&kwargs, &args, "merge", 2).cloned();
                let default = Self::kw(&kwargs, &args, "default", 3)
                    .and_then(Value::as_str)
                    .unwrap_or("default");
                let base = Self::kw(&kwargs, &args, "base", 4).and_then(Value::as_str);
                let gval = traverse(&self.grains, grain, ":")
                    .map(|v| v.to_py_str())
                    .unwrap_or_default();
                let ld = lookup.as_dict().cloned().unwrap_or_default();
                let mut ret = ld.get(&gval).cloned().or_else(|| ld.get(default).cloned());
                if let Some(b) = base.and_then(|b| ld.get(b)).cloned() {
                    let mut bb = b;
                    if let Some(r) = &ret {
                        update(&mut bb, r, false);
                    }
                    ret = Some(bb);
                }
                if let (Some(r), Some(m)) = (ret.as_mut(), merge) {
                    if m.as_dict().is_some() {
                        update(r, &m, false);
                    }
                }
                Ok(ret.unwrap_or_default())
            }
            "defaults.merge" | "slsutil.merge" => {
                let mut a = args.first().cloned().unwrap_or_default();
                let b = args.get(1).cloned().unwrap_or_default();
                let ml = kwargs.get("merge_lists").is_some_and(Value::truthy);
                if fun == "slsutil.merge"
                    && kwargs.get("strategy").and_then(Value::as_str) == Some("overwrite")
                {
                    if let (Value::Dict(ad), Value::Dict(bd)) = (&mut a, &b) {
                        for (k, v) in bd.iter() {
                            if ad.map.contains_key(k) {
                                ad.map.insert(k.clone(), v.clone());
                            }
                        }
                    }
                }
                update(&mut a, &b, ml);
                Ok(a)
            }
            _ => Err(CallError::NotAvailable(fun.to_string())),
        }
    }

    fn has(&self, fun: &str) -> bool {
        matches!(
            fun,
            "test.echo"
                | "test.fail"
                | "pillar.get"
                | "grains.get"
                | "config.get"
                | "grains.filter_by"
                | "defaults.merge"
                | "slsutil.merge"
        )
    }
}

/// The fixture root.
pub fn inputs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/inputs/jinja")
}

/// Whether rsalt's YAML loader is implemented yet (some fixtures need it).
pub fn yaml_ready() -> bool {
    rsalt_data::yaml::load("a: 1").is_ok()
}
