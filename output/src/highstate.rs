//! The `highstate` outputter (`salt/output/highstate.py`): state blocks or terse lines
//! ordered by `__run_num__`, then `Summary for HOST`.

use crate::color::{strip_esc, Colors};
use crate::pyfmt::{ljust, py_float, py_len, py_str, py_strip, rjust, textwrap_fill};
use crate::{nested, pprint, OutputOptions, StateMode};
use rsalt_data::{Dict, Key, Value};

/// Python raised KeyError/AttributeError/TypeError: Salt falls back to the nested outputter.
#[derive(Debug)]
pub(crate) struct Fallback;

type R<T> = Result<T, Fallback>;

fn key_str(k: &Key) -> String {
    k.to_string()
}

/// `output(data)` of highstate.py; `Err` where Salt's `try_printout` would fall back.
pub(crate) fn output(data: &Value, opts: &OutputOptions, indent_level: usize) -> R<String> {
    let mut data = data.clone();
    if let Value::Dict(d) = &data {
        if let Some(r) = d.get("return") {
            data = r.clone();
        }
    }
    if let Value::Dict(d) = &data {
        if let Some(r) = d.get("data") {
            data = r.clone();
        }
    }
    if let Value::Dict(d) = &data {
        if d.len() == 1 {
            if let Some((_, Value::Dict(inner))) = d.iter().next() {
                if inner.contains_key("jid") && inner.contains_key("fun") {
                    data = match inner.get("return") {
                        None => data.clone(),
                        Some(Value::Dict(r)) => r.get("data").cloned().unwrap_or(data.clone()),
                        Some(_) => return Err(Fallback),
                    };
                }
            }
        }
    }
    let mut d = match data {
        // an int (bool too) is returned as is and `.rstrip()` fails on it
        Value::Int(_) | Value::Bool(_) => return Err(Fallback),
        Value::Str(s) => return Ok(s),
        Value::None => return Ok("None".into()),
        Value::Dict(d) => d,
        _ => return Err(Fallback),
    };
    let mut masters = 0;
    for k in d.map.keys() {
        match k {
            Key::Str(s) => {
                if s.ends_with("_master") {
                    masters += 1;
                }
            }
            _ => return Err(Fallback),
        }
    }
    if masters == 1 && d.contains_key("retcode") {
        d.remove("retcode");
    }
    if opts.state_compress_ids {
        d = compress_ids(&d);
    }
    let mut ret = Vec::new();
    for (host, hostdata) in d.iter() {
        ret.push(format_host(&key_str(host), hostdata, opts, indent_level)?.0);
    }
    if ret.is_empty() {
        tracing::error!("Data passed to highstate outputter is not a valid highstate return");
        return Ok(String::new());
    }
    Ok(ret.join("\n"))
}

/// Result values as keys of Salt's `rcounts` dict (Python equality: `True == 1 == 1.0`).
#[derive(Debug, Clone, PartialEq)]
enum RKey {
    True,
    False,
    None,
    Other(String),
    Warnings,
}

fn rkey(v: &Value) -> R<RKey> {
    Ok(match v {
        Value::None => RKey::None,
        Value::Bool(true) => RKey::True,
        Value::Bool(false) => RKey::False,
        Value::Int(1) => RKey::True,
        Value::Int(0) => RKey::False,
        Value::Float(f) if *f == 1.0 => RKey::True,
        Value::Float(f) if *f == 0.0 => RKey::False,
        Value::Int(i) => RKey::Other(format!("n{}", *i as f64)),
        Value::Float(f) => RKey::Other(format!("n{f}")),
        Value::Str(s) => RKey::Other(format!("s{s}")),
        Value::List(_) | Value::Dict(_) => return Err(Fallback),
    })
}

#[derive(Default)]
struct Counts(Vec<(RKey, i64)>);

impl Counts {
    fn add(&mut self, k: RKey, n: i64) {
        if let Some(e) = self.0.iter_mut().find(|(x, _)| *x == k) {
            e.1 += n;
        } else {
            self.0.push((k, n));
        }
    }
    fn get(&self, k: &RKey) -> i64 {
        self.0.iter().find(|(x, _)| x == k).map_or(0, |e| e.1)
    }
    fn has(&self, k: &RKey) -> bool {
        self.0.iter().any(|(x, _)| x == k)
    }
    fn sum(&self) -> i64 {
        self.0.iter().map(|e| e.1).sum()
    }
}

