//! `hosts.*` execution functions (salt/modules/hosts.py): read and edit the hosts file
//! (`hosts.file` option, default `/etc/hosts`).
//!
//! Parsing and writing follow Salt: `add_host`/`set_comment` rewrite the whole file from
//! the parsed entries (one line per address, `ip\t\taliases[\t\t# comment]`, blank lines
//! dropped, comment lines kept in place), `set_host`/`rm_host` edit the matching lines.
//! Every write truncates and rewrites the file in place (never rename), so a hosts file
//! bind-mounted by Docker can be edited.

use super::sysutil::{failed, write_in_place};
use super::{Args, ExecRegistry, Sig};
use crate::RunContext;
use rsalt_data::{Dict, Value};
use rsalt_sls::CallError;
use std::path::PathBuf;

/// Registers the `hosts.*` functions.
pub fn register(r: &mut ExecRegistry) {
    r.add_doc(
        "hosts.list_hosts",
        list_hosts_fn,
        "Return the hosts found in the hosts file\n",
    );
    r.add_doc(
        "hosts.get_ip",
        get_ip_fn,
        "Return the ip associated with the named host\n",
    );
    r.add_doc(
        "hosts.get_alias",
        get_alias_fn,
        "Return the list of aliases associated with an ip\n",
    );
    r.add_doc(
        "hosts.has_pair",
        has_pair_fn,
        "Return true if the alias is set\n",
    );
    r.add_doc(
        "hosts.set_host",
        set_host_fn,
        "Set the host entry in the hosts file for the given ip\n",
    );
    r.add_doc(
        "hosts.rm_host",
        rm_host_fn,
        "Remove a host entry from the hosts file\n",
    );
    r.add_doc(
        "hosts.add_host",
        add_host_fn,
        "Add a host to an existing entry\n",
    );
    r.add_doc(
        "hosts.set_comment",
        set_comment_fn,
        "Set the comment for a host to an existing entry\n",
    );
}

/// One parsed entry of the hosts file.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// A `# ...` line (Salt's `comment-N` keys).
    Comment(String),
    /// An address with its aliases and optional trailing comment.
    Host {
        /// The address as written.
        ip: String,
        /// Host names, in file order (several lines of one address are merged).
        aliases: Vec<String>,
        /// Text after `#` (left-stripped).
        comment: Option<String>,
    },
}

/// The hosts file path (`hosts.file`, default `/etc/hosts`).
pub fn hosts_path(ctx: &RunContext) -> PathBuf {
    PathBuf::from(
        ctx.opt("hosts.file")
            .filter(|v| !v.is_none())
            .map(Value::to_py_str)
            .unwrap_or_else(|| "/etc/hosts".into()),
    )
}

/// Parses hosts file text as `hosts._list_hosts` does.
pub fn parse(text: &str) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with('#') {
            out.push(Entry::Comment(line.to_string()));
            continue;
        }
        let (body, comment) = match line.find('#') {
            Some(i) => (
                line[..i].trim(),
                Some(line[i + 1..].trim_start().to_string()),
            ),
            None => (line, None),
        };
        let mut comps = body.split_whitespace();
        let Some(ip) = comps.next() else { continue };
        let names: Vec<String> = comps.map(str::to_string).collect();
        let comment = comment.filter(|c| !c.is_empty());
        let existing = out.iter_mut().find_map(|e| match e {
            Entry::Host {
                ip: i,
                aliases,
                comment: c,
            } if i == ip => Some((aliases, c)),
            _ => None,
        });
        match existing {
            Some((aliases, c)) => {
                aliases.extend(names);
                if comment.is_some() {
                    *c = comment;
                }
            }
            None => out.push(Entry::Host {
                ip: ip.to_string(),
                aliases: names,
                comment,
            }),
        }
    }
    out
}

/// Reads and parses the hosts file (missing file: no entries).
pub fn read_hosts(ctx: &RunContext) -> Vec<Entry> {
    std::fs::read_to_string(hosts_path(ctx))
        .map(|t| parse(&t))
        .unwrap_or_default()
}

/// Renders entries as `hosts._write_hosts` does.
pub fn render(entries: &[Entry]) -> String {
    let mut s = String::new();
    for e in entries {
        let line = match e {
            Entry::Comment(c) => c.clone(),
            Entry::Host {
                ip,
                aliases,
                comment: Some(c),
            } => format!("{ip}\t\t{}\t\t# {c}", aliases.join(" ")),
            Entry::Host {
                ip,
                aliases,
                comment: None,
            } => format!("{ip}\t\t{}", aliases.join(" ")),
        };
        if !line.trim().is_empty() {
            s.push_str(line.trim());
            s.push('\n');
        }
    }
    s
}

