//! `iptables.*` execution functions (Salt's `salt/modules/iptables.py`): rule building
//! from keyword arguments ([`build_rule`]), `-C` checks, append/insert/delete, chains,
//! policies, flush and saving to the distribution's rules file.
//!
//! Commands are built as the strings Salt builds (`/usr/sbin/iptables --wait -t filter -A
//! INPUT  -p tcp ...`), shown in state comments as they are, and run without a shell after
//! `shlex` splitting, as Salt's `cmd.run_stderr` does.

use super::cmd::{run_command, shlex_split, CmdLine, RunResult, RunSpec};
use super::{Args, Bound, ExecRegistry, Sig};
use crate::RunContext;
use rsalt_data::{Dict, Key, Value};
use rsalt_sls::CallError;
use std::collections::HashMap;
use std::sync::Mutex;

/// Registers the `iptables.*` functions.
pub fn register(r: &mut ExecRegistry) {
    r.add("iptables.version", x_version);
    r.add("iptables.build_rule", x_build_rule);
    r.add("iptables.check", x_check);
    r.add("iptables.check_chain", x_check_chain);
    r.add("iptables.new_chain", x_new_chain);
    r.add("iptables.delete_chain", x_delete_chain);
    r.add("iptables.append", x_append);
    r.add("iptables.insert", x_insert);
    r.add("iptables.delete", x_delete);
    r.add("iptables.flush", x_flush);
    r.add("iptables.get_policy", x_get_policy);
    r.add("iptables.set_policy", x_set_policy);
    r.add("iptables.save", x_save);
    r.add("iptables.get_rules", x_get_rules);
    r.add("iptables.get_saved_rules", x_get_saved_rules);
}

/// Keywords Salt's state system uses itself (`salt.state.STATE_INTERNAL_KEYWORDS`); they
/// never become rule options.
pub const STATE_INTERNAL_KEYWORDS: &[&str] = &[
    "onchanges",
    "onchanges_any",
    "onfail",
    "onfail_any",
    "onfail_all",
    "onfail_stop",
    "prereq",
    "prerequired",
    "watch",
    "watch_any",
    "require",
    "require_any",
    "listen",
    "onchanges_in",
    "onfail_in",
    "prereq_in",
    "watch_in",
    "require_in",
    "listen_in",
    "fun",
    "state",
    "check_cmd",
    "cmd_opts_exclude",
    "failhard",
    "onlyif",
    "unless",
    "creates",
    "retry",
    "order",
    "parallel",
    "reload_modules",
    "reload_grains",
    "reload_pillar",
    "runas",
    "runas_password",
    "fire_event",
    "saltenv",
    "umask",
    "use",
    "use_in",
    "__env__",
    "__sls__",
    "__id__",
    "__sls_included_from__",
    "__orchestration_jid__",
    "__pub_user",
    "__pub_arg",
    "__pub_jid",
    "__pub_fun",
    "__pub_tgt",
    "__pub_ret",
    "__pub_pid",
    "__pub_tgt_type",
    "__prereq__",
    "__prerequired__",
    "__umask__",
];

/// Whether `k` is a state-system keyword (or another `__dunder__` the runner adds).
pub fn is_internal_keyword(k: &str) -> bool {
    STATE_INTERNAL_KEYWORDS.contains(&k) || (k.starts_with("__") && k.ends_with("__"))
}

/// Options written after the jump target (Salt's `after_jump_arguments`, same order).
const AFTER_JUMP: &[&str] = &[
    "j",
    "jump",
    "add-set",
    "and-mark",
    "and-tos",
    "checksum-fill",
    "clamp-mss-to-pmtu",
    "clustermac",
    "ctevents",
    "ctmask",
    "del-set",
    "ecn-tcp-remove",
    "exist",
    "expevents",
    "gateway",
    "hash-init",
    "hashmode",
    "helper",
    "label",
    "local-node",
    "log-ip-options",
    "log-level",
    "log-prefix",
    "log-tcp-options",
    "log-tcp-sequence",
    "log-uid",
    "mask",
    "new",
    "nfmask",
    "nflog-group",
    "nflog-prefix",
    "nflog-range",
    "nflog-threshold",
    "nodst",
    "notrack",
    "on-ip",
    "on-port",
    "or-mark",
    "or-tos",
    "persistent",
    "queue-balance",
    "queue-bypass",
    "queue-num",
    "random",
    "rateest-ewmalog",
    "rateest-interval",
    "rateest-name",
    "reject-with",
    "restore",
    "restore-mark",
    "save-mark",
    "selctx",
    "set-class",
    "set-dscp",
    "set-dscp-class",
    "set-mark",
    "set-mss",
    "set-tos",
    "set-xmark",
    "strip-options",
    "timeout",
    "to",
    "to-destination",
    "to-ports",
    "to-source",
    "total-nodes",
    "tproxy-mark",
    "ttl-dec",
    "ttl-inc",
    "ttl-set",
    "type",
    "ulog-cprange",
    "ulog-nlgroup",
    "ulog-prefix",
    "ulog-qthreshold",
    "xor-mark",
    "xor-tos",
    "zone",
    "dst-pfx",
    "hl-dec",
    "hl-inc",
    "hl-set",
    "hmark-dport-mask",
    "hmark-dst-prefix",
    "hmark-mod",
    "hmark-offset",
    "hmark-proto-mask",
    "hmark-rnd",
    "hmark-spi-mask",
    "hmark-sport-mask",
    "hmark-src-prefix",
    "hmark-tuple",
    "led-always-blink",
    "led-delay",
    "led-trigger-id",
    "queue-cpu-fanout",
    "src-pfx",
    "to-port",
    "addr",
    "and-mask",
    "delude",
    "honeypot",
    "or-mask",
    "prefix",
    "reset",
    "reuse",
    "set-mac",
    "shift",
    "static",
    "tarpit",
    "tname",
    "ttl",
];