/// Parses a duration as highstate.py does: `float(d)`, else `float(d.partition(" ms")[0])`.
fn push_duration(v: Option<&Value>, into: &mut Vec<f64>) -> R<()> {
    let v = v.cloned().unwrap_or(Value::Int(0));
    match py_float(&v) {
        Err(()) => Err(Fallback),
        Ok(Some(f)) => {
            into.push(f);
            Ok(())
        }
        Ok(None) => {
            let s = v.as_str().unwrap_or_default();
            let head = s.split(" ms").next().unwrap_or_default();
            match crate::pyfmt::parse_py_float(head) {
                Some(f) => into.push(f),
                None => tracing::error!("Cannot parse a float from duration {s}"),
            }
            Ok(())
        }
    }
}

fn run_num_key(info: &Dict) -> R<f64> {
    match info.get("__run_num__") {
        None => Ok(0.0),
        Some(v) => match py_float(v) {
            Ok(Some(f)) if !matches!(v, Value::Str(_)) => Ok(f),
            _ => Err(Fallback),
        },
    }
}

/// `_format_host`: one host's block; returns the text and whether anything changed.
pub(crate) fn format_host(
    host: &str,
    data: &Value,
    opts: &OutputOptions,
    indent_level: usize,
) -> R<(String, bool)> {
    let colors = Colors::new(opts.color);
    let c = &colors;
    let mut rcounts = Counts::default();
    let mut rdurations: Vec<f64> = Vec::new();
    let mut pdurations: Vec<f64> = Vec::new();
    let mut hcolor = c.green;
    let mut hstrs: Vec<String> = Vec::new();
    let mut nchanges: i64 = 0;

    match data {
        Value::Int(_) | Value::Bool(_) => {
            nchanges = 1;
            hstrs.push(format!("{}    {}{}", hcolor, py_str(data), c.endc));
            hcolor = c.cyan;
        }
        Value::Str(s) => {
            nchanges = 1;
            for line in crate::pyfmt::splitlines(s, false) {
                hstrs.push(format!("{hcolor}    {line}{}", c.endc));
            }
            hcolor = c.cyan;
        }
        Value::List(errs) => {
            hcolor = c.light_red;
            hstrs.push(format!("    {hcolor}Data failed to compile:{}", c.endc));
            for err in errs {
                let err = match err {
                    Value::Str(s) if opts.strip_colors => strip_esc(s),
                    other => py_str(other),
                };
                hstrs.push(format!("{hcolor}----------\n    {err}{}", c.endc));
            }
        }
        Value::Dict(d) => {
            let mut rows: Vec<(String, Dict)> = Vec::new();
            for (tname, info) in d.iter() {
                if let Value::Dict(info) = info {
                    if *tname != Key::Str("changes".into())
                        && !info.is_empty()
                        && !info.contains_key("__run_num__")
                    {
                        hstrs.insert(0, pprint::pformat(&Value::Dict(info.clone()), 1));
                        hstrs.insert(
                            0,
                            "The State execution failed to record the order in which all \
                             states were executed. The state return missing data is:"
                                .into(),
                        );
                    }
                    if info.contains_key("result") {
                        rows.push((key_str(tname), info.clone()));
                    }
                }
            }
            let single = rows.len() <= 1;
            let mut keyed = Vec::with_capacity(rows.len());
            for (t, info) in rows {
                // Python compares the keys only when there are two rows or more
                let k = match run_num_key(&info) {
                    Ok(k) => k,
                    Err(_) if single => 0.0,
                    Err(e) => return Err(e),
                };
                keyed.push((k, t, info));
            }
            keyed.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));

            for (_, tname, mut ret) in keyed {
                let result = ret.get("result").cloned().unwrap_or_default();
                let rk = rkey(&result)?;
                let mut compressed_count = 1;
                if opts.state_compress_ids && tname.contains("_|-state_compressed_") {
                    let parts: Vec<&str> = tname.split("_|-").collect();
                    if parts.len() != 4 {
                        return Err(Fallback);
                    }
                    if let Some(n) = trailing_count(parts[1]) {
                        compressed_count = n;
                    }
                }
                rcounts.add(rk, compressed_count);
                if ret.contains_key("__parallel__") {
                    push_duration(ret.get("duration"), &mut pdurations)?;
                } else {
                    push_duration(ret.get("duration"), &mut rdurations)?;
                }

                let mut tcolor = c.green;
                let changes = ret.get("changes").cloned().ok_or(Fallback)?;
                let name = ret.get("name").and_then(Value::as_str).unwrap_or_default();
                let (schanged, ctext) =
                    if matches!(name, "state.orch" | "state.orchestrate" | "state.sls") {
                        let nested = output(&changes, opts, indent_level + 1)?;
                        let pad = " ".repeat(14 * indent_level);
                        let text = format!("\n{nested}");
                        let ctext: Vec<String> =
                            text.split('\n').map(|l| format!("{pad}{l}")).collect();
                        nchanges += 1;
                        (true, ctext.join("\n"))
                    } else {
                        let (sc, ct) = format_changes(&changes, opts)?;
                        if sc && compressed_count > 1 {
                            let n = changes
                                .get("compressed changes")
                                .and_then(Value::as_dict)
                                .map_or(0, |d| d.len() as i64);
                            nchanges += if n > 0 { n } else { 1 };
                        } else if sc {
                            nchanges += 1;
                        }
                        (sc, ct)
                    };

                if opts.output_diff && result.truthy() && !schanged {
                    continue;
                }
                if !opts.state_verbose && result.truthy() && !schanged {
                    continue;
                }
                if schanged {
                    tcolor = c.cyan;
                }
                if result == Value::Bool(false) {
                    hcolor = c.red;
                    tcolor = c.red;
                }
                if result.is_none() {
                    hcolor = c.light_yellow;
                    tcolor = c.light_yellow;
                }

                let mut comps: Vec<String> = tname.split("_|-").map(String::from).collect();
                if opts.state_output.by_id {
                    if comps.len() < 3 {
                        return Err(Fallback);
                    }
                    comps[2] = comps[1].clone();
                }
                let mode = opts.state_output.mode;
                if mode == StateMode::Filter {
                    let res_s = py_str(&result);
                    if opts.state_output_terse.contains(&res_s) {
                        hstrs.push(format_terse(tcolor, &comps, &ret, c, opts)?);
                        continue;
                    }
                    if opts.state_output_exclude.contains(&res_s) {
                        continue;
                    }
                } else if mode == StateMode::Terse
                    || (mode == StateMode::Mixed && result != Value::Bool(false))
                    || (mode == StateMode::Changes && result.truthy() && !schanged)
                {
                    hstrs.push(format_terse(tcolor, &comps, &ret, c, opts)?);
                    continue;
                }

                if comps.len() < 4 {
                    return Err(Fallback);
                }
                let endc = c.endc;
                let mut lines = vec![
                    format!("{tcolor}----------{endc}"),
                    format!("    {tcolor}      ID: {}{endc}", comps[1]),
                    format!("    {tcolor}Function: {}.{}{endc}", comps[0], comps[3]),
                    format!("    {tcolor}  Result: {}{endc}", py_str(&result)),
                ];
                let comment_v = ret.get("comment").cloned().ok_or(Fallback)?;
                let mut comment =
                    py_strip(&py_str(&comment_v)).replace('\n', &format!("\n{}", " ".repeat(14)));
                if let Some(extra) = ret.get("data") {
                    match extra {
                        Value::List(items) => {
                            for item in items {
                                comment = format!("{comment} {}", py_str(item));
                            }
                        }
                        Value::Dict(dd) => {
                            for (k, v) in dd.iter() {
                                comment = format!("{comment}\n\t\t{k}: {}", py_str(v));
                            }
                        }
                        other => comment = format!("{comment} {}", py_str(other)),
                    }
                }
                lines.push(format!("    {tcolor} Comment: {comment}{endc}"));
                let has_start = ret.contains_key("start_time");
                if !ret.contains_key("start_time") {
                    ret.insert("start_time", Value::Str(String::new()));
                }
                if !ret.contains_key("duration") {
                    ret.insert("duration", Value::Str(String::new()));
                }
                let dur = ret.get("duration").cloned().unwrap_or_default();
                let dur_s = if dur == Value::Str(String::new()) {
                    String::new()
                } else {
                    format!("{} ms", py_str(&dur))
                };
                if opts.state_output_profile && has_start {
                    let st = py_str(ret.get("start_time").unwrap_or(&Value::None));
                    lines.push(format!("    {tcolor} Started: {st}{endc}"));
                    lines.push(format!("    {tcolor}Duration: {dur_s}{endc}"));
                }
                if comps[1] != comps[2] {
                    lines.insert(3, format!("    {tcolor}    Name: {}{endc}", comps[2]));
                }
                hstrs.extend(lines);
                hstrs.push(format!("{tcolor}     Changes:   {ctext}{endc}"));

                if let Some(w) = ret.get("warnings") {
                    rcounts.add(RKey::Warnings, 1);
                    let joined = join_lines(w)?;
                    let filled = textwrap_fill(&joined, 80, &" ".repeat(14), &" ".repeat(14));
                    hstrs.push(format!(
                        "   {} Warnings: {}{endc}",
                        c.light_red,
                        filled.trim_start_matches(crate::pyfmt::is_py_space)
                    ));
                }
            }

            summary(
                host,
                &rcounts,
                nchanges,
                &rdurations,
                &pdurations,
                opts,
                c,
                &mut hstrs,
            );
        }
        _ => {}
    }

    let host = if opts.strip_colors {
        strip_esc(host)
    } else {
        host.to_string()
    };
    hstrs.insert(0, format!("{hcolor}{host}:{}", c.endc));
    Ok((hstrs.join("\n"), nchanges > 0))
}

