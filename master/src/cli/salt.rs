//! `rsalt`: Salt's `salt` command against the local master.
//!
//! `rsalt [options] '<target>' <function> [arguments] [key=value ...]`, the target flags
//! `-E -L -G -P -I -C -N -S`, `--out`, `--static`, `-t`, `--async`, `-b`, `--show-jid`, `-v`,
//! `--state-output`. The design card's shorthand `rsalt state.apply role=api` targets the
//! minions whose `role` grain is `api` or whose `roles` grain contains it.
//!
//! Exit codes: 0 all well; 1 a minion returned non-zero or a targeted minion did not
//! return (Salt exits 0 then); 2 client errors (no master, bad arguments, no minion
//! matched).

use crate::localapi::{self, LocalEvent, LocalRequest, PublishSpec};
use clap::Parser;
use rsalt_data::{Dict, Value};
use rsalt_modules::args::{parse_kwarg, yamlify_arg};
use rsalt_output::{OutputOptions, StateOutput};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Run a function on targeted minions.
#[derive(Debug, Parser)]
#[command(
    name = "rsalt",
    version,
    about = "Run execution functions on minions (salt compatible)",
    override_usage = "rsalt [OPTIONS] '<target>' <function> [arguments]\n       rsalt [OPTIONS] <function> role=<role> [arguments]"
)]
pub struct SaltArgs {
    /// Configuration directory.
    #[arg(short = 'c', long = "config-dir", default_value = crate::config::DEFAULT_CONFIG_DIR)]
    pub config_dir: PathBuf,
    /// Log level.
    #[arg(short = 'l', long = "log-level")]
    pub log_level: Option<String>,
    /// Target by PCRE on minion ids.
    #[arg(short = 'E', long = "pcre")]
    pub pcre: bool,
    /// Target a comma-separated list of minion ids.
    #[arg(short = 'L', long = "list")]
    pub list: bool,
    /// Target by grain (`key:value`, globs allowed).
    #[arg(short = 'G', long = "grain")]
    pub grain: bool,
    /// Target by grain PCRE.
    #[arg(short = 'P', long = "grain-pcre")]
    pub grain_pcre: bool,
    /// Target by pillar.
    #[arg(short = 'I', long = "pillar")]
    pub pillar: bool,
    /// Compound target.
    #[arg(short = 'C', long = "compound")]
    pub compound: bool,
    /// Nodegroup target.
    #[arg(short = 'N', long = "nodegroup")]
    pub nodegroup: bool,
    /// Target by IP/CIDR.
    #[arg(short = 'S', long = "ipcidr")]
    pub ipcidr: bool,
    /// Outputter.
    #[arg(long = "out", visible_alias = "output")]
    pub out: Option<String>,
    /// Print all returns at the end, as one document.
    #[arg(long = "static")]
    pub static_out: bool,
    /// Seconds to wait for silent connected minions (default: master's `timeout`, 5).
    #[arg(short = 't', long = "timeout")]
    pub timeout: Option<u64>,
    /// Publish and print the job id without waiting.
    #[arg(long = "async")]
    pub async_: bool,
    /// Run on N minions (or N%) at a time.
    #[arg(short = 'b', long = "batch-size", visible_alias = "batch")]
    pub batch: Option<String>,
    /// Print the job id.
    #[arg(long = "show-jid")]
    pub show_jid: bool,
    /// Verbose: job id header and summary details.
    #[arg(short = 'v', long = "verbose")]
    pub verbose: bool,
    /// highstate output mode: full, terse, mixed, changes, filter.
    #[arg(long = "state-output", visible_alias = "state_output")]
    pub state_output: Option<String>,
    /// Print the returns summary (default on a TTY with more than one minion).
    #[arg(long = "summary")]
    pub summary: bool,
    /// No colours.
    #[arg(long = "no-color", visible_alias = "no-colour")]
    pub no_color: bool,
    /// Target, function and arguments (options may come anywhere, as with salt; put
    /// arguments that start with `-` after `--`).
    pub args: Vec<String>,
}

fn tgt_type(a: &SaltArgs) -> Option<&'static str> {
    [
        (a.pcre, "pcre"),
        (a.list, "list"),
        (a.grain, "grain"),
        (a.grain_pcre, "grain_pcre"),
        (a.pillar, "pillar"),
        (a.compound, "compound"),
        (a.nodegroup, "nodegroup"),
        (a.ipcidr, "ipcidr"),
    ]
    .iter()
    .find(|(on, _)| *on)
    .map(|(_, t)| *t)
}