/// Python's `re.sub(r"(!|not)\s?", "", value)`.
fn strip_negations(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut rest = v;
    while !rest.is_empty() {
        let skip = if rest.starts_with('!') {
            Some(1)
        } else if rest.starts_with("not") {
            Some(3)
        } else {
            None
        };
        match skip {
            Some(n) => {
                rest = &rest[n..];
                if let Some(c) = rest.chars().next() {
                    if c.is_whitespace() {
                        rest = &rest[c.len_utf8()..];
                    }
                }
            }
            None => {
                let c = rest.chars().next().unwrap_or(' ');
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

fn negated(v: &str) -> bool {
    v.starts_with('!') || v.starts_with("not")
}

/// The rule-building options of `build_rule`: full command or just the rule.
#[derive(Debug, Clone, Default)]
pub struct RuleSpec {
    /// Table (`filter`).
    pub table: String,
    /// Chain, if given.
    pub chain: Option<String>,
    /// Command letter (`A`, `I`, `D`, ...) for a full command.
    pub command: Option<String>,
    /// Position written after the chain in a full command.
    pub position: String,
    /// Build the whole command, not only the rule.
    pub full: bool,
    /// `ipv4` or `ipv6`.
    pub family: String,
}

/// Salt's `iptables.build_rule`: the rule text from the remaining keyword arguments (in
/// order), or with `full` the whole command line. Errors are returned as Salt returns
/// them: a string starting with `Error:`.
pub fn build_rule(spec: &RuleSpec, kwargs: &Dict) -> String {
    // Work on (key, value-as-python-str) pairs, keeping the original values for the few
    // places that care about types.
    let mut kw: Vec<(String, Value)> = Vec::new();
    for (k, v) in kwargs.iter() {
        let k = k.to_string();
        if k == "name" || k == "state" || k == "chain" || k == "save" || k == "table" {
            continue;
        }
        if is_internal_keyword(&k) {
            continue;
        }
        let k = if k == "target" { "jump".to_string() } else { k };
        if let Some(e) = kw.iter_mut().find(|(ek, _)| *ek == k) {
            e.1 = v.clone();
        } else {
            kw.push((k, v.clone()));
        }
    }
    let take = |kw: &mut Vec<(String, Value)>, k: &str| -> Option<Value> {
        let i = kw.iter().position(|(ek, _)| ek == k)?;
        Some(kw.remove(i).1)
    };
    let has = |kw: &Vec<(String, Value)>, k: &str| kw.iter().any(|(ek, _)| ek == k);
    let neg = |v: &Value| -> (String, String) {
        let s = v.to_py_str();
        if negated(&s) {
            ("! ".into(), strip_negations(&s))
        } else {
            (String::new(), s)
        }
    };
    let mut rule: Vec<String> = Vec::new();
    let mut protocol = false;
    if let Some(v) = take(&mut kw, "if") {
        let (n, s) = neg(&v);
        rule.push(format!("{n}-i {s}"));
    }
    if let Some(v) = take(&mut kw, "of") {
        let (n, s) = neg(&v);
        rule.push(format!("{n}-o {s}"));
    }
    let match_is_policy = kw
        .iter()
        .any(|(k, v)| k == "match" && v.as_str() == Some("policy"));
    if has(&kw, "proto") && !match_is_policy {
        if let Some(v) = take(&mut kw, "proto") {
            if let Some(e) = kw.iter_mut().find(|(k, _)| k == "protocol") {
                e.1 = v;
            } else {
                kw.push(("protocol".into(), v));
            }
        }
    }
    if let Some(v) = take(&mut kw, "protocol") {
        let (n, s) = neg(&v);
        rule.push(format!("{n}-p {s}"));
        protocol = true;
    }
    if let Some(mv) = take(&mut kw, "match") {
        let matches: Vec<String> = match &mv {
            Value::List(l) => l.iter().map(Value::to_py_str).collect(),
            other => other.to_py_str().split(',').map(str::to_string).collect(),
        };
        for m in matches {
            rule.push(format!("-m {m}"));
            if matches!(m.trim(), "pknock" | "quota2" | "recent") {
                if let Some(n) = take(&mut kw, "name_") {
                    rule.push(format!("--name {}", n.to_py_str()));
                }
            }
        }
        if match_is_policy {
            if let Some(v) = take(&mut kw, "proto") {
                let (n, s) = neg(&v);
                rule.push(format!("{n}--proto {s}"));
            }
        }
    }
    if let Some(v) = take(&mut kw, "match-set") {
        let sets: Vec<String> = match &v {
            Value::List(l) => l.iter().map(Value::to_py_str).collect(),
            other => vec![other.to_py_str()],
        };
        for s in sets {
            let (n, s) = if negated(&s) {
                ("! ", strip_negations(&s))
            } else {
                ("", s)
            };
            rule.push(format!("-m set {n}--match-set {s}"));
        }
    }
    if let Some(v) = take(&mut kw, "connstate") {
        if !rule.iter().any(|r| r == "-m state") {
            rule.push("-m state".into());
        }
        let (n, s) = neg(&v);
        rule.push(format!("{n}--state {s}"));
    }
    if let Some(v) = take(&mut kw, "dport") {
        let (n, s) = neg(&v);
        rule.push(format!("{n}--dport {s}"));
    }
    if let Some(v) = take(&mut kw, "sport") {
        let (n, s) = neg(&v);
        rule.push(format!("{n}--sport {s}"));
    }
    for arg in ["dports", "sports"] {
        if let Some(v) = take(&mut kw, arg) {
            if !rule.iter().any(|r| r == "-m multiport") {
                rule.push("-m multiport".into());
                if !protocol {
                    return "Error: protocol must be specified".into();
                }
            }
            let ports = match &v {
                Value::List(l) => {
                    let items: Vec<String> = l.iter().map(Value::to_py_str).collect();
                    if items.iter().any(|i| negated(i)) {
                        rule.push("!".into());
                        items
                            .iter()
                            .map(|i| strip_negations(i))
                            .collect::<Vec<_>>()
                            .join(",")
                    } else {
                        items.join(",")
                    }
                }
                other => {
                    let s = other.to_py_str();
                    if negated(&s) {
                        rule.push("!".into());
                        strip_negations(&s)
                    } else {
                        s
                    }
                }
            };
            rule.push(format!("--{arg} {ports}"));
        }
    }
    if let Some(v) = take(&mut kw, "comment") {
        if !rule.iter().any(|r| r == "-m comment") {
            rule.push("-m comment".into());
        }
        rule.push(format!("--comment \"{}\"", v.to_py_str()));
    }
    if kw.iter().any(|(k, v)| k == "set" && v.truthy()) {
        if let Some(v) = take(&mut kw, "set") {
            let (n, s) = neg(&v);
            rule.push(format!("{n}--match-set {s}"));
        }
    }
    let mut after_jump = Vec::new();
    for a in AFTER_JUMP {
        if let Some(v) = take(&mut kw, a) {
            let s = v.to_py_str();
            if v.is_none() || s.is_empty() && matches!(v, Value::Str(_)) {
                after_jump.push(format!("--{a}"));
            } else if s.chars().any(char::is_whitespace) {
                after_jump.push(format!("--{a} \"{s}\""));
            } else {
                after_jump.push(format!("--{a} {s}"));
            }
        }
    }
    for (k, v) in &kw {
        let s = v.to_py_str();
        let (n, s) = if negated(&s) {
            ("! ", strip_negations(&s))
        } else {
            ("", s)
        };
        let flag = if k.chars().count() == 1 { "-" } else { "--" };
        let val = if v.is_none() || matches!(v, Value::Str(x) if x.is_empty()) {
            String::new()
        } else {
            format!(" {s}")
        };
        rule.push(format!("{n}{flag}{k}{val}"));
    }
    rule.extend(after_jump);
    if spec.full {
        if spec.table.is_empty() {
            return "Error: Table needs to be specified".into();
        }
        let Some(chain) = spec.chain.as_deref().filter(|c| !c.is_empty()) else {
            return "Error: Chain needs to be specified".into();
        };
        let Some(command) = spec.command.as_deref().filter(|c| !c.is_empty()) else {
            return "Error: Command needs to be specified".into();
        };
        let flag = if "ACDIRLSFZNXPE".contains(command) {
            "-"
        } else {
            "--"
        };
        return format!(
            "{} {} -t {} {flag}{command} {chain} {} {}",
            ipt_cmd(&spec.family),
            wait_flag(&spec.family),
            spec.table,
            spec.position,
            rule.join(" ")
        );
    }
    rule.join(" ")
}

/// `salt.utils.path.which`: the full path of `exe` on `PATH` (plus the sbin dirs Salt
/// adds), or empty.
pub fn which(exe: &str) -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    let extra = [
        "/bin",
        "/sbin",
        "/usr/bin",
        "/usr/sbin",
        "/usr/local/bin",
        "/usr/local/sbin",
    ];
    let dirs: Vec<&str> = path
        .split(':')
        .filter(|d| !d.is_empty())
        .chain(extra)
        .collect();
    for d in dirs {
        let p = std::path::Path::new(d).join(exe);
        let ok = std::fs::metadata(&p).is_ok_and(|m| {
            use std::os::unix::fs::PermissionsExt;
            m.is_file() && m.permissions().mode() & 0o111 != 0
        });
        if ok {
            return p.to_string_lossy().into_owned();
        }
    }
    String::new()
}

/// The iptables binary for a family (`ip6tables` for `ipv6`).
pub fn ipt_cmd(family: &str) -> String {
    if family == "ipv6" {
        which("ip6tables")
    } else {
        which("iptables")
    }
}

static HAS_WAIT: Mutex<Option<HashMap<String, bool>>> = Mutex::new(None);

/// `--wait` when the binary supports it (Salt's `_has_option("--wait")`), cached per
/// process.
fn wait_flag(family: &str) -> &'static str {
    let fam = if family == "ipv6" { "ipv6" } else { "ipv4" };
    if let Ok(mut g) = HAS_WAIT.lock() {
        if let Some(v) = g.get_or_insert_with(HashMap::new).get(fam) {
            return if *v { "--wait" } else { "" };
        }
        let out = std::process::Command::new(ipt_cmd(fam))
            .arg("--help")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).contains("--wait"))
            .unwrap_or(false);
        if let Some(m) = g.as_mut() {
            m.insert(fam.to_string(), out);
        }
        return if out { "--wait" } else { "" };
    }
    ""
}

