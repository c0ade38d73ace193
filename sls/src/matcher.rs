//! Target matching as Salt's matchers do it: glob, pcre, list, grain, grain_pcre, pillar,
//! pillar_pcre, ipcidr, compound (`G@ I@ L@ E@ P@ J@ S@ N@` with and/or/not and
//! parentheses) and nodegroups. Used by top files here and by the master's targeting.

use crate::fnmatch::fnmatch;
use rsalt_data::{Dict, Value};

/// What a matcher can see about one minion.
#[derive(Debug, Clone, Copy)]
pub struct MatchTarget<'a> {
    /// The minion id.
    pub id: &'a str,
    /// Its grains.
    pub grains: &'a Dict,
    /// Its pillar.
    pub pillar: &'a Dict,
    /// The `nodegroups` option.
    pub nodegroups: &'a Dict,
}

/// Python `re.match(pattern, text)`: anchored at the start only. Invalid regexes never match.
pub fn re_match(pattern: &str, text: &str) -> bool {
    regex::Regex::new(&format!("^(?:{pattern})"))
        .map(|re| re.is_match(text))
        .unwrap_or(false)
}

/// `traverse_dict_and_list`: follows `a:b:0` through dicts and lists.
pub fn traverse<'a>(data: &'a Value, key: &str, delimiter: &str) -> Option<&'a Value> {
    let mut ptr = data;
    for each in key.split(delimiter) {
        match ptr {
            Value::List(items) => {
                let embedded = items.iter().filter_map(Value::as_dict).find_map(|d| {
                    d.get(each).or_else(|| {
                        each.parse::<i64>()
                            .ok()
                            .and_then(|i| d.map.get(&rsalt_data::Key::Int(i)))
                    })
                });
                match embedded {
                    Some(v) => ptr = v,
                    None => {
                        let idx: i64 = each.parse().ok()?;
                        let len = items.len() as i64;
                        let i = if idx < 0 { len + idx } else { idx };
                        ptr = items.get(usize::try_from(i).ok()?)?;
                    }
                }
            }
            Value::Dict(d) => {
                ptr = d.get(each).or_else(|| {
                    each.parse::<i64>()
                        .ok()
                        .and_then(|i| d.map.get(&rsalt_data::Key::Int(i)))
                })?;
            }
            _ => return None,
        }
    }
    Some(ptr)
}

fn scalar_match(target: &Value, pattern: &str, regex: bool, exact: bool) -> bool {
    let t = target.to_py_str().to_lowercase();
    let p = pattern.to_lowercase();
    if regex {
        re_match(&p, &t)
    } else if exact {
        t == p
    } else {
        fnmatch(&t, &p)
    }
}

fn dict_match(target: &Dict, pattern: &str, regex: bool, exact: bool) -> bool {
    let wildcard = pattern.starts_with("*:");
    let pattern = if wildcard { &pattern[2..] } else { pattern };
    if pattern == "*" || target.contains_key(pattern) {
        return true;
    }
    if subdict_match(&Value::Dict(target.clone()), pattern, ":", regex, exact) {
        return true;
    }
    if wildcard {
        for (_, v) in target.iter() {
            match v {
                Value::Dict(d) => {
                    if dict_match(d, pattern, regex, exact) {
                        return true;
                    }
                }
                Value::List(l) => {
                    if l.iter().any(|i| scalar_match(i, pattern, regex, exact)) {
                        return true;
                    }
                }
                other => {
                    if scalar_match(other, pattern, regex, exact) {
                        return true;
                    }
                }
            }
        }
    }
    false
}