fn ensure_file(ctx: &RunContext) -> Result<PathBuf, CallError> {
    let p = hosts_path(ctx);
    if !p.exists() {
        std::fs::write(&p, "").map_err(|e| failed(format!("{}: {e}", p.display())))?;
    }
    Ok(p)
}

fn write(ctx: &RunContext, text: &str) -> Result<(), CallError> {
    let p = ensure_file(ctx)?;
    write_in_place(&p, text.as_bytes()).map_err(|e| failed(format!("{}: {e}", p.display())))
}

/// The aliases of `ip` (empty when absent).
pub fn get_alias(entries: &[Entry], ip: &str) -> Vec<String> {
    entries
        .iter()
        .find_map(|e| match e {
            Entry::Host { ip: i, aliases, .. } if i == ip => Some(aliases.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

/// Whether `alias` is listed for `ip`.
pub fn has_pair(entries: &[Entry], ip: &str, alias: &str) -> bool {
    get_alias(entries, ip).iter().any(|a| a == alias)
}

/// `hosts.add_host`: appends `alias` to the entry of `ip` (or a new entry) and rewrites
/// the file.
pub fn add_host(ctx: &RunContext, ip: &str, alias: &str) -> Result<bool, CallError> {
    ensure_file(ctx)?;
    let mut entries = read_hosts(ctx);
    if has_pair(&entries, ip, alias) {
        return Ok(true);
    }
    match entries.iter_mut().find_map(|e| match e {
        Entry::Host { ip: i, aliases, .. } if i == ip => Some(aliases),
        _ => None,
    }) {
        Some(a) => a.push(alias.to_string()),
        None => entries.push(Entry::Host {
            ip: ip.to_string(),
            aliases: vec![alias.to_string()],
            comment: None,
        }),
    }
    write(ctx, &render(&entries))?;
    Ok(true)
}

/// `hosts.set_comment`: sets the trailing comment of `ip`'s entry (False when absent).
pub fn set_comment(ctx: &RunContext, ip: &str, comment: &str) -> Result<bool, CallError> {
    ensure_file(ctx)?;
    let mut entries = read_hosts(ctx);
    let Some(c) = entries.iter_mut().find_map(|e| match e {
        Entry::Host { ip: i, comment, .. } if i == ip => Some(comment),
        _ => None,
    }) else {
        return Ok(false);
    };
    if c.as_deref() == Some(comment) {
        return Ok(true);
    }
    *c = Some(comment.to_string());
    write(ctx, &render(&entries))?;
    Ok(true)
}

/// `hosts.rm_host`: removes `alias` from the lines of `ip` (a line left without aliases
/// is dropped).
pub fn rm_host(ctx: &RunContext, ip: &str, alias: &str) -> Result<bool, CallError> {
    if !has_pair(&read_hosts(ctx), ip, alias) {
        return Ok(true);
    }
    let p = ensure_file(ctx)?;
    let text = std::fs::read_to_string(&p).map_err(|e| failed(e.to_string()))?;
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            out.push_str(line);
            continue;
        }
        let (info, comment) = match t.split_once('#') {
            Some((a, b)) => (a, Some(b.trim_start())),
            None => (t, None),
        };
        let comps: Vec<&str> = info.split_whitespace().collect();
        if comps.first() != Some(&ip) {
            out.push_str(line);
            continue;
        }
        let mut newline = format!("{ip}\t\t");
        for existing in &comps[1..] {
            if *existing != alias {
                newline.push_str(existing);
                newline.push(' ');
            }
        }
        if newline.trim() == ip {
            continue;
        }
        match comment {
            Some(c) => out.push_str(&format!("{newline}# {c}\n")),
            None => out.push_str(&format!("{newline}\n")),
        }
    }
    write_in_place(&p, out.as_bytes()).map_err(|e| failed(e.to_string()))?;
    Ok(true)
}

/// `hosts.set_host`: replaces the entry of `ip` with exactly `alias` (a space-separated
/// list; empty removes the entry).
pub fn set_host(
    ctx: &RunContext,
    ip: &str,
    alias: &str,
    comment: Option<&str>,
) -> Result<bool, CallError> {
    let p = ensure_file(ctx)?;
    let text = std::fs::read_to_string(&p).map_err(|e| failed(e.to_string()))?;
    let line_to_add = if alias.trim().is_empty() {
        String::new()
    } else {
        match comment.filter(|c| !c.is_empty()) {
            Some(c) => format!("{ip}\t\t{alias}\t\t# {c}\n"),
            None => format!("{ip}\t\t{alias}\n"),
        }
    };
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    let mut ovr = false;
    for l in lines.iter_mut() {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if t.split_whitespace().next() == Some(ip) {
            *l = if ovr {
                String::new()
            } else {
                line_to_add.clone()
            };
            ovr = true;
        }
    }
    if !ovr {
        if let Some(last) = lines.last_mut() {
            if !last.ends_with('\n') {
                last.push('\n');
            }
        }
        lines.push(line_to_add);
    }
    write_in_place(&p, lines.concat().as_bytes()).map_err(|e| failed(e.to_string()))?;
    Ok(true)
}

/// `hosts.list_hosts` as a Salt value: `{ip: {aliases: [...], comment?}, comment-N: [line]}`.
pub fn list_value(entries: &[Entry]) -> Value {
    let mut d = Dict::new();
    let mut n = 0;
    for e in entries {
        match e {
            Entry::Comment(c) => {
                d.insert(
                    format!("comment-{n}").as_str(),
                    Value::List(vec![Value::from(c.as_str())]),
                );
                n += 1;
            }
            Entry::Host {
                ip,
                aliases,
                comment,
            } => {
                let mut h = Dict::new();
                h.insert(
                    "aliases",
                    Value::List(aliases.iter().map(|a| Value::from(a.as_str())).collect()),
                );
                if let Some(c) = comment {
                    h.insert("comment", Value::from(c.as_str()));
                }
                d.insert(ip.as_str(), Value::Dict(h));
            }
        }
    }
    Value::Dict(d)
}

fn sig(name: &'static str, params: &'static [&'static str], required: usize) -> Sig {
    Sig {
        name,
        params,
        required,
        varargs: false,
        varkw: false,
    }
}

fn list_hosts_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    args.bind(&sig("list_hosts", &[], 0))?;
    Ok(list_value(&read_hosts(ctx)))
}

fn get_ip_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("get_ip", &["host"], 1))?;
    let host = b.str("host").unwrap_or_default();
    let ip = read_hosts(ctx).into_iter().find_map(|e| match e {
        Entry::Host { ip, aliases, .. } if aliases.contains(&host) => Some(ip),
        _ => None,
    });
    Ok(Value::from(ip.unwrap_or_default().as_str()))
}