/// Runs a command line the way `cmd.run_*` does without a shell (`shlex` split). The
/// caller judges the return code (a failing `iptables -C` is an answer, not an error), so
/// it is neither logged as an error nor reported as the CLI's exit status.
pub fn run(ctx: &RunContext, cmd: &str) -> Result<RunResult, CallError> {
    let argv = shlex_split(cmd).map_err(CallError::Failed)?;
    let mut spec = RunSpec::new(CmdLine::List(argv));
    spec.ignore_retcode = true;
    run_command(ctx, &spec)
}

/// `cmd.run_stderr` of a command.
fn run_stderr(ctx: &RunContext, cmd: &str) -> Result<String, CallError> {
    Ok(run(ctx, cmd)?.stderr)
}

/// `iptables.check`: whether the rule exists (`iptables -C`). `Err` carries Salt's
/// `Error: ...` string for missing arguments.
pub fn check(
    ctx: &RunContext,
    table: &str,
    chain: &str,
    rule: &str,
    family: &str,
) -> Result<bool, String> {
    if chain.is_empty() {
        return Err("Error: Chain needs to be specified".into());
    }
    if rule.is_empty() {
        return Err("Error: Rule needs to be specified".into());
    }
    let cmd = format!("{} -t {table} -C {chain} {rule}", ipt_cmd(family));
    match run(ctx, &cmd) {
        Ok(r) => Ok(r.retcode == Some(0)),
        Err(e) => Err(e.to_string()),
    }
}

