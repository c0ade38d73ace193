//! Salt's `salt.utils.dictupdate`: `update` (recursive), `merge` with the strategies
//! `smart`, `recurse`, `aggregate`, `overwrite`, `list`, `none`. Used by pillar merging,
//! `defaults.merge` and `slsutil.merge`.

use rsalt_data::{Dict, Value};

/// `dictupdate.update(dest, upd, recursive_update=True, merge_lists)`, in place.
pub fn update(dest: &mut Dict, upd: &Dict, merge_lists: bool) {
    let recursive = upd.map.keys().any(|k| dest.map.contains_key(k));
    if !recursive {
        for (k, v) in upd.iter() {
            dest.map.insert(k.clone(), v.clone());
        }
        return;
    }
    for (k, val) in upd.iter() {
        match (dest.map.get_mut(k), val) {
            (Some(Value::Dict(d)), Value::Dict(u)) => update(d, u, merge_lists),
            (Some(Value::List(d)), Value::List(u)) if merge_lists => {
                for x in u {
                    if !d.contains(x) {
                        d.push(x.clone());
                    }
                }
            }
            _ => {
                dest.map.insert(k.clone(), val.clone());
            }
        }
    }
}

/// `merge_overwrite`: like recurse, but lists and non-dicts from `b` replace.
fn merge_overwrite(a: &mut Dict, b: &Dict) {
    for (k, v) in b.iter() {
        match (a.map.get_mut(k), v) {
            (Some(Value::Dict(d)), Value::Dict(u)) => merge_overwrite(d, u),
            _ => {
                a.map.insert(k.clone(), v.clone());
            }
        }
    }
}

/// `merge(a, b, strategy, renderer, merge_lists)`: returns the merged dict (a shallow copy
/// of `a` updated with `b`).
pub fn merge(a: &Dict, b: &Dict, strategy: &str, renderer: &str, merge_lists: bool) -> Dict {
    let strategy = if strategy == "smart" {
        if renderer.rsplit('|').next() == Some("yamlex") || renderer.starts_with("yamlex_") {
            "aggregate"
        } else {
            "recurse"
        }
    } else {
        strategy
    };
    let mut out = a.clone();
    match strategy {
        "overwrite" => merge_overwrite(&mut out, b),
        "list" => {
            for (k, v) in b.iter() {
                match (out.map.get_mut(k), v) {
                    (Some(Value::List(d)), Value::List(u)) => d.extend(u.iter().cloned()),
                    (Some(existing), _) => {
                        let prev = std::mem::take(existing);
                        let mut l = match prev {
                            Value::List(l) => l,
                            other => vec![other],
                        };
                        match v {
                            Value::List(u) => l.extend(u.iter().cloned()),
                            other => l.push(other.clone()),
                        }
                        *existing = Value::List(l);
                    }
                    (None, _) => {
                        out.map.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        "none" => update(&mut out, b, false),
        "recurse" | "aggregate" => update(&mut out, b, merge_lists),
        other => {
            tracing::warn!(
                strategy = other,
                "Unknown merging strategy, fallback to recurse."
            );
            update(&mut out, b, false);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(j: serde_json::Value) -> Dict {
        match Value::from_json(&j) {
            Value::Dict(d) => d,
            _ => unreachable!(),
        }
    }

    #[test]
    fn recursive_update_and_lists() {
        let a = d(serde_json::json!({"x": {"a": 1, "l": [1]}, "y": 1}));
        let b = d(serde_json::json!({"x": {"b": 2, "l": [2]}}));
        let m = merge(&a, &b, "smart", "jinja|yaml", false);
        assert_eq!(m.to_owned().map.len(), 2);
        assert_eq!(
            Value::Dict(m).to_json(),
            serde_json::json!({"x": {"a": 1, "l": [2], "b": 2}, "y": 1})
        );
        let m = merge(&a, &b, "recurse", "jinja|yaml", true);
        assert_eq!(
            Value::Dict(m).to_json(),
            serde_json::json!({"x": {"a": 1, "l": [1, 2], "b": 2}, "y": 1})
        );
    }
}