fn get_alias_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("get_alias", &["ip"], 1))?;
    let a = get_alias(&read_hosts(ctx), &b.str("ip").unwrap_or_default());
    Ok(Value::List(
        a.iter().map(|s| Value::from(s.as_str())).collect(),
    ))
}

fn has_pair_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("has_pair", &["ip", "alias"], 2))?;
    let entries = read_hosts(ctx);
    let ip = b.str("ip").unwrap_or_default();
    Ok(Value::Bool(match b.get("alias") {
        Some(Value::List(l)) => l.iter().all(|a| has_pair(&entries, &ip, &a.to_py_str())),
        Some(v) => has_pair(&entries, &ip, &v.to_py_str()),
        None => false,
    }))
}

fn set_host_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("set_host", &["ip", "alias", "comment"], 2))?;
    set_host(
        ctx,
        &b.str("ip").unwrap_or_default(),
        &b.str("alias").unwrap_or_default(),
        b.str("comment").as_deref(),
    )
    .map(Value::Bool)
}

fn rm_host_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("rm_host", &["ip", "alias"], 2))?;
    rm_host(
        ctx,
        &b.str("ip").unwrap_or_default(),
        &b.str("alias").unwrap_or_default(),
    )
    .map(Value::Bool)
}

fn add_host_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("add_host", &["ip", "alias"], 2))?;
    add_host(
        ctx,
        &b.str("ip").unwrap_or_default(),
        &b.str("alias").unwrap_or_default(),
    )
    .map(Value::Bool)
}

fn set_comment_fn(ctx: &RunContext, args: &Args) -> Result<Value, CallError> {
    let b = args.bind(&sig("set_comment", &["ip", "comment"], 2))?;
    set_comment(
        ctx,
        &b.str("ip").unwrap_or_default(),
        &b.str("comment").unwrap_or_default(),
    )
    .map(Value::Bool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_render_like_salt() {
        let text = "127.0.0.1\tlocalhost\n# comment line\n\n::1\tlocalhost ip6-localhost\n10.0.0.1 a b # old c\n10.0.0.1 c\n";
        let e = parse(text);
        assert_eq!(e.len(), 4);
        assert_eq!(get_alias(&e, "10.0.0.1"), vec!["a", "b", "c"]);
        assert_eq!(
            render(&e),
            "127.0.0.1\t\tlocalhost\n# comment line\n::1\t\tlocalhost ip6-localhost\n10.0.0.1\t\ta b c\t\t# old c\n"
        );
    }

    #[test]
    fn list_value_has_comment_keys() {
        let v = list_value(&parse("# x\n1.2.3.4 h # c\n"));
        let d = v.as_dict().expect("dict");
        assert!(d.get("comment-0").is_some());
        let h = d.get("1.2.3.4").and_then(Value::as_dict).expect("host");
        assert_eq!(h.get("comment").map(Value::to_py_str).as_deref(), Some("c"));
    }
}