/// `iptables.check_chain`: whether `chain` exists in `table` (`iptables-save -t`).
pub fn check_chain(ctx: &RunContext, table: &str, chain: &str, family: &str) -> bool {
    let cmd = format!("{}-save -t {table}", ipt_cmd(family));
    run(ctx, &cmd).is_ok_and(|r| r.stdout.contains(&format!(":{chain} ")))
}

/// Runs an iptables command and returns its stderr (empty on success), as Salt's
/// `new_chain`, `delete_chain`, `delete`, `flush`, `set_policy` and `insert` do.
pub fn ipt(ctx: &RunContext, family: &str, args: &str) -> Result<String, CallError> {
    let cmd = format!("{} {} {args}", ipt_cmd(family), wait_flag(family));
    run_stderr(ctx, &cmd)
}

/// Chains of the in-memory ruleset (`iptables-save`) or of a saved file: `{table:
/// {chain: (policy, [rule lines])}}` in file order.
pub type Parsed = Vec<(String, Vec<(String, String, Vec<String>)>)>;

/// Parses `iptables-save` output: tables, chains with their policy, and the `-A` rule
/// lines of each chain.
pub fn parse_save(text: &str) -> Parsed {
    let mut out: Parsed = Vec::new();
    for line in text.lines() {
        if let Some(t) = line.strip_prefix('*') {
            out.push((t.to_string(), Vec::new()));
        } else if let Some(rest) = line.strip_prefix(':') {
            let mut it = rest.split_whitespace();
            let chain = it.next().unwrap_or_default().to_string();
            let policy = it.next().unwrap_or_default().to_string();
            if let Some((_, chains)) = out.last_mut() {
                chains.push((chain, policy, Vec::new()));
            }
        } else if let Some(rest) = line.strip_prefix("-A ") {
            let chain = rest.split_whitespace().next().unwrap_or_default();
            if let Some((_, chains)) = out.last_mut() {
                if let Some(c) = chains.iter_mut().find(|(n, _, _)| n == chain) {
                    c.2.push(line.to_string());
                }
            }
        }
    }
    out
}