/// `subdict_match`: `role:api`, `roles:web` (list member), `a:b:c` with deeper keys first.
pub fn subdict_match(data: &Value, expr: &str, delimiter: &str, regex: bool, exact: bool) -> bool {
    let splits: Vec<&str> = expr.split(delimiter).collect();
    if splits.len() == 1 {
        return false;
    }
    for idx in (1..splits.len()).rev() {
        let key = splits[..idx].join(delimiter);
        let (matchstr, found) = if key == "*" {
            (expr.to_string(), Some(data))
        } else {
            (
                splits[idx..].join(delimiter),
                traverse(data, &key, delimiter),
            )
        };
        let Some(found) = found else { continue };
        match found {
            Value::Dict(d) => {
                if d.is_empty() {
                    continue;
                }
                if dict_match(d, &matchstr, regex, exact) {
                    return true;
                }
            }
            Value::List(l) => {
                for member in l {
                    if let Value::Dict(d) = member {
                        if dict_match(d, &matchstr, regex, exact) {
                            return true;
                        }
                    }
                    if scalar_match(member, &matchstr, regex, exact) {
                        return true;
                    }
                }
            }
            other => {
                if scalar_match(other, &matchstr, regex, exact) {
                    return true;
                }
            }
        }
    }
    false
}

/// `glob_match`.
pub fn glob_match(tgt: &str, t: &MatchTarget<'_>) -> bool {
    fnmatch(t.id, tgt)
}

/// `pcre_match`.
pub fn pcre_match(tgt: &str, t: &MatchTarget<'_>) -> bool {
    re_match(tgt, t.id)
}

/// `list_match`: a comma-separated string or a list of ids.
pub fn list_match(tgt: &Value, t: &MatchTarget<'_>) -> bool {
    match tgt {
        Value::Str(s) => s.split(',').any(|x| x.trim() == t.id),
        Value::List(l) => l.iter().any(|x| x.to_py_str() == t.id),
        _ => false,
    }
}

/// `grain_match` / `grain_pcre_match`.
pub fn grain_match(tgt: &str, delimiter: &str, regex: bool, t: &MatchTarget<'_>) -> bool {
    if !tgt.contains(delimiter) {
        return false;
    }
    subdict_match(&Value::Dict(t.grains.clone()), tgt, delimiter, regex, false)
}

/// `pillar_match` / `pillar_pcre_match`.
pub fn pillar_match(tgt: &str, delimiter: &str, regex: bool, t: &MatchTarget<'_>) -> bool {
    if !tgt.contains(delimiter) {
        return false;
    }
    subdict_match(&Value::Dict(t.pillar.clone()), tgt, delimiter, regex, false)
}

/// `ipcidr_match`: the minion's `ipv4`/`ipv6` grains against an address or CIDR.
pub fn ipcidr_match(tgt: &str, t: &MatchTarget<'_>) -> bool {
    use std::net::IpAddr;
    let (net, prefix) = match tgt.split_once('/') {
        Some((n, p)) => (n, p.parse::<u32>().ok()),
        None => (tgt, None),
    };
    let Ok(net) = net.parse::<IpAddr>() else {
        return false;
    };
    let key = if net.is_ipv4() { "ipv4" } else { "ipv6" };
    let Some(addrs) = t.grains.get(key).and_then(Value::as_list) else {
        return false;
    };
    addrs
        .iter()
        .filter_map(|a| a.as_str()?.parse::<IpAddr>().ok())
        .any(|a| match (a, net) {
            (IpAddr::V4(a), IpAddr::V4(n)) => {
                let p = prefix.unwrap_or(32).min(32);
                let mask = if p == 0 { 0 } else { u32::MAX << (32 - p) };
                u32::from(a) & mask == u32::from(n) & mask
            }
            (IpAddr::V6(a), IpAddr::V6(n)) => {
                let p = prefix.unwrap_or(128).min(128);
                let mask = if p == 0 { 0 } else { u128::MAX << (128 - p) };
                u128::from(a) & mask == u128::from(n) & mask
            }
            _ => false,
        })
}