/// `"\n".join(x)`: a list of strings, or the characters of a string.
fn join_lines(w: &Value) -> R<String> {
    match w {
        Value::Str(s) => Ok(s.chars().map(String::from).collect::<Vec<_>>().join("\n")),
        Value::List(l) => {
            let mut parts = Vec::new();
            for x in l {
                parts.push(x.as_str().ok_or(Fallback)?.to_string());
            }
            Ok(parts.join("\n"))
        }
        Value::Dict(d) => {
            let mut parts = Vec::new();
            for k in d.map.keys() {
                parts.push(k.as_str().ok_or(Fallback)?.to_string());
            }
            Ok(parts.join("\n"))
        }
        _ => Err(Fallback),
    }
}

fn trailing_count(id: &str) -> Option<i64> {
    let rest = id.strip_suffix(')')?;
    let open = rest.rfind('(')?;
    let digits = &rest[open + 1..];
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[allow(clippy::too_many_arguments)]
fn summary(
    host: &str,
    rcounts: &Counts,
    nchanges: i64,
    rdurations: &[f64],
    pdurations: &[f64],
    opts: &OutputOptions,
    c: &Colors,
    hstrs: &mut Vec<String>,
) {
    let endc = c.endc;
    let count_max_len = rcounts
        .0
        .iter()
        .map(|(_, n)| n.to_string().len())
        .max()
        .unwrap_or(0);
    let label_max_len = 9; // "Succeeded"
    let line_max_len = label_max_len + count_max_len + 2;
    let dashes = "-".repeat(line_max_len);
    hstrs.push(format!("{}\nSummary for {host}\n{dashes}{endc}", c.cyan));
    let counts = |label: &str, count: &str| -> String {
        format!(
            "{label}: {}",
            rjust(count, line_max_len.saturating_sub(py_len(label) + 2))
        )
    };
    let mut changestats = Vec::new();
    if rcounts.has(&RKey::None) && rcounts.get(&RKey::None) > 0 {
        changestats.push(format!(
            "{}unchanged={}{endc}",
            c.light_yellow,
            rcounts.get(&RKey::None)
        ));
    }
    if nchanges > 0 {
        changestats.push(format!("{}changed={nchanges}{endc}", c.green));
    }
    let changestats = if changestats.is_empty() {
        String::new()
    } else {
        format!(" ({})", changestats.join(", "))
    };
    let ok = rcounts.get(&RKey::True) + rcounts.get(&RKey::None);
    hstrs.push(format!(
        "{}{}{endc}{changestats}",
        c.green,
        counts("Succeeded", &ok.to_string())
    ));
    let num_failed = rcounts.get(&RKey::False);
    let fcolor = if num_failed != 0 { c.red } else { c.cyan };
    hstrs.push(format!(
        "{fcolor}{}{endc}",
        counts("Failed", &num_failed.to_string())
    ));
    let warnings = rcounts.get(&RKey::Warnings);
    let total = rcounts.sum() - warnings;
    if opts.state_output_pct && total != 0 {
        let pct = |n: i64| -> String {
            let v = n as f64 / total as f64 * 100.0;
            let rounded: f64 = format!("{v:.2}").parse().unwrap_or(v);
            rsalt_data::repr::float_repr(rounded)
        };
        hstrs.push(format!(
            "{}{}{endc}",
            c.green,
            counts("Success %", &pct(ok))
        ));
        hstrs.push(format!(
            "{fcolor}{}{endc}",
            counts("Failure %", &pct(num_failed))
        ));
    }
    if warnings != 0 {
        hstrs.push(format!(
            "{}{}{endc}",
            c.light_red,
            counts("Warnings", &warnings.to_string())
        ));
    }
    hstrs.push(format!(
        "{}{dashes}\nTotal states run: {}{endc}",
        c.cyan,
        rjust(&total.to_string(), line_max_len.saturating_sub(7))
    ));
    if opts.state_output_profile {
        let mut sum: f64 = rdurations.iter().fold(0.0, |a, b| a + b);
        if let Some(m) = pdurations.iter().copied().reduce(f64::max) {
            sum += m;
        }
        let mut unit = "ms";
        if sum > 999.0 {
            sum /= 1000.0;
            unit = "s";
        }
        hstrs.push(format!(
            "{}Total run time: {} {unit}{endc}",
            c.cyan,
            rjust(&format!("{sum:.3}"), line_max_len.saturating_sub(5))
        ));
    }
}

/// `_format_changes`: (changed, text appended after `Changes:   `).
fn format_changes(changes: &Value, opts: &OutputOptions) -> R<(bool, String)> {
    if !changes.truthy() {
        return Ok((false, String::new()));
    }
    let Value::Dict(d) = changes else {
        return Ok((true, format!("Invalid Changes data: {}", py_str(changes))));
    };
    let ret = d.get("ret").filter(|r| !r.is_none());
    if let (Some(ret), Some(Value::Str(out))) = (ret, d.get("out")) {
        if out == "highstate" {
            let Value::Dict(hosts) = ret else {
                return Err(Fallback);
            };
            let mut ctext = String::new();
            let mut changed = false;
            for (host, hostdata) in hosts.iter() {
                let (s, ch) = format_host(&key_str(host), hostdata, opts, 1)?;
                ctext.push('\n');
                let lines: Vec<String> = crate::pyfmt::splitlines(&s, false)
                    .into_iter()
                    .map(|l| format!("{}{l}", " ".repeat(14)))
                    .collect();
                ctext.push_str(&lines.join("\n"));
                changed = changed || ch;
            }
            return Ok((changed, ctext));
        }
    }
    let colors = Colors::new(opts.color);
    let text = nested::nested(changes, 14, 0, &colors);
    Ok((true, format!("\n{}", crate::pyfmt::py_rstrip(&text))))
}

/// `_format_terse`: one line per state.
fn format_terse(
    tcolor: &str,
    comps: &[String],
    ret: &Dict,
    c: &Colors,
    opts: &OutputOptions,
) -> R<String> {
    let changes = ret.get("changes").ok_or(Fallback)?;
    let result = ret.get("result").cloned().unwrap_or_default();
    let mut res = "Clean";
    if changes.truthy() {
        res = "Changed";
    }
    if result == Value::Bool(false) {
        res = "Failed";
    } else if result.is_none() {
        res = "Differs";
    }
    if comps.len() < 3 {
        return Err(Fallback);
    }
    let (c0, c2, clast) = (&comps[0], &comps[2], &comps[comps.len() - 1]);
    let warnings = match ret.get("warnings") {
        Some(w) => Some(join_lines(w)?),
        None => None,
    };
    let profile = opts.state_output_profile && ret.contains_key("start_time");
    let timing = |ret: &Dict| -> R<(String, String)> {
        let st = py_str(ret.get("start_time").ok_or(Fallback)?);
        let du = py_str(ret.get("duration").ok_or(Fallback)?);
        Ok((st, du))
    };
    let mut s = String::new();
    if opts.state_tabular {
        if let Some(w) = &warnings {
            s.push_str(&format!("{}Warnings:\n{w}{}\n", c.light_red, c.endc));
        }
        s.push_str(tcolor);
        if profile {
            let (st, du) = timing(ret)?;
            s.push_str(&format!("{st} [{} ms] ", rjust(&du, 7)));
        }
        s.push_str(&format!(
            "{}.{} {}   Name: {c2}{}",
            rjust(c0, 10),
            ljust(clast, 10),
            ljust(res, 7),
            c.endc
        ));
    } else {
        if let Some(w) = &warnings {
            s.push_str(&format!("{}Warnings:\n{w}{}", c.light_red, c.endc));
        }
        s.push_str(&format!(
            " {tcolor} Name: {c2} - Function: {c0}.{clast} - Result: {res}"
        ));
        if profile {
            let (st, du) = timing(ret)?;
            s.push_str(&format!(" - Started: {st} - Duration: {du} ms"));
        }
        s.push_str(c.endc);
    }
    Ok(s)
}

/// `_compress_ids`: merges the states of one ID/sls/result (from `names:`) into one entry.
fn compress_ids(data: &Dict) -> Dict {
    compress_ids_inner(data).unwrap_or_else(|| {
        tracing::warn!("Unable to compress state output by ID! Returning output normally.");
        data.clone()
    })
}

fn compress_ids_inner(data: &Dict) -> Option<Dict> {
    let mut compressed = Dict::new();
    for (host, hostdata) in data.iter() {
        let Value::Dict(hostdata) = hostdata else {
            return None;
        };
        let ident = |tname: &Key, info: &Value| -> Option<(Vec<String>, String)> {
            let comps: Vec<String> = key_str(tname).split("_|-").map(String::from).collect();
            let info = info.as_dict()?;
            let id = format!(
                "{}_{}_{}_{}",
                comps[0],
                py_str(info.get("__id__")?),
                py_str(info.get("__sls__")?),
                py_str(info.get("result")?)
            );
            Some((comps, id))
        };
        let mut counter: indexmap::IndexMap<String, i64> = indexmap::IndexMap::new();
        for (tname, info) in hostdata.iter() {
            let (_, id) = ident(tname, info)?;
            *counter.entry(id).or_insert(0) += 1;
        }
        let mut out = Dict::new();
        for (tname, info) in hostdata.iter() {
            let (mut comps, id) = ident(tname, info)?;
            let n = counter.get(&id).copied().unwrap_or(1);
            if n == 1 {
                out.map.insert(tname.clone(), info.clone());
                continue;
            }
            let info = info.as_dict()?;
            if comps.len() < 3 {
                return None;
            }
            comps[2] = format!(
                "state_compressed_{}_{}_{}",
                py_str(info.get("__sls__")?),
                py_str(info.get("__id__")?),
                py_str(info.get("result")?)
            );
            comps[1] = format!("{} ({n})", py_str(info.get("__id__")?));
            let new_t = Key::Str(comps.join("_|-"));
            let Some(Value::Dict(cur)) = out.map.get_mut(&new_t) else {
                out.map.insert(new_t, Value::Dict(info.clone()));
                continue;
            };
            let rn = |d: &Dict| {
                d.get("__run_num__")
                    .and_then(|v| py_float(v).ok().flatten())
            };
            let (a, b) = (rn(info)?, rn(cur)?);
            let min = if a < b {
                info.get("__run_num__")
            } else {
                cur.get("__run_num__")
            };
            let min = min.cloned()?;
            cur.insert("__run_num__", min);
            let (da, db) = (
                py_float(info.get("duration")?).ok()??,
                py_float(cur.get("duration")?).ok()??,
            );
            let sum: f64 = format!("{:.3}", da + db).parse().ok()?;
            cur.insert("duration", Value::Float(sum));
            let (sa, sb) = (
                info.get("start_time")?.clone(),
                cur.get("start_time")?.clone(),
            );
            let earliest = match (&sa, &sb) {
                (Value::Str(x), Value::Str(y)) => {
                    if x < y {
                        sa.clone()
                    } else {
                        sb.clone()
                    }
                }
                _ => return None,
            };
            cur.insert("start_time", earliest);
            let info_changes = info.get("changes").cloned().unwrap_or_default();
            let cur_changes = cur.get("changes").cloned().unwrap_or_default();
            let info_name = info.get("name").map(py_str).unwrap_or_default();
            if cur_changes.truthy() && info_changes.truthy() {
                let has_comp = cur_changes
                    .get("compressed changes")
                    .is_some_and(Value::truthy);
                if !has_comp {
                    let cur_name = cur.get("name")?.clone();
                    let mut inner = Dict::new();
                    inner
                        .map
                        .insert(Key::from_value(&cur_name)?, cur_changes.clone());
                    let mut wrap = Dict::new();
                    wrap.insert("compressed changes", Value::Dict(inner));
                    cur.insert("changes", Value::Dict(wrap));
                }
                if let Some(Value::Dict(ch)) = cur.get_mut("changes") {
                    if let Some(Value::Dict(inner)) = ch.get_mut("compressed changes") {
                        inner.insert(info_name, info_changes);
                    }
                }
            } else if info_changes.truthy() {
                let mut inner = Dict::new();
                inner.insert(info_name, info_changes);
                let mut wrap = Dict::new();
                wrap.insert("compressed changes", Value::Dict(inner));
                cur.insert("changes", Value::Dict(wrap));
            }
        }
        compressed.map.insert(host.clone(), Value::Dict(out));
    }
    Some(compressed)
}