fn parsed_to_value(p: &Parsed) -> Value {
    let mut d = Dict::new();
    for (t, chains) in p {
        let mut td = Dict::new();
        for (c, pol, rules) in chains {
            let mut cd = Dict::new();
            cd.insert("policy", Value::from(pol.as_str()));
            if !rules.is_empty() {
                cd.insert(
                    "rules",
                    Value::List(rules.iter().map(|r| Value::from(r.as_str())).collect()),
                );
            }
            td.insert(c.as_str(), Value::Dict(cd));
        }
        d.insert(t.as_str(), Value::Dict(td));
    }
    Value::Dict(d)
}

/// The in-memory ruleset (`iptables-save`), parsed.
pub fn get_rules(ctx: &RunContext, family: &str) -> Result<Parsed, CallError> {
    let r = run(ctx, &format!("{}-save", ipt_cmd(family)))?;
    Ok(parse_save(&r.stdout))
}

/// The distribution's rules file for `family` (Salt's `_conf`), from the grains.
pub fn conf_file(ctx: &RunContext, family: &str) -> Result<String, CallError> {
    let g = |k: &str| ctx.grains.get(k).map(Value::to_py_str).unwrap_or_default();
    let os = g("os");
    conf_path(&g("os_family"), &os, family)
        .map(str::to_string)
        .ok_or_else(|| {
            CallError::Failed(format!(
                "Saving iptables to file is not supported on {os}. Please file an issue with SaltStack"
            ))
        })
}

/// Salt's `_conf` table: Debian's iptables-persistent files, RHEL's
/// `/etc/sysconfig/iptables`, Arch, SUSE, Gentoo, Alpine.
pub fn conf_path(os_family: &str, os: &str, family: &str) -> Option<&'static str> {
    let v6 = family == "ipv6";
    let pick = |a: &'static str, b: &'static str| Some(if v6 { b } else { a });
    match os_family {
        "RedHat" => pick("/etc/sysconfig/iptables", "/etc/sysconfig/ip6tables"),
        "Arch" => pick(
            "/etc/iptables/iptables.rules",
            "/etc/iptables/ip6tables.rules",
        ),
        "Debian" => pick("/etc/iptables/rules.v4", "/etc/iptables/rules.v6"),
        "Suse" => Some("/etc/sysconfig/scripts/SuSEfirewall2-custom"),
        _ if os == "Gentoo" => pick(
            "/var/lib/iptables/rules-save",
            "/var/lib/ip6tables/rules-save",
        ),
        _ if os == "Alpine" => pick("/etc/iptables/rules-save", "/etc/iptables/rules6-save"),
        _ => None,
    }
}

/// The saved ruleset (the distribution's file or `conf_file`), parsed; a missing file
/// reads as empty.
pub fn get_saved_rules(
    ctx: &RunContext,
    conf: Option<&str>,
    family: &str,
) -> Result<Parsed, CallError> {
    let path = match conf {
        Some(c) => c.to_string(),
        None => conf_file(ctx, family)?,
    };
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    Ok(parse_save(&text))
}

/// `iptables.save`: writes `iptables-save` output to `filename` (default: the
/// distribution's file), applying the `iptables.save_filters` option. Returns
/// `file.write`'s message.
pub fn save(ctx: &RunContext, filename: Option<&str>, family: &str) -> Result<String, CallError> {
    let path = match filename {
        Some(f) => f.to_string(),
        None => conf_file(ctx, family)?,
    };
    if let Some(parent) = std::path::Path::new(&path).parent() {
        if !parent.as_os_str().is_empty() && !parent.is_dir() {
            std::fs::create_dir_all(parent)
                .map_err(|e| CallError::Failed(format!("{}: {e}", parent.display())))?;
        }
    }
    let mut out = run(ctx, &format!("{}-save", ipt_cmd(family)))?.stdout;
    let filters: Vec<regex::Regex> = ctx
        .opt("iptables.save_filters")
        .and_then(Value::as_list)
        .map(|l| {
            l.iter()
                .filter_map(|p| regex::Regex::new(&p.to_py_str()).ok())
                .collect()
        })
        .unwrap_or_default();
    if !filters.is_empty() {
        out = out
            .split_inclusive('\n')
            .filter(|l| !filters.iter().any(|r| r.is_match(l)))
            .collect();
    }
    std::fs::write(&path, format!("{out}\n"))
        .map_err(|e| CallError::Failed(format!("{path}: {e}")))?;
    Ok(format!("Wrote 1 lines to \"{path}\""))
}