/// `nodegroup_comp`: expands a nodegroup into compound words (nested `N@` allowed).
pub fn nodegroup_words(name: &str, nodegroups: &Dict, skip: &mut Vec<String>) -> Vec<String> {
    if skip.iter().any(|s| s == name) {
        tracing::error!(
            nodegroup = name,
            "Failed nodegroup expansion: illegal nested nodegroup."
        );
        return Vec::new();
    }
    let words: Vec<String> = match nodegroups.get(name) {
        Some(Value::Str(s)) => s.split_whitespace().map(String::from).collect(),
        Some(Value::List(l)) => l.iter().map(Value::to_py_str).collect(),
        _ => {
            tracing::error!(
                nodegroup = name,
                "Failed nodegroup expansion: unknown nodegroup."
            );
            return Vec::new();
        }
    };
    skip.push(name.to_string());
    let mut out = vec!["(".to_string()];
    let list_form = matches!(nodegroups.get(name), Some(Value::List(_)))
        && !words
            .iter()
            .any(|w| w.contains('@') || ["and", "or", "not", "(", ")"].contains(&w.as_str()));
    if list_form {
        // A plain list of minion ids is a list match.
        out.push(format!("L@{}", words.join(",")));
    } else {
        for w in words {
            if w.len() >= 3 && w.starts_with("N@") {
                out.extend(nodegroup_words(&w[2..], nodegroups, skip));
            } else {
                out.push(w);
            }
        }
    }
    out.push(")".to_string());
    skip.pop();
    out
}

/// Parses `G@role:api` into (engine, delimiter, pattern) as Salt's `TARGET_REX`.
fn parse_target(word: &str) -> (Option<char>, Option<char>, String) {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() >= 3 && "GPIJLNSER".contains(chars[0]) {
        if chars[1] == '@' {
            return (Some(chars[0]), None, chars[2..].iter().collect());
        }
        if "GPIJ".contains(chars[0]) && chars.len() >= 4 && chars[2] == '@' {
            return (Some(chars[0]), Some(chars[1]), chars[3..].iter().collect());
        }
    }
    (None, None, word.to_string())
}

/// `compound_match`.
pub fn compound_match(tgt: &Value, t: &MatchTarget<'_>) -> bool {
    let mut words: Vec<String> = match tgt {
        Value::Str(s) => s.split_whitespace().map(String::from).collect(),
        Value::List(l) => l.iter().map(Value::to_py_str).collect(),
        _ => return false,
    };
    let opers = ["and", "or", "not", "(", ")"];
    let mut results: Vec<String> = Vec::new();
    while !words.is_empty() {
        let word = words.remove(0);
        if opers.contains(&word.as_str()) {
            if let Some(last) = results.last() {
                if last == "(" && (word == "and" || word == "or") {
                    return false;
                }
                if word == "not" && !["and", "or", "("].contains(&last.as_str()) {
                    results.push("and".into());
                }
                results.push(word);
            } else {
                if word != "(" && word != "not" {
                    return false;
                }
                results.push(word);
            }
            continue;
        }
        let (engine, delim, pattern) = parse_target(&word);
        let delim_s = delim.map(String::from).unwrap_or_else(|| ":".into());
        let r = match engine {
            Some('N') => {
                let mut skip = Vec::new();
                let mut expanded = nodegroup_words(&pattern, t.nodegroups, &mut skip);
                expanded.append(&mut words);
                words = expanded;
                continue;
            }
            Some('G') => grain_match(&pattern, &delim_s, false, t),
            Some('P') => grain_match(&pattern, &delim_s, true, t),
            Some('I') => pillar_match(&pattern, &delim_s, false, t),
            Some('J') => pillar_match(&pattern, &delim_s, true, t),
            Some('L') => list_match(&Value::Str(pattern), t),
            Some('S') => ipcidr_match(&pattern, t),
            Some('E') => pcre_match(&pattern, t),
            Some(_) => return false,
            None => glob_match(&word, t),
        };
        results.push(if r { "True" } else { "False" }.into());
    }
    eval_bool(&results).unwrap_or(false)
}

/// Evaluates a Python boolean expression of True/False/and/or/not/parentheses.
fn eval_bool(tokens: &[String]) -> Option<bool> {
    struct P<'a> {
        t: &'a [String],
        i: usize,
    }
    impl P<'_> {
        fn peek(&self) -> Option<&str> {
            self.t.get(self.i).map(String::as_str)
        }
        fn or(&mut self) -> Option<bool> {
            let mut v = self.and()?;
            while self.peek() == Some("or") {
                self.i += 1;
                let r = self.and()?;
                v = v || r;
            }
            Some(v)
        }
        fn and(&mut self) -> Option<bool> {
            let mut v = self.not()?;
            while self.peek() == Some("and") {
                self.i += 1;
                let r = self.not()?;
                v = v && r;
            }
            Some(v)
        }
        fn not(&mut self) -> Option<bool> {
            if self.peek() == Some("not") {
                self.i += 1;
                return Some(!self.not()?);
            }
            self.atom()
        }
        fn atom(&mut self) -> Option<bool> {
            let tok = self.peek()?.to_string();
            self.i += 1;
            match tok.as_str() {
                "True" => Some(true),
                "False" => Some(false),
                "(" => {
                    let v = self.or()?;
                    if self.peek() != Some(")") {
                        return None;
                    }
                    self.i += 1;
                    Some(v)
                }
                _ => None,
            }
        }
    }
    let mut p = P { t: tokens, i: 0 };
    let v = p.or()?;
    (p.i == tokens.len()).then_some(v)
}