fn looks_like_function(s: &str) -> bool {
    let Some((m, f)) = s.split_once('.') else {
        return false;
    };
    !m.is_empty()
        && !f.is_empty()
        && !f.contains('.')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// The parsed command: target, function, arguments.
struct Command {
    tgt: Value,
    tgt_type: String,
    fun: String,
    arg: Vec<Value>,
    kwarg: Dict,
}

fn parse_command(a: &SaltArgs) -> Result<Command, String> {
    let explicit = tgt_type(a);
    let words = &a.args;
    let split_args = |rest: &[String]| {
        let mut arg = Vec::new();
        let mut kwarg = Dict::new();
        for w in rest {
            match parse_kwarg(w) {
                Some((k, v)) => {
                    kwarg.insert(k, yamlify_arg(&v));
                }
                None => arg.push(yamlify_arg(w)),
            }
        }
        (arg, kwarg)
    };
    // Shorthand: `rsalt state.apply role=api`.
    if explicit.is_none() && words.first().is_some_and(|w| looks_like_function(w)) {
        let (arg, mut kwarg) = split_args(&words[1..]);
        let role = kwarg.remove("role").or_else(|| kwarg.remove("roles"));
        if let Some(role) = role {
            return Ok(Command {
                tgt: Value::Str(role.to_py_str()),
                tgt_type: "roles".into(),
                fun: words[0].clone(),
                arg,
                kwarg,
            });
        }
    }
    if words.len() < 2 {
        return Err(
            "both a target and a function are required (rsalt '<target>' <function>)".into(),
        );
    }
    let tgt_type = explicit.unwrap_or("glob").to_string();
    let tgt = if tgt_type == "list" {
        Value::List(
            words[0]
                .split(',')
                .map(|s| Value::from(s.trim()))
                .filter(|v| v.as_str() != Some(""))
                .collect(),
        )
    } else {
        Value::from(words[0].as_str())
    };
    let fun = words[1].clone();
    if !looks_like_function(&fun) {
        return Err(format!("'{fun}' is not a function name (module.function)"));
    }
    let (arg, kwarg) = split_args(&words[2..]);
    Ok(Command {
        tgt,
        tgt_type,
        fun,
        arg,
        kwarg,
    })
}

struct Printer {
    args_out: Option<String>,
    opts: OutputOptions,
    tty_count: bool,
    collected: Dict,
    retcodes: Vec<i64>,
    changed: usize,
    failed: Vec<String>,
    missing: Vec<(String, String)>,
    returned: usize,
    expected: usize,
    static_out: bool,
}

impl Printer {
    fn clear_count(&self) {
        if self.tty_count {
            eprint!("\r\x1b[K");
        }
    }

    fn show_count(&self) {
        if self.tty_count && self.expected > 0 {
            eprint!("\r{}/{} returned", self.returned, self.expected);
            let _ = std::io::stderr().flush();
        }
    }

    fn on_return(&mut self, ret: rsalt_proto::msg::JobReturn) {
        self.returned += 1;
        let retcode = effective_retcode(&ret);
        self.retcodes.push(retcode);
        if retcode != 0 {
            self.failed.push(ret.id.clone());
        }
        if has_changes(&ret.ret) {
            self.changed += 1;
        }
        let out = self
            .args_out
            .clone()
            .or_else(|| ret.out.clone())
            .unwrap_or_else(|| "nested".into());
        if self.static_out {
            self.collected.insert(ret.id.as_str(), ret.ret);
            self.show_count();
            return;
        }
        let mut one = Dict::new();
        one.insert(ret.id.as_str(), ret.ret);
        let mut o = self.opts.clone();
        o.retcode = retcode;
        self.clear_count();
        print_value(&out, &Value::Dict(one), &o);
        self.show_count();
    }

    fn on_missing(&mut self, missing: Vec<(String, String)>, jid: &str) {
        self.clear_count();
        for (id, reason) in missing {
            let text = if reason == "No response" {
                format!("Minion did not return. [No response]\nThe minions may not have all finished running and any remaining minions will return upon completion. To look up the return data for this job later, run the following command:\n\nrsalt-run jobs.lookup_jid {jid}")
            } else {
                format!("Minion did not return. [{reason}]")
            };
            if self.static_out {
                self.collected.insert(id.as_str(), Value::Str(text));
            } else {
                let (red, endc) = if self.opts.color {
                    ("\x1b[0;31m", "\x1b[0m")
                } else {
                    ("", "")
                };
                let (cyan, _) = if self.opts.color {
                    ("\x1b[0;36m", "")
                } else {
                    ("", "")
                };
                let mut s = format!("{cyan}{id}{endc}:\n");
                for line in text.split('\n') {
                    s.push_str(&format!("{red}    {line}{endc}\n"));
                }
                println!("{s}");
            }
            self.missing.push((id, reason));
        }
    }
}

fn effective_retcode(ret: &rsalt_proto::msg::JobReturn) -> i64 {
    if ret.retcode != 0 {
        return ret.retcode;
    }
    if !ret.success {
        return 1;
    }
    0
}

fn has_changes(v: &Value) -> bool {
    match v {
        Value::Dict(d) => d.iter().any(|(_, r)| {
            r.as_dict()
                .and_then(|rd| rd.get("changes"))
                .is_some_and(|c| c.as_dict().is_some_and(|c| !c.is_empty()))
        }),
        _ => false,
    }
}

fn print_value(out: &str, v: &Value, o: &OutputOptions) {
    match rsalt_output::display(out, v, o) {
        Ok(text) => {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
        }
        Err(e) => eprintln!("ERROR: {e}"),
    }
}

fn batch_size(spec: &str, total: usize) -> Result<usize, String> {
    let n = if let Some(p) = spec.strip_suffix('%') {
        let pct: f64 = p
            .parse()
            .map_err(|_| format!("invalid batch size {spec}"))?;
        ((total as f64) * pct / 100.0).ceil() as usize
    } else {
        spec.parse()
            .map_err(|_| format!("invalid batch size {spec}"))?
    };
    Ok(n.max(1))
}

/// Runs `rsalt`; returns the exit code.
pub fn run(args: SaltArgs) -> anyhow::Result<i32> {
    let cfg = super::load(&args.config_dir, args.log_level.as_deref(), false)?;
    let cmd = match parse_command(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ERROR: {e}");
            return Ok(2);
        }
    };
    let timeout = args
        .timeout
        .unwrap_or_else(|| u64::try_from(cfg.int("timeout")).unwrap_or(5).max(1));
    let opts = OutputOptions {
        color: !args.no_color && std::io::stdout().is_terminal(),
        state_output: StateOutput::parse(
            &args
                .state_output
                .clone()
                .unwrap_or_else(|| cfg.str("state_output")),
        ),
        state_verbose: cfg.bool("state_verbose"),
        ..Default::default()
    };
    let mut printer = Printer {
        args_out: args.out.clone(),
        opts,
        tty_count: std::io::stderr().is_terminal() && !args.async_,
        collected: Dict::new(),
        retcodes: Vec::new(),
        changed: 0,
        failed: Vec::new(),
        missing: Vec::new(),
        returned: 0,
        expected: 0,
        static_out: args.static_out,
    };
    let sock = cfg.cli_socket();
    let rt = super::runtime()?;
    let code = rt.block_on(async {
        // Batches: resolve the target once, then publish list targets window by window.
        let groups: Vec<(Value, String)> = match &args.batch {
            None => vec![(cmd.tgt.clone(), cmd.tgt_type.clone())],
            Some(b) => {
                let mut s = localapi::connect(&sock).await?;
                localapi::write_frame(&mut s, &LocalRequest::Resolve { tgt: cmd.tgt.clone(), tgt_type: cmd.tgt_type.clone() }).await?;
                let ids = match localapi::read_frame::<LocalEvent>(&mut s).await? {
                    Some(LocalEvent::Minions { ids }) => ids,
                    _ => Vec::new(),
                };
                let n = match batch_size(b, ids.len()) {
                    Ok(n) => n,
                    Err(e) => {
                        eprintln!("ERROR: {e}");
                        return Ok::<i32, anyhow::Error>(2);
                    }
                };
                ids.chunks(n)
                    .map(|c| (Value::List(c.iter().map(|s| Value::from(s.as_str())).collect()), "list".to_string()))
                    .collect()
            }
        };
        let mut any_sent = false;
        for (tgt, tgt_type) in groups {
            let mut s = localapi::connect(&sock).await?;
            let spec = PublishSpec {
                tgt,
                tgt_type,
                fun: cmd.fun.clone(),
                arg: cmd.arg.clone(),
                kwarg: Value::Dict(cmd.kwarg.clone()),
                timeout,
            };
            localapi::write_frame(&mut s, &LocalRequest::Publish(spec)).await?;
            let mut jid = String::new();
            while let Some(ev) = localapi::read_frame::<LocalEvent>(&mut s).await? {
                match ev {
                    LocalEvent::Started { jid: j, minions, disconnected: _ } => {
                        jid = j;
                        if minions.is_empty() {
                            break;
                        }
                        any_sent = true;
                        printer.expected += minions.len();
                        if args.async_ {
                            println!("Executed command with job ID: {jid}");
                            return Ok(0);
                        }
                        if args.verbose {
                            let msg = format!("Executing job with jid {jid}");
                            println!("{msg}\n{}\n", "-".repeat(msg.len()));
                        } else if args.show_jid {
                            println!("jid: {jid}");
                        }
                        printer.show_count();
                    }
                    LocalEvent::Return(r) => printer.on_return(r),
                    LocalEvent::Done { missing } => {
                        printer.on_missing(missing, &jid);
                        break;
                    }
                    LocalEvent::Error { message } => {
                        printer.clear_count();
                        eprintln!("ERROR: {message}");
                        return Ok(2);
                    }
                    _ => {}
                }
            }
        }
        printer.clear_count();
        if !any_sent {
            eprintln!("No minions matched the target. No command was sent, no jid was assigned.\nERROR: No return received");
            return Ok(2);
        }
        if args.static_out {
            let out = args.out.clone().unwrap_or_else(|| rsalt_output::default_outputter(&cmd.fun).to_string());
            let mut o = printer.opts.clone();
            o.retcode = printer.retcodes.iter().copied().max().unwrap_or(0);
            print_value(&out, &Value::Dict(printer.collected.clone()), &o);
        }
        let total = printer.returned + printer.missing.len();
        if args.summary || (args.out.is_none() && std::io::stdout().is_terminal() && total > 1) {
            println!("\n\n-------------------------------------------");
            println!("Summary");
            println!("-------------------------------------------");
            println!("# of minions targeted: {total}");
            println!("# of minions returned: {}", printer.returned);
            println!("# of minions that did not return: {}", printer.missing.len());
            println!("# of minions with errors: {}", printer.failed.len());
            println!("# of minions with changes: {}", printer.changed);
            if args.verbose {
                let by = |r: &str| printer.missing.iter().filter(|(_, x)| x == r).map(|(i, _)| i.clone()).collect::<Vec<_>>().join(" ");
                let nc = by("Not connected");
                if !nc.is_empty() {
                    println!("Minions not connected: {nc}");
                }
                let nr = by("No response");
                if !nr.is_empty() {
                    println!("Minions not responding: {nr}");
                }
                if !printer.failed.is_empty() {
                    println!("Minions with failures: {}", printer.failed.join(" "));
                }
            }
            println!("-------------------------------------------");
        }
        if printer.retcodes.iter().any(|r| *r != 0) {
            eprintln!("ERROR: Minions returned with non-zero exit code");
            return Ok(1);
        }
        if !printer.missing.is_empty() {
            eprintln!("ERROR: {} targeted minion(s) did not return", printer.missing.len());
            return Ok(1);
        }
        Ok(0)
    });
    match code {
        Ok(c) => Ok(c),
        Err(e) => {
            eprintln!("ERROR: {e:#}");
            Ok(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &[&str], f: impl Fn(&mut SaltArgs)) -> Result<Command, String> {
        let mut a = SaltArgs::parse_from(["rsalt"]);
        a.args = words.iter().map(|s| s.to_string()).collect();
        f(&mut a);
        parse_command(&a)
    }

    #[test]
    fn targets_functions_and_the_roles_shorthand() {
        let c = parse(&["state.apply", "role=api", "test=True"], |_| {}).expect("shorthand");
        assert_eq!(
            (c.tgt_type.as_str(), c.fun.as_str()),
            ("roles", "state.apply")
        );
        assert_eq!(c.kwarg.get("test"), Some(&Value::Bool(true)));
        let c = parse(&["web*", "test.ping"], |_| {}).expect("glob");
        assert_eq!(
            (c.tgt_type.as_str(), c.tgt.to_py_str().as_str()),
            ("glob", "web*")
        );
        let c = parse(&["a,b", "test.ping"], |a| a.list = true).expect("list");
        assert_eq!(c.tgt, Value::List(vec!["a".into(), "b".into()]));
        let c = parse(&["role:api", "state.apply", "web"], |a| a.grain = true).expect("grain");
        assert_eq!((c.tgt_type.as_str(), c.arg.len()), ("grain", 1));
        assert!(parse(&["test.ping"], |_| {}).is_err());
        assert_eq!(batch_size("25%", 10), Ok(3));
        assert_eq!(batch_size("2", 10), Ok(2));
    }
}