/// Rule lines per chain, for comparing the live ruleset with the saved one as Salt's
/// states do (policies and counters ignored).
pub fn rule_lists(p: &Parsed) -> Vec<Vec<String>> {
    p.iter()
        .flat_map(|(_, chains)| chains.iter().map(|(_, _, r)| r.clone()))
        .collect()
}

/// `iptables.get_policy`: the policy of a built-in chain, or None.
pub fn get_policy(
    ctx: &RunContext,
    table: &str,
    chain: &str,
    family: &str,
) -> Result<Option<String>, CallError> {
    let p = get_rules(ctx, family)?;
    Ok(p.iter()
        .find(|(t, _)| t == table)
        .and_then(|(_, cs)| cs.iter().find(|(c, _, _)| c == chain))
        .map(|(_, pol, _)| pol.clone()))
}

// ---- execution-function wrappers ----

fn sig(name: &'static str, params: &'static [&'static str], required: usize) -> Sig {
    Sig {
        name,
        params,
        required,
        varargs: false,
        varkw: false,
    }
}

fn fam(b: &Bound) -> String {
    b.str("family").unwrap_or_else(|| "ipv4".into())
}

fn tbl(b: &Bound) -> String {
    b.str("table").unwrap_or_else(|| "filter".into())
}

fn x_version(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig("version", &["family"], 0))?;
    let r = run(ctx, &format!("{} --version", ipt_cmd(&fam(&b))))?;
    Ok(Value::from(
        r.stdout.split_whitespace().nth(1).unwrap_or_default(),
    ))
}

fn x_build_rule(_: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&Sig {
        name: "build_rule",
        params: &["table", "chain", "command", "position", "full", "family"],
        required: 0,
        varargs: false,
        varkw: true,
    })?;
    let spec = RuleSpec {
        table: tbl(&b),
        chain: b.str("chain"),
        command: b.str("command"),
        position: b.str("position").unwrap_or_default(),
        full: b.is_true("full", false),
        family: fam(&b),
    };
    Ok(Value::from(build_rule(&spec, &b.kwargs)))
}

fn x_check(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig("check", &["table", "chain", "rule", "family"], 0))?;
    Ok(
        match check(
            ctx,
            &tbl(&b),
            &b.str("chain").unwrap_or_default(),
            &b.str("rule").unwrap_or_default(),
            &fam(&b),
        ) {
            Ok(v) => Value::Bool(v),
            Err(e) => Value::from(e),
        },
    )
}

fn x_check_chain(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig("check_chain", &["table", "chain", "family"], 0))?;
    let Some(chain) = b.str("chain").filter(|c| !c.is_empty()) else {
        return Ok(Value::from("Error: Chain needs to be specified"));
    };
    Ok(Value::Bool(check_chain(ctx, &tbl(&b), &chain, &fam(&b))))
}

fn stderr_or_true(s: String) -> Value {
    if s.is_empty() {
        Value::Bool(true)
    } else {
        Value::from(s)
    }
}

fn x_new_chain(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig("new_chain", &["table", "chain", "family"], 0))?;
    let Some(chain) = b.str("chain").filter(|c| !c.is_empty()) else {
        return Ok(Value::from("Error: Chain needs to be specified"));
    };
    let f = fam(&b);
    Ok(stderr_or_true(ipt(
        ctx,
        &f,
        &format!("-t {} -N {chain}", tbl(&b)),
    )?))
}

fn x_delete_chain(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig("delete_chain", &["table", "chain", "family"], 0))?;
    let Some(chain) = b.str("chain").filter(|c| !c.is_empty()) else {
        return Ok(Value::from("Error: Chain needs to be specified"));
    };
    let f = fam(&b);
    Ok(stderr_or_true(ipt(
        ctx,
        &f,
        &format!("-t {} -X {chain}", tbl(&b)),
    )?))
}

fn x_append(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig("append", &["table", "chain", "rule", "family"], 0))?;
    let Some(chain) = b.str("chain").filter(|c| !c.is_empty()) else {
        return Ok(Value::from("Error: Chain needs to be specified"));
    };
    let Some(rule) = b.str("rule").filter(|c| !c.is_empty()) else {
        return Ok(Value::from("Error: Rule needs to be specified"));
    };
    Ok(Value::Bool(append(ctx, &tbl(&b), &chain, &rule, &fam(&b))?))
}

/// `iptables.append`: appends unless the rule exists; true when appended.
pub fn append(
    ctx: &RunContext,
    table: &str,
    chain: &str,
    rule: &str,
    family: &str,
) -> Result<bool, CallError> {
    if check(ctx, table, chain, rule, family) == Ok(true) {
        return Ok(false);
    }
    Ok(ipt(ctx, family, &format!("-t {table} -A {chain} {rule}"))?.is_empty())
}