/// Runs matcher `kind` (`glob`, `pcre`, `list`, `grain`, `grain_pcre`, `pillar`,
/// `pillar_pcre`, `ipcidr`, `compound`, `nodegroup`) for `tgt`.
pub fn match_by(kind: &str, tgt: &Value, t: &MatchTarget<'_>) -> bool {
    let s = tgt.to_py_str();
    match kind {
        "glob" => glob_match(&s, t),
        "pcre" => pcre_match(&s, t),
        "list" => list_match(tgt, t),
        "grain" => grain_match(&s, ":", false, t),
        "grain_pcre" => grain_match(&s, ":", true, t),
        "pillar" => pillar_match(&s, ":", false, t),
        "pillar_pcre" => pillar_match(&s, ":", true, t),
        "pillar_exact" => {
            s.contains(':') && subdict_match(&Value::Dict(t.pillar.clone()), &s, ":", false, true)
        }
        "ipcidr" => ipcidr_match(&s, t),
        "compound" => compound_match(tgt, t),
        "nodegroup" => {
            let mut skip = Vec::new();
            let words = nodegroup_words(&s, t.nodegroups, &mut skip);
            !words.is_empty()
                && compound_match(&Value::List(words.into_iter().map(Value::Str).collect()), t)
        }
        other => {
            tracing::error!(matcher = other, "Unknown matcher.");
            false
        }
    }
}

/// `confirm_top`: the matcher named by a `- match: X` item (default compound) for a top
/// file target.
pub fn confirm_top(tgt: &Value, data: &[Value], t: &MatchTarget<'_>) -> bool {
    let mut kind = "compound".to_string();
    for item in data {
        if let Some(m) = item.get("match") {
            kind = m.to_py_str();
        }
    }
    match_by(&kind, tgt, t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grains() -> Dict {
        match Value::from_json(&serde_json::json!({
            "os": "Debian", "role": "api", "roles": ["web", "api"],
            "ipv4": ["10.0.0.5", "127.0.0.1"], "nested": {"a": {"b": "c"}}
        })) {
            Value::Dict(d) => d,
            _ => unreachable!(),
        }
    }

    #[test]
    fn compound_and_grains() {
        let g = grains();
        let p = Dict::new();
        let ng = match Value::from_json(
            &serde_json::json!({"webs": "web*", "nested": "N@webs and G@os:Debian"}),
        ) {
            Value::Dict(d) => d,
            _ => unreachable!(),
        };
        let t = MatchTarget {
            id: "web1",
            grains: &g,
            pillar: &p,
            nodegroups: &ng,
        };
        assert!(compound_match(&"G@os:Debian and web*".into(), &t));
        assert!(!compound_match(&"G@os:RedHat or db*".into(), &t));
        assert!(compound_match(&"not G@os:RedHat".into(), &t));
        assert!(compound_match(
            &"( E@web\\d or L@x,y ) and G@roles:api".into(),
            &t
        ));
        assert!(compound_match(&"G@nested:a:b:c".into(), &t));
        assert!(compound_match(&"S@10.0.0.0/24".into(), &t));
        assert!(compound_match(&"N@nested".into(), &t));
        assert!(match_by("nodegroup", &"webs".into(), &t));
        assert!(!compound_match(&"and web1".into(), &t));
        assert!(
            grain_match("os:deb*", ":", false, &t),
            "grain matching is case-insensitive glob"
        );
    }
}