/// `iptables.insert`: inserts at `position` (negative counts from the end) unless the rule
/// exists; returns stderr (empty on success, as Salt).
pub fn insert(
    ctx: &RunContext,
    table: &str,
    chain: &str,
    position: i64,
    rule: &str,
    family: &str,
) -> Result<String, CallError> {
    let mut position = position;
    if position < 0 {
        let rules = get_rules(ctx, family)?;
        let size = rules
            .iter()
            .find(|(t, _)| t == table)
            .and_then(|(_, cs)| cs.iter().find(|(c, _, _)| c == chain))
            .map_or(0, |(_, _, r)| r.len());
        position = i64::try_from(size).unwrap_or(0) + position + 1;
        if position == 0 {
            position = 1;
        }
    }
    if check(ctx, table, chain, rule, family) == Ok(true) {
        return Ok(String::new());
    }
    ipt(
        ctx,
        family,
        &format!("-t {table} -I {chain} {position} {rule}"),
    )
}

fn x_insert(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig(
        "insert",
        &["table", "chain", "position", "rule", "family"],
        0,
    ))?;
    let Some(chain) = b.str("chain").filter(|c| !c.is_empty()) else {
        return Ok(Value::from("Error: Chain needs to be specified"));
    };
    let Some(pos) = b.some("position").filter(|v| v.truthy()) else {
        return Ok(Value::from(
            "Error: Position needs to be specified or use append (-A)",
        ));
    };
    let Some(rule) = b.str("rule").filter(|c| !c.is_empty()) else {
        return Ok(Value::from("Error: Rule needs to be specified"));
    };
    let pos = parse_position(pos)?;
    Ok(Value::from(insert(
        ctx,
        &tbl(&b),
        &chain,
        pos,
        &rule,
        &fam(&b),
    )?))
}

/// A rule position as an integer.
pub fn parse_position(v: &Value) -> Result<i64, CallError> {
    match v {
        Value::Int(i) => Ok(*i),
        other => other.to_py_str().trim().parse::<i64>().map_err(|_| {
            CallError::Failed(format!(
                "position must be an integer, got {}",
                rsalt_data::repr::repr(other)
            ))
        }),
    }
}

fn x_delete(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig(
        "delete",
        &["table", "chain", "position", "rule", "family"],
        1,
    ))?;
    let pos = b.str("position").filter(|s| !s.is_empty());
    let rule = b.str("rule").filter(|s| !s.is_empty());
    if pos.is_some() && rule.is_some() {
        return Ok(Value::from(
            "Error: Only specify a position or a rule, not both",
        ));
    }
    let what = pos.or(rule).unwrap_or_else(|| "None".into());
    let chain = b.str("chain").unwrap_or_else(|| "None".into());
    Ok(Value::from(ipt(
        ctx,
        &fam(&b),
        &format!("-t {} -D {chain} {what}", tbl(&b)),
    )?))
}

fn x_flush(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig("flush", &["table", "chain", "family"], 0))?;
    Ok(Value::from(ipt(
        ctx,
        &fam(&b),
        &format!("-t {} -F {}", tbl(&b), b.str("chain").unwrap_or_default()),
    )?))
}

fn x_get_policy(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig("get_policy", &["table", "chain", "family"], 0))?;
    let Some(chain) = b.str("chain").filter(|c| !c.is_empty()) else {
        return Ok(Value::from("Error: Chain needs to be specified"));
    };
    Ok(get_policy(ctx, &tbl(&b), &chain, &fam(&b))?.map_or(Value::None, Value::from))
}

fn x_set_policy(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig(
        "set_policy",
        &["table", "chain", "policy", "family"],
        0,
    ))?;
    let Some(chain) = b.str("chain").filter(|c| !c.is_empty()) else {
        return Ok(Value::from("Error: Chain needs to be specified"));
    };
    let Some(policy) = b.str("policy").filter(|c| !c.is_empty()) else {
        return Ok(Value::from("Error: Policy needs to be specified"));
    };
    Ok(Value::from(ipt(
        ctx,
        &fam(&b),
        &format!("-t {} -P {chain} {policy}", tbl(&b)),
    )?))
}

fn x_save(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig("save", &["filename", "family"], 0))?;
    Ok(Value::from(save(
        ctx,
        b.str("filename").as_deref(),
        &fam(&b),
    )?))
}

fn x_get_rules(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig("get_rules", &["family"], 0))?;
    Ok(parsed_to_value(&get_rules(ctx, &fam(&b))?))
}

fn x_get_saved_rules(ctx: &RunContext, a: &Args) -> Result<Value, CallError> {
    let b = a.bind(&sig("get_saved_rules", &["conf_file", "family"], 0))?;
    Ok(parsed_to_value(&get_saved_rules(
        ctx,
        b.str("conf_file").as_deref(),
        &fam(&b),
    )?))
}

/// A `Dict` from `(key, value)` pairs (test helper and state plumbing).
pub fn dict_of(pairs: &[(&str, Value)]) -> Dict {
    let mut d = Dict::new();
    for (k, v) in pairs {
        d.map.insert(Key::Str((*k).to_string()), v.clone());
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(pairs: &[(&str, Value)]) -> String {
        build_rule(
            &RuleSpec {
                table: "filter".into(),
                family: "ipv4".into(),
                ..Default::default()
            },
            &dict_of(pairs),
        )
    }

    /// Expected strings recorded from Salt 3007.8's `iptables.build_rule`.
    #[test]
    fn builds_rules_as_salt() {
        assert_eq!(
            rule(&[
                ("chain", "INPUT".into()),
                ("jump", "ACCEPT".into()),
                ("match", "state".into()),
                ("connstate", "NEW,ESTABLISHED".into()),
                ("dport", Value::Int(22)),
                ("proto", "tcp".into()),
                ("source", "10.0.0.0/8".into()),
                ("comment", "ssh in".into()),
            ]),
            "-p tcp -m state --state NEW,ESTABLISHED --dport 22 -m comment --comment \"ssh in\" --source 10.0.0.0/8 --jump ACCEPT"
        );
        assert_eq!(
            rule(&[
                ("proto", "tcp".into()),
                ("dports", Value::List(vec![Value::Int(80), "!443".into()])),
                ("i", "eth0".into()),
                ("source", "! 1.2.3.4".into()),
                ("j", "REJECT".into()),
                ("reject-with", "tcp-reset".into()),
            ]),
            "-p tcp -m multiport ! --dports 80,443 -i eth0 ! --source 1.2.3.4 --j REJECT --reject-with tcp-reset"
        );
        assert_eq!(
            rule(&[("dports", "80,443".into())]),
            "Error: protocol must be specified"
        );
        assert_eq!(
            rule(&[("jump", "LOG".into()), ("log-prefix", "fw drop: ".into())]),
            "--jump LOG --log-prefix \"fw drop: \""
        );
        assert_eq!(
            rule(&[("in-interface", "lo".into()), ("jump", "ACCEPT".into())]),
            "--in-interface lo --jump ACCEPT"
        );
        assert_eq!(
            rule(&[
                ("ctstate", "RELATED,ESTABLISHED".into()),
                ("match", "conntrack".into()),
                ("jump", "ACCEPT".into())
            ]),
            "-m conntrack --ctstate RELATED,ESTABLISHED --jump ACCEPT"
        );
        assert_eq!(
            rule(&[
                ("match", Value::List(vec!["tcp".into(), "comment".into()])),
                ("comment", "x".into()),
                ("proto", "tcp".into()),
                ("dport", "!22".into()),
                ("jump", "DROP".into()),
                ("syn", Value::None),
            ]),
            "-p tcp -m tcp -m comment ! --dport 22 --comment \"x\" --syn --jump DROP"
        );
    }

    #[test]
    fn strips_bang_and_not() {
        assert_eq!(strip_negations("! 10.0.0.1"), "10.0.0.1");
        assert_eq!(strip_negations("not 22"), "22");
        assert_eq!(strip_negations("!22"), "22");
    }

    #[test]
    fn full_command_layout() {
        let spec = RuleSpec {
            table: "filter".into(),
            chain: Some("INPUT".into()),
            command: Some("A".into()),
            position: String::new(),
            full: true,
            family: "ipv4".into(),
        };
        let s = build_rule(&spec, &dict_of(&[("jump", "ACCEPT".into())]));
        assert!(s.ends_with(" -t filter -A INPUT  --jump ACCEPT"), "{s}");
        let spec = RuleSpec {
            chain: None,
            ..spec
        };
        assert_eq!(
            build_rule(&spec, &Dict::new()),
            "Error: Chain needs to be specified"
        );
    }

    #[test]
    fn save_files_per_distribution() {
        assert_eq!(
            conf_path("Debian", "Ubuntu", "ipv4"),
            Some("/etc/iptables/rules.v4")
        );
        assert_eq!(
            conf_path("Debian", "Debian", "ipv6"),
            Some("/etc/iptables/rules.v6")
        );
        assert_eq!(
            conf_path("RedHat", "Rocky", "ipv4"),
            Some("/etc/sysconfig/iptables")
        );
        assert_eq!(
            conf_path("RedHat", "Fedora", "ipv6"),
            Some("/etc/sysconfig/ip6tables")
        );
        assert_eq!(conf_path("Solaris", "SmartOS", "ipv4"), None);
    }

    #[test]
    fn parses_iptables_save() {
        let p = parse_save(
            "# Generated\n*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:web - [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n-A web -j RETURN\nCOMMIT\n",
        );
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].1[0].1, "DROP");
        assert_eq!(
            p[0].1[0].2,
            vec!["-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT"]
        );
        assert_eq!(p[0].1[2].0, "web");
        assert_eq!(p[0].1[2].2.len(), 1);
    }
}
